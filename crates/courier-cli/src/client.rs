//! The headless client: `courier account …`, `can-message`, `conversations`, `send`,
//! `messages`, `listen`, `sync`, `search` (`search`), and `name`, `pin`, `mute`, `archive`
//! (`people`). Their arguments are declared in `client_args`; each command here calls
//! `courier-api` and prints (`print`).

use courier_api::accounts::{self, ImportSecret};
use courier_api::views::{Event, SyncView};
use courier_api::{rich, threads};
use courier_engine::{Backend, Config, DeliveryState, Engine, Keychain, SendOptions};

pub use crate::client_args::{AccountCommand, ClientCommand, Filter, Global};
use crate::print::Printer;

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
        node_proof: None,
        attachments_url: g.attachments_url.clone().or_else(|| local_store(&g.node)),
    })
}

/// The local network's attachment store (the spec's local ports pair gRPC 5556 with HTTP 5555),
/// for the local node only: an upload to any other place goes where the user says.
fn local_store(node: &str) -> Option<String> {
    matches!(node.trim_end_matches('/'), "http://127.0.0.1:5556" | "http://localhost:5556")
        .then(|| "http://127.0.0.1:5555".to_owned())
}

/// Runs one client command.
pub async fn run(g: Global, cmd: ClientCommand) -> anyhow::Result<()> {
    let cfg = config(&g)?;
    let out = Printer { json: g.json };
    let open = || open_account(&cfg, g.account.as_deref());
    match cmd {
        ClientCommand::Account(AccountCommand::Create) => {
            let created = accounts::create(&cfg).await?;
            out.created(&cfg, &created.engine, created.phrase.expose());
            volatile_warning(&cfg);
        }
        ClientCommand::Account(AccountCommand::Import { wallet_key, phrase }) => {
            let secret = ImportSecret::from_fields(wallet_key, phrase)
                .ok_or_else(|| anyhow::anyhow!("give one of --wallet-key or --phrase"))?;
            out.account(&cfg, &accounts::import(&cfg, &secret).await?);
            volatile_warning(&cfg);
        }
        ClientCommand::Account(AccountCommand::Show) => out.account(&cfg, &open().await?),
        ClientCommand::Account(AccountCommand::ShowPhrase) => {
            let e = open().await?;
            out.secret(e.address(), "phrase", accounts::phrase(&cfg, &e)?.expose());
        }
        ClientCommand::Account(AccountCommand::ExportKey) => {
            let e = open().await?;
            out.secret(e.address(), "wallet_key_hex", accounts::export_key(&cfg, &e)?.expose());
        }
        ClientCommand::Account(AccountCommand::Remove { yes }) => {
            let address = accounts::choose(&cfg, g.account.as_deref())?.to_string();
            let question = format!(
                "Remove {address} from this computer? Its keys in the keychain and its messages stored here are deleted; \
                 only its recovery phrase or wallet key brings it back. Type the address to confirm: "
            );
            if !yes && !confirmed_on_terminal(&format!("remove {address}"), &question, &address)? {
                anyhow::bail!("{address} was not removed");
            }
            accounts::remove(&cfg, &address)?;
            eprintln!("removed {address} from this computer; its recovery phrase or wallet key restores it");
        }
        ClientCommand::Account(AccountCommand::RecoverStore { yes }) => {
            let address = accounts::choose(&cfg, g.account.as_deref())?.to_string();
            // A store that opens is refused before the question, not after the answer.
            accounts::check_recoverable(&cfg, Some(&address))?;
            let question = format!(
                "Set the unreadable store of {address} aside and start a fresh one? The file is kept beside it \
                 (courier.db.unreadable-N), and the history comes back from the network; what only this computer held \
                 (drafts, names, messages never sent) stays in the kept file. Type yes to confirm: "
            );
            if !yes && !confirmed_on_terminal("set the store aside", &question, "yes")? {
                anyhow::bail!("the store of {address} was not set aside");
            }
            let done = accounts::recover_store(&cfg, Some(&address))?;
            if let Some(item) = &done.key_aside {
                eprintln!("courier: the damaged store key is kept in the keychain as {item}");
            }
            match &done.store_aside {
                Some(aside) => eprintln!(
                    "courier: the unreadable store is kept as {}; starting a fresh store and syncing the history from the network",
                    aside.display()
                ),
                None => eprintln!("courier: the store is left as it is; starting with a new store key"),
            }
            sync(&open().await?, &out).await?;
        }
        ClientCommand::Account(AccountCommand::ExportBackup) => {
            let e = open().await?;
            out.backup(e.address(), &accounts::export_backup(&cfg, &e)?);
        }
        ClientCommand::CanMessage { address } => {
            out.address_check(&address, &threads::check_address(&open().await?, &address).await?)?;
        }
        ClientCommand::Conversations { filter } => {
            for c in threads::conversations(&open().await?, filter.into()).await? {
                out.conversation(&c)?;
            }
        }
        ClientCommand::Allow { address } => threads::set_consent(&open().await?, &address, true).await?,
        ClientCommand::Block { address } => threads::set_consent(&open().await?, &address, false).await?,
        ClientCommand::Send { address, text, v1, conversation_id, metadata, reply_to } => {
            let e = open().await?;
            let sent = match reply_to {
                Some(r) => rich::reply(&e, &address, &r, &text).await?,
                None => {
                    let opts = SendOptions { v1, conversation_id, metadata: metadata.unwrap_or_default(), topic: None };
                    threads::send_text(&e, &address, &text, opts).await?
                }
            };
            sent_now(&e, &out, &sent.id.to_string()).await?;
        }
        ClientCommand::React { peer, id, emoji, remove } => {
            let e = open().await?;
            rich::react(&e, &peer, &id, &emoji, remove).await?;
            let _ = e.flush_outbox().await;
            out.thread_message(&threads::message(&e, &id).await?);
        }
        ClientCommand::Read { peer } => {
            let e = open().await?;
            let topic = rich::conversation_topic(&e, &peer).await?;
            let sent = rich::send_read_receipt(&e, topic.as_str()).await?;
            let _ = e.flush_outbox().await;
            if g.json {
                println!("{}", serde_json::json!({"event": "read_receipt", "sent": sent}));
            } else {
                println!("{}", if sent { "read receipt sent" } else { "nothing new to acknowledge" });
            }
        }
        ClientCommand::SendFile { peer, path, reply_to, remote } => {
            let e = open().await?;
            let file = rich::FileInput::read(&path)?;
            let sent = rich::send_file(&e, &peer, file, reply_to.as_deref(), remote).await?;
            sent_now(&e, &out, &sent.id.to_string()).await?;
        }
        ClientCommand::Save { peer, id, out: path } => {
            let e = open().await?;
            rich::message_in(&e, &peer, &id).await?;
            // Asked on the command line: a message request's file may be fetched, never a
            // blocked peer's.
            let file = rich::attachment(&e, &id, true).await?;
            std::fs::write(&path, &file.data)?;
            if g.json {
                println!(
                    "{}",
                    serde_json::json!({"event": "saved", "path": path, "filename": file.filename, "mime_type": file.mime_type, "size": file.data.len()})
                );
            } else {
                crate::terminal::say(&format!(
                    "saved {} ({} bytes) to {}",
                    file.filename,
                    file.data.len(),
                    path.display()
                ));
            }
        }
        ClientCommand::Messages { peer, limit, before } => {
            for m in threads::messages(&open().await?, &peer, limit, before.as_deref()).await? {
                out.thread_message(&m);
            }
        }
        ClientCommand::Sync => sync(&open().await?, &out).await?,
        ClientCommand::Export(args) => crate::export::run(&open().await?, g.json, args).await?,
        ClientCommand::Listen => listen(&open().await?, &out).await?,
        ClientCommand::People(cmd) => crate::people::run(&open().await?, &out, cmd).await?,
        ClientCommand::Search(args) => crate::search::run(&open().await?, &out, args).await?,
    }
    Ok(())
}

