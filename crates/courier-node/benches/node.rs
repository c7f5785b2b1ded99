//! Node figures for BENCHMARKS.md, each against a baseline measured in the same run:
//! publish throughput (single and batched) against raw SQLite inserts of the same rows, query
//! latency for a page of 100 in a 1M-envelope topic against an empty-topic query (the gRPC
//! round trip), fan-out latency to 1,000 subscribers against one subscriber.
//!
//! `cargo bench -p courier-node --bench node` (the client runs on the same 2 cores as the node).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use courier_node::{NodeConfig, NodeHandle};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;
use xmtp_proto::message_api::v1::{
    Envelope, PagingInfo, PublishRequest, QueryRequest, SortDirection, SubscribeRequest,
};

const BIG: u64 = 1_000_000;

fn bearer() -> String {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let wallet = LocalWallet::generate(&mut rng);
    let keys = PrivateKeyBundle::generate(&wallet, 1, &mut rng).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    xmtp_crypto::auth::bearer(&xmtp_crypto::auth::create(&keys, now))
}

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
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// Publishes `requests` requests of `per_request` envelopes from `concurrency` tasks; envelopes/s.
async fn publish_rate(
    node: &NodeHandle,
    topic_prefix: &str,
    requests: usize,
    per_request: usize,
    concurrency: usize,
) -> f64 {
    let auth = bearer();
    let mut tasks = Vec::new();
    let start = Instant::now();
    for w in 0..concurrency {
        let mut c = client(node).await;
        let auth = auth.clone();
        let prefix = topic_prefix.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut rng = ChaCha20Rng::seed_from_u64(w as u64);
            for r in (w..requests).step_by(concurrency) {
                let topic = format!("{prefix}-{}/proto", r % 64);
                let envelopes =
                    (0..per_request).map(|i| envelope(&topic, (r * per_request + i) as u64 + 1, &mut rng)).collect();
                let mut req = tonic::Request::new(PublishRequest { envelopes });
                req.metadata_mut().insert("authorization", auth.parse().unwrap());
                c.publish(req).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (requests * per_request) as f64 / start.elapsed().as_secs_f64()
}

/// Raw SQLite inserts of the same rows in transactions of `per_tx`, no network, no checks.
fn raw_insert_rate(rows: usize, per_tx: usize) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = courier_node::store::open(&dir.path().join("raw.db")).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let batches: Vec<Vec<(Envelope, [u8; 32])>> = (0..rows / per_tx)
        .map(|b| {
            (0..per_tx)
                .map(|i| {
                    let e = envelope(&format!("/xmtp/0/m-raw-{}/proto", b % 64), (b * per_tx + i) as u64 + 1, &mut rng);
                    let d = courier_node::api::digest(&e);
                    (e, d)
                })
                .collect()
        })
        .collect();
    let start = Instant::now();
    for b in &batches {
        courier_node::store::insert(&mut conn, b).unwrap();
    }
    rows as f64 / start.elapsed().as_secs_f64()
}

async fn query_latencies(c: &mut MessageApiClient<Channel>, topic: &str, n: usize, span: u64) -> Vec<Duration> {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let start_ns = if span > 0 { rng.next_u64() % span + 1 } else { 0 };
        let req = QueryRequest {
            content_topics: vec![topic.to_owned()],
            start_time_ns: start_ns,
            end_time_ns: 0,
            paging_info: Some(PagingInfo { limit: 100, cursor: None, direction: SortDirection::Ascending as i32 }),
        };
        let t = Instant::now();
        let r = c.query(req).await.unwrap().into_inner();
        out.push(t.elapsed());
        if span > 0 {
            assert!(!r.envelopes.is_empty());
        }
    }
    out.sort();
    out
}

