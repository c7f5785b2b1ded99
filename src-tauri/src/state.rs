//! The app's state: the profile (data folder, lock, settings) and the session (`session`: the
//! node in use and the open account).

use std::fs::File;
use std::path::PathBuf;

use courier_engine::{Backend, Keychain};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::local::LocalNet;
use crate::private;
use crate::session::Session;

/// Why a profile cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The folder or its lock file cannot be created.
    #[error("cannot use the profile folder {dir}: {source}")]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another instance holds the profile's lock.
    #[error("Courier is already running with profile {profile:?}")]
    AlreadyRunning {
        /// The profile name.
        profile: String,
        /// Its folder (where that instance can be reached, see [`crate::instance`]).
        dir: PathBuf,
    },
}

/// Saved per profile: what belongs to this computer (the node, the zoom, the gateway). Each
/// account's own settings are in its folder ([`crate::account_settings`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// A node URL chosen by the user; `None` = the local network (embedded default).
    pub node_url: Option<String>,
    /// The page zoom chosen with Ctrl+= / Ctrl+- (`None` = 100%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<f64>,
    /// Whether the embedded node also serves the HTTP/JSON gateway (for xmtp-js apps on this
    /// computer). Off unless the user turns it on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub http_gateway: bool,
    /// What a Courier before per-account settings kept here: read once to move it to the
    /// account ([`crate::account_settings`]), never written back.
    #[serde(flatten)]
    pub legacy: crate::account_settings::Legacy,
}

/// The zoom levels Ctrl+= / Ctrl+- step through are the UI's; any level in this range is kept.
pub const ZOOM_RANGE: std::ops::RangeInclusive<f64> = 0.5..=3.0;

impl Settings {
    /// The kept zoom, 1 when none (or when the file holds one outside [`ZOOM_RANGE`]).
    pub fn zoom_level(&self) -> f64 {
        self.zoom.filter(|z| ZOOM_RANGE.contains(z)).unwrap_or(1.0)
    }
}

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    /// Profile name.
    pub profile: String,
    /// Profile folder.
    pub dir: PathBuf,
    /// Keychain backend.
    pub keychain: Keychain,
    /// The local network and the user's node key ([`LocalNet::of_user`]; tests move it).
    pub local: LocalNet,
    /// Held while the app runs: one instance per profile (none when the folder cannot be used).
    _lock: Option<File>,
    /// The session.
    pub session: Mutex<Session>,
    /// What the UI was last told and follows: the events loop of the last `subscribe` (ended
    /// when the account changes or the UI subscribes again) and the conversation of the last
    /// notification, opened when the window is next focused (`crate::notify`).
    pub ui: std::sync::Mutex<crate::notify::UiLink>,
}

impl AppState {
    /// Opens a profile: `COURIER_PROFILE` (default `default`) under the app data folder, or
    /// `COURIER_DATA_DIR` as is (and then the node key beside it, see
    /// [`crate::local::key_file_beside`]). Fails only if another instance holds the profile: a folder that
    /// cannot be used is a problem the window shows.
    pub fn open() -> Result<Self, OpenError> {
        let profile = std::env::var("COURIER_PROFILE").unwrap_or_else(|_| "default".into());
        let dir = match std::env::var_os("COURIER_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None => {
                // The app folder (profiles, the node key) is private too; the folder given in
                // COURIER_DATA_DIR is the user's choice, and only it (not its parent) is changed.
                let app = crate::local::app_folder();
                let profiles = app.join("profiles");
                if let Err(e) = private::create_dir(&app).and_then(|()| private::create_dir(&profiles)) {
                    tracing::warn!(path = %profiles.display(), error = %e, "cannot make private");
                }
                profiles.join(&profile)
            }
        };
        let backend = std::env::var("COURIER_KEYCHAIN")
            .ok()
            .and_then(|b| Backend::parse(&b))
            .unwrap_or_else(Backend::platform_default);
        let given = std::env::var_os("COURIER_DATA_DIR").is_some();
        let mut state = Self::open_at(&profile, dir, Keychain::new(backend))?;
        if given {
            // A profile given as is keeps the node key beside it, not in the user's app folder.
            state.local.key_file = crate::local::key_file_beside(&state.dir);
        }
        Ok(state)
    }

    /// Opens the profile `profile` in `dir` with `keychain`.
    pub fn open_at(profile: &str, dir: PathBuf, keychain: Keychain) -> Result<Self, OpenError> {
        let mut session = Session::default();
        let lock = match lock(&dir) {
            Ok(lock) => {
                if lock.try_lock().is_err() {
                    return Err(OpenError::AlreadyRunning { profile: profile.to_owned(), dir });
                }
                Some(lock)
            }
            Err(source) => {
                session.folder_problem = Some(OpenError::Folder { dir: dir.clone(), source }.to_string());
                None
            }
        };
        Ok(Self {
            profile: profile.to_owned(),
            dir,
            keychain,
            local: LocalNet::of_user(),
            _lock: lock,
            session: Mutex::new(session),
            ui: Default::default(),
        })
    }

    /// Whether the keychain forgets keys at reboot (the kernel keyring).
    pub fn keychain_is_volatile(&self) -> bool {
        self.keychain.backend() == Backend::KernelKeyring
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.join("settings.json")
    }

    /// The saved settings (defaults if none).
    pub fn settings(&self) -> Settings {
        std::fs::read(self.settings_path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Saves settings (a private file, replaced whole).
    pub fn save_settings(&self, s: &Settings) -> CmdResult<()> {
        let bytes = serde_json::to_vec_pretty(s).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        private::write(&self.settings_path(), &bytes).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
    }

    /// Makes everything in the profile folder private again: what the engine and the plugins
    /// created since (an account's folder and store, `keychain-scope`, the window state) gets
    /// 0700/0600 on Unix. The profile folder itself is private from the start, so nothing in it
    /// is reachable by others meanwhile.
    pub fn keep_private(&self) {
        private::tighten_tree(&self.dir);
    }
}

/// Makes the profile folder (and its data folder) private, tightens what an older Courier left
/// in it, and opens the lock file.
fn lock(dir: &std::path::Path) -> std::io::Result<File> {
    private::create_dir(dir)?;
    private::create_dir(&dir.join("data"))?;
    private::tighten_tree(dir);
    private::open_lock(&dir.join(".lock"))
}
