//! Errors as they cross IPC: `courier-api`'s `{code, message}`, whose one mapping from engine
//! errors the app shares with the CLI. The UI acts on `code`, never on message text.

pub use courier_api::{ApiError as CommandError, ErrorCode};

/// The result of every command.
pub type CmdResult<T> = Result<T, CommandError>;
