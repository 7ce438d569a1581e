//! The scenario schema, in the units users think in, and its range checks.

pub use crate::lending_spec::MechanismSpec;
pub use crate::oracle_spec::OracleSpec;
pub use crate::pools_spec::{ArbGroup, PoolSpec};
use cascade_des::dist::Dist;
use serde::{Deserialize, Serialize};

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short name, used in output folder names and figure footers.
    pub name: String,
    /// Master seed (overridden by `--seed`).
    pub seed: u64,
    /// Simulated span, seconds.
    pub duration_s: f64,
    /// Tick and lot sizes.
    pub market: MarketUnits,
    /// The exogenous reference price.
    pub reference: ReferenceSpec,
    /// Trading venues (limit order books); one venue named `book` if absent.
    #[serde(default)]
    pub venues: Vec<VenueSpec>,
    /// AMM pools (Uniswap v2/v3), venues beside the books.
    #[serde(default)]
    pub pools: Vec<PoolSpec>,
    /// Arbitrageurs between pools and books.
    #[serde(default)]
    pub arbitrageurs: Vec<ArbGroup>,
    /// Market-maker groups.
    pub makers: Vec<MakerGroup>,
    /// The oracle the lending market reads.
    pub oracle: OracleSpec,
    /// Other oracles, computed and traced alongside (and usable as a fallback).
    #[serde(default)]
    pub oracles: Vec<OracleSpec>,
    /// Exogenous congestion (gas price, message rate) as knots `(seconds, level)`, linear in
    /// between; load-dependent latencies read it.
    #[serde(default)]
    pub congestion: Vec<(f64, f64)>,
    /// Lending market rules (Aave v3).
    pub lending: LendingSpec,
    /// The borrower population.
    pub accounts: AccountsSpec,
    /// Liquidator groups.
    pub liquidators: Vec<LiquidatorGroup>,
    /// Other order flow: noise, momentum, stop-loss and informed trader groups.
    #[serde(default)]
    pub traders: Vec<TraderGroup>,
    /// Interval between book snapshots in the trace, milliseconds.
    #[serde(default = "default_snapshot_ms")]
    pub snapshot_every_ms: f64,
    /// A perpetual-futures venue on one of the books, and its traders.
    #[serde(default)]
    pub perps: Option<crate::perps_spec::PerpsSpec>,
    /// Maker-style vaults with auctions and keepers, run alongside the lending market.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaults: Option<crate::vaults_spec::VaultsSpec>,
    /// Figures published about the event a scenario replays, printed beside the run's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub published: Vec<PublishedSpec>,
    /// Oracle manipulators: each pushes a thin venue down, liquidates with the liquidators it
    /// controls, and unwinds (see `attack_spec`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attackers: Vec<crate::attack_spec::AttackerSpec>,
    /// Sandwichers of liquidators' sales on pools (see `attack_spec`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sandwichers: Vec<crate::attack_spec::SandwicherSpec>,
    /// How liquidation calls reach the chain: as transactions in arrival order or by priority
    /// fee; absent, a call executes the moment its liquidator decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordering: Option<crate::tx_spec::OrderingSpec>,
    /// The same borrowers under Curve crvUSD's LLAMMA soft liquidation, compared with this
    /// market's Aave-style hard liquidation on the run's price path (see `soft_spec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_liquidation: Option<crate::soft_spec::SoftLiquidationSpec>,
}

/// A published figure about a real event, compared with the same figure of each run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedSpec {
    /// The run's figure to compare with: a number in `summary.json`, as a dotted path
    /// (`bad_debt`, `vaults.deficit`, `vaults.zero_bid_share`, `perps.adl_events`, ...).
    pub metric: String,
    /// The published value, in the unit of that summary field (shares as fractions: 0.36).
    pub value: f64,
    /// Unit, as printed (`DAI`, `USD`, `share`, ...).
    #[serde(default)]
    pub unit: String,
    /// Where it was published.
    pub source: String,
}

fn default_snapshot_ms() -> f64 {
    1_000.0
}

/// A trading venue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueSpec {
    /// Name, as other fields and the traces refer to it.
    pub name: String,
    /// This venue's own reference path, which its market makers and informed traders follow
    /// (the scenario's `reference` if absent): e.g. a venue-specific wick.
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
}

/// How a liquidator sells seized collateral.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RouteSpec {
    /// All of it on one venue.
    Venue(String),
    /// Across venues, each piece where it fetches the most.
    Split(Vec<String>),
    /// Spread over time: `slices` equal parts `every_s` seconds apart, each through `route`.
    Sliced {
        /// How each slice is sold.
        route: Box<RouteSpec>,
        /// Number of slices (at least 1).
        slices: u32,
        /// Seconds between slices.
        every_s: f64,
    },
    /// Keep the collateral: nothing is sold, and the capital spent on it does not come back.
    Hold,
    /// Send the collateral over a bridge and sell it on arrival through `to`.
    Bridge {
        /// How it is sold on arrival: `Venue(...)` or `Split([...])`.
        to: Box<RouteSpec>,
        /// Transfer time, milliseconds (drawn per transfer from the liquidator's own stream).
        latency_ms: Dist,
        /// Most collateral a liquidator may have in transit at once, base units (the rest
        /// waits, in order); no limit if absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_in_flight: Option<f64>,
    },
}

