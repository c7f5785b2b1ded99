//! Message content (spec §10): `EncodedContent`, content type ids, compression, and the standard
//! codecs (text, reaction, reply, read receipt, attachment, remote attachment). Unknown types are
//! not errors: they are kept with their fallback text.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use prost::Message as _;
use xmtp_proto::message_contents as pb;

/// The most one message's content may decompress to, all nesting levels together (a reply's
/// compressed inner content counts against the same budget as its outer layer). An envelope
/// holds at most about 1 MiB, so real content stays far below; a compression bomb stops here,
/// after bounded work and memory, instead of at 100 MiB per level (the reference's per-level
/// maximum).
pub const MAX_DECOMPRESSED_BYTES: u64 = 8 * 1024 * 1024;

/// Nested content (replies inside replies) deeper than this is refused.
const MAX_NESTING: usize = 4;

/// Why content could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    /// The bytes are not an `EncodedContent`.
    #[error("malformed EncodedContent: {0}")]
    Decode(prost::DecodeError),
    /// `type` is missing.
    #[error("content type is missing")]
    MissingType,
    /// `compression` holds a value that is neither DEFLATE (0) nor GZIP (1).
    #[error("unknown compression {0}")]
    UnknownCompression(i32),
    /// The compressed bytes are corrupt.
    #[error("content cannot be decompressed ({0})")]
    Decompression(&'static str),
    /// Decompressed content exceeds [`MAX_DECOMPRESSED_BYTES`] (all levels together).
    #[error("decompressed content exceeds {MAX_DECOMPRESSED_BYTES} bytes")]
    TooLarge,
    /// Text with an `encoding` other than UTF-8.
    #[error("unsupported text encoding {0:?}")]
    UnsupportedEncoding(String),
    /// Text (or a JSON or URL field) that is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    /// A required parameter is missing or malformed.
    #[error("content parameter {0} is missing or malformed")]
    BadParameter(&'static str),
    /// A reaction body that is neither the JSON form nor the legacy parameter form.
    #[error("malformed reaction")]
    BadReaction,
    /// Content nested deeper than the limit (replies of replies …).
    #[error("content nested too deeply")]
    TooDeep,
}

/// A content type id, displayed as `authority/type:major.minor`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContentTypeId {
    /// e.g. `xmtp.org`
    pub authority_id: String,
    /// e.g. `text`
    pub type_id: String,
    /// Major version.
    pub version_major: u32,
    /// Minor version.
    pub version_minor: u32,
}

impl ContentTypeId {
    /// A type of the `xmtp.org` authority, version 1.0.
    pub fn xmtp(type_id: &str) -> Self {
        Self { authority_id: "xmtp.org".into(), type_id: type_id.into(), version_major: 1, version_minor: 0 }
    }

    /// Parses the display form `authority/type:major.minor`.
    pub fn parse(s: &str) -> Option<Self> {
        let (authority, rest) = s.split_once('/')?;
        let (type_id, version) = rest.split_once(':')?;
        let (major, minor) = version.split_once('.')?;
        Some(Self {
            authority_id: authority.into(),
            type_id: type_id.into(),
            version_major: major.parse().ok()?,
            version_minor: minor.parse().ok()?,
        })
    }

    /// Whether a decoder for `xmtp.org/<type_id>` version 1 reads this (spec §10.1: any minor
    /// version, any major version up to its own).
    fn is_xmtp(&self, type_id: &str) -> bool {
        self.authority_id == "xmtp.org" && self.type_id == type_id && self.version_major <= 1
    }

    fn from_proto(t: &pb::ContentTypeId) -> Self {
        Self {
            authority_id: t.authority_id.clone(),
            type_id: t.type_id.clone(),
            version_major: t.version_major,
            version_minor: t.version_minor,
        }
    }

    fn to_proto(&self) -> pb::ContentTypeId {
        pb::ContentTypeId {
            authority_id: self.authority_id.clone(),
            type_id: self.type_id.clone(),
            version_major: self.version_major,
            version_minor: self.version_minor,
        }
    }
}

impl fmt::Display for ContentTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}:{}.{}", self.authority_id, self.type_id, self.version_major, self.version_minor)
    }
}

/// Compression of `EncodedContent.content` (spec §10.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// zlib (RFC 1950), value 0.
    Deflate,
    /// gzip (RFC 1952), value 1.
    Gzip,
}

/// A reaction (`xmtp.org/reaction:1.0`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reaction {
    /// Id of the message reacted to.
    pub reference: String,
    /// `added` or `removed`.
    pub action: String,
    /// `unicode`, `shortcode` or `custom`.
    pub schema: String,
    /// The emoji, shortcode or custom string.
    pub content: String,
}

