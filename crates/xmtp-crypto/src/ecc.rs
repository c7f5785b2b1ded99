//! secp256k1 (spec §2.5–§2.7): private and public keys, compact recoverable ECDSA signatures over
//! caller-supplied 32-byte digests (RFC 6979 nonces, low-S), public-key recovery, ECDH with the
//! full 65-byte uncompressed point as output, and the two operations BIP-32 needs (compressed
//! public keys, adding a tweak to a private key).
//!
//! This module is the seam between the protocol and a curve library, the way rustls keeps its
//! crypto providers: the types below are the whole API the rest of the crate sees, and exactly
//! one backend submodule implements them (no other module names a curve library):
//! - `k256` (default): RustCrypto's pure-Rust `k256`, used through its group arithmetic;
//! - `libsecp` (cargo feature `libsecp256k1`): libsecp256k1 through the `secp256k1` crate, kept
//!   as the comparison point.
//!
//! Both give the same bytes for everything (RFC 6979 nonces, low-S with the recovery id adjusted,
//! the same inputs rejected with the same errors); with the feature on, the tests also check the
//! two backends against each other.

use std::sync::OnceLock;

use rand_core::CryptoRngCore;

use crate::address::WalletAddress;
use crate::hash::keccak256;
use crate::secret::Secret;

#[cfg(test)]
#[cfg(feature = "libsecp256k1")]
mod adversarial;
#[cfg(test)]
#[cfg(feature = "libsecp256k1")]
mod cross_check;
#[cfg(any(not(feature = "libsecp256k1"), test))]
mod k256;
#[cfg(feature = "libsecp256k1")]
mod libsecp;
#[cfg(any(not(feature = "libsecp256k1"), test))]
mod rfc6979;

#[cfg(not(feature = "libsecp256k1"))]
use self::k256 as backend;
#[cfg(feature = "libsecp256k1")]
use self::libsecp as backend;

/// The curve library behind this module: `"k256"` or `"libsecp256k1"`.
pub const BACKEND: &str = if cfg!(feature = "libsecp256k1") { "libsecp256k1" } else { "k256" };

/// Errors about keys and signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A private key was not 32 bytes, or not a scalar in 1..n.
    #[error("invalid secp256k1 private key: {0}")]
    InvalidPrivateKey(&'static str),
    /// A public key was not a 65-byte uncompressed point (0x04 || X || Y) on the curve.
    #[error("invalid secp256k1 public key: {0}")]
    InvalidPublicKey(&'static str),
    /// A compact signature was not 64 bytes, its r or s was out of range, or its recovery id
    /// was not 0 or 1.
    #[error("malformed signature: {0}")]
    MalformedSignature(&'static str),
    /// The signature does not verify with this key over this digest (this includes high-S
    /// signatures, which the protocol forbids).
    #[error("signature does not verify")]
    BadSignature,
    /// No public key could be recovered from the signature.
    #[error("public key recovery failed")]
    RecoveryFailed,
}

/// A secp256k1 private key. Its secret scalar never leaves this type except through
/// [`PrivateKey::to_bytes`], which returns it zeroize-on-drop; `Debug` is redacted and the scalar
/// is erased when the key is dropped. The public key is computed on first use and kept.
#[derive(Clone)]
pub struct PrivateKey {
    secret: backend::Scalar,
    public: OnceLock<PublicKey>,
}

impl PrivateKey {
    /// Parses a 32-byte big-endian scalar (`1 ≤ d < n`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: &[u8; 32] = bytes.try_into().map_err(|_| KeyError::InvalidPrivateKey("not 32 bytes"))?;
        let secret = backend::Scalar::from_bytes(arr).ok_or(KeyError::InvalidPrivateKey("scalar out of range"))?;
        Ok(Self::from_secret(secret))
    }

    /// Generates a key from uniformly random bytes (rejection sampling out-of-range values).
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        let mut buf = Secret::new([0u8; 32]);
        loop {
            rng.fill_bytes(buf.expose_mut());
            if let Some(secret) = backend::Scalar::from_bytes(buf.expose()) {
                return Self::from_secret(secret);
            }
        }
    }

    fn from_secret(secret: backend::Scalar) -> Self {
        Self { secret, public: OnceLock::new() }
    }

    /// The 32-byte scalar, zeroized when the returned value is dropped.
    pub fn to_bytes(&self) -> Secret<[u8; 32]> {
        let mut out = Secret::new([0u8; 32]);
        self.secret.write_bytes(out.expose_mut());
        out
    }

    /// The matching public key.
    pub fn public_key(&self) -> &PublicKey {
        self.public.get_or_init(|| PublicKey(self.secret.public()))
    }

    /// Signs a 32-byte digest (not hashed again) with an RFC 6979 nonce; the result is low-S.
    pub fn sign_prehash(&self, digest: &[u8; 32]) -> RecoverableSignature {
        let (rs, rid) = self.secret.sign(digest);
        // Recovery ids 2 and 3 need x(R) ≥ n, which has negligible probability; they are
        // normalised away (the protocol only carries 0 and 1).
        RecoverableSignature { rs, recovery: rid & 1 }
    }

    /// ECDH: `d·P` as the full 65-byte uncompressed point `0x04 || X || Y` (spec §2.7).
    pub fn ecdh(&self, peer: &PublicKey) -> Secret<[u8; 65]> {
        let mut out = Secret::new([0u8; 65]);
        self.secret.ecdh(&peer.0, out.expose_mut());
        out
    }

    /// The private key `(d + tweak) mod n` (BIP-32 child keys): an error if the big-endian
    /// `tweak` is not below n or the sum is zero.
    pub fn tweak_add(&self, tweak: &[u8; 32]) -> Result<Self, KeyError> {
        Ok(Self::from_secret(self.secret.tweak_add(tweak)?))
    }
}

