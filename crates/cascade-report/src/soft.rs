//! The soft-versus-hard liquidation comparison of a run: the run's borrowers, at their opening
//! positions, under Curve crvUSD's LLAMMA (soft liquidation, hard liquidation below the
//! Controller's health limit) and under the scenario's Aave-style hard liquidation, on the
//! run's price path ([`cascade_llamma::population`]).
//!
//! The path comes from the run's book snapshots (`book_top`): the exogenous reference price,
//! the first venue's mid and the published oracle price, one sample per snapshot. LLAMMA's
//! oracle is an exponential moving average of the market price with time constant `T`,
//! updated at every snapshot with weight `min(Δt/T, 1)` (basic IEEE operations only); the
//! comparison steps every `step_s` seconds, holding the last sample.
//!
//! What is and is not in the loop: the path is what the engine realised; the comparison's own
//! sales (soft or hard) do not move it. With `path: Reference` neither design's sales matter to
//! prices; with `path: Engine` both designs see the prices the engine's own hard liquidations
//! produced. Sell pressure here is collateral leaving the borrowers for the market; where it
//! would hit the book is not simulated.
//!
//! With `path: Loop` ([`compare_in_loop`]) there is no fixed path: the hard design is the run
//! itself (its lending market's liquidations, their sales in the book), the soft design is a
//! second run of the same world and seed whose accounts are loans in one LLAMMA
//! ([`cascade_engine::llamma`]), whose keeper's sales go into the same book. Both sides are read
//! from the runs' per-minute records ([`MinutePressure`]): collateral actually sold into the market per minute,
//! borrowers' losses at the venue's price, bad debt (written off plus uncovered) per minute.

use cascade_engine::{LlammaConfig, MinutePressure, RunStats, World, WorldConfig};
use cascade_llamma::compare::AaveStyle;
use cascade_llamma::population::{PathPoint, PopulationSetup, compare_population};
use cascade_llamma::{ControllerParams, LlammaError, LlammaParams};
use cascade_types::{Lots, MarketSpec, Quote, SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// Width of a sell-pressure bin, seconds.
pub const MINUTE_S: f64 = 60.0;

/// Which price path both designs see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SoftPath {
    /// The exogenous reference price (market and hard oracle; its EMA for LLAMMA).
    Reference,
    /// The first venue's mid (market; its EMA for LLAMMA) and the published oracle (hard).
    Engine,
    /// Both designs inside the engine, each run's sales in its own book.
    Loop,
}

/// The comparison's parameters, in human units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SoftConfig {
    /// Amplification `A`.
    pub a: u32,
    /// Bands per loan.
    pub bands: u32,
    /// LLAMMA's static fee.
    pub fee: f64,
    /// Controller loan discount.
    pub loan_discount: f64,
    /// Controller liquidation discount.
    pub liquidation_discount: f64,
    /// LLAMMA oracle EMA time constant, seconds (0: none).
    pub oracle_ema_s: f64,
    /// Step between arbitrage trades, seconds.
    pub step_s: f64,
    /// The path.
    pub path: SoftPath,
    /// Aave-style liquidation threshold.
    pub liquidation_threshold: f64,
    /// Aave-style liquidation bonus (multiplier, e.g. 1.05).
    pub liquidation_bonus: f64,
    /// Aave-style close factor.
    pub close_factor: f64,
    /// The LLAMMA keeper's cash, USD (`Loop`).
    pub keeper_cash: f64,
    /// The keeper's gas per transaction, USD (`Loop`).
    pub keeper_gas: f64,
    /// The keeper's smallest profit, USD (`Loop`).
    pub keeper_min_profit: f64,
}

/// One price sample of the run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceSample {
    /// Seconds since the start.
    pub time_s: f64,
    /// Exogenous reference price.
    pub reference: f64,
    /// First venue's mid.
    pub mid: Option<f64>,
    /// Published oracle price.
    pub oracle: Option<f64>,
}

