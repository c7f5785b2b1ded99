//! Accounts and the keychain: creating, importing (the identity restored from the network
//! backup), opening, exporting the backup, removing; keys never written to disk; the consent
//! list followed across devices. Keys live in a real keychain — Secret Service under D-Bus
//! (`scripts/with-keyring.sh`), or the kernel keyring with COURIER_TEST_KEYCHAIN=kernel inside
//! `keyctl session` — and a real node on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use courier_engine::{Backend, Config, ConsentState, EngineError, Keychain, ListFilter, SendOptions, Thread, account};
use courier_node::{NodeConfig, NodeHandle};

fn keychain() -> Keychain {
    let backend =
        std::env::var("COURIER_TEST_KEYCHAIN").ok().and_then(|b| Backend::parse(&b)).unwrap_or(Backend::SecretService);
    let k = Keychain::new(backend);
    if let Err(e) = k.check() {
        panic!(
            "these tests need a real keychain: run them through scripts/test.sh (D-Bus + gnome-keyring), or set COURIER_TEST_KEYCHAIN=kernel inside `keyctl session`: {e}"
        );
    }
    k
}

fn config(node: &NodeHandle, dir: &std::path::Path) -> Config {
    Config { data_dir: dir.to_owned(), node_url: node.grpc_url(), keychain: keychain() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_restores_from_the_network_backup_and_keys_never_touch_disk() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let cfg1 = config(&node, d1.path());
    let first = account::create(&cfg1).await.unwrap();
    let address = first.address().clone();
    let wallet = account::wallet(&cfg1, &address).unwrap();
    let wallet_hex = hex::encode(wallet.private_key().to_bytes().expose());
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
    let other = account::create(&config(&node, od.path())).await.unwrap();
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
    assert!(walk(od.path()).is_empty(), "its folder is gone");
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
    let e = account::create(&cfg).await.unwrap();
    let address = e.address().clone();
    e.close();
    drop(e);
    cfg.keychain.store(address.as_str(), account::IDENTITY_ITEM, "not hex").unwrap();
    let err = account::open(&cfg, &address).await.unwrap_err();
    assert!(matches!(err, EngineError::KeychainDamaged { .. }), "{err:?}");
    assert!(err.to_string().contains("damaged"), "{err}");
    cfg.keychain.delete(address.as_str(), account::IDENTITY_ITEM).unwrap();
    assert!(matches!(account::open(&cfg, &address).await, Err(EngineError::KeysMissing(a)) if a == address));
    account::remove(&cfg, &address).unwrap();
    node.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
