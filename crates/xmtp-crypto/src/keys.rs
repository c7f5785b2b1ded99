//! Identity keys, pre-keys and their bundles (spec §3, §4): the legacy (V1) and V2 encodings,
//! lossless conversion between them, verification of a peer's bundle, and the own private key
//! bundle (generate, decode, encode; in `own`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::address::WalletAddress;
use crate::ecc::{self, KeyError, PrivateKey, PublicKey, RecoverableSignature};
use crate::hash::sha256;
use crate::secret::Secret;
use crate::wallet::{WalletSigner, create_identity_text, eip191_hash};

mod own;

pub use own::{OwnKey, PrivateKeyBundle};

/// Errors about key bundles: decoding, signatures, conversions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The bytes are not the expected protobuf message.
    #[error("malformed {what}: {source}")]
    Decode {
        /// Which message was being decoded.
        what: &'static str,
        /// prost's description of the problem.
        source: prost::DecodeError,
    },
    /// A required field is absent.
    #[error("{0} is missing")]
    Missing(&'static str),
    /// A key or signature is malformed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A V2 identity key whose signature is not `wallet_ecdsa_compact`.
    #[error("identity key is not signed by a wallet")]
    NotWalletSigned,
    /// The pre-key's signature does not verify with the identity key.
    #[error("pre-key signature invalid: the pre-key is not signed by the identity key")]
    PreKeyNotSigned,
    /// A V2 key that has no legacy form (V2-native timestamp, or non-canonical key bytes).
    #[error("key cannot be converted to the legacy (V1) format")]
    NotLegacyConvertible,
    /// A private key's stored public key is not the one derived from its secret.
    #[error("stored public key does not match the private key")]
    PublicKeyMismatch,
    /// A private key bundle without pre-keys.
    #[error("private key bundle has no pre-keys")]
    NoPreKeys,
    /// A stored `PrivateKeyBundle{v2}`: the reference refuses to load these, and so do we.
    #[error("V2 private key bundles cannot be loaded (store the legacy V1 bundle)")]
    V2BundleNotLoadable,
    /// The bundle belongs to another wallet than expected.
    #[error("key bundle belongs to {found}, expected {expected}")]
    WrongWallet {
        /// The address the caller expected.
        expected: WalletAddress,
        /// The address the identity key's signature recovers to.
        found: WalletAddress,
    },
}

pub(crate) fn decode<M: prost::Message + Default>(what: &'static str, bytes: &[u8]) -> Result<M, BundleError> {
    M::decode(bytes).map_err(|source| BundleError::Decode { what, source })
}

/// Which `Signature` member carried a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureKind {
    /// `ecdsa_compact` (field 1).
    EcdsaCompact,
    /// `wallet_ecdsa_compact` (field 2).
    WalletEcdsaCompact,
}

/// Splits a protobuf `Signature` into its kind and compact signature.
pub fn signature_from_proto(sig: &pb::Signature) -> Result<(SignatureKind, RecoverableSignature), KeyError> {
    use pb::signature::Union;
    match &sig.union {
        Some(Union::EcdsaCompact(c)) => {
            Ok((SignatureKind::EcdsaCompact, RecoverableSignature::new(&c.bytes, c.recovery)?))
        }
        Some(Union::WalletEcdsaCompact(c)) => {
            Ok((SignatureKind::WalletEcdsaCompact, RecoverableSignature::new(&c.bytes, c.recovery)?))
        }
        None => Err(KeyError::MalformedSignature("signature has no member")),
    }
}

/// Builds a protobuf `Signature` of the given kind.
pub fn signature_to_proto(kind: SignatureKind, sig: &RecoverableSignature) -> pb::Signature {
    use pb::signature::{EcdsaCompact, Union, WalletEcdsaCompact};
    let bytes = sig.rs.to_vec();
    let recovery = u32::from(sig.recovery);
    pb::Signature {
        union: Some(match kind {
            SignatureKind::EcdsaCompact => Union::EcdsaCompact(EcdsaCompact { bytes, recovery }),
            SignatureKind::WalletEcdsaCompact => Union::WalletEcdsaCompact(WalletEcdsaCompact { bytes, recovery }),
        }),
    }
}

/// The signed bytes of a legacy `PublicKey`: `PB(PublicKey{timestamp, key})` without its
/// signature, canonical (spec §3.3). Also the V2 `key_bytes` of a converted key.
pub fn legacy_bytes_to_sign(timestamp: u64, key: &PublicKey) -> Vec<u8> {
    pb::PublicKey {
        timestamp,
        signature: None,
        union: Some(pb::public_key::Union::Secp256k1Uncompressed(pb::public_key::Secp256k1Uncompressed {
            bytes: key.to_uncompressed().to_vec(),
        })),
    }
    .encode_to_vec()
}

