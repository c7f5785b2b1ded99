//! The storage side of [`crate::Api`], one of two backends behind the same calls:
//! - SQLite: a single writer thread does group commit and relays what it committed (or, for
//!   ephemeral topics, accepted) straight to [`Fanout`]; readers are pooled connections.
//! - Postgres: a writer task does group commit into the envelopes table and the relay log;
//!   delivery, local and remote alike, comes from the relay reader ([`pg::feed`]), so every
//!   replica delivers every publish once, in commit order. A publish is answered once this
//!   replica's reader has delivered it (so a subscription made after a publish returned does
//!   not receive it on the replica that took it).

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::runtime::Handle;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use xmtp_crypto::topic;
use xmtp_proto::message_api::v1::Envelope;

use crate::api::{ApiError, Code, digest};
use crate::fanout::Fanout;
use crate::limits::Limits;
use crate::store::pg::{self, Pool};
use crate::store::{self, Reader, StoreError};

/// Where the node's data lives, resolved.
#[derive(Clone)]
pub enum Location {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A Postgres database URL.
    Postgres(String),
}

impl std::fmt::Debug for Location {
    /// A Postgres URL's password is not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Self::Postgres(url) => f.debug_tuple("Postgres").field(&pg::redact(url)).finish(),
        }
    }
}

/// One publish waiting to be written.
pub(crate) struct WriteJob {
    pub envelopes: Vec<Envelope>,
    pub reply: oneshot::Sender<Result<(), ApiError>>,
}

/// Envelopes in one write group at most.
const GROUP_ENVELOPES: usize = 4096;
/// How long a writer waits for its own replica's reader before answering anyway.
const DELIVERY_WAIT: Duration = Duration::from_secs(5);

fn refused_group(e: &StoreError) -> ApiError {
    if store::is_full(e) {
        tracing::warn!(error = %e, "database full: publishes refused, reads go on");
        ApiError::new(Code::ResourceExhausted, "the node's storage is full; nothing was stored")
    } else {
        ApiError::internal(e)
    }
}

/// The SQLite backend's state.
pub(crate) struct Sqlite {
    writer: Mutex<Option<std_mpsc::SyncSender<WriteJob>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
    pub path: PathBuf,
}

/// The Postgres backend's state.
pub(crate) struct Postgres {
    pub pool: Arc<Pool>,
    pub rt: Handle,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    stop: watch::Sender<bool>,
    delivered: watch::Receiver<i64>,
}

/// Either backend.
pub(crate) enum Backend {
    Sqlite(Sqlite),
    Postgres(Postgres),
}

impl Backend {
    /// Opens the database and starts the writer (and, on Postgres, the relay reader).
    pub async fn open(location: Location, limits: &Limits, fanout: &Arc<Fanout>) -> Result<Self, StoreError> {
        match location {
            Location::Sqlite(path) => {
                let (limits, fanout) = (limits.clone(), Arc::clone(fanout));
                tokio::task::spawn_blocking(move || open_sqlite(path, &limits, fanout))
                    .await
                    .map_err(|e| StoreError::Io { path: "writer".into(), source: std::io::Error::other(e) })?
            }
            Location::Postgres(url) => open_postgres(&url, limits, fanout).await,
        }
    }

    /// Queues a publish for the writer; a full queue refuses it.
    pub fn submit(&self, job: WriteJob) -> Result<(), ApiError> {
        let full = || ApiError::new(Code::Unavailable, "the node has as many publishes waiting as it may; retry");
        let closed = || ApiError::new(Code::Unavailable, "node is shutting down");
        match self {
            Self::Sqlite(s) => {
                let writer = s.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                writer.as_ref().ok_or_else(closed)?.try_send(job).map_err(|e| match e {
                    std_mpsc::TrySendError::Full(_) => full(),
                    std_mpsc::TrySendError::Disconnected(_) => closed(),
                })
            }
            Self::Postgres(p) => {
                let writer = p.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                writer.as_ref().ok_or_else(closed)?.try_send(job).map_err(|e| match e {
                    mpsc::error::TrySendError::Full(_) => full(),
                    mpsc::error::TrySendError::Closed(_) => closed(),
                })
            }
        }
    }

    /// Runs `f` on a reader connection, from a blocking thread.
    pub fn read<T>(&self, pool_size: usize, f: impl FnOnce(&mut dyn Reader) -> T) -> Result<T, ApiError> {
        match self {
            Self::Sqlite(s) => {
                let pooled = s.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
                let mut conn = match pooled {
                    Some(c) => c,
                    None => store::open(&s.path).map_err(ApiError::internal)?,
                };
                let out = f(&mut conn);
                let mut pool = s.readers.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if pool.len() < pool_size {
                    pool.push(conn);
                }
                Ok(out)
            }
            Self::Postgres(p) => {
                let mut conn = p.rt.block_on(p.pool.get()).map_err(ApiError::internal)?;
                let mut reader = pg::envelopes::PgReader { conn: &mut conn, rt: p.rt.clone() };
                Ok(f(&mut reader))
            }
        }
    }

