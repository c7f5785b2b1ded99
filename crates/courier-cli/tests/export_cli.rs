//! `courier export` (issue #15): the warning that the export is not encrypted comes first on
//! stderr; HTML and JSON lines are written with the history in them; `--json` reports what was
//! written. Real node process, real keychain (scripts/with-keyring.sh).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::NodeProc;
use common::cli::{courier, create, json_lines, ok};

#[test]
fn export_warns_then_writes_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db, out) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("out"));
    std::fs::create_dir(&out).unwrap();
    let a = create(&da, &node.grpc);
    let _b = create(&db, &node.grpc);
    ok(&courier(&db, &node.grpc, &["send", &a, "<b>bold</b> claims"]));
    ok(&courier(&da, &node.grpc, &["sync"]));

    let page = out.join("h.html");
    let run = courier(&da, &node.grpc, &["export", "--out", page.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{err}");
    assert!(err.starts_with("courier: warning: This export is NOT encrypted"), "{err}");
    assert!(String::from_utf8_lossy(&run.stdout).contains("1 messages"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; claims") && !html.contains("<b>bold"));

    let lines = out.join("h.jsonl");
    let run = courier(&da, &node.grpc, &["--json", "export", "--format", "jsonl", "--out", lines.to_str().unwrap()]);
    let report = &json_lines(&ok(&run))[0];
    assert_eq!((report["event"].as_str(), report["messages"].as_u64()), (Some("exported"), Some(1)));
    let text = std::fs::read_to_string(&lines).unwrap();
    assert!(text.lines().any(|l| l.contains("\"text\":\"<b>bold</b> claims\"")), "{text}");
    for d in [&da, &db] {
        ok(&courier(d, &node.grpc, &["account", "remove", "--yes"]));
    }
    node.terminate();
}
