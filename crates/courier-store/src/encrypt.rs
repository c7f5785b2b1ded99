//! An older Courier's plain SQLite store, encrypted in place on first start, all or nothing.
//!
//! 1. The plain store is checkpointed and switched to rollback journaling, so the whole database
//!    is in its one file and no `-wal` is left beside it (a `-wal` beside the encrypted file
//!    would be replayed into it).
//! 2. `sqlcipher_export` copies every table, index and row into a new encrypted file beside it
//!    (`<name>.encrypting`), the schema version is copied, the copy is checked and fsynced.
//! 3. The copy is renamed over the store (atomic) and the folder fsynced; stray `-wal`/`-shm`
//!    are removed.
//!
//! A crash before 3 leaves the plain store and at most a leftover copy, which the next start
//! removes before it begins again; after 3 the store is the encrypted one. Never neither. Two
//! processes starting at once (the app and the CLI) take turns on a lock file beside the store
//! (`<name>.encrypt-lock`, left in place): the second finds the store encrypted and does nothing,
//! and never removes a copy the first is still writing.
//! The old file's blocks are freed by the file system, not overwritten (a copy of the disk
//! taken before may still hold them).
//!
//! The copy needs about the store's size again in free space beside it, until the rename. Too
//! little (checked first where the platform tells, `statvfs` on Unix; else when the disk fills)
//! is [`EncryptError::NoSpace`], saying how much: the partial copy is removed at once and the
//! plain store is left whole (only its journal mode may have changed, which the next open sets
//! back).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::cipher;
use crate::key::StoreKey;

/// Why the plain store could not be encrypted. It is left as it was.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// SQLite or SQLCipher failed.
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    /// A file operation failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The encrypted copy is not what was copied (its check failed).
    #[error("the encrypted copy does not check out ({0})")]
    BadCopy(String),
    /// The disk has not enough free space for the encrypted copy. The plain store is left as
    /// it was; Courier starts once there is room.
    #[error(
        "not enough free disk space to encrypt the store: needs about {needed_mb} MB free in its folder (the store is left as it was, unencrypted)"
    )]
    NoSpace {
        /// About how much free space the copy needs, in MB (10^6 bytes), rounded up.
        needed_mb: u64,
        /// What failed when the disk filled during the copy (`None`: the check before it).
        #[source]
        source: Option<Box<EncryptError>>,
    },
}