/// A remote attachment (`xmtp.org/remoteStaticAttachment:1.0`): where the encrypted file is and
/// how to open it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteAttachment {
    /// The `https` URL of the encrypted file.
    pub url: String,
    /// Hex SHA-256 of the encrypted file.
    pub content_digest: String,
    /// HKDF salt (32 bytes).
    pub salt: Vec<u8>,
    /// GCM nonce (12 bytes).
    pub nonce: Vec<u8>,
    /// The 32-byte secret.
    pub secret: Vec<u8>,
    /// `https://`
    pub scheme: String,
    /// Size of the encrypted file, if given.
    pub content_length: Option<u64>,
    /// File name, if given.
    pub filename: Option<String>,
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
    Attachment {
        /// File name.
        filename: String,
        /// MIME type.
        mime_type: String,
        /// The file.
        data: Vec<u8>,
    },
    /// `xmtp.org/remoteStaticAttachment`
    RemoteAttachment(RemoteAttachment),
    /// A type this client does not know: show the fallback (or a placeholder).
    Unknown,
}

/// Content after decoding: its type, the decoded value, the fallback, and the (decompressed)
/// `EncodedContent` it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl DecodedContent {
    /// Whether a push notification is warranted (spec §10.5, as the reference's codecs decide:
    /// reactions and read receipts are silent).
    pub fn should_push(&self) -> bool {
        !matches!(self.content, Content::Reaction(_) | Content::ReadReceipt)
    }

    /// What to show in a conversation list or a client that cannot render the type.
    pub fn preview(&self) -> String {
        match &self.content {
            Content::Text(t) => t.clone(),
            Content::Reply { inner, .. } => inner.preview(),
            _ => self.fallback.clone().unwrap_or_else(|| format!("Unsupported content ({})", self.content_type)),
        }
    }
}

/// `EncodedContent` for a text message: `xmtp.org/text:1.0`, `encoding = UTF-8`, no fallback, no
/// compression.
pub fn text(text: &str) -> pb::EncodedContent {
    pb::EncodedContent {
        r#type: Some(ContentTypeId::xmtp("text").to_proto()),
        parameters: [("encoding".to_owned(), "UTF-8".to_owned())].into_iter().collect(),
        fallback: None,
        content: text.as_bytes().to_vec(),
        compression: None,
    }
}

/// `EncodedContent` for a reaction, with the reference's fallback text.
pub fn reaction(r: &Reaction) -> pb::EncodedContent {
    #[derive(serde::Serialize)]
    struct Wire<'a> {
        action: &'a str,
        reference: &'a str,
        schema: &'a str,
        content: &'a str,
    }
    let body = serde_json::to_vec(&Wire {
        action: &r.action,
        reference: &r.reference,
        schema: &r.schema,
        content: &r.content,
    })
    .unwrap_or_default();
    let fallback = if r.action == "removed" {
        format!("Removed \u{201c}{}\u{201d} from an earlier message", r.content)
    } else {
        format!("Reacted \u{201c}{}\u{201d} to an earlier message", r.content)
    };
    pb::EncodedContent {
        r#type: Some(ContentTypeId::xmtp("reaction").to_proto()),
        parameters: BTreeMap::new(),
        fallback: Some(fallback),
        content: body,
        compression: None,
    }
}

/// Compresses `content` in place (spec §10.3). Courier does not compress what it sends by
/// default (the reference cannot decompress more than 1000 bytes); this exists for tests and
/// interop checks.
pub fn compress(encoded: &mut pb::EncodedContent, how: Compression) {
    use flate2::write::{GzEncoder, ZlibEncoder};
    use std::io::Write;
    let level = flate2::Compression::default();
    let out = match how {
        Compression::Deflate => {
            let mut e = ZlibEncoder::new(Vec::new(), level);
            let _ = e.write_all(&encoded.content);
            e.finish().unwrap_or_default()
        }
        Compression::Gzip => {
            let mut e = GzEncoder::new(Vec::new(), level);
            let _ = e.write_all(&encoded.content);
            e.finish().unwrap_or_default()
        }
    };
    encoded.content = out;
    encoded.compression = Some(match how {
        Compression::Deflate => pb::Compression::Deflate as i32,
        Compression::Gzip => pb::Compression::Gzip as i32,
    });
}

/// Decodes `PB(EncodedContent)` and its content.
pub fn decode(bytes: &[u8]) -> Result<DecodedContent, ContentError> {
    let encoded = pb::EncodedContent::decode(bytes).map_err(ContentError::Decode)?;
    let mut budget = MAX_DECOMPRESSED_BYTES;
    decode_encoded(encoded, 0, &mut budget)
}

