//! The gRPC API against a real node on loopback: publish, query, paging, batch, subscriptions,
//! limits, auth, persistence.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::*;
use courier_node::{Database, NodeConfig};
use tokio_stream::StreamExt;
use tonic::Code;
use xmtp_crypto::topic;
use xmtp_proto::message_api::v1::{
    BatchQueryRequest, Cursor, PagingInfo, PublishRequest, QueryRequest, SortDirection, SubscribeAllRequest,
    SubscribeRequest,
};

fn query(topics: &[&str], limit: u32, direction: SortDirection, cursor: Option<Cursor>) -> QueryRequest {
    QueryRequest {
        content_topics: topics.iter().map(|s| s.to_string()).collect(),
        start_time_ns: 0,
        end_time_ns: 0,
        paging_info: Some(PagingInfo { limit, cursor, direction: direction as i32 }),
    }
}

#[tokio::test]
async fn publish_query_and_page_both_directions() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let u = User::new(1);
    let t = "/xmtp/0/m-paging/proto";
    let envs: Vec<_> = (1..=250u64).map(|i| env(t, i * 10, format!("m{i}").as_bytes())).collect();
    c.publish(with_auth(PublishRequest { envelopes: envs.clone() }, &u.bearer())).await.unwrap();

    for (direction, expect_first) in [(SortDirection::Ascending, 10), (SortDirection::Descending, 2500)] {
        let mut seen = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let r = c.query(query(&[t], 100, direction, cursor.clone())).await.unwrap().into_inner();
            pages += 1;
            let p = r.paging_info.unwrap();
            seen.extend(r.envelopes.iter().map(|e| e.timestamp_ns));
            assert_eq!(p.direction, direction as i32);
            if r.envelopes.len() < 100 {
                assert_eq!(p.limit, 0);
                assert!(p.cursor.is_none());
                break;
            }
            assert_eq!(p.limit, 100);
            cursor = p.cursor;
        }
        assert_eq!(pages, 3);
        assert_eq!(seen.len(), 250);
        assert_eq!(seen[0], expect_first);
        let mut sorted = seen.clone();
        sorted.sort();
        if direction == SortDirection::Descending {
            sorted.reverse();
        }
        assert_eq!(seen, sorted);
    }
    // Defaults: no paging info = descending, 100 rows.
    let r = c.query(QueryRequest { content_topics: vec![t.into()], ..Default::default() }).await.unwrap().into_inner();
    assert_eq!(r.envelopes.len(), 100);
    assert_eq!(r.envelopes[0].timestamp_ns, 2500);
    // Time bounds are inclusive.
    let mut q = query(&[t], 0, SortDirection::Ascending, None);
    q.start_time_ns = 100;
    q.end_time_ns = 150;
    let r = c.query(q).await.unwrap().into_inner();
    assert_eq!(r.envelopes.iter().map(|e| e.timestamp_ns).collect::<Vec<_>>(), vec![100, 110, 120, 130, 140, 150]);
    node.shutdown().await;
}

#[tokio::test]
async fn exactly_full_last_page_yields_cursor_then_empty_page_and_multi_topic_merge() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let u = User::new(2);
    let (a, b) = ("/xmtp/0/m-a/proto", "/xmtp/0/m-b/proto");
    let envs: Vec<_> = (0..10u64).map(|i| env(if i % 2 == 0 { a } else { b }, 100 + i, &[i as u8])).collect();
    c.publish(with_auth(PublishRequest { envelopes: envs }, &u.bearer())).await.unwrap();
    let r = c.query(query(&[a], 5, SortDirection::Ascending, None)).await.unwrap().into_inner();
    assert_eq!(r.envelopes.len(), 5);
    let cursor = r.paging_info.unwrap().cursor;
    assert!(cursor.is_some());
    let r = c.query(query(&[a], 5, SortDirection::Ascending, cursor)).await.unwrap().into_inner();
    assert!(r.envelopes.is_empty());
    let r = c.query(query(&[a, b], 7, SortDirection::Ascending, None)).await.unwrap().into_inner();
    assert_eq!(r.envelopes.iter().map(|e| e.timestamp_ns).collect::<Vec<_>>(), (100..107).collect::<Vec<_>>());
    node.shutdown().await;
}

