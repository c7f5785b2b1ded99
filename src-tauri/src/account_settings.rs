//! Settings each account keeps for itself, in its own folder (`<account>/settings.json`):
//! whether read receipts are sent, how much notifications show, whether archived conversations
//! stay archived. What belongs to the computer (the node, the zoom, the HTTP gateway, the
//! window) stays in the profile's `settings.json` ([`crate::state::Settings`]).
//!
//! A Courier before this kept these in the profile's file: the first time an account's own file
//! is missing, it takes that file's values and they leave the profile's file, so the account
//! open at the first start keeps what the user chose and later accounts start from the defaults.

use std::path::{Path, PathBuf};

use courier_engine::{Config, Engine};
use serde::{Deserialize, Serialize};
use xmtp_crypto::WalletAddress;

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::notice::Privacy;
use crate::state::AppState;

/// Saved per account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSettings {
    /// Whether read receipts are sent when the user has seen a conversation's newest messages.
    #[serde(default = "on")]
    pub read_receipts: bool,
    /// How much a notification shows.
    #[serde(default)]
    pub notification_privacy: Privacy,
    /// Archived conversations stay archived when a new message comes.
    #[serde(default)]
    pub keep_archived: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self { read_receipts: true, notification_privacy: Privacy::default(), keep_archived: false }
    }
}

fn on() -> bool {
    true
}

/// The settings file in an account's folder.
pub fn path(account_dir: &Path) -> PathBuf {
    account_dir.join("settings.json")
}

impl AppState {
    /// The settings of `address` in the data folder of `cfg`: its own file, else (the first
    /// time) what the profile's file held, moved here; else the defaults.
    pub fn account_settings_in(&self, cfg: &Config, address: &WalletAddress) -> AccountSettings {
        let file = path(&cfg.account_dir(address));
        if let Some(s) = std::fs::read(&file).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
            return s;
        }
        let mut profile = self.settings();
        let Some(legacy) = std::mem::take(&mut profile.legacy).into_settings() else {
            return AccountSettings::default();
        };
        // Moved: saved for the account, then gone from the profile's file (a failed write keeps
        // the profile's values, so nothing is lost and the move is tried again).
        if write(&cfg.data_dir, &file, &legacy).is_ok() {
            let _ = self.save_settings(&profile);
        }
        legacy
    }

    /// The open account's settings.
    pub async fn account_settings(&self, engine: &Engine) -> AccountSettings {
        self.account_settings_in(&self.config().await, engine.address())
    }

    /// Changes the open account's settings with `change`, saves them and applies them to the
    /// engine; returns them.
    pub async fn change_account_settings(
        &self,
        engine: &Engine,
        change: impl FnOnce(&mut AccountSettings),
    ) -> CmdResult<AccountSettings> {
        let cfg = self.config().await;
        let mut s = self.account_settings_in(&cfg, engine.address());
        change(&mut s);
        write(&cfg.data_dir, &path(&cfg.account_dir(engine.address())), &s)
            .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        engine.set_keep_archived(s.keep_archived);
        Ok(s)
    }
}

/// Saves `s` as a private file, replaced whole (its folders below `root` private too).
fn write(root: &Path, file: &Path, s: &AccountSettings) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(s).map_err(std::io::Error::other)?;
    if let Some(dir) = file.parent() {
        crate::private::create_dir_under(root, dir)?;
    }
    crate::private::write(file, &bytes)
}

/// The per-account settings as a Courier before kept them in the profile's file (each written
/// only when not the default): read, never written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Legacy {
    #[serde(default, skip_serializing)]
    read_receipts: Option<bool>,
    #[serde(default, skip_serializing)]
    notification_privacy: Option<Privacy>,
    #[serde(default, skip_serializing)]
    keep_archived: Option<bool>,
}

impl Legacy {
    /// The settings they made, if the file held any.
    fn into_settings(self) -> Option<AccountSettings> {
        if self.read_receipts.is_none() && self.notification_privacy.is_none() && self.keep_archived.is_none() {
            return None;
        }
        let d = AccountSettings::default();
        Some(AccountSettings {
            read_receipts: self.read_receipts.unwrap_or(d.read_receipts),
            notification_privacy: self.notification_privacy.unwrap_or(d.notification_privacy),
            keep_archived: self.keep_archived.unwrap_or(d.keep_archived),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn cfg(dir: &Path) -> Config {
        Config {
            data_dir: dir.join("data"),
            node_url: String::new(),
            keychain: courier_engine::Keychain::new(courier_engine::Backend::platform_default()),
            node_proof: None,
            attachments_url: None,
        }
    }

    #[test]
    fn each_account_keeps_its_own_and_the_old_shared_values_go_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::open_at("test", dir.path().to_owned(), cfg(dir.path()).keychain).unwrap();
        // What an older Courier kept for the whole profile.
        let old = r#"{"node_url":"http://127.0.0.1:1","zoom":1.5,"read_receipts":false,
            "notification_privacy":"name_only","keep_archived":true}"#;
        std::fs::write(dir.path().join("settings.json"), old).unwrap();
        let (a, b) = (
            WalletAddress::parse("0x00000000000000000000000000000000000000a1").unwrap(),
            WalletAddress::parse("0x00000000000000000000000000000000000000b2").unwrap(),
        );
        let c = cfg(dir.path());
        let moved =
            AccountSettings { read_receipts: false, notification_privacy: Privacy::NameOnly, keep_archived: true };
        assert_eq!(state.account_settings_in(&c, &a), moved, "the first account takes the old values");
        assert_eq!(state.account_settings_in(&c, &b), AccountSettings::default(), "another starts from the defaults");
        assert_eq!(state.account_settings_in(&c, &a), moved, "kept in its own folder");
        let profile: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("settings.json")).unwrap()).unwrap();
        assert_eq!(profile, serde_json::json!({"node_url": "http://127.0.0.1:1", "zoom": 1.5}), "the profile's stay");
        assert!(path(&c.account_dir(&a)).exists());
    }
}
