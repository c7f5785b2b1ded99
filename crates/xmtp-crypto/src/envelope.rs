//! What sealing produces and opening consumes: the payload of one network envelope, with its
//! topic, timestamp and message id.

use std::fmt;
use std::str::FromStr;

use crate::hash::sha256;
use crate::topic::Topic;

/// An envelope payload ready to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Where to publish it.
    pub topic: Topic,
    /// The envelope timestamp (ns).
    pub timestamp_ns: u64,
    /// `PB(Message)` or `PB(SealedInvitation)`.
    pub bytes: Vec<u8>,
}

impl Sealed {
    /// The message id: SHA-256 of the payload (spec §7.4, §9.4).
    pub fn id(&self) -> MessageId {
        message_id(&self.bytes)
    }
}

/// The message id of an envelope payload: SHA-256 of its bytes.
pub fn message_id(payload: &[u8]) -> MessageId {
    MessageId(sha256(&[payload]))
}

/// Why a string is not a message id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageIdError {
    /// Not 64 hexadecimal digits.
    #[error("not a message id (want 64 hex digits)")]
    Malformed,
}

/// A message id: the SHA-256 of the envelope payload (spec §7.4, §9.4), written as 64 lowercase
/// hex digits, as the reference SDK shows it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId([u8; 32]);

impl MessageId {
    /// Parses 64 hex digits (either case).
    pub fn parse(s: &str) -> Result<Self, MessageIdError> {
        let mut raw = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut raw).map_err(|_| MessageIdError::Malformed)?;
        Ok(Self(raw))
    }

    /// The 32 bytes.
    pub fn to_bytes(self) -> [u8; 32] {
        self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageId({})", hex::encode(self.0))
    }
}

impl FromStr for MessageId {
    type Err = MessageIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

crate::text_serde!(MessageId);

/// An envelope as received: topic, timestamp and payload, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeRef<'a> {
    /// `content_topic`
    pub topic: &'a str,
    /// `timestamp_ns`
    pub timestamp_ns: u64,
    /// `message`
    pub payload: &'a [u8],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_hex_sha256_and_parse_back() {
        let id = message_id(b"abc");
        assert_eq!(id.to_string(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(MessageId::parse(&id.to_string().to_uppercase()).unwrap(), id);
        for bad in ["", "ba78", "zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"] {
            assert_eq!(MessageId::parse(bad), Err(MessageIdError::Malformed));
        }
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
    }
}
