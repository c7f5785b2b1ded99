//! Account operations, the same for the app and the CLI: create, import a wallet key or a
//! recovery phrase, open, export the encrypted key backup, remove from this computer.

use courier_engine::error::parse_address;
use courier_engine::{Config, Engine, EngineError, account};
use xmtp_crypto::Secret;

/// What a user signs in with. Held as a `Secret`: redacted in `Debug`, erased when dropped.
#[derive(Debug)]
pub enum ImportSecret {
    /// A wallet private key, hex.
    WalletKey(Secret<String>),
    /// A BIP-39 recovery phrase.
    Phrase(Secret<String>),
}

impl ImportSecret {
    /// The one secret given, from optional fields (blank ones count as absent).
    pub fn from_fields(wallet_key: Option<String>, phrase: Option<String>) -> Option<Self> {
        let given = |s: Option<String>| s.map(Secret::new).filter(|s| !s.expose().trim().is_empty());
        match (given(wallet_key), given(phrase)) {
            (Some(k), None) => Some(Self::WalletKey(k)),
            (None, Some(p)) => Some(Self::Phrase(p)),
            _ => None,
        }
    }
}

/// A new account, made from a new recovery phrase; the phrase comes back to be written down.
pub async fn create(config: &Config) -> Result<account::Created, EngineError> {
    account::create(config).await
}

/// An account's recovery phrase, to show again.
pub fn phrase(config: &Config, engine: &Engine) -> Result<Secret<String>, EngineError> {
    account::phrase(config, engine.address())
}

/// An account's wallet private key, hex, for another wallet app.
pub fn export_key(config: &Config, engine: &Engine) -> Result<Secret<String>, EngineError> {
    account::export_key(config, engine.address())
}

/// Records that the user showed they hold the recovery phrase (picked its words back).
pub fn confirm_phrase(config: &Config, engine: &Engine) -> Result<(), EngineError> {
    account::confirm_phrase(config, engine.address())
}

/// Where an account stands on recovery: whether it has a phrase, and whether the user showed
/// they hold it.
pub fn recovery(config: &Config, engine: &Engine) -> Result<Recovery, EngineError> {
    let has_phrase = account::has_phrase(config, engine.address())?;
    Ok(Recovery { has_phrase, phrase_confirmed: has_phrase && account::phrase_confirmed(config, engine.address()) })
}

/// Where an account stands on recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Recovery {
    /// It was made or signed in with a recovery phrase (else with a wallet key).
    pub has_phrase: bool,
    /// The user showed they hold the phrase.
    pub phrase_confirmed: bool,
}

/// Signs in with a wallet key or phrase, restoring the XMTP identity from the network backup.
pub async fn import(config: &Config, secret: &ImportSecret) -> Result<Engine, EngineError> {
    match secret {
        ImportSecret::WalletKey(k) => account::import_key(config, k.expose()).await,
        ImportSecret::Phrase(p) => account::import_phrase(config, p.expose()).await,
    }
}

/// Opens the account asked for, else the default one, else the only one.
pub async fn open(config: &Config, wanted: Option<&str>) -> Result<Engine, EngineError> {
    let address = account::choose(config, wanted)?;
    account::open(config, &address).await
}

/// The account meant: the one asked for, else the default, else the only one (without opening
/// it: removing an account whose keys are gone must work).
pub fn choose(config: &Config, wanted: Option<&str>) -> Result<courier_engine::WalletAddress, EngineError> {
    account::choose(config, wanted)
}

/// Opens the account signed in on this computer, if one is.
pub async fn open_default(config: &Config) -> Result<Option<Engine>, EngineError> {
    match account::default_account(config) {
        Some(a) => Ok(Some(account::open(config, &a).await?)),
        None => Ok(None),
    }
}

/// Signs in to an account whose keys and data are on this computer (signed out before).
pub async fn sign_in(config: &Config, address: &str) -> Result<Engine, EngineError> {
    let address = parse_address(address)?;
    if !config.accounts().contains(&address) {
        return Err(EngineError::UnknownAccount(address));
    }
    let engine = account::open(config, &address).await?;
    account::set_default(config, &address)?;
    Ok(engine)
}

/// Signs out: closes the account on this computer and keeps its keys and data.
pub fn sign_out(config: &Config, engine: Engine) -> Result<(), EngineError> {
    let address = engine.address().clone();
    engine.close();
    drop(engine);
    account::sign_out(config, &address)
}

/// The encrypted key backup, hex: openable only with the wallet.
pub fn export_backup(config: &Config, engine: &Engine) -> Result<String, EngineError> {
    Ok(hex::encode(account::export_backup(config, engine)?))
}

/// Removes an account from this computer: its keys and its local data. Its identity stays on
/// the network, restorable with its recovery phrase or wallet key. Close its engine first.
pub fn remove(config: &Config, address: &str) -> Result<(), EngineError> {
    account::remove(config, &parse_address(address)?)
}

/// The way out of a store its key does not open (`StoreUnreadable`): the account's store file
/// is set aside beside it (never deleted), a damaged key item is kept aside in the keychain,
/// and the account can be opened again with a fresh store, which syncs its V1/V2 history from
/// the network. A store that opens, or one another Courier has open, is refused and left as it
/// is (`account::recover_store`). The account must not be open here.
pub fn recover_store(config: &Config, wanted: Option<&str>) -> Result<account::Recovered, EngineError> {
    let address = choose(config, wanted)?;
    account::recover_store(config, &address)
}

/// Whether [`recover_store`] would do anything for this account now (asked before confirming
/// with the user; `recover_store` checks again, holding the store): a readable store is
/// `StoreReadable` (`account::check_recoverable`).
pub fn check_recoverable(config: &Config, wanted: Option<&str>) -> Result<(), EngineError> {
    account::check_recoverable(config, &choose(config, wanted)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_secret_is_taken_and_never_shown() {
        let s = |v: &str| Some(v.to_owned());
        assert!(
            matches!(ImportSecret::from_fields(s("ab12"), None), Some(ImportSecret::WalletKey(k)) if k.expose() == "ab12")
        );
        assert!(
            matches!(ImportSecret::from_fields(s(" "), s("a b")), Some(ImportSecret::Phrase(p)) if p.expose() == "a b")
        );
        assert!(ImportSecret::from_fields(s("ab"), s("a b")).is_none());
        assert!(ImportSecret::from_fields(None, s("\n")).is_none());
        let shown = format!("{:?}", ImportSecret::from_fields(s("deadbeefcafe"), None));
        assert!(!shown.contains("deadbeefcafe"), "{shown}");
    }
}