#[tokio::test]
async fn limits_and_bad_requests() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let u = User::new(3);
    assert_eq!(code(c.query(query(&[], 10, SortDirection::Ascending, None)).await), Code::InvalidArgument);
    assert_eq!(code(c.query(query(&["/t"], 101, SortDirection::Ascending, None)).await), Code::InvalidArgument);
    let prefs = "/xmtp/0/userpreferences-abc/proto";
    assert!(c.query(query(&[prefs], 500, SortDirection::Ascending, None)).await.is_ok());
    assert_eq!(code(c.query(query(&[prefs], 501, SortDirection::Ascending, None)).await), Code::InvalidArgument);
    assert_eq!(code(c.query(query(&[prefs, "/t"], 500, SortDirection::Ascending, None)).await), Code::InvalidArgument);
    let batch = BatchQueryRequest { requests: vec![query(&["/t"], 1, SortDirection::Ascending, None); 51] };
    assert_eq!(code(c.batch_query(batch).await), Code::InvalidArgument);
    let batch = BatchQueryRequest { requests: vec![query(&["/t"], 101, SortDirection::Ascending, None)] };
    assert_eq!(code(c.batch_query(batch).await), Code::Internal);
    let long = format!("/xmtp/0/{}/proto", "x".repeat(300));
    let r = c.publish(with_auth(PublishRequest { envelopes: vec![env(&long, 1, b"x")] }, &u.bearer())).await;
    assert_eq!(r.unwrap_err().message(), "topic length too big");
    let big = vec![0u8; 1_048_215];
    let r =
        c.publish(with_auth(PublishRequest { envelopes: vec![env("/xmtp/0/m-x/proto", 1, &big)] }, &u.bearer())).await;
    assert_eq!(r.unwrap_err().message(), "message too big");
    let fits = vec![0u8; 1_048_214];
    c.publish(with_auth(PublishRequest { envelopes: vec![env("/xmtp/0/m-x/proto", 1, &fits)] }, &u.bearer()))
        .await
        .unwrap();
    c.publish(with_auth(PublishRequest { envelopes: vec![] }, &u.bearer())).await.unwrap();
    node.shutdown().await;
}

#[tokio::test]
async fn auth_rules() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let (u, other) = (User::new(4), User::new(5));
    let msg = |t: &str| PublishRequest { envelopes: vec![env(t, 1, b"x")] };
    assert_eq!(code(c.publish(msg("/xmtp/0/m-x/proto")).await), Code::Unauthenticated);
    assert_eq!(code(c.publish(with_auth(msg("/xmtp/0/m-x/proto"), "Bearer AAAA")).await), Code::Unauthenticated);
    assert_eq!(code(c.publish(with_auth(msg("/xmtp/0/m-x/proto"), "Basic abc")).await), Code::Unauthenticated);
    let old = u.bearer_at(now_ns() - 3_700 * 1_000_000_000);
    assert_eq!(code(c.publish(with_auth(msg("/xmtp/0/m-x/proto"), &old)).await), Code::Unauthenticated);
    let own_contact = topic::contact(u.keys.address());
    c.publish(with_auth(msg(&own_contact), &u.bearer())).await.unwrap();
    c.publish(with_auth(msg(&topic::private_store(u.keys.address())), &u.bearer())).await.unwrap();
    let theirs = topic::contact(other.keys.address());
    assert_eq!(code(c.publish(with_auth(msg(&theirs), &u.bearer())).await), Code::PermissionDenied);
    let theirs = topic::private_store(other.keys.address());
    assert_eq!(code(c.publish(with_auth(msg(&theirs), &u.bearer())).await), Code::PermissionDenied);
    c.publish(with_auth(msg(&topic::invite(other.keys.address())), &u.bearer())).await.unwrap();
    node.shutdown().await;
}

