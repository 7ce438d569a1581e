//! The lending market's liquidation mechanism in a scenario: `lending.mechanism` selects Aave v3
//! (the default, parameterised by the `lending` fields), Morpho Blue or Compound III.
//!
//! ```ron
//! lending: (mechanism: Morpho(lltv: 0.86)),
//! lending: (mechanism: Compound(
//!     borrow_collateral_factor: 0.825,
//!     liquidate_collateral_factor: 0.895,
//!     liquidation_factor: 0.95,
//!     store_front_price_factor: 0.5,
//!     target_reserves_usd: 5000000.0,
//!     reserves_usd: 1000000.0,
//! )),
//! ```
//!
//! Fractions become the protocols' fixed point at six decimals (Morpho's LLTV and Comet's
//! factors are WAD; Comet keeps four decimals of the asset factors, as it does on chain). The
//! borrower population draws each account's health factor against the mechanism's liquidation
//! threshold (Aave's LT, Morpho's LLTV, Comet's liquidate collateral factor), so the same seed
//! gives the same collateral and the same trigger prices up to rounding under every mechanism.
//!
//! `lending.deleverage` ([`DeleverageSpec`]) gives a share of the borrowers deleverage bots
//! (DeFi Saver- or Instadapp-style automated repay): near the liquidation price they sell
//! collateral and repay debt up to a target health factor.
//!
//! ```ron
//! lending: (
//!     liquidation_threshold: 0.83, liquidation_bonus: 1.05, protocol_fee: 0.10,
//!     deleverage: (
//!         share: 0.5, trigger_buffer: 0.05, target_health_factor: 1.3, watch: Market,
//!         latency_ms: LogNormal(median: 2000.0, sigma: 0.5), gas_usd: 2.0, min_sale: 0.01,
//!     ),
//! ),
//! ```

use crate::schema::{Check, LendingSpec, MarketUnits, fail, fits, non_negative, within};
use cascade_des::RngStreams;
use cascade_des::dist::Dist;
use cascade_engine::{DeleverageConfig, DeleverageWatch};
use cascade_risk::LiquidationMechanism;
use cascade_risk::aave::AaveParams;
use cascade_risk::compound::CometParams;
use cascade_risk::mechanism::{
    AdaptiveAave, BonusRamp, Compound, Morpho, SignedQuote, VolThreshold,
};
use cascade_types::{AccountId, Bps, MarketSpec};
use serde::{Deserialize, Serialize};

/// Which liquidation rule the lending market runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum MechanismSpec {
    /// Aave v3.3+, with the `lending` fields (`liquidation_threshold`, `liquidation_bonus`,
    /// `protocol_fee`, close factor and dust settings).
    #[default]
    Aave,
    /// Morpho Blue: liquidatable above `lltv` loan-to-value, incentive
    /// `min(1.15, 1 / (0.3 * lltv + 0.7))`, no close factor, bad debt socialised at once.
    Morpho {
        /// Liquidation loan-to-value, in (0, 1) (0.86 for the usual ETH/USDC market).
        lltv: f64,
    },
    /// Compound III (Comet): absorption into reserves and a store-front sale at
    /// `store_front_price_factor x (1 - liquidation_factor)` below the oracle price while
    /// reserves are below target.
    Compound {
        /// Borrowing limit, below `liquidate_collateral_factor` (0.825 for WETH in cUSDCv3).
        borrow_collateral_factor: f64,
        /// Liquidatable when debt exceeds collateral value times this (0.895).
        liquidate_collateral_factor: f64,
        /// Share of the collateral value credited on absorption (0.95: a 5% penalty).
        liquidation_factor: f64,
        /// Share of the penalty given to buyers as a discount (0.5).
        store_front_price_factor: f64,
        /// Collateral is for sale while reserves are below this, USD (5,000,000).
        target_reserves_usd: f64,
        /// Reserves at the start, USD (may be negative).
        reserves_usd: f64,
    },
}

impl MechanismSpec {
    /// `true` for the default, Aave.
    pub fn is_aave(&self) -> bool {
        matches!(self, MechanismSpec::Aave)
    }

