//! A 100,000-message thread at the engine level, text only against rich (issue #13: replies,
//! reactions, inline images; `common/fill.rs`), both in one store, measured in the same run: what
//! the app asks for when a thread is opened (the newest page of 50 with `thread_extras`: its
//! reactions, read mark, quoted messages) and when the reader scrolls back through 2,000
//! messages (40 older pages, each with its extras). Rounds alternate text and rich; medians.
//! `cargo bench -p courier-engine --bench thread`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/fill.rs"]
mod fill;

use std::time::Instant;

use courier_engine::{Backend, Config, Engine, Keychain, ListFilter, Thread, Topic, WalletAddress};
use courier_node::NodeConfig;
use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;

const PAGE: u32 = 50;
const PAGES_BACK: usize = 40;
const ROUNDS: usize = 7;

#[derive(Default)]
struct Figures {
    open: Vec<f64>,
    back: Vec<f64>,
    page: Vec<f64>,
    extras: Vec<f64>,
    chips: usize,
    quotes: usize,
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn q(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// One round: the newest page with its extras, then 40 older pages with theirs.
async fn round(engine: &Engine, topic: &Topic, f: &mut Figures) {
    let thread = Thread::Conversation(topic.clone());
    let t = Instant::now();
    let mut page = engine.messages(&thread, PAGE, None).await.unwrap();
    let extras = engine.thread_extras(topic, &page).await.unwrap();
    f.open.push(ms_since(t));
    assert_eq!(page.len(), PAGE as usize);
    let (mut chips, mut quotes) = (extras.reactions.len(), extras.quotes.len());
    let t = Instant::now();
    for _ in 0..PAGES_BACK {
        let tp = Instant::now();
        page = engine.messages(&thread, PAGE, Some(&page[0].id)).await.unwrap();
        let te = Instant::now();
        let extras = engine.thread_extras(topic, &page).await.unwrap();
        f.extras.push(ms_since(te));
        f.page.push(ms_since(tp));
        assert_eq!(page.len(), PAGE as usize);
        chips += extras.reactions.len();
        quotes += extras.quotes.len();
    }
    f.back.push(ms_since(t));
    (f.chips, f.quotes) = (chips, quotes);
}

#[tokio::main]
async fn main() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config {
        data_dir: dir.path().to_owned(),
        node_url: node.grpc_url(),
        keychain: Keychain::new(Backend::platform_default()),
        node_proof: None,
        attachments_url: node.http_url(),
    };
    let keys = PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap();
    let engine = Engine::open_with(&cfg, keys, &bench_key()).await.unwrap();
    engine.ensure_contact_published().await.unwrap();
    let me = engine.address().clone();
    // BENCH_THREAD_COUNT: a smaller thread for a quick check of the bench itself.
    let count: usize = std::env::var("BENCH_THREAD_COUNT").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let t = Instant::now();
    let text_peer = fill::fill(&node.grpc_url(), &me, count, false).await;
    let rich_peer = fill::fill(&node.grpc_url(), &me, count, true).await;
    let filled = t.elapsed().as_secs_f64();
    let t = Instant::now();
    // One sync reads at most 100,000 envelopes of a topic (`fetch::MAX_PAGES`): sync until
    // nothing new comes (the rich thread's reactions are envelopes too).
    let mut synced_messages = 0;
    loop {
        let n = engine.sync().await.unwrap().messages;
        if n == 0 {
            break;
        }
        synced_messages += n;
    }
    let synced = t.elapsed().as_secs_f64();
    assert_eq!(synced_messages, 2 * count);
    let list = engine.conversations(ListFilter::All).await.unwrap();
    let topic_of =
        |p: &WalletAddress| list.iter().find(|c| c.conversation.peer == *p).unwrap().conversation.topic.clone();
    let (text, rich) = (topic_of(&text_peer), topic_of(&rich_peer));
    eprintln!("filled in {filled:.1} s; synced {} messages in {synced:.1} s", synced_messages);

    let (mut ft, mut fr) = (Figures::default(), Figures::default());
    round(&engine, &text, &mut ft).await; // warm-up
    round(&engine, &rich, &mut fr).await;
    (ft, fr) = (Figures::default(), Figures::default());
    for _ in 0..ROUNDS {
        round(&engine, &text, &mut ft).await;
        round(&engine, &rich, &mut fr).await;
    }
    println!(
        "| {count}-message thread, engine level (median of {ROUNDS} rounds) | open: newest page of 50 + extras, ms | back through 2,000 messages (40 pages), ms | one older page p50 / p95, ms | of which `thread_extras` p50 / p95, ms | chips / quotes in those 2,050 messages |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, f) in [("text only", &ft), ("rich", &fr)] {
        println!(
            "| {name} | {:.2} | {:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {} / {} |",
            q(&f.open, 0.5),
            q(&f.back, 0.5),
            q(&f.page, 0.5),
            q(&f.page, 0.95),
            q(&f.extras, 0.5),
            q(&f.extras, 0.95),
            f.chips,
            f.quotes
        );
    }
    println!(
        "| rich / text | {:.2}× | {:.2}× | {:.2}× / {:.2}× | {:.2}× / {:.2}× | |",
        q(&fr.open, 0.5) / q(&ft.open, 0.5),
        q(&fr.back, 0.5) / q(&ft.back, 0.5),
        q(&fr.page, 0.5) / q(&ft.page, 0.5),
        q(&fr.page, 0.95) / q(&ft.page, 0.95),
        q(&fr.extras, 0.5) / q(&ft.extras, 0.5),
        q(&fr.extras, 0.95) / q(&ft.extras, 0.95),
    );
    node.shutdown().await;
}

/// A random store key: the store is encrypted, as Courier's always is.
fn bench_key() -> courier_engine::StoreKey {
    let mut bytes = xmtp_crypto::Secret::new([0u8; 32]);
    rand_core::RngCore::fill_bytes(&mut OsRng, bytes.expose_mut());
    courier_engine::StoreKey::from_bytes(bytes)
}
