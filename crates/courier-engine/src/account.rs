//! Accounts: creating one (a new wallet), importing a wallet key or recovery phrase (restoring
//! the XMTP keys from the network backup when they exist, creating them otherwise), opening one
//! from the keychain, exporting its encrypted backup, and removing it from this computer. Each
//! account has its own data folder and keychain entries.

use std::path::Path;
use std::sync::Arc;

use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::{Secret, WalletAddress, storage, topic};
use xmtp_proto::message_api::v1::Envelope;

use crate::client::NodeClient;
use crate::config::Config;
use crate::engine::{Engine, now_ms, now_ns};
use crate::error::{EngineError, KeychainDamage, parse_address};

/// Keychain item holding `PB(PrivateKeyBundle{v1})` in hex.
pub const IDENTITY_ITEM: &str = "identity";
/// Keychain item holding the wallet private key in hex (accounts whose wallet Courier holds).
pub const WALLET_ITEM: &str = "wallet";

/// Creates an account with a new random wallet; publishes its contact bundles and key backup.
pub async fn create(config: &Config) -> Result<Engine, EngineError> {
    import_wallet(config, LocalWallet::generate(&mut OsRng)).await
}

/// Imports a wallet private key (hex).
pub async fn import_key(config: &Config, key_hex: &str) -> Result<Engine, EngineError> {
    let wallet = LocalWallet::from_hex(key_hex).map_err(EngineError::BadWalletKey)?;
    import_wallet(config, wallet).await
}

/// Imports a BIP-39 recovery phrase (account m/44'/60'/0'/0/0).
pub async fn import_phrase(config: &Config, phrase: &str) -> Result<Engine, EngineError> {
    import_wallet(config, crate::bip44::wallet_from_phrase(phrase)?).await
}

/// Signs in with a wallet: restores the XMTP keys from the network backup if there is one,
/// otherwise creates them (spec §3.6) and publishes the backup and contact bundles.
pub async fn import_wallet(config: &Config, wallet: LocalWallet) -> Result<Engine, EngineError> {
    let address = wallet.address();
    config.keychain.check()?;
    // A throwaway identity only to build a client for the read-only lookups below.
    let probe_keys =
        Arc::new(PrivateKeyBundle::generate(&wallet, now_ms(), &mut OsRng).map_err(EngineError::Identity)?);
    let probe = NodeClient::new(&config.node_url, Arc::clone(&probe_keys))?;
    let stored = probe.newest(&topic::private_store(&address), 1).await?;
    let (keys, fresh) = match stored.iter().find(|e| !e.message.is_empty()) {
        Some(e) => (storage::decrypt(&e.message, &wallet)?, false),
        None => (Arc::try_unwrap(probe_keys).unwrap_or_else(|k| (*k).clone()), true),
    };
    let key_hex = Secret::new(hex::encode(keys.encode_v1().expose()));
    config.keychain.store(address.as_str(), IDENTITY_ITEM, key_hex.expose())?;
    let wallet_hex = Secret::new(hex::encode(wallet.private_key().to_bytes().expose()));
    config.keychain.store(address.as_str(), WALLET_ITEM, wallet_hex.expose())?;
    let engine = Engine::open_with(config, keys).await?;
    if fresh {
        let backup = storage::encrypt(engine.keys(), &wallet, &mut OsRng)?;
        let envelope = Envelope {
            content_topic: topic::private_store(&address).into_string(),
            timestamp_ns: now_ns(),
            message: backup.into(),
        };
        engine.client().publish(vec![envelope]).await?;
    }
    engine.ensure_contact_published().await?;
    set_default(config, &address)?;
    Ok(engine)
}

/// Makes an account the one opened by default.
pub fn set_default(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| EngineError::io("creating the data folder", e))?;
    std::fs::write(config.default_file(), address.as_str())
        .map_err(|e| EngineError::io("writing the default account", e))
}

/// The account opened by default, if one is set and still here.
pub fn default_account(config: &Config) -> Option<WalletAddress> {
    let s = std::fs::read_to_string(config.default_file()).ok()?;
    let a = WalletAddress::parse(s.trim()).ok()?;
    config.accounts().contains(&a).then_some(a)
}

/// Signs an account out of this computer: it is no longer opened by default. Its keys stay in
/// the keychain and its data in its folder, so signing in again brings everything back. The
/// engine of the account must be closed first.
pub fn sign_out(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    forget_default(config, address)
}

fn forget_default(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    if default_account(config).as_ref() == Some(address) {
        std::fs::remove_file(config.default_file())
            .map_err(|e| EngineError::io("forgetting the default account", e))?;
    }
    Ok(())
}

/// The account to use: the one asked for, else the default, else the only one.
pub fn choose(config: &Config, wanted: Option<&str>) -> Result<WalletAddress, EngineError> {
    let accounts = config.accounts();
    if let Some(w) = wanted {
        let a = parse_address(w)?;
        return if accounts.contains(&a) { Ok(a) } else { Err(EngineError::UnknownAccount(a)) };
    }
    if let Some(a) = default_account(config) {
        return Ok(a);
    }
    match accounts.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(EngineError::NoAccount(config.data_dir.clone())),
        many => Err(EngineError::WhichAccount(many.to_vec())),
    }
}

/// Opens an existing account with the keys from the keychain.
pub async fn open(config: &Config, address: &WalletAddress) -> Result<Engine, EngineError> {
    let hex_bundle = config
        .keychain
        .load(address.as_str(), IDENTITY_ITEM)?
        .ok_or_else(|| EngineError::KeysMissing(address.clone()))?;
    let damaged = |problem| EngineError::KeychainDamaged { address: address.clone(), problem };
    let bytes = Secret::new(hex::decode(hex_bundle.expose()).map_err(|_| damaged(KeychainDamage::NotHex))?);
    let keys = PrivateKeyBundle::decode(bytes.expose()).map_err(|e| damaged(KeychainDamage::Undecodable(e)))?;
    if keys.address() != address {
        return Err(damaged(KeychainDamage::OtherAccount(keys.address().clone())));
    }
    Engine::open_with(config, keys).await
}

/// The wallet of an account, from the keychain, if Courier holds it.
pub fn wallet(config: &Config, address: &WalletAddress) -> Result<LocalWallet, EngineError> {
    let hex_key = config.keychain.load(address.as_str(), WALLET_ITEM)?.ok_or(EngineError::NoWallet)?;
    LocalWallet::from_hex(hex_key.expose()).map_err(EngineError::BadWalletKey)
}

/// The encrypted key backup (`EncryptedPrivateKeyBundle`), openable only with the wallet.
pub fn export_backup(config: &Config, engine: &Engine) -> Result<Vec<u8>, EngineError> {
    let wallet = wallet(config, engine.address())?;
    Ok(storage::encrypt(engine.keys(), &wallet, &mut OsRng)?)
}

/// Removes an account from this computer: its keychain entries, its data folder, and the
/// default choice if it was the default. Its identity stays on the network, restorable with the
/// wallet. The engine of the account must be closed first.
pub fn remove(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    config.keychain.delete(address.as_str(), IDENTITY_ITEM)?;
    config.keychain.delete(address.as_str(), WALLET_ITEM)?;
    forget_default(config, address)?;
    remove_dir(&config.account_dir(address))
}

fn remove_dir(dir: &Path) -> Result<(), EngineError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(EngineError::io(format!("removing {}", dir.display()), e)),
    }
}
