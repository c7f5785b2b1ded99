//! Constant-time `k·G` for secret `k` (key generation, signing nonces) with a table built once
//! per process: `T[i][j] = (2j + 1)·16ⁱ·G` in affine coordinates (64 windows × 8 odd multiples,
//! 40 KiB).
//!
//! The scalar is made odd (`k` or `n − k`, the result negated back in constant time) and recoded
//! into 64 signed odd digits `dᵢ ∈ {±1, ±3, …, ±15}` with `k = Σ dᵢ·16ⁱ`, so every window adds a
//! point (no zero digit, no point at infinity on the way): 64 Jacobian mixed additions, each
//! table entry chosen by a constant-time scan of its window. The partial sum before window `i`
//! has a discrete log `A` with `|A| < 16ⁱ ≤ |dᵢ·16ⁱ|` and `A` odd, so for `i ≤ 62` the addition
//! never meets equal or opposite points; at `i = 63` the sum is `k ∈ [1, n)`, so only the
//! doubling case (`A ≡ d·16⁶³ mod n`) can occur, and that last addition selects the double in
//! constant time.

use std::sync::LazyLock;

use k256::Scalar;
use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroize;

use super::point::{Affine, Fe, Jacobian, batch_to_affine};

const WINDOWS: usize = 64;
const ENTRIES: usize = 8;

/// `T[i][j] = (2j + 1)·16ⁱ·G`.
static TABLE: LazyLock<Vec<[Affine; ENTRIES]>> = LazyLock::new(|| {
    let mut points = Vec::with_capacity(WINDOWS * ENTRIES);
    let mut base = Jacobian::from_affine(&super::msm::generator());
    for _ in 0..WINDOWS {
        let twice = base.double();
        let mut p = base;
        for _ in 0..ENTRIES {
            points.push(p);
            p = p.add(&twice);
        }
        for _ in 0..4 {
            base = base.double();
        }
    }
    batch_to_affine(&points).chunks_exact(ENTRIES).map(|c| std::array::from_fn(|j| c[j])).collect()
});

/// `k·G` in constant time (for `k ≠ 0`), in Jacobian coordinates.
pub(super) fn mul_generator(k: &Scalar) -> Jacobian {
    let table = &*TABLE;
    let odd = k.is_odd();
    let mut k_odd = Scalar::conditional_select(&-*k, k, odd);
    let mut digits = recode(&k_odd);
    k_odd.zeroize();
    // The chosen entries tell the digits: erased after use.
    let mut entry = select(&table[0], digits[0]);
    let mut acc = Jacobian::from_affine(&entry);
    for (i, window) in table.iter().enumerate().take(WINDOWS - 1).skip(1) {
        entry = select(window, digits[i]);
        acc = add_unchecked(&acc, &entry);
    }
    entry = select(&table[WINDOWS - 1], digits[WINDOWS - 1]);
    acc = add_or_double(&acc, &entry);
    entry.zeroize();
    digits.zeroize();
    let minus_y = acc.y.negate(1).normalize_weak();
    acc.y.conditional_assign(&minus_y, !odd);
    acc
}

/// The signed odd digits of an odd scalar, least significant first: `dᵢ = (k mod 32) − 16`,
/// `k ← (k − dᵢ)/16` (which stays odd), the last digit being what remains (1..15). No branches.
fn recode(k: &Scalar) -> [i8; WINDOWS] {
    let mut bytes = k.to_repr();
    let mut limbs = [0u64; 4];
    for (i, chunk) in bytes.chunks_exact(8).enumerate() {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        limbs[3 - i] = u64::from_be_bytes(b);
        b.zeroize();
    }
    bytes.as_mut_slice().zeroize();
    let mut digits = [0i8; WINDOWS];
    for digit in digits.iter_mut().take(WINDOWS - 1) {
        let d = (limbs[0] & 31) as i64 - 16;
        // limbs -= d (as a two's-complement 256-bit number; d is odd, the result ≡ 16 mod 32).
        let mut borrow = 0u64;
        let sub = d as u64;
        let sign_fill = (d >> 63) as u64;
        for (j, limb) in limbs.iter_mut().enumerate() {
            let s = if j == 0 { sub } else { sign_fill };
            let (v1, b1) = limb.overflowing_sub(s);
            let (v2, b2) = v1.overflowing_sub(borrow);
            *limb = v2;
            borrow = u64::from(b1) | u64::from(b2);
        }
        for j in 0..3 {
            limbs[j] = (limbs[j] >> 4) | (limbs[j + 1] << 60);
        }
        limbs[3] >>= 4;
        *digit = d as i8;
    }
    digits[WINDOWS - 1] = limbs[0] as i8;
    limbs.zeroize();
    digits
}

/// `±T[|d| / 2]` for an odd digit `d`, by a constant-time scan of the window.
fn select(window: &[Affine; ENTRIES], digit: i8) -> Affine {
    let negative = Choice::from(((digit as u8) >> 7) & 1);
    let magnitude = (digit ^ (digit >> 7)).wrapping_sub(digit >> 7) as u8;
    let index = magnitude >> 1;
    let mut out = window[0];
    for (j, entry) in window.iter().enumerate().skip(1) {
        let hit = (j as u8).ct_eq(&index);
        out.x.conditional_assign(&entry.x, hit);
        out.y.conditional_assign(&entry.y, hit);
    }
    let minus_y = out.y.negate(1).normalize_weak();
    out.y.conditional_assign(&minus_y, negative);
    out
}

