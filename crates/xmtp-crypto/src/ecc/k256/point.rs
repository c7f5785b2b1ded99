//! Jacobian points (`x = X/Z²`, `y = Y/Z³`) on secp256k1 (`y² = x³ + 7`) over k256's field
//! arithmetic, for the variable-time multi-scalar multiplication of verification and recovery.
//! Jacobian doubling (2M + 5S) and mixed addition (7M + 4S) are cheaper than the complete
//! projective formulas k256 uses for its own points, and keeping `Z` lets verification compare
//! `x(R)` without an inversion.
//!
//! Every coordinate is kept at magnitude 1 (k256's lazy reduction: `mul` and `square` take
//! inputs of magnitude ≤ 8; debug builds check this). The special cases of addition (an operand
//! at infinity, equal or opposite points) are handled by branching: only public values pass here.

use k256::Secp256k1;
use k256::elliptic_curve::hazmat::FieldArithmetic;

/// An element of the base field (mod p).
pub(super) type Fe = <Secp256k1 as FieldArithmetic>::FieldElement;

/// An affine point (never infinity), coordinates of magnitude 1.
#[derive(Clone, Copy, Debug)]
pub(super) struct Affine {
    pub(super) x: Fe,
    pub(super) y: Fe,
}

impl zeroize::Zeroize for Affine {
    fn zeroize(&mut self) {
        self.x.zeroize();
        self.y.zeroize();
    }
}

impl Affine {
    /// `-P`.
    pub(super) fn neg(&self) -> Self {
        Self { x: self.x, y: self.y.negate(1).normalize_weak() }
    }
}

/// A point in Jacobian coordinates, or infinity.
#[derive(Clone, Copy, Debug)]
pub(super) struct Jacobian {
    pub(super) x: Fe,
    pub(super) y: Fe,
    pub(super) z: Fe,
    pub(super) infinity: bool,
}

impl Jacobian {
    /// The point at infinity.
    pub(super) const INFINITY: Self = Self { x: Fe::ZERO, y: Fe::ONE, z: Fe::ZERO, infinity: true };

    /// An affine point with `Z = 1`.
    pub(super) fn from_affine(p: &Affine) -> Self {
        Self { x: p.x, y: p.y, z: Fe::ONE, infinity: false }
    }

    /// `2P` (dbl-2009-l for a = 0). secp256k1 has no point of order 2, so `Y ≠ 0`.
    pub(super) fn double(&self) -> Self {
        if self.infinity {
            return *self;
        }
        let a = self.x.square();
        let b = self.y.square();
        let c = b.square();
        let d = ((self.x + b).square() + a.negate(1) + c.negate(1)).double().normalize_weak();
        let e = a.mul_single(3);
        let f = e.square();
        let x3 = (f + d.double().negate(2)).normalize_weak();
        let y3 = (e * (d + x3.negate(1)) + c.mul_single(8).negate(8)).normalize_weak();
        let z3 = (self.y * self.z).double().normalize_weak();
        Self { x: x3, y: y3, z: z3, infinity: false }
    }

