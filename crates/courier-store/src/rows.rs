//! What the store holds, row by row, and how a row is read. Addresses, topics and message ids
//! are stored as their text and parsed back here: a stored value that does not parse is an
//! error.

use std::collections::BTreeMap;
use std::str::FromStr;

use rusqlite::Row;
use rusqlite::types::Type;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::types::{ConsentState, Cursor, DeliveryState, Flags, MessagePosition, Outgoing, ProtocolVersion};

/// A conversation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// `/xmtp/0/dm-…` (V1) or `/xmtp/0/m-…` (V2).
    pub topic: Topic,
    /// V1 or V2.
    pub version: ProtocolVersion,
    /// The other participant.
    pub peer: WalletAddress,
    /// Creation time (ns).
    pub created_ns: u64,
    /// The V2 context's conversation id, if the conversation has one.
    pub conversation_id: Option<String>,
    /// The V2 context's metadata.
    pub metadata: BTreeMap<String, String>,
    /// V2 key material, sealed by the caller (never stored in the clear).
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
    /// The newest message's text, its first 200 characters at most.
    pub last_preview: Option<String>,
    /// Messages from the peer newer than the last-read marker.
    pub unread: u64,
    /// The peer's consent state.
    pub consent: ConsentState,
    /// The unsent draft.
    pub draft: String,
    /// The user's local name for the peer, if any.
    pub name: Option<String>,
    /// Pinned, muted, archived, marked unread.
    pub flags: Flags,
}

impl ConversationSummary {
    /// Whether a new message here may notify: the peer is allowed (never a message request or a
    /// blocked peer) and the conversation is not muted.
    pub fn notifies(&self) -> bool {
        self.consent == ConsentState::Allowed && !self.flags.muted
    }

    /// What it adds to an unread badge: its unread messages, or one if only marked unread.
    pub fn unread_badge(&self) -> u64 {
        self.unread.max(u64::from(self.flags.marked_unread))
    }
}

/// A message as stored. `Debug` shows the content's length only (it may hold a remote
/// attachment's key).
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    /// SHA-256 of the envelope payload.
    pub id: MessageId,
    /// The conversation topic.
    pub topic: Topic,
    /// The author.
    pub sender: WalletAddress,
    /// Sent time (ns).
    pub sent_ns: u64,
    /// Content type, display form (`xmtp.org/text:1.0`).
    pub content_type: String,
    /// `PB(EncodedContent)`.
    pub content: Vec<u8>,
    /// Text to show (the text, or the fallback).
    pub preview: String,
    /// Delivery state: [`DeliveryState::Received`] exactly when someone else sent it (the
    /// unread counts rely on it).
    pub state: DeliveryState,
    /// The message this one replies to.
    pub reply_to: Option<MessageId>,
    /// The attachment it carries.
    pub attachment: Option<AttachmentInfo>,
}

/// What a message's attachment is (the file itself stays in the content, or, for a remote one,
/// on its server until downloaded).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttachmentInfo {
    /// File name as the sender gave it (untrusted).
    pub filename: String,
    /// MIME type as the sender gave it (untrusted).
    pub mime_type: String,
    /// Size of the file in bytes (for a remote one, as the sender says, 0 if it does not).
    pub size: u64,
    /// Whether it is stored elsewhere (a remote attachment).
    pub remote: bool,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("topic", &self.topic)
            .field("sender", &self.sender)
            .field("sent_ns", &self.sent_ns)
            .field("content_type", &self.content_type)
            .field("content_len", &self.content.len())
            .field("preview", &self.preview)
            .field("state", &self.state)
            .field("reply_to", &self.reply_to)
            .field("attachment", &self.attachment)
            .finish()
    }
}

impl Message {
    /// Where the message sits in its conversation's order.
    pub fn position(&self) -> MessagePosition {
        MessagePosition { sent_ns: self.sent_ns, id: self.id }
    }
}

