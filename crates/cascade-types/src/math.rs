//! Checked integer arithmetic with the rounding direction in the name.
//!
//! Protocol code rounds in the protocol's favour (Aave's `WadRayMath`, Uniswap's `FullMath`); the
//! simulator does the same, and says which way each step rounds by calling one of these.

/// `a * b / d` rounded down; `None` on division by zero or if the result exceeds `u128`.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    match a.checked_mul(b) {
        Some(p) => Some(p / d),
        None => wide_mul_div(a, b, d, false),
    }
}

/// `a * b / d` rounded up; `None` on division by zero or if the result exceeds `u128`.
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> Option<u128> {
    if d == 0 {
        return None;
    }
    match a.checked_mul(b) {
        Some(p) => Some(p.div_ceil(d)),
        None => wide_mul_div(a, b, d, true),
    }
}

/// 256-bit product divided by a 128-bit divisor, by schoolbook long division on 64-bit limbs.
fn wide_mul_div(a: u128, b: u128, d: u128, round_up: bool) -> Option<u128> {
    let (hi, lo) = mul_wide(a, b);
    if hi >= d {
        return None; // quotient would not fit in 128 bits
    }
    // Binary long division of (hi, lo) by d; hi < d keeps the remainder below 2^128 * ... safe.
    let mut rem = hi;
    let mut q: u128 = 0;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        q <<= 1;
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            q |= 1;
        }
    }
    if round_up && rem != 0 {
        q.checked_add(1)
    } else {
        Some(q)
    }
}

/// Full 256-bit product as (high, low) halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_round_as_named() {
        assert_eq!(mul_div_floor(7, 3, 2), Some(10));
        assert_eq!(mul_div_ceil(7, 3, 2), Some(11));
        assert_eq!(mul_div_ceil(6, 3, 2), Some(9));
        assert_eq!(mul_div_floor(1, 1, 0), None);
        assert_eq!(mul_div_ceil(1, 1, 0), None);
    }

    #[test]
    fn wide_products_divide_exactly() {
        let big = u128::MAX / 3;
        // (big * 6) / 6 overflows the product but not the result.
        assert_eq!(mul_div_floor(big, 6, 6), Some(big));
        assert_eq!(mul_div_ceil(big, 6, 6), Some(big));
        // (2^127) * 3 / 2 = 3 * 2^126
        assert_eq!(mul_div_floor(1 << 127, 3, 2), Some(3 << 126));
        // Rounding with a remainder in the wide path: (2^127 + 1) * 2 / 4 = 2^126 + 0.5
        assert_eq!(mul_div_floor((1 << 127) + 1, 2, 4), Some(1 << 126));
        assert_eq!(mul_div_ceil((1 << 127) + 1, 2, 4), Some((1 << 126) + 1));
        // Results that do not fit are refused.
        assert_eq!(mul_div_floor(u128::MAX, u128::MAX, 1), None);
    }

    #[test]
    fn wide_path_matches_narrow_path_where_both_apply() {
        let cases = [
            (u64::MAX as u128, 12345u128, 977u128),
            (1u128 << 100, 1 << 20, 3),
        ];
        for (a, b, d) in cases {
            let (hi, lo) = mul_wide(a, b);
            if hi == 0 {
                assert_eq!(lo, a * b);
            }
            assert_eq!(wide_mul_div(a, b, d, false), mul_div_floor(a, b, d));
            assert_eq!(wide_mul_div(a, b, d, true), mul_div_ceil(a, b, d));
        }
    }
}
