//! What encrypting the store costs (issue #15), against the plain store in the same run, the
//! same code and the same SQLite (SQLCipher without a key is plain SQLite): (a) a cold sync of
//! 10,000 messages in 10 conversations from an in-process node into an empty store; (b) opening
//! a thread: the engine opened on the synced store, then the newest page of 50 with its
//! `thread_extras`. Rounds alternate plain and encrypted (each round a fresh store for (a), a
//! fresh engine for (b)); medians and the ratio of the medians.
//! `cargo bench -p courier-engine --bench encrypted` (ROUNDS env: rounds, default 7).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use courier_engine::client::NodeClient;
use courier_engine::{Backend, Config, Engine, Keychain, ListFilter, StoreKey, Thread};
use courier_node::{NodeConfig, NodeHandle};
use prost::Message as _;
use rand_core::{OsRng, RngCore};
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{Secret, content, v2};
use xmtp_proto::message_api::v1::Envelope;

const PEERS: usize = 10;
const PER_PEER: usize = 1000;

fn identity() -> PrivateKeyBundle {
    PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap()
}

fn env(s: &xmtp_crypto::Sealed, topic: Option<xmtp_crypto::Topic>) -> Envelope {
    Envelope {
        content_topic: topic.unwrap_or_else(|| s.topic.clone()).into_string(),
        timestamp_ns: s.timestamp_ns,
        message: s.bytes.clone().into(),
    }
}

/// `PEERS` peers each invite `alice` and send `PER_PEER` messages.
async fn populate(node: &NodeHandle, alice: &PrivateKeyBundle) {
    let client = NodeClient::new(&node.grpc_url(), Arc::new(alice.clone())).unwrap();
    let t = xmtp_crypto::topic::contact(alice.address());
    let [a, b] = alice.contact_bundles();
    client
        .publish(vec![
            Envelope { content_topic: t.to_string(), timestamp_ns: 1, message: a.into() },
            Envelope { content_topic: t.into_string(), timestamp_ns: 2, message: b.into() },
        ])
        .await
        .unwrap();
    let alice_peer = alice.as_peer();
    let mut ts = 1_700_000_000_000_000_000u64;
    for _ in 0..PEERS {
        let p = identity();
        let client = NodeClient::new(&node.grpc_url(), Arc::new(p.clone())).unwrap();
        let inv = Invitation::deterministic(&p, &alice_peer, None);
        ts += 1_000_000;
        let sealed = invitation::seal(&p, &alice_peer, &inv, ts, &mut OsRng);
        let mut envs: Vec<Envelope> = invitation::invite_topics(p.address(), alice.address())
            .into_iter()
            .map(|t| env(&sealed, Some(t)))
            .collect();
        let body =
            content::text("a message of ordinary length, like most messages people send each other").encode_to_vec();
        for _ in 0..PER_PEER {
            ts += 1_000_000;
            envs.push(env(
                &v2::seal(&p, &inv.topic, inv.key_material.expose(), &body, ts, true, false, &mut OsRng),
                None,
            ));
        }
        for chunk in envs.chunks(1000) {
            client.publish(chunk.to_vec()).await.unwrap();
        }
    }
}

fn config(node: &NodeHandle, dir: &Path) -> Config {
    // The engine is opened with its keys directly; the keychain is not touched.
    Config {
        data_dir: dir.to_owned(),
        node_url: node.grpc_url(),
        keychain: Keychain::new(Backend::platform_default()),
        node_proof: None,
        attachments_url: None,
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[derive(Default)]
struct Figures {
    sync: Vec<f64>,
    open: Vec<f64>,
    size: u64,
}

/// One round for one kind of store: a cold sync into a new folder, then the thread opened.
async fn round(node: &NodeHandle, alice: &PrivateKeyBundle, key: &StoreKey, f: &mut Figures) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(node, dir.path());
    let t = Instant::now();
    let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
    let report = engine.sync().await.unwrap();
    f.sync.push(t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(report.messages, PEERS * PER_PEER);
    engine.close();
    drop(engine);
    f.size = std::fs::metadata(cfg.store_path(alice.address())).unwrap().len();

    let t = Instant::now();
    let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
    let list = engine.conversations(ListFilter::All).await.unwrap();
    let topic = list[0].conversation.topic.clone();
    let page = engine.messages(&Thread::Conversation(topic.clone()), 50, None).await.unwrap();
    engine.thread_extras(&topic, &page).await.unwrap();
    f.open.push(t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(page.len(), 50);
    engine.close();
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(7);
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let alice = identity();
    populate(&node, &alice).await;
    let mut bytes = Secret::new([0u8; 32]);
    OsRng.fill_bytes(bytes.expose_mut());
    let (plain, encrypted) = (StoreKey::plaintext_for_benchmarks(), StoreKey::from_bytes(bytes));
    let (mut fp, mut fe) = (Figures::default(), Figures::default());
    // Warm-up, then alternating rounds (the order flips each round).
    round(&node, &alice, &plain, &mut Figures::default()).await;
    round(&node, &alice, &encrypted, &mut Figures::default()).await;
    for i in 0..rounds {
        if i % 2 == 0 {
            round(&node, &alice, &plain, &mut fp).await;
            round(&node, &alice, &encrypted, &mut fe).await;
        } else {
            round(&node, &alice, &encrypted, &mut fe).await;
            round(&node, &alice, &plain, &mut fp).await;
        }
    }
    println!("| median of {rounds} rounds | plain store | encrypted store | encrypted / plain |");
    println!("|---|---:|---:|---:|");
    let (sp, se) = (median(&fp.sync), median(&fe.sync));
    println!("| (a) cold sync, 10,000 messages in 10 conversations, ms | {sp:.0} | {se:.0} | {:.2}× |", se / sp);
    let (op, oe) = (median(&fp.open), median(&fe.open));
    println!(
        "| (b) open the engine + a thread's newest page of 50 with extras, ms | {op:.1} | {oe:.1} | {:.2}× |",
        oe / op
    );
    println!(
        "| store file after (a), MB | {:.1} | {:.1} | {:.2}× |",
        fp.size as f64 / 1e6,
        fe.size as f64 / 1e6,
        fe.size as f64 / fp.size as f64
    );
    eprintln!("sync ms plain {:?}\nsync ms encrypted {:?}", fp.sync, fe.sync);
    eprintln!("open ms plain {:?}\nopen ms encrypted {:?}", fp.open, fe.open);
    node.shutdown().await;
}
