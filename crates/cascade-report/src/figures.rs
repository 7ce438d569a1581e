//! The default figure set of a run folder, drawn from its trace.
//!
//! `timeline` (prices and liquidations), `depth` (resting size over time and price),
//! `generations` (liquidations and debt repaid per generation), `cascade` (the parent-child
//! tree), `losses` (cumulative debt repaid and bad debt), `liquidators` (capital and profit),
//! and where the run has them, `funds` (a perp venue's insurance fund, backstop vault, bad debt
//! and ADL over time) and `auctions` (vault auctions: raised over debt, running deficit).
//! `soft_vs_hard` (LLAMMA against the Aave-style rule) where the summary has a
//! `soft_liquidation` comparison, and `deleverage` (collateral sold per minute by liquidations
//! and by deleverage bots, and the borrowers' cumulative losses to each) where the summary has
//! a `deleverage` section. Figures whose trace files a run's trace level did not write are
//! skipped.

use crate::plot::{
    AuctionsFigure, CascadeFigure, DeleverageFigure, DepthFigure, Footer, Format, FundsFigure,
    GenerationsFigure, LiquidatorsFigure, LossesFigure, SoftHardFigure, TimelineFigure, render,
};
use crate::series::{AgentSeries, Cascade, DepthGrid, Timeline};
use crate::{AuctionSeries, FundSeries};
use crate::{ReportError, Summary};
use std::path::{Path, PathBuf};

/// Time and price cells of the depth figure.
const DEPTH_GRID: (usize, usize) = (240, 100);

/// Draws every figure the trace in `run_dir/trace` allows into `run_dir/plots`, in each format.
pub fn run_figures(
    run_dir: &Path,
    summary: &Summary,
    formats: &[Format],
) -> Result<Vec<PathBuf>, ReportError> {
    let trace = run_dir.join("trace");
    let plots = run_dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| ReportError::Write {
        path: plots.display().to_string(),
        source,
    })?;
    let footer = Footer {
        scenario: summary.scenario.clone(),
        seed: summary.seed.to_string(),
        version: summary.version.clone(),
    };
    let name = summary.scenario.as_str();
    let timeline = Timeline::from_trace(&trace)?;
    let cascade = Cascade::from_trace(&trace, summary.sim_seconds)?;
    let depth = DepthGrid::from_trace(&trace, DEPTH_GRID.0, DEPTH_GRID.1)?;
    let liquidators = AgentSeries::from_trace(&trace, "liquidator")?;
    let funds = FundSeries::from_trace(&trace)?;
    let auctions = AuctionSeries::from_trace(&trace)?;
    let end = summary.sim_seconds;
    let mut written = Vec::new();
    let mut draw = |stem: &str, fig: &dyn Fn(&Path, Format) -> Result<(), ReportError>| {
        for &f in formats {
            let path = plots.join(format!("{stem}.{}", f.ext()));
            fig(&path, f)?;
            written.push(path);
        }
        Ok::<(), ReportError>(())
    };
    draw("timeline", &|p, f| {
        render(
            &TimelineFigure {
                scenario: name,
                timeline: &timeline,
            },
            &footer,
            p,
            f,
        )
    })?;
    if let Some(grid) = &depth {
        draw("depth", &|p, f| {
            render(
                &DepthFigure {
                    scenario: name,
                    grid,
                    mid: &timeline.mid,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    draw("generations", &|p, f| {
        render(
            &GenerationsFigure {
                scenario: name,
                cascade: &cascade,
            },
            &footer,
            p,
            f,
        )
    })?;
    draw("cascade", &|p, f| {
        render(
            &CascadeFigure {
                scenario: name,
                cascade: &cascade,
            },
            &footer,
            p,
            f,
        )
    })?;
    draw("losses", &|p, f| {
        render(
            &LossesFigure {
                scenario: name,
                cascade: &cascade,
            },
            &footer,
            p,
            f,
        )
    })?;
    if let Some(funds) = &funds {
        draw("funds", &|p, f| {
            render(
                &FundsFigure {
                    scenario: name,
                    funds,
                    end,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    if let Some(auctions) = &auctions {
        draw("auctions", &|p, f| {
            render(
                &AuctionsFigure {
                    scenario: name,
                    auctions,
                    end,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    if let Some(agents) = &liquidators {
        draw("liquidators", &|p, f| {
            render(
                &LiquidatorsFigure {
                    scenario: name,
                    agents,
                    end,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    if let Some(comparison) = &summary.soft_liquidation {
        draw("soft_vs_hard", &|p, f| {
            render(
                &SoftHardFigure {
                    scenario: name,
                    comparison,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    if let Some(d) = &summary.deleverage {
        draw("deleverage", &|p, f| {
            render(
                &DeleverageFigure {
                    scenario: name,
                    minutes: &summary.per_minute,
                    summary: d,
                    end,
                },
                &footer,
                p,
                f,
            )
        })?;
    }
    Ok(written)
}
