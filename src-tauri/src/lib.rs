//! # courier-app
//!
//! Courier's desktop shell: Tauri commands and events over `courier-api`, nothing else. Each
//! command converts its arguments, calls the shared layer and converts the result; errors cross as
//! `{code, message}`; live updates go to the UI over a Tauri channel. Keys never reach the web
//! view. On first start the app uses the local network: a node at 127.0.0.1:5556 that proves
//! this user's Courier started it (`local`), or the embedded node started here.

pub mod account_settings;
pub mod accounts;
pub mod commands;
pub mod error;
pub mod export;
pub mod instance;
pub mod local;
pub mod notice;
pub mod notify;
pub mod notify_click;
pub mod people;
pub use courier_engine::private;
pub mod render;
pub mod rich;
pub mod search;
pub mod session;
pub mod state;
pub mod texts;
pub mod types;

use tauri::Manager;

/// Adds every command to a builder (the app's, or `tauri::test::mock_builder()` in tests).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::app_status,
        commands::retry_start,
        commands::recover_store,
        commands::create_account,
        commands::recovery_phrase,
        commands::confirm_phrase,
        commands::export_wallet_key,
        commands::sign_in,
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
        commands::set_http_gateway,
        commands::set_zoom,
        commands::export_backup,
        commands::sign_out,
        commands::remove_account,
        commands::subscribe,
        rich::react,
        rich::send_attachment,
        rich::send_files,
        rich::attachment_bytes,
        rich::save_attachment,
        export::export_history,
        rich::open_link,
        rich::messages_around,
        rich::set_read_receipts,
        rich::send_read_receipt,
        people::set_contact_name,
        people::set_conversation_flag,
        people::set_notification_privacy,
        people::set_keep_archived,
        accounts::list_accounts,
        accounts::switch_account,
        texts::set_language,
        search::search,
    ])
}

/// Runs the app.
pub fn run() -> Result<(), String> {
    let state = match state::AppState::open() {
        Ok(s) => s,
        // A second start of a running profile brings the running window forward instead.
        Err(state::OpenError::AlreadyRunning { profile, dir }) => {
            return match instance::signal(&dir) {
                Ok(()) => {
                    eprintln!("Courier is already running with profile {profile:?}: showed its window");
                    Ok(())
                }
                Err(e) => Err(format!("Courier is already running with profile {profile:?}, but {e}")),
            };
        }
        Err(e) => return Err(e.to_string()),
    };
    let window_state_file = state.dir.join("window-state.json");
    let written_on_exit = window_state_file.clone();
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    tauri::async_runtime::set(runtime.handle().clone());
    runtime.block_on(state.start());
    with_commands(tauri::Builder::<tauri::Wry>::new())
        // Window size and place are kept per profile, in its folder (an absolute file name
        // replaces the plugin's config folder), so two profiles' windows each keep their own.
        .plugin(
            tauri_plugin_window_state::Builder::default().with_filename(window_state_file.to_string_lossy()).build(),
        )
        .plugin(tauri_plugin_notification::init())
        // Used from Rust only (the Save dialog, opening a checked link): the web view is given
        // no permission of either plugin.
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        // Focusing the window follows the last notification (for servers that report no click;
        // a reported click is followed by `notify_click`).
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Focused(true) = event {
                notify::on_focus(&window.state::<state::AppState>());
            }
        })
        .setup(|app| {
            notify_click::follow_clicks(app.handle());
            let icon = app.default_window_icon().cloned();
            // Linux trays show only a menu (no click events); elsewhere a left click also shows.
            // In English until the UI says its language (`texts::set_language`).
            let menu = texts::tray_menu(app, texts::Language::En)?;
            let mut tray = tauri::tray::TrayIconBuilder::with_id("main")
                .tooltip("Courier")
                .menu(&menu)
                .show_menu_on_left_click(false)
                .on_menu_event(|app, event| match event.id().as_ref() {
                    "show" => show_main_window(app),
                    "quit" => app.exit(0),
                    _ => {}
                })
                .on_tray_icon_event(|tray, event| {
                    use tauri::tray::{MouseButton, MouseButtonState, TrayIconEvent};
                    if let TrayIconEvent::Click {
                        button: MouseButton::Left, button_state: MouseButtonState::Up, ..
                    } = event
                    {
                        show_main_window(tray.app_handle());
                    }
                });
            if let Some(icon) = icon {
                tray = tray.icon(icon);
            }
            // The tray is a convenience: a desktop without one (no status notifier) still runs.
            if let Err(e) = tray.build(app) {
                tracing::info!(error = %e, "no tray icon");
            }
            let state = app.state::<state::AppState>();
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.set_title("Courier");
                render::configure(&w);
                let zoom = state.settings().zoom_level();
                if zoom != 1.0 {
                    let _ = w.set_zoom(zoom);
                }
            }
            let handle = app.handle().clone();
            instance::serve(&state.dir, move || show_main_window(&handle))?;
            exit_on_signal(app.handle().clone());
            recheck_adopted_node(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .map_err(|e| e.to_string())?
        .run(move |_, event| {
            // The window-state plugin saves on Exit, before this runs: keep the file private.
            if let tauri::RunEvent::Exit = event
                && let Err(e) = crate::private::tighten(&written_on_exit)
            {
                tracing::warn!(error = %e, "cannot make the window state private");
            }
        });
    Ok(())
}

/// Brings the main window forward (a second start of the profile, a tray click).
pub(crate) fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// How often an adopted node is asked to prove itself again apart from the engine's calls.
const RECHECK: std::time::Duration = std::time::Duration::from_secs(5);

/// Every [`RECHECK`], while the node in use is one another window started: if it no longer
/// proves itself, the app chooses its node again (see `AppState::recheck_node`).
fn recheck_adopted_node<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(RECHECK).await;
            app.state::<state::AppState>().recheck_node().await;
        }
    });
}

/// SIGTERM (a logout, `kill`) and SIGINT end the app through Tauri's own exit, as Quit does: the
/// window state is saved and the embedded node stops, instead of the process just dying.
fn exit_on_signal<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        tracing::info!("signal received: exiting");
        app.exit(0);
    });
}
