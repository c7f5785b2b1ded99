//! A topic crowded with near-maximum envelopes, through a real node with its default limits: the
//! node cuts its pages by bytes and the engine pages on, so the crowded conversation is read to
//! its end and every other conversation in the same batch is read too. Failed before the fix:
//! the node built one response larger than its gRPC limit, the batch failed, and the whole sync
//! with it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engine;
use common::peer::{self, now_ns};
use courier_engine::{SendOptions, Thread};
use courier_node::NodeConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowded_topic_is_read_to_its_end_and_stops_no_other() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob, carol) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    carol.send_text(bob.address(), "carol", SendOptions::default()).await.unwrap();
    carol.flush_outbox().await.unwrap();
    let room = peer::invite(&mallory, &bob).await;
    // 55 envelopes just under the envelope limit: 55 MB on one topic, more than any one response.
    let mut body = xmtp_crypto::content::text("");
    body.content = vec![b'x'; 1_000_000];
    let body = prost::Message::encode_to_vec(&body);
    for _ in 0..55 {
        peer::post(&mallory, &room, &body, now_ns(), now_ns()).await;
    }
    let report = bob.sync().await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let crowded = bob.messages(&Thread::Conversation(room.topic.clone()), 100, None).await.unwrap();
    assert_eq!(crowded.len(), 55, "read to its end");
    let carols = bob.messages(&Thread::Peer(carol.address().clone()), 10, None).await.unwrap();
    assert_eq!(carols.len(), 1);
    node.shutdown().await;
}
