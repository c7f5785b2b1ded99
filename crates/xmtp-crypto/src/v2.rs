//! V2 messages (spec §9): content signed by the sender's pre-key, encrypted under the
//! conversation's key material, with the sender HMAC for push servers.

use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::address::WalletAddress;
use crate::cipher::{self, CipherError};
use crate::ecc::KeyError;
use crate::envelope::{EnvelopeRef, MessageId, Sealed, message_id};
use crate::hash::{hkdf_sha256, hmac_sha256, sha256};
use crate::keys::{
    BundleCache, BundleError, PrivateKeyBundle, SignatureKind, decode, signature_from_proto, signature_to_proto,
};
use crate::topic::{self, Topic};

/// Why a V2 message could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum V2Error {
    /// The payload is malformed, or the sender's bundle is invalid.
    #[error("V2 message: {0}")]
    Bundle(#[from] BundleError),
    /// `Message` holds a V1 message or nothing.
    #[error("not a V2 message")]
    NotV2,
    /// A field is absent.
    #[error("V2 message: {0} is missing")]
    Missing(&'static str),
    /// `header.topic` is not the conversation this envelope is processed for.
    #[error("topic mismatch: header names another conversation")]
    TopicMismatch,
    /// Decryption failed (wrong key material or tampering).
    #[error("V2 message: {0}")]
    Cipher(#[from] CipherError),
    /// The content signature is malformed or does not verify with the sender's pre-key.
    #[error("invalid signature")]
    BadSignature,
}

/// A V2 message after opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedV2 {
    /// The author (from `SignedContent.sender`).
    pub sender: WalletAddress,
    /// `header.created_ns`.
    pub sent_ns: u64,
    /// SHA-256 of the payload.
    pub id: MessageId,
    /// `PB(EncodedContent)`.
    pub encoded_content: Vec<u8>,
    /// `sender_hmac` if present (not verified: it is for push servers).
    pub sender_hmac: Option<Vec<u8>>,
    /// `should_push` if present.
    pub should_push: Option<bool>,
}

/// The 30-day period number used by the sender HMAC: `floor(ms / 2_592_000_000)`.
pub fn thirty_day_period(now_ms: u64) -> u64 {
    now_ms / 2_592_000_000
}

/// The per-period HMAC key for a sender (spec §9.2 step 8); push servers are given these.
pub fn sender_hmac_key(key_material: &[u8], period: u64, sender: &WalletAddress) -> crate::secret::Secret<[u8; 32]> {
    hkdf_sha256(key_material, &[], format!("{period}-{sender}").as_bytes())
}

/// Seals `encoded_content` into the conversation `conversation_topic` (`/xmtp/0/m-…/proto`).
/// With `ephemeral`, the envelope goes to the `mE-` twin while the header keeps the `m-` topic.
#[allow(clippy::too_many_arguments)]
pub fn seal(
    own: &PrivateKeyBundle,
    conversation_topic: &Topic,
    key_material: &[u8],
    encoded_content: &[u8],
    created_ns: u64,
    should_push: bool,
    ephemeral: bool,
    rng: &mut impl CryptoRngCore,
) -> Sealed {
    let header_bytes =
        pb::MessageHeaderV2 { created_ns, topic: conversation_topic.as_str().to_owned() }.encode_to_vec();
    let digest = sha256(&[&header_bytes, encoded_content]);
    let signature = own.current_pre_key().secret().sign_prehash(&digest);
    let signed = pb::SignedContent {
        payload: encoded_content.to_vec(),
        sender: Some(own.signed_public_bundle().clone()),
        signature: Some(signature_to_proto(SignatureKind::EcdsaCompact, &signature)),
    }
    .encode_to_vec();
    let ciphertext = cipher::encrypt(key_material, &signed, &header_bytes, rng);
    let period = thirty_day_period(created_ns / 1_000_000);
    let hmac_key = sender_hmac_key(key_material, period, own.address());
    let sender_hmac = hmac_sha256(hmac_key.expose(), &header_bytes).to_vec();
    let msg = pb::Message {
        version: Some(pb::message::Version::V2(pb::MessageV2 {
            header_bytes,
            ciphertext: Some(ciphertext),
            sender_hmac: Some(sender_hmac),
            should_push: Some(should_push),
        })),
    };
    let topic = if ephemeral {
        topic::ephemeral(conversation_topic).unwrap_or_else(|| conversation_topic.clone())
    } else {
        conversation_topic.clone()
    };
    Sealed { topic, timestamp_ns: created_ns, bytes: msg.encode_to_vec() }
}

/// Opens a V2 message of the conversation `conversation_topic` (spec §9.4). The envelope may
/// come from the `mE-` twin; the header must still name `conversation_topic`.
pub fn open(
    conversation_topic: &Topic,
    key_material: &[u8],
    envelope: EnvelopeRef<'_>,
    cache: &BundleCache,
) -> Result<OpenedV2, V2Error> {
    let msg: pb::Message = decode("Message", envelope.payload)?;
    let Some(pb::message::Version::V2(v2)) = msg.version else {
        return Err(V2Error::NotV2);
    };
    let header: pb::MessageHeaderV2 = decode("MessageHeaderV2", &v2.header_bytes)?;
    if header.topic != conversation_topic.as_str() {
        return Err(V2Error::TopicMismatch);
    }
    let ciphertext = v2.ciphertext.as_ref().ok_or(V2Error::Missing("ciphertext"))?;
    let plain = cipher::decrypt(key_material, ciphertext, &v2.header_bytes)?;
    let signed: pb::SignedContent = decode("SignedContent", plain.expose())?;
    let sender_pb = signed.sender.as_ref().ok_or(V2Error::Missing("sender"))?;
    let sig_pb = signed.signature.as_ref().ok_or(V2Error::Missing("signature"))?;
    let (kind, signature) = signature_from_proto(sig_pb).map_err(|_: KeyError| V2Error::BadSignature)?;
    if kind != SignatureKind::EcdsaCompact {
        return Err(V2Error::BadSignature);
    }
    let sender = cache.signed(sender_pb)?;
    let digest = sha256(&[&v2.header_bytes, &signed.payload]);
    sender.pre_key().key().verify_prehash(&digest, &signature).map_err(|_| V2Error::BadSignature)?;
    Ok(OpenedV2 {
        sender: sender.address().clone(),
        sent_ns: header.created_ns,
        id: message_id(envelope.payload),
        encoded_content: signed.payload,
        sender_hmac: v2.sender_hmac,
        should_push: v2.should_push,
    })
}
