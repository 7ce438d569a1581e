//! One swap step within a single liquidity range, exactly as Uniswap v3's `SwapMath`.
//!
//! Source (read, re-derived; not copied):
//! `Uniswap/v3-core@contracts/libraries/SwapMath.sol:computeSwapStep`. Given the current price,
//! a target price (the next initialised tick or the caller's limit, whichever comes first), the
//! active liquidity and the amount left, it returns how far the price moves and the input, output
//! and fee of the step:
//! - exact input: the fee is taken from the input first (`remaining·(1e6 − fee)/1e6`, rounded
//!   down); if that reaches the target the price stops there, else the price moves by the net
//!   input; the input needed is rounded up and the output rounded down;
//! - exact output: the output to the target is rounded down; if the amount left is smaller, the
//!   price moves just far enough to pay it (rounded to pass it) and the output is capped at it;
//! - the fee is `amountIn·fee/(1e6 − fee)` rounded up, except that an exact-input step that stops
//!   short of the target keeps the whole remainder as fee (so dust never stays unspent).

use super::sqrt_price_math::{
    amount0_delta, amount1_delta, next_sqrt_price_from_input, next_sqrt_price_from_output,
};
use crate::error::AmmError;
use crate::full_math::{mul_div, mul_div_rounding_up};
use ruint::aliases::U256;

/// The fee denominator of Uniswap v3: fees are in pips, millionths.
pub const FEE_PIPS_DENOMINATOR: u32 = 1_000_000;

/// The result of one [`compute_swap_step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapStep {
    /// The sqrt price after the step (Q64.96), never beyond the target.
    pub sqrt_price_x96: U256,
    /// Input paid into the range, excluding the fee (rounded up).
    pub amount_in: U256,
    /// Output paid by the range (rounded down; capped at the amount left for exact output).
    pub amount_out: U256,
    /// Fee taken from the input (rounded up).
    pub fee_amount: U256,
}

/// `SwapMath.computeSwapStep`: the direction is `sqrt_price_x96 >= sqrt_target_x96`
/// (zero-for-one moves the price down); `amount_remaining` is the input left for exact input,
/// the output left for exact output; `fee_pips` must be below 1e6.
pub fn compute_swap_step(
    sqrt_price_x96: U256,
    sqrt_target_x96: U256,
    liquidity: u128,
    amount_remaining: U256,
    exact_in: bool,
    fee_pips: u32,
) -> Result<SwapStep, AmmError> {
    if fee_pips >= FEE_PIPS_DENOMINATOR {
        return Err(AmmError::InvalidFee {
            fee: u64::from(fee_pips),
            denominator: u64::from(FEE_PIPS_DENOMINATOR),
        });
    }
    let p = sqrt_price_x96;
    let target = sqrt_target_x96;
    let zero_for_one = p >= target;
    let million = U256::from(FEE_PIPS_DENOMINATOR);
    let fee = U256::from(fee_pips);
    let overflow = AmmError::Overflow("computeSwapStep");

    let mut amount_in = U256::ZERO;
    let mut amount_out = U256::ZERO;
    let next = if exact_in {
        let less_fee = mul_div(amount_remaining, million - fee, million).ok_or(overflow.clone())?;
        amount_in = if zero_for_one {
            amount0_delta(target, p, liquidity, true)?
        } else {
            amount1_delta(p, target, liquidity, true)?
        };
        if less_fee >= amount_in {
            target
        } else {
            next_sqrt_price_from_input(p, liquidity, less_fee, zero_for_one)?
        }
    } else {
        amount_out = if zero_for_one {
            amount1_delta(target, p, liquidity, false)?
        } else {
            amount0_delta(p, target, liquidity, false)?
        };
        if amount_remaining >= amount_out {
            target
        } else {
            next_sqrt_price_from_output(p, liquidity, amount_remaining, zero_for_one)?
        }
    };

    let reached = next == target;
    // The amount computed above to the target is kept when the target was reached.
    let keep_in = reached && exact_in;
    let keep_out = reached && !exact_in;
    if zero_for_one {
        if !keep_in {
            amount_in = amount0_delta(next, p, liquidity, true)?;
        }
        if !keep_out {
            amount_out = amount1_delta(next, p, liquidity, false)?;
        }
    } else {
        if !keep_in {
            amount_in = amount1_delta(p, next, liquidity, true)?;
        }
        if !keep_out {
            amount_out = amount0_delta(p, next, liquidity, false)?;
        }
    }
    if !exact_in && amount_out > amount_remaining {
        amount_out = amount_remaining;
    }
    let fee_amount = if exact_in && !reached {
        amount_remaining
            .checked_sub(amount_in)
            .expect("computeSwapStep: input below the amount remaining")
    } else {
        mul_div_rounding_up(amount_in, fee, million - fee).ok_or(overflow)?
    };
    Ok(SwapStep {
        sqrt_price_x96: next,
        amount_in,
        amount_out,
        fee_amount,
    })
}

#[cfg(test)]
mod tests {
    //! Vectors from `Uniswap/v3-core@test/SwapMath.spec.ts` (the expected values are the
    //! contract's outputs recorded in that test file). `encodePriceSqrt(a, b)` there is
    //! `floor(sqrt(a/b)·2^96)`, recomputed here with an integer square root.
    use super::*;

    fn isqrt(x: U256) -> U256 {
        x.root(2)
    }

    /// `floor(sqrt(reserve1/reserve0)·2^96)`.
    fn encode_price_sqrt(reserve1: u64, reserve0: u64) -> U256 {
        isqrt((U256::from(reserve1) << 192usize) / U256::from(reserve0))
    }