    /// The variant's name, as written in the file.
    pub fn name(&self) -> &'static str {
        match self {
            MechanismSpec::Aave => "Aave",
            MechanismSpec::Morpho { .. } => "Morpho",
            MechanismSpec::Compound { .. } => "Compound",
        }
    }
}

/// A liquidation bonus ramp: `min_bonus` at HF 1, rising linearly to `max_bonus` at
/// `full_at_hf` (multipliers, as `liquidation_bonus`: 1.02 = +2%).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusRampSpec {
    /// The bonus at HF 1 (1.02).
    pub min_bonus: f64,
    /// The bonus at and below `full_at_hf` (1.10).
    pub max_bonus: f64,
    /// Where the ramp ends, a health factor below 1 (0.9).
    pub full_at_hf: f64,
}

/// A volatility-indexed liquidation threshold, reviewed every `review_every_s`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolThresholdSpec {
    /// Trailing window of oracle returns, seconds.
    pub window_s: f64,
    /// Annualised volatility at or below which the threshold is `liquidation_threshold`.
    pub reference_vol: f64,
    /// Relative threshold cut per unit of annualised volatility above the reference.
    pub sensitivity: f64,
    /// The lowest threshold (fraction).
    pub min_threshold: f64,
    /// The largest change per review (fraction, absolute: 0.03).
    pub max_step: f64,
    /// Time between reviews, seconds.
    pub review_every_s: f64,
}

/// Which price deleverage bots watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WatchSpec {
    /// The first venue's mid: bots see the market before the oracle.
    Market,
    /// The market oracle's published price.
    Oracle,
}

/// Borrowers' deleverage bots (`lending.deleverage`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleverageSpec {
    /// Fraction of accounts running a bot, in [0, 1], drawn per account from the stream
    /// `deleverage/<account>`.
    pub share: f64,
    /// A bot acts when the watched price is at or below the account's liquidation price times
    /// `1 + trigger_buffer`; in [0, 1].
    pub trigger_buffer: f64,
    /// The health factor a deleverage restores at the watched price, in (1, 10].
    pub target_health_factor: f64,
    /// `Market` (the first venue's mid) or `Oracle` (the published price).
    pub watch: WatchSpec,
    /// From entering the buffer to the bot's transaction, ms.
    pub latency_ms: Dist,
    /// Gas per deleverage transaction, USD.
    pub gas_usd: f64,
    /// The smallest sale worth a transaction, base units.
    pub min_sale: f64,
    /// The furthest below the watched price a sale may fill (fraction, e.g. 0.02): the sale
    /// is then a limit (IOC) order at `watched x (1 - max_slippage)`; none: a market order.
    #[serde(default)]
    pub max_slippage: Option<f64>,
}

impl DeleverageSpec {
    /// Range-checks every field, naming it as `lending.deleverage.<field>`.
    pub(crate) fn validate(&self, market: &MarketUnits) -> Check {
        let f = "lending.deleverage";
        within(&format!("{f}.share"), self.share, 0.0, 1.0, false, false)?;
        within(
            &format!("{f}.trigger_buffer"),
            self.trigger_buffer,
            0.0,
            1.0,
            false,
            false,
        )?;
        within(
            &format!("{f}.target_health_factor"),
            self.target_health_factor,
            1.0,
            10.0,
            true,
            false,
        )?;
        crate::schema::dist(&format!("{f}.latency_ms"), &self.latency_ms)?;
        non_negative(&format!("{f}.gas_usd"), self.gas_usd)?;
        fits(&format!("{f}.gas_usd"), self.gas_usd, market, false)?;
        non_negative(&format!("{f}.min_sale"), self.min_sale)?;
        fits(&format!("{f}.min_sale"), self.min_sale, market, true)?;
        if let Some(s) = self.max_slippage {
            within(&format!("{f}.max_slippage"), s, 0.0, 1.0, true, true)?;
        }
        Ok(())
    }

