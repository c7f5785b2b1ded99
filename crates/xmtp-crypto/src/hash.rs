//! Hashes and key derivation (spec §2.1–§2.3): SHA-256, Keccak-256, HMAC-SHA256, HKDF-SHA256.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sha3::Keccak256;

use crate::secret::Secret;

/// SHA-256 of the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Keccak-256 (Ethereum's, 0x01 padding; not NIST SHA3-256) of the concatenation of `parts`.
pub fn keccak256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Keccak256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-SHA256 (keys longer than 64 bytes are hashed first, as RFC 2104 says).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cold]
fn unreachable_hmac() -> ! {
    // hmac's `new_from_slice` only errors for fixed-size-key MACs; SHA-256 HMAC takes any key.
    unreachable!("HMAC-SHA256 accepts keys of every length")
}

/// HKDF-SHA256 with a 32-byte output. An empty `salt` equals 32 zero bytes (RFC 5869 §2.2).
pub fn hkdf_sha256(ikm: &[u8], salt: &[u8], info: &[u8]) -> Secret<[u8; 32]> {
    let hk = Hkdf::<Sha256>::new(Some(salt), ikm);
    let mut out = Secret::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's limit of 255 * 32 bytes.
    if hk.expand(info, out.expose_mut()).is_err() {
        unreachable!("32 bytes is a valid HKDF-SHA256 output length");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keccak_of_empty_is_ethereums() {
        assert_eq!(hex::encode(keccak256(&[])), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    }

    #[test]
    fn hkdf_empty_salt_equals_zero_salt() {
        let a = hkdf_sha256(b"ikm", &[], b"info");
        let b = hkdf_sha256(b"ikm", &[0u8; 32], b"info");
        assert_eq!(a.expose(), b.expose());
    }

    #[test]
    fn hmac_long_key_is_hashed() {
        let key = [0x42u8; 195];
        let hashed = sha256(&[&key]);
        assert_eq!(hmac_sha256(&key, b"m"), hmac_sha256(&hashed, b"m"));
    }
}
