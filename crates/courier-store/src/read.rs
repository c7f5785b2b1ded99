//! Queries: what the engine reads from the store.

use rusqlite::{OptionalExtension, params};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::rows::{
    self, CONV_COLS, Conversation, ConversationSummary, MESSAGE_COLS, Message, OUTBOX_COLS, OutboxItem, UnreadableRow,
};
use crate::types::{ArchiveFilter, ConsentState, Cursor, MessagePosition};
use crate::{Store, StoreError};

/// The conversation list's rows (`rows::summary`) with `rest` after them. The unread count is
/// the messages after the last-read time less the user's own among them, both counted in
/// indexes (`messages_by_topic`, and `messages_own` of migration 009), never in the rows.
fn summary_select(rest: &str) -> String {
    format!(
        "SELECT {CONV_COLS}, c.last_message_ns, c.draft,
            (SELECT substr(preview, 1, 200) FROM messages m WHERE m.topic = c.topic ORDER BY sent_ns DESC, id DESC LIMIT 1),
            (SELECT count(*) FROM messages m WHERE m.topic = c.topic AND m.sent_ns > c.last_read_ns)
              - (SELECT count(*) FROM messages m WHERE m.topic = c.topic AND m.sent_ns > c.last_read_ns AND m.state != 'received'),
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
    pub fn conversation_list(&self, archive: ArchiveFilter) -> Result<Vec<ConversationSummary>, StoreError> {
        let only = match archive {
            ArchiveFilter::Exclude => "WHERE c.archived = 0",
            ArchiveFilter::Only => "WHERE c.archived = 1",
            ArchiveFilter::Include => "",
        };
        let sql = summary_select(&format!("{only} ORDER BY c.pinned DESC, max(c.last_message_ns, c.created_ns) DESC"));
        let mut s = self.conn.prepare_cached(&sql)?;
        let rows = s.query_map([], rows::summary)?;
        readable(rows, "conversation")
    }

    /// One conversation as the list shows it.
    pub fn conversation_summary(&self, topic: &Topic) -> Result<Option<ConversationSummary>, StoreError> {
        let mut s = self.conn.prepare_cached(&summary_select("WHERE c.topic = ?1"))?;
        Ok(s.query_row([topic.as_str()], rows::summary).optional()?)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The list's unread counts are read from indexes, never from the message rows (which an
    /// encrypted store decrypts page by page): each count's plan is a covering index.
    #[test]
    fn unread_counts_read_indexes_only() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s.db"), &crate::StoreKey::from_bytes(xmtp_crypto::Secret::new([7; 32])))
            .unwrap();
        let plan: Vec<String> = s
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", summary_select("")))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let uses = |index: &str| plan.iter().filter(|l| l.contains(index)).cloned().collect::<Vec<_>>();
        assert_eq!(uses("COVERING INDEX messages_own").len(), 1, "{plan:#?}");
        assert_eq!(uses("COVERING INDEX messages_by_topic").len(), 1, "{plan:#?}");
        // The one read of rows left is the preview: the newest message of each conversation.
        assert_eq!(uses("SEARCH m USING INDEX messages_by_topic").len(), 1, "{plan:#?}");
    }
}