/// Opens the account; a store its key does not open says what to do about it.
async fn open_account(cfg: &Config, wanted: Option<&str>) -> anyhow::Result<Engine> {
    accounts::open(cfg, wanted).await.map_err(|e| {
        if courier_api::error::error_code(&e) == courier_api::error::ErrorCode::StoreUnreadable {
            anyhow::anyhow!(
                "{e}. Nothing was changed. `courier account recover-store` keeps that file aside (never deleted), starts a fresh store and syncs your history from the network"
            )
        } else {
            e.into()
        }
    })
}

/// Publishes what was just written (this process ends soon: not left to the background) and
/// prints the message as it stands.
async fn sent_now(e: &Engine, out: &Printer, id: &str) -> anyhow::Result<()> {
    let _ = e.flush_outbox().await;
    out.sent(&threads::message(e, id).await?);
    Ok(())
}

/// Asks `question` on the terminal; true if the answer is `expected` (any case). Without a
/// terminal to ask on, refuses to `what` (scripts pass `--yes`).
fn confirmed_on_terminal(what: &str, question: &str, expected: &str) -> anyhow::Result<bool> {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("refusing to {what} without asking: run it in a terminal, or pass --yes");
    }
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case(expected))
}

/// The kernel keyring forgets at reboot: say so wherever it is chosen.
fn volatile_warning(cfg: &Config) {
    if cfg.keychain.backend() == Backend::KernelKeyring {
        eprintln!(
            "courier: keys are kept in the kernel keyring, which forgets them at reboot: keep the recovery phrase (or wallet key)"
        );
    }
}

async fn sync(e: &Engine, out: &Printer) -> anyhow::Result<()> {
    // A progress line on a terminal; nothing on a pipe.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut events = e.events();
    let progress = tokio::spawn(async move {
        while let Some(ev) = events.recv().await {
            if let (courier_engine::Event::SyncProgress { done, total }, true) = (ev, tty) {
                eprint!("\rsync {done}/{total} topics");
            }
        }
    });
    let _ = e.retry_outbox_now().await;
    let report = e.sync().await;
    progress.abort();
    if tty {
        eprintln!();
    }
    out.sync(&SyncView::from(report?))
}

async fn listen(e: &Engine, out: &Printer) -> anyhow::Result<()> {
    let mut events = e.events();
    e.go_live();
    let me = e.address().clone();
    loop {
        let ev = tokio::select! {
            ev = events.recv() => ev,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(ev) = ev else { break };
        match Event::from(ev) {
            Event::MessageAdded { id, .. } => {
                if let Some(m) = e.message(&id).await?
                    && m.sender != me
                    && m.state == DeliveryState::Received
                {
                    out.message(&m.into());
                }
            }
            Event::Connection { state } => out.connection(state),
            Event::Missed { count } => tracing::warn!(count, "fell behind; some messages were not printed live"),
            _ => {}
        }
    }
    e.close();
    Ok(())
}
