//! Accounts: creating one (from a new recovery phrase), signing in with a phrase or a wallet key
//! (restoring the XMTP identity from the network backup, or reusing the one this keychain holds,
//! and only otherwise making one), opening one from the keychain, showing its phrase or key,
//! exporting its encrypted backup, signing out and removing it from this computer. Each account
//! has its own data folder and keychain items (`items`).

mod items;
mod store_key;

use std::path::Path;
use std::sync::Arc;

use courier_store::private;
use rand_core::OsRng;
use xmtp_crypto::keys::PrivateKeyBundle;
use xmtp_crypto::wallet::{LocalWallet, WalletSigner};
use xmtp_crypto::{Secret, WalletAddress, storage, topic};
use xmtp_proto::message_api::v1::Envelope;

pub use self::items::Item;
use self::items::Items;
pub use self::store_key::{Recovered, check_recoverable, recover_store, store_key, store_key_if_any};
use crate::client::NodeClient;
use crate::config::Config;
use crate::engine::{Engine, now_ms, now_ns};
use crate::error::{EngineError, KeychainDamage, parse_address};

/// A new account, and the recovery phrase it was made from (the user must write it down).
#[derive(Debug)]
pub struct Created {
    /// The open account.
    pub engine: Engine,
    /// Its 12-word recovery phrase.
    pub phrase: Secret<String>,
}

/// What a wallet came from: what the keychain keeps to give it back.
enum Origin {
    Phrase(Secret<String>),
    WalletKey,
}

/// Creates an account from a new 12-word recovery phrase (wallet at m/44'/60'/0'/0/0, as
/// wallets such as MetaMask derive it); publishes its contact bundles and key backup.
pub async fn create(config: &Config) -> Result<Created, EngineError> {
    let phrase = xmtp_crypto::hd::new_phrase(&mut OsRng);
    let wallet = xmtp_crypto::hd::wallet_from_phrase(phrase.expose())?;
    let engine = import_wallet(config, wallet, Origin::Phrase(phrase.clone())).await?;
    Ok(Created { engine, phrase })
}

/// Signs in with a wallet private key (hex).
pub async fn import_key(config: &Config, key_hex: &str) -> Result<Engine, EngineError> {
    let wallet = LocalWallet::from_hex(key_hex).map_err(EngineError::BadWalletKey)?;
    import_wallet(config, wallet, Origin::WalletKey).await
}

/// Signs in with a BIP-39 recovery phrase (account m/44'/60'/0'/0/0).
pub async fn import_phrase(config: &Config, phrase: &str) -> Result<Engine, EngineError> {
    let wallet = xmtp_crypto::hd::wallet_from_phrase(phrase)?;
    let words = Secret::new(phrase.split_whitespace().collect::<Vec<_>>().join(" "));
    let engine = import_wallet(config, wallet, Origin::Phrase(words)).await?;
    // Whoever typed the phrase has it.
    confirm_phrase(config, engine.address())?;
    Ok(engine)
}

