//! The `courier` headless client end to end, as processes: against the reference SDK through a
//! `courier node` process, killed with SIGKILL mid-send and mid-sync, and across node restarts.
//! Keys live in the real keychain (run through scripts/test.sh: D-Bus + gnome-keyring; or set
//! COURIER_TEST_KEYCHAIN=kernel inside `keyctl session`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cli::*;
use common::*;
use courier_engine::{Backend, Keychain};
use xmtp_crypto::WalletAddress;

fn keychain() -> Keychain {
    Keychain::new(
        std::env::var("COURIER_TEST_KEYCHAIN").ok().and_then(|b| Backend::parse(&b)).unwrap_or(Backend::SecretService),
    )
}

/// The keychain name of an account's items in a data folder.
fn keychain_name(data: &Path, address: &str) -> String {
    let cfg = courier_engine::Config {
        data_dir: data.to_owned(),
        node_url: String::new(),
        keychain: keychain(),
        node_proof: None,
        attachments_url: None,
    };
    courier_engine::account::keychain_name(&cfg, &WalletAddress::parse(address).unwrap()).unwrap()
}

/// Removes accounts from a data folder (their keychain items too) with the CLI.
fn remove(data: &Path, node: &str, accounts: &[&str]) {
    for a in accounts {
        ok(&courier(data, node, &["--account", a, "account", "remove", "--yes"]));
    }
}

/// Every id of the V2 messages stored on the node for the conversation between two accounts.
fn node_ids(http: &str, topic: &str) -> Vec<String> {
    query_all(http, topic).iter().map(|(_, _, p)| xmtp_crypto::envelope::message_id(p).to_string()).collect()
}

