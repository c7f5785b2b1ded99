//! Opening an engine (its store, its node client, its outbox task), moving it to another node,
//! and closing it.

use std::sync::{Arc, Mutex, RwLock};

use courier_store::{Store, StoreHold, StoreKey};
use xmtp_crypto::consent;
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};

use crate::client::NodeClient;
use crate::config::Config;
use crate::engine::{Engine, Inner, lock};
use crate::error::{EngineError, Internal};
use crate::events::Emitter;
use crate::proof::NodeProof;
use crate::vault::KeyVault;

impl Engine {
    /// Opens the account's store (encrypted under `store_key`, see
    /// [`crate::account::store_key`]), connects (lazily) to the node and starts the outbox.
    pub async fn open_with(config: &Config, keys: PrivateKeyBundle, store_key: &StoreKey) -> Result<Self, EngineError> {
        let dir = config.account_dir(keys.address());
        courier_store::private::create_dir_under(&config.data_dir, &dir)
            .map_err(|e| EngineError::io(format!("creating {}", dir.display()), e))?;
        let path = config.store_path(keys.address());
        let me = keys.address().clone();
        let store_key = store_key.clone();
        let (store, store_hold) = tokio::task::spawn_blocking(move || {
            // Held before the store is opened and for as long as it is: another process never
            // sets it aside under this connection (`account::recover_store`).
            let hold = StoreHold::shared(&path).map_err(EngineError::hold)?;
            let mut store = Store::open(&path, &store_key)?;
            // Rich content kept as plain messages by an older Courier is read again, once.
            let n = crate::describe::reclassify(&mut store, &me)?;
            if n > 0 {
                tracing::info!(messages = n, "read older messages again as rich content");
            }
            Ok::<_, EngineError>((store, hold))
        })
        .await
        .map_err(Internal::from)??;
        let keys = Arc::new(keys);
        let client = NodeClient::with_proof(&config.node_url, Arc::clone(&keys), config.node_proof.as_ref())?;
        let engine = Self {
            inner: Arc::new(Inner {
                vault: KeyVault::new(&keys),
                consent_topic: consent::topic(keys.identity().secret()),
                keys,
                client: RwLock::new(client),
                store: Mutex::new(store),
                _store_hold: store_hold,
                data_dir: config.data_dir.clone(),
                cache: BundleCache::new(),
                events: Emitter::new(),
                outbox_lock: tokio::sync::Mutex::new(()),
                outbox_wake: Arc::new(tokio::sync::Notify::new()),
                topics_changed: Arc::new(tokio::sync::Notify::new()),
                outbox_task: Mutex::new(None),
                live_task: Mutex::new(None),
                http: RwLock::new(crate::transfer::http_client(config.attachments_url.as_deref())),
                attachments_url: RwLock::new(config.attachments_url.clone()),
                receipts: Mutex::new(Default::default()),
                keep_archived: Default::default(),
            }),
        };
        let task = crate::outbox::spawn(engine.downgrade(), Arc::clone(&engine.inner.outbox_wake));
        *lock(&engine.inner.outbox_task) = Some(task);
        Ok(engine)
    }

    /// Uses another node from now on: the outbox retries there, and live updates, if running,
    /// reconnect there.
    pub fn set_node_url(&self, url: &str) -> Result<(), EngineError> {
        self.set_node(url, None)
    }

    /// As [`Engine::set_node_url`], for a node that must prove itself on every call when
    /// `proof` is given (see [`crate::proof`]).
    pub fn set_node(&self, url: &str, proof: Option<&NodeProof>) -> Result<(), EngineError> {
        let client = NodeClient::with_proof(url, Arc::clone(&self.inner.keys), proof)?;
        *self.inner.client.write().unwrap_or_else(std::sync::PoisonError::into_inner) = client;
        if self.is_live() {
            self.stop_live();
            self.go_live();
        }
        self.inner.outbox_wake.notify_one();
        Ok(())
    }

    /// Stops the background tasks (live updates, the outbox). What is queued stays queued.
    pub fn close(&self) {
        self.stop_live();
        lock(&self.inner.outbox_task).take();
    }
}
