//! People and conversation controls on a real SQLite file: local names, flags, the list's order
//! and archive, un-archiving on a new message, marked unread, the unread badge, an upgrade from
//! version 6, and reading another account's store without changing it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use courier_store::{
    ArchiveFilter, ConsentState, Conversation, ConversationFlag, DeliveryState, Flags, Message, ProtocolVersion, Store,
    StoreError,
};
use xmtp_crypto::Topic;

mod common;
use common::{addr, id, topic};

const ME: u8 = 0xee;

fn conv(t: &str, peer: u8, created: u64) -> Conversation {
    Conversation {
        topic: topic(t),
        version: ProtocolVersion::V2,
        peer: addr(peer),
        created_ns: created,
        conversation_id: None,
        metadata: BTreeMap::new(),
        key_sealed: None,
        consent_proof: None,
    }
}

fn msg(name: &str, t: &str, sender: u8, ns: u64) -> Message {
    Message {
        id: id(name),
        topic: topic(t),
        sender: addr(sender),
        sent_ns: ns,
        content_type: "xmtp.org/text:1.0".into(),
        content: vec![],
        preview: name.into(),
        state: if sender == ME { DeliveryState::Sent } else { DeliveryState::Received },
        reply_to: None,
        attachment: None,
    }
}

fn topics(s: &Store, archive: ArchiveFilter) -> Vec<Topic> {
    s.conversation_list(archive).unwrap().into_iter().map(|c| c.conversation.topic).collect()
}

/// Three conversations: a (oldest), b, c (newest), all with allowed peers.
fn three(dir: &std::path::Path) -> Store {
    let mut s = Store::open(&dir.join("s.db"), &common::key()).unwrap();
    s.write(|w| {
        for (t, peer, at) in [("a", 0xa, 10), ("b", 0xb, 20), ("c", 0xc, 30)] {
            w.add_conversation(&conv(t, peer, at))?;
            w.set_consent(&addr(peer), ConsentState::Allowed, 1)?;
        }
        Ok(())
    })
    .unwrap();
    s
}

#[test]
fn names_are_kept_changed_and_taken_off_and_shown_on_each_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = three(dir.path());
    s.write(|w| {
        w.add_conversation(&conv("b2", 0xb, 5))?;
        w.set_contact_name(&addr(0xb), Some("Bob"))
    })
    .unwrap();
    assert_eq!(s.contact_name(&addr(0xb)).unwrap().as_deref(), Some("Bob"));
    assert_eq!(s.contact_name(&addr(0xa)).unwrap(), None);
    let list = s.conversation_list(ArchiveFilter::Exclude).unwrap();
    let names: Vec<_> = list.iter().map(|c| (c.conversation.topic.clone(), c.name.clone())).collect();
    assert!(names.contains(&(topic("b"), Some("Bob".into()))) && names.contains(&(topic("b2"), Some("Bob".into()))));
    assert!(names.contains(&(topic("a"), None)));
    s.write(|w| w.set_contact_name(&addr(0xb), Some("Robert"))).unwrap();
    assert_eq!(s.contact_name(&addr(0xb)).unwrap().as_deref(), Some("Robert"));
    s.write(|w| w.set_contact_name(&addr(0xb), None)).unwrap();
    assert_eq!(s.contact_name(&addr(0xb)).unwrap(), None);
    assert!(s.conversation_list(ArchiveFilter::Exclude).unwrap().iter().all(|c| c.name.is_none()));
}

#[test]
fn pinned_come_first_and_archived_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = three(dir.path());
    assert_eq!(topics(&s, ArchiveFilter::Exclude), [topic("c"), topic("b"), topic("a")]);
    s.write(|w| {
        assert!(w.set_flag(&topic("a"), ConversationFlag::Pinned, true)?);
        assert!(w.set_flag(&topic("b"), ConversationFlag::Pinned, true)?);
        assert!(w.set_flag(&topic("c"), ConversationFlag::Archived, true)?);
        assert!(!w.set_flag(&topic("nothing"), ConversationFlag::Muted, true)?, "no such conversation");
        Ok(())
    })
    .unwrap();
    assert_eq!(topics(&s, ArchiveFilter::Exclude), [topic("b"), topic("a")], "pinned, most recent first");
    assert_eq!(topics(&s, ArchiveFilter::Only), [topic("c")]);
    assert_eq!(topics(&s, ArchiveFilter::Include), [topic("b"), topic("a"), topic("c")]);
    let b = s.conversation_summary(&topic("b")).unwrap().unwrap();
    assert_eq!(b.flags, Flags { pinned: true, ..Flags::default() });
    assert!(s.conversation_summary(&topic("zz")).unwrap().is_none());
    s.write(|w| w.set_flag(&topic("b"), ConversationFlag::Pinned, false)).unwrap();
    assert_eq!(topics(&s, ArchiveFilter::Exclude), [topic("a"), topic("b")]);
}

