//! Where and how an engine runs: the data folder (one folder per account below it), the node,
//! the keychain.

use std::path::PathBuf;

use courier_store::private;
use rand_core::{OsRng, RngCore};
use xmtp_crypto::WalletAddress;

use crate::error::EngineError;
use crate::keychain::Keychain;
use crate::proof::NodeProof;

/// Where and how an engine runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data folder; each account lives in `accounts/<address>/` below it.
    pub data_dir: PathBuf,
    /// The node, `http://…` (plaintext) or `https://…` (TLS).
    pub node_url: String,
    /// Where keys are kept.
    pub keychain: Keychain,
    /// What the node must prove on every call (a local node adopted because this user's
    /// Courier started it, see [`crate::proof`]); `None` for a node the user chose.
    pub node_proof: Option<NodeProof>,
    /// The node's attachment store (`http://…` or `https://…`, the node's HTTP address):
    /// remote attachments are uploaded to `<url>/attachments/v1/<digest>`, and plain-http
    /// downloads are allowed to it. `None`: files are sent inline only.
    pub attachments_url: Option<String>,
}

impl Config {
    /// The folder of one account.
    pub fn account_dir(&self, address: &WalletAddress) -> PathBuf {
        self.data_dir.join("accounts").join(address.as_str())
    }

    /// The store of one account.
    pub fn store_path(&self, address: &WalletAddress) -> PathBuf {
        self.account_dir(address).join("courier.db")
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

    /// The file naming the account opened by default.
    pub(crate) fn default_file(&self) -> PathBuf {
        self.data_dir.join("default-account")
    }

    /// This data folder's keychain scope: a random id kept in the folder (made on first use),
    /// which names its keychain items apart from every other folder's.
    pub fn keychain_scope(&self) -> Result<String, EngineError> {
        let file = self.data_dir.join("keychain-scope");
        if let Ok(s) = std::fs::read_to_string(&file) {
            let s = s.trim();
            if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(s.to_owned());
            }
        }
        private::create_dir(&self.data_dir).map_err(|e| EngineError::io("creating the data folder", e))?;
        let mut id = [0u8; 16];
        OsRng.fill_bytes(&mut id);
        let id = hex::encode(id);
        private::write(&file, id.as_bytes()).map_err(|e| EngineError::io("writing the keychain scope", e))?;
        Ok(id)
    }
}
