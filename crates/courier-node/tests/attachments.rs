//! The attachment store (a Courier extension, issue #13) against a real node on loopback with a
//! real SQLite file: `PUT /attachments/v1/<digest>` with a real XMTP auth token, `GET`/`HEAD`,
//! and every way an upload is refused (digest, size cap while the body streams, token, quota,
//! full database, byte budget, foreign host name).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::blobs::*;
use common::*;
use courier_node::{HttpOptions, NodeConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test]
async fn upload_download_round_trip_is_idempotent() {
    let node = start(|_| {}).await;
    let base = node.http_url().unwrap();
    let (alice, bob) = (User::new(1), User::new(2));
    let data = blob(1, 300_000);
    let d = hex_digest(&data);

    let (s, r) = put(&base, &d, data.clone(), Some(&alice.bearer())).await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["url"], format!("{base}/attachments/v1/{d}"));
    assert_eq!(r["size"], 300_000);

    let resp = get(&base, &d).await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["content-type"], "application/octet-stream");
    assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(h.get("access-control-allow-credentials").is_none());
    assert_eq!(h["content-length"], "300000");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &data[..], "byte for byte");

    let head = reqwest::Client::new().head(format!("{base}/attachments/v1/{d}")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "300000");

    // Stored once: the same upload again, by anyone, is 200 and changes nothing.
    let (s, r) = put(&base, &d, data.clone(), Some(&alice.bearer())).await;
    assert_eq!((s, r["size"].clone()), (200, 300_000.into()));
    let (s, _) = put(&base, &d, data, Some(&bob.bearer())).await;
    assert_eq!(s, 200);
    assert_eq!(stored(&node).await, 1);
    node.shutdown().await;
}

#[tokio::test]
async fn a_body_that_does_not_hash_to_its_digest_is_refused() {
    let node = start(|_| {}).await;
    let base = node.http_url().unwrap();
    let u = User::new(3);
    let (claimed, sent) = (blob(1, 1000), blob(2, 1000));
    let (s, r) = put(&base, &hex_digest(&claimed), sent.clone(), Some(&u.bearer())).await;
    assert_eq!((s, code_of(&r)), (400, 3), "{r}");
    assert_eq!(stored(&node).await, 0);
    assert_eq!(get(&base, &hex_digest(&claimed)).await.status(), 404);
    assert_eq!(get(&base, &hex_digest(&sent)).await.status(), 404);
    node.shutdown().await;
}

#[tokio::test]
async fn invalid_digests_are_400_and_unknown_ones_404() {
    let node = start(|_| {}).await;
    let base = node.http_url().unwrap();
    let u = User::new(4);
    let data = blob(4, 10);
    let d = hex_digest(&data);
    for bad in ["xyz".to_owned(), d.to_uppercase(), d[..63].to_owned(), format!("{d}0"), format!("{}g", &d[..63])] {
        let (s, r) = put(&base, &bad, data.clone(), Some(&u.bearer())).await;
        assert_eq!((s, code_of(&r)), (400, 3), "PUT {bad}: {r}");
        let resp = get(&base, &bad).await;
        assert_eq!(resp.status(), 400, "GET {bad}");
    }
    let resp = get(&base, &d).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(code_of(&resp.json().await.unwrap()), 5);
    assert_eq!(stored(&node).await, 0);
    node.shutdown().await;
}

#[tokio::test]
async fn uploads_need_a_valid_fresh_token() {
    let node = start(|_| {}).await;
    let base = node.http_url().unwrap();
    let u = User::new(5);
    let data = blob(5, 1000);
    let d = hex_digest(&data);
    let expired = u.bearer_at(now_ns() - 2 * 3_600 * 1_000_000_000);
    for auth in [None, Some("Bearer not-a-token"), Some("Basic abc"), Some(expired.as_str())] {
        let (s, r) = put(&base, &d, data.clone(), auth).await;
        assert_eq!((s, code_of(&r)), (401, 16), "{auth:?}: {r}");
    }
    assert_eq!(stored(&node).await, 0);
    let (s, _) = put(&base, &d, data, Some(&u.bearer())).await;
    assert_eq!(s, 201);
    node.shutdown().await;
}

/// Sends `PUT` with `headers` and then, if `chunks` > 0, that many 64 KiB chunks of a chunked
/// body, while reading the answer. Returns the status line and how many body bytes were sent
/// before the connection ended.
async fn raw_put(addr: std::net::SocketAddr, path: &str, headers: &str, chunks: usize) -> (String, usize) {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!("PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n");
    wr.write_all(head.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        let chunk = vec![7u8; 64 * 1024];
        let mut sent = 0;
        for _ in 0..chunks {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if wr.write_all(&framed).await.is_err() {
                return (sent, None);
            }
            sent += chunk.len();
        }
        if chunks > 0 {
            let _ = wr.write_all(b"0\r\n\r\n").await;
        }
        // The connection stays open until the answer is read.
        (sent, Some(wr))
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let status = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let n = rd.read(&mut buf).await.unwrap_or(0);
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
        String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
    })
    .await
    .expect("no answer");
    let (sent, _wr) = tokio::time::timeout(Duration::from_secs(30), writer).await.expect("writer hung").unwrap();
    (status, sent)
}

