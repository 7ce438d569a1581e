//! From a validated scenario to a world configuration.

use crate::klines::{self, KlineOptions};
use crate::schema::RouteSpec;
use crate::schema::{MAX_ATOMS, ReferenceSpec, Scenario, parse_utc_ms};
use crate::{DataError, ScenarioError};
use cascade_agents::{
    LiquidatorParams, MakerParams, Ohlc, PathBase, Regime, StressResponse, Wallet,
};
use cascade_des::RngStreams;
use cascade_des::dist::Dist;
use cascade_engine::{
    Congestion, LiquidationCap, LiquidatorConfig, MakerConfig, ReferenceConfig, Route,
    TraderConfig, TraderKind, VenueConfig, WorldConfig,
};
use cascade_risk::{Account, LiquidationMechanism};
use cascade_types::{Lots, MarketSpec, Quote, SimDuration, Ticks};
use std::path::Path;

/// A reference path's base: the knots, or the bars of the kline file in `data_dir` (prices below
/// `clip_low` raised to it); `field` names the spec in errors.
fn reference_base(
    s: &Scenario,
    r: &ReferenceSpec,
    field: &str,
    data_dir: &Path,
) -> Result<PathBase, ScenarioError> {
    let Some(k) = &r.klines else {
        return Ok(PathBase::Knots(r.knots.clone()));
    };
    let utc = |v: &Option<String>| {
        v.as_deref()
            .map(parse_utc_ms)
            .transpose()
            .map_err(|m| ScenarioError::Invalid {
                origin: s.name.clone(),
                field: format!("{field}.klines"),
                message: m,
            })
    };
    let opts = KlineOptions {
        from_ms: utc(&k.from)?,
        to_ms: utc(&k.to)?,
        bad_print_k: k.bad_print_k,
        ..KlineOptions::default()
    };
    let loaded = klines::load(&data_dir.join(&k.file), &opts)?;
    let clip = |p: f64| k.clip_low.map_or(p, |c| p.max(c));
    Ok(PathBase::Bars {
        bars: loaded
            .bars
            .iter()
            .map(|b| Ohlc {
                open: clip(b.open),
                high: clip(b.high),
                low: clip(b.low),
                close: clip(b.close),
            })
            .collect(),
        interval: loaded.interval_ms as f64 / 1_000.0,
        step: r.step_ms / 1_000.0,
    })
}

/// The engine's reference configuration from a spec.
fn reference_config(
    s: &Scenario,
    r: &ReferenceSpec,
    field: &str,
    data_dir: &Path,
) -> Result<ReferenceConfig, ScenarioError> {
    Ok(ReferenceConfig {
        base: reference_base(s, r, field, data_dir)?,
        step: SimDuration::from_millis_f64(r.step_ms),
        diffusion: r.diffusion.as_ref().map(|d| d.jump_diffusion()),
        regimes: r.diffusion.as_ref().map_or_else(Vec::new, regimes),
    })
}

/// The regimes of a switching factor, the top-level fields first; none without `regimes`.
fn regimes(d: &crate::schema::DiffusionSpec) -> Vec<Regime> {
    if d.regimes.is_empty() {
        return Vec::new();
    }
    let first = Regime {
        diffusion: d.jump_diffusion(),
        mean_stay_s: d.mean_stay_s.expect("validated: regimes need mean_stay_s"),
    };
    std::iter::once(first)
        .chain(d.regimes.iter().map(|g| Regime {
            diffusion: g.jump_diffusion(),
            mean_stay_s: g.mean_stay_s,
        }))
        .collect()
}

