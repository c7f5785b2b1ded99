//! # xmtp-crypto
//!
//! The XMTP V1/V2 protocol, byte-compatible with the reference SDK (xmtp-js 13.0.4), and
//! nothing else: it owns keys, signatures, shared secrets, ciphers, V1 messages, V2 invitations
//! and messages, content encoding, encrypted key storage and auth tokens.
//!
//! It is *sans I/O*: it never touches the network, the disk or the clock. Callers pass in the
//! current time and a random number generator and get bytes back, so every operation is
//! deterministic under test. Secrets live in [`secret::Secret`] (redacted `Debug`, no serde,
//! zeroized on drop). Every decoder returns a typed error for bad input; none panics.
//!
//! Map of the modules, bottom up:
//! - [`hash`], [`ecc`], [`address`], [`wallet`]: primitives (spec §2); [`ecc`] is the only module
//!   that names a curve library (k256 by default, libsecp256k1 with the `libsecp256k1` feature).
//! - [`hd`]: wallet keys from a BIP-39 recovery phrase (BIP-32/BIP-44, m/44'/60'/0'/0/0).
//! - [`keys`]: identity keys, pre-keys, bundles, verification (spec §3–§4).
//! - [`dh`], [`cipher`]: 3DH and AES-256-GCM/HKDF (spec §5–§6).
//! - [`v1`], [`invitation`], [`v2`]: messages and invitations (spec §7–§9).
//! - [`content`]: `EncodedContent` and the standard codecs (spec §10).
//! - [`storage`], [`consent`], [`auth`], [`topic`]: key backup, consent list and proofs, node tokens,
//!   topic names (spec §11–§12).

/// Serde for a type that is its text: serialized with `Display`, deserialized with `parse`,
/// so a value that does not parse is refused.
macro_rules! text_serde {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use text_serde;

pub mod address;
pub mod auth;
pub mod cipher;
pub mod civil;
pub mod consent;
pub mod content;
pub mod dh;
pub mod ecc;
pub mod envelope;
pub mod hash;
pub mod hd;
pub mod invitation;
pub mod keys;
pub mod node_proof;
pub mod secret;
pub mod storage;
pub mod topic;
pub mod v1;
pub mod v2;
pub mod wallet;

pub use address::WalletAddress;
pub use envelope::{EnvelopeRef, MessageId, Sealed};
pub use keys::{BundleCache, PeerBundle, PrivateKeyBundle};
pub use secret::Secret;
pub use topic::Topic;
pub use xmtp_proto;
