//! Search between engines on a real node: what a cold sync stores on a new device (texts,
//! replies, file names) is found at once, newest first; in one conversation; blocked peers only
//! when asked; and messages that arrive later through a catch-up sync are found too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{config, engine, identity};
use courier_engine::{Engine, EngineError, SearchHit, SendOptions, Thread};
use courier_node::NodeConfig;
use xmtp_crypto::content::Attachment;

fn marked(h: &SearchHit) -> String {
    h.snippet.iter().map(|p| if p.is_match { format!("[{}]", p.text) } else { p.text.clone() }).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_sync_is_searchable_at_once() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let (da, dc, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = engine(&node, da.path()).await;
    let carol = engine(&node, dc.path()).await;
    let bob_keys = identity();
    let first =
        Engine::open_with(&config(&node, tempfile::tempdir().unwrap().path()), bob_keys.clone(), &common::store_key())
            .await
            .unwrap();
    first.ensure_contact_published().await.unwrap();
    let b = first.address().clone();

    // History bob's new device has never seen: 120 notes, a reply, a file, a peer later blocked.
    let mut cafe = None;
    for n in 0..120 {
        let text = if n == 7 { "Rendezvous at the Café".to_owned() } else { format!("note number {n}") };
        let m = alice.send_text(&b, &text, SendOptions::default()).await.unwrap();
        if n == 7 {
            cafe = Some(m.id);
        }
    }
    let cafe = cafe.unwrap();
    alice.reply_text(&cafe, "the budget is approved").await.unwrap();
    let topic = alice.conversations(courier_engine::ListFilter::All).await.unwrap()[0].conversation.topic.clone();
    let file =
        Attachment {
            filename: "Quarterly Résumé.pdf".into(), mime_type: "application/pdf".into(), data: vec![1; 10]
        };
    alice.send_file(&topic, file, None, false).await.unwrap();
    alice.flush_outbox().await.unwrap();
    carol.send_text(&b, "cafe spam", SendOptions::default()).await.unwrap();
    carol.flush_outbox().await.unwrap();

    let bob = Engine::open_with(&config(&node, db.path()), bob_keys, &common::store_key()).await.unwrap();
    bob.sync().await.unwrap();
    let store = common::raw_store(&config(&node, db.path()).store_path(&b));
    let waiting: i64 = store.query_row("SELECT count(*) FROM search_pending", [], |r| r.get(0)).unwrap();
    assert_eq!(waiting, 0, "the sync indexed what it stored before it ended");
    let hits = bob.search("cafe", None, false, 50).await.unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert_eq!(hits[0].peer, *carol.address(), "newest first");
    assert_eq!((hits[1].id, marked(&hits[1])), (cafe, "Rendezvous at the [Café]".to_owned()));
    assert_eq!(bob.search("budget approv", None, false, 50).await.unwrap().len(), 1, "reply text");
    let files = bob.search("resume", None, false, 50).await.unwrap();
    assert_eq!(marked(&files[0]), "Quarterly [Résumé].pdf");
    assert_eq!(bob.search("note", None, false, 500).await.unwrap().len(), 119, "every note but the café");
    let notes = bob.search("number 119", None, false, 5).await.unwrap();
    assert_eq!(marked(&notes[0]), "note [number] [119]");

    // One conversation; one peer; blocked peers left out unless asked.
    let within = bob.search("cafe", Some(Thread::Conversation(topic.clone())), false, 50).await.unwrap();
    assert_eq!(within.iter().map(|h| h.id).collect::<Vec<_>>(), [cafe]);
    let with_carol = bob.search("cafe", Some(Thread::Peer(carol.address().clone())), false, 50).await.unwrap();
    assert_eq!(with_carol.len(), 1);
    bob.set_consent(carol.address(), false).await.unwrap();
    assert_eq!(bob.search("cafe", None, false, 50).await.unwrap().len(), 1);
    assert_eq!(bob.search("cafe", None, true, 50).await.unwrap().len(), 2);

    // A message that arrives later is found after the sync that stores it.
    alice.send_text(&b, "late arrival", SendOptions::default()).await.unwrap();
    alice.flush_outbox().await.unwrap();
    assert!(bob.search("arrival", None, false, 50).await.unwrap().is_empty());
    bob.sync().await.unwrap();
    assert_eq!(bob.search("arrival", None, false, 50).await.unwrap().len(), 1);

    // What the user typed is never FTS5 syntax; what cannot be searched is a typed error.
    assert!(matches!(bob.search("\"*", None, false, 50).await, Err(EngineError::BadSearch(_))));
    assert_eq!(bob.search("(cafe*) OR:", None, false, 50).await.unwrap().len(), 0, "OR is a word here");
    assert_eq!(bob.search("\"cafe*", None, false, 50).await.unwrap().len(), 1);
    node.shutdown().await;
}
