//! Variable-time `u₁·G + u₂·P` for verification and recovery (public inputs only): both scalars
//! are split with the GLV endomorphism (`u = u' + u''·λ`, halves of about 128 bits), recoded in
//! wNAF, and the four products are summed with shared doublings (Strauss), every addition a
//! Jacobian + affine one. The multiples of `G` and `λ·G` come from affine tables built once per
//! process (window 8); those of `P` and `λ·P` are computed per call (window 5) and made affine
//! with one variable-time inversion. The result stays in Jacobian coordinates.

use std::sync::LazyLock;

use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::scalar::IsHigh;
use k256::{FieldBytes, Scalar};

use super::point::{Affine, Fe, Jacobian, batch_to_affine, batch_to_affine_vartime};

/// wNAF window for `G` and `λ·G` (tables of 2⁶ = 64 odd multiples each).
const G_WINDOW: u32 = 8;
/// wNAF window for `P` and `λ·P` (8 odd multiples each, computed per call).
const P_WINDOW: u32 = 5;
/// Longest recoding: halves of at most 129 bits after the sign is taken out, plus one.
const MAX_DIGITS: usize = 160;

/// The generator.
const GX: [u8; 32] = hex32("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
const GY: [u8; 32] = hex32("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8");
/// λ, a cube root of unity mod n with `λ·(x, y) = (β·x, y)`.
const LAMBDA: [u8; 32] = hex32("5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72");
/// β, the matching cube root of unity mod p.
const BETA: [u8; 32] = hex32("7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501ee");
/// The short lattice basis of `{(a, b) : a + b·λ ≡ 0 mod n}`: `(a₁, b₁)`, `(a₂, b₂)`; only
/// `-b₁` and `-b₂` (mod n) are needed.
const MINUS_B1: [u8; 32] = hex32("00000000000000000000000000000000e4437ed6010e88286f547fa90abfe4c3");
const MINUS_B2: [u8; 32] = hex32("fffffffffffffffffffffffffffffffe8a280ac50774346dd765cda83db1562c");
/// `round(2³⁸⁴·b₂/n)` and `round(2³⁸⁴·(−b₁)/n)`, to estimate the rounded quotients of the
/// decomposition with a multiplication and a shift.
const G1: [u8; 32] = hex32("3086d221a7d46bcde86c90e49284eb153daa8a1471e8ca7fe893209a45dbb031");
const G2: [u8; 32] = hex32("e4437ed6010e88286f547fa90abfe4c4221208ac9df506c61571b4ae8ac47f71");

/// The constants as field elements and scalars, and the generator tables.
struct Tables {
    beta: Fe,
    lambda: Scalar,
    minus_b1: Scalar,
    minus_b2: Scalar,
    /// `G, 3G, 5G, …` and their images under the endomorphism.
    g: Vec<Affine>,
    g_lambda: Vec<Affine>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let beta = fe(&BETA);
    let g = batch_to_affine(&odd_multiples(&Jacobian::from_affine(&generator()), 1 << (G_WINDOW - 2)));
    let g_lambda = g.iter().map(|p| Affine { x: (p.x * beta).normalize(), y: p.y }).collect();
    Tables { beta, lambda: scalar(&LAMBDA), minus_b1: scalar(&MINUS_B1), minus_b2: scalar(&MINUS_B2), g, g_lambda }
});

