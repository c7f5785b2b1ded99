//! # courier-cli
//!
//! The `courier` command line. It owns argument parsing and printing, and the test-vector
//! tooling: `courier vectors check` holds Courier against files in the schema of the xmtp-js
//! vectors, `courier vectors emit` writes artifacts Courier produced in that schema, for the
//! reference SDK to open. Protocol logic lives in `xmtp-crypto`.

pub mod client;
mod client_args;
pub mod export;
pub mod node;
pub mod people;
mod print;
pub mod search;
pub mod terminal;
pub mod vectors;
