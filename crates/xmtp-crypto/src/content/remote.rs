//! Remote attachments (spec §10.6): a file is encoded as an attachment's `EncodedContent`,
//! encrypted under a fresh 32-byte secret with the protocol's cipher (§6, no associated data)
//! and uploaded; the message carries the URL, the ciphertext's SHA-256, salt, nonce and secret.
//! The receiver checks the digest before anything else, then decrypts and decodes.

use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use super::{Attachment, ContentError, DecodedContent, RemoteAttachment, decode_within};
use crate::cipher::{self, CipherError};
use crate::hash;
use crate::secret::Secret;

/// Why a downloaded file does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The download is empty.
    #[error("the attachment download is empty")]
    Empty,
    /// The download is not the file the message names (checked before decrypting).
    #[error("the attachment's digest does not match the message")]
    DigestMismatch,
    /// The download is larger than allowed.
    #[error("the attachment is larger than {0} bytes")]
    TooLarge(u64),
    /// It does not decrypt with the message's secret.
    #[error("the attachment does not decrypt: {0}")]
    Cipher(#[from] CipherError),
    /// It decrypts to something that is not content.
    #[error("the attachment's content does not decode: {0}")]
    Content(#[from] ContentError),
}

/// An encrypted file, ready to upload, and what the message needs to open it.
pub struct EncryptedFile {
    /// The bytes to upload.
    pub payload: Vec<u8>,
    /// Lowercase hex SHA-256 of `payload`.
    pub digest: String,
    /// HKDF salt.
    pub salt: [u8; 32],
    /// GCM nonce.
    pub nonce: [u8; 12],
    /// The secret that opens it.
    pub secret: Secret<[u8; 32]>,
}

impl std::fmt::Debug for EncryptedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFile").field("digest", &self.digest).field("len", &self.payload.len()).finish()
    }
}

impl EncryptedFile {
    /// The remote attachment message for this file once uploaded at `url`; `size` is the
    /// plaintext file size (as the reference apps send `contentLength`).
    pub fn message(&self, url: String, filename: &str, size: u64) -> RemoteAttachment {
        RemoteAttachment {
            scheme: if url.starts_with("https://") { "https://" } else { "http://" }.to_owned(),
            url,
            content_digest: self.digest.clone(),
            salt: self.salt.to_vec(),
            nonce: self.nonce.to_vec(),
            secret: self.secret.expose().to_vec(),
            content_length: Some(size),
            filename: Some(filename.to_owned()),
        }
    }
}

/// Encrypts a file as the reference codec's `encodeEncrypted` does: the attachment's
/// `EncodedContent` (without a fallback) under a fresh random secret.
pub fn encrypt(file: &Attachment, rng: &mut impl CryptoRngCore) -> EncryptedFile {
    let mut inner = super::attachment(file);
    inner.fallback = None;
    let plain = Secret::new(super::to_bytes(&inner));
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let secret = Secret::new(secret);
    let c = cipher::encrypt(secret.expose(), plain.expose(), &[], rng);
    let Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(c)) = c.union else {
        unreachable!("cipher::encrypt makes aes256_gcm_hkdf_sha256")
    };
    let salt: [u8; 32] = c.hkdf_salt.as_slice().try_into().unwrap_or_default();
    let nonce: [u8; 12] = c.gcm_nonce.as_slice().try_into().unwrap_or_default();
    EncryptedFile { digest: hex::encode(hash::sha256(&[&c.payload])), payload: c.payload, salt, nonce, secret }
}

/// Opens a downloaded file: size cap, digest (before decrypting), decryption, decoding (with
/// `max_bytes` as the decompression budget too).
pub fn open(r: &RemoteAttachment, payload: &[u8], max_bytes: u64) -> Result<DecodedContent, RemoteError> {
    if payload.is_empty() {
        return Err(RemoteError::Empty);
    }
    if payload.len() as u64 > max_bytes {
        return Err(RemoteError::TooLarge(max_bytes));
    }
    if hex::encode(hash::sha256(&[payload])) != r.content_digest.to_ascii_lowercase() {
        return Err(RemoteError::DigestMismatch);
    }
    let c = pb::Ciphertext {
        union: Some(pb::ciphertext::Union::Aes256GcmHkdfSha256(pb::ciphertext::Aes256gcmHkdfsha256 {
            hkdf_salt: r.salt.clone(),
            gcm_nonce: r.nonce.clone(),
            payload: payload.to_vec(),
        })),
    };
    let plain = cipher::decrypt(&r.secret, &c, &[])?;
    Ok(decode_within(plain.expose(), max_bytes)?)
}
