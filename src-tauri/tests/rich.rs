//! Rich conversations through the app's commands (real IPC on Tauri's mock runtime): a
//! reaction, a reply, a file too large to go inline (uploaded to the embedded node's
//! attachment store, which runs with the gateway off, and read back), search, files by path (only
//! regular files), links (only http, https, mailto) and the read-receipt setting. Real
//! embedded node on free loopback ports, real keychain; a note-to-self conversation.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;

use common::{backend, invoke, invoke_raw};
use courier_app::local::LocalNet;
use courier_app::state::AppState;
use courier_engine::Keychain;
use serde_json::{Value, json};
use tauri::WebviewWindowBuilder;
use tauri::test::{mock_builder, mock_context, noop_assets};

fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

#[test]
fn reactions_replies_files_links_and_receipts_over_ipc() {
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

    let status = invoke(&w, "create_account", json!({})).unwrap();
    assert_eq!((&status["read_receipts"], &status["http_gateway"]), (&json!(true), &Value::Null));
    let me = status["address"].as_str().unwrap().to_owned();
    let send = |text: &str, reply_to: Value| {
        invoke(
            &w,
            "send_message",
            json!({"args": {"peer": me, "text": text, "conversation_id": null, "v1": false, "reply_to": reply_to}}),
        )
    };
    let first = send("lunch?", Value::Null).unwrap();
    let (id, topic) = (first["id"].as_str().unwrap().to_owned(), first["topic"].as_str().unwrap().to_owned());

    // A reaction comes back folded into its target.
    let target = invoke(&w, "react", json!({"id": id, "emoji": "👍", "remove": false})).unwrap();
    assert_eq!(target["reactions"], json!([{"emoji": "👍", "from": [me], "mine": true}]));
    let gone = invoke(&w, "react", json!({"id": id, "emoji": "👍", "remove": true})).unwrap();
    assert_eq!(gone["reactions"], json!([]));
    assert_eq!(
        invoke(&w, "react", json!({"id": "00".repeat(32), "emoji": "👍", "remove": false})).unwrap_err()["code"],
        "not_found"
    );

    // A reply quotes its target.
    let reply = send("yes, at noon", json!(id)).unwrap();
    assert_eq!((&reply["reply_to"], &reply["text"]), (&json!(id), &json!("yes, at noon")));
    assert_eq!(reply["quote"]["text"], "lunch?");

    // Larger than inline: encrypted and uploaded to the embedded node's store (its gateway is
    // off), then read back through it.
    let data: Vec<u8> = (0..600 * 1024).map(|i: u32| (i * 7 % 251) as u8).collect();
    let sent = invoke(
        &w,
        "send_attachment",
        json!({"args": {"topic": topic, "filename": "big.bin", "mime_type": "", "data": data, "reply_to": null}}),
    )
    .unwrap();
    assert_eq!(sent["attachment"]["remote"], true, "{sent}");
    assert_eq!(sent["attachment"]["size"], data.len());
    let back = invoke_raw(&w, "attachment_bytes", json!({"id": sent["id"]})).unwrap();
    assert!(back == data, "the same bytes back ({} of {})", back.len(), data.len());
    assert_eq!(invoke_raw(&w, "attachment_bytes", json!({"id": id})).unwrap_err()["code"], "not_found", "not a file");

    // Files by path: every one is checked before anything is sent.
    let files = tempfile::tempdir().unwrap();
    let note = files.path().join("note.txt");
    std::fs::write(&note, b"a small file").unwrap();
    let paths = json!([note, files.path()]);
    let err = invoke(&w, "send_files", json!({"args": {"topic": topic, "paths": paths}})).unwrap_err();
    assert_eq!(err["code"], "bad_input", "a folder is not a file");
    let page =
        |limit: u32| invoke(&w, "list_messages", json!({"args": {"topic": topic, "limit": limit, "before_id": null}}));
    let before = page(50).unwrap().as_array().unwrap().len();
    assert_eq!(before, 3, "nothing was sent for the refused drop");
    let sent = invoke(&w, "send_files", json!({"args": {"topic": topic, "paths": [note]}})).unwrap();
    assert_eq!(sent[0]["attachment"]["filename"], "note.txt");
    assert_eq!(sent[0]["attachment"]["remote"], false);
    assert_eq!(invoke_raw(&w, "attachment_bytes", json!({"id": sent[0]["id"]})).unwrap(), b"a small file");

    // The page has the extras; a page around the first message holds it.
    let all = page(50).unwrap();
    let listed = all.as_array().unwrap().iter().find(|m| m["id"] == json!(reply["id"])).unwrap().clone();
    assert_eq!(listed["quote"]["id"], json!(id));
    let around = invoke(&w, "messages_around", json!({"topic": topic, "id": id, "limit": 2})).unwrap();
    assert!(around.as_array().unwrap().iter().any(|m| m["id"] == json!(id)));

    // Search (issue #15): the reply's text and the file's name are found, newest first, as text
    // segments; what the user typed is never FTS5 syntax, and a query of punctuation is bad input.
    let search = |query: &str| {
        invoke(&w, "search", json!({"query": query, "topic": null, "includeBlocked": false, "limit": 10}))
    };
    let hits = search("NOON").unwrap();
    assert_eq!(hits[0]["id"], reply["id"]);
    assert_eq!(
        hits[0]["snippet"],
        json!([{"text": "yes, at ", "is_match": false}, {"text": "noon", "is_match": true}])
    );
    let in_topic = invoke(&w, "search", json!({"query": "note", "topic": topic, "includeBlocked": false, "limit": 10}));
    assert_eq!(in_topic.unwrap()[0]["id"], sent[0]["id"], "a file name");
    assert_eq!(search("col:noon").unwrap().as_array().unwrap().len(), 0, "a word, not a column filter");
    assert_eq!(search("\"*").unwrap_err()["code"], "bad_input");

    // Links: only http, https and mailto are opened (the rest are refused before the opener).
    for bad in ["javascript:alert(1)", "file:///etc/passwd", "not a link"] {
        assert_eq!(invoke(&w, "open_link", json!({"url": bad})).unwrap_err()["code"], "bad_input", "{bad}");
    }

    // Read receipts: a setting kept for the account; off, asking to send one does nothing.
    let off = invoke(&w, "set_read_receipts", json!({"enabled": false})).unwrap();
    assert_eq!(off["read_receipts"], false);
    let own = profile.path().join("data/accounts").join(&me).join("settings.json");
    let kept: Value = serde_json::from_slice(&std::fs::read(own).unwrap()).unwrap();
    assert_eq!(kept["read_receipts"], false);
    invoke(&w, "send_read_receipt", json!({"topic": "not a topic"})).unwrap();
    let on = invoke(&w, "set_read_receipts", json!({"enabled": true})).unwrap();
    assert_eq!(on["read_receipts"], true);
    assert_eq!(invoke(&w, "send_read_receipt", json!({"topic": "not a topic"})).unwrap_err()["code"], "bad_input");
    invoke(&w, "send_read_receipt", json!({"topic": topic})).unwrap();
    invoke(&w, "remove_account", json!({"address": me})).unwrap();
}
