//! What an export holds, one record per line of the JSONL form (and one block of the HTML form):
//! a header with the warning, then each conversation followed by its messages, oldest first.

use std::collections::BTreeMap;

use serde::Serialize;

/// The export's first record.
#[derive(Debug, Serialize)]
pub struct Header {
    /// Always `"courier-export"`.
    pub r#type: &'static str,
    /// The format's version.
    pub format_version: u32,
    /// The account (its address).
    pub account: String,
    /// When (UTC, RFC 3339).
    pub exported_at: String,
    /// Courier's version.
    pub courier_version: String,
    /// That the export is not encrypted.
    pub warning: String,
}

/// A conversation.
#[derive(Debug, Serialize)]
pub struct ConversationRecord {
    /// Always `"conversation"`.
    pub r#type: &'static str,
    /// Its topic.
    pub topic: String,
    /// `v1` or `v2`.
    pub version: String,
    /// The other participant.
    pub peer: String,
    /// The user's name for them, if any.
    pub peer_name: Option<String>,
    /// The V2 conversation id, if any.
    pub conversation_id: Option<String>,
    /// The V2 metadata.
    pub metadata: BTreeMap<String, String>,
    /// When it began (UTC, RFC 3339) and in ns.
    pub created: String,
    /// See `created`.
    pub created_ns: u64,
    /// The peer's consent state (`allowed`, `denied`, `unknown`).
    pub consent: String,
}

/// A message.
#[derive(Debug, Serialize)]
pub struct MessageRecord {
    /// Always `"message"`.
    pub r#type: &'static str,
    /// Its id (64 hex digits).
    pub id: String,
    /// Its conversation's topic.
    pub topic: String,
    /// Who sent it.
    pub sender: String,
    /// The user's name for the sender, if any.
    pub sender_name: Option<String>,
    /// Whether the user sent it.
    pub from_me: bool,
    /// When (UTC, RFC 3339) and in ns.
    pub sent: String,
    /// See `sent`.
    pub sent_ns: u64,
    /// The content type (`xmtp.org/text:1.0`, …).
    pub content_type: String,
    /// The text shown (a file's or an unknown type's fallback included).
    pub text: String,
    /// Delivery state (`pending`, `sent`, `failed`, `received`).
    pub state: String,
    /// The id of the message it replies to.
    pub reply_to: Option<String>,
    /// Reactions to it.
    pub reactions: Vec<ReactionRecord>,
    /// Its attachment.
    pub attachment: Option<AttachmentRecord>,
}

/// An emoji and who reacted with it.
#[derive(Debug, Serialize)]
pub struct ReactionRecord {
    /// The emoji.
    pub emoji: String,
    /// Who (addresses).
    pub by: Vec<String>,
}

/// A message's attachment.
#[derive(Debug, Serialize)]
pub struct AttachmentRecord {
    /// The name the sender gave (cleaned of control characters by the engine, else as sent).
    pub name: String,
    /// MIME type as the sender gave it.
    pub mime_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Where it was saved, relative to the export file (`/`-separated).
    pub file: Option<String>,
    /// Why it was not saved.
    pub missing: Option<String>,
}

/// `ns` since the epoch as UTC, RFC 3339 to the second (`2026-11-29T16:15:04Z`).
pub fn utc(ns: u64) -> String {
    let secs = ns / 1_000_000_000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = xmtp_crypto::civil::date(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(951_782_400 * 1_000_000_000), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc(1_795_968_904 * 1_000_000_000 + 5), "2026-11-29T16:15:04Z");
    }
}
