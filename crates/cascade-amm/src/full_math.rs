//! 256-bit `a * b / d` with a 512-bit intermediate, rounding down or up.
//!
//! Sources (read, re-derived; not copied):
//! - `Uniswap/v3-core@contracts/libraries/FullMath.sol:mulDiv` and `:mulDivRoundingUp`: the full
//!   512-bit product divided by `d`, reverting if the quotient does not fit 256 bits; rounding up
//!   adds one when the remainder (`mulmod`) is non-zero.
//! - `Uniswap/v3-core@contracts/libraries/UnsafeMath.sol:divRoundingUp`.
//!
//! Here the 512-bit product comes from `ruint`'s widening multiplication; a division by zero or a
//! quotient that does not fit is `None`, which callers turn into an [`crate::AmmError`].

use ruint::aliases::{U256, U512};

/// `floor(a * b / d)`; `None` if `d == 0` or the quotient exceeds 256 bits.
pub fn mul_div(a: U256, b: U256, d: U256) -> Option<U256> {
    if d.is_zero() {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    narrow(product / U512::from(d))
}

/// `ceil(a * b / d)`; `None` if `d == 0` or the quotient exceeds 256 bits.
pub fn mul_div_rounding_up(a: U256, b: U256, d: U256) -> Option<U256> {
    if d.is_zero() {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    let (q, r) = product.div_rem(U512::from(d));
    let q = narrow(q)?;
    if r.is_zero() {
        Some(q)
    } else {
        q.checked_add(U256::from(1u8))
    }
}

/// `ceil(x / y)`; `None` if `y == 0`.
pub fn div_rounding_up(x: U256, y: U256) -> Option<U256> {
    if y.is_zero() {
        return None;
    }
    let (q, r) = x.div_rem(y);
    // q + 1 cannot overflow: if r != 0 then y > 1 and q < x / 1.
    Some(if r.is_zero() { q } else { q + U256::from(1u8) })
}

/// The low 256 bits of a 512-bit value, if the high half is zero.
pub(crate) fn narrow(x: U512) -> Option<U256> {
    let limbs = x.as_limbs();
    if limbs[4..].iter().any(|&l| l != 0) {
        return None;
    }
    Some(U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]]))
}

/// A 256-bit value as `u128`, if it fits.
pub(crate) fn to_u128(x: U256) -> Option<u128> {
    let limbs = x.as_limbs();
    if limbs[2] != 0 || limbs[3] != 0 {
        return None;
    }
    Some(u128::from(limbs[0]) | (u128::from(limbs[1]) << 64usize))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    #[test]
    fn rounds_as_named() {
        // 7 * 3 / 2 = 10.5
        assert_eq!(mul_div(u(7), u(3), u(2)), Some(u(10)));
        assert_eq!(mul_div_rounding_up(u(7), u(3), u(2)), Some(u(11)));
        // exact: no rounding up
        assert_eq!(mul_div_rounding_up(u(6), u(3), u(2)), Some(u(9)));
        assert_eq!(mul_div(u(1), u(1), U256::ZERO), None);
        assert_eq!(div_rounding_up(u(7), u(2)), Some(u(4)));
        assert_eq!(div_rounding_up(u(8), u(2)), Some(u(4)));
        assert_eq!(div_rounding_up(u(8), U256::ZERO), None);
    }

    #[test]
    fn product_wider_than_256_bits_divides_exactly() {
        // (2^255) * (2^10) / 2^20 = 2^245: the product needs 266 bits.
        let a = U256::from(1u8) << 255usize;
        let b = U256::from(1u16 << 10usize);
        let d = U256::from(1u32 << 20usize);
        assert_eq!(mul_div(a, b, d), Some(U256::from(1u8) << 245usize));
        // MAX * MAX / MAX = MAX (FullMath's own test case).
        assert_eq!(mul_div(U256::MAX, U256::MAX, U256::MAX), Some(U256::MAX));
        // A quotient over 256 bits is refused: MAX * 2 / 1.
        assert_eq!(mul_div(U256::MAX, u(2), u(1)), None);
        // Rounding up past MAX is refused: MAX * MAX / (MAX - 1) > MAX.
        assert_eq!(mul_div_rounding_up(U256::MAX, u(1), u(1)), Some(U256::MAX));
        assert_eq!(
            mul_div_rounding_up(U256::MAX, U256::MAX, U256::MAX - u(1)),
            None
        );
    }

    #[test]
    fn narrowing_refuses_high_bits() {
        assert_eq!(to_u128(u(u128::MAX)), Some(u128::MAX));
        assert_eq!(to_u128(U256::from(1u8) << 128usize), None);
        assert_eq!(narrow(U512::from(1u8) << 256usize), None);
        assert_eq!(narrow(U512::from(5u8)), Some(u(5)));
    }
}
