//! The 3DH shared secret (spec §5): three ECDH outputs of 65 bytes each, 195 bytes in all, in an
//! order fixed by the role of the party computing it.

use crate::ecc::{PrivateKey, PublicKey};
use crate::secret::Secret;

/// Which side of the exchange the computing party plays (spec §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `dh1 = ECDH(own identity, peer pre-key)`, `dh2 = ECDH(own pre-key, peer identity)`.
    Sender,
    /// `dh1 = ECDH(own pre-key, peer identity)`, `dh2 = ECDH(own identity, peer pre-key)`.
    Recipient,
}

/// `dh1 || dh2 || dh3` with `dh3 = ECDH(own pre-key, peer pre-key)`. The caller must have checked
/// that `peer_pre_key` is signed by `peer_identity` (a [`crate::keys::PeerBundle`] guarantees it).
pub fn three_dh(
    role: Role,
    own_identity: &PrivateKey,
    own_pre_key: &PrivateKey,
    peer_identity: &PublicKey,
    peer_pre_key: &PublicKey,
) -> Secret<[u8; 195]> {
    let (dh1, dh2) = match role {
        Role::Sender => (own_identity.ecdh(peer_pre_key), own_pre_key.ecdh(peer_identity)),
        Role::Recipient => (own_pre_key.ecdh(peer_identity), own_identity.ecdh(peer_pre_key)),
    };
    let dh3 = own_pre_key.ecdh(peer_pre_key);
    let mut out = Secret::new([0u8; 195]);
    let buf = out.expose_mut();
    buf[..65].copy_from_slice(dh1.expose());
    buf[65..130].copy_from_slice(dh2.expose());
    buf[130..].copy_from_slice(dh3.expose());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn both_sides_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (si, sp, ri, rp) = (
            PrivateKey::generate(&mut rng),
            PrivateKey::generate(&mut rng),
            PrivateKey::generate(&mut rng),
            PrivateKey::generate(&mut rng),
        );
        let a = three_dh(Role::Sender, &si, &sp, ri.public_key(), rp.public_key());
        let b = three_dh(Role::Recipient, &ri, &rp, si.public_key(), sp.public_key());
        assert_eq!(a.expose(), b.expose());
        let wrong = three_dh(Role::Sender, &ri, &rp, si.public_key(), sp.public_key());
        assert_ne!(a.expose(), wrong.expose());
    }
}
