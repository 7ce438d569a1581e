//! The run figures besides the timeline: book depth over time, liquidations by generation,
//! the cascade tree, cumulative losses, and liquidators' capital and profit.

use super::heatmap::{colour_bar, colour_scale};
use super::{Figure, SERIES_COLOURS, err, generation_colour, padded_range, short};
use crate::series::{AgentSeries, Cascade, DepthGrid, Point};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

pub(super) type F64Chart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(super) fn mesh_style<DB: DrawingBackend>(
    chart: &mut F64Chart<'_, DB>,
    x: &str,
    y: &str,
) -> Result<(), String> {
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .axis_desc_style(("sans-serif", 22))
        .label_style(("sans-serif", 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)
}

pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 18))
        .draw()
        .map_err(err)
}

/// Resting size in the book over time and price (bids and asks), on a log colour scale.
pub struct DepthFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The binned depth.
    pub grid: &'a DepthGrid,
    /// The mid over time, drawn on top.
    pub mid: &'a [Point],
}

impl Figure for DepthFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let g = self.grid;
        let (main, bar) = area.split_horizontally(super::SIZE.0 - 170);
        let (t0, t1) = g.t_range;
        let (p0, p1) = g.p_range;
        let mut chart = ChartBuilder::on(&main)
            .caption(
                format!(
                    "{}: resting size in the book (base units, mean per cell)",
                    self.scenario
                ),
                ("sans-serif", 30).into_font(),
            )
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(100)
            .build_cartesian_2d(t0..t1, p0..p1)
            .map_err(err)?;
        mesh_style(&mut chart, "time (s)", "price (USD)")?;
        let max = g.bids.iter().chain(&g.asks).copied().fold(0.0f64, f64::max);
        let scale = |q: f64| (1.0 + q).ln() / (1.0 + max).ln().max(1e-12);
        let (dt, dp) = ((t1 - t0) / g.nt as f64, (p1 - p0) / g.np as f64);
        let cells = (0..g.nt).flat_map(|ti| (0..g.np).map(move |pi| (ti, pi)));
        chart
            .draw_series(cells.filter_map(|(ti, pi)| {
                let q = g.bids[ti * g.np + pi] + g.asks[ti * g.np + pi];
                (q > 0.0).then(|| {
                    let (x, y) = (t0 + ti as f64 * dt, p0 + pi as f64 * dp);
                    Rectangle::new([(x, y), (x + dt, y + dp)], colour_scale(scale(q)).filled())
                })
            }))
            .map_err(err)?;
        let red = RGBColor(214, 39, 40);
        chart
            .draw_series(LineSeries::new(
                self.mid.iter().copied(),
                red.stroke_width(2),
            ))
            .map_err(err)?
            .label("book mid")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], red.stroke_width(2)));
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        // The bar shows sizes on the same log scale.
        colour_bar(&bar, 0.0, (1.0 + max).ln()).map(|_| ())?;
        bar.draw(&Text::new("ln(1 + size)", (10, 40), ("sans-serif", 16)))
            .map_err(err)
    }
}

/// Liquidations and debt repaid per generation.
pub struct GenerationsFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The liquidations.
    pub cascade: &'a Cascade,
}

impl Figure for GenerationsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.cascade;
        let n = c.counts.len().max(1);
        let (left, right) = area.split_horizontally(super::SIZE.0 / 2);
        let counts: Vec<f64> = c.counts.iter().map(|&k| k as f64).collect();
        let panels = [
            (&left, "liquidations per generation", "liquidations", counts),
            (
                &right,
                "debt repaid per generation",
                "debt repaid (USD)",
                c.debt_by_generation.clone(),
            ),
        ];
        for (panel, title, y_desc, values) in panels {
            let top = values.iter().copied().fold(0.0f64, f64::max).max(1.0) * 1.1;
            let mut chart = ChartBuilder::on(panel)
                .caption(
                    format!("{}: {title}", self.scenario),
                    ("sans-serif", 26).into_font(),
                )
                .margin(20)
                .x_label_area_size(60)
                .y_label_area_size(100)
                .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_desc("generation")
                .y_desc(y_desc)
                .axis_desc_style(("sans-serif", 22))
                .label_style(("sans-serif", 17))
                .y_label_formatter(&|v| short(*v))
                .draw()
                .map_err(err)?;
            chart
                .draw_series(values.iter().enumerate().map(|(g, &v)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(g), 0.0),
                            (SegmentValue::Exact(g + 1), v),
                        ],
                        generation_colour(g as u32).filled(),
                    );
                    bar.set_margin(0, 0, 6, 6);
                    bar
                }))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// The cascade tree: every liquidation at its time and generation, joined to its parent, sized
/// by the debt it repaid.
pub struct CascadeFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The liquidations.
    pub cascade: &'a Cascade,
}

