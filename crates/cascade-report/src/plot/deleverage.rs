//! The deleverage figure: collateral sold per minute by liquidations and by borrowers'
//! deleverage bots (top), and the borrowers' cumulative losses to each and the bad debt
//! (bottom), from the summary's `per_minute` series and `deleverage` section, beside the same
//! world without bots (`deleverage.without_bots`) when the summary has it.

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
        let base = self.summary.without_bots.as_ref();
        let bad_debt = series(|m| m.bad_debt);
        lines(
            &top,
            &format!(
                "{}: collateral sold per minute, with {} deleverage bots and without",
                self.scenario, self.summary.bots
            ),
            "collateral sold per minute (base units)",
            end,
            &[
                vec![
                    (
                        format!("with bots: liquidations (peak {:.1}/min)", peak(&liq)),
                        per_minute_steps(&liq),
                    ),
                    (
                        format!("with bots: bots' sales (peak {:.1}/min)", peak(&delev)),
                        per_minute_steps(&delev),
                    ),
                ],
                base.map_or(Vec::new(), |b| {
                    vec![(
                        format!(
                            "without bots: liquidations (peak {:.1}/min)",
                            b.peak_sold_per_minute
                        ),
                        per_minute_steps(&b.sold_per_minute),
                    )]
                }),
            ]
            .concat(),
        )?;
        lines(
            &bottom,
            "borrowers' losses (liquidation bonus at the book's price; bots' slippage + gas) and \
             bad debt, at each minute's end",
            "USD",
            end,
            &[
                vec![
                    (
                        format!(
                            "with bots: liquidation bonus ({:.0})",
                            self.summary.liquidation_losses
                        ),
                        cumulative_points(&running(series(|m| m.liquidation_losses))),
                    ),
                    (
                        format!("with bots: bots' cost ({:.0})", self.summary.borrower_cost),
                        cumulative_points(&running(series(|m| m.deleverage_cost))),
                    ),
                    (
                        format!(
                            "with bots: bad debt ({:.0})",
                            bad_debt.last().copied().unwrap_or(0.0)
                        ),
                        cumulative_points(&bad_debt),
                    ),
                ],
                base.map_or(Vec::new(), |b| {
                    vec![
                        (
                            format!("without bots: liquidation bonus ({:.0})", b.borrower_losses),
                            cumulative_points(&b.cumulative_losses),
                        ),
                        (
                            format!("without bots: bad debt ({:.0})", b.bad_debt),
                            cumulative_points(&b.cumulative_bad_debt),
                        ),
                    ]
                }),
            ]
            .concat(),
        )
    }
}
