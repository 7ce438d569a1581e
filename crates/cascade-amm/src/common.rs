//! Vocabulary shared by the pools: swap direction, token legs, fills and spot prices.
//!
//! Token amounts are `u128` counts of the token's smallest unit ("atoms"), as on chain (where they
//! are `uint256`, but no simulated balance needs more than 128 bits). Conversions to the
//! simulator's `Lots`/`Quote` belong to the engine.

use ruint::Uint;
use ruint::aliases::U512;
use std::cmp::Ordering;

/// The direction of a swap in a two-token pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Pay token0, receive token1 (Uniswap's `zeroForOne = true`; the price of token0 falls).
    ZeroForOne,
    /// Pay token1, receive token0 (`zeroForOne = false`; the price of token0 rises).
    OneForZero,
}

impl Direction {
    /// `true` for [`Direction::ZeroForOne`].
    pub const fn zero_for_one(self) -> bool {
        matches!(self, Direction::ZeroForOne)
    }

    /// The leg of this direction (`0 -> 1` or `1 -> 0`).
    pub const fn leg(self) -> Leg {
        match self {
            Direction::ZeroForOne => Leg::ZERO_FOR_ONE,
            Direction::OneForZero => Leg::ONE_FOR_ZERO,
        }
    }
}

/// Which token is paid in and which is taken out, by index in the pool's token list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Leg {
    /// Index of the token paid into the pool.
    pub token_in: usize,
    /// Index of the token taken out of the pool.
    pub token_out: usize,
}

impl Leg {
    /// Token 0 in, token 1 out.
    pub const ZERO_FOR_ONE: Leg = Leg {
        token_in: 0,
        token_out: 1,
    };
    /// Token 1 in, token 0 out.
    pub const ONE_FOR_ZERO: Leg = Leg {
        token_in: 1,
        token_out: 0,
    };

    /// The direction of this leg in a two-token pool, or `None` if it is not `0 <-> 1`.
    pub const fn direction(self) -> Option<Direction> {
        match (self.token_in, self.token_out) {
            (0, 1) => Some(Direction::ZeroForOne),
            (1, 0) => Some(Direction::OneForZero),
            _ => None,
        }
    }
}

/// What a swap paid and received, in token atoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fill {
    /// Input actually taken by the pool, fee included (a concentrated-liquidity swap that runs out
    /// of liquidity or hits its price limit takes less than offered).
    pub amount_in: u128,
    /// Output paid by the pool.
    pub amount_out: u128,
}

/// A marginal (spot) price as an exact ratio: atoms of the output token per atom of the input
/// token, before fees.
///
/// Both parts are 512-bit so that every pool's price is exact (a Uniswap v3 price is
/// `sqrtPriceX96^2 / 2^192`, up to 320 bits). Use [`SpotPrice::to_f64`] for reporting and
/// [`SpotPrice::cmp_exact`] to compare venues without rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpotPrice {
    /// Numerator.
    pub num: U512,
    /// Denominator (positive).
    pub den: U512,
}

type U1024 = Uint<1024, 16>;

impl SpotPrice {
    /// The ratio `num / den`.
    pub fn new(num: U512, den: U512) -> SpotPrice {
        SpotPrice { num, den }
    }

    /// The price as an `f64`, for reporting. Both parts are converted by `ruint`'s integer-only
    /// conversion and divided once (an IEEE basic operation), so the result is the same on every
    /// platform.
    pub fn to_f64(&self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The price in the other direction (input per output).
    pub fn inverse(&self) -> SpotPrice {
        SpotPrice {
            num: self.den,
            den: self.num,
        }
    }

    /// Exact comparison of two prices by cross-multiplication in 1024 bits.
    pub fn cmp_exact(&self, other: &SpotPrice) -> Ordering {
        let lhs: U1024 = self.num.widening_mul(other.den);
        let rhs: U1024 = other.num.widening_mul(self.den);
        lhs.cmp(&rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legs_map_to_directions() {
        assert_eq!(Leg::ZERO_FOR_ONE.direction(), Some(Direction::ZeroForOne));
        assert_eq!(Leg::ONE_FOR_ZERO.direction(), Some(Direction::OneForZero));
        assert_eq!(
            Leg {
                token_in: 0,
                token_out: 2
            }
            .direction(),
            None
        );
        assert_eq!(Direction::OneForZero.leg(), Leg::ONE_FOR_ZERO);
    }

    #[test]
    fn prices_compare_exactly() {
        let a = SpotPrice::new(U512::from(1u8), U512::from(3u8)); // 0.333..
        let b = SpotPrice::new(U512::from(333_333u32), U512::from(1_000_000u32)); // 0.333333
        assert_eq!(a.cmp_exact(&b), Ordering::Greater);
        assert_eq!(b.cmp_exact(&a), Ordering::Less);
        let c = SpotPrice::new(U512::from(2u8), U512::from(6u8));
        assert_eq!(a.cmp_exact(&c), Ordering::Equal);
        assert!((a.to_f64() - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(a.inverse().to_f64(), 3.0);
    }
}
