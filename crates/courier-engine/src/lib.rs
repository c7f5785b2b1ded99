//! # courier-engine
//!
//! The part of Courier a user's messages live in: one account's identity (keys only in the OS
//! keychain), its SQLite store, sync with a node (cursors, batches, parallel decryption), live
//! updates that reconnect and catch up, the crash-safe outbox, consent, and a typed event
//! stream. It knows nothing of Tauri, terminals or JSON: `courier-api` turns its values into the
//! views the app and the `courier` CLI show.
//!
//! Map: [`config`] and [`account`] (the identity and the keychain) open an [`Engine`]; the
//! engine's work is split by concern — `send` and `outbox`, `sync` (over [`fetch`], which checks what the node returns, and the pure [`plan`]),
//! `live`, `consent`, `contacts`, `queries`, [`people`] (local names and conversation flags,
//! never sent), `search`, [`export`] (the history to files) — and reported as [`Event`]s.

pub mod account;
pub mod client;
pub mod config;
mod consent;
mod contacts;
pub mod describe;
mod endpoint;
mod engine;
pub mod error;
pub mod events;
pub mod export;
pub mod fetch;
mod invisible;
pub mod keychain;
mod lifecycle;
mod live;
mod node_error;
mod outbox;
pub mod people;
pub mod plan;
pub mod proof;
mod queries;
mod rich;
mod search;
mod send;
mod sync;
mod tasks;
pub mod transfer;
mod vault;

pub use config::Config;
/// Files and folders only this user can read (the app keeps its profile with them too).
pub use courier_store::private;
pub use courier_store::{
    AttachmentInfo, ConsentState, Conversation, ConversationFlag, ConversationSummary, DeliveryState, Flags, Message,
    MessagePosition, ProtocolVersion, QueryError, ReactionGroup, SearchHit, SnippetPart, StoreError, StoreKey,
};
pub use engine::Engine;
pub use error::EngineError;
pub use events::{ConnectionState, Event, Events};
pub use export::{ExportFormat, ExportReport};
pub use fetch::{TopicError, TopicFailure};
pub use keychain::{Backend, Keychain};
pub use queries::{ListFilter, Thread};
pub use rich::{AttachmentFile, INLINE_MAX_BYTES, ThreadExtras};
pub use send::SendOptions;
pub use sync::SyncReport;
pub use transfer::AttachmentError;
pub use vault::KeyUnreadable;
pub use xmtp_crypto::{MessageId, Topic, WalletAddress};
