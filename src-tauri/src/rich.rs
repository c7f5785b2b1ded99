//! The IPC commands of rich conversations: reactions, files, links, jumping to a message and
//! read receipts. Each converts its arguments, calls `courier_api::rich` and converts the
//! result; what comes from the page or the disk is bounded before it is used.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use courier_api::rich::{self, FileInput};
use courier_api::views::MessageView;
use courier_engine::transfer::MAX_FILE_BYTES;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

use crate::commands::engine;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::state::AppState;
use crate::types::{AppStatus, SendAttachmentArgs, SendFilesArgs};

/// The most files one drop sends.
pub const FILES_MAX: usize = 100;
/// The longest link opened (characters).
pub const LINK_MAX: usize = 8192;

fn bad(message: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::BadInput, message)
}

fn too_large() -> CommandError {
    CommandError::new(ErrorCode::AttachmentTransfer, format!("the file is larger than {MAX_FILE_BYTES} bytes"))
}

/// Adds (or with `remove`, takes back) this account's reaction to a message; returns the
/// message, updated.
#[tauri::command]
pub async fn react(state: State<'_, AppState>, id: String, emoji: String, remove: bool) -> CmdResult<MessageView> {
    let e = engine(&state).await?;
    let target = courier_api::threads::message(&e, &id).await?;
    Ok(rich::react(&e, target.topic.as_str(), &id, &emoji, remove).await?)
}

/// Sends a file the page holds (a paste): inline when small, else through the node's store.
#[tauri::command]
pub async fn send_attachment(state: State<'_, AppState>, args: SendAttachmentArgs) -> CmdResult<MessageView> {
    // Also refused while the arguments were read (`types::BoundedBytes`); kept here as the rule.
    if args.data.0.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let e = engine(&state).await?;
    let file = FileInput { filename: args.filename, mime_type: args.mime_type, data: args.data.0 };
    Ok(rich::send_file(&e, &args.topic, file, args.reply_to.as_deref(), false).await?)
}

/// Sends files by path (a drop on the window), one message each, in order. Every path is
/// checked first (a regular file within the size cap), so a bad one sends nothing.
#[tauri::command]
pub async fn send_files(state: State<'_, AppState>, args: SendFilesArgs) -> CmdResult<Vec<MessageView>> {
    if args.paths.len() > FILES_MAX {
        return Err(bad(format!("at most {FILES_MAX} files at once")));
    }
    let e = engine(&state).await?;
    let paths: Vec<PathBuf> = args.paths.iter().map(PathBuf::from).collect();
    for p in &paths {
        check_file(&std::fs::metadata(p).map_err(|err| io_error(p, &err))?, p)?;
    }
    let mut sent = Vec::with_capacity(paths.len());
    for p in paths {
        let file = tokio::task::spawn_blocking(move || read_file(&p))
            .await
            .map_err(|err| CommandError::new(ErrorCode::Internal, err.to_string()))??;
        sent.push(rich::send_file(&e, &args.topic, file, None, false).await?);
    }
    Ok(sent)
}

/// A regular file (not a folder, a pipe or a device) within the size cap.
fn check_file(meta: &std::fs::Metadata, path: &Path) -> CmdResult<()> {
    if !meta.is_file() {
        return Err(bad(format!("{} is not a regular file", path.display())));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(())
}

fn io_error(path: &Path, err: &std::io::Error) -> CommandError {
    bad(format!("cannot read {}: {err}", path.display()))
}

/// Reads a file to send: checked again once open (it may have changed since), and never more
/// than the cap is read.
pub fn read_file(path: &Path) -> CmdResult<FileInput> {
    let file = std::fs::File::open(path).map_err(|err| io_error(path, &err))?;
    check_file(&file.metadata().map_err(|err| io_error(path, &err))?, path)?;
    let mut data = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut data).map_err(|err| io_error(path, &err))?;
    if data.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let filename = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(FileInput { filename, mime_type: String::new(), data })
}

/// An attachment's bytes, raw. The UI asks on a user's click, or by itself only in allowed
/// conversations; the engine refuses blocked peers whatever is asked.
#[tauri::command]
pub async fn attachment_bytes(state: State<'_, AppState>, id: String) -> CmdResult<tauri::ipc::Response> {
    let file = rich::attachment(&engine(&state).await?, &id, true).await?;
    Ok(tauri::ipc::Response::new(file.data))
}