/// Units of the market.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketUnits {
    /// Quote currency per tick (e.g. 0.01 USD).
    pub tick_size: f64,
    /// Base asset per lot (e.g. 0.001 ETH).
    pub lot_size: f64,
}

/// The exogenous reference price: knots times an optional jump-diffusion factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// Interval between steps, milliseconds.
    pub step_ms: f64,
    /// `(seconds, price)` pairs, times non-decreasing; flat before the first and after the last.
    /// Give either knots or `klines`.
    #[serde(default)]
    pub knots: Vec<(f64, f64)>,
    /// Exchange bars from the data directory, bridged within each bar.
    #[serde(default)]
    pub klines: Option<KlineSpec>,
    /// A random factor multiplying the knots or bars.
    #[serde(default)]
    pub diffusion: Option<DiffusionSpec>,
}

/// Binance klines as the reference path: time 0 is the first selected bar's open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KlineSpec {
    /// File, relative to the data directory (`--data-dir`, `$CASCADE_DATA_DIR`,
    /// `../shared/data`).
    pub file: String,
    /// First bar kept: UTC time `YYYY-MM-DDTHH:MM[:SS]Z`.
    #[serde(default)]
    pub from: Option<String>,
    /// Bars opening at or after this UTC time are dropped.
    #[serde(default)]
    pub to: Option<String>,
    /// Bad-print threshold (0 keeps every print; see `cascade_scenario::klines`).
    #[serde(default = "default_bad_print_k")]
    pub bad_print_k: f64,
    /// Prices below this are raised to it (how other venues saw a venue-specific wick).
    #[serde(default)]
    pub clip_low: Option<f64>,
}

fn default_bad_print_k() -> f64 {
    8.0
}

/// Milliseconds since the epoch of a UTC time written `YYYY-MM-DDTHH:MM[:SS]Z`.
pub fn parse_utc_ms(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a UTC time like 2020-03-12T09:54:00Z");
    let body = s.strip_suffix('Z').ok_or_else(bad)?;
    let (date, time) = body.split_once('T').ok_or_else(bad)?;
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let ([y, m, day], [hh, mm, ss]) = (
        <[i64; 3]>::try_from(d).map_err(|_| bad())?,
        match t.as_slice() {
            [h, mi] => [*h, *mi, 0],
            [h, mi, se] => [*h, *mi, *se],
            _ => return Err(bad()),
        },
    );
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hh)
        || !(0..60).contains(&mm)
        || !(0..61).contains(&ss)
    {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1_000)
}

/// A jump-diffusion factor (annualised drift and volatility; jumps in log space), optionally
/// switching between regimes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffusionSpec {
    /// Annualised drift of the log price.
    #[serde(default)]
    pub drift_annual: f64,
    /// Annualised volatility (e.g. 0.8).
    pub sigma_annual: f64,
    /// Mean jumps per hour.
    #[serde(default)]
    pub jumps_per_hour: f64,
    /// Mean log jump (e.g. -0.02).
    #[serde(default)]
    pub jump_mean: f64,
    /// Standard deviation of the log jump.
    #[serde(default)]
    pub jump_std: f64,
    /// Mean time in this regime before switching, seconds (needed with `regimes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_stay_s: Option<f64>,
    /// Other regimes the factor switches to (a Markov chain in continuous time: exponential
    /// stays, then another regime, uniformly among the others); the fields above are the first
    /// regime, where the path starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimes: Vec<RegimeSpec>,
}

/// One more regime of a regime-switching reference factor.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeSpec {
    /// Annualised drift of the log price.
    #[serde(default)]
    pub drift_annual: f64,
    /// Annualised volatility.
    pub sigma_annual: f64,
    /// Mean jumps per hour.
    #[serde(default)]
    pub jumps_per_hour: f64,
    /// Mean log jump.
    #[serde(default)]
    pub jump_mean: f64,
    /// Standard deviation of the log jump.
    #[serde(default)]
    pub jump_std: f64,
    /// Mean time in this regime before switching, seconds.
    pub mean_stay_s: f64,
}

/// `count` identical market makers, each with its own random stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakerGroup {
    /// The venue they quote on (the first venue if absent).
    #[serde(default)]
    pub venue: Option<String>,
    /// How many.
    pub count: u32,
    /// Levels per side.
    pub levels: u32,
    /// Centre to best quote, basis points.
    pub half_spread_bps: f64,
    /// Between levels, basis points.
    pub level_spacing_bps: f64,
    /// Size of each level, base units.
    pub size_per_level: f64,
    /// Centre shift per base unit of excess inventory, basis points of price.
    pub skew_bps_per_unit: f64,
    /// Largest centre shift, fraction of price.
    pub max_skew: f64,
    /// Inventory aimed at, base units.
    pub target_inventory: f64,
    /// Risk limit: no bids beyond this inventory, base units.
    pub max_inventory: f64,
    /// Half-life of the excess under off-book hedging, seconds; absent: never hedges.
    #[serde(default)]
    pub hedge_half_life_s: Option<f64>,
    /// Re-quote latency, milliseconds.
    pub latency_ms: Dist,
    /// Response to realised volatility: wider, thinner, or withdrawn quotes; absent: none.
    #[serde(default)]
    pub stress: Option<StressSpec>,
    /// Starting cash, quote currency.
    pub cash: f64,
    /// Starting inventory, base units.
    pub inventory: f64,
}

