//! The key of an account's encrypted store: 256 random bits made on the account's first start
//! on this computer (or its first start since stores are encrypted), kept in the keychain
//! beside the identity (item `store-key`), never written to disk. A store whose key is lost or
//! wrong is never replaced silently: opening it fails with a typed error, and
//! [`recover_store`] is the way out the user chooses.

use std::path::PathBuf;

use courier_store::cipher::{FileKind, file_kind};
use courier_store::{StoreError, StoreKey};
use rand_core::{OsRng, RngCore};
use xmtp_crypto::{Secret, WalletAddress};

use super::items::{Item, Items};
use crate::config::Config;
use crate::error::{EngineError, KeychainDamage};

/// The account's store key from the keychain, if there is one.
pub fn store_key_if_any(config: &Config, address: &WalletAddress) -> Result<Option<StoreKey>, EngineError> {
    let Some(hex_key) = Items::new(config, address)?.load(Item::StoreKey)? else { return Ok(None) };
    StoreKey::from_hex(hex_key.expose())
        .map(Some)
        .map_err(|_| EngineError::KeychainDamaged { address: address.clone(), problem: KeychainDamage::StoreKey })
}

/// The account's store key: the keychain's, else a new one, kept in the keychain first. A
/// store that is already encrypted while the keychain has no key for it is
/// [`StoreError::KeyMissing`] (a new key would not open it, and the store is never replaced).
pub fn store_key(config: &Config, address: &WalletAddress) -> Result<StoreKey, EngineError> {
    if let Some(key) = store_key_if_any(config, address)? {
        return Ok(key);
    }
    // Two processes starting at once (the app and the CLI) must not each make a key: the one
    // that writes last would leave the keychain holding a key the other's store is not under.
    let dir = config.account_dir(address);
    courier_store::private::create_dir_under(&config.data_dir, &dir)
        .map_err(|e| EngineError::io(format!("creating {}", dir.display()), e))?;
    let lock_path = dir.join(".store-key-lock");
    let lock = courier_store::private::open(&lock_path)
        .and_then(|f| f.lock().map(|()| f))
        .map_err(|e| EngineError::io(format!("locking {}", lock_path.display()), e))?;
    if let Some(key) = store_key_if_any(config, address)? {
        return Ok(key);
    }
    let path = config.store_path(address);
    let kind = file_kind(&path).map_err(|e| EngineError::io(format!("reading {}", path.display()), e))?;
    if kind == FileKind::Encrypted {
        return Err(StoreError::KeyMissing { path }.into());
    }
    let mut bytes = Secret::new([0u8; 32]);
    OsRng.fill_bytes(bytes.expose_mut());
    let key = StoreKey::from_bytes(bytes);
    let items = Items::new(config, address)?;
    items.store(Item::StoreKey, &key.to_hex())?;
    // Only a key the keychain gives back is used: a store is never encrypted under a key
    // that is not kept.
    let kept = match items.load(Item::StoreKey)? {
        Some(back) if StoreKey::from_hex(back.expose()).as_ref() == Ok(&key) => Ok(key),
        _ => Err(crate::keychain::KeychainError::Other("the keychain did not keep the store key".into()).into()),
    };
    drop(lock);
    kept
}

/// The way out of a store that cannot be read ([`StoreError::WrongKey`],
/// [`StoreError::KeyMissing`]): the file is set aside beside it as `courier.db.unreadable-N`,
/// never deleted, and the next start begins a fresh store that syncs the account's V1/V2
/// history from the network again. What only this computer held (drafts, names, flags, files
/// not on the network, messages never sent) stays in the file set aside. Returns its new name,
/// or `None` if there was no store. The account's engine must be closed.
pub fn recover_store(config: &Config, address: &WalletAddress) -> Result<Option<PathBuf>, EngineError> {
    // A damaged key item opens nothing: it goes, and the fresh store gets a new key.
    if let Err(EngineError::KeychainDamaged { .. }) = store_key_if_any(config, address) {
        Items::new(config, address)?.delete(Item::StoreKey)?;
    }
    let path = config.store_path(address);
    if !path.exists() {
        return Ok(None);
    }
    let aside =
        courier_store::set_aside(&path).map_err(|e| EngineError::io("setting the unreadable store aside", e))?;
    tracing::warn!(path = %aside.display(), "set an unreadable store aside; starting a fresh one");
    Ok(Some(aside))
}
