//! The decoded values of the standard content types (spec §10.6) and [`DecodedContent`].

use std::collections::BTreeMap;

use super::{Compression, ContentTypeId};

/// What a reaction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReactionAction {
    /// The reaction is added.
    Added,
    /// The sender takes it back.
    Removed,
}

/// How a reaction's `content` is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReactionSchema {
    /// A Unicode emoji.
    Unicode,
    /// A shortcode such as `:thumbsup:`.
    Shortcode,
    /// Anything else the sending app defines.
    Custom,
}

/// A reaction (`xmtp.org/reaction:1.0`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reaction {
    /// Id of the message reacted to (lowercase hex).
    pub reference: String,
    /// Added or removed.
    pub action: ReactionAction,
    /// How to read `content`.
    pub schema: ReactionSchema,
    /// The emoji, shortcode or custom string.
    pub content: String,
}

/// A file sent inline (`xmtp.org/attachment:1.0`).
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name as the sender gave it (untrusted: never a path).
    pub filename: String,
    /// MIME type as the sender gave it (untrusted).
    pub mime_type: String,
    /// The file.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("filename", &self.filename)
            .field("mime_type", &self.mime_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// A remote attachment (`xmtp.org/remoteStaticAttachment:1.0`): where the encrypted file is and
/// how to open it ([`super::remote`]).
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteAttachment {
    /// The URL of the encrypted file (`https://…`, or `http://…` for a local node).
    pub url: String,
    /// Hex SHA-256 of the encrypted file.
    pub content_digest: String,
    /// HKDF salt (32 bytes).
    pub salt: Vec<u8>,
    /// GCM nonce (12 bytes).
    pub nonce: Vec<u8>,
    /// The 32-byte secret.
    pub secret: Vec<u8>,
    /// `https://` (or `http://`, matching the URL).
    pub scheme: String,
    /// Size of the file (the reference apps send the plaintext size), if given.
    pub content_length: Option<u64>,
    /// File name, if given.
    pub filename: Option<String>,
}

impl std::fmt::Debug for RemoteAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret opens the file: never in logs.
        f.debug_struct("RemoteAttachment")
            .field("url", &self.url)
            .field("content_digest", &self.content_digest)
            .field("content_length", &self.content_length)
            .field("filename", &self.filename)
            .finish_non_exhaustive()
    }
}

/// Decoded content of the types Courier understands; anything else is `Unknown`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// `xmtp.org/text`
    Text(String),
    /// `xmtp.org/reaction`
    Reaction(Reaction),
    /// `xmtp.org/reply`: a reference and the inner content.
    Reply {
        /// Id of the message replied to.
        reference: String,
        /// The inner content.
        inner: Box<DecodedContent>,
    },
    /// `xmtp.org/readReceipt`
    ReadReceipt,
    /// `xmtp.org/attachment`
    Attachment(Attachment),
    /// `xmtp.org/remoteStaticAttachment`
    RemoteAttachment(RemoteAttachment),
    /// A type this client does not know: show the fallback (or a placeholder).
    Unknown,
}

/// Content after decoding: its type, the decoded value, the fallback, and the (decompressed)
/// `EncodedContent` it came from. `Debug` shows no content bytes and no `secret` parameter (a
/// remote attachment's key).
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedContent {
    /// The content type.
    pub content_type: ContentTypeId,
    /// The decoded value.
    pub content: Content,
    /// The sender's fallback text, if any.
    pub fallback: Option<String>,
    /// Parameters as sent.
    pub parameters: BTreeMap<String, String>,
    /// The compression the content arrived with.
    pub compression: Option<Compression>,
    /// The raw (decompressed) content bytes.
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for DecodedContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parameters: BTreeMap<&str, &str> = self
            .parameters
            .iter()
            .map(|(k, v)| (k.as_str(), if k == "secret" { "<redacted>" } else { v.as_str() }))
            .collect();
        f.debug_struct("DecodedContent")
            .field("content_type", &self.content_type)
            .field("content", &self.content)
            .field("fallback", &self.fallback)
            .field("parameters", &parameters)
            .field("compression", &self.compression)
            .field("raw_len", &self.raw.len())
            .finish()
    }
}

impl DecodedContent {
    /// Whether a push notification is warranted (spec §10.5, as the reference's codecs decide:
    /// reactions and read receipts are silent).
    pub fn should_push(&self) -> bool {
        !matches!(self.content, Content::Reaction(_) | Content::ReadReceipt)
    }

    /// What to show in a conversation list or a client that cannot render the type: a text,
    /// a reply's inner text, an attachment's file name, else the fallback.
    pub fn preview(&self) -> String {
        match &self.content {
            Content::Text(t) => t.clone(),
            Content::Reply { inner, .. } => inner.preview(),
            Content::Attachment(a) => a.filename.clone(),
            Content::RemoteAttachment(RemoteAttachment { filename: Some(name), .. }) => name.clone(),
            _ => self.fallback.clone().unwrap_or_else(|| format!("Unsupported content ({})", self.content_type)),
        }
    }

    /// The content a reply carries, or this content itself.
    pub fn body(&self) -> &DecodedContent {
        match &self.content {
            Content::Reply { inner, .. } => inner,
            _ => self,
        }
    }
}
