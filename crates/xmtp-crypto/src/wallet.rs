//! Ethereum wallets as the protocol uses them (spec §2.8, §3.2): the EIP-191 personal-message
//! hash, 65-byte wallet signatures, the exact signature request texts, and a local wallet.

use rand_core::CryptoRngCore;

use crate::address::WalletAddress;
use crate::ecc::{KeyError, PrivateKey, RecoverableSignature};
use crate::hash::keccak256;
use crate::secret::Secret;

const MORE_INFO: &str = "\n\nFor more info: https://xmtp.org/signatures/";

/// The "Create Identity" text a wallet signs to vouch for an identity key (`key_bytes` are the
/// key's signed bytes: legacy bytes-to-sign or V2 `key_bytes`).
pub fn create_identity_text(key_bytes: &[u8]) -> String {
    format!("XMTP : Create Identity\n{}{MORE_INFO}", hex::encode(key_bytes))
}

/// The "Enable Identity" text whose signature is the private-key-storage secret (spec §11.1).
pub fn enable_identity_text(wallet_pre_key: &[u8]) -> String {
    format!("XMTP : Enable Identity\n{}{MORE_INFO}", hex::encode(wallet_pre_key))
}

/// EIP-191 `personal_sign` hash of a message.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let len = message.len().to_string();
    keccak256(&[b"\x19Ethereum Signed Message:\n", len.as_bytes(), message])
}

/// A wallet's 65-byte signature `r || s || v`, kept exactly as the wallet returned it (the
/// private-key-storage secret is these raw bytes, v included). Zeroized on drop.
#[derive(Clone, Debug)]
pub struct WalletSignature(Secret<[u8; 65]>);

impl WalletSignature {
    /// Takes 65 bytes `r || s || v`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        let arr: [u8; 65] =
            bytes.try_into().map_err(|_| KeyError::MalformedSignature("wallet signature is not 65 bytes"))?;
        Ok(Self(Secret::new(arr)))
    }

    /// Parses `0x`-prefixed (or bare) hex.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let digits = s.strip_prefix("0x").unwrap_or(s);
        let bytes = hex::decode(digits).map_err(|_| KeyError::MalformedSignature("wallet signature is not hex"))?;
        Self::from_bytes(&bytes)
    }

    /// The raw 65 bytes.
    pub fn as_bytes(&self) -> &[u8; 65] {
        self.0.expose()
    }

    /// The same signature with v moved between the {0,1} and {27,28} conventions (spec §11.1
    /// step 4: `v + 27` if `v < 27`, else `v - 27`).
    pub fn with_flipped_v_convention(&self) -> Self {
        let mut raw = *self.0.expose();
        raw[64] = if raw[64] < 27 { raw[64].wrapping_add(27) } else { raw[64] - 27 };
        Self(Secret::new(raw))
    }

    /// The compact form the protocol stores: `v' = v + 27` if `v ∈ {0,1}`, recovery `1 − (v' mod 2)`.
    pub fn to_compact(&self) -> RecoverableSignature {
        let raw = self.0.expose();
        let v = raw[64];
        let v = if v <= 1 { v + 27 } else { v };
        let mut rs = [0u8; 64];
        rs.copy_from_slice(&raw[..64]);
        RecoverableSignature { rs, recovery: 1 - (v % 2) }
    }

    /// The wallet address that signed `message` (EIP-191).
    pub fn recover_address(&self, message: &[u8]) -> Result<WalletAddress, KeyError> {
        Ok(self.to_compact().recover(&eip191_hash(message))?.address())
    }
}

/// Something that can `personal_sign` texts for one address: a local key, or later a hardware
/// or remote wallet.
pub trait WalletSigner: Send + Sync {
    /// The wallet's address.
    fn address(&self) -> WalletAddress;
    /// EIP-191 `personal_sign` of `message`.
    fn sign_personal(&self, message: &[u8]) -> Result<WalletSignature, KeyError>;

    /// Whether this signer's signatures are correct by construction (its key is held here), so
    /// that recovering the signer from them would prove nothing new. External wallets keep the
    /// default, and what they sign is checked by recovery.
    fn signs_locally(&self) -> bool {
        false
    }

