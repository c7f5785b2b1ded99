//! Errors as the app and the CLI report them: a stable code to act on, and a message to show.
//! [`error_code`] is the one place that decides the code of an engine error; nothing above
//! matches on message text.

use courier_engine::EngineError;
use serde::Serialize;

/// What kind of failure, for the caller to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum ErrorCode {
    /// The input is malformed (address, key, phrase, URL, id).
    BadInput,
    /// The address has no XMTP identity.
    NotOnNetwork,
    /// No account is open, or the one asked for is not here.
    NoAccount,
    /// The account is here but the keychain lacks its keys: import the wallet again.
    KeysMissing,
    /// The keychain is unavailable, locked, or holds a damaged entry.
    Keychain,
    /// The local store was written by a newer Courier.
    StoreTooNew,
    /// The local store cannot be read with its key (another key, a lost key, or a damaged
    /// file): it can be set aside and a fresh store started; the history comes back from the
    /// network.
    StoreUnreadable,
    /// The node cannot be reached or refused.
    Node,
    /// The message or conversation asked for is not here.
    NotFound,
    /// A message request's attachment: downloaded only when the user asks.
    AttachmentNotAsked,
    /// Attachments of blocked peers are never downloaded.
    AttachmentBlocked,
    /// The attachment's URL is not allowed, or the file is not the one the message names.
    AttachmentUnsafe,
    /// The attachment could not be uploaded or downloaded (network, store, size).
    AttachmentTransfer,
    /// Anything else (details in the log).
    Internal,
}

/// An error as `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ApiError {
    /// The kind.
    pub code: ErrorCode,
    /// What to show.
    pub message: String,
}

