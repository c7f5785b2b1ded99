//! The store encrypted at rest (SQLCipher, issue #15), on real files: nothing readable in the
//! database, its WAL or its SHM; the cipher settings hold; a wrong key is a typed error that
//! changes nothing; an older plain store is encrypted in place with every row of every table
//! kept, its un-checkpointed WAL included; an interrupted encryption recovers; an unreadable
//! store is set aside, never deleted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use courier_store::cipher::{FileKind, SQLITE_HEADER, file_kind};
use courier_store::{
    AttachmentInfo, ConsentState, Conversation, Cursor, DeliveryState, Message, ProtocolVersion, ReactionRow, Store,
    StoreError, StoreKey, encrypt,
};
use rusqlite::types::Value;
use xmtp_crypto::Secret;

mod common;
use common::{addr, id, key, topic};

const TEXT: &str = "the secret plans under the old oak";
const FILE: &[u8] = b"%PDF attachment bytes that must never be readable";

fn other_key() -> StoreKey {
    StoreKey::from_bytes(Secret::new([0x5a; 32]))
}

/// Writes one of everything the store keeps.
fn fill(s: &mut Store) {
    s.write(|w| {
        w.add_conversation(&Conversation {
            topic: topic("a"),
            version: ProtocolVersion::V2,
            peer: addr(2),
            created_ns: 1,
            conversation_id: Some("work/1".into()),
            metadata: BTreeMap::from([("title".to_owned(), "plans".to_owned())]),
            key_sealed: Some(vec![9; 60]),
            consent_proof: None,
        })?;
        let mut m = Message {
            id: id("m1"),
            topic: topic("a"),
            sender: addr(2),
            sent_ns: 10,
            content_type: "xmtp.org/text:1.0".into(),
            content: TEXT.as_bytes().to_vec(),
            preview: TEXT.into(),
            state: DeliveryState::Received,
            reply_to: None,
            attachment: None,
        };
        w.add_message(&m)?;
        m.id = id("m2");
        m.sent_ns = 11;
        m.reply_to = Some(id("m1"));
        m.attachment = Some(AttachmentInfo {
            filename: "plans.pdf".into(),
            mime_type: "application/pdf".into(),
            size: 51,
            remote: false,
        });
        w.add_message(&m)?;
        w.set_attachment_file(&id("m2"), FILE)?;
        w.add_reaction(&ReactionRow {
            id: id("r1"),
            topic: topic("a"),
            target: id("m1"),
            sender: addr(2),
            emoji: "👍".into(),
            added: true,
            sent_ns: 12,
        })?;
        w.add_read_receipt(&topic("a"), &addr(2), 13)?;
        w.set_cursor(&topic("a"), &Cursor { timestamp_ns: 11, digest: [1; 32] })?;
        w.set_contact(&addr(2), &[4; 80], 14)?;
        w.set_consent(&addr(2), ConsentState::Allowed, 15)?;
        w.set_contact_name(&addr(2), Some("Oak"))?;
        w.set_draft(&topic("a"), "half a thought")?;
        w.mark_read(&topic("a"), 10)?;
        Ok(())
    })
    .unwrap();
}