/// Latency from the start of a publish call to arrival at each of `subscribers` subscribers.
async fn fanout(node: &NodeHandle, subscribers: usize, messages: usize) -> Vec<Duration> {
    let topic = format!("/xmtp/0/m-fanout-{subscribers}/proto");
    let sent: Arc<std::sync::Mutex<Vec<Option<Instant>>>> = Arc::new(std::sync::Mutex::new(vec![None; messages]));
    let mut channels = Vec::new();
    for _ in 0..subscribers.div_ceil(100) {
        channels.push(client(node).await);
    }
    let mut tasks = Vec::new();
    for s in 0..subscribers {
        let mut c = channels[s % channels.len()].clone();
        let topic = topic.clone();
        let stream = c.subscribe(SubscribeRequest { content_topics: vec![topic] }).await.unwrap().into_inner();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(messages);
            let mut stream = stream.take(messages);
            while let Some(e) = stream.next().await {
                let e = e.unwrap();
                got.push((e.timestamp_ns as usize, Instant::now()));
            }
            got
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut c = client(node).await;
    let auth = bearer();
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    for i in 0..messages {
        let mut req = tonic::Request::new(PublishRequest { envelopes: vec![envelope(&topic, i as u64, &mut rng)] });
        req.metadata_mut().insert("authorization", auth.parse().unwrap());
        sent.lock().unwrap()[i] = Some(Instant::now());
        c.publish(req).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = sent.lock().unwrap().clone();
    let mut lat = Vec::new();
    for t in tasks {
        for (i, at) in t.await.unwrap() {
            lat.push(at - sent[i].unwrap());
        }
    }
    assert_eq!(lat.len(), subscribers * messages, "every subscriber got every message");
    lat.sort();
    lat
}

/// The node's own part of fan-out: publish call start → envelope ready in each subscription's
/// buffer (what the transport then writes), measured in-process without any client.
async fn handoff(node: &NodeHandle, subscribers: usize, messages: usize) -> Vec<Duration> {
    let topic = format!("/xmtp/0/m-handoff-{subscribers}/proto");
    let mut tasks = Vec::new();
    for _ in 0..subscribers {
        let mut sub = node.api().subscribe(None, vec![topic.clone()]).unwrap();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::with_capacity(messages);
            while got.len() < messages {
                let e = sub.recv().await.unwrap();
                got.push((e.timestamp_ns as usize, Instant::now()));
            }
            got
        }));
    }
    let auth = bearer();
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut sent = Vec::with_capacity(messages);
    for i in 0..messages {
        sent.push(Instant::now());
        node.api().publish(None, Some(&auth), vec![envelope(&topic, i as u64, &mut rng)]).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    for t in tasks {
        for (i, at) in t.await.unwrap() {
            lat.push(at - sent[i]);
        }
    }
    lat.sort();
    lat
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; nothing else is read.
    let mut config = NodeConfig::ephemeral();
    // The fan-out's 1,000 subscribers all come from this loopback address, 100 per connection:
    // the node's caps on one client (64 a connection, 256 an address) would refuse them.
    config.limits.max_subscriptions_per_address = usize::MAX;
    config.limits.max_subscriptions_per_connection = usize::MAX;
    let node = courier_node::start(config).await.unwrap();

    let raw_single = raw_insert_rate(20_000, 1);
    let raw_batched = raw_insert_rate(200_000, 500);
    let single = publish_rate(&node, "/xmtp/0/m-single", 20_000, 1, 32).await;
    let batched = publish_rate(&node, "/xmtp/0/m-batch", 400, 500, 4).await;

    println!("| publish | Courier node envelopes/s | baseline: raw SQLite inserts/s (same rows) | ratio |");
    println!("|---|---:|---:|---:|");
    println!(
        "| single (1 per request, 32 concurrent clients, auth on) | {single:.0} | {raw_single:.0} (1 row per transaction) | {:.2} |",
        single / raw_single
    );
    println!(
        "| batched (500 per request, 4 concurrent clients, auth on) | {batched:.0} | {raw_batched:.0} (500 rows per transaction) | {:.2} |",
        batched / raw_batched
    );

    // 1M envelopes in one topic.
    let fill_start = Instant::now();
    let big = "/xmtp/0/m-big";
    {
        let auth = bearer();
        let mut tasks = Vec::new();
        for w in 0..4u64 {
            let mut c = client(&node).await;
            let auth = auth.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = ChaCha20Rng::seed_from_u64(100 + w);
                for r in (w..BIG / 1000).step_by(4) {
                    let envelopes =
                        (0..1000).map(|i| envelope(&format!("{big}/proto"), r * 1000 + i + 1, &mut rng)).collect();
                    let mut req = tonic::Request::new(PublishRequest { envelopes });
                    req.metadata_mut().insert("authorization", auth.parse().unwrap());
                    c.publish(req).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
    let fill = fill_start.elapsed();
    let mut c = client(&node).await;
    let _warm = query_latencies(&mut c, "/xmtp/0/m-big/proto", 200, BIG).await;
    let base = query_latencies(&mut c, "/xmtp/0/m-nothing/proto", 2000, 0).await;
    let q = query_latencies(&mut c, "/xmtp/0/m-big/proto", 2000, BIG).await;
    println!();
    println!(
        "Filled 1,000,000 envelopes into one topic in {:.1} s ({:.0} envelopes/s, 1000 per request).",
        fill.as_secs_f64(),
        BIG as f64 / fill.as_secs_f64()
    );
    println!();
    println!("| query (page of 100, ascending, random start time) | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!("| topic with 1,000,000 envelopes | {} | {} |", ms(pct(&q, 0.5)), ms(pct(&q, 0.99)));
    println!("| baseline: empty topic (the gRPC round trip) | {} | {} |", ms(pct(&base, 0.5)), ms(pct(&base, 0.99)));
    println!(
        "| ratio | {:.2} | {:.2} |",
        pct(&q, 0.5).as_secs_f64() / pct(&base, 0.5).as_secs_f64(),
        pct(&q, 0.99).as_secs_f64() / pct(&base, 0.99).as_secs_f64()
    );

    let one = fanout(&node, 1, 200).await;
    let many = fanout(&node, 1000, 200).await;
    let inner = handoff(&node, 1000, 200).await;
    println!();
    println!("| fan-out (publish call start → arrival, gRPC, 200 messages) | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!("| 1,000 subscribers (200,000 deliveries) | {} | {} |", ms(pct(&many, 0.5)), ms(pct(&many, 0.99)));
    println!("| baseline: 1 subscriber | {} | {} |", ms(pct(&one, 0.5)), ms(pct(&one, 0.99)));
    println!(
        "| node's own part: 1,000 subscription buffers filled (no transport, no client) | {} | {} |",
        ms(pct(&inner, 0.5)),
        ms(pct(&inner, 0.99))
    );
    println!(
        "| ratio | {:.2} | {:.2} |",
        pct(&many, 0.5).as_secs_f64() / pct(&one, 0.5).as_secs_f64(),
        pct(&many, 0.99).as_secs_f64() / pct(&one, 0.99).as_secs_f64()
    );
    node.shutdown().await;
}