#[test]
fn courier_and_the_reference_sdk_converse_and_no_key_leaks() {
    let dir = harness();
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let data = tmp.path().join("alice");
    let mut outputs = String::new();

    let alice = create(&data, &node.grpc);
    let b_state = tmp.path().join("b.json");
    let who = peer(&dir, &node.http, &b_state, &["whoami"]).output().unwrap();
    let bob = events(&who.stdout)[0]["address"].as_str().unwrap().to_owned();
    let listener = peer(&dir, &node.http, &b_state, &["listen", "--count", "2", "--echo", "--timeout", "60"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));

    let cm = ok(&courier(&data, &node.grpc, &["--json", "can-message", &bob]));
    assert_eq!(json_lines(&cm)[0]["can_message"], true);
    for args in [vec!["send", &bob, "hi xmtp-js, this is Courier (V2)"], vec!["send", &bob, "and V1", "--v1"]] {
        outputs += &ok(&courier(&data, &node.grpc, &args));
    }
    let heard = listener.wait_with_output().unwrap();
    let heard = events(&heard.stdout);
    let texts: Vec<&str> =
        heard.iter().filter(|e| e["event"] == "message").filter_map(|e| e["message"]["content"].as_str()).collect();
    assert_eq!(texts, vec!["hi xmtp-js, this is Courier (V2)", "and V1"], "the reference client read both");

    // The reference client starts a conversation of its own with a context id.
    let out = peer(
        &dir,
        &node.http,
        &b_state,
        &[
            "send",
            "--to",
            &alice,
            "--text",
            "new thread from xmtp-js",
            "--conversation-id",
            "xmtp.org/thread",
            "--wait-reply",
            "0",
        ],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    outputs += &ok(&courier(&data, &node.grpc, &["sync"]));
    // Logs at the most verbose level go into the scan too.
    let verbose = courier_cmd(&data, &node.grpc, &["sync"]).env("RUST_LOG", "trace").output().unwrap();
    outputs += &String::from_utf8_lossy(&verbose.stderr);
    outputs += &String::from_utf8_lossy(&verbose.stdout);
    let msgs = ok(&courier(&data, &node.grpc, &["--json", "messages", &bob]));
    outputs += &msgs;
    let texts: Vec<String> = json_lines(&msgs).iter().map(|m| m["text"].as_str().unwrap().to_owned()).collect();
    for want in [
        "hi xmtp-js, this is Courier (V2)",
        "echo: hi xmtp-js, this is Courier (V2)",
        "and V1",
        "echo: and V1",
        "new thread from xmtp-js",
    ] {
        assert!(texts.iter().any(|t| t == want), "missing {want:?} in {texts:?}");
    }
    let convs = ok(&courier(&data, &node.grpc, &["--json", "conversations"]));
    outputs += &convs;
    let convs = json_lines(&convs);
    assert_eq!(convs.len(), 3, "V2, V1 and the context conversation: {convs:?}");
    assert!(convs.iter().any(|c| c["conversation_id"] == "xmtp.org/thread" && c["unread"] == 1));

    // Bad input: one line on stderr, non-zero exit, nothing written.
    for args in [
        vec!["send", "0x1234", "x"],
        vec!["send", "0x0000000000000000000000000000000000000001", "x"],
        vec!["--account", "0xnope", "conversations"],
    ] {
        let out = courier(&data, &node.grpc, &args);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!err.contains("panicked"));
        outputs += &err;
    }
    // (bob's bundle is cached for a while; a stranger's must be looked up.)
    let unreachable =
        courier(&data, "http://127.0.0.1:1", &["can-message", "0x00000000000000000000000000000000000000a1"]);
    assert!(!unreachable.status.success());
    assert!(String::from_utf8_lossy(&unreachable.stderr).contains("unreachable"));

    // Scan everything Courier wrote or printed for alice's key material.
    let kc = keychain();
    let name = keychain_name(&data, &alice);
    let identity = kc.load(&name, "identity").unwrap().unwrap();
    let phrase = kc.load(&name, "phrase").unwrap().unwrap();
    let store_key = kc.load(&name, "store-key").unwrap().unwrap();
    let wallet = ok(&courier(&data, &node.grpc, &["account", "export-key"]));
    let wallet = xmtp_crypto::Secret::new(wallet.trim().to_owned());
    let bundle = xmtp_crypto::PrivateKeyBundle::decode(&hex::decode(identity.expose()).unwrap()).unwrap();
    let mut needles = vec![
        hex::decode(wallet.expose()).unwrap(),
        wallet.expose().as_bytes().to_vec(),
        identity.expose().as_bytes().to_vec(),
        phrase.expose().as_bytes().to_vec(),
        store_key.expose().as_bytes().to_vec(),
        hex::decode(store_key.expose()).unwrap(),
    ];
    for k in std::iter::once(bundle.identity()).chain(bundle.pre_keys()) {
        let b = k.secret().to_bytes();
        needles.push(b.expose().to_vec());
        needles.push(hex::encode(b.expose()).into_bytes());
    }
    let mut haystacks: Vec<(String, Vec<u8>)> = vec![("CLI output".into(), outputs.into_bytes())];
    for f in walk(&data) {
        haystacks.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    for (name, hay) in &haystacks {
        for n in &needles {
            assert!(!hay.windows(n.len()).any(|w| w == n.as_slice()), "key material in {name}");
        }
    }
    remove(&data, &node.grpc, &[&alice]);
    assert_eq!(kc.load(&name, "identity").unwrap(), None, "remove deletes the keys");
    node.terminate();
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

fn kill9_after(mut child: std::process::Child, ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
    let _ = child.kill();
    let _ = child.wait();
}

fn store_ids(data: &Path, address: &str) -> Vec<(String, String, String)> {
    let db = data.join("accounts").join(address).join("courier.db");
    let name = keychain_name(data, address);
    let key = keychain().load(&name, "store-key").unwrap().expect("the store key is in the keychain");
    let store = courier_store::Store::open(&db, &courier_store::StoreKey::from_hex(key.expose()).unwrap()).unwrap();
    assert!(store.integrity_ok().unwrap(), "integrity_check");
    let mut out = Vec::new();
    for c in store.conversations().unwrap() {
        for m in store.messages(&c.topic, None, 100_000).unwrap() {
            out.push((m.id.to_string(), m.topic.to_string(), m.preview));
        }
    }
    out
}

#[test]
fn sigkill_mid_send_and_mid_sync_loses_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let alice = create(&da, &node.grpc);
    let bob = create(&db, &node.grpc);
    ok(&courier(&da, &node.grpc, &["send", &bob, "first"]));
    // Kill sends at different moments: before, during and after the store write and the publish.
    for i in 0..12u64 {
        let child = courier_cmd(&da, &node.grpc, &["send", &bob, &format!("message {i}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill9_after(child, 20 + i * 15);
    }
    // Kill syncs of bob likewise.
    for i in 0..8u64 {
        let child =
            courier_cmd(&db, &node.grpc, &["sync"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        kill9_after(child, 10 + i * 20);
    }
    // Restart: the outbox is flushed, bob catches up.
    ok(&courier(&da, &node.grpc, &["sync"]));
    ok(&courier(&db, &node.grpc, &["sync"]));

    let sent = store_ids(&da, &alice);
    let conv_topic = &sent[0].1;
    let on_node = node_ids(&node.http, conv_topic);
    let unique: HashSet<&String> = on_node.iter().collect();
    assert_eq!(unique.len(), on_node.len(), "no envelope twice on the node");
    for (id, _, text) in &sent {
        assert_eq!(on_node.iter().filter(|n| *n == id).count(), 1, "{text} is on the node exactly once");
    }
    assert_eq!(on_node.len(), sent.len(), "nothing on the node that alice does not know as hers");
    let received = store_ids(&db, &bob);
    let got: HashSet<&String> = received.iter().map(|(id, _, _)| id).collect();
    for (id, _, text) in &sent {
        assert!(got.contains(id), "bob is missing {text}");
    }
    assert_eq!(got.len(), received.len());
    let states = ok(&courier(&da, &node.grpc, &["--json", "messages", &bob, "--limit", "1000"]));
    assert!(json_lines(&states).iter().all(|m| m["state"] == "sent"), "{states}");
    remove(&da, &node.grpc, &[&alice]);
    remove(&db, &node.grpc, &[&bob]);
    node.terminate();
}

#[test]
fn node_restarts_while_messages_flow_and_the_listener_catches_up() {
    let tmp = tempfile::tempdir().unwrap();
    let db_path = tmp.path().join("node.db");
    let mut node = NodeProc::start(&db_path);
    let (grpc_addr, http_addr) =
        (node.grpc.trim_start_matches("http://").to_owned(), node.http.trim_start_matches("http://").to_owned());
    let (da, db) = (tmp.path().join("a"), tmp.path().join("b"));
    let alice = create(&da, &node.grpc);
    let bob = create(&db, &node.grpc);
    ok(&courier(&da, &node.grpc, &["send", &bob, "before the listener"]));

    let listener = courier_cmd(&db, &node.grpc, &["--json", "listen"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let mut expected = vec!["before the listener".to_owned()];
    for round in 0..3 {
        for i in 0..3 {
            let text = format!("round {round} message {i}");
            ok(&courier(&da, &node.grpc, &["send", &bob, &text]));
            expected.push(text);
        }
        let url = node.grpc.clone();
        node.terminate();
        // While the node is down, sends stay pending in the outbox.
        let text = format!("sent while the node is down {round}");
        let out = ok(&courier(&da, &url, &["send", &bob, &text]));
        assert!(out.starts_with("pending"), "{out}");
        expected.push(text);
        std::thread::sleep(Duration::from_millis(500));
        node = NodeProc::start_on(&db_path, &grpc_addr, &http_addr);
        ok(&courier(&da, &node.grpc, &["sync"]));
    }
    // Give the listener time to reconnect (backoff) and catch up.
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let have = store_count(&db, &bob);
        if have >= expected.len() || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut child = listener;
    let _ = child.kill();
    let out = child.wait_with_output().unwrap();
    let printed: Vec<String> = json_lines(&String::from_utf8_lossy(&out.stdout))
        .iter()
        .filter_map(|e| e["message"]["text"].as_str().map(str::to_owned))
        .collect();
    let stored: Vec<String> = store_ids(&db, &bob).into_iter().map(|(_, _, t)| t).collect();
    let mut sorted_stored = stored.clone();
    sorted_stored.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted_stored, want, "every message exactly once in bob's store");
    let unique: HashSet<&String> = printed.iter().collect();
    assert_eq!(unique.len(), printed.len(), "listen printed nothing twice: {printed:?}");
    assert!(printed.len() >= expected.len() - 1, "listen printed the messages as they came: {printed:?}");
    let _ = alice;
    node.terminate();
}

fn store_count(data: &Path, address: &str) -> usize {
    store_ids(data, address).len()
}

#[test]
fn accounts_side_by_side_and_a_missing_keychain_entry_is_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let data = tmp.path().join("d");
    let a = create(&data, &node.grpc);
    let b = create(&data, &node.grpc);
    // The newest is the default; the other is chosen with --account.
    assert_eq!(ok(&courier(&data, &node.grpc, &["account", "show"])).trim(), b);
    assert_eq!(ok(&courier(&data, &node.grpc, &["--account", &a, "account", "show"])).trim(), a);
    ok(&courier(&data, &node.grpc, &["--account", &a, "send", &b, "hello me"]));
    ok(&courier(&data, &node.grpc, &["sync"]));
    let m = ok(&courier(&data, &node.grpc, &["messages", &a]));
    assert!(m.contains("hello me"));
    let backup = ok(&courier(&data, &node.grpc, &["account", "export-backup"]));
    assert!(backup.trim().len() > 200 && hex::decode(backup.trim()).is_ok());
    // Another machine: keys wiped from the keychain.
    let kc = keychain();
    kc.delete(&keychain_name(&data, &a), "identity").unwrap();
    let out = courier(&data, &node.grpc, &["--account", &a, "conversations"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("keychain has no keys"));
    remove(&data, &node.grpc, &[&a, &b]);
    node.terminate();
}

#[test]
fn the_phrase_printed_at_creation_brings_the_account_back() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (data, peer_data) = (tmp.path().join("d"), tmp.path().join("p"));
    let out = courier(&data, &node.grpc, &["account", "create"]);
    let me = ok(&out).trim().to_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "a one-line warning and the phrase: {err}");
    assert!(lines[0].contains("recovery phrase"));
    let phrase = lines[1].trim().to_owned();
    assert_eq!(phrase.split(' ').count(), 12);
    assert_eq!(ok(&courier(&data, &node.grpc, &["account", "show-phrase"])).trim(), phrase);
    let json = json_lines(&ok(&courier(&data, &node.grpc, &["--json", "account", "show-phrase"])));
    assert_eq!((json[0]["address"].as_str(), json[0]["phrase"].as_str()), (Some(me.as_str()), Some(phrase.as_str())));
    let key = ok(&courier(&data, &node.grpc, &["account", "export-key"]));
    assert_eq!(hex::decode(key.trim()).map(|k| k.len()).ok(), Some(32));

    let peer = create(&peer_data, &node.grpc);
    ok(&courier(&peer_data, &node.grpc, &["send", &me, "are you still there?"]));
    ok(&courier(&data, &node.grpc, &["sync"]));

    // Removing asks; where nobody can answer, it refuses and deletes nothing.
    let refused =
        courier_cmd(&data, &node.grpc, &["account", "remove"]).stdin(std::process::Stdio::null()).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--yes"));
    assert_eq!(ok(&courier(&data, &node.grpc, &["account", "show"])).trim(), me, "still here");
    remove(&data, &node.grpc, &[&me]);
    let gone = courier(&data, &node.grpc, &["account", "show"]);
    assert!(!gone.status.success(), "removed");

    // Signing in with the phrase: the same address, and the conversation back after a sync.
    let back = courier(&data, &node.grpc, &["account", "import", "--phrase", &phrase]);
    assert_eq!(ok(&back).trim(), me);
    ok(&courier(&data, &node.grpc, &["sync"]));
    let msgs = ok(&courier(&data, &node.grpc, &["messages", &peer]));
    assert!(msgs.contains("are you still there?"), "{msgs}");
    let json = json_lines(&ok(&courier(&tmp.path().join("j"), &node.grpc, &["--json", "account", "create"])));
    assert!(json[0]["address"].is_string() && json[0]["phrase"].as_str().unwrap().split(' ').count() == 12);
    remove(&tmp.path().join("j"), &node.grpc, &[json[0]["address"].as_str().unwrap()]);
    remove(&data, &node.grpc, &[&me]);
    remove(&peer_data, &node.grpc, &[&peer]);
    node.terminate();
}

#[test]
fn without_a_secret_service_the_error_says_what_to_do() {
    if std::env::var("COURIER_TEST_KEYCHAIN").is_ok() {
        return; // this test is about the Secret Service default
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_courier"))
        .arg("--data-dir")
        .arg(tmp.path())
        .args(["--node", "http://127.0.0.1:1", "account", "create"])
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/courier-test-bus")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secret-service keychain is not available") && err.contains("--keychain kernel"), "{err}");
    assert!(walk(tmp.path()).is_empty(), "nothing written");
}
