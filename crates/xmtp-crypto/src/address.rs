//! Ethereum addresses in EIP-55 checksummed form (spec §2.8), the only form the protocol puts
//! on the wire, hashes or compares.

use std::fmt;
use std::str::FromStr;

use crate::hash::keccak256;

/// Why a string is not an Ethereum address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// Not `0x` followed by 40 hexadecimal digits.
    #[error("not an Ethereum address (want 0x followed by 40 hex digits)")]
    Malformed,
    /// Mixed-case input whose capitalisation is not the EIP-55 checksum (a typo is likely).
    #[error("address checksum (EIP-55 capitalisation) does not match")]
    BadChecksum,
}

/// An Ethereum address that can only hold the EIP-55 checksummed form. Ordering is byte order
/// of that string, which is the order the protocol sorts addresses in (`dm-` topics, invitation
/// derivation).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WalletAddress(String);

impl WalletAddress {
    /// Builds the checksummed form of 20 raw bytes.
    pub fn from_raw(raw: [u8; 20]) -> Self {
        let lower = hex::encode(raw);
        let hash = keccak256(&[lower.as_bytes()]);
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let byte = hash[i / 2];
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if c.is_ascii_alphabetic() && nibble >= 8 {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
        }
        Self(out)
    }

    /// Parses user input: `0x` + 40 hex digits in lower, upper or correctly checksummed mixed
    /// case. The `0x` prefix is required.
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let s = input.trim();
        let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).ok_or(AddressError::Malformed)?;
        if digits.len() != 40 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AddressError::Malformed);
        }
        let mut raw = [0u8; 20];
        hex::decode_to_slice(digits, &mut raw).map_err(|_| AddressError::Malformed)?;
        let addr = Self::from_raw(raw);
        let has_lower = digits.bytes().any(|b| b.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|b| b.is_ascii_uppercase());
        if has_lower && has_upper && addr.0[2..] != *digits {
            return Err(AddressError::BadChecksum);
        }
        Ok(addr)
    }

    /// The checksummed string, e.g. `0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 20 address bytes.
    pub fn to_raw(&self) -> [u8; 20] {
        let mut raw = [0u8; 20];
        // The string is always "0x" + 40 hex digits (built by `from_raw`).
        let _ = hex::decode_to_slice(&self.0[2..], &mut raw);
        raw
    }
}

impl fmt::Display for WalletAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for WalletAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WalletAddress({})", self.0)
    }
}

impl FromStr for WalletAddress {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for WalletAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

crate::text_serde!(WalletAddress);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn checksums_known_addresses() {
        for a in [
            "0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0",
            "0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184",
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        ] {
            assert_eq!(WalletAddress::parse(&a.to_lowercase()).unwrap().as_str(), a);
            assert_eq!(WalletAddress::parse(a).unwrap().as_str(), a);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(WalletAddress::parse("e8b6e1d63410918a4a0888fc32950b940cb74bd0"), Err(AddressError::Malformed));
        assert_eq!(WalletAddress::parse("0x1234"), Err(AddressError::Malformed));
        assert_eq!(WalletAddress::parse("0xg8b6e1d63410918a4a0888fc32950b940cb74bd0"), Err(AddressError::Malformed));
        assert_eq!(WalletAddress::parse("0xE8B6e1d63410918A4A0888Fc32950b940cB74bd0"), Err(AddressError::BadChecksum));
        assert_eq!(WalletAddress::parse("0xé8b6e1d63410918a4a0888fc32950b940cb74bd"), Err(AddressError::Malformed));
    }

    #[test]
    fn byte_order_puts_digits_before_upper_before_lower() {
        let a = WalletAddress::parse("0x9F8e850F50b55B3B5a340C74F5c24eEe63F43184").unwrap();
        let b = WalletAddress::parse("0xe8B6e1d63410918A4A0888Fc32950b940cB74bd0").unwrap();
        assert!(a < b);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,60}") {
            let _ = WalletAddress::parse(&s);
        }

        #[test]
        fn raw_round_trips(raw in any::<[u8; 20]>()) {
            let a = WalletAddress::from_raw(raw);
            prop_assert_eq!(a.to_raw(), raw);
            prop_assert_eq!(WalletAddress::parse(a.as_str()).unwrap(), a.clone());
            prop_assert_eq!(WalletAddress::parse(&a.as_str().to_lowercase()).unwrap(), a);
        }
    }
}
