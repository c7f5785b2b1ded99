//! SQLCipher on a connection: the raw key as the first statement, then the cipher settings this
//! store uses, and what a file on disk is before it is opened (missing, plain SQLite, or
//! neither: encrypted, or damaged).
//!
//! The settings, set explicitly so a later SQLCipher with other defaults still opens the file:
//! AES-256-CBC per page with a random IV, an HMAC over every page (a changed page is an error,
//! never silently read), the whole header encrypted (the file starts with the salt, not "SQLite
//! format 3"). Two differ from SQLCipher 4's defaults, measured against the plain store
//! (BENCHMARKS.md, issue #15): 8 KiB pages, not 4 (a cold sync of 10,000 messages cost 1.21×
//! the plain store's with 4 KiB, 1.06× with 8; 16 KiB made opening a thread dearer), and
//! HMAC-SHA256, not SHA-512 (2–2.5× faster with the SHA instructions of current x86 and ARM
//! processors; every page read cold is authenticated). The key is raw (`x'…'`): 256 random bits
//! need no PBKDF2. `cipher_memory_security` stays off (its default): it is process-wide and
//! costs every allocation. Courier's copies of the key are zeroized ([`crate::StoreKey`]);
//! SQLite's copies of the statement text that carries it are not (the key module says which,
//! and why there is no way around them here).

use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use crate::key::StoreKey;

/// The first 16 bytes of every plain SQLite database file.
pub const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Bytes per page (see the module: 8 KiB, measured).
pub(crate) const PAGE_SIZE: u32 = 8192;
/// The per-page MAC.
pub(crate) const HMAC: &str = "HMAC_SHA256";

/// What a store file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// No file, or an empty one: a new store.
    New,
    /// A plain SQLite database (an older Courier's store).
    Plaintext,
    /// Anything else: an encrypted store (or a damaged file; only the key tells).
    Encrypted,
}

/// Reads the first bytes of `path`.
pub fn file_kind(path: &Path) -> std::io::Result<FileKind> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileKind::New),
        Err(e) => return Err(e),
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(match n {
        0 => FileKind::New,
        _ if &head == SQLITE_HEADER => FileKind::Plaintext,
        _ => FileKind::Encrypted,
    })
}

/// Keys `conn`'s main database and sets the cipher settings. Must be its first statement.
/// The key goes in as SQL text (`PRAGMA key`): see [`crate::StoreKey`]'s module for the copies
/// SQLite keeps of it.
pub fn key(conn: &Connection, key: &StoreKey) -> rusqlite::Result<()> {
    conn.execute_batch(key.pragma_key().expose())?;
    quiet(conn)?;
    settings(conn, "main")
}

/// SQLCipher's own log (process-wide, on stderr by default from the first key on) stays off:
/// a wrong key is a typed error here, and a line on stderr would break the CLI's one-line
/// errors.
fn quiet(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))
}

/// Attaches `path` as `schema`, keyed (the key is a bound value, never SQL text), with the
/// cipher settings.
pub(crate) fn attach(conn: &Connection, path: &Path, schema: &str, key: &StoreKey) -> rusqlite::Result<()> {
    let raw = key.raw_text();
    conn.execute(&format!("ATTACH DATABASE ?1 AS {schema} KEY ?2"), [path.to_string_lossy().as_ref(), raw.expose()])?;
    quiet(conn)?;
    settings(conn, schema)
}

fn settings(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA {schema}.cipher_page_size = {PAGE_SIZE};
         PRAGMA {schema}.cipher_hmac_algorithm = {HMAC};
         PRAGMA {schema}.cipher_kdf_algorithm = PBKDF2_HMAC_SHA256;
         PRAGMA {schema}.cipher_plaintext_header_size = 0;"
    ))
}

/// Whether the key opens the file: SQLCipher checks it only at the first read, where a wrong
/// key (or a damaged first page) is `SQLITE_NOTADB`.
pub(crate) fn key_opens(conn: &Connection) -> rusqlite::Result<bool> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => Ok(true),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => Ok(false),
        Err(e) => Err(e),
    }
}

/// The connection's cipher settings as SQLCipher reports them: (version, page size, HMAC).
pub fn reported(conn: &Connection) -> rusqlite::Result<[String; 3]> {
    let one = |pragma: &str| conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get::<_, String>(0));
    Ok([one("cipher_version")?, one("cipher_page_size")?, one("cipher_hmac_algorithm")?])
}
