//! The headless client: `courier account …`, `can-message`, `conversations`, `send`,
//! `messages`, `listen`, `sync`. Each is a thin call into `courier-engine` and a printer.

use std::path::PathBuf;

use clap::Subcommand;
use courier_engine::{Backend, Config, Engine, Event, Keychain, ListFilter, MessageView, SendOptions, account};
use serde_json::json;

/// Options shared by the client commands.
#[derive(Debug, Clone, clap::Args)]
pub struct Global {
    /// Data folder [default: `courier` in the user's data folder].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Node gRPC URL: http://host:port (plaintext) or https://host (TLS).
    #[arg(long, global = true, default_value = "http://127.0.0.1:5556")]
    pub node: String,
    /// Keychain: secret-service, kernel (Linux fallback, lost at reboot), macos, windows
    /// [default: the platform's].
    #[arg(long, global = true)]
    pub keychain: Option<String>,
    /// Account address, when the data folder holds several.
    #[arg(long, global = true)]
    pub account: Option<String>,
    /// Machine-readable output: one JSON object per line.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Client commands.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Create, import, show or back up an account.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Whether an address has an XMTP identity.
    CanMessage {
        /// The address.
        address: String,
    },
    /// List conversations, most recent first (blocked peers hidden unless asked).
    Conversations {
        /// visible (all but blocked), allowed, requests, blocked, all.
        #[arg(long, default_value = "visible")]
        filter: String,
    },
    /// Allow a peer (moves its conversations out of the requests).
    Allow {
        /// The address.
        address: String,
    },
    /// Block a peer (hides its conversations).
    Block {
        /// The address.
        address: String,
    },
    /// Send a text message (V2 by default).
    Send {
        /// The recipient's address.
        address: String,
        /// The text.
        text: String,
        /// Use the V1 conversation.
        #[arg(long)]
        v1: bool,
        /// V2 conversation id (a separate thread with the same peer).
        #[arg(long)]
        conversation_id: Option<String>,
        /// Metadata of a new conversation with a conversation id: key=value,key=value.
        #[arg(long, requires = "conversation_id")]
        metadata: Option<String>,
    },
    /// Messages with an address (or of a conversation topic).
    Messages {
        /// Address or topic.
        peer: String,
        /// How many of the newest.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only messages sent before this time (ns): the next page back.
        #[arg(long)]
        before: Option<u64>,
    },
    /// Print incoming messages as they arrive (Ctrl-C stops).
    Listen,
    /// Fetch everything new from the node.
    Sync,
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// A new account with a new wallet.
    Create,
    /// Sign in with a wallet key or a recovery phrase; XMTP keys are restored from the network
    /// backup when they exist.
    Import {
        /// Wallet private key, hex.
        #[arg(long, conflicts_with = "phrase")]
        wallet_key: Option<String>,
        /// BIP-39 recovery phrase (account m/44'/60'/0'/0/0).
        #[arg(long)]
        phrase: Option<String>,
    },
    /// Show the account.
    Show,
    /// Print the encrypted key backup (EncryptedPrivateKeyBundle, hex), openable with the wallet.
    ExportBackup,
}

fn config(g: &Global) -> anyhow::Result<Config> {
    let backend = match &g.keychain {
        Some(k) => Backend::parse(k)
            .ok_or_else(|| anyhow::anyhow!("unknown keychain {k:?} (secret-service, kernel, macos, windows)"))?,
        None => Backend::platform_default(),
    };
    Ok(Config {
        data_dir: g
            .data_dir
            .clone()
            .unwrap_or_else(|| dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("courier")),
        node_url: g.node.clone(),
        keychain: Keychain::new(backend),
    })
}

async fn open(g: &Global, cfg: &Config) -> anyhow::Result<Engine> {
    let address = account::choose(cfg, g.account.as_deref())?;
    Ok(account::open(cfg, &address).await?)
}

fn print_message(g: &Global, m: &MessageView) {
    if g.json {
        println!("{}", json!({"event": "message", "message": m}));
    } else {
        println!("[{}] {} ({}): {}", m.state, m.sender, m.content_type, m.text);
    }
}

