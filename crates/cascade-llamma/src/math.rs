//! 256-bit checked arithmetic in the contracts' 1e18 fixed point.
//!
//! Vyper's `uint256` operators revert on overflow, underflow and division by zero. [`Ck`] carries
//! a value that may already have failed, so a contract expression such as
//! `A * y0 * p_o // p_o_up * p_o // 10**18` reads as
//! `(ck(a) * y0 * p_o / p_o_up * p_o / WAD).get("f")?` and becomes an
//! [`LlammaError::Arithmetic`] instead of a panic. Division rounds down, as in the EVM.

use crate::error::LlammaError;
use ruint::aliases::U256;
use std::ops::{Add, Div, Mul, Sub};

/// One in the contracts' fixed point (1e18).
pub const WAD: u128 = 1_000_000_000_000_000_000;

/// Shares minted per unit of collateral to nobody when a band is first filled (`DEAD_SHARES`),
/// so that a band's share price cannot be manipulated by a tiny first deposit.
pub const DEAD_SHARES: u128 = 1000;

/// A `U256` that may have overflowed; every operation on a failed value fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ck(Option<U256>);

/// Wraps a value for checked arithmetic.
pub(crate) fn ck(x: impl Into<Ck>) -> Ck {
    x.into()
}

impl Ck {
    /// The value, or the error naming `what` overflowed.
    pub(crate) fn get(self, what: &'static str) -> Result<U256, LlammaError> {
        self.0.ok_or(LlammaError::Arithmetic(what))
    }

    /// The value as `u128`, or the error naming `what`.
    pub(crate) fn u128(self, what: &'static str) -> Result<u128, LlammaError> {
        self.0
            .and_then(|v| u128::try_from(v).ok())
            .ok_or(LlammaError::Arithmetic(what))
    }

    /// Floor square root (Vyper's `isqrt`).
    pub(crate) fn isqrt(self) -> Ck {
        Ck(self.0.map(isqrt))
    }
}

/// Floor square root by Newton's method on integers.
pub(crate) fn isqrt(x: U256) -> U256 {
    if x < U256::from(2u8) {
        return x;
    }
    // Start above the root: 2^ceil(bits/2) > sqrt(x).
    let mut r = U256::from(1u8) << x.bit_len().div_ceil(2);
    loop {
        let next = (r + x / r) >> 1;
        if next >= r {
            return r;
        }
        r = next;
    }
}

impl From<u128> for Ck {
    fn from(x: u128) -> Ck {
        Ck(Some(U256::from(x)))
    }
}

impl From<U256> for Ck {
    fn from(x: U256) -> Ck {
        Ck(Some(x))
    }
}

macro_rules! ck_op {
    ($tr:ident, $f:ident, $op:expr) => {
        impl<R: Into<Ck>> $tr<R> for Ck {
            type Output = Ck;
            fn $f(self, rhs: R) -> Ck {
                let rhs: Ck = rhs.into();
                match (self.0, rhs.0) {
                    (Some(a), Some(b)) => Ck($op(a, b)),
                    _ => Ck(None),
                }
            }
        }
    };
}

ck_op!(Add, add, |a: U256, b: U256| a.checked_add(b));
ck_op!(Sub, sub, |a: U256, b: U256| a.checked_sub(b));
ck_op!(Mul, mul, |a: U256, b: U256| a.checked_mul(b));
ck_op!(Div, div, |a: U256, b: U256| a.checked_div(b));

/// `U256` to `u128`, or the error naming `what`.
pub(crate) fn to_u128(x: U256, what: &'static str) -> Result<u128, LlammaError> {
    u128::try_from(x).map_err(|_| LlammaError::Arithmetic(what))
}

/// `max(a - b, 0)` (`crv_math.sub_or_zero`).
pub(crate) fn sub_or_zero(a: U256, b: U256) -> U256 {
    a.saturating_sub(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isqrt_is_the_floor_root() {
        for v in [0u128, 1, 2, 3, 4, 8, 9, 10, 15, 16, 17, 99, 100, 101] {
            let r = isqrt(U256::from(v));
            let r = u128::try_from(r).unwrap();
            assert!(r * r <= v && (r + 1) * (r + 1) > v, "isqrt({v}) = {r}");
        }
        // (10^30)^2 and its neighbours.
        let big = U256::from(10u8).pow(U256::from(60u8));
        assert_eq!(isqrt(big), U256::from(10u8).pow(U256::from(30u8)));
        assert_eq!(
            isqrt(big - U256::from(1u8)),
            U256::from(10u8).pow(U256::from(30u8)) - U256::from(1u8)
        );
        assert_eq!(isqrt(U256::MAX), U256::from(u128::MAX));
    }

    #[test]
    fn failures_propagate_instead_of_panicking() {
        assert_eq!(
            (ck(5u128) - 6u128 + 10u128).get("x"),
            Err(LlammaError::Arithmetic("x"))
        );
        assert_eq!(
            (ck(5u128) / 0u128).get("y"),
            Err(LlammaError::Arithmetic("y"))
        );
        assert_eq!(
            (ck(U256::MAX) * 2u128).u128("z"),
            Err(LlammaError::Arithmetic("z"))
        );
        assert_eq!((ck(7u128) * 3u128 / 2u128).u128("w"), Ok(10));
        assert_eq!(ck(10u128).isqrt().u128("s"), Ok(3));
    }
}
