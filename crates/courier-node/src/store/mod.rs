//! Envelope and attachment storage behind one boundary, on two backends:
//! - [`sqlite`] (the embedded default): one file, one writer thread, pooled readers.
//! - [`pg`] (Postgres, `--db postgres://…`): a pool of connections, numbered migrations, and
//!   a sequence that carries live delivery across several node processes (replicas).
//!
//! Both keep envelopes in one table keyed (topic, timestamp, digest) and answer the same
//! [`Reader`] calls, so query paging ([`crate::query`]) is written once.

pub mod pg;
pub mod sqlite;
pub mod sqlite_blobs;

use xmtp_proto::message_api::v1::Envelope;

pub use sqlite::{cap_size, insert, is_full, open, prepare};

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file could not be opened, or is not a readable SQLite database (corrupt, encrypted,
    /// another program's file). Nothing was changed.
    #[error("cannot open the node database {path}: {source}")]
    Open {
        /// The database file.
        path: String,
        /// SQLite's description.
        source: rusqlite::Error,
    },
    /// The integrity check found damage. Nothing was changed.
    #[error("the node database {path} is damaged ({detail}); restore a backup or move it aside")]
    Corrupt {
        /// The database file.
        path: String,
        /// What `PRAGMA quick_check` reported.
        detail: String,
    },
    /// The database's folder could not be created, or a thread could not be started.
    #[error("cannot prepare the node database {path}: {source}")]
    Io {
        /// The database file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A statement failed.
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A Postgres call failed (connection, statement or transaction).
    #[error("postgres: {0}")]
    Pg(#[from] tokio_postgres::Error),
    /// The Postgres database was made by a newer node (a migration this one does not know).
    #[error("the node database has schema version {found}; this node knows up to {known}: upgrade the node")]
    TooNew {
        /// The newest migration recorded.
        found: i32,
        /// The newest this node has.
        known: i32,
    },
    /// A stored value is not what this node wrote (a blob shorter than its recorded size).
    #[error("stored data is inconsistent: {0}")]
    Inconsistent(&'static str),
    /// The database is at its configured size (`max_database_bytes`); nothing was written.
    #[error("the node database is at its size limit")]
    Full,
}

/// Envelope timestamps are unsigned; both backends store signed 64-bit integers. Shifting by
/// 2^63 keeps the order, so the index sorts by the unsigned value.
pub fn ts_to_sql(ts: u64) -> i64 {
    (ts ^ (1 << 63)) as i64
}

/// The inverse of [`ts_to_sql`].
pub fn ts_from_sql(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

/// One page of one topic, already filtered and ordered.
#[derive(Debug, Clone, Copy)]
pub struct PageQuery<'a> {
    /// The topic.
    pub topic: &'a str,
    /// Inclusive lower bound on the timestamp (0 = none).
    pub start_ns: u64,
    /// Inclusive upper bound on the timestamp (0 = none).
    pub end_ns: u64,
    /// Rows strictly after this (timestamp, digest) in the sort order.
    pub after: Option<(u64, &'a [u8])>,
    /// Ascending (true) or descending.
    pub ascending: bool,
    /// At most this many rows.
    pub limit: u32,
}

impl PageQuery<'_> {
    /// The statement for this query's shape. SQLite (`fixed`): `?1` topic, `?2` start, `?3`
    /// end, `?4` cursor timestamp, `?5` cursor digest, `?6` limit, only those the shape uses
    /// appearing (all six are bound by position). Postgres: `$1`, `$2`, … numbered in order of
    /// appearance (Postgres needs every number used), the same order, limit last.
    pub fn sql(&self, columns: &str, fixed: bool) -> String {
        let mut next = 0;
        let mut p = |n: u32| {
            next += 1;
            if fixed { format!("?{n}") } else { format!("${next}") }
        };
        let (cmp, order) = if self.ascending { (">", "ASC") } else { ("<", "DESC") };
        let mut sql = format!("SELECT {columns} FROM envelopes WHERE topic = {}", p(1));
        if self.start_ns != 0 {
            sql.push_str(&format!(" AND ts >= {}", p(2)));
        }
        if self.end_ns != 0 {
            sql.push_str(&format!(" AND ts <= {}", p(3)));
        }
        match self.after {
            // A cursor without a timestamp compares digests only (as the reference node does).
            Some((0, _)) => sql.push_str(&format!(" AND digest {cmp} {}", p(5))),
            Some(_) => sql.push_str(&format!(" AND (ts, digest) {cmp} ({}, {})", p(4), p(5))),
            None => {}
        }
        sql.push_str(&format!(" ORDER BY ts {order}, digest {order} LIMIT {}", p(6)));
        sql
    }
}

/// A stored envelope with its digest.
pub type Row = (Envelope, Vec<u8>);

/// Bytes an envelope adds to a response beyond its topic and message (tags, lengths, timestamp).
pub const ENVELOPE_OVERHEAD: usize = 24;

/// What an envelope costs a response's byte budget.
pub fn cost(topic: &str, message_len: usize) -> usize {
    topic.len() + message_len + ENVELOPE_OVERHEAD
}

/// The bytes a response may still carry. The first envelope of a response is always taken,
/// whatever its size, so that a topic holding one envelope larger than the budget is not stuck.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    left: usize,
    fresh: bool,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: usize) -> Self {
        Self { left: bytes, fresh: true }
    }

    /// Spends `cost` if it fits (or if nothing was spent yet); false if it does not.
    pub fn take(&mut self, cost: usize) -> bool {
        if cost <= self.left || self.fresh {
            self.left = self.left.saturating_sub(cost);
            self.fresh = false;
            true
        } else {
            false
        }
    }
}

/// Where a stored envelope sits, and its message's size, without the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The envelope's timestamp.
    pub ts: u64,
    /// Its digest.
    pub digest: Vec<u8>,
    /// Its message's length.
    pub len: usize,
}

