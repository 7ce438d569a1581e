//! cascade: a deterministic discrete-event simulator of liquidation cascades.
//!
//! This facade re-exports the small API most users need: load a scenario, run it, read the
//! summary. Everything else lives in the `cascade-*` crates (see ARCHITECTURE.md).
//!
//! ```
//! use cascade::{Scenario, run_in_memory};
//!
//! let scenario = Scenario::parse(cascade::FLASH_CRASH, "flash_crash.ron").unwrap();
//! let mut short = scenario.clone();
//! short.duration_s = 120.0; // the first two minutes are enough for an example
//! let run = run_in_memory(&short, Some(7));
//! assert_eq!(run.summary.seed, 7);
//! assert!(run.summary.events > 0);
//! ```

mod output;

use cascade_book::replay::{ReplayStats, Replayer};
use cascade_scenario::lobster::LobsterSample;
use std::path::{Path, PathBuf};

pub use cascade_engine::Route;
pub use cascade_engine::trace::MemoryTrace;
pub use cascade_engine::{RunStats, World, WorldConfig};
pub use cascade_report::Summary;
pub use cascade_risk::mechanism;
pub use cascade_risk::{Account, Liquidation, LiquidationMechanism};
pub use cascade_scenario::{Scenario, ScenarioError};
pub use output::{OutputError, RunOptions, default_out_dir, render_plots, run_to_dir};

use cascade_report::plot::Format;

/// The built-in default scenario (the same text as `scenarios/flash_crash.ron`).
pub const FLASH_CRASH: &str = include_str!("../scenarios/flash_crash.ron");

/// A finished in-memory run.
pub struct InMemoryRun {
    /// The headline figures (its `trace_hash` is empty: nothing was written).
    pub summary: Summary,
    /// Raw counters.
    pub stats: RunStats,
    /// Every trace row.
    pub trace: MemoryTrace,
    /// The world's configuration.
    pub config: WorldConfig,
}

/// Builds a scenario's world (see `cascade_scenario::build`) and checks that each published
/// figure it names (`published[i].metric`) is a number of the run's summary.
pub fn build(
    scenario: &Scenario,
    seed: Option<u64>,
    data_dir: &Path,
) -> Result<WorldConfig, ScenarioError> {
    let config = cascade_scenario::build(scenario, seed, data_dir)?;
    let figures = published_figures(scenario);
    if let Some(i) = cascade_report::unknown_metric(&config, &figures) {
        return Err(ScenarioError::Invalid {
            origin: scenario.name.clone(),
            field: format!("published[{i}].metric"),
            message: format!(
                "`{}` is not a number in this scenario's summary.json (e.g. bad_debt, \
                 liquidations, vaults.deficit, vaults.zero_bid_share)",
                figures[i].metric
            ),
        });
    }
    Ok(config)
}

/// The scenario's published figures, as the report compares them.
pub fn published_figures(scenario: &Scenario) -> Vec<cascade_report::PublishedFigure> {
    scenario
        .published
        .iter()
        .map(|p| cascade_report::PublishedFigure {
            metric: p.metric.clone(),
            value: p.value,
            unit: p.unit.clone(),
            source: p.source.clone(),
        })
        .collect()
}

/// The parameters of the scenario's `soft_liquidation` comparison, if it has that section:
/// LLAMMA's from the section, the Aave-style rule's from `lending`.
pub fn soft_config(scenario: &Scenario) -> Option<cascade_report::soft::SoftConfig> {
    let s = scenario.soft_liquidation.as_ref()?;
    let l = &scenario.lending;
    Some(cascade_report::soft::SoftConfig {
        a: s.a,
        bands: s.bands,
        fee: s.fee,
        loan_discount: s.loan_discount,
        liquidation_discount: s.liquidation_discount,
        oracle_ema_s: s.oracle_ema_s,
        step_s: s.step_s,
        path: match s.path {
            cascade_scenario::SoftPathSpec::Reference => cascade_report::SoftPath::Reference,
            cascade_scenario::SoftPathSpec::Engine => cascade_report::SoftPath::Engine,
            cascade_scenario::SoftPathSpec::Loop => cascade_report::SoftPath::Loop,
        },
        keeper_cash: s.keeper.cash,
        keeper_gas: s.keeper.gas_usd,
        keeper_min_profit: s.keeper.min_profit_usd,
        liquidation_threshold: l.liquidation_threshold.unwrap_or(0.0),
        liquidation_bonus: l.liquidation_bonus.unwrap_or(1.0),
        close_factor: l.close_factor,
    })
}