/// The mixed addition of [`Jacobian::add_affine`] without its special cases: `P` finite,
/// `Q ≠ ±P` (guaranteed by the recoding above). Constant-time.
fn add_unchecked(p: &Jacobian, q: &Affine) -> Jacobian {
    let z1z1 = p.z.square();
    let u2 = q.x * z1z1;
    let s2 = q.y * p.z * z1z1;
    let h = u2 + p.x.negate(1);
    let hh = h.square();
    let i = hh.mul_single(4);
    let j = h * i;
    let r = (s2 + p.y.negate(1)).double();
    let v = p.x * i;
    let x3 = (r.square() + j.negate(1) + v.double().negate(2)).normalize_weak();
    let y3 = (r * (v + x3.negate(1)) + (p.y * j).double().negate(2)).normalize_weak();
    let z3 = ((p.z + h).square() + z1z1.negate(1) + hh.negate(1)).normalize_weak();
    Jacobian { x: x3, y: y3, z: z3, infinity: false }
}

/// `P + Q`, or `2P` when `Q = P`, in constant time (`Q ≠ −P` is guaranteed by the caller).
fn add_or_double(p: &Jacobian, q: &Affine) -> Jacobian {
    let sum = add_unchecked(p, q);
    let twice = double_unchecked(p);
    let same_x = (q.x * p.z.square() + p.x.negate(1)).normalizes_to_zero();
    Jacobian {
        x: Fe::conditional_select(&sum.x, &twice.x, same_x),
        y: Fe::conditional_select(&sum.y, &twice.y, same_x),
        z: Fe::conditional_select(&sum.z, &twice.z, same_x),
        infinity: false,
    }
}

/// [`Jacobian::double`] without the branch on infinity.
fn double_unchecked(p: &Jacobian) -> Jacobian {
    Jacobian { infinity: false, ..*p }.double()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k256::ProjectivePoint;
    use k256::elliptic_curve::point::AffineCoordinates;
    use rand_chacha::ChaCha20Rng;
    use rand_core::{RngCore, SeedableRng};

    fn affine_bytes(p: &Jacobian) -> Vec<u8> {
        let a = batch_to_affine(&[*p])[0];
        [a.x.to_bytes().to_vec(), a.y.to_bytes().to_vec()].concat()
    }

    #[test]
    fn matches_k256_for_random_and_edge_scalars() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let mut scalars = vec![Scalar::ONE, -Scalar::ONE, Scalar::from(2u64), -Scalar::from(2u64), Scalar::from(16u64)];
        // The top digit at its largest (k just below n) and the top window only.
        scalars.push(Scalar::from_repr([0xf0; 32].into()).unwrap_or(Scalar::ONE));
        let mut top = [0u8; 32];
        top[0] = 0x10;
        scalars.push(Scalar::from_repr(top.into()).unwrap_or(Scalar::ONE));
        for _ in 0..60 {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            scalars.push(Scalar::from_repr(b.into()).unwrap_or(Scalar::ONE));
        }
        for k in scalars {
            let want = (ProjectivePoint::GENERATOR * k).to_affine();
            assert_eq!(affine_bytes(&mul_generator(&k)), [want.x().to_vec(), want.y().to_vec()].concat());
        }
    }

    #[test]
    fn digits_are_odd_and_add_up() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        for _ in 0..50 {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            b[31] |= 1;
            b[0] &= 0x7f;
            let k = Scalar::from_repr(b.into()).unwrap_or(Scalar::ONE);
            let digits = recode(&k);
            let mut sum = Scalar::ZERO;
            for &d in digits.iter().rev() {
                assert!(d % 2 != 0 && (-15..=15).contains(&d));
                sum *= Scalar::from(16u64);
                sum += if d < 0 { -Scalar::from(u64::from(d.unsigned_abs())) } else { Scalar::from(d as u64) };
            }
            assert_eq!(sum, k);
            assert!(digits[WINDOWS - 1] > 0);
        }
    }

    /// The one odd scalar whose last window meets the partial sum (k* = 15·2²⁵³ − n), and
    /// n − k*: the last addition must take its doubling branch and still match k256.
    #[test]
    fn the_doubling_case_of_the_last_window() {
        let n_minus = |b: [u8; 32]| Scalar::from_repr(b.into()).unwrap_or(Scalar::ONE);
        let mut fifteen_2_253 = [0u8; 32];
        fifteen_2_253[0] = 0xe0;
        // 15·2²⁵³ ≥ n, so as a scalar it is 15·2²⁵³ − n.
        let k_star = Scalar::from(15u64)
            * n_minus({
                let mut b = [0u8; 32];
                b[0] = 0x20;
                b
            });
        for k in [k_star, -k_star] {
            let want = (ProjectivePoint::GENERATOR * k).to_affine();
            assert_eq!(affine_bytes(&mul_generator(&k)), [want.x().to_vec(), want.y().to_vec()].concat());
        }
        let odd = Scalar::conditional_select(&-k_star, &k_star, k_star.is_odd());
        let digits = recode(&odd);
        let mut b = [0u8; 32];
        b[0] = 0x10;
        let top = Scalar::from(u64::from(digits[WINDOWS - 1] as u8)) * n_minus(b);
        assert_eq!(odd - top, top, "k* does reach the doubling case");
        let _ = fifteen_2_253;
    }
}
