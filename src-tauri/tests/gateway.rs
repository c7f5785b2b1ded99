//! The embedded node serves the HTTP gateway (the message API) only when the user turns it on
//! in the settings: none by default (its HTTP listener serves only the attachment store and
//! `/healthz`), the gateway after the toggle (the node restarts with it, the account stays
//! open), none again after turning it off. Real node on loopback, real keychain, Tauri's mock
//! runtime; the local address on free ports.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::{backend, invoke};
use courier_app::local::LocalNet;
use courier_app::state::AppState;
use courier_engine::Keychain;
use serde_json::{Value, json};
use tauri::WebviewWindowBuilder;
use tauri::test::{mock_builder, mock_context, noop_assets};

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// The first line of the HTTP answer to `POST path` (an empty JSON body) at `addr`, or `None`
/// if nothing listens.
fn http_answer(addr: SocketAddr, path: &str) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap();
    Some(String::from_utf8_lossy(&buf[..n]).lines().next().unwrap_or_default().to_owned())
}

#[test]
fn the_gateway_is_off_by_default_and_the_setting_turns_it_on() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    tauri::async_runtime::set(rt.handle().clone());
    let base = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    let local = LocalNet { grpc: free_addr(), http: free_addr(), key_file: Some(base.path().join("node-key")) };
    let mut state = AppState::open_at("test", profile.path().to_owned(), Keychain::new(backend())).unwrap();
    state.local = local.clone();
    rt.block_on(state.start());
    let app = courier_app::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!((&status["embedded_node"], &status["http_gateway"]), (&json!(true), &Value::Null));
    assert_eq!(status["http_gateway_enabled"], false);
    let query = "/message/v1/query";
    let first = http_answer(local.http, query).expect("the HTTP listener runs, for the attachment store");
    assert!(first.starts_with("HTTP/1.1 404"), "no message API by default: {first}");
    let store = http_answer(local.http, &format!("/attachments/v1/{}", "0".repeat(64))).unwrap();
    assert!(!store.contains(" 404"), "the attachment store answers (a POST is not its method): {store}");

    let me = invoke(&w, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    let on = invoke(&w, "set_http_gateway", json!({"enabled": true})).unwrap();
    assert_eq!(on["http_gateway"], format!("http://{}", local.http));
    assert_eq!((on["http_gateway_enabled"].as_bool(), on["address"].as_str()), (Some(true), Some(me.as_str())));
    let first = http_answer(local.http, query).expect("the gateway listens");
    assert!(first.starts_with("HTTP/1.1 ") && !first.contains(" 404"), "the message API answers: {first}");
    let kept: Value = serde_json::from_slice(&std::fs::read(profile.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(kept["http_gateway"], true);

    let off = invoke(&w, "set_http_gateway", json!({"enabled": false})).unwrap();
    assert_eq!((&off["http_gateway"], &off["embedded_node"]), (&Value::Null, &json!(true)));
    let first = http_answer(local.http, query).unwrap();
    assert!(first.starts_with("HTTP/1.1 404"), "the gateway is gone: {first}");
    invoke(&w, "remove_account", json!({"address": me})).unwrap();
}
