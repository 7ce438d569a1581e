//! `cascade compare`: the same scenario and seeds with the liquidators' sales routed
//! differently, side by side.
//!
//! Route names: `book` (all on the first book venue), `amm` (all into the first AMM pool),
//! `split` (across every book and pool, equalising their marginal prices), `sliced` (the first
//! venue, in 6 slices 20 s apart), `hold` (nothing sold: capital is not recycled), or a venue's
//! or pool's name (all there). Every liquidator group gets the route; nothing else changes.

use crate::store::SweepError;
use cascade_engine::World;
use cascade_engine::trace::CsvTrace;
use cascade_report::Summary;
use cascade_report::plot::{self, CompareFigure, Footer, Format};
use cascade_scenario::{RouteSpec, Scenario};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The route a name stands for in `scenario`.
pub fn route_named(scenario: &Scenario, name: &str) -> Result<RouteSpec, String> {
    let mut venues = scenario.venue_names();
    let pools: Vec<String> = scenario.pools.iter().map(|p| p.name.clone()).collect();
    Ok(match name {
        "book" => RouteSpec::Venue(venues[0].clone()),
        "amm" => match pools.first() {
            Some(p) => RouteSpec::Venue(p.clone()),
            None => return Err("route `amm`: the scenario has no pool".to_string()),
        },
        "split" => {
            venues.extend(pools);
            RouteSpec::Split(venues)
        }
        "sliced" => RouteSpec::Sliced {
            route: Box::new(RouteSpec::Venue(venues[0].clone())),
            slices: 6,
            every_s: 20.0,
        },
        "hold" => RouteSpec::Hold,
        v if venues.iter().chain(&pools).any(|x| x == v) => RouteSpec::Venue(v.to_string()),
        other => {
            return Err(format!(
                "unknown route `{other}`: use book, amm, split, sliced, hold or a venue or pool name ({})",
                venues
                    .iter()
                    .chain(&pools)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    })
}

/// One run of the comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRun {
    /// Route name.
    pub route: String,
    /// Seed.
    pub seed: u64,
    /// Its summary.
    pub summary: Summary,
}

/// Runs every route with every seed on `jobs` threads; results in (route, seed) order.
pub fn compare(
    base: &Scenario,
    routes: &[String],
    seeds: &[u64],
    data_dir: &Path,
    jobs: usize,
) -> Result<Vec<CompareRun>, SweepError> {
    let mut scenarios = Vec::new();
    for name in routes {
        let route = route_named(base, name).map_err(SweepError::Spec)?;
        let mut s = base.clone();
        for g in &mut s.liquidators {
            g.route = Some(route.clone());
        }
        s.validate()
            .map_err(|(f, m)| SweepError::Spec(format!("route {name}: {f}: {m}")))?;
        scenarios.push((name.clone(), s));
    }
    let pairs: Vec<(usize, u64)> = (0..scenarios.len())
        .flat_map(|r| seeds.iter().map(move |&s| (r, s)))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| SweepError::Spec(format!("--jobs {jobs}: {e}")))?;
    pool.install(|| {
        pairs
            .par_iter()
            .map(|&(r, seed)| {
                let (name, s) = &scenarios[r];
                let config = cascade_scenario::build(s, Some(seed), data_dir)
                    .map_err(|e| SweepError::Spec(format!("route {name}, seed {seed}: {e}")))?;
                let (stats, trace) = World::new(config.clone(), CsvTrace::hash_only()).run();
                if let Some(v) = &stats.invariant_violation {
                    panic!("route {name}, seed {seed}: invariant violated {v}");
                }
                let hash = trace.finish().expect("hashing writes no files");
                Ok(CompareRun {
                    route: name.clone(),
                    seed,
                    summary: Summary::new(&config, &stats, hash),
                })
            })
            .collect()
    })
}

/// Per-route means of the comparison's figures.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteMeans {
    /// Route name.
    pub route: String,
    /// Mean liquidations.
    pub liquidations: f64,
    /// Highest generation over the seeds.
    pub max_generation: Option<u32>,
    /// Mean bad debt, USD.
    pub bad_debt: f64,
    /// Mean slippage of liquidation sales against the pre-sale observed price, USD.
    pub slippage: f64,
    /// Mean lowest venue mid, USD.
    pub trough: f64,
    /// Mean debt of accounts left liquidatable at the end, USD.
    pub left_debt: f64,
}