    /// The engine's configuration: which of `accounts` accounts run a bot (one uniform draw
    /// each from `deleverage/<account>`), the buffer in basis points, the target in WAD, gas in
    /// quote atoms (down) and the minimum sale in lots (up, at least one).
    pub(crate) fn build(&self, seed: u64, accounts: usize, spec: &MarketSpec) -> DeleverageConfig {
        let streams = RngStreams::new(seed);
        let unit = Dist::Uniform { lo: 0.0, hi: 1.0 };
        let bots = (0..accounts as u32)
            .filter(|&i| unit.sample(&mut streams.stream("deleverage", u64::from(i))) < self.share)
            .map(AccountId)
            .collect();
        DeleverageConfig {
            bots,
            trigger_buffer: bps(self.trigger_buffer),
            target_health_factor: wad(self.target_health_factor),
            watch: match self.watch {
                WatchSpec::Market => DeleverageWatch::Market,
                WatchSpec::Oracle => DeleverageWatch::Oracle,
            },
            latency_ms: self.latency_ms.clone(),
            gas: spec.quote_floor(self.gas_usd),
            min_sale: cascade_types::Lots(((self.min_sale / spec.lot_size).ceil() as u64).max(1)),
            max_slippage: self.max_slippage.map(bps),
        }
    }
}

/// A fraction in WAD, rounded to six decimals.
fn wad(fraction: f64) -> u128 {
    (fraction * 1e6).round() as u128 * 1_000_000_000_000
}

fn bps(fraction: f64) -> Bps {
    Bps((fraction * 10_000.0).round() as u32)
}

impl LendingSpec {
    /// Range-checks the lending part: the Aave fields for Aave (and their absence otherwise),
    /// the mechanism's own fields for the others.
    pub(crate) fn validate(&self, market: &MarketUnits) -> Check {
        let m = "lending.mechanism";
        match self.mechanism {
            MechanismSpec::Aave => self.validate_aave(),
            MechanismSpec::Morpho { lltv } => {
                self.no_aave_fields()?;
                within(&format!("{m}.lltv"), lltv, 0.0, 1.0, true, true)?;
                if wad(lltv) == 0 || wad(lltv) >= cascade_risk::WAD {
                    return fail(
                        format!("{m}.lltv"),
                        format!(
                            "{lltv} rounds to {} at six decimals",
                            wad(lltv) as f64 / 1e18
                        ),
                    );
                }
                Ok(())
            }
            MechanismSpec::Compound {
                borrow_collateral_factor: bcf,
                liquidate_collateral_factor: lcf,
                liquidation_factor: lf,
                store_front_price_factor: sf,
                target_reserves_usd,
                reserves_usd,
            } => {
                self.no_aave_fields()?;
                within(
                    &format!("{m}.liquidate_collateral_factor"),
                    lcf,
                    0.0,
                    1.0,
                    true,
                    false,
                )?;
                within(
                    &format!("{m}.borrow_collateral_factor"),
                    bcf,
                    0.0,
                    lcf,
                    true,
                    true,
                )
                .or_else(|_| {
                    fail(
                        format!("{m}.borrow_collateral_factor"),
                        format!(
                            "must be in (0, liquidate_collateral_factor = {lcf}) (Comet's \
                                 BorrowCFTooLarge), got {bcf}"
                        ),
                    )
                })?;
                within(
                    &format!("{m}.liquidation_factor"),
                    lf,
                    0.0,
                    1.0,
                    true,
                    false,
                )?;
                within(
                    &format!("{m}.store_front_price_factor"),
                    sf,
                    0.0,
                    1.0,
                    false,
                    false,
                )?;
                non_negative(&format!("{m}.target_reserves_usd"), target_reserves_usd)?;
                fits(
                    &format!("{m}.target_reserves_usd"),
                    target_reserves_usd,
                    market,
                    false,
                )?;
                if !reserves_usd.is_finite() {
                    return fail(
                        format!("{m}.reserves_usd"),
                        format!("must be a finite number, got {reserves_usd}"),
                    );
                }
                fits(
                    &format!("{m}.reserves_usd"),
                    reserves_usd.abs(),
                    market,
                    false,
                )?;
                self.comet(&MarketSpec {
                    tick_size: market.tick_size,
                    lot_size: market.lot_size,
                })
                .map(|_| ())
                .map_err(|e| (format!("{m}.borrow_collateral_factor"), e.to_string()))
            }
        }
    }