/// A queued publish: envelopes sealed once, published (again) until the node accepts them.
/// Publishing identical bytes again is harmless: the node stores an envelope once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// Queue position.
    pub seq: i64,
    /// What it publishes.
    pub outgoing: Outgoing,
    /// `PB(PublishRequest)`, serialized by the caller.
    pub envelopes: Vec<u8>,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this time (ms).
    pub next_attempt_ms: u64,
}

/// An outbox row whose values do not parse: its queue position, to drop it, and why.
#[derive(Debug)]
pub struct UnreadableRow {
    /// Queue position.
    pub seq: i64,
    /// What is wrong with it.
    pub error: rusqlite::Error,
}

pub(crate) fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Reads a text column into a type that parses it.
fn parsed<T>(r: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = r.get(idx)?;
    s.parse().map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

pub(crate) const CONV_COLS: &str =
    "c.topic, c.version, c.peer, c.created_ns, c.conversation_id, c.metadata, c.key_sealed, c.consent_proof";

pub(crate) fn conversation(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    let id: String = r.get(4)?;
    let metadata: String = r.get(5)?;
    let metadata = serde_json::from_str(&metadata)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(5, Type::Text, Box::new(e)))?;
    Ok(Conversation {
        topic: parsed(r, 0)?,
        version: r.get(1)?,
        peer: parsed(r, 2)?,
        created_ns: u(r.get(3)?),
        conversation_id: (!id.is_empty()).then_some(id),
        metadata,
        key_sealed: r.get(6)?,
        consent_proof: r.get(7)?,
    })
}

pub(crate) fn summary(r: &Row<'_>) -> rusqlite::Result<ConversationSummary> {
    Ok(ConversationSummary {
        conversation: conversation(r)?,
        last_message_ns: u(r.get(8)?),
        draft: r.get(9)?,
        last_preview: r.get(10)?,
        unread: u(r.get(11)?),
        consent: r.get(12)?,
        name: r.get(13)?,
        flags: Flags { pinned: r.get(14)?, muted: r.get(15)?, archived: r.get(16)?, marked_unread: r.get(17)? },
    })
}

pub(crate) const MESSAGE_COLS: &str =
    "id, topic, sender, sent_ns, content_type, content, preview, state, reply_to, attachment";

pub(crate) fn message(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: parsed(r, 0)?,
        topic: parsed(r, 1)?,
        sender: parsed(r, 2)?,
        sent_ns: u(r.get(3)?),
        content_type: r.get(4)?,
        content: r.get(5)?,
        preview: r.get(6)?,
        state: r.get(7)?,
        reply_to: r.get::<_, Option<String>>(8)?.map(|_| parsed(r, 8)).transpose()?,
        attachment: match r.get::<_, Option<String>>(9)? {
            Some(json) => Some(
                serde_json::from_str(&json)
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(9, Type::Text, Box::new(e)))?,
            ),
            None => None,
        },
    })
}

pub(crate) const OUTBOX_COLS: &str = "seq, kind, message_id, envelopes, attempts, next_attempt";

pub(crate) fn outbox_item(r: &Row<'_>) -> rusqlite::Result<OutboxItem> {
    let kind: String = r.get(1)?;
    let outgoing = match kind.as_str() {
        "message" => Outgoing::Message(parsed(r, 2)?),
        "consent" => Outgoing::Consent,
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                1,
                Type::Text,
                Box::new(crate::types::UnknownValue { kind: "outbox kind", value: other.to_owned() }),
            ));
        }
    };
    Ok(OutboxItem {
        seq: r.get(0)?,
        outgoing,
        envelopes: r.get(3)?,
        attempts: r.get(4)?,
        next_attempt_ms: u(r.get(5)?),
    })
}

pub(crate) fn cursor(r: &Row<'_>) -> rusqlite::Result<Cursor> {
    let digest: Vec<u8> = r.get(1)?;
    let digest: [u8; 32] = digest.as_slice().try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            Type::Blob,
            Box::new(crate::types::UnknownValue { kind: "cursor digest", value: hex::encode(&digest) }),
        )
    })?;
    Ok(Cursor { timestamp_ns: u(r.get(0)?), digest })
}
