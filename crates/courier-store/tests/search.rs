//! Full-text search on real SQLite files: words, prefixes, case and accents, reply texts and
//! file names, several words, one conversation or all, blocked peers, newest first; the index
//! kept right when messages are read again or deleted; hostile queries; and the migration that
//! indexes existing history.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use courier_store::{
    AttachmentInfo, ConsentState, Conversation, DeliveryState, Message, ProtocolVersion, QueryError, SearchHit,
    SearchQuery, Store,
};

mod common;
use common::{addr, id, topic};

fn conv(t: &str, peer: u8) -> Conversation {
    Conversation {
        topic: topic(t),
        version: ProtocolVersion::V2,
        peer: addr(peer),
        created_ns: 1,
        conversation_id: None,
        metadata: BTreeMap::new(),
        key_sealed: None,
        consent_proof: None,
    }
}

fn msg(name: &str, t: &str, sender: u8, secs: u64, text: &str) -> Message {
    Message {
        id: id(name),
        topic: topic(t),
        sender: addr(sender),
        sent_ns: secs * 1_000_000_000,
        content_type: "xmtp.org/text:1.0".into(),
        content: vec![],
        preview: text.into(),
        state: DeliveryState::Received,
        reply_to: None,
        attachment: None,
    }
}

/// A store with conversations `a` (peer 2) and `b` (peer 3) and these messages.
fn store_with(messages: &[Message]) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db"), &common::key()).unwrap();
    s.write(|w| {
        w.add_conversation(&conv("a", 2))?;
        w.add_conversation(&conv("b", 3))?;
        for m in messages {
            w.add_message(m)?;
        }
        Ok(())
    })
    .unwrap();
    (dir, s)
}

fn find(s: &mut Store, q: &str) -> Vec<SearchHit> {
    s.search(&SearchQuery::parse(q).unwrap(), None, false, 50).unwrap()
}

fn ids(hits: &[SearchHit]) -> Vec<xmtp_crypto::MessageId> {
    hits.iter().map(|h| h.id).collect()
}

/// FTS5's own check of the index (a 'delete' with values it was not indexed with breaks it).
fn index_ok(dir: &tempfile::TempDir) {
    let raw = common::raw(&dir.path().join("s.db"));
    raw.execute("INSERT INTO message_search (message_search) VALUES ('integrity-check')", []).unwrap();
}

fn marked(h: &SearchHit) -> String {
    h.snippet.iter().map(|p| if p.is_match { format!("[{}]", p.text) } else { p.text.clone() }).collect()
}

#[test]
fn words_prefixes_case_and_accents_newest_first() {
    let (_d, mut s) = store_with(&[
        msg("m1", "a", 2, 100, "Meet me at the Café at noon"),
        msg("m2", "b", 3, 300, "the CAFE is closed"),
        msg("m3", "a", 1, 200, "cafeteria food"),
        msg("m4", "a", 2, 400, "nothing to see"),
    ]);
    // Accents and case fold; a word finds longer words it begins; newest first.
    assert_eq!(ids(&find(&mut s, "cafe")), [id("m2"), id("m3"), id("m1")]);
    assert_eq!(ids(&find(&mut s, "CAFÉ")), [id("m2"), id("m3"), id("m1")]);
    assert_eq!(ids(&find(&mut s, "caf")), [id("m2"), id("m3"), id("m1")]);
    assert_eq!(ids(&find(&mut s, "cafet")), [id("m3")]);
    assert_eq!(ids(&find(&mut s, "noon")), [id("m1")]);
    let hit = &find(&mut s, "cafe")[2];
    assert_eq!(marked(hit), "Meet me at the [Café] at noon");
    assert_eq!(
        (hit.topic.clone(), hit.peer.clone(), hit.sender.clone(), hit.sent_ns),
        (topic("a"), addr(2), addr(2), 100_000_000_000)
    );
    assert!(find(&mut s, "zebra").is_empty());
}

#[test]
fn reply_texts_and_file_names_are_found() {
    let mut reply = msg("reply", "a", 2, 10, "Agreed, the budget looks fine");
    reply.reply_to = Some(id("orig"));
    reply.content_type = "xmtp.org/reply:1.0".into();
    let mut file = msg("file", "b", 3, 20, "");
    file.content_type = "xmtp.org/attachment:1.0".into();
    file.attachment = Some(AttachmentInfo {
        filename: "Quarterly-Résumé_2026.pdf".into(),
        mime_type: "application/pdf".into(),
        size: 10,
        remote: false,
    });
    let (_d, mut s) = store_with(&[reply, file]);
    assert_eq!(ids(&find(&mut s, "budget")), [id("reply")]);
    let hits = find(&mut s, "resume");
    assert_eq!(ids(&hits), [id("file")]);
    assert_eq!(marked(&hits[0]), "Quarterly-[Résumé]_2026.pdf");
    assert_eq!(ids(&find(&mut s, "quarterly pdf")), [id("file")]);
}

