//! How the client commands print: one line of text per item, or one JSON object per line with
//! `--json` (the views' serde form). Text that may hold what a peer or a node wrote goes out
//! through [`crate::terminal`], so that it is seen, not obeyed.

use courier_api::views::{AddressCheck, ConnectionState, ConversationView, MessageView, SyncView};
use courier_engine::{Config, DeliveryState, Engine, WalletAddress};
use serde_json::json;

use crate::terminal::{say, warn};

/// Prints for one command.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// One JSON object per line.
    pub json: bool,
}

impl Printer {
    pub(crate) fn account(&self, cfg: &Config, e: &Engine) {
        if self.json {
            let j = json!({
                "address": e.address(),
                "data_dir": cfg.account_dir(e.address()),
                "keychain": cfg.keychain.backend().name(),
                "node": cfg.node_url,
            });
            println!("{j}");
        } else {
            println!("{}", e.address());
        }
    }

    /// A new account: the address on stdout, the phrase with a one-line warning on stderr
    /// (`--json`: one object with both, on stdout).
    pub(crate) fn created(&self, cfg: &Config, e: &Engine, phrase: &str) {
        if self.json {
            let j = json!({
                "address": e.address(),
                "phrase": phrase,
                "data_dir": cfg.account_dir(e.address()),
                "keychain": cfg.keychain.backend().name(),
                "node": cfg.node_url,
            });
            println!("{j}");
        } else {
            println!("{}", e.address());
            eprintln!("courier: write down this recovery phrase and keep it safe; whoever has it owns this account:");
            eprintln!("{phrase}");
        }
    }

    /// A secret the user asked for.
    pub(crate) fn secret(&self, address: &WalletAddress, name: &str, value: &str) {
        if self.json {
            println!("{}", json!({"address": address, name: value}));
        } else {
            println!("{value}");
        }
    }

    pub(crate) fn backup(&self, address: &WalletAddress, hex: &str) {
        if self.json {
            println!("{}", json!({"address": address, "encrypted_private_key_bundle_hex": hex}));
        } else {
            println!("{hex}");
        }
    }

    pub(crate) fn address_check(&self, input: &str, c: &AddressCheck) -> anyhow::Result<()> {
        if let Some(problem) = &c.problem {
            anyhow::bail!("{input:?} is not an Ethereum address: {problem}");
        }
        let yes = c.on_network == Some(true);
        if self.json {
            println!("{}", json!({"address": c.address, "can_message": yes}));
        } else {
            println!("{}", if yes { "yes" } else { "no" });
        }
        Ok(())
    }

    pub(crate) fn conversation(&self, c: &ConversationView) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(c)?);
        } else {
            let flags: Vec<&str> = [
                (c.pinned, "pinned"),
                (c.muted, "muted"),
                (c.archived, "archived"),
                (c.marked_unread, "marked unread"),
            ]
            .into_iter()
            .filter_map(|(on, name)| on.then_some(name))
            .collect();
            say(&format!(
                "{}{} {:?} {}{}{} [{}] {}",
                c.name.as_ref().map(|n| format!("{n} ")).unwrap_or_default(),
                c.peer,
                c.version,
                c.conversation_id.as_ref().map(|id| format!("({id}) ")).unwrap_or_default(),
                if c.unread > 0 { format!("{} unread", c.unread) } else { "read".into() },
                if flags.is_empty() { String::new() } else { format!(" {{{}}}", flags.join(", ")) },
                c.consent.as_str(),
                c.last_preview.as_deref().unwrap_or_default()
            ));
        }
        Ok(())
    }

    /// A contact's name was set (`Some`) or taken off.
    pub(crate) fn named(&self, address: &str, name: Option<&str>) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::json!({"event": "named", "address": address, "name": name}));
        } else {
            match name {
                Some(n) => say(&format!("{address} is named \"{n}\" on this computer")),
                None => println!("{address} has no name"),
            }
        }
        Ok(())
    }

    pub(crate) fn message(&self, m: &MessageView) {
        if self.json {
            println!("{}", json!({"event": "message", "message": m}));
        } else {
            say(&format!("[{}] {} ({}): {}", m.state.as_str(), m.sender, m.content_type, m.text));
        }
    }

    /// One message of a thread: in JSON, the message object itself, one per line.
    pub(crate) fn thread_message(&self, m: &MessageView) {
        if self.json {
            println!("{}", json!(m));
            return;
        }
        let mut line = format!("{} [{}] {}", m.id, m.state.as_str(), m.sender);
        if let Some(r) = &m.reply_to {
            line += &format!(" (reply to {r})");
        }
        line += &format!(": {}", m.text);
        if let Some(a) = &m.attachment {
            line += &format!(
                " [{} {}, {} bytes{}]",
                a.filename,
                a.mime_type,
                a.size,
                if a.remote { ", remote" } else { "" }
            );
        }
        for r in &m.reactions {
            line += &format!(" {}×{}", r.emoji, r.from.len());
        }
        if m.read {
            line += " (read)";
        }
        say(&line);
    }

    pub(crate) fn sent(&self, m: &MessageView) {
        if self.json {
            println!("{}", json!({"event": "sent", "message": m}));
        } else if m.state == DeliveryState::Pending {
            println!("pending {} (the node did not take it yet; `courier sync` or `listen` retries)", m.id);
        } else {
            println!("{} {}", m.state.as_str(), m.id);
        }
    }

    pub(crate) fn connection(&self, state: ConnectionState) {
        let name = match state {
            ConnectionState::Connected => "connected",
            ConnectionState::Disconnected => "disconnected",
        };
        if self.json {
            println!("{}", json!({"event": "connection", "state": state}));
        } else {
            eprintln!("{name}");
        }
    }

    pub(crate) fn sync(&self, r: &SyncView) -> anyhow::Result<()> {
        if self.json {
            println!("{}", serde_json::to_string(r)?);
        } else {
            println!(
                "{} topics, {} envelopes: {} new conversations, {} new messages, {} skipped",
                r.topics, r.envelopes, r.conversations, r.messages, r.skipped
            );
            for t in &r.unreadable {
                warn(&format!("courier: conversation {t} cannot be read: its stored key does not open"));
            }
            for f in &r.failed {
                warn(&format!(
                    "courier: topic {} was not read to its end ({}); the next sync tries again",
                    f.topic, f.error
                ));
            }
        }
        Ok(())
    }
}
