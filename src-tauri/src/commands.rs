//! The IPC commands: each converts its arguments, calls the engine, converts the result.

use courier_engine::{ConversationView, Engine, Event, ListFilter, MessageView, SendOptions, account};
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::state::AppState;
use crate::types::{AddressCheck, AppStatus, ImportArgs, ListTab, MessagesArgs, SendArgs};

async fn engine(state: &AppState) -> CmdResult<Engine> {
    state
        .session
        .lock()
        .await
        .engine
        .clone()
        .ok_or_else(|| CommandError::new(ErrorCode::NoAccount, "no account is open"))
}

/// Where the app stands: account, node, profile.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let s = state.session.lock().await;
    Ok(AppStatus {
        address: s.engine.as_ref().map(|e| e.address().to_string()),
        node_url: s.node_url.clone(),
        embedded_node: s.embedded.is_some(),
        profile: state.profile.clone(),
        keychain: state.keychain.backend().name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        zoom: state.settings().zoom_level(),
    })
}

/// A new account with a new wallet.
#[tauri::command]
pub async fn create_account(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    let url = state.session.lock().await.node_url.clone();
    let engine = account::create(&state.config(&url)).await?;
    state.session.lock().await.engine = Some(engine);
    app_status(state).await
}

/// Sign in with a wallet key or a recovery phrase (restoring from the network backup).
#[tauri::command]
pub async fn import_account(state: State<'_, AppState>, args: ImportArgs) -> CmdResult<AppStatus> {
    let url = state.session.lock().await.node_url.clone();
    let cfg = state.config(&url);
    let engine = match (args.wallet_key.filter(|k| !k.trim().is_empty()), args.phrase.filter(|p| !p.trim().is_empty()))
    {
        (Some(k), None) => account::import_key(&cfg, &k).await?,
        (None, Some(p)) => account::import_phrase(&cfg, &p).await?,
        _ => return Err(CommandError::new(ErrorCode::BadInput, "enter a wallet key or a recovery phrase")),
    };
    state.session.lock().await.engine = Some(engine);
    app_status(state).await
}

/// Conversations of a tab, most recent first.
#[tauri::command]
pub async fn list_conversations(state: State<'_, AppState>, tab: ListTab) -> CmdResult<Vec<ConversationView>> {
    let filter = match tab {
        ListTab::Messages => ListFilter::Allowed,
        ListTab::Requests => ListFilter::Requests,
        ListTab::Blocked => ListFilter::Blocked,
    };
    Ok(engine(&state).await?.conversations(filter).await?)
}

/// A page of a conversation, oldest first.
#[tauri::command]
pub async fn list_messages(state: State<'_, AppState>, args: MessagesArgs) -> CmdResult<Vec<MessageView>> {
    let before = match args.before_ns {
        Some(s) => Some(s.parse().map_err(|_| CommandError::new(ErrorCode::BadInput, "before_ns is not a number"))?),
        None => None,
    };
    Ok(engine(&state).await?.messages(&args.topic, args.limit, before).await?)
}

/// Sends a text (pending at once; the outbox publishes it).
#[tauri::command]
pub async fn send_message(state: State<'_, AppState>, args: SendArgs) -> CmdResult<MessageView> {
    let opts = SendOptions { v1: args.v1, conversation_id: args.conversation_id, ..Default::default() };
    Ok(engine(&state).await?.send_text(&args.peer, &args.text, opts).await?)
}

/// Checks an address as it is typed: its form, then whether it is on the network.
#[tauri::command]
pub async fn check_address(state: State<'_, AppState>, input: String) -> CmdResult<AddressCheck> {
    let addr = match xmtp_crypto::WalletAddress::parse(&input) {
        Ok(a) => a,
        Err(e) => return Ok(AddressCheck { address: None, problem: Some(e.to_string()), on_network: None }),
    };
    let on = engine(&state).await?.can_message(addr.as_str()).await?;
    Ok(AddressCheck { address: Some(addr.to_string()), problem: None, on_network: Some(on) })
}

