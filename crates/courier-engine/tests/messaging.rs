//! Engines talking through a real node on loopback: V2 and V1 conversations, sync and live
//! updates, the outbox, consent, paging. No keychain: identities are made in memory (the
//! keychain has its own tests in `accounts.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{collect_for, engine, wait_for};
use courier_engine::{
    ConnectionState, ConsentState, DeliveryState, Event, ListFilter, ProtocolVersion, SendOptions, Thread,
};
use courier_node::NodeConfig;
use courier_store::{Outgoing, Store};
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::{WalletAddress, content, v1};
use xmtp_proto::message_api::v1::Envelope;

fn text(s: &str) -> Vec<u8> {
    content::text(s).encode_to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_exchange_v2_and_v1_messages_by_sync_and_live() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine(&node, da.path()).await;
    let bob = engine(&node, db.path()).await;
    let (a, b) = (alice.address().clone(), bob.address().clone());

    assert!(alice.can_message(&b).await.unwrap());
    let stranger = WalletAddress::from_raw([9u8; 20]);
    assert!(!alice.can_message(&stranger).await.unwrap());
    let refused = alice.send_text(&stranger, "hello?", SendOptions::default()).await;
    assert!(matches!(refused, Err(courier_engine::EngineError::NotOnNetwork(ref x)) if *x == stranger));

    let mut alice_events = alice.events();
    let sent = alice.send_text(&b, "hi bob, over V2", SendOptions::default()).await.unwrap();
    assert_eq!(sent.state, DeliveryState::Pending, "written at once, published by the outbox");
    wait_for(&mut alice_events, |e| *e == Event::MessageState { id: sent.id, state: DeliveryState::Sent }).await;
    assert_eq!(alice.message(&sent.id).await.unwrap().unwrap().state, DeliveryState::Sent);
    alice.flush_outbox().await.unwrap();
    assert_eq!(alice.outbox_len().await.unwrap(), 0, "the allow entry for bob went out too");

    let report = bob.sync().await.unwrap();
    assert_eq!((report.conversations, report.messages, report.skipped), (1, 1, 0));
    let convs = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!(convs.len(), 1);
    let c = &convs[0];
    assert_eq!((&c.conversation.peer, c.conversation.version, c.unread), (&a, ProtocolVersion::V2, 1));
    assert_eq!(c.consent, ConsentState::Unknown, "a message request until bob answers");
    let topic = c.conversation.topic.clone();
    bob.set_draft(&topic, "half a thought").await.unwrap();
    bob.mark_read(&topic).await.unwrap();
    let c = bob.conversations(ListFilter::All).await.unwrap().remove(0);
    assert_eq!((c.draft.as_str(), c.unread), ("half a thought", 0));
    let msgs = bob.messages(&Thread::Peer(a.clone()), 50, None).await.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0].preview.as_str(), &msgs[0].sender, msgs[0].state),
        ("hi bob, over V2", &a, DeliveryState::Received)
    );
    assert_eq!(msgs[0].id, sent.id);

    // A second sync finds nothing new (cursors); bob's reply reuses the conversation and
    // allows alice.
    let again = bob.sync().await.unwrap();
    assert_eq!((again.conversations, again.messages), (0, 0));
    bob.send_text(&a, "hi alice", SendOptions::default()).await.unwrap();
    let convs = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!((convs.len(), convs[0].consent), (1, ConsentState::Allowed));

    // V1 both ways.
    bob.send_text(&a, "and over V1", SendOptions { v1: true, ..Default::default() }).await.unwrap();
    bob.flush_outbox().await.unwrap();
    alice.sync().await.unwrap();
    let texts: Vec<String> =
        alice.messages(&Thread::Peer(b.clone()), 50, None).await.unwrap().into_iter().map(|m| m.preview).collect();
    assert_eq!(texts, ["hi bob, over V2", "hi alice", "and over V1"]);
    let convs = alice.conversations(ListFilter::All).await.unwrap();
    assert_eq!(convs.len(), 2, "one V2 and one V1 conversation");
    assert!(convs.iter().any(|c| c.conversation.version == ProtocolVersion::V1));

    // Live: bob goes live, alice sends, bob hears it without a manual sync.
    let mut events = bob.events();
    bob.go_live();
    wait_for(&mut events, |e| *e == Event::Connection { state: ConnectionState::Connected }).await;
    let live = alice.send_text(&b, "are you there?", SendOptions::default()).await.unwrap();
    let got = wait_for(&mut events, |e| matches!(e, Event::MessageAdded { id, .. } if *id == live.id)).await;
    assert_eq!(got, Event::MessageAdded { topic: topic.clone(), id: live.id }, "in the V2 conversation");
    // A brand-new conversation (with a context id) arrives live too, through its invitation.
    let ctx = SendOptions { conversation_id: Some("courier.test/thread-1".into()), ..Default::default() };
    let first = alice.send_text(&b, "in a new thread", ctx).await.unwrap();
    let added = wait_for(&mut events, |e| matches!(e, Event::ConversationAdded { .. })).await;
    let got = wait_for(&mut events, |e| matches!(e, Event::MessageAdded { id, .. } if *id == first.id)).await;
    match (added, got) {
        (Event::ConversationAdded { topic: t1, peer }, Event::MessageAdded { topic: t2, .. }) => {
            assert_eq!((&t1, &peer), (&t2, &a));
            assert_ne!(t1, topic, "a conversation of its own");
        }
        other => panic!("{other:?}"),
    }
    bob.stop_live();
    assert!(!bob.is_live());
    assert!(bob.integrity_ok().await.unwrap());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_conversation_carries_its_metadata_to_the_peer() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = (engine(&node, da.path()).await, engine(&node, db.path()).await);
    let metadata = [("title".to_owned(), "Lunch on Friday".to_owned())].into();
    let opts = SendOptions { conversation_id: Some("courier.test/lunch".into()), metadata, ..Default::default() };
    alice.send_text(bob.address(), "where?", opts).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let c = bob.conversations(ListFilter::All).await.unwrap().remove(0).conversation;
    assert_eq!(c.conversation_id.as_deref(), Some("courier.test/lunch"));
    assert_eq!(c.metadata.get("title").map(String::as_str), Some("Lunch on Friday"));
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_back_keeps_v1_messages_sent_in_the_same_millisecond() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = (engine(&node, da.path()).await, engine(&node, db.path()).await);
    // Alice's first V1 message makes the conversation; then six more in one millisecond.
    alice.send_text(bob.address(), "first", SendOptions { v1: true, ..Default::default() }).await.unwrap();
    alice.flush_outbox().await.unwrap();
    let peer = alice.peer_bundle(bob.address()).await.unwrap();
    // A minute ahead: within the clocks' allowed skew, so read now (and dated when read).
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64 + 60_000;
    let envelopes: Vec<Envelope> = (0..6)
        .map(|i| {
            let s = v1::seal(alice.keys(), &peer, &text(&format!("same ms {i}")), ms, &mut OsRng).unwrap();
            Envelope { content_topic: s.topic.to_string(), timestamp_ns: s.timestamp_ns, message: s.bytes.into() }
        })
        .collect();
    alice.client().publish(envelopes).await.unwrap();
    bob.sync().await.unwrap();
    let thread = Thread::Peer(alice.address().clone());
    let mut seen = Vec::new();
    let mut page = bob.messages(&thread, 2, None).await.unwrap();
    while !page.is_empty() {
        seen.splice(0..0, page.iter().map(|m| m.preview.clone()));
        page = bob.messages(&thread, 2, Some(&page[0].id)).await.unwrap();
    }
    assert_eq!(seen.len(), 7, "every message once: {seen:?}");
    assert_eq!(seen[0], "first");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_updates_are_not_messages() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (alice, bob) = (engine(&node, da.path()).await, engine(&node, db.path()).await);
    let mut events = alice.events();
    alice.set_consent(bob.address(), false).await.unwrap();
    alice.set_consent(bob.address(), true).await.unwrap();
    alice.flush_outbox().await.unwrap();
    assert_eq!(alice.outbox_len().await.unwrap(), 0, "published");
    let seen = collect_for(&mut events, Duration::from_millis(500)).await;
    assert!(
        !seen.iter().any(|e| matches!(e, Event::MessageState { .. })),
        "no state of a message that does not exist: {seen:?}"
    );
    assert_eq!(alice.consent(bob.address()).await.unwrap(), ConsentState::Allowed);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_outbox_item_does_not_stop_the_queue() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let bob = engine(&node, db.path()).await;
    let keys = common::identity();
    let cfg = common::config(&node, da.path());
    let alice = courier_engine::Engine::open_with(&cfg, keys.clone(), &common::store_key()).await.unwrap();
    alice.ensure_contact_published().await.unwrap();
    alice.close();
    drop(alice);
    // A damaged row at the head of the queue (a disk error, an older build's bug).
    let db_path = cfg.account_dir(keys.address()).join("courier.db");
    let mut store = Store::open(&db_path, &common::store_key()).unwrap();
    let junk = xmtp_crypto::envelope::message_id(b"junk");
    store.write(|w| w.enqueue(&Outgoing::Message(junk), &[0xff, 0xff, 0xff])).unwrap();
    drop(store);
    let alice = courier_engine::Engine::open_with(&cfg, keys, &common::store_key()).await.unwrap();
    let m = alice.send_text(bob.address(), "still goes out", SendOptions::default()).await.unwrap();
    let _ = alice.flush_outbox().await;
    assert_eq!(alice.message(&m.id).await.unwrap().unwrap().state, DeliveryState::Sent);
    assert_eq!(alice.outbox_len().await.unwrap(), 0, "the damaged item is dropped, logged");
    assert_eq!(bob.sync().await.unwrap().messages, 1);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_to_another_node_keeps_live_updates_running() {
    let (first, second) = (
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
        courier_node::start(NodeConfig::ephemeral()).await.unwrap(),
    );
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let bob = engine(&first, db.path()).await;
    let mut events = bob.events();
    bob.go_live();
    wait_for(&mut events, |e| *e == Event::Connection { state: ConnectionState::Connected }).await;
    bob.set_node_url(&second.grpc_url()).unwrap();
    bob.ensure_contact_published().await.unwrap();
    // Told that the old connection is gone, then connected again, to the new node.
    wait_for(&mut events, |e| *e == Event::Connection { state: ConnectionState::Disconnected }).await;
    wait_for(&mut events, |e| *e == Event::Connection { state: ConnectionState::Connected }).await;
    let alice = engine(&second, da.path()).await;
    let m = alice.send_text(bob.address(), "on the new node", SendOptions::default()).await.unwrap();
    wait_for(&mut events, |e| matches!(e, Event::MessageAdded { id, .. } if *id == m.id)).await;
    first.shutdown().await;
    second.shutdown().await;
}
