//! # courier-store
//!
//! The client's SQLite store (rusqlite, bundled SQLite, WAL): conversations (V1 and V2, context,
//! consent proof, last-read marker, draft), messages (id, sender, time, content type, the
//! `EncodedContent` bytes and a text preview, delivery state), per-topic sync cursors, the
//! outbox, cached contact bundles and the consent list. Message bodies are stored; private keys
//! never are, and V2 conversation keys only sealed by the caller.
//!
//! Schema changes are numbered, append-only files in `migrations/`, applied in order and
//! recorded in `PRAGMA user_version`. The store is plain typed queries: it knows nothing of the
//! protocol or the network.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The migrations, in order. `user_version` = how many are applied.
const MIGRATIONS: &[&str] = &[include_str!("../migrations/001_init.sql")];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file is not a readable database, or is newer than this program.
    #[error("cannot open the store {path}: {reason}")]
    Open {
        /// The database file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A statement failed.
    #[error("store: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// `/xmtp/0/dm-…` (V1) or `/xmtp/0/m-…` (V2).
    pub topic: String,
    /// 1 or 2.
    pub version: u8,
    /// The peer's EIP-55 address.
    pub peer: String,
    /// Creation time (ns).
    pub created_ns: u64,
    /// Context conversation id ('' if none).
    pub conversation_id: String,
    /// Context metadata as a JSON object.
    pub metadata: String,
    /// Sealed V2 key material.
    pub key_sealed: Option<Vec<u8>>,
    /// `PB(ConsentProofPayload)` from the invitation, if any.
    pub consent_proof: Option<Vec<u8>>,
}

/// A row of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The conversation.
    pub conversation: Conversation,
    /// Time of the newest message (ns), 0 if none.
    pub last_message_ns: u64,
    /// Preview of the newest message.
    pub last_preview: Option<String>,
    /// Messages from the peer newer than the last-read marker.
    pub unread: u64,
    /// The peer's consent state (`allowed`, `denied`, `unknown`).
    pub consent: String,
    /// The draft.
    pub draft: String,
}

/// Delivery state of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Written locally, not yet accepted by the node.
    Pending,
    /// Accepted by the node.
    Sent,
    /// Retries gave up (the user may retry).
    Failed,
    /// From someone else.
    Received,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Received => "received",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => Self::Received,
        }
    }
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// hex SHA-256 of the envelope payload.
    pub id: String,
    /// The conversation topic.
    pub topic: String,
    /// The sender's EIP-55 address.
    pub sender: String,
    /// Sent time (ns).
    pub sent_ns: u64,
    /// Content type, display form.
    pub content_type: String,
    /// `PB(EncodedContent)`.
    pub content: Vec<u8>,
    /// Text to show (the text, or the fallback).
    pub preview: String,
    /// Delivery state.
    pub state: DeliveryState,
}

