//! Connections of both listeners: accept loops that survive accept errors (a full file
//! descriptor table included), a cap on open connections below the file descriptor limit
//! (raised to its hard limit at start), and the gateway's HTTP/1 connections served with a
//! header-read timeout that also ends idle keep-alive connections (slowloris).

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

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

/// Open connections and their cap, shared by both listeners.
#[derive(Debug, Clone)]
pub struct Connections {
    open: Arc<AtomicUsize>,
    max: usize,
}

impl Connections {
    /// At most `max` open connections.
    pub fn new(max: usize) -> Self {
        Self { open: Arc::new(AtomicUsize::new(0)), max }
    }

    /// Counts a new connection, or `None` at the cap (the caller closes it at once).
    fn admit(&self, io: TcpStream) -> Option<Counted> {
        if self.open.fetch_add(1, Ordering::AcqRel) >= self.max {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Counted { io, open: Arc::clone(&self.open) })
    }
}

/// A TCP connection counted in [`Connections`] until it is dropped.
#[derive(Debug)]
pub struct Counted {
    io: TcpStream,
    open: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
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
                match connections.admit(io) {
                    Some(c) => on_conn(c, peer),
                    None => tracing::debug!(%peer, "connection refused: the node holds as many as it may"),
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "accept failed; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// The gRPC listener's connections as a stream for tonic (which ends the server on an error
/// item, so none is ever yielded). A connection that sends nothing within `first_byte` is
/// closed before tonic sees it; once HTTP/2 runs, keep-alive pings find dead peers.
pub fn grpc_incoming(
    listener: TcpListener,
    connections: Connections,
    first_byte: Duration,
    stopped: watch::Receiver<bool>,
) -> tokio_stream::wrappers::ReceiverStream<Result<Counted, std::io::Error>> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(accept_loop(listener, connections, stopped, move |c, peer| {
        let tx = tx.clone();
        tokio::spawn(async move {
            // `readable()` may report ready at once; a peek waits for a byte (0 at EOF).
            let mut first = [0u8; 1];
            if !matches!(tokio::time::timeout(first_byte, c.io.peek(&mut first)).await, Ok(Ok(1..))) {
                tracing::debug!(%peer, "gRPC connection sent nothing; closed");
                return;
            }
            let _ = tx.send(Ok(c)).await;
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
