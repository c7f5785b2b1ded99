//! # courier-app
//!
//! Courier's desktop shell: Tauri commands and events over `courier-engine`, nothing else. Each
//! command converts its arguments, calls the engine and converts the result; errors cross as
//! `{code, message}`; live updates go to the UI over a Tauri channel. Keys never reach the web
//! view. On first start the app uses the local network: a node answering at 127.0.0.1:5556, or
//! the embedded node started here.

pub mod commands;
pub mod error;
pub mod notify;
pub mod state;
pub mod types;

use tauri::Manager;

/// Adds every command to a builder (the app's, or `tauri::test::mock_builder()` in tests).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_status,
        commands::create_account,
        commands::import_account,
        commands::list_conversations,
        commands::list_messages,
        commands::send_message,
        commands::check_address,
        commands::set_consent,
        commands::mark_read,
        commands::set_draft,
        commands::retry_message,
        commands::set_node_url,
        commands::export_backup,
        commands::sign_out,
        commands::subscribe,
    ])
}

/// Runs the app.
pub fn run() -> Result<(), String> {
    let state = state::AppState::open()?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    tauri::async_runtime::set(runtime.handle().clone());
    runtime.block_on(state.start()).map_err(|e| e.message)?;
    with_commands(tauri::Builder::<tauri::Wry>::new())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(|app| {
            let icon = app.default_window_icon().cloned();
            let mut tray = tauri::tray::TrayIconBuilder::with_id("main").tooltip("Courier");
            if let Some(icon) = icon {
                tray = tray.icon(icon);
            }
            // The tray is a convenience: a desktop without one (no status notifier) still runs.
            if let Err(e) = tray.build(app) {
                tracing::info!(error = %e, "no tray icon");
            }
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title("Courier");
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .map_err(|e| e.to_string())
}
