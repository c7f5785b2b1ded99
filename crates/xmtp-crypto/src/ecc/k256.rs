//! The default backend of [`super`]: secp256k1 on `k256` (RustCrypto, pure Rust). k256 provides
//! the field and scalar arithmetic (and the constant-time variable-base multiplication of ECDH);
//! its `ecdsa` layer is not used, so that each operation does only the work it must:
//! - `k·G` for secret `k` (keys, signing nonces): constant-time, from a table built once per
//!   process, with Jacobian mixed additions ([`fixed_base`]); affine conversion by a fixed
//!   addition chain ([`point::invert`]).
//! - signing: RFC 6979 nonce ([`super::rfc6979`]), `R = k·G`, one constant-time scalar
//!   inversion; low-S with the recovery id flipped to match. Everything that touches a secret is
//!   constant-time.
//! - verification and recovery work on public values only: variable-time scalar inversion and
//!   variable-time `u₁·G + u₂·P` (GLV + wNAF, [`msm`]); verification compares `x(R)` in Jacobian
//!   coordinates (no inversion); recovery computes `Q = r⁻¹(s·R − z·G)` directly (no second
//!   verification, as a verifying-key API would do).
//! - ECDH: k256's constant-time `d·P` and one affine conversion.
//! - several keys or signatures at once ([`batch`]): shared inversions.

use k256::elliptic_curve::ff::PrimeField;
use k256::elliptic_curve::ops::Reduce;
use k256::elliptic_curve::point::AffineCoordinates;
use k256::elliptic_curve::scalar::IsHigh;
use k256::elliptic_curve::subtle::ConditionallySelectable;
use k256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar as K256Scalar};
use zeroize::Zeroize;

use super::KeyError;
use super::rfc6979::NonceStream;
use point::{Affine, Fe, Jacobian};

mod batch;
mod fixed_base;
mod msm;
mod point;

pub(super) use batch::{publics, sign_batch};

/// A secret scalar in `1..n`, erased on drop.
#[derive(Clone)]
pub(super) struct Scalar(K256Scalar);

impl Scalar {
    /// Parses a big-endian scalar; `None` unless `1 ≤ d < n`.
    pub(super) fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        let mut repr = FieldBytes::from(*bytes);
        let parsed = K256Scalar::from_repr(repr).into_option();
        repr.as_mut_slice().zeroize();
        let scalar = parsed?;
        if bool::from(scalar.is_zero()) {
            return None;
        }
        Some(Self(scalar))
    }

    /// Writes the 32 big-endian bytes of the scalar into `out`.
    pub(super) fn write_bytes(&self, out: &mut [u8; 32]) {
        let mut repr = self.0.to_bytes();
        out.copy_from_slice(&repr);
        repr.as_mut_slice().zeroize();
    }

    /// `d·G`.
    pub(super) fn public(&self) -> Point {
        let (x, y) = to_affine_ct(&fixed_base::mul_generator(&self.0));
        point_from_coordinates(&x, &y)
    }

    /// ECDSA over a 32-byte digest: `(r || s, recovery id 0..=3)`, low-S.
    pub(super) fn sign(&self, digest: &[u8; 32]) -> ([u8; 64], u8) {
        let z = reduce(digest);
        let mut nonces = self.nonces(&z);
        loop {
            let k = next_nonce(&mut nonces);
            if let Some(signature) = self.sign_with(&k, &z) {
                return signature;
            }
        }
    }

    /// The RFC 6979 nonce stream for this key and a reduced digest.
    fn nonces(&self, z: &K256Scalar) -> NonceStream {
        let mut x = [0u8; 32];
        self.write_bytes(&mut x);
        let nonces = NonceStream::new(&x, &z.to_bytes().into());
        x.zeroize();
        nonces
    }

    /// One signing attempt with nonce `k`; `None` if `r` or `s` is zero.
    fn sign_with(&self, k: &Scalar, z: &K256Scalar) -> Option<([u8; 64], u8)> {
        let (x, y) = to_affine_ct(&fixed_base::mul_generator(&k.0));
        let k_inv = Scalar(k.0.invert().unwrap_or(K256Scalar::ZERO));
        self.finish_signature(&k_inv, z, &x, &y)
    }

    /// `s = k⁻¹·(z + r·d)` for `R = k·G` with affine coordinates `(x, y)`, low-S, and the
    /// recovery id; `None` if `r` or `s` is zero.
    fn finish_signature(&self, k_inv: &Scalar, z: &K256Scalar, x: &Fe, y: &Fe) -> Option<([u8; 64], u8)> {
        let x = x.to_bytes();
        let r = reduce_bytes(&x);
        // x(R) ≥ n: recovery ids 2 and 3 (probability about 2⁻¹²⁸).
        let overflow = u8::from(r.to_bytes() != x);
        let rd = Scalar(r * self.0);
        let sum = Scalar(*z + rd.0);
        let mut s = Scalar(k_inv.0 * sum.0);
        if bool::from(r.is_zero() | s.0.is_zero()) {
            return None;
        }
        let high = s.0.is_high();
        s.0.conditional_assign(&-s.0, high);
        let recovery = (y.is_odd().unwrap_u8() ^ high.unwrap_u8()) | (overflow << 1);
        let mut rs = [0u8; 64];
        rs[..32].copy_from_slice(&r.to_bytes());
        rs[32..].copy_from_slice(&s.0.to_bytes());
        Some((rs, recovery))
    }

    /// ECDH: `d·P` as `0x04 || X || Y`, written into `out`.
    pub(super) fn ecdh(&self, peer: &Point, out: &mut [u8; 65]) {
        let mut product = ProjectivePoint::from(peer.affine) * self.0;
        let mut shared = product.to_affine();
        product.zeroize();
        let (mut x, mut y) = (shared.x(), shared.y());
        out[0] = 0x04;
        out[1..33].copy_from_slice(&x);
        out[33..].copy_from_slice(&y);
        x.as_mut_slice().zeroize();
        y.as_mut_slice().zeroize();
        shared.zeroize();
    }

    /// `(d + t) mod n` for a big-endian `t < n`; an error if `t ≥ n` or the sum is zero.
    pub(super) fn tweak_add(&self, tweak: &[u8; 32]) -> Result<Self, KeyError> {
        let t = Scalar(
            K256Scalar::from_repr(FieldBytes::from(*tweak))
                .into_option()
                .ok_or(KeyError::InvalidPrivateKey("tweak out of range"))?,
        );
        let sum = Scalar(self.0 + t.0);
        if bool::from(sum.0.is_zero()) {
            return Err(KeyError::InvalidPrivateKey("tweaked key is zero"));
        }
        Ok(sum)
    }
}

