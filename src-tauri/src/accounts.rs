//! Commands of the account switcher: the accounts on this computer with their unread counts,
//! and switching to another one. Adding an account while one is open is `create_account` or
//! `import_account`, which open the new one; the one open before stays on this computer.
//!
//! Counts of the accounts that are not open are read from their stores, read only, when the
//! list is asked for (the store as that account left it: what came since is counted once it is
//! open again and synced). A store this Courier has not opened since an upgrade counts 0.

use courier_api::accounts;
use courier_api::people::{self, AccountView};
use tauri::State;

use crate::commands::signed_in;
use crate::error::CmdResult;
use crate::state::AppState;
use crate::types::AppStatus;

/// The accounts on this computer, sorted by address; `active` is the open one.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> CmdResult<Vec<AccountView>> {
    let active = state.engine().await;
    Ok(people::accounts(&state.config().await, active.as_ref()).await?)
}

/// Opens another account of this computer (its keys are in the keychain, its data in this
/// profile), then closes the one open: if the other cannot be opened (its keys are gone), the
/// open one stays. The UI subscribes again for the new account's events. Switching to the
/// account already open changes nothing (a second engine on its store would race the first).
#[tauri::command]
pub async fn switch_account(state: State<'_, AppState>, address: String) -> CmdResult<AppStatus> {
    let wanted = courier_engine::error::parse_address(&address)?;
    if state.engine().await.is_some_and(|e| *e.address() == wanted) {
        return Ok(state.status().await);
    }
    let engine = accounts::sign_in(&state.config().await, &address).await?;
    signed_in(&state, engine).await
}
