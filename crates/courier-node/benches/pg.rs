//! Node on Postgres (issue #16) for BENCHMARKS.md: Postgres with 1 and 3 replicas against the
//! SQLite node, in the same run and process (every node and client shares the machine with
//! the Postgres server): batched publish envelopes/s, query latency for a page of 100 at
//! 10,000,000 envelopes (loaded directly: generate_series on Postgres, raw inserts on
//! SQLite), fan-out latency to 1,000 subscribers spread across the replicas (publisher on the
//! first), and cross-replica delivery with LISTEN/NOTIFY wake-ups against polling alone.
//!
//! `COURIER_PG_DURABLE=1 scripts/with-postgres.sh cargo bench -p courier-node --bench pg`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use courier_node::{AuthMode, Database, NodeConfig, NodeHandle};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;
use xmtp_proto::message_api::v1::{
    Envelope, PagingInfo, PublishRequest, QueryRequest, SortDirection, SubscribeRequest,
};

const BIG: u64 = 10_000_000;
const BIG_TOPIC: &str = "/xmtp/0/m-big/proto";

async fn client(node: &NodeHandle) -> MessageApiClient<Channel> {
    let ch = tonic::transport::Endpoint::from_shared(node.grpc_url()).unwrap().connect().await.unwrap();
    MessageApiClient::new(ch).max_decoding_message_size(64 << 20).max_encoding_message_size(64 << 20)
}

fn envelope(topic: &str, ts: u64, rng: &mut ChaCha20Rng) -> Envelope {
    let mut m = vec![0u8; 128];
    rng.fill_bytes(&mut m);
    Envelope { content_topic: topic.to_owned(), timestamp_ns: ts, message: m.into() }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

async fn start(database: Database, tweak: impl Fn(&mut NodeConfig)) -> NodeHandle {
    let mut config = NodeConfig { database, ..NodeConfig::ephemeral() };
    config.auth = AuthMode::Disabled;
    // 1,000 subscribers from this one loopback address, 100 per connection.
    config.limits.max_subscriptions_per_address = usize::MAX;
    config.limits.max_subscriptions_per_connection = usize::MAX;
    tweak(&mut config);
    courier_node::start(config).await.unwrap()
}

/// A new schema of the bench database.
async fn schema(url: &str, name: &str) -> Database {
    let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}")).await.unwrap();
    Database::Postgres(format!("{url}?options=-csearch_path%3D{name}"))
}

