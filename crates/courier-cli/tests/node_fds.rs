//! A `courier node` process started under `ulimit -n 1024` (soft and hard) keeps answering
//! queries while 1,100 gateway subscriptions try to crowd it: connections stop below the file
//! descriptor limit with a reserve, and subscriptions stop below that, so queries get in.
//! Also: `courier node --help` names the limits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Node(std::process::Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The status code of one gateway query on a fresh connection, or why there was none.
fn query(addr: &str) -> Result<u16, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(2))).map_err(|e| e.to_string())?;
    let body = r#"{"contentTopics":["/t"]}"#;
    let req = format!(
        "POST /message/v1/query HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).map_err(|e| e.to_string())?;
    String::from_utf8_lossy(&head[9..12]).parse().map_err(|_| "no status".to_owned())
}

#[test]
fn queries_get_in_while_subscriptions_crowd_a_node_with_1024_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("node.db");
    // The crowd and the query share 127.0.0.1: the per-address cap (which would refuse the
    // query as the crowd's own) is lifted, so that this tests the descriptor reserve.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 1024 && exec "$0" node --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --db "$1" --max-connections-per-address 2000"#)
        .arg(env!("CARGO_BIN_EXE_courier"))
        .arg(&db)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let node = Node(child);
    let http = line.split("http=").nth(1).expect("ready line").trim().to_owned();
    assert_eq!(query(&http), Ok(200));

    let sub = b"POST /message/v1/subscribe-all HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}";
    let mut held = Vec::new();
    for _ in 0..1100 {
        if let Ok(mut s) = TcpStream::connect(&http) {
            let _ = s.write_all(sub);
            held.push(s);
        }
    }
    // Queries get in (a few tries while refused connections are being closed).
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = query(&http);
    while last != Ok(200) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        last = query(&http);
    }
    assert_eq!(last, Ok(200), "a query with 1,100 subscription connections open");
    drop(held);
    drop(node);
}

#[test]
fn node_help_names_the_limits() {
    let out = Command::new(env!("CARGO_BIN_EXE_courier")).args(["node", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--cors-origin",
        "--max-response-bytes",
        "--max-connections",
        "--max-connections-per-address",
        "--header-timeout-secs",
        "--request-timeout-secs",
        "--max-request-bytes-in-flight",
        "--max-queued-publishes",
        "--no-rate-limit",
    ] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}