/// Allows or blocks a peer.
#[tauri::command]
pub async fn set_consent(state: State<'_, AppState>, address: String, allow: bool) -> CmdResult<()> {
    Ok(engine(&state).await?.set_consent(&address, allow).await?)
}

/// Marks a conversation read.
#[tauri::command]
pub async fn mark_read(state: State<'_, AppState>, topic: String) -> CmdResult<()> {
    Ok(engine(&state).await?.mark_read(&topic).await?)
}

/// Saves a draft.
#[tauri::command]
pub async fn set_draft(state: State<'_, AppState>, topic: String, draft: String) -> CmdResult<()> {
    Ok(engine(&state).await?.set_draft(&topic, &draft).await?)
}

/// Retries a failed message.
#[tauri::command]
pub async fn retry_message(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(engine(&state).await?.retry(&id).await?)
}

/// Uses another node (`None`: the local network) and reopens the account on it.
#[tauri::command]
pub async fn set_node_url(state: State<'_, AppState>, url: Option<String>) -> CmdResult<AppStatus> {
    if let Some(u) = &url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(CommandError::new(ErrorCode::BadInput, "the node URL must start with http:// or https://"));
    }
    state.save_settings(&crate::state::Settings { node_url: url, ..state.settings() })?;
    state.start().await?;
    app_status(state).await
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
    let url = state.session.lock().await.node_url.clone();
    let wallet = account::wallet(&state.config(&url), e.address())?;
    let backup = xmtp_crypto::storage::encrypt(e.keys(), &wallet, &mut rand_core::OsRng)
        .map_err(|err| CommandError::new(ErrorCode::Internal, err.to_string()))?;
    Ok(hex::encode(backup))
}

/// Signs out: closes the account and removes its keys and local data from this profile (the
/// identity stays on the network, restorable with the wallet).
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> CmdResult<AppStatus> {
    {
        let mut s = state.session.lock().await;
        if let Some(l) = s.listener.take() {
            l.abort();
        }
        if let Some(e) = s.engine.take() {
            let cfg = state.config(&s.node_url);
            let addr = e.address().clone();
            drop(e);
            state.keychain.delete(addr.as_str(), account::IDENTITY_ITEM).map_err(courier_engine::EngineError::from)?;
            state.keychain.delete(addr.as_str(), account::WALLET_ITEM).map_err(courier_engine::EngineError::from)?;
            let _ = std::fs::remove_dir_all(cfg.account_dir(&addr));
            let _ = std::fs::remove_file(cfg.data_dir.join("default-account"));
        }
    }
    app_status(state).await
}

/// Streams engine events to the UI over a channel and keeps the account live (subscriptions,
/// catch-up, outbox retries) while the app runs.
#[tauri::command]
pub async fn subscribe<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    on_event: Channel<Event>,
) -> CmdResult<()> {
    let e = engine(&state).await?;
    let mut events = e.events();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::{RecvError, TryRecvError};
        loop {
            // One event, then whatever else is already queued (a catch-up sync emits many at
            // once): the native side effects are worked out once per batch.
            let mut batch = match events.recv().await {
                Ok(ev) => vec![ev],
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            };
            loop {
                match events.try_recv() {
                    Ok(ev) => batch.push(ev),
                    Err(TryRecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
            crate::notify::on_events(&app, &batch).await;
            for ev in batch {
                if on_event.send(ev).is_err() {
                    return;
                }
            }
        }
    });
    let mut s = state.session.lock().await;
    if s.listener.as_ref().is_none_or(|l| l.is_finished()) {
        s.listener = Some(tokio::spawn(async move {
            if let Err(err) = e.listen(std::future::pending()).await {
                tracing::error!(error = %err, "live updates stopped");
            }
        }));
    }
    Ok(())
}