#[test]
fn a_new_message_from_the_peer_takes_a_conversation_out_of_the_archive_unless_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = three(dir.path());
    let archived = |s: &Store, t: &str| s.conversation_summary(&topic(t)).unwrap().unwrap().flags.archived;
    s.write(|w| {
        w.set_flag(&topic("a"), ConversationFlag::Archived, true)?;
        w.set_flag(&topic("b"), ConversationFlag::Archived, true)
    })
    .unwrap();
    // Own messages (read back from another device) and messages already stored change nothing.
    s.write(|w| w.add_received(&msg("mine", "a", ME, 40), false)).unwrap();
    assert!(archived(&s, "a"), "an own message");
    assert!(s.write(|w| w.add_received(&msg("kept", "b", 0xb, 41), true)).unwrap());
    assert!(archived(&s, "b"), "the user keeps archived conversations archived");
    assert!(!s.write(|w| w.add_received(&msg("kept", "b", 0xb, 41), false)).unwrap());
    assert!(archived(&s, "b"), "the same message again is not new");
    assert!(s.write(|w| w.add_received(&msg("new", "a", 0xa, 42), false)).unwrap());
    assert!(!archived(&s, "a"), "a new message from the peer");
    assert_eq!(topics(&s, ArchiveFilter::Exclude), [topic("a"), topic("c")]);
}

#[test]
fn marked_unread_counts_once_and_reading_clears_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = three(dir.path());
    s.write(|w| {
        w.add_message(&msg("a1", "a", 0xa, 100))?;
        w.add_message(&msg("a2", "a", 0xa, 101))?;
        w.add_message(&msg("b1", "b", 0xb, 102))?;
        w.mark_read(&topic("b"), 200)?;
        w.set_flag(&topic("b"), ConversationFlag::MarkedUnread, true)?;
        w.set_flag(&topic("a"), ConversationFlag::MarkedUnread, true)
    })
    .unwrap();
    let b = s.conversation_summary(&topic("b")).unwrap().unwrap();
    assert_eq!((b.unread, b.flags.marked_unread, b.unread_badge()), (0, true, 1));
    assert_eq!(s.unread_total().unwrap(), 3, "a: 2 unread (marked too: still 2), b: marked");
    s.write(|w| w.mark_read(&topic("b"), 201)).unwrap();
    assert!(!s.conversation_summary(&topic("b")).unwrap().unwrap().flags.marked_unread);
    assert_eq!(s.unread_total().unwrap(), 2);
}

#[test]
fn the_badge_leaves_out_muted_requests_and_blocked_but_not_archived() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = three(dir.path());
    s.write(|w| {
        w.add_conversation(&conv("req", 0xd, 1))?;
        w.add_conversation(&conv("blk", 0xf, 1))?;
        w.set_consent(&addr(0xf), ConsentState::Denied, 1)?;
        for t in ["a", "b", "c", "req", "blk"] {
            let peer = s_peer(t);
            w.add_message(&msg(&format!("{t}1"), t, peer, 100))?;
        }
        w.set_flag(&topic("a"), ConversationFlag::Muted, true)?;
        w.set_flag(&topic("b"), ConversationFlag::Archived, true)
    })
    .unwrap();
    let list = s.conversation_list(ArchiveFilter::Include).unwrap();
    let mut notifying: Vec<_> = list.iter().filter(|c| c.notifies()).map(|c| c.conversation.topic.clone()).collect();
    notifying.sort();
    assert_eq!(notifying, [topic("b"), topic("c")]);
    assert_eq!(s.unread_total().unwrap(), 2, "b (archived) and c");
}

fn s_peer(t: &str) -> u8 {
    match t {
        "a" => 0xa,
        "b" => 0xb,
        "c" => 0xc,
        "req" => 0xd,
        _ => 0xf,
    }
}

