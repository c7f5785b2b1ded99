//! What encrypting the store costs (issue #15), against the plain store in the same run, the
//! same code and the same SQLite (SQLCipher without a key is plain SQLite): (a) a cold sync of
//! 10,000 messages in 10 conversations from an in-process node into an empty store; (b) opening
//! a thread: on an engine just opened on the synced store (nothing of the thread in SQLite's
//! cache), the newest page of 50 with its `thread_extras`; (c) the second start: opening the
//! engine and reading the conversation list (with the unread counts of 10,000 messages); (b′)
//! the thread opened on that engine, after the list, as the app does; (b″) the thread of (b)
//! opened again on its engine, its statements prepared and its pages in SQLite's cache: (b) −
//! (b″) is what the cold engine adds (preparing the statements, reading the pages from disk and,
//! encrypted, authenticating and decrypting them). Rounds alternate plain and encrypted, the
//! order flipping each round (each round a fresh store for (a), 15 fresh engines for (b) and
//! (b″), 15 for (c) with (b′)); medians and the ratio of the medians.
//! `cargo bench -p courier-engine --bench encrypted` (ROUNDS env: rounds, default 7).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/conversations.rs"]
mod conversations;

use conversations::{config, identity, populate, publish_contact};

use std::time::Instant;

use courier_engine::{Engine, ListFilter, StoreKey, Thread, Topic};
use courier_node::{NodeConfig, NodeHandle};
use rand_core::{OsRng, RngCore};
use xmtp_crypto::Secret;
use xmtp_crypto::keys::PrivateKeyBundle;

const PEERS: usize = 10;
const PER_PEER: usize = 1000;
/// Fresh engines per round for (b) and for (c) with (b′) (the figures are medians of all).
const OPENS: usize = 15;

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[derive(Default)]
struct Figures {
    sync: Vec<f64>,
    thread: Vec<f64>,
    thread_again: Vec<f64>,
    thread_after_list: Vec<f64>,
    start: Vec<f64>,
    size: u64,
}

/// One round for one kind of store: a cold sync into a new folder, then the thread opened and
/// the engine started again.
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

    // (b) A thread opened on a fresh engine (its topic is the same in every round), on
    // OPENS engines one after another: a sample is under a millisecond.
    for _ in 0..OPENS {
        let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
        let t = Instant::now();
        open_thread(&engine, topic).await;
        f.thread.push(t.elapsed().as_secs_f64() * 1e3);
        // (b″) The same again on that engine: its pages are in SQLite's cache now.
        let t = Instant::now();
        open_thread(&engine, topic).await;
        f.thread_again.push(t.elapsed().as_secs_f64() * 1e3);
        engine.close();
        drop(engine);
    }

    // (c) The second start: the engine opened, the conversation list read; then (b′) the
    // thread opened on it, as in the app (which shows the list first).
    for _ in 0..OPENS {
        let t = Instant::now();
        let engine = Engine::open_with(&cfg, alice.clone(), key).await.unwrap();
        let list = engine.conversations(ListFilter::All).await.unwrap();
        f.start.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(list.len(), PEERS);
        let t = Instant::now();
        open_thread(&engine, topic).await;
        f.thread_after_list.push(t.elapsed().as_secs_f64() * 1e3);
        engine.close();
    }
}

/// The newest page of 50 and its extras, as the app opens a thread.
async fn open_thread(engine: &Engine, topic: &Topic) {
    let page = engine.messages(&Thread::Conversation(topic.clone()), 50, None).await.unwrap();
    engine.thread_extras(topic, &page).await.unwrap();
    assert_eq!(page.len(), 50);
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(7);
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let alice = identity();
    publish_contact(&node, &alice).await;
    populate(&node, &alice, PEERS, PER_PEER).await;
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
        println!("| {name} | {mp:.2} | {me:.2} | {:.2}× |", me / mp);
    };
    row("(a) cold sync, 10,000 messages in 10 conversations, ms", &fp.sync, &fe.sync);
    row("(b) open a thread: newest page of 50 + extras, fresh engine, ms", &fp.thread, &fe.thread);
    row("(b″) the same thread opened again on that engine (its pages cached), ms", &fp.thread_again, &fe.thread_again);
    row(
        "(b′) open a thread after the conversation list (as the app does), ms",
        &fp.thread_after_list,
        &fe.thread_after_list,
    );
    row("(c) second start: open the engine + the conversation list (10,000 unread), ms", &fp.start, &fe.start);
    println!(
        "| store file after (a), MB | {:.1} | {:.1} | {:.2}× |",
        fp.size as f64 / 1e6,
        fe.size as f64 / 1e6,
        fe.size as f64 / fp.size as f64
    );
    // Every sync, to show the spread (the other figures have 15 samples a round).
    eprintln!("sync ms plain {:.1?}\nsync ms encrypted {:.1?}", fp.sync, fe.sync);
    node.shutdown().await;
}