    /// The wallet's private key when it is held here (a local wallet), so that identity
    /// creation can make its signature together with the identity key's. `None` by default.
    fn local_key(&self) -> Option<&PrivateKey> {
        None
    }
}

/// A wallet whose private key is held here (accounts Courier creates or imports).
#[derive(Clone, Debug)]
pub struct LocalWallet {
    key: PrivateKey,
    address: WalletAddress,
}

impl LocalWallet {
    /// A new random wallet.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self::from_key(PrivateKey::generate(rng))
    }

    /// Imports a 32-byte private key.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        Ok(Self::from_key(PrivateKey::from_bytes(bytes)?))
    }

    /// Imports a private key as hex, with or without `0x`.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let t = s.trim();
        let digits = t.strip_prefix("0x").unwrap_or(t);
        let bytes = Secret::new(hex::decode(digits).map_err(|_| KeyError::InvalidPrivateKey("not hexadecimal"))?);
        Self::from_bytes(bytes.expose())
    }

    fn from_key(key: PrivateKey) -> Self {
        let address = key.public_key().address();
        Self { key, address }
    }

    /// The wallet's private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }
}

impl WalletSigner for LocalWallet {
    fn address(&self) -> WalletAddress {
        self.address.clone()
    }

    fn sign_personal(&self, message: &[u8]) -> Result<WalletSignature, KeyError> {
        let sig = self.key.sign_prehash(&eip191_hash(message));
        let mut raw = [0u8; 65];
        raw[..64].copy_from_slice(&sig.rs);
        raw[64] = 27 + sig.recovery;
        Ok(WalletSignature(Secret::new(raw)))
    }

    fn signs_locally(&self) -> bool {
        true
    }

    fn local_key(&self) -> Option<&PrivateKey> {
        Some(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_a2_identity_text_digest() {
        let key_bytes = hex::decode("0880d095ffbc311a430a4104a3f22f7ea713d8863152c2ab911ee517ed61f02f490ab0e8060fe0e830f795ab25d8ad1e57ba1b0f566390a642b497a1bc51b72ac61a6c697afd94907e63a4a8").unwrap();
        let text = create_identity_text(&key_bytes);
        assert!(text.starts_with("XMTP : Create Identity\n0880d0"));
        assert!(text.ends_with("a4a8\n\nFor more info: https://xmtp.org/signatures/"));
        assert_eq!(
            hex::encode(eip191_hash(text.as_bytes())),
            "630343ddd4de3b474b17f0adb938dc74f34a7c6db70685687bc44d13f4f3c8e4"
        );
        let wallet = LocalWallet::from_hex("5f0bd33607a17fd3fbe2784886328ecf2b75b8dcddc8e85a6a8d40aa5c25e0fc").unwrap();
        let sig = wallet.sign_personal(text.as_bytes()).unwrap();
        assert_eq!(sig.as_bytes()[64], 28);
        assert_eq!(sig.to_compact().recovery, 1);
        assert_eq!(sig.recover_address(text.as_bytes()).unwrap(), wallet.address());
    }

    #[test]
    fn v_conventions() {
        let mut raw = [1u8; 65];
        raw[64] = 0;
        let s = WalletSignature::from_bytes(&raw).unwrap();
        assert_eq!(s.to_compact().recovery, 0);
        assert_eq!(s.with_flipped_v_convention().as_bytes()[64], 27);
        raw[64] = 28;
        let s = WalletSignature::from_bytes(&raw).unwrap();
        assert_eq!(s.to_compact().recovery, 1);
        assert_eq!(s.with_flipped_v_convention().as_bytes()[64], 1);
        // EIP-155 style v (chain id 1: 37/38)
        raw[64] = 38;
        assert_eq!(WalletSignature::from_bytes(&raw).unwrap().to_compact().recovery, 1);
        assert!(WalletSignature::from_bytes(&raw[..64]).is_err());
        assert!(WalletSignature::from_hex("0xzz").is_err());
    }
}