/// The default cap (32 MiB) against an oversize upload: streamed without a length (128 MiB), it
/// is refused as soon as it passes the cap (the client cannot send the rest); declared (40 MiB),
/// it is refused before a byte of the body is sent. Nothing is stored.
#[tokio::test]
async fn oversize_uploads_are_refused_while_they_stream() {
    let node = start(|_| {}).await;
    let addr = node.http_addr().unwrap();
    let u = User::new(6);
    let path = format!("/attachments/v1/{}", hex_digest(b"whatever"));
    let auth = format!("Authorization: {}\r\n", u.bearer());
    const FORTY_MIB: usize = 40 << 20;
    // Streamed, the body is far past the cap: what the sockets' buffers take after the node
    // stops reading (a few MiB each way on loopback) can't make up the difference, as it could
    // for the 8 MiB of a 40 MiB body (the client then wrote all of it, now and then).
    const STREAMED: usize = 128 << 20;

    let (status, sent) = raw_put(addr, &path, &format!("{auth}Transfer-Encoding: chunked\r\n"), STREAMED / 65536).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status} after {sent} bytes");
    assert!(sent < STREAMED, "the node read the whole 128 MiB ({sent} bytes sent)");

    let (status, _) = raw_put(addr, &path, &format!("{auth}Content-Length: {FORTY_MIB}\r\n"), 0).await;
    assert!(status.starts_with("HTTP/1.1 413"), "{status}");
    assert_eq!(stored(&node).await, 0);
    node.shutdown().await;
}

#[tokio::test]
async fn the_size_cap_is_exact() {
    let node = start(|c| c.limits.max_attachment_bytes = 100_000).await;
    let base = node.http_url().unwrap();
    let u = User::new(7);
    let (at, over) = (blob(7, 100_000), blob(8, 100_001));
    let (s, r) = put(&base, &hex_digest(&over), over, Some(&u.bearer())).await;
    assert_eq!((s, code_of(&r)), (413, 8), "{r}");
    let (s, _) = put(&base, &hex_digest(&at), at, Some(&u.bearer())).await;
    assert_eq!(s, 201);
    assert_eq!(stored(&node).await, 1);
    node.shutdown().await;
}

#[tokio::test]
async fn an_identity_cannot_store_past_its_quota() {
    let node = start(|c| c.limits.attachment_quota_bytes = 150_000).await;
    let base = node.http_url().unwrap();
    let (alice, bob) = (User::new(8), User::new(9));
    let (a, b) = (blob(1, 100_000), blob(2, 100_000));
    assert_eq!(put(&base, &hex_digest(&a), a.clone(), Some(&alice.bearer())).await.0, 201);
    let (s, r) = put(&base, &hex_digest(&b), b.clone(), Some(&alice.bearer())).await;
    assert_eq!((s, code_of(&r)), (413, 8), "{r}");
    assert_eq!(get(&base, &hex_digest(&b)).await.status(), 404);
    // What is stored costs nothing again; another identity has its own quota.
    assert_eq!(put(&base, &hex_digest(&a), a, Some(&alice.bearer())).await.0, 200);
    assert_eq!(put(&base, &hex_digest(&b), b, Some(&bob.bearer())).await.0, 201);
    node.shutdown().await;
}

#[tokio::test]
async fn a_full_database_refuses_uploads_and_keeps_serving_downloads() {
    let node = start(|c| c.limits.max_database_bytes = Some(400_000)).await;
    let base = node.http_url().unwrap();
    let u = User::new(10);
    let mut kept = Vec::new();
    let mut refused = None;
    for i in 0..20u8 {
        let data = blob(i, 100_000);
        let (s, r) = put(&base, &hex_digest(&data), data.clone(), Some(&u.bearer())).await;
        if s == 201 {
            kept.push(data);
        } else {
            refused = Some((s, r));
            break;
        }
    }
    let (s, r) = refused.expect("the database never filled up");
    assert_eq!((s, code_of(&r)), (507, 8), "{r}");
    assert!(!kept.is_empty());
    for data in &kept {
        let resp = get(&base, &hex_digest(data)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.bytes().await.unwrap().as_ref(), &data[..]);
    }
    node.shutdown().await;
}

#[tokio::test]
async fn uploads_are_charged_to_the_byte_budget() {
    let node = start(|c| {
        c.limits.max_request_bytes_in_flight = 200_000;
        c.limits.max_request_bytes_per_address = Some(200_000);
    })
    .await;
    let base = node.http_url().unwrap();
    let u = User::new(11);
    let big = blob(1, 300_000);
    let (s, r) = put(&base, &hex_digest(&big), big, Some(&u.bearer())).await;
    assert_eq!((s, code_of(&r)), (503, 14), "{r}");
    let small = blob(2, 100_000);
    assert_eq!(put(&base, &hex_digest(&small), small, Some(&u.bearer())).await.0, 201);
    node.shutdown().await;
}

