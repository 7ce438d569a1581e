//! Uniswap v3 concentrated liquidity with the protocol's exact integer arithmetic.
//!
//! This module owns one pool's price (`sqrtPriceX96`, Q64.96 in a `U256` whose value stays in
//! `uint160` range), current tick, active liquidity, initialised ticks (`BTreeMap<i32, TickInfo>`
//! with `liquidityNet`) and positions, and the swap loop that walks the ticks. The submodules port
//! Uniswap's libraries one for one:
//!
//! - [`tick_math`] ports `TickMath` (`getSqrtRatioAtTick`, `getTickAtSqrtRatio`);
//! - [`sqrt_price_math`] ports `SqrtPriceMath` (amount deltas, next price from an amount);
//! - [`swap_math`] ports `SwapMath.computeSwapStep`;
//! - `pool` ([`V3Pool`]) ports `UniswapV3Pool` (`mint`, `burn`, `swap`), `Tick`, `TickBitmap`
//!   and `LiquidityMath`.
//!
//! Prices: `P = 1.0001^tick` is token1 per token0 in atoms, `sqrtPriceX96 = sqrt(P)·2^96`. Within
//! a range the whitepaper's `Δy = L·(√Pb − √Pa)` and `Δx = L·(√Pb − √Pa)/(√Pa·√Pb)` hold, with
//! amounts paid to the pool rounded up and amounts paid by it rounded down. Fees are in pips
//! (1e-6) of the input and taken from it before it moves the price.
//!
//! Each submodule cites its Solidity source file and functions.

mod pool;
pub mod sqrt_price_math;
pub mod swap_math;
pub mod tick_math;

pub use pool::{PositionKey, TickInfo, V3Pool, V3Swap};
pub use swap_math::{FEE_PIPS_DENOMINATOR, SwapStep, compute_swap_step};
pub use tick_math::{
    MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, sqrt_ratio_at_tick, tick_at_sqrt_ratio,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod uniswap_vectors;