/// What a blob insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The blob is new and now stored.
    New,
    /// A blob with this digest was already stored; nothing changed.
    Existing,
    /// Storing it would take the uploader past its quota; nothing changed.
    OverQuota {
        /// Bytes the uploader has stored.
        used: u64,
    },
    /// Storing it would take the node past its cap on all attachment bytes; nothing changed.
    StoreFull {
        /// Bytes stored in all.
        stored: u64,
    },
}

/// The limits a blob insert is checked against, in its own transaction.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// What one uploader may have stored.
    pub quota: u64,
    /// What the node stores in all.
    pub total: u64,
}

/// The reads every backend answers, on one connection, from a blocking thread.
pub trait Reader {
    /// One page of one topic in (timestamp, digest) order, as long as `budget` lasts; the flag
    /// says whether the budget cut the page short.
    fn page(&mut self, q: &PageQuery<'_>, budget: &mut Budget) -> Result<(Vec<Row>, bool), StoreError>;
    /// The keys of one page of one topic (for merging topics before reading any message).
    fn keys(&mut self, q: &PageQuery<'_>) -> Result<Vec<Key>, StoreError>;
    /// The message of one stored envelope.
    fn message(&mut self, topic: &str, key: &Key) -> Result<Vec<u8>, StoreError>;
    /// Number of stored envelopes (on Postgres an estimate past 100,000: health checks call it).
    fn count(&mut self) -> Result<u64, StoreError>;
    /// A stored blob's size, if there is one.
    fn blob_size(&mut self, digest: &[u8; 32]) -> Result<Option<u64>, StoreError>;
    /// Fills `buf` with a stored blob's bytes from `offset`; false if there is no such blob.
    fn blob_read_at(&mut self, digest: &[u8; 32], offset: u64, buf: &mut [u8]) -> Result<bool, StoreError>;
    /// Number of stored blobs.
    fn blob_count(&mut self) -> Result<u64, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_mapping_keeps_order() {
        let vals = [0u64, 1, 1 << 62, (1 << 63) - 1, 1 << 63, u64::MAX - 1, u64::MAX];
        for w in vals.windows(2) {
            assert!(ts_to_sql(w[0]) < ts_to_sql(w[1]));
            assert_eq!(ts_from_sql(ts_to_sql(w[0])), w[0]);
        }
    }
}
