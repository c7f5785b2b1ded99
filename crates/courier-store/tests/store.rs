//! The store on real SQLite files: migrations from nothing and from each earlier version,
//! typed rows, paging, the outbox, and stored values that are not valid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use courier_store::{
    ArchiveFilter, ConsentState, Conversation, Cursor, DeliveryState, Message, Outgoing, ProtocolVersion, Store,
    StoreError,
};
use xmtp_crypto::Topic;

mod common;
use common::{addr, id, topic};

fn conv(t: &str, peer: u8, created: u64) -> Conversation {
    Conversation {
        topic: topic(t),
        version: ProtocolVersion::V2,
        peer: addr(peer),
        created_ns: created,
        conversation_id: None,
        metadata: BTreeMap::new(),
        key_sealed: Some(vec![1, 2, 3]),
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
        preview: format!("text {name}"),
        // As the engine stores them: the user's own (0xee) sent, anyone else's received.
        state: if sender == 0xee { DeliveryState::Sent } else { DeliveryState::Received },
        reply_to: None,
        attachment: None,
    }
}

fn texts(list: &[Message]) -> Vec<&str> {
    list.iter().map(|m| m.preview.as_str()).collect()
}

#[test]
fn migrates_from_empty_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let s = Store::open(&p, &common::key()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Store::latest_schema_version());
    drop(s);
    let s = Store::open(&p, &common::key()).unwrap();
    assert!(s.integrity_ok().unwrap());
}

#[test]
fn a_newer_schema_is_refused_with_one_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    drop(Store::open(&p, &common::key()).unwrap());
    common::raw(&p).pragma_update(None, "user_version", 99).unwrap();
    let err = Store::open(&p, &common::key()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err:?}");
    let text = err.to_string();
    assert_eq!(text.matches(&*p.display().to_string()).count(), 1, "the path once: {text}");
    assert!(!text.contains(": cannot open the store"), "not wrapped twice: {text}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, [7u8; 4096]).unwrap();
    // Encrypted, a file that is not a store is one the key does not open.
    let err = Store::open(&junk, &common::key()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert_eq!(err.to_string().matches("cannot be read").count(), 1, "{err}");
}

#[test]
fn conversations_messages_unread_and_consent() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db"), &common::key()).unwrap();
    let me = addr(0xee);
    s.write(|w| {
        assert!(w.add_conversation(&conv("t1", 0xb, 10))?);
        assert!(!w.add_conversation(&conv("t1", 0xc, 11))?, "dedupe by topic");
        let mut with_context = conv("t2", 0xc, 20);
        with_context.conversation_id = Some("courier.test/x".into());
        with_context.metadata.insert("title".into(), "Lunch".into());
        w.add_conversation(&with_context)?;
        for n in 1..=5u64 {
            w.add_message(&msg(&format!("m{n}"), "t1", if n % 2 == 0 { 0xee } else { 0xb }, 100 + n))?;
        }
        assert!(!w.add_message(&msg("m1", "t1", 0xb, 101))?);
        w.mark_read(&topic("t1"), 102)?;
        w.set_consent(&addr(0xc), ConsentState::Denied, 5)?;
        w.set_consent(&addr(0xc), ConsentState::Allowed, 4)?; // older: ignored
        Ok(())
    })
    .unwrap();
    let list = s.conversation_list(ArchiveFilter::Include).unwrap();
    assert_eq!(list[0].conversation.topic, topic("t1"), "most recent activity first");
    assert_eq!(list[0].unread, 2, "m3 and m5 from the peer after the marker");
    assert_eq!(list[0].last_preview.as_deref(), Some("text m5"));
    assert_eq!(list[0].consent, ConsentState::Unknown);
    assert_eq!(list[1].consent, ConsentState::Denied);
    assert_eq!(list[1].conversation.conversation_id.as_deref(), Some("courier.test/x"));
    assert_eq!(list[1].conversation.metadata["title"], "Lunch");
    assert_eq!(s.conversations_with(&addr(0xc)).unwrap().len(), 1);
    assert_eq!(s.message(&id("m2")).unwrap().unwrap().sender, me);
}

