//! The client's states, as types: a peer's consent, a message's delivery, a conversation's
//! protocol version, what an outbox item sends, and where a page of messages starts. Each
//! becomes a column value only here, at the row boundary (`ToSql`/`FromSql`); a stored value
//! that is none of them is an error, never a default.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::Serialize;
use xmtp_crypto::MessageId;

/// A peer's consent state (spec §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ConsentState {
    /// The user allowed the peer (or started a conversation with it).
    Allowed,
    /// The user blocked the peer.
    Denied,
    /// Never allowed or blocked: its conversations are message requests.
    Unknown,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum DeliveryState {
    /// Written here, not yet accepted by the node.
    Pending,
    /// Accepted by the node.
    Sent,
    /// Retries gave up, or the node refused it (the user may retry).
    Failed,
    /// From someone else.
    Received,
}

/// The protocol version of a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ProtocolVersion {
    /// V1: one conversation per pair of accounts, on the `dm-` topic.
    V1,
    /// V2: conversations made by invitation, on `m-` topics.
    V2,
}

/// What an outbox item publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// (Part of) a message: the message turns `Sent` when its last item is published.
    Message(MessageId),
    /// An update of the own consent list: no message to track.
    Consent,
}

/// A point in a conversation's order: messages are ordered by send time, then by id (two
/// messages may share a time: V1 times are whole milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessagePosition {
    /// Sent time (ns).
    pub sent_ns: u64,
    /// The message id.
    pub id: MessageId,
}

/// Where a topic's sync stands: the time and digest of the last envelope processed (the node's
/// index cursor, spec §12.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The envelope's `timestamp_ns`.
    pub timestamp_ns: u64,
    /// SHA-256 of the envelope's topic and payload.
    pub digest: [u8; 32],
}

/// A stored value that is not one of a type's values.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} {value:?} in the store")]
pub struct UnknownValue {
    /// Which type.
    pub kind: &'static str,
    /// What was stored.
    pub value: String,
}

fn unknown(kind: &'static str, value: impl Into<String>) -> FromSqlError {
    FromSqlError::Other(Box::new(UnknownValue { kind, value: value.into() }))
}

macro_rules! text_enum {
    ($ty:ident, $kind:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The stored (and serialized) name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $ty {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                match value.as_str()? {
                    $($text => Ok(Self::$variant),)+
                    other => Err(unknown($kind, other)),
                }
            }
        }
    };
}

text_enum!(ConsentState, "consent state", { Allowed => "allowed", Denied => "denied", Unknown => "unknown" });
text_enum!(DeliveryState, "delivery state", {
    Pending => "pending", Sent => "sent", Failed => "failed", Received => "received",
});

impl ToSql for ProtocolVersion {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(match self {
            Self::V1 => 1i64,
            Self::V2 => 2i64,
        }))
    }
}

impl FromSql for ProtocolVersion {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_i64()? {
            1 => Ok(Self::V1),
            2 => Ok(Self::V2),
            other => Err(unknown("protocol version", other.to_string())),
        }
    }
}

/// A flag the user sets on a conversation. Kept on this computer only: the protocol has no
/// place for it (only the consent list is shared between devices, spec §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConversationFlag {
    /// Listed first.
    Pinned,
    /// Never notifies.
    Muted,
    /// Out of the list, in the archive (until a new message, unless the user keeps it there).
    Archived,
    /// Shown as unread although read (cleared when it is read again).
    MarkedUnread,
}

impl ConversationFlag {
    /// The column that holds it (a fixed name, never input).
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Pinned => "pinned",
            Self::Muted => "muted",
            Self::Archived => "archived",
            Self::MarkedUnread => "marked_unread",
        }
    }
}

/// A conversation's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Flags {
    /// Listed first.
    pub pinned: bool,
    /// Never notifies.
    pub muted: bool,
    /// In the archive.
    pub archived: bool,
    /// Marked unread by the user.
    pub marked_unread: bool,
}

/// Which conversations a list takes by their archived flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArchiveFilter {
    /// Those not archived.
    #[default]
    Exclude,
    /// Archived ones only.
    Only,
    /// Both.
    Include,
}