/// Computes and keeps the public keys of several private keys at once (those not known yet):
/// the same keys as [`PrivateKey::public_key`] one by one, cheaper with the k256 backend (one
/// shared inversion for their affine conversions).
pub fn compute_public_keys(keys: &[&PrivateKey]) {
    let todo: Vec<&PrivateKey> = keys.iter().copied().filter(|k| k.public.get().is_none()).collect();
    let scalars: Vec<&backend::Scalar> = todo.iter().map(|k| &k.secret).collect();
    for (key, point) in todo.iter().zip(backend::publics(&scalars)) {
        let _ = key.public.set(PublicKey(point));
    }
}

/// Signs several digests at once: the same signatures as [`PrivateKey::sign_prehash`] one by
/// one, cheaper with the k256 backend (one shared field inversion and one shared scalar
/// inversion).
pub fn sign_prehash_batch(items: &[(&PrivateKey, &[u8; 32])]) -> Vec<RecoverableSignature> {
    let scalars: Vec<(&backend::Scalar, &[u8; 32])> = items.iter().map(|(k, d)| (&k.secret, *d)).collect();
    backend::sign_batch(&scalars).into_iter().map(|(rs, rid)| RecoverableSignature { rs, recovery: rid & 1 }).collect()
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey").field("public", self.public_key()).finish_non_exhaustive()
    }
}

/// A secp256k1 public key; always carried on the wire as 65 uncompressed bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(backend::Point);

impl PublicKey {
    /// Parses exactly 65 bytes starting with 0x04 (compressed points are never used in V1/V2).
    pub fn from_uncompressed(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: &[u8; 65] = bytes.try_into().map_err(|_| KeyError::InvalidPublicKey("not 65 bytes"))?;
        if arr[0] != 0x04 {
            return Err(KeyError::InvalidPublicKey("first byte is not 0x04"));
        }
        backend::Point::from_uncompressed(arr).map(Self).ok_or(KeyError::InvalidPublicKey("not a point on secp256k1"))
    }

    /// `0x04 || X || Y`.
    pub fn to_uncompressed(&self) -> [u8; 65] {
        self.0.uncompressed()
    }

    /// The 33-byte compressed form `0x02 | parity(Y) || X` (BIP-32 hashes it; the protocol
    /// itself never carries it).
    pub fn to_compressed(&self) -> [u8; 33] {
        self.0.compressed()
    }

    /// The Ethereum address: the last 20 bytes of keccak256(X || Y), EIP-55 checksummed.
    pub fn address(&self) -> WalletAddress {
        let bytes = self.to_uncompressed();
        let hash = keccak256(&[&bytes[1..]]);
        let mut raw = [0u8; 20];
        raw.copy_from_slice(&hash[12..]);
        WalletAddress::from_raw(raw)
    }

    /// Verifies a signature over a 32-byte digest. High-S signatures are rejected.
    pub fn verify_prehash(&self, digest: &[u8; 32], sig: &RecoverableSignature) -> Result<(), KeyError> {
        self.0.verify(digest, &sig.rs)
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", hex::encode(self.to_uncompressed()))
    }
}

/// A compact ECDSA signature `r || s` with a recovery id of 0 or 1, as in the protocol's
/// `Signature.ECDSACompact` (spec §2.6).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecoverableSignature {
    /// `r || s`, big-endian.
    pub rs: [u8; 64],
    /// 0 or 1 (the y-parity of R).
    pub recovery: u8,
}

impl RecoverableSignature {
    /// Parses 64 bytes and a recovery id that must be 0 or 1.
    pub fn new(bytes: &[u8], recovery: u32) -> Result<Self, KeyError> {
        let rs: [u8; 64] = bytes.try_into().map_err(|_| KeyError::MalformedSignature("not 64 bytes"))?;
        let recovery = match recovery {
            0 => 0,
            1 => 1,
            _ => return Err(KeyError::MalformedSignature("recovery id is not 0 or 1")),
        };
        Ok(Self { rs, recovery })
    }

    /// Recovers the public key that made this signature over `digest`.
    pub fn recover(&self, digest: &[u8; 32]) -> Result<PublicKey, KeyError> {
        if self.recovery > 1 {
            return Err(KeyError::MalformedSignature("recovery id is not 0 or 1"));
        }
        backend::recover(digest, &self.rs, self.recovery).map(PublicKey)
    }
}

