//! V2 invitations (spec §8): a conversation topic and a 32-byte key, sealed under 3DH for the
//! two participants and published to both invite topics.

use std::collections::BTreeMap;

use base64::Engine as _;
use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::address::WalletAddress;
use crate::cipher::{self, CipherError};
use crate::dh::{Role, three_dh};
use crate::envelope::{EnvelopeRef, Sealed};
use crate::hash::{hkdf_sha256, hmac_sha256};
use crate::keys::{BundleCache, BundleError, PeerBundle, PrivateKeyBundle, decode};
use crate::secret::Secret;
use crate::topic::{self, Topic};

/// Why an invitation could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvitationError {
    /// The payload or header is malformed, or a bundle in it is invalid.
    #[error("invitation: {0}")]
    Bundle(#[from] BundleError),
    /// `SealedInvitation` has no `v1`.
    #[error("not a V1 sealed invitation")]
    NotV1,
    /// A header or invitation field is absent or empty.
    #[error("invitation: {0} is missing")]
    Missing(&'static str),
    /// `header.created_ns` differs from the envelope timestamp.
    #[error("envelope and header timestamp mismatch")]
    TimestampMismatch,
    /// Neither party in the header is this identity.
    #[error("invitation is not addressed to this identity")]
    NotForMe,
    /// The header names a pre-key of ours that we do not have.
    #[error("no matching pre-key")]
    NoMatchingPreKey,
    /// Decryption failed.
    #[error("invitation: {0}")]
    Cipher(#[from] CipherError),
    /// The conversation topic has characters outside ASCII 0x21–0x7F, or is too long.
    #[error("invitation names an invalid topic")]
    InvalidTopic,
    /// `key_material` is not 32 bytes.
    #[error("invitation key material is {0} bytes, want 32")]
    BadKeyMaterial(usize),
}

/// Conversation context: an id (URI-like) and free-form metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// e.g. `xmtp.org/convo1`
    pub conversation_id: String,
    /// Free-form key/value pairs.
    pub metadata: BTreeMap<String, String>,
}

/// The contents of an invitation: where the conversation lives and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The full conversation topic, `/xmtp/0/m-<id>/proto`.
    pub topic: Topic,
    /// The conversation key (32 bytes).
    pub key_material: Secret<[u8; 32]>,
    /// Optional context.
    pub context: Option<Context>,
    /// Optional consent proof (spec §11.3), passed through as received.
    pub consent_proof: Option<pb::ConsentProofPayload>,
}

impl Invitation {
    /// The deterministic invitation xmtp-js ≥ 9.1 creates (spec §8.3): the same topic and key
    /// whichever party derives it. The key does not depend on the conversation id.
    pub fn deterministic(own: &PrivateKeyBundle, peer: &PeerBundle, context: Option<Context>) -> Self {
        Self::derived(own, own.current_pre_key().secret(), peer, context)
    }

    /// [`Invitation::deterministic`] with the pre-key `pre` of ours that the invitation named.
    fn derived(
        own: &PrivateKeyBundle,
        pre: &crate::ecc::PrivateKey,
        peer: &PeerBundle,
        context: Option<Context>,
    ) -> Self {
        let role = if own.address() < peer.address() { Role::Recipient } else { Role::Sender };
        let secret = three_dh(role, own.identity().secret(), pre, peer.identity().key(), peer.pre_key().key());
        Self::from_secret(own.address(), peer.address(), &secret, context)
    }

    /// The deterministic topic and key from the 3DH secret of the address-order roles.
    fn from_secret(
        me: &WalletAddress,
        them: &WalletAddress,
        secret: &Secret<[u8; 195]>,
        context: Option<Context>,
    ) -> Self {
        let (a1, a2) = if me < them { (me, them) } else { (them, me) };
        let conversation_id = context.as_ref().map_or("", |c| c.conversation_id.as_str());
        let msg = format!("{conversation_id}{a1},{a2}");
        let topic =
            topic::built(format!("/xmtp/0/m-{}/proto", hex::encode(hmac_sha256(secret.expose(), msg.as_bytes()))));
        let info = format!("0|{a1}|{a2}");
        let key_material = hkdf_sha256(secret.expose(), b"__XMTP__INVITATION__SALT__XMTP__", info.as_bytes());
        Self { topic, key_material, context, consent_proof: None }
    }