impl Figure for CascadeFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.cascade;
        let max_gen = c.counts.len().max(1) as f64;
        let (t_lo, t_hi) = padded_range(c.nodes.iter().map(|n| n.t), 0.02);
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{}: liquidation cascade (each liquidation joined to the one whose sale triggered it)", self.scenario),
                ("sans-serif", 26).into_font(),
            )
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(80)
            .build_cartesian_2d(t_lo..t_hi, -0.5..max_gen - 0.5)
            .map_err(err)?;
        mesh_style(&mut chart, "time (s)", "generation")?;
        let edge = RGBColor(160, 160, 160).mix(0.6);
        chart
            .draw_series(c.nodes.iter().filter_map(|n| {
                let p = c.nodes.get(n.parent? as usize)?;
                Some(PathElement::new(
                    [
                        (p.t, f64::from(p.generation)),
                        (n.t, f64::from(n.generation)),
                    ],
                    edge.stroke_width(1),
                ))
            }))
            .map_err(err)?;
        let biggest = c
            .nodes
            .iter()
            .map(|n| n.debt_repaid)
            .fold(0.0f64, f64::max)
            .max(1e-9);
        chart
            .draw_series(c.nodes.iter().map(|n| {
                let r = 2.0 + 8.0 * (n.debt_repaid / biggest).sqrt();
                Circle::new(
                    (n.t, f64::from(n.generation)),
                    r as i32,
                    generation_colour(n.generation).mix(0.8).filled(),
                )
            }))
            .map_err(err)?;
        Ok(())
    }
}

pub(super) fn lines<DB: DrawingBackend>(
    panel: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    x_end: f64,
    series: &[(String, Vec<Point>)],
) -> Result<(), String> {
    let (lo, hi) = padded_range(
        series
            .iter()
            .flat_map(|(_, s)| s.iter().map(|p| p.1))
            .chain([0.0]),
        0.05,
    );
    let mut chart = ChartBuilder::on(panel)
        .caption(title, ("sans-serif", 26).into_font())
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(100)
        .build_cartesian_2d(0.0..x_end.max(1e-9), lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 22))
        .label_style(("sans-serif", 17))
        .y_label_formatter(&|v| short(*v))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for (i, (name, pts)) in series.iter().enumerate() {
        let c = SERIES_COLOURS[i % SERIES_COLOURS.len()];
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
            .map_err(err)?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], c.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

/// Cumulative debt repaid by liquidators and cumulative bad debt over time.
pub struct LossesFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// The liquidations.
    pub cascade: &'a Cascade,
}

impl Figure for LossesFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.cascade;
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        lines(
            &top,
            &format!("{}: debt repaid by liquidators, cumulative", self.scenario),
            "USD",
            c.end,
            &[("debt repaid".to_string(), c.cumulative_repaid.clone())],
        )?;
        lines(
            &bottom,
            "bad debt written off (deficit), cumulative",
            "USD",
            c.end,
            &[("bad debt".to_string(), c.cumulative_deficit.clone())],
        )
    }
}

/// Liquidators' free capital and profit over time.
pub struct LiquidatorsFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// One series per liquidator.
    pub agents: &'a [AgentSeries],
    /// End of the run, seconds.
    pub end: f64,
}

impl Figure for LiquidatorsFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (top, bottom) = area.split_vertically(area.dim_in_pixel().1 / 2);
        let cash: Vec<_> = self
            .agents
            .iter()
            .map(|a| (a.agent.clone(), a.cash.clone()))
            .collect();
        let pnl: Vec<_> = self
            .agents
            .iter()
            .map(|a| (a.agent.clone(), a.pnl.clone()))
            .collect();
        lines(
            &top,
            &format!(
                "{}: liquidators' cash (capital free to liquidate)",
                self.scenario
            ),
            "USD",
            self.end,
            &cash,
        )?;
        lines(
            &bottom,
            "liquidators' profit and loss (cash + inventory at the mid, from the start)",
            "USD",
            self.end,
            &pnl,
        )
    }
}

/// Means per route of a `cascade compare`, one bar chart per figure.
pub struct CompareFigure<'a> {
    /// Scenario name.
    pub scenario: &'a str,
    /// Route names, in order.
    pub routes: Vec<String>,
    /// (title with units, one value per route).
    pub panels: Vec<(String, Vec<f64>)>,
    /// Seeds per route.
    pub seeds: usize,
}

impl Figure for CompareFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title, body) = area.split_vertically(50);
        title
            .draw(&Text::new(
                format!(
                    "{}: liquidation routes compared (means over {} seeds)",
                    self.scenario, self.seeds
                ),
                (20, 10),
                ("sans-serif", 30),
            ))
            .map_err(err)?;
        let n = self.routes.len().max(1);
        let cells = body.split_evenly((1, self.panels.len().max(1)));
        for (cell, (name, values)) in cells.iter().zip(&self.panels) {
            let (lo, hi) = padded_range(values.iter().copied().chain([0.0]), 0.1);
            let lo = if values.iter().all(|v| *v >= 0.0) {
                0.0
            } else {
                lo
            };
            let routes = self.routes.clone();
            let mut chart = ChartBuilder::on(cell)
                .caption(name.as_str(), ("sans-serif", 22).into_font())
                .margin(15)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d((0..n - 1).into_segmented(), lo..hi)
                .map_err(err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_desc("route")
                .axis_desc_style(("sans-serif", 18))
                .label_style(("sans-serif", 16))
                .x_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) => routes.get(*i).cloned().unwrap_or_default(),
                    _ => String::new(),
                })
                .y_label_formatter(&|v| short(*v))
                .draw()
                .map_err(err)?;
            let base = 0.0f64.clamp(lo, hi);
            chart
                .draw_series(values.iter().enumerate().map(|(i, &v)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), base),
                            (SegmentValue::Exact(i + 1), v),
                        ],
                        SERIES_COLOURS[i % SERIES_COLOURS.len()].filled(),
                    );
                    bar.set_margin(0, 0, 10, 10);
                    bar
                }))
                .map_err(err)?;
        }
        Ok(())
    }
}
