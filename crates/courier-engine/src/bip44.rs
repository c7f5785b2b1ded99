//! Wallet keys from a BIP-39 recovery phrase at the Ethereum path m/44'/60'/0'/0/0 (BIP-32).

use hmac::{Hmac, Mac};
use sha2::Sha512;
use xmtp_crypto::Secret;
use xmtp_crypto::wallet::LocalWallet;

/// Why a phrase could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhraseError {
    /// Not a valid English BIP-39 phrase (unknown word, wrong length or checksum).
    #[error("not a valid recovery phrase: {0}")]
    Invalid(String),
    /// A derived key was out of range (probability ~2^-127; try another account index).
    #[error("key derivation produced an invalid key")]
    Derivation,
}

const HARDENED: u32 = 0x8000_0000;

/// A new 12-word English recovery phrase (128 bits of entropy from `rng`).
pub fn new_phrase(rng: &mut impl rand_core::CryptoRngCore) -> Secret<String> {
    let mut entropy = Secret::new([0u8; 16]);
    rng.fill_bytes(entropy.expose_mut());
    match bip39::Mnemonic::from_entropy(entropy.expose()) {
        Ok(m) => Secret::new(m.to_string()),
        Err(_) => unreachable!("16 bytes are a valid BIP-39 entropy length"),
    }
}

/// The wallet of account 0 (m/44'/60'/0'/0/0) of a recovery phrase, without passphrase.
pub fn wallet_from_phrase(phrase: &str) -> Result<LocalWallet, PhraseError> {
    let mnemonic = bip39::Mnemonic::parse_normalized(phrase.trim()).map_err(|e| PhraseError::Invalid(e.to_string()))?;
    let seed = Secret::new(mnemonic.to_seed(""));
    let (mut key, mut chain) = split(&hmac512(b"Bitcoin seed", seed.expose()));
    for index in [44 | HARDENED, 60 | HARDENED, HARDENED, 0, 0] {
        let (k, c) = child(&key, &chain, index)?;
        key = k;
        chain = c;
    }
    LocalWallet::from_bytes(key.expose()).map_err(|_| PhraseError::Derivation)
}

fn hmac512(key: &[u8], data: &[u8]) -> Secret<[u8; 64]> {
    let mut mac = match Hmac::<Sha512>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(data);
    Secret::new(mac.finalize().into_bytes().into())
}

/// A private key and a chain code.
type KeyAndChain = (Secret<[u8; 32]>, Secret<[u8; 32]>);

fn split(i: &Secret<[u8; 64]>) -> KeyAndChain {
    let mut k = [0u8; 32];
    let mut c = [0u8; 32];
    k.copy_from_slice(&i.expose()[..32]);
    c.copy_from_slice(&i.expose()[32..]);
    (Secret::new(k), Secret::new(c))
}

/// CKDpriv (BIP-32).
fn child(key: &Secret<[u8; 32]>, chain: &Secret<[u8; 32]>, index: u32) -> Result<KeyAndChain, PhraseError> {
    let parent = secp256k1::SecretKey::from_byte_array(*key.expose()).map_err(|_| PhraseError::Derivation)?;
    let mut data = Secret::new(Vec::with_capacity(37));
    if index & HARDENED != 0 {
        data.expose_mut().push(0);
        data.expose_mut().extend_from_slice(key.expose());
    } else {
        let public = secp256k1::PublicKey::from_secret_key(secp256k1::SECP256K1, &parent);
        data.expose_mut().extend_from_slice(&public.serialize());
    }
    data.expose_mut().extend_from_slice(&index.to_be_bytes());
    let (il, ir) = split(&hmac512(chain.expose(), data.expose()));
    let tweak = secp256k1::Scalar::from_be_bytes(*il.expose()).map_err(|_| PhraseError::Derivation)?;
    let derived = parent.add_tweak(&tweak).map_err(|_| PhraseError::Derivation)?;
    Ok((Secret::new(derived.secret_bytes()), ir))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xmtp_crypto::wallet::WalletSigner;

    #[test]
    fn well_known_test_phrase_gives_its_first_account() {
        let w = wallet_from_phrase("test test test test test test test test test test test junk").unwrap();
        assert_eq!(w.address().as_str(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    #[test]
    fn new_phrases_are_twelve_words_that_derive_a_wallet() {
        let a = new_phrase(&mut rand_core::OsRng);
        let b = new_phrase(&mut rand_core::OsRng);
        assert_eq!(a.expose().split(' ').count(), 12);
        assert_ne!(a.expose(), b.expose());
        let w = wallet_from_phrase(a.expose()).unwrap();
        assert_eq!(wallet_from_phrase(a.expose()).unwrap().address(), w.address());
    }

    #[test]
    fn bad_phrases_are_refused() {
        assert!(matches!(wallet_from_phrase("test test test"), Err(PhraseError::Invalid(_))));
        assert!(matches!(
            wallet_from_phrase("test test test test test test test test test test test test"),
            Err(PhraseError::Invalid(_))
        ));
    }
}