/// `budget`: what decompression may still produce for this message.
fn decode_encoded(encoded: pb::EncodedContent, depth: usize, budget: &mut u64) -> Result<DecodedContent, ContentError> {
    if depth > MAX_NESTING {
        return Err(ContentError::TooDeep);
    }
    let content_type = ContentTypeId::from_proto(encoded.r#type.as_ref().ok_or(ContentError::MissingType)?);
    let compression = match encoded.compression {
        None => None,
        Some(0) => Some(Compression::Deflate),
        Some(1) => Some(Compression::Gzip),
        Some(other) => return Err(ContentError::UnknownCompression(other)),
    };
    let raw = match compression {
        None => encoded.content,
        Some(c) => decompress(&encoded.content, c, budget)?,
    };
    let params = &encoded.parameters;
    let param = |name: &'static str| params.get(name).ok_or(ContentError::BadParameter(name));
    let t = &content_type;
    let content = if t.is_xmtp("text") {
        match params.get("encoding") {
            Some(enc) if !enc.eq_ignore_ascii_case("utf-8") => {
                return Err(ContentError::UnsupportedEncoding(enc.clone()));
            }
            _ => Content::Text(utf8(&raw, "text")?),
        }
    } else if t.is_xmtp("reaction") {
        Content::Reaction(decode_reaction(&raw, params)?)
    } else if t.is_xmtp("reply") {
        let inner = pb::EncodedContent::decode(raw.as_slice()).map_err(ContentError::Decode)?;
        Content::Reply {
            reference: param("reference")?.clone(),
            inner: Box::new(decode_encoded(inner, depth + 1, budget)?),
        }
    } else if t.is_xmtp("readReceipt") {
        Content::ReadReceipt
    } else if t.is_xmtp("attachment") {
        Content::Attachment {
            filename: param("filename")?.clone(),
            mime_type: param("mimeType")?.clone(),
            data: raw.clone(),
        }
    } else if t.is_xmtp("remoteStaticAttachment") {
        let hexp = |name: &'static str| hex::decode(param(name)?).map_err(|_| ContentError::BadParameter(name));
        let url = utf8(&raw, "remote attachment URL")?;
        if !url.starts_with("https") {
            return Err(ContentError::BadParameter("url"));
        }
        Content::RemoteAttachment(RemoteAttachment {
            url,
            content_digest: param("contentDigest")?.clone(),
            salt: hexp("salt")?,
            nonce: hexp("nonce")?,
            secret: hexp("secret")?,
            scheme: param("scheme")?.clone(),
            content_length: params.get("contentLength").and_then(|v| v.parse().ok()),
            filename: params.get("filename").cloned(),
        })
    } else {
        Content::Unknown
    };
    Ok(DecodedContent {
        content_type,
        content,
        fallback: encoded.fallback,
        parameters: encoded.parameters,
        compression,
        raw,
    })
}

fn utf8(bytes: &[u8], what: &'static str) -> Result<String, ContentError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ContentError::InvalidUtf8(what))
}

fn decode_reaction(raw: &[u8], params: &BTreeMap<String, String>) -> Result<Reaction, ContentError> {
    if let Ok(r) = serde_json::from_slice::<Reaction>(raw) {
        return Ok(r);
    }
    // Legacy form: action, reference and schema in parameters, the bare emoji as content.
    match (params.get("action"), params.get("reference"), params.get("schema")) {
        (Some(action), Some(reference), Some(schema)) => Ok(Reaction {
            reference: reference.clone(),
            action: action.clone(),
            schema: schema.clone(),
            content: utf8(raw, "reaction")?,
        }),
        _ => Err(ContentError::BadReaction),
    }
}

/// Decompresses at most `budget` bytes, and takes what it produced from the budget.
fn decompress(bytes: &[u8], how: Compression, budget: &mut u64) -> Result<Vec<u8>, ContentError> {
    let mut out = Vec::new();
    let reader: Box<dyn Read + '_> = match how {
        Compression::Deflate => Box::new(flate2::read::ZlibDecoder::new(bytes)),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(bytes)),
    };
    reader.take(*budget + 1).read_to_end(&mut out).map_err(|_| {
        ContentError::Decompression(match how {
            Compression::Deflate => "corrupt zlib stream",
            Compression::Gzip => "corrupt gzip stream",
        })
    })?;
    let produced = out.len() as u64;
    if produced > *budget {
        return Err(ContentError::TooLarge);
    }
    *budget -= produced;
    Ok(out)
}

#[cfg(test)]
mod tests;
