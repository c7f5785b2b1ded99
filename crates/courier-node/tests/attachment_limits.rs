//! The attachment store's node-wide limits, against a real node on loopback with a real SQLite
//! file: the cap on all stored attachment bytes (identities are free, so per-identity quotas
//! alone do not protect the disk), the per-address rate of upload bytes, and retention.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::blobs::*;
use common::*;
use courier_node::{Bucket, RateLimits};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// Review (MED): ten identities (free to make) each well within their quota cannot store more
/// than the node's cap between them, even all at once: the total is checked in the insert's
/// transaction. What is stored stays readable; storing it again costs nothing.
#[tokio::test]
async fn the_node_wide_cap_holds_against_many_identities_uploading_at_once() {
    let node = start(|c| c.limits.max_attachment_store_bytes = 350_000).await;
    let base = node.http_url().unwrap();
    let uploads = (0..10u8).map(|i| {
        let base = base.clone();
        tokio::spawn(async move {
            let data = blob(i, 100_000);
            let (s, r) =
                put(&base, &hex_digest(&data), data.clone(), Some(&User::new(100 + u64::from(i)).bearer())).await;
            (s, r, data)
        })
    });
    let mut kept = Vec::new();
    for u in uploads.collect::<Vec<_>>() {
        let (s, r, data) = u.await.unwrap();
        match s {
            201 => kept.push(data),
            _ => assert_eq!((s, code_of(&r)), (507, 8), "{r}"),
        }
    }
    assert_eq!(kept.len(), 3, "the node stored past its cap");
    assert_eq!(stored(&node).await, 3);
    for data in &kept {
        assert_eq!(get(&base, &hex_digest(data)).await.bytes().await.unwrap().as_ref(), &data[..]);
        assert_eq!(put(&base, &hex_digest(data), data.clone(), Some(&User::new(1).bearer())).await.0, 200);
    }
    node.shutdown().await;
}

/// Sends `PUT` with a declared length and no body; the status line of the answer.
async fn declared_put(addr: std::net::SocketAddr, path: &str, bearer: &str, len: usize) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {bearer}\r\nContent-Length: {len}\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(30), async {
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = s.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
    })
    .await
    .expect("no answer");
    String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned()
}

/// Review (MED): one client address may upload only so many bytes an hour, whichever identities
/// it uses; a declared length past what is left is refused before the body is read. Another
/// address has its own allowance.
#[tokio::test]
async fn upload_bytes_are_rate_limited_per_client_address() {
    let node = start(|c| {
        c.limits.rate = RateLimits {
            exempt_loopback: false,
            upload_bytes_per_address: Bucket { per_minute: 1.0, burst: 250_000.0 },
            ..RateLimits::default()
        };
        c.limits.request_timeout = Duration::from_secs(3);
    })
    .await;
    let (base, addr) = (node.http_url().unwrap(), node.http_addr().unwrap());
    for i in 0..2u8 {
        let data = blob(i, 100_000);
        assert_eq!(put(&base, &hex_digest(&data), data, Some(&User::new(u64::from(i)).bearer())).await.0, 201);
    }
    let data = blob(2, 100_000);
    let (s, r) = put(&base, &hex_digest(&data), data.clone(), Some(&User::new(2).bearer())).await;
    assert_eq!(s, 429, "a third 100 kB from one address: {r}");
    assert_eq!(code_of(&r), 8);
    let status =
        declared_put(addr, &format!("/attachments/v1/{}", hex_digest(&data)), &User::new(3).bearer(), 60_000).await;
    assert!(status.starts_with("HTTP/1.1 429"), "a declared 60 kB with 50 kB left: {status}");
    assert_eq!(stored(&node).await, 2);

    let elsewhere = reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).build().unwrap();
    let (s, r) = put_with(&elsewhere, &base, &hex_digest(&data), data, Some(&User::new(2).bearer())).await;
    assert_eq!(s, 201, "another address: {r}");
    node.shutdown().await;
}

/// Retention: a blob older than the retention period is deleted by the node's periodic task
/// (and its bytes stop counting against the caps); a younger one stays.
#[tokio::test]
async fn blobs_past_the_retention_period_are_deleted() {
    let node = start(|c| {
        c.limits.attachment_retention = Some(Duration::from_secs(2));
        c.limits.attachment_prune_interval = Duration::from_millis(200);
        c.limits.max_attachment_store_bytes = 150_000;
    })
    .await;
    let base = node.http_url().unwrap();
    let u = User::new(1);
    let (old, young) = (blob(1, 100_000), blob(2, 100_000));
    assert_eq!(put(&base, &hex_digest(&old), old.clone(), Some(&u.bearer())).await.0, 201);
    let (s, _) = put(&base, &hex_digest(&young), young.clone(), Some(&u.bearer())).await;
    assert_eq!(s, 507, "the cap is full while the old blob is kept");
    let gone = tokio::time::timeout(Duration::from_secs(15), async {
        while get(&base, &hex_digest(&old)).await.status() != 404 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "a blob past the retention period is still served");
    assert_eq!(put(&base, &hex_digest(&young), young.clone(), Some(&u.bearer())).await.0, 201, "its bytes are freed");
    assert_eq!(get(&base, &hex_digest(&young)).await.bytes().await.unwrap().as_ref(), &young[..]);
    node.shutdown().await;
}