#[test]
fn paging_back_keeps_messages_that_share_a_time() {
    // V1 times are whole milliseconds: messages sent in the same millisecond share a time.
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db"), &common::key()).unwrap();
    s.write(|w| {
        w.add_conversation(&conv("t", 0xb, 1))?;
        for n in 0..6 {
            w.add_message(&msg(&format!("same-{n}"), "t", 0xb, 5_000_000))?;
        }
        w.add_message(&msg("later", "t", 0xb, 6_000_000))
    })
    .unwrap();
    let t = topic("t");
    let mut seen = Vec::new();
    let mut page = s.messages(&t, None, 2).unwrap();
    while !page.is_empty() {
        seen.splice(0..0, page.iter().map(|m| m.id));
        page = s.messages(&t, Some(&page[0].position()), 2).unwrap();
    }
    assert_eq!(seen.len(), 7, "every message once, none skipped at a shared time");
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 7);
    assert_eq!(texts(&s.messages(&t, None, 1).unwrap()), ["text later"]);
}

#[test]
fn outbox_and_cursors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db"), &common::key()).unwrap();
    let c = Cursor { timestamp_ns: 6, digest: [7; 32] };
    s.write(|w| {
        w.enqueue(&Outgoing::Message(id("m1")), b"env")?;
        w.enqueue(&Outgoing::Consent, b"consent")?;
        w.enqueue(&Outgoing::Message(id("m2")), b"env2")?;
        w.set_cursor(&topic("t"), &Cursor { timestamp_ns: 5, digest: [1; 32] })?;
        w.set_cursor(&topic("t"), &c)
    })
    .unwrap();
    let due: Vec<_> = s.outbox().unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!(
        due.iter().map(|i| i.outgoing.clone()).collect::<Vec<_>>(),
        [Outgoing::Message(id("m1")), Outgoing::Consent, Outgoing::Message(id("m2"))],
        "oldest first"
    );
    s.write(|w| {
        w.dequeue(due[0].seq)?;
        w.retry_later(due[2].seq, 1000, "unavailable")
    })
    .unwrap();
    let left: Vec<_> = s.outbox().unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!((left[1].attempts, left[1].next_attempt_ms), (1, 1000));
    assert_eq!(s.write(|w| w.retry_now(&id("m2"))).unwrap(), 1);
    assert_eq!(s.outbox().unwrap()[1].as_ref().unwrap().next_attempt_ms, 0);
    assert_eq!(s.cursor(&topic("t")).unwrap(), Some(c));
    assert_eq!(s.cursor(&topic("other")).unwrap(), None);
}

#[test]
fn a_stored_value_that_is_no_state_is_an_error_not_a_default() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &common::key()).unwrap();
    s.write(|w| {
        w.add_conversation(&conv("t", 0xb, 1))?;
        w.add_message(&msg("m", "t", 0xb, 1))
    })
    .unwrap();
    let raw = common::raw(&p);
    raw.pragma_update(None, "ignore_check_constraints", true).unwrap();
    raw.execute("UPDATE messages SET state = 'bogus'", []).unwrap();
    let err = s.message(&id("m")).unwrap_err();
    assert!(err.to_string().contains("unknown delivery state \"bogus\""), "{err}");
    raw.execute("UPDATE messages SET state = 'sent', sender = 'not an address'", []).unwrap();
    assert!(s.message(&id("m")).is_err());
    assert!(s.messages(&topic("t"), None, 10).unwrap().is_empty(), "a list leaves the damaged row out");
    raw.execute("INSERT INTO consent (address, state, updated_ns) VALUES (?1, 'maybe', 1)", [addr(0xb).as_str()])
        .unwrap();
    assert!(s.consent(&addr(0xb)).is_err());
}