    /// A random invitation as clients before 9.1 made them (still valid; spec §8.3).
    pub fn random(context: Option<Context>, rng: &mut impl CryptoRngCore) -> Self {
        let mut id = [0u8; 32];
        rng.fill_bytes(&mut id);
        let r = base64::engine::general_purpose::STANDARD_NO_PAD.encode(id).replace('/', "-");
        let mut key = Secret::new([0u8; 32]);
        rng.fill_bytes(key.expose_mut());
        Self { topic: topic::built(format!("/xmtp/0/m-{r}/proto")), key_material: key, context, consent_proof: None }
    }

    fn to_proto(&self) -> pb::InvitationV1 {
        pb::InvitationV1 {
            topic: self.topic.as_str().to_owned(),
            context: self.context.as_ref().map(|c| pb::invitation_v1::Context {
                conversation_id: c.conversation_id.clone(),
                metadata: c.metadata.clone(),
            }),
            encryption: Some(pb::invitation_v1::Encryption::Aes256GcmHkdfSha256(
                pb::invitation_v1::Aes256gcmHkdfsha256 { key_material: self.key_material.expose().to_vec() },
            )),
            consent_proof: self.consent_proof.clone(),
        }
    }

    fn from_proto(mut inv: pb::InvitationV1) -> Result<Self, InvitationError> {
        if inv.topic.is_empty() {
            return Err(InvitationError::Missing("topic"));
        }
        let topic = Topic::parse(&inv.topic).map_err(|_| InvitationError::InvalidTopic)?;
        let Some(pb::invitation_v1::Encryption::Aes256GcmHkdfSha256(k)) = &mut inv.encryption else {
            return Err(InvitationError::Missing("key material"));
        };
        if k.key_material.is_empty() {
            return Err(InvitationError::Missing("key material"));
        }
        let key: [u8; 32] =
            k.key_material.as_slice().try_into().map_err(|_| InvitationError::BadKeyMaterial(k.key_material.len()))?;
        zeroize::Zeroize::zeroize(&mut k.key_material);
        Ok(Self {
            topic,
            key_material: Secret::new(key),
            context: inv.context.map(|c| Context { conversation_id: c.conversation_id, metadata: c.metadata }),
            consent_proof: inv.consent_proof,
        })
    }
}

/// An opened invitation, from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedInvitation {
    /// What it says.
    pub invitation: Invitation,
    /// The other participant.
    pub peer: WalletAddress,
    /// Who created it (us or the peer).
    pub inviter: WalletAddress,
    /// `header.created_ns` (= the envelope timestamp).
    pub created_ns: u64,
    /// Whether the topic and key are the deterministic derivation (§8.3) between the two
    /// participants: nobody else can make that pair, so such an invitation is the
    /// conversation's own. (Random ones, from clients before 9.1, cannot be told apart.)
    pub derived: bool,
}

/// Seals `invitation` from `own` to `peer` (spec §8.4). The same bytes go to both invite topics:
/// [`invite_topics`]; both envelopes carry `timestamp_ns = created_ns`.
pub fn seal(
    own: &PrivateKeyBundle,
    peer: &PeerBundle,
    invitation: &Invitation,
    created_ns: u64,
    rng: &mut impl CryptoRngCore,
) -> Sealed {
    let plain = Secret::new(invitation.to_proto().encode_to_vec());
    seal_encoded(own, peer, plain.expose(), created_ns, rng)
}

/// Like [`seal`], for an `InvitationV1` that is already encoded (map entries keep the order
/// they were written in; protobuf gives that order no meaning, but the bytes differ).
pub fn seal_encoded(
    own: &PrivateKeyBundle,
    peer: &PeerBundle,
    invitation_v1: &[u8],
    created_ns: u64,
    rng: &mut impl CryptoRngCore,
) -> Sealed {
    let header = pb::SealedInvitationHeaderV1 {
        sender: Some(own.signed_public_bundle().clone()),
        recipient: Some(peer.to_signed_proto()),
        created_ns,
    };
    let header_bytes = header.encode_to_vec();
    let pre = own.current_pre_key();
    let secret =
        three_dh(Role::Sender, own.identity().secret(), pre.secret(), peer.identity().key(), peer.pre_key().key());
    let ciphertext = cipher::encrypt(secret.expose(), invitation_v1, &header_bytes, rng);
    let sealed = pb::SealedInvitation {
        version: Some(pb::sealed_invitation::Version::V1(pb::SealedInvitationV1 {
            header_bytes,
            ciphertext: Some(ciphertext),
        })),
    };
    Sealed { topic: topic::invite(peer.address()), timestamp_ns: created_ns, bytes: sealed.encode_to_vec() }
}