/// Builds the world configuration for `seed` (the scenario's own if `None`), reading any market
/// data the scenario names from `data_dir`.
///
/// The scenario must have been validated (as [`Scenario::parse`] and [`Scenario::load`] do).
pub fn build(
    s: &Scenario,
    seed: Option<u64>,
    data_dir: &Path,
) -> Result<WorldConfig, ScenarioError> {
    let seed = seed.unwrap_or(s.seed);
    let reference = reference_config(s, &s.reference, "reference", data_dir)?;
    let base = reference.base.clone();
    let mut venue_refs = Vec::new();
    for (i, v) in s.venues.iter().enumerate() {
        venue_refs.push(match &v.reference {
            Some(r) => Some(reference_config(
                s,
                r,
                &format!("venues[{i}].reference"),
                data_dir,
            )?),
            None => None,
        });
    }
    let spec = MarketSpec {
        tick_size: s.market.tick_size,
        lot_size: s.market.lot_size,
    };
    let usd = |v: f64| spec.quote_floor(v);
    let (lending, threshold) = s.lending.build(&spec);
    let mut names = s.venue_names();
    let books = names.len();
    names.extend(s.pools.iter().map(|p| p.name.clone()));
    let venue_index = |n: &str| {
        names
            .iter()
            .position(|x| x == n)
            .expect("validated venue name")
    };
    let oracle_names: Vec<String> = s.all_oracles().map(|(_, o)| o.name.clone()).collect();
    let oracle_index = |n: &str| {
        oracle_names
            .iter()
            .position(|x| x == n)
            .expect("validated oracle name")
    };
    let p0 = spec.ticks_nearest(match &base {
        PathBase::Knots(k) => k[0].1,
        PathBase::Bars { bars, .. } => bars[0].open,
    });
    let accounts = population(s, seed, &spec, threshold, lending.as_ref(), p0, data_dir)?;
    let accounts_len = accounts.len();
    let makers = s
        .makers
        .iter()
        .flat_map(|g| {
            let cfg = MakerConfig {
                venue: g.venue.as_deref().map_or(0, venue_index),
                params: MakerParams {
                    levels: g.levels,
                    half_spread_bps: g.half_spread_bps,
                    level_spacing_bps: g.level_spacing_bps,
                    size_per_level: spec.lots_floor(g.size_per_level),
                    skew_per_unit: g.skew_bps_per_unit * 1e-4,
                    max_skew: g.max_skew,
                    target_inventory: spec.lots_floor(g.target_inventory),
                    max_inventory: spec.lots_floor(g.max_inventory),
                    hedge_half_life: g.hedge_half_life_s.map(SimDuration::from_secs_f64),
                    latency_ms: g.latency_ms.clone(),
                    stress: g.stress.map(|s| StressResponse {
                        vol_half_life: SimDuration::from_secs_f64(s.vol_half_life_s),
                        baseline_vol: s.baseline_vol,
                        spread_per_stress: s.spread_per_stress,
                        depth_per_stress: s.depth_per_stress,
                        withdraw_above: s.withdraw_above,
                        refill_levels_per_s: s.refill_levels_per_s,
                    }),
                },
                wallet: Wallet {
                    cash: usd(g.cash),
                    base: spec.lots_floor(g.inventory),
                },
            };
            std::iter::repeat_n(cfg, g.count as usize)
        })
        .collect();
    let liquidators = s
        .liquidators
        .iter()
        .flat_map(|g| {
            let cfg = LiquidatorConfig {
                route: g
                    .route
                    .as_ref()
                    .map_or(Route::Venue(0), |r| route(r, &venue_index, &spec)),
                params: LiquidatorParams {
                    latency_ms: g.latency_ms.clone(),
                    gas_cost: usd(g.gas_usd),
                    min_profit: usd(g.min_profit_usd),
                    poll: SimDuration::from_secs_f64(g.poll_s),
                },
                wallet: Wallet {
                    cash: usd(g.cash),
                    base: Lots(0),
                },
                tx_latency_ms: g.tx_latency_ms.clone().unwrap_or(Dist::Constant(0.0)),
                priority_fee: g
                    .priority_fee
                    .as_ref()
                    .map_or_else(Default::default, |p| p.build(&spec)),
            };
            std::iter::repeat_n(cfg, g.count as usize)
        })
        .collect();
    let traders = traders(s, seed, &spec, p0, &venue_index);
    let pools = s
        .pools
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.build(&spec, p0)
                .map_err(|message| ScenarioError::Invalid {
                    origin: s.name.clone(),
                    field: format!("pools[{i}]"),
                    message,
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let arbitrageurs = s
        .arbitrageurs
        .iter()
        .flat_map(|a| {
            let pool = venue_index(&a.pool) - books;
            let book = a.book.as_deref().map_or(0, &venue_index);
            a.build(&spec, pool, book).collect::<Vec<_>>()
        })
        .collect();
    let perps = s
        .perps
        .as_ref()
        .map(|p| p.build(s, seed, p0, &venue_index, &oracle_index));
    Ok(WorldConfig {
        traders,
        pools,
        arbitrageurs,
        name: s.name.clone(),
        seed,
        duration: SimDuration::from_secs_f64(s.duration_s),
        spec,
        reference,
        makers,
        venues: names[..books]
            .iter()
            .enumerate()
            .map(|(i, n)| VenueConfig {
                name: n.clone(),
                reference: venue_refs.get(i).cloned().flatten(),
            })
            .collect(),
        oracles: s
            .all_oracles()
            .map(|(_, o)| o.build(&s.market, &venue_index, &oracle_index, &names[0], books))
            .collect(),
        market_oracle: 0,
        congestion: Congestion {
            knots: s.congestion.clone(),
        },
        lending,
        liquidation_cap: s.lending.liquidation_cap.map(|c| LiquidationCap {
            window: SimDuration::from_secs_f64(c.window_s),
            max_debt: spec.quote_floor(c.max_debt_usd),
        }),
        accounts,
        liquidators,
        snapshot_every: SimDuration::from_millis_f64(s.snapshot_every_ms),
        perps,
        vaults: s
            .vaults
            .as_ref()
            .map(|v| v.build(seed, &spec, p0, &venue_index)),
        attackers: crate::attack_spec::build(s, &spec, &venue_index),
        sandwichers: crate::attack_spec::build_sandwichers(s, &spec, &|n| venue_index(n) - books),
        ordering: crate::tx_spec::OrderingSpec::build(s.ordering.as_ref()),
        llamma: None,
        deleverage: s
            .lending
            .deleverage
            .as_ref()
            .map(|d| d.build(seed, accounts_len, &spec)),
    })
}

/// Expands the trader groups; stop-loss holders draw their stop and holding from their own
/// stream `("stop-setup", i)`, numbered within the kind.
fn traders(
    s: &Scenario,
    seed: u64,
    spec: &MarketSpec,
    p0: Ticks,
    venue_index: &dyn Fn(&str) -> usize,
) -> Vec<TraderConfig> {
    use crate::schema::TraderGroup as G;
    use cascade_agents::{InformedTrader, MomentumTrader, NoiseTrader, StopLoss};
    let streams = RngStreams::new(seed);
    let usd = |v: f64| spec.quote_floor(v);
    let mut stops = 0u64;
    let mut out = Vec::new();
    for g in &s.traders {
        let venue = g.venue().map_or(0, venue_index);
        for _ in 0..g.count() {
            let (kind, wallet) = match g {
                G::Noise {
                    orders_per_minute,
                    size,
                    buy_probability,
                    cash,
                    inventory,
                    ..
                } => (
                    TraderKind::Noise(NoiseTrader {
                        orders_per_minute: *orders_per_minute,
                        size: size.clone(),
                        buy_probability: *buy_probability,
                    }),
                    Wallet {
                        cash: usd(*cash),
                        base: spec.lots_floor(*inventory),
                    },
                ),
                G::Momentum {
                    interval_s,
                    lookback_s,
                    threshold,
                    size,
                    cash,
                    inventory,
                    ..
                } => (
                    TraderKind::Momentum(MomentumTrader {
                        interval: SimDuration::from_secs_f64(*interval_s),
                        lookback: SimDuration::from_secs_f64(*lookback_s),
                        threshold: *threshold,
                        size: spec.lots_floor(*size),
                        seen: Default::default(),
                    }),
                    Wallet {
                        cash: usd(*cash),
                        base: spec.lots_floor(*inventory),
                    },
                ),
                G::StopLoss {
                    stop_below,
                    holding,
                    latency_ms,
                    ..
                } => {
                    let mut rng = streams.stream("stop-setup", stops);
                    stops += 1;
                    let below = stop_below.sample(&mut rng);
                    let held = holding
                        .sample(&mut rng)
                        .min(MAX_ATOMS / 1e3 * spec.lot_size);
                    let stop = Ticks(((p0.0 as f64) * (1.0 - below)).floor().max(1.0) as i64);
                    (
                        TraderKind::StopLoss {
                            stop: StopLoss { stop, fired: false },
                            latency_ms: latency_ms.clone(),
                        },
                        Wallet {
                            cash: Quote(0),
                            base: spec.lots_floor(held),
                        },
                    )
                }
                G::Informed {
                    latency_ms,
                    threshold,
                    max_size,
                    unwind_half_life_s,
                    cash,
                    inventory,
                    ..
                } => (
                    TraderKind::Informed(InformedTrader {
                        latency_ms: latency_ms.clone(),
                        threshold: *threshold,
                        max_size: spec.lots_floor(*max_size),
                        unwind_half_life: SimDuration::from_secs_f64(*unwind_half_life_s),
                        target_inventory: spec.lots_floor(*inventory),
                        last_unwind: cascade_types::SimTime::ZERO,
                        pending: false,
                    }),
                    Wallet {
                        cash: usd(*cash),
                        base: spec.lots_floor(*inventory),
                    },
                ),
            };
            out.push(TraderConfig {
                venue,
                kind,
                wallet,
            });
        }
    }
    out
}

/// The engine's route for a validated route spec.
pub(crate) fn route(
    r: &RouteSpec,
    venue_index: &dyn Fn(&str) -> usize,
    spec: &MarketSpec,
) -> Route {
    match r {
        RouteSpec::Venue(v) => Route::Venue(venue_index(v)),
        RouteSpec::Split(vs) => Route::Split(vs.iter().map(|v| venue_index(v)).collect()),
        RouteSpec::Sliced {
            route: inner,
            slices,
            every_s,
        } => Route::Sliced {
            route: Box::new(route(inner, venue_index, spec)),
            slices: *slices,
            every: SimDuration::from_secs_f64(*every_s),
        },
        RouteSpec::Hold => Route::Hold,
        RouteSpec::Bridge {
            to,
            latency_ms,
            max_in_flight,
        } => Route::Bridge {
            to: Box::new(route(to, venue_index, spec)),
            latency_ms: latency_ms.clone(),
            max_in_flight: max_in_flight.map(|q| spec.lots_floor(q)),
        },
    }
}

/// The accounts: `count` drawn (collateral and health factor at the starting price `p0`, each
/// account from its own stream, so adding accounts leaves the others unchanged; debt is set so
/// the account has that health factor against the mechanism's liquidation threshold `lt`,
/// rounded down, so the account is never less healthy than drawn), then the positions of
/// `accounts.file` in the data directory, each of which must start healthy under `mechanism`.
fn population(
    s: &Scenario,
    seed: u64,
    spec: &MarketSpec,
    lt: f64,
    mechanism: &dyn LiquidationMechanism,
    p0: Ticks,
    data_dir: &Path,
) -> Result<Vec<Account>, ScenarioError> {
    let streams = RngStreams::new(seed);
    // One account's collateral is worth at most 1% of the largest amount at the starting price,
    // so it stays representable if the price rises a hundredfold.
    let max_lots = Lots((MAX_ATOMS / 100.0 / p0.0.max(1) as f64).floor() as u64);
    let mut accounts: Vec<Account> = match (&s.accounts.collateral, &s.accounts.health_factor) {
        (Some(cd), Some(hd)) => (0..s.accounts.count)
            .map(|i| {
                let mut rng = streams.stream("account", u64::from(i));
                let collateral = spec
                    .lots_floor(cd.sample(&mut rng))
                    .clamp(Lots(1), max_lots.max(Lots(1)));
                let hf = hd.sample(&mut rng);
                let value = collateral.value_at(p0).0 as f64;
                let debt = Quote((value * lt / hf).floor() as u64);
                Account { collateral, debt }
            })
            .collect(),
        _ => Vec::new(),
    };
    let Some(file) = &s.accounts.file else {
        return Ok(accounts);
    };
    let path = data_dir.join(file);
    let bad =
        |line: usize, message: String| ScenarioError::Data(DataError::line(&path, line, message));
    for p in crate::positions::load(&path)? {
        let collateral = spec.lots_floor(p.collateral);
        if collateral.is_zero() {
            return Err(bad(
                p.line,
                format!(
                    "collateral {} is below one lot ({})",
                    p.collateral, spec.lot_size
                ),
            ));
        }
        if collateral > max_lots {
            return Err(bad(
                p.line,
                format!(
                    "collateral {} is worth more than 1% of the largest amount at the starting \
                     price (at most {} base units)",
                    p.collateral,
                    spec.qty(max_lots)
                ),
            ));
        }
        let debt = spec.quote_floor(p.debt);
        let account = Account { collateral, debt };
        let hf = mechanism.health_factor(&account, p0);
        if mechanism.is_liquidatable(&account, p0) {
            return Err(bad(
                p.line,
                format!(
                    "the position is liquidatable at the starting price {}: health factor {:.4} \
                     (every account must start healthy)",
                    spec.price(p0),
                    hf as f64 / 1e18
                ),
            ));
        }
        if accounts.len() >= crate::schema::MAX_ACCOUNTS as usize {
            return Err(bad(
                p.line,
                format!("more than {} accounts in all", crate::schema::MAX_ACCOUNTS),
            ));
        }
        accounts.push(Account { collateral, debt });
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;
    use cascade_types::Bps;

    const MINI: &str = r#"
Scenario(
    name: "mini",
    seed: 7,
    duration_s: 60.0,
    market: (tick_size: 0.01, lot_size: 0.001),
    reference: (step_ms: 1000.0, knots: [(0.0, 2000.0)]),
    makers: [(count: 2, levels: 5, half_spread_bps: 2.0, level_spacing_bps: 5.0,
              size_per_level: 10.0, skew_bps_per_unit: 0.1, max_skew: 0.1,
              target_inventory: 100.0, max_inventory: 200.0, hedge_half_life_s: 60.0,
              latency_ms: Constant(100.0), cash: 1000000.0, inventory: 100.0)],
    oracle: (observe_every_ms: 1000.0, latency_ms: Constant(500.0), publication: Push(deviation: 0.005, heartbeat_s: 3600.0, inclusion_delay_ms: Constant(0.0))),
    lending: (liquidation_threshold: 0.83, liquidation_bonus: 1.05, protocol_fee: 0.1),
    accounts: (count: 50, collateral: LogNormal(median: 10.0, sigma: 1.0),
               health_factor: Uniform(lo: 1.1, hi: 1.5)),
    liquidators: [(count: 1, cash: 100000.0, latency_ms: Constant(1000.0), gas_usd: 5.0,
                   min_profit_usd: 1.0, poll_s: 12.0)],
)
"#;

    #[test]
    fn units_convert_exactly() {
        let s = Scenario::parse(MINI, "mini.ron").unwrap();
        let w = build(&s, None, Path::new(".")).unwrap();
        assert_eq!(w.seed, 7);
        assert_eq!(build(&s, Some(9), Path::new(".")).unwrap().seed, 9);
        assert_eq!(w.makers.len(), 2);
        assert_eq!(w.makers[0].params.size_per_level, Lots(10_000));
        assert_eq!(w.makers[0].wallet.cash, Quote(100_000_000_000)); // 1e6 USD / 1e-5
        let aave: Box<dyn cascade_risk::LiquidationMechanism> =
            Box::new(cascade_risk::aave::AaveParams {
                liquidation_threshold: Bps(8300),
                liquidation_bonus: Bps(10500),
                protocol_fee: Bps(1000),
                close_factor: Bps(5000),
                close_factor_min_base: Quote(200_000_000),
                min_leftover_base: Quote(100_000_000),
                full_close_below_hf: cascade_risk::aave::CLOSE_FACTOR_HF_THRESHOLD,
            });
        assert!(w.lending == aave, "{:?}", w.lending);
        let cascade_engine::Publication::Push { rule, .. } = w.oracles[0].publication else {
            panic!("the mini scenario's oracle pushes");
        };
        assert_eq!(rule.deviation, Bps(50));
        assert_eq!(
            w.oracles[0].sources.len(),
            1,
            "the first venue's mid by default"
        );
        assert_eq!(w.accounts.len(), 50);
    }

    /// Every drawn account starts within its health-factor range at the starting price.
    #[test]
    fn population_respects_the_health_factor_range() {
        let s = Scenario::parse(MINI, "mini.ron").unwrap();
        let w = build(&s, None, Path::new(".")).unwrap();
        for a in &w.accounts {
            let hf = w.lending.health_factor(a, Ticks(200_000)) as f64 / 1e18;
            assert!((1.1 - 1e-6..=1.5 + 1e-3).contains(&hf), "hf {hf}");
        }
    }

    /// A heavy-tailed collateral distribution (found by fuzzing: log-normal with sigma 15)
    /// cannot produce a position whose value overflows the integer units.
    #[test]
    fn extreme_collateral_draws_are_capped() {
        let mut s = Scenario::parse(MINI, "mini.ron").unwrap();
        s.accounts.collateral = Some(cascade_des::dist::Dist::LogNormal {
            median: 5.0,
            sigma: 15.0,
        });
        s.accounts.count = 200;
        let w = build(&s, None, Path::new(".")).unwrap();
        let cap = (crate::schema::MAX_ATOMS / 100.0) as u128;
        assert!(
            w.accounts
                .iter()
                .all(|a| u128::from(a.collateral.0) * 200_000 <= cap)
        );
        assert!(
            w.accounts
                .iter()
                .any(|a| u128::from(a.collateral.0) * 200_000 > cap / 2),
            "the tail reaches the cap"
        );
    }

    /// Positions from a file follow the drawn accounts: 10 ETH against 15,000 USD is
    /// 10,000 lots and 1.5e9 quote atoms (0.01 USD x 0.001 ETH each), health factor
    /// 10 x 2,000 x 0.83 / 15,000 = 1.1067. One ETH against 1,700 USD (health factor 0.976)
    /// is refused, naming its line.
    #[test]
    fn positions_from_a_file_follow_the_drawn_accounts() {
        let dir = std::env::temp_dir().join(format!("cascade-positions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pos.csv"), "collateral,debt\n10,15000\n2.5,0\n").unwrap();
        let mut s = Scenario::parse(MINI, "mini.ron").unwrap();
        s.accounts.file = Some("pos.csv".into());
        let w = build(&s, None, &dir).unwrap();
        assert_eq!(w.accounts.len(), 52);
        let drawn = build(&Scenario::parse(MINI, "mini.ron").unwrap(), None, &dir).unwrap();
        assert_eq!(w.accounts[..50], drawn.accounts[..]);
        assert_eq!(
            w.accounts[50..],
            [
                Account {
                    collateral: Lots(10_000),
                    debt: Quote(1_500_000_000)
                },
                Account {
                    collateral: Lots(2_500),
                    debt: Quote(0)
                }
            ]
        );
        let hf = w.lending.health_factor(
            &Account {
                collateral: Lots(10_000),
                debt: Quote(1_500_000_000),
            },
            Ticks(200_000),
        );
        assert_eq!(hf / 10_000_000_000_000, 110_666, "1.10666...");
        std::fs::write(dir.join("pos.csv"), "collateral,debt\n10,15000\n1,1700\n").unwrap();
        let e = build(&s, None, &dir).unwrap_err().to_string();
        assert!(
            e.ends_with("pos.csv:3: the position is liquidatable at the starting price 2000: health factor 0.9765 (every account must start healthy)"),
            "{e}"
        );
        // Only positions: no distributions needed.
        let mut only = s.clone();
        (
            only.accounts.count,
            only.accounts.collateral,
            only.accounts.health_factor,
        ) = (0, None, None);
        only.validate().unwrap();
        std::fs::write(dir.join("pos.csv"), "collateral,debt\n10,15000\n").unwrap();
        assert_eq!(build(&only, None, &dir).unwrap().accounts.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A regime-switching factor reaches the world as its regimes, the top-level one first.
    #[test]
    fn regimes_reach_the_reference_config() {
        let text = MINI.replace(
            "reference: (step_ms: 1000.0, knots: [(0.0, 2000.0)]),",
            "reference: (step_ms: 1000.0, knots: [(0.0, 2000.0)], diffusion: (sigma_annual: 0.5, \
             mean_stay_s: 3600.0, regimes: [(sigma_annual: 3.0, jumps_per_hour: 2.0, \
             jump_mean: -0.02, mean_stay_s: 600.0)])),",
        );
        let s = Scenario::parse(&text, "mini.ron").unwrap();
        let r = build(&s, None, Path::new(".")).unwrap().reference;
        assert_eq!(r.regimes.len(), 2);
        assert_eq!(r.regimes[0].diffusion, r.diffusion.unwrap());
        assert_eq!(
            (r.regimes[0].mean_stay_s, r.regimes[1].mean_stay_s),
            (3600.0, 600.0)
        );
        assert_eq!(r.regimes[1].diffusion.sigma_annual, 3.0);
        assert_eq!(r.regimes[1].diffusion.jump_mean, -0.02);
        // Without regimes, none.
        let plain = build(
            &Scenario::parse(MINI, "mini.ron").unwrap(),
            None,
            Path::new("."),
        );
        assert!(plain.unwrap().reference.regimes.is_empty());
    }

    /// Adding accounts leaves the existing ones unchanged (one stream per account).
    #[test]
    fn more_accounts_do_not_change_existing_ones() {
        let s = Scenario::parse(MINI, "mini.ron").unwrap();
        let mut bigger = s.clone();
        bigger.accounts.count = 80;
        let a = build(&s, None, Path::new(".")).unwrap().accounts;
        let b = build(&bigger, None, Path::new(".")).unwrap().accounts;
        assert_eq!(a[..], b[..50]);
    }
}