#[test]
fn version_1_stores_upgrade_their_consent_outbox_items() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let raw = common::raw(&p);
    raw.execute_batch(include_str!("../migrations/001_init.sql")).unwrap();
    raw.pragma_update(None, "user_version", 1).unwrap();
    let m = id("queued");
    raw.execute("INSERT INTO outbox (message_id, envelopes) VALUES (?1, x'01')", [m.to_string()]).unwrap();
    raw.execute("INSERT INTO outbox (message_id, envelopes, attempts) VALUES ('consent-0xabc', x'02', 3)", []).unwrap();
    drop(raw);
    let s = Store::open(&p, &common::key()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Store::latest_schema_version());
    let items: Vec<_> = s.outbox().unwrap().into_iter().map(Result::unwrap).collect();
    assert_eq!(items.iter().map(|i| i.outgoing.clone()).collect::<Vec<_>>(), [Outgoing::Message(m), Outgoing::Consent]);
    assert_eq!((items[1].envelopes.as_slice(), items[1].attempts), (&[2u8][..], 3));
    assert!(s.integrity_ok().unwrap());
    // Items queued after the upgrade come after the upgraded ones.
    let mut s = s;
    s.write(|w| w.enqueue(&Outgoing::Consent, b"new")).unwrap();
    let items: Vec<_> = s.outbox().unwrap().into_iter().map(Result::unwrap).collect();
    assert!(items[2].seq > items[1].seq && items[2].envelopes == b"new");
}

#[test]
fn one_damaged_row_never_makes_the_lists_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &common::key()).unwrap();
    s.write(|w| {
        w.add_conversation(&conv("good", 0xb, 1))?;
        w.enqueue(&Outgoing::Message(id("queued")), b"a")?;
        w.enqueue(&Outgoing::Consent, b"b")
    })
    .unwrap();
    let raw = common::raw(&p);
    raw.execute(
        "INSERT INTO conversations (topic, version, peer, created_ns) VALUES ('/xmtp/0/m-bad/proto', 2, 'nobody', 2)",
        [],
    )
    .unwrap();
    raw.execute("UPDATE outbox SET message_id = 'x' WHERE kind = 'message'", []).unwrap();
    assert_eq!(s.conversations().unwrap().len(), 1, "the damaged row is left out, the good one read");
    assert_eq!(s.conversation_list(ArchiveFilter::Include).unwrap().len(), 1);
    let queue = s.outbox().unwrap();
    assert!(matches!(&queue[0], Err(bad) if bad.seq == 1), "a damaged item comes back in its place, to be dropped");
    assert_eq!(queue[1].as_ref().unwrap().outgoing, Outgoing::Consent);
}

#[test]
fn version_2_stores_lose_conversations_that_hostile_invitations_made() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let raw = common::raw(&p);
    raw.execute_batch(include_str!("../migrations/001_init.sql")).unwrap();
    raw.execute_batch(include_str!("../migrations/002_typed_outbox.sql")).unwrap();
    raw.pragma_update(None, "user_version", 2).unwrap();
    let peer = addr(0xb);
    let rows = [
        ("/xmtp/0/m-real/proto", 2),
        ("/xmtp/0/dm-0xA-0xB/proto", 1),
        ("/xmtp/0/dm-0xA-0xC/proto", 2),
        ("/xmtp/0/invite-0xA/proto", 2),
        ("zz", 2),
    ];
    for (t, v) in rows {
        raw.execute(
            "INSERT INTO conversations (topic, version, peer, created_ns) VALUES (?1, ?2, ?3, 1)",
            rusqlite::params![t, v, peer.as_str()],
        )
        .unwrap();
        raw.execute("INSERT INTO cursors (topic, ts, digest) VALUES (?1, 1, zeroblob(32))", [t]).unwrap();
        raw.execute(
            "INSERT INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state)
             VALUES (?1, ?2, ?3, 1, 't', x'', 'p', 'received')",
            rusqlite::params![id(t).to_string(), t, peer.as_str()],
        )
        .unwrap();
    }
    raw.execute("INSERT INTO cursors (topic, ts, digest) VALUES ('/xmtp/0/intro-0xA/proto', 1, zeroblob(32))", [])
        .unwrap();
    drop(raw);
    let s = Store::open(&p, &common::key()).unwrap();
    let left: Vec<String> = s.conversations().unwrap().iter().map(|c| c.topic.to_string()).collect();
    assert_eq!(left, ["/xmtp/0/m-real/proto", "/xmtp/0/dm-0xA-0xB/proto"]);
    let t = |s: &str| Topic::parse(s).unwrap();
    assert!(s.cursor(&t("/xmtp/0/m-real/proto")).unwrap().is_some());
    for gone in ["/xmtp/0/dm-0xA-0xC/proto", "/xmtp/0/invite-0xA/proto", "/xmtp/0/intro-0xA/proto"] {
        assert_eq!(s.cursor(&t(gone)).unwrap(), None, "{gone} is read again from the start");
    }
    assert_eq!(s.messages(&t("/xmtp/0/dm-0xA-0xC/proto"), None, 10).unwrap().len(), 1, "real messages stay");
    assert!(s.integrity_ok().unwrap());
}