/// `u₁·G + u₂·P`, in variable time.
pub(super) fn mul_g_add_mul_vartime(u1: &Scalar, u2: &Scalar, p: &Affine) -> Jacobian {
    let t = &*TABLES;
    let [(a1_neg, a1), (a2_neg, a2)] = glv_split(u1, t);
    let [(b1_neg, b1), (b2_neg, b2)] = glv_split(u2, t);
    let mut digits = [[0i8; MAX_DIGITS]; 4];
    let lens = [
        wnaf(a1, G_WINDOW, &mut digits[0]),
        wnaf(a2, G_WINDOW, &mut digits[1]),
        wnaf(b1, P_WINDOW, &mut digits[2]),
        wnaf(b2, P_WINDOW, &mut digits[3]),
    ];
    let p_table = batch_to_affine_vartime(&odd_multiples(&Jacobian::from_affine(p), 1 << (P_WINDOW - 2)));
    let p_lambda: Vec<Affine> = p_table.iter().map(|q| Affine { x: (q.x * t.beta).normalize_weak(), y: q.y }).collect();
    let negs = [a1_neg, a2_neg, b1_neg, b2_neg];
    let len = lens.into_iter().max().unwrap_or(0);
    let mut acc = Jacobian::INFINITY;
    for i in (0..len).rev() {
        acc = acc.double();
        for (which, table) in [(0, &t.g), (1, &t.g_lambda), (2, &p_table), (3, &p_lambda)] {
            let d = digits[which][i];
            if d != 0 {
                let q = &table[usize::from(d.unsigned_abs() >> 1)];
                acc = if (d < 0) != negs[which] { acc.add_affine(&q.neg()) } else { acc.add_affine(q) };
            }
        }
    }
    acc
}

/// The generator `G`.
pub(super) fn generator() -> Affine {
    Affine { x: fe(&GX), y: fe(&GY) }
}

/// `P, 3P, 5P, …` (`count` of them).
fn odd_multiples(p: &Jacobian, count: usize) -> Vec<Jacobian> {
    let twice = p.double();
    let mut out = Vec::with_capacity(count);
    out.push(*p);
    for i in 1..count {
        out.push(out[i - 1].add(&twice));
    }
    out
}

/// `k = k₁ + k₂·λ (mod n)` with `|k₁|, |k₂| < 2¹²⁹`: each half as (is negative, |value| as
/// little-endian limbs).
fn glv_split(k: &Scalar, t: &Tables) -> [(bool, [u64; 5]); 2] {
    let kl = limbs(&k.to_bytes());
    let c1 = Scalar::from(mul_shift_384(&kl, &limbs(&G1.into())));
    let c2 = Scalar::from(mul_shift_384(&kl, &limbs(&G2.into())));
    let k2 = c1 * t.minus_b1 + c2 * t.minus_b2;
    let k1 = *k - k2 * t.lambda;
    [k1, k2].map(|half| {
        let negative = bool::from(half.is_high());
        let magnitude = if negative { -half } else { half };
        let l = limbs(&magnitude.to_bytes());
        (negative, [l[0], l[1], l[2], l[3], 0])
    })
}

/// `round(a·b / 2³⁸⁴)` for 256-bit `a` and `b` whose product is below 2⁵¹² (the quotient fits
/// 128 bits here).
fn mul_shift_384(a: &[u64; 4], b: &[u64; 4]) -> u128 {
    let mut wide = [0u64; 8];
    for (i, &ai) in a.iter().enumerate() {
        let mut carry = 0u128;
        for (j, &bj) in b.iter().enumerate() {
            let t = u128::from(ai) * u128::from(bj) + u128::from(wide[i + j]) + carry;
            wide[i + j] = t as u64;
            carry = t >> 64;
        }
        wide[i + 4] = carry as u64;
    }
    let quotient = (u128::from(wide[7]) << 64) | u128::from(wide[6]);
    quotient + u128::from(wide[5] >> 63)
}

/// The width-`w` non-adjacent form of `k` (digits odd, |d| < 2^(w−1), at least w−1 zeros
/// between non-zero digits), least significant first; returns the number of digits.
fn wnaf(mut k: [u64; 5], w: u32, out: &mut [i8; MAX_DIGITS]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while k.iter().any(|&l| l != 0) && i < MAX_DIGITS {
        if k[0] & 1 == 1 {
            let mut d = (k[0] & ((1 << w) - 1)) as i64;
            if d >= 1 << (w - 1) {
                d -= 1 << w;
            }
            if d > 0 {
                sub_small(&mut k, d.unsigned_abs());
            } else {
                add_small(&mut k, d.unsigned_abs());
            }
            out[i] = d as i8;
            len = i + 1;
        }
        for j in 0..4 {
            k[j] = (k[j] >> 1) | (k[j + 1] << 63);
        }
        k[4] >>= 1;
        i += 1;
    }
    len
}

