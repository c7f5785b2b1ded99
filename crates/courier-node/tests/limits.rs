//! Node limits against a real node on loopback: responses bounded in bytes (crowded topics,
//! batches naming one topic many times), topics per query, queries per batch, envelope size.
//! The limits are set small in the config so that the tests stay cheap; the defaults are the
//! same code with larger numbers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use courier_node::{Limits, NodeHandle};
use prost::Message as _;
use tonic::Code;
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, Cursor, PagingInfo, PublishRequest, QueryRequest, QueryResponse, SortDirection,
};

const CAP: usize = 64 * 1024;
const BIG: usize = 10_000;

async fn small_node(f: impl FnOnce(&mut Limits)) -> NodeHandle {
    let mut config = common::config().await;
    config.limits.max_response_bytes = CAP;
    f(&mut config.limits);
    courier_node::start(config).await.unwrap()
}

fn page(topic: &str, limit: u32, direction: SortDirection, cursor: Option<Cursor>) -> QueryRequest {
    QueryRequest {
        content_topics: vec![topic.to_owned()],
        paging_info: Some(PagingInfo { limit, cursor, direction: direction as i32 }),
        ..Default::default()
    }
}

fn envelope_bytes(r: &QueryResponse) -> usize {
    r.envelopes.iter().map(|e| e.message.len()).sum()
}

/// A topic of 40 envelopes of 10 kB (400 kB): pages of "100" stop near the byte cap, each with a
/// cursor, and paging on the cursor reads every envelope once, in order, both directions.
#[tokio::test]
async fn crowded_topic_pages_are_cut_by_bytes_and_page_on() {
    let node = small_node(|_| {}).await;
    let mut c = grpc(&node).await;
    let u = User::new(11);
    let t = "/xmtp/0/m-crowded/proto";
    let envs: Vec<_> = (1..=40u64).map(|i| env(t, i, &vec![i as u8; BIG])).collect();
    c.publish(with_auth(PublishRequest { envelopes: envs }, &u.bearer())).await.unwrap();

    for direction in [SortDirection::Ascending, SortDirection::Descending] {
        let (mut cursor, mut seen, mut pages) = (None, Vec::new(), 0);
        loop {
            let r = c.query(page(t, 100, direction, cursor)).await.unwrap().into_inner();
            pages += 1;
            assert!(r.encoded_len() <= CAP, "page of {} bytes passes the cap", r.encoded_len());
            seen.extend(r.envelopes.iter().map(|e| e.timestamp_ns));
            cursor = r.paging_info.unwrap().cursor;
            if cursor.is_none() {
                break;
            }
            assert!(pages < 40, "paging makes progress");
        }
        let mut want: Vec<u64> = (1..=40).collect();
        if direction == SortDirection::Descending {
            want.reverse();
        }
        assert_eq!(seen, want, "every envelope once, in order");
        assert!(pages >= 400_000 / CAP, "{pages} pages");
    }
    // One envelope larger than the cap is still served, alone, so a topic never gets stuck.
    let huge = "/xmtp/0/m-huge/proto";
    let envs = vec![env(huge, 1, &vec![1; CAP * 2]), env(huge, 2, &[2])];
    c.publish(with_auth(PublishRequest { envelopes: envs }, &u.bearer())).await.unwrap();
    let r = c.query(page(huge, 10, SortDirection::Ascending, None)).await.unwrap().into_inner();
    assert_eq!(r.envelopes.len(), 1);
    let r = c.query(page(huge, 10, SortDirection::Ascending, r.paging_info.unwrap().cursor)).await.unwrap();
    assert_eq!(r.into_inner().envelopes[0].timestamp_ns, 2);
    node.shutdown().await;
}

