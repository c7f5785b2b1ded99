//! What sealing produces and opening consumes: the payload of one network envelope, with its
//! topic, timestamp and message id.

use crate::hash::sha256;

/// An envelope payload ready to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Where to publish it.
    pub topic: String,
    /// The envelope timestamp (ns).
    pub timestamp_ns: u64,
    /// `PB(Message)` or `PB(SealedInvitation)`.
    pub bytes: Vec<u8>,
}

impl Sealed {
    /// The message id: hex SHA-256 of the payload (spec §7.4, §9.4).
    pub fn id(&self) -> String {
        message_id(&self.bytes)
    }
}

/// The message id of an envelope payload: lowercase hex SHA-256 of its bytes.
pub fn message_id(payload: &[u8]) -> String {
    hex::encode(sha256(&[payload]))
}

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
