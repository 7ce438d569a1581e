//! The `cascade` command line.

use anyhow::{Context, Result, bail};
use cascade::{OutputError, RunOptions, Scenario, ScenarioError, Summary};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Prints a line to stdout; a closed pipe (`cascade ... | head`) ends the output quietly
/// instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        if writeln!(out, $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// Deterministic simulator of liquidation cascades in DeFi lending markets.
#[derive(Parser)]
#[command(name = "cascade", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write summary.json, trace/*.csv and plots/ into a run folder.
    ///
    /// Examples:
    ///   cascade run                                  # the built-in flash_crash scenario
    ///   cascade run scenarios/flash_crash.ron --seed 7 --out runs/fc7
    #[command(verbatim_doc_comment)]
    Run {
        /// Scenario file (RON); the built-in flash_crash scenario if absent.
        scenario: Option<PathBuf>,
        /// Master seed, replacing the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Run folder (default: a fresh folder under runs/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace --out if it holds an earlier run.
        #[arg(long)]
        force: bool,
        /// Data directory for scenarios that read market data (default ../shared/data or
        /// $CASCADE_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Figure formats, comma-separated.
        #[arg(long, default_value = "png,svg")]
        format: String,
        /// Check value conservation and book consistency after every event (slower).
        #[arg(long)]
        check_invariants: bool,
        /// Trace files to write: full (every file), liquidations (liquidations.csv and
        /// oracle.csv), or summary (none). The trace hash always covers the full trace.
        #[arg(long, default_value = "full")]
        trace: cascade_engine::trace::TraceLevel,
    },
    /// Run a grid of scenario parameters times seeds in parallel; resumable and shardable.
    ///
    /// Each --set names a scenario parameter by its path in the RON file and its values: a
    /// list (a,b,c) or ranges with both ends included (10..20, 0.005..0.02:0.005). The grid is
    /// every combination of the values, times every seed. Results: runs.csv (one row per cell
    /// and seed), cells.csv (mean, p50, p95 of bad debt and liquidated value, max generation per
    /// cell) and, for two parameters, heatmap.png/.svg. Rerunning the same command resumes an
    /// interrupted sweep; the files are identical whatever --jobs and however often interrupted.
    ///
    /// Examples:
    ///   cascade sweep scenarios/flash_crash.ron --set makers[0].size_per_level=2,4,8 \
    ///       --set oracle.publication.Push.deviation=0.0025..0.01:0.0025 --seeds 1..20 --jobs 2
    ///   cascade sweep scenarios/flash_crash.ron --set accounts.count=500,1000 --seeds 1..100 \
    ///       --shard 0/4 --out runs/sweep-shard0        # on machine 0 of 4
    ///   cascade sweep merge --out runs/sweep runs/sweep-shard0 runs/sweep-shard1 ...
    #[command(verbatim_doc_comment)]
    Sweep(SweepArgs),
    /// Run the same scenario and seeds with the liquidators' sales routed differently.
    ///
    /// Routes: book (all on the first venue), split (across every venue, equalising marginal
    /// prices), sliced (the first venue, 6 slices 20 s apart), hold (nothing sold), or a
    /// venue's name. Prints a table
    /// and writes compare.csv (per route and seed), routes.csv (means) and compare.png/.svg.
    ///
    /// Example: cascade compare scenarios/flash_crash_two_venues.ron --routes thin,deep,split,sliced --seeds 1..10
    #[command(verbatim_doc_comment)]
    Compare {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Routes, comma-separated.
        #[arg(long, default_value = "book,split")]
        routes: String,
        /// Seeds: a list or a range with both ends included.
        #[arg(long, default_value = "1..5")]
        seeds: String,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output folder (default runs/compare-<scenario>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Data directory (default ../shared/data or $CASCADE_DATA_DIR).
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Parse and range-check a scenario without running it.
    ///
    /// Example: cascade validate scenarios/flash_crash.ron
    Validate {
        /// Scenario file (RON).
        scenario: PathBuf,
        /// Data directory for scenarios that read market data (default ../shared/data or
        /// $CASCADE_DATA_DIR); the data files are read and checked too.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Replay LOBSTER data and compare the book with the exchange's after every message.
    ///
    /// Seeds the book from the first orderbook row, applies each message, compares the top
    /// levels with the orderbook file, adopts levels revealed from below the visible depth, and
    /// prints exact matches, reveals, unexplained mismatches and messages per second.
    ///
    /// Example:
    ///   cascade lobster ../shared/data/lobster-aapl-2012-06-21-L10/AAPL_2012-06-21_34200000_57600000_message_10.csv \
    ///                   ../shared/data/lobster-aapl-2012-06-21-L10/AAPL_2012-06-21_34200000_57600000_orderbook_10.csv --levels 5
    #[command(verbatim_doc_comment)]
    Lobster {
        /// LOBSTER message file.
        message: PathBuf,
        /// LOBSTER orderbook file (one row per message).
        orderbook: PathBuf,
        /// Levels to compare (default: all levels in the orderbook file).
        #[arg(long)]
        levels: Option<usize>,
    },
    /// Re-make the figure gallery: run every scenario in a folder and copy its figures.
    ///
    /// Example: cascade gallery            # scenarios/*.ron -> plots/<name>_<figure>.png
    Gallery {
        /// Folder of scenario files.
        #[arg(long, default_value = "scenarios")]
        scenarios: PathBuf,
        /// Folder the figures go to.
        #[arg(long, default_value = "plots")]
        out: PathBuf,
    },
    /// Re-draw a run folder's figures from its trace, without re-running.
    ///
    /// Example: cascade plot runs/flash_crash-seed42 --format png
    Plot {
        /// Run folder (holds summary.json and trace/).
        run_dir: PathBuf,
        /// Figure formats, comma-separated.
        #[arg(long, default_value = "png,svg")]
        format: String,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
struct SweepArgs {
    #[command(subcommand)]
    merge: Option<SweepCommand>,
    /// Data directory for scenarios that read market data (default ../shared/data or
    /// $CASCADE_DATA_DIR).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Scenario file (RON).
    scenario: Option<PathBuf>,
    /// A swept parameter: path=values (repeatable).
    #[arg(long = "set")]
    sets: Vec<String>,
    /// Seeds: a list or a range with both ends included, e.g. 1..100.
    #[arg(long)]
    seeds: Option<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Output folder (default runs/sweep-<scenario>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only shard I of N (pairs whose index is I modulo N); merge the shard folders after.
    #[arg(long)]
    shard: Option<cascade_sweep::Shard>,
    /// Stop after N new runs, as an interruption would (to test resuming).
    #[arg(long)]
    stop_after: Option<usize>,
}

#[derive(Subcommand)]
enum SweepCommand {
    /// Combine shard folders into the files one machine would have written.
    Merge {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Shard folders.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
}

/// Exit codes: 0 success, 1 a run failed, 2 bad input (scenario, data file, arguments).
const EXIT_RUNTIME: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            let bad_input = e.chain().any(|c| {
                c.is::<ScenarioError>()
                    || c.is::<cascade_scenario::DataError>()
                    || matches!(
                        c.downcast_ref::<cascade_sweep::SweepError>(),
                        Some(
                            cascade_sweep::SweepError::Spec(_)
                                | cascade_sweep::SweepError::Mismatch { .. }
                        )
                    )
                    || matches!(
                        c.downcast_ref::<OutputError>(),
                        Some(
                            OutputError::Exists(_)
                                | OutputError::NotARun(_)
                                | OutputError::Scenario(_)
                        )
                    )
                    || c.is::<BadInput>()
            });
            ExitCode::from(if bad_input {
                EXIT_BAD_INPUT
            } else {
                EXIT_RUNTIME
            })
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadInput(String);

fn load(path: Option<&Path>) -> Result<Scenario> {
    Ok(match path {
        Some(p) => Scenario::load(p)?,
        None => Scenario::parse(cascade::FLASH_CRASH, "<built-in flash_crash>")?,
    })
}

fn dispatch(cmd: Command) -> Result<()> {
    match cmd {
        Command::Run {
            scenario,
            seed,
            out,
            force,
            data_dir,
            format,
            check_invariants,
            trace,
        } => {
            let formats = cascade::parse_formats(&format).map_err(BadInput)?;
            let s = load(scenario.as_deref())?;
            let seed_used = seed.unwrap_or(s.seed);
            let out = out
                .unwrap_or_else(|| cascade::default_out_dir(Path::new("runs"), &s.name, seed_used));
            let opts = RunOptions {
                seed,
                formats,
                force,
                check_invariants,
                trace_level: trace,
                data_dir: cascade::data_dir(data_dir.as_deref()),
            };
            let file = scenario
                .as_deref()
                .map_or(s.name.clone(), |p| p.display().to_string());
            let summary = cascade::run_to_dir(&s, &out, &opts).map_err(|e| match e {
                OutputError::Scenario(e) => OutputError::Scenario(e.in_file(&s.name, &file)),
                other => other,
            })?;
            say!("{}", summary.human());
            say!("wrote {}", out.display());
            Ok(())
        }
        Command::Validate { scenario, data_dir } => {
            let s = Scenario::load(&scenario)?;
            // Building reads and checks any market data the scenario names.
            cascade::build(&s, None, &cascade::data_dir(data_dir.as_deref()))
                .map_err(|e| e.in_file(&s.name, &scenario.display().to_string()))?;
            say!(
                "{}: ok (scenario {}, {} accounts, {} maker groups, {} liquidator groups)",
                scenario.display(),
                s.name,
                s.accounts.count,
                s.makers.len(),
                s.liquidators.len()
            );
            Ok(())
        }
        Command::Gallery { scenarios, out } => gallery(&scenarios, &out),
        Command::Sweep(args) => sweep(args),
        Command::Compare {
            scenario,
            routes,
            seeds,
            jobs,
            out,
            data_dir,
        } => compare(&scenario, &routes, &seeds, jobs, out, data_dir),
        Command::Lobster {
            message,
            orderbook,
            levels,
        } => lobster(&message, &orderbook, levels),
        Command::Plot { run_dir, format } => {
            let formats = cascade::parse_formats(&format).map_err(BadInput)?;
            let path = run_dir.join("summary.json");
            if !path.is_file() {
                bail!(BadInput(format!(
                    "{}: not a run folder (no summary.json)",
                    run_dir.display()
                )));
            }
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let summary: Summary = serde_json::from_str(&text)
                .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            for p in cascade::render_plots(&run_dir, &summary, &formats)? {
                say!("wrote {}", p.display());
            }
            Ok(())
        }
    }
}

fn gallery(scenarios: &Path, out: &Path) -> Result<()> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios)
        .with_context(|| format!("reading {}", scenarios.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let work = std::env::temp_dir().join(format!("cascade-gallery-{}", std::process::id()));
    for file in files {
        let s = Scenario::load(&file)?;
        let run_dir = work.join(&s.name);
        let summary = cascade::run_to_dir(&s, &run_dir, &RunOptions::default())?;
        // PNG only: the SVGs stay in run folders (the depth map's is several hundred KB).
        let mut figures: Vec<PathBuf> = std::fs::read_dir(run_dir.join("plots"))
            .with_context(|| format!("reading {}", run_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .collect();
        figures.sort();
        for from in figures {
            let stem = from
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            let to = out.join(format!("{}_{stem}.png", s.name));
            std::fs::copy(&from, &to)
                .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
            say!("wrote {}", to.display());
        }
        say!(
            "  {}: {} liquidations, max generation {}, bad debt {:.0} USD",
            s.name,
            summary.liquidations,
            summary.max_generation.map_or("-".into(), |g| g.to_string()),
            summary.bad_debt
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// Wall-clock throughput of the replay: the CLI's only use of the clock.
#[allow(clippy::disallowed_methods)]
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = std::time::Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64())
}

fn lobster(message: &Path, orderbook: &Path, levels: Option<usize>) -> Result<()> {
    let sample = cascade_scenario::lobster::load(message, orderbook)?;
    let levels = levels.unwrap_or(sample.depth);
    if levels == 0 || levels > sample.depth {
        bail!(BadInput(format!(
            "--levels {levels}: must be between 1 and the file's depth, {}",
            sample.depth
        )));
    }
    // Repeat the replay until it has run for a while, for a stable messages-per-second figure.
    let n = sample.messages.len().saturating_sub(1).max(1) as f64;
    let (stats, first) = timed(|| cascade::replay_lobster(&sample, levels));
    let reps = ((0.2 / first.max(1e-9)) as usize).clamp(1, 10_000);
    let (_, total) = timed(|| {
        for _ in 0..reps {
            std::hint::black_box(cascade::replay_lobster(&sample, levels));
        }
    });
    say!(
        "{} transitions over {} messages, {} levels compared (tick {} in LOBSTER price units)",
        stats.transitions,
        sample.messages.len(),
        levels,
        sample.tick
    );
    say!("exact matches:               {}", stats.exact);
    say!(
        "deeper-level reveals:        {} (a level came into view from below the visible depth in {} snapshots; {} of them held sizes the replay could not know and were adopted)",
        stats.reveals,
        stats.surfaced,
        stats.reveals
    );
    say!("unexplained mismatches:      {}", stats.unexplained);
    say!(
        "messages about unknown ids:  {} (orders resting before the sample)",
        stats.unknown_ids
    );
    say!(
        "speed: {:.2} M messages/s (replay and compare after every message, {} passes)",
        n * reps as f64 / total / 1e6,
        reps
    );
    if stats.unexplained > 0 {
        bail!("{} unexplained mismatches", stats.unexplained);
    }
    Ok(())
}

fn sweep(args: SweepArgs) -> Result<()> {
    use cascade_sweep::{SweepOutcome, SweepSpec};
    let outcome = if let Some(SweepCommand::Merge { out, shards }) = args.merge {
        cascade_sweep::merge(&out, &shards)?
    } else {
        let Some(path) = args.scenario else {
            bail!(BadInput(
                "sweep needs a scenario file (or `sweep merge`)".into()
            ));
        };
        let base = Scenario::load(&path)?;
        let Some(seeds) = args.seeds else {
            bail!(BadInput("sweep needs --seeds, e.g. --seeds 1..20".into()));
        };
        let spec = SweepSpec::new(&base, &args.sets, &seeds).map_err(BadInput)?;
        let jobs = args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let out = args
            .out
            .unwrap_or_else(|| PathBuf::from("runs").join(format!("sweep-{}", base.name)));
        eprintln!(
            "sweep {}: {} cells x {} seeds = {} runs, {} threads{} -> {}",
            base.name,
            spec.cells(),
            spec.seeds.len(),
            spec.pairs(),
            jobs,
            args.shard.map_or(String::new(), |s| format!(
                ", shard {}/{}",
                s.index, s.count
            )),
            out.display()
        );
        let opts = cascade_sweep::RunOptions {
            jobs,
            shard: args.shard,
            stop_after: args.stop_after,
            progress: true,
            data_dir: cascade::data_dir(args.data_dir.as_deref()),
        };
        cascade_sweep::run(&base, &spec, &out, &opts)?
    };
    match outcome {
        SweepOutcome::Complete { ran, pairs, files } => {
            say!("{ran} runs done now, {pairs} in the sweep; wrote:");
            for f in files {
                say!("  {}", f.display());
            }
        }
        SweepOutcome::ShardDone { ran, shard_pairs } => {
            say!(
                "shard done: {ran} runs now, {shard_pairs} in this shard; combine the shards with `cascade sweep merge`"
            );
        }
    }
    Ok(())
}

fn compare(
    path: &Path,
    routes: &str,
    seeds: &str,
    jobs: Option<usize>,
    out: Option<PathBuf>,
    data_dir: Option<PathBuf>,
) -> Result<()> {
    let base = Scenario::load(path)?;
    let routes: Vec<String> = routes
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    for r in &routes {
        cascade_sweep::compare::route_named(&base, r).map_err(BadInput)?;
    }
    let seeds: Vec<u64> = cascade_sweep::params::expand(seeds)
        .map_err(|e| BadInput(format!("--seeds: {e}")))?
        .iter()
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| BadInput(format!("--seeds: `{v}` is not a seed")))
        })
        .collect::<Result<_, _>>()?;
    let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let data = cascade::data_dir(data_dir.as_deref());
    let runs = cascade_sweep::compare::compare(&base, &routes, &seeds, &data, jobs)?;
    let out = out.unwrap_or_else(|| PathBuf::from("runs").join(format!("compare-{}", base.name)));
    let files = cascade_sweep::compare::write(&out, &base.name, &runs, &routes, &seeds)?;
    say!(
        "{} over {} seeds ({}..{}):",
        base.name,
        seeds.len(),
        seeds[0],
        seeds[seeds.len() - 1]
    );
    say!(
        "{:<10} {:>12} {:>8} {:>16} {:>16} {:>12} {:>18}",
        "route",
        "liquidations",
        "max gen",
        "bad debt (USD)",
        "slippage (USD)",
        "lowest mid",
        "left liq. (USD)"
    );
    for m in cascade_sweep::compare::means(&runs, &routes) {
        say!(
            "{:<10} {:>12.1} {:>8} {:>16.0} {:>16.0} {:>12.2} {:>18.0}",
            m.route,
            m.liquidations,
            m.max_generation.map_or("-".to_string(), |g| g.to_string()),
            m.bad_debt,
            m.slippage,
            m.trough,
            m.left_debt
        );
    }
    for f in files {
        say!("wrote {}", f.display());
    }
    Ok(())
}