/// The free space the encrypted copy of the store at `path` needs: its file and `-wal`
/// (checkpointed into it first), plus a sixteenth for the per-page IV and MAC and the copy's
/// journal, plus 1 MiB.
fn space_needed(path: &Path) -> std::io::Result<u64> {
    let mut total = 0u64;
    for suffix in ["", "-wal"] {
        match std::fs::metadata(with_suffix(path, suffix)) {
            Ok(m) => total = total.saturating_add(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(total.saturating_add(total / 16).saturating_add(1 << 20))
}

fn megabytes(bytes: u64) -> u64 {
    bytes.div_ceil(1_000_000)
}

/// [`EncryptError::NoSpace`] before anything is written, if the platform tells the free space
/// beside `path` (Unix) and it is too little. Elsewhere, or if it cannot be told, the copy
/// runs and a full disk is caught as it happens ([`no_space`]).
fn check_space(path: &Path) -> Result<(), EncryptError> {
    let needed = space_needed(path)?;
    match free_space(path) {
        Some(free) if free < needed => Err(EncryptError::NoSpace { needed_mb: megabytes(needed), source: None }),
        _ => Ok(()),
    }
}

/// The bytes this user may still write in the folder of `path`, where the platform tells.
fn free_space(path: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        rustix::fs::statvfs(dir).ok().map(|st| st.f_bavail.saturating_mul(st.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// A full disk while copying becomes [`EncryptError::NoSpace`]; other errors pass as they
/// are. Full is: SQLite's `SQLITE_FULL`, the file system's ENOSPC, or (where the platform
/// tells) any SQLite or file error while the folder has less free space than the copy needs:
/// `sqlcipher_export` reports the inner `SQLITE_FULL` as a plain `SQLITE_ERROR` (its message is
/// not matched), and rolls the copy back, so the space is free again by the time it returns.
fn no_space(path: &Path, e: EncryptError) -> EncryptError {
    let needed = space_needed(path).unwrap_or(0);
    let full = match &e {
        EncryptError::Sql(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DiskFull => true,
        EncryptError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => true,
        EncryptError::Sql(_) | EncryptError::Io(_) => free_space(path).is_some_and(|free| free < needed),
        _ => false,
    };
    if !full {
        return e;
    }
    EncryptError::NoSpace { needed_mb: megabytes(needed), source: Some(Box::new(e)) }
}

/// The encrypted copy being made beside `path`.
pub fn aside(path: &Path) -> PathBuf {
    with_suffix(path, ".encrypting")
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes `path` and its SQLite side files, if there.
pub(crate) fn remove_with_side_files(path: &Path) -> std::io::Result<()> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        match std::fs::remove_file(with_suffix(path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Before a store is opened: a plain store is encrypted in place under `key` (see the module's
/// steps), and a copy left by an interrupted run is removed. Both under the lock; a store that is
/// already encrypted, with nothing left over, takes no lock.
pub fn prepare(path: &Path, key: &StoreKey) -> Result<(), EncryptError> {
    if cipher::file_kind(path)? != cipher::FileKind::Plaintext && !aside(path).exists() {
        return Ok(());
    }
    let lock = crate::private::open_lock(&with_suffix(path, ".encrypt-lock"))?;
    lock.lock()?;
    match cipher::file_kind(path)? {
        cipher::FileKind::Plaintext => {
            check_space(path)?;
            encrypt_in_place(path, key)
        }
        _ => Ok(remove_with_side_files(&aside(path))?),
    }
}

/// Encrypts the plain store at `path` under `key`, in place (see the module's steps). The
/// caller holds the lock ([`prepare`]).
fn encrypt_in_place(path: &Path, key: &StoreKey) -> Result<(), EncryptError> {
    let copy = make_copy(path, key)?;
    std::fs::rename(&copy, path)?;
    sync_dir(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        match std::fs::remove_file(with_suffix(path, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    tracing::info!(path = %path.display(), "encrypted the store");
    Ok(())
}

/// Steps 1 and 2: the encrypted, checked, fsynced copy beside `path`; `path` is untouched but
/// for its journal mode. A leftover copy from an interrupted run is removed first, and so is
/// the partial copy if this fails (a full disk is [`EncryptError::NoSpace`]). Public only for
/// the tests of an interrupted run and of a full disk; the caller must hold the lock
/// ([`prepare`]).
#[doc(hidden)]
pub fn make_copy(path: &Path, key: &StoreKey) -> Result<PathBuf, EncryptError> {
    copy_into_aside(path, key).map_err(|e| {
        let e = no_space(path, e);
        if let Err(left) = remove_with_side_files(&aside(path)) {
            tracing::warn!(error = %left, "cannot remove the partial encrypted copy; the next start removes it");
        }
        e
    })
}

fn copy_into_aside(path: &Path, key: &StoreKey) -> Result<PathBuf, EncryptError> {
    let copy = aside(path);
    remove_with_side_files(&copy)?;
    crate::private::create_new(&copy)?;
    let plain = Connection::open(path)?;
    plain.busy_timeout(std::time::Duration::from_secs(10))?;
    let version: u32 = plain.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    let mode: String = plain.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(EncryptError::BadCopy(format!("the plain store stays in journal mode {mode}")));
    }
    let counts = table_counts(&plain, "main")?;
    cipher::attach(&plain, &copy, "encrypted", key)?;
    plain.query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))?;
    plain.pragma_update(Some("encrypted"), "user_version", version)?;
    let copied = table_counts(&plain, "encrypted")?;
    plain.execute_batch("DETACH DATABASE encrypted")?;
    drop(plain);
    if copied != counts {
        return Err(EncryptError::BadCopy("the row counts differ".into()));
    }
    let check = Connection::open(&copy)?;
    cipher::key(&check, key)?;
    let ok: String = check.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    drop(check);
    if ok != "ok" {
        return Err(EncryptError::BadCopy(ok));
    }
    std::fs::OpenOptions::new().write(true).open(&copy)?.sync_all()?;
    Ok(copy)
}

/// Every stored table's row count in `schema`, by name. Virtual tables (the search index) are
/// counted through their shadow tables, which hold their rows: `sqlcipher_export` writes a
/// virtual table's definition into the copy's schema directly, which this connection has not
/// read again yet.
fn table_counts(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(&format!(
            "SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND rootpage > 0 AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ))?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|n| {
            let count =
                conn.query_row(&format!("SELECT count(*) FROM {schema}.\"{}\"", n.replace('"', "\"\"")), [], |r| {
                    r.get(0)
                })?;
            Ok((n, count))
        })
        .collect()
}

/// Makes a rename in the folder of `path` durable (Unix; elsewhere the rename is enough).
fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