/// How a market maker responds to the realised volatility of its venue's mid.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StressSpec {
    /// Half-life of the volatility estimate, seconds.
    pub vol_half_life_s: f64,
    /// Annualised volatility the normal quotes are meant for (e.g. 0.6).
    pub baseline_vol: f64,
    /// Relative widening of the half spread per unit of stress (volatility / baseline - 1).
    #[serde(default)]
    pub spread_per_stress: f64,
    /// Relative thinning of each level per unit of stress.
    #[serde(default)]
    pub depth_per_stress: f64,
    /// Volatility, as a multiple of the baseline, above which every quote is pulled.
    pub withdraw_above: f64,
    /// Levels restored per second once the volatility is back below that.
    pub refill_levels_per_s: f64,
}

/// At most `max_debt_usd` of debt repaid by liquidations within any `window_s` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidationCapSpec {
    /// Trailing window, seconds.
    pub window_s: f64,
    /// Debt repaid allowed in the window, USD.
    pub max_debt_usd: f64,
}

/// The lending market: its liquidation mechanism (Aave v3 by default) and Aave's parameters, as
/// fractions and USD. The Aave fields are required with Aave and refused with another
/// mechanism (see `lending_spec`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LendingSpec {
    /// The liquidation rule: `Aave` (default), `Morpho(lltv: ..)` or `Compound(..)`.
    #[serde(default, skip_serializing_if = "MechanismSpec::is_aave")]
    pub mechanism: MechanismSpec,
    /// Liquidation threshold (0.83).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_threshold: Option<f64>,
    /// Liquidation bonus as a multiplier (1.05).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_bonus: Option<f64>,
    /// Protocol's share of the bonus (0.10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_fee: Option<f64>,
    /// Close factor (0.5).
    #[serde(default = "default_close_factor")]
    pub close_factor: f64,
    /// Collateral and debt at or above this get the close factor, USD (2,000).
    #[serde(default = "default_close_factor_min")]
    pub close_factor_min_usd: f64,
    /// Below this health factor the whole debt may be repaid at once (Aave v3: 0.95; 0: the
    /// close factor always applies, as in Aave v2 and Compound v2).
    #[serde(default = "default_full_close_below_hf")]
    pub full_close_below_hf: f64,
    /// A cap on the debt liquidations may repay in any trailing window (dYdX-style per-window
    /// liquidation caps, mechanisms.md §9); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidation_cap: Option<LiquidationCapSpec>,
    /// Aave only: a liquidation bonus that grows as the health factor falls (Aave v4, Euler;
    /// mechanisms.md §9); `liquidation_bonus` is ignored when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_ramp: Option<crate::lending_spec::BonusRampSpec>,
    /// Aave only: a liquidation threshold lowered in steps when realised volatility rises
    /// (mechanisms.md §9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vol_threshold: Option<crate::lending_spec::VolThresholdSpec>,
    /// Minimum leftover of a partial liquidation, USD (1,000).
    #[serde(default = "default_min_leftover")]
    pub min_leftover_usd: f64,
    /// Borrowers' deleverage bots (DeFi Saver- or Instadapp-style automated repay); none by
    /// default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleverage: Option<crate::lending_spec::DeleverageSpec>,
}

pub(crate) fn default_close_factor() -> f64 {
    0.5
}
pub(crate) fn default_close_factor_min() -> f64 {
    2_000.0
}
pub(crate) fn default_full_close_below_hf() -> f64 {
    0.95
}

pub(crate) fn default_min_leftover() -> f64 {
    1_000.0
}

/// Borrowers: `count` drawn from distributions, then any read from a position file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSpec {
    /// How many accounts to draw.
    #[serde(default)]
    pub count: u32,
    /// Collateral per drawn account, base units (a draw is capped at a value of 1% of
    /// `MAX_ATOMS` quote atoms at the starting price). Required when `count > 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral: Option<Dist>,
    /// Health factor of a drawn account at the starting price (must stay above 1). Required
    /// when `count > 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_factor: Option<Dist>,
    /// Positions read from a CSV file in the data directory (`collateral,debt` per line, see
    /// `cascade_scenario::positions`), numbered after the drawn accounts; each must start
    /// healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// `count` identical liquidators, each with its own random stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiquidatorGroup {
    /// How they sell seized collateral (all of it on the first venue if absent).
    #[serde(default)]
    pub route: Option<RouteSpec>,
    /// How many.
    pub count: u32,
    /// Starting cash, quote currency.
    pub cash: f64,
    /// Reaction latency, milliseconds.
    pub latency_ms: Dist,
    /// Cost of one liquidation transaction, USD.
    pub gas_usd: f64,
    /// Smallest expected profit worth a transaction, USD.
    pub min_profit_usd: f64,
    /// Re-check interval while accounts stay liquidatable, seconds.
    pub poll_s: f64,
    /// Delay from deciding to the transaction's arrival, milliseconds (needs `ordering`;
    /// 0 if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_latency_ms: Option<Dist>,
    /// Priority fee per transaction (needs `ordering`; none if absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_fee: Option<crate::tx_spec::PriorityFeeSpec>,
}

