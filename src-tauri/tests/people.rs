//! People and conversation controls, notification settings and the account switcher, as
//! commands over real IPC requests on Tauri's mock runtime, against a real node and the real
//! keychain. The mock runtime keeps no window title and registers no notification plugin: the
//! title's text is `notify::window_title` of the count checked here, and following a
//! notification is checked from `notify`'s link to the UI's channel.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};

use common::{backend, invoke};
use courier_api::views::Event;
use serde_json::{Value, json};
use tauri::WebviewWindowBuilder;
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::test::{mock_builder, mock_context, noop_assets};

#[test]
fn names_flags_settings_and_switching_accounts() {
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

    assert_eq!(invoke(&w, "list_accounts", json!({})).unwrap(), json!([]));
    let first = invoke(&w, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    // Adding an account while one is open: the new one opens, the first stays.
    let second = invoke(&w, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    let accounts = invoke(&w, "list_accounts", json!({})).unwrap();
    let active: Vec<(&str, bool)> =
        accounts.as_array().unwrap().iter().map(|a| (a["address"].as_str().unwrap(), a["active"] == true)).collect();
    assert_eq!(active.len(), 2);
    assert!(active.contains(&(first.as_str(), false)) && active.contains(&(second.as_str(), true)));

    // A conversation (a note to self) to name and flag.
    invoke(&w, "send_message", json!({"args": {"peer": second, "text": "note", "conversation_id": null, "v1": false}}))
        .unwrap();
    let list = |tab: &str| invoke(&w, "list_conversations", json!({"tab": tab})).unwrap();
    let c = &list("messages")[0];
    let topic = c["topic"].as_str().unwrap().to_owned();
    for (field, want) in [
        ("name", Value::Null),
        ("title", Value::Null),
        ("pinned", false.into()),
        ("muted", false.into()),
        ("archived", false.into()),
        ("marked_unread", false.into()),
    ] {
        assert_eq!(c[field], want, "{field}");
    }

    invoke(&w, "set_contact_name", json!({"address": second, "name": " Me\u{202E} "})).unwrap();
    assert_eq!(list("messages")[0]["name"], "Me", "cleaned, on the row");
    let err = invoke(&w, "set_contact_name", json!({"address": second, "name": "x".repeat(65)})).unwrap_err();
    assert_eq!(err["code"], "bad_input");
    let err = invoke(&w, "set_contact_name", json!({"address": "0x12", "name": "x"})).unwrap_err();
    assert_eq!(err["code"], "bad_input");
    let flag =
        |flag: &str, on: bool| invoke(&w, "set_conversation_flag", json!({"topic": topic, "flag": flag, "on": on}));
    assert_eq!(flag("pinned", true).unwrap()["pinned"], true);
    // Not a flag: refused by Tauri's argument check (a plain message), before any command runs.
    assert!(flag("bogus", true).unwrap_err().as_str().unwrap().contains("bogus"));
    let nowhere = "/xmtp/0/m-nothing/proto";
    let err = invoke(&w, "set_conversation_flag", json!({"topic": nowhere, "flag": "muted", "on": true})).unwrap_err();
    assert_eq!(err["code"], "not_found");
    assert_eq!(flag("archived", true).unwrap()["archived"], true);
    assert!(list("messages").as_array().unwrap().is_empty(), "out of the list");
    assert_eq!(list("archived")[0]["topic"], topic.as_str());
    flag("archived", false).unwrap();
    // Marked unread counts in the badge (and the window title: "Courier (1)"), until read.
    assert_eq!(flag("unread", true).unwrap()["marked_unread"], true);
    let unread_of = |address: &str| {
        let all = invoke(&w, "list_accounts", json!({})).unwrap();
        all.as_array().unwrap().iter().find(|a| a["address"] == address).unwrap()["unread"].as_u64().unwrap()
    };
    assert_eq!(unread_of(&second), 1);
    assert_eq!(courier_app::notify::window_title(1), "Courier (1)");
    invoke(&w, "mark_read", json!({"topic": topic})).unwrap();
    assert_eq!(list("messages")[0]["marked_unread"], false);
    assert_eq!(unread_of(&second), 0);
    flag("unread", true).unwrap();
    // Muted: out of the badge.
    assert_eq!(flag("muted", true).unwrap()["muted"], true);
    assert_eq!(unread_of(&second), 0);
    flag("muted", false).unwrap();
    // The account's own name shows in the switcher.
    let me = invoke(&w, "list_accounts", json!({})).unwrap();
    assert!(me.as_array().unwrap().iter().any(|a| a["address"] == second.as_str() && a["name"] == "Me"));

    // Settings, kept for the account (in its folder); the profile's stay in the profile's file.
    let status = invoke(&w, "set_notification_privacy", json!({"level": "name_only"})).unwrap();
    assert_eq!(status["notification_privacy"], "name_only");
    let err = invoke(&w, "set_notification_privacy", json!({"level": "everything"})).unwrap_err();
    assert!(err.as_str().unwrap().contains("everything"), "{err}");
    assert_eq!(invoke(&w, "set_keep_archived", json!({"on": true})).unwrap()["keep_archived"], true);
    let own = dir.path().join("data/accounts").join(&second).join("settings.json");
    let saved: Value = serde_json::from_slice(&std::fs::read(own).unwrap()).unwrap();
    assert_eq!((&saved["notification_privacy"], &saved["keep_archived"]), (&json!("name_only"), &json!(true)));
    let profile: Value = serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).unwrap()).unwrap();
    assert_eq!(profile, json!({"node_url": node.grpc_url()}), "the profile's settings stay, alone");

    // Switching: the other account opens, with its own settings; this one's count is read
    // from its store.
    let status = invoke(&w, "switch_account", json!({"address": first})).unwrap();
    assert_eq!(status["address"], first.as_str());
    assert_eq!((&status["notification_privacy"], &status["keep_archived"]), (&json!("full"), &json!(false)));
    assert_eq!(unread_of(&second), 1, "marked unread, read from the store of an account not open");
    let accounts = invoke(&w, "list_accounts", json!({})).unwrap();
    assert!(accounts.as_array().unwrap().iter().any(|a| a["address"] == first.as_str() && a["active"] == true));
    assert!(list("messages").as_array().unwrap().is_empty(), "the first account's own (empty) list");
    // Switching to the account already open keeps it as it is: no second engine on its store,
    // and its link to the UI (a notification to follow) stays.
    {
        use tauri::Manager;
        let state = app.state::<courier_app::state::AppState>();
        let got: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = Arc::clone(&got);
        let channel = Channel::<Event>::new(move |body| {
            if let InvokeResponseBody::Json(j) = body {
                sink.lock().unwrap().push(serde_json::from_str(&j).unwrap());
            }
            Ok(())
        });
        let task = tauri::async_runtime::spawn(std::future::pending::<()>());
        courier_app::notify::subscribed(&state, task, channel);
        courier_app::notify::notified(&state, Some("/xmtp/0/m-abc/proto"));
        let again = invoke(&w, "switch_account", json!({"address": first.to_uppercase().replace("0X", "0x")})).unwrap();
        assert_eq!(again["address"], first.as_str());
        courier_app::notify::on_focus(&state);
        assert_eq!(got.lock().unwrap().len(), 1, "the open account was not reopened");
    }
    let err = invoke(&w, "switch_account", json!({"address": "0x0000000000000000000000000000000000000001"}));
    assert_eq!(err.unwrap_err()["code"], "no_account");
    assert_eq!(invoke(&w, "app_status", json!({})).unwrap()["address"], first.as_str(), "a failed switch keeps it");

    for a in [&first, &second] {
        invoke(&w, "remove_account", json!({"address": a})).unwrap();
    }
    drop(w);
    drop(app);
    rt.block_on(node.shutdown());
}

