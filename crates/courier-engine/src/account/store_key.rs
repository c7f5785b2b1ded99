//! The key of an account's encrypted store: 256 random bits made on the account's first start
//! on this computer (or its first start since stores are encrypted), kept in the keychain
//! beside the identity (item `store-key`), never written to disk. A store whose key is lost or
//! wrong is never replaced silently: opening it fails with a typed error, and
//! [`recover_store`] is the way out the user chooses.

use std::path::PathBuf;

use courier_store::cipher::{FileKind, file_kind};
use courier_store::{StoreError, StoreHold, StoreKey};
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
    let lock = courier_store::private::open_lock(&lock_path)
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

/// What [`recover_store`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Where the unreadable store is now (`courier.db.unreadable-N` beside it), if it was set
    /// aside.
    pub store_aside: Option<PathBuf>,
    /// The keychain item the damaged store key was moved to (`store-key.aside-N`, in the
    /// account's items), if it was damaged.
    pub key_aside: Option<String>,
}

/// The way out of a store that cannot be read ([`StoreError::WrongKey`],
/// [`StoreError::KeyMissing`], or a damaged key item): the file is set aside beside it as
/// `courier.db.unreadable-N`, never deleted, and the next start begins a fresh store that syncs
/// the account's V1/V2 history from the network again. What only this computer held (drafts,
/// names, flags, files not on the network, messages never sent) stays in the file set aside.
///
/// Only then: the store is first opened with the account's key, under the store's exclusive
/// hold ([`courier_store::StoreHold`]) kept until it is renamed. A store that opens (or no
/// store, with no damaged key) is [`EngineError::StoreReadable`]; a store another engine has
/// open, in this process or another, is [`EngineError::StoreInUse`]; either way nothing is
/// changed. A damaged key item opens nothing: it is moved aside, never deleted (it may be
/// repaired by hand), and the fresh store gets a new key.
pub fn recover_store(config: &Config, address: &WalletAddress) -> Result<Recovered, EngineError> {
    let dir = config.account_dir(address);
    courier_store::private::create_dir_under(&config.data_dir, &dir)
        .map_err(|e| EngineError::io(format!("creating {}", dir.display()), e))?;
    let path = config.store_path(address);
    let hold = StoreHold::exclusive(&path).map_err(EngineError::hold)?;
    let Trouble { unreadable, damaged } = trouble(config, address)?;
    if !unreadable && !damaged {
        return Err(EngineError::StoreReadable { path });
    }
    let key_aside = if damaged { Items::new(config, address)?.keep_aside(Item::StoreKey)? } else { None };
    if let Some(name) = &key_aside {
        tracing::warn!(item = %name, "kept a damaged store key aside in the keychain");
    }
    let store_aside = if unreadable {
        let aside =
            courier_store::set_aside(&path).map_err(|e| EngineError::io("setting the unreadable store aside", e))?;
        tracing::warn!(path = %aside.display(), "set an unreadable store aside; starting a fresh one");
        Some(aside)
    } else {
        None
    };
    drop(hold);
    Ok(Recovered { store_aside, key_aside })
}

/// Whether [`recover_store`] may have something to do now: [`EngineError::StoreReadable`], as
/// `recover_store` would say, only when the store opens with its key and the key item is whole.
/// Read without the store's hold, so only a hint (for asking the user before recovering);
/// [`recover_store`] checks again under the hold. What the store says besides opening or not
/// (busy while a live engine checkpoints, …) is no verdict, so it is `Ok`, and `recover_store`
/// decides.
pub fn check_recoverable(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    match trouble(config, address) {
        Ok(Trouble { unreadable: false, damaged: false }) => {
            Err(EngineError::StoreReadable { path: config.store_path(address) })
        }
        Ok(_) | Err(EngineError::Store(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// What is wrong with an account's store and its key.
struct Trouble {
    /// The store exists and its key does not open it (or the key is missing).
    unreadable: bool,
    /// The keychain item of the store key is damaged.
    damaged: bool,
}

fn trouble(config: &Config, address: &WalletAddress) -> Result<Trouble, EngineError> {
    let (key, damaged) = match store_key_if_any(config, address) {
        Ok(key) => (key, false),
        Err(EngineError::KeychainDamaged { problem: KeychainDamage::StoreKey, .. }) => (None, true),
        Err(e) => return Err(e),
    };
    let unreadable = match courier_store::readable(&config.store_path(address), key.as_ref()) {
        Ok(_) => false,
        Err(StoreError::WrongKey { .. } | StoreError::KeyMissing { .. }) => true,
        Err(e) => return Err(e.into()),
    };
    Ok(Trouble { unreadable, damaged })
}
