//! Attachment blobs on Postgres: the same rules as on SQLite ([`crate::store::sqlite_blobs`]).
//! The caps are checked and the row inserted in one transaction under an advisory lock, so
//! uploads through any replica cannot pass a cap together. Reads take a slice with
//! `substring`, which on an uncompressed out-of-line value reads only the chunks it covers.

use super::Conn;
use crate::store::{Caps, Inserted, StoreError};

const BLOB_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('courier.blobs.' || current_schema()))";

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Stores `data` under `digest` for `uploader`, within `caps`.
pub async fn insert(
    conn: &mut Conn,
    digest: &[u8; 32],
    uploader: &str,
    data: &[u8],
    caps: Caps,
    now_ns: u64,
) -> Result<Inserted, StoreError> {
    let lock = conn.prepare(BLOB_LOCK).await?;
    let exists = conn.prepare("SELECT 1 FROM blobs WHERE digest = $1").await?;
    let used = conn.prepare("SELECT coalesce(sum(size), 0)::bigint FROM blobs WHERE uploader = $1").await?;
    let total = conn.prepare("SELECT coalesce(sum(size), 0)::bigint FROM blobs").await?;
    let add = conn
        .prepare("INSERT INTO blobs (digest, uploader, size, created_ns, data) VALUES ($1, $2, $3, $4, $5)")
        .await?;
    let d = &digest[..];
    let tx = conn.client().transaction().await?;
    tx.execute(&lock, &[]).await?;
    if tx.query_opt(&exists, &[&d]).await?.is_some() {
        return Ok(Inserted::Existing);
    }
    let len = data.len() as u64;
    let used = to_u64(tx.query_one(&used, &[&uploader]).await?.get(0));
    if used.saturating_add(len) > caps.quota {
        return Ok(Inserted::OverQuota { used });
    }
    let stored = to_u64(tx.query_one(&total, &[]).await?.get(0));
    if stored.saturating_add(len) > caps.total {
        return Ok(Inserted::StoreFull { stored });
    }
    let size = i64::try_from(len).unwrap_or(i64::MAX);
    let created = i64::try_from(now_ns).unwrap_or(i64::MAX);
    tx.execute(&add, &[&d, &uploader, &size, &created, &data]).await?;
    tx.commit().await?;
    Ok(Inserted::New)
}

/// The stored blob's size, if there is one.
pub async fn size(conn: &mut Conn, digest: &[u8; 32]) -> Result<Option<u64>, StoreError> {
    let stmt = conn.prepare("SELECT size FROM blobs WHERE digest = $1").await?;
    let row = conn.client().query_opt(&stmt, &[&&digest[..]]).await?;
    Ok(row.map(|r| to_u64(r.get(0))))
}

/// Fills `buf` from `offset`; false if there is no such blob.
pub async fn read_at(conn: &mut Conn, digest: &[u8; 32], offset: u64, buf: &mut [u8]) -> Result<bool, StoreError> {
    let stmt = conn.prepare("SELECT substring(data FROM $2 FOR $3) FROM blobs WHERE digest = $1").await?;
    let from = i32::try_from(offset.saturating_add(1)).map_err(|_| StoreError::Inconsistent("offset past 2 GiB"))?;
    let len = i32::try_from(buf.len()).map_err(|_| StoreError::Inconsistent("chunk past 2 GiB"))?;
    let Some(row) = conn.client().query_opt(&stmt, &[&&digest[..], &from, &len]).await? else { return Ok(false) };
    let bytes: &[u8] = row.get(0);
    if bytes.len() != buf.len() {
        return Err(StoreError::Inconsistent("blob shorter than its recorded size"));
    }
    buf.copy_from_slice(bytes);
    Ok(true)
}

/// Deletes the blobs stored before `cutoff_ns`; how many.
pub async fn delete_older_than(conn: &mut Conn, cutoff_ns: u64) -> Result<u64, StoreError> {
    let stmt = conn.prepare("DELETE FROM blobs WHERE created_ns < $1").await?;
    Ok(conn.client().execute(&stmt, &[&i64::try_from(cutoff_ns).unwrap_or(i64::MAX)]).await?)
}

/// Number of stored blobs.
pub async fn count(conn: &mut Conn) -> Result<u64, StoreError> {
    let stmt = conn.prepare("SELECT count(*) FROM blobs").await?;
    Ok(to_u64(conn.client().query_one(&stmt, &[]).await?.get(0)))
}
