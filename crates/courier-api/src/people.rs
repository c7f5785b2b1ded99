//! People and conversation controls from user input as text: naming a contact, setting a
//! conversation's flag, and the accounts on this computer as the switcher shows them. Names and
//! flags stay on this computer (the protocol has no place for them; see
//! `courier_engine::people`).

use courier_engine::error::{parse_address, parse_topic};
use courier_engine::{Config, ConversationFlag, Engine, EngineError};
use serde::{Deserialize, Serialize};

use crate::views::ConversationView;

/// A conversation flag, as the app and the CLI name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum Flag {
    /// Listed first.
    Pinned,
    /// Never notifies.
    Muted,
    /// In the archive.
    Archived,
    /// Marked unread.
    Unread,
}

impl From<Flag> for ConversationFlag {
    fn from(f: Flag) -> Self {
        match f {
            Flag::Pinned => Self::Pinned,
            Flag::Muted => Self::Muted,
            Flag::Archived => Self::Archived,
            Flag::Unread => Self::MarkedUnread,
        }
    }
}

/// An account on this computer, as the account switcher shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountView {
    /// Its address.
    pub address: String,
    /// The name the user gave it (its own entry in its local names: `set_contact_name` with
    /// its own address while it is open), if any.
    pub name: Option<String>,
    /// Its unread badge: unread messages (one per conversation marked unread) in conversations
    /// with allowed peers that are not muted. For an account that is not open, read from its
    /// store as it was left (0 when it cannot be read, e.g. not opened since an upgrade).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unread: u64,
    /// It is the open one.
    pub active: bool,
}

/// Names a contact on this computer (`None`, or a blank name, takes the name off); returns the
/// name kept, cleaned.
pub async fn set_contact_name(
    engine: &Engine,
    address: &str,
    name: Option<&str>,
) -> Result<Option<String>, EngineError> {
    engine.set_contact_name(&parse_address(address)?, name).await
}

/// Sets or clears a conversation's flag; returns the conversation as the list shows it.
pub async fn set_flag(engine: &Engine, topic: &str, flag: Flag, on: bool) -> Result<ConversationView, EngineError> {
    Ok(engine.set_conversation_flag(&parse_topic(topic)?, flag.into(), on).await?.into())
}

/// The accounts on this computer, sorted by address, `active` the open one. The others are read
/// from their stores, read only, without their keys.
pub async fn accounts(config: &Config, active: Option<&Engine>) -> Result<Vec<AccountView>, EngineError> {
    let open = match active {
        Some(e) => Some((e.address().clone(), e.glance().await?)),
        None => None,
    };
    let config = config.clone();
    let others = tokio::task::spawn_blocking(move || {
        config
            .accounts()
            .into_iter()
            .map(|a| match &open {
                Some((me, glance)) if *me == a => (a, glance.clone(), true),
                _ => {
                    let glance = courier_engine::people::glance(&config, &a).unwrap_or_else(|e| {
                        tracing::info!(account = %a, error = %e, "cannot read the account's unread count");
                        Default::default()
                    });
                    (a, glance, false)
                }
            })
            .collect::<Vec<_>>()
    })
    .await
    .map_err(courier_engine::error::Internal::from)?;
    Ok(others
        .into_iter()
        .map(|(a, g, active)| AccountView { address: a.to_string(), name: g.name, unread: g.unread, active })
        .collect())
}
