//! The deleverage figure: collateral sold per minute by liquidations and by borrowers'
//! deleverage bots (top), and the borrowers' cumulative losses to each (bottom), from the
//! summary's `sold_per_minute` and the trace ([`crate::DeleverageSeries`]).

use super::Figure;
use super::charts::lines;
use crate::soft::{MINUTE_S, per_minute_steps};
use crate::{DeleverageSeries, DeleverageSummary, SoldMinute};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sell pressure per minute and cumulative borrower losses, liquidations against deleverage
/// bots.
pub struct DeleverageFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Collateral sold per minute (minutes with sales).
    pub sold: &'a [SoldMinute],
    /// The summary's deleverage section.
    pub summary: &'a DeleverageSummary,
    /// Cumulative losses from the trace.
    pub series: &'a DeleverageSeries,
}

impl Figure for DeleverageFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (liq, delev) = crate::dense_sold_per_minute(self.sold, self.series.end);
        let end = (liq.len().max(1) as f64 * MINUTE_S).max(self.series.end);
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
            "borrowers' losses, cumulative: liquidation bonus (at the oracle price) vs deleverage \
             cost (slippage at the watched price + gas)",
            "USD",
            end,
            &[
                (
                    format!("liquidation bonus ({:.0})", self.summary.liquidation_losses),
                    self.series.liquidation_losses.clone(),
                ),
                (
                    format!("deleverage cost ({:.0})", self.summary.borrower_cost),
                    self.series.deleverage_costs.clone(),
                ),
            ],
        )
    }
}
