//! Commands about people and conversation controls: local contact names, conversation flags,
//! and the notification settings (privacy level, keeping archived conversations archived).
//! Names and flags stay on this computer: the XMTP protocol has no place for them (see
//! `courier_engine::people`).

use courier_api::people::{self, Flag};
use courier_api::views::ConversationView;
use tauri::{AppHandle, Runtime, State};

use crate::commands::engine;
use crate::error::CmdResult;
use crate::notice::Privacy;
use crate::state::AppState;
use crate::types::AppStatus;

/// Names a contact on this computer (`null`, or a blank name, takes the name off). Never sent.
/// At most 64 characters once cleaned (`bad_input` otherwise).
#[tauri::command]
pub async fn set_contact_name(state: State<'_, AppState>, address: String, name: Option<String>) -> CmdResult<()> {
    people::set_contact_name(&engine(&state).await?, &address, name.as_deref()).await?;
    Ok(())
}

/// Pins, mutes, archives or marks unread a conversation (or undoes it); returns it as the list
/// shows it. The window title follows (mute and unread change the count).
#[tauri::command]
pub async fn set_conversation_flag<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    topic: String,
    flag: Flag,
    on: bool,
) -> CmdResult<ConversationView> {
    let e = engine(&state).await?;
    let view = people::set_flag(&e, &topic, flag, on).await?;
    crate::notify::show_unread(&app, &e).await;
    Ok(view)
}

/// How much notifications show, kept for the open account.
#[tauri::command]
pub async fn set_notification_privacy(state: State<'_, AppState>, level: Privacy) -> CmdResult<AppStatus> {
    state.change_account_settings(&engine(&state).await?, |s| s.notification_privacy = level).await?;
    Ok(state.status().await)
}

/// Whether archived conversations stay archived when a new message comes, kept for the open
/// account.
#[tauri::command]
pub async fn set_keep_archived(state: State<'_, AppState>, on: bool) -> CmdResult<AppStatus> {
    state.change_account_settings(&engine(&state).await?, |s| s.keep_archived = on).await?;
    Ok(state.status().await)
}
