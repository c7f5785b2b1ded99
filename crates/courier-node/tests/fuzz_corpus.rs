//! Replays the kept fuzz corpora and the crash reproducers (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the fuzz harness on stable, so that CI checks every
//! input the fuzzers found interesting without nightly or cargo-fuzz. The harness is the fuzz
//! crate's own source (`fuzz/src/lib.rs`), included here, so both run the same decode paths.
//! It lives in courier-node's tests because the gateway target needs `courier_node::json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code, unreachable_pub)]
#[path = "../../../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every file of `dir/<target>/`, sorted (an absent folder has none).
fn inputs(dir: &Path, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir.join(target)) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    files
}

/// Runs every input of every target; a panic names the file.
fn replay(kind: &str) -> usize {
    let dir = fuzz_dir().join(kind);
    let mut count = 0;
    for (name, run) in harness::TARGETS {
        for path in inputs(&dir, name) {
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(outcome.is_ok(), "fuzz target {name} fails on {}", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn every_corpus_input_is_handled() {
    let n = replay("corpus");
    // Every target has a kept corpus (a folder lost in a move would otherwise pass silently).
    for (name, _) in harness::TARGETS {
        assert!(!inputs(&fuzz_dir().join("corpus"), name).is_empty(), "fuzz/corpus/{name} is empty");
    }
    assert!(n >= harness::TARGETS.len());
}

#[test]
fn every_regression_input_is_handled() {
    // Reproducers of fixed crashes; none is a failure, and the folder may be empty.
    replay("regressions");
}

#[test]
fn honest_inputs_open_in_the_sealed_modes() {
    // The sealed modes assert that the harness's own encryption opens: a valid `EncodedContent`
    // must get through V1 and V2 and come out as content.
    let text = xmtp_crypto::content::text("hi");
    let mut input = vec![2];
    input.extend(prost::Message::encode_to_vec(&text));
    harness::v1_message(&input);
    harness::invitation(&[2]);
    harness::consent(&[1]);
}