impl Drop for Scalar {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A point on the curve (never the identity), with its uncompressed coordinates at hand.
#[derive(Clone, Copy)]
pub(super) struct Point {
    affine: AffinePoint,
    xy: [u8; 64],
}

impl Point {
    fn from_affine(affine: AffinePoint) -> Self {
        let mut xy = [0u8; 64];
        xy[..32].copy_from_slice(&affine.x());
        xy[32..].copy_from_slice(&affine.y());
        Self { affine, xy }
    }

    /// Parses `0x04 || X || Y` (the prefix is checked by the caller); `None` unless the
    /// coordinates are below p and the point is on the curve.
    pub(super) fn from_uncompressed(bytes: &[u8; 65]) -> Option<Self> {
        let affine = AffinePoint::from_coordinates(&field_bytes(&bytes[1..33]), &field_bytes(&bytes[33..]));
        let affine = affine.into_option()?;
        let mut xy = [0u8; 64];
        xy.copy_from_slice(&bytes[1..]);
        Some(Self { affine, xy })
    }

    /// `0x04 || X || Y`.
    pub(super) fn uncompressed(&self) -> [u8; 65] {
        let mut out = [0u8; 65];
        out[0] = 0x04;
        out[1..].copy_from_slice(&self.xy);
        out
    }

    /// `0x02 | parity(Y) || X`.
    pub(super) fn compressed(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out[0] = 0x02 | (self.xy[63] & 1);
        out[1..].copy_from_slice(&self.xy[..32]);
        out
    }

    /// ECDSA verification, low-S only. Errors as libsecp256k1 gives them: r or s ≥ n is
    /// malformed; zero r or s, high S or a wrong signature does not verify.
    pub(super) fn verify(&self, digest: &[u8; 32], rs: &[u8; 64]) -> Result<(), KeyError> {
        let (r, s) = parse_rs(rs)?;
        if bool::from(r.is_zero() | s.is_zero() | s.is_high()) {
            return Err(KeyError::BadSignature);
        }
        let s_inv = s.invert_vartime().into_option().ok_or(KeyError::BadSignature)?;
        let u1 = reduce(digest) * s_inv;
        let u2 = r * s_inv;
        let big_r = msm::mul_g_add_mul_vartime(&u1, &u2, &self.coordinates());
        if big_r.infinity || !x_is(&big_r, &r) {
            return Err(KeyError::BadSignature);
        }
        Ok(())
    }

    /// The coordinates as field elements (they were checked when the point was made).
    fn coordinates(&self) -> Affine {
        let x = Fe::from_bytes(&field_bytes(&self.xy[..32])).unwrap_or(Fe::ZERO);
        let y = Fe::from_bytes(&field_bytes(&self.xy[32..])).unwrap_or(Fe::ZERO);
        Affine { x, y }
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Self) -> bool {
        self.xy == other.xy
    }
}

impl Eq for Point {}

impl std::hash::Hash for Point {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.xy.hash(state);
    }
}

