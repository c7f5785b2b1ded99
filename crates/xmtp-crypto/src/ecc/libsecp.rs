//! The optional backend of [`super`] (cargo feature `libsecp256k1`): libsecp256k1 through the
//! `secp256k1` crate. Kept as the comparison point for the default k256 backend: the same tests
//! pass with both, and the benches measure both.

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId, Signature};
use secp256k1::{Message, SECP256K1};
use zeroize::Zeroize;

use super::KeyError;

/// A secret scalar in `1..n`, erased on drop.
#[derive(Clone)]
pub(super) struct Scalar(secp256k1::SecretKey);

impl Scalar {
    /// Parses a big-endian scalar; `None` unless `1 ≤ d < n`.
    pub(super) fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        secp256k1::SecretKey::from_byte_array(*bytes).ok().map(Self)
    }

    /// Writes the 32 big-endian bytes of the scalar into `out`.
    pub(super) fn write_bytes(&self, out: &mut [u8; 32]) {
        let mut bytes = self.0.secret_bytes();
        out.copy_from_slice(&bytes);
        bytes.zeroize();
    }

    /// `d·G`.
    pub(super) fn public(&self) -> Point {
        Point(secp256k1::PublicKey::from_secret_key(SECP256K1, &self.0))
    }

    /// ECDSA over a 32-byte digest (libsecp256k1's RFC 6979 nonce): `(r || s, recovery id)`,
    /// low-S.
    pub(super) fn sign(&self, digest: &[u8; 32]) -> ([u8; 64], u8) {
        let sig = SECP256K1.sign_ecdsa_recoverable(Message::from_digest(*digest), &self.0);
        let (rid, rs) = sig.serialize_compact();
        let recovery = match i32::from(rid) {
            1 => 1,
            2 => 2,
            3 => 3,
            _ => 0,
        };
        (rs, recovery)
    }

    /// ECDH: `d·P` as `0x04 || X || Y`, written into `out`.
    pub(super) fn ecdh(&self, peer: &Point, out: &mut [u8; 65]) {
        let mut xy = secp256k1::ecdh::shared_secret_point(&peer.0, &self.0);
        out[0] = 0x04;
        out[1..].copy_from_slice(&xy);
        xy.zeroize();
    }

    /// `(d + t) mod n` for a big-endian `t < n`; an error if `t ≥ n` or the sum is zero.
    pub(super) fn tweak_add(&self, tweak: &[u8; 32]) -> Result<Self, KeyError> {
        let t =
            secp256k1::Scalar::from_be_bytes(*tweak).map_err(|_| KeyError::InvalidPrivateKey("tweak out of range"))?;
        self.0.add_tweak(&t).map(Self).map_err(|_| KeyError::InvalidPrivateKey("tweaked key is zero"))
    }
}

impl Drop for Scalar {
    fn drop(&mut self) {
        self.0.non_secure_erase();
    }
}

/// A point on the curve (never the identity).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Point(secp256k1::PublicKey);

impl Point {
    /// Parses `0x04 || X || Y` (the prefix is checked by the caller); `None` unless the
    /// coordinates are below p and the point is on the curve.
    pub(super) fn from_uncompressed(bytes: &[u8; 65]) -> Option<Self> {
        secp256k1::PublicKey::from_byte_array_uncompressed(*bytes).ok().map(Self)
    }

    /// `0x04 || X || Y`.
    pub(super) fn uncompressed(&self) -> [u8; 65] {
        self.0.serialize_uncompressed()
    }

    /// `0x02 | parity(Y) || X`.
    pub(super) fn compressed(&self) -> [u8; 33] {
        self.0.serialize()
    }

    /// ECDSA verification, low-S only: r or s ≥ n is malformed; anything else that fails does
    /// not verify.
    pub(super) fn verify(&self, digest: &[u8; 32], rs: &[u8; 64]) -> Result<(), KeyError> {
        let sig = Signature::from_compact(rs).map_err(|_| KeyError::MalformedSignature("r or s out of range"))?;
        SECP256K1.verify_ecdsa(Message::from_digest(*digest), &sig, &self.0).map_err(|_| KeyError::BadSignature)
    }
}

/// `dᵢ·G` for each key (one by one: libsecp256k1 has nothing to share between them).
pub(super) fn publics(keys: &[&Scalar]) -> Vec<Point> {
    keys.iter().map(|d| d.public()).collect()
}

/// ECDSA signatures of each (key, digest), one by one.
pub(super) fn sign_batch(items: &[(&Scalar, &[u8; 32])]) -> Vec<([u8; 64], u8)> {
    items.iter().map(|(d, digest)| d.sign(digest)).collect()
}

/// Public-key recovery (recovery id 0 or 1). High S is accepted.
pub(super) fn recover(digest: &[u8; 32], rs: &[u8; 64], recovery: u8) -> Result<Point, KeyError> {
    let rid = RecoveryId::try_from(i32::from(recovery))
        .map_err(|_| KeyError::MalformedSignature("recovery id is not 0 or 1"))?;
    let sig =
        RecoverableSignature::from_compact(rs, rid).map_err(|_| KeyError::MalformedSignature("r or s out of range"))?;
    SECP256K1.recover_ecdsa(Message::from_digest(*digest), &sig).map(Point).map_err(|_| KeyError::RecoveryFailed)
}
