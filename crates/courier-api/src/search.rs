//! Search: what the user typed, in every conversation, one conversation or every conversation
//! with a peer; hits as [`SearchHit`] views. A snippet is segments of plain text, some marked as
//! matches, never markup: the text is a peer's, and the UI shows it as text.

use courier_engine::{Engine, EngineError};
use serde::Serialize;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::threads::parse_thread;

/// One message found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SearchHit {
    /// The message.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub id: MessageId,
    /// Its conversation.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub topic: Topic,
    /// The conversation's peer.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub peer: WalletAddress,
    /// Who sent it (the peer, or the user).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sender: WalletAddress,
    /// Sent (ns, a decimal string).
    #[serde(with = "decimal")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub sent_ns: u64,
    /// Its text (or file name) around the first match.
    pub snippet: Vec<SnippetPart>,
}

/// A segment of a snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct SnippetPart {
    /// Plain text (control characters shown as spaces).
    pub text: String,
    /// Whether it matches the query.
    pub is_match: bool,
}

impl From<courier_engine::SearchHit> for SearchHit {
    fn from(h: courier_engine::SearchHit) -> Self {
        Self {
            id: h.id,
            topic: h.topic,
            peer: h.peer,
            sender: h.sender,
            sent_ns: h.sent_ns,
            snippet: h.snippet.into_iter().map(|p| SnippetPart { text: p.text, is_match: p.is_match }).collect(),
        }
    }
}

/// Searches for `query` in every conversation, or in `within` (a conversation topic, or a
/// peer's address for all conversations with it); blocked peers only if `include_blocked`;
/// newest first, at most `limit` (at most 200).
pub async fn search(
    engine: &Engine,
    query: &str,
    within: Option<&str>,
    include_blocked: bool,
    limit: u32,
) -> Result<Vec<SearchHit>, EngineError> {
    let scope = within.map(parse_thread).transpose()?;
    let hits = engine.search(query, scope, include_blocked, limit).await?;
    Ok(hits.into_iter().map(SearchHit::from).collect())
}

/// u64 nanosecond times cross as decimal strings (as in [`crate::views`]).
mod decimal {
    pub fn serialize<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }
}
