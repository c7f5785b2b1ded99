//! Peers who publish what they like to a user's topics, through a real node on loopback. Each
//! test failed on the engine before its fix (see the commits that add them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engine;
use courier_engine::{Engine, ListFilter, ProtocolVersion, SendOptions, Thread};
use courier_node::NodeConfig;
use rand_core::OsRng;
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::BundleCache;
use xmtp_crypto::{EnvelopeRef, Secret, Topic, topic, v2};
use xmtp_proto::message_api::v1::{Envelope, SortDirection};

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// `from` invites `to` to a "conversation" on `t` with a key of its choosing.
async fn invite_on(from: &Engine, to: &Engine, t: &Topic, key: &Secret<[u8; 32]>) {
    let inv = Invitation { topic: t.clone(), key_material: key.clone(), context: None, consent_proof: None };
    let sealed = invitation::seal(from.keys(), &to.keys().as_peer(), &inv, now_ns(), &mut OsRng);
    let envelope = Envelope {
        content_topic: topic::invite(to.address()).into_string(),
        timestamp_ns: sealed.timestamp_ns,
        message: sealed.bytes.into(),
    };
    from.client().publish(vec![envelope]).await.unwrap();
}

async fn texts(e: &Engine, thread: Thread) -> Vec<String> {
    e.messages(&thread, 50, None).await.unwrap().into_iter().map(|m| m.preview).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_naming_a_known_conversation_cannot_take_its_key() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (alice, bob, mallory) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    alice.send_text(bob.address(), "hello bob", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let t = bob.conversations(ListFilter::All).await.unwrap().remove(0).conversation.topic;
    // Mallory saw the topic on the node and invites bob to it with her own key.
    let evil = Secret::new([0x42u8; 32]);
    invite_on(&mallory, &bob, &t, &evil).await;
    bob.sync().await.unwrap();
    alice.send_text(bob.address(), "second", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    assert_eq!(bob.sync().await.unwrap().skipped, 0);
    assert_eq!(texts(&bob, Thread::Conversation(t.clone())).await, ["hello bob", "second"]);
    bob.send_text(alice.address(), "bob's reply", SendOptions::default()).await.unwrap();
    bob.flush_outbox().await.unwrap();
    // Nothing on the topic opens with mallory's key.
    let request = courier_engine::client::page_request(&t, None, 100, SortDirection::Ascending);
    let page = mallory.client().query(request).await.unwrap();
    let cache = BundleCache::new();
    for e in page.envelopes {
        let r = EnvelopeRef { topic: &e.content_topic, timestamp_ns: e.timestamp_ns, payload: &e.message };
        assert!(v2::open(&t, evil.expose(), r, &cache).is_err(), "mallory read a message");
    }
    alice.sync().await.unwrap();
    assert_eq!(texts(&alice, Thread::Conversation(t)).await, ["hello bob", "second", "bob's reply"]);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_to_a_topic_no_v2_conversation_has_is_refused() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (alice, bob, mallory) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    let key = Secret::new([1u8; 32]);
    // The V1 topic of alice and bob, and bob's own invite and intro topics.
    let v1 = topic::dm(alice.address(), bob.address());
    for t in [&v1, &topic::invite(bob.address()), &topic::intro(bob.address())] {
        invite_on(&mallory, &bob, t, &key).await;
    }
    assert_eq!(bob.sync().await.unwrap().skipped, 3, "each is skipped");
    assert!(bob.conversations(ListFilter::All).await.unwrap().is_empty());
    for i in 0..2 {
        let opts = SendOptions { v1: true, ..Default::default() };
        alice.send_text(bob.address(), &format!("v1 #{i}"), opts).await.unwrap();
        alice.flush_outbox().await.unwrap();
        // (The three hostile invitations are read again until they are five minutes old, and
        // skipped again.)
        bob.sync().await.unwrap();
    }
    let convs = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!(convs.len(), 1);
    let c = &convs[0].conversation;
    assert_eq!((&c.topic, c.version, &c.peer), (&v1, ProtocolVersion::V1, alice.address()), "alice's, not mallory's");
    assert_eq!(texts(&bob, Thread::Peer(alice.address().clone())).await, ["v1 #0", "v1 #1"]);
    assert!(texts(&bob, Thread::Peer(mallory.address().clone())).await.is_empty());
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_whose_key_does_not_unseal_is_reported_and_its_cursor_stays() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine(&node, da.path()).await;
    let keys = common::identity();
    let cfg = common::config(&node, db.path());
    let bob = Engine::open_with(&cfg, keys.clone(), &common::store_key()).await.unwrap();
    bob.ensure_contact_published().await.unwrap();
    alice.send_text(bob.address(), "zero", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    // Messages an hour old, so that the cursor moves to them (it never moves to the last
    // minutes, which every sync reads again).
    let room = common::peer::Room {
        topic: bob.conversations(ListFilter::All).await.unwrap().remove(0).conversation.topic,
        key: Invitation::deterministic(alice.keys(), &keys.as_peer(), None).key_material,
    };
    let hour_ago = now_ns() - 3_600 * 1_000_000_000;
    common::peer::post(&alice, &room, &common::peer::text("one"), hour_ago, hour_ago).await;
    bob.sync().await.unwrap();
    let t = room.topic.clone();
    bob.close();
    drop(bob);
    // The sealed key is damaged on disk.
    let db_path = cfg.account_dir(keys.address()).join("courier.db");
    let raw = common::raw_store(&db_path);
    raw.execute("UPDATE conversations SET key_sealed = x'0a0b0c' WHERE topic = ?1", [t.as_str()]).unwrap();
    let cursor = || -> Vec<u8> {
        raw.query_row("SELECT digest FROM cursors WHERE topic = ?1", [t.as_str()], |r| r.get(0)).unwrap()
    };
    let before = cursor();
    let bob = Engine::open_with(&cfg, keys, &common::store_key()).await.unwrap();
    common::peer::post(&alice, &room, &common::peer::text("two"), hour_ago + 1, hour_ago + 1).await;
    let mut events = bob.events();
    let report = bob.sync().await.unwrap();
    assert_eq!(report.unreadable, std::slice::from_ref(&t), "reported");
    common::wait_for(&mut events, |e| *e == courier_engine::Event::Unreadable { topics: vec![t.clone()] }).await;
    assert_eq!(report.skipped, 0, "not opened with a wrong key and skipped");
    assert_eq!(cursor(), before, "the cursor did not move past what could not be read");
    assert_eq!(texts(&bob, Thread::Conversation(t)).await, ["one", "zero"]);
    node.shutdown().await;
}