/// One design's headline figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DesignSummary {
    /// Value the borrowers lost to arbitrageurs and liquidators beyond the debt repaid, USD at
    /// the market price of each step.
    pub borrower_losses: f64,
    /// Debt no collateral covered, USD.
    pub bad_debt: f64,
    /// Collateral sold into the market, base units.
    pub collateral_sold: f64,
    /// Collateral bought back from the market (LLAMMA's de-liquidation), base units.
    pub collateral_bought: f64,
    /// Largest collateral sold in one minute, base units.
    pub peak_sold_per_minute: f64,
    /// Minutes in which any collateral was sold.
    pub minutes_selling: u64,
    /// Hard liquidation calls.
    pub hard_liquidations: u64,
    /// Collateral sold per minute, base units, minute 0 first.
    pub sold_per_minute: Vec<f64>,
    /// Collateral bought back per minute, base units.
    pub bought_per_minute: Vec<f64>,
    /// Borrowers' losses so far at the end of each minute, USD.
    pub cumulative_losses: Vec<f64>,
    /// Bad debt so far at the end of each minute, USD.
    pub cumulative_bad_debt: Vec<f64>,
    /// The lowest first-venue mid of the design's run, USD (`path: Loop` only: on a fixed
    /// path both designs see the same prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lowest_mid: Option<f64>,
}

/// The LLAMMA market's keeper and loans under `path: Loop`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopKeeper {
    /// Trades that bought collateral from the bands and sold it into the book.
    pub soft_trades: u64,
    /// Trades that bought on the book and sold collateral back into the bands.
    pub buyback_trades: u64,
    /// The keeper's profit (cash and inventory at the last mid, less its start), USD.
    pub pnl: f64,
    /// Gas it paid, USD.
    pub gas: f64,
    /// Loans below the health limit at the end that no liquidation paid for.
    pub underwater_loans_at_end: u64,
    /// Debt still owed at the end, USD (of the loans' debt at the start).
    pub debt_end: f64,
    /// Debt at the start, USD.
    pub debt_start: f64,
}

/// The comparison, as written into `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoftLiquidationSummary {
    /// The path both designs saw.
    pub path: SoftPath,
    /// LLAMMA amplification.
    #[serde(rename = "A")]
    pub a: u32,
    /// Bands per loan.
    pub bands: u32,
    /// LLAMMA oracle EMA time constant, seconds.
    pub oracle_ema_s: f64,
    /// Step, seconds.
    pub step_s: f64,
    /// Loans in both designs.
    pub loans: usize,
    /// Loans the Controller refused (too much debt for its loan discount), left out of both.
    pub refused: usize,
    /// LLAMMA (soft liquidation, hard below the health limit).
    pub soft: DesignSummary,
    /// Aave-style hard liquidation.
    pub hard: DesignSummary,
    /// The LLAMMA run's keeper and loans (`path: Loop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeper: Option<LoopKeeper>,
}

/// Why the comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SoftError {
    /// The run left no price samples (its trace level wrote no book snapshots).
    #[error("soft_liquidation: the run has no book snapshots to take the price path from")]
    NoPath,
    /// A parameter or amount is out of LLAMMA's range.
    #[error("soft_liquidation: {0}")]
    Llamma(#[from] LlammaError),
    /// The soft design's run broke an invariant (a bug in cascade).
    #[error("soft_liquidation: the LLAMMA run broke an invariant: {0}")]
    Invariant(String),
}

fn wad(v: f64) -> u128 {
    // Parameters and prices are checked finite and positive before they get here.
    (v * 1e18).round().max(0.0) as u128
}

fn units(v: u128) -> f64 {
    v as f64 / 1e18
}

fn signed_units(v: i128) -> f64 {
    v as f64 / 1e18
}

