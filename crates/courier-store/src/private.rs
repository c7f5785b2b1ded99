//! Files and folders only this user can read: folders 0700, files 0600 on Unix, set explicitly
//! when they are made (not left to the umask) and tightened when an older, wider one is found.
//! Elsewhere the user's profile folder is already private and these are plain file operations.
//! The store's database, the engine's data folder and the app's profile all go through here.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Folder mode on Unix.
pub const DIR_MODE: u32 = 0o700;
/// File mode on Unix.
pub const FILE_MODE: u32 = 0o600;

/// Makes `dir` private, creating it (and, with the usual mode, missing parents: they are not
/// Courier's) or tightening it if it exists. See [`create_dir_under`] for folders below a
/// private root.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    b.mode(DIR_MODE);
    match b.create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => tighten(dir),
        Err(e) => Err(e),
    }
}

/// Creates a new private folder `dir`; fails (`AlreadyExists`) if anything is at `dir` — a
/// folder, a file or a symbolic link (never followed: `mkdir` does not follow one). Its parent
/// must exist. For a folder that must be this caller's alone (an export's attachments).
pub fn create_new_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    b.mode(DIR_MODE);
    b.create(dir)
}

/// Makes `root` and every folder from it down to `dir` private (`dir` must be below `root`;
/// otherwise only `dir` is).
pub fn create_dir_under(root: &Path, dir: &Path) -> std::io::Result<()> {
    create_dir(root)?;
    let Ok(rest) = dir.strip_prefix(root) else { return create_dir(dir) };
    let mut at = root.to_path_buf();
    for part in rest.components() {
        at.push(part);
        create_dir(&at)?;
    }
    Ok(())
}

/// Writes a whole private file: aside (created private), then renamed over `path`, so a reader
/// never sees half of it and the file never exists with a wider mode.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A name of its own per write: two saves at once never share the file aside.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.{}.{n}.tmp", std::process::id()));
    let mut f = create_new(&tmp)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    drop(f);
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Creates a new private file; fails if `path` exists.
pub fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(FILE_MODE);
    o.open(path)
}

/// Opens `path` for writing, creating it private if missing (its content is kept), and makes
/// it private if it is not.
pub fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    o.mode(FILE_MODE);
    let f = o.open(path)?;
    tighten(path)?;
    Ok(f)
}

/// Opens the lock file `path` (creating it private if missing, its content kept) with read
/// and write access, as every platform's whole-file lock needs: Windows' `LockFileEx` refuses
/// an append-only handle ("Access is denied"). For [`std::fs::File::lock`] and its kin only.
pub fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    o.mode(FILE_MODE);
    let f = o.open(path)?;
    tighten(path)?;
    Ok(f)
}

/// Removes group and other access from `path` (a folder gets 0700, a file 0600) if it has any.
/// A symbolic link is left alone (its target is not ours to change).
pub fn tighten(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let meta = std::fs::symlink_metadata(path)?;
        if meta.file_type().is_symlink() {
            return Ok(());
        }
        let want = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(want))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// [`tighten`]s `dir` and everything below it (not following symbolic links). What cannot be
/// changed is logged and skipped: a stray file must not stop Courier from starting.
pub fn tighten_tree(dir: &Path) {
    if let Err(e) = tighten(dir) {
        tracing::warn!(path = %dir.display(), error = %e, "cannot make private");
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => tighten_tree(&path),
            Ok(t) if t.is_file() => {
                if let Err(e) = tighten(&path) {
                    tracing::warn!(path = %path.display(), error = %e, "cannot make private");
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_new_folder_is_never_one_that_exists_nor_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let fresh = tmp.path().join("fresh");
        create_new_dir(&fresh).unwrap();
        #[cfg(unix)]
        assert_eq!(std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777, DIR_MODE);
        assert_eq!(create_new_dir(&fresh).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
        #[cfg(unix)]
        {
            let (target, link) = (tmp.path().join("target"), tmp.path().join("link"));
            std::fs::create_dir(&target).unwrap();
            std::os::unix::fs::symlink(&target, &link).unwrap();
            assert_eq!(create_new_dir(&link).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
            let dangling = tmp.path().join("dangling");
            std::os::unix::fs::symlink(tmp.path().join("nowhere"), &dangling).unwrap();
            assert_eq!(create_new_dir(&dangling).unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
            assert!(!tmp.path().join("nowhere").exists(), "a dangling link's target is not made");
        }
    }
}
