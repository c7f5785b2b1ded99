//! A "random" number generator that replays recorded bytes, so that a vector's salts, nonces
//! and wallet pre-keys can be fed back in and the sealed bytes compared one for one.

use rand_core::{CryptoRng, RngCore};

/// Serves the recorded chunks in order; when they run out it serves zeros and remembers that it
/// did, so a reproduction that consumed more randomness than recorded is reported, not trusted.
#[derive(Debug)]
pub struct ReplayRng {
    data: Vec<u8>,
    pos: usize,
    overrun: bool,
}

impl ReplayRng {
    pub fn new(chunks: &[&[u8]]) -> Self {
        Self { data: chunks.concat(), pos: 0, overrun: false }
    }

    /// True when every recorded byte was used and no more were asked for.
    pub fn exactly_consumed(&self) -> bool {
        !self.overrun && self.pos == self.data.len()
    }
}

impl RngCore for ReplayRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for d in dest.iter_mut() {
            match self.data.get(self.pos) {
                Some(b) => {
                    *d = *b;
                    self.pos += 1;
                }
                None => {
                    *d = 0;
                    self.overrun = true;
                }
            }
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for ReplayRng {}
