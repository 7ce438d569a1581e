//! Uniswap v2 constant-product pool with the protocol's exact integer arithmetic.
//!
//! This module owns the two reserves of one pair and the swap rules. Sources (read, re-derived in
//! Rust, not copied):
//! - `Uniswap/v2-periphery@contracts/libraries/UniswapV2Library.sol:getAmountOut`:
//!   `out = in·997·R_out / (R_in·1000 + in·997)`, rounded down.
//! - `Uniswap/v2-periphery@contracts/libraries/UniswapV2Library.sol:getAmountIn`:
//!   `in = R_in·out·1000 / ((R_out − out)·997) + 1`: rounded down, then one more atom,
//!   unconditionally (so the pool is never short, even when the division is exact).
//! - `Uniswap/v2-core@contracts/UniswapV2Pair.sol:swap` and `:_update`: an output must be positive
//!   and below the reserve, an input must be positive, reserves are `uint112`, and the
//!   fee-adjusted product must not fall: `(b0·1000 − in0·3)·(b1·1000 − in1·3) ≥ r0·r1·1000²`.
//!
//! The fee is a [`Bps`]; the protocol's 0.3% is `Bps(30)`. The formulas are written over 10 000:
//! `in·(10000 − fee)·R_out / (R_in·10000 + in·(10000 − fee))`. For `fee = 30` this is the
//! protocol's `997/1000` form with numerator and denominator both multiplied by 10, so the floor
//! (and the `+1` of `getAmountIn`) is bit-identical. Rounding always favours the pool, so `x·y`
//! never decreases on a swap; the fee stays in the reserves.
//!
//! Liquidity provision (LP tokens, `mint`/`burn`) and the TWAP accumulators are not modelled.

use crate::common::{Direction, Fill, SpotPrice};
use crate::error::AmmError;
use cascade_types::Bps;
use ruint::aliases::{U256, U512};

/// The largest reserve a v2 pair holds (`uint112` max).
pub const MAX_RESERVE: u128 = (1 << 112) - 1;

/// The protocol's default fee, 0.3%.
pub const DEFAULT_FEE: Bps = Bps(30);

const BPS: u64 = 10_000;

/// A Uniswap v2 pair: reserves of token0 and token1 in atoms, and the swap fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V2Pool {
    reserve0: u128,
    reserve1: u128,
    fee: Bps,
}

fn u(x: u128) -> U256 {
    U256::from(x)
}

fn fee_factor(fee: Bps) -> Result<u64, AmmError> {
    let f = u64::from(fee.0);
    if f >= BPS {
        return Err(AmmError::InvalidFee {
            fee: f,
            denominator: BPS,
        });
    }
    Ok(BPS - f)
}

/// `getAmountOut`: the most `reserve_out` atoms a pool pays for `amount_in`, rounded down.
///
/// Errors: zero input, an empty reserve, a fee of 100% or more, or an intermediate product over
/// 256 bits (where the library's `SafeMath` would revert).
pub fn get_amount_out(
    amount_in: u128,
    reserve_in: u128,
    reserve_out: u128,
    fee: Bps,
) -> Result<u128, AmmError> {
    if amount_in == 0 {
        return Err(AmmError::InsufficientInputAmount);
    }
    if reserve_in == 0 || reserve_out == 0 {
        return Err(AmmError::InsufficientLiquidity);
    }
    let overflow = AmmError::Overflow("v2 getAmountOut");
    let with_fee = u(amount_in) * U256::from(fee_factor(fee)?);
    let numerator = with_fee
        .checked_mul(u(reserve_out))
        .ok_or(overflow.clone())?;
    let denominator = (u(reserve_in) * U256::from(BPS))
        .checked_add(with_fee)
        .ok_or(overflow)?;
    // out < reserve_out, so it fits u128.
    Ok(crate::full_math::to_u128(numerator / denominator).expect("out below reserve"))
}

/// `getAmountIn`: the input needed to take `amount_out` atoms: rounded down, plus one.
///
/// Errors: zero output, an empty reserve, `amount_out >= reserve_out` (the library divides by zero
/// or underflows), or a result over `u128`.
pub fn get_amount_in(
    amount_out: u128,
    reserve_in: u128,
    reserve_out: u128,
    fee: Bps,
) -> Result<u128, AmmError> {
    if amount_out == 0 {
        return Err(AmmError::InsufficientOutputAmount);
    }
    if reserve_in == 0 || reserve_out == 0 || amount_out >= reserve_out {
        return Err(AmmError::InsufficientLiquidity);
    }
    let overflow = AmmError::Overflow("v2 getAmountIn");
    let numerator = U512::from(reserve_in) * U512::from(amount_out) * U512::from(BPS);
    let denominator = U512::from(reserve_out - amount_out) * U512::from(fee_factor(fee)?);
    let q = numerator / denominator + U512::from(1u8);
    crate::full_math::narrow(q)
        .and_then(crate::full_math::to_u128)
        .ok_or(overflow)
}