    fn validate_aave(&self) -> Check {
        let required = |field: &str, v: Option<f64>| match v {
            Some(v) => Ok(v),
            None => Err((
                format!("lending.{field}"),
                "required by the Aave mechanism (the default `lending.mechanism`)".to_string(),
            )),
        };
        let lt = required("liquidation_threshold", self.liquidation_threshold)?;
        let lb = required("liquidation_bonus", self.liquidation_bonus)?;
        let fee = required("protocol_fee", self.protocol_fee)?;
        within("lending.liquidation_threshold", lt, 0.0, 1.0, true, true)?;
        within("lending.liquidation_bonus", lb, 1.0, 2.0, false, true)?;
        if lt * lb > 1.0 + 1e-12 {
            return fail(
                "lending.liquidation_bonus",
                format!(
                    "liquidation_threshold x liquidation_bonus must not exceed 1 (Aave's \
                     configurator rule), got {lt} x {lb} = {}",
                    lt * lb
                ),
            );
        }
        within("lending.protocol_fee", fee, 0.0, 1.0, false, false)?;
        within(
            "lending.close_factor",
            self.close_factor,
            0.0,
            1.0,
            true,
            false,
        )?;
        non_negative("lending.close_factor_min_usd", self.close_factor_min_usd)?;
        within(
            "lending.full_close_below_hf",
            self.full_close_below_hf,
            0.0,
            1.0,
            false,
            false,
        )?;
        non_negative("lending.min_leftover_usd", self.min_leftover_usd)?;
        if let Some(r) = &self.bonus_ramp {
            let f = "lending.bonus_ramp";
            within(
                &format!("{f}.min_bonus"),
                r.min_bonus,
                1.0,
                2.0,
                false,
                true,
            )?;
            within(
                &format!("{f}.max_bonus"),
                r.max_bonus,
                1.0,
                2.0,
                false,
                true,
            )?;
            if r.max_bonus < r.min_bonus {
                return fail(
                    format!("{f}.max_bonus"),
                    format!("{} is below min_bonus {}", r.max_bonus, r.min_bonus),
                );
            }
            if lt * r.max_bonus > 1.0 + 1e-12 {
                return fail(
                    format!("{f}.max_bonus"),
                    format!(
                        "liquidation_threshold x max_bonus must not exceed 1 (Aave's configurator \
                         rule), got {lt} x {} = {}",
                        r.max_bonus,
                        lt * r.max_bonus
                    ),
                );
            }
            within(
                &format!("{f}.full_at_hf"),
                r.full_at_hf,
                0.0,
                1.0,
                false,
                true,
            )?;
        }
        if let Some(v) = &self.vol_threshold {
            let f = "lending.vol_threshold";
            crate::schema::positive(&format!("{f}.window_s"), v.window_s)?;
            non_negative(&format!("{f}.reference_vol"), v.reference_vol)?;
            non_negative(&format!("{f}.sensitivity"), v.sensitivity)?;
            within(
                &format!("{f}.min_threshold"),
                v.min_threshold,
                0.0,
                lt,
                true,
                false,
            )?;
            within(&format!("{f}.max_step"), v.max_step, 0.0, 1.0, true, false)?;
            if bps(v.max_step).0 == 0 {
                return fail(format!("{f}.max_step"), "must be at least 0.0001");
            }
            crate::schema::positive(&format!("{f}.review_every_s"), v.review_every_s)?;
        }
        Ok(())
    }

