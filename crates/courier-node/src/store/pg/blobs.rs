//! Attachment blobs on Postgres: the same rules as on SQLite ([`crate::store::sqlite_blobs`]).
//! The caps are checked against running totals (`blob_total`, `blob_usage`): an upload
//! reserves its bytes in a short transaction, so uploads through any replica cannot pass a
//! cap together, and no lock is held while a blob is sent. Reads take a slice with
//! `substring`, which on an uncompressed out-of-line value reads only the chunks it covers.

use super::Conn;
use crate::store::{Caps, Inserted, StoreError};

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Stores `data` under `digest` for `uploader`, within `caps`: the bytes are reserved against
/// the running totals in a short transaction (row locks on two small rows, no scan), then the
/// blob is inserted in another; the reservation is given back if no blob was inserted.
pub async fn insert(
    conn: &mut Conn,
    digest: &[u8; 32],
    uploader: &str,
    data: &[u8],
    caps: Caps,
    now_ns: u64,
) -> Result<Inserted, StoreError> {
    let exists = conn.prepare("SELECT 1 FROM blobs WHERE digest = $1").await?;
    let d = &digest[..];
    if conn.client().query_opt(&exists, &[&d]).await?.is_some() {
        return Ok(Inserted::Existing);
    }
    let len = i64::try_from(data.len()).unwrap_or(i64::MAX);
    if let Some(refused) = reserve(conn, uploader, len, caps).await? {
        return Ok(refused);
    }
    let add = conn
        .prepare(
            "INSERT INTO blobs (digest, uploader, size, created_ns, data) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .await?;
    let created = i64::try_from(now_ns).unwrap_or(i64::MAX);
    let added = conn.client().execute(&add, &[&d, &uploader, &len, &created, &data]).await;
    match added {
        Ok(1) => Ok(Inserted::New),
        Ok(_) => {
            release(conn, uploader, len).await?;
            Ok(Inserted::Existing)
        }
        Err(e) => {
            if let Err(r) = release(conn, uploader, len).await {
                tracing::warn!(error = %r, "giving back an upload's reservation failed");
            }
            Err(e.into())
        }
    }
}

/// Adds `len` to `uploader`'s and the store's totals if both stay within `caps` (committed);
/// the refusal otherwise (nothing changed).
async fn reserve(conn: &mut Conn, uploader: &str, len: i64, caps: Caps) -> Result<Option<Inserted>, StoreError> {
    let quota = i64::try_from(caps.quota).unwrap_or(i64::MAX);
    let total = i64::try_from(caps.total).unwrap_or(i64::MAX);
    let used = conn.prepare("SELECT coalesce((SELECT bytes FROM blob_usage WHERE uploader = $1), 0)").await?;
    let mine = conn
        .prepare(
            "INSERT INTO blob_usage AS u (uploader, bytes) SELECT $1::text, $2::int8 WHERE $2::int8 <= $3::int8 \
             ON CONFLICT (uploader) DO UPDATE SET bytes = u.bytes + EXCLUDED.bytes \
             WHERE u.bytes + EXCLUDED.bytes <= $3::int8 RETURNING bytes",
        )
        .await?;
    let all = conn
        .prepare("UPDATE blob_total SET bytes = bytes + $1::int8 WHERE bytes + $1::int8 <= $2::int8 RETURNING bytes")
        .await?;
    let stored = conn.prepare("SELECT bytes FROM blob_total").await?;
    let tx = conn.client().transaction().await?;
    if tx.query_opt(&mine, &[&uploader, &len, &quota]).await?.is_none() {
        let used = to_u64(tx.query_one(&used, &[&uploader]).await?.get(0));
        return Ok(Some(Inserted::OverQuota { used }));
    }
    if tx.query_opt(&all, &[&len, &total]).await?.is_none() {
        let stored = to_u64(tx.query_one(&stored, &[]).await?.get(0));
        return Ok(Some(Inserted::StoreFull { stored }));
    }
    tx.commit().await?;
    Ok(None)
}

/// Gives back a reservation of `len` bytes.
async fn release(conn: &mut Conn, uploader: &str, len: i64) -> Result<(), StoreError> {
    let stmt = conn
        .prepare(
            "WITH u AS (UPDATE blob_usage SET bytes = greatest(bytes - $2, 0) WHERE uploader = $1) \
             UPDATE blob_total SET bytes = greatest(bytes - $2, 0)",
        )
        .await?;
    conn.client().execute(&stmt, &[&uploader, &len]).await?;
    Ok(())
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
    // One statement: the rows and the totals they leave change together.
    let stmt = conn
        .prepare(
            "WITH gone AS (DELETE FROM blobs WHERE created_ns < $1 RETURNING uploader, size), \
             per AS (UPDATE blob_usage u SET bytes = greatest(u.bytes - g.s, 0) \
                     FROM (SELECT uploader, sum(size)::bigint AS s FROM gone GROUP BY uploader) g \
                     WHERE u.uploader = g.uploader), \
             tot AS (UPDATE blob_total SET bytes = greatest(bytes - (SELECT coalesce(sum(size), 0) FROM gone), 0)::bigint) \
             SELECT count(*) FROM gone",
        )
        .await?;
    let n: i64 = conn.client().query_one(&stmt, &[&i64::try_from(cutoff_ns).unwrap_or(i64::MAX)]).await?.get(0);
    Ok(to_u64(n))
}

/// Number of stored blobs.
pub async fn count(conn: &mut Conn) -> Result<u64, StoreError> {
    let stmt = conn.prepare("SELECT count(*) FROM blobs").await?;
    Ok(to_u64(conn.client().query_one(&stmt, &[]).await?.get(0)))
}