/// A group of order-flow traders (see `cascade_agents::flow`). `venue` defaults to the first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum TraderGroup {
    /// Market orders at Poisson times.
    Noise {
        /// Venue name.
        #[serde(default)]
        venue: Option<String>,
        /// How many.
        count: u32,
        /// Mean orders per minute, each.
        orders_per_minute: f64,
        /// Order size, base units.
        size: Dist,
        /// Probability that an order buys.
        #[serde(default = "half")]
        buy_probability: f64,
        /// Starting cash each, USD.
        cash: f64,
        /// Starting inventory each, base units.
        inventory: f64,
    },
    /// Trend followers.
    Momentum {
        /// Venue name.
        #[serde(default)]
        venue: Option<String>,
        /// How many.
        count: u32,
        /// Seconds between looks.
        interval_s: f64,
        /// Seconds back they compare with.
        lookback_s: f64,
        /// Smallest relative move they trade on.
        threshold: f64,
        /// Size per trade, base units.
        size: f64,
        /// Starting cash each, USD.
        cash: f64,
        /// Starting inventory each, base units.
        inventory: f64,
    },
    /// Holders with stop-loss orders.
    StopLoss {
        /// Venue name.
        #[serde(default)]
        venue: Option<String>,
        /// How many.
        count: u32,
        /// Stop price as a fraction below the starting price, each drawn (e.g. `Uniform(lo:
        /// 0.03, hi: 0.15)`).
        stop_below: Dist,
        /// Holding each, base units.
        holding: Dist,
        /// Reaction delay once the stop is hit, milliseconds.
        latency_ms: Dist,
    },
    /// Traders who know the reference price and trade the venue toward it.
    Informed {
        /// Venue name.
        #[serde(default)]
        venue: Option<String>,
        /// How many.
        count: u32,
        /// Reaction delay to a reference move, milliseconds.
        latency_ms: Dist,
        /// Relative distance from the reference beyond which they trade.
        threshold: f64,
        /// Largest order, base units.
        max_size: f64,
        /// Half-life of unwinding inventory off-venue, seconds.
        unwind_half_life_s: f64,
        /// Starting cash each, USD.
        cash: f64,
        /// Starting inventory each, base units (also the level they unwind to).
        inventory: f64,
    },
}

fn half() -> f64 {
    0.5
}

impl TraderGroup {
    /// The venue named, if any.
    pub fn venue(&self) -> Option<&str> {
        match self {
            TraderGroup::Noise { venue, .. }
            | TraderGroup::Momentum { venue, .. }
            | TraderGroup::StopLoss { venue, .. }
            | TraderGroup::Informed { venue, .. } => venue.as_deref(),
        }
    }

    /// How many traders.
    pub fn count(&self) -> u32 {
        match self {
            TraderGroup::Noise { count, .. }
            | TraderGroup::Momentum { count, .. }
            | TraderGroup::StopLoss { count, .. }
            | TraderGroup::Informed { count, .. } => *count,
        }
    }

    fn validate(&self, f: &str, m: &MarketUnits) -> Check {
        let money = |cash: f64, inventory: f64| -> Check {
            non_negative(&format!("{f}.cash"), cash)?;
            non_negative(&format!("{f}.inventory"), inventory)?;
            fits(&format!("{f}.cash"), cash, m, false)?;
            fits(&format!("{f}.inventory"), inventory, m, true)
        };
        match self {
            TraderGroup::Noise {
                orders_per_minute,
                size,
                buy_probability,
                cash,
                inventory,
                ..
            } => {
                non_negative(&format!("{f}.orders_per_minute"), *orders_per_minute)?;
                dist(&format!("{f}.size"), size)?;
                within(
                    &format!("{f}.buy_probability"),
                    *buy_probability,
                    0.0,
                    1.0,
                    false,
                    false,
                )?;
                money(*cash, *inventory)
            }
            TraderGroup::Momentum {
                interval_s,
                lookback_s,
                threshold,
                size,
                cash,
                inventory,
                ..
            } => {
                positive(&format!("{f}.interval_s"), *interval_s)?;
                positive(&format!("{f}.lookback_s"), *lookback_s)?;
                non_negative(&format!("{f}.threshold"), *threshold)?;
                positive(&format!("{f}.size"), *size)?;
                money(*cash, *inventory)
            }
            TraderGroup::StopLoss {
                stop_below,
                holding,
                latency_ms,
                ..
            } => {
                dist(&format!("{f}.stop_below"), stop_below)?;
                let (_, hi) = stop_below.support();
                if hi >= 1.0 {
                    return fail(
                        format!("{f}.stop_below"),
                        format!(
                            "a fraction below the starting price must stay under 1, but reaches {hi}"
                        ),
                    );
                }
                dist(&format!("{f}.holding"), holding)?;
                dist(&format!("{f}.latency_ms"), latency_ms)
            }
            TraderGroup::Informed {
                latency_ms,
                threshold,
                max_size,
                unwind_half_life_s,
                cash,
                inventory,
                ..
            } => {
                dist(&format!("{f}.latency_ms"), latency_ms)?;
                within(&format!("{f}.threshold"), *threshold, 0.0, 1.0, false, true)?;
                positive(&format!("{f}.max_size"), *max_size)?;
                positive(&format!("{f}.unwind_half_life_s"), *unwind_half_life_s)?;
                money(*cash, *inventory)
            }
        }
    }
}

pub(crate) type Check = Result<(), (String, String)>;

