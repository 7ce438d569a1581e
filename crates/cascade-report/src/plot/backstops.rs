//! Figures of what absorbs losses: a perp venue's insurance fund, backstop vault, bad debt
//! and auto-deleveraging over time, and vault auctions (what each raised against its debt,
//! and the running deficit).

use super::charts::{legend, lines, mesh_style};
use super::{Figure, err};
use crate::backstop_series::{AuctionSeries, FundSeries};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Four panels over time, each on its own scale: the insurance fund, the backstop vault's
/// value, cumulative bad debt, cumulative notional auto-deleveraged.
pub struct FundsFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The perp venue's series.
    pub funds: &'a FundSeries,
    /// End of the run, seconds.
    pub end: f64,
}

impl Figure for FundsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let f = self.funds;
        let panels = area.split_evenly((2, 2));
        let series = [
            (
                format!("{}: insurance fund balance", self.scenario),
                "insurance fund",
                &f.insurance_fund,
            ),
            (
                "backstop vault: account value at the mark".to_string(),
                "backstop vault",
                &f.vault_value,
            ),
            (
                "bad debt written off, cumulative".to_string(),
                "bad debt",
                &f.bad_debt,
            ),
            (
                "notional auto-deleveraged, cumulative".to_string(),
                "ADL notional",
                &f.adl_notional,
            ),
        ];
        for (panel, (title, name, pts)) in panels.iter().zip(series) {
            lines(
                panel,
                &title,
                "USD",
                self.end,
                &[(name.to_string(), pts.clone())],
            )?;
        }
        Ok(())
    }
}

/// Ended auctions by the DAI they raised over the debt they took, in 5% bins, those won at or
/// near zero in red (top); cumulative debt auctioned, DAI raised and deficit over time (bottom).
pub struct AuctionsFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The auctions.
    pub auctions: &'a AuctionSeries,
    /// End of the run, seconds.
    pub end: f64,
}

/// Width of a recovery bin, percent of the debt.
const BIN_PCT: f64 = 5.0;

impl Figure for AuctionsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let a = self.auctions;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let recovery = |o: &crate::AuctionOutcome| {
            if o.debt > 0.0 {
                100.0 * o.raised / o.debt
            } else {
                0.0
            }
        };
        let top_pct = a.ended.iter().map(recovery).fold(100.0f64, f64::max);
        let bins = (top_pct / BIN_PCT).floor() as usize + 1;
        // Per bin: (auctions won at or near zero, the others).
        let mut counts = vec![(0u64, 0u64); bins];
        for o in &a.ended {
            let b = ((recovery(o) / BIN_PCT).floor() as usize).min(bins - 1);
            if o.near_zero {
                counts[b].0 += 1;
            } else {
                counts[b].1 += 1;
            }
        }
        let highest = counts.iter().map(|(z, n)| z + n).max().unwrap_or(0).max(1) as f64;
        let zero: u64 = counts.iter().map(|c| c.0).sum();
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!(
                    "{}: auctions by DAI raised over the debt taken ({} ended, {} won at or near zero)",
                    self.scenario,
                    a.ended.len(),
                    zero
                ),
                ("sans-serif", 26).into_font(),
            )
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(100)
            .build_cartesian_2d(0.0..bins as f64 * BIN_PCT, 0.0..highest * 1.08)
            .map_err(err)?;
        mesh_style(
            &mut chart,
            "DAI raised / debt taken (%, 5% bins)",
            "auctions",
        )?;
        let (blue, red) = (RGBColor(31, 119, 180), RGBColor(214, 39, 40));
        let bar = |b: usize, lo: u64, hi: u64, c: RGBColor| {
            let x = b as f64 * BIN_PCT;
            Rectangle::new(
                [(x + 0.4, lo as f64), (x + BIN_PCT - 0.4, hi as f64)],
                c.filled(),
            )
        };
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.0 > 0)
                    .map(|(b, c)| bar(b, 0, c.0, red)),
            )
            .map_err(err)?
            .label("won at or near zero (< 1% of tab)")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], red.filled()));
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.1 > 0)
                    .map(|(b, c)| bar(b, c.0, c.0 + c.1, blue)),
            )
            .map_err(err)?
            .label("other auctions")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], blue.filled()));
        legend(&mut chart, SeriesLabelPosition::UpperMiddle)?;
        lines(
            &bottom,
            "vault debt taken into auctions, DAI raised, and deficit, cumulative",
            "DAI",
            self.end,
            &[
                ("debt auctioned".to_string(), a.debt_kicked.clone()),
                ("raised".to_string(), a.raised.clone()),
                ("deficit".to_string(), a.deficit.clone()),
            ],
        )
    }
}
