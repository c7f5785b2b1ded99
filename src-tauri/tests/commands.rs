//! The command layer on Tauri's mock runtime (no display): commands called through real IPC
//! requests, against a real node on loopback and a real keychain. Errors arrive as
//! `{code, message}`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{backend, invoke};

use serde_json::{Value, json};
use tauri::WebviewWindowBuilder;
use tauri::test::{mock_builder, mock_context, noop_assets};

#[test]
fn commands_over_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let node = rt.block_on(courier_node::start(courier_node::NodeConfig::ephemeral())).unwrap();
    let state =
        courier_app::state::AppState::open_at("test", dir.path().to_owned(), courier_engine::Keychain::new(backend()))
            .unwrap();
    state
        .save_settings(&courier_app::state::Settings { node_url: Some(node.grpc_url()), ..Default::default() })
        .unwrap();
    tauri::async_runtime::set(rt.handle().clone());
    rt.block_on(state.start());
    let app = courier_app::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();

    let status = invoke(&w, "app_status", json!({})).unwrap();
    assert_eq!(status["address"], Value::Null);
    assert_eq!(status["embedded_node"], false);
    assert_eq!(status["zoom"], 1.0);
    // Zoom is kept per profile, and only within 50–300%.
    assert_eq!(invoke(&w, "set_zoom", json!({"zoom": 1.5})).unwrap(), 1.5);
    assert_eq!(invoke(&w, "app_status", json!({})).unwrap()["zoom"], 1.5);
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(saved["zoom"], 1.5);
    assert_eq!(saved["node_url"], node.grpc_url(), "zooming keeps the other settings");
    assert_eq!(invoke(&w, "set_zoom", json!({"zoom": 7.0})).unwrap_err()["code"], "bad_input");
    assert_eq!(invoke(&w, "set_zoom", json!({"zoom": 1.0})).unwrap(), 1.0);
    assert_eq!(invoke(&w, "app_status", json!({})).unwrap()["zoom"], 1.0);
    let err = invoke(&w, "list_conversations", json!({"tab": "messages"})).unwrap_err();
    assert_eq!(err["code"], "no_account");
    let err = invoke(&w, "import_account", json!({"args": {"wallet_key": "zz", "phrase": null}})).unwrap_err();
    assert_eq!(err["code"], "bad_input");

    let status = invoke(&w, "create_account", json!({})).unwrap();
    let me = status["address"].as_str().unwrap().to_owned();
    let check = invoke(&w, "check_address", json!({"input": "0x12"})).unwrap();
    assert!(check["problem"].is_string());
    let check = invoke(&w, "check_address", json!({"input": me.to_lowercase()})).unwrap();
    assert_eq!(check["address"], me.as_str(), "checksummed");
    assert_eq!(check["on_network"], true);
    let stranger = "0x00000000000000000000000000000000000000c1";
    assert_eq!(invoke(&w, "check_address", json!({"input": stranger})).unwrap()["on_network"], false);
    let err = invoke(
        &w,
        "send_message",
        json!({"args": {"peer": stranger, "text": "x", "conversation_id": null, "v1": false}}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_on_network");

    // A note to self: a real conversation through the node.
    let sent = invoke(
        &w,
        "send_message",
        json!({"args": {"peer": me, "text": "note to self", "conversation_id": null, "v1": false}}),
    )
    .unwrap();
    assert_eq!(sent["state"], "pending", "shown at once; the outbox publishes it");
    assert!(sent["sent_ns"].is_string(), "u64 times cross as strings");
    let convs = invoke(&w, "list_conversations", json!({"tab": "messages"})).unwrap();
    assert_eq!(convs.as_array().unwrap().len(), 1);
    assert_eq!((convs[0]["version"].as_str(), convs[0]["consent"].as_str()), (Some("v2"), Some("allowed")));
    let topic = convs[0]["topic"].as_str().unwrap().to_owned();
    let page = |before: Value| {
        invoke(&w, "list_messages", json!({"args": {"topic": topic, "limit": 10, "before_id": before}}))
    };
    let mut msgs = page(Value::Null).unwrap();
    for _ in 0..100 {
        if msgs[0]["state"] == "sent" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        msgs = page(Value::Null).unwrap();
    }
    assert_eq!((msgs[0]["text"].as_str(), msgs[0]["state"].as_str()), (Some("note to self"), Some("sent")));
    assert_eq!(page(msgs[0]["id"].clone()).unwrap(), json!([]), "nothing before the first message");
    assert_eq!(page(json!("zz")).unwrap_err()["code"], "bad_input");
    let unknown = "00".repeat(32);
    assert_eq!(page(json!(unknown)).unwrap_err()["code"], "not_found");
    assert_eq!(invoke(&w, "mark_read", json!({"topic": "/etc/passwd"})).unwrap_err()["code"], "bad_input");
    invoke(&w, "set_draft", json!({"topic": topic, "draft": "later"})).unwrap();
    assert_eq!(invoke(&w, "list_conversations", json!({"tab": "messages"})).unwrap()[0]["draft"], "later");
    let backup = invoke(&w, "export_backup", json!({})).unwrap();
    assert!(backup.as_str().unwrap().len() > 200);
    for bad in ["ftp://x", "127.0.0.1:5556", "http://", "http://host/path"] {
        let err = invoke(&w, "set_node_url", json!({"url": bad})).unwrap_err();
        assert_eq!(err["code"], "bad_input", "{bad}");
    }
    let saved: Value = serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(saved["node_url"], node.grpc_url(), "a bad URL is never saved");
    // Signing out keeps the account on this computer; signing in again opens it as it was.
    let out = invoke(&w, "sign_out", json!({})).unwrap();
    assert_eq!(out["address"], Value::Null);
    assert_eq!(out["accounts"], json!([me]));
    let back = invoke(&w, "sign_in", json!({"address": me})).unwrap();
    assert_eq!(back["address"], me.as_str());
    assert_eq!(invoke(&w, "list_conversations", json!({"tab": "messages"})).unwrap()[0]["draft"], "later");
    let out = invoke(&w, "remove_account", json!({"address": me})).unwrap();
    assert_eq!((&out["address"], &out["accounts"]), (&Value::Null, &json!([])));
    assert_eq!(invoke(&w, "sign_in", json!({"address": me})).unwrap_err()["code"], "no_account");
    rt.block_on(node.shutdown());
}
