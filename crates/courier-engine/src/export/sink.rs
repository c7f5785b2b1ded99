//! Where an export is written: its file (aside, as `.<name>.<pid>-<n>.partial`, locked, until
//! whole; what an export that never finished left is removed, [`remove_unfinished`]) and its
//! attachments' folder. The folder is made new by this export — never an existing folder,
//! never through a symbolic link: if `<stem>-attachments` is taken, `<stem>-attachments-2`,
//! `-3`, … — and every file in it is created new. What was made is remembered
//! ([`Created`]), so a failed export removes exactly that and nothing else.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use courier_store::private;

use super::ExportFormat;
use super::html;
use super::names::Names;
use super::record::{ConversationRecord, Header, MessageRecord};
use crate::error::{EngineError, Internal};

/// Folder names tried before giving up (`-attachments`, `-attachments-2`, …).
const MAX_DIR_TRIES: u32 = 1000;

/// What an export has made on disk: its attachments' folder and the files in it.
#[derive(Debug, Default)]
pub struct Created {
    /// The folder, once made.
    pub dir: Option<PathBuf>,
    /// The files made in it, in order.
    pub files: Vec<PathBuf>,
}

impl Created {
    /// Removes what was made: the files, then the folder if it is empty (anything else put
    /// there is not the export's). Best effort: what cannot be removed stays.
    pub fn remove(&self) {
        for f in self.files.iter().rev() {
            if let Err(e) = std::fs::remove_file(f) {
                tracing::warn!(path = %f.display(), error = %e, "cannot remove a failed export's file");
            }
        }
        if let Some(d) = &self.dir
            && let Err(e) = std::fs::remove_dir(d)
        {
            tracing::warn!(path = %d.display(), error = %e, "cannot remove a failed export's folder");
        }
    }
}

/// Shared between the sink (moved from thread to thread) and the export, which cleans up.
pub type Made = Arc<Mutex<Created>>;

/// Locks `made`, whatever a panicking writer left (the list is only ever appended to).
pub fn lock(made: &Made) -> std::sync::MutexGuard<'_, Created> {
    made.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The file being written and the attachments' folder.
pub struct Sink {
    pub w: BufWriter<std::fs::File>,
    pub format: ExportFormat,
    /// Beside the export file: the folder is `<parent>/<base>`, `<parent>/<base>-2`, …
    pub parent: PathBuf,
    pub base: String,
    /// The folder's name, once made.
    pub dir_name: Option<String>,
    pub names: Names,
    pub made: Made,
}

impl Sink {
    pub fn new(file: std::fs::File, format: ExportFormat, out: &Path, base: String, made: Made) -> Self {
        let parent = out.parent().map(Path::to_path_buf).unwrap_or_default();
        Self { w: BufWriter::new(file), format, parent, base, dir_name: None, names: Names::default(), made }
    }

    fn record(&mut self, r: &impl serde::Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.w, r)?;
        self.w.write_all(b"\n")
    }

    pub fn header(&mut self, h: &Header) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Jsonl => self.record(h),
            ExportFormat::Html => html::header(&mut self.w, h),
        }
    }

    pub fn conversation(&mut self, c: &ConversationRecord) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Jsonl => self.record(c),
            ExportFormat::Html => html::conversation(&mut self.w, c),
        }
    }

    pub fn end_conversation(&mut self) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Jsonl => Ok(()),
            ExportFormat::Html => html::end_conversation(&mut self.w),
        }
    }

    pub fn message(&mut self, m: &MessageRecord) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Jsonl => self.record(m),
            ExportFormat::Html => html::message(&mut self.w, m),
        }
    }

    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.format == ExportFormat::Html {
            html::footer(&mut self.w)?;
        }
        self.w.flush()?;
        self.w.get_ref().sync_all()
    }

    /// The attachments' folder's name, made new on first use.
    fn dir(&mut self) -> std::io::Result<String> {
        if let Some(name) = &self.dir_name {
            return Ok(name.clone());
        }
        for n in 1..=MAX_DIR_TRIES {
            let name = if n == 1 { self.base.clone() } else { format!("{}-{n}", self.base) };
            let path = self.parent.join(&name);
            match private::create_new_dir(&path) {
                Ok(()) => {
                    lock(&self.made).dir = Some(path);
                    self.dir_name = Some(name.clone());
                    return Ok(name);
                }
                // Someone else's folder, file or link: never used, next name.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{MAX_DIR_TRIES} folders named {}… exist already", self.base),
        ))
    }

    /// Saves one attachment under a new, safe, unique name; returns its path relative to the
    /// export file.
    pub fn attachment(&mut self, name: &str, data: &[u8]) -> std::io::Result<String> {
        let dir_name = self.dir()?;
        let dir = self.parent.join(&dir_name);
        loop {
            let file_name = self.names.unique(name);
            let path = dir.join(&file_name);
            match private::create_new(&path) {
                Ok(mut f) => {
                    lock(&self.made).files.push(path);
                    f.write_all(data)?;
                    return Ok(format!("{dir_name}/{file_name}"));
                }
                // Never replaced (the folder is new, but still), next name.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// Removes what exports to `out` (file name `name`) that never finished left beside it
/// (`.<name>.partial`, `.<name>.<pid>-<n>.partial`: the history, unencrypted): each file no
/// export holds locked any more. A file another export is writing (locked), a link, or
/// anything that cannot be opened is left alone. Best effort.
pub fn remove_unfinished(out: &Path, name: &str) {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if !file_name.starts_with(&prefix) || !file_name.ends_with(".partial") {
            continue;
        }
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Ok(f) = std::fs::OpenOptions::new().read(true).write(true).open(&path) else { continue };
        if f.try_lock().is_ok() {
            drop(f);
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::info!(path = %path.display(), "removed an unfinished export's file"),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "cannot remove an unfinished export's file")
                }
            }
        }
    }
}

/// Runs `f` on the sink in a blocking thread and gives the sink back.
pub async fn blocking(
    sink: Sink,
    f: impl FnOnce(&mut Sink) -> std::io::Result<()> + Send + 'static,
) -> Result<Sink, EngineError> {
    tokio::task::spawn_blocking(move || {
        let mut sink = sink;
        f(&mut sink).map(|()| sink)
    })
    .await
    .map_err(Internal::from)?
    .map_err(|e| EngineError::io("writing the export", e))
}
