//! Subscriptions against a real node: a subscriber that does not read is cut off once its
//! buffer holds too many bytes (memory never grows with it), and subscriptions per connection
//! and per client address are bounded, refused with RESOURCE_EXHAUSTED / HTTP 429.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use tokio_stream::StreamExt;
use tonic::Code;
use xmtp_proto::message_api::v1::{PublishRequest, SubscribeAllRequest, SubscribeRequest};

/// 200 envelopes of 50 kB (10 MB) for a subscriber that reads nothing, with a 100 kB buffer:
/// its stream ends after far fewer than 200 (HTTP/2 windows, 2 MB on tonic's client, buffer
/// some too), while a reading subscriber of the same topic gets them all.
#[tokio::test]
async fn slow_subscriber_is_cut_off_by_bytes() {
    let mut config = common::config().await;
    config.limits.subscriber_buffer_bytes = 100_000;
    let node = courier_node::start(config).await.unwrap();
    let mut c = grpc(&node).await;
    let u = User::new(21);
    let t = "/xmtp/0/m-slow/proto";
    let sub = || SubscribeRequest { content_topics: vec![t.into()] };
    let mut slow = grpc(&node).await.subscribe(sub()).await.unwrap().into_inner();
    let mut reader = c.subscribe(sub()).await.unwrap().into_inner();
    let reading = tokio::spawn(async move {
        let mut n = 0;
        while n < 200 {
            reader.next().await.unwrap().unwrap();
            n += 1;
        }
        n
    });
    for i in 0..200u64 {
        let e = env(t, i + 1, &vec![i as u8; 50_000]);
        c.publish(with_auth(PublishRequest { envelopes: vec![e] }, &u.bearer())).await.unwrap();
    }
    assert_eq!(tokio::time::timeout(Duration::from_secs(10), reading).await.unwrap().unwrap(), 200);
    let mut got = 0;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = slow.next().await {
            got += 1;
        }
    })
    .await;
    assert!(ended.is_ok(), "the slow subscriber's stream never ended ({got} envelopes read)");
    assert!(got < 200, "the slow subscriber got all {got}");
    node.shutdown().await;
}

#[tokio::test]
async fn subscriptions_per_connection_and_address_are_bounded() {
    let mut config = common::config().await;
    config.limits.max_subscriptions_per_connection = 2;
    config.limits.max_subscriptions_per_address = 3;
    let node = courier_node::start(config).await.unwrap();
    let (mut one, mut two) = (grpc(&node).await, grpc(&node).await);
    let all = || SubscribeAllRequest {};
    let _a = one.subscribe_all(all()).await.unwrap();
    let _b = one.subscribe_all(all()).await.unwrap();
    assert_eq!(code(one.subscribe_all(all()).await), Code::ResourceExhausted);
    let _c = two.subscribe_all(all()).await.unwrap();
    assert_eq!(code(two.subscribe_all(all()).await), Code::ResourceExhausted, "per address");
    // The gateway refuses with 429 and the JSON error object; queries go on.
    let base = node.http_url().unwrap();
    let resp = reqwest::Client::new().post(format!("{base}/message/v1/subscribe-all")).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 429);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["code"], 8);
    let q = reqwest::Client::new()
        .post(format!("{base}/message/v1/query"))
        .body(json!({"contentTopics": ["/t"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(q.status(), 200);
    drop(_a);
    tokio::time::sleep(Duration::from_millis(200)).await;
    one.subscribe_all(all()).await.unwrap();
    node.shutdown().await;
}