#[test]
fn every_word_must_match_and_one_conversation_can_be_searched() {
    let (_d, mut s) = store_with(&[
        msg("m1", "a", 2, 1, "lunch tomorrow?"),
        msg("m2", "a", 1, 2, "tomorrow works"),
        msg("m3", "b", 3, 3, "lunch at noon tomorrow"),
        msg("m4", "b", 3, 4, "lunch alone"),
    ]);
    assert_eq!(ids(&find(&mut s, "lunch tomorrow")), [id("m3"), id("m1")]);
    assert_eq!(ids(&find(&mut s, "tomorrow lunch")), [id("m3"), id("m1")]);
    let q = SearchQuery::parse("lunch").unwrap();
    assert_eq!(ids(&s.search(&q, Some(&topic("a")), false, 50).unwrap()), [id("m1")]);
    assert_eq!(ids(&s.search(&q, Some(&topic("b")), false, 50).unwrap()), [id("m4"), id("m3")]);
    assert!(s.search(&q, Some(&topic("none")), false, 50).unwrap().is_empty());
    // The limit holds, newest first.
    assert_eq!(ids(&s.search(&q, None, false, 2).unwrap()), [id("m4"), id("m3")]);
    // A word must not match a conversation's own token.
    let token = format!("ꙮ{}", hex::encode_upper(topic("a").as_str()));
    assert_eq!(SearchQuery::parse("ꙮ"), Err(QueryError::Empty));
    assert!(find(&mut s, &token[..20]).is_empty());
}

#[test]
fn blocked_peers_are_left_out_unless_asked_for() {
    let (_d, mut s) = store_with(&[msg("m1", "a", 2, 1, "spam offer"), msg("m2", "b", 3, 2, "real offer")]);
    s.write(|w| w.set_consent(&addr(2), ConsentState::Denied, 1)).unwrap();
    let q = SearchQuery::parse("offer").unwrap();
    assert_eq!(ids(&s.search(&q, None, false, 50).unwrap()), [id("m2")]);
    assert_eq!(ids(&s.search(&q, None, true, 50).unwrap()), [id("m2"), id("m1")]);
    assert!(s.search(&q, Some(&topic("a")), false, 50).unwrap().is_empty());
    s.write(|w| w.set_consent(&addr(2), ConsentState::Allowed, 2)).unwrap();
    assert_eq!(ids(&s.search(&q, None, false, 50).unwrap()), [id("m2"), id("m1")]);
}

