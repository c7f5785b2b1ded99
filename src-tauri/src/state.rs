//! The app's state: the profile (data folder, lock, settings), the node in use (a node already
//! answering at the local address, or the embedded one started here), and the open engine.

use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use courier_engine::{Backend, Config, Engine, Keychain, account};
use courier_node::{AuthMode, Database, HttpOptions, NodeConfig, NodeHandle};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::types::AppStatus;

/// The local network: gRPC and HTTP on the spec's local ports.
pub const LOCAL_GRPC: &str = "127.0.0.1:5556";
const LOCAL_HTTP: &str = "127.0.0.1:5555";

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

/// Saved per profile.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// A node URL chosen by the user; `None` = the local network (embedded default).
    pub node_url: Option<String>,
    /// The page zoom chosen with Ctrl+= / Ctrl+- (`None` = 100%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoom: Option<f64>,
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
    /// Held while the app runs: one instance per profile.
    _lock: File,
    /// The session.
    pub session: Mutex<Session>,
}

/// The node and the open account.
#[derive(Debug, Default)]
pub struct Session {
    /// The node URL in use.
    pub node_url: String,
    /// The embedded node, if this app runs it.
    pub embedded: Option<NodeHandle>,
    /// The open account (its engine runs the outbox and, once subscribed, live updates).
    pub engine: Option<Engine>,
}

impl AppState {
    /// Opens a profile: `COURIER_PROFILE` (default `default`) under the app data folder, or
    /// `COURIER_DATA_DIR` as is. Fails if another instance holds the profile.
    pub fn open() -> Result<Self, OpenError> {
        let profile = std::env::var("COURIER_PROFILE").unwrap_or_else(|_| "default".into());
        let dir = match std::env::var_os("COURIER_DATA_DIR") {
            Some(d) => PathBuf::from(d),
            None => dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("courier").join("profiles").join(&profile),
        };
        let backend = std::env::var("COURIER_KEYCHAIN")
            .ok()
            .and_then(|b| Backend::parse(&b))
            .unwrap_or_else(Backend::platform_default);
        Self::open_at(&profile, dir, Keychain::new(backend))
    }

    /// Opens the profile `profile` in `dir` with `keychain`.
    pub fn open_at(profile: &str, dir: PathBuf, keychain: Keychain) -> Result<Self, OpenError> {
        std::fs::create_dir_all(&dir).map_err(|source| OpenError::Folder { dir: dir.clone(), source })?;
        let lock = File::create(dir.join(".lock")).map_err(|source| OpenError::Folder { dir: dir.clone(), source })?;
        if lock.try_lock().is_err() {
            return Err(OpenError::AlreadyRunning { profile: profile.to_owned(), dir });
        }
        Ok(Self { profile: profile.to_owned(), dir, keychain, _lock: lock, session: Mutex::new(Session::default()) })
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.join("settings.json")
    }

    /// The saved settings (defaults if none).
    pub fn settings(&self) -> Settings {
        std::fs::read(self.settings_path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Saves settings.
    pub fn save_settings(&self, s: &Settings) -> CmdResult<()> {
        let bytes = serde_json::to_vec_pretty(s).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
        std::fs::write(self.settings_path(), bytes).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
    }

    /// The engine configuration for the node in use.
    pub async fn config(&self) -> Config {
        let url = self.session.lock().await.node_url.clone();
        self.config_for(&url)
    }

    fn config_for(&self, node_url: &str) -> Config {
        Config { data_dir: self.dir.join("data"), node_url: node_url.to_owned(), keychain: self.keychain }
    }

    /// The open account's engine.
    pub async fn engine(&self) -> Option<Engine> {
        self.session.lock().await.engine.clone()
    }

    /// Replaces the open account; returns the one it replaces.
    pub async fn set_engine(&self, engine: Option<Engine>) -> Option<Engine> {
        std::mem::replace(&mut self.session.lock().await.engine, engine)
    }

    /// Where the app stands.
    pub async fn status(&self) -> AppStatus {
        let s = self.session.lock().await;
        AppStatus {
            address: s.engine.as_ref().map(|e| e.address().to_string()),
            node_url: s.node_url.clone(),
            embedded_node: s.embedded.is_some(),
            profile: self.profile.clone(),
            keychain: self.keychain.backend().name().to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            zoom: self.settings().zoom_level(),
        }
    }

    /// Chooses the node (the user's, else a local one that answers, else an embedded one) and
    /// opens the profile's account if there is one.
    pub async fn start(&self) -> CmdResult<()> {
        let mut s = self.session.lock().await;
        s.engine = None;
        self.choose_node(&mut s).await?;
        let cfg = self.config_for(&s.node_url);
        if let Ok(address) = account::choose(&cfg, None) {
            s.engine = Some(account::open(&cfg, &address).await?);
        }
        Ok(())
    }

    /// Chooses the node again after the settings changed; the open account moves to it and
    /// stays live.
    pub async fn switch_node(&self) -> CmdResult<()> {
        let mut s = self.session.lock().await;
        self.choose_node(&mut s).await?;
        if let Some(e) = &s.engine {
            e.set_node_url(&s.node_url)?;
        }
        Ok(())
    }

    async fn choose_node(&self, s: &mut Session) -> CmdResult<()> {
        if let Some(n) = s.embedded.take() {
            n.shutdown().await;
        }
        match self.settings().node_url {
            Some(url) => s.node_url = url,
            None if answers(LOCAL_GRPC).await => s.node_url = format!("http://{LOCAL_GRPC}"),
            None => {
                let node = start_embedded(&self.dir.join("node.db")).await?;
                s.node_url = node.grpc_url();
                s.embedded = Some(node);
            }
        }
        Ok(())
    }
}

/// Whether something accepts connections at `addr` within half a second (a node already running
/// on the local address).
async fn answers(addr: &str) -> bool {
    let Ok(sock) = addr.parse::<SocketAddr>() else { return false };
    let connect = tokio::net::TcpStream::connect(sock);
    matches!(tokio::time::timeout(Duration::from_millis(500), connect).await, Ok(Ok(_)))
}

/// Starts the embedded node on the local addresses, or on free ports if they are taken.
async fn start_embedded(db: &Path) -> CmdResult<NodeHandle> {
    let config = |grpc: &str, http: &str| NodeConfig {
        grpc_addr: grpc.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0))),
        http_addr: http.parse().ok(),
        database: Database::File(db.to_owned()),
        auth: AuthMode::Required,
        http: HttpOptions::default(),
    };
    match courier_node::start(config(LOCAL_GRPC, LOCAL_HTTP)).await {
        Ok(n) => Ok(n),
        Err(courier_node::NodeError::Bind { .. }) => courier_node::start(config("127.0.0.1:0", "127.0.0.1:0"))
            .await
            .map_err(|e| CommandError::new(ErrorCode::Node, e.to_string())),
        Err(e) => Err(CommandError::new(ErrorCode::Node, e.to_string())),
    }
}
