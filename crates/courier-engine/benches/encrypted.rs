//! What encrypting the store costs (issue #15), against the plain store in the same run, the
//! same code and the same SQLite (SQLCipher without a key is plain SQLite): (a) a cold sync of
//! 10,000 messages in 10 conversations from an in-process node into an empty store; (b) opening
//! a thread: on an engine just opened on the synced store (nothing of the thread in SQLite's
//! cache), the newest page of 50 with its `thread_extras`; (c) the second start: opening the
//! engine and reading the conversation list (whose unread counts read every unread message).
//! Rounds alternate plain and encrypted, the order flipping each round (each round a fresh store
//! for (a), a fresh engine for (b) and (c)); medians and the ratio of the medians.
//! `cargo bench -p courier-engine --bench encrypted` (ROUNDS env: rounds, default 7).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use courier_engine::client::NodeClient;
use courier_engine::{Backend, Config, Engine, Keychain, ListFilter, StoreKey, Thread, Topic};
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
    thread: Vec<f64>,
    start: Vec<f64>,
    size: u64,
}

/// One round for one kind of store: a cold sync into a new folder, then the thread opened.
async fn round(node: &NodeHandle, alice: &PrivateKeyBundle, key: &StoreKey, topic: &Topic, f: &mut Figures) {
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

    // (b) A thread opened on a fresh engine (its topic is the same in every round).
    let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
    let t = Instant::now();
    let page = engine.messages(&Thread::Conversation(topic.clone()), 50, None).await.unwrap();
    engine.thread_extras(topic, &page).await.unwrap();
    f.thread.push(t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(page.len(), 50);
    engine.close();
    drop(engine);

    // (c) The second start: the engine opened, the conversation list read.
    let t = Instant::now();
    let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
    let list = engine.conversations(ListFilter::All).await.unwrap();
    f.start.push(t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(list.len(), PEERS);
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
    // The topic of one conversation (the same in every store: invitations are deterministic).
    let topic = {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open_with(&config(&node, dir.path()), alice.clone(), &plain).await.unwrap();
        engine.sync().await.unwrap();
        let t = engine.conversations(ListFilter::All).await.unwrap()[0].conversation.topic.clone();
        engine.close();
        t
    };
    // Warm-up, then alternating rounds (the order flips each round).
    round(&node, &alice, &plain, &topic, &mut Figures::default()).await;
    round(&node, &alice, &encrypted, &topic, &mut Figures::default()).await;
    for i in 0..rounds {
        if i % 2 == 0 {
            round(&node, &alice, &plain, &topic, &mut fp).await;
            round(&node, &alice, &encrypted, &topic, &mut fe).await;
        } else {
            round(&node, &alice, &encrypted, &topic, &mut fe).await;
            round(&node, &alice, &plain, &topic, &mut fp).await;
        }
    }
    println!("| median of {rounds} rounds | plain store | encrypted store | encrypted / plain |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, p: &[f64], e: &[f64]| {
        let (mp, me) = (median(p), median(e));
        println!("| {name} | {mp:.1} | {me:.1} | {:.2}× |", me / mp);
    };
    row("(a) cold sync, 10,000 messages in 10 conversations, ms", &fp.sync, &fe.sync);
    row("(b) open a thread: newest page of 50 + extras, fresh engine, ms", &fp.thread, &fe.thread);
    row("(c) second start: open the engine + the conversation list (10,000 unread), ms", &fp.start, &fe.start);
    println!(
        "| store file after (a), MB | {:.1} | {:.1} | {:.2}× |",
        fp.size as f64 / 1e6,
        fe.size as f64 / 1e6,
        fe.size as f64 / fp.size as f64
    );
    for (name, p, e) in
        [("sync", &fp.sync, &fe.sync), ("thread", &fp.thread, &fe.thread), ("start", &fp.start, &fe.start)]
    {
        eprintln!("{name} ms plain {p:.1?}\n{name} ms encrypted {e:.1?}");
    }
    node.shutdown().await;
}
