//! Courier starts whatever state it finds: a missing keychain entry, a keychain that cannot be
//! used, a store written by a newer Courier, a mistyped node URL. Each becomes the status's
//! `problem` with the code the recovery screen acts on — never an exit — and each can be fixed
//! from there. Real node on loopback, real keychain (Secret Service under D-Bus, or the kernel
//! keyring with COURIER_TEST_KEYCHAIN=kernel), Tauri's mock runtime.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{backend, invoke};

use courier_app::state::{AppState, Settings};
use courier_engine::{Backend, Keychain};
use serde_json::{Value, json};
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::{WebviewWindow, WebviewWindowBuilder};

type App = (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>, tempfile::TempDir);

/// The app started as `courier-app` starts it, on a profile whose data folder is `data` and
/// whose settings name `node_url`. (Each start gets a profile folder of its own: the mock
/// runtime keeps the previous app's state, and with it the profile lock, alive.)
fn app(rt: &tokio::runtime::Runtime, data: &std::path::Path, node_url: &str, keychain: Backend) -> App {
    let profile = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(data, profile.path().join("data")).unwrap();
    let s = Settings { node_url: Some(node_url.to_owned()), ..Default::default() };
    std::fs::write(profile.path().join("settings.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    let state = AppState::open_at("test", profile.path().to_owned(), Keychain::new(keychain)).unwrap();
    rt.block_on(state.start());
    let app = courier_app::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    (app, w, profile)
}

/// Quits as the app does: its account is closed (the mock runtime keeps the app's state, and
/// with it an open engine and its hold on the store, alive after the app is dropped).
fn quit(rt: &tokio::runtime::Runtime, a: App) {
    use tauri::Manager;
    if let Some(e) = rt.block_on(a.0.state::<AppState>().set_engine(None)) {
        e.close();
    }
    drop(a);
}

fn problem(w: &WebviewWindow<MockRuntime>) -> Value {
    invoke(w, "app_status", json!({})).unwrap()["problem"].clone()
}

#[test]
fn each_broken_start_opens_the_recovery_screen_and_can_be_fixed_there() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    tauri::async_runtime::set(rt.handle().clone());
    let node = rt.block_on(courier_node::start(courier_node::NodeConfig::ephemeral())).unwrap();
    let data = tempfile::tempdir().unwrap();
    let url = node.grpc_url();

    // A working profile with an account.
    let a = app(&rt, data.path(), &url, backend());
    assert_eq!(problem(&a.1), Value::Null);
    let me = invoke(&a.1, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    let phrase = invoke(&a.1, "recovery_phrase", json!({})).unwrap().as_str().unwrap().to_owned();
    assert_eq!(phrase.split(' ').count(), 12);
    let recovery = invoke(&a.1, "app_status", json!({})).unwrap()["recovery"].clone();
    assert_eq!(recovery, json!({"has_phrase": true, "phrase_confirmed": false}));
    let confirmed = invoke(&a.1, "confirm_phrase", json!({})).unwrap();
    assert_eq!(confirmed["recovery"]["phrase_confirmed"], true);
    // No problem with the store: the recovery screen's command refuses and changes nothing
    // (a page that calls it anyway never sets a working store aside).
    let db = data.path().join("accounts").join(&me).join("courier.db");
    let refused = invoke(&a.1, "recover_store", json!({})).unwrap_err();
    assert_eq!(refused["code"], "bad_input", "{refused}");
    assert!(refused["message"].as_str().unwrap().contains("nothing to recover"), "{refused}");
    assert!(db.exists() && !db.with_file_name("courier.db.unreadable-1").exists(), "not set aside");
    assert_eq!(invoke(&a.1, "app_status", json!({})).unwrap()["address"].as_str(), Some(me.as_str()), "still open");
    quit(&rt, a);

    // A mistyped node URL in the settings.
    let a = app(&rt, data.path(), "htp:/127.0.0.1:5556", backend());
    assert_eq!(problem(&a.1)["code"], "node");
    let fixed = invoke(&a.1, "set_node_url", json!({"url": node.grpc_url()})).unwrap();
    assert_eq!((&fixed["problem"], fixed["address"].as_str()), (&Value::Null, Some(me.as_str())));
    quit(&rt, a);

    // A keychain this computer cannot use.
    let a = app(&rt, data.path(), &url, if cfg!(target_os = "macos") { Backend::Windows } else { Backend::MacOs });
    assert_eq!(problem(&a.1)["code"], "keychain");
    quit(&rt, a);

    let kc = Keychain::new(backend());
    let cfg = courier_engine::Config {
        data_dir: data.path().to_owned(),
        node_url: url.clone(),
        keychain: kc,
        node_proof: None,
        attachments_url: None,
    };
    let address = xmtp_crypto::WalletAddress::parse(&me).unwrap();
    let name = courier_engine::account::keychain_name(&cfg, &address).unwrap();
    let key = courier_engine::account::store_key_if_any(&cfg, &address).unwrap().expect("a store key");

    // A store written by a newer Courier.
    let raw = user_version(&db, &key, 99);
    let a = app(&rt, data.path(), &url, backend());
    assert_eq!(problem(&a.1)["code"], "store_too_new");
    assert!(problem(&a.1)["message"].as_str().unwrap().contains("newer"));
    user_version(&db, &key, raw);
    assert_eq!(invoke(&a.1, "retry_start", json!({})).unwrap()["problem"], Value::Null, "fixed, then retried");
    quit(&rt, a);

    // The store key gone from the keychain (or another one there): the store is left as it
    // is, and the recovery screen offers a fresh store, the old file kept beside it.
    kc.delete(&name, "store-key").unwrap();
    let before = std::fs::read(&db).unwrap();
    let a = app(&rt, data.path(), &url, backend());
    assert_eq!(problem(&a.1)["code"], "store_unreadable");
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing changed before the user chose");
    let back = invoke(&a.1, "recover_store", json!({})).unwrap();
    assert_eq!((&back["problem"], back["address"].as_str()), (&Value::Null, Some(me.as_str())), "the same account");
    let aside = db.with_file_name("courier.db.unreadable-1");
    assert_eq!(std::fs::read(&aside).unwrap(), before, "set aside, never deleted");
    quit(&rt, a);

    // The keys gone from the keychain (the kernel keyring after a reboot).
    kc.delete(&name, "identity").unwrap();
    let a = app(&rt, data.path(), &url, backend());
    assert_eq!(problem(&a.1)["code"], "keys_missing");
    let back = invoke(&a.1, "import_account", json!({"args": {"wallet_key": null, "phrase": phrase}})).unwrap();
    assert_eq!((&back["problem"], back["address"].as_str()), (&Value::Null, Some(me.as_str())), "the same account");
    invoke(&a.1, "remove_account", json!({"address": me})).unwrap();
    rt.block_on(node.shutdown());
}

/// Sets the store's schema version; returns the old one.
fn user_version(db: &std::path::Path, key: &courier_engine::StoreKey, v: u32) -> u32 {
    let c = rusqlite::Connection::open(db).unwrap();
    courier_store::cipher::key(&c, key).unwrap();
    let old: u32 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    c.pragma_update(None, "user_version", v).unwrap();
    old
}
