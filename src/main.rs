//! The `cascade` command line.

use anyhow::{Context, Result, bail};
use cascade::{OutputError, RunOptions, Scenario, ScenarioError, Summary};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    },
    /// Parse and range-check a scenario without running it.
    ///
    /// Example: cascade validate scenarios/flash_crash.ron
    Validate {
        /// Scenario file (RON).
        scenario: PathBuf,
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
    /// Example: cascade gallery            # scenarios/*.ron -> plots/<name>_timeline.{png,svg}
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
                        c.downcast_ref::<OutputError>(),
                        Some(OutputError::Exists(_) | OutputError::NotARun(_))
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
            data_dir: _,
            format,
            check_invariants,
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
            };
            let summary = cascade::run_to_dir(&s, &out, &opts)?;
            println!("{}", summary.human());
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Validate { scenario } => {
            let s = Scenario::load(&scenario)?;
            println!(
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
                println!("wrote {}", p.display());
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
        for ext in ["png", "svg"] {
            let from = run_dir.join("plots").join(format!("timeline.{ext}"));
            let to = out.join(format!("{}_timeline.{ext}", s.name));
            std::fs::copy(&from, &to)
                .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
            println!("wrote {}", to.display());
        }
        println!(
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
    println!(
        "{} transitions over {} messages, {} levels compared (tick {} in LOBSTER price units)",
        stats.transitions,
        sample.messages.len(),
        levels,
        sample.tick
    );
    println!("exact matches:               {}", stats.exact);
    println!(
        "deeper-level reveals:        {} (a level came into view from below the visible depth in {} snapshots; {} of them held sizes the replay could not know and were adopted)",
        stats.reveals, stats.surfaced, stats.reveals
    );
    println!("unexplained mismatches:      {}", stats.unexplained);
    println!(
        "messages about unknown ids:  {} (orders resting before the sample)",
        stats.unknown_ids
    );
    println!(
        "speed: {:.2} M messages/s (replay and compare after every message, {} passes)",
        n * reps as f64 / total / 1e6,
        reps
    );
    if stats.unexplained > 0 {
        bail!("{} unexplained mismatches", stats.unexplained);
    }
    Ok(())
}