/// Public-key recovery (recovery id 0 or 1: `x(R) = r`): `Q = r⁻¹(s·R − z·G)`. High S is
/// accepted, as libsecp256k1 does.
pub(super) fn recover(digest: &[u8; 32], rs: &[u8; 64], recovery: u8) -> Result<Point, KeyError> {
    let (r, s) = parse_rs(rs)?;
    if bool::from(r.is_zero() | s.is_zero()) {
        return Err(KeyError::RecoveryFailed);
    }
    let big_r = lift_x(&r, recovery & 1 == 1).ok_or(KeyError::RecoveryFailed)?;
    let r_inv = r.invert_vartime().into_option().ok_or(KeyError::RecoveryFailed)?;
    let u1 = -(reduce(digest) * r_inv);
    let u2 = s * r_inv;
    let q = msm::mul_g_add_mul_vartime(&u1, &u2, &big_r);
    if q.infinity {
        return Err(KeyError::RecoveryFailed);
    }
    let z_inv = q.z.invert_vartime().into_option().ok_or(KeyError::RecoveryFailed)?;
    let z_inv2 = z_inv.square();
    let x = (q.x * z_inv2).normalize().to_bytes();
    let y = (q.y * z_inv2 * z_inv).normalize().to_bytes();
    let affine = AffinePoint::from_coordinates(&x, &y).into_option().ok_or(KeyError::RecoveryFailed)?;
    Ok(Point::from_affine(affine))
}

/// The point with x-coordinate `r` (below n, so below p) and the given y parity, if any.
fn lift_x(r: &K256Scalar, odd: bool) -> Option<Affine> {
    let x = Fe::from_bytes(&r.to_bytes()).into_option()?;
    let y = (x.square() * x + Fe::from_u64(7)).sqrt().into_option()?.normalize();
    let y = if bool::from(y.is_odd()) == odd { y } else { y.negate(1).normalize() };
    Some(Affine { x, y })
}

/// Whether the affine x-coordinate of a finite Jacobian point, reduced mod n, is `r`: `X = r·Z²`,
/// or `X = (r + n)·Z²` when `r + n < p`. No inversion.
fn x_is(point: &Jacobian, r: &K256Scalar) -> bool {
    let z2 = point.z.square();
    let minus_x = point.x.negate(1);
    let r_bytes = r.to_bytes();
    let Some(r_fe) = Fe::from_bytes(&r_bytes).into_option() else { return false };
    if bool::from((r_fe * z2 + minus_x).normalizes_to_zero()) {
        return true;
    }
    // r + n < p only for r < p − n (about 2¹²⁸ values out of 2²⁵⁶).
    if r_bytes.as_slice() >= P_MINUS_N.as_slice() {
        return false;
    }
    let n = Fe::from_bytes(&FieldBytes::from(N)).unwrap_or(Fe::ZERO);
    bool::from(((r_fe + n) * z2 + minus_x).normalizes_to_zero())
}

/// The group order n, and p − n, big-endian.
const N: [u8; 32] = msm::hex32("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const P_MINUS_N: [u8; 32] = msm::hex32("000000000000000000000000000000014551231950b75fc4402da1722fc9baee");

/// The public point `d·G` (d in 1..n) from its normalized affine coordinates.
fn point_from_coordinates(x: &Fe, y: &Fe) -> Point {
    let affine = AffinePoint::from_coordinates(&x.to_bytes(), &y.to_bytes());
    // d·G for d in 1..n is a finite point of the curve: the check cannot fail. Were it ever to,
    // stopping is the only safe answer (any stand-in point would be someone else's key).
    #[allow(clippy::expect_used)]
    let affine = Option::<AffinePoint>::from(affine).expect("d·G for d in 1..n is a point of the curve");
    Point::from_affine(affine)
}

/// The next nonce of the stream in `1..n`.
fn next_nonce(nonces: &mut NonceStream) -> Scalar {
    let mut candidate = [0u8; 32];
    loop {
        nonces.next_candidate(&mut candidate);
        if let Some(k) = Scalar::from_bytes(&candidate) {
            candidate.zeroize();
            return k;
        }
    }
}

/// The affine coordinates (normalized) of a finite point, with a constant-time inversion.
fn to_affine_ct(p: &Jacobian) -> (Fe, Fe) {
    let z_inv = point::invert(&p.z);
    let z_inv2 = z_inv.square();
    ((p.x * z_inv2).normalize(), (p.y * z_inv2 * z_inv).normalize())
}

/// `r` and `s` as scalars; malformed if either is ≥ n.
fn parse_rs(rs: &[u8; 64]) -> Result<(K256Scalar, K256Scalar), KeyError> {
    let parse = |b: &[u8]| K256Scalar::from_repr(field_bytes(b)).into_option();
    match (parse(&rs[..32]), parse(&rs[32..])) {
        (Some(r), Some(s)) => Ok((r, s)),
        _ => Err(KeyError::MalformedSignature("r or s out of range")),
    }
}

/// 32 bytes (the caller passes exactly 32) as k256's byte array type.
fn field_bytes(bytes: &[u8]) -> FieldBytes {
    let mut out = [0u8; 32];
    out.copy_from_slice(bytes);
    FieldBytes::from(out)
}

/// A digest as a scalar (`bits2int` then mod n).
fn reduce(digest: &[u8; 32]) -> K256Scalar {
    reduce_bytes(&FieldBytes::from(*digest))
}

fn reduce_bytes(bytes: &FieldBytes) -> K256Scalar {
    <K256Scalar as Reduce<FieldBytes>>::reduce(bytes)
}
