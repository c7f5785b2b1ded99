//! The public xmtp-js vectors pass, a wrong expectation is caught, and Courier's own emitted
//! vectors pass Courier's checker and the reference SDK's (`tests/xmtpjs-peer/verify.mjs`,
//! xmtp-js 13.0.4 and the codecs 1.1.12; needs Node.js and `npm ci` there, as
//! `scripts/test.sh` sets up, which also runs `verify.mjs` itself).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use courier_cli::vectors::{check_files, emit};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/xmtp-js")
}

fn vector_files() -> Vec<PathBuf> {
    ["identities", "v1_messages", "v2_invitations", "v2_messages", "content_types", "content_codecs", "auth_tokens"]
        .iter()
        .map(|n| vectors_dir().join(format!("{n}.json")))
        .collect()
}

#[test]
fn all_public_vectors_pass() {
    let out = check_files(&vector_files());
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
    // 3 identities + every (case, viewer) pair of the six case files.
    assert_eq!(out.passed, 111);
}

/// Copies the vectors to a temporary folder, lets `edit` change one file, and checks it.
fn check_edited(file: &str, edit: impl FnOnce(&mut Value)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(vectors_dir()).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, dir.path().join(f.file_name().unwrap())).unwrap();
    }
    let path = dir.path().join(file);
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    check_files(&[path]).failures
}

#[test]
fn a_wrong_expectation_fails() {
    let failures = check_edited("v2_messages.json", |j| {
        j["cases"][0]["expected"]["content"] = Value::from("not what was sent");
    });
    // One failure per viewer of that case, and nothing else.
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(failures.iter().all(|f| f.contains("v2-msg-alice-bob-text") && f.contains("not what was sent")));
}

#[test]
fn a_reject_case_marked_accept_fails() {
    let failures = check_edited("v1_messages.json", |j| {
        let cases = j["cases"].as_array_mut().unwrap();
        let neg = cases.iter_mut().find(|c| c["id"] == "v1-neg-ab-flip-ciphertext").unwrap();
        neg["expect"] = Value::from("accept");
    });
    assert!(!failures.is_empty());
    assert!(failures.iter().all(|f| f.contains("v1-neg-ab-flip-ciphertext")));
}

#[test]
fn a_tampered_identity_fails() {
    let failures = check_edited("identities.json", |j| {
        j["identities"]["bob"]["signed_public_key_bundle_hex"] = Value::from("0a00");
    });
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(failures[0].contains("identity bob"));
}

#[test]
fn emitted_vectors_pass_and_are_deterministic() {
    let d1 = tempfile::tempdir().unwrap();
    let d2 = tempfile::tempdir().unwrap();
    let p1 = emit(d1.path(), 7, 1_760_000_000_000).unwrap();
    let p2 = emit(d2.path(), 7, 1_760_000_000_000).unwrap();
    assert_eq!(std::fs::read(&p1).unwrap(), std::fs::read(&p2).unwrap());
    let out = check_files(std::slice::from_ref(&p1));
    assert!(out.failures.is_empty(), "{:#?}", out.failures);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&p1).unwrap()).unwrap();
    let kinds: Vec<&str> = json["cases"].as_array().unwrap().iter().filter_map(|c| c["kind"].as_str()).collect();
    for k in ["v1_message", "v2_invitation", "v2_message", "auth_token"] {
        assert!(kinds.contains(&k), "no {k} case emitted");
    }
    assert!(json["identities"]["rust_a"]["encrypted_private_key_bundle"]["envelope"]["message_hex"].is_string());
    let ids: Vec<&str> = json["cases"].as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
    for id in CONTENT_CASES {
        assert!(ids.contains(&id), "no {id} case emitted");
    }
}

/// Rich content as Courier encodes it (`vectors/emit_content.rs`).
const CONTENT_CASES: [&str; 7] = [
    "courier-content-reply-text",
    "courier-content-reply-attachment",
    "courier-content-read-receipt",
    "courier-content-attachment",
    "courier-content-reaction-removed",
    "courier-content-remote-attachment",
    "courier-content-remote-attachment-neg-flipped-file",
];

#[test]
fn the_reference_sdk_opens_what_courier_emitted() {
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/xmtpjs-peer");
    assert!(
        harness.join("node_modules/@xmtp/xmtp-js").is_dir(),
        "the reference SDK harness is not installed: run scripts/test.sh (or `npm ci` in tests/xmtpjs-peer)"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = emit(dir.path(), 7, 1_760_000_000_000).unwrap();
    let out = Command::new("node").current_dir(&harness).arg("verify.mjs").arg("--json").arg(&path).output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let results = report["results"].as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["ok"] != true).collect();
    assert!(failed.is_empty() && out.status.success(), "{failed:#?}");
    for id in CONTENT_CASES {
        let r = results.iter().find(|r| r["case"] == id).unwrap_or_else(|| panic!("{id} not verified"));
        let want = if id.contains("-neg-") { "rejected" } else { "accepted" };
        assert_eq!(r["outcome"], want, "{id}: {r}");
    }
    // The flipped file is refused by the reference's digest check, before it decrypts.
    let neg = results.iter().find(|r| r["case"] == CONTENT_CASES[6]).unwrap();
    assert_eq!(neg["error"], "content digest does not match", "{neg}");
    assert_eq!(report["pass"].as_u64(), Some(results.len() as u64));
}

#[test]
fn cli_exit_codes_and_summary_line() {
    let bin = env!("CARGO_BIN_EXE_courier");
    let ok = Command::new(bin).args(["vectors", "check"]).args(vector_files()).output().unwrap();
    assert!(ok.status.success());
    assert_eq!(String::from_utf8_lossy(&ok.stdout).lines().last(), Some("111 passed, 0 failed"));

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let bad = Command::new(bin).args(["vectors", "check"]).arg(&broken).output().unwrap();
    assert!(!bad.status.success());
    let stdout = String::from_utf8_lossy(&bad.stdout);
    assert!(stdout.contains("not JSON"), "{stdout}");
    assert!(stdout.ends_with("0 passed, 1 failed\n"));
}
