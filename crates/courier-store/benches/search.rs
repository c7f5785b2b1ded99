//! Search over 1,000,000 stored messages: p50 and p99 of a word (common and rare), prefixes
//! (within and beyond the 2- and 3-character prefix indexes) and a two-word query, in every
//! conversation and in one; the time to store them with the index; and what the index costs on
//! disk. `cargo bench -p courier-store --bench search` (`SEARCH_BENCH_MESSAGES=N` for another
//! size). Texts are drawn from a 20,000-word vocabulary with Zipf frequencies (word of rank r:
//! ∝ 1/r), 4–20 words each, in 200 conversations (one of 100,000 messages, the rest ~4,500).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Instant;

use courier_store::{Conversation, DeliveryState, Message, ProtocolVersion, SearchQuery, Store};
use xmtp_crypto::envelope::message_id;
use xmtp_crypto::{Topic, WalletAddress};

const VOCABULARY: usize = 20_000;
const CONVERSATIONS: usize = 200;
/// Words placed at fixed ranks (the rest are made of syllables).
const PLACED: &[(usize, &str)] =
    &[(20, "meeting"), (30, "tomorrow"), (50, "lunch"), (400, "project"), (2_000, "café"), (9_000, "zeppelin")];

/// xorshift64*: the same texts on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn vocabulary() -> Vec<String> {
    const SYL: &[&str] = &[
        "ka", "lo", "mi", "ren", "sa", "to", "vel", "du", "ni", "por", "ga", "shi", "ber", "an", "tus", "el", "ri",
        "mon", "fa", "qui", "zo", "hel", "pa", "ti",
    ];
    (0..VOCABULARY)
        .map(|r| {
            if let Some((_, w)) = PLACED.iter().find(|(rank, _)| *rank == r) {
                return (*w).to_owned();
            }
            let (mut n, mut w) = (r + 7, String::new());
            while n > 0 {
                w.push_str(SYL[n % SYL.len()]);
                n /= SYL.len();
            }
            w
        })
        .collect()
}

fn conversation(n: usize) -> Conversation {
    Conversation {
        topic: Topic::parse(&format!("/xmtp/0/m-bench{n:04}/proto")).unwrap(),
        version: ProtocolVersion::V2,
        peer: WalletAddress::from_raw([n as u8 + 1; 20]),
        created_ns: 1,
        conversation_id: None,
        metadata: BTreeMap::new(),
        key_sealed: None,
        consent_proof: None,
    }
}

fn fill(store: &mut Store, total: usize) -> f64 {
    let words = vocabulary();
    let harmonic: f64 = (1..=VOCABULARY).map(|r| 1.0 / r as f64).sum();
    let mut cumulative = Vec::with_capacity(VOCABULARY);
    let mut acc = 0.0;
    for r in 1..=VOCABULARY {
        acc += 1.0 / r as f64 / harmonic;
        cumulative.push(acc);
    }
    let convs: Vec<Conversation> = (0..CONVERSATIONS).map(conversation).collect();
    store.write(|w| convs.iter().try_for_each(|c| w.add_conversation(c).map(drop))).unwrap();
    let me = WalletAddress::from_raw([0xee; 20]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let start_ns = 1_700_000_000_000_000_000u64;
    // One text for all (as the sync bench sends), to compare with it.
    let same_text = std::env::var_os("SEARCH_BENCH_SAME_TEXT").is_some();
    // Messages per transaction (a sync commits a page at a time).
    let tx: usize = std::env::var("SEARCH_BENCH_TX").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let t = Instant::now();
    for chunk in 0..total.div_ceil(tx) {
        store
            .write(|w| {
                for k in chunk * tx..((chunk + 1) * tx).min(total) {
                    // One message in ten is in conversation 0 (100,000 of 1,000,000).
                    let c = if k % 10 == 0 { 0 } else { 1 + (rng.next() as usize % (CONVERSATIONS - 1)) };
                    let len = 4 + (rng.next() % 17) as usize;
                    let text: Vec<&str> = (0..len)
                        .map(|_| {
                            let u = rng.unit();
                            &words[cumulative.partition_point(|&p| p < u).min(VOCABULARY - 1)][..]
                        })
                        .collect();
                    let text = if same_text {
                        "a message of ordinary length, like most messages people send each other".to_owned()
                    } else {
                        text.join(" ")
                    };
                    let conv = &convs[c];
                    w.add_message(&Message {
                        id: message_id(&(k as u64).to_le_bytes()),
                        topic: conv.topic.clone(),
                        sender: if k % 3 == 0 { me.clone() } else { conv.peer.clone() },
                        // A message every 30 s on average, over about a year.
                        sent_ns: start_ns + k as u64 * 30_000_000_000 + rng.next() % 10_000_000_000,
                        content_type: "xmtp.org/text:1.0".into(),
                        content: text.as_bytes().to_vec(),
                        preview: text,
                        state: DeliveryState::Received,
                        reply_to: None,
                        attachment: None,
                    })?;
                }
                Ok(())
            })
            .unwrap();
    }
    let stored = t.elapsed().as_secs_f64();
    let t = Instant::now();
    store.index_pending().unwrap();
    let rest = t.elapsed().as_secs_f64();
    println!("(of which indexing what was still waiting at the end: {:.0} ms)", rest * 1e3);
    stored + rest
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).saturating_sub(1).min(sorted.len() - 1)]
}

