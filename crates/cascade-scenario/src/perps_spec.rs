//! The perp part of a scenario: a perpetual-futures venue on one of the books (rules preset,
//! margin tiers, insurance fund, backstop vault, ADL), its trader population drawn from seeded
//! distributions, and the oracle that gives the mark; range checks naming the field, and the
//! conversion to the engine's [`PerpsConfig`].

use crate::schema::{
    Check, MAX_ACCOUNTS, MAX_ATOMS, MarketUnits, Scenario, fail, non_negative, positive, within,
};
use cascade_des::RngStreams;
use cascade_des::dist::{self, Dist};
use cascade_engine::{PerpAccountConfig, PerpsConfig, VaultUnwind};
use cascade_perp::{AdlPrice, AdlRanking, MarginTable, Ratio, TableError, VenueParams};
use cascade_types::{Bps, MarketSpec, Quote, SimDuration, Ticks};
use serde::{Deserialize, Serialize};

/// A perpetual-futures venue and its traders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerpsSpec {
    /// The book the perpetual trades on (the first venue if absent).
    #[serde(default)]
    pub venue: Option<String>,
    /// The oracle whose publications are the mark (the scenario's `oracle` if absent).
    #[serde(default)]
    pub mark_oracle: Option<String>,
    /// The venue's rules.
    pub rules: RulesSpec,
    /// Margin tiers (the preset's BTC tiers if absent).
    #[serde(default)]
    pub margin_tiers: Option<TiersSpec>,
    /// How ADL ranks opposite positions (the preset's if absent).
    #[serde(default)]
    pub adl_ranking: Option<AdlRankingSpec>,
    /// The price ADL closes at (the bankruptcy price if absent).
    #[serde(default)]
    pub adl_price: Option<AdlPriceSpec>,
    /// The insurance fund's starting balance, USD.
    #[serde(default)]
    pub insurance_fund_usd: f64,
    /// The backstop (liquidator) vault; absent: none.
    #[serde(default)]
    pub backstop: Option<BackstopSpec>,
    /// Liquidation orders are IOC orders limited to this fraction through the mark; absent:
    /// market orders.
    #[serde(default)]
    pub liquidation_slippage: Option<f64>,
    /// Delay from a mark publication to the clearinghouse acting on it, milliseconds.
    #[serde(default = "no_latency")]
    pub latency_ms: Dist,
    /// The traders.
    pub accounts: PerpAccountsSpec,
}

fn no_latency() -> Dist {
    Dist::Constant(0.0)
}

/// A venue's rules.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum RulesSpec {
    /// Hyperliquid: 20% partial liquidation above 100k USDC with a 30 s cooldown, no fee,
    /// remaining margin stays with the trader, backstop below 2/3 of maintenance, ADL ranked by
    /// `(mark / entry) * (notional / account value)`; BTC tiers 40x up to 150M, then 20x.
    Hyperliquid,
    /// Bybit: whole positions, a taker fee on liquidation fills to the venue, what the close
    /// makes above the bankruptcy price to the insurance fund, ADL ranked by PnL% x effective
    /// leverage; a flat 0.5% maintenance rate by default.
    Bybit {
        /// The taker fee, fraction (0.00055 = 0.055%).
        taker_fee: f64,
    },
}

/// Margin tiers: rows of `(lower bound of the notional in USD, ...)`, the first at 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TiersSpec {
    /// Hyperliquid style: the tier's max leverage; maintenance is half its initial margin.
    Leverage(Vec<(f64, u32)>),
    /// Binance/Bybit style: the tier's maintenance rate (a fraction, to 1e-6).
    Maintenance(Vec<(f64, f64)>),
}

/// ADL rankings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AdlRankingSpec {
    /// `(mark / entry) * (notional / account value)`, positions in profit first.
    Hyperliquid,
    /// `PnL% * effective leverage`.
    Bybit,
    /// `PnL% * margin ratio`.
    Binance,
}