/// Adds the scenario's soft-versus-hard comparison (if it has one) to a run's summary: on the
/// price samples of the run's book snapshots (a run without snapshots gets none), or with
/// `path: Loop` against a second run with the accounts in a LLAMMA market.
pub fn add_soft_comparison(
    scenario: &Scenario,
    config: &WorldConfig,
    stats: &cascade_engine::RunStats,
    samples: &[cascade_report::soft::PriceSample],
    summary: &mut Summary,
) -> Result<(), cascade_report::soft::SoftError> {
    let Some(cfg) = soft_config(scenario) else {
        return Ok(());
    };
    if cfg.path == cascade_report::SoftPath::Loop {
        summary.soft_liquidation =
            Some(cascade_report::soft::compare_in_loop(&cfg, config, stats)?);
        return Ok(());
    }
    if samples.is_empty() {
        return Ok(());
    }
    summary.soft_liquidation = Some(cascade_report::soft::compare_soft_hard(
        &cfg, config, samples,
    )?);
    Ok(())
}

/// Adds the hard-liquidation baseline to a run with deleverage bots: the same world and seed
/// without them (`summary.json` `deleverage.without_bots`).
pub fn add_deleverage_baseline(config: &WorldConfig, summary: &mut Summary) {
    if let Some(d) = summary.deleverage.as_mut() {
        d.add_baseline(config);
    }
}

/// Runs a scenario with every trace row kept in memory (for tests and notebook-style use),
/// reading market data from the default data directory ([`data_dir`]).
///
/// # Panics
///
/// If the scenario's market data cannot be read (use [`run_in_memory_with`] to handle that).
pub fn run_in_memory(scenario: &Scenario, seed: Option<u64>) -> InMemoryRun {
    run_in_memory_with(scenario, seed, &data_dir(None)).unwrap_or_else(|e| panic!("{e}"))
}

/// [`run_in_memory`] with market data read from `data_dir`.
pub fn run_in_memory_with(
    scenario: &Scenario,
    seed: Option<u64>,
    data_dir: &Path,
) -> Result<InMemoryRun, ScenarioError> {
    let config = build(scenario, seed, data_dir)?;
    let mut run = run_config(config);
    run.summary.compare_with(&published_figures(scenario));
    add_deleverage_baseline(&run.config, &mut run.summary);
    let samples = cascade_report::soft::samples_from_memory(&run.trace);
    add_soft_comparison(
        scenario,
        &run.config,
        &run.stats,
        &samples,
        &mut run.summary,
    )
    .map_err(|e| ScenarioError::Invalid {
        origin: scenario.name.clone(),
        field: "soft_liquidation".into(),
        message: e.to_string(),
    })?;
    Ok(run)
}

/// Runs a world configuration with every trace row kept in memory: a built scenario changed
/// in code, e.g. with its lending market under another [`LiquidationMechanism`].
///
/// ```
/// use cascade::{Scenario, build, data_dir, mechanism::Morpho, run_config};
///
/// let mut scenario = Scenario::parse(cascade::FLASH_CRASH, "flash_crash.ron").unwrap();
/// scenario.duration_s = 60.0;
/// let mut config = build(&scenario, None, &data_dir(None)).unwrap();
/// config.lending = Box::new(Morpho::new(860_000_000_000_000_000).unwrap());
/// let run = run_config(config);
/// assert_eq!(run.summary.lending.mechanism, "morpho-blue");
/// ```
pub fn run_config(config: WorldConfig) -> InMemoryRun {
    let world = World::new(config.clone(), MemoryTrace::default());
    let (stats, trace) = world.run();
    let summary = Summary::new(&config, &stats, String::new());
    InMemoryRun {
        summary,
        stats,
        trace,
        config,
    }
}

/// Replays a LOBSTER sample from its first snapshot, comparing the top `levels` levels after
/// every later message (see `cascade_book::replay`).
pub fn replay_lobster(sample: &LobsterSample, levels: usize) -> ReplayStats {
    let Some(seed) = sample.rows.first() else {
        return ReplayStats::default();
    };
    let mut r = Replayer::new(seed, levels);
    for (m, row) in sample.messages.iter().zip(&sample.rows).skip(1) {
        r.apply(m);
        r.check(row);
    }
    r.stats()
}

/// The market-data directory: `flag` if given, else `$CASCADE_DATA_DIR`, else `../shared/data`
/// relative to the current directory.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_path_buf)
        .or_else(|| std::env::var_os("CASCADE_DATA_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("../shared/data"))
}

/// Parses a comma-separated list of figure formats (`png`, `svg`).
pub fn parse_formats(list: &str) -> Result<Vec<Format>, String> {
    list.split(',')
        .map(|f| match f.trim() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            other => Err(format!(
                "unknown figure format `{other}` (expected png or svg)"
            )),
        })
        .collect()
}
