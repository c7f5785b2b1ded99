//! `recover_store`, the way out of a store its key does not open, used wrongly: on a store that
//! opens it refuses and changes nothing; under an engine that has the store open (here, or in
//! another process: `courier-cli/tests/store_recovery.rs`) it refuses and renames nothing; a
//! damaged keychain item is kept under another name, never deleted. Real keychain (Secret
//! Service under D-Bus via `scripts/with-keyring.sh`, or the kernel keyring with
//! COURIER_TEST_KEYCHAIN=kernel inside `keyctl session`), real node on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use courier_engine::{Config, EngineError, account};
use courier_node::{NodeConfig, NodeHandle};

fn config(node: &NodeHandle, dir: &Path) -> Config {
    common::keychain_config(node, dir)
}

/// The store's file names in its folder (`courier.db`, `courier.db.unreadable-1`, …).
fn store_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("courier.db") && !n.ends_with("-wal") && !n.ends_with("-shm"))
        .filter(|n| n == "courier.db" || n.contains(".unreadable-"))
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_opens_or_is_open_is_never_set_aside() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&node, data.path());
    let engine = account::create(&cfg).await.unwrap().engine;
    let me = engine.address().clone();
    let db = cfg.store_path(&me);
    let folder = db.parent().unwrap().to_owned();
    let (kc, name) = (cfg.keychain, account::keychain_name(&cfg, &me).unwrap());
    let right = kc.load(&name, "store-key").unwrap().unwrap();

    // An engine has the store open and the keychain now holds another key (replaced, or
    // restored from elsewhere): the store looks unreadable to a second process, but it is in
    // use. It is not renamed under the live connection.
    kc.store(&name, "store-key", &"11".repeat(32)).unwrap();
    account::check_recoverable(&cfg, &me).expect("the hint, read without the hold, says yes");
    let err = account::recover_store(&cfg, &me).unwrap_err();
    assert!(matches!(err, EngineError::StoreInUse { .. }), "{err:?}");
    assert_eq!(store_files(&folder), ["courier.db"], "nothing renamed under the live engine");
    kc.store(&name, "store-key", right.expose()).unwrap();
    engine.close();
    drop(engine);

    // A store its key opens: nothing to recover, and nothing changed (asking first changes
    // nothing either).
    let before = std::fs::read(&db).unwrap();
    let hint = account::check_recoverable(&cfg, &me);
    assert!(matches!(hint, Err(EngineError::StoreReadable { .. })), "{hint:?}");
    let err = account::recover_store(&cfg, &me).unwrap_err();
    assert!(matches!(err, EngineError::StoreReadable { .. }), "{err:?}");
    assert!(err.to_string().contains("nothing to recover"), "{err}");
    assert_eq!(store_files(&folder), ["courier.db"]);
    assert_eq!(std::fs::read(&db).unwrap(), before, "the store is untouched, byte for byte");
    assert_eq!(kc.load(&name, "store-key").unwrap().unwrap().expose(), right.expose(), "and its key");

    // Once no engine has it open and the key is another one, it is set aside as before.
    kc.store(&name, "store-key", &"11".repeat(32)).unwrap();
    let done = account::recover_store(&cfg, &me).unwrap();
    assert_eq!(done.store_aside.as_deref(), Some(folder.join("courier.db.unreadable-1").as_path()));
    assert_eq!(std::fs::read(folder.join("courier.db.unreadable-1")).unwrap(), before, "kept, byte for byte");
    let again = account::open(&cfg, &me).await.unwrap();
    assert_eq!(again.address(), &me, "a fresh store opens");
    again.close();
    drop(again);
    account::remove(&cfg, &me).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_store_key_item_is_kept_under_another_name() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let cfg = config(&node, data.path());
    let engine = account::create(&cfg).await.unwrap().engine;
    let me = engine.address().clone();
    engine.close();
    drop(engine);
    let db = cfg.store_path(&me);
    let (kc, name) = (cfg.keychain, account::keychain_name(&cfg, &me).unwrap());
    let before = std::fs::read(&db).unwrap();

    // The item is damaged (a 63-digit key, one digit lost): it opens nothing, but what is left
    // of it may still be worth something to whoever repairs it by hand.
    let damaged = "ab".repeat(31) + "c";
    kc.store(&name, "store-key", &damaged).unwrap();
    let err = account::open(&cfg, &me).await.unwrap_err();
    assert!(matches!(err, EngineError::KeychainDamaged { .. }), "{err:?}");
    // Asking first says yes and moves nothing.
    account::check_recoverable(&cfg, &me).unwrap();
    assert_eq!(kc.load(&name, "store-key").unwrap().unwrap().expose(), &damaged, "still in its place");
    assert!(kc.load(&name, "store-key.aside-1").unwrap().is_none());
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let done = account::recover_store(&cfg, &me).unwrap();
    let kept = done.key_aside.clone().expect("the damaged item is kept");
    assert_eq!(kept, "store-key.aside-1");
    assert_eq!(kc.load(&name, &kept).unwrap().unwrap().expose(), &damaged, "kept as it was");
    assert_eq!(done.store_aside.as_deref(), Some(db.with_file_name("courier.db.unreadable-1").as_path()));
    assert_eq!(std::fs::read(db.with_file_name("courier.db.unreadable-1")).unwrap(), before);

    // The fresh store gets a new key; a second damaged item is kept beside the first.
    let again = account::open(&cfg, &me).await.unwrap();
    again.close();
    drop(again);
    assert_ne!(kc.load(&name, "store-key").unwrap().unwrap().expose(), &damaged);
    kc.store(&name, "store-key", "not a key").unwrap();
    let done = account::recover_store(&cfg, &me).unwrap();
    assert_eq!(done.key_aside.as_deref(), Some("store-key.aside-2"));
    assert_eq!(kc.load(&name, "store-key.aside-1").unwrap().unwrap().expose(), &damaged, "the first one stays");
    assert_eq!(kc.load(&name, "store-key.aside-2").unwrap().unwrap().expose(), "not a key");

    // Removing the account removes the items kept aside too.
    account::remove(&cfg, &me).unwrap();
    for item in ["store-key", "store-key.aside-1", "store-key.aside-2"] {
        assert!(kc.load(&name, item).unwrap().is_none(), "{item} removed with the account");
    }
}