/// ADL prices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AdlPriceSpec {
    /// The bankrupt position's bankruptcy price: no deficit is left.
    Bankruptcy,
    /// The mark: the deficit goes to the insurance fund, then bad debt.
    Mark,
}

/// The backstop vault.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackstopSpec {
    /// Its capital, USD.
    pub capital_usd: f64,
    /// It takes over scopes whose equity is below this fraction of maintenance (2/3 if absent).
    #[serde(default)]
    pub below: Option<f64>,
    /// How it unwinds what it took over; absent: it holds it.
    #[serde(default)]
    pub unwind: Option<UnwindSpec>,
}

/// The vault's unwinding orders.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnwindSpec {
    /// Seconds between orders.
    pub every_s: f64,
    /// Share of the position per order, fraction.
    pub share: f64,
    /// Each order is an IOC limited to this fraction through the mark.
    pub slippage: f64,
}

/// The traders, one position each, drawn from their own streams `perp-account/i`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerpAccountsSpec {
    /// How many.
    pub count: u32,
    /// Probability that an account is long.
    pub long_share: f64,
    /// Notional at the start price, USD (at least one lot).
    pub notional_usd: Dist,
    /// Leverage at the start price (notional over equity); bounded by the first tier.
    pub leverage: Dist,
    /// Entry price as a fraction of the start price (1.0 if absent).
    #[serde(default = "at_start")]
    pub entry: Dist,
}

fn at_start() -> Dist {
    Dist::Constant(1.0)
}

/// Hyperliquid's mainnet BTC tiers (hyperliquid.gitbook.io "Margin tiers"): 40x up to 150M
/// USDC, then 20x.
const HL_BTC_TIERS: [(f64, u32); 2] = [(0.0, 40), (150_000_000.0, 20)];

/// Bybit BTCUSDT's first risk-limit tier: 0.5% maintenance.
const BYBIT_DEFAULT_MMR: f64 = 0.005;

/// Rates of `Maintenance` tiers are kept to this denominator.
const RATE_DEN: u64 = 1_000_000;

fn table_error(e: TableError) -> (Option<usize>, String) {
    let row = match e {
        TableError::BoundsNotIncreasing(i)
        | TableError::RateDecreasing(i)
        | TableError::RateAboveOne(i)
        | TableError::ZeroLeverage(i) => Some(i),
        TableError::Empty | TableError::FirstBoundNotZero | TableError::BadDenominator => None,
    };
    (row, e.to_string())
}

impl PerpsSpec {
    /// The margin table, with the quote atoms per USD of the market; the error names the row.
    fn table(&self, m: &MarketUnits) -> Result<MarginTable, (Option<usize>, String)> {
        let atoms = |usd: f64| Quote((usd / (m.tick_size * m.lot_size)).floor() as u64);
        match &self.margin_tiers {
            Some(TiersSpec::Leverage(rows)) => {
                let rows: Vec<(Quote, u32)> = rows.iter().map(|&(b, l)| (atoms(b), l)).collect();
                MarginTable::hyperliquid(&rows).map_err(table_error)
            }
            Some(TiersSpec::Maintenance(rows)) => {
                let rows: Vec<(Quote, u64)> = rows
                    .iter()
                    .map(|&(b, r)| (atoms(b), (r * RATE_DEN as f64).round() as u64))
                    .collect();
                MarginTable::new(RATE_DEN, &rows).map_err(table_error)
            }
            None => match self.rules {
                RulesSpec::Hyperliquid => {
                    let rows: Vec<(Quote, u32)> =
                        HL_BTC_TIERS.iter().map(|&(b, l)| (atoms(b), l)).collect();
                    MarginTable::hyperliquid(&rows).map_err(table_error)
                }
                RulesSpec::Bybit { .. } => MarginTable::new(
                    RATE_DEN,
                    &[(Quote(0), (BYBIT_DEFAULT_MMR * RATE_DEN as f64) as u64)],
                )
                .map_err(table_error),
            },
        }
    }

