//! Token amounts between two sqrt prices and the price after a trade, rounding as Uniswap v3 does.
//!
//! Source (read, re-derived; not copied): `Uniswap/v3-core@contracts/libraries/SqrtPriceMath.sol`
//! (the Solidity 0.8 version on `main`):
//! - `getAmount0Delta`: `L·2^96·(√B − √A) / √B / √A`, rounded up as
//!   `divRoundingUp(mulDivRoundingUp(L<<96, √B−√A, √B), √A)` or down as
//!   `mulDiv(L<<96, √B−√A, √B) / √A`;
//! - `getAmount1Delta`: `L·(√B − √A) / 2^96`, `mulDiv` or `mulDivRoundingUp`;
//! - `getNextSqrtPriceFromAmount0RoundingUp`: `L·√P / (L ± x·√P)` (i.e. `√P' = L√P/(L + Δx√P)`),
//!   rounded up, with the fallback `L / (L/√P ± x)` when `x·√P` overflows;
//! - `getNextSqrtPriceFromAmount1RoundingDown`: `√P ± Δy/L`, rounded down (the quotient is
//!   rounded down when adding and up when subtracting);
//! - `getNextSqrtPriceFromInput` / `getNextSqrtPriceFromOutput`: which of the two applies.
//!
//! Where Solidity reverts (`require`, `SafeCast`), these return an [`AmmError`].

use crate::error::AmmError;
use crate::full_math::{div_rounding_up, mul_div, mul_div_rounding_up};
use ruint::aliases::U256;

/// `2^160 − 1`, the largest `uint160`.
fn max_u160() -> U256 {
    (U256::from(1u8) << 160usize) - U256::from(1u8)
}

fn to_u160(x: U256, what: &'static str) -> Result<U256, AmmError> {
    if x > max_u160() {
        Err(AmmError::Overflow(what))
    } else {
        Ok(x)
    }
}

/// The price after adding (`add`) or removing `amount` of token0 to or from the virtual reserves,
/// rounded up (`getNextSqrtPriceFromAmount0RoundingUp`).
pub fn next_sqrt_price_from_amount0_rounding_up(
    sqrt_p: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256, AmmError> {
    const WHAT: &str = "getNextSqrtPriceFromAmount0RoundingUp";
    if amount.is_zero() {
        return Ok(sqrt_p);
    }
    let numerator1 = U256::from(liquidity) << 96usize;
    let product = amount.checked_mul(sqrt_p);
    if add {
        if let Some(denominator) = product.and_then(|p| numerator1.checked_add(p)) {
            // Always fits 160 bits (the result is below sqrt_p).
            return mul_div_rounding_up(numerator1, sqrt_p, denominator)
                .ok_or(AmmError::Overflow(WHAT));
        }
        // x·√P overflows: the fallback L / (L/√P + x), rounded up.
        let denominator = (numerator1 / sqrt_p)
            .checked_add(amount)
            .ok_or(AmmError::Overflow(WHAT))?;
        div_rounding_up(numerator1, denominator).ok_or(AmmError::Overflow(WHAT))
    } else {
        // The product must fit and stay below L << 96, or the reserve would go negative.
        let product = product
            .filter(|&p| numerator1 > p)
            .ok_or(AmmError::InsufficientLiquidity)?;
        let denominator = numerator1 - product;
        let q =
            mul_div_rounding_up(numerator1, sqrt_p, denominator).ok_or(AmmError::Overflow(WHAT))?;
        to_u160(q, WHAT)
    }
}

/// The price after adding (`add`) or removing `amount` of token1, rounded down
/// (`getNextSqrtPriceFromAmount1RoundingDown`).
pub fn next_sqrt_price_from_amount1_rounding_down(
    sqrt_p: U256,
    liquidity: u128,
    amount: U256,
    add: bool,
) -> Result<U256, AmmError> {
    const WHAT: &str = "getNextSqrtPriceFromAmount1RoundingDown";
    let l = U256::from(liquidity);
    if add {
        let quotient = if amount <= max_u160() {
            (amount << 96usize).checked_div(l)
        } else {
            mul_div(amount, U256::from(1u8) << 96usize, l)
        }
        .ok_or(AmmError::Overflow(WHAT))?;
        let next = sqrt_p
            .checked_add(quotient)
            .ok_or(AmmError::Overflow(WHAT))?;
        to_u160(next, WHAT)
    } else {
        let quotient = if amount <= max_u160() {
            div_rounding_up(amount << 96usize, l)
        } else {
            mul_div_rounding_up(amount, U256::from(1u8) << 96usize, l)
        }
        .ok_or(AmmError::Overflow(WHAT))?;
        if sqrt_p <= quotient {
            return Err(AmmError::InsufficientLiquidity);
        }
        Ok(sqrt_p - quotient)
    }
}

/// The price after `amount_in` of the input token enters (`getNextSqrtPriceFromInput`), rounded
/// so as not to pass the target.
pub fn next_sqrt_price_from_input(
    sqrt_p: U256,
    liquidity: u128,
    amount_in: U256,
    zero_for_one: bool,
) -> Result<U256, AmmError> {
    if sqrt_p.is_zero() || liquidity == 0 {
        return Err(AmmError::InsufficientLiquidity);
    }
    if zero_for_one {
        next_sqrt_price_from_amount0_rounding_up(sqrt_p, liquidity, amount_in, true)
    } else {
        next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_in, true)
    }
}

