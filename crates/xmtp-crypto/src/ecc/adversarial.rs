//! Adversarial and differential tests of the two backends against each other: random keys,
//! signatures and (r, s) pairs; signatures whose R has x ≥ n; recoveries and verifications whose
//! sums meet the point at infinity; edge digests. (`COURIER_ECC_ITERS` raises the random count.)

use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use k256::elliptic_curve::subtle::Choice;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar as S};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::{k256 as k, libsecp as l};

/// The group order n, big-endian.
const N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc,
    0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

fn iters() -> usize {
    std::env::var("COURIER_ECC_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}
fn b32(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
fn enc(p: &ProjectivePoint) -> [u8; 65] {
    let a = p.to_affine();
    let mut o = [4u8; 65];
    o[1..33].copy_from_slice(&a.x());
    o[33..].copy_from_slice(&a.y());
    o
}
fn both_verify(
    pk: &[u8; 65],
    z: &[u8; 32],
    rs: &[u8; 64],
) -> (Result<(), super::KeyError>, Result<(), super::KeyError>) {
    let kp = k::Point::from_uncompressed(pk).unwrap();
    let lp = l::Point::from_uncompressed(pk).unwrap();
    (kp.verify(z, rs), lp.verify(z, rs))
}
fn both_recover(z: &[u8; 32], rs: &[u8; 64], id: u8) -> (Option<[u8; 65]>, Option<[u8; 65]>) {
    (k::recover(z, rs, id).ok().map(|p| p.uncompressed()), l::recover(z, rs, id).ok().map(|p| p.uncompressed()))
}

#[test]
fn random_differential() {
    let mut rng = ChaCha20Rng::seed_from_u64(0xC0FFEE);
    for i in 0..iters() {
        let Some(dk) = k::Scalar::from_bytes(&b32(&mut rng)) else { continue };
        let mut db = [0u8; 32];
        dk.write_bytes(&mut db);
        let dl = l::Scalar::from_bytes(&db).unwrap();
        let pk = dk.public().uncompressed();
        assert_eq!(pk, dl.public().uncompressed());
        let z = b32(&mut rng);
        let (sk, sl) = (dk.sign(&z), dl.sign(&z));
        assert_eq!(sk, sl, "i={i}");
        let (a, b) = both_verify(&pk, &z, &sk.0);
        assert_eq!(a, b);
        assert!(a.is_ok());
        // random (r, s, id) recovery and random verify
        let mut rs = [0u8; 64];
        rng.fill_bytes(&mut rs);
        if i % 4 == 0 {
            rs[..32].copy_from_slice(&sk.0[..32]);
        }
        let id = (rng.next_u32() & 1) as u8;
        let (a, b) = both_recover(&z, &rs, id);
        assert_eq!(a, b, "recover {}", hex::encode(rs));
        let (a, b) = both_verify(&pk, &z, &rs);
        assert_eq!(a, b);
        // ECDH + tweak
        let ek = k::Scalar::from_bytes(&b32(&mut rng)).unwrap();
        let mut eb = [0u8; 32];
        ek.write_bytes(&mut eb);
        let el = l::Scalar::from_bytes(&eb).unwrap();
        let (mut x1, mut x2) = ([0u8; 65], [0u8; 65]);
        dk.ecdh(&ek.public(), &mut x1);
        dl.ecdh(&el.public(), &mut x2);
        assert_eq!(x1, x2);
        let t = b32(&mut rng);
        let (tk, tl) = (dk.tweak_add(&t), dl.tweak_add(&t));
        assert_eq!(tk.is_ok(), tl.is_ok());
    }
}

/// Signatures whose R has x ≥ n (r = x − n): the second branch of x_is.
#[test]
fn x_of_r_at_least_n() {
    let n_bytes = N;
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let mut found = 0;
    let mut i: u64 = 1;
    while found < 40 {
        // x = n + i (< p since p − n ≈ 2^128)
        let mut x = n_bytes;
        let mut carry = i;
        for b in x.iter_mut().rev() {
            let v = u64::from(*b) + (carry & 0xff);
            *b = v as u8;
            carry = (carry >> 8) + (v >> 8);
        }
        i = 1 + (rng.next_u64() % (1 << 62));
        let Some(r_aff) =
            Option::<AffinePoint>::from(AffinePoint::decompress(&FieldBytes::from(x), Choice::from((i & 1) as u8)))
        else {
            continue;
        };
        found += 1;
        let big_r = ProjectivePoint::from(r_aff);
        let mut r_bytes = x;
        // r = x − n
        let mut borrow = 0i16;
        for j in (0..32).rev() {
            let v = i16::from(x[j]) - i16::from(n_bytes[j]) - borrow;
            borrow = i16::from(v < 0);
            r_bytes[j] = (v + 256 * borrow) as u8;
        }
        let r = S::from_repr(r_bytes.into()).unwrap();
        let z_bytes = b32(&mut rng);
        let z = <S as k256::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(&z_bytes.into());
        let mut s = S::from_repr(b32(&mut rng).map(|v| v & 0x7f).into()).unwrap();
        if bool::from(k256::elliptic_curve::scalar::IsHigh::is_high(&s)) {
            s = -s;
        }
        let q = (big_r * s - ProjectivePoint::GENERATOR * z) * r.invert().unwrap();
        let pk = enc(&q);
        let mut rs = [0u8; 64];
        rs[..32].copy_from_slice(&r.to_bytes());
        rs[32..].copy_from_slice(&s.to_bytes());
        let (a, b) = both_verify(&pk, &z_bytes, &rs);
        assert_eq!(a, b);
        assert!(a.is_ok(), "x(R) >= n signature must verify");
        // recid 0/1 lift x = r (a different point): both backends agree
        for id in 0..2 {
            let (a, b) = both_recover(&z_bytes, &rs, id);
            assert_eq!(a, b);
            assert_ne!(a, Some(pk));
        }
        // a wrong r' = r + 1 must not verify
        let mut rs2 = rs;
        rs2[..32].copy_from_slice(&(r + S::ONE).to_bytes());
        let (a, b) = both_verify(&pk, &z_bytes, &rs2);
        assert_eq!(a, b);
        assert!(a.is_err());
    }
}

/// Recovery and verification where the result is infinity, or R = ±G.
#[test]
fn crafted_infinity_cases() {
    let g = ProjectivePoint::GENERATOR.to_affine();
    let gx = g.x();
    let r = <S as k256::elliptic_curve::ops::Reduce<FieldBytes>>::reduce(&gx);
    let g_odd = bool::from(k256::elliptic_curve::point::AffineCoordinates::y_is_odd(&g));
    for s_u in [1u64, 2, 3, 1000] {
        let s = S::from(s_u);
        for id in 0..2u8 {
            // R = G if id matches G's parity, else −G; z = ±s makes s·R − z·G = O
            for z in [s, -s, s + S::ONE, S::ZERO] {
                let mut rs = [0u8; 64];
                rs[..32].copy_from_slice(&r.to_bytes());
                rs[32..].copy_from_slice(&s.to_bytes());
                let zb: [u8; 32] = z.to_bytes().into();
                let (a, b) = both_recover(&zb, &rs, id);
                assert_eq!(a, b, "s={s_u} id={id} z={z:?} g_odd={g_odd}");
            }
        }
    }
    // verify with P = G: u1·G + u2·G = O when z ≡ −r
    let pk = enc(&ProjectivePoint::GENERATOR);
    for s_u in [1u64, 2, 5] {
        let s = S::from(s_u);
        for z in [-r, r, S::ZERO, r * S::from(2u64)] {
            let mut rs = [0u8; 64];
            rs[..32].copy_from_slice(&r.to_bytes());
            rs[32..].copy_from_slice(&s.to_bytes());
            let zb: [u8; 32] = z.to_bytes().into();
            let (a, b) = both_verify(&pk, &zb, &rs);
            assert_eq!(a, b, "verify s={s_u} z={z:?}");
        }
    }
    // Digests 0, n−1, n, n+1, 2^256−1 on sign/verify/recover
    let dk = k::Scalar::from_bytes(&[0x42; 32]).unwrap();
    let dl = l::Scalar::from_bytes(&[0x42; 32]).unwrap();
    let n = N;
    let mut n1 = n;
    n1[31] -= 1;
    let mut np1 = n;
    np1[31] += 1;
    for z in [[0u8; 32], n1, n, np1, [0xff; 32]] {
        let (a, b) = (dk.sign(&z), dl.sign(&z));
        assert_eq!(a, b);
        let pk = dk.public().uncompressed();
        assert_eq!(both_verify(&pk, &z, &a.0).0, Ok(()));
        assert_eq!(both_recover(&z, &a.0, a.1).0, Some(pk));
    }
}
