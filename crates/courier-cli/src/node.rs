//! `courier node`: runs a node until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use courier_node::limits::UPLOAD_BYTES_PER_HOUR;
use courier_node::{AuthMode, Bucket, Database, HttpOptions, Limits, NodeConfig, RateLimits};

/// Options of `courier node`.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// gRPC listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5556")]
    pub grpc_addr: SocketAddr,
    /// HTTP/JSON gateway listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5555")]
    pub http_addr: SocketAddr,
    /// Serve gRPC only (no gateway, no attachment store).
    #[arg(long)]
    pub no_http: bool,
    /// Serve only /healthz and the attachment store on the HTTP port, not the message API
    /// (/message/v1/*).
    #[arg(long, conflicts_with = "no_http")]
    pub no_message_api: bool,
    /// The base URL clients reach the HTTP port at (e.g. https://node.example), for the `url`
    /// an attachment upload answers with [default: http://<bound HTTP address>].
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// Where envelopes and attachments live: a SQLite file (a path, or `sqlite:PATH`), or a
    /// Postgres database (`postgres://user@host:port/db`), which several `courier node`
    /// processes (replicas) may share [default: node.db in the user's data folder, under
    /// courier/]. Without it, the environment variable COURIER_NODE_DB is read, so that a
    /// database password need not be on the command line (where other users can see it).
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
    /// Postgres only: seconds the relay log keeps envelopes (ephemeral topics live only
    /// there); replicas deliver from it, so it must exceed a working replica's lag.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().ephemeral_retention.as_secs())]
    pub ephemeral_retention_secs: u64,
    /// Postgres only: bytes of ephemeral messages the relay log may hold; past it ephemeral
    /// publishes are refused until old ones are pruned.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_relay_bytes)]
    pub max_relay_bytes: u64,
    /// Postgres only: milliseconds between reads of the relay log when no wake-up came.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    pub relay_poll_ms: u64,
    /// Postgres only: no LISTEN/NOTIFY wake-ups between replicas (live delivery across
    /// replicas then waits for the next poll).
    #[arg(long)]
    pub no_relay_notify: bool,
    /// Accept publishes without auth tokens (a private test network only).
    #[arg(long)]
    pub no_auth: bool,
    /// Seconds of silence before a gateway subscription gets a keep-alive line.
    #[arg(long, default_value_t = 30)]
    pub keepalive_secs: u64,
    /// Allow this web origin (e.g. https://app.example) cross-origin access to the gateway;
    /// repeatable. Without it no CORS headers are sent, so web pages cannot use the node.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Largest envelope message accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_message_bytes)]
    pub max_message_bytes: usize,
    /// Envelope bytes in one query or batch response; a longer page is cut and returns a cursor.
    #[arg(long, default_value_t = Limits::default().max_response_bytes)]
    pub max_response_bytes: usize,
    /// Live subscriptions from one client address.
    #[arg(long, default_value_t = Limits::default().max_subscriptions_per_address)]
    pub max_subscriptions_per_address: usize,
    /// Open connections [default: the open-file limit, raised to its hard limit, less a reserve].
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Open connections from one client address (an IPv6 client by its /64) [default: half of
    /// --max-connections, at most 256; all of them when the node listens on loopback only].
    /// Behind a local reverse proxy every client is loopback: raise it there.
    #[arg(long)]
    pub max_connections_per_address: Option<usize>,
    /// Seconds a client has to send its request headers (gRPC: the HTTP/2 preface and first
    /// SETTINGS frame); also how long an idle gateway connection is kept.
    #[arg(long, default_value_t = Limits::default().header_read_timeout.as_secs())]
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a whole request, body included (gateway: 408 after; gRPC:
    /// until the response starts, so subscriptions are not cut).
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs())]
    pub request_timeout_secs: u64,
    /// Request bytes the node holds at once over all connections, half of it per client
    /// address; past it requests are refused with UNAVAILABLE (HTTP 503). Keep it at least
    /// twice the 50 MiB request limit.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_request_bytes_in_flight)]
    pub max_request_bytes_in_flight: usize,
    /// Publishes waiting to be written; past it publishes are refused with UNAVAILABLE.
    #[arg(long, default_value_t = Limits::default().max_queued_publishes)]
    pub max_queued_publishes: usize,
    /// Refuse publishes once the database reaches this many bytes (reads go on).
    #[arg(long, value_name = "BYTES")]
    pub max_db_bytes: Option<u64>,
    /// Largest attachment blob accepted by PUT /attachments/v1/<digest>, in bytes (413 past it).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_attachment_bytes)]
    pub max_attachment_bytes: usize,
    /// Attachment bytes one identity (the wallet of the upload's auth token) may store in all
    /// (413 past it).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().attachment_quota_bytes)]
    pub attachment_quota_bytes: u64,
    /// Attachment bytes the node stores in all, whoever uploaded them (507 past it), so that
    /// blobs cannot fill the disk envelopes need.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_attachment_store_bytes)]
    pub max_attachment_store_bytes: u64,
    /// Attachment bytes one client address may upload per hour (429 past it; loopback clients
    /// are exempt unless --rate-limit-loopback).
    #[arg(long, value_name = "BYTES", default_value_t = UPLOAD_BYTES_PER_HOUR as u64)]
    pub upload_bytes_per_hour: u64,
    /// Delete attachment blobs this many days after they were stored [default: keep them].
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub attachment_retention_days: Option<u32>,
    /// No rate limits (spec §12.9 token buckets per client address and per identity).
    #[arg(long, conflicts_with = "rate_limit_loopback")]
    pub no_rate_limit: bool,
    /// Rate-limit loopback clients too (by default they are exempt: they are this machine's own
    /// apps). Behind a local reverse proxy every client looks like loopback and would share one
    /// bucket; limit rates at the proxy there.
    #[arg(long)]
    pub rate_limit_loopback: bool,
}

