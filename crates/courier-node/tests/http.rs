//! The HTTP/JSON gateway against a real node on loopback, speaking the way xmtp-js does:
//! `text/plain` JSON bodies, cursors copied verbatim, streaming subscriptions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use courier_node::HttpOptions;
use prost::Message as _;
use serde_json::{Value, json};
use tokio_stream::StreamExt;
use xmtp_crypto::topic;
use xmtp_proto::message_api::v1::{PagingInfo, QueryRequest, QueryResponse};

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

async fn post(base: &str, path: &str, body: Value, auth: Option<&str>) -> (u16, Value) {
    let mut r = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", "text/plain;charset=UTF-8")
        .header("x-client-version", "xmtp-js/13.0.4")
        .body(body.to_string());
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn publish_query_and_page_like_xmtp_js() {
    let node = node().await;
    let base = node.http_url().unwrap();
    let u = User::new(1);
    let t = "/xmtp/0/m-http/proto";
    let envelopes: Vec<Value> = (1..=25u64)
        .map(|i| json!({"contentTopic": t, "timestampNs": (i * 1000).to_string(), "message": b64(&[i as u8; 3])}))
        .collect();
    let (s, body) = post(&base, "/message/v1/publish", json!({ "envelopes": envelopes }), Some(&u.bearer())).await;
    assert_eq!((s, body), (200, json!({})));

    let mut cursor = Value::Null;
    let mut got = Vec::new();
    loop {
        let mut paging = json!({"limit": 10, "direction": "SORT_DIRECTION_ASCENDING"});
        if !cursor.is_null() {
            paging["cursor"] = cursor.clone();
        }
        let (s, r) = post(&base, "/message/v1/query", json!({"contentTopics": [t], "pagingInfo": paging}), None).await;
        assert_eq!(s, 200);
        for e in r["envelopes"].as_array().unwrap() {
            assert_eq!(e["contentTopic"], t);
            got.push(e["timestampNs"].as_str().unwrap().parse::<u64>().unwrap());
        }
        cursor = r["pagingInfo"]["cursor"].clone();
        if cursor.is_null() {
            assert_eq!(r["pagingInfo"]["limit"], 0);
            break;
        }
        assert!(cursor["index"]["digest"].is_string());
        assert!(cursor["index"]["senderTimeNs"].is_string());
    }
    assert_eq!(got, (1..=25).map(|i| i * 1000).collect::<Vec<_>>());

    let (s, r) = post(
        &base,
        "/message/v1/batch-query",
        json!({"requests": [{"contentTopics": [t], "pagingInfo": {"limit": 5, "direction": "SORT_DIRECTION_DESCENDING"}},
                            {"contentTopics": ["/xmtp/0/m-empty/proto"]}]}),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(r["responses"][0]["envelopes"][0]["timestampNs"], "25000");
    assert_eq!(
        r["responses"][1],
        json!({"envelopes": [], "pagingInfo": {"limit": 0, "cursor": null, "direction": "SORT_DIRECTION_DESCENDING"}})
    );
    node.shutdown().await;
}

#[tokio::test]
async fn errors_have_code_message_and_status() {
    let node = node().await;
    let base = node.http_url().unwrap();
    let (u, other) = (User::new(2), User::new(3));
    let one = |t: &str| json!({"envelopes": [{"contentTopic": t, "timestampNs": "1", "message": "AA=="}]});
    let (s, r) = post(&base, "/message/v1/publish", one("/xmtp/0/m-x/proto"), None).await;
    assert_eq!((s, r["code"].clone()), (401, json!(16)));
    assert!(r["message"].is_string() && r["details"].is_array());
    let (s, r) =
        post(&base, "/message/v1/publish", one(&topic::contact(other.keys.address())), Some(&u.bearer())).await;
    assert_eq!((s, r["code"].clone()), (403, json!(7)));
    let (s, r) = post(&base, "/message/v1/query", json!({"contentTopics": []}), None).await;
    assert_eq!((s, r["code"].clone(), r["message"].clone()), (400, json!(3), json!("content topics required")));
    let (s, r) =
        post(&base, "/message/v1/query", json!({"contentTopics": ["/t"], "pagingInfo": {"limit": 101}}), None).await;
    assert_eq!((s, r["code"].clone()), (400, json!(3)));
    let resp = reqwest::Client::new().post(format!("{base}/message/v1/query")).body("{nope").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let resp = reqwest::Client::new()
        .post(format!("{base}/message/v1/publish"))
        .body(one("/t").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers().get("www-authenticate").unwrap(), "Bearer");
    node.shutdown().await;
}

#[tokio::test]
async fn streaming_subscribe_sends_headers_at_once_lines_and_keepalives() {
    let mut config = common::config().await;
    config.http = HttpOptions { keepalive: Duration::from_millis(300), ..HttpOptions::default() };
    let node = courier_node::start(config).await.unwrap();
    let base = node.http_url().unwrap();
    let u = User::new(4);
    let t = "/xmtp/0/m-stream/proto";
    // Headers arrive before anything is published.
    let resp = tokio::time::timeout(
        Duration::from_secs(2),
        reqwest::Client::new()
            .post(format!("{base}/message/v1/subscribe"))
            .body(json!({"contentTopics": [t]}).to_string())
            .send(),
    )
    .await
    .expect("headers at once")
    .unwrap();
    assert_eq!(resp.status(), 200);
    let mut body = resp.bytes_stream();
    let (s, _) = post(
        &base,
        "/message/v1/publish",
        json!({"envelopes": [{"contentTopic": t, "timestampNs": "42", "message": "aGk="}]}),
        Some(&u.bearer()),
    )
    .await;
    assert_eq!(s, 200);
    let mut buf = Vec::new();
    let mut lines: Vec<Value> = Vec::new();
    while lines.len() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(3), body.next()).await.unwrap().unwrap().unwrap();
        buf.extend_from_slice(&chunk);
        while let Some(i) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=i).collect();
            assert!(line.len() > 1, "never a blank line");
            lines.push(serde_json::from_slice(&line).unwrap());
        }
    }
    assert_eq!(lines[0], json!({"result": {"contentTopic": t, "timestampNs": "42", "message": "aGk="}}));
    assert_eq!(lines[1], json!({"result": {}}), "keep-alive after silence");
    node.shutdown().await;
}