fn add_small(k: &mut [u64; 5], v: u64) {
    let mut carry = v;
    for limb in k.iter_mut() {
        let (s, c) = limb.overflowing_add(carry);
        *limb = s;
        carry = u64::from(c);
    }
}

fn sub_small(k: &mut [u64; 5], v: u64) {
    let mut borrow = v;
    for limb in k.iter_mut() {
        let (s, b) = limb.overflowing_sub(borrow);
        *limb = s;
        borrow = u64::from(b);
    }
}

/// Big-endian 32 bytes as little-endian 64-bit limbs.
fn limbs(bytes: &FieldBytes) -> [u64; 4] {
    let mut out = [0u64; 4];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        out[3 - i] = u64::from_be_bytes(b);
    }
    out
}

fn fe(bytes: &[u8; 32]) -> Fe {
    Fe::from_bytes(&FieldBytes::from(*bytes)).unwrap_or(Fe::ZERO)
}

fn scalar(bytes: &[u8; 32]) -> Scalar {
    Scalar::from_repr(FieldBytes::from(*bytes)).unwrap_or(Scalar::ZERO)
}

/// 64 hex digits as 32 bytes, at compile time.
pub(super) const fn hex32(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::elliptic_curve::point::AffineCoordinates;
    use k256::{AffinePoint, ProjectivePoint};
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        b[0] &= 0x7f;
        scalar(&b)
    }

    fn to_bytes(p: &Jacobian) -> Vec<u8> {
        let a = batch_to_affine(&[*p])[0];
        [a.x.to_bytes().to_vec(), a.y.to_bytes().to_vec()].concat()
    }

    fn reference(p: &ProjectivePoint) -> Vec<u8> {
        let a = p.to_affine();
        [a.x().to_vec(), a.y().to_vec()].concat()
    }

    #[test]
    fn constants_are_what_they_claim() {
        let t = &*TABLES;
        assert_eq!(t.lambda * t.lambda * t.lambda, Scalar::ONE);
        let g = ProjectivePoint::GENERATOR;
        let lg = Jacobian::from_affine(&Affine { x: t.g[0].x * t.beta, y: t.g[0].y });
        assert_eq!(to_bytes(&lg), reference(&(g * t.lambda)));
        assert_eq!(to_bytes(&Jacobian::from_affine(&t.g[1])), reference(&(g * Scalar::from(3u64))));
        assert_eq!(
            to_bytes(&Jacobian::from_affine(&t.g_lambda[63])),
            reference(&(g * Scalar::from(127u64) * t.lambda))
        );
    }

    #[test]
    fn glv_halves_recombine_and_are_short() {
        let t = &*TABLES;
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        for i in 0..200 {
            let k = if i == 0 { -Scalar::ONE } else { random_scalar(&mut rng) };
            let [(n1, a), (n2, b)] = glv_split(&k, t);
            assert!(a[2] <= 1 && b[2] <= 1 && a[3] == 0 && b[3] == 0);
            let back = |neg: bool, l: [u64; 5]| {
                let v = Scalar::from((u128::from(l[1]) << 64) | u128::from(l[0]))
                    + Scalar::from(l[2]) * Scalar::from(u128::MAX)
                    + Scalar::from(l[2]);
                if neg { -v } else { v }
            };
            assert_eq!(back(n1, a) + back(n2, b) * t.lambda, k);
        }
    }

    #[test]
    fn wnaf_digits_add_up() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        for w in [5, 8] {
            for _ in 0..50 {
                let k = [rng.next_u64(), rng.next_u64(), 1, 0, 0];
                let mut digits = [0i8; MAX_DIGITS];
                let len = wnaf(k, w, &mut digits);
                let mut sum = Scalar::ZERO;
                for i in (0..len).rev() {
                    sum = sum + sum;
                    let d = digits[i];
                    assert!(d == 0 || (d % 2 != 0 && i32::from(d).abs() < 1 << (w - 1)));
                    sum += if d < 0 { -Scalar::from(u64::from(d.unsigned_abs())) } else { Scalar::from(d as u64) };
                }
                let expect =
                    Scalar::from((u128::from(k[1]) << 64) | u128::from(k[0])) + Scalar::from(u128::MAX) + Scalar::ONE;
                assert_eq!(sum, expect);
            }
        }
    }

    #[test]
    fn strauss_matches_plain_multiplication() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for i in 0..40 {
            let (u1, u2) = (random_scalar(&mut rng), random_scalar(&mut rng));
            let (u1, u2) = if i == 0 {
                (Scalar::ZERO, u2)
            } else if i == 1 {
                (-u1, -Scalar::ONE)
            } else {
                (u1, u2)
            };
            let p = ProjectivePoint::GENERATOR * random_scalar(&mut rng);
            let pa: AffinePoint = p.to_affine();
            let ours = Affine { x: fe_bytes(&pa.x()), y: fe_bytes(&pa.y()) };
            let got = mul_g_add_mul_vartime(&u1, &u2, &ours);
            assert_eq!(to_bytes(&got), reference(&(ProjectivePoint::GENERATOR * u1 + p * u2)));
        }
        // u₁·G + u₂·P = infinity when P = G and u₂ = −u₁.
        let g = Affine { x: fe(&GX), y: fe(&GY) };
        let k = random_scalar(&mut rng);
        assert!(mul_g_add_mul_vartime(&k, &-k, &g).infinity);
    }

    fn fe_bytes(b: &FieldBytes) -> Fe {
        Fe::from_bytes(b).unwrap()
    }

    fn aff(p: &k256::ProjectivePoint) -> Affine {
        use k256::elliptic_curve::point::AffineCoordinates;
        let a = p.to_affine();
        Affine { x: Fe::from_bytes(&a.x()).unwrap(), y: Fe::from_bytes(&a.y()).unwrap() }
    }

    fn bytes(p: &Jacobian) -> Option<Vec<u8>> {
        if p.infinity {
            return None;
        }
        let a = batch_to_affine(&[*p])[0];
        Some([a.x.to_bytes().to_vec(), a.y.to_bytes().to_vec()].concat())
    }

    fn reference_or_infinity(p: &k256::ProjectivePoint) -> Option<Vec<u8>> {
        use k256::elliptic_curve::Group;
        use k256::elliptic_curve::point::AffineCoordinates;
        if bool::from(p.is_identity()) {
            return None;
        }
        let a = p.to_affine();
        Some([a.x().to_vec(), a.y().to_vec()].concat())
    }

    /// P related to G (so the Strauss loop meets equal/opposite points) and small/edge scalars.
    #[test]
    fn exceptional_inputs_match_k256() {
        let t = &*TABLES;
        let g = k256::ProjectivePoint::GENERATOR;
        let small: Vec<Scalar> = (0u64..12).map(Scalar::from).collect();
        let mut scalars = small.clone();
        scalars.extend(small.iter().map(|s| -*s));
        scalars.extend([t.lambda, -t.lambda, t.lambda * t.lambda, Scalar::from(2u64).invert().unwrap()]);
        let mut bases = vec![
            g,
            -g,
            g * t.lambda,
            -(g * t.lambda),
            g * t.lambda * t.lambda,
            g + g,
            g * Scalar::from(3u64),
            g * Scalar::from(127u64),
            g * Scalar::from(128u64),
            g * Scalar::from(255u64),
        ];
        bases.push(g * (-Scalar::ONE));
        let mut n = 0;
        for p in &bases {
            let pa = aff(p);
            for u1 in &scalars {
                for u2 in &scalars {
                    if bool::from(u2.is_zero()) {
                        continue;
                    }
                    let got = mul_g_add_mul_vartime(u1, u2, &pa);
                    assert_eq!(bytes(&got), reference_or_infinity(&(g * u1 + p * u2)), "u1={u1:?} u2={u2:?}");
                    n += 1;
                }
            }
        }
        assert!(n > 6_000);
    }
}
