//! Nodes that lie: the engine syncs through a hostile node (a real gRPC server on loopback that
//! answers from a real node, with one trick). Every sync ends, one bad topic never stops the
//! others, and nothing the node relabels is shown in the wrong conversation. Each test failed on
//! the engine before its fix (see the commit that adds it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::engine;
use common::hostile_node::{self, Trick};
use courier_engine::client::ClientError;
use courier_engine::{Engine, EngineError, ListFilter, SendOptions, Thread, TopicError};
use courier_node::{NodeConfig, NodeHandle};
use xmtp_crypto::{Topic, WalletAddress, topic};

/// A sync that must end within `secs` (a hang is the failure these tests look for).
async fn sync_within(e: &Engine, secs: u64) -> Result<courier_engine::SyncReport, EngineError> {
    tokio::time::timeout(Duration::from_secs(secs), e.sync()).await.expect("the sync ended")
}

async fn send(from: &Engine, to: &WalletAddress, text: &str, v1: bool) {
    from.send_text(to, text, SendOptions { v1, ..Default::default() }).await.unwrap();
    from.flush_outbox().await.unwrap();
}

async fn senders(e: &Engine, t: &Topic) -> Vec<WalletAddress> {
    e.messages(&Thread::Conversation(t.clone()), 500, None).await.unwrap().into_iter().map(|m| m.sender).collect()
}

/// Alice and bob on a real node; bob has synced their conversation with `n` messages.
async fn pair(node: &NodeHandle, dirs: &[tempfile::TempDir], n: usize) -> (Engine, Engine, Topic) {
    let (alice, bob) = (engine(node, dirs[0].path()).await, engine(node, dirs[1].path()).await);
    for i in 0..n {
        alice.send_text(bob.address(), &format!("m{i}"), SendOptions::default()).await.unwrap();
    }
    alice.flush_outbox().await.unwrap();
    bob.sync().await.unwrap();
    let t = bob.conversations(ListFilter::All).await.unwrap().remove(0).conversation.topic;
    (alice, bob, t)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_returns_the_same_cursor_again_ends_the_topic_with_an_error() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (alice, bob, t) = pair(&node, &dirs, 100).await;
    bob.set_node_url(&hostile_node::start(node.api().clone(), Trick::RepeatCursor).await).unwrap();
    send(&alice, bob.address(), "one more", false).await;
    let report = sync_within(&bob, 60).await.unwrap();
    assert!(
        report.failed.iter().any(|f| f.topic == t && f.error == TopicError::NoProgress),
        "the conversation is reported: {:?}",
        report.failed
    );
    assert_eq!(senders(&bob, &t).await.len(), 100, "what was read is kept");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_pages_forever_ends_the_topic_with_an_error() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (_alice, bob, t) = pair(&node, &dirs, 1).await;
    let trick = Trick::Forever { topic: t.to_string() };
    bob.set_node_url(&hostile_node::start(node.api().clone(), trick).await).unwrap();
    let report = sync_within(&bob, 240).await.unwrap();
    assert!(report.failed.iter().any(|f| f.topic == t && f.error == TopicError::TooManyPages), "{:?}", report.failed);
    node.shutdown().await;
}

/// A topic's pages are committed in groups (issue #15); what was read before the topic failed
/// is committed all the same, with its cursor: the next sync asks after the last page read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_was_read_before_a_topic_failed_mid_way_is_kept() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (_alice, bob, t) = pair(&node, &dirs, 1).await;
    let asked = |pages| {
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        (Trick::ForeverThenRefuse { topic: t.to_string(), pages, asked: asked.clone() }, asked)
    };
    // 15 pages of 100 (the first, then a group of 10 and 4 more), then the node is gone.
    let (trick, first) = asked(15);
    bob.set_node_url(&hostile_node::start(node.api().clone(), trick).await).unwrap();
    let err = sync_within(&bob, 120).await.unwrap_err();
    assert!(matches!(err, EngineError::Node(ClientError::Unreachable(_))), "{err:?}");
    let start = first.lock().unwrap()[0];
    let (trick, second) = asked(0);
    bob.set_node_url(&hostile_node::start(node.api().clone(), trick).await).unwrap();
    sync_within(&bob, 60).await.unwrap_err();
    assert_eq!(second.lock().unwrap()[0], start + 1500, "the next sync goes on after all 15 pages");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_never_answers_ends_the_sync_with_a_timeout() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (_alice, bob, _t) = pair(&node, &dirs, 1).await;
    bob.set_node_url(&hostile_node::start(node.api().clone(), Trick::Stall).await).unwrap();
    let err = sync_within(&bob, 60).await.unwrap_err();
    assert!(matches!(err, EngineError::Node(ClientError::Timeout)), "{err:?}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_topic_the_node_refuses_does_not_stop_the_others() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (alice, bob, t) = pair(&node, &dirs, 1).await;
    let carol = engine(&node, dirs[2].path()).await;
    send(&carol, bob.address(), "carol 1", false).await;
    bob.sync().await.unwrap();
    send(&alice, bob.address(), "alice 2", false).await;
    send(&carol, bob.address(), "carol 2", false).await;
    let trick = Trick::Refuse { topic: t.to_string() };
    bob.set_node_url(&hostile_node::start(node.api().clone(), trick).await).unwrap();
    let report = sync_within(&bob, 60).await.unwrap();
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].topic, t);
    assert!(matches!(&report.failed[0].error, TopicError::Node(ClientError::Status { .. })));
    let carols = bob.messages(&Thread::Peer(carol.address().clone()), 10, None).await.unwrap();
    assert_eq!(carols.iter().map(|m| m.preview.as_str()).collect::<Vec<_>>(), ["carol 1", "carol 2"]);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v1_message_is_checked_against_the_topic_asked_for_not_the_nodes_label() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (alice, bob, mallory) =
        (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await, engine(&node, dirs[2].path()).await);
    send(&alice, bob.address(), "from alice", true).await;
    send(&mallory, bob.address(), "from mallory", true).await;
    bob.sync().await.unwrap();
    let ab = topic::dm(alice.address(), bob.address());
    send(&mallory, bob.address(), "mallory again", true).await;
    // Bob's queries for his conversation with alice get mallory's messages.
    let mb = topic::dm(mallory.address(), bob.address());
    let trick = Trick::Substitute { asked: ab.to_string(), served: mb.to_string() };
    bob.set_node_url(&hostile_node::start(node.api().clone(), trick).await).unwrap();
    let report = sync_within(&bob, 60).await.unwrap();
    assert!(report.skipped >= 2, "mallory's envelopes are dropped: {report:?}");
    assert_eq!(senders(&bob, &ab).await, [alice.address().clone()], "nothing of mallory's in alice's conversation");
    node.shutdown().await;
}
