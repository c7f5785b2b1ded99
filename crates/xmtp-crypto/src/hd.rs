//! Wallet keys from a BIP-39 recovery phrase at the Ethereum path m/44'/60'/0'/0/0 (BIP-32
//! private derivation, BIP-44 path), and new phrases from a caller's RNG. Pure: the curve operations it needs (compressed public
//! keys, adding a tweak to a private key) come from [`crate::ecc`].

use hmac::{Hmac, Mac};
use rand_core::CryptoRngCore;
use sha2::Sha512;
use zeroize::Zeroize;

use crate::ecc::PrivateKey;
use crate::secret::Secret;
use crate::wallet::LocalWallet;

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

/// The path m/44'/60'/0'/0/0 below the master key.
const ETHEREUM_ACCOUNT_0: [u32; 5] = [44 | HARDENED, 60 | HARDENED, HARDENED, 0, 0];

/// A new 12-word English recovery phrase (128 bits of entropy from `rng`).
pub fn new_phrase(rng: &mut impl CryptoRngCore) -> Secret<String> {
    let mut entropy = Secret::new([0u8; 16]);
    rng.fill_bytes(entropy.expose_mut());
    match bip39::Mnemonic::from_entropy(entropy.expose()) {
        Ok(m) => {
            // Written into a buffer large enough from the start (a growing String leaves
            // copies of the words in the blocks it frees); the mnemonic is erased on drop.
            let mut phrase = Secret::new(String::with_capacity(12 * 9));
            for (i, word) in m.words().enumerate() {
                if i > 0 {
                    phrase.expose_mut().push(' ');
                }
                phrase.expose_mut().push_str(word);
            }
            phrase
        }
        Err(_) => unreachable!("16 bytes are a valid BIP-39 entropy length"),
    }
}

/// The wallet of account 0 (m/44'/60'/0'/0/0) of a recovery phrase, without passphrase.
pub fn wallet_from_phrase(phrase: &str) -> Result<LocalWallet, PhraseError> {
    let mnemonic = bip39::Mnemonic::parse_normalized(phrase.trim()).map_err(|e| PhraseError::Invalid(e.to_string()))?;
    let seed = Secret::new(mnemonic.to_seed(""));
    let (mut key, mut chain) = master(seed.expose())?;
    for index in ETHEREUM_ACCOUNT_0 {
        (key, chain) = child(&key, &chain, index)?;
    }
    LocalWallet::from_bytes(key.to_bytes().expose()).map_err(|_| PhraseError::Derivation)
}

/// The master key and chain code of a seed (BIP-32 "Master key generation").
fn master(seed: &[u8]) -> Result<(PrivateKey, Secret<[u8; 32]>), PhraseError> {
    let (il, chain) = split(&hmac512(b"Bitcoin seed", &[seed]));
    let key = PrivateKey::from_bytes(il.expose()).map_err(|_| PhraseError::Derivation)?;
    Ok((key, chain))
}

/// CKDpriv (BIP-32): the child `index` of a private key and its chain code.
fn child(
    parent: &PrivateKey,
    chain: &Secret<[u8; 32]>,
    index: u32,
) -> Result<(PrivateKey, Secret<[u8; 32]>), PhraseError> {
    let index_bytes = index.to_be_bytes();
    let i = if index & HARDENED != 0 {
        let key = parent.to_bytes();
        hmac512(chain.expose(), &[&[0], key.expose(), &index_bytes])
    } else {
        hmac512(chain.expose(), &[&parent.public_key().to_compressed(), &index_bytes])
    };
    let (il, ir) = split(&i);
    let key = parent.tweak_add(il.expose()).map_err(|_| PhraseError::Derivation)?;
    Ok((key, ir))
}

/// HMAC-SHA512 of the concatenated `parts`.
fn hmac512(key: &[u8], parts: &[&[u8]]) -> Secret<[u8; 64]> {
    let mut mac = match Hmac::<Sha512>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    let mut out = Secret::new([0u8; 64]);
    let mut tag = mac.finalize().into_bytes();
    out.expose_mut().copy_from_slice(&tag);
    tag.as_mut_slice().zeroize();
    out
}

/// The left and right halves of a 64-byte HMAC output.
fn split(i: &Secret<[u8; 64]>) -> (Secret<[u8; 32]>, Secret<[u8; 32]>) {
    let mut left = Secret::new([0u8; 32]);
    let mut right = Secret::new([0u8; 32]);
    left.expose_mut().copy_from_slice(&i.expose()[..32]);
    right.expose_mut().copy_from_slice(&i.expose()[32..]);
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wallet::WalletSigner;

    #[test]
    fn well_known_test_phrase_gives_its_first_account() {
        let w = wallet_from_phrase("test test test test test test test test test test test junk").unwrap();
        assert_eq!(w.address().as_str(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(
            hex::encode(w.private_key().to_bytes().expose()),
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        );
    }

    #[test]
    fn bip32_test_vector_1_chain() {
        // BIP-32 test vector 1 (seed 000102…0f): m/0'/1/2'/2/1000000000.
        let seed: Vec<u8> = (0u8..16).collect();
        let (mut key, mut chain) = master(&seed).unwrap();
        assert_eq!(
            hex::encode(key.to_bytes().expose()),
            "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35"
        );
        for index in [HARDENED, 1, 2 | HARDENED, 2, 1_000_000_000] {
            (key, chain) = child(&key, &chain, index).unwrap();
        }
        assert_eq!(
            hex::encode(key.to_bytes().expose()),
            "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"
        );
        assert_eq!(hex::encode(chain.expose()), "c783e67b921d2beb8f6b389cc646d7263b4145701dadd2161548a8b078e65e9e");
    }

    #[test]
    fn new_phrases_are_twelve_words_that_derive_a_wallet() {
        use rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let a = new_phrase(&mut rng);
        let b = new_phrase(&mut rng);
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