/// A batch naming one crowded topic 50 times shares one byte budget: the response stays near
/// the cap instead of 50 × the page, and the queries the budget did not reach come back empty
/// with a cursor, so paging on from it reads the topic from its start.
#[tokio::test]
async fn batch_of_one_crowded_topic_shares_one_budget() {
    let node = small_node(|_| {}).await;
    let mut c = grpc(&node).await;
    let u = User::new(12);
    let t = "/xmtp/0/m-batch-crowded/proto";
    let envs: Vec<_> = (1..=30u64).map(|i| env(t, i, &vec![i as u8; BIG])).collect();
    c.publish(with_auth(PublishRequest { envelopes: envs }, &u.bearer())).await.unwrap();

    for direction in [SortDirection::Ascending, SortDirection::Descending] {
        let batch = BatchQueryRequest { requests: vec![page(t, 100, direction, None); 50] };
        let r = c.batch_query(batch).await.unwrap().into_inner();
        assert_eq!(r.responses.len(), 50);
        let total: usize = r.responses.iter().map(envelope_bytes).sum();
        assert!(total <= CAP, "batch carried {total} envelope bytes");
        let last = r.responses.last().unwrap();
        assert!(last.envelopes.is_empty());
        let resume = last.paging_info.clone().unwrap().cursor.expect("a cursor to page on");
        let r = c.query(page(t, 1, direction, Some(resume))).await.unwrap().into_inner();
        let first = if direction == SortDirection::Ascending { 1 } else { 30 };
        assert_eq!(r.envelopes[0].timestamp_ns, first, "the cursor resumes at the start");
    }
    node.shutdown().await;
}

/// Topics per query, queries per batch and the envelope size are limits of the config, refused
/// with INVALID_ARGUMENT; the node goes on serving.
#[tokio::test]
async fn topic_batch_and_envelope_limits_are_refused() {
    let node = small_node(|l| {
        l.max_topics_per_query = 3;
        l.max_batch = 2;
        l.max_message_bytes = 1000;
    })
    .await;
    let mut c = grpc(&node).await;
    let u = User::new(13);
    let mut q = page("/a", 0, SortDirection::Ascending, None);
    q.content_topics = vec!["/a".into(); 4];
    assert_eq!(code(c.query(q.clone()).await), Code::InvalidArgument);
    q.content_topics.truncate(3);
    c.query(q.clone()).await.unwrap();
    assert_eq!(code(c.batch_query(BatchQueryRequest { requests: vec![q.clone(); 3] }).await), Code::InvalidArgument);
    c.batch_query(BatchQueryRequest { requests: vec![q; 2] }).await.unwrap();
    let big = PublishRequest { envelopes: vec![env("/xmtp/0/m-x/proto", 1, &[0; 1001])] };
    assert_eq!(code(c.publish(with_auth(big, &u.bearer())).await), Code::InvalidArgument);
    let ok = PublishRequest { envelopes: vec![env("/xmtp/0/m-x/proto", 1, &[0; 1000])] };
    c.publish(with_auth(ok, &u.bearer())).await.unwrap();
    node.shutdown().await;
}

/// Concurrent queries share a bounded set of SQLite readers: 100 queries at once do not open
/// 100 database connections (each holds file descriptors and a page cache). Measured as the
/// most descriptors of this process open on the database's files while the queries run.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_queries_use_a_bounded_set_of_readers() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config().await;
    config.database = courier_node::Database::File(dir.path().join("crowd.db"));
    config.limits.max_concurrent_queries = 4;
    let node = courier_node::start(config).await.unwrap();
    let mut c = grpc(&node).await;
    let t = "/xmtp/0/m-concurrent/proto";
    let envs: Vec<_> = (1..=100u64).map(|i| env(t, i, &vec![i as u8; 20_000])).collect();
    c.publish(with_auth(PublishRequest { envelopes: envs }, &User::new(14).bearer())).await.unwrap();
    let db_fds = || {
        std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|p| p.to_string_lossy().contains("crowd.db"))
            .count()
    };
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(db_fds());
            }
            peak
        })
    };
    let mut calls = Vec::new();
    for _ in 0..100 {
        let mut c = c.clone();
        calls.push(tokio::spawn(async move { c.query(page(t, 100, SortDirection::Ascending, None)).await }));
    }
    for call in calls {
        call.await.unwrap().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    // Writer and 4 readers, each with the database and its WAL open, and the shared -shm.
    assert!(peak <= 11, "{peak} descriptors open on the database");
    node.shutdown().await;
}