    /// The highest leverage an account may start with: the first tier's max leverage, or
    /// (for maintenance-rate tiers) just under one over its rate.
    fn max_leverage(table: &MarginTable) -> (f64, bool) {
        let t = &table.tiers()[0];
        match t.max_leverage {
            Some(l) => (f64::from(l), true),
            None => (table.den() as f64 / t.mmr_num.max(1) as f64, false),
        }
    }

    /// Range-checks the section against the scenario's venues, oracles and units.
    pub(crate) fn validate(&self, s: &Scenario) -> Check {
        let f = "perps";
        let venues = s.venue_names();
        if let Some(v) = &self.venue
            && !venues.contains(v)
        {
            return fail(
                format!("{f}.venue"),
                format!("no venue named `{v}`; venues: {}", venues.join(", ")),
            );
        }
        let oracles: Vec<String> = s.all_oracles().map(|(_, o)| o.name.clone()).collect();
        if let Some(o) = &self.mark_oracle
            && !oracles.contains(o)
        {
            return fail(
                format!("{f}.mark_oracle"),
                format!("no oracle named `{o}`; oracles: {}", oracles.join(", ")),
            );
        }
        if let RulesSpec::Bybit { taker_fee } = self.rules {
            within(
                &format!("{f}.rules.taker_fee"),
                taker_fee,
                0.0,
                0.1,
                false,
                false,
            )?;
        }
        let m = &s.market;
        match &self.margin_tiers {
            Some(TiersSpec::Leverage(rows)) => {
                for (i, &(b, _)) in rows.iter().enumerate() {
                    money(&format!("{f}.margin_tiers[{i}].0 (lower bound)"), b, m)?;
                }
            }
            Some(TiersSpec::Maintenance(rows)) => {
                for (i, &(b, r)) in rows.iter().enumerate() {
                    money(&format!("{f}.margin_tiers[{i}].0 (lower bound)"), b, m)?;
                    within(
                        &format!("{f}.margin_tiers[{i}].1 (rate)"),
                        r,
                        0.0,
                        1.0,
                        true,
                        true,
                    )?;
                }
            }
            None => {}
        }
        let table = match self.table(m) {
            Ok(t) => t,
            Err((row, msg)) => {
                let at = row.map_or(String::new(), |i| format!("[{i}]"));
                return fail(format!("{f}.margin_tiers{at}"), msg);
            }
        };
        money(
            &format!("{f}.insurance_fund_usd"),
            self.insurance_fund_usd,
            m,
        )?;
        if let Some(b) = &self.backstop {
            money(&format!("{f}.backstop.capital_usd"), b.capital_usd, m)?;
            if let Some(below) = b.below {
                within(&format!("{f}.backstop.below"), below, 0.0, 1.0, true, false)?;
            }
            if let Some(u) = &b.unwind {
                positive(&format!("{f}.backstop.unwind.every_s"), u.every_s)?;
                within(
                    &format!("{f}.backstop.unwind.share"),
                    u.share,
                    0.0,
                    1.0,
                    true,
                    false,
                )?;
                within(
                    &format!("{f}.backstop.unwind.slippage"),
                    u.slippage,
                    0.0,
                    1.0,
                    false,
                    true,
                )?;
            }
        }
        if let Some(x) = self.liquidation_slippage {
            within(
                &format!("{f}.liquidation_slippage"),
                x,
                0.0,
                1.0,
                false,
                true,
            )?;
        }
        self.latency_ms
            .check()
            .or_else(|e| fail(format!("{f}.latency_ms"), e))?;
        let a = &self.accounts;
        let g = format!("{f}.accounts");
        if a.count > MAX_ACCOUNTS {
            return fail(
                format!("{g}.count"),
                format!("must be at most {MAX_ACCOUNTS}, got {}", a.count),
            );
        }
        within(
            &format!("{g}.long_share"),
            a.long_share,
            0.0,
            1.0,
            false,
            false,
        )?;
        for (name, d) in [
            ("notional_usd", &a.notional_usd),
            ("leverage", &a.leverage),
            ("entry", &a.entry),
        ] {
            d.check().or_else(|e| fail(format!("{g}.{name}"), e))?;
        }
        let (lo, hi) = a.leverage.support();
        let (cap, inclusive) = Self::max_leverage(&table);
        if lo <= 0.0 || hi > cap || (!inclusive && hi >= cap) {
            return fail(
                format!("{g}.leverage"),
                format!(
                    "must stay in (0, {cap}] (the first margin tier's {}), but spans [{lo}, {hi}]{}",
                    if inclusive {
                        format!("max leverage {cap}x")
                    } else {
                        format!("maintenance rate 1/{cap}: an account must start above it")
                    },
                    if hi.is_finite() {
                        ""
                    } else {
                        " (use a bounded distribution: Uniform, Constant or Empirical)"
                    }
                ),
            );
        }
        let (lo, _) = a.entry.support();
        if lo <= 0.0 {
            return fail(
                format!("{g}.entry"),
                format!("a fraction of the start price must stay above 0, but reaches {lo}"),
            );
        }
        Ok(())
    }

