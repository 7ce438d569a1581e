//! What a run leaves behind for people: the summary and the figures.
//!
//! This crate owns turning a finished run into `summary.json` ([`Summary`]) and turning trace
//! files into figures ([`series`] builds plotted series from trace rows, [`plot`] draws them).
//! Figures are drawn from the trace files on disk, never from the live world, so a figure can be
//! re-rendered from a run folder without re-running it. It is the only crate that depends on
//! plotters; fonts are embedded, so no system font packages are needed.

mod attack_summary;
mod backstop_series;
mod deleverage;
mod figures;
mod lending;
mod liquidators;
mod perp_series;
mod perp_summary;
pub mod plot;
mod published;
pub mod series;
pub mod soft;
mod summary;
mod vaults;

pub use attack_summary::{AttackSummary, SandwichSummary};
pub use backstop_series::{AuctionOutcome, AuctionSeries, FundSeries};
pub use deleverage::{DeleverageSummary, PressureMinute, dense_minutes, per_minute};
pub use figures::run_figures;
pub use lending::{LendingSummary, ReservesSummary};
pub use liquidators::{BridgeSummary, LiquidatorSummary, TxSummary};
pub use perp_summary::PerpSummary;
pub use published::{Comparison, PublishedFigure, metric_value, unknown_metric};
pub use soft::{SoftLiquidationSummary, SoftPath};
pub use summary::Summary;
pub use vaults::VaultSummary;

/// A report that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A trace file could not be read or parsed.
    #[error("{path}: {message}")]
    Trace {
        /// The file.
        path: String,
        /// What went wrong, with the line where there is one.
        message: String,
    },
    /// Drawing or writing a figure failed.
    #[error("drawing {path} failed: {message}")]
    Draw {
        /// The figure file.
        path: String,
        /// The backend's message.
        message: String,
    },
    /// Writing the summary failed.
    #[error("writing {path} failed: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}