impl std::fmt::Debug for RecoverableSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({}, recovery {})", hex::encode(self.rs), self.recovery)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae,
        0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    ];

    fn hx(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap_or_default()
    }

    #[test]
    fn spec_a2_wallet_address_and_identity_signature() {
        // Spec A.1/A.2: account A.
        let wallet =
            PrivateKey::from_bytes(&hx("5f0bd33607a17fd3fbe2784886328ecf2b75b8dcddc8e85a6a8d40aa5c25e0fc")).unwrap();
        assert_eq!(wallet.public_key().address().as_str(), "0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0");
        let digest: [u8; 32] =
            hx("630343ddd4de3b474b17f0adb938dc74f34a7c6db70685687bc44d13f4f3c8e4").try_into().unwrap();
        let sig = wallet.sign_prehash(&digest);
        assert_eq!(
            hex::encode(sig.rs),
            "7aeed0192d0d18b6a2cc0527a0638e8e972ba22a11f997fd58472b7debad5fcb386d9c9867e715c391f81627bd773dc3da79ca5f32c8ef381964618181f80305"
        );
        assert_eq!(sig.recovery, 1);
        assert_eq!(sig.recover(&digest).unwrap(), *wallet.public_key());
        wallet.public_key().verify_prehash(&digest, &sig).unwrap();
    }

    #[test]
    fn spec_a6_ecdh_is_full_point() {
        let a_id =
            PrivateKey::from_bytes(&hx("67ff3e2f250cc9af940f983a3c2965d96468ee138c82112fed4146cafcaf6354")).unwrap();
        let b_pre =
            PrivateKey::from_bytes(&hx("6c76759414742c7cb27ff9b1ea94612ef94725425adc25f8570150800e166404")).unwrap();
        let dh = a_id.ecdh(b_pre.public_key());
        assert_eq!(
            hex::encode(dh.expose()),
            "0417ce7f973f823fdbd2bd58227705c807a2dae9e86ab9c862c3ac6aa753151bd08cabfabd602abc2b0c289d2ef212c228e65a11975d4dae3874f41c443e56c7b0"
        );
        assert_eq!(b_pre.ecdh(a_id.public_key()).expose(), dh.expose());
    }

    #[test]
    fn high_s_is_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let key = PrivateKey::generate(&mut rng);
        let digest = [9u8; 32];
        let sig = key.sign_prehash(&digest);
        key.public_key().verify_prehash(&digest, &sig).unwrap();
        // s' = n - s
        let mut s = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let v = i16::from(N[i]) - i16::from(sig.rs[32 + i]) - borrow;
            borrow = i16::from(v < 0);
            s[i] = (v + 256 * borrow) as u8;
        }
        let mut rs = sig.rs;
        rs[32..].copy_from_slice(&s);
        let high = RecoverableSignature { rs, recovery: sig.recovery ^ 1 };
        assert_eq!(key.public_key().verify_prehash(&digest, &high), Err(KeyError::BadSignature));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(PrivateKey::from_bytes(&[0u8; 32]).is_err());
        assert!(PrivateKey::from_bytes(&N).is_err());
        assert!(PrivateKey::from_bytes(&[1u8; 31]).is_err());
        assert!(PublicKey::from_uncompressed(&[4u8; 64]).is_err());
        assert!(PublicKey::from_uncompressed(&[2u8; 65]).is_err());
        assert!(PublicKey::from_uncompressed(&[4u8; 65]).is_err());
        assert!(RecoverableSignature::new(&[0u8; 63], 0).is_err());
        assert!(RecoverableSignature::new(&[0u8; 64], 2).is_err());
        let zero = RecoverableSignature::new(&[0u8; 64], 0).unwrap();
        assert!(zero.recover(&[1u8; 32]).is_err());
    }

    #[test]
    fn compressed_form_and_tweaks() {
        let key = PrivateKey::from_bytes(&[0x11u8; 32]).unwrap();
        let full = key.public_key().to_uncompressed();
        let short = key.public_key().to_compressed();
        assert_eq!(short[0], 0x02 | (full[64] & 1));
        assert_eq!(short[1..], full[1..33]);
        let mut one = [0u8; 32];
        one[31] = 1;
        assert_eq!(*key.tweak_add(&one).unwrap().to_bytes().expose(), {
            let mut b = [0x11u8; 32];
            b[31] = 0x12;
            b
        });
        assert!(key.tweak_add(&N).is_err());
        let n_minus_d = PrivateKey::from_bytes(&N).err();
        assert!(n_minus_d.is_some());
        assert!(matches!(BACKEND, "k256" | "libsecp256k1"));
    }

    #[test]
    fn recovery_ids_above_one_are_malformed() {
        let key = PrivateKey::from_bytes(&[0x22u8; 32]).unwrap();
        let mut sig = key.sign_prehash(&[3u8; 32]);
        sig.recovery = 2;
        assert!(matches!(sig.recover(&[3u8; 32]), Err(KeyError::MalformedSignature(_))));
    }

    #[test]
    fn debug_never_shows_secret() {
        let key = PrivateKey::from_bytes(&[0x11u8; 32]).unwrap();
        assert!(!format!("{key:?}").contains("1111111111"));
    }
}