/// The path points, one every `step_s` from time zero to the last sample.
fn path_points(cfg: &SoftConfig, samples: &[PriceSample]) -> Vec<PathPoint> {
    let market = |s: &PriceSample| match cfg.path {
        SoftPath::Reference => s.reference,
        SoftPath::Engine | SoftPath::Loop => s.mid.unwrap_or(s.reference),
    };
    let hard = |s: &PriceSample| match cfg.path {
        SoftPath::Reference => s.reference,
        SoftPath::Engine | SoftPath::Loop => s.oracle.unwrap_or(s.reference),
    };
    let end = samples.last().map_or(0.0, |s| s.time_s);
    let mut out = Vec::new();
    let (mut i, mut ema, mut last_t) = (0usize, market(&samples[0]), samples[0].time_s);
    let mut k = 0u64;
    loop {
        let t = k as f64 * cfg.step_s;
        if t > end + 1e-9 {
            break;
        }
        while i + 1 < samples.len() && samples[i + 1].time_s <= t + 1e-9 {
            i += 1;
            let s = &samples[i];
            let w = if cfg.oracle_ema_s > 0.0 {
                ((s.time_s - last_t) / cfg.oracle_ema_s).min(1.0)
            } else {
                1.0
            };
            ema += (market(s) - ema) * w;
            last_t = s.time_s;
        }
        let s = &samples[i];
        out.push(PathPoint {
            time: SimTime((t * 1e9).round() as u64),
            market: wad(market(s)),
            llamma_oracle: wad(ema),
            hard_oracle: wad(hard(s)),
        });
        k += 1;
    }
    out
}

/// Runs the comparison for the borrowers of `world` on `samples` (in time order).
pub fn compare_soft_hard(
    cfg: &SoftConfig,
    world: &WorldConfig,
    samples: &[PriceSample],
) -> Result<SoftLiquidationSummary, SoftError> {
    if samples.is_empty() {
        return Err(SoftError::NoPath);
    }
    let path = path_points(cfg, samples);
    let spec = world.spec;
    let loans: Vec<(u128, u128)> = world
        .accounts
        .iter()
        .map(|a| (wad(spec.qty(a.collateral)), wad(spec.quote(a.debt))))
        .collect();
    let base = path[0].llamma_oracle;
    let setup = PopulationSetup {
        llamma: LlammaParams::new(u128::from(cfg.a), base, wad(cfg.fee)),
        controller: ControllerParams {
            loan_discount: wad(cfg.loan_discount),
            liquidation_discount: wad(cfg.liquidation_discount),
        },
        n_bands: cfg.bands as usize,
        aave: AaveStyle {
            liquidation_threshold: wad(cfg.liquidation_threshold),
            liquidation_bonus: wad(cfg.liquidation_bonus),
            close_factor: wad(cfg.close_factor),
        },
    };
    let c = compare_population(&setup, &loans, &path)?;
    let minutes = path.last().map_or(1, |p| {
        (p.time.as_secs_f64() / MINUTE_S).floor() as usize + 1
    });
    let mut soft = DesignSummary::default();
    let mut hard = DesignSummary::default();
    for d in [&mut soft, &mut hard] {
        d.sold_per_minute = vec![0.0; minutes];
        d.bought_per_minute = vec![0.0; minutes];
        d.cumulative_losses = vec![0.0; minutes];
        d.cumulative_bad_debt = vec![0.0; minutes];
    }
    // Sums in integers per minute, converted once, so the figures do not depend on the order
    // of float additions.
    let mut soft_sold = vec![0u128; minutes];
    let mut soft_bought = vec![0u128; minutes];
    let mut hard_sold = vec![0u128; minutes];
    let mut seen = vec![false; minutes];
    for (p, s) in path.iter().zip(&c.steps) {
        let m = ((p.time.as_secs_f64() / MINUTE_S).floor() as usize).min(minutes - 1);
        seen[m] = true;
        soft_sold[m] += s.llamma_sold;
        soft_bought[m] += s.llamma_bought;
        hard_sold[m] += s.hard_sold;
        soft.hard_liquidations += u64::from(s.llamma_hard_liquidations);
        hard.hard_liquidations += u64::from(s.hard_liquidations);
        soft.cumulative_losses[m] = signed_units(s.llamma_loss);
        soft.cumulative_bad_debt[m] = units(s.llamma_bad_debt);
        hard.cumulative_losses[m] = signed_units(s.hard_loss);
        hard.cumulative_bad_debt[m] = units(s.hard_bad_debt);
    }
    // Minutes without a step (a step longer than a minute) carry the previous totals.
    for (m, _) in seen.iter().enumerate().skip(1).filter(|(_, s)| !**s) {
        for d in [&mut soft, &mut hard] {
            d.cumulative_losses[m] = d.cumulative_losses[m - 1];
            d.cumulative_bad_debt[m] = d.cumulative_bad_debt[m - 1];
        }
    }
    let fill = |d: &mut DesignSummary, sold: &[u128], bought: &[u128]| {
        d.sold_per_minute = sold.iter().map(|&v| units(v)).collect();
        d.bought_per_minute = bought.iter().map(|&v| units(v)).collect();
        d.collateral_sold = units(sold.iter().sum());
        d.collateral_bought = units(bought.iter().sum());
        d.peak_sold_per_minute = sold.iter().copied().max().map_or(0.0, units);
        d.minutes_selling = sold.iter().filter(|&&v| v > 0).count() as u64;
    };
    fill(&mut soft, &soft_sold, &soft_bought);
    fill(&mut hard, &hard_sold, &vec![0; minutes]);
    if let Some(last) = c.steps.last() {
        soft.borrower_losses = signed_units(last.llamma_loss);
        soft.bad_debt = units(last.llamma_bad_debt);
        hard.borrower_losses = signed_units(last.hard_loss);
        hard.bad_debt = units(last.hard_bad_debt);
    }
    Ok(SoftLiquidationSummary {
        path: cfg.path,
        a: cfg.a,
        bands: cfg.bands,
        oracle_ema_s: cfg.oracle_ema_s,
        step_s: cfg.step_s,
        loans: c.opened,
        refused: c.refused.len(),
        soft,
        hard,
        keeper: None,
    })
}