pub(crate) fn fail(field: impl Into<String>, message: impl Into<String>) -> Check {
    Err((field.into(), message.into()))
}

pub(crate) fn positive(field: &str, v: f64) -> Check {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        fail(field, format!("must be a finite number > 0, got {v}"))
    }
}

pub(crate) fn non_negative(field: &str, v: f64) -> Check {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        fail(field, format!("must be a finite number >= 0, got {v}"))
    }
}

pub(crate) fn within(field: &str, v: f64, lo: f64, hi: f64, lo_open: bool, hi_open: bool) -> Check {
    let above = if lo_open { v > lo } else { v >= lo };
    let below = if hi_open { v < hi } else { v <= hi };
    if v.is_finite() && above && below {
        Ok(())
    } else {
        let l = if lo_open { "(" } else { "[" };
        let h = if hi_open { ")" } else { "]" };
        fail(field, format!("must be in {l}{lo}, {hi}{h}, got {v}"))
    }
}

/// Most accounts a scenario may hold.
pub const MAX_ACCOUNTS: u32 = 10_000_000;
/// Most agents of one kind (market makers, liquidators).
pub const MAX_AGENTS: u64 = 10_000;
/// Most quote levels per side of one market maker.
pub const MAX_LEVELS: u32 = 10_000;

/// Largest amount, in integer atoms or lots, a scenario may give one holder: 1e18 keeps sums of
/// many holders inside the simulator's 64-bit balances.
pub const MAX_ATOMS: f64 = 1e18;

/// Checks that `v` (in base units if `lot`, quote currency otherwise) fits the integer units.
pub(crate) fn fits(field: &str, v: f64, m: &MarketUnits, base: bool) -> Check {
    let unit = if base {
        m.lot_size
    } else {
        m.tick_size * m.lot_size
    };
    if v / unit > MAX_ATOMS {
        let max = MAX_ATOMS * unit;
        return fail(
            field,
            format!(
                "{v} is too large for the market's units (at most {max:e} with tick {} and lot {})",
                m.tick_size, m.lot_size
            ),
        );
    }
    Ok(())
}

pub(crate) fn dist(field: &str, d: &Dist) -> Check {
    d.check().or_else(|m| fail(field, m))
}

impl Scenario {
    /// Range-checks every field; the error is `(field path, message)`.
    pub fn validate(&self) -> Check {
        if self.name.trim().is_empty() {
            return fail("name", "must not be empty");
        }
        positive("duration_s", self.duration_s)?;
        positive("market.tick_size", self.market.tick_size)?;
        positive("market.lot_size", self.market.lot_size)?;
        positive("snapshot_every_ms", self.snapshot_every_ms)?;
        self.validate_reference()?;
        let makers: u64 = self.makers.iter().map(|m| u64::from(m.count)).sum();
        if makers > MAX_AGENTS {
            return fail(
                "makers",
                format!("{makers} market makers in all; at most {MAX_AGENTS}"),
            );
        }
        let liquidators: u64 = self.liquidators.iter().map(|l| u64::from(l.count)).sum();
        if liquidators > MAX_AGENTS {
            return fail(
                "liquidators",
                format!("{liquidators} liquidators in all; at most {MAX_AGENTS}"),
            );
        }
        if self.accounts.count > MAX_ACCOUNTS {
            return fail(
                "accounts.count",
                format!(
                    "must be at most {MAX_ACCOUNTS}, got {}",
                    self.accounts.count
                ),
            );
        }
        if self.makers.iter().all(|m| m.count == 0) {
            return fail("makers", "needs at least one market maker (count > 0)");
        }
        for (i, m) in self.makers.iter().enumerate() {
            let f = format!("makers[{i}]");
            m.validate(&f, self.market.lot_size)?;
            fits(&format!("{f}.cash"), m.cash, &self.market, false)?;
            for (name, v) in [
                ("inventory", m.inventory),
                ("size_per_level", m.size_per_level),
                ("target_inventory", m.target_inventory),
                ("max_inventory", m.max_inventory),
            ] {
                fits(&format!("{f}.{name}"), v, &self.market, true)?;
            }
        }
        self.validate_venues()?;
        self.validate_oracles()?;
        self.lending.validate(&self.market)?;
        if let Some(d) = &self.lending.deleverage {
            d.validate(&self.market)?;
        }
        self.accounts.validate()?;
        if let Some(o) = &self.ordering {
            o.validate()?;
        }
        for (i, l) in self.liquidators.iter().enumerate() {
            let f = format!("liquidators[{i}]");
            l.validate(&f)?;
            crate::tx_spec::validate_group(&f, l, self.ordering.as_ref(), &self.market)?;
            for (name, v) in [
                ("cash", l.cash),
                ("gas_usd", l.gas_usd),
                ("min_profit_usd", l.min_profit_usd),
            ] {
                fits(&format!("{f}.{name}"), v, &self.market, false)?;
            }
        }
        let traders: u64 = self.traders.iter().map(|t| u64::from(t.count())).sum();
        if traders > u64::from(MAX_ACCOUNTS) {
            return fail(
                "traders",
                format!("{traders} traders in all; at most {MAX_ACCOUNTS}"),
            );
        }
        for (i, t) in self.traders.iter().enumerate() {
            t.validate(&format!("traders[{i}]"), &self.market)?;
        }
        fits(
            "lending.close_factor_min_usd",
            self.lending.close_factor_min_usd,
            &self.market,
            false,
        )?;
        fits(
            "lending.min_leftover_usd",
            self.lending.min_leftover_usd,
            &self.market,
            false,
        )?;
        if let Some(c) = &self.lending.liquidation_cap {
            positive("lending.liquidation_cap.window_s", c.window_s)?;
            positive("lending.liquidation_cap.max_debt_usd", c.max_debt_usd)?;
            fits(
                "lending.liquidation_cap.max_debt_usd",
                c.max_debt_usd,
                &self.market,
                false,
            )?;
        }
        if let Some(p) = &self.perps {
            p.validate(self)?;
        }
        if let Some(v) = &self.vaults {
            v.validate(&self.venue_names(), &self.market)?;
        }
        for (i, p) in self.published.iter().enumerate() {
            let f = format!("published[{i}]");
            let path_ok = !p.metric.is_empty()
                && p.metric.split('.').all(|seg| {
                    !seg.is_empty()
                        && seg
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                });
            if !path_ok {
                return fail(
                    format!("{f}.metric"),
                    format!(
                        "`{}` is not a dotted path of summary.json fields (e.g. vaults.deficit)",
                        p.metric
                    ),
                );
            }
            if !p.value.is_finite() {
                return fail(format!("{f}.value"), "must be a finite number");
            }
            if p.source.trim().is_empty() {
                return fail(
                    format!("{f}.source"),
                    "must say where the figure was published",
                );
            }
        }
        if let Some(s) = &self.soft_liquidation {
            s.validate(
                self.duration_s,
                self.lending.mechanism.is_aave(),
                &self.market,
            )?;
            if s.path == crate::SoftPathSpec::Loop && self.lending.deleverage.is_some() {
                return fail(
                    "soft_liquidation.path",
                    "Loop compares LLAMMA with this run's own liquidations; with \
                     lending.deleverage the run's sales are not hard liquidation alone (remove \
                     one of the two)",
                );
            }
        }
        crate::attack_spec::validate(self)
    }

