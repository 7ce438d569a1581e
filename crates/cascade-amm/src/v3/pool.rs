//! The concentrated-liquidity pool: price, active liquidity, initialised ticks, positions, swaps.
//!
//! Sources (read, re-derived; not copied):
//! - `Uniswap/v3-core@contracts/UniswapV3Pool.sol:swap`: the swap loop. While input (or output)
//!   is left and the price limit is not reached: find the next initialised tick in the direction
//!   of the swap within one bitmap word, clamp it to `[MIN_TICK, MAX_TICK]`, run
//!   `computeSwapStep` to it (or to the limit), and if the price landed on it, cross it: apply its
//!   `liquidityNet` (negated when moving down) and set the tick to `tickNext − 1` (down) or
//!   `tickNext` (up); otherwise recompute the tick from the price.
//! - `Uniswap/v3-core@contracts/UniswapV3Pool.sol:_modifyPosition`, `:mint`, `:burn`,
//!   `:checkTicks`: a position over `[lower, upper)` needs token0 only if the price is below it,
//!   token1 only if above, both if inside (then the active liquidity changes too); amounts are
//!   rounded up when adding liquidity and down when removing it.
//! - `Uniswap/v3-core@contracts/libraries/Tick.sol:update`, `:tickSpacingToMaxLiquidityPerTick`:
//!   `liquidityNet` gains the delta at the lower tick and loses it at the upper tick;
//!   `liquidityGross` is capped per tick (`LO`).
//! - `Uniswap/v3-core@contracts/libraries/TickBitmap.sol:nextInitializedTickWithinOneWord`: the
//!   search stops at the edge of the 256-tick word (in compressed ticks), which splits long steps
//!   exactly where Uniswap splits them, so rounding matches step for step. Here the bitmap is a
//!   `BTreeMap` of initialised ticks, searched over the same word range.
//! - `Uniswap/v3-core@contracts/libraries/LiquidityMath.sol:addDelta`.
//!
//! Not modelled: per-position fee growth (fees are counted per token in [`V3Pool::fees`] and stay
//! in the pool's balances), the protocol fee, the TWAP oracle, and `collect` (a burn pays out at
//! once).

use super::swap_math::{FEE_PIPS_DENOMINATOR, compute_swap_step};
use super::tick_math::{
    MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK, sqrt_ratio_at_tick, tick_at_sqrt_ratio,
};
use crate::common::{Direction, SpotPrice};
use crate::error::AmmError;
use crate::full_math::to_u128;
use cascade_types::AgentId;
use ruint::aliases::{U256, U512};
use std::collections::BTreeMap;

/// An initialised tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TickInfo {
    /// Total liquidity of the positions that start or end at this tick.
    pub liquidity_gross: u128,
    /// Liquidity added when the price crosses this tick upwards (removed when crossing down).
    pub liquidity_net: i128,
}

/// A position: an owner's liquidity over `[lower, upper)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PositionKey {
    /// Who owns the position.
    pub owner: AgentId,
    /// Lower tick (inclusive).
    pub lower: i32,
    /// Upper tick (exclusive).
    pub upper: i32,
}

/// What a v3 swap did: amounts in token atoms and the pool's state afterwards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct V3Swap {
    /// Input taken, fee included (less than offered if the price limit was reached first).
    pub amount_in: u128,
    /// Output paid.
    pub amount_out: u128,
    /// The part of `amount_in` taken as fee.
    pub fee: u128,
    /// The sqrt price after the swap (Q64.96).
    pub sqrt_price_x96: U256,
    /// The tick after the swap.
    pub tick: i32,
    /// The active liquidity after the swap.
    pub liquidity: u128,
    /// How many initialised ticks the swap crossed.
    pub ticks_crossed: u32,
}

/// A Uniswap v3 pool of token0 and token1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V3Pool {
    fee_pips: u32,
    tick_spacing: i32,
    max_liquidity_per_tick: u128,
    sqrt_price_x96: U256,
    tick: i32,
    liquidity: u128,
    ticks: BTreeMap<i32, TickInfo>,
    positions: BTreeMap<PositionKey, u128>,
    balances: [u128; 2],
    fees: [u128; 2],
}

/// `Tick.tickSpacingToMaxLiquidityPerTick`.
fn max_liquidity_per_tick(tick_spacing: i32) -> u128 {
    let min_tick = (MIN_TICK / tick_spacing) * tick_spacing;
    let max_tick = (MAX_TICK / tick_spacing) * tick_spacing;
    let num_ticks = ((max_tick - min_tick) / tick_spacing) as u128 + 1;
    u128::MAX / num_ticks
}

