//! Accounts and the keychain: creating, importing (the identity restored from the network
//! backup), opening, exporting the backup, removing; keys never written to disk; the consent
//! list followed across devices. Keys live in a real keychain — Secret Service under D-Bus
//! (`scripts/with-keyring.sh`), or the kernel keyring with COURIER_TEST_KEYCHAIN=kernel inside
//! `keyctl session` — and a real node on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use courier_engine::account::Item;
use courier_engine::{Config, ConsentState, EngineError, ListFilter, SendOptions, Thread, account};
use courier_node::{NodeConfig, NodeHandle};
use xmtp_crypto::wallet::WalletSigner;

fn config(node: &NodeHandle, dir: &std::path::Path) -> Config {
    common::keychain_config(node, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_restores_from_the_network_backup_and_keys_never_touch_disk() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cfg1 = config(&node, d1.path());
    let created = account::create(&cfg1).await.unwrap();
    let (first, phrase) = (created.engine, created.phrase);
    let address = first.address().clone();
    assert_eq!(phrase.expose().split(' ').count(), 12, "made from a 12-word phrase");
    assert_eq!(account::phrase(&cfg1, &address).unwrap().expose(), phrase.expose(), "shown again");
    assert!(!account::phrase_confirmed(&cfg1, &address));
    let wallet = account::wallet(&cfg1, &address).unwrap();
    assert_eq!(wallet.address(), address, "the wallet of the phrase (m/44'/60'/0'/0/0)");
    let wallet_hex = account::export_key(&cfg1, &address).unwrap().expose().clone();
    let identity = first.keys().identity().secret().to_bytes();
    let pre = first.keys().current_pre_key().secret().to_bytes();
    let backup = account::export_backup(&cfg1, &first).unwrap();
    assert_eq!(
        xmtp_crypto::storage::decrypt(&backup, &wallet).unwrap().encode_v1().expose(),
        first.keys().encode_v1().expose(),
        "the exported backup opens with the wallet"
    );

    // A second device: importing the wallet key restores the same XMTP identity from the node.
    let cfg2 = config(&node, d2.path());
    let second = account::import_key(&cfg2, &wallet_hex).await.unwrap();
    assert_eq!(second.address(), &address);
    assert_eq!(second.keys().encode_v1().expose(), first.keys().encode_v1().expose());
    assert_eq!(account::choose(&cfg2, None).unwrap(), address);
    let reopened = account::open(&cfg2, &address).await.unwrap();
    assert_eq!(reopened.address(), &address);

    // Use the account a little, then scan every file of both data folders for key bytes.
    let od = tempfile::tempdir().unwrap();
    let other = account::create(&config(&node, od.path())).await.unwrap().engine;
    second.send_text(other.address(), "secret stuff", SendOptions::default()).await.unwrap();
    second.flush_outbox().await.unwrap();
    second.sync().await.unwrap();
    for e in [&first, &second, &reopened] {
        e.close();
    }
    drop((first, second, reopened));
    let needles: Vec<Vec<u8>> = vec![
        identity.expose().to_vec(),
        pre.expose().to_vec(),
        hex::decode(&wallet_hex).unwrap(),
        hex::encode(identity.expose()).into_bytes(),
        hex::encode(pre.expose()).into_bytes(),
        wallet_hex.clone().into_bytes(),
        phrase.expose().clone().into_bytes(),
    ];
    for dir in [d1.path(), d2.path()] {
        for f in walk(dir) {
            let bytes = std::fs::read(&f).unwrap();
            for n in &needles {
                assert!(!bytes.windows(n.len()).any(|w| w == n.as_slice()), "key material found in {}", f.display());
            }
        }
    }
    // The consent list follows the account: blocking on one device shows on the other.
    let d3 = tempfile::tempdir().unwrap();
    let third = account::import_key(&config(&node, d3.path()), &wallet_hex).await.unwrap();
    let peer = other.address().clone();
    let device2 = account::open(&cfg2, &address).await.unwrap();
    device2.set_consent(&peer, false).await.unwrap();
    device2.flush_outbox().await.unwrap();
    assert!(device2.conversations(ListFilter::Visible).await.unwrap().is_empty(), "blocked peers are hidden");
    assert_eq!(device2.conversations(ListFilter::Blocked).await.unwrap().len(), 1);
    third.sync().await.unwrap();
    let on_third = third.conversations(ListFilter::All).await.unwrap();
    assert_eq!(on_third.len(), 1);
    assert_eq!(on_third[0].consent, ConsentState::Denied, "synced from the consent list");
    device2.set_consent(&peer, true).await.unwrap();
    device2.flush_outbox().await.unwrap();
    third.sync().await.unwrap();
    assert_eq!(third.conversations(ListFilter::Allowed).await.unwrap().len(), 1);
    // The peer sees a request until it answers.
    other.sync().await.unwrap();
    assert_eq!(other.conversations(ListFilter::Requests).await.unwrap().len(), 1);
    let thread = Thread::Peer(peer);
    assert_eq!(third.messages(&thread, 5, None).await.unwrap()[0].preview, "secret stuff");

    // Removing an account deletes its keys and its folder, and nothing else.
    let other_address = other.address().clone();
    other.close();
    drop(other);
    account::remove(&config(&node, od.path()), &other_address).unwrap();
    assert!(matches!(account::open(&config(&node, od.path()), &other_address).await, Err(EngineError::KeysMissing(_))));
    let left: Vec<_> = walk(od.path()).into_iter().map(|f| f.file_name().unwrap().to_owned()).collect();
    assert_eq!(left, ["keychain-scope"], "its folder is gone; the data folder keeps only its keychain scope");
    assert!(account::open(&cfg2, &address).await.is_ok(), "other accounts are untouched");
    drop((third, device2));
    account::remove(&cfg1, &address).unwrap();
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_or_missing_keychain_entry_is_a_clear_error() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let d = tempfile::tempdir().unwrap();
    let cfg = config(&node, d.path());
    let e = account::create(&cfg).await.unwrap().engine;
    let address = e.address().clone();
    e.close();
    drop(e);
    let name = account::keychain_name(&cfg, &address).unwrap();
    cfg.keychain.store(&name, Item::Identity.name(), "not hex").unwrap();
    let err = account::open(&cfg, &address).await.unwrap_err();
    assert!(matches!(err, EngineError::KeychainDamaged { .. }), "{err:?}");
    assert!(err.to_string().contains("damaged"), "{err}");
    cfg.keychain.delete(&name, Item::Identity.name()).unwrap();
    assert!(matches!(account::open(&cfg, &address).await, Err(EngineError::KeysMissing(a)) if a == address));
    account::remove(&cfg, &address).unwrap();
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phrase_brings_the_same_account_back_on_another_computer() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (d1, d2, dp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let created = account::create(&config(&node, d1.path())).await.unwrap();
    let peer = account::create(&config(&node, dp.path())).await.unwrap().engine;
    peer.send_text(created.engine.address(), "remember me", SendOptions::default()).await.unwrap();
    peer.flush_outbox().await.unwrap();
    // Another computer: the phrase, typed with stray spaces.
    let cfg2 = config(&node, d2.path());
    let typed = format!("  {}  ", created.phrase.expose().replace(' ', "   "));
    let back = account::import_phrase(&cfg2, &typed).await.unwrap();
    assert_eq!(back.address(), created.engine.address());
    assert_eq!(back.keys().encode_v1().expose(), created.engine.keys().encode_v1().expose(), "the same identity");
    assert!(account::phrase_confirmed(&cfg2, back.address()), "typing the phrase shows it is held");
    assert_eq!(account::phrase(&cfg2, back.address()).unwrap().expose(), created.phrase.expose());
    back.sync().await.unwrap();
    let thread = Thread::Peer(peer.address().clone());
    assert_eq!(back.messages(&thread, 10, None).await.unwrap()[0].preview, "remember me");
    for (cfg, e) in [(config(&node, d1.path()), created.engine), (cfg2, back), (config(&node, dp.path()), peer)] {
        let a = e.address().clone();
        e.close();
        drop(e);
        account::remove(&cfg, &a).unwrap();
    }
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_data_folders_with_the_same_wallet_never_overwrite_each_other() {
    // Two nodes: the second has no backup of the account, so signing in there makes an
    // identity; before items were named per folder, it overwrote the first folder's.
    let (n1, n2) = (
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
    );
    let (da, db, dp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cfg_a = config(&n1, da.path());
    let created = account::create(&cfg_a).await.unwrap();
    let me = created.engine.address().clone();
    let peer = account::create(&config(&n1, dp.path())).await.unwrap().engine;
    peer.send_text(&me, "first", SendOptions::default()).await.unwrap();
    peer.flush_outbox().await.unwrap();
    created.engine.sync().await.unwrap();
    created.engine.close();
    drop(created.engine);

    let cfg_b = config(&n2, db.path());
    let other = account::import_phrase(&cfg_b, created.phrase.expose()).await.unwrap();
    assert_eq!(other.address(), &me);
    assert_ne!(account::keychain_name(&cfg_a, &me).unwrap(), account::keychain_name(&cfg_b, &me).unwrap());
    other.close();
    drop(other);

    let again = account::open(&cfg_a, &me).await.unwrap();
    peer.send_text(&me, "second", SendOptions::default()).await.unwrap();
    peer.flush_outbox().await.unwrap();
    let report = again.sync().await.unwrap();
    assert!(report.unreadable.is_empty(), "its conversation keys still open: {report:?}");
    let texts: Vec<String> = again
        .messages(&Thread::Peer(peer.address().clone()), 10, None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.preview)
        .collect();
    assert_eq!(texts, ["first", "second"]);
    assert!(account::open(&cfg_b, &me).await.is_ok(), "and the other folder still opens");
    again.close();
    drop(again);
    account::remove(&cfg_a, &me).unwrap();
    account::remove(&cfg_b, &me).unwrap();
    n1.shutdown().await;
    n2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_where_the_node_has_no_backup_reuses_the_identity_this_keychain_holds() {
    let (n1, n2) = (
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
    );
    let d = tempfile::tempdir().unwrap();
    let created = account::create(&config(&n1, d.path())).await.unwrap();
    let keys = created.engine.keys().encode_v1();
    created.engine.close();
    drop(created.engine);
    // The same folder, moved to a node that never saw the account.
    let moved = account::import_phrase(&config(&n2, d.path()), created.phrase.expose()).await.unwrap();
    assert_eq!(moved.keys().encode_v1().expose(), keys.expose(), "no new keys over the ones held here");
    let a = moved.address().clone();
    moved.close();
    drop(moved);
    account::remove(&config(&n2, d.path()), &a).unwrap();
    n1.shutdown().await;
    n2.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
