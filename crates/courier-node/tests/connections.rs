//! Connections against a real node: a client that never finishes its request headers, or
//! keeps an idle connection, is dropped after the header-read timeout (slowloris); connections
//! past the cap are closed at once and queries still get in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

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
    let mut config = common::config().await;
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
    let mut config = common::config().await;
    config.limits.max_connections = Some(40);
    config.limits.max_connections_per_address = Some(40);
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
    let mut config = common::config().await;
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
    let mut config = common::config().await;
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

/// A TCP connection to `to` from the loopback address `from` (all of 127/8 is loopback).
async fn connect_from(from: [u8; 4], to: std::net::SocketAddr) -> TcpStream {
    let s = tokio::net::TcpSocket::new_v4().unwrap();
    s.bind(std::net::SocketAddr::from((from, 0))).unwrap();
    s.connect(to).await.unwrap()
}

/// Review #1: one client address cannot hold every connection. With a cap of 4 (2 per
/// address, as a public node has by default; this node is on loopback, where the default is
/// all), a client at 127.0.0.2 that opens 4 silent connections keeps 2, and another client
/// still gets its answer.
#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let mut config = common::config().await;
    config.limits.max_connections = Some(4);
    config.limits.max_connections_per_address = Some(2);
    let node = courier_node::start(config).await.unwrap();
    let http = node.http_addr().unwrap();
    let mut held = vec![
        connect_from([127, 0, 0, 2], node.grpc_addr()).await,
        connect_from([127, 0, 0, 2], node.grpc_addr()).await,
        connect_from([127, 0, 0, 2], http).await,
        connect_from([127, 0, 0, 2], http).await,
    ];
    let mut open = 0;
    for s in &mut held {
        if !closed_within(s, Duration::from_millis(300)).await {
            open += 1;
        }
    }
    assert!(open <= 2, "one address holds {open} of 4 connections");
    let health = reqwest::Client::new()
        .get(format!("http://{http}/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("another client is refused");
    assert_eq!(health.status(), 200);
    node.shutdown().await;
}

/// Review #1: a gateway request whose body comes a byte at a time is cut at the request
/// deadline, though every byte arrives within the header-read timeout.
#[tokio::test]
async fn trickled_request_body_is_cut_at_the_deadline() {
    let mut config = common::config().await;
    config.limits.header_read_timeout = Duration::from_millis(500);
    config.limits.request_timeout = Duration::from_secs(1);
    let node = courier_node::start(config).await.unwrap();
    let s = TcpStream::connect(node.http_addr().unwrap()).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    wr.write_all(b"POST /message/v1/query HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n").await.unwrap();
    let trickle = tokio::spawn(async move {
        loop {
            if wr.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let mut buf = [0u8; 4096];
    let cut = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    trickle.abort();
    assert!(cut.is_ok(), "a trickled body kept its connection for 5 s");
    node.shutdown().await;
}

/// Review #1: a gRPC client that sends the first byte of the HTTP/2 preface and stops is
/// dropped after the header-read timeout, like one that sends nothing.
#[tokio::test]
async fn half_sent_grpc_preface_is_dropped() {
    let mut config = common::config().await;
    config.limits.header_read_timeout = Duration::from_millis(500);
    let node = courier_node::start(config).await.unwrap();
    let mut s = TcpStream::connect(node.grpc_addr()).await.unwrap();
    s.write_all(b"P").await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(4)).await, "half a preface kept the connection");
    let mut s = TcpStream::connect(node.grpc_addr()).await.unwrap();
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(4)).await, "a preface without SETTINGS kept the connection");
    node.shutdown().await;
}

/// A gRPC request whose message comes a byte at a time (over a live HTTP/2 connection, so
/// keep-alive pings are answered) is cut at the request deadline too.
#[tokio::test]
async fn trickled_grpc_request_is_cut_at_the_deadline() {
    let mut config = common::config().await;
    config.limits.request_timeout = Duration::from_secs(1);
    config.auth = courier_node::AuthMode::Disabled;
    let node = courier_node::start(config).await.unwrap();
    let tcp = TcpStream::connect(node.grpc_addr()).await.unwrap();
    let (mut client, conn) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(conn);
    let req = tonic::codegen::http::Request::post("http://localhost/xmtp.message_api.v1.MessageApi/Query")
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut send) = client.send_request(req, false).unwrap();
    // A message of 1000 bytes is announced; one comes every 200 ms.
    send.send_data(bytes::Bytes::from_static(&[0, 0, 0, 3, 232]), false).unwrap();
    let trickle = tokio::spawn(async move {
        loop {
            if send.send_data(bytes::Bytes::from_static(b"\x0a"), false).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    let answered = tokio::time::timeout(Duration::from_secs(5), response).await;
    trickle.abort();
    assert!(answered.is_ok(), "a trickled gRPC request was held for 5 s");

    // A subscription outlives the deadline: its stream is the response, not the request.
    let mut c = common::grpc(&node).await;
    let mut sub = c
        .subscribe(xmtp_proto::message_api::v1::SubscribeRequest { content_topics: vec!["/t".into()] })
        .await
        .unwrap()
        .into_inner();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    node.api().publish(None, None, vec![common::env("/t", 1, b"late")]).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), sub.message()).await.unwrap().unwrap().unwrap();
    assert_eq!(&got.message[..], b"late");
    node.shutdown().await;
}

/// Second review: on a node that listens on loopback only, every client is this machine, so a
/// per-address cap would only halve what the user's own apps get: by default one address may
/// use every connection there.
#[tokio::test]
async fn a_loopback_node_leaves_its_clients_every_connection() {
    let mut config = common::config().await;
    config.limits.max_connections = Some(4);
    let node = courier_node::start(config).await.unwrap();
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from([127, 0, 0, 2], node.grpc_addr()).await);
    }
    for s in &mut held {
        assert!(!closed_within(s, Duration::from_millis(300)).await, "a connection was refused");
    }
    node.shutdown().await;
}
