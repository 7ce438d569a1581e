//! The crvUSD Controller: loans over LLAMMA bands, health, and hard liquidation.
//!
//! Source (read and re-derived, not copied): `curvefi/curve-stablecoin@contracts/Controller.vy`
//! (the 2024 version with `DEAD_SHARES`, `MIN_TICKS = 4` and fractional liquidation):
//!
//! - `get_y_effective`: collateral discounted by the loan discount (plus a `DEAD_SHARES`
//!   allowance), divided by `N·sqrt(A/(A−1))` and summed over the `N` bands with factor
//!   `(A−1)/A` per band, so that `y_effective·p_oracle_up(n1)` is what the collateral fetches
//!   when converted band by band at each band's geometric mid price;
//! - `_calculate_debt_n1`: the top band `n1 = n0 + floor(ln(y_effective·p_oracle_up(n0)/debt) /
//!   ln(A/(A−1)))`, capped at `1024 − N` bands below the active band `n0`; "Debt too high" if the
//!   range would start at or above the oracle price or over bands that cannot be skipped;
//! - `_create_loan`: `MIN_TICKS = 4 <= N <= MAX_TICKS = 50`, debt recorded with the current
//!   `rate_mul`, collateral deposited by `AMM.deposit_range`;
//! - `_debt`: `initial_debt·rate_mul/loan_rate_mul`, rounded up when there is more than one loan;
//! - `_health`: `get_x_down·(1 − liquidation_discount)/debt − 1` in WAD, plus, when `full` and the
//!   loan is not yet in soft liquidation, `(p_o − p_oracle_up(n1))·collateral/debt`;
//! - `_liquidate`: needs health < 0 at the loan's liquidation discount ("Not enough rekt");
//!   withdraws `f_remove` of the user's bands; the borrowed coin found there repays debt first,
//!   the liquidator pays the rest and receives all the collateral (and any surplus borrowed
//!   coin); `f_remove = ((1 + h/2)/(1 + h)·(1 − frac) + frac)·frac` for a partial liquidation.
//!
//! One computation differs in method, not in result: `_calculate_debt_n1` takes `wad_ln` (a
//! rational approximation) of the ratio and divides by `ln(A/(A−1))`; here the band count is
//! found by comparing the ratio with exact powers of `A/(A−1)` in 1e36 fixed point. The two
//! agree except when the ratio lies within about 1e-18 (relative) of a band edge.
//!
//! The crvUSD contract never writes debt off: a liquidator must pay the whole shortfall. When the
//! collateral it receives is worth less than it pays at the oracle price, the outcome reports the
//! difference as [`HardLiquidation::shortfall`], the bad debt that someone (in practice the
//! protocol's own liquidator) absorbs.
//!
//! Not modelled: repayments, adding or removing collateral, borrowing more, self-liquidation,
//! callbacks, the monetary policy (the caller sets the rate with [`Controller::set_rate`]),
//! `extra_health`, `max_borrowable`.

use crate::amm::{ExchangeOutcome, Llamma, LlammaParams, MAX_TICKS, OracleReading};
use crate::error::LlammaError;
use crate::event::{Coin, LlammaEvent};
use crate::math::{DEAD_SHARES, WAD, ck};
use cascade_types::{AccountId, AgentId, SimTime};
use ruint::aliases::U256;
use std::collections::BTreeMap;

/// Fewest bands a loan may use (`MIN_TICKS`).
pub const MIN_TICKS: usize = 4;
/// Largest loan discount, WAD (`MAX_LOAN_DISCOUNT`, 50%).
pub const MAX_LOAN_DISCOUNT: u128 = 500_000_000_000_000_000;
/// Smallest liquidation discount, WAD (`MIN_LIQUIDATION_DISCOUNT`, 1%).
pub const MIN_LIQUIDATION_DISCOUNT: u128 = 10_000_000_000_000_000;
/// Largest interest rate per second, WAD (`MAX_RATE`, about 300% a year).
pub const MAX_RATE: u128 = 43_959_106_799;

