//! Nothing a user said, sent or holds can be read from Courier's data folder (issue #15): after
//! real sends and receives through a real node — texts, a reply, a reaction, an inline and a
//! remote attachment (downloaded) — every file of both accounts' data folders, the store's WAL
//! and SHM included (read while the engines are open), is scanned for the message texts, the
//! peer's address (checksummed, lowercase hex, raw 20 bytes), the attachments' bytes and the key
//! bytes (the identity and pre-key, the store key), and none is found; the store does not start
//! with the SQLite header. Real keychain (`scripts/with-keyring.sh`), real node on loopback.
//! Failed before the fix: the plain store held every text, address and file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use courier_engine::{Config, Engine, ListFilter, SendOptions, account};
use courier_node::{NodeConfig, NodeHandle};
use xmtp_crypto::content::Attachment;

fn config(node: &NodeHandle, dir: &Path) -> Config {
    Config { attachments_url: node.http_url(), ..common::keychain_config(node, dir) }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            files(&e.path(), out);
        } else {
            out.push(e.path());
        }
    }
}

fn file(name: &str, seed: u8, n: usize) -> Attachment {
    let data = (0..n).map(|i| (i as u8).wrapping_mul(37).wrapping_add(seed)).collect();
    Attachment { filename: name.into(), mime_type: "application/octet-stream".into(), data }
}

/// What must not be found, with a name for the failure message.
fn secrets_of(cfg: &Config, me: &Engine, peer: &Engine) -> Vec<(String, Vec<u8>)> {
    let peer_addr = peer.address().as_str().to_owned();
    let mut out = vec![
        ("the peer's checksummed address".to_owned(), peer_addr.as_bytes().to_vec()),
        ("the peer's address in lowercase".to_owned(), peer_addr.to_ascii_lowercase().into_bytes()),
        ("the peer's address in lowercase, no 0x".to_owned(), peer_addr[2..].to_ascii_lowercase().into_bytes()),
        ("the peer's raw address".to_owned(), peer.address().to_raw().to_vec()),
        ("the identity key".to_owned(), me.keys().identity().secret().to_bytes().expose().to_vec()),
        ("the pre-key".to_owned(), me.keys().current_pre_key().secret().to_bytes().expose().to_vec()),
    ];
    let name = account::keychain_name(cfg, me.address()).unwrap();
    if let Some(hex_key) = cfg.keychain.load(&name, "store-key").unwrap() {
        out.push(("the store key in hex".to_owned(), hex_key.expose().as_bytes().to_vec()));
        out.push(("the store key".to_owned(), hex::decode(hex_key.expose()).unwrap()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_text_address_file_or_key_is_readable_in_the_data_folder() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ca, cb) = (config(&node, da.path()), config(&node, db.path()));
    let alice = account::create(&ca).await.unwrap().engine;
    let bob = account::create(&cb).await.unwrap().engine;

    let texts = ["meet me at the old lighthouse at nine", "bring the blue folder and come alone"];
    let hello = alice.send_text(bob.address(), texts[0], SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    bob.set_consent(alice.address(), true).await.unwrap();
    bob.reply_text(&hello.id, texts[1]).await.unwrap();
    bob.react(&hello.id, "🗝", false).await.unwrap();
    let topic = bob.conversations(ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    let (small, big) = (file("inline.bin", 3, 4096), file("remote.bin", 11, 700 * 1024));
    bob.send_file(&topic, small.clone(), None, false).await.unwrap();
    let remote = bob.send_file(&topic, big.clone(), None, true).await.unwrap();
    bob.flush_outbox().await.unwrap();
    alice.sync().await.unwrap();
    let got = alice.attachment(&remote.id, true).await.unwrap();
    assert_eq!(got.data.len(), big.data.len(), "downloaded and kept");
    assert!(!alice.messages(&courier_engine::Thread::Conversation(topic), 50, None).await.unwrap().is_empty());

    for (cfg, me, peer) in [(&ca, &alice, &bob), (&cb, &bob, &alice)] {
        let mut secrets = secrets_of(cfg, me, peer);
        for t in texts {
            secrets.push((format!("the text {t:?}"), t.as_bytes()[..20].to_vec()));
        }
        for f in [&small, &big] {
            secrets.push((format!("the bytes of {}", f.filename), f.data[100..164].to_vec()));
        }
        let mut all = Vec::new();
        files(&cfg.data_dir, &mut all);
        let names: Vec<String> = all.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        for want in ["courier.db", "courier.db-wal", "courier.db-shm"] {
            assert!(names.iter().any(|n| n == want), "{want} is scanned too: {names:?}");
        }
        for path in &all {
            let bytes = std::fs::read(path).unwrap();
            for (what, needle) in &secrets {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                    "{} holds {what}",
                    path.display()
                );
            }
        }
        let db = std::fs::read(cfg.store_path(me.address())).unwrap();
        assert_ne!(&db[..16], b"SQLite format 3\0", "the store is not a plain SQLite file");
    }
    alice.close();
    bob.close();
    node.shutdown().await;
}
