//! The Postgres backend: a small pool of tokio-postgres connections with their prepared
//! statements, numbered migrations recorded in `schema_migrations`, the envelope writer and
//! reader ([`envelopes`]), attachment blobs ([`blobs`]) and the relay log that carries live
//! delivery between replicas ([`feed`]).
//!
//! Every name is unqualified, so the connection's `search_path` chooses the schema (tests give
//! each node its own). Advisory lock keys are derived from the schema for the same reason.

pub mod blobs;
pub mod envelopes;
pub mod feed;

use std::collections::HashMap;
use std::str::FromStr as _;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::{Client, Config, NoTls, Statement};

use super::StoreError;

/// The migrations, in order; the number is the version recorded.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/001_init.sql")),
    (2, include_str!("migrations/002_relay_payload.sql")),
    (3, include_str!("migrations/003_blob_totals.sql")),
    (4, include_str!("migrations/004_relay_pruned.sql")),
];

/// Whether a database URL names Postgres (`postgres://` or `postgresql://`).
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// The URL without its password (for logs and `Debug`): `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return "postgres://…".into() };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}")
        }
        None => url.to_owned(),
    }
}

/// One connection and the statements prepared on it (prepared once per connection, by text).
pub struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("statements", &self.statements.len()).finish_non_exhaustive()
    }
}

impl Conn {
    /// Connects; the connection's I/O runs on a task of the current runtime.
    pub async fn connect(config: &Config) -> Result<Self, StoreError> {
        let (client, connection) = config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "postgres connection ended");
            }
        });
        Ok(Self { client, statements: HashMap::new() })
    }

    /// The statement for `sql`, prepared on first use.
    pub async fn prepare(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).await?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The client, for transactions and one-off statements.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// A bounded pool: at most `size` connections in use; idle ones are kept and reused, broken
/// ones dropped.
pub struct Pool {
    config: Config,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("available", &self.permits.available_permits()).finish_non_exhaustive()
    }
}

/// A connection taken from the pool; it goes back when dropped (unless it broke).
#[derive(Debug)]
pub struct Pooled {
    conn: Option<Conn>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Pooled {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().unwrap_or_else(|| unreachable!("taken only in drop"))
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take().filter(|c| !c.client.is_closed()) {
            self.pool.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        }
    }
}

impl Pool {
    /// A pool for `url` (a libpq-style URL) of at most `size` connections. Nothing connects yet.
    pub fn new(url: &str, size: usize) -> Result<Arc<Self>, StoreError> {
        let mut config = Config::from_str(url)?;
        if config.get_application_name().is_none() {
            config.application_name("courier-node");
        }
        config.connect_timeout(std::time::Duration::from_secs(10));
        // A database host that vanishes is noticed in about a minute, not two hours (the
        // LISTEN connection is otherwise silent), and no statement runs longer than two
        // minutes (a stuck query frees its pooled connection with an error).
        config.keepalives_idle(std::time::Duration::from_secs(30));
        config.keepalives_interval(std::time::Duration::from_secs(10));
        config.keepalives_retries(3);
        // A transaction left open (a node stuck between statements) ends after 30 s and frees
        // its locks; a lock wait (the relay lock, the blob lock) ends after 30 s with an error.
        let options = config.get_options().unwrap_or_default().to_owned();
        let settings = "-c statement_timeout=120000 -c idle_in_transaction_session_timeout=30000 -c lock_timeout=30000";
        config.options(format!("{options} {settings}").trim_start());
        Ok(Arc::new(Self { config, idle: Mutex::new(Vec::new()), permits: Arc::new(Semaphore::new(size.max(1))) }))
    }

    /// The connection settings (for connections outside the pool: the writer, the listener).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// A connection: an idle one, or a new one if fewer than `size` are in use.
    pub async fn get(self: &Arc<Self>) -> Result<Pooled, StoreError> {
        let permit =
            Arc::clone(&self.permits).acquire_owned().await.map_err(|_| StoreError::Inconsistent("pool closed"))?;
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let conn = match idle.filter(|c| !c.client.is_closed()) {
            Some(c) => c,
            None => Conn::connect(&self.config).await?,
        };
        Ok(Pooled { conn: Some(conn), pool: Arc::clone(self), _permit: permit })
    }
}

/// Brings the schema up to date: migrations newer than the recorded version are applied in
/// order, each in the same transaction as its record, under an advisory lock so that replicas
/// starting together apply each once. A database newer than this node is refused.
pub async fn migrate(conn: &mut Conn) -> Result<(), StoreError> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    let tx = conn.client().transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('courier.migrate.' || current_schema()))", &[]).await?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    integer PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now()
         )",
    )
    .await?;
    let found: i32 = tx.query_one("SELECT coalesce(max(version), 0) FROM schema_migrations", &[]).await?.get(0);
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
        tx.batch_execute(sql).await?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[version]).await?;
        tracing::info!(version, "postgres migration applied");
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(super::redact("postgres://u:secret@h:5432/db?x=1"), "postgres://u:***@h:5432/db?x=1");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("postgresql://h/db"), "postgresql://h/db");
        assert!(!format!("{:?}", crate::Database::parse("postgres://u:secret@h/db")).contains("secret"));
        assert!(!format!("{:?}", crate::Location::Postgres("postgres://u:secret@h/db".into())).contains("secret"));
    }
}