/// Runs one client command.
pub async fn run(g: Global, cmd: ClientCommand) -> anyhow::Result<()> {
    let cfg = config(&g)?;
    match cmd {
        ClientCommand::Account(AccountCommand::Create) => {
            let e = account::create(&cfg).await?;
            show(&g, &cfg, &e);
        }
        ClientCommand::Account(AccountCommand::Import { wallet_key, phrase }) => {
            let e = match (wallet_key, phrase) {
                (Some(k), None) => account::import_key(&cfg, &k).await?,
                (None, Some(p)) => account::import_phrase(&cfg, &p).await?,
                _ => anyhow::bail!("give --wallet-key or --phrase"),
            };
            show(&g, &cfg, &e);
        }
        ClientCommand::Account(AccountCommand::Show) => {
            let e = open(&g, &cfg).await?;
            show(&g, &cfg, &e);
        }
        ClientCommand::Account(AccountCommand::ExportBackup) => {
            let e = open(&g, &cfg).await?;
            let wallet = account::wallet(&cfg, e.address())?;
            let backup = xmtp_crypto::storage::encrypt(e.keys(), &wallet, &mut rand_core::OsRng)?;
            if g.json {
                println!(
                    "{}",
                    json!({"address": e.address().as_str(), "encrypted_private_key_bundle_hex": hex::encode(backup)})
                );
            } else {
                println!("{}", hex::encode(backup));
            }
        }
        ClientCommand::CanMessage { address } => {
            let e = open(&g, &cfg).await?;
            let ok = e.can_message(&address).await?;
            if g.json {
                println!("{}", json!({"address": address, "can_message": ok}));
            } else {
                println!("{}", if ok { "yes" } else { "no" });
            }
        }
        ClientCommand::Conversations { filter } => {
            let filter = match filter.as_str() {
                "visible" => ListFilter::Visible,
                "allowed" => ListFilter::Allowed,
                "requests" => ListFilter::Requests,
                "blocked" => ListFilter::Blocked,
                "all" => ListFilter::All,
                other => anyhow::bail!("unknown filter {other:?} (visible, allowed, requests, blocked, all)"),
            };
            let e = open(&g, &cfg).await?;
            for c in e.conversations(filter).await? {
                if g.json {
                    println!("{}", serde_json::to_string(&c)?);
                } else {
                    println!(
                        "{} v{} {}{} [{}] {}",
                        c.peer,
                        c.version,
                        if c.conversation_id.is_empty() { String::new() } else { format!("({}) ", c.conversation_id) },
                        if c.unread > 0 { format!("{} unread", c.unread) } else { "read".into() },
                        c.consent,
                        c.last_preview.unwrap_or_default()
                    );
                }
            }
        }
        ClientCommand::Allow { address } => {
            open(&g, &cfg).await?.set_consent(&address, true).await?;
        }
        ClientCommand::Block { address } => {
            open(&g, &cfg).await?.set_consent(&address, false).await?;
        }
        ClientCommand::Send { address, text, v1, conversation_id, metadata } => {
            let metadata = match metadata {
                None => Default::default(),
                Some(m) => m
                    .split(',')
                    .map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                    .collect::<Option<_>>()
                    .ok_or_else(|| anyhow::anyhow!("--metadata wants key=value,key=value"))?,
            };
            let e = open(&g, &cfg).await?;
            let m = e.send_text(&address, &text, SendOptions { v1, conversation_id, metadata }).await?;
            if g.json {
                println!("{}", json!({"event": "sent", "message": m}));
            } else if m.state == "pending" {
                println!("pending {} (the node did not take it yet; `courier sync` or `listen` retries)", m.id);
            } else {
                println!("{} {}", m.state, m.id);
            }
        }
        ClientCommand::Messages { peer, limit, before } => {
            let e = open(&g, &cfg).await?;
            for m in e.messages(&peer, limit, before).await? {
                print_message(&g, &m);
            }
        }
        ClientCommand::Sync => {
            let e = open(&g, &cfg).await?;
            // A progress line on a terminal; nothing on a pipe.
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let mut events = e.events();
            let progress = tokio::spawn(async move {
                while let Ok(ev) = events.recv().await {
                    if let Event::SyncProgress { done, total } = ev
                        && tty
                    {
                        eprint!("\rsync {done}/{total} topics");
                    }
                }
            });
            let _ = e.retry_outbox_now().await;
            let report = e.sync().await?;
            progress.abort();
            if tty {
                eprintln!();
            }
            if g.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                println!(
                    "{} topics, {} envelopes: {} new conversations, {} new messages, {} skipped",
                    report.topics, report.envelopes, report.conversations, report.messages, report.skipped
                );
            }
        }
        ClientCommand::Listen => {
            let e = open(&g, &cfg).await?;
            let mut events = e.events();
            let me = e.address().to_string();
            let printer = {
                let e = e.clone();
                let g = g.clone();
                tokio::spawn(async move {
                    while let Ok(ev) = events.recv().await {
                        match ev {
                            Event::MessageAdded { id, .. } => {
                                if let Ok(Some(m)) = e.message(&id).await
                                    && m.sender != me
                                {
                                    print_message(&g, &m);
                                }
                            }
                            Event::Connection { state } if g.json => {
                                println!("{}", json!({"event": "connection", "state": state}))
                            }
                            Event::Connection { state } => eprintln!("{state}"),
                            _ => {}
                        }
                    }
                })
            };
            e.listen(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            printer.abort();
        }
    }
    Ok(())
}

fn show(g: &Global, cfg: &Config, e: &Engine) {
    if g.json {
        println!(
            "{}",
            json!({"address": e.address().as_str(), "data_dir": cfg.account_dir(e.address()), "keychain": cfg.keychain.backend().name(), "node": cfg.node_url})
        );
    } else {
        println!("{}", e.address());
    }
}
