//! Peers who publish what they like to a user's topics (our own crates, used directly, as the
//! hostile peer), through a real node on loopback: times from the future, messages signed by
//! someone outside the conversation, consent entries republished. Each test failed on the
//! engine before its fix (see the commit that adds it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engine;
use common::peer::{self, now_ns, text};
use courier_engine::{ConsentState, Engine, ListFilter, SendOptions, Thread};
use courier_node::NodeConfig;
use xmtp_crypto::{Secret, Topic, WalletAddress};
use xmtp_proto::message_api::v1::{Envelope, SortDirection};

const YEAR_NS: u64 = 365 * 24 * 3600 * 1_000_000_000;

async fn texts(e: &Engine, t: &Topic) -> Vec<String> {
    e.messages(&Thread::Conversation(t.clone()), 50, None).await.unwrap().into_iter().map(|m| m.preview).collect()
}

async fn senders(e: &Engine, t: &Topic) -> Vec<WalletAddress> {
    e.messages(&Thread::Conversation(t.clone()), 50, None).await.unwrap().into_iter().map(|m| m.sender).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_from_the_future_hides_nothing_and_pins_nothing() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob, carol) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    let room = peer::invite(&mallory, &bob).await;
    let future = now_ns() + YEAR_NS;
    peer::post(&mallory, &room, &text("from next year"), future, future).await;
    bob.sync().await.unwrap();
    // Sent after, with honest times.
    peer::post(&mallory, &room, &text("later"), now_ns(), now_ns()).await;
    carol.send_text(bob.address(), "carol, newest", SendOptions::default()).await.unwrap();
    carol.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    // The message dated next year waits for its time (a sync asks for nothing later than a few
    // minutes ahead); nothing behind it is hidden, and it pins nothing.
    assert_eq!(texts(&bob, &room.topic).await, ["later"], "nothing hidden behind the cursor");
    let list = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!(&list[0].conversation.peer, carol.address(), "the newest conversation is first");
    node.shutdown().await;
}

/// Publishes `message` on `topic` with the envelope time `ts` (anyone may, on a public topic).
async fn junk(from: &Engine, topic: &Topic, ts: u64, message: Vec<u8>) {
    let e = Envelope { content_topic: topic.to_string(), timestamp_ns: ts, message: message.into() };
    from.client().publish(vec![e]).await.unwrap();
}

/// Bytes whose envelope digest on `topic` starts with ff ff: the largest digests sort last.
fn last_digest(topic: &Topic) -> Vec<u8> {
    (0u32..)
        .map(|i| i.to_le_bytes().to_vec())
        .find(|m| xmtp_crypto::hash::sha256(&[topic.as_bytes(), m])[..2] == [0xff, 0xff])
        .unwrap()
}

/// Found by review: an envelope at time 0 (whose digest sorts last) on a new account's invite
/// topic became its cursor, and a cursor at time 0 compares digests only (§12.5), so every
/// invitation after it was hidden; an envelope a few minutes ahead (within the allowed skew)
/// hid every invitation sent in those minutes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_envelope_at_time_zero_or_minutes_ahead_hides_no_invitation() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 4].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob, alice, carol) = (
        engine(&node, dirs[0].path()).await,
        engine(&node, dirs[1].path()).await,
        engine(&node, dirs[2].path()).await,
        engine(&node, dirs[3].path()).await,
    );
    let invites = xmtp_crypto::topic::invite(bob.address());
    junk(&mallory, &invites, 0, last_digest(&invites)).await;
    junk(&mallory, &invites, now_ns() + 4 * 60 * 1_000_000_000, vec![1, 2, 3]).await;
    bob.sync().await.unwrap();
    for from in [&alice, &carol] {
        from.send_text(bob.address(), "hello bob", SendOptions::default()).await.unwrap();
        from.flush_outbox().await.unwrap();
        bob.sync().await.unwrap();
    }
    assert_eq!(bob.conversations(ListFilter::All).await.unwrap().len(), 2, "both invitations read");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_message_signed_by_someone_outside_the_conversation_is_dropped() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob, eve) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    // A conversation between mallory and bob, whose key mallory also gave eve.
    let room = peer::invite(&mallory, &bob).await;
    peer::post(&mallory, &room, &text("mallory"), now_ns(), now_ns()).await;
    peer::post(&eve, &room, &text("eve, as if mallory"), now_ns(), now_ns()).await;
    let report = bob.sync().await.unwrap();
    assert_eq!(report.skipped, 1, "{report:?}");
    assert_eq!(senders(&bob, &room.topic).await, [mallory.address().clone()]);
    node.shutdown().await;
}