/// A queued publish: the envelopes of one message, sealed once, published (again) until the node
/// accepts them. Republishing identical bytes is harmless: the node stores an envelope once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Queue position.
    pub seq: i64,
    /// The message it sends.
    pub message_id: String,
    /// The envelopes, serialized by the caller.
    pub envelopes: Vec<u8>,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this time (ms).
    pub next_attempt_ms: u64,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// The store: one connection. Not `Sync`; the engine owns it behind a lock.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let err = |reason: String| StoreError::Open { path: path.display().to_string(), reason };
        let conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| err(e.to_string()))?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(|e| err(e.to_string()))?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(|e| err(e.to_string()))?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(|e| err(e.to_string()))?;
        let mut store = Self { conn };
        store.migrate().map_err(|e| err(e.to_string()))?;
        Ok(store)
    }

    /// Applies the migrations not yet applied, each in its own transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let applied: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let applied = usize::try_from(applied).unwrap_or(0);
        if applied > MIGRATIONS.len() {
            return Err(StoreError::Open {
                path: String::new(),
                reason: format!("store schema {applied} is newer than this Courier ({})", MIGRATIONS.len()),
            });
        }
        for (n, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", n + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The schema version.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check` says `ok`.
    pub fn integrity_ok(&self) -> Result<bool, StoreError> {
        let r: String = self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(r == "ok")
    }

    /// Runs `f` in one transaction (a page of sync is committed whole).
    pub fn write<T>(&mut self, f: impl FnOnce(&Writer<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let tx = self.conn.transaction()?;
        let out = f(&Writer { tx: &tx })?;
        tx.commit()?;
        Ok(out)
    }

    /// All conversations (for the sync engine).
    pub fn conversations(&self) -> Result<Vec<Conversation>, StoreError> {
        let mut s =
            self.conn.prepare_cached(&format!("SELECT {CONV_COLS} FROM conversations c ORDER BY created_ns"))?;
        let rows = s.query_map([], conversation_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One conversation.
    pub fn conversation(&self, topic: &str) -> Result<Option<Conversation>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!("SELECT {CONV_COLS} FROM conversations c WHERE topic = ?1"))?;
        Ok(s.query_row([topic], conversation_row).optional()?)
    }

    /// Conversations with a peer, newest first.
    pub fn conversations_with(&self, peer: &str) -> Result<Vec<Conversation>, StoreError> {
        let mut s = self.conn.prepare_cached(&format!(
            "SELECT {CONV_COLS} FROM conversations c WHERE peer = ?1 ORDER BY created_ns DESC"
        ))?;
        let rows = s.query_map([peer], conversation_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The conversation list, most recent activity first, with unread counts and consent.
    pub fn conversation_list(&self, own_address: &str) -> Result<Vec<ConversationSummary>, StoreError> {
        let sql = format!(
            "SELECT {CONV_COLS}, c.last_message_ns, c.draft,
                (SELECT preview FROM messages m WHERE m.topic = c.topic ORDER BY sent_ns DESC, id DESC LIMIT 1),
                (SELECT count(*) FROM messages m WHERE m.topic = c.topic AND m.sent_ns > c.last_read_ns AND m.sender != ?1),
                COALESCE((SELECT state FROM consent k WHERE k.address = c.peer), 'unknown')
             FROM conversations c ORDER BY max(c.last_message_ns, c.created_ns) DESC"
        );
        let mut s = self.conn.prepare_cached(&sql)?;
        let rows = s.query_map([own_address], |r| {
            Ok(ConversationSummary {
                conversation: conversation_row(r)?,
                last_message_ns: u(r.get(8)?),
                draft: r.get(9)?,
                last_preview: r.get(10)?,
                unread: u(r.get(11)?),
                consent: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Messages of a conversation, oldest first: the `limit` newest before `before_ns` (or the
    /// newest of all).
    pub fn messages(&self, topic: &str, before_ns: Option<u64>, limit: u32) -> Result<Vec<Message>, StoreError> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, topic, sender, sent_ns, content_type, content, preview, state FROM messages
             WHERE topic = ?1 AND sent_ns < ?2 ORDER BY sent_ns DESC, id DESC LIMIT ?3",
        )?;
        let rows = s.query_map(params![topic, before_ns.map_or(i64::MAX, i), limit], message_row)?;
        let mut out: Vec<Message> = rows.collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }

    /// One message.
    pub fn message(&self, id: &str) -> Result<Option<Message>, StoreError> {
        let mut s = self.conn.prepare_cached(
            "SELECT id, topic, sender, sent_ns, content_type, content, preview, state FROM messages WHERE id = ?1",
        )?;
        Ok(s.query_row([id], message_row).optional()?)
    }

    /// The sync cursor of a topic: (timestamp, digest) of the last envelope processed.
    pub fn cursor(&self, topic: &str) -> Result<Option<(u64, Vec<u8>)>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT ts, digest FROM cursors WHERE topic = ?1")?;
        Ok(s.query_row([topic], |r| Ok((u(r.get(0)?), r.get(1)?))).optional()?)
    }

    /// The whole outbox, oldest first (the caller decides what is due: the queue is FIFO).
    pub fn outbox(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT seq, message_id, envelopes, attempts, next_attempt FROM outbox ORDER BY seq")?;
        let rows = s.query_map([], |r| {
            Ok(OutboxItem {
                seq: r.get(0)?,
                message_id: r.get(1)?,
                envelopes: r.get(2)?,
                attempts: r.get(3)?,
                next_attempt_ms: u(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Number of queued publishes.
    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(u(self.conn.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?))
    }

    /// A cached contact bundle: (bytes, fetched at ms).
    pub fn contact(&self, address: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT bundle, fetched_ms FROM contacts WHERE address = ?1")?;
        Ok(s.query_row([address], |r| Ok((r.get(0)?, u(r.get(1)?)))).optional()?)
    }

    /// A peer's consent state (`unknown` if never set).
    pub fn consent(&self, address: &str) -> Result<String, StoreError> {
        let mut s = self.conn.prepare_cached("SELECT state FROM consent WHERE address = ?1")?;
        Ok(s.query_row([address], |r| r.get(0)).optional()?.unwrap_or_else(|| "unknown".to_owned()))
    }
}

const CONV_COLS: &str =
    "c.topic, c.version, c.peer, c.created_ns, c.conversation_id, c.metadata, c.key_sealed, c.consent_proof";

fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        topic: r.get(0)?,
        version: r.get(1)?,
        peer: r.get(2)?,
        created_ns: u(r.get(3)?),
        conversation_id: r.get(4)?,
        metadata: r.get(5)?,
        key_sealed: r.get(6)?,
        consent_proof: r.get(7)?,
    })
}

fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: r.get(0)?,
        topic: r.get(1)?,
        sender: r.get(2)?,
        sent_ns: u(r.get(3)?),
        content_type: r.get(4)?,
        content: r.get(5)?,
        preview: r.get(6)?,
        state: DeliveryState::parse(&r.get::<_, String>(7)?),
    })
}

/// Writes inside one transaction ([`Store::write`]).
#[derive(Debug)]
pub struct Writer<'a> {
    tx: &'a Transaction<'a>,
}

impl Writer<'_> {
    /// Adds a conversation; an existing one with the same topic is kept (dedupe by topic).
    /// Returns whether it was new.
    pub fn add_conversation(&self, c: &Conversation) -> Result<bool, StoreError> {
        let n = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO conversations (topic, version, peer, created_ns, conversation_id, metadata, key_sealed, consent_proof)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![c.topic, c.version, c.peer, i(c.created_ns), c.conversation_id, c.metadata, c.key_sealed, c.consent_proof])?;
        Ok(n == 1)
    }

    /// Adds a message; an existing id is kept, except that a local pending/failed copy takes
    /// the new state. Returns whether it was new. Bumps the conversation's activity time.
    pub fn add_message(&self, m: &Message) -> Result<bool, StoreError> {
        let n = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO messages (id, topic, sender, sent_ns, content_type, content, preview, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                m.id,
                m.topic,
                m.sender,
                i(m.sent_ns),
                m.content_type,
                m.content,
                m.preview,
                m.state.as_str()
            ])?;
        self.tx
            .prepare_cached("UPDATE conversations SET last_message_ns = max(last_message_ns, ?2) WHERE topic = ?1")?
            .execute(params![m.topic, i(m.sent_ns)])?;
        Ok(n == 1)
    }

    /// Sets a message's delivery state.
    pub fn set_state(&self, id: &str, state: DeliveryState) -> Result<(), StoreError> {
        self.tx.prepare_cached("UPDATE messages SET state = ?2 WHERE id = ?1")?.execute(params![id, state.as_str()])?;
        Ok(())
    }

    /// Moves a topic's sync cursor forward.
    pub fn set_cursor(&self, topic: &str, ts: u64, digest: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO cursors (topic, ts, digest) VALUES (?1, ?2, ?3)
                 ON CONFLICT(topic) DO UPDATE SET ts = excluded.ts, digest = excluded.digest",
            )?
            .execute(params![topic, i(ts), digest])?;
        Ok(())
    }

    /// Queues a publish.
    pub fn enqueue(&self, message_id: &str, envelopes: &[u8]) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("INSERT INTO outbox (message_id, envelopes) VALUES (?1, ?2)")?
            .execute(params![message_id, envelopes])?;
        Ok(())
    }

    /// Removes a published item.
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

    /// Makes every queued publish of a message due now (a user's retry).
    pub fn retry_now(&self, message_id: &str) -> Result<(), StoreError> {
        self.tx.prepare_cached("UPDATE outbox SET next_attempt = 0 WHERE message_id = ?1")?.execute([message_id])?;
        Ok(())
    }

    /// Makes every queued publish due now (the connection is back, or the user asked).
    pub fn retry_all_now(&self) -> Result<(), StoreError> {
        self.tx.prepare_cached("UPDATE outbox SET next_attempt = 0")?.execute([])?;
        Ok(())
    }

    /// Caches a contact bundle.
    pub fn set_contact(&self, address: &str, bundle: &[u8], fetched_ms: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO contacts (address, bundle, fetched_ms) VALUES (?1, ?2, ?3)
                 ON CONFLICT(address) DO UPDATE SET bundle = excluded.bundle, fetched_ms = excluded.fetched_ms",
            )?
            .execute(params![address, bundle, i(fetched_ms)])?;
        Ok(())
    }

    /// Sets a peer's consent state if `updated_ns` is not older than what is stored.
    pub fn set_consent(&self, address: &str, state: &str, updated_ns: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached(
                "INSERT INTO consent (address, state, updated_ns) VALUES (?1, ?2, ?3)
                 ON CONFLICT(address) DO UPDATE SET state = excluded.state, updated_ns = excluded.updated_ns
                 WHERE excluded.updated_ns >= consent.updated_ns",
            )?
            .execute(params![address, state, i(updated_ns)])?;
        Ok(())
    }

    /// Moves the last-read marker of a conversation.
    pub fn mark_read(&self, topic: &str, up_to_ns: u64) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE conversations SET last_read_ns = max(last_read_ns, ?2) WHERE topic = ?1")?
            .execute(params![topic, i(up_to_ns)])?;
        Ok(())
    }

    /// Saves a draft.
    pub fn set_draft(&self, topic: &str, draft: &str) -> Result<(), StoreError> {
        self.tx
            .prepare_cached("UPDATE conversations SET draft = ?2 WHERE topic = ?1")?
            .execute(params![topic, draft])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(topic: &str, peer: &str, created: u64) -> Conversation {
        Conversation {
            topic: topic.into(),
            version: 2,
            peer: peer.into(),
            created_ns: created,
            conversation_id: String::new(),
            metadata: "{}".into(),
            key_sealed: Some(vec![1, 2, 3]),
            consent_proof: None,
        }
    }

    fn msg(id: &str, topic: &str, sender: &str, ns: u64) -> Message {
        Message {
            id: id.into(),
            topic: topic.into(),
            sender: sender.into(),
            sent_ns: ns,
            content_type: "xmtp.org/text:1.0".into(),
            content: vec![],
            preview: format!("text {id}"),
            state: DeliveryState::Received,
        }
    }

    #[test]
    fn migrates_from_empty_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        let s = Store::open(&p).unwrap();
        assert_eq!(s.schema_version().unwrap(), MIGRATIONS.len() as u32);
        drop(s);
        let s = Store::open(&p).unwrap();
        assert!(s.integrity_ok().unwrap());
    }

    #[test]
    fn refuses_newer_schema_and_junk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.db");
        drop(Store::open(&p).unwrap());
        let c = Connection::open(&p).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
        drop(c);
        assert!(Store::open(&p).unwrap_err().to_string().contains("newer"));
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, [7u8; 4096]).unwrap();
        assert!(Store::open(&junk).is_err());
    }

    #[test]
    fn conversations_messages_unread_and_paging() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.db")).unwrap();
        s.write(|w| {
            assert!(w.add_conversation(&conv("/t1", "0xB", 10))?);
            assert!(!w.add_conversation(&conv("/t1", "0xC", 11))?, "dedupe by topic");
            w.add_conversation(&conv("/t2", "0xC", 20))?;
            for n in 1..=5u64 {
                w.add_message(&msg(&format!("m{n}"), "/t1", if n % 2 == 0 { "0xME" } else { "0xB" }, 100 + n))?;
            }
            assert!(!w.add_message(&msg("m1", "/t1", "0xB", 101))?);
            w.mark_read("/t1", 102)?;
            w.set_consent("0xC", "denied", 5)?;
            w.set_consent("0xC", "allowed", 4)?; // older: ignored
            Ok(())
        })
        .unwrap();
        let list = s.conversation_list("0xME").unwrap();
        assert_eq!(list[0].conversation.topic, "/t1", "most recent activity first");
        assert_eq!(list[0].unread, 2, "m3 and m5 from the peer after the marker");
        assert_eq!(list[0].last_preview.as_deref(), Some("text m5"));
        assert_eq!(list[1].consent, "denied");
        let page = s.messages("/t1", None, 2).unwrap();
        assert_eq!(page.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), vec!["m4", "m5"]);
        let older = s.messages("/t1", Some(104), 10).unwrap();
        assert_eq!(older.len(), 3);
    }

    #[test]
    fn outbox_and_cursors() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("s.db")).unwrap();
        s.write(|w| {
            w.enqueue("m1", b"env")?;
            w.enqueue("m2", b"env2")?;
            w.set_cursor("/t", 5, b"d")?;
            w.set_cursor("/t", 6, b"e")
        })
        .unwrap();
        let due = s.outbox().unwrap();
        assert_eq!(due.len(), 2);
        assert_eq!(due[0].message_id, "m1", "oldest first");
        s.write(|w| {
            w.dequeue(due[0].seq)?;
            w.retry_later(due[1].seq, 1000, "unavailable")
        })
        .unwrap();
        let left = s.outbox().unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!((left[0].message_id.as_str(), left[0].attempts, left[0].next_attempt_ms), ("m2", 1, 1000));
        assert_eq!(s.cursor("/t").unwrap(), Some((6, b"e".to_vec())));
    }
}
