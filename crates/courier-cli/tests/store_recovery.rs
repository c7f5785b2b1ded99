//! A store its key does not open (issue #15): the CLI says so in one line and names the way
//! out; nothing is changed until the user asks; `courier account recover-store --yes` keeps the
//! unreadable file aside (never deleted), starts a fresh store and syncs the V1/V2 history back
//! from the network. Without `--yes` and without a terminal to ask on it refuses; on a store that
//! opens, or one another `courier` process has open, it refuses and changes nothing. Real node
//! process, real keychain (scripts/with-keyring.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::BufRead;
use std::path::Path;
use std::process::Stdio;

use common::NodeProc;
use common::cli::{courier, courier_cmd, create, ok};
use courier_engine::{Backend, Keychain};
use xmtp_crypto::WalletAddress;

fn keychain() -> Keychain {
    Keychain::new(
        std::env::var("COURIER_TEST_KEYCHAIN").ok().and_then(|b| Backend::parse(&b)).unwrap_or(Backend::SecretService),
    )
}

fn keychain_name(data: &Path, address: &str) -> String {
    let cfg = courier_engine::Config {
        data_dir: data.to_owned(),
        node_url: String::new(),
        keychain: keychain(),
        node_proof: None,
        attachments_url: None,
    };
    courier_engine::account::keychain_name(&cfg, &WalletAddress::parse(address).unwrap()).unwrap()
}

#[test]
fn a_lost_or_wrong_store_key_is_explained_and_recovered_without_losing_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let a = create(&da, &node.grpc);
    let b = create(&db, &node.grpc);
    ok(&courier(&db, &node.grpc, &["send", &a, "still here after the reset"]));
    ok(&courier(&da, &node.grpc, &["sync"]));
    let store = da.join("accounts").join(&a).join("courier.db");
    let (kc, name) = (keychain(), keychain_name(&da, &a));

    for (what, change) in [("missing", None), ("wrong", Some("11".repeat(32)))] {
        match &change {
            None => kc.delete(&name, "store-key").unwrap(),
            Some(k) => kc.store(&name, "store-key", k).unwrap(),
        }
        let before = std::fs::read(&store).unwrap();
        let out = courier(&da, &node.grpc, &["conversations"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what} key: {err} {}", String::from_utf8_lossy(&out.stdout));
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains("recover-store") && err.contains("Nothing was changed"), "{what} key: {err}");
        assert_eq!(std::fs::read(&store).unwrap(), before, "{what} key: the store is untouched");

        // Not asked (no terminal here) and no --yes: refused, nothing changed.
        let out = courier(&da, &node.grpc, &["account", "recover-store"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains("--yes"), "{what} key: {err}");
        assert_eq!(std::fs::read(&store).unwrap(), before, "{what} key: not set aside without asking");

        let out = courier(&da, &node.grpc, &["account", "recover-store", "--yes"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(err.contains("unreadable store is kept as"), "{err}");
        let n = if change.is_none() { 1 } else { 2 };
        let aside = da.join("accounts").join(&a).join(format!("courier.db.unreadable-{n}"));
        assert_eq!(std::fs::read(&aside).unwrap(), before, "{what} key: the old file is kept, byte for byte");
        // The history is back from the network.
        let m = ok(&courier(&da, &node.grpc, &["messages", &b]));
        assert!(m.contains("still here after the reset"), "{what} key: {m}");
    }

    // A store that opens: nothing to recover, nothing changed.
    let before = std::fs::read(&store).unwrap();
    let out = courier(&da, &node.grpc, &["account", "recover-store", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("nothing to recover"), "{err}");
    assert_eq!(std::fs::read(&store).unwrap(), before);
    assert!(!store.with_file_name("courier.db.unreadable-3").exists());
    // Without --yes the same answer comes before any question (it used to ask first, then
    // refuse; with no terminal here it asked for --yes).
    let out = courier(&da, &node.grpc, &["account", "recover-store"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("nothing to recover") && !err.contains("--yes"), "{err}");

    // Another process has the store open (`courier listen`) when the keychain's key is
    // replaced: the store looks unreadable from here, but it is not renamed under the live one.
    let mut listener = courier_cmd(&da, &node.grpc, &["--json", "listen"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(listener.stdout.take().unwrap()).lines();
    let up = lines.find(|l| l.as_ref().is_ok_and(|l| l.contains("\"connected\"")));
    assert!(up.is_some(), "the listener went live");
    let right = kc.load(&name, "store-key").unwrap().unwrap();
    kc.store(&name, "store-key", &"22".repeat(32)).unwrap();
    let out = courier(&da, &node.grpc, &["account", "recover-store", "--yes"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("in use"), "{err}");
    assert!(store.exists() && !store.with_file_name("courier.db.unreadable-3").exists(), "not renamed: {err}");
    listener.kill().unwrap();
    listener.wait().unwrap();
    kc.store(&name, "store-key", right.expose()).unwrap();
    ok(&courier(&da, &node.grpc, &["conversations"]));

    for d in [&da, &db] {
        ok(&courier(d, &node.grpc, &["account", "remove", "--yes"]));
    }
    node.terminate();
}
