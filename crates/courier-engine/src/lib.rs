//! # courier-engine
//!
//! The part of Courier a user's messages live in: one account's identity (keys only in the OS
//! keychain), its SQLite store, sync with a node (cursors, batches, parallel decryption), live
//! updates that reconnect and catch up, the crash-safe outbox, consent, and a typed event
//! stream. It knows nothing of Tauri or terminals: the app and the `courier` CLI drive it.

pub mod account;
pub mod client;
pub mod engine;
pub mod error;
pub mod keychain;

pub use account::Config;
pub use engine::{ConversationView, Engine, Event, ListFilter, MessageView, SendOptions, SyncReport};
pub use error::EngineError;
pub use keychain::{Backend, Keychain};
