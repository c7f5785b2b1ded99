//! Two reference clients (xmtp-js 13.0.4 through `tests/xmtpjs-peer/peer.mjs`) create
//! identities, start a V2 and a V1 conversation and exchange messages both ways through a
//! `courier node` process; afterwards Courier reads the whole history back from the node and
//! opens it. Also: a node process keeps every envelope across a SIGTERM restart.
//!
//! Needs Node.js and `npm ci` in `tests/xmtpjs-peer` (scripts/test.sh does both); without them
//! this test fails with that message rather than skipping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Stdio;

use common::*;

use serde_json::Value;
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::{EnvelopeRef, content, invitation, topic, v1, v2};

fn text_of(encoded: &[u8]) -> String {
    match content::decode(encoded).unwrap().content {
        content::Content::Text(t) => t,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn reference_clients_converse_through_a_courier_node_and_courier_reads_the_history() {
    let dir = harness();
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (a_state, b_state) = (tmp.path().join("a.json"), tmp.path().join("b.json"));

    let who = peer(&dir, &node.http, &b_state, &["whoami"]).output().unwrap();
    assert!(who.status.success(), "{}", String::from_utf8_lossy(&who.stderr));
    let b_addr = events(&who.stdout)[0]["address"].as_str().unwrap().to_owned();

    let listener = peer(&dir, &node.http, &b_state, &["listen", "--count", "2", "--echo", "--timeout", "90"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    for (mode, text) in [("v2", "hello over V2 via courier node"), ("v1", "hello over V1 via courier node")] {
        let out = peer(
            &dir,
            &node.http,
            &a_state,
            &["send", "--to", &b_addr, "--text", text, "--mode", mode, "--wait-reply", "45"],
        )
        .output()
        .unwrap();
        let ev = events(&out.stdout);
        assert!(out.status.success(), "{mode}: {ev:?} {}", String::from_utf8_lossy(&out.stderr));
        let reply = ev.iter().find(|e| e["event"] == "message").expect("a reply arrived");
        assert_eq!(reply["message"]["content"], format!("echo: {text}"));
        assert_eq!(reply["message"]["version"], mode);
    }
    let listened = listener.wait_with_output().unwrap();
    assert!(listened.status.success());
    assert_eq!(events(&listened.stdout).iter().filter(|e| e["event"] == "replied").count(), 2);

    // Courier reads the whole history from the node with B's keys.
    let state: Value = serde_json::from_str(&std::fs::read_to_string(&b_state).unwrap()).unwrap();
    let b =
        PrivateKeyBundle::decode(&hex::decode(state["private_key_bundle_v1_hex"].as_str().unwrap()).unwrap()).unwrap();
    let cache = BundleCache::new();
    let invites = query_all(&node.http, &topic::invite(b.address()));
    assert!(!invites.is_empty());
    let opened = invitation::open(
        &b,
        EnvelopeRef { topic: &invites[0].0, timestamp_ns: invites[0].1, payload: &invites[0].2 },
        &cache,
    )
    .unwrap();
    let conv = &opened.invitation;
    let texts: Vec<String> = query_all(&node.http, &conv.topic)
        .iter()
        .map(|(t, ts, p)| {
            let o = v2::open(
                &conv.topic,
                conv.key_material.expose(),
                EnvelopeRef { topic: t, timestamp_ns: *ts, payload: p },
                &cache,
            )
            .unwrap();
            text_of(&o.encoded_content)
        })
        .collect();
    assert_eq!(texts, vec!["hello over V2 via courier node", "echo: hello over V2 via courier node"]);
    let dm = topic::dm(b.address(), &opened.peer);
    let texts: Vec<String> = query_all(&node.http, &dm)
        .iter()
        .map(|(t, ts, p)| {
            text_of(
                &v1::open(&b, EnvelopeRef { topic: t, timestamp_ns: *ts, payload: p }, &cache).unwrap().encoded_content,
            )
        })
        .collect();
    assert_eq!(texts, vec!["hello over V1 via courier node", "echo: hello over V1 via courier node"]);
    node.terminate();
}

#[test]
fn a_node_process_keeps_everything_across_sigterm() {
    let dir = harness();
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("node.db");
    let node = NodeProc::start(&db);
    let state = tmp.path().join("c.json");
    assert!(peer(&dir, &node.http, &state, &["whoami"]).output().unwrap().status.success());
    let addr: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    let addr = xmtp_crypto::WalletAddress::parse(addr["address"].as_str().unwrap()).unwrap();
    let before = query_all(&node.http, &topic::contact(&addr));
    let stored = query_all(&node.http, &topic::private_store(&addr));
    assert_eq!(before.len(), 2, "legacy and V2 contact bundles");
    assert_eq!(stored.len(), 1);
    node.terminate();
    let node = NodeProc::start(&db);
    assert_eq!(query_all(&node.http, &topic::contact(&addr)), before);
    assert_eq!(query_all(&node.http, &topic::private_store(&addr)), stored);
    // The reference client starts again on the restarted node: it finds its newest contact
    // bundle (a descending query) equal to its own and publishes nothing new.
    let again = peer(&dir, &node.http, &state, &["whoami"]).output().unwrap();
    assert!(again.status.success());
    assert_eq!(query_all(&node.http, &topic::contact(&addr)).len(), 2);
    node.terminate();
}