/// The world of the soft design under `path: Loop`: `world` with its accounts as loans in one
/// LLAMMA market.
pub fn loop_world(cfg: &SoftConfig, world: &WorldConfig) -> WorldConfig {
    let spec = world.spec;
    let mut w = world.clone();
    w.llamma = Some(LlammaConfig {
        a: cfg.a,
        bands: cfg.bands,
        fee: wad(cfg.fee),
        loan_discount: wad(cfg.loan_discount),
        liquidation_discount: wad(cfg.liquidation_discount),
        oracle_ema: SimDuration::from_secs_f64(cfg.oracle_ema_s),
        step: SimDuration::from_secs_f64(cfg.step_s),
        keeper: cascade_agents::Wallet {
            cash: spec.quote_floor(cfg.keeper_cash),
            base: Lots(0),
        },
        gas_cost: spec.quote_floor(cfg.keeper_gas),
        min_profit: spec.quote_floor(cfg.keeper_min_profit),
    });
    w
}

/// One design's figures from a run's per-minute record, over `minutes` minutes: everything it
/// sold into the market, every loss of its borrowers, its bad debt.
pub(crate) fn design_from_series(
    p: &[MinutePressure],
    spec: MarketSpec,
    minutes: usize,
    hard_liquidations: u64,
) -> DesignSummary {
    let none = MinutePressure::default();
    let at = |m: usize| p.get(m).unwrap_or(&none);
    let sold: Vec<Lots> = (0..minutes).map(|m| at(m).sold()).collect();
    let bought: Vec<Lots> = (0..minutes).map(|m| at(m).llamma_bought).collect();
    let mut losses = Vec::with_capacity(minutes);
    let mut total = 0i128;
    for m in 0..minutes {
        total += at(m).loss();
        losses.push(total);
    }
    // Minutes past the run's last carry its last bad debt.
    let mut bad: Vec<u128> = Vec::with_capacity(minutes);
    for m in 0..minutes {
        let prev = bad.last().copied().unwrap_or(0);
        bad.push(p.get(m).map_or(prev, |x| x.bad_debt));
    }
    let usd = |q: i128| spec.quote_signed(q);
    let sum = |v: &[Lots]| Lots(v.iter().map(|l| l.0).sum());
    DesignSummary {
        borrower_losses: usd(total),
        bad_debt: usd(bad.last().copied().unwrap_or(0) as i128),
        collateral_sold: spec.qty(sum(&sold)),
        collateral_bought: spec.qty(sum(&bought)),
        peak_sold_per_minute: sold.iter().map(|&l| spec.qty(l)).fold(0.0, f64::max),
        minutes_selling: sold.iter().filter(|l| !l.is_zero()).count() as u64,
        hard_liquidations,
        sold_per_minute: sold.iter().map(|&l| spec.qty(l)).collect(),
        bought_per_minute: bought.iter().map(|&l| spec.qty(l)).collect(),
        cumulative_losses: losses.iter().map(|&q| usd(q)).collect(),
        cumulative_bad_debt: bad.iter().map(|&q| usd(q as i128)).collect(),
        lowest_mid: None,
    }
}

