//! Running a sweep into a folder, resuming it, merging shards, and writing the result files.
//!
//! Folder layout: `sweep.json` (the spec), `parts/<cell>-<seed>.json` (one run's summary each,
//! written to a temporary name and renamed, so a part is whole or absent), and once every pair
//! has a part: `runs.csv`, `cells.csv` and, for two swept parameters, `heatmap.png`/`.svg`.

use crate::params;
use crate::spec::{Shard, SweepSpec};
use cascade_engine::World;
use cascade_engine::trace::CsvTrace;
use cascade_report::Summary;
use cascade_report::plot::{self, Footer, Format, Heatmap};
use cascade_scenario::Scenario;
use rayon::prelude::*;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Why a sweep stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep's arguments or scenario are not usable.
    #[error("{0}")]
    Spec(String),
    /// The output folder holds a different sweep.
    #[error("{dir}: holds a different sweep ({what}); use another --out or remove it")]
    Mismatch {
        /// The folder.
        dir: PathBuf,
        /// What differs.
        what: String,
    },
    /// File system trouble.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// What.
        source: std::io::Error,
    },
    /// A part file is not a run summary.
    #[error("{path}: not a sweep part: {message}")]
    BadPart {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// Stopped on request after some runs (`--stop-after`), as an interruption would.
    #[error("stopped after {0} runs; run the same command again to resume")]
    Interrupted(usize),
    /// Writing the figure failed.
    #[error(transparent)]
    Report(#[from] cascade_report::ReportError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Worker threads.
    pub jobs: usize,
    /// Only this shard's pairs.
    pub shard: Option<Shard>,
    /// Stop after this many new runs (to test or simulate an interruption).
    pub stop_after: Option<usize>,
    /// Report progress on stderr.
    pub progress: bool,
    /// Where scenarios find market data.
    pub data_dir: PathBuf,
}

/// How a sweep ended.
#[derive(Clone, Debug, PartialEq)]
pub enum SweepOutcome {
    /// Every pair is done and the result files are written.
    Complete {
        /// Runs done by this call.
        ran: usize,
        /// Pairs in the sweep.
        pairs: usize,
        /// Files written.
        files: Vec<PathBuf>,
    },
    /// This shard is done; other shards' pairs are missing.
    ShardDone {
        /// Runs done by this call.
        ran: usize,
        /// Pairs in this shard.
        shard_pairs: usize,
    },
}

fn part_path(dir: &Path, cell: usize, seed: u64) -> PathBuf {
    dir.join("parts").join(format!("{cell}-{seed}.json"))
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SweepError> {
    let name = path
        .file_name()
        .map_or("file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(
        ".{name}.tmp-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Writes `sweep.json`, or checks that the folder's is the same sweep.
fn claim(dir: &Path, spec: &SweepSpec) -> Result<(), SweepError> {
    std::fs::create_dir_all(dir.join("parts")).map_err(io(dir))?;
    let path = dir.join("sweep.json");
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let theirs: SweepSpec = serde_json::from_str(&text).map_err(|e| SweepError::BadPart {
            path: path.clone(),
            message: e.to_string(),
        })?;
        if &theirs != spec {
            let what = if theirs.scenario_sha256 != spec.scenario_sha256 {
                "another scenario"
            } else if theirs.params != spec.params {
                "other --set values"
            } else {
                "other seeds"
            };
            return Err(SweepError::Mismatch {
                dir: dir.to_path_buf(),
                what: what.into(),
            });
        }
        return Ok(());
    }
    let text = serde_json::to_string_pretty(spec).expect("a spec always serialises") + "\n";
    write_atomic(&path, text.as_bytes())
}

/// Runs one (cell, seed) pair: no trace kept, only its hash.
pub fn run_pair(
    base: &Scenario,
    spec: &SweepSpec,
    cell: usize,
    seed: u64,
    data_dir: &Path,
) -> Result<Summary, SweepError> {
    let scenario = params::apply(base, &spec.overrides(cell)).expect("cells were validated");
    let config = cascade_scenario::build(&scenario, Some(seed), data_dir)
        .map_err(|e| SweepError::Spec(format!("cell {cell}, seed {seed}: {e}")))?;
    let (stats, trace) = World::new(config.clone(), CsvTrace::hash_only()).run();
    if let Some(v) = &stats.invariant_violation {
        panic!("cell {cell}, seed {seed}: invariant violated {v}");
    }
    let hash = trace.finish().expect("hashing writes no files");
    Ok(Summary::new(&config, &stats, hash))
}

/// Progress on stderr: a bar on a terminal, a plain line every 5% otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: usize,
    done: AtomicUsize,
    start: std::time::Instant,
}

impl Progress {
    /// Wall-clock time is used for the display only; it never reaches results.
    #[allow(clippy::disallowed_methods)]
    fn new(total: usize, show: bool) -> Option<Self> {
        if !show || total == 0 {
            return None;
        }
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}",
                )
                .expect("a valid template"),
            );
            b
        });
        Some(Progress {
            bar,
            total,
            done: AtomicUsize::new(0),
            start: std::time::Instant::now(),
        })
    }

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        match &self.bar {
            Some(b) => b.inc(1),
            None => {
                let step = (self.total / 20).max(1);
                if done.is_multiple_of(step) || done == self.total {
                    let secs = self.start.elapsed().as_secs_f64();
                    let rate = done as f64 / secs.max(1e-9);
                    let eta = (self.total - done) as f64 / rate.max(1e-9);
                    eprintln!(
                        "sweep: {done}/{} runs, {rate:.1} runs/s, ETA {eta:.0} s",
                        self.total
                    );
                }
            }
        }
    }
}

