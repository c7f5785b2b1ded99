//! Hostile peers against rich conversations: reactions and quotes that reach into another
//! conversation, remote attachments that point anywhere, lie about their digest, never end,
//! redirect, or come from strangers; names and emoji out of bounds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::atomic::Ordering;

use common::files::{Reply, serve};
use common::peer::{Room, invite, now_ns, post};
use common::{config, identity};
use courier_engine::{AttachmentError, Engine, EngineError, ListFilter, SendOptions, Thread};
use courier_node::{NodeConfig, NodeHandle};
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::content::{self, Attachment, Reaction, ReactionAction, ReactionSchema, remote};
use xmtp_crypto::{MessageId, Topic};

async fn open(node: &NodeHandle, dir: &std::path::Path) -> Engine {
    let mut cfg = config(node, dir);
    cfg.attachments_url = node.http_url();
    let e = Engine::open_with(&cfg, identity(), &common::store_key()).await.unwrap();
    e.ensure_contact_published().await.unwrap();
    e
}

/// Bob, and Mallory in a room with him that Bob allowed.
async fn bob_and_mallory(node: &NodeHandle, db: &std::path::Path, dm: &std::path::Path) -> (Engine, Engine, Room) {
    let bob = open(node, db).await;
    let mallory = open(node, dm).await;
    let room = invite(&mallory, &bob).await;
    bob.sync().await.unwrap();
    bob.set_consent(mallory.address(), true).await.unwrap();
    (bob, mallory, room)
}

fn file() -> Attachment {
    Attachment { filename: "x.png".into(), mime_type: "image/png".into(), data: vec![7; 100] }
}

/// Mallory posts a remote attachment at `url` (its digest `digest`, or the real one).
async fn post_remote(mallory: &Engine, room: &Room, url: &str, name: &str, digest: Option<String>) -> Vec<u8> {
    let enc = remote::encrypt(&file(), &mut OsRng);
    let mut msg = enc.message(url.to_owned(), name, 100);
    if let Some(d) = digest {
        msg.content_digest = d;
    }
    post(mallory, room, &content::remote_attachment(&msg).unwrap().encode_to_vec(), now_ns(), now_ns()).await;
    enc.payload
}

