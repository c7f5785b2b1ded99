//! Searching the messages stored here: in every conversation, in one, or in every conversation
//! with one peer. The query is what the user typed: it is read into bounded words
//! ([`SearchQuery`]) and never reaches SQL as written; a query that has no word, or is too long,
//! is [`EngineError::BadSearch`]. Blocked peers' messages are left out unless asked for.

use courier_store::{SearchHit, SearchQuery};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::queries::Thread;

impl Engine {
    /// The newest messages (at most `limit`, at most [`courier_store::MAX_HITS`]) matching
    /// `query`, in every conversation (`scope` `None`) or in the thread named, each with a
    /// snippet of its text around the first match.
    pub async fn search(
        &self,
        query: &str,
        scope: Option<Thread>,
        include_blocked: bool,
        limit: u32,
    ) -> Result<Vec<SearchHit>, EngineError> {
        let query = SearchQuery::parse(query).map_err(EngineError::BadSearch)?;
        let limit = limit.min(courier_store::MAX_HITS);
        self.with_store(move |s| match scope {
            None => s.search(&query, None, include_blocked, limit),
            Some(Thread::Conversation(topic)) => s.search(&query, Some(&topic), include_blocked, limit),
            Some(Thread::Peer(peer)) => s.search_with_peer(&query, &peer, include_blocked, limit),
        })
        .await
    }
}