/// Runs the sweep's pending pairs (those of `opts.shard`, if any) into `dir`, then writes the
/// result files if every pair of the sweep is done.
pub fn run(
    base: &Scenario,
    spec: &SweepSpec,
    dir: &Path,
    opts: &RunOptions,
) -> Result<SweepOutcome, SweepError> {
    claim(dir, spec)?;
    let mine = spec.shard_pairs(opts.shard);
    let pending: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|&i| {
            let (cell, seed) = spec.pair(i);
            !part_path(dir, cell, seed).exists()
        })
        .collect();
    let started = AtomicUsize::new(0);
    let progress = Progress::new(pending.len(), opts.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
        .map_err(|e| SweepError::Spec(format!("--jobs {}: {e}", opts.jobs)))?;
    let results: Vec<Result<bool, SweepError>> = pool.install(|| {
        pending
            .par_iter()
            .map(|&i| {
                let over = |limit| started.fetch_add(1, Ordering::SeqCst) >= limit;
                if opts.stop_after.is_some_and(over) {
                    return Ok(false);
                }
                let (cell, seed) = spec.pair(i);
                let summary = run_pair(base, spec, cell, seed, &opts.data_dir)?;
                let text = serde_json::to_string(&summary).expect("a summary always serialises");
                write_atomic(&part_path(dir, cell, seed), text.as_bytes())?;
                if let Some(p) = &progress {
                    p.tick();
                }
                Ok(true)
            })
            .collect()
    });
    if let Some(b) = progress.as_ref().and_then(|p| p.bar.as_ref()) {
        b.finish_and_clear();
    }
    let mut ran = 0;
    for r in results {
        if r? {
            ran += 1;
        }
    }
    if ran < pending.len() {
        return Err(SweepError::Interrupted(ran));
    }
    if (0..spec.pairs()).all(|i| {
        let (cell, seed) = spec.pair(i);
        part_path(dir, cell, seed).exists()
    }) {
        let files = assemble(dir, spec)?;
        Ok(SweepOutcome::Complete {
            ran,
            pairs: spec.pairs(),
            files,
        })
    } else {
        Ok(SweepOutcome::ShardDone {
            ran,
            shard_pairs: mine.len(),
        })
    }
}

/// Gathers the parts of shard folders into `dir` and writes the result files there: the same
/// files one machine would have written.
pub fn merge(dir: &Path, shards: &[PathBuf]) -> Result<SweepOutcome, SweepError> {
    let mut spec: Option<SweepSpec> = None;
    for s in shards {
        let path = s.join("sweep.json");
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let theirs: SweepSpec = serde_json::from_str(&text).map_err(|e| SweepError::BadPart {
            path: path.clone(),
            message: e.to_string(),
        })?;
        match &spec {
            None => spec = Some(theirs),
            Some(sp) if *sp != theirs => {
                return Err(SweepError::Mismatch {
                    dir: s.clone(),
                    what: "another sweep than the first shard".into(),
                });
            }
            _ => {}
        }
    }
    let spec =
        spec.ok_or_else(|| SweepError::Spec("merge needs at least one shard folder".into()))?;
    claim(dir, &spec)?;
    for i in 0..spec.pairs() {
        let (cell, seed) = spec.pair(i);
        let target = part_path(dir, cell, seed);
        if target.exists() {
            continue;
        }
        let source = shards
            .iter()
            .map(|s| part_path(s, cell, seed))
            .find(|p| p.exists())
            .ok_or_else(|| {
                SweepError::Spec(format!("no shard has run cell {cell}, seed {seed}"))
            })?;
        let bytes = std::fs::read(&source).map_err(io(&source))?;
        write_atomic(&target, &bytes)?;
    }
    let files = assemble(dir, &spec)?;
    Ok(SweepOutcome::Complete {
        ran: 0,
        pairs: spec.pairs(),
        files,
    })
}