/// Every row of every table, sorted, by table name.
fn dump(c: &rusqlite::Connection) -> BTreeMap<String, Vec<String>> {
    let names: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names
        .into_iter()
        .map(|n| {
            let mut st = c.prepare(&format!("SELECT * FROM \"{n}\"")).unwrap();
            let cols = st.column_count();
            let mut rows: Vec<String> = st
                .query_map([], |r| {
                    Ok(format!("{:?}", (0..cols).map(|i| r.get::<_, Value>(i).unwrap()).collect::<Vec<_>>()))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            rows.sort();
            (n, rows)
        })
        .collect()
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A plain store as an older Courier left it: written, and its process gone before a
/// checkpoint (the last writes only in its `-wal`). Returns what it holds.
fn plain_store_mid_wal(dir: &Path) -> BTreeMap<String, Vec<String>> {
    let live = dir.join("live");
    std::fs::create_dir(&live).unwrap();
    let mut s = Store::open(&live.join("s.db"), &StoreKey::plaintext_for_benchmarks()).unwrap();
    fill(&mut s);
    // A copy of the files while the connection is open: what a crash leaves.
    for (name, bytes) in files_of(&live) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    drop(s);
    assert!(dir.join("s.db-wal").exists(), "the copy has a WAL to replay");
    let c = rusqlite::Connection::open(live.join("s.db")).unwrap();
    dump(&c)
}

#[test]
fn nothing_in_the_database_its_wal_or_its_shm_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &key()).unwrap();
    fill(&mut s);
    // Read while open, so the WAL and SHM are there too.
    let files = files_of(dir.path());
    assert!(files.iter().any(|(n, _)| n == "s.db-wal") && files.iter().any(|(n, _)| n == "s.db-shm"), "{files:?}");
    let hex_addr = addr(2).as_str().to_ascii_lowercase();
    let needles: Vec<Vec<u8>> = vec![
        TEXT.as_bytes()[..12].to_vec(),
        FILE[..16].to_vec(),
        hex_addr.as_bytes().to_vec(),
        hex_addr.as_bytes()[2..].to_vec(),
        addr(2).as_str().as_bytes().to_vec(),
        b"plans.pdf".to_vec(),
        b"half a thought".to_vec(),
        b"CREATE TABLE".to_vec(),
        b"courier store tests".to_vec(),
        hex::encode(b"courier store tests").into_bytes(),
    ];
    for (name, bytes) in &files {
        for n in &needles {
            assert!(!contains(bytes, n), "{name} holds {:?}", String::from_utf8_lossy(n));
        }
    }
    let db = std::fs::read(&p).unwrap();
    assert_ne!(&db[..16], SQLITE_HEADER);
    assert_eq!(file_kind(&p).unwrap(), FileKind::Encrypted);
    // Still all there through the key.
    assert_eq!(s.attachment_file(&id("m2")).unwrap().as_deref(), Some(FILE));
}

#[test]
fn the_cipher_settings_are_the_chosen_ones() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    drop(Store::open(&p, &key()).unwrap());
    let c = common::raw(&p);
    let [version, page, hmac] = courier_store::cipher::reported(&c).unwrap();
    assert!(version.starts_with("4."), "{version}");
    assert_eq!(page, "8192");
    assert_eq!(hmac, "HMAC_SHA256");
    // Without a key the file is not a database at all.
    let bare = rusqlite::Connection::open(&p).unwrap();
    assert!(bare.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());
}

#[test]
fn a_wrong_key_is_a_typed_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &key()).unwrap();
    fill(&mut s);
    drop(s);
    let before = files_of(dir.path());
    let err = Store::open(&p, &other_key()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    let err = Store::open_read_only(&p, Some(&other_key())).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err:?}");
    assert_eq!(files_of(dir.path()), before, "not one byte changed, no new file");
    let s = Store::open(&p, &key()).unwrap();
    assert_eq!(s.attachment_file(&id("m2")).unwrap().as_deref(), Some(FILE));
}

#[test]
fn a_plain_store_is_encrypted_in_place_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let before = plain_store_mid_wal(dir.path());
    assert_eq!(file_kind(&p).unwrap(), FileKind::Plaintext);
    let s = Store::open(&p, &key()).unwrap();
    assert_eq!(file_kind(&p).unwrap(), FileKind::Encrypted);
    assert_eq!(s.schema_version().unwrap(), Store::latest_schema_version());
    assert!(s.integrity_ok().unwrap());
    assert_eq!(s.attachment_file(&id("m2")).unwrap().as_deref(), Some(FILE), "attachment bytes kept");
    drop(s);
    let after = dump(&common::raw(&p));
    assert_eq!(after, before, "every row of every table");
    let mut s = Store::open(&p, &key()).unwrap();
    let q = courier_store::SearchQuery::parse("oak").unwrap();
    assert_eq!(s.search(&q, None, true, 10).unwrap().len(), 2, "the search index came along");
    drop(s);
    for t in [
        "conversations",
        "messages",
        "attachment_files",
        "reactions",
        "read_receipts",
        "cursors",
        "contacts",
        "consent",
        "contact_names",
    ] {
        assert!(!after[t].is_empty(), "{t} was filled");
    }
    for (name, bytes) in files_of(dir.path()) {
        assert!(!contains(&bytes, &TEXT.as_bytes()[..12]), "{name} holds the text");
        assert!(!name.ends_with(".encrypting"), "no copy left: {name}");
    }
}