    /// The engine's configuration; the section must have been validated. `p0` is the start
    /// price, `market_oracle` the name of the scenario's `oracle`.
    pub(crate) fn build(
        &self,
        s: &Scenario,
        seed: u64,
        p0: Ticks,
        venue_index: &dyn Fn(&str) -> usize,
        oracle_index: &dyn Fn(&str) -> usize,
    ) -> PerpsConfig {
        let m = &s.market;
        let spec = MarketSpec {
            tick_size: m.tick_size,
            lot_size: m.lot_size,
        };
        let usd = |v: f64| spec.quote_floor(v);
        let mut rules = match self.rules {
            RulesSpec::Hyperliquid => VenueParams::hyperliquid(usd(1.0)),
            RulesSpec::Bybit { taker_fee } => VenueParams::bybit(Ratio::new(
                (taker_fee * RATE_DEN as f64).round() as u64,
                RATE_DEN,
            )),
        };
        rules.backstop_below = self.backstop.map(|b| match b.below {
            Some(x) => Ratio::new((x * RATE_DEN as f64).round() as u64, RATE_DEN),
            None => Ratio::new(2, 3),
        });
        if let Some(r) = self.adl_ranking {
            rules.adl_ranking = match r {
                AdlRankingSpec::Hyperliquid => AdlRanking::Hyperliquid,
                AdlRankingSpec::Bybit => AdlRanking::Bybit,
                AdlRankingSpec::Binance => AdlRanking::Binance,
            };
        }
        if let Some(p) = self.adl_price {
            rules.adl_price = match p {
                AdlPriceSpec::Bankruptcy => AdlPrice::Bankruptcy,
                AdlPriceSpec::Mark => AdlPrice::Mark,
            };
        }
        let bps = |x: f64| Bps((x * 10_000.0).round() as u32);
        PerpsConfig {
            venue: self.venue.as_deref().map_or(0, venue_index),
            mark_oracle: oracle_index(self.mark_oracle.as_deref().unwrap_or(&s.oracle.name)),
            rules,
            margin: self.table(m).expect("validated margin tiers"),
            insurance_fund: usd(self.insurance_fund_usd),
            vault_capital: self.backstop.map_or(Quote(0), |b| usd(b.capital_usd)),
            vault_unwind: self.backstop.and_then(|b| b.unwind).map(|u| VaultUnwind {
                every: SimDuration::from_secs_f64(u.every_s),
                share: bps(u.share),
                slippage: bps(u.slippage),
            }),
            liquidation_slippage: self.liquidation_slippage.map(bps),
            latency_ms: self.latency_ms.clone(),
            accounts: self.population(seed, &spec, p0),
        }
    }

