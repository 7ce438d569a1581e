//! The price timeline: reference, book mid, oracle, and liquidations by generation.

use super::{Figure, GENERATION_COLOURS, err};
use crate::series::Timeline;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The timeline of one run.
pub struct TimelineFigure<'a> {
    /// Scenario name, for the title.
    pub scenario: &'a str,
    /// The series.
    pub timeline: &'a Timeline,
}

impl Figure for TimelineFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let t = self.timeline;
        let (lo, hi) = t.price_range();
        let x_end = t.end.max(1e-9);
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{}: price and liquidations", self.scenario),
                ("sans-serif", 34).into_font(),
            )
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(100)
            .build_cartesian_2d(0.0..x_end, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("price (USD)")
            .axis_desc_style(("sans-serif", 24))
            .label_style(("sans-serif", 18))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(LineSeries::new(
                t.reference.iter().copied(),
                grey.stroke_width(2),
            ))
            .map_err(err)?
            .label("reference (exogenous)")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], grey.stroke_width(2)));
        let black = RGBColor(20, 20, 20);
        for segment in gaps_split(&t.mid, 5.0) {
            chart
                .draw_series(LineSeries::new(segment, black.stroke_width(1)))
                .map_err(err)?;
        }
        if !t.mid.is_empty() {
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(err)?
                .label(if t.other_mids.is_empty() {
                    "book mid".to_string()
                } else {
                    format!("{} mid", t.venue)
                })
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 24, y)], black.stroke_width(1))
                });
        }
        for (k, (name, pts)) in t.other_mids.iter().enumerate() {
            let c = super::SERIES_COLOURS[(k + 4) % super::SERIES_COLOURS.len()];
            for segment in gaps_split(pts, 5.0) {
                chart
                    .draw_series(LineSeries::new(segment, c.stroke_width(1)))
                    .map_err(err)?;
            }
            chart
                .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
                .map_err(err)?
                .label(format!("{name} mid"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(1)));
        }
        let green = RGBColor(44, 160, 44);
        chart
            .draw_series(LineSeries::new(
                t.oracle.iter().copied(),
                green.stroke_width(2),
            ))
            .map_err(err)?
            .label("market oracle (readable)")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], green.stroke_width(2)));
        for (k, (name, pts)) in t.other_oracles.iter().enumerate() {
            const OTHER_ORACLE_COLOURS: [usize; 4] = [1, 3, 7, 5];
            let c = super::SERIES_COLOURS[OTHER_ORACLE_COLOURS[k % OTHER_ORACLE_COLOURS.len()]];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                .map_err(err)?
                .label(format!("oracle {name}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
        }
        for (g, colour) in GENERATION_COLOURS.iter().enumerate() {
            let pts: Vec<_> = t
                .liquidations
                .iter()
                .filter(|m| (m.generation as usize).min(3) == g)
                .map(|m| (m.t, m.price))
                .collect();
            if pts.is_empty() {
                continue;
            }
            let c = *colour;
            let name = if g < 3 {
                format!("liquidation, generation {g}")
            } else {
                "liquidation, generation 3+".to_string()
            };
            chart
                .draw_series(pts.into_iter().map(move |p| Circle::new(p, 4, c.filled())))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 20))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Splits a series where consecutive points are more than `max_gap` seconds apart, so a line
/// is not drawn across a stretch without data.
fn gaps_split(points: &[(f64, f64)], max_gap: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    for &p in points {
        match out.last_mut() {
            Some(seg) if seg.last().is_some_and(|q| p.0 - q.0 <= max_gap) => seg.push(p),
            _ => out.push(vec![p]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_at_missing_data() {
        let pts = [(0.0, 1.0), (1.0, 1.0), (10.0, 2.0), (11.0, 2.0)];
        assert_eq!(
            gaps_split(&pts, 5.0),
            vec![vec![(0.0, 1.0), (1.0, 1.0)], vec![(10.0, 2.0), (11.0, 2.0)]]
        );
    }
}