/// The comparison with LLAMMA inside the engine (`path: Loop`): `hard` is the run of `world`
/// itself; the soft design runs [`loop_world`] on the same seed.
pub fn compare_in_loop(
    cfg: &SoftConfig,
    world: &WorldConfig,
    hard: &RunStats,
) -> Result<SoftLiquidationSummary, SoftError> {
    let (soft, _) = World::new(loop_world(cfg, world), ()).run();
    if let Some(v) = soft.invariant_violation {
        return Err(SoftError::Invariant(v));
    }
    let l = soft.llamma.clone().unwrap_or_default();
    let minutes = hard.per_minute.len().max(soft.per_minute.len()).max(1);
    let spec = world.spec;
    let usd = |q: Quote| spec.quote(q);
    let keeper = LoopKeeper {
        soft_trades: l.soft_trades,
        buyback_trades: l.buyback_trades,
        pnl: spec.quote_signed(l.keeper_pnl),
        gas: usd(l.gas_spent),
        underwater_loans_at_end: l.underwater_at_end,
        debt_end: usd(l.debt_end),
        debt_start: usd(l.debt_start),
    };
    let mut soft_design = design_from_series(&soft.per_minute, spec, minutes, l.hard_liquidations);
    soft_design.lowest_mid = soft.min_mid.map(|p| spec.price(p));
    let mut hard_design = design_from_series(&hard.per_minute, spec, minutes, hard.liquidations);
    hard_design.lowest_mid = hard.min_mid.map(|p| spec.price(p));
    Ok(SoftLiquidationSummary {
        path: SoftPath::Loop,
        a: cfg.a,
        bands: cfg.bands,
        oracle_ema_s: cfg.oracle_ema_s,
        step_s: cfg.step_s,
        loans: l.loans as usize,
        refused: l.refused as usize,
        soft: soft_design,
        hard: hard_design,
        keeper: Some(keeper),
    })
}

/// The price samples of the first venue's book snapshots, in time order.
pub fn samples_from_rows<'a>(
    rows: impl IntoIterator<Item = (u64, &'a str, f64, Option<f64>, Option<f64>)>,
) -> Vec<PriceSample> {
    let mut venue: Option<String> = None;
    let mut out = Vec::new();
    for (time_ns, v, reference, mid, oracle) in rows {
        let first = venue.get_or_insert_with(|| v.to_string());
        if first != v {
            continue;
        }
        out.push(PriceSample {
            time_s: time_ns as f64 / 1e9,
            reference,
            mid,
            oracle,
        });
    }
    out
}

/// [`samples_from_rows`] of the book snapshots of a run's in-memory trace.
pub fn samples_from_memory(trace: &cascade_engine::trace::MemoryTrace) -> Vec<PriceSample> {
    samples_from_rows(
        trace
            .book_top
            .iter()
            .map(|r| (r.time_ns, r.venue.as_str(), r.reference, r.mid, r.oracle)),
    )
}