#[test]
fn a_followed_notification_opens_its_conversation_once() {
    let dir = tempfile::tempdir().unwrap();
    // Its own runtime, not Tauri's global one (the other test of this process sets that).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let state =
        courier_app::state::AppState::open_at("test", dir.path().to_owned(), courier_engine::Keychain::new(backend()))
            .unwrap();
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = Arc::clone(&got);
    let channel = Channel::<Event>::new(move |body| {
        if let InvokeResponseBody::Json(j) = body {
            sink.lock().unwrap().push(serde_json::from_str(&j).unwrap());
        }
        Ok(())
    });
    let task = tauri::async_runtime::JoinHandle::Tokio(rt.spawn(std::future::pending::<()>()));
    courier_app::notify::subscribed(&state, task, channel);
    let topic = "/xmtp/0/m-abc/proto";
    courier_app::notify::on_focus(&state);
    assert!(got.lock().unwrap().is_empty(), "focus without a notification opens nothing");
    courier_app::notify::notified(&state, Some(topic));
    courier_app::notify::on_focus(&state);
    courier_app::notify::on_focus(&state);
    assert_eq!(*got.lock().unwrap(), [json!({"type": "open_conversation", "topic": topic})], "once");
    courier_app::notify::notified(&state, Some(topic));
    courier_app::notify::unsubscribe(&state);
    courier_app::notify::on_focus(&state);
    assert_eq!(got.lock().unwrap().len(), 1, "the account changed: nothing is followed");
}