/// Signs in with a wallet. The XMTP identity is, in order: the one in the network backup; the
/// one this keychain already holds for the wallet (never new keys over it: the stored V2 keys
/// are sealed with it); a new one (spec §3.6). The backup is published if the node lacks it.
async fn import_wallet(config: &Config, wallet: LocalWallet, origin: Origin) -> Result<Engine, EngineError> {
    let address = wallet.address();
    config.keychain.check()?;
    let items = Items::new(config, &address)?;
    // A throwaway identity only to build a client for the read-only lookups below.
    let probe_keys =
        Arc::new(PrivateKeyBundle::generate(&wallet, now_ms(), &mut OsRng).map_err(EngineError::Identity)?);
    let probe = NodeClient::with_proof(&config.node_url, Arc::clone(&probe_keys), config.node_proof.as_ref())?;
    let stored = probe.newest(&topic::private_store(&address), 1).await?;
    let (keys, backed_up) = match stored.iter().find(|e| !e.message.is_empty()) {
        Some(e) => (storage::decrypt(&e.message, &wallet)?, true),
        None => match identity_here(&items, &address) {
            Some(keys) => (keys, false),
            None => (Arc::try_unwrap(probe_keys).unwrap_or_else(|k| (*k).clone()), false),
        },
    };
    items.store(Item::Identity, &Secret::new(hex::encode(keys.encode_v1().expose())))?;
    match origin {
        Origin::Phrase(phrase) => items.store(Item::Phrase, &phrase)?,
        Origin::WalletKey => {
            items.store(Item::Wallet, &Secret::new(hex::encode(wallet.private_key().to_bytes().expose())))?
        }
    }
    let store_key = store_key(config, &address)?;
    let engine = Engine::open_with(config, keys, &store_key).await?;
    if !backed_up {
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

/// The name under which this data folder keeps `address`'s items in the keychain (the
/// keychain's "account"; each item is one of [`Item`]), for tools and tests that look there.
pub fn keychain_name(config: &Config, address: &WalletAddress) -> Result<String, EngineError> {
    Ok(Items::new(config, address)?.name().to_owned())
}

/// The identity this keychain holds for `address`, if it is whole and its own.
fn identity_here(items: &Items, address: &WalletAddress) -> Option<PrivateKeyBundle> {
    let hex_bundle = items.load(Item::Identity).ok()??;
    let bytes = Secret::new(hex::decode(hex_bundle.expose()).ok()?);
    let keys = PrivateKeyBundle::decode(bytes.expose()).ok()?;
    (keys.address() == address).then_some(keys)
}

/// Makes an account the one opened by default.
pub fn set_default(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    private::create_dir(&config.data_dir).map_err(|e| EngineError::io("creating the data folder", e))?;
    private::write(&config.default_file(), address.as_str().as_bytes())
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
    let hex_bundle =
        Items::new(config, address)?.load(Item::Identity)?.ok_or_else(|| EngineError::KeysMissing(address.clone()))?;
    let damaged = |problem| EngineError::KeychainDamaged { address: address.clone(), problem };
    let bytes = Secret::new(hex::decode(hex_bundle.expose()).map_err(|_| damaged(KeychainDamage::NotHex))?);
    let keys = PrivateKeyBundle::decode(bytes.expose()).map_err(|e| damaged(KeychainDamage::Undecodable(e)))?;
    if keys.address() != address {
        return Err(damaged(KeychainDamage::OtherAccount(keys.address().clone())));
    }
    let store_key = store_key(config, address)?;
    Engine::open_with(config, keys, &store_key).await
}

/// The wallet of an account, from the keychain: its key, or derived from its phrase.
pub fn wallet(config: &Config, address: &WalletAddress) -> Result<LocalWallet, EngineError> {
    let items = Items::new(config, address)?;
    if let Some(hex_key) = items.load(Item::Wallet)? {
        return LocalWallet::from_hex(hex_key.expose()).map_err(EngineError::BadWalletKey);
    }
    let phrase = items.load(Item::Phrase)?.ok_or(EngineError::NoWallet)?;
    Ok(xmtp_crypto::hd::wallet_from_phrase(phrase.expose())?)
}

/// The wallet private key of an account, hex (for another wallet app).
pub fn export_key(config: &Config, address: &WalletAddress) -> Result<Secret<String>, EngineError> {
    Ok(Secret::new(hex::encode(wallet(config, address)?.private_key().to_bytes().expose())))
}

/// The recovery phrase of an account, if it was made or signed in with one.
pub fn phrase(config: &Config, address: &WalletAddress) -> Result<Secret<String>, EngineError> {
    Items::new(config, address)?.load(Item::Phrase)?.ok_or_else(|| EngineError::NoPhrase(address.clone()))
}

/// Whether an account was made or signed in with a recovery phrase.
pub fn has_phrase(config: &Config, address: &WalletAddress) -> Result<bool, EngineError> {
    Ok(Items::new(config, address)?.load(Item::Phrase)?.is_some())
}

fn confirmed_file(config: &Config, address: &WalletAddress) -> std::path::PathBuf {
    config.account_dir(address).join("phrase-confirmed")
}

/// Records that the user showed they hold the account's recovery phrase.
pub fn confirm_phrase(config: &Config, address: &WalletAddress) -> Result<(), EngineError> {
    private::write(&confirmed_file(config, address), b"")
        .map_err(|e| EngineError::io("recording the confirmed recovery phrase", e))
}

/// Whether the user showed they hold the account's recovery phrase.
pub fn phrase_confirmed(config: &Config, address: &WalletAddress) -> bool {
    confirmed_file(config, address).exists()
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
    Items::new(config, address)?.delete_all()?;
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