/// The Controller's discounts, WAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControllerParams {
    /// Discount on collateral value that sets the largest loan (crvUSD ETH markets: 9%).
    pub loan_discount: u128,
    /// Discount on collateral value below which a loan may be hard-liquidated (ETH markets: 6%).
    pub liquidation_discount: u128,
}

impl ControllerParams {
    /// Checks `MIN_LIQUIDATION_DISCOUNT <= liquidation < loan <= MAX_LOAN_DISCOUNT`
    /// (`set_borrowing_discounts`).
    pub fn validate(&self) -> Result<(), LlammaError> {
        if self.loan_discount <= self.liquidation_discount {
            return Err(LlammaError::InvalidParameter(
                "loan discount must exceed the liquidation discount",
            ));
        }
        if self.liquidation_discount < MIN_LIQUIDATION_DISCOUNT {
            return Err(LlammaError::InvalidParameter(
                "liquidation discount must be at least 1%",
            ));
        }
        if self.loan_discount > MAX_LOAN_DISCOUNT {
            return Err(LlammaError::InvalidParameter(
                "loan discount must be at most 50%",
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LoanRecord {
    initial_debt: u128,
    rate_mul: u128,
}

/// A loan opened by [`Controller::create_loan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoanOpened {
    /// The borrower.
    pub user: AccountId,
    /// Top band of the deposit (highest price).
    pub n1: i64,
    /// Bottom band of the deposit (lowest price).
    pub n2: i64,
    /// Collateral deposited, token units.
    pub collateral: u128,
    /// Debt minted to the borrower, token units.
    pub debt: u128,
}

/// A loan seen by a liquidation bot (`users_to_liquidate`'s `Position`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The borrower.
    pub user: AccountId,
    /// Borrowed coin in the user's bands, token units.
    pub x: u128,
    /// Collateral in the user's bands, token units.
    pub y: u128,
    /// Debt, token units.
    pub debt: u128,
    /// Full health at the loan's liquidation discount, WAD.
    pub health: i128,
}

/// What a hard liquidation did: who pays and receives what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HardLiquidation {
    /// Who liquidated.
    pub liquidator: AgentId,
    /// Whose loan.
    pub user: AccountId,
    /// Full health before, at the liquidation discount, WAD (negative).
    pub health: i128,
    /// Debt repaid (the whole debt for a full liquidation).
    pub debt_repaid: u128,
    /// Borrowed coin taken from the user's bands; repays debt first.
    pub stablecoin_from_bands: u128,
    /// Collateral taken from the user's bands, all to the liquidator.
    pub collateral_to_liquidator: u128,
    /// Borrowed coin the liquidator pays (`debt − stablecoin_from_bands`, or 0).
    pub liquidator_pays: u128,
    /// Borrowed coin the liquidator receives when the bands held more than the debt.
    pub stablecoin_to_liquidator: u128,
    /// Debt left on the loan (non-zero only for a partial liquidation).
    pub remaining_debt: u128,
    /// How much more the liquidator pays than its collateral is worth at the oracle price: the
    /// bad debt, zero when the liquidation pays.
    pub shortfall: u128,
}

/// A crvUSD Controller with its LLAMMA.
#[derive(Clone, Debug)]
pub struct Controller {
    amm: Llamma,
    params: ControllerParams,
    loans: BTreeMap<AccountId, LoanRecord>,
    liquidation_discounts: BTreeMap<AccountId, u128>,
    total_debt: LoanRecord,
    minted: u128,
    redeemed: u128,
}

impl Controller {
    /// Deploys an AMM and its Controller.
    pub fn new(
        amm: LlammaParams,
        params: ControllerParams,
        at: OracleReading,
    ) -> Result<Self, LlammaError> {
        params.validate()?;
        Ok(Controller {
            amm: Llamma::new(amm, at)?,
            params,
            loans: BTreeMap::new(),
            liquidation_discounts: BTreeMap::new(),
            total_debt: LoanRecord {
                initial_debt: 0,
                rate_mul: WAD,
            },
            minted: 0,
            redeemed: 0,
        })
    }

    /// The AMM, read-only; trade through [`Controller::exchange`].
    pub fn amm(&self) -> &Llamma {
        &self.amm
    }

    /// The discounts.
    pub fn params(&self) -> ControllerParams {
        self.params
    }

    /// Borrowed coin minted to borrowers so far.
    pub fn minted(&self) -> u128 {
        self.minted
    }

    /// Borrowed coin returned to the Controller (repaid debt) so far.
    pub fn redeemed(&self) -> u128 {
        self.redeemed
    }

    /// The users with an open loan, in account order.
    pub fn users(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.loans.keys().copied()
    }

    /// Number of open loans.
    pub fn n_loans(&self) -> usize {
        self.loans.len()
    }

    /// The events logged so far (AMM and Controller, in order).
    pub fn events(&self) -> &[LlammaEvent] {
        self.amm.events()
    }

    /// Takes the events logged so far.
    pub fn drain_events(&mut self) -> Vec<LlammaEvent> {
        self.amm.drain_events()
    }

    /// Sets the interest rate per second, capped at [`MAX_RATE`] (the Controller's
    /// `_save_rate` with the rate given instead of read from a monetary policy).
    pub fn set_rate(&mut self, rate: u128, now: SimTime) -> Result<u128, LlammaError> {
        self.amm.set_rate(rate.min(MAX_RATE), now)
    }

    /// Trades with the AMM ([`Llamma::exchange`]).
    pub fn exchange(
        &mut self,
        trader: AgentId,
        sell: Coin,
        amount: u128,
        min_out: u128,
        at: OracleReading,
    ) -> Result<ExchangeOutcome, LlammaError> {
        self.amm.exchange(trader, sell, amount, min_out, at)
    }

    /// Trades the AMM to the oracle price as an idealised arbitrageur would
    /// ([`crate::arb::trade_to_price`]).
    pub fn arbitrage(
        &mut self,
        trader: AgentId,
        at: OracleReading,
    ) -> Result<Option<ExchangeOutcome>, LlammaError> {
        crate::arb::trade_to_price(&mut self.amm, trader, at.price, at)
    }

    /// Trades the AMM to a market price `target` (WAD) while the oracle reads `at`, as an
    /// idealised arbitrageur would ([`crate::arb::trade_to_price`]).
    pub fn arbitrage_to(
        &mut self,
        trader: AgentId,
        target: u128,
        at: OracleReading,
    ) -> Result<Option<ExchangeOutcome>, LlammaError> {
        crate::arb::trade_to_price(&mut self.amm, trader, target, at)
    }

    // ----- loan creation -----

    /// `get_y_effective`: discounted collateral (18 decimals) such that
    /// `y_effective·p_oracle_up(n1)` is the borrowed coin it fetches over `n` bands.
    fn y_effective(&self, collateral: u128, n: u128, discount: u128) -> Result<u128, LlammaError> {
        let a = self.amm.a();
        let dead = ck(DEAD_SHARES) * WAD / (collateral / n).max(DEAD_SHARES);
        let discount = (ck(discount) + dead).u128("discount")?.min(WAD);
        let sqrt_ratio = self.amm.sqrt_band_ratio();
        let mut d =
            (ck(collateral) * (WAD - discount) / (ck(sqrt_ratio) * n)).get("y_effective")?;
        let mut y_eff = d;
        for _ in 1..n {
            d = d * U256::from(a - 1) / U256::from(a);
            y_eff += d;
        }
        crate::math::to_u128(y_eff, "y_effective")
    }

    /// The top band a loan of `debt` against `collateral` over `n_bands` bands starts at
    /// (`calculate_debt_n1`).
    pub fn calculate_debt_n1(
        &self,
        collateral: u128,
        debt: u128,
        n_bands: usize,
        at: OracleReading,
    ) -> Result<i64, LlammaError> {
        if !(MIN_TICKS..=MAX_TICKS).contains(&n_bands) {
            return Err(LlammaError::BandCount {
                n: n_bands as u64,
                min: MIN_TICKS as u64,
                max: MAX_TICKS as u64,
            });
        }
        if debt == 0 {
            return Err(LlammaError::ZeroDebt);
        }
        let a = self.amm.a();
        let n0 = self.amm.active_band();
        let p_base = self.amm.p_oracle_up(n0, at.time)?;
        let coll = (ck(collateral) * self.amm.collateral_precision()).u128("collateral")?;
        let y_eff = self.y_effective(coll, n_bands as u128, self.params.loan_discount)?;
        let debt18 = ck(debt) * self.amm.borrowed_precision() + 1u128;
        let ratio = (ck(y_eff) * p_base / debt18).get("ratio")?; // WAD
        if ratio.is_zero() {
            return Err(LlammaError::AmountTooLow);
        }
        // floor(log_{A/(A−1)}(ratio)): compare ratio·1e18 with (A/(A−1))^k in 1e36.
        let target = ratio * U256::from(WAD);
        let e36 = U256::from(WAD) * U256::from(WAD);
        let cap = (1024 - n_bands) as i64;
        let mut k: i64 = 0;
        if target >= e36 {
            let mut pow = e36;
            while k < cap {
                let next = pow * U256::from(a) / U256::from(a - 1);
                if next > target {
                    break;
                }
                pow = next;
                k += 1;
            }
        } else {
            let mut pow = e36;
            loop {
                pow = pow * U256::from(a - 1) / U256::from(a);
                k -= 1;
                if pow <= target {
                    break;
                }
                if k < -(2 * crate::amm::MAX_SKIP_TICKS as i64) || pow.is_zero() {
                    return Err(LlammaError::DebtTooHigh);
                }
            }
        }
        let n1 = k.min(cap) + n0;
        if n1 <= n0 && !self.amm.can_skip_bands(n1 - 1) {
            return Err(LlammaError::DebtTooHigh);
        }
        if self.amm.p_oracle_up(n1, at.time)? >= self.amm.price_oracle(at)? {
            return Err(LlammaError::DebtTooHigh);
        }
        Ok(n1)
    }

    /// Opens a loan (`create_loan`): `collateral` goes into bands `n1..n1 + n_bands − 1` below
    /// the oracle price and `debt` is minted to the borrower (both token units).
    pub fn create_loan(
        &mut self,
        user: AccountId,
        collateral: u128,
        debt: u128,
        n_bands: usize,
        at: OracleReading,
    ) -> Result<LoanOpened, LlammaError> {
        if self.loans.contains_key(&user) {
            return Err(LlammaError::LoanExists(user));
        }
        let n1 = self.calculate_debt_n1(collateral, debt, n_bands, at)?;
        let n2 = n1 + n_bands as i64 - 1;
        let rate_mul = self.amm.rate_mul(at.time)?;
        let total = (ck(self.total_debt.initial_debt) * rate_mul / self.total_debt.rate_mul + debt)
            .u128("total debt")?;
        let minted = self
            .minted
            .checked_add(debt)
            .ok_or(LlammaError::Arithmetic("minted"))?;
        self.amm.deposit_range(user, collateral, n1, n2)?;
        self.loans.insert(
            user,
            LoanRecord {
                initial_debt: debt,
                rate_mul,
            },
        );
        self.liquidation_discounts
            .insert(user, self.params.liquidation_discount);
        self.total_debt = LoanRecord {
            initial_debt: total,
            rate_mul,
        };
        self.minted = minted;
        self.amm.events.push(LlammaEvent::Borrow {
            user,
            collateral_increase: collateral,
            loan_increase: debt,
        });
        Ok(LoanOpened {
            user,
            n1,
            n2,
            collateral,
            debt,
        })
    }

    // ----- debt and health -----

    /// The user's debt now (`debt`), token units; zero without a loan.
    pub fn debt(&self, user: AccountId, now: SimTime) -> Result<u128, LlammaError> {
        let Some(loan) = self.loans.get(&user) else {
            return Ok(0);
        };
        let rate_mul = self.amm.rate_mul(now)?;
        let mut debt = (ck(loan.initial_debt) * rate_mul).get("debt")?;
        let loan_mul = U256::from(loan.rate_mul);
        if !(debt % loan_mul).is_zero() && self.loans.len() > 1 {
            debt += loan_mul;
        }
        crate::math::to_u128(debt / loan_mul, "debt")
    }

    /// Total debt of all loans now (`total_debt`), token units.
    pub fn total_debt(&self, now: SimTime) -> Result<u128, LlammaError> {
        (ck(self.total_debt.initial_debt) * self.amm.rate_mul(now)? / self.total_debt.rate_mul)
            .u128("total debt")
    }

    /// `(collateral, borrowed, debt, bands)` of the user (`user_state`).
    pub fn user_state(
        &self,
        user: AccountId,
        now: SimTime,
    ) -> Result<(u128, u128, u128, usize), LlammaError> {
        let (x, y) = self.amm.get_sum_xy(user)?;
        let n = self
            .amm
            .read_user_tick_numbers(user)
            .map_or(0, |(n1, n2)| (n2 - n1 + 1) as usize);
        Ok((y, x, self.debt(user, now)?, n))
    }

    /// The top and bottom prices of the user's bands (`user_prices`), WAD.
    pub fn user_prices(&self, user: AccountId, now: SimTime) -> Result<(u128, u128), LlammaError> {
        let (n1, n2) = self
            .amm
            .read_user_tick_numbers(user)
            .ok_or(LlammaError::NoDeposits(user))?;
        Ok((
            self.amm.p_oracle_up(n1, now)?,
            self.amm.p_oracle_down(n2, now)?,
        ))
    }

    fn health_with(
        &self,
        user: AccountId,
        debt: u128,
        full: bool,
        liquidation_discount: u128,
        at: OracleReading,
    ) -> Result<i128, LlammaError> {
        if debt == 0 {
            return Err(LlammaError::NoLoan(user));
        }
        let x_down = self.amm.get_x_down(user, at)?;
        let scaled = (ck(x_down) * (WAD - liquidation_discount) / debt).u128("health")?;
        let mut health =
            i128::try_from(scaled).map_err(|_| LlammaError::Arithmetic("health"))? - WAD as i128;
        if full
            && let Some((ns0, _)) = self.amm.read_user_tick_numbers(user)
            && ns0 > self.amm.active_band()
        {
            // Not in soft liquidation yet: count the headroom above the top band.
            let p = self.amm.price_oracle(at)?;
            let p_up = self.amm.p_oracle_up(ns0, at.time)?;
            if p > p_up {
                let (_, y) = self.amm.get_sum_xy(user)?;
                let extra = (ck(p - p_up) * y * self.amm.collateral_precision()
                    / (ck(debt) * self.amm.borrowed_precision()))
                .u128("health")?;
                let extra = i128::try_from(extra).map_err(|_| LlammaError::Arithmetic("health"))?;
                health = health
                    .checked_add(extra)
                    .ok_or(LlammaError::Arithmetic("health"))?;
            }
        }
        Ok(health)
    }

    /// The loan's health (`health`), WAD: `x_down·(1 − liquidation discount)/debt − 1`, plus
    /// with `full` the value of the price headroom above the top band while not in soft
    /// liquidation. Hard liquidation is allowed below zero.
    pub fn health(
        &self,
        user: AccountId,
        full: bool,
        at: OracleReading,
    ) -> Result<i128, LlammaError> {
        let debt = self.debt(user, at.time)?;
        let ld = self.liquidation_discounts.get(&user).copied().unwrap_or(0);
        self.health_with(user, debt, full, ld, at)
    }

    /// Loans whose full health is negative (`users_to_liquidate`), in account order.
    pub fn users_to_liquidate(&self, at: OracleReading) -> Result<Vec<Position>, LlammaError> {
        let mut out = Vec::new();
        for &user in self.loans.keys() {
            let debt = self.debt(user, at.time)?;
            let ld = self.liquidation_discounts.get(&user).copied().unwrap_or(0);
            let health = self.health_with(user, debt, true, ld, at)?;
            if health < 0 {
                let (x, y) = self.amm.get_sum_xy(user)?;
                out.push(Position {
                    user,
                    x,
                    y,
                    debt,
                    health,
                });
            }
        }
        Ok(out)
    }

    // ----- hard liquidation -----

    /// Hard-liquidates the whole loan (`liquidate`); refuses unless its full health at its
    /// liquidation discount is negative, or if the bands hold less borrowed coin than `min_x`.
    pub fn liquidate(
        &mut self,
        liquidator: AgentId,
        user: AccountId,
        min_x: u128,
        at: OracleReading,
    ) -> Result<HardLiquidation, LlammaError> {
        self.liquidate_fraction(liquidator, user, min_x, WAD, at)
    }

    /// Hard-liquidates fraction `frac` (WAD) of the loan (`liquidate_extended` without a
    /// callback).
    pub fn liquidate_fraction(
        &mut self,
        liquidator: AgentId,
        user: AccountId,
        min_x: u128,
        frac: u128,
        at: OracleReading,
    ) -> Result<HardLiquidation, LlammaError> {
        let frac = frac.min(WAD);
        let debt_all = self.debt(user, at.time)?;
        if debt_all == 0 {
            return Err(LlammaError::NoLoan(user));
        }
        let health_limit = self.liquidation_discounts.get(&user).copied().unwrap_or(0);
        let health = self.health_with(user, debt_all, true, health_limit, at)?;
        if health >= 0 {
            return Err(LlammaError::NotEnoughRekt { health });
        }
        let debt = (ck(debt_all) * frac / WAD).u128("liquidated debt")?;
        if debt == 0 {
            return Err(LlammaError::ZeroDebt);
        }
        let final_debt = debt_all - debt;
        let f_remove = f_remove(frac, health_limit);
        let (x, y) = self.amm.withdraw_preview(user, f_remove)?;
        if x < min_x {
            return Err(LlammaError::Slippage { got: x, min: min_x });
        }
        let p_o = self.amm.price_oracle(at)?;
        let rate_mul = self.amm.rate_mul(at.time)?;
        let redeemed = self
            .redeemed
            .checked_add(debt)
            .ok_or(LlammaError::Arithmetic("redeemed"))?;
        let total = ck(self.total_debt.initial_debt) * rate_mul / self.total_debt.rate_mul;
        let total = total.u128("total debt")?.saturating_sub(debt);
        let (liquidator_pays, stablecoin_to_liquidator) = if debt > x {
            (debt - x, 0)
        } else {
            (0, x - debt)
        };
        let collateral_value =
            (ck(y) * self.amm.collateral_precision() * p_o / WAD / self.amm.borrowed_precision())
                .u128("collateral value")?;
        let shortfall = liquidator_pays.saturating_sub(collateral_value);
        // Commit.
        self.amm.withdraw(user, f_remove)?;
        self.redeemed = redeemed;
        if final_debt == 0 {
            self.loans.remove(&user);
            self.liquidation_discounts.remove(&user);
        } else {
            self.loans.insert(
                user,
                LoanRecord {
                    initial_debt: final_debt,
                    rate_mul,
                },
            );
        }
        self.total_debt = LoanRecord {
            initial_debt: total,
            rate_mul,
        };
        self.amm.events.push(LlammaEvent::Liquidate {
            liquidator,
            user,
            collateral_received: y,
            stablecoin_received: x,
            debt,
        });
        Ok(HardLiquidation {
            liquidator,
            user,
            health,
            debt_repaid: debt,
            stablecoin_from_bands: x,
            collateral_to_liquidator: y,
            liquidator_pays,
            stablecoin_to_liquidator,
            remaining_debt: final_debt,
            shortfall,
        })
    }
}

/// `_get_f_remove`: the share of the bands a partial liquidation of `frac` takes, slightly less
/// than `frac` so that the remaining loan's health improves.
fn f_remove(frac: u128, health_limit: u128) -> u128 {
    if frac >= WAD {
        return WAD;
    }
    // Both factors below 2e18: no overflow in u128.
    let f = (WAD + health_limit / 2) * (WAD - frac) / (WAD + health_limit);
    (f + frac) * frac / WAD
}
