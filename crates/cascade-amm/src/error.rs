//! The one error type of the AMM crate.
//!
//! Every refusal a caller can cause (a zero input, an output the pool cannot pay, a bad tick range,
//! a price limit on the wrong side) is an [`AmmError`]; the pools never panic on bad requests. The
//! names follow the protocols' own revert reasons where they have one (Uniswap v2's
//! `INSUFFICIENT_INPUT_AMOUNT`, Uniswap v3's `LO`, ...).

use thiserror::Error;

/// Why a pool refused a request.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AmmError {
    /// The input amount is zero (Uniswap v2 `INSUFFICIENT_INPUT_AMOUNT`, v3 `amountSpecified != 0`).
    #[error("the input amount is zero")]
    InsufficientInputAmount,
    /// The output amount is zero, requested or after rounding (v2 `INSUFFICIENT_OUTPUT_AMOUNT`).
    #[error("the output amount is zero")]
    InsufficientOutputAmount,
    /// The pool cannot pay the requested output (v2 `INSUFFICIENT_LIQUIDITY`: output >= reserve).
    #[error("the pool has not enough liquidity for this trade")]
    InsufficientLiquidity,
    /// A reserve would exceed what the pool can hold (v2 `OVERFLOW`: reserves are `uint112`).
    #[error("a reserve would exceed the pool's limit of {limit}")]
    ReserveOverflow {
        /// The largest reserve the pool can hold.
        limit: u128,
    },
    /// Amounts in and out of a raw v2 swap would decrease the fee-adjusted `x * y` (v2 `K`).
    #[error("the swap would decrease the fee-adjusted constant product")]
    ConstantProductViolated,
    /// A fee outside the pool type's range.
    #[error("fee {fee} is out of range (must be below {denominator})")]
    InvalidFee {
        /// The fee given, in the pool type's unit.
        fee: u64,
        /// The fee denominator of the pool type.
        denominator: u64,
    },
    /// A Uniswap v3 tick spacing outside `1..16384`.
    #[error("tick spacing {0} is out of range 1..16384")]
    InvalidTickSpacing(i32),
    /// A tick outside `[MIN_TICK, MAX_TICK]` (TickMath `T`).
    #[error("tick {0} is out of range")]
    TickOutOfRange(i32),
    /// A position's ticks are not ordered or not within bounds (v3 `checkTicks`, `CT`).
    #[error("invalid tick range [{lower}, {upper})")]
    InvalidTickRange {
        /// The lower tick.
        lower: i32,
        /// The upper tick.
        upper: i32,
    },
    /// A position's tick is not a multiple of the pool's tick spacing (v3 `flipTick`).
    #[error("tick {tick} is not a multiple of the tick spacing {spacing}")]
    TickNotSpaced {
        /// The tick.
        tick: i32,
        /// The pool's tick spacing.
        spacing: i32,
    },
    /// A sqrt price outside `[MIN_SQRT_RATIO, MAX_SQRT_RATIO)` (TickMath `R`).
    #[error("sqrt price is out of range")]
    SqrtPriceOutOfRange,
    /// A swap's price limit is on the wrong side of the current price or outside the valid range
    /// (v3 `SPL`).
    #[error("the price limit is on the wrong side of the current price or out of range")]
    InvalidPriceLimit,
    /// A tick would hold more gross liquidity than the pool allows per tick (v3 `LO`).
    #[error("liquidity per tick would exceed the maximum")]
    TickLiquidityOverflow,
    /// A liquidity amount is zero or too large to be a signed 128-bit delta.
    #[error("invalid liquidity amount")]
    InvalidLiquidityAmount,
    /// A burn asks for more liquidity than the position holds.
    #[error("the position holds less liquidity than requested")]
    InsufficientPositionLiquidity,
    /// A token index that the pool does not have, or the same token in and out.
    #[error("invalid token pair: {token_in} -> {token_out}")]
    InvalidTokens {
        /// The token paid in.
        token_in: usize,
        /// The token taken out.
        token_out: usize,
    },
    /// A StableSwap pool needs between 2 and 8 coins, with matching parameter lengths.
    #[error("invalid coin count or parameter length")]
    InvalidCoinCount,
    /// A StableSwap precision multiplier outside `1..=10^18`.
    #[error("precision multiplier {0} is out of range 1..=10^18")]
    InvalidPrecision(u128),
    /// A StableSwap amplification outside `1..=1_000_000` (Curve's `MAX_A`).
    #[error("amplification {0} is out of range 1..=1000000")]
    InvalidAmplification(u128),
    /// A reserve or balance is zero where the pool needs it positive.
    #[error("a pool balance is zero")]
    EmptyReserve,
    /// A Newton iteration did not converge within 255 rounds (Curve raises).
    #[error("Newton iteration did not converge")]
    NoConvergence,
    /// An intermediate or final value does not fit its integer type (the protocol would revert).
    #[error("arithmetic overflow in {0}")]
    Overflow(&'static str),
}
