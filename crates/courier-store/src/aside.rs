//! The way out of a store that cannot be read (another key, a lost key, a damaged file): it is
//! set aside under a new name beside it, never deleted, so a fresh store can start (the V1/V2
//! history comes back from the network) and the old file can still be opened later if its key
//! turns up.

use std::path::{Path, PathBuf};

use crate::encrypt::with_suffix;

/// Renames the store at `path` (with its `-wal` and `-shm`) to `<name>.unreadable-<n>`, the
/// first `n` from 1 not taken; returns the new name of the database file. No file is removed.
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