/// The price after `amount_out` of the output token leaves (`getNextSqrtPriceFromOutput`),
/// rounded so as to pass the target.
pub fn next_sqrt_price_from_output(
    sqrt_p: U256,
    liquidity: u128,
    amount_out: U256,
    zero_for_one: bool,
) -> Result<U256, AmmError> {
    if sqrt_p.is_zero() || liquidity == 0 {
        return Err(AmmError::InsufficientLiquidity);
    }
    if zero_for_one {
        next_sqrt_price_from_amount1_rounding_down(sqrt_p, liquidity, amount_out, false)
    } else {
        next_sqrt_price_from_amount0_rounding_up(sqrt_p, liquidity, amount_out, false)
    }
}

/// Token0 between two sqrt prices for liquidity `liquidity` (`getAmount0Delta`); the prices may
/// come in either order.
pub fn amount0_delta(
    sqrt_a: U256,
    sqrt_b: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256, AmmError> {
    const WHAT: &str = "getAmount0Delta";
    let (a, b) = if sqrt_a > sqrt_b {
        (sqrt_b, sqrt_a)
    } else {
        (sqrt_a, sqrt_b)
    };
    if a.is_zero() {
        return Err(AmmError::SqrtPriceOutOfRange);
    }
    let numerator1 = U256::from(liquidity) << 96usize;
    let numerator2 = b - a;
    if round_up {
        let x = mul_div_rounding_up(numerator1, numerator2, b).ok_or(AmmError::Overflow(WHAT))?;
        div_rounding_up(x, a).ok_or(AmmError::Overflow(WHAT))
    } else {
        Ok(mul_div(numerator1, numerator2, b).ok_or(AmmError::Overflow(WHAT))? / a)
    }
}

/// Token1 between two sqrt prices for liquidity `liquidity` (`getAmount1Delta`); the prices may
/// come in either order.
pub fn amount1_delta(
    sqrt_a: U256,
    sqrt_b: U256,
    liquidity: u128,
    round_up: bool,
) -> Result<U256, AmmError> {
    const WHAT: &str = "getAmount1Delta";
    let diff = if sqrt_a > sqrt_b {
        sqrt_a - sqrt_b
    } else {
        sqrt_b - sqrt_a
    };
    let q96 = U256::from(1u8) << 96usize;
    let l = U256::from(liquidity);
    if round_up {
        mul_div_rounding_up(l, diff, q96)
    } else {
        mul_div(l, diff, q96)
    }
    .ok_or(AmmError::Overflow(WHAT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q96() -> U256 {
        U256::from(1u8) << 96usize
    }

    #[test]
    fn amounts_round_in_the_named_direction() {
        // Price 1 -> price 4 (sqrt 1 -> 2) with L = 3: Δy = L(√b − √a) = 3 exactly,
        // Δx = L(√b − √a)/(√a√b) = 3/2 = 1.5 -> 1 down, 2 up.
        let (a, b) = (q96(), q96() * U256::from(2u8));
        assert_eq!(amount1_delta(a, b, 3, false), Ok(U256::from(3u8)));
        assert_eq!(amount1_delta(b, a, 3, true), Ok(U256::from(3u8)));
        assert_eq!(amount0_delta(a, b, 3, false), Ok(U256::from(1u8)));
        assert_eq!(amount0_delta(b, a, 3, true), Ok(U256::from(2u8)));
        // √P from 1 to 1 + 2^-96 with L = 1: Δy = 2^-96 -> 0 down, 1 up.
        let c = q96() + U256::from(1u8);
        assert_eq!(amount1_delta(a, c, 1, false), Ok(U256::ZERO));
        assert_eq!(amount1_delta(a, c, 1, true), Ok(U256::from(1u8)));
    }

    #[test]
    fn next_prices_match_the_whitepaper() {
        // L = 2^64 at price 1: adding Δy = 2^63 token1 moves √P by Δy/L = 1/2 -> 1.5·2^96.
        let l = 1u128 << 64usize;
        let p = next_sqrt_price_from_input(q96(), l, U256::from(1u128 << 63usize), false).unwrap();
        assert_eq!(p, q96() * U256::from(3u8) / U256::from(2u8));
        // Adding Δx = L token0 at price 1: √P' = L√P/(L + Δx√P) = 1/2.
        let p = next_sqrt_price_from_input(q96(), l, U256::from(l), true).unwrap();
        assert_eq!(p, q96() / U256::from(2u8));
        // Adding 1 atom of token0 with L = 3 at √P = 1: 3/(3 + 1) = 0.75, rounded up in Q96
        // (0.75·2^96 is an integer, so exactly 0.75·2^96).
        let p = next_sqrt_price_from_input(q96(), 3, U256::from(1u8), true).unwrap();
        assert_eq!(p, q96() * U256::from(3u8) / U256::from(4u8));
        // Removing all of the virtual token0 (L/√P = L at price 1) is refused.
        assert_eq!(
            next_sqrt_price_from_output(q96(), 3, U256::from(3u8), false),
            Err(AmmError::InsufficientLiquidity)
        );
        // Removing more token1 than the virtual reserve is refused.
        assert_eq!(
            next_sqrt_price_from_output(q96(), 3, U256::from(3u8), true),
            Err(AmmError::InsufficientLiquidity)
        );
        assert_eq!(
            next_sqrt_price_from_input(q96(), 0, U256::from(1u8), true),
            Err(AmmError::InsufficientLiquidity)
        );
    }

    #[test]
    fn uniswap_sqrt_price_math_vectors() {
        // v3-core test/SqrtPriceMath.spec.ts: getNextSqrtPriceFromInput(price 1, L = 1e18,
        // amountIn = 1e17, zeroForOne = false) = 87150978765690771352898345369 and with
        // zeroForOne = true = 72025602285694852357767227579.
        let e18 = 10u128.pow(18);
        let p = next_sqrt_price_from_input(q96(), e18, U256::from(e18 / 10), false).unwrap();
        assert_eq!(p, "87150978765690771352898345369".parse::<U256>().unwrap());
        let p = next_sqrt_price_from_input(q96(), e18, U256::from(e18 / 10), true).unwrap();
        assert_eq!(p, "72025602285694852357767227579".parse::<U256>().unwrap());
        // amountIn = 2^100 > uint96 max, L = 1e19, zeroForOne: 624999999995069620.
        let p = next_sqrt_price_from_input(q96(), 10 * e18, U256::from(1u128 << 100usize), true)
            .unwrap();
        assert_eq!(p, U256::from(624_999_999_995_069_620u128));
        // getAmount0Delta(price 1, price 121/100, L = 1e18) = 90909090909090910 rounded up,
        // 90909090909090909 down; getAmount1Delta = 100000000000000000 up, 99999999999999999 down.
        let b = "87150978765690771352898345369".parse::<U256>().unwrap(); // encodePriceSqrt(121, 100)
        assert_eq!(
            amount0_delta(q96(), b, e18, true),
            Ok(U256::from(90_909_090_909_090_910u128))
        );
        assert_eq!(
            amount0_delta(q96(), b, e18, false),
            Ok(U256::from(90_909_090_909_090_909u128))
        );
        assert_eq!(
            amount1_delta(q96(), b, e18, true),
            Ok(U256::from(100_000_000_000_000_000u128))
        );
        assert_eq!(
            amount1_delta(q96(), b, e18, false),
            Ok(U256::from(99_999_999_999_999_999u128))
        );
    }
}
