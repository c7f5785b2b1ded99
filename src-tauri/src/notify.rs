//! Native side effects of engine events: a notification for a new message while the window is
//! not focused, and the unread count on the tray icon.

use courier_engine::{Event, ListFilter};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// Reacts to a batch of engine events: a notification per new message from someone else, then
/// the tray's unread count once.
pub async fn on_events<R: Runtime>(app: &AppHandle<R>, events: &[Event]) {
    let mut ids = events.iter().filter_map(|ev| match ev {
        Event::MessageAdded { id, .. } => Some(id),
        _ => None,
    });
    let Some(first) = ids.next() else { return };
    let state = app.state::<AppState>();
    let Some(engine) = state.engine().await else { return };
    let focused = app.get_webview_window("main").and_then(|w| w.is_focused().ok()).unwrap_or(false);
    let mut incoming = false;
    for id in std::iter::once(first).chain(ids) {
        let Ok(Some(m)) = engine.message(id).await else { continue };
        if m.sender == *engine.address() {
            continue;
        }
        incoming = true;
        if !focused {
            let sender = m.sender.as_str();
            let short = format!("{}…{}", &sender[..6], &sender[sender.len() - 4..]);
            let _ = app.notification().builder().title(format!("Courier — {short}")).body(&m.preview).show();
        }
    }
    if !incoming {
        return;
    }
    if let Ok(convs) = engine.conversations(ListFilter::Allowed).await {
        let unread: u64 = convs.iter().map(|c| c.unread).sum();
        if let Some(tray) = app.tray_by_id("main") {
            let _ = tray.set_tooltip(Some(if unread == 0 {
                "Courier".to_owned()
            } else {
                format!("Courier — {unread} unread")
            }));
            #[cfg(any(target_os = "macos", target_os = "linux"))]
            let _ = tray.set_title(Some(if unread == 0 { String::new() } else { unread.to_string() }));
        }
    }
}