    fn d(s: &str) -> U256 {
        s.parse().unwrap()
    }

    const E18: u128 = 1_000_000_000_000_000_000;

    #[test]
    fn exact_in_capped_at_target_one_for_zero() {
        let price = encode_price_sqrt(1, 1);
        let target = encode_price_sqrt(101, 100);
        let s = compute_swap_step(price, target, 2 * E18, U256::from(E18), true, 600).unwrap();
        assert_eq!(s.amount_in, d("9975124224178055"));
        assert_eq!(s.fee_amount, d("5988667735148"));
        assert_eq!(s.amount_out, d("9925619580021728"));
        assert_eq!(s.sqrt_price_x96, target);
    }

    #[test]
    fn exact_out_capped_at_target_one_for_zero() {
        let price = encode_price_sqrt(1, 1);
        let target = encode_price_sqrt(101, 100);
        let s = compute_swap_step(price, target, 2 * E18, U256::from(E18), false, 600).unwrap();
        assert_eq!(s.amount_in, d("9975124224178055"));
        assert_eq!(s.fee_amount, d("5988667735148"));
        assert_eq!(s.amount_out, d("9925619580021728"));
        assert_eq!(s.sqrt_price_x96, target);
    }

    #[test]
    fn exact_in_fully_spent_one_for_zero() {
        let price = encode_price_sqrt(1, 1);
        let target = encode_price_sqrt(1000, 100);
        let s = compute_swap_step(price, target, 2 * E18, U256::from(E18), true, 600).unwrap();
        assert_eq!(s.amount_in, d("999400000000000000"));
        assert_eq!(s.fee_amount, d("600000000000000"));
        assert_eq!(s.amount_out, d("666399946655997866"));
        assert!(s.sqrt_price_x96 < target);
        // The price equals the price after the whole input less fee.
        let after = next_sqrt_price_from_input(price, 2 * E18, s.amount_in, false).unwrap();
        assert_eq!(s.sqrt_price_x96, after);
    }

    #[test]
    fn exact_out_fully_received_one_for_zero() {
        let price = encode_price_sqrt(1, 1);
        let target = encode_price_sqrt(10000, 100);
        let s = compute_swap_step(price, target, 2 * E18, U256::from(E18), false, 600).unwrap();
        assert_eq!(s.amount_in, d("2000000000000000000"));
        assert_eq!(s.fee_amount, d("1200720432259356"));
        assert_eq!(s.amount_out, U256::from(E18));
        assert!(s.sqrt_price_x96 < target);
    }

    #[test]
    fn amount_out_is_capped_at_the_desired_amount() {
        let s = compute_swap_step(
            d("417332158212080721273783715441582"),
            d("1452870262520218020823638996"),
            159_344_665_391_607_089_467_575_320_103,
            U256::from(1u8),
            false,
            1,
        )
        .unwrap();
        assert_eq!(s.amount_in, U256::from(1u8));
        assert_eq!(s.fee_amount, U256::from(1u8));
        assert_eq!(s.amount_out, U256::from(1u8)); // would be 2 if not capped
        assert_eq!(s.sqrt_price_x96, d("417332158212080721273783715441581"));
    }

    #[test]
    fn target_price_of_one_uses_partial_input() {
        let s = compute_swap_step(
            U256::from(2u8),
            U256::from(1u8),
            1,
            d("3915081100057732413702495386755767"),
            true,
            1,
        )
        .unwrap();
        assert_eq!(s.amount_in, d("39614081257132168796771975168"));
        assert_eq!(s.fee_amount, d("39614120871253040049813"));
        assert_eq!(s.amount_out, U256::ZERO);
        assert_eq!(s.sqrt_price_x96, U256::from(1u8));
    }

    #[test]
    fn entire_input_taken_as_fee() {
        let s = compute_swap_step(
            U256::from(2413u32),
            d("79887613182836312"),
            1_985_041_575_832_132_834_610_021_537_970,
            U256::from(10u8),
            true,
            1872,
        )
        .unwrap();
        assert_eq!(s.amount_in, U256::ZERO);
        assert_eq!(s.fee_amount, U256::from(10u8));
        assert_eq!(s.amount_out, U256::ZERO);
        assert_eq!(s.sqrt_price_x96, U256::from(2413u32));
    }

    #[test]
    fn intermediate_insufficient_liquidity_exact_output() {
        let p = d("20282409603651670423947251286016");
        // Target above the price (one for zero, buying token0): L/√P = 1024/256 = 4 token0 of
        // virtual reserve, so 4 out is more than the range holds up to the target.
        let target = p * U256::from(11u8) / U256::from(10u8);
        let s = compute_swap_step(p, target, 1024, U256::from(4u8), false, 3000).unwrap();
        assert_eq!(s.amount_out, U256::ZERO);
        assert_eq!(s.sqrt_price_x96, target);
        assert_eq!(s.amount_in, U256::from(26_215u32));
        assert_eq!(s.fee_amount, U256::from(79u8));
        // Target below the price (zero for one, buying token1): L·√P = 262144 token1 of virtual
        // reserve, less than the 263000 asked.
        let target = p * U256::from(9u8) / U256::from(10u8);
        let s = compute_swap_step(p, target, 1024, U256::from(263_000u32), false, 3000).unwrap();
        assert_eq!(s.amount_out, U256::from(26_214u32));
        assert_eq!(s.sqrt_price_x96, target);
        assert_eq!(s.amount_in, U256::from(1u8));
        assert_eq!(s.fee_amount, U256::from(1u8));
    }
}
