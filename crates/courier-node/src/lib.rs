//! # courier-node
//!
//! Courier's node: the XMTP message API of spec §12 over gRPC (tonic) and the HTTP/JSON gateway
//! that xmtp-js uses (axum), storing envelopes in SQLite — Courier's embedded default (the app
//! and the CLI start it in-process) — or in Postgres, where several `courier node` processes
//! (replicas) share one database and deliver live across each other ([`backend`]).
//!
//! Layers: [`api`] holds the semantics (auth, limits, paging, storage, fan-out) and knows
//! nothing of framing; [`grpc`] and [`http`] only translate; [`store`] and [`fanout`] are the
//! two resources. Start one with [`start`] and stop it with [`NodeHandle::shutdown`].

pub mod api;
pub mod backend;
pub mod blobs;
pub mod body;
pub mod budget;
pub mod conn;
pub mod error;
pub mod fanout;
pub mod grpc;
pub mod http;
pub mod http_blobs;
pub mod json;
pub mod limits;
pub mod proof;
pub mod query;
pub mod ratelimit;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use xmtp_proto::message_api::v1::message_api_server::MessageApiServer;

pub use api::{Api, AuthMode, Database};
pub use backend::Location;
pub use blobs::{BlobError, Digest, Stored};
pub use http::HttpOptions;
pub use limits::{Bucket, Limits, RateLimits};

/// How to run a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// gRPC listen address (port 0 picks a free port).
    pub grpc_addr: SocketAddr,
    /// HTTP listen address (the gateway and the attachment store, see [`HttpOptions`]), if any.
    pub http_addr: Option<SocketAddr>,
    /// Where envelopes live.
    pub database: Database,
    /// Token checks on publish.
    pub auth: AuthMode,
    /// Gateway settings.
    pub http: HttpOptions,
    /// What one client may ask of the node.
    pub limits: Limits,
    /// The key this node proves it was started by a Courier of this user with ([`proof`]);
    /// `None`: no proofs.
    pub proof_key: Option<proof::NodeKey>,
}

impl NodeConfig {
    /// Both ports on loopback, chosen by the OS, a temporary database, auth on: for tests and
    /// the embedded node.
    pub fn ephemeral() -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            http_addr: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            database: Database::Temporary,
            auth: AuthMode::Required,
            http: HttpOptions::default(),
            limits: Limits::default(),
            proof_key: None,
        }
    }
}

impl Default for NodeConfig {
    /// The spec's local environment: gRPC on 127.0.0.1:5556, HTTP on 127.0.0.1:5555.
    fn default() -> Self {
        Self {
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 5556)),
            http_addr: Some(SocketAddr::from(([127, 0, 0, 1], 5555))),
            ..Self::ephemeral()
        }
    }
}

/// Why a node could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The database is unreadable or damaged.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A listen address is taken or not allowed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The temporary database folder could not be made.
    #[error("cannot create a temporary database folder: {0}")]
    TempDir(std::io::Error),
}

/// A running node.
#[derive(Debug)]
pub struct NodeHandle {
    grpc_addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    api: Arc<Api>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    _temp: Option<tempfile::TempDir>,
}

impl NodeHandle {
    /// The bound gRPC address.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc_addr
    }

    /// The bound HTTP address, if the gateway runs.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// `http://<grpc addr>` (plaintext HTTP/2), for gRPC clients.
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc_addr)
    }

    /// `http://<http addr>`, for gateway clients such as xmtp-js.
    pub fn http_url(&self) -> Option<String> {
        self.http_addr.map(|a| format!("http://{a}"))
    }

    /// The API, for in-process use.
    pub fn api(&self) -> &Arc<Api> {
        &self.api
    }

    /// Stops listening, ends every subscription, waits for accepted publishes to be committed.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.api.fanout().close_all();
        for t in self.tasks {
            let _ = t.await;
        }
        let api = self.api;
        let _ = tokio::task::spawn_blocking(move || api.close()).await;
        tracing::info!("node stopped");
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, NodeError> {
    TcpListener::bind(addr).await.map_err(|source| NodeError::Bind { addr, source })
}

/// Deletes the blobs older than `retention` every `interval` (the first time at start) until
/// the node stops.
async fn prune_blobs(
    api: Arc<Api>,
    retention: std::time::Duration,
    interval: std::time::Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(interval.max(std::time::Duration::from_millis(10)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let cutoff = api::now_ns().saturating_sub(u64::try_from(retention.as_nanos()).unwrap_or(u64::MAX));
        match api.prune_blobs(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "attachments past their retention deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting old attachments failed"),
        }
    }
}