/// The wire format a key arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// Legacy `PublicKey` (signature inside, signed bytes reconstructed).
    Legacy,
    /// V2 `SignedPublicKey` (signature over embedded `key_bytes`).
    V2,
}

/// A signed public key in either format, with the exact bytes its signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedKey {
    key: PublicKey,
    /// The timestamp field as written: ms for legacy and legacy-derived keys, ns for V2-native.
    created: u64,
    signed_bytes: Vec<u8>,
    signature: RecoverableSignature,
    kind: SignatureKind,
    format: KeyFormat,
}

impl SignedKey {
    /// Reads a legacy `PublicKey`; the signature may be either member (spec §3.3).
    pub fn from_legacy(key: &pb::PublicKey) -> Result<Self, BundleError> {
        let bytes = match &key.union {
            Some(pb::public_key::Union::Secp256k1Uncompressed(k)) => &k.bytes,
            None => return Err(BundleError::Missing("public key bytes")),
        };
        let public = PublicKey::from_uncompressed(bytes)?;
        let sig = key.signature.as_ref().ok_or(BundleError::Missing("public key signature"))?;
        let (kind, signature) = signature_from_proto(sig)?;
        Ok(Self {
            key: public,
            created: key.timestamp,
            signed_bytes: legacy_bytes_to_sign(key.timestamp, &public),
            signature,
            kind,
            format: KeyFormat::Legacy,
        })
    }

    /// Reads a V2 `SignedPublicKey`; `key_bytes` are kept verbatim.
    pub fn from_signed(key: &pb::SignedPublicKey) -> Result<Self, BundleError> {
        let unsigned: pb::UnsignedPublicKey = decode("UnsignedPublicKey", &key.key_bytes)?;
        let bytes = match &unsigned.union {
            Some(pb::unsigned_public_key::Union::Secp256k1Uncompressed(k)) => &k.bytes,
            None => return Err(BundleError::Missing("public key bytes")),
        };
        let public = PublicKey::from_uncompressed(bytes)?;
        let sig = key.signature.as_ref().ok_or(BundleError::Missing("public key signature"))?;
        let (kind, signature) = signature_from_proto(sig)?;
        Ok(Self {
            key: public,
            created: unsigned.created_ns,
            signed_bytes: key.key_bytes.clone(),
            signature,
            kind,
            format: KeyFormat::V2,
        })
    }

    /// A new legacy key (ms timestamp) whose bytes-to-sign `sign` signs; legacy keys carry
    /// their signature as `ecdsa_compact`, wallet-made or not (spec §3.3).
    fn legacy_signed<E>(
        key: PublicKey,
        timestamp_ms: u64,
        sign: impl FnOnce(&[u8]) -> Result<RecoverableSignature, E>,
    ) -> Result<Self, E> {
        let signed_bytes = legacy_bytes_to_sign(timestamp_ms, &key);
        let signature = sign(&signed_bytes)?;
        Ok(Self {
            key,
            created: timestamp_ms,
            signed_bytes,
            signature,
            kind: SignatureKind::EcdsaCompact,
            format: KeyFormat::Legacy,
        })
    }

    /// A pre-key signed by the identity key over SHA-256 of its bytes-to-sign (spec §3.6 step 3).
    fn signed_by_identity(key: PublicKey, timestamp_ms: u64, identity: &PrivateKey) -> Self {
        let sign = |bytes: &[u8]| Ok::<_, std::convert::Infallible>(identity.sign_prehash(&sha256(&[bytes])));
        match Self::legacy_signed(key, timestamp_ms, sign) {
            Ok(k) => k,
            Err(never) => match never {},
        }
    }

    /// A legacy key with a signature already made over its bytes-to-sign.
    fn legacy_presigned(key: PublicKey, timestamp_ms: u64, signature: RecoverableSignature) -> Self {
        match Self::legacy_signed(key, timestamp_ms, |_| Ok::<_, std::convert::Infallible>(signature)) {
            Ok(k) => k,
            Err(never) => match never {},
        }
    }

    /// An identity key whose Create Identity text the wallet signs (spec §3.6 step 2).
    fn wallet_signed(key: PublicKey, timestamp_ms: u64, wallet: &dyn WalletSigner) -> Result<Self, KeyError> {
        Self::legacy_signed(key, timestamp_ms, |bytes| {
            Ok(wallet.sign_personal(create_identity_text(bytes).as_bytes())?.to_compact())
        })
    }

