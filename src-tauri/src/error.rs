//! Errors as they cross IPC: a stable `code` the UI can switch on, and a message to show. The UI
//! never matches message strings.

use courier_engine::EngineError;
use serde::Serialize;

/// What kind of failure, for the UI to react to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The input is malformed (address, key, phrase, URL).
    BadInput,
    /// The address has no XMTP identity.
    NotOnNetwork,
    /// No account is open, or it is missing.
    NoAccount,
    /// The keychain is unavailable, locked or lacks the keys.
    Keychain,
    /// The node cannot be reached or refused.
    Node,
    /// Anything else (details in the log).
    Internal,
}

/// An error crossing IPC as `{code, message}`.
#[derive(Debug, Clone, Serialize, ts_rs::TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct CommandError {
    /// The kind.
    pub code: ErrorCode,
    /// What to show.
    pub message: String,
}

impl CommandError {
    /// An error of `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<EngineError> for CommandError {
    fn from(e: EngineError) -> Self {
        let code = match &e {
            EngineError::BadAddress { .. } | EngineError::BadInput(_) | EngineError::NoV1(_) => ErrorCode::BadInput,
            EngineError::NotOnNetwork(_) => ErrorCode::NotOnNetwork,
            EngineError::NoAccount(_) | EngineError::WhichAccount(_) => ErrorCode::NoAccount,
            EngineError::Keychain(_) | EngineError::KeysMissing(_) | EngineError::NoWallet => ErrorCode::Keychain,
            EngineError::Node(_) => ErrorCode::Node,
            _ => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %e, "command failed");
        }
        Self { code, message: e.to_string() }
    }
}

/// The result of every command.
pub type CmdResult<T> = Result<T, CommandError>;
