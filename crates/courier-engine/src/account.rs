//! Accounts: creating one (a new wallet), importing a wallet key or recovery phrase (restoring
//! the XMTP keys from the network backup when they exist, creating them otherwise), and opening
//! one from the keychain. Each account has its own data folder and keychain entries.

use std::path::PathBuf;
use std::sync::Arc;

use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::{Secret, WalletAddress, storage, topic};
use xmtp_proto::message_api::v1::Envelope;

use crate::client::NodeClient;
use crate::engine::Engine;
use crate::error::{EngineError, parse_address};
use crate::keychain::Keychain;

/// Keychain item holding `PB(PrivateKeyBundle{v1})` in hex.
pub const IDENTITY_ITEM: &str = "identity";
/// Keychain item holding the wallet private key in hex (accounts whose wallet Courier holds).
pub const WALLET_ITEM: &str = "wallet";

/// Where and how an engine runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data folder; each account lives in `accounts/<address>/` below it.
    pub data_dir: PathBuf,
    /// The node, `http://…` (plaintext) or `https://…` (TLS).
    pub node_url: String,
    /// Where keys are kept.
    pub keychain: Keychain,
}

impl Config {
    /// The folder of one account.
    pub fn account_dir(&self, address: &WalletAddress) -> PathBuf {
        self.data_dir.join("accounts").join(address.as_str())
    }

    /// Accounts with a folder here, sorted.
    pub fn accounts(&self) -> Vec<WalletAddress> {
        let mut out: Vec<WalletAddress> = std::fs::read_dir(self.data_dir.join("accounts"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| WalletAddress::parse(&e.file_name().to_string_lossy()).ok())
            .collect();
        out.sort();
        out
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Creates an account with a new random wallet; publishes its contact bundles and key backup.
pub async fn create(config: &Config) -> Result<Engine, EngineError> {
    let wallet = LocalWallet::generate(&mut OsRng);
    import_wallet(config, wallet).await
}

/// Imports a wallet private key (hex).
pub async fn import_key(config: &Config, key_hex: &str) -> Result<Engine, EngineError> {
    let wallet =
        LocalWallet::from_hex(key_hex).map_err(|e| EngineError::BadInput(format!("invalid wallet key: {e}")))?;
    import_wallet(config, wallet).await
}

/// Imports a BIP-39 recovery phrase (account m/44'/60'/0'/0/0).
pub async fn import_phrase(config: &Config, phrase: &str) -> Result<Engine, EngineError> {
    let wallet = xmtp_crypto::hd::wallet_from_phrase(phrase).map_err(|e| EngineError::BadInput(e.to_string()))?;
    import_wallet(config, wallet).await
}

/// Signs in with a wallet: restores the XMTP keys from the network backup if there is one,
/// otherwise creates them (spec §3.6) and publishes the backup and contact bundles.
pub async fn import_wallet(config: &Config, wallet: LocalWallet) -> Result<Engine, EngineError> {
    let address = wallet.address();
    config.keychain.check()?;
    // A throwaway identity only to build a client for the read-only lookups below.
    let probe_keys =
        Arc::new(PrivateKeyBundle::generate(&wallet, now_ms(), &mut OsRng).map_err(EngineError::protocol)?);
    let probe = NodeClient::new(&config.node_url, Arc::clone(&probe_keys))?;
    let stored = probe.newest(&topic::private_store(&address), 1).await?;
    let (keys, fresh) = match stored.iter().find(|e| !e.message.is_empty()) {
        Some(e) => (storage::decrypt(&e.message, &wallet).map_err(EngineError::protocol)?, false),
        None => (Arc::try_unwrap(probe_keys).unwrap_or_else(|k| (*k).clone()), true),
    };
    let key_hex = Secret::new(hex::encode(keys.encode_v1().expose()));
    config.keychain.store(address.as_str(), IDENTITY_ITEM, key_hex.expose())?;
    let wallet_hex = Secret::new(hex::encode(wallet.private_key().to_bytes().expose()));
    config.keychain.store(address.as_str(), WALLET_ITEM, wallet_hex.expose())?;
    let engine = Engine::open_with(config, keys).await?;
    if fresh {
        let backup = storage::encrypt(engine.keys(), &wallet, &mut OsRng).map_err(EngineError::protocol)?;
        let now = now_ms() * 1_000_000;
        engine.client().publish(vec![envelope(topic::private_store(&address), now, backup)]).await?;
    }
    engine.ensure_contact_published().await?;
    write_default(config, &address)?;
    Ok(engine)
}

fn envelope(topic: String, ts: u64, bytes: Vec<u8>) -> Envelope {
    Envelope { content_topic: topic, timestamp_ns: ts, message: bytes.into() }
}

fn default_file(config: &Config) -> PathBuf {
    config.data_dir.join("default-account")
}

fn write_default(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| EngineError::io("creating the data folder", e))?;
    std::fs::write(default_file(config), address.as_str())
        .map_err(|e| EngineError::io("writing the default account", e))
}

/// The account to use: the one asked for, else the default, else the only one.
pub fn choose(config: &Config, wanted: Option<&str>) -> Result<WalletAddress, EngineError> {
    let accounts = config.accounts();
    if let Some(w) = wanted {
        let a = parse_address(w)?;
        return if accounts.contains(&a) { Ok(a) } else { Err(EngineError::NoAccount(a.to_string())) };
    }
    if let Ok(s) = std::fs::read_to_string(default_file(config))
        && let Ok(a) = WalletAddress::parse(s.trim())
        && accounts.contains(&a)
    {
        return Ok(a);
    }
    match accounts.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(EngineError::NoAccount(config.data_dir.display().to_string())),
        many => Err(EngineError::WhichAccount(many.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", "))),
    }
}

/// Opens an existing account with the keys from the keychain.
pub async fn open(config: &Config, address: &WalletAddress) -> Result<Engine, EngineError> {
    let hex_bundle = config
        .keychain
        .load(address.as_str(), IDENTITY_ITEM)?
        .ok_or_else(|| EngineError::KeysMissing(address.to_string()))?;
    let bytes = Secret::new(
        hex::decode(hex_bundle.expose()).map_err(|_| EngineError::Protocol("keychain entry is not hex".into()))?,
    );
    let keys = PrivateKeyBundle::decode(bytes.expose()).map_err(EngineError::protocol)?;
    if keys.address() != address {
        return Err(EngineError::Protocol(format!(
            "the keychain entry for {address} holds keys of {}",
            keys.address()
        )));
    }
    Engine::open_with(config, keys).await
}

/// The wallet of an account, from the keychain, if Courier holds it.
pub fn wallet(config: &Config, address: &WalletAddress) -> Result<LocalWallet, EngineError> {
    let hex_key = config.keychain.load(address.as_str(), WALLET_ITEM)?.ok_or(EngineError::NoWallet)?;
    LocalWallet::from_hex(hex_key.expose()).map_err(EngineError::protocol)
}
