//! Account operations, the same for the app and the CLI: create, import a wallet key or a
//! recovery phrase, open, export the encrypted key backup, remove from this computer.

use courier_engine::{Config, Engine, EngineError, account};

/// What a user signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSecret {
    /// A wallet private key, hex.
    WalletKey(String),
    /// A BIP-39 recovery phrase.
    Phrase(String),
}

impl ImportSecret {
    /// The one secret given, from optional fields (blank ones count as absent).
    pub fn from_fields(wallet_key: Option<String>, phrase: Option<String>) -> Option<Self> {
        let blank = |s: &String| s.trim().is_empty();
        match (wallet_key.filter(|k| !blank(k)), phrase.filter(|p| !blank(p))) {
            (Some(k), None) => Some(Self::WalletKey(k)),
            (None, Some(p)) => Some(Self::Phrase(p)),
            _ => None,
        }
    }
}

/// A new account with a new wallet.
pub async fn create(config: &Config) -> Result<Engine, EngineError> {
    account::create(config).await
}

/// Signs in with a wallet key or phrase, restoring the XMTP identity from the network backup.
pub async fn import(config: &Config, secret: &ImportSecret) -> Result<Engine, EngineError> {
    match secret {
        ImportSecret::WalletKey(k) => account::import_key(config, k).await,
        ImportSecret::Phrase(p) => account::import_phrase(config, p).await,
    }
}

/// Opens the account asked for, else the default one, else the only one.
pub async fn open(config: &Config, wanted: Option<&str>) -> Result<Engine, EngineError> {
    let address = account::choose(config, wanted)?;
    account::open(config, &address).await
}

/// The encrypted key backup, hex: openable only with the wallet.
pub fn export_backup(config: &Config, engine: &Engine) -> Result<String, EngineError> {
    Ok(hex::encode(account::export_backup(config, engine)?))
}

/// Closes the account and removes it from this computer: keys and local data. Its identity
/// stays on the network, restorable with the wallet.
pub fn remove(config: &Config, engine: Engine) -> Result<(), EngineError> {
    let address = engine.address().clone();
    engine.close();
    drop(engine);
    account::remove(config, &address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_secret_is_taken() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(ImportSecret::from_fields(s("ab"), None), Some(ImportSecret::WalletKey("ab".into())));
        assert_eq!(ImportSecret::from_fields(s(" "), s("a b")), Some(ImportSecret::Phrase("a b".into())));
        assert_eq!(ImportSecret::from_fields(s("ab"), s("a b")), None);
        assert_eq!(ImportSecret::from_fields(None, s("\n")), None);
    }
}