    /// The public key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The timestamp field as written (ms for legacy-derived keys).
    pub fn created_raw(&self) -> u64 {
        self.created
    }

    /// Creation time in ms: `created` if below 10^18 (legacy-derived), else `created / 10^6`.
    pub fn created_ms(&self) -> u64 {
        if self.created < 1_000_000_000_000_000_000 { self.created } else { self.created / 1_000_000 }
    }

    /// The bytes the signature covers.
    pub fn signed_bytes(&self) -> &[u8] {
        &self.signed_bytes
    }

    /// The signature.
    pub fn signature(&self) -> &RecoverableSignature {
        &self.signature
    }

    /// The address of the wallet that signed this identity key (spec §3.7a). A V2 key must carry
    /// a `wallet_ecdsa_compact` signature; a legacy key may carry either member.
    pub fn wallet_address(&self) -> Result<WalletAddress, BundleError> {
        if self.format == KeyFormat::V2 && self.kind != SignatureKind::WalletEcdsaCompact {
            return Err(BundleError::NotWalletSigned);
        }
        let text = create_identity_text(&self.signed_bytes);
        Ok(self.signature.recover(&eip191_hash(text.as_bytes()))?.address())
    }

    /// Checks that this pre-key is signed by `identity` over SHA-256 of its signed bytes (spec
    /// §3.7b), with an `ecdsa_compact` signature, low-S.
    pub fn verify_signed_by(&self, identity: &PublicKey) -> Result<(), BundleError> {
        if self.kind != SignatureKind::EcdsaCompact {
            return Err(BundleError::PreKeyNotSigned);
        }
        identity
            .verify_prehash(&sha256(&[&self.signed_bytes]), &self.signature)
            .map_err(|_| BundleError::PreKeyNotSigned)
    }

    /// The legacy `PublicKey`, possible when the signed bytes are exactly the legacy
    /// bytes-to-sign with a ms timestamp (spec §3.5). Identity keys get `ecdsa_compact`.
    pub fn to_legacy_proto(&self) -> Result<pb::PublicKey, BundleError> {
        if self.format == KeyFormat::V2
            && (self.created >= 1_000_000_000_000_000_000
                || self.signed_bytes != legacy_bytes_to_sign(self.created, &self.key))
        {
            return Err(BundleError::NotLegacyConvertible);
        }
        Ok(pb::PublicKey {
            timestamp: self.created,
            signature: Some(signature_to_proto(
                if self.format == KeyFormat::Legacy { self.kind } else { SignatureKind::EcdsaCompact },
                &self.signature,
            )),
            union: Some(pb::public_key::Union::Secp256k1Uncompressed(pb::public_key::Secp256k1Uncompressed {
                bytes: self.key.to_uncompressed().to_vec(),
            })),
        })
    }

    /// The V2 `SignedPublicKey`. For a legacy identity key the signature moves to
    /// `wallet_ecdsa_compact`; pre-keys keep `ecdsa_compact` (spec §3.5).
    pub fn to_signed_proto(&self, is_identity: bool) -> pb::SignedPublicKey {
        let kind = match (self.format, is_identity) {
            (KeyFormat::V2, _) => self.kind,
            (KeyFormat::Legacy, true) => SignatureKind::WalletEcdsaCompact,
            (KeyFormat::Legacy, false) => SignatureKind::EcdsaCompact,
        };
        pb::SignedPublicKey {
            key_bytes: self.signed_bytes.clone(),
            signature: Some(signature_to_proto(kind, &self.signature)),
        }
    }
}

/// A peer's public bundle (identity key + pre-key) whose identity signature has been recovered
/// to an address and whose pre-key signature has been verified. Holding one means both checks
/// passed; use a [`BundleCache`] to do them once per distinct bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerBundle {
    address: WalletAddress,
    identity: SignedKey,
    pre_key: SignedKey,
}

impl PeerBundle {
    /// Verifies a pair of keys: recovers the wallet address, checks the pre-key signature.
    pub fn verify(identity: SignedKey, pre_key: SignedKey) -> Result<Self, BundleError> {
        pre_key.verify_signed_by(identity.key())?;
        let address = identity.wallet_address()?;
        Ok(Self { address, identity, pre_key })
    }

