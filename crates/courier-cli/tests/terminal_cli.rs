//! What a peer writes reaches the user's terminal as text, never as terminal commands: an
//! escape sequence (retitle, recolour, OSC 52 clipboard write) or a bidi override in a message,
//! a conversation id or a file name is printed as `\u{…}`. Processes against a `courier node`
//! process, in the real keychain (scripts/with-keyring.sh, or COURIER_TEST_KEYCHAIN=kernel inside
//! `keyctl session`). Failed before the fix: `messages`, `conversations` and `search` printed
//! the ESC, BEL and U+202E as they came (found by a fresh-eyes tester).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::NodeProc;
use common::cli::*;

#[test]
fn a_peers_escape_sequences_are_shown_not_obeyed() {
    let tmp = tempfile::tempdir().unwrap();
    let node = NodeProc::start(&tmp.path().join("node.db"));
    let (da, db) = (tmp.path().join("alice"), tmp.path().join("bob"));
    let alice = create(&da, &node.grpc);
    let bob = create(&db, &node.grpc);
    let hostile = "lunch \u{1b}]0;pwned\u{7}\u{1b}[31mRED\u{1b}[0m \u{1b}]52;c;ZXZpbA==\u{7} bidi\u{202e}abc";
    ok(&courier(&db, &node.grpc, &["send", &alice, hostile, "--conversation-id", "evil/\u{202e}gnp.exe"]));
    ok(&courier(&da, &node.grpc, &["sync"]));
    for args in [vec!["messages", bob.as_str()], vec!["conversations"], vec!["search", "lunch"]] {
        let out = ok(&courier(&da, &node.grpc, &args));
        assert!(out.contains("lunch"), "{args:?}: the message is there: {out}");
        assert!(!out.contains(['\u{1b}', '\u{7}', '\u{202e}']), "{args:?}: {out:?}");
        // (A search snippet is cleaned by the store already: nothing is left to show there.)
        if args[0] != "search" {
            assert!(out.contains("\\u{1b}") && out.contains("\\u{202e}"), "{args:?}: shown as text: {out}");
        }
    }
    // JSON keeps the text as it is, escaped by JSON itself.
    let json = ok(&courier(&da, &node.grpc, &["--json", "messages", &bob]));
    assert!(!json.contains('\u{1b}') && json.contains("\\u001b"), "{json}");
    for (d, a) in [(&da, &alice), (&db, &bob)] {
        ok(&courier(d, &node.grpc, &["--account", a, "account", "remove", "--yes"]));
    }
    node.terminate();
}