/// Saves an attachment where the user says (the native Save dialog, its cleaned file name
/// offered); the path written, or `None` if the dialog was cancelled.
#[tauri::command]
pub async fn save_attachment<R: Runtime>(
    app: AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    id: String,
) -> CmdResult<Option<String>> {
    let file = rich::attachment(&engine(&state).await?, &id, true).await?;
    let name = if file.filename.trim().is_empty() { "attachment".to_owned() } else { file.filename.clone() };
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_parent(&window).set_file_name(name).save_file(move |p| {
        let _ = tx.send(p);
    });
    let Some(chosen) = rx.await.ok().flatten() else { return Ok(None) };
    let path = chosen.into_path().map_err(|err| bad(format!("cannot save there: {err}")))?;
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || std::fs::write(&path, &file.data))
        .await
        .map_err(|err| CommandError::new(ErrorCode::Internal, err.to_string()))?
        .map_err(|err| CommandError::new(ErrorCode::Internal, format!("cannot write {shown}: {err}")))?;
    Ok(Some(shown))
}

/// The link to open, if it is one Courier opens: http, https or mailto, within [`LINK_MAX`].
pub fn link_to_open(input: &str) -> CmdResult<url::Url> {
    if input.len() > LINK_MAX {
        return Err(bad("the link is too long"));
    }
    let url = url::Url::parse(input.trim()).map_err(|err| bad(format!("not a link: {err}")))?;
    match url.scheme() {
        "http" | "https" | "mailto" => Ok(url),
        other => Err(bad(format!("links of the kind {other:?} are not opened"))),
    }
}

/// Opens an http, https or mailto link in the system's browser or mail app.
#[tauri::command]
pub async fn open_link<R: Runtime>(app: AppHandle<R>, url: String) -> CmdResult<()> {
    let url = link_to_open(&url)?;
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|err| CommandError::new(ErrorCode::Internal, format!("cannot open the link: {err}")))
}

/// A page of up to `limit` messages centred on the message `id` (to jump to a quoted one).
#[tauri::command]
pub async fn messages_around(
    state: State<'_, AppState>,
    topic: String,
    id: String,
    limit: u32,
) -> CmdResult<Vec<MessageView>> {
    Ok(rich::messages_around(&engine(&state).await?, &topic, &id, limit).await?)
}

/// Turns sending read receipts on or off (kept for the open account).
#[tauri::command]
pub async fn set_read_receipts(state: State<'_, AppState>, enabled: bool) -> CmdResult<AppStatus> {
    state.change_account_settings(&engine(&state).await?, |s| s.read_receipts = enabled).await?;
    Ok(state.status().await)
}

/// The user has seen the newest messages of a conversation: tells the peer, if the setting
/// allows and there is something new to acknowledge.
#[tauri::command]
pub async fn send_read_receipt(state: State<'_, AppState>, topic: String) -> CmdResult<()> {
    let e = engine(&state).await?;
    if !state.account_settings(&e).await.read_receipts {
        return Ok(());
    }
    rich::send_read_receipt(&e, &topic).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_web_and_mail_links_open() {
        for ok in ["https://example.org/a?b#c", "http://127.0.0.1:8080/", "mailto:someone@example.org"] {
            assert_eq!(link_to_open(ok).unwrap().as_str(), ok);
        }
        for refused in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "smb://host/share",
            "ftp://example.org/",
            "tauri://localhost/",
            "/etc/passwd",
            "example.org",
            "",
        ] {
            assert_eq!(link_to_open(refused).unwrap_err().code, ErrorCode::BadInput, "{refused}");
        }
        let long = format!("https://example.org/{}", "a".repeat(LINK_MAX));
        assert_eq!(link_to_open(&long).unwrap_err().code, ErrorCode::BadInput);
    }

    #[test]
    fn only_regular_files_within_the_cap_are_read() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_file(dir.path()).unwrap_err().code, ErrorCode::BadInput, "a folder");
        let big = dir.path().join("big.bin");
        std::fs::File::create(&big).unwrap().set_len(MAX_FILE_BYTES + 1).unwrap();
        assert_eq!(read_file(&big).unwrap_err().code, ErrorCode::AttachmentTransfer, "over the cap (sparse)");
        let small = dir.path().join("note.txt");
        std::fs::write(&small, b"hello").unwrap();
        let f = read_file(&small).unwrap();
        assert_eq!((f.filename.as_str(), f.data.as_slice()), ("note.txt", &b"hello"[..]));
        assert_eq!(read_file(&dir.path().join("missing")).unwrap_err().code, ErrorCode::BadInput);
        #[cfg(unix)]
        {
            // A pipe is refused from its metadata, before an open that would wait for a writer.
            let fifo = dir.path().join("pipe");
            assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
            let meta = std::fs::metadata(&fifo).unwrap();
            assert_eq!(check_file(&meta, &fifo).unwrap_err().code, ErrorCode::BadInput);
        }
    }
}