async fn newest(bob: &Engine, topic: &Topic) -> courier_engine::Message {
    bob.sync().await.unwrap();
    bob.messages(&Thread::Conversation(topic.clone()), 1, None).await.unwrap().remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_and_quotes_never_reach_into_another_conversation() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db, dm) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bob, mallory, room) = bob_and_mallory(&node, db.path(), dm.path()).await;
    let alice = open(&node, da.path()).await;
    let secret = alice.send_text(bob.address(), "the code is 4711", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let alice_topic = bob
        .conversations(ListFilter::All)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.conversation.peer == *alice.address())
        .unwrap()
        .conversation
        .topic;
    // Mallory learned the id somehow; she reacts to it and quotes it from her own room.
    let skull = Reaction {
        reference: secret.id.to_string(),
        action: ReactionAction::Added,
        schema: ReactionSchema::Unicode,
        content: "💀".into(),
    };
    post(&mallory, &room, &content::reaction(&skull).encode_to_vec(), now_ns(), now_ns()).await;
    let quote = content::reply(&secret.id.to_string(), &content::text("lol")).unwrap();
    post(&mallory, &room, &quote.encode_to_vec(), now_ns(), now_ns()).await;
    bob.sync().await.unwrap();
    let page = bob.messages(&Thread::Conversation(alice_topic.clone()), 50, None).await.unwrap();
    let extras = bob.thread_extras(&alice_topic, &page).await.unwrap();
    assert!(extras.reactions.is_empty(), "a reaction from another conversation shows nowhere: {:?}", extras.reactions);
    let mine = bob.messages(&Thread::Conversation(room.topic.clone()), 50, None).await.unwrap();
    let extras = bob.thread_extras(&room.topic, &mine).await.unwrap();
    assert!(extras.quotes.is_empty(), "Alice's text is never quoted into Mallory's room");
    assert_eq!(mine.last().unwrap().reply_to, Some(secret.id), "the reply is kept, without its quote");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_attachments_are_fetched_only_from_allowed_urls_and_checked() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (db, dm) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bob, mallory, room) = bob_and_mallory(&node, db.path(), dm.path()).await;

    // Plain http to another host: refused before any connection.
    post_remote(&mallory, &room, "http://192.0.2.1/x.png", "x.png", None).await;
    let m = newest(&bob, &room.topic).await;
    let r = bob.attachment(&m.id, true).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::UrlRefused { .. }))), "{r:?}");

    // A service on this computer that is not the user's store: refused, never contacted.
    let local = serve(Reply::Bytes(vec![1, 2, 3])).await;
    post_remote(&mallory, &room, &local.url, "x.png", None).await;
    let m = newest(&bob, &room.topic).await;
    let r = bob.attachment(&m.id, true).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::UrlRefused { .. }))), "{r:?}");
    assert_eq!(local.connections.load(Ordering::SeqCst), 0, "no request to a local service");

    // From here the test servers stand in for the user's own store (the one place plain http
    // may go), to show what is checked even there.
    // A file that is not the one the message names: refused before decrypting.
    let other = serve(Reply::Bytes(vec![1, 2, 3])).await;
    bob.set_attachments_url(Some(other.base()));
    post_remote(&mallory, &room, &other.url, "x.png", None).await;
    let m = newest(&bob, &room.topic).await;
    let r = bob.attachment(&m.id, true).await;
    assert!(
        matches!(r, Err(EngineError::Attachment(AttachmentError::Remote(remote::RemoteError::DigestMismatch)))),
        "{r:?}"
    );

    // A redirect is not followed.
    let target = serve(Reply::Bytes(vec![0; 10])).await;
    let hop = serve(Reply::Redirect(target.url.clone())).await;
    bob.set_attachments_url(Some(hop.base()));
    post_remote(&mallory, &room, &hop.url, "x.png", None).await;
    let m = newest(&bob, &room.topic).await;
    let r = bob.attachment(&m.id, true).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::Status(302)))), "{r:?}");
    assert_eq!(target.connections.load(Ordering::SeqCst), 0, "never followed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_downloads_stop_at_the_cap() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (db, dm) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bob, mallory, room) = bob_and_mallory(&node, db.path(), dm.path()).await;
    let cap = courier_engine::transfer::MAX_DOWNLOAD_BYTES;
    for length in [true, false] {
        let big = serve(Reply::Endless { n: 4 * cap, length }).await;
        bob.set_attachments_url(Some(big.base()));
        post_remote(&mallory, &room, &big.url, "x.png", None).await;
        let m = newest(&bob, &room.topic).await;
        let r = bob.attachment(&m.id, true).await;
        assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::TooLarge(_)))), "{r:?}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let written = big.written.load(Ordering::SeqCst);
        assert!(written < 2 * cap, "the download stopped (server wrote {written} bytes, Content-Length {length})");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_and_blocked_peers_learn_nothing_from_a_file() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (db, dm) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let bob = open(&node, db.path()).await;
    let mallory = open(&node, dm.path()).await;
    let room = invite(&mallory, &bob).await;
    let server = serve(Reply::Bytes(vec![0; 10])).await;
    bob.set_attachments_url(Some(server.base()));
    post_remote(&mallory, &room, &server.url, "x.png", None).await;
    let m = newest(&bob, &room.topic).await;
    let r = bob.attachment(&m.id, false).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::NotAsked))), "{r:?}");
    bob.set_consent(mallory.address(), false).await.unwrap();
    let r = bob.attachment(&m.id, true).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::Blocked))), "{r:?}");
    assert_eq!(server.connections.load(Ordering::SeqCst), 0, "no request reached the stranger's server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_names_and_reactions_are_bounded() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (db, dm) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (bob, mallory, room) = bob_and_mallory(&node, db.path(), dm.path()).await;
    post_remote(&mallory, &room, "https://files.example/a", "../../.config/autostart/evil.desktop", None).await;
    let m = newest(&bob, &room.topic).await;
    assert_eq!(m.attachment.unwrap().filename, "evil.desktop", "no path survives");
    // A "reaction" of 10 KiB is not an emoji: not kept.
    let target: MessageId = m.id;
    let long = Reaction {
        reference: target.to_string(),
        action: ReactionAction::Added,
        schema: ReactionSchema::Unicode,
        content: "A".repeat(10_000),
    };
    post(&mallory, &room, &content::reaction(&long).encode_to_vec(), now_ns(), now_ns()).await;
    bob.sync().await.unwrap();
    let page = bob.messages(&Thread::Conversation(room.topic.clone()), 50, None).await.unwrap();
    assert!(bob.thread_extras(&room.topic, &page).await.unwrap().reactions.is_empty());
}