#[test]
fn hostile_queries_are_typed_errors_or_plain_words_never_sql_errors() {
    let (_d, mut s) = store_with(&[msg("m1", "a", 2, 1, "near the body: col star AND or NOT")]);
    for q in ["\"", "*", "(", ")", ":", "^", "-", "\"\"\"", " ", ""] {
        assert_eq!(SearchQuery::parse(q), Err(QueryError::Empty), "{q:?}");
    }
    for q in [
        "NEAR(a b)",
        "body: star",
        "col:star",
        "{body file conv} : near",
        "near*",
        "\"near",
        "star AND",
        "OR",
        "NOT near",
        "^near",
        "conv : x",
        "a\0b",
        "ꙮ2F",
        "rowid",
        "message_search",
    ] {
        let query = SearchQuery::parse(q).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        s.search(&query, None, true, 50).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        s.search(&query, Some(&topic("a")), true, 50).unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    // Operators are words like any other.
    assert_eq!(ids(&find(&mut s, "NEAR(")), [id("m1")]);
    assert_eq!(ids(&find(&mut s, "NOT near")), [id("m1")]);
    assert_eq!(ids(&find(&mut s, "col:star")), [id("m1")]);
    // Bounded.
    assert_eq!(SearchQuery::parse(&"a".repeat(10 * 1024)), Err(QueryError::TooLong { max: 512 }));
    assert_eq!(SearchQuery::parse(&"ab ".repeat(9)).map(|q| q.terms().len()), Ok(1));
    assert_eq!(SearchQuery::parse("a1 b2 c3 d4 e5 f6 g7 h8 i9"), Err(QueryError::TooManyTerms { max: 8 }));
    assert_eq!(SearchQuery::parse(&"x".repeat(65)), Err(QueryError::TermTooLong { max: 64 }));
}

#[test]
fn messages_read_again_or_deleted_leave_the_index_right() {
    let (d, mut s) = store_with(&[msg("m1", "a", 2, 1, "old fallback text"), msg("m2", "a", 2, 2, "gone soon")]);
    let m1 = s.message(&id("m1")).unwrap().unwrap();
    let keep = Message { preview: "brand new words".into(), ..m1.clone() };
    s.write(|w| w.reclassified(&m1, Some(&keep))).unwrap();
    assert!(find(&mut s, "fallback").is_empty());
    assert_eq!(ids(&find(&mut s, "brand")), [id("m1")]);
    let m2 = s.message(&id("m2")).unwrap().unwrap();
    s.write(|w| w.reclassified(&m2, None)).unwrap();
    assert!(find(&mut s, "gone").is_empty());
    // The same message stored again changes nothing.
    s.write(|w| w.add_message(&keep)).unwrap();
    assert_eq!(ids(&find(&mut s, "brand")), [id("m1")]);
    // Stored, read again and deleted in one transaction: nothing is left of it.
    let m3 = msg("m3", "a", 2, 3, "fleeting words");
    s.write(|w| {
        w.add_message(&m3)?;
        w.reclassified(&m3, Some(&Message { preview: "altered".into(), ..m3.clone() }))?;
        w.reclassified(&m3, None)
    })
    .unwrap();
    assert!(find(&mut s, "altered").is_empty());
    assert!(find(&mut s, "fleeting").is_empty());
    // Read again twice in one transaction: the first values go, the last stay.
    let m1 = s.message(&id("m1")).unwrap().unwrap();
    s.write(|w| {
        w.reclassified(&m1, Some(&Message { preview: "second version".into(), ..m1.clone() }))?;
        w.reclassified(&m1, Some(&Message { preview: "third version".into(), ..m1.clone() }))
    })
    .unwrap();
    assert!(find(&mut s, "brand").is_empty() && find(&mut s, "second").is_empty());
    assert_eq!(ids(&find(&mut s, "third")), [id("m1")]);
    index_ok(&d);
    assert!(s.integrity_ok().unwrap());
}

#[test]
fn messages_whose_keys_are_taken_still_get_one() {
    // A message's key is its millisecond and a slot from its id; when that slot and the next 63 are
    // taken (a peer that sends thousands with one time), it takes one above every key. Rows
    // written without a key (by other SQL) get one at the next write.
    let (d, s) = store_with(&[]);
    drop(s);
    let raw = common::raw(&d.path().join("s.db"));
    let bytes = id("target").to_bytes();
    let (base, slot) = (7000i64 << 10, i64::from(u16::from_be_bytes([bytes[0], bytes[1]])) & 0x3ff);
    let insert = |name: &str, key: Option<i64>, text: &str| {
        raw.execute(
            "INSERT INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state, search_key)
             VALUES (?1, ?2, ?3, 7000000000, 'xmtp.org/text:1.0', x'', ?4, 'received', ?5)",
            rusqlite::params![id(name).to_string(), topic("a").as_str(), addr(2).as_str(), text, key],
        )
        .unwrap();
    };
    for p in 0..64 {
        insert(&format!("f{p}"), Some(base | ((slot + p) & 0x3ff)), "filler");
    }
    insert("keyless", None, "written elsewhere");
    drop(raw);
    let mut s = Store::open(&d.path().join("s.db"), &common::key()).unwrap();
    s.write(|w| w.add_message(&msg("target", "a", 2, 7, "needle"))).unwrap();
    assert_eq!(ids(&find(&mut s, "needle")), [id("target")]);
    assert_eq!(find(&mut s, "filler").len(), 50);
    assert_eq!(ids(&find(&mut s, "elsewhere")), [id("keyless")]);
    assert!(s.integrity_ok().unwrap());
    index_ok(&d);
}

#[test]
fn a_version_7_store_is_searchable_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let raw = common::raw(&p);
    for sql in [
        include_str!("../migrations/001_init.sql"),
        include_str!("../migrations/002_typed_outbox.sql"),
        include_str!("../migrations/003_drop_hostile_conversations.sql"),
        include_str!("../migrations/004_bound_hostile_times.sql"),
        include_str!("../migrations/005_derived_invitations.sql"),
        include_str!("../migrations/006_rich_content.sql"),
        include_str!("../migrations/007_people.sql"),
    ] {
        raw.execute_batch(sql).unwrap();
    }
    raw.pragma_update(None, "user_version", 7).unwrap();
    raw.execute(
        "INSERT INTO conversations (topic, version, peer, created_ns) VALUES (?1, 2, ?2, 1)",
        [topic("a").as_str(), addr(2).as_str()],
    )
    .unwrap();
    let file = r#"{"filename":"Holiday Photos.zip","mime_type":"application/zip","size":3,"remote":false}"#;
    for (n, (name, secs, text, attachment)) in [
        ("m1", 5u64, "Bonjour, ça va?", None),
        ("m2", 5, "second in the same second", None),
        ("m3", 9, "", Some(file)),
        ("m4", 1, "Ça commence", None),
    ]
    .into_iter()
    .enumerate()
    {
        raw.execute(
            "INSERT INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state, attachment)
             VALUES (?1, ?2, ?3, ?4, 'xmtp.org/text:1.0', x'', ?5, 'received', ?6)",
            rusqlite::params![
                id(name).to_string(),
                topic("a").as_str(),
                addr(2).as_str(),
                (secs * 1_000_000_000 + n as u64) as i64,
                text,
                attachment
            ],
        )
        .unwrap();
    }
    drop(raw);
    let mut s = Store::open(&p, &common::key()).unwrap();
    assert_eq!(s.schema_version().unwrap(), Store::latest_schema_version());
    assert_eq!(ids(&find(&mut s, "ca")), [id("m1"), id("m4")]);
    assert_eq!(ids(&find(&mut s, "second")), [id("m2")]);
    assert_eq!(ids(&find(&mut s, "photos")), [id("m3")]);
    // Messages stored after the upgrade are indexed too, and ranked with the old ones.
    s.write(|w| w.add_message(&msg("m5", "a", 1, 7, "ça marche"))).unwrap();
    assert_eq!(ids(&find(&mut s, "ca")), [id("m5"), id("m1"), id("m4")]);
    assert!(s.integrity_ok().unwrap());
}

