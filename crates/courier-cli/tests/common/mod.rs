//! Helpers for the end-to-end tests: `courier node` processes, the reference SDK harness,
//! node queries over the HTTP gateway.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cli;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

pub fn harness() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/xmtpjs-peer");
    assert!(
        dir.join("node_modules/@xmtp/xmtp-js").is_dir(),
        "the reference SDK harness is not installed: run scripts/test.sh (or `npm ci` in tests/xmtpjs-peer)"
    );
    dir
}

/// A `courier node` process on free loopback ports; killed on drop.
pub struct NodeProc {
    pub child: Child,
    pub http: String,
    pub grpc: String,
}

impl NodeProc {
    pub fn start(db: &Path) -> Self {
        Self::start_on(db, "127.0.0.1:0", "127.0.0.1:0")
    }

    /// A node on given addresses (to restart one where it was).
    pub fn start_on(db: impl AsRef<std::ffi::OsStr>, grpc: &str, http: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_courier"))
            .args(["node", "--grpc-addr", grpc, "--http-addr", http, "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let http = line.split("http=").nth(1).expect("ready line names the http address").trim().to_owned();
        let grpc =
            line.split("grpc=").nth(1).and_then(|s| s.split_whitespace().next()).expect("grpc address").to_owned();
        Self { child, http: format!("http://{http}"), grpc: format!("http://{grpc}") }
    }

    pub fn terminate(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "node exits cleanly on SIGTERM: {status}");
    }
}

impl Drop for NodeProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn peer(dir: &Path, url: &str, state: &Path, args: &[&str]) -> Command {
    let mut c = Command::new("node");
    c.current_dir(dir).arg("peer.mjs").args(["--api-url", url, "--state"]).arg(state).args(args);
    c
}

pub fn events(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

pub fn query_all(url: &str, topic: &str) -> Vec<(String, u64, Vec<u8>)> {
    let body = json!({"contentTopics": [topic], "pagingInfo": {"limit": 100, "direction": "SORT_DIRECTION_ASCENDING"}});
    let out = Command::new("curl")
        .args(["-sf", "-X", "POST", &format!("{url}/message/v1/query"), "-d", &body.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "query {topic}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    use base64::Engine as _;
    v["envelopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["contentTopic"].as_str().unwrap().to_owned(),
                e["timestampNs"].as_str().unwrap().parse().unwrap(),
                base64::engine::general_purpose::STANDARD.decode(e["message"].as_str().unwrap()).unwrap(),
            )
        })
        .collect()
}