/// The topics a sealed invitation is published to: the peer's invite topic, then our own.
pub fn invite_topics(own: &WalletAddress, peer: &WalletAddress) -> [Topic; 2] {
    [topic::invite(peer), topic::invite(own)]
}

/// Opens an invitation read from an invite topic, as its sender or its recipient (spec §8.5).
pub fn open(
    own: &PrivateKeyBundle,
    envelope: EnvelopeRef<'_>,
    cache: &BundleCache,
) -> Result<OpenedInvitation, InvitationError> {
    let sealed: pb::SealedInvitation = decode("SealedInvitation", envelope.payload)?;
    let Some(pb::sealed_invitation::Version::V1(v1)) = sealed.version else {
        return Err(InvitationError::NotV1);
    };
    let header: pb::SealedInvitationHeaderV1 = decode("SealedInvitationHeaderV1", &v1.header_bytes)?;
    if header.created_ns != envelope.timestamp_ns {
        return Err(InvitationError::TimestampMismatch);
    }
    let sender_pb = header.sender.as_ref().ok_or(InvitationError::Missing("sender"))?;
    let recipient_pb = header.recipient.as_ref().ok_or(InvitationError::Missing("recipient"))?;
    let ciphertext = v1.ciphertext.as_ref().ok_or(InvitationError::Missing("ciphertext"))?;
    // Only the side that is us is looked at before the other; the peer's bundle is verified
    // (pre-key signature, wallet address) by the cache.
    let (role, mine_pb, peer_pb) = if is_own(own, sender_pb) {
        (Role::Sender, sender_pb, recipient_pb)
    } else if is_own(own, recipient_pb) {
        (Role::Recipient, recipient_pb, sender_pb)
    } else {
        return Err(InvitationError::NotForMe);
    };
    let peer = cache.signed(peer_pb)?;
    let mine_pre =
        crate::keys::SignedKey::from_signed(mine_pb.pre_key.as_ref().ok_or(InvitationError::Missing("pre-key"))?)?;
    let pre = own.pre_key_for(mine_pre.key()).ok_or(InvitationError::NoMatchingPreKey)?;
    let secret = three_dh(role, own.identity().secret(), pre.secret(), peer.identity().key(), peer.pre_key().key());
    let plain = cipher::decrypt(secret.expose(), ciphertext, &v1.header_bytes)?;
    let inv: pb::InvitationV1 = decode("InvitationV1", plain.expose())?;
    let invitation = Invitation::from_proto(inv)?;
    let inviter = if role == Role::Sender { own.address().clone() } else { peer.address().clone() };
    // The deterministic derivation's secret is this one with the roles by address order: the
    // same bytes when the inviter has the larger address, else dh1 and dh2 swapped (§5.1) — no
    // more point multiplications.
    let by_order = if own.address() < peer.address() { Role::Recipient } else { Role::Sender };
    let mut det = secret.clone();
    if by_order != role {
        let buf = det.expose_mut();
        let (dh1, rest) = buf.split_at_mut(65);
        dh1.swap_with_slice(&mut rest[..65]);
    }
    let expected = Invitation::from_secret(own.address(), peer.address(), &det, invitation.context.clone());
    let derived = expected.topic == invitation.topic && expected.key_material == invitation.key_material;
    Ok(OpenedInvitation { invitation, peer: peer.address().clone(), inviter, created_ns: header.created_ns, derived })
}

fn is_own(own: &PrivateKeyBundle, bundle: &pb::SignedPublicKeyBundle) -> bool {
    bundle
        .identity_key
        .as_ref()
        .and_then(|k| crate::keys::SignedKey::from_signed(k).ok())
        .is_some_and(|k| own.is_own_identity(k.key()))
}
