//! V1 direct messages (spec §7): one conversation per pair of accounts on the `dm-` topic,
//! encrypted under the 3DH secret, authenticated by it (no content signature).

use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::address::WalletAddress;
use crate::cipher::{self, CipherError};
use crate::dh::{Role, three_dh};
use crate::envelope::{EnvelopeRef, MessageId, Sealed, message_id};
use crate::keys::{BundleCache, BundleError, PeerBundle, PrivateKeyBundle, decode};
use crate::secret::Secret;
use crate::topic::{self, Topic};

/// Why a V1 message could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V1Error {
    /// The payload or header is malformed, or a bundle in it is invalid.
    #[error("V1 message: {0}")]
    Bundle(#[from] BundleError),
    /// `Message` holds a V2 message or nothing.
    #[error("not a V1 message")]
    NotV1,
    /// A header field is absent.
    #[error("V1 header: {0} is missing")]
    Missing(&'static str),
    /// The header's addresses do not belong to the topic the envelope was read from.
    #[error("headers do not match intended recipient (dm topic mismatch)")]
    TopicMismatch,
    /// Neither the sender nor the recipient in the header is this identity.
    #[error("message is not addressed to this identity")]
    NotForMe,
    /// The header names a pre-key of ours that we do not have.
    #[error("no matching pre-key")]
    NoMatchingPreKey,
    /// Decryption failed.
    #[error("V1 message: {0}")]
    Cipher(#[from] CipherError),
}

/// A V1 message after opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedV1 {
    /// The author (from the header's sender identity key).
    pub sender: WalletAddress,
    /// The recipient.
    pub recipient: WalletAddress,
    /// The `dm-` topic of the conversation.
    pub dm_topic: Topic,
    /// `header.timestamp`, in ms.
    pub sent_ms: u64,
    /// SHA-256 of the payload.
    pub id: MessageId,
    /// `PB(EncodedContent)`.
    pub encoded_content: Vec<u8>,
}

/// Seals `encoded_content` (`PB(EncodedContent)`) from `own` to `peer` at `timestamp_ms`
/// (spec §7.3). The result is for the conversation topic; the first message to a peer is also
/// published, byte for byte, to both intro topics (see [`intro_topics`]).
pub fn seal(
    own: &PrivateKeyBundle,
    peer: &PeerBundle,
    encoded_content: &[u8],
    timestamp_ms: u64,
    rng: &mut impl CryptoRngCore,
) -> Result<Sealed, V1Error> {
    let header = pb::MessageHeaderV1 {
        sender: Some(own.public_bundle().clone()),
        recipient: Some(peer.to_legacy_proto()?),
        timestamp: timestamp_ms,
    };
    let header_bytes = header.encode_to_vec();
    let pre = own.current_pre_key();
    let secret =
        three_dh(Role::Sender, own.identity().secret(), pre.secret(), peer.identity().key(), peer.pre_key().key());
    let ciphertext = cipher::encrypt(secret.expose(), encoded_content, &header_bytes, rng);
    let msg = pb::Message {
        version: Some(pb::message::Version::V1(pb::MessageV1 { header_bytes, ciphertext: Some(ciphertext) })),
    };
    Ok(Sealed {
        topic: topic::dm(own.address(), peer.address()),
        timestamp_ns: timestamp_ms.saturating_mul(1_000_000),
        bytes: msg.encode_to_vec(),
    })
}

/// The intro topics a first message is also published to: the peer's, then our own.
pub fn intro_topics(own: &WalletAddress, peer: &WalletAddress) -> [Topic; 2] {
    [topic::intro(peer), topic::intro(own)]
}

/// Opens a V1 message read from a `dm-`, `dmE-` or `intro-` topic (spec §7.4). For intro topics
/// the dm-topic check is skipped (the envelope says nothing about the pair); the caller learns
/// the conversation from `dm_topic`.
pub fn open(own: &PrivateKeyBundle, envelope: EnvelopeRef<'_>, cache: &BundleCache) -> Result<OpenedV1, V1Error> {
    let msg: pb::Message = decode("Message", envelope.payload)?;
    let Some(pb::message::Version::V1(v1)) = msg.version else {
        return Err(V1Error::NotV1);
    };
    let header: pb::MessageHeaderV1 = decode("MessageHeaderV1", &v1.header_bytes)?;
    let sender_pb = header.sender.as_ref().ok_or(V1Error::Missing("sender"))?;
    let recipient_pb = header.recipient.as_ref().ok_or(V1Error::Missing("recipient"))?;
    let sender = cache.legacy(sender_pb)?;
    let recipient = cache.legacy(recipient_pb)?;
    let dm_topic = topic::dm(sender.address(), recipient.address());
    if !envelope.topic.starts_with("/xmtp/0/intro-") && topic::conversation_of(envelope.topic) != dm_topic.as_str() {
        return Err(V1Error::TopicMismatch);
    }
    let ciphertext = v1.ciphertext.as_ref().ok_or(V1Error::Missing("ciphertext"))?;
    let secret = secret_for(own, &sender, &recipient)?;
    let plain = cipher::decrypt(secret.expose(), ciphertext, &v1.header_bytes)?;
    Ok(OpenedV1 {
        sender: sender.address().clone(),
        recipient: recipient.address().clone(),
        dm_topic,
        sent_ms: header.timestamp,
        id: message_id(envelope.payload),
        encoded_content: plain.expose().clone(),
    })
}

/// The 3DH secret from our side of the header (spec §7.4 step 4).
fn secret_for(
    own: &PrivateKeyBundle,
    sender: &PeerBundle,
    recipient: &PeerBundle,
) -> Result<Secret<[u8; 195]>, V1Error> {
    let (role, mine, peer) = if own.is_own_identity(sender.identity().key()) {
        (Role::Sender, sender, recipient)
    } else if own.is_own_identity(recipient.identity().key()) {
        (Role::Recipient, recipient, sender)
    } else {
        return Err(V1Error::NotForMe);
    };
    let pre = own.pre_key_for(mine.pre_key().key()).ok_or(V1Error::NoMatchingPreKey)?;
    Ok(three_dh(role, own.identity().secret(), pre.secret(), peer.identity().key(), peer.pre_key().key()))
}
