//! A tiny HTTP server on loopback for attachment downloads: it answers every request with one
//! canned response and counts connections and bytes written, so a test can show what a
//! download did (or that none was tried).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the server sends.
#[derive(Clone)]
pub enum Reply {
    /// 200 with these bytes.
    Bytes(Vec<u8>),
    /// 200 with `n` zero bytes, streamed; with or without a Content-Length.
    Endless { n: u64, length: bool },
    /// A redirect to this URL.
    Redirect(String),
}

/// A running server.
pub struct Server {
    pub url: String,
    pub connections: Arc<AtomicU64>,
    pub written: Arc<AtomicU64>,
}

impl Server {
    /// `http://127.0.0.1:<port>`, to stand in for the user's own store.
    pub fn base(&self) -> String {
        self.url.trim_end_matches("/file").to_owned()
    }
}

pub async fn serve(reply: Reply) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/file", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicU64::new(0));
    let written = Arc::new(AtomicU64::new(0));
    let (c, w) = (Arc::clone(&connections), Arc::clone(&written));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            c.fetch_add(1, Ordering::SeqCst);
            let (reply, w) = (reply.clone(), Arc::clone(&w));
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let head = |status: &str, extra: &str| format!("HTTP/1.1 {status}\r\nConnection: close\r\n{extra}\r\n");
                match reply {
                    Reply::Bytes(b) => {
                        let _ = sock
                            .write_all(head("200 OK", &format!("Content-Length: {}\r\n", b.len())).as_bytes())
                            .await;
                        let _ = sock.write_all(&b).await;
                        w.fetch_add(b.len() as u64, Ordering::SeqCst);
                    }
                    Reply::Redirect(to) => {
                        let _ = sock
                            .write_all(
                                head("302 Found", &format!("Location: {to}\r\nContent-Length: 0\r\n")).as_bytes(),
                            )
                            .await;
                    }
                    Reply::Endless { n, length } => {
                        let extra = if length { format!("Content-Length: {n}\r\n") } else { String::new() };
                        if sock.write_all(head("200 OK", &extra).as_bytes()).await.is_err() {
                            return;
                        }
                        let chunk = vec![0u8; 64 * 1024];
                        let mut sent = 0;
                        while sent < n {
                            if sock.write_all(&chunk).await.is_err() {
                                return;
                            }
                            sent += chunk.len() as u64;
                            w.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                        }
                    }
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    Server { url, connections, written }
}
