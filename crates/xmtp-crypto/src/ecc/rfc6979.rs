//! RFC 6979 deterministic ECDSA nonces for secp256k1 with HMAC-SHA256 (RFC 6979 §3.2, with
//! qlen = hlen = 256 so `bits2int` is the identity on a 32-byte block). Used by backends whose
//! curve library does not make the nonce itself; the stream is the one libsecp256k1's default
//! nonce function produces, so both backends sign byte for byte alike.

use hmac::digest::FixedOutput;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

/// The HMAC_DRBG of RFC 6979 §3.2 steps b–h, keyed by a private key and a message digest.
/// Each [`NonceStream::next_candidate`] is one candidate `k`; the caller keeps the first one
/// in `1..n` (and asks again if the signature it gives has `r = 0` or `s = 0`). `K` and `V`
/// are erased when the stream is dropped.
pub(super) struct NonceStream {
    k: [u8; 32],
    v: [u8; 32],
    started: bool,
}

impl NonceStream {
    /// Steps b–g: `x` is the private key and `h1` the digest reduced mod n, both as 32
    /// big-endian bytes (`int2octets(x)`, `bits2octets(h1)`).
    pub(super) fn new(x: &[u8; 32], h1: &[u8; 32]) -> Self {
        let mut s = Self { k: [0u8; 32], v: [1u8; 32], started: false };
        for tag in [0x00u8, 0x01] {
            s.k = hmac(&s.k, &[&s.v, &[tag], x, h1]);
            s.v = hmac(&s.k, &[&s.v]);
        }
        s
    }

    /// Step h: the next candidate `T` (32 bytes). After the first, `K` and `V` are first
    /// updated as step h.3 says.
    pub(super) fn next_candidate(&mut self, out: &mut [u8; 32]) {
        if self.started {
            self.k = hmac(&self.k, &[&self.v, &[0x00]]);
            self.v = hmac(&self.k, &[&self.v]);
        }
        self.started = true;
        self.v = hmac(&self.k, &[&self.v]);
        out.copy_from_slice(&self.v);
    }
}

impl Drop for NonceStream {
    fn drop(&mut self) {
        self.k.zeroize();
        self.v.zeroize();
    }
}

/// HMAC-SHA256 of the concatenated `parts` under a 32-byte key.
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    for part in parts {
        mac.update(part);
    }
    let mut out = [0u8; 32];
    mac.finalize_into(GenericArray::from_mut_slice(&mut out));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_is_deterministic_and_moves_on() {
        let mut a = NonceStream::new(&[1u8; 32], &[2u8; 32]);
        let mut b = NonceStream::new(&[1u8; 32], &[2u8; 32]);
        let (mut x, mut y, mut z) = ([0u8; 32], [0u8; 32], [0u8; 32]);
        a.next_candidate(&mut x);
        b.next_candidate(&mut y);
        assert_eq!(x, y);
        a.next_candidate(&mut z);
        assert_ne!(x, z);
        let mut other = NonceStream::new(&[1u8; 32], &[3u8; 32]);
        other.next_candidate(&mut y);
        assert_ne!(x, y);
    }
}
