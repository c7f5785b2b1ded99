//! Queries: what the engine reads from the store.

use rusqlite::{OptionalExtension, params};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::rows::{
    self, CONV_COLS, Conversation, ConversationSummary, MESSAGE_COLS, Message, OUTBOX_COLS, OutboxItem, UnreadableRow,
};
use crate::types::{ArchiveFilter, ConsentState, Cursor, MessagePosition};
use crate::{Store, StoreError};

/// The conversation list's rows (`rows::summary`) with `rest` after them (`?1` = the user's
/// own address).
fn summary_select(rest: &str) -> String {
    format!(
        "SELECT {CONV_COLS}, c.last_message_ns, c.draft,
            (SELECT substr(preview, 1, 200) FROM messages m WHERE m.topic = c.topic ORDER BY sent_ns DESC, id DESC LIMIT 1),
            (SELECT count(*) FROM messages m WHERE m.topic = c.topic AND m.sent_ns > c.last_read_ns AND m.sender != ?1),
            COALESCE((SELECT state FROM consent k WHERE k.address = c.peer), 'unknown'),
            (SELECT name FROM contact_names n WHERE n.address = c.peer),
            c.pinned, c.muted, c.archived, c.marked_unread
         FROM conversations c {rest}"
    )
}

impl Store {
    /// All conversations, oldest first.
    pub fn conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let mut s =
            self.conn.prepare_cached(&format!("SELECT {CONV_COLS} FROM conversations c ORDER BY created_ns"))?;
        let rows = s.query_map([], rows::conversation)?;
        readable(rows, "conversation")
    }

    /// One conversation.
    pub fn conversation(&self, topic: &Topic) -> Result<Option<Conversation>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!("SELECT {CONV_COLS} FROM conversations c WHERE topic = ?1"))?;
        Ok(s.query_row([topic.as_str()], rows::conversation).optional()?)
    }

    /// Conversations with a peer, newest first.
    pub fn conversations_with(&self, peer: &WalletAddress) -> Result<Vec<Conversation>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {CONV_COLS} FROM conversations c WHERE peer = ?1 ORDER BY created_ns DESC"
        ))?;
        let rows = s.query_map([peer.as_str()], rows::conversation)?;
        readable(rows, "conversation")
    }

    /// The conversation list: pinned ones first, then the rest, each most recent activity
    /// first, with unread counts, consent, the peer's local name and the flags; archived ones
    /// as `archive` says.
    pub fn conversation_list(
        &self,
        own: &WalletAddress,
        archive: ArchiveFilter,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        let only = match archive {
            ArchiveFilter::Exclude => "WHERE c.archived = 0",
            ArchiveFilter::Only => "WHERE c.archived = 1",
            ArchiveFilter::Include => "",
        };
        let sql = summary_select(&format!("{only} ORDER BY c.pinned DESC, max(c.last_message_ns, c.created_ns) DESC"));
        let mut s = self.conn.prepare_cached(&sql)?;
        let rows = s.query_map([own.as_str()], rows::summary)?;
        readable(rows, "conversation")
    }

    /// One conversation as the list shows it.
    pub fn conversation_summary(
        &self,
        own: &WalletAddress,
        topic: &Topic,
    ) -> Result<Option<ConversationSummary>, StoreError> {
        let mut s = self.conn.prepare_cached(&summary_select("WHERE c.topic = ?2"))?;
        Ok(s.query_row([own.as_str(), topic.as_str()], rows::summary).optional()?)
    }

    /// Messages of a conversation, oldest first: the `limit` newest before `before` (in
    /// (time, id) order), or the newest of all.
    pub fn messages(
        &self,
        topic: &Topic,
        before: Option<&MessagePosition>,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let mut out: Vec<Message> = match before {
            Some(p) => {
                let mut s = self.conn.prepare_cached(&format!(
                    "SELECT {MESSAGE_COLS} FROM messages WHERE topic = ?1 AND (sent_ns, id) < (?2, ?3)
                     ORDER BY sent_ns DESC, id DESC LIMIT ?4"
                ))?;
                let rows =
                    s.query_map(params![topic.as_str(), rows::i(p.sent_ns), p.id.to_string(), limit], rows::message)?;
                readable(rows, "message")?
            }
            None => {
                let mut s = self.conn.prepare_cached(&format!(
                    "SELECT {MESSAGE_COLS} FROM messages WHERE topic = ?1 ORDER BY sent_ns DESC, id DESC LIMIT ?2"
                ))?;
                let rows = s.query_map(params![topic.as_str(), limit], rows::message)?;
                readable(rows, "message")?
            }
        };
        out.reverse();
        Ok(out)
    }

    /// One message.
    pub fn message(&self, id: &MessageId) -> Result<Option<Message>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!("SELECT {MESSAGE_COLS} FROM messages WHERE id = ?1"))?;
        Ok(s.query_row([id.to_string()], rows::message).optional()?)
    }

    /// The sync cursor of a topic.
    pub fn cursor(&self, topic: &Topic) -> Result<Option<Cursor>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT ts, digest FROM cursors WHERE topic = ?1")?;
        Ok(s.query_row([topic.as_str()], rows::cursor).optional()?)
    }

    /// The whole outbox, oldest first (the queue is FIFO: the caller decides what is due). A
    /// row that does not parse comes back as such, in its place, for the caller to drop.
    pub fn outbox(&self) -> Result<Vec<Result<OutboxItem, UnreadableRow>>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!("SELECT {OUTBOX_COLS} FROM outbox ORDER BY seq"))?;
        let rows = s.query_map([], |r| {
            let seq: i64 = r.get(0)?;
            Ok(rows::outbox_item(r).map_err(|error| UnreadableRow { seq, error }))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of queued publishes.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(rows::u(self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?))
    }

    /// A cached contact bundle: (bytes, fetched at ms).
    pub fn contact(&self, address: &WalletAddress) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT bundle, fetched_ms FROM contacts WHERE address = ?1")?;
        Ok(s.query_row([address.as_str()], |r| Ok((r.get(0)?, rows::u(r.get(1)?)))).optional()?)
    }

    /// A peer's consent state (`Unknown` if never set).
    pub fn consent(&self, address: &WalletAddress) -> Result<ConsentState, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT state FROM consent WHERE address = ?1")?;
        Ok(s.query_row([address.as_str()], |r| r.get(0)).optional()?.unwrap_or(ConsentState::Unknown))
    }
}

/// Collects rows, leaving out (and logging) those whose values do not parse; a failing query is
/// still an error.
fn readable<T>(rows: impl Iterator<Item = rusqlite::Result<T>>, what: &'static str) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for row in rows {
        match row {
            Ok(v) => out.push(v),
            Err(
                e @ (rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)),
            ) => {
                tracing::error!(error = %e, "a stored {what} cannot be read; it is left out");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}