impl V2Pool {
    /// A pair holding `reserve0` and `reserve1` atoms with the given fee.
    ///
    /// Errors: an empty reserve, a reserve over [`MAX_RESERVE`], or a fee of 100% or more.
    pub fn new(reserve0: u128, reserve1: u128, fee: Bps) -> Result<V2Pool, AmmError> {
        fee_factor(fee)?;
        if reserve0 == 0 || reserve1 == 0 {
            return Err(AmmError::EmptyReserve);
        }
        if reserve0 > MAX_RESERVE || reserve1 > MAX_RESERVE {
            return Err(AmmError::ReserveOverflow { limit: MAX_RESERVE });
        }
        Ok(V2Pool {
            reserve0,
            reserve1,
            fee,
        })
    }

    /// Reserves `(token0, token1)` in atoms.
    pub fn reserves(&self) -> (u128, u128) {
        (self.reserve0, self.reserve1)
    }

    /// The swap fee.
    pub fn fee(&self) -> Bps {
        self.fee
    }

    /// The constant product `reserve0 · reserve1`.
    pub fn k(&self) -> U256 {
        u(self.reserve0) * u(self.reserve1)
    }

    fn in_out(&self, direction: Direction) -> (u128, u128) {
        match direction {
            Direction::ZeroForOne => (self.reserve0, self.reserve1),
            Direction::OneForZero => (self.reserve1, self.reserve0),
        }
    }

    /// The output for `amount_in`, without trading ([`get_amount_out`] on this pool's reserves).
    pub fn quote_exact_in(&self, direction: Direction, amount_in: u128) -> Result<u128, AmmError> {
        let (r_in, r_out) = self.in_out(direction);
        get_amount_out(amount_in, r_in, r_out, self.fee)
    }

    /// The input needed for `amount_out`, without trading ([`get_amount_in`]).
    pub fn quote_exact_out(
        &self,
        direction: Direction,
        amount_out: u128,
    ) -> Result<u128, AmmError> {
        let (r_in, r_out) = self.in_out(direction);
        get_amount_in(amount_out, r_in, r_out, self.fee)
    }

    /// Sells exactly `amount_in` for the most the pool pays; refuses a trade whose output rounds
    /// to zero (the pair requires a positive output).
    pub fn swap_exact_in(
        &mut self,
        direction: Direction,
        amount_in: u128,
    ) -> Result<Fill, AmmError> {
        let amount_out = self.quote_exact_in(direction, amount_in)?;
        self.swap(direction, amount_in, amount_out)?;
        Ok(Fill {
            amount_in,
            amount_out,
        })
    }

    /// Buys exactly `amount_out` for the least input the library computes (`getAmountIn`).
    pub fn swap_exact_out(
        &mut self,
        direction: Direction,
        amount_out: u128,
    ) -> Result<Fill, AmmError> {
        let amount_in = self.quote_exact_out(direction, amount_out)?;
        self.swap(direction, amount_in, amount_out)?;
        Ok(Fill {
            amount_in,
            amount_out,
        })
    }

    /// The pair's own `swap`: pays `amount_out` for `amount_in` if the fee-adjusted product does
    /// not fall, and updates the reserves.
    ///
    /// Errors: zero output, output at or above the reserve, zero input, a reserve over
    /// [`MAX_RESERVE`], or [`AmmError::ConstantProductViolated`].
    pub fn swap(
        &mut self,
        direction: Direction,
        amount_in: u128,
        amount_out: u128,
    ) -> Result<(), AmmError> {
        let (r_in, r_out) = self.in_out(direction);
        if amount_out == 0 {
            return Err(AmmError::InsufficientOutputAmount);
        }
        if amount_out >= r_out {
            return Err(AmmError::InsufficientLiquidity);
        }
        if amount_in == 0 {
            return Err(AmmError::InsufficientInputAmount);
        }
        let new_in = r_in
            .checked_add(amount_in)
            .filter(|&b| b <= MAX_RESERVE)
            .ok_or(AmmError::ReserveOverflow { limit: MAX_RESERVE })?;
        let new_out = r_out - amount_out;
        // Fee-adjusted balances, over 10 000 instead of 1000 (identical test for fee = 30 bps).
        let fee = U256::from(self.fee.0);
        let bps = U256::from(BPS);
        let adj_in = u(new_in) * bps - u(amount_in) * fee;
        let adj_out = u(new_out) * bps;
        if adj_in * adj_out < u(r_in) * u(r_out) * bps * bps {
            return Err(AmmError::ConstantProductViolated);
        }
        match direction {
            Direction::ZeroForOne => {
                self.reserve0 = new_in;
                self.reserve1 = new_out;
            }
            Direction::OneForZero => {
                self.reserve1 = new_in;
                self.reserve0 = new_out;
            }
        }
        Ok(())
    }

    /// The marginal price before fee: atoms of the output token per atom of the input token,
    /// `R_out / R_in`.
    pub fn spot_price(&self, direction: Direction) -> SpotPrice {
        let (r_in, r_out) = self.in_out(direction);
        SpotPrice::new(U512::from(r_out), U512::from(r_in))
    }
}

#[cfg(test)]
#[path = "v2_tests.rs"]
mod tests;