fn main() {
    let total: usize = std::env::var("SEARCH_BENCH_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    // The store as shipped: encrypted (under a fixed key: a benchmark's throwaway file).
    let key = courier_store::StoreKey::from_bytes(xmtp_crypto::Secret::new(*b"courier store search bench key!!"));
    let raw_open = |p: &std::path::Path| {
        let c = rusqlite::Connection::open(p).unwrap();
        courier_store::cipher::key(&c, &key).unwrap();
        c
    };
    if std::env::var_os("SEARCH_BENCH_NO_INDEX").is_some() {
        drop(Store::open(&path, &key).unwrap());
        raw_open(&path).execute_batch("DROP TRIGGER messages_search_insert").unwrap();
        let secs = fill(&mut Store::open(&path, &key).unwrap(), total);
        println!("stored {total} messages (no index) in {secs:.1} s ({:.1} µs each)", secs * 1e6 / total as f64);
        return;
    }
    let mut store = Store::open(&path, &key).unwrap();
    let secs = fill(&mut store, total);
    println!("stored {total} messages (with the index) in {secs:.1} s ({:.1} µs each)", secs * 1e6 / total as f64);

    let raw = raw_open(&path);
    raw.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let size = |filter: &str| -> f64 {
        raw.query_row(&format!("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE {filter}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap() as f64
            / 1e6
    };
    let all = size("1");
    let index = size("name LIKE 'message_search%' OR name = 'messages_by_search_key'");
    println!(
        "store: {all:.0} MB, of which the search index {index:.0} MB (FTS5 tables {:.0} MB, key index {:.0} MB); without it about {:.0} MB",
        size("name LIKE 'message_search%'"),
        size("name = 'messages_by_search_key'"),
        all - index
    );
    let hits_of = |q: &str| -> i64 {
        let words: Vec<String> = SearchQuery::parse(q).unwrap().terms().to_vec();
        let expr: Vec<String> = words
            .iter()
            .map(|w| if w.chars().count() > 1 { format!("\"{w}\"*") } else { format!("\"{w}\"") })
            .collect();
        raw.query_row(
            "SELECT count(*) FROM message_search WHERE message_search MATCH ?1",
            [format!("{{body file}} : ({})", expr.join(" AND "))],
            |r| r.get(0),
        )
        .unwrap()
    };

    let big = conversation(0).topic;
    let small = conversation(7).topic;
    println!("\n| query | matches (all) | scope | p50 ms | p99 ms | hits |");
    println!("|---|---:|---|---:|---:|---:|");
    for (label, q) in [
        ("word, common", "meeting"),
        ("word, rare", "zeppelin"),
        ("word, accents folded", "cafe"),
        ("prefix, 2 characters", "me"),
        ("prefix, 3 characters", "mee"),
        ("prefix, 4 characters", "meet"),
        ("two words", "lunch tomorrow"),
        ("two words, prefixes", "proj tomo"),
    ] {
        let query = SearchQuery::parse(q).unwrap();
        let matches = hits_of(q);
        for (scope, topic) in [("all", None), ("one, 100k", Some(&big)), ("one, 4.5k", Some(&small))] {
            for _ in 0..5 {
                store.search(&query, topic, false, 50).unwrap();
            }
            let mut times = Vec::new();
            let mut n = 0;
            for _ in 0..200 {
                let t = Instant::now();
                n = store.search(&query, topic, false, 50).unwrap().len();
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {label}: `{q}` | {matches} | {scope} | {:.2} | {:.2} | {n} |",
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
        }
    }
}
