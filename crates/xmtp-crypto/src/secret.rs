//! Key material in a type that cannot leak: no `Display`, a redacted `Debug`, no serde, and
//! zeroized when dropped.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// A secret value. The only way to read it is [`Secret::expose`], which makes every use easy to
/// find in review. Dropping it overwrites the memory.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a value; the caller hands over ownership of the only copy.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Borrows the secret value.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Borrows the secret value mutably (to fill a buffer in place).
    pub fn expose_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> ZeroizeOnDrop for Secret<T> {}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

/// Secret bytes of any length (3DH outputs, decrypted key bundles, wallet signatures used as keys).
pub type SecretBytes = Secret<Vec<u8>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new(vec![0xde, 0xad, 0xbe, 0xef]);
        let printed = format!("{s:?}");
        assert_eq!(printed, "Secret(<redacted>)");
        assert!(!printed.contains("de"));
    }

    #[test]
    fn expose_returns_value() {
        let s = Secret::new([7u8; 4]);
        assert_eq!(s.expose(), &[7u8; 4]);
    }
}