    /// Other mechanisms refuse the Aave fields rather than ignore them.
    fn no_aave_fields(&self) -> Check {
        use crate::schema::{
            default_close_factor, default_close_factor_min, default_full_close_below_hf,
            default_min_leftover,
        };
        let given = [
            (
                "liquidation_threshold",
                self.liquidation_threshold.is_some(),
            ),
            ("liquidation_bonus", self.liquidation_bonus.is_some()),
            ("protocol_fee", self.protocol_fee.is_some()),
            ("close_factor", self.close_factor != default_close_factor()),
            (
                "close_factor_min_usd",
                self.close_factor_min_usd != default_close_factor_min(),
            ),
            (
                "full_close_below_hf",
                self.full_close_below_hf != default_full_close_below_hf(),
            ),
            (
                "min_leftover_usd",
                self.min_leftover_usd != default_min_leftover(),
            ),
            ("bonus_ramp", self.bonus_ramp.is_some()),
            ("vol_threshold", self.vol_threshold.is_some()),
        ];
        match given.iter().find(|(_, g)| *g) {
            Some((field, _)) => fail(
                format!("lending.{field}"),
                format!(
                    "applies to the Aave mechanism only, but lending.mechanism is {}",
                    self.mechanism.name()
                ),
            ),
            None => Ok(()),
        }
    }

    fn comet(
        &self,
        spec: &MarketSpec,
    ) -> Result<Compound, cascade_risk::compound::CometConfigError> {
        let MechanismSpec::Compound {
            borrow_collateral_factor,
            liquidate_collateral_factor,
            liquidation_factor,
            store_front_price_factor,
            target_reserves_usd,
            reserves_usd,
        } = self.mechanism
        else {
            unreachable!("only called for Compound");
        };
        let factor = |f: f64| wad(f) as u64;
        let params = CometParams::new(
            factor(borrow_collateral_factor),
            factor(liquidate_collateral_factor),
            factor(liquidation_factor),
            factor(store_front_price_factor),
            spec.quote_floor(target_reserves_usd),
        )?;
        let magnitude = i128::from(spec.quote_floor(reserves_usd.abs()).0);
        Ok(Compound {
            params,
            initial_reserves: SignedQuote(if reserves_usd < 0.0 {
                -magnitude
            } else {
                magnitude
            }),
        })
    }

    /// The mechanism in the market's integer units, and the liquidation threshold the borrower
    /// population draws health factors against. The spec must have been validated.
    pub(crate) fn build(&self, spec: &MarketSpec) -> (Box<dyn LiquidationMechanism>, f64) {
        let usd = |v: f64| spec.quote_floor(v);
        match self.mechanism {
            MechanismSpec::Aave => {
                let params = AaveParams {
                    liquidation_threshold: bps(self.liquidation_threshold.unwrap_or_default()),
                    liquidation_bonus: bps(self.liquidation_bonus.unwrap_or_default()),
                    protocol_fee: bps(self.protocol_fee.unwrap_or_default()),
                    close_factor: bps(self.close_factor),
                    close_factor_min_base: usd(self.close_factor_min_usd),
                    min_leftover_base: usd(self.min_leftover_usd),
                    full_close_below_hf: (self.full_close_below_hf * 1e18).round() as u128,
                };
                let lt = params.liquidation_threshold.as_f64();
                if self.bonus_ramp.is_none() && self.vol_threshold.is_none() {
                    return (Box::new(params), lt);
                }
                let secs = |s: f64| cascade_types::SimDuration::from_secs_f64(s);
                let ramp = self.bonus_ramp.map(|r| BonusRamp {
                    min_bonus: bps(r.min_bonus),
                    max_bonus: bps(r.max_bonus),
                    full_at_hf: (r.full_at_hf * 1e18).round() as u128,
                });
                let vol = self.vol_threshold.map(|v| VolThreshold {
                    window: secs(v.window_s),
                    reference_vol: v.reference_vol,
                    sensitivity: v.sensitivity,
                    min_threshold: bps(v.min_threshold),
                    max_step: bps(v.max_step),
                    review_every: secs(v.review_every_s),
                });
                (Box::new(AdaptiveAave::new(params, ramp, vol)), lt)
            }
            MechanismSpec::Morpho { lltv } => {
                let m = Morpho::new(wad(lltv)).expect("a validated LLTV");
                let lt = m.lltv() as f64 / 1e18;
                (Box::new(m), lt)
            }
            MechanismSpec::Compound { .. } => {
                let c = self.comet(spec).expect("validated Comet factors");
                let lt = c.params.liquidate_collateral_factor as f64 / 1e18;
                (Box::new(c), lt)
            }
        }
    }
}
