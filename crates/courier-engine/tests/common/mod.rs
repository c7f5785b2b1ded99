//! Shared by the engine's integration tests: engines on a real node on loopback (in-process
//! `courier-node`, real sockets, real SQLite files), with identities made in memory, and event
//! waiting.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod files;
pub mod hostile_node;
pub mod peer;

use std::time::Duration;

use courier_engine::{Backend, Config, Engine, Event, Events, Keychain};
use courier_node::NodeHandle;
use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::LocalWallet;

/// A config whose keychain is never touched (engines are opened with their keys directly).
pub fn config(node: &NodeHandle, dir: &std::path::Path) -> Config {
    Config {
        data_dir: dir.to_owned(),
        node_url: node.grpc_url(),
        keychain: Keychain::new(Backend::platform_default()),
        node_proof: None,
        attachments_url: None,
    }
}

/// The real keychain the account tests need: Secret Service under D-Bus
/// (`scripts/with-keyring.sh`), or the kernel keyring with COURIER_TEST_KEYCHAIN=kernel inside
/// `keyctl session`. Panics, saying so, if neither is there.
pub fn real_keychain() -> Keychain {
    let backend =
        std::env::var("COURIER_TEST_KEYCHAIN").ok().and_then(|b| Backend::parse(&b)).unwrap_or(Backend::SecretService);
    let k = Keychain::new(backend);
    if let Err(e) = k.check() {
        panic!(
            "these tests need a real keychain: run them through scripts/with-keyring.sh, or set COURIER_TEST_KEYCHAIN=kernel inside `keyctl session`: {e}"
        );
    }
    k
}

/// A config on the real keychain ([`real_keychain`]).
pub fn keychain_config(node: &NodeHandle, dir: &std::path::Path) -> Config {
    Config { keychain: real_keychain(), ..config(node, dir) }
}

/// The store key of engines opened without a keychain (one for all: each test has its own
/// folder; the keychain's own keys are tested in `accounts.rs` and `at_rest.rs`).
pub fn store_key() -> courier_engine::StoreKey {
    courier_engine::StoreKey::from_bytes(xmtp_crypto::Secret::new(*b"courier engine tests' store key!"))
}

/// A raw connection to an engine's store, keyed (to change what the engine's API cannot).
pub fn raw_store(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    courier_store::cipher::key(&c, &store_key()).unwrap();
    c
}

pub fn identity() -> PrivateKeyBundle {
    PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap()
}

/// An engine for a new identity, its contact bundles published: no keychain involved.
pub async fn engine(node: &NodeHandle, dir: &std::path::Path) -> Engine {
    let e = Engine::open_with(&config(node, dir), identity(), &store_key()).await.unwrap();
    e.ensure_contact_published().await.unwrap();
    e
}

/// Waits (up to 20 s) for an event that `want` accepts.
pub async fn wait_for(rx: &mut Events, want: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await {
                Some(e) if want(&e) => return e,
                Some(_) => {}
                None => panic!("events closed"),
            }
        }
    })
    .await
    .expect("event in time")
}

/// Everything received within `d`.
pub async fn collect_for(rx: &mut Events, d: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(d, async {
        while let Some(e) = rx.recv().await {
            out.push(e);
        }
    })
    .await;
    out
}