#[tokio::test]
async fn a_loopback_node_refuses_foreign_host_names_on_attachments() {
    let node = start(|_| {}).await;
    let base = node.http_url().unwrap();
    let u = User::new(12);
    let data = blob(12, 1000);
    let d = hex_digest(&data);
    assert_eq!(put(&base, &d, data.clone(), Some(&u.bearer())).await.0, 201);
    let c = reqwest::Client::new();
    let resp = c.get(format!("{base}/attachments/v1/{d}")).header("host", "evil.example").send().await.unwrap();
    assert_eq!(resp.status(), 421);
    let resp = c
        .put(format!("{base}/attachments/v1/{}", hex_digest(b"x")))
        .header("host", "evil.example")
        .header("authorization", u.bearer())
        .body(&b"x"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 421);
    assert_eq!(stored(&node).await, 1);
    node.shutdown().await;
}

#[tokio::test]
async fn without_the_message_api_the_listener_serves_attachments_only() {
    let node = start(|c| {
        c.http = HttpOptions {
            message_api: false,
            public_url: Some("https://files.example/".into()),
            ..HttpOptions::default()
        };
    })
    .await;
    let base = node.http_url().unwrap();
    let u = User::new(13);
    let data = blob(13, 5000);
    let d = hex_digest(&data);
    let (s, r) = put(&base, &d, data.clone(), Some(&u.bearer())).await;
    assert_eq!(s, 201);
    assert_eq!(r["url"], format!("https://files.example/attachments/v1/{d}"));
    assert_eq!(get(&base, &d).await.bytes().await.unwrap().as_ref(), &data[..]);
    assert_eq!(reqwest::get(format!("{base}/healthz")).await.unwrap().status(), 200);
    for path in ["/message/v1/query", "/message/v1/publish", "/message/v1/subscribe"] {
        let resp = reqwest::Client::new().post(format!("{base}{path}")).body("{}").send().await.unwrap();
        assert_eq!(resp.status(), 404, "{path}");
    }
    node.shutdown().await;
}

#[tokio::test]
async fn a_blob_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NodeConfig::ephemeral();
    config.database = common::persistent(dir.path()).await;
    let node = courier_node::start(config.clone()).await.unwrap();
    let u = User::new(14);
    let data = blob(14, 200_000);
    let d = hex_digest(&data);
    assert_eq!(put(&node.http_url().unwrap(), &d, data.clone(), Some(&u.bearer())).await.0, 201);
    node.shutdown().await;

    let node = courier_node::start(config).await.unwrap();
    let base = node.http_url().unwrap();
    let resp = get(&base, &d).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &data[..]);
    assert_eq!(put(&base, &d, data, Some(&u.bearer())).await.0, 200, "still stored once");
    node.shutdown().await;
}

/// Reads an HTTP/1 response from `s` up to the end of its headers; returns the status line and
/// whatever body bytes came with the headers.
async fn read_head(s: &mut tokio::net::TcpStream) -> (String, Vec<u8>) {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "connection closed before the headers");
            answer.extend_from_slice(&buf[..n]);
            if let Some(at) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
                let status = String::from_utf8_lossy(&answer[..at]).lines().next().unwrap_or_default().to_owned();
                return (status, answer[at + 4..].to_vec());
            }
        }
    })
    .await
    .expect("no answer")
}

/// Review (HIGH): a client that asks for a blob and never reads it must not hold the node's
/// budget of request bytes, or four stalled 32 MiB downloads refuse every publish and upload
/// (503) for as long as their connections stay open. The downloads are streamed out of the
/// database a chunk at a time; only the chunk being read is charged.
#[tokio::test]
async fn downloads_nobody_reads_hold_none_of_the_request_budget() {
    const MIB: usize = 1024 * 1024;
    let node = start(|c| c.limits.max_request_bytes_in_flight = 40 * MIB).await;
    let (base, addr) = (node.http_url().unwrap(), node.http_addr().unwrap());
    let data = blob(1, 32 * MIB);
    let d = hex_digest(&data);
    assert_eq!(put(&base, &d, data.clone(), Some(&User::new(1).bearer())).await.0, 201);
    let budget = node.api().budget().available();

    // Four clients ask for it and never read.
    let mut stalled = Vec::new();
    for _ in 0..4 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET /attachments/v1/{d} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
        stalled.push(s);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(node.api().budget().available(), budget, "stalled downloads hold request bytes");
    let other = blob(2, 10 * MIB);
    let (s, r) = put(&base, &hex_digest(&other), other, Some(&User::new(2).bearer())).await;
    assert_eq!(s, 201, "an upload while downloads are stalled: {r}");

    // A stalled client that reads on gets every byte.
    let mut s = stalled.swap_remove(0);
    drop(stalled);
    let (status, mut got) = read_head(&mut s).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = vec![0u8; 256 * 1024];
        while got.len() < data.len() {
            let n = s.read(&mut buf).await.unwrap();
            assert!(n > 0, "the body ended after {} bytes", got.len());
            got.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("the download did not finish");
    assert!(got == data, "the streamed blob differs from the stored one");
    node.shutdown().await;
}
