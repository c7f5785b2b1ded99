//! Helpers of the attachment store's tests: blobs that look like ciphertext, PUT and GET.

use courier_node::{NodeConfig, NodeHandle};
use serde_json::Value;
use xmtp_crypto::hash::sha256;

pub fn hex_digest(b: &[u8]) -> String {
    hex::encode(sha256(&[b]))
}

/// Bytes that look like ciphertext (not compressible, not all equal).
pub fn blob(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed).collect()
}

pub async fn start(f: impl FnOnce(&mut NodeConfig)) -> NodeHandle {
    let mut config = super::config().await;
    f(&mut config);
    courier_node::start(config).await.unwrap()
}

/// `PUT` through `client`; the status and the JSON answer.
pub async fn put_with(
    client: &reqwest::Client,
    base: &str,
    digest: &str,
    body: Vec<u8>,
    auth: Option<&str>,
) -> (u16, Value) {
    let mut r = client.put(format!("{base}/attachments/v1/{digest}")).body(body);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    let resp = r.send().await.unwrap();
    let status = resp.status().as_u16();
    assert_eq!(resp.headers().get("content-type").unwrap(), "application/json");
    assert!(resp.headers().get("access-control-allow-origin").is_none(), "no CORS on PUT");
    (status, resp.json().await.unwrap())
}

pub async fn put(base: &str, digest: &str, body: Vec<u8>, auth: Option<&str>) -> (u16, Value) {
    put_with(&reqwest::Client::new(), base, digest, body, auth).await
}

pub async fn get(base: &str, digest: &str) -> reqwest::Response {
    reqwest::get(format!("{base}/attachments/v1/{digest}")).await.unwrap()
}

pub async fn stored(node: &NodeHandle) -> u64 {
    node.api().blob_count().await.unwrap()
}

/// Asserts the JSON error object and returns its code.
pub fn code_of(v: &Value) -> i64 {
    assert!(v["message"].is_string() && v["details"].is_array(), "{v}");
    v["code"].as_i64().unwrap()
}
