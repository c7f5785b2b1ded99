//! The session: the node in use (the user's, else a node at the local address that proves this
//! user's Courier started it (`local`), else the embedded one started here) and the account signed in. Starting never fails: what goes
//! wrong (a locked keychain, missing keys, a newer store, a bad node URL, a node that will not
//! start) is kept as the session's problem, which the window shows with what to do.

use std::net::SocketAddr;

use courier_api::accounts;
use courier_engine::proof::NodeProof;
use courier_engine::{Config, Engine};
use courier_node::{AuthMode, Database, HttpOptions, NodeConfig, NodeHandle};

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::local::NotAdopted;
use crate::state::AppState;
use crate::types::AppStatus;

/// The node and the open account.
#[derive(Debug, Default)]
pub struct Session {
    /// The node URL in use.
    pub node_url: String,
    /// What the node in use must prove on every call: set when it is a node at the local
    /// address that this user's Courier started (adopted), `None` otherwise.
    pub node_proof: Option<NodeProof>,
    /// A node at the local address that was not adopted (see `AppStatus`).
    pub unadopted_local_node: Option<String>,
    /// The attachment store of the node in use: the embedded or adopted node's HTTP listener;
    /// `None` for a node the user chose (files then go inline only).
    pub attachments_url: Option<String>,
    /// The embedded node, if this app runs it.
    pub embedded: Option<NodeHandle>,
    /// Whether the embedded node serves the message API (the HTTP gateway) on its listener.
    pub gateway: bool,
    /// The open account (its engine runs the outbox and, once subscribed, live updates).
    pub engine: Option<Engine>,
    /// Why the last start did not finish.
    pub problem: Option<CommandError>,
    /// Why the profile folder cannot be used (found when the profile was opened).
    pub folder_problem: Option<String>,
}

impl AppState {
    /// The engine configuration for the node in use.
    pub async fn config(&self) -> Config {
        self.config_for(&*self.session.lock().await)
    }

    pub(crate) fn config_for(&self, s: &Session) -> Config {
        Config {
            data_dir: self.dir.join("data"),
            node_url: s.node_url.clone(),
            keychain: self.keychain,
            node_proof: s.node_proof.clone(),
            attachments_url: s.attachments_url.clone(),
        }
    }

    /// The open account's engine.
    pub async fn engine(&self) -> Option<Engine> {
        self.session.lock().await.engine.clone()
    }

    /// Replaces the open account (with the profile's settings applied to it); returns the one
    /// it replaces. The UI's events loop of the one replaced ends.
    pub async fn set_engine(&self, engine: Option<Engine>) -> Option<Engine> {
        if let Some(e) = &engine {
            self.apply_settings(&self.config().await, e);
        }
        crate::notify::unsubscribe(self);
        std::mem::replace(&mut self.session.lock().await.engine, engine)
    }

    /// What the engine takes from its account's settings (in the data folder of `cfg`).
    pub fn apply_settings(&self, cfg: &Config, engine: &Engine) {
        engine.set_keep_archived(self.account_settings_in(cfg, engine.address()).keep_archived);
    }