    /// Every oracle with its field path: the market's first.
    pub fn all_oracles(&self) -> impl Iterator<Item = (String, &OracleSpec)> {
        std::iter::once(("oracle".to_string(), &self.oracle)).chain(
            self.oracles
                .iter()
                .enumerate()
                .map(|(i, o)| (format!("oracles[{i}]"), o)),
        )
    }

    fn validate_oracles(&self) -> Check {
        crate::oracle_spec::validate_congestion(&self.congestion)?;
        let names: Vec<&str> = self.all_oracles().map(|(_, o)| o.name.as_str()).collect();
        for (i, (f, o)) in self.all_oracles().enumerate() {
            o.validate(&f)?;
            if names[..i].contains(&o.name.as_str()) {
                return fail(format!("{f}.name"), format!("`{}` is used twice", o.name));
            }
            if let Some(fb) = &o.fallback
                && (!names.contains(&fb.secondary.as_str()) || fb.secondary == o.name)
            {
                return fail(
                    format!("{f}.fallback.secondary"),
                    format!(
                        "no other oracle named `{}`; oracles: {}",
                        fb.secondary,
                        names.join(", ")
                    ),
                );
            }
        }
        Ok(())
    }

    /// The venue names, the default one if none are given.
    pub fn venue_names(&self) -> Vec<String> {
        if self.venues.is_empty() {
            vec!["book".to_string()]
        } else {
            self.venues.iter().map(|v| v.name.clone()).collect()
        }
    }

