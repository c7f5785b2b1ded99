//! One version for everything: the workspace's `Cargo.toml`. The app's bundle configuration and
//! the UI's package carry none of their own (Tauri takes the crate's version when its config
//! names none), so a release changes one line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

fn json(path: &str) -> serde_json::Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_version_is_written_once() {
    assert_eq!(json("tauri.conf.json").get("version"), None, "tauri.conf.json names no version");
    assert_eq!(json("../ui/package.json").get("version"), None, "ui/package.json names no version");
    let lock = json("../ui/package-lock.json");
    assert_eq!(lock.get("version"), None);
    assert_eq!(lock["packages"][""].get("version"), None);
    let workspace = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml")).unwrap();
    assert!(
        workspace.contains(&format!("version = \"{}\"", env!("CARGO_PKG_VERSION"))),
        "the crate's version is the workspace's"
    );
}