    /// From a legacy `PublicKeyBundle`.
    pub fn from_legacy(bundle: &pb::PublicKeyBundle) -> Result<Self, BundleError> {
        let identity =
            SignedKey::from_legacy(bundle.identity_key.as_ref().ok_or(BundleError::Missing("identity key"))?)?;
        let pre_key = SignedKey::from_legacy(bundle.pre_key.as_ref().ok_or(BundleError::Missing("pre-key"))?)?;
        Self::verify(identity, pre_key)
    }

    /// From a V2 `SignedPublicKeyBundle`.
    pub fn from_signed(bundle: &pb::SignedPublicKeyBundle) -> Result<Self, BundleError> {
        let identity =
            SignedKey::from_signed(bundle.identity_key.as_ref().ok_or(BundleError::Missing("identity key"))?)?;
        let pre_key = SignedKey::from_signed(bundle.pre_key.as_ref().ok_or(BundleError::Missing("pre-key"))?)?;
        Self::verify(identity, pre_key)
    }

    /// From the payload of a `contact-` envelope: a `ContactBundle` (v1 or v2), or a bare legacy
    /// `PublicKeyBundle` from very old clients (spec §4.2).
    pub fn from_contact_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        match pb::ContactBundle::decode(bytes) {
            Ok(pb::ContactBundle { version: Some(pb::contact_bundle::Version::V1(v1)) }) => {
                Self::from_legacy(v1.key_bundle.as_ref().ok_or(BundleError::Missing("contact key bundle"))?)
            }
            Ok(pb::ContactBundle { version: Some(pb::contact_bundle::Version::V2(v2)) }) => {
                Self::from_signed(v2.key_bundle.as_ref().ok_or(BundleError::Missing("contact key bundle"))?)
            }
            _ => Self::from_legacy(&decode::<pb::PublicKeyBundle>("contact bundle", bytes)?),
        }
    }

    /// The wallet address the identity key belongs to.
    pub fn address(&self) -> &WalletAddress {
        &self.address
    }

    /// The identity key.
    pub fn identity(&self) -> &SignedKey {
        &self.identity
    }

    /// The pre-key.
    pub fn pre_key(&self) -> &SignedKey {
        &self.pre_key
    }

    /// The legacy bundle, for V1 headers (fails for V2-native keys).
    pub fn to_legacy_proto(&self) -> Result<pb::PublicKeyBundle, BundleError> {
        Ok(pb::PublicKeyBundle {
            identity_key: Some(self.identity.to_legacy_proto()?),
            pre_key: Some(self.pre_key.to_legacy_proto()?),
        })
    }

    /// The V2 bundle, for invitation headers and `SignedContent`.
    pub fn to_signed_proto(&self) -> pb::SignedPublicKeyBundle {
        pb::SignedPublicKeyBundle {
            identity_key: Some(self.identity.to_signed_proto(true)),
            pre_key: Some(self.pre_key.to_signed_proto(false)),
        }
    }
}

/// Bundles already verified, keyed by SHA-256 of their canonical encoding, so that a sender's
/// bundle is checked once rather than for every message (the result of verification depends
/// only on the parsed fields, so the cache cannot return a different verdict). Shared between
/// threads; bounded (cleared when full).
#[derive(Debug, Default)]
pub struct BundleCache {
    entries: Mutex<HashMap<[u8; 32], Arc<PeerBundle>>>,
}

const BUNDLE_CACHE_LIMIT: usize = 4096;

impl BundleCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Verifies a V2 bundle, or returns the earlier verdict for the same bundle.
    pub fn signed(&self, bundle: &pb::SignedPublicKeyBundle) -> Result<Arc<PeerBundle>, BundleError> {
        let key = sha256(&[b"v2", &bundle.encode_to_vec()]);
        self.get_or_verify(key, || PeerBundle::from_signed(bundle))
    }

    /// Verifies a legacy bundle, or returns the earlier verdict for the same bundle.
    pub fn legacy(&self, bundle: &pb::PublicKeyBundle) -> Result<Arc<PeerBundle>, BundleError> {
        let key = sha256(&[b"v1", &bundle.encode_to_vec()]);
        self.get_or_verify(key, || PeerBundle::from_legacy(bundle))
    }

    fn get_or_verify(
        &self,
        key: [u8; 32],
        verify: impl FnOnce() -> Result<PeerBundle, BundleError>,
    ) -> Result<Arc<PeerBundle>, BundleError> {
        if let Some(found) = self.lock().get(&key) {
            return Ok(found.clone());
        }
        let verified = Arc::new(verify()?);
        let mut map = self.lock();
        if map.len() >= BUNDLE_CACHE_LIMIT {
            map.clear();
        }
        map.insert(key, verified.clone());
        Ok(verified)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Arc<PeerBundle>>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
