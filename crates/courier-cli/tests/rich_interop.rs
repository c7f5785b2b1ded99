//! Rich content between Courier (the `courier` binary) and the reference SDK (xmtp-js 13.0.4
//! with the content-type codecs 1.1.12, through `tests/xmtpjs-peer/peer.mjs`), through a
//! `courier node` process with its attachment store: replies, reactions (added and removed),
//! read receipts, inline attachments and remote attachments, each way. Message ids match on
//! both sides; every file is compared byte for byte after the other side loaded it.
//!
//! Needs Node.js and `npm ci` in `tests/xmtpjs-peer`, and a keychain (scripts/test.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Child, Stdio};

use common::cli::*;
use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Runs peer.mjs `send` with `args`; returns the id it printed.
fn peer_send(dir: &Path, node: &NodeProc, state: &Path, args: &[&str]) -> String {
    let mut all = vec!["send", "--wait-reply", "0", "--wait-peer", "30"];
    all.extend_from_slice(args);
    let out = peer(dir, &node.http, state, &all).output().unwrap();
    let ev = events(&out.stdout);
    assert!(out.status.success(), "peer send {args:?}: {ev:?} {}", String::from_utf8_lossy(&out.stderr));
    ev.iter().find(|e| e["event"] == "sent").expect("a sent line")["id"].as_str().unwrap().to_owned()
}

fn messages(data: &Path, node: &NodeProc, peer: &str) -> Vec<Value> {
    ok(&courier(data, &node.grpc, &["sync"]));
    json_lines(&ok(&courier(data, &node.grpc, &["--json", "messages", peer, "--limit", "100"])))
}

fn by_id<'a>(list: &'a [Value], id: &str) -> &'a Value {
    list.iter().find(|m| m["id"] == id).unwrap_or_else(|| panic!("message {id} not in {list:#?}"))
}

fn sent_id(out: &str) -> String {
    json_lines(out).iter().find(|e| e["event"] == "sent").expect("sent")["message"]["id"].as_str().unwrap().to_owned()
}

