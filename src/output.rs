//! Run folders: written whole or not at all.
//!
//! A run writes into a temporary sibling folder and renames it into place only after the trace,
//! summary and figures are complete, so a failed run never leaves a half-written folder and never
//! touches an earlier run's folder. An existing `--out` folder is replaced only if it is a cascade
//! run (it has a `summary.json`) and `--force` is given.

use crate::{Format, Summary, build};
use cascade_engine::World;
use cascade_engine::trace::{CsvTrace, MemoryTrace, Row, TraceFile, TraceLevel, TraceSink};
use cascade_scenario::Scenario;
use std::path::{Path, PathBuf};

/// How to run and what to write.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Seed override.
    pub seed: Option<u64>,
    /// Figure formats.
    pub formats: Vec<Format>,
    /// Replace an existing run folder.
    pub force: bool,
    /// Check conservation and book consistency after every event.
    pub check_invariants: bool,
    /// Which trace files to write.
    pub trace_level: TraceLevel,
    /// Where scenarios find market data.
    pub data_dir: PathBuf,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: None,
            formats: vec![Format::Png, Format::Svg],
            force: false,
            check_invariants: false,
            trace_level: TraceLevel::Full,
            data_dir: crate::data_dir(None),
        }
    }
}

/// Why a run folder could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// `--out` exists and may not be replaced.
    #[error(
        "{0}: already exists and is not a cascade run folder (no summary.json); choose another --out"
    )]
    NotARun(PathBuf),
    /// `--out` is an earlier run and `--force` was not given.
    #[error("{0}: holds an earlier run; pass --force to replace it")]
    Exists(PathBuf),
    /// File system trouble.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// The trace could not be written.
    #[error(transparent)]
    Engine(#[from] cascade_engine::EngineError),
    /// The summary or a figure could not be written.
    #[error(transparent)]
    Report(#[from] cascade_report::ReportError),
    /// The scenario's market data could not be used.
    #[error(transparent)]
    Scenario(#[from] cascade_scenario::ScenarioError),
    /// The soft-versus-hard liquidation comparison could not be made.
    #[error(transparent)]
    Soft(#[from] cascade_report::soft::SoftError),
    /// The simulation broke one of its own invariants: a bug in cascade, reported with the
    /// event and the values.
    #[error("invariant violated {0}")]
    Invariant(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `runs/<name>-seed<seed>`, or the first `-2`, `-3`, ... variant that does not exist yet.
pub fn default_out_dir(root: &Path, name: &str, seed: u64) -> PathBuf {
    let base = root.join(format!("{name}-seed{seed}"));
    if !base.exists() {
        return base;
    }
    (2..)
        .map(|k| root.join(format!("{name}-seed{seed}-{k}")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

/// Runs `scenario` and writes `out/summary.json`, `out/trace/*.csv` and `out/plots/*`.
pub fn run_to_dir(
    scenario: &Scenario,
    out: &Path,
    opts: &RunOptions,
) -> Result<Summary, OutputError> {
    if out.exists() {
        if !out.join("summary.json").is_file() {
            return Err(OutputError::NotARun(out.to_path_buf()));
        }
        if !opts.force {
            return Err(OutputError::Exists(out.to_path_buf()));
        }
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = out
        .file_name()
        .map_or("run".into(), |n| n.to_string_lossy().into_owned());
    // Partial folders left by earlier runs into the same --out that were killed before renaming.
    let stale_prefix = format!(".{name}.partial-");
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&stale_prefix) {
                std::fs::remove_dir_all(e.path()).map_err(io(&e.path()))?;
            }
        }
    }
    let tmp = parent.join(format!("{stale_prefix}{}", std::process::id()));
    let result = write_run(scenario, &tmp, opts);
    match result {
        Ok(summary) => {
            if out.exists() {
                std::fs::remove_dir_all(out).map_err(io(out))?;
            }
            std::fs::rename(&tmp, out).map_err(io(out))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn write_run(scenario: &Scenario, dir: &Path, opts: &RunOptions) -> Result<Summary, OutputError> {
    let trace_dir = dir.join("trace");
    let plots_dir = dir.join("plots");
    std::fs::create_dir_all(&trace_dir).map_err(io(&trace_dir))?;
    std::fs::create_dir_all(&plots_dir).map_err(io(&plots_dir))?;
    let config = build(scenario, opts.seed, &opts.data_dir)?;
    let csv = CsvTrace::with_level(&trace_dir, opts.trace_level).map_err(io(&trace_dir))?;
    let trace = WithPrices {
        csv,
        prices: MemoryTrace::default(),
        keep: scenario.soft_liquidation.is_some(),
    };
    let mut world = World::new(config.clone(), trace);
    world.set_check_invariants(opts.check_invariants);
    let (stats, trace) = world.run();
    if let Some(v) = &stats.invariant_violation {
        return Err(OutputError::Invariant(v.clone()));
    }
    let hash = trace
        .csv
        .finish()
        .map_err(cascade_engine::EngineError::Trace)?;
    let mut summary = Summary::new(&config, &stats, hash);
    summary.compare_with(&crate::published_figures(scenario));
    let samples = cascade_report::soft::samples_from_memory(&trace.prices);
    crate::add_soft_comparison(scenario, &config, &stats, &samples, &mut summary)?;
    crate::add_deleverage_baseline(&config, &mut summary);
    summary.write(&dir.join("summary.json"))?;
    if opts.trace_level >= TraceLevel::Liquidations {
        render_plots(dir, &summary, &opts.formats)?;
    }
    Ok(summary)
}

/// The run's CSV trace, plus an in-memory copy of the book snapshots when the scenario's
/// soft-liquidation comparison needs the price path (whatever the trace level writes).
struct WithPrices {
    csv: CsvTrace,
    prices: MemoryTrace,
    keep: bool,
}

impl TraceSink for WithPrices {
    fn row<R: Row>(&mut self, row: &R) {
        self.csv.row(row);
        if self.keep && R::FILE == TraceFile::BookTop {
            row.keep(&mut self.prices);
        }
    }
}

/// Draws the default figures of a run folder from its trace (see `cascade_report::run_figures`).
pub fn render_plots(
    dir: &Path,
    summary: &Summary,
    formats: &[Format],
) -> Result<Vec<PathBuf>, OutputError> {
    Ok(cascade_report::run_figures(dir, summary, formats)?)
}
