//! People and conversation controls between two engines on a real node: local names, titles that
//! tell two conversations with one peer apart, pin, mute, archive (and a new message taking a
//! conversation out of it unless the user keeps it there), marked unread. None of it is sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::engine;
use courier_engine::people::{self, NAME_MAX_CHARS};
use courier_engine::{ConversationFlag, Engine, EngineError, ListFilter, SendOptions, Topic, WalletAddress};
use courier_node::NodeConfig;

async fn send(from: &Engine, to: &WalletAddress, text: &str, id: Option<&str>) {
    let mut opts = SendOptions::default();
    if let Some(id) = id {
        opts.conversation_id = Some(id.into());
        opts.metadata = BTreeMap::from([("kind".to_owned(), "test".to_owned())]);
    }
    from.send_text(to, text, opts).await.unwrap();
    from.flush_outbox().await.unwrap();
}

async fn topics(e: &Engine, filter: ListFilter) -> Vec<Topic> {
    e.conversations(filter).await.unwrap().into_iter().map(|c| c.conversation.topic).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_titles_and_flags_stay_local_and_shape_the_list() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine(&node, da.path()).await;
    let bob = engine(&node, db.path()).await;
    let (a, b) = (alice.address().clone(), bob.address().clone());

    // Two conversations with alice: the plain one and one with a conversation id.
    send(&alice, &b, "plain", None).await;
    send(&alice, &b, "in context", Some("courier.test/e2e")).await;
    bob.sync().await.unwrap();
    let list = bob.conversations(ListFilter::All).await.unwrap();
    assert_eq!(list.len(), 2);
    let (plain, ctx) = if list[0].conversation.conversation_id.is_none() {
        (list[0].clone(), list[1].clone())
    } else {
        (list[1].clone(), list[0].clone())
    };
    assert_eq!(people::title(&plain.conversation), None);
    assert_eq!(people::title(&ctx.conversation).as_deref(), Some("e2e"));
    let (plain, ctx) = (plain.conversation.topic, ctx.conversation.topic);
    bob.set_consent(&a, true).await.unwrap();
    bob.flush_outbox().await.unwrap();
    let queued = bob.outbox_len().await.unwrap();

    // A name, cleaned, on every row with alice; bounded; taken off.
    assert_eq!(bob.set_contact_name(&a, Some("  Alice\u{202E}\n")).await.unwrap().as_deref(), Some("Alice"));
    assert!(bob.conversations(ListFilter::Allowed).await.unwrap().iter().all(|c| c.name.as_deref() == Some("Alice")));
    let long = "x".repeat(NAME_MAX_CHARS + 1);
    assert!(matches!(bob.set_contact_name(&a, Some(&long)).await, Err(EngineError::NameTooLong { .. })));
    assert_eq!(bob.contact_name(&a).await.unwrap().as_deref(), Some("Alice"), "a refused name changes nothing");

    // Pinned first; archived out of the list and in the archive.
    let pinned = bob.set_conversation_flag(&plain, ConversationFlag::Pinned, true).await.unwrap();
    assert!(pinned.flags.pinned);
    assert_eq!(topics(&bob, ListFilter::Allowed).await[0], plain);
    bob.set_conversation_flag(&ctx, ConversationFlag::Archived, true).await.unwrap();
    assert_eq!(topics(&bob, ListFilter::Allowed).await, std::slice::from_ref(&plain));
    assert_eq!(topics(&bob, ListFilter::Visible).await, std::slice::from_ref(&plain));
    assert_eq!(topics(&bob, ListFilter::Archived).await, std::slice::from_ref(&ctx));
    assert_eq!(topics(&bob, ListFilter::All).await.len(), 2);

    // A new message takes it out of the archive; with keep_archived it stays.
    send(&alice, &b, "back", Some("courier.test/e2e")).await;
    bob.sync().await.unwrap();
    assert!(topics(&bob, ListFilter::Archived).await.is_empty(), "a new message un-archives");
    bob.set_conversation_flag(&ctx, ConversationFlag::Archived, true).await.unwrap();
    bob.set_keep_archived(true);
    send(&alice, &b, "still archived", Some("courier.test/e2e")).await;
    bob.sync().await.unwrap();
    assert_eq!(topics(&bob, ListFilter::Archived).await, std::slice::from_ref(&ctx), "kept archived");
    let c = bob.conversation_summary(&ctx).await.unwrap();
    assert_eq!(c.unread, 3, "its messages still count");

    // Muted: stays listed, never notifies, and leaves the badge.
    assert_eq!(bob.unread_total().await.unwrap(), 4, "1 plain + 3 archived");
    let muted = bob.set_conversation_flag(&plain, ConversationFlag::Muted, true).await.unwrap();
    assert!(!muted.notifies() && muted.flags.muted);
    assert_eq!(bob.unread_total().await.unwrap(), 3);
    assert!(topics(&bob, ListFilter::Allowed).await.contains(&plain));

    // Marked unread until read.
    bob.mark_read(&ctx).await.unwrap();
    let marked = bob.set_conversation_flag(&ctx, ConversationFlag::MarkedUnread, true).await.unwrap();
    assert_eq!((marked.unread, marked.flags.marked_unread, marked.unread_badge()), (0, true, 1));
    bob.mark_read(&ctx).await.unwrap();
    assert!(!bob.conversation_summary(&ctx).await.unwrap().flags.marked_unread);

    // None of it was published: nothing more queued, and alice sees no name of hers.
    assert_eq!(bob.outbox_len().await.unwrap(), queued);
    alice.sync().await.unwrap();
    assert!(alice.conversations(ListFilter::All).await.unwrap().iter().all(|c| c.name.is_none()));
    let nowhere = Topic::parse("/xmtp/0/m-nothing/proto").unwrap();
    assert!(matches!(
        bob.set_conversation_flag(&nowhere, ConversationFlag::Pinned, true).await,
        Err(EngineError::NoSuchConversation(t)) if t == nowhere
    ));
}

/// Invisible characters make two names look alike or a name look empty: format characters
/// (Cf: the Arabic letter mark, zero-width space, word joiner, BOM, tag characters) and Hangul
/// fillers are dropped; the zero-width joiner and non-joiner (emoji sequences, Persian) stay.
#[test]
fn invisible_characters_never_make_a_name() {
    let clean = |s: &str| people::clean_name(s).unwrap();
    assert_eq!(clean("Al\u{200B}ice\u{2060}\u{FEFF}").as_deref(), Some("Alice"));
    assert_eq!(clean("\u{061C}Bob\u{00AD}").as_deref(), Some("Bob"));
    assert_eq!(clean("Eve\u{E0041}\u{E0042}\u{E007F}").as_deref(), Some("Eve"), "tag characters");
    assert_eq!(clean("\u{3164}"), None, "a Hangul filler is no name");
    assert_eq!(clean("\u{115F}\u{1160}\u{FFA0}\u{200B}"), None);
    assert_eq!(clean(" \u{200B} Mallory \u{200B} ").as_deref(), Some("Mallory"));
    assert_eq!(clean("👩\u{200D}💻").as_deref(), Some("👩\u{200D}💻"), "the zero-width joiner stays");
    assert_eq!(clean("می\u{200C}خواهم").as_deref(), Some("می\u{200C}خواهم"), "the non-joiner stays");
}
