//! The deleverage figure: collateral sold per minute by liquidations and by borrowers'
//! deleverage bots (top), and the borrowers' cumulative losses to each (bottom), from the
//! summary's `per_minute` series.

use super::Figure;
use super::charts::lines;
use crate::soft::{MINUTE_S, cumulative_points, per_minute_steps};
use crate::{DeleverageSummary, PressureMinute};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sell pressure per minute and cumulative borrower losses, liquidations against deleverage
/// bots.
pub struct DeleverageFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Sales and losses per minute (minutes with any).
    pub minutes: &'a [PressureMinute],
    /// The summary's deleverage section.
    pub summary: &'a DeleverageSummary,
    /// End of the run, seconds.
    pub end: f64,
}

impl Figure for DeleverageFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let minutes = crate::dense_minutes(self.minutes, self.end);
        let series = |f: fn(&PressureMinute) -> f64| minutes.iter().map(f).collect::<Vec<_>>();
        let running = |v: Vec<f64>| {
            v.iter()
                .scan(0.0, |total, x| {
                    *total += x;
                    Some(*total)
                })
                .collect::<Vec<_>>()
        };
        let liq = series(|m| m.liquidation_sold);
        let delev = series(|m| m.deleverage_sold);
        let end = (minutes.len().max(1) as f64 * MINUTE_S).max(self.end);
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let peak = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        lines(
            &top,
            &format!(
                "{}: collateral sold per minute, liquidations vs deleverage bots ({} bots)",
                self.scenario, self.summary.bots
            ),
            "collateral sold per minute (base units)",
            end,
            &[
                (
                    format!("liquidations: seized and sold (peak {:.1}/min)", peak(&liq)),
                    per_minute_steps(&liq),
                ),
                (
                    format!("deleverage bots: sold (peak {:.1}/min)", peak(&delev)),
                    per_minute_steps(&delev),
                ),
            ],
        )?;
        lines(
            &bottom,
            "borrowers' losses, cumulative at each minute's end: liquidation bonus (at the book's \
             price) vs deleverage cost (slippage at the watched price + gas)",
            "USD",
            end,
            &[
                (
                    format!("liquidation bonus ({:.0})", self.summary.liquidation_losses),
                    cumulative_points(&running(series(|m| m.liquidation_losses))),
                ),
                (
                    format!("deleverage cost ({:.0})", self.summary.borrower_cost),
                    cumulative_points(&running(series(|m| m.deleverage_cost))),
                ),
            ],
        )
    }
}
