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
