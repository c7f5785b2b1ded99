//! # courier-store
//!
//! The client's SQLite store (rusqlite, bundled SQLite, WAL): conversations (V1 and V2, context,
//! consent proof, last-read marker, draft), messages (id, sender, time, content type, the
//! `EncodedContent` bytes and a text preview, delivery state), per-topic sync cursors, the
//! outbox, cached contact bundles, the consent list, and the user's local names for peers and
//! conversation flags (pinned, muted, archived, marked unread: local only, see `people`), and a
//! full-text index of message texts and file names kept by triggers (`search`).
//! Message bodies are stored; private keys never are, and V2 conversation keys only sealed by the caller.
//!
//! Everything is typed: addresses, topics and message ids are `xmtp-crypto`'s types, states are
//! [`types`]; they become column values only at the row boundary, and a stored value that is
//! none of a type's values is an error: reading that one row fails, and lists leave it out and
//! log it (one damaged row never makes an account unreadable). Schema changes are numbered, append-only files in
//! `migrations/`, applied in order and recorded in `PRAGMA user_version`. The store knows
//! nothing of the protocol's cryptography or of the network.

mod aside;
pub mod cipher;
pub mod encrypt;
mod key;
mod people;
pub mod private;
mod read;
mod rich;
mod rows;
mod search;
mod snippet;
pub mod types;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub use aside::{HoldError, StoreHold, readable, set_aside};
pub use key::{BadStoreKey, StoreKey};
pub use rich::{MAX_EMOJI_PER_SENDER, ReactionGroup, ReactionRow};
pub use rows::{AttachmentInfo, Conversation, ConversationSummary, Message, OutboxItem, UnreadableRow};
pub use search::{
    INDEX_BATCH, MAX_HITS, MAX_QUERY_BYTES, MAX_TERM_CHARS, MAX_TERMS, QueryError, SearchHit, SearchQuery,
};
pub use snippet::SnippetPart;
pub use types::{
    ArchiveFilter, ConsentState, ConversationFlag, Cursor, DeliveryState, Flags, MessagePosition, Outgoing,
    ProtocolVersion,
};
pub use write::{Claim, Writer};

/// The migrations, in order. `user_version` = how many are applied.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/001_init.sql"),
    include_str!("../migrations/002_typed_outbox.sql"),
    include_str!("../migrations/003_drop_hostile_conversations.sql"),
    include_str!("../migrations/004_bound_hostile_times.sql"),
    include_str!("../migrations/005_derived_invitations.sql"),
    include_str!("../migrations/006_rich_content.sql"),
    include_str!("../migrations/007_people.sql"),
    include_str!("../migrations/008_search.sql"),
    include_str!("../migrations/009_unread_from_indexes.sql"),
    include_str!("../migrations/010_search_pages.sql"),
];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file cannot be opened as a database (missing folder, not SQLite, damaged).
    #[error("cannot open the store {}: {source}", path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file cannot be made readable by this user only (created 0600, or tightened to it).
    #[error("cannot make the store {} private: {source}", path.display())]
    Private {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was written by a newer Courier.
    #[error("the store {} has schema version {found}, newer than this Courier's {supported}; update Courier", path.display())]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The newest this build knows.
        supported: u32,
    },
    /// A migration failed (the file is left at the last version that applied).
    #[error("cannot upgrade the store {} to schema version {version}: {source}", path.display())]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// The version that failed.
        version: usize,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// A store opened to read only has a schema version this build does not read (older than
    /// `people::READABLE_FROM`, not opened by this Courier since, or newer than this build).
    #[error("the store {} has schema version {found}, this Courier reads versions {oldest} to {newest}", path.display())]
    OtherVersion {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: u32,
        /// The oldest version this build reads.
        oldest: u32,
        /// The newest: this build's.
        newest: u32,
    },
    /// The store's key does not open it: another key (the keychain's was replaced or restored
    /// from elsewhere), or a damaged file. Nothing was changed; see [`set_aside`] for the way out.
    #[error("the store {} cannot be read with this account's store key (another key, or a damaged file)", path.display())]
    WrongKey {
        /// The database file.
        path: PathBuf,
    },
    /// The store is encrypted and its key is not there (the keychain lost it). Nothing was
    /// changed; see [`set_aside`] for the way out.
    #[error("the store {} is encrypted and its key is missing from the keychain", path.display())]
    KeyMissing {
        /// The database file.
        path: PathBuf,
    },
    /// An older Courier's plain store could not be encrypted; it is left as it was.
    #[error("cannot encrypt the store {}: {source}", path.display())]
    Encrypt {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: encrypt::EncryptError,
    },
    /// The store file cannot be read or moved.
    #[error("cannot read the store file {}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A statement failed, or a stored value is not valid (see [`types::UnknownValue`]).
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
    /// Conversation metadata could not be encoded.
    #[error("conversation metadata cannot be stored: {0}")]
    Metadata(#[source] serde_json::Error),
}