    /// Postgres: the relay-log position this replica has delivered up to (its lag behind
    /// other replicas shows in `/healthz`).
    pub fn relay_position(&self) -> Option<i64> {
        match self {
            Self::Sqlite(_) => None,
            Self::Postgres(p) => Some(*p.delivered.borrow()),
        }
    }

    /// Stops accepting writes and waits until everything accepted is committed (from a
    /// blocking thread).
    pub fn close(&self) {
        match self {
            Self::Sqlite(s) => {
                s.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                if let Some(h) = s.writer_thread.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() {
                    let _ = h.join();
                }
            }
            Self::Postgres(p) => {
                p.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                let tasks = std::mem::take(&mut *p.tasks.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
                let mut tasks = tasks.into_iter();
                // The writer first (it may wait on the reader), then the reader and pruner.
                if let Some(writer) = tasks.next() {
                    let _ = p.rt.block_on(writer);
                }
                p.stop.send_replace(true);
                for t in tasks {
                    let _ = p.rt.block_on(t);
                }
            }
        }
    }
}

fn open_sqlite(path: PathBuf, limits: &Limits, fanout: Arc<Fanout>) -> Result<Backend, StoreError> {
    let mut writer_conn = store::open(&path)?;
    store::cap_size(&mut writer_conn, limits.max_database_bytes)?;
    let reader = store::open(&path)?;
    let (tx, rx) = std_mpsc::sync_channel::<WriteJob>(limits.max_queued_publishes);
    let handle = std::thread::Builder::new()
        .name("courier-node-writer".into())
        .spawn(move || sqlite_writer(writer_conn, rx, &fanout))
        .map_err(|source| StoreError::Io { path: path.display().to_string(), source })?;
    Ok(Backend::Sqlite(Sqlite {
        writer: Mutex::new(Some(tx)),
        writer_thread: Mutex::new(Some(handle)),
        readers: Mutex::new(vec![reader]),
        path,
    }))
}

/// Takes the first job and whatever else is waiting, up to [`GROUP_ENVELOPES`].
fn group(first: WriteJob, mut next: impl FnMut() -> Option<WriteJob>) -> Vec<WriteJob> {
    let mut n = first.envelopes.len();
    let mut jobs = vec![first];
    while n < GROUP_ENVELOPES {
        let Some(job) = next() else { break };
        n += job.envelopes.len();
        jobs.push(job);
    }
    jobs
}

/// Commits publishes in groups: whatever arrived while the previous group was being written goes
/// into the next transaction, then is relayed in the order it was accepted.
fn sqlite_writer(mut conn: Connection, rx: std_mpsc::Receiver<WriteJob>, fanout: &Fanout) {
    while let Ok(first) = rx.recv() {
        let jobs = group(first, || rx.try_recv().ok());
        let stored: Vec<(Envelope, [u8; 32])> = jobs
            .iter()
            .flat_map(|j| j.envelopes.iter())
            .filter(|e| !topic::is_ephemeral(&e.content_topic))
            .map(|e| (e.clone(), digest(e)))
            .collect();
        let result = if stored.is_empty() { Ok(0) } else { store::insert(&mut conn, &stored) };
        match result {
            Ok(_) => {
                for job in jobs {
                    fanout.deliver(&job.envelopes);
                    let _ = job.reply.send(Ok(()));
                }
            }
            Err(e) => {
                // Nothing of this group was stored; every publish in it is refused.
                let err = refused_group(&e);
                for job in jobs {
                    let _ = job.reply.send(Err(err.clone()));
                }
            }
        }
    }
    tracing::debug!("writer stopped");
}

async fn open_postgres(url: &str, limits: &Limits, fanout: &Arc<Fanout>) -> Result<Backend, StoreError> {
    let pool = Pool::new(url, limits.max_concurrent_queries.max(1) + 2)?;
    let mut conn = pg::Conn::connect(pool.config()).await?;
    pg::migrate(&mut conn).await?;
    let head = pg::feed::head(&mut conn).await?;
    let (stop, stopped) = watch::channel(false);
    let (delivered_tx, delivered) = watch::channel(head);
    let wake = Arc::new(Notify::new());
    let feed = pg::feed::FeedTask {
        config: pool.config().clone(),
        fanout: Arc::clone(fanout),
        last: head,
        delivered: delivered_tx,
        wake: Arc::clone(&wake),
        poll: limits.relay_poll_interval,
        listen: limits.relay_notify,
        stop: stopped.clone(),
    };
    let (tx, rx) = mpsc::channel::<WriteJob>(limits.max_queued_publishes.max(1));
    let position = delivered.clone();
    let relay = RelayRoom { cap: limits.max_relay_bytes, held: 0, measured: None };
    let writer =
        PgWriter { conn, rx, wake, delivered, notify: limits.relay_notify, cap: limits.max_database_bytes, relay };
    let tasks = vec![
        tokio::spawn(writer.run(pool.config().clone())),
        tokio::spawn(feed.run()),
        tokio::spawn(prune_relay(
            Arc::clone(&pool),
            limits.ephemeral_retention,
            limits.ephemeral_prune_interval,
            stopped,
        )),
    ];
    Ok(Backend::Postgres(Postgres {
        pool,
        rt: Handle::current(),
        writer: Mutex::new(Some(tx)),
        tasks: Mutex::new(tasks),
        stop,
        delivered: position,
    }))
}

struct PgWriter {
    conn: pg::Conn,
    rx: mpsc::Receiver<WriteJob>,
    wake: Arc<Notify>,
    delivered: watch::Receiver<i64>,
    notify: bool,
    cap: Option<u64>,
    relay: RelayRoom,
}

/// The writer's view of the ephemeral bytes in the relay log, against [`Limits::max_relay_bytes`].
struct RelayRoom {
    cap: u64,
    /// Bytes measured, plus what this writer added since.
    held: u64,
    /// When `held` was last measured.
    measured: Option<std::time::Instant>,
}

/// How often the writer measures the relay log's ephemeral bytes (when it writes some).
const RELAY_MEASURE_EVERY: Duration = Duration::from_secs(1);

/// Ephemeral message bytes of a job.
fn ephemeral_bytes(job: &WriteJob) -> u64 {
    job.envelopes.iter().filter(|e| topic::is_ephemeral(&e.content_topic)).map(|e| e.message.len() as u64).sum()
}

impl PgWriter {
    async fn write(&mut self, config: &tokio_postgres::Config, jobs: &[WriteJob]) -> Result<i64, StoreError> {
        if self.conn.is_closed() {
            self.conn = pg::Conn::connect(config).await?;
        }
        if let Some(cap) = self.cap
            && pg::envelopes::size(&mut self.conn).await? >= cap
        {
            return Err(StoreError::Full);
        }
        let accepted: Vec<pg::envelopes::Accepted<'_>> = jobs
            .iter()
            .flat_map(|j| j.envelopes.iter())
            .map(|e| pg::envelopes::Accepted {
                envelope: e,
                digest: digest(e),
                ephemeral: topic::is_ephemeral(&e.content_topic),
            })
            .collect();
        pg::envelopes::insert_group(&mut self.conn, &accepted, self.notify).await
    }