impl ApiError {
    /// An error of `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

fn attachment_code(e: &courier_engine::AttachmentError) -> ErrorCode {
    use courier_engine::AttachmentError as A;
    match e {
        A::NotAsked => ErrorCode::AttachmentNotAsked,
        A::Blocked => ErrorCode::AttachmentBlocked,
        A::NoAttachment(_) => ErrorCode::NotFound,
        A::UrlRefused { .. } | A::Remote(_) => ErrorCode::AttachmentUnsafe,
        _ => ErrorCode::AttachmentTransfer,
    }
}

/// The code of an engine error.
pub fn error_code(e: &EngineError) -> ErrorCode {
    use EngineError as E;
    // Every variant by name: a new one does not compile until it has a code.
    match e {
        E::BadAddress { .. }
        | E::BadTopic { .. }
        | E::BadMessageId { .. }
        | E::BadWalletKey(_)
        | E::BadPhrase(_)
        | E::BadContent(_)
        | E::BadReaction
        | E::NameTooLong { .. }
        | E::BadSearch(_)
        | E::NoV1(_) => ErrorCode::BadInput,
        E::NoConversationWith(_) => ErrorCode::NotFound,
        // Asked for what does not apply (the store opens) or not now (another Courier has it
        // open): the message says which; nothing was changed.
        E::StoreReadable { .. } | E::StoreInUse { .. } => ErrorCode::BadInput,
        E::Attachment(a) => attachment_code(a),
        E::NotOnNetwork(_) => ErrorCode::NotOnNetwork,
        E::NoAccount(_) | E::UnknownAccount(_) | E::WhichAccount(_) => ErrorCode::NoAccount,
        // A damaged entry is fixed the way a missing one is: sign in again, which rewrites it.
        E::KeychainDamaged { problem: courier_engine::error::KeychainDamage::StoreKey, .. } => {
            ErrorCode::StoreUnreadable
        }
        E::KeysMissing(_) | E::NoWallet | E::KeychainDamaged { .. } => ErrorCode::KeysMissing,
        E::Keychain(_) => ErrorCode::Keychain,
        E::Node(_) => ErrorCode::Node,
        E::Store(courier_store::StoreError::TooNew { .. }) => ErrorCode::StoreTooNew,
        E::Store(courier_store::StoreError::WrongKey { .. } | courier_store::StoreError::KeyMissing { .. }) => {
            ErrorCode::StoreUnreadable
        }
        E::NoSuchMessage(_) | E::NoSuchConversation(_) | E::NotQueued(_) | E::NoPhrase(_) => ErrorCode::NotFound,
        E::Store(_) | E::Backup(_) | E::Identity(_) | E::CannotSeal(_) | E::Io { .. } | E::Internal(_) => {
            ErrorCode::Internal
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let code = error_code(&e);
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "internal error");
        }
        Self { code, message: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use courier_engine::client::ClientError;
    use courier_engine::keychain::{Backend, KeychainError};
    use xmtp_crypto::{Topic, WalletAddress};

    #[tokio::test]
    async fn every_kind_of_engine_error_has_the_code_the_ui_acts_on() {
        use courier_engine::AttachmentError;
        use courier_engine::error::{Internal, KeychainDamage};
        use xmtp_crypto::content::remote::RemoteError;
        use xmtp_crypto::ecc::KeyError;
        let a = WalletAddress::from_raw([1; 20]);
        let id = xmtp_crypto::envelope::message_id(b"m");
        let topic = Topic::parse("/xmtp/0/m-x/proto").unwrap();
        let bundle_error = xmtp_crypto::keys::PrivateKeyBundle::decode(b"junk").unwrap_err();
        let join_error = tokio::spawn(async { panic!("a task panicked") }).await.unwrap_err();
        let store = |e| EngineError::Store(e);
        let cases: Vec<(EngineError, ErrorCode)> = vec![
            (courier_engine::error::parse_address("0x12").unwrap_err(), ErrorCode::BadInput),
            (courier_engine::error::parse_topic("/etc").unwrap_err(), ErrorCode::BadInput),
            (courier_engine::error::parse_message_id("zz").unwrap_err(), ErrorCode::BadInput),
            (EngineError::BadWalletKey(KeyError::InvalidPrivateKey("not 32 bytes")), ErrorCode::BadInput),
            (bad_phrase(), ErrorCode::BadInput),
            (EngineError::BadContent(xmtp_crypto::content::decode(b"\xff").unwrap_err()), ErrorCode::BadInput),
            (EngineError::NoV1(a.clone()), ErrorCode::BadInput),
            (EngineError::NameTooLong { max: 64 }, ErrorCode::BadInput),
            (EngineError::BadReaction, ErrorCode::BadInput),
            (EngineError::BadSearch(courier_store::QueryError::Empty), ErrorCode::BadInput),
            (EngineError::NoConversationWith(a.clone()), ErrorCode::NotFound),
            (EngineError::StoreReadable { path: "/x/courier.db".into() }, ErrorCode::BadInput),
            (EngineError::StoreInUse { path: "/x/courier.db".into() }, ErrorCode::BadInput),
            (AttachmentError::NotAsked.into(), ErrorCode::AttachmentNotAsked),
            (AttachmentError::Blocked.into(), ErrorCode::AttachmentBlocked),
            (AttachmentError::NoAttachment(id).into(), ErrorCode::NotFound),
            (
                courier_engine::transfer::download_url("http://10.0.0.1/x", None).unwrap_err().into(),
                ErrorCode::AttachmentUnsafe,
            ),
            (AttachmentError::Remote(RemoteError::DigestMismatch).into(), ErrorCode::AttachmentUnsafe),
            (AttachmentError::NoStore.into(), ErrorCode::AttachmentTransfer),
            (AttachmentError::TooLarge(1).into(), ErrorCode::AttachmentTransfer),
            (AttachmentError::Status(500).into(), ErrorCode::AttachmentTransfer),
            (EngineError::NotOnNetwork(a.clone()), ErrorCode::NotOnNetwork),
            (EngineError::NoAccount("/tmp/x".into()), ErrorCode::NoAccount),
            (EngineError::UnknownAccount(a.clone()), ErrorCode::NoAccount),
            (EngineError::WhichAccount(vec![a.clone()]), ErrorCode::NoAccount),
            (EngineError::KeysMissing(a.clone()), ErrorCode::KeysMissing),
            (EngineError::NoWallet, ErrorCode::KeysMissing),
            (
                EngineError::KeychainDamaged { address: a.clone(), problem: KeychainDamage::NotHex },
                ErrorCode::KeysMissing,
            ),
            (EngineError::Keychain(KeychainError::Unsupported(Backend::Windows)), ErrorCode::Keychain),
            (EngineError::Keychain(KeychainError::Other("x".into())), ErrorCode::Keychain),
            (EngineError::Node(ClientError::Unreachable("down".into())), ErrorCode::Node),
            (EngineError::Node(courier_engine::client::check_url("ftp://x").unwrap_err()), ErrorCode::Node),
            (
                store(courier_store::StoreError::TooNew { path: "/x/courier.db".into(), found: 9, supported: 3 }),
                ErrorCode::StoreTooNew,
            ),
            (store(courier_store::StoreError::WrongKey { path: "/x/courier.db".into() }), ErrorCode::StoreUnreadable),
            (store(courier_store::StoreError::KeyMissing { path: "/x/courier.db".into() }), ErrorCode::StoreUnreadable),
            (
                EngineError::KeychainDamaged { address: a.clone(), problem: KeychainDamage::StoreKey },
                ErrorCode::StoreUnreadable,
            ),
            (store(rusqlite_error()), ErrorCode::Internal),
            (EngineError::NoSuchMessage(id), ErrorCode::NotFound),
            (EngineError::NoSuchConversation(topic), ErrorCode::NotFound),
            (EngineError::NotQueued(id), ErrorCode::NotFound),
            (EngineError::NoPhrase(a.clone()), ErrorCode::NotFound),
            (EngineError::Backup(xmtp_crypto::storage::StorageError::WrongSigner), ErrorCode::Internal),
            (EngineError::Identity(bundle_error), ErrorCode::Internal),
            (
                EngineError::Io { context: "writing".into(), source: std::io::Error::other("disk full") },
                ErrorCode::Internal,
            ),
            (EngineError::Internal(Internal::Task(join_error)), ErrorCode::Internal),
        ];
        for (e, code) in cases {
            let shown = e.to_string();
            let api = ApiError::from(e);
            assert_eq!(api.code, code, "{shown}");
            assert_eq!(api.message, shown);
        }
    }

    fn bad_phrase() -> EngineError {
        xmtp_crypto::hd::wallet_from_phrase("not a phrase").map(drop).map_err(EngineError::from).unwrap_err()
    }

    fn rusqlite_error() -> courier_store::StoreError {
        // A file that says it is plain SQLite and is not: SQLite refuses it (while encrypting it).
        let junk = std::env::temp_dir().join(format!("courier-api-junk-{}.db", std::process::id()));
        let mut bytes = courier_store::cipher::SQLITE_HEADER.to_vec();
        bytes.resize(4096, 0x5a);
        std::fs::write(&junk, bytes).unwrap();
        let key = courier_store::StoreKey::from_bytes(xmtp_crypto::Secret::new([1; 32]));
        let opened = courier_store::Store::open(&junk, &key);
        let _ = std::fs::remove_file(&junk);
        opened
            .err()
            .and_then(|e| match e {
                courier_store::StoreError::Encrypt {
                    source: courier_store::encrypt::EncryptError::Sql(source),
                    ..
                } => Some(courier_store::StoreError::Sql(source)),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn crosses_as_code_and_message() {
        let e = ApiError::new(ErrorCode::NotOnNetwork, "0x… is not on the XMTP network");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_on_network", "message": "0x… is not on the XMTP network"})
        );
        assert_eq!(serde_json::to_value(ErrorCode::KeysMissing).unwrap(), "keys_missing");
    }
}
