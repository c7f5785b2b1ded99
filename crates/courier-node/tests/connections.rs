//! Connections against a real node: a client that never finishes its request headers, or
//! keeps an idle connection, is dropped after the header-read timeout (slowloris); connections
//! past the cap are closed at once and queries still get in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use courier_node::NodeConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; false if it is still open after `wait`.
async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 4096];
    tokio::time::timeout(wait, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_dropped() {
    let mut config = NodeConfig::ephemeral();
    config.limits.header_read_timeout = Duration::from_millis(500);
    let node = courier_node::start(config).await.unwrap();
    let addr = node.http_addr().unwrap();
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /message/v1/query HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert!(closed_within(&mut slow, Duration::from_secs(3)).await, "half-sent headers kept open");
    assert!(closed_within(&mut idle, Duration::from_secs(3)).await, "idle connection kept open");
    node.shutdown().await;
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_and_queries_get_in() {
    let mut config = NodeConfig::ephemeral();
    config.limits.max_connections = Some(40);
    let node = courier_node::start(config).await.unwrap();
    let addr = node.http_addr().unwrap();
    let req = b"POST /message/v1/subscribe-all HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";
    let mut held = Vec::new();
    for _ in 0..60 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let _ = s.write_all(req).await;
        held.push(s);
    }
    // 30 subscriptions (40 less a quarter kept for queries) hold their connections; the rest
    // were refused (429, connection closed) or closed at accept.
    let mut open = 0;
    for s in &mut held {
        if !closed_within(s, Duration::from_millis(100)).await {
            open += 1;
        }
    }
    assert!(open <= 30, "{open} connections held");
    let q = reqwest::Client::new()
        .post(format!("http://{addr}/message/v1/query"))
        .body(r#"{"contentTopics":["/t"]}"#)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(q.status(), 200);
    assert_eq!(node.api().fanout().len(), 30);
    node.shutdown().await;
}

/// A gRPC client that connects and sends nothing (not even the HTTP/2 preface) is dropped
/// after the header-read timeout too.
#[tokio::test]
async fn silent_grpc_connections_are_dropped() {
    let mut config = NodeConfig::ephemeral();
    config.limits.header_read_timeout = Duration::from_millis(500);
    let node = courier_node::start(config).await.unwrap();
    let mut silent = TcpStream::connect(node.grpc_addr()).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(3)).await, "silent gRPC connection kept open");
    node.shutdown().await;
}

/// HTTP/2 streams per gRPC connection are capped: with 3 subscriptions open, a fourth call on
/// the same connection waits for a free stream, while another connection is served.
#[tokio::test]
async fn grpc_streams_per_connection_are_capped() {
    let mut config = NodeConfig::ephemeral();
    config.limits.max_concurrent_streams = 3;
    let node = courier_node::start(config).await.unwrap();
    let mut c = common::grpc(&node).await;
    let mut subs = Vec::new();
    for _ in 0..3 {
        subs.push(c.subscribe_all(xmtp_proto::message_api::v1::SubscribeAllRequest {}).await.unwrap());
    }
    let q = xmtp_proto::message_api::v1::QueryRequest { content_topics: vec!["/t".into()], ..Default::default() };
    let fourth = tokio::time::timeout(Duration::from_millis(500), c.query(q.clone())).await;
    assert!(fourth.is_err(), "a fourth stream was opened on the connection");
    common::grpc(&node).await.query(q).await.unwrap();
    drop(subs);
    node.shutdown().await;
}
