//! Envelopes on Postgres: the group insert (stored envelopes and the relay log in one
//! transaction) and the [`Reader`] calls, made from a blocking thread through the runtime.

use tokio::runtime::Handle;
use xmtp_proto::message_api::v1::Envelope;

use super::Conn;
use crate::store::{Budget, Key, PageQuery, Reader, Row, StoreError, cost, ts_from_sql, ts_to_sql};

/// The lock that orders relay sequence numbers by commit (held from `nextval` to commit).
const RELAY_LOCK: &str = "SELECT pg_advisory_xact_lock(hashtext('courier.relay.' || current_schema()))";

/// One accepted envelope of a write group.
#[derive(Debug)]
pub struct Accepted<'a> {
    /// The envelope.
    pub envelope: &'a Envelope,
    /// Its digest.
    pub digest: [u8; 32],
    /// Ephemeral: only relayed (its message lives in the relay log until it expires).
    pub ephemeral: bool,
}

/// Bytes the node's tables take (heap, indexes and TOAST).
pub async fn size(conn: &mut Conn) -> Result<u64, StoreError> {
    let stmt = conn
        .prepare(
            "SELECT (pg_total_relation_size('envelopes') + pg_total_relation_size('relay') \
             + pg_total_relation_size('blobs'))::bigint",
        )
        .await?;
    let n: i64 = conn.client().query_one(&stmt, &[]).await?.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Writes one group in one transaction: the stored envelopes (exact duplicates ignored) and the
/// ephemeral messages (`relay_payload`), then, under the relay lock, a small row per accepted
/// envelope into the relay log in acceptance order, and a `NOTIFY` wake-up if asked. The lock
/// thus covers no message bytes on the wire. Returns the last relay sequence number.
pub async fn insert_group(conn: &mut Conn, group: &[Accepted<'_>], notify: bool) -> Result<i64, StoreError> {
    let insert = conn
        .prepare(
            "INSERT INTO envelopes (topic, ts, digest, message) \
             SELECT * FROM unnest($1::text[], $2::int8[], $3::bytea[], $4::bytea[]) ON CONFLICT DO NOTHING",
        )
        .await?;
    let relay = conn
        .prepare(
            "WITH added AS (INSERT INTO relay (seq, topic, ts, digest, payload) \
             SELECT nextval('relay_seq'), t, ts, d, p \
             FROM unnest($1::text[], $2::int8[], $3::bytea[], $4::int8[]) WITH ORDINALITY AS u(t, ts, d, p, o) \
             ORDER BY o RETURNING seq) SELECT coalesce(max(seq), 0) FROM added",
        )
        .await?;
    let ids = conn
        .prepare("SELECT coalesce(array_agg(nextval('relay_payload_id_seq')), '{}') FROM generate_series(1, $1::int8)")
        .await?;
    let payloads =
        conn.prepare("INSERT INTO relay_payload (id, message) SELECT * FROM unnest($1::int8[], $2::bytea[])").await?;
    let lock = conn.prepare(RELAY_LOCK).await?;
    let wake = conn.prepare("SELECT pg_notify('courier_relay', current_schema())").await?;
    let topics: Vec<&str> = group.iter().map(|a| a.envelope.content_topic.as_str()).collect();
    let stamps: Vec<i64> = group.iter().map(|a| ts_to_sql(a.envelope.timestamp_ns)).collect();
    let digests: Vec<&[u8]> = group.iter().map(|a| &a.digest[..]).collect();
    let kept: Vec<usize> = (0..group.len()).filter(|&i| !group[i].ephemeral).collect();
    let tx = conn.client().transaction().await?;
    if !kept.is_empty() {
        fn pick<T: Copy>(kept: &[usize], v: &[T]) -> Vec<T> {
            kept.iter().map(|&i| v[i]).collect()
        }
        let messages: Vec<&[u8]> = kept.iter().map(|&i| &group[i].envelope.message[..]).collect();
        let params = (pick(&kept, &topics), pick(&kept, &stamps), pick(&kept, &digests));
        tx.execute(&insert, &[&params.0, &params.1, &params.2, &messages]).await?;
    }
    let carried: Vec<&[u8]> = group.iter().filter(|a| a.ephemeral).map(|a| &a.envelope.message[..]).collect();
    let mut refs: Vec<Option<i64>> = vec![None; group.len()];
    if !carried.is_empty() {
        let n = i64::try_from(carried.len()).unwrap_or(i64::MAX);
        let taken: Vec<i64> = tx.query_one(&ids, &[&n]).await?.get(0);
        tx.execute(&payloads, &[&taken, &carried]).await?;
        let slots = group.iter().enumerate().filter(|(_, a)| a.ephemeral).map(|(i, _)| i);
        for (slot, id) in slots.zip(taken) {
            refs[slot] = Some(id);
        }
    }
    tx.execute(&lock, &[]).await?;
    let last: i64 = tx.query_one(&relay, &[&topics, &stamps, &digests, &refs]).await?.get(0);
    if notify {
        tx.execute(&wake, &[]).await?;
    }
    tx.commit().await?;
    Ok(last)
}

/// Bytes of ephemeral messages in the relay log (their lengths only: the bodies are not read).
pub async fn relay_bytes(conn: &mut Conn) -> Result<u64, StoreError> {
    let stmt = conn
        .prepare(
            "SELECT ((SELECT coalesce(sum(octet_length(message)), 0) FROM relay_payload) \
             + (SELECT coalesce(sum(octet_length(message)), 0) FROM relay WHERE message IS NOT NULL))::bigint",
        )
        .await?;
    let n: i64 = conn.client().query_one(&stmt, &[]).await?.get(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// How long a relay row that only references a stored envelope is kept at most: replicas read
/// the log within a poll interval, so an hour is far beyond any working replica's lag, and the
/// log of a busy node stays small.
pub const REFERENCE_RETENTION: std::time::Duration = std::time::Duration::from_secs(3600);

/// Deletes relay rows older than `age` (ephemeral envelopes), and references to stored
/// envelopes older than `min(age, REFERENCE_RETENTION)`; how many.
pub async fn prune_relay(conn: &mut Conn, age: std::time::Duration) -> Result<u64, StoreError> {
    let stmt = conn
        .prepare(
            "WITH gone AS (DELETE FROM relay WHERE at < now() - make_interval(secs => $1) \
             OR (message IS NULL AND payload IS NULL AND at < now() - make_interval(secs => $2)) RETURNING seq), \
             mark AS (UPDATE relay_pruned SET through = greatest(through, (SELECT max(seq) FROM gone))) \
             SELECT count(*) FROM gone",
        )
        .await?;
    let payloads = conn.prepare("DELETE FROM relay_payload WHERE at < now() - make_interval(secs => $1)").await?;
    let references = age.min(REFERENCE_RETENTION);
    let rows: i64 = conn.client().query_one(&stmt, &[&age.as_secs_f64(), &references.as_secs_f64()]).await?.get(0);
    let rows = u64::try_from(rows).unwrap_or(0);
    // Payloads after their rows: a reader never finds a row whose payload is gone.
    conn.client().execute(&payloads, &[&age.as_secs_f64()]).await?;
    Ok(rows)
}

/// The reads of [`Reader`] on one pooled connection, from a blocking thread.
#[derive(Debug)]
pub struct PgReader<'a> {
    /// The connection.
    pub conn: &'a mut Conn,
    /// The runtime its I/O runs on.
    pub rt: Handle,
}

fn len_of(v: i32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

impl PgReader<'_> {
    fn rows(&mut self, q: &PageQuery<'_>, columns: &str) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let sql = q.sql(columns, false);
        let (after_ts, after_digest) = q.after.map_or((0, &[][..]), |(t, d)| (t, d));
        let conn = &mut *self.conn;
        self.rt.block_on(async {
            let stmt = conn.prepare(&sql).await?;
            let (start, end, after) = (ts_to_sql(q.start_ns), ts_to_sql(q.end_ns), ts_to_sql(after_ts));
            let limit = i64::from(q.limit);
            // Only the parameters the statement's shape uses are bound, in order.
            let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = vec![&q.topic];
            if q.start_ns != 0 {
                params.push(&start);
            }
            if q.end_ns != 0 {
                params.push(&end);
            }
            match q.after {
                Some((0, _)) => params.push(&after_digest),
                Some(_) => {
                    params.push(&after);
                    params.push(&after_digest);
                }
                None => {}
            }
            params.push(&limit);
            Ok(conn.client().query(&stmt, &params).await?)
        })
    }
}

impl PgReader<'_> {
    /// The messages of `keys` on `topic`, in the order of `keys` (one query).
    fn messages(&mut self, topic: &str, keys: &[Key]) -> Result<Vec<Vec<u8>>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let stamps: Vec<i64> = keys.iter().map(|k| ts_to_sql(k.ts)).collect();
        let digests: Vec<&[u8]> = keys.iter().map(|k| &k.digest[..]).collect();
        let conn = &mut *self.conn;
        let rows = self.rt.block_on(async {
            let stmt = conn
                .prepare(
                    "SELECT e.message FROM unnest($2::int8[], $3::bytea[]) WITH ORDINALITY AS k(ts, d, o) \
                     JOIN envelopes e ON e.topic = $1 AND e.ts = k.ts AND e.digest = k.d ORDER BY k.o",
                )
                .await?;
            Ok::<_, StoreError>(conn.client().query(&stmt, &[&topic, &stamps, &digests]).await?)
        })?;
        if rows.len() != keys.len() {
            // Envelopes are never deleted while the node runs; a gap would misalign the page.
            return Err(StoreError::Inconsistent("an envelope of the page vanished while it was read"));
        }
        Ok(rows.into_iter().map(|r| r.get(0)).collect())
    }
}

impl Reader for PgReader<'_> {
    fn page(&mut self, q: &PageQuery<'_>, budget: &mut Budget) -> Result<(Vec<Row>, bool), StoreError> {
        // Keys and lengths first, then the bodies of the rows the budget takes, so that a page
        // of large envelopes never holds more than the budget in memory (as SQLite reads them
        // row by row).
        let mut keys = self.keys(q)?;
        let cut = keys.iter().position(|k| !budget.take(cost(q.topic, k.len)));
        if let Some(n) = cut {
            keys.truncate(n);
        }
        let bodies = self.messages(q.topic, &keys)?;
        let out = keys
            .into_iter()
            .zip(bodies)
            .map(|(k, message)| {
                let e = Envelope { content_topic: q.topic.to_owned(), timestamp_ns: k.ts, message: message.into() };
                (e, k.digest)
            })
            .collect();
        Ok((out, cut.is_some()))
    }

    fn keys(&mut self, q: &PageQuery<'_>) -> Result<Vec<Key>, StoreError> {
        let rows = self.rows(q, "ts, digest, length(message)")?;
        Ok(rows
            .into_iter()
            .map(|r| Key { ts: ts_from_sql(r.get(0)), digest: r.get(1), len: len_of(r.get(2)) })
            .collect())
    }

    fn message(&mut self, topic: &str, key: &Key) -> Result<Vec<u8>, StoreError> {
        let conn = &mut *self.conn;
        self.rt.block_on(async {
            let stmt =
                conn.prepare("SELECT message FROM envelopes WHERE topic = $1 AND ts = $2 AND digest = $3").await?;
            let row = conn.client().query_one(&stmt, &[&topic, &ts_to_sql(key.ts), &key.digest]).await?;
            Ok(row.get(0))
        })
    }

    fn count(&mut self) -> Result<u64, StoreError> {
        let conn = &mut *self.conn;
        self.rt.block_on(async {
            // Exact while small; past 100,000 rows the planner's estimate (health checks run
            // often, and counting millions of rows reads them all).
            let stmt = conn
                .prepare(
                    "SELECT CASE WHEN c.reltuples < 100000 THEN (SELECT count(*) FROM envelopes) \
                     ELSE c.reltuples::bigint END FROM pg_class c WHERE c.oid = 'envelopes'::regclass",
                )
                .await?;
            let n: i64 = conn.client().query_one(&stmt, &[]).await?.get(0);
            Ok(u64::try_from(n).unwrap_or(0))
        })
    }

    fn blob_size(&mut self, digest: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        let conn = &mut *self.conn;
        self.rt.block_on(super::blobs::size(conn, digest))
    }

    fn blob_read_at(&mut self, digest: &[u8; 32], offset: u64, buf: &mut [u8]) -> Result<bool, StoreError> {
        let conn = &mut *self.conn;
        self.rt.block_on(super::blobs::read_at(conn, digest, offset, buf))
    }

    fn blob_count(&mut self) -> Result<u64, StoreError> {
        let conn = &mut *self.conn;
        self.rt.block_on(super::blobs::count(conn))
    }
}
