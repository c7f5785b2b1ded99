//! Where and how an engine runs: the data folder (one folder per account below it), the node,
//! the keychain.

use std::path::PathBuf;

use xmtp_crypto::WalletAddress;

use crate::keychain::Keychain;

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

    /// The file naming the account opened by default.
    pub(crate) fn default_file(&self) -> PathBuf {
        self.data_dir.join("default-account")
    }
}