fn listen(dir: &Path, node: &NodeProc, state: &Path, count: usize, save: &Path) -> Child {
    let n = count.to_string();
    let save = save.to_str().unwrap();
    peer(dir, &node.http, state, &["listen", "--count", &n, "--timeout", "150", "--save-dir", save])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn courier_and_the_reference_sdk_exchange_every_rich_content_type() {
    let dir = harness();
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let data = tmp.path().join("courier");
    let store = ["--attachments-url", &node.http];
    let bob = ok(&courier(&data, &node.grpc, &["account", "create"])).trim().to_owned();
    let a_state = tmp.path().join("a.json");
    let who = peer(&dir, &node.http, &a_state, &["whoami"]).output().unwrap();
    let alice = events(&who.stdout)[0]["address"].as_str().unwrap().to_owned();

    // Files: a small PNG (inline) and 700 KiB (remote, above the inline limit).
    let small: Vec<u8> = [&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a][..], &[42; 300]].concat();
    let big: Vec<u8> = (0..700 * 1024).map(|i| (i * 7 % 253) as u8).collect();
    let (small_path, big_path) = (tmp.path().join("dot.png"), tmp.path().join("big file.bin"));
    std::fs::write(&small_path, &small).unwrap();
    std::fs::write(&big_path, &big).unwrap();

    // Reference → Courier.
    let hello = peer_send(&dir, &node, &a_state, &["--to", &bob, "--text", "hello Courier"]);
    let list = messages(&data, &node, &alice);
    assert_eq!(by_id(&list, &hello)["text"], "hello Courier", "the same id on both sides");
    // Courier answers (which allows the peer), so a receipt from the reference means something.
    let hi = sent_id(&ok(&courier(&data, &node.grpc, &["--json", "send", &alice, "hi from Courier"])));
    let reply = peer_send(&dir, &node, &a_state, &["--to", &bob, "--text", "a reply", "--reply-to", &hi]);
    let thumbs = peer_send(&dir, &node, &a_state, &["--to", &bob, "--react", &hi, "--emoji", "👍"]);
    let party = peer_send(&dir, &node, &a_state, &["--to", &bob, "--react", &hi, "--emoji", "🎉"]);
    peer_send(&dir, &node, &a_state, &["--to", &bob, "--react", &hi, "--emoji", "🎉", "--remove"]);
    let inline = peer_send(&dir, &node, &a_state, &["--to", &bob, "--attachment", small_path.to_str().unwrap()]);
    let remote = peer_send(
        &dir,
        &node,
        &a_state,
        &["--to", &bob, "--remote-attachment", big_path.to_str().unwrap(), "--upload-url", &node.http],
    );
    peer_send(&dir, &node, &a_state, &["--to", &bob, "--read-receipt"]);

    let list = messages(&data, &node, &alice);
    let ids: Vec<&str> = list.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&thumbs.as_str()) && !ids.contains(&party.as_str()), "reactions are not listed");
    assert_eq!(list.len(), 5, "hello, hi, the reply, two files; no reaction or receipt: {list:#?}");
    let r = by_id(&list, &reply);
    assert_eq!((r["reply_to"].as_str(), r["text"].as_str()), (Some(hi.as_str()), Some("a reply")));
    assert_eq!(r["content_type"], "xmtp.org/reply:1.0");
    let h = by_id(&list, &hi);
    assert_eq!(h["reactions"], serde_json::json!([{"emoji": "👍", "from": [alice.clone()], "mine": false}]));
    assert_eq!(h["read"], true, "the reference's read receipt covers Courier's message");
    let a = &by_id(&list, &inline)["attachment"];
    assert_eq!(
        (a["filename"].as_str(), a["mime_type"].as_str(), a["size"].as_u64()),
        (Some("dot.png"), Some("image/png"), Some(small.len() as u64))
    );
    assert_eq!(a["remote"], false);
    let a = &by_id(&list, &remote)["attachment"];
    assert_eq!((a["filename"].as_str(), a["remote"].as_bool()), (Some("big file.bin"), Some(true)));
    for (id, want) in [(&inline, &small), (&remote, &big)] {
        let out = tmp.path().join(format!("saved-{id}"));
        ok(&courier(&data, &node.grpc, &[store[0], store[1], "save", &alice, id, "--out", out.to_str().unwrap()]));
        assert_eq!(sha(&std::fs::read(&out).unwrap()), sha(want), "saved byte for byte");
    }

    // Courier → reference.
    let saved = tmp.path().join("ref-saved");
    let listener = listen(&dir, &node, &a_state, 5, &saved);
    std::thread::sleep(std::time::Duration::from_secs(4));
    let c_reply = sent_id(&ok(&courier(&data, &node.grpc, &["--json", "send", &alice, "noted", "--reply-to", &hello])));
    let react_out = ok(&courier(&data, &node.grpc, &["--json", "react", &alice, &hello, "🚀"]));
    assert_eq!(json_lines(&react_out)[0]["reactions"][0]["mine"], true);
    let c_inline = sent_id(&ok(&courier(
        &data,
        &node.grpc,
        &[store[0], store[1], "--json", "send-file", &alice, small_path.to_str().unwrap()],
    )));
    let c_remote = sent_id(&ok(&courier(
        &data,
        &node.grpc,
        &[store[0], store[1], "--json", "send-file", &alice, big_path.to_str().unwrap(), "--remote"],
    )));
    ok(&courier(&data, &node.grpc, &["--json", "react", &alice, &hello, "🚀", "--remove"]));
    let heard = listener.wait_with_output().unwrap();
    let ev: Vec<Value> = events(&heard.stdout).into_iter().filter(|e| e["event"] == "message").collect();
    assert!(heard.status.success(), "{ev:#?} {}", String::from_utf8_lossy(&heard.stderr));
    let get = |id: &str| ev.iter().find(|e| e["id"] == id).unwrap_or_else(|| panic!("{id} not heard: {ev:#?}"));
    assert_eq!(
        (get(&c_reply)["content_type"].as_str(), get(&c_reply)["reference"].as_str()),
        (Some("xmtp.org/reply:1.0"), Some(hello.as_str()))
    );
    let reactions: Vec<(&str, &str, &str)> = ev
        .iter()
        .filter(|e| e["content_type"] == "xmtp.org/reaction:1.0")
        .map(|e| (e["emoji"].as_str().unwrap(), e["action"].as_str().unwrap(), e["reference"].as_str().unwrap()))
        .collect();
    assert_eq!(reactions, [("🚀", "added", hello.as_str()), ("🚀", "removed", hello.as_str())]);
    let f = &get(&c_inline)["attachment"];
    assert_eq!((f["filename"].as_str(), f["sha256"].as_str()), (Some("dot.png"), Some(sha(&small).as_str())));
    let f = &get(&c_remote)["attachment"];
    assert_eq!(f["sha256"].as_str(), Some(sha(&big).as_str()), "the reference loaded Courier's remote file: {f}");
    assert_eq!(get(&c_remote)["content_type"], "xmtp.org/remoteStaticAttachment:1.0");
}