#[test]
fn an_interrupted_encryption_recovers() {
    // Interrupted while copying: a half copy (here: junk) beside the plain store.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let before = plain_store_mid_wal(dir.path());
    std::fs::write(encrypt::aside(&p), b"half a copy").unwrap();
    std::fs::write(format!("{}-journal", encrypt::aside(&p).display()), b"junk journal").unwrap();
    drop(Store::open(&p, &key()).unwrap());
    assert_eq!(dump(&common::raw(&p)), before);
    assert!(!encrypt::aside(&p).exists());

    // Interrupted after the copy was made and synced, before the rename.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let before = plain_store_mid_wal(dir.path());
    encrypt::make_copy(&p, &key()).unwrap();
    assert_eq!(file_kind(&p).unwrap(), FileKind::Plaintext, "the store is still the plain one");
    assert!(!dir.path().join("s.db-wal").exists(), "checkpointed into the one file");
    drop(Store::open(&p, &key()).unwrap());
    assert_eq!(dump(&common::raw(&p)), before);

    // A copy left beside a store that is already encrypted is removed, the store untouched.
    std::fs::write(encrypt::aside(&p), b"stray").unwrap();
    drop(Store::open(&p, &key()).unwrap());
    assert!(!encrypt::aside(&p).exists());
    assert_eq!(dump(&common::raw(&p)), before);
}

#[test]
fn an_unreadable_store_is_set_aside_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let mut s = Store::open(&p, &key()).unwrap();
    fill(&mut s);
    drop(s);
    let bytes = std::fs::read(&p).unwrap();
    assert!(matches!(Store::open(&p, &other_key()), Err(StoreError::WrongKey { .. })));
    let aside = courier_store::set_aside(&p).unwrap();
    assert_eq!(aside, dir.path().join("s.db.unreadable-1"));
    assert_eq!(std::fs::read(&aside).unwrap(), bytes);
    // A fresh store under the other key, then a second setting aside takes the next name.
    let s = Store::open(&p, &other_key()).unwrap();
    assert!(s.attachment_file(&id("m2")).unwrap().is_none());
    drop(s);
    assert_eq!(courier_store::set_aside(&p).unwrap(), dir.path().join("s.db.unreadable-2"));
    // The first is still readable with its key.
    let old = Store::open(&aside, &key()).unwrap();
    assert_eq!(old.attachment_file(&id("m2")).unwrap().as_deref(), Some(FILE));
}

#[test]
fn another_accounts_plain_store_is_read_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let before = plain_store_mid_wal(dir.path());
    let p = dir.path().join("live").join("s.db");
    let ro = Store::open_read_only(&p, None).unwrap();
    assert_eq!(ro.attachment_file(&id("m2")).unwrap().as_deref(), Some(FILE));
    drop(ro);
    assert_eq!(file_kind(&p).unwrap(), FileKind::Plaintext, "reading never encrypts");
    assert!(!before.is_empty());
}

#[test]
fn processes_opening_a_plain_store_at_once_take_turns() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    let before = plain_store_mid_wal(dir.path());
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let p = p.clone();
            std::thread::spawn(move || Store::open(&p, &key()).map(drop))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    assert_eq!(dump(&common::raw(&p)), before);
    assert!(!encrypt::aside(&p).exists());
}