#[tokio::test]
async fn cors_gzip_protobuf_and_health() {
    let mut config = common::config().await;
    config.http.cors_origins = vec!["http://localhost:3000".into()];
    let node = courier_node::start(config).await.unwrap();
    let base = node.http_url().unwrap();
    let client = reqwest::Client::new();
    let pre = client
        .request(reqwest::Method::OPTIONS, format!("{base}/message/v1/publish"))
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,x-client-version")
        .send()
        .await
        .unwrap();
    assert!(pre.status().is_success());
    assert_eq!(pre.headers().get("access-control-allow-origin").unwrap(), "http://localhost:3000");

    // Binary protobuf for unary calls.
    let q = QueryRequest {
        content_topics: vec!["/t".into()],
        paging_info: Some(PagingInfo { limit: 1, ..Default::default() }),
        ..Default::default()
    };
    let resp = client
        .post(format!("{base}/message/v1/query"))
        .header("content-type", "application/x-protobuf")
        .body(q.encode_to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers().get("content-type").unwrap(), "application/x-protobuf");
    let r = QueryResponse::decode(resp.bytes().await.unwrap()).unwrap();
    assert!(r.envelopes.is_empty());

    // gzip on query responses when asked (reqwest's gzip feature asks and decodes).
    let raw = reqwest::Client::builder().no_gzip().build().unwrap();
    let resp = raw
        .post(format!("{base}/message/v1/query"))
        .header("accept-encoding", "gzip")
        .body(json!({"contentTopics": ["/t"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("gzip"));

    let h: Value = client.get(format!("{base}/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["status"], "ok");
    node.shutdown().await;
}

/// `/healthz` is public: its envelope count is taken at most once per five seconds, so a
/// flood of health checks costs one count, not one per request (a publish in between does not
/// show until the figure expires).
#[tokio::test]
async fn health_counts_are_cached() {
    let node = node().await;
    let base = node.http_url().unwrap();
    let health = || async { reqwest::get(format!("{base}/healthz")).await.unwrap().json::<Value>().await.unwrap() };
    let before = health().await["envelopes"].as_u64().unwrap();
    let u = User::new(2);
    let e = json!({"contentTopic": "/xmtp/0/m-health/proto", "timestampNs": "1", "message": b64(&[1])});
    let (s, _) = post(&base, "/message/v1/publish", json!({ "envelopes": [e] }), Some(&u.bearer())).await;
    assert_eq!(s, 200);
    assert_eq!(health().await["envelopes"].as_u64().unwrap(), before, "counted again within the cache time");
    node.shutdown().await;
}
