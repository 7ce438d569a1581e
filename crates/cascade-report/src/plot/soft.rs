//! The soft-versus-hard liquidation figure: collateral sold per minute under LLAMMA and under
//! the Aave-style rule (top), and cumulative borrowers' losses and bad debt (bottom), from the
//! summary's `soft_liquidation` section ([`crate::soft`]).

use super::Figure;
use super::charts::lines;
use crate::SoftLiquidationSummary;
use crate::soft::{cumulative_points, per_minute_steps};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sell pressure per minute and cumulative losses, LLAMMA against the Aave-style rule.
pub struct SoftHardFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The comparison.
    pub comparison: &'a SoftLiquidationSummary,
}

impl Figure for SoftHardFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.comparison;
        let end = c.soft.sold_per_minute.len().max(1) as f64 * crate::soft::MINUTE_S;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let path = match c.path {
            crate::SoftPath::Reference => "reference path",
            crate::SoftPath::Engine => "engine's realised path",
            crate::SoftPath::Loop => "both inside the engine, sales in the book",
        };
        lines(
            &top,
            &format!(
                "{}: collateral sold per minute, LLAMMA (A={}, {} bands) vs Aave-style ({path})",
                self.scenario, c.a, c.bands
            ),
            "collateral per minute (base units)",
            end,
            &[
                (
                    format!("LLAMMA: sold (peak {:.1}/min)", c.soft.peak_sold_per_minute),
                    per_minute_steps(&c.soft.sold_per_minute),
                ),
                (
                    format!(
                        "Aave-style: seized and sold (peak {:.1}/min)",
                        c.hard.peak_sold_per_minute
                    ),
                    per_minute_steps(&c.hard.sold_per_minute),
                ),
                (
                    "LLAMMA: bought back (de-liquidation)".to_string(),
                    per_minute_steps(&c.soft.bought_per_minute),
                ),
            ],
        )?;
        lines(
            &bottom,
            "borrowers' losses beyond debt repaid, and bad debt, cumulative (USD at the market price)",
            "USD",
            end,
            &[
                (
                    format!("LLAMMA: borrowers' losses ({:.0})", c.soft.borrower_losses),
                    cumulative_points(&c.soft.cumulative_losses),
                ),
                (
                    format!(
                        "Aave-style: borrowers' losses ({:.0})",
                        c.hard.borrower_losses
                    ),
                    cumulative_points(&c.hard.cumulative_losses),
                ),
                (
                    format!("LLAMMA: bad debt ({:.0})", c.soft.bad_debt),
                    cumulative_points(&c.soft.cumulative_bad_debt),
                ),
                (
                    format!("Aave-style: bad debt ({:.0})", c.hard.bad_debt),
                    cumulative_points(&c.hard.cumulative_bad_debt),
                ),
            ],
        )
    }
}
