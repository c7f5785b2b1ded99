//! Settings → Export history: the native Save dialog, then the engine's export (through
//! `courier-api`). The UI has asked the user first, saying the export is not encrypted.

use courier_api::export;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::commands::engine;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::state::AppState;

/// Exports the open account's history where the user says (`format`: `html` or `jsonl`); its
/// attachments go to a new folder beside the file, `<name>-attachments/` (or `-2`, `-3`… if
/// taken). The path written, or `None` if the dialog was cancelled.
#[tauri::command]
pub async fn export_history<R: Runtime>(
    app: AppHandle<R>,
    window: tauri::Window<R>,
    state: State<'_, AppState>,
    format: String,
) -> CmdResult<Option<String>> {
    let e = engine(&state).await?;
    let kind = export::format(&format)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_parent(&window).set_file_name(format!("courier-history.{format}")).save_file(move |p| {
        let _ = tx.send(p);
    });
    let Some(chosen) = rx.await.ok().flatten() else { return Ok(None) };
    let path = chosen
        .into_path()
        .map_err(|err| CommandError::new(ErrorCode::BadInput, format!("cannot export there: {err}")))?;
    let report = export::export(&e, &path, kind).await?;
    Ok(Some(report.file.display().to_string()))
}