/// `LiquidityMath.addDelta`; `None` on under- or overflow.
fn add_delta(x: u128, y: i128) -> Option<u128> {
    if y < 0 {
        x.checked_sub(y.unsigned_abs())
    } else {
        x.checked_add(y as u128)
    }
}

fn amount_u128(x: U256) -> Result<u128, AmmError> {
    to_u128(x).ok_or(AmmError::Overflow("token amount over u128"))
}

impl V3Pool {
    /// A pool with no liquidity at `sqrt_price_x96` (`UniswapV3Pool.initialize`), fee in pips
    /// (1e-6: Uniswap's tiers are 100, 500, 3000 and 10000 with spacings 1, 10, 60 and 200).
    ///
    /// Errors: a fee of 1e6 or more, a spacing outside `1..16384`, or a price outside
    /// `[MIN_SQRT_RATIO, MAX_SQRT_RATIO)`.
    pub fn new(fee_pips: u32, tick_spacing: i32, sqrt_price_x96: U256) -> Result<V3Pool, AmmError> {
        if fee_pips >= FEE_PIPS_DENOMINATOR {
            return Err(AmmError::InvalidFee {
                fee: u64::from(fee_pips),
                denominator: u64::from(FEE_PIPS_DENOMINATOR),
            });
        }
        if !(1..16384).contains(&tick_spacing) {
            return Err(AmmError::InvalidTickSpacing(tick_spacing));
        }
        let tick = tick_at_sqrt_ratio(sqrt_price_x96)?;
        Ok(V3Pool {
            fee_pips,
            tick_spacing,
            max_liquidity_per_tick: max_liquidity_per_tick(tick_spacing),
            sqrt_price_x96,
            tick,
            liquidity: 0,
            ticks: BTreeMap::new(),
            positions: BTreeMap::new(),
            balances: [0, 0],
            fees: [0, 0],
        })
    }

    /// A pool initialised at the price of `tick` (see [`V3Pool::new`]).
    pub fn at_tick(fee_pips: u32, tick_spacing: i32, tick: i32) -> Result<V3Pool, AmmError> {
        V3Pool::new(fee_pips, tick_spacing, sqrt_ratio_at_tick(tick)?)
    }

    /// The fee in pips (millionths of the input).
    pub fn fee_pips(&self) -> u32 {
        self.fee_pips
    }

    /// The tick spacing.
    pub fn tick_spacing(&self) -> i32 {
        self.tick_spacing
    }

    /// The current sqrt price, `sqrt(token1/token0)·2^96`.
    pub fn sqrt_price_x96(&self) -> U256 {
        self.sqrt_price_x96
    }

    /// The current tick: the greatest tick whose price is at or below the current price (after a
    /// downward crossing it is the crossed tick minus one, as in Uniswap).
    pub fn tick(&self) -> i32 {
        self.tick
    }

    /// The active liquidity `L`.
    pub fn liquidity(&self) -> u128 {
        self.liquidity
    }

