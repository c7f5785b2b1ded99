//! The IPC commands: each converts its arguments, calls `courier-api`, converts the result.

use courier_api::accounts::{self, ImportSecret};
use courier_api::threads;
use courier_api::views::{AddressCheck, ConversationView, Event, MessageView};
use courier_engine::{Engine, ListFilter, SendOptions};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::state::AppState;
use crate::types::{AppStatus, ImportArgs, ListTab, MessagesArgs, SendArgs};

pub(crate) async fn engine(state: &AppState) -> CmdResult<Engine> {
    state.engine().await.ok_or_else(|| CommandError::new(ErrorCode::NoAccount, "no account is open"))
}

/// Where the app stands: account, node, profile.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    Ok(state.status().await)
}

/// Starts again after the user fixed a problem (unlocked the keychain, updated Courier).
#[tauri::command]
pub async fn retry_start(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    state.start().await;
    Ok(state.status().await)
}

/// The start problem was `store_unreadable` and the user chose a fresh store: the unreadable
/// one is set aside beside it (never deleted), and Courier starts again; the history comes
/// back from the network. The UI asks first. Refused (`bad_input`, nothing changed) unless
/// the start problem is `store_unreadable`: a working account's store is never set aside.
#[tauri::command]
pub async fn recover_store(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    if state.status().await.problem.map(|p| p.code) != Some(ErrorCode::StoreUnreadable) {
        return Err(CommandError::new(
            ErrorCode::BadInput,
            "Courier's store is not unreadable: nothing to recover, nothing was changed",
        ));
    }
    if let Some(e) = state.set_engine(None).await {
        e.close();
    }
    accounts::recover_store(&state.config().await, None)?;
    state.start().await;
    Ok(state.status().await)
}

/// A new account, made from a new recovery phrase (the UI shows it next: `recovery_phrase`).
#[tauri::command]
pub async fn create_account(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let created = accounts::create(&state.config().await).await?;
    signed_in(&state, created.engine).await
}

/// The open account's recovery phrase, to show to the user who asked for it.
#[tauri::command]
pub async fn recovery_phrase(state: State<'_, AppState>) -> CmdResult<String> {
    let e = engine(&state).await?;
    Ok(accounts::phrase(&state.config().await, &e)?.expose().clone())
}

/// The user picked the phrase's words back: stop reminding them.
#[tauri::command]
pub async fn confirm_phrase(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let e = engine(&state).await?;
    accounts::confirm_phrase(&state.config().await, &e)?;
    Ok(state.status().await)
}

/// The open account's wallet private key (hex), for another wallet app; the UI asks first.
#[tauri::command]
pub async fn export_wallet_key(state: State<'_, AppState>) -> CmdResult<String> {
    let e = engine(&state).await?;
    Ok(accounts::export_key(&state.config().await, &e)?.expose().clone())
}

/// Makes `engine` the open account (the one open before is closed).
pub(crate) async fn signed_in(state: &AppState, engine: Engine) -> CmdResult<AppStatus> {
    if let Some(old) = state.set_engine(Some(engine)).await {
        old.close();
    }
    state.clear_problem().await;
    state.keep_private();
    Ok(state.status().await)
}

/// Signs in to an account whose keys and data are on this computer.
#[tauri::command]
pub async fn sign_in(state: State<'_, AppState>, address: String) -> CmdResult<AppStatus> {
    let engine = accounts::sign_in(&state.config().await, &address).await?;
    signed_in(&state, engine).await
}

/// Sign in with a wallet key or a recovery phrase (restoring from the network backup).
#[tauri::command]
pub async fn import_account(state: State<'_, AppState>, args: ImportArgs) -> CmdResult<AppStatus> {
    let secret = ImportSecret::from_fields(args.wallet_key, args.phrase)
        .ok_or_else(|| CommandError::new(ErrorCode::BadInput, "enter a wallet key or a recovery phrase"))?;
    let engine = accounts::import(&state.config().await, &secret).await?;
    signed_in(&state, engine).await
}

/// Conversations of a tab, most recent first.
#[tauri::command]
pub async fn list_conversations(state: State<'_, AppState>, tab: ListTab) -> CmdResult<Vec<ConversationView>> {
    let filter = match tab {
        ListTab::Messages => ListFilter::Allowed,
        ListTab::Requests => ListFilter::Requests,
        ListTab::Blocked => ListFilter::Blocked,
        ListTab::Archived => ListFilter::Archived,
    };
    Ok(threads::conversations(&engine(&state).await?, filter).await?)
}

/// A page of a conversation, oldest first.
#[tauri::command]
pub async fn list_messages(state: State<'_, AppState>, args: MessagesArgs) -> CmdResult<Vec<MessageView>> {
    let e = engine(&state).await?;
    Ok(threads::messages(&e, &args.topic, args.limit, args.before_id.as_deref()).await?)
}

/// Sends a text (pending at once; the outbox publishes it), as a reply when `reply_to` is set.
#[tauri::command]
pub async fn send_message(state: State<'_, AppState>, args: SendArgs) -> CmdResult<MessageView> {
    let e = engine(&state).await?;
    if let Some(target) = &args.reply_to {
        return Ok(courier_api::rich::reply(&e, &args.peer, target, &args.text).await?);
    }
    let opts = SendOptions { v1: args.v1, conversation_id: args.conversation_id, ..Default::default() };
    Ok(threads::send_text(&e, &args.peer, &args.text, opts).await?)
}

