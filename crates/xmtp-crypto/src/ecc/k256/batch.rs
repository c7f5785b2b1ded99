//! Several public keys, or several signatures, at once (identity creation makes two of each):
//! their affine conversions share one field inversion (Montgomery's trick), and the signatures
//! share one scalar inversion too — on one core, which here beats running two chains on two
//! (waking a second thread costs more than an inversion). The bytes are those of one at a time;
//! everything stays constant-time (a shared inversion is products, one constant-time inversion
//! and products again).

use k256::Scalar as K256Scalar;

use super::point::{Jacobian, batch_to_affine};
use super::{Point, Scalar, fixed_base, next_nonce, point_from_coordinates, reduce};

/// `dᵢ·G` for each key.
pub(in crate::ecc) fn publics(keys: &[&Scalar]) -> Vec<Point> {
    let points: Vec<Jacobian> = keys.iter().map(|d| fixed_base::mul_generator(&d.0)).collect();
    batch_to_affine(&points).iter().map(|p| point_from_coordinates(&p.x, &p.y)).collect()
}

/// ECDSA signatures of each (key, digest), as [`Scalar::sign`] makes them one by one.
pub(in crate::ecc) fn sign_batch(items: &[(&Scalar, &[u8; 32])]) -> Vec<([u8; 64], u8)> {
    let zs: Vec<K256Scalar> = items.iter().map(|(_, digest)| reduce(digest)).collect();
    let nonces: Vec<Scalar> = items.iter().zip(&zs).map(|((d, _), z)| next_nonce(&mut d.nonces(z))).collect();
    let points: Vec<Jacobian> = nonces.iter().map(|k| fixed_base::mul_generator(&k.0)).collect();
    let big_rs = batch_to_affine(&points);
    let inverses = invert_all(&nonces);
    items
        .iter()
        .enumerate()
        .map(|(i, (d, digest))| {
            // r or s zero (probability about 2⁻²⁵⁶): the single path goes on to the next nonce.
            d.finish_signature(&inverses[i], &zs[i], &big_rs[i].x, &big_rs[i].y).unwrap_or_else(|| d.sign(digest))
        })
        .collect()
}

/// `kᵢ⁻¹` for non-zero scalars with one constant-time inversion.
fn invert_all(ks: &[Scalar]) -> Vec<Scalar> {
    let mut prefix = Vec::with_capacity(ks.len());
    let mut acc = Scalar(K256Scalar::ONE);
    for k in ks {
        prefix.push(acc.clone());
        acc = Scalar(acc.0 * k.0);
    }
    let mut inv = Scalar(acc.0.invert().unwrap_or(K256Scalar::ZERO));
    let mut out = vec![Scalar(K256Scalar::ZERO); ks.len()];
    for i in (0..ks.len()).rev() {
        out[i] = Scalar(inv.0 * prefix[i].0);
        inv = Scalar(inv.0 * ks[i].0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_give_the_bytes_of_one_at_a_time() {
        let keys: Vec<Scalar> = (1u8..=3).map(|i| Scalar::from_bytes(&[i * 0x21; 32]).unwrap()).collect();
        let refs: Vec<&Scalar> = keys.iter().collect();
        let batch = publics(&refs);
        for (k, p) in keys.iter().zip(&batch) {
            assert_eq!(k.public().uncompressed(), p.uncompressed());
        }
        let digests = [[1u8; 32], [0xff; 32], [7u8; 32]];
        let items: Vec<(&Scalar, &[u8; 32])> = keys.iter().zip(&digests).collect();
        for ((k, d), sig) in items.iter().zip(sign_batch(&items)) {
            assert_eq!(k.sign(d), sig);
        }
        assert!(publics(&[]).is_empty() && sign_batch(&[]).is_empty());
    }
}
