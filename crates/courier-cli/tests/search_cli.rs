//! `courier search` as a process against a `courier node` process, in the real keychain (run
//! through scripts/with-keyring.sh, or with COURIER_TEST_KEYCHAIN=kernel inside `keyctl
//! session`): what a sync stored is found, newest first, in JSON with exactly the fields the
//! issue names; within one peer; blocked peers only when asked; hostile queries are one clear
//! line, never an SQL error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::NodeProc;
use common::cli::*;

#[test]
fn search_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db, dc) = (tmp.path().join("alice"), tmp.path().join("bob"), tmp.path().join("carol"));
    let alice = create(&da, &node.grpc);
    let bob = create(&db, &node.grpc);
    let carol = create(&dc, &node.grpc);
    ok(&courier(&da, &node.grpc, &["send", &bob, "Lunch at the Café?"]));
    ok(&courier(&dc, &node.grpc, &["send", &bob, "cafeteria <b>menu</b>"]));
    ok(&courier(&db, &node.grpc, &["sync"]));
    ok(&courier(&db, &node.grpc, &["allow", &alice]));
    let search = |args: &[&str]| {
        let mut all = vec!["--json", "search"];
        all.extend_from_slice(args);
        json_lines(&ok(&courier(&db, &node.grpc, &all)))
    };

    let hits = search(&["cafe"]);
    assert_eq!(hits.len(), 2, "{hits:?}");
    let keys: Vec<&String> = hits[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "peer", "sent_ns", "snippet", "topic"]);
    assert_eq!(hits[0]["peer"], carol.as_str(), "newest first");
    assert_eq!(hits[1]["peer"], alice.as_str());
    let snippet = &hits[0]["snippet"];
    assert_eq!(snippet[0], serde_json::json!({"text": "cafeteria", "is_match": true}));
    assert_eq!(snippet[1], serde_json::json!({"text": " <b>menu</b>", "is_match": false}), "text stays text");
    assert!(hits[1]["sent_ns"].as_str().unwrap().parse::<u64>().unwrap() > 0);

    assert_eq!(search(&["cafe", "--peer", &alice]).len(), 1);
    assert_eq!(search(&["cafe", "--limit", "1"]).len(), 1);
    let text = ok(&courier(&db, &node.grpc, &["search", "lunch"]));
    assert!(text.contains("[Lunch] at the Café?"), "{text}");

    ok(&courier(&db, &node.grpc, &["block", &carol]));
    assert_eq!(search(&["cafe"]).len(), 1, "blocked peers are left out");
    assert_eq!(search(&["cafe", "--include-blocked"]).len(), 2);

    for q in ["\"", "NEAR(", "col:x", &"a".repeat(10 * 1024)] {
        let r = courier(&db, &node.grpc, &["search", q]);
        let err = String::from_utf8_lossy(&r.stderr);
        if q == "NEAR(" || q == "col:x" {
            assert!(r.status.success(), "{q}: {err}");
        } else {
            assert!(!r.status.success(), "{q}");
            assert!(err.contains("the search"), "{q}: {err}");
            assert!(!err.to_lowercase().contains("sql") && !err.contains("fts5"), "{q}: {err}");
        }
    }
    for (data, a) in [(&da, &alice), (&db, &bob), (&dc, &carol)] {
        ok(&courier(data, &node.grpc, &["--account", a, "account", "remove", "--yes"]));
    }
    node.terminate();
}