/// Means per route, in the routes' order.
pub fn means(runs: &[CompareRun], routes: &[String]) -> Vec<RouteMeans> {
    routes
        .iter()
        .map(|r| {
            let mine: Vec<&Summary> = runs
                .iter()
                .filter(|x| &x.route == r)
                .map(|x| &x.summary)
                .collect();
            let n = mine.len().max(1) as f64;
            let mean = |f: &dyn Fn(&Summary) -> f64| mine.iter().map(|s| f(s)).sum::<f64>() / n;
            RouteMeans {
                route: r.clone(),
                liquidations: mean(&|s| s.liquidations as f64),
                max_generation: mine.iter().filter_map(|s| s.max_generation).max(),
                bad_debt: mean(&|s| s.bad_debt),
                slippage: mean(&|s| s.sale_slippage),
                trough: mean(&|s| s.min_mid_price.unwrap_or(f64::NAN)),
                left_debt: mean(&|s| s.left_liquidatable_debt),
            }
        })
        .collect()
}

/// Writes `compare.csv` (one row per route and seed), `routes.csv` (means per route) and the
/// comparison figure into `dir`; returns the files.
pub fn write(
    dir: &Path,
    scenario: &str,
    runs: &[CompareRun],
    routes: &[String],
    seeds: &[u64],
) -> Result<Vec<PathBuf>, SweepError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SweepError::Io { path: p, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut rows = String::from(
        "route,seed,liquidations,max_generation,bad_debt,sale_slippage,min_mid_price,debt_repaid,left_liquidatable,left_liquidatable_debt,trace_hash\n",
    );
    for r in runs {
        let s = &r.summary;
        let _ = writeln!(
            rows,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.route,
            r.seed,
            s.liquidations,
            s.max_generation.map_or(String::new(), |g| g.to_string()),
            s.bad_debt,
            s.sale_slippage,
            s.min_mid_price.map_or(String::new(), |p| p.to_string()),
            s.debt_repaid,
            s.left_liquidatable,
            s.left_liquidatable_debt,
            s.trace_hash
        );
    }
    let m = means(runs, routes);
    let mut table = String::from(
        "route,runs,liquidations_mean,max_generation,bad_debt_mean,sale_slippage_mean,min_mid_price_mean,left_liquidatable_debt_mean\n",
    );
    for r in &m {
        let _ = writeln!(
            table,
            "{},{},{},{},{},{},{},{}",
            r.route,
            seeds.len(),
            r.liquidations,
            r.max_generation.map_or(String::new(), |g| g.to_string()),
            r.bad_debt,
            r.slippage,
            r.trough,
            r.left_debt
        );
    }
    let files = [dir.join("compare.csv"), dir.join("routes.csv")];
    std::fs::write(&files[0], rows).map_err(io(&files[0]))?;
    std::fs::write(&files[1], table).map_err(io(&files[1]))?;
    let mut out = files.to_vec();
    let fig = CompareFigure {
        scenario,
        routes: m.iter().map(|r| r.route.clone()).collect(),
        panels: vec![
            (
                "bad debt (USD)".into(),
                m.iter().map(|r| r.bad_debt).collect(),
            ),
            (
                "slippage of liquidation sales (USD)".into(),
                m.iter().map(|r| r.slippage).collect(),
            ),
            (
                "lowest mid (USD)".into(),
                m.iter().map(|r| r.trough).collect(),
            ),
            (
                "liquidations".into(),
                m.iter().map(|r| r.liquidations).collect(),
            ),
        ],
        seeds: seeds.len(),
    };
    let footer = Footer {
        scenario: scenario.to_string(),
        seed: format!(
            "{}..{} ({} seeds)",
            seeds[0],
            seeds[seeds.len() - 1],
            seeds.len()
        ),
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    for f in [Format::Png, Format::Svg] {
        let p = dir.join(format!("compare.{}", f.ext()));
        plot::render(&fig, &footer, &p, f)?;
        out.push(p);
    }
    Ok(out)
}
