//! Cold sync from a local node into an empty store, against the reference SDK doing the same work
//! in the same run: (a) 10,000 messages over 10 conversations, (b) 2,000 conversations
//! (invitations). Also the second start: opening the account and showing the conversation list
//! from the store. `cargo bench -p courier-engine --bench sync` (needs `npm ci` in
//! tests/xmtpjs-peer for the reference figures). Then (a) with and without the search index
//! (issue #15); `SYNC_BENCH_INDEX_ONLY=1` runs only that.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/conversations.rs"]
mod conversations;

use conversations::{config, identity, populate, publish_contact};

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use courier_engine::{Engine, ListFilter};
use courier_node::{NodeConfig, NodeHandle};
use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;

fn reference(node: &NodeHandle, alice: &PrivateKeyBundle, mode: &str) -> Option<f64> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/xmtpjs-peer");
    if !dir.join("node_modules").is_dir() {
        eprintln!("(reference figures skipped: run `npm ci` in tests/xmtpjs-peer)");
        return None;
    }
    let out = Command::new("node")
        .current_dir(&dir)
        .args(["sync-bench.mjs", "--api-url", &node.http_url().unwrap(), "--mode", mode, "--bundle-hex"])
        .arg(hex::encode(alice.encode_v1().expose()))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sync-bench.mjs output");
    v["ms"].as_f64()
}

async fn case(name: &str, peers: usize, per_peer: usize, mode: &str) {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let alice = identity();
    publish_contact(&node, &alice).await;
    populate(&node, &alice, peers, per_peer).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&node, dir.path());
    let mut bytes = xmtp_crypto::Secret::new([0u8; 32]);
    rand_core::RngCore::fill_bytes(&mut OsRng, bytes.expose_mut());
    let key = courier_engine::StoreKey::from_bytes(bytes);

    let t = Instant::now();
    let engine = Engine::open_with(&cfg, alice.clone(), &key).await.unwrap();
    let report = engine.sync().await.unwrap();
    let cold = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(report.conversations, peers);
    assert_eq!(report.messages, peers * per_peer);
    drop(engine);

    let t = Instant::now();
    let engine = Engine::open_with(&cfg, alice.clone(), &key).await.unwrap();
    let list = engine.conversations(ListFilter::All).await.unwrap();
    let second = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(list.len(), peers);
    drop(engine);

    let theirs = reference(&node, &alice, mode);
    let (r, ratio) = match theirs {
        Some(ms) => (format!("{ms:.0}"), format!("{:.0}×", ms / cold)),
        None => ("–".into(), "–".into()),
    };
    println!("| {name} | {cold:.0} | {r} | {ratio} | {second:.1} |");
    node.shutdown().await;
}

/// Issue #15: case (a) into a store made just before (so both rows pay the same), once with the
/// search index and once with its insert trigger dropped, on one node, alternating, best of
/// `rounds` each.
async fn index_cost(rounds: usize) {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let alice = identity();
    publish_contact(&node, &alice).await;
    populate(&node, &alice, 10, 1000).await;
    let mut bytes = xmtp_crypto::Secret::new([0u8; 32]);
    rand_core::RngCore::fill_bytes(&mut OsRng, bytes.expose_mut());
    let key = courier_engine::StoreKey::from_bytes(bytes);
    let mut best = [f64::MAX; 2];
    for _ in 0..rounds {
        for (n, indexed) in [true, false].into_iter().enumerate() {
            let dir = tempfile::tempdir().unwrap();
            let cfg = config(&node, dir.path());
            let path = cfg.store_path(alice.address());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            drop(courier_store::Store::open(&path, &key).unwrap());
            if !indexed {
                let raw = rusqlite::Connection::open(&path).unwrap();
                courier_store::cipher::key(&raw, &key).unwrap();
                raw.execute_batch("DROP TRIGGER messages_search_insert").unwrap();
            }
            let t = Instant::now();
            let engine = Engine::open_with(&cfg, alice.clone(), &key).await.unwrap();
            let report = engine.sync().await.unwrap();
            best[n] = best[n].min(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(report.messages, 10_000);
            let found = engine.search("ordinary", None, false, 10).await.unwrap().len();
            assert_eq!(found, if indexed { 10 } else { 0 });
        }
    }
    println!("\n| cold sync, 10,000 messages in 10 conversations (best of {rounds}) | ms |");
    println!("|---|---:|");
    println!("| with the search index | {:.0} |", best[0]);
    println!("| without it (insert trigger dropped) | {:.0} |", best[1]);
    println!("| ratio | {:.2}× |", best[0] / best[1]);
    node.shutdown().await;
}

#[tokio::main]
async fn main() {
    if std::env::var_os("SYNC_BENCH_INDEX_ONLY").is_some() {
        index_cost(5).await;
        return;
    }
    println!(
        "| cold sync into an empty store | Courier ms | xmtp-js 13.0.4 ms | speed-up | second start: open + conversation list, ms |"
    );
    println!("|---|---:|---:|---:|---:|");
    case("(a) 10,000 messages in 10 conversations", 10, 1000, "messages").await;
    case("(b) 2,000 conversations (invitations)", 2000, 0, "conversations").await;
    index_cost(3).await;
}
