//! Names for the store's tests: addresses, topics and message ids made from small inputs.

#![allow(dead_code, clippy::unwrap_used)]

use xmtp_crypto::envelope::message_id;
use xmtp_crypto::{MessageId, Topic, WalletAddress};

pub fn addr(n: u8) -> WalletAddress {
    WalletAddress::from_raw([n; 20])
}

pub fn topic(name: &str) -> Topic {
    Topic::parse(&format!("/xmtp/0/m-{name}/proto")).unwrap()
}

pub fn id(name: &str) -> MessageId {
    message_id(name.as_bytes())
}

/// The store key of the tests (one for all: each test has its own folder).
pub fn key() -> courier_store::StoreKey {
    courier_store::StoreKey::from_bytes(xmtp_crypto::Secret::new(*b"courier store tests' store key!!"))
}

/// A raw connection to a test store, keyed, to change what the store's API cannot.
pub fn raw(path: &std::path::Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    courier_store::cipher::key(&c, &key()).unwrap();
    c
}
