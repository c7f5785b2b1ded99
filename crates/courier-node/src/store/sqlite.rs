//! Envelope storage on SQLite (WAL): one table keyed by (topic, timestamp, digest), queried
//! per topic through that index. Writes are batched by the caller into one transaction.
//! Opening a database also creates the attachment table ([`super::sqlite_blobs`]).

use std::path::Path;

use rusqlite::{Connection, OpenFlags, params};
use xmtp_proto::message_api::v1::Envelope;

use super::{Budget, Key, PageQuery, Reader, Row, StoreError, cost, sqlite_blobs, ts_from_sql, ts_to_sql};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS envelopes (
    topic   TEXT    NOT NULL,
    ts      INTEGER NOT NULL,
    digest  BLOB    NOT NULL,
    message BLOB    NOT NULL,
    PRIMARY KEY (topic, ts, digest)
) WITHOUT ROWID;
";

/// Prepares the database's place, private to the user on Unix: missing folders are created
/// 0700 (existing ones are left as they are: they may be shared, such as the home folder),
/// the database file is created 0600 before SQLite opens it (SQLite gives its `-wal` and
/// `-shm` files the database file's mode), and an existing file and its `-wal`/`-shm` are
/// set to 0600.
pub fn prepare(path: &Path) -> Result<(), StoreError> {
    let io = |source| StoreError::Io { path: path.display().to_string(), source };
    let mut dir = std::fs::DirBuilder::new();
    dir.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
        dir.mode(0o700);
        if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            dir.create(parent).map_err(io)?;
        }
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path).map_err(io)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            match std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            }
        }
    }
    #[cfg(not(unix))]
    if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        dir.create(parent).map_err(io)?;
    }
    Ok(())
}

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
    conn.execute_batch(sqlite_blobs::SCHEMA).map_err(open_err)?;
    Ok(conn)
}

/// Caps the database file at about `bytes` (SQLite's `max_page_count` on this connection):
/// past it, inserts fail with SQLITE_FULL as on a full disk, and reads go on.
pub fn cap_size(conn: &mut Connection, bytes: Option<u64>) -> Result<(), StoreError> {
    if let Some(bytes) = bytes {
        let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let pages = i64::try_from(bytes).unwrap_or(i64::MAX) / page.max(512);
        conn.query_row(&format!("PRAGMA max_page_count = {}", pages.max(1)), [], |_| Ok(()))?;
    }
    Ok(())
}

/// Whether an error is the disk (or the configured size cap) being full.
pub fn is_full(e: &StoreError) -> bool {
    matches!(e, StoreError::Full)
        || matches!(e, StoreError::Sql(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull)
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

fn run<T>(
    conn: &Connection,
    q: &PageQuery<'_>,
    columns: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<Option<T>, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(&q.sql(columns, true))?;
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
        match each(r)? {
            Some(x) => out.push(x),
            None => break,
        }
    }
    Ok(out)
}

/// Reads one page of one topic in (timestamp, digest) order, as long as `budget` lasts; the
/// flag says whether the budget cut the page short.
pub fn page(conn: &Connection, q: &PageQuery<'_>, budget: &mut Budget) -> Result<(Vec<Row>, bool), StoreError> {
    let mut cut = false;
    let rows = run(conn, q, "ts, digest, length(message), message", |r| {
        let len: i64 = r.get(2)?;
        if !budget.take(cost(q.topic, usize::try_from(len).unwrap_or(usize::MAX))) {
            cut = true;
            return Ok(None);
        }
        let (ts, digest, message): (i64, Vec<u8>, Vec<u8>) = (r.get(0)?, r.get(1)?, r.get(3)?);
        let e = Envelope { content_topic: q.topic.to_owned(), timestamp_ns: ts_from_sql(ts), message: message.into() };
        Ok(Some((e, digest)))
    })?;
    Ok((rows, cut))
}

/// The keys of one page of one topic (for merging topics before reading any message).
pub fn keys(conn: &Connection, q: &PageQuery<'_>) -> Result<Vec<Key>, StoreError> {
    run(conn, q, "ts, digest, length(message)", |r| {
        let (ts, digest, len): (i64, Vec<u8>, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok(Some(Key { ts: ts_from_sql(ts), digest, len: usize::try_from(len).unwrap_or(usize::MAX) }))
    })
}

/// The message of one stored envelope.
pub fn message(conn: &Connection, topic: &str, key: &Key) -> Result<Vec<u8>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT message FROM envelopes WHERE topic = ?1 AND ts = ?2 AND digest = ?3")?;
    Ok(stmt.query_row(params![topic, ts_to_sql(key.ts), &key.digest[..]], |r| r.get(0))?)
}

/// Number of stored envelopes (for health output and tests).
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM envelopes", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

impl Reader for Connection {
    fn page(&mut self, q: &PageQuery<'_>, budget: &mut Budget) -> Result<(Vec<Row>, bool), StoreError> {
        page(self, q, budget)
    }

    fn keys(&mut self, q: &PageQuery<'_>) -> Result<Vec<Key>, StoreError> {
        keys(self, q)
    }

    fn message(&mut self, topic: &str, key: &Key) -> Result<Vec<u8>, StoreError> {
        message(self, topic, key)
    }

    fn count(&mut self) -> Result<u64, StoreError> {
        count(self)
    }

    fn blob_size(&mut self, digest: &[u8; 32]) -> Result<Option<u64>, StoreError> {
        sqlite_blobs::size(self, digest)
    }

    fn blob_read_at(&mut self, digest: &[u8; 32], offset: u64, buf: &mut [u8]) -> Result<bool, StoreError> {
        sqlite_blobs::read_at(self, digest, offset, buf)
    }

    fn blob_count(&mut self) -> Result<u64, StoreError> {
        sqlite_blobs::count(self)
    }
}
