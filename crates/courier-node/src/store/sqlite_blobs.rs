//! Attachment blobs in the node's SQLite database: one row per digest, with the identity that
//! stored it and its size (indexed together, so an identity's total is summed without reading
//! any blob). A blob is read a chunk at a time ([`read_at`], SQLite's incremental blob I/O),
//! never whole. [`SCHEMA`] is idempotent and run on every open, so a database made by an older
//! node gains the table the first time a newer one opens it.

use rusqlite::{Connection, MAIN_DB, OptionalExtension as _, TransactionBehavior, params};

use super::{Caps, Inserted, StoreError};

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
CREATE INDEX IF NOT EXISTS blobs_by_age ON blobs (created_ns);
";

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Stores `data` under `digest` for `uploader`, in one transaction that takes the write lock
/// first, so that the checks against `caps` and the insert see the same totals (concurrent
/// uploads, through any connection, cannot pass them together).
pub fn insert(
    conn: &mut Connection,
    digest: &[u8; 32],
    uploader: &str,
    data: &[u8],
    caps: Caps,
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
    if used.saturating_add(data.len() as u64) > caps.quota {
        return Ok(Inserted::OverQuota { used });
    }
    let stored: i64 = tx.prepare_cached("SELECT coalesce(sum(size), 0) FROM blobs")?.query_row([], |r| r.get(0))?;
    let stored = to_u64(stored);
    if stored.saturating_add(data.len() as u64) > caps.total {
        return Ok(Inserted::StoreFull { stored });
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

/// Fills `buf` with the stored blob's bytes from `offset`, reading only the pages that hold
/// them; false if no blob has this digest (any more). The row is found and read in one read
/// transaction, so a blob deleted meanwhile cannot be confused with a newer row.
pub fn read_at(conn: &Connection, digest: &[u8; 32], offset: u64, buf: &mut [u8]) -> Result<bool, StoreError> {
    let tx = conn.unchecked_transaction()?;
    let rowid: Option<i64> = tx
        .prepare_cached("SELECT rowid FROM blobs WHERE digest = ?1")?
        .query_row(params![&digest[..]], |r| r.get(0))
        .optional()?;
    let Some(rowid) = rowid else { return Ok(false) };
    let blob = tx.blob_open(MAIN_DB, c"blobs", c"data", rowid, true)?;
    let offset = usize::try_from(offset).map_err(|_| rusqlite::Error::BlobSizeError)?;
    blob.read_at_exact(buf, offset)?;
    drop(blob);
    tx.finish()?;
    Ok(true)
}

/// Deletes the blobs stored before `cutoff_ns`; how many.
pub fn delete_older_than(conn: &mut Connection, cutoff_ns: u64) -> Result<usize, StoreError> {
    let cutoff = i64::try_from(cutoff_ns).unwrap_or(i64::MAX);
    Ok(conn.execute("DELETE FROM blobs WHERE created_ns < ?1", params![cutoff])?)
}

/// Number of stored blobs.
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM blobs", [], |r| r.get(0))?;
    Ok(to_u64(n))
}
