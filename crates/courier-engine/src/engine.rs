//! The engine: one open account. It owns the store, the node client, the V2 key vault, the
//! event stream and two background tasks — the outbox (publishes what was written, woken when
//! there is work) and, once asked to go live, the live updates. Both stop when the last handle
//! to the engine is dropped, or at [`Engine::close`].
//!
//! The work itself lives in the modules named after it: `send`, `outbox`, `sync`, `live`,
//! `consent`, `contacts`, `queries`; sync planning is the pure [`crate::plan`].

use std::sync::{Arc, Mutex, RwLock, Weak};

use courier_store::Store;
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::{Topic, WalletAddress, consent};

use crate::client::NodeClient;
use crate::config::Config;
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
    client: RwLock<NodeClient>,
    store: Mutex<Store>,
    pub(crate) cache: BundleCache,
    pub(crate) vault: KeyVault,
    events: Emitter,
    pub(crate) consent_topic: Topic,
    /// One flush of the outbox at a time.
    pub(crate) outbox_lock: tokio::sync::Mutex<()>,
    /// Wakes the outbox task: something was queued, or the node is back.
    pub(crate) outbox_wake: Arc<tokio::sync::Notify>,
    /// Wakes the live task: the set of topics changed.
    pub(crate) topics_changed: Arc<tokio::sync::Notify>,
    outbox_task: Mutex<Option<Task>>,
    live_task: Mutex<Option<Task>>,
}

impl Engine {
    /// Opens the account's store, connects (lazily) to the node and starts the outbox.
    pub async fn open_with(config: &Config, keys: PrivateKeyBundle) -> Result<Self, EngineError> {
        let dir = config.account_dir(keys.address());
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join("courier.db");
        let store = tokio::task::spawn_blocking(move || Store::open(&path)).await.map_err(Internal::from)??;
        let keys = Arc::new(keys);
        let client = NodeClient::new(&config.node_url, Arc::clone(&keys))?;
        let engine = Self {
            inner: Arc::new(Inner {
                vault: KeyVault::new(&keys),
                consent_topic: consent::topic(keys.identity().secret()),
                keys,
                client: RwLock::new(client),
                store: Mutex::new(store),
                cache: BundleCache::new(),
                events: Emitter::new(),
                outbox_lock: tokio::sync::Mutex::new(()),
                outbox_wake: Arc::new(tokio::sync::Notify::new()),
                topics_changed: Arc::new(tokio::sync::Notify::new()),
                outbox_task: Mutex::new(None),
                live_task: Mutex::new(None),
            }),
        };
        let task = crate::outbox::spawn(engine.downgrade(), Arc::clone(&engine.inner.outbox_wake));
        *lock(&engine.inner.outbox_task) = Some(task);
        Ok(engine)
    }

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

    /// Uses another node from now on: the outbox retries there, and live updates, if running,
    /// reconnect there.
    pub fn set_node_url(&self, url: &str) -> Result<(), EngineError> {
        let client = NodeClient::new(url, Arc::clone(&self.inner.keys))?;
        *self.inner.client.write().unwrap_or_else(std::sync::PoisonError::into_inner) = client;
        if self.is_live() {
            self.stop_live();
            self.go_live();
        }
        self.inner.outbox_wake.notify_one();
        Ok(())
    }

    /// Events from now on.
    pub fn events(&self) -> Events {
        self.inner.events.subscribe()
    }

    pub(crate) fn emit(&self, e: Event) {
        self.inner.events.emit(e);
    }

    /// Starts live updates (a subscription to every topic, catch-up after each reconnection)
    /// unless they run already.
    pub fn go_live(&self) {
        let mut slot = lock(&self.inner.live_task);
        if slot.as_ref().is_none_or(Task::is_finished) {
            *slot = Some(crate::live::spawn(self.downgrade(), Arc::clone(&self.inner.topics_changed)));
        }
    }

    /// Stops live updates.
    pub fn stop_live(&self) {
        lock(&self.inner.live_task).take();
    }

    /// Whether live updates run.
    pub fn is_live(&self) -> bool {
        lock(&self.inner.live_task).as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the background tasks (live updates, the outbox). What is queued stays queued.
    pub fn close(&self) {
        self.stop_live();
        lock(&self.inner.outbox_task).take();
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