impl NodeArgs {
    /// The limits these options ask for.
    pub fn limits(&self) -> Limits {
        let rate = if self.no_rate_limit {
            RateLimits::off()
        } else {
            RateLimits {
                exempt_loopback: !self.rate_limit_loopback,
                upload_bytes_per_address: Bucket::per_hour(self.upload_bytes_per_hour as f64),
                ..RateLimits::default()
            }
        };
        Limits {
            max_message_bytes: self.max_message_bytes,
            max_response_bytes: self.max_response_bytes.max(1),
            max_subscriptions_per_address: self.max_subscriptions_per_address,
            max_connections: self.max_connections,
            max_connections_per_address: self.max_connections_per_address,
            header_read_timeout: Duration::from_secs(self.header_timeout_secs.max(1)),
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            max_request_bytes_in_flight: self.max_request_bytes_in_flight.max(1),
            max_queued_publishes: self.max_queued_publishes.max(1),
            max_database_bytes: self.max_db_bytes,
            max_attachment_bytes: self.max_attachment_bytes,
            attachment_quota_bytes: self.attachment_quota_bytes,
            max_attachment_store_bytes: self.max_attachment_store_bytes,
            attachment_retention: self.attachment_retention_days.map(|d| Duration::from_secs(u64::from(d) * 86_400)),
            rate,
            ephemeral_retention: Duration::from_secs(self.ephemeral_retention_secs.max(1)),
            max_relay_bytes: self.max_relay_bytes,
            relay_poll_interval: Duration::from_millis(self.relay_poll_ms.max(1)),
            relay_notify: !self.no_relay_notify,
            ..Limits::default()
        }
    }
}

/// The default database: `<data dir>/courier/node.db`.
pub fn default_db() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("courier").join("node.db")
}

/// Runs the node until a signal; prints one line with the bound addresses when it is ready.
pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let limits = args.limits();
    let http_addr = if args.no_http { None } else { Some(args.http_addr) };
    if let Some(warning) = http_addr.and_then(|a| wildcard_warning(a, args.public_url.as_deref())) {
        eprintln!("{warning}");
        tracing::warn!("{warning}");
    }
    let config = NodeConfig {
        grpc_addr: args.grpc_addr,
        http_addr,
        database: args
            .db
            .clone()
            .or_else(|| std::env::var("COURIER_NODE_DB").ok())
            .map_or_else(|| Database::File(default_db()), |db| Database::parse(&db)),
        auth: if args.no_auth { AuthMode::Disabled } else { AuthMode::Required },
        http: HttpOptions {
            keepalive: Duration::from_secs(args.keepalive_secs.max(1)),
            cors_origins: args.cors_origins,
            message_api: !args.no_message_api,
            public_url: args.public_url,
        },
        limits,
        // A node started from the command line proves nothing: the app uses it only if chosen.
        proof_key: None,
    };
    let node = courier_node::start(config).await?;
    match node.http_addr() {
        Some(h) => println!("courier node ready: grpc={} http={h}", node.grpc_addr()),
        None => println!("courier node ready: grpc={}", node.grpc_addr()),
    }
    wait_for_signal().await;
    tracing::info!("stopping");
    node.shutdown().await;
    Ok(())
}

/// On a wildcard bind (`0.0.0.0`, `::`) without `--public-url`, an upload's `url` would name
/// the wildcard address, which no receiver can fetch (and Courier refuses): say so at start.
pub fn wildcard_warning(http_addr: SocketAddr, public_url: Option<&str>) -> Option<String> {
    (http_addr.ip().is_unspecified() && public_url.is_none()).then(|| {
        format!(
            "warning: the HTTP port listens on {http_addr} without --public-url: attachment uploads \
             would answer with http://{http_addr}/attachments/v1/…, which receivers cannot fetch; \
             set --public-url to the URL clients reach this node at"
        )
    })
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_bind_without_a_public_url_is_warned_about() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(wildcard_warning(at("0.0.0.0:5555"), None).is_some_and(|w| w.contains("--public-url")));
        assert!(wildcard_warning(at("[::]:5555"), None).is_some());
        assert!(wildcard_warning(at("0.0.0.0:5555"), Some("https://node.example")).is_none());
        assert!(wildcard_warning(at("127.0.0.1:5555"), None).is_none());
        assert!(wildcard_warning(at("192.0.2.7:5555"), None).is_none());
    }
}