/// Checks an address as it is typed: its form, then whether it is on the network.
#[tauri::command]
pub async fn check_address(state: State<'_, AppState>, input: String) -> CmdResult<AddressCheck> {
    Ok(threads::check_address(&engine(&state).await?, &input).await?)
}

/// Allows or blocks a peer; the window title and tray count follow (a blocked peer's unread
/// no longer counts).
#[tauri::command]
pub async fn set_consent<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    address: String,
    allow: bool,
) -> CmdResult<()> {
    let e = engine(&state).await?;
    threads::set_consent(&e, &address, allow).await?;
    crate::notify::show_unread(&app, &e).await;
    Ok(())
}

/// Marks a conversation read (and no longer marked unread); the window title follows.
#[tauri::command]
pub async fn mark_read<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>, topic: String) -> CmdResult<()> {
    let e = engine(&state).await?;
    threads::mark_read(&e, &topic).await?;
    crate::notify::show_unread(&app, &e).await;
    Ok(())
}

/// Saves a draft.
#[tauri::command]
pub async fn set_draft(state: State<'_, AppState>, topic: String, draft: String) -> CmdResult<()> {
    Ok(threads::set_draft(&engine(&state).await?, &topic, &draft).await?)
}

/// Retries a failed message.
#[tauri::command]
pub async fn retry_message(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(threads::retry(&engine(&state).await?, &id).await?)
}

/// Uses another node (`None`: the local network). The open account stays open and live.
#[tauri::command]
pub async fn set_node_url(state: State<'_, AppState>, url: Option<String>) -> CmdResult<AppStatus> {
    let url = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(u) = &url {
        courier_engine::client::check_url(u).map_err(|e| CommandError::new(ErrorCode::BadInput, e.to_string()))?;
    }
    state.save_settings(&crate::state::Settings { node_url: url, ..state.settings() })?;
    if state.status().await.problem.is_some() {
        state.start().await;
    } else {
        state.switch_node().await?;
    }
    Ok(state.status().await)
}

/// Turns the embedded node's HTTP gateway on or off (kept for the profile); the embedded node
/// restarts with it. The open account stays open and live.
#[tauri::command]
pub async fn set_http_gateway(state: State<'_, AppState>, enabled: bool) -> CmdResult<AppStatus> {
    state.save_settings(&crate::state::Settings { http_gateway: enabled, ..state.settings() })?;
    if state.status().await.problem.is_some() {
        state.start().await;
    } else {
        state.switch_node().await?;
    }
    Ok(state.status().await)
}

/// Zooms the page to `zoom` (1 = 100%, within 50–300%) and keeps it for the profile.
#[tauri::command]
pub async fn set_zoom<R: Runtime>(webview: tauri::Webview<R>, state: State<'_, AppState>, zoom: f64) -> CmdResult<f64> {
    if !crate::state::ZOOM_RANGE.contains(&zoom) {
        return Err(CommandError::new(ErrorCode::BadInput, "the zoom must be between 50% and 300%"));
    }
    webview.set_zoom(zoom).map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?;
    state.save_settings(&crate::state::Settings { zoom: (zoom != 1.0).then_some(zoom), ..state.settings() })?;
    Ok(zoom)
}

/// The encrypted key backup (hex), openable only with the wallet.
#[tauri::command]
pub async fn export_backup(state: State<'_, AppState>) -> CmdResult<String> {
    let e = engine(&state).await?;
    Ok(accounts::export_backup(&state.config().await, &e)?)
}

/// Signs out: closes the account on this computer and keeps its keys and data.
#[tauri::command]
pub async fn sign_out<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<AppStatus> {
    if let Some(e) = state.set_engine(None).await {
        crate::notify::show_count(&app, 0);
        accounts::sign_out(&state.config().await, e)?;
    }
    Ok(state.status().await)
}

/// Removes an account from this computer: its keys in the keychain and its local data. The UI
/// asks first; the identity stays on the network, restorable with the phrase or key.
#[tauri::command]
pub async fn remove_account<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    address: String,
) -> CmdResult<AppStatus> {
    let address = courier_engine::error::parse_address(&address)?;
    if let Some(e) = state.engine().await
        && *e.address() == address
    {
        state.set_engine(None).await;
        e.close();
        crate::notify::show_count(&app, 0);
    }
    accounts::remove(&state.config().await, address.as_str())?;
    Ok(state.status().await)
}

/// Streams engine events to the UI over a channel and keeps the account live (subscription,
/// catch-up, outbox) while the app runs. A new subscription, or another account, ends the one
/// before.
#[tauri::command]
pub async fn subscribe<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    on_event: Channel<Event>,
) -> CmdResult<()> {
    let e = engine(&state).await?;
    let mut events = e.events();
    crate::notify::show_unread(&app, &e).await;
    let feed = crate::notify::spawn(app, e.clone());
    let channel = on_event.clone();
    let task = tauri::async_runtime::spawn(async move {
        while let Some(ev) = events.recv().await {
            // New messages and added reactions also go to the notifier, which gathers a burst
            // into one notice.
            if let Some(fresh) = crate::notify::Fresh::of(&ev) {
                let _ = feed.send(fresh);
            }
            if on_event.send(Event::from(ev)).is_err() {
                return;
            }
        }
    });
    crate::notify::subscribed(&state, task, channel);
    e.go_live();
    Ok(())
}
