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

#[tokio::test]
async fn request_bytes_in_flight_share_one_budget() {
    let dir = tempfile::tempdir().unwrap();
    let node = node_at(dir.path(), |l| l.max_request_bytes_in_flight = 64 * 1024).await;
    let lock = lock_writes(dir.path());
    // 40 kB waits for the writer, holding its bytes.
    let mut first_client = grpc(&node).await;
    let first = tokio::spawn(async move { first_client.publish(publish_of(40_000, 1)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Another 40 kB would pass 64 kB: refused at once on gRPC and on the gateway.
    let second = tokio::time::timeout(WAIT, grpc(&node).await.publish(publish_of(40_000, 2))).await;
    let status = second.expect("a publish past the budget was queued, not refused").unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    let body = serde_json::json!({"envelopes": [{
        "contentTopic": "/xmtp/0/budget/proto", "timestampNs": "3",
        "message": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, vec![7u8; 40_000]),
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

    // Small requests still fit, and once the writer goes on the first publish is stored.
    drop(lock);
    first.await.unwrap().unwrap();
    grpc(&node).await.publish(publish_of(1000, 4)).await.unwrap();
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