/// Starts a node: opens the database, binds both listeners, serves until
/// [`NodeHandle::shutdown`].
pub async fn start(config: NodeConfig) -> Result<NodeHandle, NodeError> {
    let (location, temp) = match &config.database {
        Database::File(p) => {
            store::prepare(p)?;
            (Location::Sqlite(p.clone()), None)
        }
        Database::Temporary => {
            let dir = tempfile::Builder::new().prefix("courier-node-").tempdir().map_err(NodeError::TempDir)?;
            (Location::Sqlite(dir.path().join("node.db")), Some(dir))
        }
        Database::Postgres(url) => (Location::Postgres(url.clone()), None),
    };
    let db_label = match &location {
        Location::Sqlite(p) => p.display().to_string(),
        // The URL may carry a password.
        Location::Postgres(url) => store::pg::redact(url),
    };
    let auth = config.auth;
    let fd_limit = conn::raise_fd_limit();
    let mut limits = config.limits.clone();
    let max_connections = conn::max_connections(limits.max_connections, fd_limit, limits.fd_reserve);
    limits.max_connections = Some(max_connections);
    // On a node only this machine can reach, every client is 127.0.0.1: per-address caps would
    // isolate nobody and only halve what the user's own apps get.
    let loopback_only = config.grpc_addr.ip().is_loopback() && config.http_addr.is_none_or(|a| a.ip().is_loopback());
    if loopback_only {
        limits.max_connections_per_address.get_or_insert(max_connections);
        limits.max_request_bytes_per_address.get_or_insert(limits.max_request_bytes_in_flight);
    }
    let per_address = conn::max_connections_per_address(limits.max_connections_per_address, max_connections);
    limits.max_connections_per_address = Some(per_address);
    let connections = conn::Connections::new(max_connections, per_address);
    let api = Api::open(location, auth, limits).await?;

    let grpc_listener = bind(config.grpc_addr).await?;
    let grpc_addr = grpc_listener.local_addr().map_err(|source| NodeError::Bind { addr: config.grpc_addr, source })?;
    let http_listener = match config.http_addr {
        Some(a) => Some(bind(a).await?),
        None => None,
    };
    let http_addr = match &http_listener {
        Some(l) => Some(l.local_addr().map_err(|source| NodeError::Bind { addr: grpc_addr, source })?),
        None => None,
    };

    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };

    let mut tasks = Vec::new();
    let service = MessageApiServer::new(grpc::GrpcService::new(Arc::clone(&api)))
        .max_decoding_message_size(config.limits.max_request_bytes)
        .max_encoding_message_size(config.limits.max_request_bytes.max(config.limits.max_response_bytes * 2));
    let service = budget::Metering::new(service, api.budget().clone());
    let service = proof::Prove::new(service, config.proof_key.clone(), grpc_addr);
    // Accepted connections get TCP_NODELAY: small responses must not wait for the peer's
    // delayed ACK (Nagle), 40 ms per page otherwise.
    let incoming =
        conn::grpc_incoming(grpc_listener, connections.clone(), config.limits.header_read_timeout, stopped.clone());
    let signal = until_stopped(stopped.clone());
    let l = &config.limits;
    // The timeout bounds a call until its response starts (a unary request's body included);
    // a subscription's stream is the response, so it is not cut.
    let grpc_server = tonic::transport::Server::builder()
        .timeout(l.request_timeout)
        .max_concurrent_streams(l.max_concurrent_streams)
        .http2_keepalive_interval(Some(l.http2_keepalive))
        .http2_keepalive_timeout(Some(l.http2_keepalive))
        .tcp_keepalive(Some(l.http2_keepalive));
    tasks.push(tokio::spawn(async move {
        if let Err(e) = grpc_server
            .layer(tower_http::validate_request::ValidateRequestHeaderLayer::custom(grpc::host_guard(
                grpc_addr.ip().is_loopback(),
            )))
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, signal)
            .await
        {
            tracing::error!(error = %e, "gRPC server stopped");
        }
    }));
    if let (Some(listener), Some(addr)) = (http_listener, http_addr) {
        let app = http::router(Arc::clone(&api), config.http, addr);
        let header_timeout = config.limits.header_read_timeout;
        tasks.push(tokio::spawn(conn::serve_http(listener, app, connections, header_timeout, stopped.clone())));
    }
    if let Some(retention) = config.limits.attachment_retention {
        let interval = config.limits.attachment_prune_interval;
        tasks.push(tokio::spawn(prune_blobs(Arc::clone(&api), retention, interval, stopped.clone())));
    }
    tracing::info!(%grpc_addr, http_addr = ?http_addr, db = %db_label, auth = ?config.auth,
        max_connections, per_address, fd_limit = ?fd_limit, "node started");
    Ok(NodeHandle { grpc_addr, http_addr, api, stop, tasks, _temp: temp })
}
