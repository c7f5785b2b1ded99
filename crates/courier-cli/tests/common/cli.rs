//! Running the `courier` binary in tests: with its own data folder, against a node, in the
//! real keychain (or the one `COURIER_TEST_KEYCHAIN` names), and reading its JSON lines.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

pub fn keychain_args() -> Vec<String> {
    match std::env::var("COURIER_TEST_KEYCHAIN") {
        Ok(k) => vec!["--keychain".into(), k],
        Err(_) => Vec::new(),
    }
}

pub fn courier_cmd(data: &Path, node: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_courier"));
    c.arg("--data-dir").arg(data).args(["--node", node]).args(keychain_args()).args(args);
    c
}

pub fn courier(data: &Path, node: &str, args: &[&str]) -> Output {
    courier_cmd(data, node, args).output().unwrap()
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "courier failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn json_lines(s: &str) -> Vec<Value> {
    s.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

pub fn create(data: &Path, node: &str) -> String {
    ok(&courier(data, node, &["account", "create"])).trim().to_owned()
}