#[tokio::test]
async fn subscriptions_duplicates_and_ephemeral() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let u = User::new(6);
    let t = "/xmtp/0/m-live/proto";
    let eph = topic::ephemeral(&t.parse().unwrap()).unwrap();
    let resp = c.subscribe(SubscribeRequest { content_topics: vec![t.into(), eph.to_string()] }).await.unwrap();
    assert_eq!(resp.metadata().get("subscribed").unwrap(), "true");
    let mut stream = resp.into_inner();
    let mut all = c.subscribe_all(SubscribeAllRequest {}).await.unwrap().into_inner();
    let e1 = env(t, 5, b"one");
    for _ in 0..2 {
        // the second publish is an exact duplicate: ignored by storage, still relayed
        c.publish(with_auth(PublishRequest { envelopes: vec![e1.clone()] }, &u.bearer())).await.unwrap();
    }
    c.publish(with_auth(PublishRequest { envelopes: vec![env(&eph, 6, b"typing")] }, &u.bearer())).await.unwrap();
    c.publish(with_auth(PublishRequest { envelopes: vec![env("/not-xmtp", 7, b"z")] }, &u.bearer())).await.unwrap();
    let got: Vec<_> = (&mut stream).take(3).map(|e| e.unwrap()).collect().await;
    assert_eq!(got.iter().map(|e| e.timestamp_ns).collect::<Vec<_>>(), vec![5, 5, 6]);
    let got: Vec<_> = (&mut all).take(3).map(|e| e.unwrap()).collect().await;
    assert_eq!(got.iter().map(|e| &e.content_topic[..]).collect::<Vec<_>>(), vec![t, t, &eph[..]]);
    let r = c.query(query(&[t], 0, SortDirection::Ascending, None)).await.unwrap().into_inner();
    assert_eq!(r.envelopes.len(), 1, "duplicate stored once");
    let r = c.query(query(&[&eph], 0, SortDirection::Ascending, None)).await.unwrap().into_inner();
    assert!(r.envelopes.is_empty(), "ephemeral never stored");
    node.shutdown().await;
}

#[tokio::test]
async fn subscribe2_replaces_the_topic_set() {
    let node = node().await;
    let mut c = grpc(&node).await;
    let u = User::new(7);
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(SubscribeRequest { content_topics: vec!["/xmtp/0/m-1/proto".into()] }).await.unwrap();
    let resp = c.subscribe2(tokio_stream::wrappers::ReceiverStream::new(rx)).await.unwrap();
    assert_eq!(resp.metadata().get("subscribed").unwrap(), "true");
    let mut s = resp.into_inner();
    let publish = |t: &'static str, ts: u64| {
        let mut c = c.clone();
        let b = u.bearer();
        async move { c.publish(with_auth(PublishRequest { envelopes: vec![env(t, ts, b"x")] }, &b)).await.unwrap() }
    };
    // The first request is applied before anything is published: wait for it to land.
    tokio::time::sleep(Duration::from_millis(100)).await;
    publish("/xmtp/0/m-1/proto", 1).await;
    assert_eq!(s.next().await.unwrap().unwrap().timestamp_ns, 1);
    tx.send(SubscribeRequest { content_topics: vec!["/xmtp/0/m-2/proto".into()] }).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    publish("/xmtp/0/m-1/proto", 2).await;
    publish("/xmtp/0/m-2/proto", 3).await;
    assert_eq!(s.next().await.unwrap().unwrap().timestamp_ns, 3);
    node.shutdown().await;
}

#[tokio::test]
async fn envelopes_survive_a_restart_and_bad_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig { database: common::persistent(dir.path()).await, ..NodeConfig::ephemeral() };
    let u = User::new(8);
    let node = courier_node::start(config.clone()).await.unwrap();
    let mut c = grpc(&node).await;
    let envs: Vec<_> = (0..500u64).map(|i| env("/xmtp/0/m-keep/proto", i, &i.to_le_bytes())).collect();
    for chunk in envs.chunks(50) {
        c.publish(with_auth(PublishRequest { envelopes: chunk.to_vec() }, &u.bearer())).await.unwrap();
    }
    node.shutdown().await;
    let node = courier_node::start(config).await.unwrap();
    let mut c = grpc(&node).await;
    let mut n = 0;
    let mut cursor = None;
    loop {
        let r = c
            .query(query(&["/xmtp/0/m-keep/proto"], 100, SortDirection::Ascending, cursor))
            .await
            .unwrap()
            .into_inner();
        n += r.envelopes.len();
        cursor = r.paging_info.and_then(|p| p.cursor);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(n, 500);
    node.shutdown().await;

    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x42u8; 8192]).unwrap();
    let before = std::fs::read(&junk).unwrap();
    let err = courier_node::start(NodeConfig { database: Database::File(junk.clone()), ..NodeConfig::ephemeral() })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("junk.db"), "{err}");
    assert_eq!(std::fs::read(&junk).unwrap(), before, "a refused database is left untouched");
}