#[test]
fn a_long_prefix_finds_every_word_it_begins_few_or_many() {
    // Up to 16 words are searched as those words; more, as a prefix: the same hits either way.
    let few: Vec<Message> = (0..3).map(|n| msg(&format!("f{n}"), "a", 2, n + 1, &format!("budgetline{n}"))).collect();
    let many: Vec<Message> =
        (0..20).map(|n| msg(&format!("m{n}"), "b", 3, n + 10, &format!("alphabet{n} soup"))).collect();
    let (_d, mut s) = store_with(&[few, many].concat());
    assert_eq!(find(&mut s, "budg").len(), 3);
    assert_eq!(find(&mut s, "budgetline1").len(), 1);
    assert_eq!(find(&mut s, "alphab").len(), 20);
    assert_eq!(find(&mut s, "alphabet1 soup").len(), 11, "alphabet1 and alphabet10…19");
    assert!(find(&mut s, "budgetz").is_empty());
}

#[test]
fn a_peer_with_hundreds_of_conversations_is_searched_in_one_bounded_query() {
    // A peer can open thousands of conversations by invitations: searching "with this peer" is
    // one query with one limit, not one per conversation.
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s.db"), &common::key()).unwrap();
    s.write(|w| {
        w.add_conversation(&conv("other", 3))?;
        w.add_message(&msg("other", "other", 3, 10_000, "invite spam"))?;
        for n in 0..300u64 {
            w.add_conversation(&conv(&format!("p{n}"), 9))?;
            w.add_message(&msg(&format!("m{n}"), &format!("p{n}"), 9, n + 1, "invite spam"))?;
        }
        Ok(())
    })
    .unwrap();
    let q = SearchQuery::parse("invite").unwrap();
    let hits = s.search_with_peer(&q, &addr(9), false, 10).unwrap();
    let want: Vec<_> = (290..300).rev().map(|n| id(&format!("m{n}"))).collect();
    assert_eq!(ids(&hits), want, "the newest ten of that peer only");
    assert_eq!(s.search_with_peer(&q, &addr(9), false, 5000).unwrap().len(), 200, "MAX_HITS");
    assert_eq!(ids(&s.search_with_peer(&q, &addr(3), false, 10).unwrap()), [id("other")]);
    assert!(s.search_with_peer(&q, &addr(4), false, 10).unwrap().is_empty());
    s.write(|w| w.set_consent(&addr(9), ConsentState::Denied, 1)).unwrap();
    assert!(s.search_with_peer(&q, &addr(9), false, 10).unwrap().is_empty());
    assert_eq!(s.search_with_peer(&q, &addr(9), true, 10).unwrap().len(), 10);
}

#[test]
fn a_word_beginning_with_the_conversation_mark_cannot_walk_the_index() {
    // Every conversation token begins 'ꙮ2F' (the hex of '/'): a word typed with that start
    // would read every row's token from the prefix index. The mark is dropped from a word's start.
    let (_d, mut s) = store_with(&[msg("m1", "a", 2, 1, "2f2f hello")]);
    assert_eq!(SearchQuery::parse("ꙮ"), Err(QueryError::Empty));
    assert_eq!(SearchQuery::parse("ꙮꙮ ꙮ"), Err(QueryError::Empty));
    for q in ["ꙮ2F", "ꙮ2F2F", "ꙮꙮ2f2F78", "hello ꙮ2f"] {
        let query = SearchQuery::parse(q).unwrap();
        assert!(query.terms().iter().all(|t| !t.starts_with('ꙮ')), "{q:?}: {:?}", query.terms());
        assert_eq!(s.search(&query, None, true, 50).unwrap().len(), usize::from(q != "ꙮꙮ2f2F78"), "{q:?}");
    }
}
