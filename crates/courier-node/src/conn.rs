//! Connections of both listeners: accept loops that survive accept errors (a full file
//! descriptor table included), a cap on open connections below the file descriptor limit
//! (raised to its hard limit at start) and a smaller one per client address, the gRPC
//! handshake bounded in time, and the gateway's HTTP/1 connections served with a header-read
//! timeout that also ends idle keep-alive connections (slowloris).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::ratelimit::client_key;

/// Raises the soft limit on open files to the hard limit and returns the soft limit in force
/// (`None` where it cannot be read).
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut l = getrlimit(Resource::Nofile);
        if l.current < l.maximum {
            let raised = rustix::process::Rlimit { current: l.maximum, maximum: l.maximum };
            match setrlimit(Resource::Nofile, raised) {
                Ok(()) => l.current = l.maximum,
                Err(e) => tracing::warn!(error = %e, "cannot raise the open file limit"),
            }
        }
        // `None` is unlimited.
        Some(l.current.unwrap_or(u64::MAX))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The connection cap: `configured`, or the file descriptor limit minus a reserve.
pub fn max_connections(configured: Option<usize>, fd_limit: Option<u64>, reserve: usize) -> usize {
    configured.unwrap_or_else(|| match fd_limit {
        Some(n) => {
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            n - reserve.min(n / 4)
        }
        None => 10_000,
    })
}

/// Connections one client address may hold when none is configured: half of all, at most 256.
pub fn max_connections_per_address(configured: Option<usize>, max_connections: usize) -> usize {
    configured.unwrap_or((max_connections / 2).min(256)).max(1)
}

/// Open connections and their caps, in all and per client address ([`client_key`]), shared by
/// both listeners.
#[derive(Debug, Clone)]
pub struct Connections {
    open: Arc<AtomicUsize>,
    max: usize,
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    max_per_address: usize,
}

impl Connections {
    /// At most `max` open connections, `max_per_address` of them from one client.
    pub fn new(max: usize, max_per_address: usize) -> Self {
        Self {
            open: Arc::new(AtomicUsize::new(0)),
            max,
            by_address: Arc::new(Mutex::new(HashMap::new())),
            max_per_address: max_per_address.max(1),
        }
    }

    /// Counts a new connection, or `None` at either cap (the caller closes it at once).
    fn admit(&self, io: TcpStream, peer: SocketAddr) -> Option<Counted> {
        let client = client_key(peer.ip());
        {
            let mut by_address = self.by_address.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let held = by_address.entry(client).or_default();
            if *held >= self.max_per_address {
                return None;
            }
            *held += 1;
        }
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            release(&self.by_address, client);
            return None;
        }
        Some(Counted {
            io,
            replay: Vec::new(),
            replayed: 0,
            open: Arc::clone(&self.open),
            by_address: Arc::clone(&self.by_address),
            client,
        })
    }
}

fn release(by_address: &Mutex<HashMap<IpAddr, usize>>, client: IpAddr) {
    let mut by_address = by_address.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = by_address.get_mut(&client) {
        *n -= 1;
        if *n == 0 {
            by_address.remove(&client);
        }
    }
}

/// A TCP connection counted in [`Connections`] until it is dropped. Bytes the node read
/// ahead (the HTTP/2 handshake) are read again first.
#[derive(Debug)]
pub struct Counted {
    io: TcpStream,
    replay: Vec<u8>,
    replayed: usize,
    open: Arc<AtomicUsize>,
    by_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    client: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
        release(&self.by_address, self.client);
    }
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.replayed < self.replay.len() {
            let n = buf.remaining().min(self.replay.len() - self.replayed);
            let from = self.replayed;
            buf.put_slice(&self.replay[from..from + n]);
            self.replayed += n;
            if self.replayed == self.replay.len() {
                self.replay = Vec::new();
                self.replayed = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl tonic::transport::server::Connected for Counted {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

async fn until_stopped(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|s| *s).await;
}

/// Accepts connections until `stopped`, handing each admitted one to `on_conn`. Accept errors
/// (e.g. no file descriptor left) are logged and retried after a pause, never fatal.
async fn accept_loop(
    listener: TcpListener,
    connections: Connections,
    mut stopped: watch::Receiver<bool>,
    mut on_conn: impl FnMut(Counted, SocketAddr),
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = until_stopped(&mut stopped) => return,
        };
        match accepted {
            Ok((io, peer)) => {
                let _ = io.set_nodelay(true);
                match connections.admit(io, peer) {
                    Some(c) => on_conn(c, peer),
                    None => tracing::debug!(%peer, "connection refused: the node or this client is at its cap"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The client's half of the HTTP/2 handshake (RFC 9113 §3.4): the preface, then a SETTINGS
/// frame.
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Largest first SETTINGS payload read ahead (six bytes per setting; real clients send a few).
const MAX_SETTINGS_PAYLOAD: usize = 1024;

/// Reads the client's preface and first SETTINGS frame, keeping the bytes for tonic to read
/// again. `false`: the connection closed, or sent something else.
async fn read_handshake(c: &mut Counted) -> std::io::Result<bool> {
    let mut head = [0u8; PREFACE.len() + 9];
    c.io.read_exact(&mut head).await?;
    let frame = &head[PREFACE.len()..];
    let len = usize::from(frame[0]) << 16 | usize::from(frame[1]) << 8 | usize::from(frame[2]);
    if head[..PREFACE.len()] != PREFACE[..] || frame[3] != 0x4 || len > MAX_SETTINGS_PAYLOAD {
        return Ok(false);
    }
    let mut replay = vec![0u8; head.len() + len];
    replay[..head.len()].copy_from_slice(&head);
    c.io.read_exact(&mut replay[head.len()..]).await?;
    c.replay = replay;
    Ok(true)
}

/// The gRPC listener's connections as a stream for tonic (which ends the server on an error
/// item, so none is ever yielded). A connection that has not sent the whole HTTP/2 preface and
/// its SETTINGS frame within `handshake` is closed before tonic sees it; once HTTP/2 runs,
/// keep-alive pings find dead peers.
pub fn grpc_incoming(
    listener: TcpListener,
    connections: Connections,
    handshake: Duration,
    stopped: watch::Receiver<bool>,
) -> tokio_stream::wrappers::ReceiverStream<Result<Counted, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(accept_loop(listener, connections, stopped, move |mut c, peer| {
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(handshake, read_handshake(&mut c)).await {
                Ok(Ok(true)) => {
                    let _ = tx.send(Ok(c)).await;
                }
                Ok(Ok(false)) => tracing::debug!(%peer, "gRPC connection sent no HTTP/2 preface; closed"),
                Ok(Err(_)) | Err(_) => tracing::debug!(%peer, "gRPC connection did not finish its handshake; closed"),
            }
        });
    }));
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// Serves the gateway until `stopped`: HTTP/1 with a header-read timeout (which also bounds
/// how long an idle keep-alive connection is kept), the peer's address recorded for limits.
pub async fn serve_http(
    listener: TcpListener,
    router: Router,
    connections: Connections,
    header_timeout: Duration,
    stopped: watch::Receiver<bool>,
) {
    let stop = stopped.clone();
    accept_loop(listener, connections, stopped, move |c, peer| {
        let router = router.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                hyper::service::Service::call(&TowerToHyperService::new(router.clone()), req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(c), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = until_stopped(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
                }
            }
        });
    })
    .await;
}