/// [`samples_from_rows`] of a run folder's `trace/book_top.csv`; empty if there is none.
pub fn samples_from_trace(dir: &std::path::Path) -> Result<Vec<PriceSample>, crate::ReportError> {
    #[derive(Deserialize)]
    struct Rec {
        time_ns: u64,
        #[serde(default)]
        venue: String,
        mid: Option<f64>,
        reference: f64,
        oracle: Option<f64>,
    }
    let path = dir.join("book_top.csv");
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let trace_err = |message: String| crate::ReportError::Trace {
        path: path.display().to_string(),
        message,
    };
    let mut rdr = csv::Reader::from_path(&path).map_err(|e| trace_err(e.to_string()))?;
    let mut recs = Vec::new();
    for r in rdr.deserialize::<Rec>() {
        recs.push(r.map_err(|e| trace_err(e.to_string()))?);
    }
    Ok(samples_from_rows(recs.iter().map(|r| {
        (r.time_ns, r.venue.as_str(), r.reference, r.mid, r.oracle)
    })))
}

/// The point series of the figure: per-minute amounts as steps, cumulative amounts at the end
/// of each minute.
pub(crate) fn per_minute_steps(v: &[f64]) -> Vec<(f64, f64)> {
    v.iter()
        .enumerate()
        .flat_map(|(m, &x)| {
            let t = m as f64 * MINUTE_S;
            [(t, x), (t + MINUTE_S, x)]
        })
        .collect()
}

/// Cumulative values at the end of each minute, starting from zero at time zero.
pub(crate) fn cumulative_points(v: &[f64]) -> Vec<(f64, f64)> {
    std::iter::once((0.0, 0.0))
        .chain(
            v.iter()
                .enumerate()
                .map(|(m, &x)| ((m as f64 + 1.0) * MINUTE_S, x)),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(ema: f64, path: SoftPath) -> SoftConfig {
        SoftConfig {
            a: 100,
            bands: 10,
            fee: 0.006,
            loan_discount: 0.09,
            liquidation_discount: 0.06,
            oracle_ema_s: ema,
            step_s: 2.0,
            path,
            liquidation_threshold: 0.83,
            liquidation_bonus: 1.05,
            close_factor: 0.5,
            keeper_cash: 1e7,
            keeper_gas: 5.0,
            keeper_min_profit: 1.0,
        }
    }

    fn samples() -> Vec<PriceSample> {
        [
            (0.0, 2000.0),
            (1.0, 1000.0),
            (2.0, 1000.0),
            (3.0, 1000.0),
            (4.0, 1000.0),
        ]
        .iter()
        .map(|&(time_s, reference)| PriceSample {
            time_s,
            reference,
            mid: Some(reference - 100.0),
            oracle: None,
        })
        .collect()
    }

    #[test]
    fn the_path_steps_holds_and_smooths() {
        // EMA with T = 2 s over 1 s samples: weight 1/2 per sample.
        let p = path_points(&cfg(2.0, SoftPath::Reference), &samples());
        let t: Vec<u64> = p
            .iter()
            .map(|x| x.time.as_nanos() / 1_000_000_000)
            .collect();
        assert_eq!(t, vec![0, 2, 4]);
        let m: Vec<u128> = p
            .iter()
            .map(|x| x.market / 1_000_000_000_000_000_000)
            .collect();
        assert_eq!(m, vec![2000, 1000, 1000]);
        let o: Vec<u128> = p
            .iter()
            .map(|x| x.llamma_oracle / 1_000_000_000_000_000_000)
            .collect();
        assert_eq!(o, vec![2000, 1250, 1062]);
        assert_eq!(p[1].hard_oracle, p[1].market);
        // Engine: the mid is the market, the reference stands in for a missing oracle.
        let e = path_points(&cfg(0.0, SoftPath::Engine), &samples());
        assert_eq!(e[1].market, 900 * 1_000_000_000_000_000_000);
        assert_eq!(e[1].llamma_oracle, e[1].market);
        assert_eq!(e[1].hard_oracle, 1000 * 1_000_000_000_000_000_000);
    }

    #[test]
    fn figure_series() {
        assert_eq!(
            per_minute_steps(&[1.0, 2.0]),
            vec![(0.0, 1.0), (60.0, 1.0), (60.0, 2.0), (120.0, 2.0)]
        );
        assert_eq!(
            cumulative_points(&[1.0, 3.0]),
            vec![(0.0, 0.0), (60.0, 1.0), (120.0, 3.0)]
        );
    }
}
