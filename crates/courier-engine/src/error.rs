//! The engine's errors: each names what went wrong without secrets.

use crate::client::ClientError;
use crate::keychain::KeychainError;

/// Why an engine operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    /// The node failed or could not be reached.
    #[error(transparent)]
    Node(#[from] ClientError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] courier_store::StoreError),
    /// An address is malformed.
    #[error("{input:?} is not an Ethereum address: {source}")]
    BadAddress {
        /// What was given.
        input: String,
        /// Why.
        source: xmtp_crypto::address::AddressError,
    },
    /// The address has no XMTP identity on this node.
    #[error("{0} is not on the XMTP network (no contact bundle found)")]
    NotOnNetwork(String),
    /// No account in this data folder, or not the one asked for.
    #[error("no account {0} here; create or import one first")]
    NoAccount(String),
    /// Several accounts and none chosen.
    #[error("several accounts here ({0}); choose one with --account")]
    WhichAccount(String),
    /// The keychain holds no keys for this account (another machine, or a wiped keychain).
    #[error("the keychain has no keys for {0}; import the wallet again to restore them from the network backup")]
    KeysMissing(String),
    /// The wallet key is not available for an operation that needs it.
    #[error("this account's wallet key is not in the keychain")]
    NoWallet,
    /// A key, bundle or stored backup is invalid.
    #[error("{0}")]
    Protocol(String),
    /// The peer's keys cannot be used for a V1 conversation.
    #[error("{0} has V2-only keys; V1 is not possible")]
    NoV1(String),
    /// A recovery phrase or wallet key is invalid.
    #[error("{0}")]
    BadInput(String),
    /// Local file system.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
}

impl EngineError {
    pub(crate) fn protocol(e: impl std::fmt::Display) -> Self {
        Self::Protocol(e.to_string())
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }
}

/// Parses an address typed by a user.
pub fn parse_address(input: &str) -> Result<xmtp_crypto::WalletAddress, EngineError> {
    xmtp_crypto::WalletAddress::parse(input)
        .map_err(|source| EngineError::BadAddress { input: input.to_owned(), source })
}
