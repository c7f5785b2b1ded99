//! The private key bundle stored on the network (spec §11.1): encrypted under the wallet's
//! signature of the Enable Identity text.

use prost::Message as _;
use rand_core::CryptoRngCore;
use xmtp_proto::message_contents as pb;

use crate::cipher::{self, CipherError};
use crate::ecc::KeyError;
use crate::keys::{BundleError, PrivateKeyBundle, decode};
use crate::wallet::{WalletSignature, WalletSigner, enable_identity_text};

/// Why a stored bundle could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// The envelope payload or the decrypted bundle is malformed or invalid.
    #[error("stored key bundle: {0}")]
    Bundle(#[from] BundleError),
    /// `wallet_pre_key` or the ciphertext is absent.
    #[error("stored key bundle: {0} is missing")]
    Missing(&'static str),
    /// The wallet could not sign, or its signature recovers to another address.
    #[error("wallet signature: {0}")]
    Wallet(#[from] KeyError),
    /// The wallet's signature is for another address than the wallet claims.
    #[error("the wallet returned a signature of another address")]
    WrongSigner,
    /// Neither v convention decrypts it: another wallet's bundle, or a corrupt one.
    #[error("stored key bundle cannot be decrypted with this wallet ({0})")]
    Decrypt(CipherError),
    /// The decrypted identity belongs to another wallet.
    #[error("stored key bundle belongs to another wallet")]
    WrongWallet,
}

/// `PB(EncryptedPrivateKeyBundle{v1})` of `bundle` (spec §11.1 storing). Asks `wallet` to sign
/// the Enable Identity text over 32 random bytes, checks the signature is the wallet's.
pub fn encrypt(
    bundle: &PrivateKeyBundle,
    wallet: &dyn WalletSigner,
    rng: &mut impl CryptoRngCore,
) -> Result<Vec<u8>, StorageError> {
    let mut wallet_pre_key = [0u8; 32];
    rng.fill_bytes(&mut wallet_pre_key);
    let text = enable_identity_text(&wallet_pre_key);
    let sig = wallet.sign_personal(text.as_bytes())?;
    if sig.recover_address(text.as_bytes())? != wallet.address() {
        return Err(StorageError::WrongSigner);
    }
    let plain = bundle.encode_v1();
    let ciphertext = cipher::encrypt(sig.as_bytes(), plain.expose(), &[], rng);
    Ok(pb::EncryptedPrivateKeyBundle {
        version: Some(pb::encrypted_private_key_bundle::Version::V1(pb::EncryptedPrivateKeyBundleV1 {
            wallet_pre_key: wallet_pre_key.to_vec(),
            ciphertext: Some(ciphertext),
        })),
    }
    .encode_to_vec())
}

/// Opens a stored bundle with the wallet (spec §11.1 loading), retrying with the other
/// v convention, and checks the identity belongs to that wallet.
pub fn decrypt(bytes: &[u8], wallet: &dyn WalletSigner) -> Result<PrivateKeyBundle, StorageError> {
    decrypt_with(bytes, |text| wallet.sign_personal(text), &wallet.address())
}

/// Like [`decrypt`], with the signing done by the caller (a wallet elsewhere).
pub fn decrypt_with(
    bytes: &[u8],
    sign: impl FnOnce(&[u8]) -> Result<WalletSignature, KeyError>,
    expected: &crate::address::WalletAddress,
) -> Result<PrivateKeyBundle, StorageError> {
    let v1 = match pb::EncryptedPrivateKeyBundle::decode(bytes) {
        Ok(pb::EncryptedPrivateKeyBundle { version: Some(pb::encrypted_private_key_bundle::Version::V1(v1)) }) => v1,
        _ => decode::<pb::EncryptedPrivateKeyBundleV1>("EncryptedPrivateKeyBundle", bytes)?,
    };
    if v1.wallet_pre_key.is_empty() {
        return Err(StorageError::Missing("wallet_pre_key"));
    }
    let ciphertext = v1.ciphertext.as_ref().ok_or(StorageError::Missing("ciphertext"))?;
    let text = enable_identity_text(&v1.wallet_pre_key);
    let sig = sign(text.as_bytes())?;
    let plain = match cipher::decrypt(sig.as_bytes(), ciphertext, &[]) {
        Ok(p) => p,
        Err(_) => cipher::decrypt(sig.with_flipped_v_convention().as_bytes(), ciphertext, &[])
            .map_err(StorageError::Decrypt)?,
    };
    let bundle = PrivateKeyBundle::decode(plain.expose())?;
    if bundle.address() != expected {
        return Err(StorageError::WrongWallet);
    }
    Ok(bundle)
}
