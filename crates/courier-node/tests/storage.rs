//! Storage against a real node on a real SQLite file: a full database refuses publishes with
//! RESOURCE_EXHAUSTED, keeps serving reads and loses nothing it accepted; the database and its
//! folder are private to the user (0700 / 0600, `-wal` and `-shm` included).
//!
//! The full disk is simulated with `Limits::max_database_bytes` (SQLite's `max_page_count` on
//! the writer's connection), which fails inserts with SQLITE_FULL exactly as a full disk does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use courier_node::{Database, NodeConfig};
use tonic::Code;
use xmtp_proto::message_api::v1::{PagingInfo, PublishRequest, QueryRequest, SortDirection};

async fn count(
    c: &mut xmtp_proto::message_api::v1::message_api_client::MessageApiClient<tonic::transport::Channel>,
    t: &str,
) -> usize {
    let (mut n, mut cursor) = (0, None);
    loop {
        let q = QueryRequest {
            content_topics: vec![t.into()],
            paging_info: Some(PagingInfo { limit: 100, cursor, direction: SortDirection::Ascending as i32 }),
            ..Default::default()
        };
        let r = c.query(q).await.unwrap().into_inner();
        n += r.envelopes.len();
        cursor = r.paging_info.unwrap().cursor;
        if cursor.is_none() {
            return n;
        }
    }
}

#[tokio::test]
async fn full_database_refuses_publishes_serves_reads_and_keeps_what_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = NodeConfig::ephemeral();
    config.database = common::persistent(dir.path()).await;
    config.limits.max_database_bytes = Some(300_000);
    let node = courier_node::start(config.clone()).await.unwrap();
    let mut c = grpc(&node).await;
    let u = User::new(41);
    let t = "/xmtp/0/m-full/proto";
    let mut accepted = 0;
    let mut refused = None;
    for i in 0..200u64 {
        let r = c
            .publish(with_auth(PublishRequest { envelopes: vec![env(t, i + 1, &vec![7; 10_000])] }, &u.bearer()))
            .await;
        match r {
            Ok(_) => accepted += 1,
            Err(s) => {
                refused = Some(s);
                break;
            }
        }
    }
    let refused = refused.expect("the database never filled up");
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(accepted > 5, "{accepted}");
    // Still full: refused again; small reads and the refused topic's reads go on.
    let again =
        c.publish(with_auth(PublishRequest { envelopes: vec![env(t, 999, &vec![8; 10_000])] }, &u.bearer())).await;
    assert_eq!(code(again), Code::ResourceExhausted);
    assert_eq!(count(&mut c, t).await, accepted);
    node.shutdown().await;

    config.limits.max_database_bytes = None;
    let node = courier_node::start(config).await.unwrap();
    let mut c = grpc(&node).await;
    assert_eq!(count(&mut c, t).await, accepted, "everything accepted survived the restart");
    c.publish(with_auth(PublishRequest { envelopes: vec![env(t, 1000, b"room again")] }, &u.bearer())).await.unwrap();
    node.shutdown().await;
}

#[cfg(unix)]
#[tokio::test]
async fn database_and_its_folder_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("data").join("courier");
    let path = folder.join("node.db");
    let mut config = NodeConfig::ephemeral();
    config.database = Database::File(path.clone());
    let node = courier_node::start(config.clone()).await.unwrap();
    let u = User::new(42);
    let e = PublishRequest { envelopes: vec![env("/xmtp/0/m-private/proto", 1, b"x")] };
    grpc(&node).await.publish(with_auth(e, &u.bearer())).await.unwrap();
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&dir.path().join("data")), 0o700);
    for f in ["node.db", "node.db-wal", "node.db-shm"] {
        assert_eq!(mode(&folder.join(f)), 0o600, "{f}");
    }
    node.shutdown().await;
    // A database left readable by others (an older version, a copy) is made private at start.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let node = courier_node::start(config).await.unwrap();
    assert_eq!(mode(&path), 0o600);
    node.shutdown().await;
}
