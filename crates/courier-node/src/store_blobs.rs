//! Attachment blobs in the node's SQLite database: one row per digest, with the identity that
//! stored it and its size (indexed together, so an identity's total is summed without reading
//! any blob). [`SCHEMA`] is idempotent and run on every open, so a database made by an older
//! node gains the table the first time a newer one opens it.

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use crate::store::StoreError;

/// The `blobs` table. A rowid table: blobs are large, and SQLite keeps large rows best there.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS blobs (
    digest     BLOB    NOT NULL UNIQUE,
    uploader   TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    data       BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS blobs_by_uploader ON blobs (uploader, size);
";

/// What an insert did.
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
}

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Stores `data` under `digest` for `uploader`, in one transaction that takes the write lock
/// first, so that the quota check and the insert see the same total.
pub fn insert(
    conn: &mut Connection,
    digest: &[u8; 32],
    uploader: &str,
    data: &[u8],
    quota: u64,
    now_ns: u64,
) -> Result<Inserted, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let exists = tx.prepare_cached("SELECT 1 FROM blobs WHERE digest = ?1")?.exists(params![&digest[..]])?;
    if exists {
        return Ok(Inserted::Existing);
    }
    let used: i64 = tx
        .prepare_cached("SELECT coalesce(sum(size), 0) FROM blobs WHERE uploader = ?1")?
        .query_row(params![uploader], |r| r.get(0))?;
    let used = to_u64(used);
    if used.saturating_add(data.len() as u64) > quota {
        return Ok(Inserted::OverQuota { used });
    }
    tx.prepare_cached("INSERT INTO blobs (digest, uploader, size, created_ns, data) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![
            &digest[..],
            uploader,
            i64::try_from(data.len()).unwrap_or(i64::MAX),
            i64::try_from(now_ns).unwrap_or(i64::MAX),
            data
        ])?;
    tx.commit()?;
    Ok(Inserted::New)
}

/// The stored blob's size, if there is one.
pub fn size(conn: &Connection, digest: &[u8; 32]) -> Result<Option<u64>, StoreError> {
    let size: Option<i64> = conn
        .prepare_cached("SELECT size FROM blobs WHERE digest = ?1")?
        .query_row(params![&digest[..]], |r| r.get(0))
        .optional()?;
    Ok(size.map(to_u64))
}

/// The stored blob, if there is one.
pub fn read(conn: &Connection, digest: &[u8; 32]) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT data FROM blobs WHERE digest = ?1")?
        .query_row(params![&digest[..]], |r| r.get(0))
        .optional()?)
}

/// Number of stored blobs.
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))?;
    Ok(to_u64(n))
}
