//! Two engines, each with its own data folder and keychain entries, talk through a real node on
//! loopback (in-process `courier-node`, real sockets, real SQLite files, the real keychain:
//! Secret Service under D-Bus, or the kernel keyring with COURIER_TEST_KEYCHAIN=kernel).
//! `scripts/test.sh` runs this inside a D-Bus session with an unlocked gnome-keyring.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use courier_engine::{Backend, Config, Engine, Event, Keychain, ListFilter, SendOptions, account};
use courier_node::{NodeConfig, NodeHandle};
use xmtp_crypto::WalletAddress;

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

async fn wait_for(
    engine: &Engine,
    rx: &mut tokio::sync::broadcast::Receiver<Event>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    let _ = engine;
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await {
                Ok(e) if want(&e) => return e,
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => panic!("events closed: {e}"),
            }
        }
    })
    .await
    .expect("event in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_exchange_v2_and_v1_messages() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = account::create(&config(&node, da.path())).await.unwrap();
    let bob = account::create(&config(&node, db.path())).await.unwrap();
    let (a, b) = (alice.address().to_string(), bob.address().to_string());

    assert!(alice.can_message(&b).await.unwrap());
    let stranger = WalletAddress::from_raw([9u8; 20]).to_string();
    assert!(!alice.can_message(&stranger).await.unwrap());
    assert!(matches!(
        alice.send_text(&stranger, "hello?", SendOptions::default()).await,
        Err(courier_engine::EngineError::NotOnNetwork(_))
    ));
    assert!(alice.send_text("0x123", "x", SendOptions::default()).await.is_err());

    let sent = alice.send_text(&b, "hi bob, over V2", SendOptions::default()).await.unwrap();
    assert_eq!(sent.state, "sent");
    assert_eq!(alice.outbox_len().await.unwrap(), 0);

    let report = bob.sync().await.unwrap();
    assert_eq!(report.conversations, 1);
    assert_eq!(report.messages, 1);
    let convs = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0].peer, a);
    assert_eq!(convs[0].version, 2);
    assert_eq!(convs[0].unread, 1);
    assert_eq!(convs[0].consent, "unknown", "a message request until bob answers");
    bob.set_draft(&convs[0].topic, "half a thought").await.unwrap();
    bob.mark_read(&convs[0].topic).await.unwrap();
    let convs = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!((convs[0].draft.as_str(), convs[0].unread), ("half a thought", 0));
    let msgs = bob.messages(&a, 50, None).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0].text.as_str(), msgs[0].sender.as_str(), msgs[0].state.as_str()),
        ("hi bob, over V2", a.as_str(), "received")
    );
    assert_eq!(msgs[0].id, sent.id);

    // A second sync finds nothing new (cursors), and bob's reply reuses the same conversation.
    let again = bob.sync().await.unwrap();
    assert_eq!((again.conversations, again.messages), (0, 0));
    bob.send_text(&a, "hi alice", SendOptions::default()).await.unwrap();
    assert_eq!(bob.conversations(ListFilter::All).await.unwrap().len(), 1);
    assert_eq!(bob.conversations(ListFilter::All).await.unwrap()[0].consent, "allowed");

    // V1 both ways.
    bob.send_text(&a, "and over V1", SendOptions { v1: true, ..Default::default() }).await.unwrap();
    alice.sync().await.unwrap();
    let texts: Vec<String> = alice.messages(&b, 50, None).await.unwrap().into_iter().map(|m| m.text).collect();
    assert_eq!(texts, vec!["hi bob, over V2", "hi alice", "and over V1"]);
    let convs = alice.conversations(ListFilter::All).await.unwrap();
    assert_eq!(convs.len(), 2, "one V2 and one V1 conversation");
    assert!(convs.iter().any(|c| c.version == 1));

    // Live: bob listens, alice sends, bob hears it without a manual sync.
    let mut events = bob.events();
    let listener = {
        let bob = bob.clone();
        tokio::spawn(async move { bob.listen(tokio::time::sleep(Duration::from_secs(30))).await })
    };
    wait_for(&bob, &mut events, |e| matches!(e, Event::Connection { state } if state == "connected")).await;
    let live = alice.send_text(&b, "are you there?", SendOptions::default()).await.unwrap();
    let got = wait_for(&bob, &mut events, |e| matches!(e, Event::MessageAdded { id, .. } if *id == live.id)).await;
    assert!(matches!(got, Event::MessageAdded { .. }));
    // A brand-new conversation (with a context id) arrives live too, through its invitation.
    let ctx = alice
        .send_text(
            &b,
            "in a new thread",
            SendOptions { conversation_id: Some("courier.test/thread-1".into()), ..Default::default() },
        )
        .await
        .unwrap();
    wait_for(&bob, &mut events, |e| matches!(e, Event::MessageAdded { id, .. } if *id == ctx.id)).await;
    listener.abort();
    assert!(bob.integrity_ok().await.unwrap());
    node.shutdown().await;
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

    // A second device: importing the wallet key restores the same XMTP identity from the node.
    let cfg2 = config(&node, d2.path());
    let second = account::import_key(&cfg2, &wallet_hex).await.unwrap();
    assert_eq!(second.address(), &address);
    assert_eq!(second.keys().encode_v1().expose(), first.keys().encode_v1().expose());
    assert_eq!(account::choose(&cfg2, None).unwrap(), address);
    let reopened = account::open(&cfg2, &address).await.unwrap();
    assert_eq!(reopened.address(), &address);

    // Use the account a little, then scan every file of both data folders for key bytes.
    let other = account::create(&config(&node, tempfile::tempdir().unwrap().path())).await.unwrap();
    second.send_text(other.address().as_ref(), "secret stuff", SendOptions::default()).await.unwrap();
    second.sync().await.unwrap();
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
    let peer = other.address().to_string();
    let device2 = account::open(&cfg2, &address).await.unwrap();
    device2.set_consent(&peer, false).await.unwrap();
    assert!(device2.conversations(ListFilter::Visible).await.unwrap().is_empty(), "blocked peers are hidden");
    assert_eq!(device2.conversations(ListFilter::Blocked).await.unwrap().len(), 1);
    third.sync().await.unwrap();
    let on_third = third.conversations(ListFilter::All).await.unwrap();
    assert_eq!(on_third.len(), 1);
    assert_eq!(on_third[0].consent, "denied", "synced from the consent list");
    device2.set_consent(&peer, true).await.unwrap();
    third.sync().await.unwrap();
    assert_eq!(third.conversations(ListFilter::Allowed).await.unwrap().len(), 1);
    // The peer sees a request until it answers.
    other.sync().await.unwrap();
    assert_eq!(other.conversations(ListFilter::Requests).await.unwrap().len(), 1);
    // Paging backwards through a conversation.
    for i in 0..5 {
        other.send_text(address.as_str(), &format!("page {i}"), SendOptions::default()).await.unwrap();
    }
    third.sync().await.unwrap();
    let newest = third.messages(&peer, 3, None).await.unwrap();
    assert_eq!(newest.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), vec!["page 2", "page 3", "page 4"]);
    let older = third.messages(&peer, 3, Some(newest[0].sent_ns)).await.unwrap();
    assert_eq!(older.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), vec!["secret stuff", "page 0", "page 1"]);
    drop((third, device2, other));

    // Clean up the keychain entries of this test.
    {
        let a = &address;
        cfg1.keychain.delete(a.as_str(), account::IDENTITY_ITEM).unwrap();
        cfg1.keychain.delete(a.as_str(), account::WALLET_ITEM).unwrap();
    }
    node.shutdown().await;
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
