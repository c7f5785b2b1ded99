//! Envelope storage on SQLite (WAL): one table keyed by (topic, timestamp, digest), queried
//! per topic through that index. Writes are batched by the caller into one transaction.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};
use xmtp_proto::message_api::v1::Envelope;

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
}

/// SQLite stores signed 64-bit integers; envelope timestamps are unsigned. Shifting by 2^63
/// keeps the order, so the index sorts by the unsigned value.
fn ts_to_sql(ts: u64) -> i64 {
    (ts ^ (1 << 63)) as i64
}

fn ts_from_sql(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS envelopes (
    topic   TEXT    NOT NULL,
    ts      INTEGER NOT NULL,
    digest  BLOB    NOT NULL,
    message BLOB    NOT NULL,
    PRIMARY KEY (topic, ts, digest)
) WITHOUT ROWID;
";

/// Opens (creating if needed) the database at `path`: WAL, `synchronous = NORMAL` (a committed
/// publish survives a crash of the node; the OS losing power may drop the last commits), and a
/// quick integrity check so that a damaged file is refused at start, not discovered later.
pub fn open(path: &Path) -> Result<Connection, StoreError> {
    let name = path.display().to_string();
    let open_err = |source| StoreError::Open { path: name.clone(), source };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
    let check: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(open_err)?;
    if check != "ok" {
        return Err(StoreError::Corrupt { path: name, detail: check });
    }
    conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
    conn.execute_batch(SCHEMA).map_err(open_err)?;
    Ok(conn)
}

/// Inserts envelopes in one transaction; exact duplicates (same topic, timestamp and message)
/// are ignored. Returns how many rows were new.
pub fn insert(conn: &mut Connection, envelopes: &[(Envelope, [u8; 32])]) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let mut added = 0;
    {
        let mut stmt =
            tx.prepare_cached("INSERT OR IGNORE INTO envelopes (topic, ts, digest, message) VALUES (?1, ?2, ?3, ?4)")?;
        for (e, digest) in envelopes {
            added += stmt.execute(params![e.content_topic, ts_to_sql(e.timestamp_ns), &digest[..], &e.message[..]])?;
        }
    }
    tx.commit()?;
    Ok(added)
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

/// A stored envelope with its digest.
pub type Row = (Envelope, Vec<u8>);

/// Reads one page of one topic in (timestamp, digest) order.
pub fn page(conn: &Connection, q: &PageQuery<'_>) -> Result<Vec<Row>, StoreError> {
    let (cmp, order) = if q.ascending { (">", "ASC") } else { ("<", "DESC") };
    let mut sql = String::from("SELECT ts, digest, message FROM envelopes WHERE topic = ?1");
    if q.start_ns != 0 {
        sql.push_str(" AND ts >= ?2");
    }
    if q.end_ns != 0 {
        sql.push_str(" AND ts <= ?3");
    }
    match q.after {
        // A cursor without a timestamp compares digests only (as the reference node does).
        Some((0, _)) => sql.push_str(&format!(" AND digest {cmp} ?5")),
        Some(_) => sql.push_str(&format!(" AND (ts, digest) {cmp} (?4, ?5)")),
        None => {}
    }
    sql.push_str(&format!(" ORDER BY ts {order}, digest {order} LIMIT ?6"));
    let mut stmt = conn.prepare_cached(&sql)?;
    let (after_ts, after_digest) = q.after.map_or((0, &[][..]), |(t, d)| (t, d));
    // ?6 is always present, so SQLite counts six parameters whichever of ?2..?5 the
    // statement uses, and all six can be bound by position.
    let mut rows = stmt.query(params![
        q.topic,
        ts_to_sql(q.start_ns),
        ts_to_sql(q.end_ns),
        ts_to_sql(after_ts),
        after_digest,
        i64::from(q.limit),
    ])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let ts: i64 = r.get(0)?;
        let digest: Vec<u8> = r.get(1)?;
        let message: Vec<u8> = r.get(2)?;
        out.push((
            Envelope { content_topic: q.topic.to_owned(), timestamp_ns: ts_from_sql(ts), message: message.into() },
            digest,
        ));
    }
    Ok(out)
}

/// Number of stored envelopes (for health output and tests).
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM envelopes", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
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
