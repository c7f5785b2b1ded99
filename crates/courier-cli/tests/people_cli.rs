//! `courier name`, `pin`, `mute`, `archive` and their undoing, as processes against a `courier
//! node` process, in the real keychain (run through scripts/with-keyring.sh, or with
//! COURIER_TEST_KEYCHAIN=kernel inside `keyctl session`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::NodeProc;
use common::cli::*;

#[test]
fn names_and_flags_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db) = (tmp.path().join("alice"), tmp.path().join("bob"));
    let alice = create(&da, &node.grpc);
    let bob = create(&db, &node.grpc);
    ok(&courier(&da, &node.grpc, &["send", &bob, "hello bob"]));
    ok(&courier(&db, &node.grpc, &["sync"]));
    ok(&courier(&db, &node.grpc, &["allow", &alice]));
    let list = |args: &[&str]| {
        let mut all = vec!["--json", "conversations"];
        all.extend_from_slice(args);
        json_lines(&ok(&courier(&db, &node.grpc, &all)))
    };

    let c = &list(&[])[0];
    assert_eq!(
        (&c["name"], &c["title"], &c["pinned"], &c["muted"]),
        (&serde_json::Value::Null, &serde_json::Value::Null, &false.into(), &false.into())
    );
    assert_eq!((&c["archived"], &c["marked_unread"]), (&false.into(), &false.into()));

    let named = json_lines(&ok(&courier(&db, &node.grpc, &["--json", "name", &alice, "  Alice\n"])));
    assert_eq!(named[0]["name"], "Alice", "cleaned");
    assert_eq!(list(&[])[0]["name"], "Alice");
    let text = ok(&courier(&db, &node.grpc, &["conversations"]));
    assert!(text.starts_with(&format!("Alice {alice}")), "{text}");
    let too_long = courier(&db, &node.grpc, &["name", &alice, &"x".repeat(65)]);
    assert!(!too_long.status.success());
    assert!(String::from_utf8_lossy(&too_long.stderr).contains("at most 64 characters"));

    for (cmd, field, on) in [("pin", "pinned", true), ("mute", "muted", true), ("unpin", "pinned", false)] {
        let changed = json_lines(&ok(&courier(&db, &node.grpc, &["--json", cmd, &alice])));
        assert_eq!(changed[0][field], on, "{cmd}");
    }
    assert_eq!(list(&[])[0]["muted"], true);
    ok(&courier(&db, &node.grpc, &["archive", &alice]));
    assert!(list(&[]).is_empty(), "out of the list");
    assert_eq!(list(&["--filter", "archived"]).len(), 1);
    let topic = list(&["--filter", "archived"])[0]["topic"].as_str().unwrap().to_owned();
    ok(&courier(&db, &node.grpc, &["unarchive", &topic]));
    assert_eq!(list(&[]).len(), 1);

    ok(&courier(&db, &node.grpc, &["name", &alice]));
    assert_eq!(list(&[])[0]["name"], serde_json::Value::Null, "the name is taken off");
    let nobody = courier(&db, &node.grpc, &["pin", "0x0000000000000000000000000000000000000001"]);
    assert!(!nobody.status.success());
    for (data, a) in [(&da, &alice), (&db, &bob)] {
        ok(&courier(data, &node.grpc, &["--account", a, "account", "remove", "--yes"]));
    }
    node.terminate();
}
