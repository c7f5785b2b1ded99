//! The search command: what the user typed, in every conversation or in the open one, through
//! `courier_api::search`. The query is bounded here before anything else reads it; the engine
//! reads it into quoted words (it never reaches SQL as typed).

use courier_api::search::{self, SearchHit};
use tauri::State;

use crate::commands::engine;
use crate::error::{CmdResult, CommandError, ErrorCode};
use crate::state::AppState;

/// The longest query the page may send (bytes); the engine's own bound is lower.
const QUERY_MAX: usize = 4096;

/// Messages matching `query`, newest first: in `topic` if given, else everywhere; blocked
/// peers only if `include_blocked`; at most `limit` (at most 200).
#[tauri::command]
pub async fn search(
    state: State<'_, AppState>,
    query: String,
    topic: Option<String>,
    include_blocked: bool,
    limit: u32,
) -> CmdResult<Vec<SearchHit>> {
    if query.len() > QUERY_MAX {
        return Err(CommandError::new(ErrorCode::BadInput, "the search is too long"));
    }
    Ok(search::search(&engine(&state).await?, &query, topic.as_deref(), include_blocked, limit).await?)
}