/// Only this user can read the store (Unix): the database file is made 0600 before SQLite
/// opens it (SQLite gives its `-wal` and `-shm` files the database file's mode), and an older
/// database or `-wal`/`-shm` with a wider mode is tightened.
fn private_files(path: &Path) -> std::io::Result<()> {
    private::open(path)?;
    for suffix in ["-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        match private::tighten(Path::new(&name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The store: one connection. Not `Sync`; the engine owns it behind a lock.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

/// The compile option that makes every page cache of the process share one pool; the build
/// leaves it out (`.cargo/config.toml`): with it the page cache does not keep pages, and every
/// read is decrypted again.
const POOLED: &str = "ENABLE_MEMORY_MANAGEMENT";

/// The options this SQLite was compiled with.
fn compile_options(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT compile_options FROM pragma_compile_options")?.query_map([], |r| r.get(0))?.collect()
}

/// Says once per process, in the log, if SQLite was built with [`POOLED`] after all (a
/// LIBSQLITE3_FLAGS of one's own overrides `.cargo/config.toml`'s).
fn warn_if_pooled(conn: &Connection) {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        if compile_options(conn).is_ok_and(|o| o.iter().any(|o| o == POOLED)) {
            tracing::warn!(
                "SQLite was built with SQLITE_ENABLE_MEMORY_MANAGEMENT (LIBSQLITE3_FLAGS set without \
                 -USQLITE_ENABLE_MEMORY_MANAGEMENT?): pages are read and decrypted again at each use; see .cargo/config.toml"
            );
        }
    });
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `path`, encrypted under `key`. An
    /// older Courier's plain store is encrypted in place first ([`encrypt`]); a store the key
    /// does not open is [`StoreError::WrongKey`] and is left untouched.
    pub fn open(path: &Path, key: &StoreKey) -> Result<Self, StoreError> {
        let open = |source| StoreError::Open { path: path.to_owned(), source };
        if !key.is_plaintext() {
            encrypt::prepare(path, key).map_err(|source| StoreError::Encrypt { path: path.to_owned(), source })?;
        }
        private_files(path).map_err(|source| StoreError::Private { path: path.to_owned(), source })?;
        let conn = Connection::open(path).map_err(open)?;
        if !key.is_plaintext() {
            cipher::key(&conn, key).map_err(open)?;
            if !cipher::key_opens(&conn).map_err(open)? {
                return Err(StoreError::WrongKey { path: path.to_owned() });
            }
        } else {
            // The benchmarks' plain store takes the encrypted store's page size, so that they
            // compare the encryption alone (the search index's leaves are sized to it: 010).
            conn.pragma_update(None, "page_size", cipher::PAGE_SIZE).map_err(open)?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(open)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open)?;
        // 16 MiB of page cache at most (SQLite's default is 2 MiB): a page read again is not
        // decrypted and authenticated again. With 8 MiB a cold sync of 10,000 messages read back
        // (and decrypted) pages it had written, about as many as it wrote (BENCHMARKS.md).
        conn.pragma_update(None, "cache_size", -16384).map_err(open)?;
        warn_if_pooled(&conn);
        let mut store = Self { conn };
        store.migrate(path)?;
        Ok(store)
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    fn migrate(&mut self, path: &Path) -> Result<(), StoreError> {
        let found: u32 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let supported = MIGRATIONS.len() as u32;
        if found > supported {
            return Err(StoreError::TooNew { path: path.to_owned(), found, supported });
        }
        for (n, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let failed = |source| StoreError::Migrate { path: path.to_owned(), version: n + 1, source };
            let tx = self.conn.transaction().map_err(failed)?;
            tx.execute_batch(sql).map_err(failed)?;
            tx.pragma_update(None, "user_version", n + 1).map_err(failed)?;
            tx.commit().map_err(failed)?;
        }
        Ok(())
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// The newest schema version this build knows.
    pub fn latest_schema_version() -> u32 {
        MIGRATIONS.len() as u32
    }

    /// `PRAGMA integrity_check` says `ok`.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let r: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    /// Runs `f` in one transaction (a page of sync is committed whole). What it writes to
    /// messages is noted for search in the same transaction, and indexed before the commit once
    /// enough is waiting (`search::INDEX_BATCH`), else by [`Store::index_pending`].
    pub fn write<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let tx = self.conn.transaction()?;
        let out = f(&Writer { tx: &tx })?;
        search::flush_if_many(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The build leaves out SQLITE_ENABLE_MEMORY_MANAGEMENT (`.cargo/config.toml`): with it, the
    /// process's page caches share one pool that was over its limit, so every page was read and
    /// decrypted again at each use (the search bench's queries 3-5x slower).
    #[test]
    fn the_page_cache_keeps_its_pages() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s.db"), &crate::StoreKey::from_bytes(xmtp_crypto::Secret::new([7; 32])))
            .unwrap();
        let options = compile_options(&s.conn).unwrap();
        assert!(options.iter().any(|o| o.starts_with("TEMP_STORE")), "{options:?}");
        assert!(!options.iter().any(|o| o == POOLED), "{options:?}");
    }
}
