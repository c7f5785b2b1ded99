//! # courier-api
//!
//! The one layer Courier's desktop app and its `courier` command line share, so that each of
//! them only translates (IPC or arguments in, JSON or text out):
//! - [`views`]: what crosses to a screen or to JSON — conversations, messages, events, sync
//!   reports — with their serde and TypeScript forms (`ts` feature: ts-rs writes them to the
//!   UI's bindings);
//! - [`accounts`]: create, import, open, export the key backup, remove;
//! - [`threads`]: the conversation list, threads, sending, address checks, taking user input
//!   as text and returning views; [`rich`]: replies, reactions, read receipts, attachments;
//! - [`export`]: the history to files (HTML or JSON lines), not encrypted;
//! - [`people`]: local names, conversation flags (pin, mute, archive, unread), the accounts
//!   on this computer with their unread counts;
//! - [`search`]: full-text search, hits with their snippets as plain and matching segments;
//! - [`error`]: every engine error as a stable [`ErrorCode`] and a message.
//!
//! It knows no Tauri and no terminal; the engine below it knows no JSON.

pub mod accounts;
pub mod error;
pub mod export;
pub mod people;
pub mod rich;
pub mod search;
pub mod threads;
pub mod views;

pub use error::{ApiError, ErrorCode, error_code};