#[test]
fn a_version_6_store_upgrades_with_its_conversations_unflagged() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &common::key()).unwrap();
    s.write(|w| w.add_conversation(&conv("old", 0xa, 1)).map(drop)).unwrap();
    drop(s);
    let raw = common::raw(&p);
    // Back to version 6: as an older Courier left it (without versions 7, 8 and 9).
    raw.execute_batch(
        "DROP INDEX messages_own; DROP TABLE contact_names;
         ALTER TABLE conversations DROP COLUMN pinned; ALTER TABLE conversations DROP COLUMN muted;
         ALTER TABLE conversations DROP COLUMN archived; ALTER TABLE conversations DROP COLUMN marked_unread;
         DROP TRIGGER messages_search_insert; DROP TRIGGER messages_search_update; DROP TRIGGER messages_search_delete;
         DROP TABLE message_search_terms; DROP TABLE message_search; DROP TABLE search_pending; DROP TABLE search_gone;
         DROP INDEX messages_by_search_key; ALTER TABLE messages DROP COLUMN search_key;",
    )
    .unwrap();
    raw.pragma_update(None, "user_version", 6).unwrap();
    drop(raw);
    let s = Store::open(&p, &common::key()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Store::latest_schema_version());
    let old = s.conversation_summary(&topic("old")).unwrap().unwrap();
    assert_eq!((old.flags, old.name), (Flags::default(), None));
    assert!(s.integrity_ok().unwrap());
}

#[test]
fn a_flag_that_is_not_a_flag_is_refused_by_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let s = three(dir.path());
    let raw = common::raw(&p);
    assert!(raw.execute("UPDATE conversations SET muted = 2", []).is_err());
    assert!(raw.execute("UPDATE conversations SET pinned = 'yes'", []).is_err());
    drop(s);
}

#[test]
fn another_accounts_store_is_read_without_being_changed() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = three(dir.path());
    s.write(|w| {
        w.add_message(&msg("a1", "a", 0xa, 100))?;
        w.set_contact_name(&addr(ME), Some("Work"))
    })
    .unwrap();
    // Read while it is open elsewhere, and after it was closed (its -wal and -shm gone).
    let ro = Store::open_read_only(&p, Some(&common::key())).unwrap();
    assert_eq!(ro.unread_total().unwrap(), 1);
    drop(ro);
    drop(s);
    let before = std::fs::read(&p).unwrap();
    let mut ro = Store::open_read_only(&p, Some(&common::key())).unwrap();
    assert_eq!(ro.unread_total().unwrap(), 1);
    assert_eq!(ro.contact_name(&addr(ME)).unwrap().as_deref(), Some("Work"));
    assert!(matches!(ro.write(|w| w.set_contact_name(&addr(ME), None)), Err(StoreError::Sql(_))), "read only");
    drop(ro);
    assert_eq!(std::fs::read(&p).unwrap(), before, "the file is unchanged");
    // A store this Courier has not opened since an upgrade that only added indexes or settings
    // (schema 8: before the unread index and the search leaves' size) is read as it is.
    let raw = common::raw(&p);
    raw.execute_batch("DROP INDEX messages_own; DELETE FROM message_search_config WHERE k = 'pgsz'").unwrap();
    raw.pragma_update(None, "user_version", 8).unwrap();
    drop(raw);
    let ro = Store::open_read_only(&p, Some(&common::key())).unwrap();
    assert_eq!((ro.unread_total().unwrap(), ro.schema_version().unwrap()), (1, 8));
    drop(ro);
    // An older one, or a newer one, is refused, not read wrongly or upgraded.
    common::raw(&p).pragma_update(None, "user_version", 6).unwrap();
    assert!(matches!(Store::open_read_only(&p, Some(&common::key())), Err(StoreError::OtherVersion { found: 6, .. })));
    common::raw(&p).pragma_update(None, "user_version", 99).unwrap();
    let err = Store::open_read_only(&p, Some(&common::key())).err().unwrap();
    assert!(matches!(err, StoreError::OtherVersion { found: 99, oldest: 7, .. }), "{err}");
    // The message names what this build reads, from the oldest version on.
    assert!(err.to_string().contains("reads versions 7 to "), "{err}");
    assert!(matches!(
        Store::open_read_only(&dir.path().join("none.db"), Some(&common::key())),
        Err(StoreError::Open { .. })
    ));
}
