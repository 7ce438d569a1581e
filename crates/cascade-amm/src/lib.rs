//! AMM pools with the protocols' own integer arithmetic.
//!
//! This crate owns the state and swap rules of automated market makers, as pure functions of
//! their inputs: no clock, no randomness, no floats in pool state. The engine routes forced sales
//! through them and reads their prices.
//!
//! - [`v2`]: Uniswap v2 constant product (`getAmountOut`/`getAmountIn`, the pair's `K` check);
//! - [`v3`]: Uniswap v3 concentrated liquidity (`TickMath`, `SqrtPriceMath`, `SwapMath`, the
//!   pool's swap loop over initialised ticks, positions);
//! - [`stableswap`]: Curve StableSwap (`get_D`, `get_y`, `exchange`) for 2 to 8 coins;
//! - [`Pool`]: one enum over the three, with `quote_exact_in`, `swap_exact_in` and `spot_price`,
//!   so a router can compare venues;
//! - [`full_math`]: 512-bit `mulDiv` with explicit rounding (`FullMath`).
//!
//! Rounding always favours the pool, exactly where each protocol rounds; every refusal is an
//! [`AmmError`]. Each module cites the source files and functions it re-derives.
//!
//! Units: token amounts are `u128` atoms (the token's smallest unit); Uniswap v3 prices are
//! `sqrtPriceX96` (Q64.96 in a [`U256`]); fees are in each protocol's unit (basis points for v2,
//! pips = 1e-6 for v3, 1e-10 for StableSwap).

#![warn(missing_docs)]

mod common;
mod error;
pub mod full_math;
mod pool;
pub mod stableswap;
pub mod v2;
pub mod v3;

pub use common::{Direction, Fill, Leg, SpotPrice};
pub use error::AmmError;
pub use pool::Pool;
pub use ruint::aliases::{U256, U512};
pub use stableswap::StableSwapPool;
pub use v2::V2Pool;
pub use v3::{V3Pool, V3Swap};
