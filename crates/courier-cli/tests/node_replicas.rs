//! Three `courier node` processes (replicas) on one Postgres database: reference clients
//! (xmtp-js 13.0.4 through `tests/xmtpjs-peer/peer.mjs`) on different replicas hold a V2 and a
//! V1 conversation, live (the listener's subscription is on another replica than the sender)
//! and by query, and Courier reads the history back from the third replica and opens it.
//!
//! Also: a Courier client (`courier listen`, the engine's live updates) behind a load balancer
//! keeps every message when the replica it subscribed through dies.
//!
//! Needs Postgres: run under `scripts/with-postgres.sh` (scripts/test.sh does, with the kernel
//! keychain for the Courier client). Without `COURIER_TEST_PG` it says so and passes; without
//! the reference SDK it fails, as node_interop.rs does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::*;
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

/// A new schema of the test database, as a `--db` URL.
fn database(url: &str, name: &str) -> String {
    let schema = format!("cli{}_{name}", std::process::id());
    let psql = std::env::var("COURIER_PG_BIN").map_or_else(|_| "psql".into(), |b| format!("{b}/psql"));
    let made = Command::new(psql).args([url, "-qc", &format!("CREATE SCHEMA {schema}")]).status().unwrap();
    assert!(made.success());
    format!("{url}?options=-csearch_path%3D{schema}")
}

#[test]
fn reference_clients_on_different_replicas_converse_and_courier_reads_it_from_a_third() {
    let Ok(url) = std::env::var("COURIER_TEST_PG") else {
        eprintln!("skipped: needs Postgres (scripts/with-postgres.sh)");
        return;
    };
    let dir = harness();
    let db = database(&url, "sdk");
    let nodes: Vec<NodeProc> = (0..3).map(|_| NodeProc::start_on(&db, "127.0.0.1:0", "127.0.0.1:0")).collect();
    let tmp = tempfile::tempdir().unwrap();
    let (a_state, b_state) = (tmp.path().join("a.json"), tmp.path().join("b.json"));
    let (on_a, on_b, reader) = (&nodes[0].http, &nodes[1].http, &nodes[2].http);

    let who = peer(&dir, on_b, &b_state, &["whoami"]).output().unwrap();
    assert!(who.status.success(), "{}", String::from_utf8_lossy(&who.stderr));
    let b_addr = events(&who.stdout)[0]["address"].as_str().unwrap().to_owned();
    let listener = peer(&dir, on_b, &b_state, &["listen", "--count", "2", "--echo", "--timeout", "90"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(3));
    for (mode, text) in [("v2", "hello over V2 across replicas"), ("v1", "hello over V1 across replicas")] {
        let out = peer(
            &dir,
            on_a,
            &a_state,
            &["send", "--to", &b_addr, "--text", text, "--mode", mode, "--wait-reply", "45"],
        )
        .output()
        .unwrap();
        let ev = events(&out.stdout);
        assert!(out.status.success(), "{mode}: {ev:?} {}", String::from_utf8_lossy(&out.stderr));
        let reply = ev.iter().find(|e| e["event"] == "message").expect("a reply arrived across replicas");
        assert_eq!(reply["message"]["content"], format!("echo: {text}"));
        assert_eq!(reply["message"]["version"], mode);
    }
    let listened = listener.wait_with_output().unwrap();
    assert!(listened.status.success());
    assert_eq!(events(&listened.stdout).iter().filter(|e| e["event"] == "replied").count(), 2);

    let state: Value = serde_json::from_str(&std::fs::read_to_string(&b_state).unwrap()).unwrap();
    let b =
        PrivateKeyBundle::decode(&hex::decode(state["private_key_bundle_v1_hex"].as_str().unwrap()).unwrap()).unwrap();
    let cache = BundleCache::new();
    let invites = query_all(reader, &topic::invite(b.address()));
    assert!(!invites.is_empty());
    let opened = invitation::open(
        &b,
        EnvelopeRef { topic: &invites[0].0, timestamp_ns: invites[0].1, payload: &invites[0].2 },
        &cache,
    )
    .unwrap();
    let conv = &opened.invitation;
    let texts: Vec<String> = query_all(reader, &conv.topic)
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
    assert_eq!(texts, vec!["hello over V2 across replicas", "echo: hello over V2 across replicas"]);
    let dm = topic::dm(b.address(), &opened.peer);
    let texts: Vec<String> = query_all(reader, &dm)
        .iter()
        .map(|(t, ts, p)| {
            text_of(
                &v1::open(&b, EnvelopeRef { topic: t, timestamp_ns: *ts, payload: p }, &cache).unwrap().encoded_content,
            )
        })
        .collect();
    assert_eq!(texts, vec!["hello over V1 across replicas", "echo: hello over V1 across replicas"]);
    for n in nodes {
        n.terminate();
    }
}

/// A stand-in load balancer: each connection goes to the first backend that accepts it.
fn balancer(backends: Vec<SocketAddr>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Some(server) = backends.iter().find_map(|b| TcpStream::connect(b).ok()) else { continue };
            for (mut from, mut to) in [(client.try_clone().unwrap(), server.try_clone().unwrap()), (server, client)] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_courier_listener_behind_a_load_balancer_survives_the_death_of_its_replica() {
    let Ok(url) = std::env::var("COURIER_TEST_PG") else {
        eprintln!("skipped: needs Postgres (scripts/with-postgres.sh)");
        return;
    };
    let db = database(&url, "failover");
    let mut nodes: Vec<NodeProc> = (0..3).map(|_| NodeProc::start_on(&db, "127.0.0.1:0", "127.0.0.1:0")).collect();
    let addr = |n: &NodeProc| n.grpc.trim_start_matches("http://").parse::<SocketAddr>().unwrap();
    let lb = balancer(vec![addr(&nodes[0]), addr(&nodes[1])]);
    let tmp = tempfile::tempdir().unwrap();
    let (da, dbob) = (tmp.path().join("a"), tmp.path().join("b"));
    let direct = nodes[2].grpc.clone();
    let _alice = create(&da, &direct);
    let bob = create(&dbob, &lb);

    let mut listener =
        courier_cmd(&dbob, &lb, &["--json", "listen"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let (tx, heard) = std::sync::mpsc::channel::<String>();
    let stdout = listener.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(t) = json_lines(&line).first().and_then(|e| e["message"]["text"].as_str().map(str::to_owned)) {
                let _ = tx.send(t);
            }
        }
    });
    let wait_for = |want: &[&str]| {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while got.len() < want.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match heard.recv_timeout(left) {
                Ok(t) => got.push(t),
                Err(_) => panic!("heard {got:?}, wanted {want:?}"),
            }
        }
        got.sort();
        let mut want: Vec<String> = want.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "each message once");
    };
    std::thread::sleep(Duration::from_secs(2));
    ok(&courier(&da, &direct, &["send", &bob, "before the replica dies"]));
    wait_for(&["before the replica dies"]);

    // The replica the balancer chose dies; messages keep coming through another replica.
    nodes.remove(0).terminate();
    ok(&courier(&da, &direct, &["send", &bob, "while it is gone 1"]));
    ok(&courier(&da, &direct, &["send", &bob, "while it is gone 2"]));
    wait_for(&["while it is gone 1", "while it is gone 2"]);
    ok(&courier(&da, &direct, &["send", &bob, "after the reconnection"]));
    wait_for(&["after the reconnection"]);
    let extra = heard.recv_timeout(Duration::from_secs(2));
    assert!(extra.is_err(), "nothing twice: {extra:?}");
    let _ = listener.kill();
    let _ = listener.wait();
    for n in nodes {
        n.terminate();
    }
}
