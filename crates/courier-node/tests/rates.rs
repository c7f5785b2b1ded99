//! Rate limits (spec §12.9) against a real node: token buckets per client address and per
//! identity, refused with RESOURCE_EXHAUSTED / HTTP 429, others served. Loopback is exempt by
//! default, so these tests turn the exemption off.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use courier_node::{Bucket, NodeHandle, RateLimits};
use serde_json::json;
use tonic::Code;
use xmtp_proto::message_api::v1::{BatchQueryRequest, PublishRequest, QueryRequest};

const SLOW: f64 = 0.001;

async fn limited(rate: RateLimits) -> NodeHandle {
    let mut config = common::config().await;
    config.limits.rate = RateLimits { exempt_loopback: false, ..rate };
    courier_node::start(config).await.unwrap()
}

fn one(t: &str, ts: u64) -> PublishRequest {
    PublishRequest { envelopes: vec![env(t, ts, b"x")] }
}

#[tokio::test]
async fn publish_is_limited_per_address_and_per_identity() {
    let node = limited(RateLimits {
        publish_per_address: Bucket { per_minute: SLOW, burst: 5.0 },
        publish_per_identity: Bucket { per_minute: SLOW, burst: 2.0 },
        ..RateLimits::default()
    })
    .await;
    let mut c = grpc(&node).await;
    let (a, b) = (User::new(31), User::new(32));
    let t = "/xmtp/0/m-rate/proto";
    c.publish(with_auth(one(t, 1), &a.bearer())).await.unwrap();
    c.publish(with_auth(one(t, 2), &a.bearer())).await.unwrap();
    assert_eq!(code(c.publish(with_auth(one(t, 3), &a.bearer())).await), Code::ResourceExhausted, "identity");
    c.publish(with_auth(one(t, 4), &b.bearer())).await.unwrap();
    // The address has spent 4 of 5 (a refused publish spends the address's tokens: it was
    // checked before the identity); one more passes, then the address is out for everyone.
    c.publish(with_auth(one(t, 5), &b.bearer())).await.unwrap();
    assert_eq!(code(c.publish(with_auth(one(t, 6), &User::new(33).bearer())).await), Code::ResourceExhausted);
    let base = node.http_url().unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{base}/message/v1/publish"))
        .header("authorization", User::new(34).bearer())
        .body(json!({"envelopes": [{"contentTopic": t, "timestampNs": "7", "message": "AA=="}]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["code"], 8);
    // Reads have their own bucket.
    c.query(QueryRequest { content_topics: vec![t.into()], ..Default::default() }).await.unwrap();
    node.shutdown().await;
}

#[tokio::test]
async fn queries_are_limited_per_address_a_batch_costing_its_queries() {
    let node =
        limited(RateLimits { other_per_address: Bucket { per_minute: SLOW, burst: 10.0 }, ..RateLimits::default() })
            .await;
    let mut c = grpc(&node).await;
    let q = QueryRequest { content_topics: vec!["/t".into()], ..Default::default() };
    c.batch_query(BatchQueryRequest { requests: vec![q.clone(); 8] }).await.unwrap();
    assert_eq!(code(c.batch_query(BatchQueryRequest { requests: vec![q.clone(); 3] }).await), Code::ResourceExhausted);
    c.query(q.clone()).await.unwrap();
    c.query(q.clone()).await.unwrap();
    assert_eq!(code(c.query(q).await), Code::ResourceExhausted);
    node.shutdown().await;
}