    /// Draws the traders, each from its own stream `perp-account/i`: side, notional, leverage
    /// and entry, in that order. The size is the notional at the start price `p0` in whole lots
    /// (at least one); the collateral gives the drawn leverage at `p0` (equity = notional /
    /// leverage, the position's PnL since its entry included), and is zero for an account whose
    /// PnL alone exceeds that equity.
    fn population(&self, seed: u64, spec: &MarketSpec, p0: Ticks) -> Vec<PerpAccountConfig> {
        let a = &self.accounts;
        let streams = RngStreams::new(seed);
        let p = p0.0.max(1);
        // One position is worth at most 1% of the largest amount at the start price.
        let max_lots =
            ((MAX_ATOMS / 100.0 / p as f64).floor() as u64).clamp(1, cascade_perp::MAX_LOTS);
        (0..a.count)
            .map(|i| {
                let mut rng = streams.stream("perp-account", u64::from(i));
                let long = dist::unit(&mut rng) < a.long_share;
                let notional = a.notional_usd.sample(&mut rng);
                let leverage = a.leverage.sample(&mut rng);
                let entry = a.entry.sample(&mut rng);
                let lots = spec
                    .lots_floor(notional / spec.price(Ticks(p)))
                    .0
                    .clamp(1, max_lots);
                let size = if long { lots as i64 } else { -(lots as i64) };
                let entry =
                    Ticks(((p as f64 * entry).round() as i64).clamp(1, cascade_perp::MAX_TICKS));
                let equity = (lots as f64 * p as f64 / leverage).floor() as i128;
                let upnl = i128::from(size) * i128::from(p - entry.0);
                let collateral = u64::try_from((equity - upnl).max(0)).unwrap_or(u64::MAX);
                PerpAccountConfig {
                    collateral: Quote(collateral),
                    size,
                    entry,
                }
            })
            .collect()
    }
}

