//! The store key: 256 random bits that SQLCipher uses as the raw database key. The engine keeps
//! it in the OS keychain beside the identity; here it is only a value that cannot leak (no
//! `Display`, a redacted `Debug`, zeroized when dropped).

use xmtp_crypto::Secret;

/// The key of one account's store.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey {
    bytes: Secret<[u8; 32]>,
    /// Only with the `bench-plaintext` feature: no encryption at all (the comparison point of
    /// the benchmarks).
    plaintext: bool,
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(<redacted>)")
    }
}

/// A stored key that is not 64 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the store key is not 64 hex digits")]
pub struct BadStoreKey;

impl StoreKey {
    /// A key from its 32 bytes (the caller made them with a cryptographic RNG).
    pub fn from_bytes(bytes: Secret<[u8; 32]>) -> Self {
        Self { bytes, plaintext: false }
    }

    /// A key from the 64 hex digits [`StoreKey::to_hex`] wrote.
    pub fn from_hex(hex_key: &str) -> Result<Self, BadStoreKey> {
        let mut bytes = Secret::new([0u8; 32]);
        hex::decode_to_slice(hex_key.trim(), bytes.expose_mut()).map_err(|_| BadStoreKey)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key as 64 lowercase hex digits (what the keychain keeps).
    pub fn to_hex(&self) -> Secret<String> {
        Secret::new(hex::encode(self.bytes.expose()))
    }

    /// No key: the store is opened as plain SQLite, as before issue #15. Only for the
    /// benchmarks that measure what encryption costs; never used by Courier.
    #[cfg(feature = "bench-plaintext")]
    #[doc(hidden)]
    pub fn plaintext_for_benchmarks() -> Self {
        Self { bytes: Secret::new([0u8; 32]), plaintext: true }
    }

    pub(crate) fn is_plaintext(&self) -> bool {
        self.plaintext
    }

    /// The raw key text, `x'<64 hex>'`: SQLCipher uses it as the key itself, without PBKDF2
    /// (the key is already random).
    pub(crate) fn raw_text(&self) -> Secret<String> {
        let hex_key = self.to_hex();
        let mut s = String::with_capacity(70);
        s.push_str("x'");
        s.push_str(hex_key.expose());
        s.push('\'');
        Secret::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key_and_hex_round_trips() {
        let k = StoreKey::from_bytes(Secret::new([0xab; 32]));
        assert_eq!(format!("{k:?}"), "StoreKey(<redacted>)");
        assert_eq!(StoreKey::from_hex(k.to_hex().expose()), Ok(k.clone()));
        assert_eq!(k.raw_text().expose().len(), 67);
        assert_eq!(StoreKey::from_hex("abc"), Err(BadStoreKey));
        assert_eq!(StoreKey::from_hex(&"zz".repeat(32)), Err(BadStoreKey));
    }
}
