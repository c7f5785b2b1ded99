//! An account's items in the keychain. They are named per data folder and account —
//! `<scope>/<address>/<item>`, where the scope is a random id kept in the data folder — so that
//! two profiles, or the app and the CLI, never overwrite each other's keys, even for the same
//! wallet. Items named the older way (`<address>/<item>`, shared by every data folder) are still
//! read, and copied to this folder's names when found.

use xmtp_crypto::{Secret, WalletAddress};

use crate::config::Config;
use crate::error::EngineError;
use crate::keychain::{Keychain, KeychainError};

/// What an account keeps in the keychain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// `PB(PrivateKeyBundle{v1})`, hex: the XMTP identity.
    Identity,
    /// The wallet private key, hex (accounts signed in with a wallet key).
    Wallet,
    /// The BIP-39 recovery phrase (accounts made or signed in with one).
    Phrase,
    /// The key the account's store is encrypted with (64 hex digits).
    StoreKey,
}

impl Item {
    /// The item's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Wallet => "wallet",
            Self::Phrase => "phrase",
            Self::StoreKey => "store-key",
        }
    }
}

/// The keychain items of one account in one data folder.
#[derive(Debug)]
pub(crate) struct Items {
    keychain: Keychain,
    scoped: String,
    legacy: String,
}

impl Items {
    pub(crate) fn new(config: &Config, address: &WalletAddress) -> Result<Self, EngineError> {
        Ok(Self {
            keychain: config.keychain,
            scoped: format!("{}/{address}", config.keychain_scope()?),
            legacy: address.to_string(),
        })
    }

    /// The keychain "account" name of this folder's items.
    pub(crate) fn name(&self) -> &str {
        &self.scoped
    }

    /// An item: this folder's, else one named the older way (then copied to this folder's).
    pub(crate) fn load(&self, item: Item) -> Result<Option<Secret<String>>, KeychainError> {
        if let Some(v) = self.keychain.load(&self.scoped, item.name())? {
            return Ok(Some(v));
        }
        let Some(v) = self.keychain.load(&self.legacy, item.name())? else { return Ok(None) };
        self.keychain.store(&self.scoped, item.name(), v.expose())?;
        Ok(Some(v))
    }

    pub(crate) fn store(&self, item: Item, value: &Secret<String>) -> Result<(), KeychainError> {
        self.keychain.store(&self.scoped, item.name(), value.expose())
    }

    /// Moves this folder's `item` to a name of its own, `<item>.aside-<n>` (the first `n` from
    /// 1 not taken), and returns that name; `None` if there was no such item. The value is
    /// written there and read back before the item is deleted: it is never lost on the way.
    pub(crate) fn keep_aside(&self, item: Item) -> Result<Option<String>, KeychainError> {
        let Some(value) = self.keychain.load(&self.scoped, item.name())? else { return Ok(None) };
        for n in 1..=MAX_ASIDE {
            let name = aside_name(item, n);
            if self.keychain.load(&self.scoped, &name)?.is_some() {
                continue;
            }
            self.keychain.store(&self.scoped, &name, value.expose())?;
            match self.keychain.load(&self.scoped, &name)? {
                Some(back) if back.expose() == value.expose() => {}
                _ => return Err(KeychainError::Other(format!("the keychain did not keep {name}"))),
            }
            self.keychain.delete(&self.scoped, item.name())?;
            return Ok(Some(name));
        }
        Err(KeychainError::Other(format!(
            "{MAX_ASIDE} earlier {} items are kept aside already ({}); remove the ones no longer needed",
            item.name(),
            aside_name(item, 1)
        )))
    }

    /// Deletes every item of the account, under both names, and the items kept aside.
    pub(crate) fn delete_all(&self) -> Result<(), KeychainError> {
        for item in [Item::Identity, Item::Wallet, Item::Phrase, Item::StoreKey] {
            self.keychain.delete(&self.scoped, item.name())?;
            self.keychain.delete(&self.legacy, item.name())?;
        }
        for n in 1..=MAX_ASIDE {
            self.keychain.delete(&self.scoped, &aside_name(Item::StoreKey, n))?;
        }
        Ok(())
    }
}

/// How many damaged items of one kind are kept aside at most (each recovery from a damaged
/// store key keeps one; removing the account removes them).
const MAX_ASIDE: u32 = 16;

fn aside_name(item: Item, n: u32) -> String {
    format!("{}.aside-{n}", item.name())
}