/// 400 requests of 500 envelopes from 6 clients spread over `nodes`; envelopes/s.
async fn publish_rate(nodes: &[NodeHandle]) -> f64 {
    const REQUESTS: usize = 400;
    const PER: usize = 500;
    const CLIENTS: usize = 6;
    let mut tasks = Vec::new();
    let start = Instant::now();
    for w in 0..CLIENTS {
        let mut c = client(&nodes[w % nodes.len()]).await;
        tasks.push(tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(w as u64);
            for r in (w..REQUESTS).step_by(CLIENTS) {
                let topic = format!("/xmtp/0/m-batch-{}/proto", r % 64);
                let envelopes = (0..PER).map(|i| envelope(&topic, (r * PER + i) as u64 + 1, &mut rng)).collect();
                c.publish(PublishRequest { envelopes }).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (REQUESTS * PER) as f64 / start.elapsed().as_secs_f64()
}

/// 2,000 queries (page of 100, ascending, random start time) round-robin over `nodes`, after
/// 1,000 unmeasured ones (a warm cache, as on a node that has been serving).
async fn query_latencies(nodes: &[NodeHandle], topic: &str, span: u64) -> Vec<Duration> {
    let mut clients = Vec::new();
    for n in nodes {
        clients.push(client(n).await);
    }
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut out = Vec::new();
    for i in 0..3000 {
        let start_ns = if span > 0 { rng.next_u64() % span + 1 } else { 0 };
        let req = QueryRequest {
            content_topics: vec![topic.to_owned()],
            start_time_ns: start_ns,
            end_time_ns: 0,
            paging_info: Some(PagingInfo { limit: 100, cursor: None, direction: SortDirection::Ascending as i32 }),
        };
        let n = clients.len();
        let t = Instant::now();
        let r = clients[i % n].query(req).await.unwrap().into_inner();
        if i >= 1000 {
            out.push(t.elapsed());
        }
        assert!(span == 0 || !r.envelopes.is_empty());
    }
    out.sort();
    out
}

/// Publish call start (on the first node) → arrival at each of `subscribers` subscribers spread
/// round-robin over `nodes`; 200 messages, 20 ms apart.
async fn fanout(nodes: &[NodeHandle], subscribers: usize) -> Vec<Duration> {
    const MESSAGES: usize = 200;
    let topic = format!("/xmtp/0/m-fanout-{}/proto", Instant::now().elapsed().as_nanos() + subscribers as u128);
    let mut channels = Vec::new();
    for i in 0..subscribers.div_ceil(100).max(nodes.len()) {
        channels.push(client(&nodes[i % nodes.len()]).await);
    }
    let mut tasks = Vec::new();
    for s in 0..subscribers {
        let mut c = channels[s % channels.len()].clone();
        let stream = c.subscribe(SubscribeRequest { content_topics: vec![topic.clone()] }).await.unwrap().into_inner();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(MESSAGES);
            let mut stream = stream.take(MESSAGES);
            while let Some(e) = stream.next().await {
                got.push((e.unwrap().timestamp_ns as usize, Instant::now()));
            }
            got
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut c = client(&nodes[0]).await;
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut sent = Vec::with_capacity(MESSAGES);
    for i in 0..MESSAGES {
        sent.push(Instant::now());
        c.publish(PublishRequest { envelopes: vec![envelope(&topic, i as u64, &mut rng)] }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    for t in tasks {
        for (i, at) in t.await.unwrap() {
            lat.push(at - sent[i]);
        }
    }
    assert_eq!(lat.len(), subscribers * MESSAGES, "every subscriber got every message");
    lat.sort();
    lat
}

/// 10M envelopes of one topic straight into Postgres (as the node stores them).
async fn load_pg(url: &str, name: &str) -> Duration {
    let (c, conn) =
        tokio_postgres::connect(&format!("{url}?options=-csearch_path%3D{name}"), tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let t = Instant::now();
    for chunk in 0..(BIG / 1_000_000) as i64 {
        c.execute(
            "INSERT INTO envelopes (topic, ts, digest, message) \
             SELECT $1, i + (-9223372036854775807 - 1), sha256(convert_to($1, 'UTF8') || m), m \
             FROM generate_series($2::bigint, $3::bigint) AS i, \
                  LATERAL (SELECT decode(repeat(md5(i::text), 8), 'hex') AS m) AS g",
            &[&BIG_TOPIC, &(chunk * 1_000_000 + 1), &((chunk + 1) * 1_000_000)],
        )
        .await
        .unwrap();
    }
    c.batch_execute("VACUUM ANALYZE envelopes").await.unwrap();
    t.elapsed()
}

/// The same 10M rows through the SQLite store's own insert, 50,000 per transaction.
fn load_sqlite(path: &std::path::Path) -> Duration {
    let mut conn = courier_node::store::open(path).unwrap();
    let t = Instant::now();
    for chunk in 0..BIG / 50_000 {
        let rows: Vec<(Envelope, [u8; 32])> = (chunk * 50_000 + 1..=(chunk + 1) * 50_000)
            .map(|i| {
                let m: Vec<u8> = hex::decode(format!("{:x}", md5_like(i)).repeat(8)).unwrap();
                let e = Envelope { content_topic: BIG_TOPIC.into(), timestamp_ns: i, message: m.into() };
                let d = courier_node::api::digest(&e);
                (e, d)
            })
            .collect();
        courier_node::store::insert(&mut conn, &rows).unwrap();
    }
    t.elapsed()
}

/// 16 bytes that differ per row (the message content does not matter to the figures).
fn md5_like(i: u64) -> u128 {
    u128::from(i).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) | (1 << 127)
}

fn row(label: &str, lat: &[Duration]) {
    println!("| {label} | {} | {} |", ms(pct(lat, 0.5)), ms(pct(lat, 0.99)));
}

#[tokio::main]
async fn main() {
    let Ok(url) = std::env::var("COURIER_TEST_PG") else {
        eprintln!(
            "needs Postgres: COURIER_PG_DURABLE=1 scripts/with-postgres.sh cargo bench -p courier-node --bench pg"
        );
        return;
    };
    let only = std::env::var("PG_BENCH_ONLY").unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();

    if only.is_empty() || only == "publish" {
        let sqlite = start(Database::File(dir.path().join("publish.db")), |_| {}).await;
        let s = publish_rate(std::slice::from_ref(&sqlite)).await;
        sqlite.shutdown().await;
        let db = schema(&url, "bench_publish1").await;
        let one = start(db, |_| {}).await;
        let p1 = publish_rate(std::slice::from_ref(&one)).await;
        one.shutdown().await;
        let db = schema(&url, "bench_publish3").await;
        let mut three = Vec::new();
        for _ in 0..3 {
            three.push(start(db.clone(), |_| {}).await);
        }
        let p3 = publish_rate(&three).await;
        for n in three {
            n.shutdown().await;
        }
        println!("| batched publish (500 per request, 6 clients) | envelopes/s | vs SQLite node |");
        println!("|---|---:|---:|");
        println!("| SQLite node | {s:.0} | 1.00 |");
        println!("| Postgres, 1 replica | {p1:.0} | {:.2} |", p1 / s);
        println!("| Postgres, 3 replicas (clients spread over them) | {p3:.0} | {:.2} |", p3 / s);
        println!();
    }

    if only.is_empty() || only == "query" {
        let path = dir.path().join("big.db");
        let sl = load_sqlite(&path);
        let db = schema(&url, "bench_big").await;
        let one = start(db.clone(), |_| {}).await; // migrates
        let pl = load_pg(&url, "bench_big").await;
        let mut three = vec![one];
        for _ in 0..2 {
            three.push(start(db.clone(), |_| {}).await);
        }
        let sqlite = start(Database::File(path), |_| {}).await;
        let qs = query_latencies(std::slice::from_ref(&sqlite), BIG_TOPIC, BIG).await;
        let q1 = query_latencies(&three[..1], BIG_TOPIC, BIG).await;
        let q3 = query_latencies(&three, BIG_TOPIC, BIG).await;
        let empty = query_latencies(&three[..1], "/xmtp/0/m-nothing/proto", 0).await;
        println!(
            "Loaded 10,000,000 envelopes into one topic: SQLite {:.0} s (raw inserts), Postgres {:.0} s (generate_series).",
            sl.as_secs_f64(),
            pl.as_secs_f64()
        );
        println!();
        println!("| query, page of 100 at 10,000,000 envelopes (random start, 2,000 queries) | p50 ms | p99 ms |");
        println!("|---|---:|---:|");
        row("SQLite node", &qs);
        row("Postgres, 1 replica", &q1);
        row("Postgres, 3 replicas (round-robin)", &q3);
        row("baseline: Postgres, empty topic (the round trip)", &empty);
        println!();
        sqlite.shutdown().await;
        for n in three {
            n.shutdown().await;
        }
    }

    if only.is_empty() || only == "fanout" {
        let sqlite = start(Database::Temporary, |_| {}).await;
        let fs = fanout(std::slice::from_ref(&sqlite), 1000).await;
        sqlite.shutdown().await;
        let mut rows = vec![("SQLite node".to_owned(), fs)];
        for (replicas, notify, poll_ms) in [(1, true, 500), (3, true, 500), (3, false, 50), (3, false, 10)] {
            let db = schema(&url, &format!("bench_fanout{replicas}{notify}{poll_ms}")).await;
            let mut nodes = Vec::new();
            for _ in 0..replicas {
                nodes.push(
                    start(db.clone(), |c| {
                        c.limits.relay_notify = notify;
                        c.limits.relay_poll_interval = Duration::from_millis(poll_ms);
                    })
                    .await,
                );
            }
            let lat = fanout(&nodes, 1000).await;
            let how = if notify { "NOTIFY wake-ups".to_owned() } else { format!("polling every {poll_ms} ms") };
            rows.push((format!("Postgres, {replicas} replica(s), {how}"), lat));
            for n in nodes {
                n.shutdown().await;
            }
        }
        println!("| fan-out to 1,000 subscribers spread over the replicas (200 messages) | p50 ms | p99 ms |");
        println!("|---|---:|---:|");
        for (label, lat) in &rows {
            row(label, lat);
        }
    }
}
