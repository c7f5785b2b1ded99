//! Rich conversations between engines through a real node (with its attachment store):
//! replies with their quotes, reactions folded into their targets, read receipts, inline and
//! remote attachments, and pages around a quoted message.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{config, identity};
use courier_engine::{AttachmentError, ConsentState, Engine, EngineError, ListFilter, SendOptions, Thread};
use courier_node::{NodeConfig, NodeHandle};
use xmtp_crypto::content::{Attachment, Reaction};
use xmtp_crypto::{MessageId, Topic};

async fn engine_with_store(node: &NodeHandle, dir: &std::path::Path) -> Engine {
    let mut cfg = config(node, dir);
    cfg.attachments_url = node.http_url();
    let e = Engine::open_with(&cfg, identity(), &common::store_key()).await.unwrap();
    e.ensure_contact_published().await.unwrap();
    e
}

async fn topic_with(e: &Engine, peer: &Engine) -> Topic {
    let list = e.conversations(ListFilter::All).await.unwrap();
    list.into_iter().find(|c| c.conversation.peer == *peer.address()).unwrap().conversation.topic
}

async fn settle(from: &Engine, to: &Engine) {
    from.flush_outbox().await.unwrap();
    to.sync().await.unwrap();
}

fn png(n: usize) -> Attachment {
    let mut data = vec![0x89, b'P', b'N', b'G'];
    data.extend((0..n).map(|i| (i * 31 % 251) as u8));
    Attachment { filename: "photo.png".into(), mime_type: "image/png".into(), data }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_reactions_and_read_receipts_fold_into_the_thread() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine_with_store(&node, da.path()).await;
    let bob = engine_with_store(&node, db.path()).await;
    let hello = alice.send_text(bob.address(), "lunch?", SendOptions::default()).await.unwrap();
    settle(&alice, &bob).await;
    let t = topic_with(&bob, &alice).await;
    bob.set_consent(alice.address(), true).await.unwrap();

    let reply = bob.reply_text(&hello.id, "yes, noon").await.unwrap();
    assert_eq!(reply.reply_to, Some(hello.id));
    bob.react(&hello.id, "👍", false).await.unwrap();
    bob.react(&hello.id, "🎉", false).await.unwrap();
    bob.react(&hello.id, "🎉", true).await.unwrap();
    settle(&bob, &alice).await;

    let page = alice.messages(&Thread::Conversation(t.clone()), 50, None).await.unwrap();
    let texts: Vec<&str> = page.iter().map(|m| m.preview.as_str()).collect();
    assert_eq!(texts, ["lunch?", "yes, noon"], "reactions are not messages");
    let extras = alice.thread_extras(&t, &page).await.unwrap();
    let chips: Vec<(&str, usize)> = extras.reactions.iter().map(|g| (g.emoji.as_str(), g.from.len())).collect();
    assert_eq!(chips, [("👍", 1)], "🎉 was taken back");
    assert_eq!(extras.reactions[0].from, [bob.address().clone()]);
    assert_eq!(extras.quotes.len(), 1);
    assert_eq!(extras.quotes[0].preview, "lunch?");
    let unread = alice.conversations(ListFilter::All).await.unwrap()[0].unread;
    assert_eq!(unread, 1, "only the reply is unread, not the reactions");

    // Read receipts: only for something new, and alice then sees "read" up to it.
    assert_eq!(alice.thread_extras(&t, &page).await.unwrap().read_ns, 0);
    assert!(bob.send_read_receipt(&t).await.unwrap());
    assert!(!bob.send_read_receipt(&t).await.unwrap(), "nothing new since");
    settle(&bob, &alice).await;
    let read_ns = alice.thread_extras(&t, &page).await.unwrap().read_ns;
    assert!(read_ns >= hello.sent_ns, "alice's message is read");
    let still = alice.messages(&Thread::Conversation(t.clone()), 50, None).await.unwrap();
    assert_eq!(still.len(), 2, "a receipt is not listed");

    // Jumping to the quoted message far back: a page around it.
    let around = alice.messages_around(&t, &hello.id, 11).await.unwrap();
    assert_eq!(around[0].id, hello.id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_receipts_never_go_to_message_requests() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let stranger = engine_with_store(&node, da.path()).await;
    let bob = engine_with_store(&node, db.path()).await;
    stranger.send_text(bob.address(), "hi, remember me?", SendOptions::default()).await.unwrap();
    settle(&stranger, &bob).await;
    let t = topic_with(&bob, &stranger).await;
    assert!(!bob.send_read_receipt(&t).await.unwrap(), "a stranger does not learn the request was read");
    bob.set_consent(stranger.address(), false).await.unwrap();
    assert!(!bob.send_read_receipt(&t).await.unwrap());
    bob.flush_outbox().await.unwrap();
    stranger.sync().await.unwrap();
    let st = topic_with(&stranger, &bob).await;
    assert_eq!(stranger.thread_extras(&st, &[]).await.unwrap().read_ns, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_inline_or_through_the_node_store_and_come_back_byte_for_byte() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine_with_store(&node, da.path()).await;
    let bob = engine_with_store(&node, db.path()).await;
    alice.send_text(bob.address(), "files coming", SendOptions::default()).await.unwrap();
    let t = topic_with(&alice, &bob).await;
    let small = png(1000);
    let large = png(700 * 1024);
    let inline = alice.send_file(&t, small.clone(), None, false).await.unwrap();
    let remote = alice.send_file(&t, large.clone(), Some(&inline.id), false).await.unwrap();
    let forced = alice.send_file(&t, small.clone(), None, true).await.unwrap();
    let info = |m: &courier_engine::Message| m.attachment.clone().unwrap();
    assert!(!info(&inline).remote && info(&remote).remote && info(&forced).remote);
    assert_eq!(remote.reply_to, Some(inline.id));
    assert_eq!(info(&remote).size, large.data.len() as u64);
    settle(&alice, &bob).await;

    // Inline: here already, whoever sent it.
    assert_eq!(bob.attachment(&inline.id, false).await.unwrap().data, small.data);
    // Remote, from a message request: fetched only when bob asks.
    assert!(matches!(bob.attachment(&remote.id, false).await, Err(EngineError::Attachment(AttachmentError::NotAsked))));
    let got = bob.attachment(&remote.id, true).await.unwrap();
    assert_eq!((got.filename.as_str(), got.mime_type.as_str()), ("photo.png", "image/png"));
    assert_eq!(got.data, large.data, "byte for byte");
    let t_bob = topic_with(&bob, &alice).await;
    let page = bob.messages(&Thread::Conversation(t_bob.clone()), 50, None).await.unwrap();
    assert!(bob.thread_extras(&t_bob, &page).await.unwrap().downloaded.contains(&remote.id), "kept once fetched");
    // Blocked: never fetched.
    bob.set_consent(alice.address(), false).await.unwrap();
    assert!(matches!(bob.attachment(&forced.id, true).await, Err(EngineError::Attachment(AttachmentError::Blocked))));
    bob.set_consent(alice.address(), true).await.unwrap();
    assert_eq!(bob.consent(alice.address()).await.unwrap(), ConsentState::Allowed);
    assert_eq!(bob.attachment(&forced.id, false).await.unwrap().data, small.data, "allowed: fetched when shown");
    // The sender reads its own remote file back too.
    assert_eq!(alice.attachment(&remote.id, false).await.unwrap().data, large.data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_without_a_store_is_a_clear_error() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = Engine::open_with(&config(&node, da.path()), identity(), &common::store_key()).await.unwrap();
    alice.ensure_contact_published().await.unwrap();
    let bob = engine_with_store(&node, db.path()).await;
    alice.send_text(bob.address(), "hi", SendOptions::default()).await.unwrap();
    let t = topic_with(&alice, &bob).await;
    let r = alice.send_file(&t, png(600 * 1024), None, false).await;
    assert!(matches!(r, Err(EngineError::Attachment(AttachmentError::NoStore))), "{r:?}");
    assert!(alice.send_file(&t, png(10), None, false).await.is_ok(), "small files still go inline");
    let bad: MessageId = xmtp_crypto::envelope::message_id(b"nothing");
    assert!(matches!(alice.react(&bad, "👍", false).await, Err(EngineError::NoSuchMessage(_))));
    let hello = alice.messages(&Thread::Conversation(t), 1, None).await.unwrap().remove(0);
    assert!(matches!(alice.react(&hello.id, &"👍".repeat(40), false).await, Err(EngineError::BadReaction)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_store_reads_its_rich_messages_again_and_loses_none() {
    use prost::Message as _;
    use xmtp_crypto::content::{self as c, ReactionAction, ReactionSchema};
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let keys = identity();
    let me = keys.address().clone();
    let peer = identity().address().clone();
    // The store as Courier left it before rich content (schema 5): everything a plain message,
    // and the store not yet encrypted (the engine encrypts it in place, then migrates it).
    let db_dir = config(&node, dir.path()).account_dir(&me);
    std::fs::create_dir_all(&db_dir).unwrap();
    let raw = rusqlite::Connection::open(db_dir.join("courier.db")).unwrap();
    for sql in [
        include_str!("../../courier-store/migrations/001_init.sql"),
        include_str!("../../courier-store/migrations/002_typed_outbox.sql"),
        include_str!("../../courier-store/migrations/003_drop_hostile_conversations.sql"),
        include_str!("../../courier-store/migrations/004_bound_hostile_times.sql"),
        include_str!("../../courier-store/migrations/005_derived_invitations.sql"),
    ] {
        raw.execute_batch(sql).unwrap();
    }
    raw.pragma_update(None, "user_version", 5).unwrap();
    let t = "/xmtp/0/m-old/proto";
    raw.execute(
        "INSERT INTO conversations (topic, version, peer, created_ns) VALUES (?1, 2, ?2, 1)",
        [t, peer.as_str()],
    )
    .unwrap();
    let mine = xmtp_crypto::envelope::message_id(b"mine");
    let reaction = c::reaction(&Reaction {
        reference: mine.to_string(),
        action: ReactionAction::Added,
        schema: ReactionSchema::Unicode,
        content: "👍".into(),
    });
    let rows: Vec<(&str, &str, Vec<u8>, u64)> = vec![
        ("mine", me.as_str(), c::text("lunch?").encode_to_vec(), 10),
        ("react", peer.as_str(), reaction.encode_to_vec(), 20),
        ("reply", peer.as_str(), c::reply(&mine.to_string(), &c::text("yes")).unwrap().encode_to_vec(), 30),
        ("receipt", peer.as_str(), c::read_receipt().encode_to_vec(), 40),
        ("file", peer.as_str(), c::attachment(&png(10)).encode_to_vec(), 50),
    ];
    for (name, sender, content, ns) in &rows {
        let d = c::decode(content).unwrap();
        raw.execute(
            "INSERT INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'received')",
            rusqlite::params![
                xmtp_crypto::envelope::message_id(name.as_bytes()).to_string(),
                t,
                sender,
                *ns as i64,
                d.content_type.to_string(),
                content,
                d.preview()
            ],
        )
        .unwrap();
    }
    drop(raw);
    let e = Engine::open_with(&config(&node, dir.path()), keys, &common::store_key()).await.unwrap();
    let topic = Topic::parse(t).unwrap();
    let page = e.messages(&Thread::Conversation(topic.clone()), 50, None).await.unwrap();
    let texts: Vec<&str> = page.iter().map(|m| m.preview.as_str()).collect();
    assert_eq!(texts, ["lunch?", "yes", "photo.png"], "the reaction and the receipt are no bubbles any more");
    assert_eq!(page[1].reply_to, Some(mine));
    assert_eq!(page[2].attachment.as_ref().unwrap().filename, "photo.png");
    let extras = e.thread_extras(&topic, &page).await.unwrap();
    assert_eq!(extras.reactions.len(), 1);
    assert_eq!((extras.reactions[0].target, extras.reactions[0].emoji.as_str()), (mine, "👍"));
    assert_eq!(extras.read_ns, 40, "the receipt became a read mark");
    assert_eq!(extras.quotes.len(), 1);
}