/// Bob allows alice, then blocks her. The consent list's topic is public on the node: mallory
/// copies the allow entry and republishes it, newer than the block — as it was, or re-encoded
/// (an unknown field appended, so its bytes differ: found by review). Bob stays blocked, on his
/// device and on a new one.
async fn a_replayed_allow_leaves_the_block(reencode: bool) {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 4].map(|()| tempfile::tempdir().unwrap());
    let (alice, mallory) = (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await);
    let keys = common::identity();
    let bob =
        Engine::open_with(&common::config(&node, dirs[2].path()), keys.clone(), &common::store_key()).await.unwrap();
    bob.set_consent(alice.address(), true).await.unwrap();
    bob.flush_outbox().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    bob.set_consent(alice.address(), false).await.unwrap();
    bob.flush_outbox().await.unwrap();
    let list = xmtp_crypto::consent::topic(keys.identity().secret());
    let request = courier_engine::client::page_request(&list, None, 100, SortDirection::Ascending);
    let entries = mallory.client().query(request).await.unwrap().envelopes;
    assert_eq!(entries.len(), 2);
    let mut bytes = entries[0].message.to_vec();
    if reencode {
        bytes.extend_from_slice(&[0x78, 0x00]);
    }
    junk(&mallory, &list, now_ns(), bytes).await;
    bob.sync().await.unwrap();
    assert_eq!(bob.consent(alice.address()).await.unwrap(), ConsentState::Denied, "on the device that blocked");
    let again = Engine::open_with(&common::config(&node, dirs[3].path()), keys, &common::store_key()).await.unwrap();
    again.sync().await.unwrap();
    assert_eq!(again.consent(alice.address()).await.unwrap(), ConsentState::Denied, "on a new device");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_republished_allow_entry_does_not_undo_a_newer_block() {
    a_replayed_allow_leaves_the_block(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reencoded_allow_entry_does_not_undo_a_newer_block() {
    a_replayed_allow_leaves_the_block(true).await;
}

/// Found by review: mallory saw a conversation's topic on the network and invited bob to it
/// with her own key, dated an hour back. On bob's new device her invitation was read first and
/// kept: the conversation became hers, and alice's messages were skipped as unopenable while
/// the cursor moved past them. Alice's invitation is the derived one (§8.3), which nobody else
/// can make: it takes the topic back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_invitation_to_a_seen_topic_does_not_take_it_over() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 4].map(|()| tempfile::tempdir().unwrap());
    let (alice, mallory) = (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await);
    let keys = common::identity();
    let bob =
        Engine::open_with(&common::config(&node, dirs[2].path()), keys.clone(), &common::store_key()).await.unwrap();
    bob.ensure_contact_published().await.unwrap();
    alice.send_text(bob.address(), "hi from alice", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let t = bob.conversations(ListFilter::All).await.unwrap().remove(0).conversation.topic;
    let forged = peer::Room { topic: t.clone(), key: xmtp_crypto::Secret::new([0x42; 32]) };
    peer::invite_at(&mallory, &bob, &forged, now_ns() - 3_600 * 1_000_000_000).await;
    peer::post(&mallory, &forged, &text("mallory in alice's place"), now_ns(), now_ns()).await;
    alice.send_text(bob.address(), "second", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    for (name, dir) in [("the same device", None), ("a new device", Some(dirs[3].path()))] {
        let e = match dir {
            None => bob.clone(),
            Some(d) => Engine::open_with(&common::config(&node, d), keys.clone(), &common::store_key()).await.unwrap(),
        };
        e.sync().await.unwrap();
        let c = e.conversations(ListFilter::All).await.unwrap();
        let c = c.iter().find(|c| c.conversation.topic == t).unwrap();
        assert_eq!(&c.conversation.peer, alice.address(), "{name}");
        assert_eq!(texts(&e, &t).await, ["hi from alice", "second"], "{name}");
    }
    node.shutdown().await;
}

/// Found by the second review: an invitation whose header says bob sent it made bob's client
/// allow its "peer" — and mallory can make one (the 3DH secret is the same from either side),
/// so a peer bob had blocked was allowed again. Consent never comes from an invitation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_that_claims_to_be_from_us_allows_no_one() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob) = (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await);
    bob.set_consent(mallory.address(), false).await.unwrap();
    bob.flush_outbox().await.unwrap();
    let room =
        peer::Room { topic: Topic::parse("/xmtp/0/m-forged-by-mallory/proto").unwrap(), key: Secret::new([5; 32]) };
    peer::invite_as_if_from_them(&mallory, &bob, &room, now_ns()).await;
    bob.sync().await.unwrap();
    assert_eq!(bob.consent(mallory.address()).await.unwrap(), ConsentState::Denied, "still blocked");
    let list = bob.conversations(ListFilter::Allowed).await.unwrap();
    assert!(list.iter().all(|c| &c.conversation.peer != mallory.address()), "not among allowed conversations");
    node.shutdown().await;
}
