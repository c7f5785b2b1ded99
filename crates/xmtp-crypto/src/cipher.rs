//! The protocol's one authenticated-encryption scheme (spec §6): AES-256-GCM under a key derived
//! per message by HKDF-SHA256 from a secret and a random 32-byte salt; 12-byte nonce; the 16-byte
//! tag appended to the payload.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::hash::hkdf_sha256;
use crate::secret::Secret;

/// Why a ciphertext could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CipherError {
    /// The `Ciphertext` has no `aes256_gcm_hkdf_sha256` member.
    #[error("ciphertext is not aes256_gcm_hkdf_sha256")]
    UnsupportedCiphertext,
    /// `hkdf_salt` is not 32 bytes.
    #[error("invalid ciphertext salt length: {0}")]
    BadSaltLength(usize),
    /// `gcm_nonce` is not 12 bytes.
    #[error("invalid ciphertext nonce length: {0}")]
    BadNonceLength(usize),
    /// `payload` is shorter than the 16-byte tag.
    #[error("ciphertext payload too short: {0} bytes")]
    PayloadTooShort(usize),
    /// The tag does not verify: wrong key, or tampered ciphertext, nonce, salt or associated data.
    #[error("decryption failed: authentication tag mismatch")]
    Authentication,
}

/// Encrypts `plaintext` under `secret` with fresh random salt and nonce (spec §6.1).
pub fn encrypt(secret: &[u8], plaintext: &[u8], aad: &[u8], rng: &mut impl CryptoRngCore) -> pb::Ciphertext {
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 12];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut nonce);
    encrypt_with(secret, plaintext, aad, salt, nonce)
}

/// Encrypts with the given salt and nonce (for reproducing vectors; never reuse them).
pub fn encrypt_with(secret: &[u8], plaintext: &[u8], aad: &[u8], salt: [u8; 32], nonce: [u8; 12]) -> pb::Ciphertext {
    let key = hkdf_sha256(secret, &salt, &[]);
    let cipher = Aes256Gcm::new(key.expose().into());
    // AES-GCM encryption fails only for plaintexts over 64 GiB, far beyond any message limit.
    let payload = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad }).unwrap_or_default();
    pb::Ciphertext {
        union: Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(pb::ciphertext::Aes256gcmHkdfsha256 {
            hkdf_salt: salt.to_vec(),
            gcm_nonce: nonce.to_vec(),
            payload,
        })),
    }
}

/// Decrypts and authenticates (spec §6.2). The plaintext is zeroized when dropped.
pub fn decrypt(secret: &[u8], ciphertext: &pb::Ciphertext, aad: &[u8]) -> Result<Secret<Vec<u8>>, CipherError> {
    let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(c)) = &ciphertext.union else {
        return Err(CipherError::UnsupportedCiphertext);
    };
    if c.hkdf_salt.len() != 32 {
        return Err(CipherError::BadSaltLength(c.hkdf_salt.len()));
    }
    if c.gcm_nonce.len() != 12 {
        return Err(CipherError::BadNonceLength(c.gcm_nonce.len()));
    }
    if c.payload.len() < 16 {
        return Err(CipherError::PayloadTooShort(c.payload.len()));
    }
    let key = hkdf_sha256(secret, &c.hkdf_salt, &[]);
    let cipher = Aes256Gcm::new(key.expose().into());
    cipher
        .decrypt(Nonce::from_slice(&c.gcm_nonce), Payload { msg: &c.payload, aad })
        .map(Secret::new)
        .map_err(|_| CipherError::Authentication)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn parts(c: &pb::Ciphertext) -> &pb::ciphertext::Aes256gcmHkdfsha256 {
        match &c.union {
            Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(p)) => p,
            None => panic!("no member"),
        }
    }

    #[test]
    fn tamper_and_length_errors() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let c = encrypt(b"secret", b"hello", b"aad", &mut rng);
        assert_eq!(decrypt(b"secret", &c, b"aad").unwrap().expose(), b"hello");
        assert_eq!(decrypt(b"other", &c, b"aad"), Err(CipherError::Authentication));
        assert_eq!(decrypt(b"secret", &c, b"aae"), Err(CipherError::Authentication));
        let mut bad = c.clone();
        if let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(p)) = &mut bad.union {
            p.hkdf_salt.pop();
        }
        assert_eq!(decrypt(b"secret", &bad, b"aad"), Err(CipherError::BadSaltLength(31)));
        let mut bad = c.clone();
        if let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(p)) = &mut bad.union {
            p.gcm_nonce.push(0);
        }
        assert_eq!(decrypt(b"secret", &bad, b"aad"), Err(CipherError::BadNonceLength(13)));
        let mut bad = c.clone();
        if let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(p)) = &mut bad.union {
            p.payload.truncate(15);
        }
        assert_eq!(decrypt(b"secret", &bad, b"aad"), Err(CipherError::PayloadTooShort(15)));
        assert_eq!(decrypt(b"secret", &pb::Ciphertext { union: None }, b""), Err(CipherError::UnsupportedCiphertext));
        assert_eq!(parts(&c).payload.len(), 5 + 16);
    }

    proptest! {
        #[test]
        fn round_trip(secret in proptest::collection::vec(any::<u8>(), 0..200),
                      msg in proptest::collection::vec(any::<u8>(), 0..300),
                      aad in proptest::collection::vec(any::<u8>(), 0..50),
                      seed in any::<u64>(), flip in any::<usize>()) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let c = encrypt(&secret, &msg, &aad, &mut rng);
            let plain = decrypt(&secret, &c, &aad).unwrap();
            prop_assert_eq!(plain.expose(), &msg);
            let mut t = c.clone();
            if let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(p)) = &mut t.union {
                let i = flip % p.payload.len();
                p.payload[i] ^= 1;
            }
            prop_assert_eq!(decrypt(&secret, &t, &aad), Err(CipherError::Authentication));
        }
    }
}
