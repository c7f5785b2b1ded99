//! Tests only (with the `libsecp256k1` feature, when both backends are compiled): the k256
//! backend and the libsecp256k1 backend give the same bytes and the same verdicts for the same
//! inputs, valid or not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::{KeyError, k256 as k, libsecp as l};

const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc,
    0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

fn bytes32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}

fn pair(d: &[u8; 32]) -> (k::Scalar, l::Scalar) {
    (k::Scalar::from_bytes(d).unwrap(), l::Scalar::from_bytes(d).unwrap())
}

fn add_one(mut b: [u8; 32]) -> [u8; 32] {
    for i in (0..32).rev() {
        let (v, carry) = b[i].overflowing_add(1);
        b[i] = v;
        if !carry {
            break;
        }
    }
    b
}

fn n_minus(b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let v = i16::from(N[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(v < 0);
        out[i] = (v + 256 * borrow) as u8;
    }
    out
}

#[test]
fn scalars_parse_alike() {
    let mut edges = vec![[0u8; 32], N, add_one(N), [0xff; 32], n_minus(&[0u8; 32]), n_minus(&add_one([0u8; 32]))];
    edges.push(add_one([0u8; 32]));
    let mut rng = ChaCha20Rng::seed_from_u64(10);
    edges.extend((0..20).map(|_| bytes32(&mut rng)));
    for b in edges {
        assert_eq!(k::Scalar::from_bytes(&b).is_some(), l::Scalar::from_bytes(&b).is_some(), "{}", hex::encode(b));
    }
}

#[test]
fn keys_signatures_and_ecdh_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    for i in 0..64 {
        let (dk, dl) = pair(&bytes32(&mut rng));
        let (pk, pl) = (dk.public(), dl.public());
        assert_eq!(pk.uncompressed(), pl.uncompressed());
        assert_eq!(pk.compressed(), pl.compressed());
        // Digests above n (all 0xff) and random ones.
        let digest = if i == 0 { [0xff; 32] } else { bytes32(&mut rng) };
        let (sk, sl) = (dk.sign(&digest), dl.sign(&digest));
        assert_eq!(hex::encode(sk.0), hex::encode(sl.0));
        assert_eq!(sk.1, sl.1);
        let (ek, el) = pair(&bytes32(&mut rng));
        let (mut xk, mut xl) = ([0u8; 65], [0u8; 65]);
        dk.ecdh(&ek.public(), &mut xk);
        dl.ecdh(&el.public(), &mut xl);
        assert_eq!(xk, xl);
        let tweak = bytes32(&mut rng);
        let (tk, tl) = (dk.tweak_add(&tweak), dl.tweak_add(&tweak));
        let (mut bk, mut bl) = ([0u8; 32], [0u8; 32]);
        tk.unwrap().write_bytes(&mut bk);
        tl.unwrap().write_bytes(&mut bl);
        assert_eq!(bk, bl);
    }
}

#[test]
fn tweak_edges_agree() {
    let (dk, dl) = pair(&add_one([0u8; 32]));
    for t in [N, [0xff; 32], n_minus(&add_one([0u8; 32])), [0u8; 32]] {
        let (a, b) = (dk.tweak_add(&t), dl.tweak_add(&t));
        assert_eq!(a.as_ref().err(), b.as_ref().err(), "{}", hex::encode(t));
    }
}

#[test]
fn verdicts_agree_on_good_bad_and_malformed_signatures() {
    let mut rng = ChaCha20Rng::seed_from_u64(12);
    for _ in 0..64 {
        let (dk, dl) = pair(&bytes32(&mut rng));
        let (pk, pl) = (dk.public(), dl.public());
        let digest = bytes32(&mut rng);
        let (rs, rid) = dk.sign(&digest);
        let mut variants = vec![rs];
        let mut flipped = rs;
        flipped[(rng.next_u32() % 64) as usize] ^= 1 << (rng.next_u32() % 8);
        variants.push(flipped);
        let mut high = rs;
        high[32..].copy_from_slice(&n_minus(&rs[32..].try_into().unwrap()));
        variants.push(high);
        let mut r_over = rs;
        r_over[..32].copy_from_slice(&N);
        variants.push(r_over);
        let mut s_zero = rs;
        s_zero[32..].fill(0);
        variants.push(s_zero);
        let mut r_zero = rs;
        r_zero[..32].fill(0);
        variants.push(r_zero);
        let mut random = [0u8; 64];
        rng.fill_bytes(&mut random);
        variants.push(random);
        for v in variants {
            assert_eq!(pk.verify(&digest, &v), pl.verify(&digest, &v), "verify {}", hex::encode(v));
            for id in [rid & 1, (rid & 1) ^ 1] {
                let a = k::recover(&digest, &v, id).map(|p| p.uncompressed());
                let b = l::recover(&digest, &v, id).map(|p| p.uncompressed());
                assert_eq!(a, b, "recover {} id {id}", hex::encode(v));
            }
        }
        assert_eq!(pk.verify(&digest, &rs), Ok(()));
        assert_eq!(pk.verify(&digest, &high), Err(KeyError::BadSignature));
    }
}

#[test]
fn points_parse_alike() {
    let mut rng = ChaCha20Rng::seed_from_u64(13);
    let (d, _) = pair(&bytes32(&mut rng));
    let good = d.public().uncompressed();
    let mut cases = vec![good];
    let mut off = good;
    off[64] ^= 1;
    cases.push(off);
    let mut x_over = good;
    x_over[1..33].fill(0xff);
    cases.push(x_over);
    let mut zero = [0u8; 65];
    zero[0] = 4;
    cases.push(zero);
    for _ in 0..20 {
        let mut r = [0u8; 65];
        rng.fill_bytes(&mut r);
        r[0] = 4;
        cases.push(r);
    }
    for c in cases {
        let a = k::Point::from_uncompressed(&c).map(|p| p.uncompressed());
        let b = l::Point::from_uncompressed(&c).map(|p| p.uncompressed());
        assert_eq!(a, b, "{}", hex::encode(c));
    }
}

#[test]
fn batches_agree() {
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let secrets: Vec<[u8; 32]> = (0..3).map(|_| bytes32(&mut rng)).collect();
    let pairs: Vec<(k::Scalar, l::Scalar)> = secrets.iter().map(pair).collect();
    let ks: Vec<&k::Scalar> = pairs.iter().map(|(a, _)| a).collect();
    let ls: Vec<&l::Scalar> = pairs.iter().map(|(_, b)| b).collect();
    let kp: Vec<[u8; 65]> = k::publics(&ks).iter().map(k::Point::uncompressed).collect();
    let lp: Vec<[u8; 65]> = l::publics(&ls).iter().map(l::Point::uncompressed).collect();
    assert_eq!(kp, lp);
    let digests: Vec<[u8; 32]> = (0..3).map(|_| bytes32(&mut rng)).collect();
    let ki: Vec<(&k::Scalar, &[u8; 32])> = ks.iter().copied().zip(&digests).collect();
    let li: Vec<(&l::Scalar, &[u8; 32])> = ls.iter().copied().zip(&digests).collect();
    assert_eq!(k::sign_batch(&ki), l::sign_batch(&li));
}
