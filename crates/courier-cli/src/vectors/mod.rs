//! Test vectors in the schema of `tests/vectors/xmtp-js/README.md`: checking them
//! ([`check`]) and producing them ([`emit`]).

pub mod check;
mod check_identity;
pub mod emit;
mod emit_content;
mod json;
mod remote_file;
mod replay;

pub use check::{Outcome, check_files};
pub use emit::emit;
