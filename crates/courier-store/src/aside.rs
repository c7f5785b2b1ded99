//! The way out of a store that cannot be read (another key, a lost key, a damaged file): it is
//! set aside under a new name beside it, never deleted, so a fresh store can start (the V1/V2
//! history comes back from the network) and the old file can still be opened later if its key
//! turns up.
//!
//! Only a store that is unreadable, and that no process has open, is set aside. Whoever has
//! the store open holds a shared lock on a file beside it (`<name>.in-use`, left in place,
//! [`StoreHold::shared`]); setting aside takes it exclusively ([`StoreHold::exclusive`]) across
//! the check ([`readable`]) and the rename, so the CLI never renames the store under the app's
//! live connection (nor the app under the CLI's), and nothing opens it halfway through.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::cipher::{self, FileKind};
use crate::encrypt::with_suffix;
use crate::{StoreError, StoreKey};

/// How long opening waits for a recovery in progress before it gives up.
const WAIT: Duration = Duration::from_secs(10);

/// Why the store could not be held.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HoldError {
    /// Another process (the app, a `courier` command) has the store open, or is setting it
    /// aside.
    #[error("the store {} is in use by another Courier (the app or a `courier` command): close it and try again", path.display())]
    InUse {
        /// The database file.
        path: PathBuf,
    },
    /// The lock file cannot be opened or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// A lock on the store held by a process that has it open (shared: any number of them) or
/// is setting it aside (exclusive). Released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StoreHold {
    _file: File,
}

impl StoreHold {
    /// Held for as long as the store is open. Waits (at most 10 s, then [`HoldError::InUse`])
    /// while the store is being set aside.
    pub fn shared(path: &Path) -> Result<Self, HoldError> {
        let file = lock_file(path)?;
        let deadline = Instant::now() + WAIT;
        loop {
            match file.try_lock_shared() {
                Ok(()) => return Ok(Self { _file: file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(TryLockError::WouldBlock) => return Err(HoldError::InUse { path: path.to_owned() }),
                Err(TryLockError::Error(source)) => return Err(HoldError::Lock { path: lock_path(path), source }),
            }
        }
    }

    /// Held while the store is checked and set aside; [`HoldError::InUse`] at once if any
    /// process has the store open.
    pub fn exclusive(path: &Path) -> Result<Self, HoldError> {
        let file = lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(HoldError::InUse { path: path.to_owned() }),
            Err(TryLockError::Error(source)) => Err(HoldError::Lock { path: lock_path(path), source }),
        }
    }
}

fn lock_path(path: &Path) -> PathBuf {
    with_suffix(path, ".in-use")
}

fn lock_file(path: &Path) -> Result<File, HoldError> {
    let at = lock_path(path);
    crate::private::open_lock(&at).map_err(|source| HoldError::Lock { path: at, source })
}

/// Whether `key` opens the store at `path`, checked the way [`crate::Store::open`] checks it
/// and changing nothing: `Ok(false)` if there is no store, `Ok(true)` if it opens (an older
/// Courier's plain store counts: opening encrypts it), [`StoreError::KeyMissing`] or
/// [`StoreError::WrongKey`] if it does not, another error if it cannot be told.
pub fn readable(path: &Path, key: Option<&StoreKey>) -> Result<bool, StoreError> {
    let kind = cipher::file_kind(path).map_err(|source| StoreError::File { path: path.to_owned(), source })?;
    match kind {
        FileKind::New => return Ok(false),
        FileKind::Plaintext => return Ok(true),
        FileKind::Encrypted => {}
    }
    let key = key.ok_or_else(|| StoreError::KeyMissing { path: path.to_owned() })?;
    let open = |source| StoreError::Open { path: path.to_owned(), source };
    // Read-write as the store opens (a read-only connection may fail on a WAL store for
    // reasons that are not the key), but never created, and closed without a checkpoint: the
    // file and its -wal stay as they are, byte for byte.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(open)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true).map_err(open)?;
    cipher::key(&conn, key).map_err(open)?;
    if !cipher::key_opens(&conn).map_err(open)? {
        return Err(StoreError::WrongKey { path: path.to_owned() });
    }
    Ok(true)
}

/// Renames the store at `path` (with its `-wal` and `-shm`) to `<name>.unreadable-<n>`, the
/// first `n` from 1 not taken; returns the new name of the database file. No file is removed.
/// The caller holds [`StoreHold::exclusive`] and checked the store is not [`readable`].
pub fn set_aside(path: &Path) -> std::io::Result<PathBuf> {
    let target = (1u32..)
        .map(|n| with_suffix(path, &format!(".unreadable-{n}")))
        .find(|p| ["", "-wal", "-shm"].iter().all(|s| !with_suffix(p, s).exists()))
        .ok_or_else(|| std::io::Error::other("no free name"))?;
    // Side files first: a crash between two renames never leaves a -wal beside a database it
    // does not belong to (a database alone is whole after its last checkpoint).
    for suffix in ["-wal", "-shm", ""] {
        match std::fs::rename(with_suffix(path, suffix), with_suffix(&target, suffix)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::Read;

    use super::*;

    /// Windows' `LockFileEx` (behind `File::lock` and `try_lock*`) refuses a handle that has
    /// neither read nor write-data access — which is what an append-only open gives — with
    /// "Access is denied": every engine would fail to open its store there. The lock file's
    /// handle must be readable (here: `read` works, where an append-only handle is EBADF).
    #[test]
    fn the_lock_file_is_opened_so_every_platform_can_lock_it() {
        let tmp = tempfile::tempdir().unwrap();
        let db = tmp.path().join("courier.db");
        let mut f = lock_file(&db).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).expect("the lock file's handle can read (LockFileEx needs read or write access)");
        drop(f);
        // Opened again (it is left in place), still private and still lockable both ways.
        let held = StoreHold::exclusive(&db).unwrap();
        assert!(matches!(StoreHold::exclusive(&db), Err(HoldError::InUse { .. })));
        drop(held);
        let a = StoreHold::shared(&db).unwrap();
        let b = StoreHold::shared(&db).unwrap();
        assert!(matches!(StoreHold::exclusive(&db), Err(HoldError::InUse { .. })));
        drop((a, b));
        StoreHold::exclusive(&db).unwrap();
    }
}
