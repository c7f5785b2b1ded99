//! Message content (spec §10): `EncodedContent`, content type ids, compression, and the standard
//! codecs (text, reaction, reply, read receipt, attachment, remote attachment). Unknown types are
//! not errors: they are kept with their fallback text.

use std::fmt;

use xmtp_proto::message_contents as pb;

mod decode;
mod encode;
mod order;
pub mod remote;
mod types;

pub use decode::{decode, decode_within};
pub use encode::{attachment, compress, reaction, read_receipt, remote_attachment, reply, text};
pub use order::to_bytes;
pub use types::{Attachment, Content, DecodedContent, Reaction, ReactionAction, ReactionSchema, RemoteAttachment};

/// The most one message's content may decompress to, all nesting levels together (a reply's
/// compressed inner content counts against the same budget as its outer layer). An envelope
/// holds at most about 1 MiB, so real content stays far below; a compression bomb stops here,
/// after bounded work and memory, instead of at 100 MiB per level (the reference's per-level
/// maximum).
pub const MAX_DECOMPRESSED_BYTES: u64 = 8 * 1024 * 1024;

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
    pub fn is_xmtp(&self, type_id: &str) -> bool {
        self.authority_id == "xmtp.org" && self.type_id == type_id && self.version_major <= 1
    }

    pub(crate) fn from_proto(t: &pb::ContentTypeId) -> Self {
        Self {
            authority_id: t.authority_id.clone(),
            type_id: t.type_id.clone(),
            version_major: t.version_major,
            version_minor: t.version_minor,
        }
    }

    pub(crate) fn to_proto(&self) -> pb::ContentTypeId {
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

#[cfg(test)]
mod codec_tests;
#[cfg(test)]
mod tests;
