//! The store key: 256 random bits that SQLCipher uses as the raw database key. The engine keeps
//! it in the OS keychain beside the identity; here it is only a value that cannot leak through
//! Courier's code (no `Display`, a redacted `Debug`, zeroized when dropped).
//!
//! What zeroizing covers, and what it does not. Zeroized: the key's bytes, and each copy
//! Courier's code makes (the hex the keychain keeps, the raw key text, the `PRAGMA key`
//! statement), each in a buffer sized up front (no reallocation leaves a copy behind) and
//! wiped when dropped. Not zeroized: the copies SQLite makes of the statement's text. SQLite
//! has no way to receive the key except as SQL text or a bound value here (rusqlite offers no
//! `sqlite3_key`, and the workspace forbids `unsafe`), so per keyed connection SQLite copies
//! the key's hex into its copy of the statement being parsed, the prepared statement's saved
//! SQL and the pragma's parsed value (for an attached store: the bound value), and frees them
//! without wiping: they stay in freed heap memory until it is reused. (Measured once, reading
//! this process's heap after a connection was keyed and closed: zero to one copies of the hex
//! left, as before this was written down; what remains depends on what reuses the memory.) SQLCipher's own copies (the key it holds
//! for the connection's lifetime, and the key derived from it) are in memory it locks against
//! swapping where it can and wipes when freed. `cipher_memory_security`, which would wipe
//! every SQLite allocation when freed, stays off: it is process-wide and costs every
//! allocation (see [`crate::cipher`]). So someone who can read this process's memory (a
//! debugger, a core dump, swap of a process that is not locked) may find the key; that holds
//! for any key in use, and the keychain keeps it anyway.

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
        self.wrapped("", "")
    }

    /// The statement that keys a connection's main database, `PRAGMA main.key = "x'…'";`.
    pub(crate) fn pragma_key(&self) -> Secret<String> {
        self.wrapped("PRAGMA main.key = \"", "\";")
    }

    /// `<before>x'<64 hex>'<after>`, written once into a buffer of its final size: no
    /// intermediate copy of the hex, no reallocation.
    fn wrapped(&self, before: &str, after: &str) -> Secret<String> {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = Secret::new(String::with_capacity(before.len() + 67 + after.len()));
        let buf = s.expose_mut();
        buf.push_str(before);
        buf.push_str("x'");
        for b in self.bytes.expose() {
            buf.push(char::from(DIGITS[usize::from(b >> 4)]));
            buf.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
        buf.push('\'');
        buf.push_str(after);
        s
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
        assert_eq!(k.raw_text().expose(), &format!("x'{}'", "ab".repeat(32)));
        let pragma = k.pragma_key();
        assert_eq!(pragma.expose(), &format!("PRAGMA main.key = \"x'{}'\";", "ab".repeat(32)));
        assert_eq!(pragma.expose().capacity(), pragma.expose().len(), "sized up front");
        assert_eq!(StoreKey::from_hex("abc"), Err(BadStoreKey));
        assert_eq!(StoreKey::from_hex(&"zz".repeat(32)), Err(BadStoreKey));
    }
}