#[test]
fn version_3_stores_lose_their_future_times_and_read_the_consent_list_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let raw = common::raw(&p);
    raw.execute_batch(include_str!("../migrations/001_init.sql")).unwrap();
    raw.execute_batch(include_str!("../migrations/002_typed_outbox.sql")).unwrap();
    raw.execute_batch(include_str!("../migrations/003_drop_hostile_conversations.sql")).unwrap();
    raw.pragma_update(None, "user_version", 3).unwrap();
    let peer = addr(0xb);
    let next_year: i64 = 4_000_000_000 * 1_000_000_000;
    for (t, at) in [("/xmtp/0/m-future/proto", next_year), ("/xmtp/0/m-past/proto", 5)] {
        raw.execute(
            "INSERT INTO conversations (topic, version, peer, created_ns, last_message_ns) VALUES (?1, 2, ?2, ?3, ?3)",
            rusqlite::params![t, peer.as_str(), at],
        )
        .unwrap();
        raw.execute("INSERT INTO cursors (topic, ts, digest) VALUES (?1, ?2, zeroblob(32))", rusqlite::params![t, at])
            .unwrap();
        raw.execute(
            "INSERT INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state)
             VALUES (?1, ?2, ?3, ?4, 't', x'', 'p', 'received')",
            rusqlite::params![id(t).to_string(), t, peer.as_str(), at],
        )
        .unwrap();
    }
    raw.execute(
        "INSERT INTO cursors (topic, ts, digest) VALUES ('/xmtp/0/userpreferences-x/proto', 1, zeroblob(32))",
        [],
    )
    .unwrap();
    drop(raw);
    let mut s = Store::open(&p, &common::key()).unwrap();
    let t = |s: &str| Topic::parse(s).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let future = s.messages(&t("/xmtp/0/m-future/proto"), None, 10).unwrap();
    assert!(future[0].sent_ns <= now + 1_000_000_000, "no message dated after now");
    assert_eq!(s.messages(&t("/xmtp/0/m-past/proto"), None, 10).unwrap()[0].sent_ns, 5, "past times stay");
    assert_eq!(s.cursor(&t("/xmtp/0/m-future/proto")).unwrap(), None, "read again from the start");
    assert!(s.cursor(&t("/xmtp/0/m-past/proto")).unwrap().is_some());
    assert_eq!(s.cursor(&t("/xmtp/0/userpreferences-x/proto")).unwrap(), None, "the consent list is read again");
    let list = s.conversation_list(ArchiveFilter::Include).unwrap();
    assert!(
        list.iter()
            .all(|c| c.conversation.created_ns <= now + 1_000_000_000 && c.last_message_ns <= now + 1_000_000_000)
    );
    let digest = [3u8; 32];
    assert!(s.write(|w| w.consent_entry_is_new(&digest)).unwrap());
    assert!(!s.write(|w| w.consent_entry_is_new(&digest)).unwrap(), "the same entry counts once");
}