    fn validate_venues(&self) -> Check {
        let names = self.venue_names();
        for (i, n) in names.iter().enumerate() {
            if n.trim().is_empty() || n.contains(',') {
                return fail(
                    format!("venues[{i}].name"),
                    "must be non-empty and without commas",
                );
            }
            if names[..i].contains(n) {
                return fail(format!("venues[{i}].name"), format!("`{n}` is used twice"));
            }
        }
        for (i, v) in self.venues.iter().enumerate() {
            if let Some(r) = &v.reference {
                r.validate(&format!("venues[{i}].reference"))?;
            }
        }
        let pools: Vec<&str> = self.pools.iter().map(|p| p.name.as_str()).collect();
        let p0 = self.reference.knots.first().map(|k| k.1);
        for (i, p) in self.pools.iter().enumerate() {
            p.validate(&format!("pools[{i}]"), p0)?;
            if names.contains(&p.name) || pools[..i].contains(&p.name.as_str()) {
                return fail(
                    format!("pools[{i}].name"),
                    format!("`{}` is already a venue or pool name", p.name),
                );
            }
        }
        let known = |field: String, n: &str| {
            if names.iter().any(|x| x == n) {
                Ok(())
            } else {
                fail(
                    field,
                    format!("no venue named `{n}`; venues: {}", names.join(", ")),
                )
            }
        };
        let known_pool = |field: String, n: &str| {
            if pools.contains(&n) {
                Ok(())
            } else {
                fail(
                    field,
                    format!("no pool named `{n}`; pools: {}", pools.join(", ")),
                )
            }
        };
        // Sales may go to books and pools alike.
        let known_venue = |field: String, n: &str| {
            if pools.contains(&n) {
                Ok(())
            } else {
                known(field, n)
            }
        };
        for (i, a) in self.arbitrageurs.iter().enumerate() {
            let f = format!("arbitrageurs[{i}]");
            a.validate(&f, &self.market)?;
            known_pool(format!("{f}.pool"), &a.pool)?;
            if let Some(b) = &a.book {
                known(format!("{f}.book"), b)?;
            }
        }
        for (i, m) in self.makers.iter().enumerate() {
            if let Some(v) = &m.venue {
                known(format!("makers[{i}].venue"), v)?;
            }
        }
        for (i, t) in self.traders.iter().enumerate() {
            if let Some(v) = t.venue() {
                known(format!("traders[{i}].venue"), v)?;
            }
        }
        for (f, o) in self.all_oracles() {
            for (k, s) in o.sources.iter().enumerate() {
                if let Some(v) = s.venue() {
                    known(format!("{f}.sources[{k}].read"), v)?;
                }
                if let crate::oracle_spec::ReadSpec::Pool(p) = &s.read {
                    known_pool(format!("{f}.sources[{k}].read"), p)?;
                }
            }
        }
        for (i, l) in self.liquidators.iter().enumerate() {
            if let Some(r) = &l.route {
                let mut stack = vec![(format!("liquidators[{i}].route"), r)];
                while let Some((f, r)) = stack.pop() {
                    match r {
                        RouteSpec::Venue(v) => known_venue(f, v)?,
                        RouteSpec::Split(vs) => {
                            if vs.is_empty() {
                                return fail(f, "a split needs at least one venue");
                            }
                            for v in vs {
                                known_venue(f.clone(), v)?;
                            }
                        }
                        RouteSpec::Sliced {
                            route,
                            slices,
                            every_s,
                        } => {
                            if *slices == 0 {
                                return fail(format!("{f}.slices"), "must be at least 1");
                            }
                            positive(&format!("{f}.every_s"), *every_s)?;
                            crate::tx_spec::validate_sliced_inner(&f, route)?;
                            stack.push((format!("{f}.route"), route));
                        }
                        RouteSpec::Hold => {}
                        RouteSpec::Bridge {
                            to,
                            latency_ms,
                            max_in_flight,
                        } => {
                            crate::tx_spec::validate_bridge(
                                &f,
                                to,
                                latency_ms,
                                *max_in_flight,
                                &self.market,
                            )?;
                            stack.push((format!("{f}.to"), to));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn validate_reference(&self) -> Check {
        self.reference.validate("reference")
    }
}

impl ReferenceSpec {
    /// Range-checks a reference path; `f` is its field path.
    pub(crate) fn validate(&self, f: &str) -> Check {
        let r = self;
        positive(&format!("{f}.step_ms"), r.step_ms)?;
        if let Some(k) = &r.klines {
            if !r.knots.is_empty() {
                return fail(f, "give either knots or klines, not both");
            }
            if k.file.trim().is_empty() {
                return fail(
                    format!("{f}.klines.file"),
                    "must name a file in the data directory",
                );
            }
            let from = k
                .from
                .as_deref()
                .map(parse_utc_ms)
                .transpose()
                .or_else(|e| fail(format!("{f}.klines.from"), e).map(|_| None))?;
            let to =
                k.to.as_deref()
                    .map(parse_utc_ms)
                    .transpose()
                    .or_else(|e| fail(format!("{f}.klines.to"), e).map(|_| None))?;
            if from.zip(to).is_some_and(|(f, t)| t <= f) {
                return fail(format!("{f}.klines.to"), "must come after `from`");
            }
            non_negative(&format!("{f}.klines.bad_print_k"), k.bad_print_k)?;
            if let Some(c) = k.clip_low {
                positive(&format!("{f}.klines.clip_low"), c)?;
            }
        } else if r.knots.is_empty() {
            return fail(
                format!("{f}.knots"),
                "needs at least one (seconds, price) knot",
            );
        }
        let mut prev = 0.0;
        for (i, &(t, p)) in r.knots.iter().enumerate() {
            non_negative(&format!("{f}.knots[{i}].0 (time)"), t)?;
            positive(&format!("{f}.knots[{i}].1 (price)"), p)?;
            if t < prev {
                return fail(
                    format!("{f}.knots[{i}].0 (time)"),
                    format!("times must not decrease: {t} s comes after {prev} s"),
                );
            }
            prev = t;
        }
        if let Some(d) = &r.diffusion {
            let f = format!("{f}.diffusion");
            check_jump_diffusion(&f, &d.jump_diffusion())?;
            if !d.regimes.is_empty() {
                match d.mean_stay_s {
                    None => {
                        return fail(
                            format!("{f}.mean_stay_s"),
                            "needed with regimes: the mean time in the first regime, seconds",
                        );
                    }
                    Some(m) => positive(&format!("{f}.mean_stay_s"), m)?,
                }
            }
            for (i, g) in d.regimes.iter().enumerate() {
                let f = format!("{f}.regimes[{i}]");
                check_jump_diffusion(&f, &g.jump_diffusion())?;
                positive(&format!("{f}.mean_stay_s"), g.mean_stay_s)?;
            }
        }
        Ok(())
    }
}

/// Range checks of a jump-diffusion's fields, named under `f`.
fn check_jump_diffusion(f: &str, d: &cascade_agents::JumpDiffusion) -> Check {
    if !d.drift_annual.is_finite() {
        return fail(format!("{f}.drift_annual"), "must be finite");
    }
    non_negative(&format!("{f}.sigma_annual"), d.sigma_annual)?;
    non_negative(&format!("{f}.jumps_per_hour"), d.jumps_per_hour)?;
    if !d.jump_mean.is_finite() {
        return fail(format!("{f}.jump_mean"), "must be finite");
    }
    non_negative(&format!("{f}.jump_std"), d.jump_std)
}

impl DiffusionSpec {
    /// The top-level (first) regime's dynamics.
    pub fn jump_diffusion(&self) -> cascade_agents::JumpDiffusion {
        cascade_agents::JumpDiffusion {
            drift_annual: self.drift_annual,
            sigma_annual: self.sigma_annual,
            jumps_per_hour: self.jumps_per_hour,
            jump_mean: self.jump_mean,
            jump_std: self.jump_std,
        }
    }
}

impl RegimeSpec {
    /// This regime's dynamics.
    pub fn jump_diffusion(&self) -> cascade_agents::JumpDiffusion {
        cascade_agents::JumpDiffusion {
            drift_annual: self.drift_annual,
            sigma_annual: self.sigma_annual,
            jumps_per_hour: self.jumps_per_hour,
            jump_mean: self.jump_mean,
            jump_std: self.jump_std,
        }
    }
}

impl MakerGroup {
    fn validate(&self, f: &str, lot: f64) -> Check {
        if self.count > 0 && !(1..=MAX_LEVELS).contains(&self.levels) {
            return fail(
                format!("{f}.levels"),
                format!("must be in [1, {MAX_LEVELS}], got {}", self.levels),
            );
        }
        non_negative(&format!("{f}.half_spread_bps"), self.half_spread_bps)?;
        non_negative(&format!("{f}.level_spacing_bps"), self.level_spacing_bps)?;
        positive(&format!("{f}.size_per_level"), self.size_per_level)?;
        if self.size_per_level < lot {
            return fail(
                format!("{f}.size_per_level"),
                format!("{} is below one lot ({lot})", self.size_per_level),
            );
        }
        non_negative(&format!("{f}.skew_bps_per_unit"), self.skew_bps_per_unit)?;
        within(
            &format!("{f}.max_skew"),
            self.max_skew,
            0.0,
            1.0,
            false,
            true,
        )?;
        non_negative(&format!("{f}.target_inventory"), self.target_inventory)?;
        if !(self.max_inventory.is_finite() && self.max_inventory >= self.target_inventory) {
            return fail(
                format!("{f}.max_inventory"),
                format!(
                    "must be a finite number >= target_inventory ({}), got {}",
                    self.target_inventory, self.max_inventory
                ),
            );
        }
        if let Some(h) = self.hedge_half_life_s {
            positive(&format!("{f}.hedge_half_life_s"), h)?;
        }
        dist(&format!("{f}.latency_ms"), &self.latency_ms)?;
        if let Some(s) = &self.stress {
            let g = format!("{f}.stress");
            positive(&format!("{g}.vol_half_life_s"), s.vol_half_life_s)?;
            positive(&format!("{g}.baseline_vol"), s.baseline_vol)?;
            non_negative(&format!("{g}.spread_per_stress"), s.spread_per_stress)?;
            non_negative(&format!("{g}.depth_per_stress"), s.depth_per_stress)?;
            within(
                &format!("{g}.withdraw_above"),
                s.withdraw_above,
                1.0,
                f64::MAX,
                false,
                false,
            )?;
            non_negative(&format!("{g}.refill_levels_per_s"), s.refill_levels_per_s)?;
        }
        non_negative(&format!("{f}.cash"), self.cash)?;
        non_negative(&format!("{f}.inventory"), self.inventory)
    }
}

impl AccountsSpec {
    fn validate(&self) -> Check {
        if let Some(c) = &self.collateral {
            dist("accounts.collateral", c)?;
        }
        if let Some(hf) = &self.health_factor {
            dist("accounts.health_factor", hf)?;
            let (lo, _) = hf.support();
            if lo <= 1.0 {
                return fail(
                    "accounts.health_factor",
                    format!(
                        "every account must start healthy, so the distribution must stay above 1, \
                         but it reaches {lo} (use Uniform, Constant or Empirical with values > 1)"
                    ),
                );
            }
        }
        if self.count > 0 {
            for (name, d) in [
                ("collateral", self.collateral.is_none()),
                ("health_factor", self.health_factor.is_none()),
            ] {
                if d {
                    return fail(
                        format!("accounts.{name}"),
                        format!("needed to draw {} accounts (count > 0)", self.count),
                    );
                }
            }
        }
        if let Some(f) = &self.file
            && f.trim().is_empty()
        {
            return fail("accounts.file", "must name a file in the data directory");
        }
        Ok(())
    }
}

impl LiquidatorGroup {
    fn validate(&self, f: &str) -> Check {
        non_negative(&format!("{f}.cash"), self.cash)?;
        dist(&format!("{f}.latency_ms"), &self.latency_ms)?;
        non_negative(&format!("{f}.gas_usd"), self.gas_usd)?;
        non_negative(&format!("{f}.min_profit_usd"), self.min_profit_usd)?;
        positive(&format!("{f}.poll_s"), self.poll_s)
    }
}