    /// Where the app stands.
    pub async fn status(&self) -> AppStatus {
        let s = self.session.lock().await;
        let cfg = self.config_for(&s);
        let settings = self.settings();
        let own = s.engine.as_ref().map(|e| self.account_settings_in(&cfg, e.address())).unwrap_or_default();
        AppStatus {
            address: s.engine.as_ref().map(|e| e.address().to_string()),
            accounts: cfg.accounts().iter().map(ToString::to_string).collect(),
            node_url: s.node_url.clone(),
            embedded_node: s.embedded.is_some(),
            unadopted_local_node: s.unadopted_local_node.clone(),
            http_gateway_enabled: settings.http_gateway,
            // The listener also serves the attachment store; it is a gateway only with the
            // message API on.
            http_gateway: s.embedded.as_ref().filter(|_| s.gateway).and_then(NodeHandle::http_url),
            profile: self.profile.clone(),
            keychain: self.keychain.backend().name().to_owned(),
            keychain_volatile: self.keychain_is_volatile(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            zoom: settings.zoom_level(),
            problem: s.problem.clone(),
            recovery: s.engine.as_ref().and_then(|e| accounts::recovery(&cfg, e).ok()),
            read_receipts: own.read_receipts,
            notification_privacy: own.notification_privacy,
            keep_archived: own.keep_archived,
        }
    }

    /// Chooses the node (the user's, else a local one that proves it is ours, else an embedded
    /// one) and
    /// opens the account signed in on this profile, if any. What goes wrong becomes the
    /// session's problem.
    pub async fn start(&self) {
        let mut s = self.session.lock().await;
        if let Some(e) = s.engine.take() {
            e.close();
        }
        s.problem = match self.start_in(&mut s).await {
            Ok(()) => None,
            Err(e) => {
                tracing::warn!(code = ?e.code, error = %e.message, "Courier started with a problem");
                Some(e)
            }
        };
        self.keep_private();
    }

    async fn start_in(&self, s: &mut Session) -> CmdResult<()> {
        if let Some(p) = &s.folder_problem {
            return Err(CommandError::new(ErrorCode::Internal, p.clone()));
        }
        self.choose_node(s).await?;
        s.engine = accounts::open_default(&self.config_for(s)).await?;
        if let Some(e) = &s.engine {
            self.apply_settings(&self.config_for(s), e);
        }
        Ok(())
    }

    /// After the user fixed what the problem was about (signed in, chose a node): the problem
    /// is gone.
    pub async fn clear_problem(&self) {
        self.session.lock().await.problem = None;
    }

    /// Chooses the node again after the settings changed; the open account moves to it and
    /// stays live.
    pub async fn switch_node(&self) -> CmdResult<()> {
        let mut s = self.session.lock().await;
        self.choose_node(&mut s).await?;
        if let Some(e) = &s.engine {
            e.set_node(&s.node_url, s.node_proof.as_ref())?;
            e.set_attachments_url(s.attachments_url.clone());
        }
        Ok(())
    }

    async fn choose_node(&self, s: &mut Session) -> CmdResult<()> {
        if let Some(n) = s.embedded.take() {
            n.shutdown().await;
        }
        s.node_proof = None;
        s.unadopted_local_node = None;
        s.attachments_url = None;
        s.gateway = false;
        if let Some(url) = self.settings().node_url {
            s.node_url = url;
            return courier_engine::client::check_url(&s.node_url)
                .map_err(|e| CommandError::from(courier_engine::EngineError::from(e)));
        }
        match self.local.adopt().await {
            Ok(proof) => {
                tracing::info!(addr = %self.local.grpc, "using the node another Courier window started");
                s.node_url = format!("http://{}", self.local.grpc);
                s.node_proof = Some(proof);
                // An embedded node on the local gRPC address always has its HTTP listener on
                // the local HTTP address (`start_embedded` binds them as a pair).
                s.attachments_url = Some(format!("http://{}", self.local.http));
            }
            Err(why) => {
                if !matches!(why, NotAdopted::Nothing) {
                    tracing::warn!(addr = %self.local.grpc, reason = %why, "not using the node at the local address");
                    s.unadopted_local_node = Some(format!("http://{}", self.local.grpc));
                }
                let (node, gateway) = self.start_embedded().await?;
                s.gateway = gateway;
                s.node_url = node.grpc_url();
                s.attachments_url = node.http_url();
                s.embedded = Some(node);
            }
        }
        Ok(())
    }

    /// While the node in use is an adopted one: whether it still proves itself. If it does not
    /// (its window closed; something else may hold the port now), the node is chosen again (the
    /// embedded one, usually) and the open account moves there. Meanwhile the engine refuses
    /// every answer that does not prove itself, so nothing reaches the other process.
    pub async fn recheck_node(&self) {
        let adopted = self.session.lock().await.node_proof.is_some();
        if !adopted {
            return;
        }
        if let Err(why) = self.local.adopt().await {
            tracing::warn!(addr = %self.local.grpc, reason = %why, "the adopted node is gone; choosing the node again");
            if let Err(e) = self.switch_node().await {
                self.session.lock().await.problem = Some(e);
            }
        }
    }

    /// Starts the embedded node with the user's node key on the local address (free ports if
    /// either is taken). The HTTP listener always runs, for the attachment store; it serves the
    /// message API (the gateway) only if the settings turn it on. The two ports go as a pair:
    /// a node on the local gRPC address has its HTTP listener on the local HTTP address, so a
    /// window that adopts it knows where its attachment store is (never a stranger's port).
    async fn start_embedded(&self) -> CmdResult<(NodeHandle, bool)> {
        // Without a private app folder the node runs without a key: no other window adopts it.
        let key = match &self.local.key_file {
            None => None,
            Some(file) => Some(self.local.key_or_new().map_err(|e| {
                CommandError::new(ErrorCode::Node, format!("cannot keep the node key in {}: {e}", file.display()))
            })?),
        };
        let gateway = self.settings().http_gateway;
        let db = self.dir.join("node.db");
        let config = |grpc: SocketAddr, http: SocketAddr| NodeConfig {
            grpc_addr: grpc,
            http_addr: Some(http),
            database: Database::File(db.clone()),
            auth: AuthMode::Required,
            http: HttpOptions { message_api: gateway, ..HttpOptions::default() },
            limits: courier_node::Limits::default(),
            proof_key: key.clone(),
        };
        let any = SocketAddr::from(([127, 0, 0, 1], 0));
        let (grpc, http) = (self.local.grpc, self.local.http);
        let mut last = None;
        for (g, h) in [(grpc, http), (any, any)] {
            match courier_node::start(config(g, h)).await {
                Ok(n) => return Ok((n, gateway)),
                Err(e @ courier_node::NodeError::Bind { .. }) => last = Some(e),
                Err(e) => return Err(CommandError::new(ErrorCode::Node, e.to_string())),
            }
        }
        Err(CommandError::new(ErrorCode::Node, last.map(|e| e.to_string()).unwrap_or_default()))
    }
}