    /// Refuses the jobs carrying ephemeral envelopes while the relay log holds
    /// [`Limits::max_relay_bytes`] of them; returns the others.
    async fn admit(&mut self, config: &tokio_postgres::Config, jobs: Vec<WriteJob>) -> Vec<WriteJob> {
        let adding: u64 = jobs.iter().map(ephemeral_bytes).sum();
        if adding == 0 {
            return jobs;
        }
        let stale = self.relay.measured.is_none_or(|t| t.elapsed() >= RELAY_MEASURE_EVERY);
        if stale {
            if self.conn.is_closed()
                && let Ok(c) = pg::Conn::connect(config).await
            {
                self.conn = c;
            }
            match pg::envelopes::relay_bytes(&mut self.conn).await {
                Ok(n) => self.relay = RelayRoom { held: n, measured: Some(std::time::Instant::now()), ..self.relay },
                Err(e) => tracing::warn!(error = %e, "measuring the relay log failed"),
            }
        }
        let mut kept = Vec::with_capacity(jobs.len());
        for job in jobs {
            let n = ephemeral_bytes(&job);
            if n > 0 && self.relay.held.saturating_add(n) > self.relay.cap {
                tracing::warn!(
                    held = self.relay.held,
                    cap = self.relay.cap,
                    "relay log full: ephemeral publish refused"
                );
                let err = ApiError::new(
                    Code::ResourceExhausted,
                    "the relay log is full of ephemeral envelopes; nothing was written, retry later",
                );
                let _ = job.reply.send(Err(err));
            } else {
                self.relay.held = self.relay.held.saturating_add(n);
                kept.push(job);
            }
        }
        kept
    }

    async fn run(mut self, config: tokio_postgres::Config) {
        while let Some(first) = self.rx.recv().await {
            let jobs = group(first, || self.rx.try_recv().ok());
            let jobs = self.admit(&config, jobs).await;
            if jobs.is_empty() {
                continue;
            }
            match self.write(&config, &jobs).await {
                Ok(last) => {
                    self.wake.notify_one();
                    let _ = tokio::time::timeout(DELIVERY_WAIT, self.delivered.wait_for(|d| *d >= last)).await;
                    for job in jobs {
                        let _ = job.reply.send(Ok(()));
                    }
                }
                Err(e) => {
                    let err = refused_group(&e);
                    for job in jobs {
                        let _ = job.reply.send(Err(err.clone()));
                    }
                }
            }
        }
        tracing::debug!("writer stopped");
    }
}

/// Deletes relay rows (ephemeral envelopes, references to stored ones) past `retention`.
async fn prune_relay(pool: Arc<Pool>, retention: Duration, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every.max(Duration::from_millis(10)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        let pruned = async { pg::envelopes::prune_relay(&mut *pool.get().await?, retention).await };
        match pruned.await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "relay rows past their retention deleted"),
            Err(e) => tracing::warn!(error = %e, "deleting old relay rows failed"),
        }
    }
}
