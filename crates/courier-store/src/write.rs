//! Writes, inside one transaction ([`crate::Store::write`]).

use rusqlite::{Transaction, params};
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::StoreError;
use crate::rows::{Conversation, Message, i};
use crate::types::{ConsentState, Cursor, DeliveryState, Outgoing};

/// What [`Writer::claim_conversation`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// A new conversation.
    Added,
    /// The topic's conversation stays as it was.
    Kept,
    /// The topic was taken over from the peer named here (if its stored address parses).
    Replaced(Option<WalletAddress>),
}

/// Writes inside one transaction.
#[derive(Debug)]
pub struct Writer<'a> {
    pub(crate) tx: &'a Transaction<'a>,
}

impl Writer<'_> {
    /// Adds a conversation; an existing one with the same topic is kept (dedupe by topic).
    /// Returns whether it was new.
    pub fn add_conversation(&self, c: &Conversation) -> Result<bool, StoreError> {
        let metadata = serde_json::to_string(&c.metadata).map_err(StoreError::Metadata)?;
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO conversations
                   (topic, version, peer, created_ns, conversation_id, metadata, key_sealed, consent_proof)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                c.topic.as_str(),
                c.version,
                c.peer.as_str(),
                i(c.created_ns),
                c.conversation_id.as_deref().unwrap_or(""),
                metadata,
                c.key_sealed,
                c.consent_proof
            ])?;
        Ok(n == 1)
    }

    /// Adds a V2 conversation from an invitation. When its topic is taken already, an
    /// invitation that is `derived` (§8.3: only the two participants can make it) takes the
    /// topic over from one that is not: peer, key, context and proof are replaced, messages,
    /// reactions and read receipts by anyone but the new peer and `me` go (with their files), and the topic's cursor is dropped so it is read
    /// again with the right key. Anything else leaves the stored conversation as it is.
    pub fn claim_conversation(&self, c: &Conversation, derived: bool, me: &WalletAddress) -> Result<Claim, StoreError> {
        if self.add_conversation(c)? {
            self.tx
                .prepare_cached("UPDATE conversations SET key_derived = ?2 WHERE topic = ?1")?
                .execute(params![c.topic.as_str(), derived])?;
            return Ok(Claim::Added);
        }
        let (peer, stored_derived): (String, bool) = self
            .tx
            .prepare_cached("SELECT peer, key_derived FROM conversations WHERE topic = ?1")?
            .query_row([c.topic.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if !derived || stored_derived {
            return Ok(Claim::Kept);
        }
        if peer == c.peer.as_str() {
            // The same two participants: confirmed as theirs.
            self.tx
                .prepare_cached("UPDATE conversations SET key_derived = 1 WHERE topic = ?1")?
                .execute([c.topic.as_str()])?;
            return Ok(Claim::Kept);
        }
        let metadata = serde_json::to_string(&c.metadata).map_err(StoreError::Metadata)?;
        self.tx
            .prepare_cached(
                "UPDATE conversations SET peer = ?2, created_ns = ?3, conversation_id = ?4, metadata = ?5,
                   key_sealed = ?6, consent_proof = ?7, key_derived = 1 WHERE topic = ?1",
            )?
            .execute(params![
                c.topic.as_str(),
                c.peer.as_str(),
                i(c.created_ns),
                c.conversation_id.as_deref().unwrap_or(""),
                metadata,
                c.key_sealed,
                c.consent_proof
            ])?;
        for sql in [
            "DELETE FROM messages WHERE topic = ?1 AND sender != ?2 AND sender != ?3",
            "DELETE FROM reactions WHERE topic = ?1 AND sender != ?2 AND sender != ?3",
            "DELETE FROM read_receipts WHERE topic = ?1 AND sender != ?2 AND sender != ?3",
        ] {
            self.tx.prepare_cached(sql)?.execute(params![c.topic.as_str(), c.peer.as_str(), me.as_str()])?;
        }
        self.tx
            .prepare_cached("DELETE FROM attachment_files WHERE message_id NOT IN (SELECT id FROM messages)")?
            .execute([])?;
        self.tx.prepare_cached("DELETE FROM cursors WHERE topic = ?1")?.execute([c.topic.as_str()])?;
        Ok(Claim::Replaced(WalletAddress::parse(&peer).ok()))
    }

    /// Adds a message; an existing id is kept. Returns whether it was new. Bumps the
    /// conversation's activity time. It is indexed for search when the transaction commits.
    pub fn add_message(&self, m: &Message) -> Result<bool, StoreError> {
        let key = crate::search::free_key(self.tx, m.sent_ns, &m.id)?;
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO messages
                   (id, topic, sender, sent_ns, content_type, content, preview, state, reply_to, attachment, search_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                m.id.to_string(),
                m.topic.as_str(),
                m.sender.as_str(),
                i(m.sent_ns),
                m.content_type,
                m.content,
                m.preview,
                m.state,
                m.reply_to.map(|id| id.to_string()),
                m.attachment.as_ref().map(serde_json::to_string).transpose().map_err(StoreError::Metadata)?,
                key
            ])?;
        if n == 1 {
            // Only a new message is activity: one read again (a message kept from the future is,
            // until its time comes) must not move its conversation up.
            self.tx
                .prepare_cached("UPDATE conversations SET last_message_ns = max(last_message_ns, ?2) WHERE topic = ?1")?
                .execute(params![m.topic.as_str(), i(m.sent_ns)])?;
        }
        Ok(n == 1)
    }

    /// Sets a message's delivery state; returns whether it changed.
    pub fn set_state(&self, id: &MessageId, state: DeliveryState) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached("UPDATE messages SET state = ?2 WHERE id = ?1 AND state != ?2")?
            .execute(params![id.to_string(), state])?;
        Ok(n == 1)
    }

    /// Moves a topic's sync cursor.
    pub fn set_cursor(&self, topic: &Topic, cursor: &Cursor) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO cursors (topic, ts, digest) VALUES (?1, ?2, ?3)
                 ON CONFLICT(topic) DO UPDATE SET ts = excluded.ts, digest = excluded.digest",
            )?
            .execute(params![topic.as_str(), i(cursor.timestamp_ns), cursor.digest.as_slice()])?;
        Ok(())
    }

    /// Queues a publish.
    pub fn enqueue(&self, outgoing: &Outgoing, envelopes: &[u8]) -> Result<(), StoreError> {
        let (kind, id) = match outgoing {
            Outgoing::Message(id) => ("message", Some(id.to_string())),
            Outgoing::Consent => ("consent", None),
        };
        self.tx
            .prepare_cached("INSERT INTO outbox (kind, message_id, envelopes) VALUES (?1, ?2, ?3)")?
            .execute(params![kind, id, envelopes])?;
        Ok(())
    }

    /// Removes a queued item (published, or given up).
    pub fn dequeue(&self, seq: i64) -> Result<(), StoreError> {
        self.tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?.execute([seq])?;
        Ok(())
    }

    /// Records a failed attempt and when to try again.
    pub fn retry_later(&self, seq: i64, next_attempt_ms: u64, error: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE seq = ?1",
            )?
            .execute(params![seq, i(next_attempt_ms), error])?;
        Ok(())
    }

    /// Makes every queued publish of a message due now (a user's retry). Returns how many
    /// items the message still has queued.
    pub fn retry_now(&self, message: &MessageId) -> Result<usize, StoreError> {
        Ok(self
            .tx
            .prepare_cached("UPDATE outbox SET next_attempt = 0 WHERE kind = 'message' AND message_id = ?1")?
            .execute([message.to_string()])?)
    }

    /// Makes every queued publish due now (the connection is back, or the user asked).
    pub fn retry_all_now(&self) -> Result<(), StoreError> {
        self.tx.prepare_cached("UPDATE outbox SET next_attempt = 0")?.execute([])?;
        Ok(())
    }

    /// Caches a contact bundle.
    pub fn set_contact(&self, address: &WalletAddress, bundle: &[u8], fetched_ms: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO contacts (address, bundle, fetched_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(address) DO UPDATE SET bundle = excluded.bundle, fetched_ms = excluded.fetched_ms",
            )?
            .execute(params![address.as_str(), bundle, i(fetched_ms)])?;
        Ok(())
    }

    /// Sets a peer's consent state if `updated_ns` is not older than what is stored.
    pub fn set_consent(&self, address: &WalletAddress, state: ConsentState, updated_ns: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO consent (address, state, updated_ns) VALUES (?1, ?2, ?3)
                 ON CONFLICT(address) DO UPDATE SET state = excluded.state, updated_ns = excluded.updated_ns
                 WHERE excluded.updated_ns >= consent.updated_ns",
            )?
            .execute(params![address.as_str(), state, i(updated_ns)])?;
        Ok(())
    }

    /// Records a consent entry (by the SHA-256 of its sealed bytes); returns whether it is new.
    /// An entry seen before is a replay, whatever its envelope's time: it must change nothing.
    pub fn consent_entry_is_new(&self, digest: &[u8; 32]) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO consent_entries (digest) VALUES (?1)")?
            .execute([&digest[..]])?;
        Ok(n == 1)
    }

    /// Moves the last-read marker of a conversation forward and takes off its "marked unread";
    /// returns whether it exists.
    pub fn mark_read(&self, topic: &Topic, up_to_ns: u64) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached(
                "UPDATE conversations SET last_read_ns = max(last_read_ns, ?2), marked_unread = 0 WHERE topic = ?1",
            )?
            .execute(params![topic.as_str(), i(up_to_ns)])?;
        Ok(n == 1)
    }

    /// Saves a draft; returns whether the conversation exists.
    pub fn set_draft(&self, topic: &Topic, draft: &str) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached("UPDATE conversations SET draft = ?2 WHERE topic = ?1")?
            .execute(params![topic.as_str(), draft])?;
        Ok(n == 1)
    }
}
