//! At rest only this user can read Courier's files (Unix): after a start and an account, every
//! folder in the profile is 0700 and every file 0600 — the store and its `-wal`/`-shm`,
//! `.instance`, `settings.json`, `keychain-scope` — including what an older Courier left wider.
//! The store makes its files private itself, whatever the umask. Real files, real node, real
//! keychain, Tauri's mock runtime.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{backend, invoke};
use courier_app::state::{AppState, Settings};
use courier_engine::Keychain;
use serde_json::json;
use tauri::WebviewWindowBuilder;
use tauri::test::{mock_builder, mock_context, noop_assets};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every folder and file below `dir` (and `dir`), with its mode.
fn tree(dir: &Path, out: &mut Vec<(PathBuf, u32)>) {
    out.push((dir.to_owned(), mode(dir)));
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            tree(&p, out);
        } else {
            out.push((p.clone(), mode(&p)));
        }
    }
}

#[test]
fn the_profile_is_private_after_a_start() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    tauri::async_runtime::set(rt.handle().clone());
    let node = rt.block_on(courier_node::start(courier_node::NodeConfig::ephemeral())).unwrap();

    // A profile an older Courier left readable by everyone.
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("profile");
    std::fs::create_dir(&dir).unwrap();
    let s = Settings { node_url: Some(node.grpc_url()), ..Default::default() };
    std::fs::write(dir.join("settings.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    std::fs::write(dir.join("window-state.json"), "{}").unwrap();
    for p in [&dir, &dir.join("settings.json"), &dir.join("window-state.json")] {
        let m = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    let state = AppState::open_at("test", dir.clone(), Keychain::new(backend())).unwrap();
    rt.block_on(state.start());
    courier_app::instance::serve(&state.dir, || {}).unwrap();
    let app = courier_app::with_commands(mock_builder()).manage(state).build(mock_context(noop_assets())).unwrap();
    let w = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let me = invoke(&w, "create_account", json!({})).unwrap()["address"].as_str().unwrap().to_owned();
    invoke(&w, "set_node_url", json!({"url": node.grpc_url()})).unwrap();
    invoke(
        &w,
        "send_message",
        json!({"args": {"peer": me, "text": "to myself", "conversation_id": null, "v1": false}}),
    )
    .unwrap();

    let mut all = Vec::new();
    tree(&dir, &mut all);
    let names: Vec<String> = all.iter().map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for want in ["courier.db", "courier.db-wal", "courier.db-shm", ".instance", "settings.json", "keychain-scope"] {
        assert!(names.iter().any(|n| n == want), "{want} is in the profile: {names:?}");
    }
    let wide: Vec<_> = all
        .iter()
        .filter(|(p, m)| if p.is_dir() { *m != 0o700 } else { *m != 0o600 })
        .map(|(p, m)| format!("{} {m:o}", p.strip_prefix(&dir).unwrap().display()))
        .collect();
    assert!(wide.is_empty(), "readable by others: {wide:?}");

    invoke(&w, "remove_account", json!({"address": me})).unwrap();
    rt.block_on(node.shutdown());
}

#[test]
fn the_store_makes_its_files_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("courier.db");
    let key = courier_store::StoreKey::from_bytes(xmtp_crypto::Secret::new([3; 32]));
    let store = courier_store::Store::open(&path, &key).unwrap();
    assert_eq!(store.schema_version().unwrap(), courier_store::Store::latest_schema_version());
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    drop(store);

    // An older store left wider is tightened when opened.
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let _store = courier_store::Store::open(&path, &key).unwrap();
    assert_eq!(mode(&path), 0o600);
}
