//! A sync of many decompression bombs finishes in bounded memory, and what it keeps of each
//! message is short. Alone in its test binary, so that the process's peak memory (VmHWM) is this
//! sync's: a hostile peer (our crates used directly) posts the bombs through a real node.
//! Failed before the fix: each bomb's 100 MiB of text was decompressed and held in the batch,
//! and the sync peaked above 2 GB.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::engine;
use common::peer::{self, now_ns};
use courier_engine::Thread;
use courier_engine::plan::MAX_TEXT_BYTES;
use courier_node::NodeConfig;

/// The process's peak resident memory, in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_of_many_decompression_bombs_stays_within_bounded_memory() {
    let node = courier_node::start(NodeConfig::ephemeral()).await.unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (mallory, bob) = (engine(&node, dirs[0].path()).await, engine(&node, dirs[1].path()).await);
    let room = peer::invite(&mallory, &bob).await;
    // Twenty of 100 MiB (over the budget) and twenty of 6 MiB (within it).
    let (big, small) = (peer::text_bomb(100), peer::text_bomb(6));
    assert!(big.len() < 1 << 20, "each fits in an envelope");
    for i in 0..40 {
        peer::post(&mallory, &room, if i % 2 == 0 { &big } else { &small }, now_ns(), now_ns()).await;
    }
    let before = peak_mib();
    let report = bob.sync().await.unwrap();
    let peak = peak_mib();
    assert_eq!(report.messages, 40, "every message is kept, shown as cut or unreadable: {report:?}");
    assert!(peak < 400, "peak {peak} MiB (before the sync: {before} MiB)");
    let shown = bob.messages(&Thread::Conversation(room.topic.clone()), 50, None).await.unwrap();
    assert!(shown.iter().all(|m| m.preview.len() <= MAX_TEXT_BYTES));
    assert_eq!(shown.iter().filter(|m| m.preview.starts_with("aaaa") && m.preview.ends_with('…')).count(), 20);
    let list = bob.conversations(courier_engine::ListFilter::All).await.unwrap();
    assert!(list[0].last_preview.as_ref().unwrap().chars().count() <= 200, "the list's preview is short");
    node.shutdown().await;
}