/// The `q` quantile of sorted values by the nearest-rank method (`q = 0.95`: the value at
/// rank `ceil(0.95 n)`).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

/// Writes `runs.csv`, `cells.csv` and (for two swept parameters) the heatmap from the parts.
pub fn assemble(dir: &Path, spec: &SweepSpec) -> Result<Vec<PathBuf>, SweepError> {
    let param_cols: String = spec
        .params
        .iter()
        .map(|p| format!(",{}", csv_field(&p.path)))
        .collect();
    let mut runs = format!(
        "cell{param_cols},seed,liquidations,max_generation,bad_debt,deficit,open_shortfall,liquidated_value,debt_repaid,min_mid_price,min_oracle_price,events,trace_hash\n"
    );
    let mut cells = format!(
        "cell{param_cols},runs,liquidations_mean,max_generation_max,bad_debt_mean,bad_debt_p50,bad_debt_p95,liquidated_value_mean,liquidated_value_p50,liquidated_value_p95\n"
    );
    let mut p95_bad_debt = Vec::with_capacity(spec.cells());
    for cell in 0..spec.cells() {
        let values: String = spec
            .overrides(cell)
            .iter()
            .map(|(_, v)| format!(",{}", csv_field(v)))
            .collect();
        let mut bad = Vec::new();
        let mut liq_value = Vec::new();
        let mut liqs = 0u64;
        let mut max_gen: Option<u32> = None;
        for &seed in &spec.seeds {
            let path = part_path(dir, cell, seed);
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let s: Summary = serde_json::from_str(&text).map_err(|e| SweepError::BadPart {
                path: path.clone(),
                message: e.to_string(),
            })?;
            let _ = writeln!(
                runs,
                "{cell}{values},{seed},{},{},{},{},{},{},{},{},{},{},{}",
                s.liquidations,
                s.max_generation.map_or(String::new(), |g| g.to_string()),
                s.bad_debt,
                s.deficit,
                s.open_shortfall,
                s.liquidated_value,
                s.debt_repaid,
                opt(s.min_mid_price),
                opt(s.min_oracle_price),
                s.events,
                s.trace_hash
            );
            bad.push(s.bad_debt);
            liq_value.push(s.liquidated_value);
            liqs += s.liquidations;
            max_gen = max_gen.max(s.max_generation);
        }
        let n = spec.seeds.len() as f64;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
        let (bad_mean, liq_mean) = (mean(&bad), mean(&liq_value));
        bad.sort_by(f64::total_cmp);
        liq_value.sort_by(f64::total_cmp);
        let _ = writeln!(
            cells,
            "{cell}{values},{},{},{},{},{},{},{},{},{}",
            spec.seeds.len(),
            liqs as f64 / n,
            max_gen.map_or(String::new(), |g| g.to_string()),
            bad_mean,
            quantile(&bad, 0.5),
            quantile(&bad, 0.95),
            liq_mean,
            quantile(&liq_value, 0.5),
            quantile(&liq_value, 0.95)
        );
        p95_bad_debt.push(quantile(&bad, 0.95));
    }
    let runs_path = dir.join("runs.csv");
    let cells_path = dir.join("cells.csv");
    write_atomic(&runs_path, runs.as_bytes())?;
    write_atomic(&cells_path, cells.as_bytes())?;
    let mut files = vec![runs_path, cells_path];
    if let [x, y] = spec.params.as_slice() {
        let z: Vec<Vec<f64>> = (0..x.values.len())
            .map(|i| {
                (0..y.values.len())
                    .map(|j| p95_bad_debt[i * y.values.len() + j])
                    .collect()
            })
            .collect();
        let map = Heatmap {
            title: format!(
                "{}: bad debt, 95th percentile over {} seeds (USD)",
                spec.scenario,
                spec.seeds.len()
            ),
            x_label: x.path.clone(),
            x_values: x.values.clone(),
            y_label: y.path.clone(),
            y_values: y.values.clone(),
            z,
        };
        let footer = Footer {
            scenario: spec.scenario.clone(),
            seed: format!(
                "{}..{} ({} seeds)",
                spec.seeds[0],
                spec.seeds[spec.seeds.len() - 1],
                spec.seeds.len()
            ),
            version: env!("CARGO_PKG_VERSION").to_string(),
        };
        for f in [Format::Png, Format::Svg] {
            let final_path = dir.join(format!("heatmap.{}", f.ext()));
            let tmp = dir.join(format!(".heatmap.tmp-{}.{}", std::process::id(), f.ext()));
            plot::render(&map, &footer, &tmp, f)?;
            std::fs::rename(&tmp, &final_path).map_err(io(&final_path))?;
            files.push(final_path);
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert_eq!(quantile(&v, 0.5), 10.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
    }
}
