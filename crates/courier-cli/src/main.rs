//! The `courier` binary: the headless client (`account`, `send`, `listen`, …), `node`, and
//! `vectors check` / `vectors emit`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "courier", version, about = "Courier: an XMTP V1/V2 messenger")]
struct Cli {
    #[command(flatten)]
    global: courier_cli::client::Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a node: the XMTP message API over gRPC and the HTTP/JSON gateway, on SQLite.
    Node(courier_cli::node::NodeArgs),
    #[command(flatten)]
    Client(courier_cli::client::ClientCommand),
    /// Protocol test vectors in the schema of the xmtp-js vectors.
    #[command(subcommand)]
    Vectors(Vectors),
}

#[derive(Debug, Subcommand)]
enum Vectors {
    /// Check every case of FILE...: accept cases open and match `expected`, reject cases are
    /// refused, identities decode and verify. Exit 0 only if nothing failed.
    Check {
        /// Vector files (identities referenced by name are read from the same folder).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write artifacts Courier produced (identities, V1 and V2 messages, invitations, tokens).
    Emit {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Seed of the random generator (the output is deterministic for a seed and clock).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Clock start in ms since the epoch.
        #[arg(long, default_value_t = 1_760_000_000_000)]
        clock_ms: u64,
    },
}

/// Runs an async command; any error becomes one line on stderr and exit status 1.
fn block_on(f: impl std::future::Future<Output = anyhow::Result<()>>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("courier: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(f) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The top-level message already names the cause; one line, no chain (which may
            // quote a node or a peer: shown, not obeyed).
            courier_cli::terminal::warn(&format!("courier: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Node(args) => block_on(courier_cli::node::run(args)),
        Command::Client(cmd) => block_on(courier_cli::client::run(cli.global, cmd)),
        Command::Vectors(Vectors::Check { files }) => {
            let outcome = courier_cli::vectors::check_files(&files);
            for f in &outcome.failures {
                println!("{f}");
            }
            println!("{} passed, {} failed", outcome.passed, outcome.failures.len());
            if outcome.failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Vectors(Vectors::Emit { out, seed, clock_ms }) => {
            match courier_cli::vectors::emit(&out, seed, clock_ms) {
                Ok(path) => {
                    println!("{}", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("courier: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
