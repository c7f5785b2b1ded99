//! Memory for requests has a node-wide bound (review #2): request bytes in flight share one
//! budget over both transports, and publishes waiting for the writer are bounded. A test holds
//! the database's write lock from outside the node, so accepted publishes wait for the writer
//! (and keep their bytes in flight) as they would behind a slow disk; the limits are set small
//! so that the tests stay cheap.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use courier_node::{AuthMode, Database, Limits, NodeConfig, NodeHandle};
use xmtp_proto::message_api::v1::PublishRequest;

const WAIT: Duration = Duration::from_secs(2);

async fn node_at(dir: &Path, f: impl FnOnce(&mut Limits)) -> NodeHandle {
    let mut config = NodeConfig::ephemeral();
    config.database = Database::File(dir.join("node.db"));
    config.auth = AuthMode::Disabled;
    f(&mut config.limits);
    courier_node::start(config).await.unwrap()
}

/// Takes the database's write lock until the returned connection is dropped or rolled back.
fn lock_writes(dir: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(dir.join("node.db")).unwrap();
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    c
}

fn publish_of(n: usize, ts: u64) -> PublishRequest {
    PublishRequest { envelopes: vec![env("/xmtp/0/budget/proto", ts, &vec![7u8; n])] }
}

/// A gRPC client whose connections come from the loopback address `from`.
async fn grpc_from(
    node: &NodeHandle,
    from: [u8; 4],
) -> xmtp_proto::message_api::v1::message_api_client::MessageApiClient<tonic::transport::Channel> {
    let ch = tonic::transport::Endpoint::from_shared(node.grpc_url())
        .unwrap()
        .local_address(Some(std::net::IpAddr::from(from)))
        .connect()
        .await
        .unwrap();
    xmtp_proto::message_api::v1::message_api_client::MessageApiClient::new(ch)
}

#[tokio::test]
async fn request_bytes_in_flight_share_one_budget() {
    let dir = tempfile::tempdir().unwrap();
    let node = node_at(dir.path(), |l| {
        l.max_request_bytes_in_flight = 64 * 1024;
        l.max_request_bytes_per_address = Some(32 * 1024);
    })
    .await;
    let lock = lock_writes(dir.path());
    // Two clients' 30 kB each wait for the writer, holding their bytes (each within its half).
    let mut held = Vec::new();
    for (from, ts) in [([127, 0, 0, 2], 1), ([127, 0, 0, 3], 2)] {
        let mut c = grpc_from(&node, from).await;
        held.push(tokio::spawn(async move { c.publish(publish_of(30_000, ts)).await }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A third client's 30 kB would pass 64 kB: refused at once on gRPC and on the gateway.
    let third = tokio::time::timeout(WAIT, grpc_from(&node, [127, 0, 0, 4]).await.publish(publish_of(30_000, 3))).await;
    let status = third.expect("a publish past the budget was queued, not refused").unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    let body = serde_json::json!({"envelopes": [{
        "contentTopic": "/xmtp/0/budget/proto", "timestampNs": "4",
        "message": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![7u8; 30_000]),
    }]});
    let http = reqwest::Client::new()
        .post(format!("{}/message/v1/publish", node.http_url().unwrap()))
        .json(&body)
        .timeout(WAIT)
        .send()
        .await
        .expect("a gateway publish past the budget was queued, not refused");
    assert_eq!(http.status(), 503);
    let err: serde_json::Value = http.json().await.unwrap();
    assert_eq!(err["code"], 14);

    // Once the writer goes on, the held publishes are stored and the budget is free again.
    drop(lock);
    for h in held {
        h.await.unwrap().unwrap();
    }
    grpc(&node).await.publish(publish_of(30_000, 5)).await.unwrap();
    assert_eq!(node.api().budget().available(), 64 * 1024);
    node.shutdown().await;
}

#[tokio::test]
async fn a_full_writer_queue_answers_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let node = node_at(dir.path(), |l| l.max_queued_publishes = 1).await;
    let lock = lock_writes(dir.path());
    let api = std::sync::Arc::clone(node.api());
    let mut waiting = Vec::new();
    // The first is taken by the writer (which waits for the lock), the second fills the queue.
    for ts in 1..=2 {
        let api = std::sync::Arc::clone(&api);
        waiting.push(tokio::spawn(async move { api.publish(None, None, publish_of(10, ts).envelopes).await }));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let third = tokio::time::timeout(WAIT, api.publish(None, None, publish_of(10, 3).envelopes)).await;
    let err = third.expect("a publish past the queue waited, not refused").unwrap_err();
    assert_eq!(err.code, courier_node::api::Code::Unavailable, "{err:?}");
    drop(lock);
    for w in waiting {
        w.await.unwrap().unwrap();
    }
    node.shutdown().await;
}

/// One client address may hold at most half of the budget, so that it cannot take all of it
/// (loopback included, as for the connection cap).
#[tokio::test]
async fn one_address_holds_at_most_half_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    // Half per address, as a public node has by default (on loopback the default is all).
    let node = node_at(dir.path(), |l| {
        l.max_request_bytes_in_flight = 100 * 1024;
        l.max_request_bytes_per_address = Some(50 * 1024);
    })
    .await;
    let lock = lock_writes(dir.path());
    let mut a = grpc_from(&node, [127, 0, 0, 2]).await;
    let first = tokio::spawn(async move { a.publish(publish_of(40_000, 1)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // 40 kB + 20 kB passes half of 100 KiB for 127.0.0.2, not the budget.
    let mut a2 = grpc_from(&node, [127, 0, 0, 2]).await;
    let second = tokio::time::timeout(WAIT, a2.publish(publish_of(20_000, 2))).await;
    let status = second.expect("one address took more than half of the budget").unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    // Another address still gets in.
    let mut b = grpc_from(&node, [127, 0, 0, 3]).await;
    let other = tokio::spawn(async move { b.publish(publish_of(40_000, 3)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!other.is_finished(), "another address was refused");
    drop(lock);
    first.await.unwrap().unwrap();
    other.await.unwrap().unwrap();
    node.shutdown().await;
}