    /// The initialised ticks, in order.
    pub fn ticks(&self) -> impl Iterator<Item = (i32, TickInfo)> + '_ {
        self.ticks.iter().map(|(&t, &i)| (t, i))
    }

    /// All positions with their liquidity, in key order.
    pub fn positions(&self) -> impl Iterator<Item = (PositionKey, u128)> + '_ {
        self.positions.iter().map(|(&k, &l)| (k, l))
    }

    /// A position's liquidity (zero if it does not exist).
    pub fn position(&self, owner: AgentId, lower: i32, upper: i32) -> u128 {
        let key = PositionKey {
            owner,
            lower,
            upper,
        };
        self.positions.get(&key).copied().unwrap_or(0)
    }

    /// Token balances `[token0, token1]` the pool holds (deposits, swap inputs and fees, less
    /// withdrawals and swap outputs).
    pub fn balances(&self) -> [u128; 2] {
        self.balances
    }

    /// Fees taken so far, `[token0, token1]` (included in [`V3Pool::balances`]).
    pub fn fees(&self) -> [u128; 2] {
        self.fees
    }

    /// The marginal price before fee, atoms of the output token per atom of the input token:
    /// `sqrtPriceX96^2 / 2^192` for token0 in.
    pub fn spot_price(&self, direction: Direction) -> SpotPrice {
        let s = U512::from(self.sqrt_price_x96);
        let p = SpotPrice::new(s * s, U512::from(1u8) << 192usize);
        match direction {
            Direction::ZeroForOne => p,
            Direction::OneForZero => p.inverse(),
        }
    }

    fn check_ticks(&self, lower: i32, upper: i32) -> Result<(), AmmError> {
        if lower >= upper || lower < MIN_TICK || upper > MAX_TICK {
            return Err(AmmError::InvalidTickRange { lower, upper });
        }
        for tick in [lower, upper] {
            if tick % self.tick_spacing != 0 {
                return Err(AmmError::TickNotSpaced {
                    tick,
                    spacing: self.tick_spacing,
                });
            }
        }
        Ok(())
    }

    /// Token amounts owed for a liquidity change (positive: paid in, rounded up; negative: paid
    /// out, rounded down), and the new active liquidity.
    fn position_amounts(
        &self,
        lower: i32,
        upper: i32,
        amount: u128,
        adding: bool,
    ) -> Result<(u128, u128, u128), AmmError> {
        use super::sqrt_price_math::{amount0_delta, amount1_delta};
        let sa = sqrt_ratio_at_tick(lower)?;
        let sb = sqrt_ratio_at_tick(upper)?;
        let (a0, a1, liquidity) = if self.tick < lower {
            (
                amount0_delta(sa, sb, amount, adding)?,
                U256::ZERO,
                self.liquidity,
            )
        } else if self.tick < upper {
            let p = self.sqrt_price_x96;
            let liquidity = if adding {
                self.liquidity.checked_add(amount)
            } else {
                self.liquidity.checked_sub(amount)
            }
            .ok_or(AmmError::Overflow("active liquidity"))?;
            (
                amount0_delta(p, sb, amount, adding)?,
                amount1_delta(sa, p, amount, adding)?,
                liquidity,
            )
        } else {
            (
                U256::ZERO,
                amount1_delta(sa, sb, amount, adding)?,
                self.liquidity,
            )
        };
        Ok((amount_u128(a0)?, amount_u128(a1)?, liquidity))
    }

    /// `Tick.update` for both ends of a position, computed without mutating.
    fn updated_ticks(
        &self,
        lower: i32,
        upper: i32,
        delta: i128,
    ) -> Result<(TickInfo, TickInfo), AmmError> {
        let mut out = [TickInfo::default(); 2];
        for (slot, (tick, is_upper)) in [(lower, false), (upper, true)].into_iter().enumerate() {
            let info = self.ticks.get(&tick).copied().unwrap_or_default();
            let gross = add_delta(info.liquidity_gross, delta)
                .ok_or(AmmError::InsufficientPositionLiquidity)?;
            if gross > self.max_liquidity_per_tick {
                return Err(AmmError::TickLiquidityOverflow);
            }
            let net = if is_upper {
                info.liquidity_net.checked_sub(delta)
            } else {
                info.liquidity_net.checked_add(delta)
            }
            .ok_or(AmmError::TickLiquidityOverflow)?;
            out[slot] = TickInfo {
                liquidity_gross: gross,
                liquidity_net: net,
            };
        }
        Ok((out[0], out[1]))
    }

    fn store_tick(&mut self, tick: i32, info: TickInfo) {
        if info.liquidity_gross == 0 {
            self.ticks.remove(&tick);
        } else {
            self.ticks.insert(tick, info);
        }
    }

    /// Adds `amount` of liquidity over `[lower, upper)` for `owner` (`UniswapV3Pool.mint`) and
    /// returns the token amounts `(token0, token1)` paid in, rounded up.
    ///
    /// Errors: a bad or unspaced range, a zero amount or one over `i128::MAX`, per-tick liquidity
    /// over the cap, or amounts over `u128`. On error nothing changes.
    pub fn mint(
        &mut self,
        owner: AgentId,
        lower: i32,
        upper: i32,
        amount: u128,
    ) -> Result<(u128, u128), AmmError> {
        self.check_ticks(lower, upper)?;
        let delta = i128::try_from(amount)
            .ok()
            .filter(|&d| d > 0)
            .ok_or(AmmError::InvalidLiquidityAmount)?;
        let key = PositionKey {
            owner,
            lower,
            upper,
        };
        let position = self
            .position(owner, lower, upper)
            .checked_add(amount)
            .ok_or(AmmError::InvalidLiquidityAmount)?;
        let (lower_info, upper_info) = self.updated_ticks(lower, upper, delta)?;
        let (a0, a1, liquidity) = self.position_amounts(lower, upper, amount, true)?;
        let overflow = AmmError::Overflow("pool balance");
        let b0 = self.balances[0].checked_add(a0).ok_or(overflow.clone())?;
        let b1 = self.balances[1].checked_add(a1).ok_or(overflow)?;
        self.store_tick(lower, lower_info);
        self.store_tick(upper, upper_info);
        self.positions.insert(key, position);
        self.liquidity = liquidity;
        self.balances = [b0, b1];
        Ok((a0, a1))
    }

    /// Removes `amount` of `owner`'s liquidity over `[lower, upper)` (`UniswapV3Pool.burn`, paid
    /// out at once) and returns the token amounts `(token0, token1)`, rounded down.
    ///
    /// Errors: a bad range, a zero amount, or more than the position holds. On error nothing
    /// changes.
    pub fn burn(
        &mut self,
        owner: AgentId,
        lower: i32,
        upper: i32,
        amount: u128,
    ) -> Result<(u128, u128), AmmError> {
        self.check_ticks(lower, upper)?;
        if amount == 0 {
            return Err(AmmError::InvalidLiquidityAmount);
        }
        let held = self.position(owner, lower, upper);
        if held < amount {
            return Err(AmmError::InsufficientPositionLiquidity);
        }
        // amount <= held <= i128::MAX (mint refuses more).
        let delta = -(amount as i128);
        let (lower_info, upper_info) = self.updated_ticks(lower, upper, delta)?;
        let (a0, a1, liquidity) = self.position_amounts(lower, upper, amount, false)?;
        self.store_tick(lower, lower_info);
        self.store_tick(upper, upper_info);
        let key = PositionKey {
            owner,
            lower,
            upper,
        };
        if held == amount {
            self.positions.remove(&key);
        } else {
            self.positions.insert(key, held - amount);
        }
        self.liquidity = liquidity;
        self.balances[0] = self.balances[0]
            .checked_sub(a0)
            .expect("broken invariant: pool pays out more token0 than it holds");
        self.balances[1] = self.balances[1]
            .checked_sub(a1)
            .expect("broken invariant: pool pays out more token1 than it holds");
        Ok((a0, a1))
    }

    /// `TickBitmap.nextInitializedTickWithinOneWord` over the map of initialised ticks.
    fn next_initialized_tick_within_one_word(&self, tick: i32, lte: bool) -> (i32, bool) {
        let spacing = self.tick_spacing;
        let compressed = tick.div_euclid(spacing);
        if lte {
            let bit_pos = compressed.rem_euclid(256);
            let word_start = (compressed - bit_pos) * spacing;
            match self
                .ticks
                .range(word_start..=compressed * spacing)
                .next_back()
            {
                Some((&t, _)) => (t, true),
                None => (word_start, false),
            }
        } else {
            let next = compressed + 1;
            let bit_pos = next.rem_euclid(256);
            let word_end = (next + 255 - bit_pos) * spacing;
            match self.ticks.range(next * spacing..=word_end).next() {
                Some((&t, _)) => (t, true),
                None => (word_end, false),
            }
        }
    }

    /// The swap loop of `UniswapV3Pool.swap`, without changing the pool.
    fn simulate(
        &self,
        direction: Direction,
        amount: u128,
        exact_in: bool,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<V3Swap, AmmError> {
        if amount == 0 {
            return Err(if exact_in {
                AmmError::InsufficientInputAmount
            } else {
                AmmError::InsufficientOutputAmount
            });
        }
        let zero_for_one = direction.zero_for_one();
        let one = U256::from(1u8);
        // The periphery's default when no limit is given: just inside the valid range.
        let limit = sqrt_price_limit_x96.unwrap_or(if zero_for_one {
            MIN_SQRT_RATIO + one
        } else {
            MAX_SQRT_RATIO - one
        });
        let valid = if zero_for_one {
            limit < self.sqrt_price_x96 && limit > MIN_SQRT_RATIO
        } else {
            limit > self.sqrt_price_x96 && limit < MAX_SQRT_RATIO
        };
        if !valid {
            return Err(AmmError::InvalidPriceLimit);
        }

        let mut remaining = U256::from(amount);
        let mut calculated = U256::ZERO;
        let mut fee_total = U256::ZERO;
        let mut sqrt_price = self.sqrt_price_x96;
        let mut tick = self.tick;
        let mut liquidity = self.liquidity;
        let mut ticks_crossed = 0u32;

        while !remaining.is_zero() && sqrt_price != limit {
            let start = sqrt_price;
            let (next, initialized) =
                self.next_initialized_tick_within_one_word(tick, zero_for_one);
            let next = next.clamp(MIN_TICK, MAX_TICK);
            let sqrt_next = sqrt_ratio_at_tick(next)?;
            let target =
                if (zero_for_one && sqrt_next < limit) || (!zero_for_one && sqrt_next > limit) {
                    limit
                } else {
                    sqrt_next
                };
            let step = compute_swap_step(
                sqrt_price,
                target,
                liquidity,
                remaining,
                exact_in,
                self.fee_pips,
            )?;
            sqrt_price = step.sqrt_price_x96;
            let overflow = AmmError::Overflow("swap amount");
            let paid = step
                .amount_in
                .checked_add(step.fee_amount)
                .ok_or(overflow.clone())?;
            // computeSwapStep never uses more than the amount remaining.
            if exact_in {
                remaining = remaining
                    .checked_sub(paid)
                    .expect("broken invariant: step input above the amount remaining");
                calculated = calculated
                    .checked_add(step.amount_out)
                    .ok_or(overflow.clone())?;
            } else {
                remaining = remaining
                    .checked_sub(step.amount_out)
                    .expect("broken invariant: step output above the amount remaining");
                calculated = calculated.checked_add(paid).ok_or(overflow.clone())?;
            }
            fee_total = fee_total.checked_add(step.fee_amount).ok_or(overflow)?;

            if sqrt_price == sqrt_next {
                if initialized {
                    let net = self.ticks[&next].liquidity_net;
                    let net = if zero_for_one { -net } else { net };
                    liquidity = add_delta(liquidity, net)
                        .expect("broken invariant: crossing a tick makes liquidity negative");
                    ticks_crossed += 1;
                }
                tick = if zero_for_one { next - 1 } else { next };
            } else if sqrt_price != start {
                tick = tick_at_sqrt_ratio(sqrt_price)?;
            }
        }

        let specified_used = amount - amount_u128(remaining)?;
        let calculated = amount_u128(calculated)?;
        let (amount_in, amount_out) = if exact_in {
            (specified_used, calculated)
        } else {
            (calculated, specified_used)
        };
        Ok(V3Swap {
            amount_in,
            amount_out,
            fee: amount_u128(fee_total)?,
            sqrt_price_x96: sqrt_price,
            tick,
            liquidity,
            ticks_crossed,
        })
    }

    fn apply(&mut self, direction: Direction, s: &V3Swap) {
        let (i, o) = match direction {
            Direction::ZeroForOne => (0, 1),
            Direction::OneForZero => (1, 0),
        };
        self.balances[i] = self.balances[i]
            .checked_add(s.amount_in)
            .expect("pool balance over u128");
        self.balances[o] = self.balances[o]
            .checked_sub(s.amount_out)
            .expect("broken invariant: swap pays out more than the pool holds");
        self.fees[i] = self.fees[i].saturating_add(s.fee);
        self.sqrt_price_x96 = s.sqrt_price_x96;
        self.tick = s.tick;
        self.liquidity = s.liquidity;
    }

    /// What selling `amount_in` would do, without trading. `sqrt_price_limit_x96` is the price
    /// the swap may not pass (`None`: the whole valid range, as the periphery's default).
    ///
    /// Errors: zero input, a limit on the wrong side of the price or outside
    /// `(MIN_SQRT_RATIO, MAX_SQRT_RATIO)`, or an overflow where Uniswap would revert.
    pub fn quote_exact_in(
        &self,
        direction: Direction,
        amount_in: u128,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<V3Swap, AmmError> {
        self.simulate(direction, amount_in, true, sqrt_price_limit_x96)
    }

    /// Sells up to `amount_in` (less if the limit or the end of liquidity comes first; the result
    /// says how much was taken).
    pub fn swap_exact_in(
        &mut self,
        direction: Direction,
        amount_in: u128,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<V3Swap, AmmError> {
        let s = self.simulate(direction, amount_in, true, sqrt_price_limit_x96)?;
        self.apply(direction, &s);
        Ok(s)
    }

    /// What buying `amount_out` would cost, without trading (see [`V3Pool::quote_exact_in`]).
    pub fn quote_exact_out(
        &self,
        direction: Direction,
        amount_out: u128,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<V3Swap, AmmError> {
        self.simulate(direction, amount_out, false, sqrt_price_limit_x96)
    }

    /// Buys up to `amount_out` (less if the limit or the end of liquidity comes first).
    pub fn swap_exact_out(
        &mut self,
        direction: Direction,
        amount_out: u128,
        sqrt_price_limit_x96: Option<U256>,
    ) -> Result<V3Swap, AmmError> {
        let s = self.simulate(direction, amount_out, false, sqrt_price_limit_x96)?;
        self.apply(direction, &s);
        Ok(s)
    }
}
