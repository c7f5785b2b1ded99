//! Encrypting an older plain store in place needs about its size again in free space beside it
//! for a while (the encrypted copy). On a disk without it, the start fails with a typed error
//! that says how much is needed, and the plain store is left whole, every row as it was. Real
//! files on a small tmpfs (mounted here: needs root or CAP_SYS_ADMIN; where mounting is not
//! possible the test says so on stderr and passes without checking anything).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use courier_store::cipher::{FileKind, file_kind};
use courier_store::encrypt::{self, EncryptError};
use courier_store::{Conversation, DeliveryState, Message, ProtocolVersion, Store, StoreError, StoreKey};

mod common;
use common::{addr, id, key, topic};

/// A tmpfs of `mb` MiB mounted on a fresh folder, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(mb: u32) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m,mode=0700"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!("mount failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn resize(&self, mb: u32) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={mb}m"), "tmpfs"])
            .arg(self.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// A plain store (as an older Courier wrote it) of about 3 MiB, checkpointed; its path.
fn big_plain_store(dir: &Path) -> PathBuf {
    let p = dir.join("s.db");
    let mut s = Store::open(&p, &StoreKey::plaintext_for_benchmarks()).unwrap();
    s.write(|w| {
        w.add_conversation(&Conversation {
            topic: topic("a"),
            version: ProtocolVersion::V2,
            peer: addr(2),
            created_ns: 1,
            conversation_id: None,
            metadata: BTreeMap::new(),
            key_sealed: None,
            consent_proof: None,
        })?;
        for n in 0..192u32 {
            // Bytes that do not compress, so the size is the size on any file system.
            let content: Vec<u8> = (0..16 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) ^ n) as u8).collect();
            w.add_message(&Message {
                id: id(&format!("m{n}")),
                topic: topic("a"),
                sender: addr(2),
                sent_ns: u64::from(n) + 10,
                content_type: "xmtp.org/text:1.0".into(),
                content,
                preview: format!("message {n}"),
                state: DeliveryState::Received,
                reply_to: None,
                attachment: None,
            })?;
        }
        Ok(())
    })
    .unwrap();
    drop(s);
    p
}

/// Every message row, in order.
fn rows(p: &Path) -> Vec<(String, Vec<u8>)> {
    let c = match file_kind(p).unwrap() {
        FileKind::Plaintext => rusqlite::Connection::open(p).unwrap(),
        _ => common::raw(p),
    };
    let mut st = c.prepare("SELECT id, content FROM messages ORDER BY sent_ns").unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn too_little_disk_to_encrypt_is_a_typed_error_and_the_plain_store_stays_whole() {
    let made = tempfile::tempdir().unwrap();
    let original = big_plain_store(made.path());
    let size = std::fs::metadata(&original).unwrap().len();
    assert!(size > 3 << 20, "a store of {size} bytes");
    let disk = match SmallDisk::mount(5) {
        Ok(d) => d,
        Err(why) => {
            eprintln!("SKIPPED: no small disk to fill here ({why}); the disk-full path was not checked");
            return;
        }
    };
    let p = disk.path().join("s.db");
    std::fs::copy(&original, &p).unwrap();
    let before = rows(&p);
    assert_eq!(before.len(), 192);

    // The copy itself runs out of space (no check first): SQLite's SQLITE_FULL becomes the
    // typed error, never a raw SQLite one.
    let err = encrypt::make_copy(&p, &key()).unwrap_err();
    assert!(matches!(err, EncryptError::NoSpace { .. }), "{err:?}");
    assert!(err.to_string().contains("not enough free disk space"), "{err}");
    assert!(!encrypt::aside(&p).exists(), "the partial copy is removed at once");
    assert_eq!(rows(&p), before, "the plain store is whole");

    // Opening checks first: the same typed error, saying how much is needed, before anything
    // is written; nothing is left beside the store.
    let err = Store::open(&p, &key()).unwrap_err();
    let StoreError::Encrypt { source: EncryptError::NoSpace { needed_mb, .. }, .. } = &err else { panic!("{err:?}") };
    assert!(*needed_mb >= size / 1_000_000, "needs about {needed_mb} MB for {size} bytes");
    let message = err.to_string();
    assert!(
        message.contains("not enough free disk space") && message.contains(&format!("{needed_mb} MB")),
        "{message}"
    );
    assert_eq!(file_kind(&p).unwrap(), FileKind::Plaintext);
    assert_eq!(rows(&p), before, "the plain store is whole");
    assert!(!encrypt::aside(&p).exists(), "no copy left taking space");

    // With room, the same store is encrypted, every row kept.
    disk.resize(16);
    drop(Store::open(&p, &key()).unwrap());
    assert_eq!(file_kind(&p).unwrap(), FileKind::Encrypted);
    assert_eq!(rows(&p), before);
}
