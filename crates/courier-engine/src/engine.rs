//! The engine: one open account. It owns the store, the node client, the V2 key vault, the
//! event stream and two background tasks — the outbox (publishes what was written, woken when
//! there is work) and, once asked to go live, the live updates. Both stop when the last handle
//! to the engine is dropped, or at [`Engine::close`].
//!
//! This file is the engine's state and the few things every part uses; opening and closing are
//! `lifecycle`, and the work itself lives in the modules named after it: `send`, `outbox`,
//! `sync`, `live`, `consent`, `contacts`, `queries`; sync planning is the pure [`crate::plan`].

use std::sync::{Arc, Mutex, RwLock, Weak};

use courier_store::Store;
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::{Topic, WalletAddress};

use crate::client::NodeClient;
use crate::error::{EngineError, Internal};
use crate::events::{Emitter, Event, Events};
use crate::tasks::Task;
use crate::vault::KeyVault;

pub(crate) fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

pub(crate) fn now_ms() -> u64 {
    now_ns() / 1_000_000
}

/// An open account. Cheap to clone; every clone is the same engine.
#[derive(Debug, Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) keys: Arc<PrivateKeyBundle>,
    /// Courier's data folder (`Config::data_dir`): exports are never written into it.
    pub(crate) data_dir: std::path::PathBuf,
    pub(crate) client: RwLock<NodeClient>,
    pub(crate) store: Mutex<Store>,
    /// Held while the store is open (declared after it: released once the connection is
    /// closed), so no other process sets the store aside under it ([`courier_store::StoreHold`]).
    pub(crate) _store_hold: courier_store::StoreHold,
    pub(crate) cache: BundleCache,
    pub(crate) vault: KeyVault,
    pub(crate) events: Emitter,
    pub(crate) consent_topic: Topic,
    /// One flush of the outbox at a time.
    pub(crate) outbox_lock: tokio::sync::Mutex<()>,
    /// Wakes the outbox task: something was queued, or the node is back.
    pub(crate) outbox_wake: Arc<tokio::sync::Notify>,
    /// Wakes the live task: the set of topics changed.
    pub(crate) topics_changed: Arc<tokio::sync::Notify>,
    pub(crate) outbox_task: Mutex<Option<Task>>,
    pub(crate) live_task: Mutex<Option<Task>>,
    /// Attachment uploads and downloads ([`crate::transfer`]); remade with the store.
    pub(crate) http: RwLock<reqwest::Client>,
    /// The node's attachment store, if any.
    pub(crate) attachments_url: RwLock<Option<String>>,
    /// Per conversation, the newest peer message the last read receipt covered.
    pub(crate) receipts: Mutex<std::collections::HashMap<Topic, u64>>,
    /// The user keeps archived conversations archived when a new message comes.
    pub(crate) keep_archived: std::sync::atomic::AtomicBool,
}

impl Engine {
    /// The identity.
    pub fn keys(&self) -> &PrivateKeyBundle {
        &self.inner.keys
    }

    /// The account address.
    pub fn address(&self) -> &WalletAddress {
        self.inner.keys.address()
    }

    /// The node client in use.
    pub fn client(&self) -> NodeClient {
        self.inner.client.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Events from now on.
    pub fn events(&self) -> Events {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, e: Event) {
        self.inner.events.emit(e);
    }

    pub(crate) fn downgrade(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    pub(crate) fn upgrade(weak: &Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| Self { inner })
    }

    /// Runs `f` on the store in a blocking thread.
    pub(crate) async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, courier_store::StoreError> + Send + 'static,
    ) -> Result<T, EngineError> {
        let inner = Arc::clone(&self.inner);
        let out = tokio::task::spawn_blocking(move || f(&mut lock(&inner.store))).await.map_err(Internal::from)?;
        Ok(out?)
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
