//! The engine's errors: each says what went wrong, keeps its typed source, and never holds a
//! secret.

use xmtp_crypto::address::AddressError;
use xmtp_crypto::content::ContentError;
use xmtp_crypto::ecc::KeyError;
use xmtp_crypto::envelope::MessageIdError;
use xmtp_crypto::keys::BundleError;
use xmtp_crypto::storage::StorageError;
use xmtp_crypto::topic::TopicError;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

use crate::client::ClientError;
use crate::keychain::KeychainError;

/// Why an engine operation failed. Not `non_exhaustive`: `courier-api` maps every variant to a
/// code, and a new variant must make that mapping fail to compile.
#[derive(Debug, thiserror::Error)]
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
        source: AddressError,
    },
    /// A conversation topic is malformed.
    #[error("{input:?} is not a conversation: {source}")]
    BadTopic {
        /// What was given.
        input: String,
        /// Why.
        source: TopicError,
    },
    /// A message id is malformed.
    #[error("{input:?} is not a message id: {source}")]
    BadMessageId {
        /// What was given.
        input: String,
        /// Why.
        source: MessageIdError,
    },
    /// A wallet key is not a valid secp256k1 private key.
    #[error("invalid wallet key: {0}")]
    BadWalletKey(#[source] KeyError),
    /// A recovery phrase is not valid.
    #[error(transparent)]
    BadPhrase(#[from] xmtp_crypto::hd::PhraseError),
    /// Content to send is not valid `EncodedContent`.
    #[error("the content to send is not valid: {0}")]
    BadContent(#[from] ContentError),
    /// The address has no XMTP identity on this node.
    #[error("{0} is not on the XMTP network (no contact bundle found)")]
    NotOnNetwork(WalletAddress),
    /// The peer's keys cannot be used for a V1 conversation.
    #[error("{0} has V2-only keys; V1 is not possible")]
    NoV1(WalletAddress),
    /// A V1 message could not be sealed for the peer's keys.
    #[error("cannot seal the message: {0}")]
    CannotSeal(#[source] xmtp_crypto::v1::V1Error),
    /// No account in this data folder.
    #[error("no account in {0}; create or import one first")]
    NoAccount(std::path::PathBuf),
    /// The account asked for is not in this data folder.
    #[error("no account {0} here; create or import it first")]
    UnknownAccount(WalletAddress),
    /// Several accounts and none chosen.
    #[error("several accounts here ({}); choose one with --account", list(.0))]
    WhichAccount(Vec<WalletAddress>),
    /// The keychain holds no keys for this account (another machine, or a wiped keychain).
    #[error("the keychain has no keys for {0}; import the wallet again to restore them from the network backup")]
    KeysMissing(WalletAddress),
    /// The way out of an unreadable store was asked for a store that opens with its key (or
    /// there is no store, and no damaged key): nothing was changed.
    #[error("the store {} opens with this account's key: nothing to recover", path.display())]
    StoreReadable {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// The store is open in another engine (the app, a `courier` command), or being set aside
    /// by one: it is not set aside under a live connection, and not opened halfway through.
    #[error("the store {} is in use by another Courier (the app or a `courier` command): close it and try again", path.display())]
    StoreInUse {
        /// The database file.
        path: std::path::PathBuf,
    },
    /// The keychain's entry for an account cannot be read as its keys.
    #[error("the keychain entry for {address} is damaged: {problem}")]
    KeychainDamaged {
        /// The account.
        address: WalletAddress,
        /// What is wrong with it.
        problem: KeychainDamage,
    },
    /// The wallet key is not available for an operation that needs it.
    #[error("this account's wallet key is not in the keychain")]
    NoWallet,
    /// The account was made from a wallet key, not a recovery phrase.
    #[error("{0} has no recovery phrase: it was made from a wallet key (export the key instead)")]
    NoPhrase(WalletAddress),
    /// The identity could not be created or its backup could not be made or opened.
    #[error("the key backup: {0}")]
    Backup(#[from] StorageError),
    /// A new identity could not be created.
    #[error("cannot create the XMTP identity: {0}")]
    Identity(#[source] BundleError),
    /// No such message here.
    #[error("no message {0} here")]
    NoSuchMessage(MessageId),
    /// The message has nothing left to publish (it was sent, or the node refused it for good).
    #[error("message {0} has nothing left to send")]
    NotQueued(MessageId),
    /// A reaction that is not one (empty, or longer than an emoji can be).
    #[error("a reaction must be one emoji")]
    BadReaction,
    /// A contact name longer than the most kept.
    #[error("a name can have at most {max} characters")]
    NameTooLong {
        /// The most characters.
        max: usize,
    },
    /// A reaction or read receipt for a peer with no conversation here.
    #[error("no conversation with {0} here")]
    NoConversationWith(WalletAddress),
    /// An attachment could not be sent, fetched or opened.
    #[error(transparent)]
    Attachment(#[from] crate::transfer::AttachmentError),
    /// A search query that cannot be searched for (no word, too long, too many words).
    #[error(transparent)]
    BadSearch(courier_store::QueryError),
    /// No such conversation here.
    #[error("no conversation {0} here")]
    NoSuchConversation(Topic),
    /// Local file system.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A failure inside the engine, not caused by input (details in the log).
    #[error(transparent)]
    Internal(#[from] Internal),
}

/// What is wrong with a keychain entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainDamage {
    /// It is not hexadecimal.
    #[error("not hex")]
    NotHex,
    /// It does not decode as a private key bundle.
    #[error("{0}")]
    Undecodable(#[source] BundleError),
    /// It holds another account's keys.
    #[error("it holds the keys of {0}")]
    OtherAccount(WalletAddress),
    /// The store key is not 64 hex digits.
    #[error("the store key is not 64 hex digits")]
    StoreKey,
}

/// Failures inside the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Internal {
    /// A blocking or background task panicked or was cancelled.
    #[error("an engine task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl EngineError {
    /// A file system failure while doing `context`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io { context: context.into(), source }
    }

    /// A store that could not be held ([`courier_store::StoreHold`]).
    pub(crate) fn hold(e: courier_store::HoldError) -> Self {
        match e {
            courier_store::HoldError::InUse { path } => Self::StoreInUse { path },
            courier_store::HoldError::Lock { path, source } => Self::io(format!("locking {}", path.display()), source),
            other => Self::io("locking the store", std::io::Error::other(other.to_string())),
        }
    }
}

fn list(addresses: &[WalletAddress]) -> String {
    addresses.iter().map(WalletAddress::as_str).collect::<Vec<_>>().join(", ")
}

/// Parses an address typed by a user.
pub fn parse_address(input: &str) -> Result<WalletAddress, EngineError> {
    WalletAddress::parse(input).map_err(|source| EngineError::BadAddress { input: input.to_owned(), source })
}

/// Parses a conversation topic given by a user or the UI.
pub fn parse_topic(input: &str) -> Result<Topic, EngineError> {
    Topic::parse(input).map_err(|source| EngineError::BadTopic { input: input.to_owned(), source })
}

/// Parses a message id given by a user or the UI.
pub fn parse_message_id(input: &str) -> Result<MessageId, EngineError> {
    MessageId::parse(input).map_err(|source| EngineError::BadMessageId { input: input.to_owned(), source })
}
