//! Courier's extension (not XMTP): a node proves it was started by a Courier of this user. The
//! app that starts its embedded node gives it a random key kept in a file only this user can
//! read; a client holding the key sends a fresh nonce in the request metadata [`CHALLENGE`]
//! and the node answers with [`PROOF`] = [`prove`]`(key, nonce, the node's gRPC address)`. The
//! address in the proof means a process that relays the challenge to a genuine node listening
//! elsewhere gets back a proof for that other address, which does not verify. The node's half
//! is `courier_node::proof`, the client's `courier_engine::proof`; both compute it here.

use std::net::SocketAddr;

use crate::hash::hmac_sha256;

/// The request metadata carrying the nonce: [`NONCE_LEN`] bytes, hex.
pub const CHALLENGE: &str = "courier-node-challenge";
/// The response metadata carrying the proof: 32 bytes, hex.
pub const PROOF: &str = "courier-node-proof";
/// Nonce length in bytes.
pub const NONCE_LEN: usize = 32;
/// Domain separation: the key signs nothing else.
const LABEL: &[u8] = b"courier-node-proof v1\0";

/// `HMAC-SHA256(key, label ‖ nonce ‖ addr)`, `addr` as `ip:port` text.
pub fn prove(key: &[u8; 32], nonce: &[u8; NONCE_LEN], addr: SocketAddr) -> [u8; 32] {
    let addr = addr.to_string();
    let mut message = Vec::with_capacity(LABEL.len() + NONCE_LEN + addr.len());
    message.extend_from_slice(LABEL);
    message.extend_from_slice(nonce);
    message.extend_from_slice(addr.as_bytes());
    hmac_sha256(key, &message)
}

/// Whether `proof` (hex, as received) is [`prove`]`(key, nonce, addr)`; the comparison takes
/// the same time wherever the bytes differ.
pub fn verify(key: &[u8; 32], nonce: &[u8; NONCE_LEN], addr: SocketAddr, proof: &str) -> bool {
    let mut got = [0u8; 32];
    if hex::decode_to_slice(proof.trim(), &mut got).is_err() {
        return false;
    }
    let want = prove(key, nonce, addr);
    got.iter().zip(want.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}