/// A non-negative amount of USD that fits the market's units.
fn money(field: &str, v: f64, m: &MarketUnits) -> Check {
    non_negative(field, v)?;
    if v / (m.tick_size * m.lot_size) > MAX_ATOMS {
        return fail(
            field,
            format!(
                "{v} is too large for the market's units (at most {:e})",
                MAX_ATOMS * m.tick_size * m.lot_size
            ),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use std::path::Path;

    const MINI: &str = r#"
Scenario(
    name: "perp-mini",
    seed: 5,
    duration_s: 60.0,
    market: (tick_size: 0.1, lot_size: 0.001),
    reference: (step_ms: 1000.0, knots: [(0.0, 100000.0)]),
    makers: [(count: 1, levels: 5, half_spread_bps: 2.0, level_spacing_bps: 5.0,
              size_per_level: 1.0, skew_bps_per_unit: 0.1, max_skew: 0.1,
              target_inventory: 10.0, max_inventory: 20.0,
              latency_ms: Constant(100.0), cash: 10000000.0, inventory: 10.0)],
    oracle: (name: "mark", observe_every_ms: 1000.0, latency_ms: Constant(10.0),
             publication: Pull(max_age_s: 10.0, max_conf: 0.5)),
    lending: (liquidation_threshold: 0.83, liquidation_bonus: 1.05, protocol_fee: 0.1),
    accounts: (count: 0, collateral: Constant(1.0), health_factor: Constant(1.5)),
    liquidators: [],
    perps: (
        rules: Hyperliquid,
        insurance_fund_usd: 1000.0,
        backstop: (capital_usd: 50000.0),
        accounts: (count: 400, long_share: 0.75, notional_usd: LogNormal(median: 20000.0, sigma: 1.0),
                   leverage: Uniform(lo: 2.0, hi: 40.0), entry: Uniform(lo: 0.95, hi: 1.05)),
    ),
)
"#;

    fn mini() -> Scenario {
        Scenario::parse(MINI, "mini.ron").unwrap()
    }

    /// Every account starts at its drawn leverage at the start price (equity = notional /
    /// leverage, so above the 1.25% maintenance of 40x), unless its PnL alone exceeds that
    /// equity, in which case it holds no collateral.
    #[test]
    fn accounts_start_at_their_leverage_and_healthy() {
        let s = mini();
        let w = crate::build(&s, None, Path::new(".")).unwrap();
        let p = w.perps.expect("perps section");
        assert_eq!(p.accounts.len(), 400);
        let p0 = 1_000_000i128; // 100,000 USD in 0.1 ticks
        let (mut longs, mut zero) = (0, 0);
        for a in &p.accounts {
            let notional = i128::from(a.size.unsigned_abs() as i64) * p0;
            let equity =
                i128::from(a.collateral.0) + i128::from(a.size) * (p0 - i128::from(a.entry.0));
            if a.collateral.0 == 0 {
                zero += 1;
                assert!(equity * 40 >= notional, "in profit beyond its margin");
                continue;
            }
            // Leverage = notional / equity in [2, 40] (to the atom of flooring).
            assert!(
                equity * 2 <= notional + 2 && notional <= equity * 40 + 40,
                "{a:?}"
            );
            assert!(equity * 80 > notional, "above maintenance at the start");
            longs += usize::from(a.size > 0);
        }
        assert!((250..=350).contains(&(longs + zero / 2)), "{longs} longs");
        assert!(zero < 40, "{zero} accounts without collateral");
        assert_eq!(p.insurance_fund, Quote(1_000 * 10_000));
        assert_eq!(p.vault_capital, Quote(50_000 * 10_000));
        assert_eq!(p.rules.backstop_below, Some(Ratio::new(2, 3)));
        assert_eq!(p.margin.tiers().len(), 2);
        assert_eq!(p.mark_oracle, 0);
    }

    /// Appending accounts leaves the existing ones as they were (one stream per account).
    #[test]
    fn more_accounts_do_not_change_existing_ones() {
        let s = mini();
        let mut more = s.clone();
        more.perps.as_mut().unwrap().accounts.count = 500;
        let a = crate::build(&s, None, Path::new("."))
            .unwrap()
            .perps
            .unwrap();
        let b = crate::build(&more, None, Path::new("."))
            .unwrap()
            .perps
            .unwrap();
        assert_eq!(a.accounts[..], b.accounts[..400]);
    }

    fn invalid(edit: impl Fn(&mut PerpsSpec)) -> (String, String) {
        let mut s = mini();
        edit(s.perps.as_mut().unwrap());
        s.validate().unwrap_err()
    }

    #[test]
    fn bad_values_name_their_field() {
        let (f, m) = invalid(|p| p.accounts.leverage = Dist::Uniform { lo: 2.0, hi: 50.0 });
        assert_eq!(f, "perps.accounts.leverage");
        assert!(m.contains("max leverage 40x"), "{m}");
        let (f, _) = invalid(|p| {
            p.accounts.leverage = Dist::LogNormal {
                median: 10.0,
                sigma: 0.5,
            }
        });
        assert_eq!(f, "perps.accounts.leverage");
        let (f, m) = invalid(|p| p.mark_oracle = Some("index".into()));
        assert_eq!(f, "perps.mark_oracle");
        assert!(m.contains("oracles: mark"), "{m}");
        let (f, m) =
            invalid(|p| p.margin_tiers = Some(TiersSpec::Leverage(vec![(0.0, 40), (1e6, 50)])));
        assert_eq!(f, "perps.margin_tiers[1]");
        assert!(m.contains("lower maintenance rate"), "{m}");
        let (f, _) = invalid(|p| p.margin_tiers = Some(TiersSpec::Maintenance(vec![(0.0, 1.5)])));
        assert_eq!(f, "perps.margin_tiers[0].1 (rate)");
        let (f, _) = invalid(|p| p.accounts.long_share = 1.2);
        assert_eq!(f, "perps.accounts.long_share");
        let (f, _) = invalid(|p| p.insurance_fund_usd = -1.0);
        assert_eq!(f, "perps.insurance_fund_usd");
        // A maintenance-rate table caps the leverage just under 1 / rate: 0.5% -> below 200x.
        let (f, m) = invalid(|p| {
            p.margin_tiers = Some(TiersSpec::Maintenance(vec![(0.0, 0.005)]));
            p.accounts.leverage = Dist::Constant(200.0);
        });
        assert_eq!(f, "perps.accounts.leverage");
        assert!(m.contains("1/200"), "{m}");
    }
}
