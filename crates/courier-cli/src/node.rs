//! `courier node`: runs a node until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use courier_node::{AuthMode, Database, HttpOptions, NodeConfig};

/// Options of `courier node`.
#[derive(Debug, clap::Args)]
pub struct NodeArgs {
    /// gRPC listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5556")]
    pub grpc_addr: SocketAddr,
    /// HTTP/JSON gateway listen address (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:5555")]
    pub http_addr: SocketAddr,
    /// Serve gRPC only.
    #[arg(long)]
    pub no_http: bool,
    /// SQLite database file [default: node.db in the user's data folder, under courier/].
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Accept publishes without auth tokens (a private test network only).
    #[arg(long)]
    pub no_auth: bool,
    /// Seconds of silence before a gateway subscription gets a keep-alive line.
    #[arg(long, default_value_t = 30)]
    pub keepalive_secs: u64,
}

/// The default database: `<data dir>/courier/node.db`.
pub fn default_db() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("courier").join("node.db")
}

/// Runs the node until a signal; prints one line with the bound addresses when it is ready.
pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let config = NodeConfig {
        grpc_addr: args.grpc_addr,
        http_addr: if args.no_http { None } else { Some(args.http_addr) },
        database: Database::File(args.db.unwrap_or_else(default_db)),
        auth: if args.no_auth { AuthMode::Disabled } else { AuthMode::Required },
        http: HttpOptions { keepalive: Duration::from_secs(args.keepalive_secs.max(1)) },
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