    /// `P + Q` for an affine `Q` (madd-2007-bl).
    pub(super) fn add_affine(&self, q: &Affine) -> Self {
        if self.infinity {
            return Self::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x * z1z1;
        let s2 = q.y * self.z * z1z1;
        let h = u2 + self.x.negate(1);
        let s2_minus_y1 = s2 + self.y.negate(1);
        if bool::from(h.normalizes_to_zero()) {
            return if bool::from(s2_minus_y1.normalizes_to_zero()) { self.double() } else { Self::INFINITY };
        }
        let hh = h.square();
        let i = hh.mul_single(4);
        let j = h * i;
        let r = s2_minus_y1.double();
        let v = self.x * i;
        let x3 = (r.square() + j.negate(1) + v.double().negate(2)).normalize_weak();
        let y3 = (r * (v + x3.negate(1)) + (self.y * j).double().negate(2)).normalize_weak();
        let z3 = ((self.z + h).square() + z1z1.negate(1) + hh.negate(1)).normalize_weak();
        Self { x: x3, y: y3, z: z3, infinity: false }
    }

    /// `P + Q` (add-2007-bl).
    pub(super) fn add(&self, q: &Self) -> Self {
        if self.infinity {
            return *q;
        }
        if q.infinity {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = q.z.square();
        let u1 = self.x * z2z2;
        let u2 = q.x * z1z1;
        let s1 = self.y * q.z * z2z2;
        let s2 = q.y * self.z * z1z1;
        let h = u2 + u1.negate(1);
        let s2_minus_s1 = s2 + s1.negate(1);
        if bool::from(h.normalizes_to_zero()) {
            return if bool::from(s2_minus_s1.normalizes_to_zero()) { self.double() } else { Self::INFINITY };
        }
        let i = h.double().square();
        let j = h * i;
        let r = s2_minus_s1.double();
        let v = u1 * i;
        let x3 = (r.square() + j.negate(1) + v.double().negate(2)).normalize_weak();
        let y3 = (r * (v + x3.negate(1)) + (s1 * j).double().negate(2)).normalize_weak();
        let z3 = (((self.z + q.z).square() + z1z1.negate(1) + z2z2.negate(1)) * h).normalize_weak();
        Self { x: x3, y: y3, z: z3, infinity: false }
    }
}

/// `a⁻¹ = a^(p−2)` (zero for zero) by a fixed addition chain: 255 squarings and 15
/// multiplications, always the same sequence, so constant-time, and cheaper here than the
/// generic constant-time inversion. `p − 2` in binary is 223 ones, a zero, 22 ones, then
/// `0000101101`.
pub(super) fn invert(a: &Fe) -> Fe {
    let pow2k = |x: Fe, k: usize| (0..k).fold(x, |acc, _| acc.square());
    let x2 = pow2k(*a, 1) * a;
    let x3 = pow2k(x2, 1) * a;
    let x6 = pow2k(x3, 3) * x3;
    let x9 = pow2k(x6, 3) * x3;
    let x11 = pow2k(x9, 2) * x2;
    let x22 = pow2k(x11, 11) * x11;
    let x44 = pow2k(x22, 22) * x22;
    let x88 = pow2k(x44, 44) * x44;
    let x176 = pow2k(x88, 88) * x88;
    let x220 = pow2k(x176, 44) * x44;
    let x223 = pow2k(x220, 3) * x3;
    let t = pow2k(x223, 23) * x22;
    let t = pow2k(t, 5) * a;
    let t = pow2k(t, 3) * x2;
    pow2k(t, 2) * a
}

/// Affine forms of several finite Jacobian points with one field inversion (Montgomery's
/// trick), constant-time.
pub(super) fn batch_to_affine(points: &[Jacobian]) -> Vec<Affine> {
    batch_to_affine_with(points, invert)
}

/// [`batch_to_affine`] with a variable-time inversion, for public points.
pub(super) fn batch_to_affine_vartime(points: &[Jacobian]) -> Vec<Affine> {
    batch_to_affine_with(points, |z| z.invert_vartime().unwrap_or(Fe::ZERO))
}

fn batch_to_affine_with(points: &[Jacobian], invert: impl Fn(&Fe) -> Fe) -> Vec<Affine> {
    let mut prefix = Vec::with_capacity(points.len());
    let mut acc = Fe::ONE;
    for p in points {
        prefix.push(acc);
        acc *= p.z;
    }
    let mut inv = invert(&acc);
    let mut out = vec![Affine { x: Fe::ZERO, y: Fe::ZERO }; points.len()];
    for (i, p) in points.iter().enumerate().rev() {
        let zinv = inv * prefix[i];
        inv *= p.z;
        let zinv2 = zinv.square();
        out[i] = Affine { x: (p.x * zinv2).normalize(), y: (p.y * zinv2 * zinv).normalize() };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addition_chain_inverts() {
        let mut a = Fe::from_u64(0x1234_5678_9abc_def0);
        for _ in 0..20 {
            let inv = invert(&a);
            assert!(bool::from((inv * a + Fe::ONE.negate(1)).normalizes_to_zero()));
            assert!(bool::from((inv.normalize() + a.invert().unwrap().negate(1)).normalizes_to_zero()));
            a = (a.square() + Fe::from_u64(3)).normalize();
        }
        assert!(bool::from(invert(&Fe::ZERO).normalize().is_zero()));
    }
}
