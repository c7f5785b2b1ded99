//! What a web page the user visits can do with a node on loopback: no cross-origin access by
//! default, no DNS rebinding (foreign Host / :authority names refused), CORS only for the
//! origins configured; and every gateway error, 413 and 404 included, is the JSON error object.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::{Value, json};
use xmtp_proto::message_api::v1::QueryRequest;
use xmtp_proto::message_api::v1::message_api_client::MessageApiClient;

fn preflight(base: &str, origin: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}/message/v1/publish"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,x-client-version,x-app-version")
}

async fn json_error(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    assert!(v["code"].is_i64() && v["message"].is_string() && v["details"].is_array(), "{v}");
    (status, v)
}

#[tokio::test]
async fn no_cross_origin_access_by_default() {
    let node = node().await;
    let base = node.http_url().unwrap();
    let pre = preflight(&base, "https://evil.example").send().await.unwrap();
    assert!(pre.headers().get("access-control-allow-origin").is_none(), "{:?}", pre.headers());
    let resp = reqwest::Client::new()
        .post(format!("{base}/message/v1/query"))
        .header("origin", "https://evil.example")
        .body(json!({"contentTopics": ["/t"]}).to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
    node.shutdown().await;
}

#[tokio::test]
async fn configured_origins_get_cors_with_authorization_named() {
    let mut config = common::config().await;
    config.http.cors_origins = vec!["https://app.example".into()];
    let node = courier_node::start(config).await.unwrap();
    let base = node.http_url().unwrap();
    let pre = preflight(&base, "https://app.example").send().await.unwrap();
    assert!(pre.status().is_success());
    assert_eq!(pre.headers().get("access-control-allow-origin").unwrap(), "https://app.example");
    let allowed = pre.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_lowercase();
    for h in ["authorization", "content-type", "x-client-version", "x-app-version"] {
        assert!(allowed.split(',').any(|a| a.trim() == h), "{h} not in {allowed}");
    }
    let other = preflight(&base, "https://evil.example").send().await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    node.shutdown().await;
}

/// DNS rebinding: a page at evil.example whose name now resolves to 127.0.0.1 sends
/// `Host: evil.example`. A loopback node answers only loopback names, on both transports.
#[tokio::test]
async fn loopback_node_refuses_foreign_host_names() {
    let node = node().await;
    let base = node.http_url().unwrap();
    let port = node.http_addr().unwrap().port();
    let client = reqwest::Client::new();
    let sub = |host: String| {
        client
            .post(format!("{base}/message/v1/query"))
            .header("host", host)
            .body(json!({"contentTopics": ["/t"]}).to_string())
    };
    for host in ["evil.example".to_owned(), format!("evil.example:{port}"), format!("localhost.evil.example:{port}")] {
        let (status, v) = json_error(sub(host.clone()).send().await.unwrap()).await;
        assert!(status == 421 || status == 403, "{host}: {status}");
        assert_eq!(v["code"], 7, "{host}");
    }
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}"), "LOCALHOST".into()]
    {
        assert_eq!(sub(host.clone()).send().await.unwrap().status(), 200, "{host}");
    }
    let resp = client.post(format!("{base}/message/v1/subscribe-all")).header("host", "evil.example").send().await;
    assert_ne!(resp.unwrap().status(), 200);

    let channel = tonic::transport::Endpoint::from_shared(node.grpc_url())
        .unwrap()
        .origin(format!("http://evil.example:{}", node.grpc_addr().port()).parse().unwrap())
        .connect()
        .await
        .unwrap();
    let q = QueryRequest { content_topics: vec!["/t".into()], ..Default::default() };
    let r = MessageApiClient::new(channel).query(q.clone()).await;
    assert_eq!(r.unwrap_err().code(), tonic::Code::PermissionDenied);
    grpc(&node).await.query(q).await.unwrap();
    node.shutdown().await;
}

#[tokio::test]
async fn gateway_errors_are_json_objects_too_large_and_unknown_included() {
    let mut config = common::config().await;
    config.limits.max_request_bytes = 100_000;
    let node = courier_node::start(config).await.unwrap();
    let base = node.http_url().unwrap();
    let client = reqwest::Client::new();
    let big = json!({"envelopes": [{"contentTopic": "/t", "timestampNs": "1", "message": "A".repeat(3_000_000)}]});
    let resp = client.post(format!("{base}/message/v1/publish")).body(big.to_string()).send().await.unwrap();
    let (status, _) = json_error(resp).await;
    assert_eq!(status, 413);
    let fits = json!({"contentTopics": ["/t"], "pad": "A".repeat(90_000)});
    assert_eq!(
        client.post(format!("{base}/message/v1/query")).body(fits.to_string()).send().await.unwrap().status(),
        200
    );
    let (status, _) = json_error(client.post(format!("{base}/nope")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    let (status, _) = json_error(client.get(format!("{base}/message/v1/query")).send().await.unwrap()).await;
    assert_eq!(status, 405);
    node.shutdown().await;
}
