//! The `soft_liquidation` section: the same borrowers under Curve crvUSD's LLAMMA soft
//! liquidation, compared with the scenario's Aave-style hard liquidation on the run's price
//! path (see `cascade_llamma::population` and `docs/scenarios.md`).
//!
//! ```ron
//! soft_liquidation: (
//!     A: 100,                    // band width 1/A (crvUSD's ETH markets: 100)
//!     bands: 10,                 // bands per loan, 4..=50
//!     fee: 0.006,                // LLAMMA's static fee, [0, 0.1]
//!     loan_discount: 0.09,       // largest loan (ETH markets: 9%)
//!     liquidation_discount: 0.06,// hard liquidation below (ETH markets: 6%)
//!     oracle_ema_s: 866.0,       // LLAMMA's oracle: an EMA of the market price (crvUSD: 866 s)
//!     step_s: 12.0,              // one arbitrage (and one liquidation check) per step
//!     path: Reference,           // or Engine: the run's book mid and published oracle; or
//!                                // Loop: LLAMMA inside the engine (see below)
//!     keeper: (cash: 20000000.0, gas_usd: 5.0, min_profit_usd: 1.0), // Loop only
//! ),
//! ```
//!
//! With `path: Loop` the comparison is between two runs of the engine on the same scenario and
//! seed: this run (the lending market's hard liquidations, their sales in the book) and a run
//! whose accounts are loans in one LLAMMA, arbitraged and hard-liquidated by a keeper that
//! trades against the first venue's book (`cascade_engine::llamma`): both designs' sales move
//! the prices both see.
//!
//! Sources: the curve-stablecoin whitepaper and `reference/mechanisms.md` §5 (N bands with
//! 4 ≤ N ≤ 50, band width 1/A); crvUSD's factory limits (2 ≤ A ≤ 10,000, fee ≤ 10%,
//! 1% ≤ liquidation discount < loan discount ≤ 50%).

use crate::schema::{Check, MarketUnits, fail, fits, non_negative, positive, within};
use serde::{Deserialize, Serialize};

/// The price path the comparison runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SoftPathSpec {
    /// The exogenous reference price: market, hard-liquidation oracle, and (smoothed) LLAMMA
    /// oracle. Nothing of the engine's liquidations is in it.
    #[default]
    Reference,
    /// What the engine's run realised: the first venue's mid as the market (the reference
    /// where the book was one-sided), the published oracle for the hard liquidations, the
    /// mid's EMA for LLAMMA. The engine's own hard liquidations pushed this path down.
    Engine,
    /// No fixed path: LLAMMA runs inside a second run of the engine, its keeper's sales in the
    /// same book, against this run's own hard liquidations.
    Loop,
}

/// The LLAMMA market's keeper under `path: Loop`: it arbitrages the bands against the first
/// venue's book and hard-liquidates loans below the health limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftKeeperSpec {
    /// Its stablecoin, USD.
    pub cash: f64,
    /// Gas per transaction, USD.
    #[serde(default = "default_gas")]
    pub gas_usd: f64,
    /// Smallest profit it acts for, USD.
    #[serde(default = "default_min_profit")]
    pub min_profit_usd: f64,
}

impl Default for SoftKeeperSpec {
    fn default() -> Self {
        SoftKeeperSpec {
            cash: 20_000_000.0,
            gas_usd: default_gas(),
            min_profit_usd: default_min_profit(),
        }
    }
}

fn default_gas() -> f64 {
    5.0
}
fn default_min_profit() -> f64 {
    1.0
}

/// LLAMMA's parameters and the comparison's path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftLiquidationSpec {
    /// Amplification `A`: each band is `1/A` wide.
    #[serde(rename = "A")]
    pub a: u32,
    /// Bands per loan, 4..=50.
    pub bands: u32,
    /// LLAMMA's static fee, a fraction.
    #[serde(default = "default_fee")]
    pub fee: f64,
    /// The Controller's loan discount (sets the largest loan).
    #[serde(default = "default_loan_discount")]
    pub loan_discount: f64,
    /// The Controller's liquidation discount (hard liquidation below zero health).
    #[serde(default = "default_liquidation_discount")]
    pub liquidation_discount: f64,
    /// Time constant of LLAMMA's oracle, an exponential moving average of the market price,
    /// seconds (0: the market price itself; crvUSD's `ma_exp_time` is 866 s, a 10-minute
    /// half-life).
    #[serde(default = "default_ema_s")]
    pub oracle_ema_s: f64,
    /// Time between two arbitrage trades and liquidation checks, seconds.
    #[serde(default = "default_step_s")]
    pub step_s: f64,
    /// Which path both designs see.
    #[serde(default)]
    pub path: SoftPathSpec,
    /// The keeper of the LLAMMA market under `path: Loop`.
    #[serde(default)]
    pub keeper: SoftKeeperSpec,
}

fn default_fee() -> f64 {
    0.006
}
fn default_loan_discount() -> f64 {
    0.09
}
fn default_liquidation_discount() -> f64 {
    0.06
}
fn default_ema_s() -> f64 {
    866.0
}
fn default_step_s() -> f64 {
    12.0
}

impl SoftLiquidationSpec {
    pub(crate) fn validate(&self, duration_s: f64, aave: bool, market: &MarketUnits) -> Check {
        let f = "soft_liquidation";
        if !aave {
            return fail(
                f,
                "compares LLAMMA with the Aave-style rule: lending.mechanism must be Aave",
            );
        }
        if !(2..=10_000).contains(&self.a) {
            return fail(
                format!("{f}.A"),
                format!("must be in 2..=10000, got {}", self.a),
            );
        }
        if !(4..=50).contains(&self.bands) {
            return fail(
                format!("{f}.bands"),
                format!("must be in 4..=50, got {}", self.bands),
            );
        }
        within(&format!("{f}.fee"), self.fee, 0.0, 0.1, false, false)?;
        within(
            &format!("{f}.liquidation_discount"),
            self.liquidation_discount,
            0.01,
            0.5,
            false,
            true,
        )?;
        within(
            &format!("{f}.loan_discount"),
            self.loan_discount,
            0.01,
            0.5,
            true,
            false,
        )?;
        if self.loan_discount <= self.liquidation_discount {
            return fail(
                format!("{f}.loan_discount"),
                format!(
                    "must exceed liquidation_discount ({}), got {}",
                    self.liquidation_discount, self.loan_discount
                ),
            );
        }
        within(
            &format!("{f}.oracle_ema_s"),
            self.oracle_ema_s,
            0.0,
            86_400.0,
            false,
            false,
        )?;
        positive(&format!("{f}.step_s"), self.step_s)?;
        positive(&format!("{f}.keeper.cash"), self.keeper.cash)?;
        fits(&format!("{f}.keeper.cash"), self.keeper.cash, market, false)?;
        non_negative(&format!("{f}.keeper.gas_usd"), self.keeper.gas_usd)?;
        fits(
            &format!("{f}.keeper.gas_usd"),
            self.keeper.gas_usd,
            market,
            false,
        )?;
        non_negative(
            &format!("{f}.keeper.min_profit_usd"),
            self.keeper.min_profit_usd,
        )?;
        fits(
            &format!("{f}.keeper.min_profit_usd"),
            self.keeper.min_profit_usd,
            market,
            false,
        )?;
        if self.step_s > duration_s {
            return fail(
                format!("{f}.step_s"),
                format!(
                    "must be at most duration_s ({duration_s}), got {}",
                    self.step_s
                ),
            );
        }
        Ok(())
    }
}
