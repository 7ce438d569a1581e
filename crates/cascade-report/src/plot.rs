//! Figures drawn with plotters, as PNG and SVG, with an embedded font.

use crate::ReportError;
use crate::series::Timeline;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::OnceLock;

/// Output formats of figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raster, 1600 x 900 pixels.
    Png,
    /// Vector.
    Svg,
}

impl Format {
    /// File extension.
    pub const fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Scenario, seed and version, printed small at the bottom of every figure.
#[derive(Clone, Debug)]
pub struct Footer {
    /// Scenario name.
    pub scenario: String,
    /// Master seed (or the seeds of a sweep).
    pub seed: String,
    /// cascade version.
    pub version: String,
}

impl Footer {
    fn text(&self) -> String {
        format!(
            "scenario {} · seed {} · cascade {}",
            self.scenario, self.seed, self.version
        )
    }
}

/// A grid of values over two swept parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Figure title (what the colour means, with units).
    pub title: String,
    /// First parameter (columns).
    pub x_label: String,
    /// Its values, left to right.
    pub x_values: Vec<String>,
    /// Second parameter (rows).
    pub y_label: String,
    /// Its values, bottom to top.
    pub y_values: Vec<String>,
    /// `z[i][j]` for `x_values[i]`, `y_values[j]`.
    pub z: Vec<Vec<f64>>,
}

/// Viridis-like colour for `t` in [0, 1] (five anchors, linear between them).
pub fn colour_scale(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (ANCHORS.len() - 1) as f64;
    let i = (x.floor() as usize).min(ANCHORS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Draws a heatmap with each cell's value written in it and a colour bar.
pub fn heatmap(
    h: &Heatmap,
    footer: &Footer,
    path: &Path,
    format: Format,
) -> Result<(), ReportError> {
    ensure_font();
    let result = match format {
        Format::Png => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw_heatmap(&root, h, footer).and_then(|()| root.present().map_err(|e| e.to_string()))
        }
        Format::Svg => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw_heatmap(&root, h, footer).and_then(|()| root.present().map_err(|e| e.to_string()))
        }
    };
    result.map_err(|e| draw_err(path, e))
}

fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    h: &Heatmap,
    footer: &Footer,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (main, foot) = root.split_vertically(SIZE.1 - 36);
    foot.draw(&Text::new(
        footer.text(),
        (20, 8),
        ("sans-serif", 18).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(e)?;
    let (grid_area, bar_area) = main.split_horizontally(SIZE.0 - 170);
    let (nx, ny) = (h.x_values.len(), h.y_values.len());
    let all = h.z.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), v| {
        (l.min(v), u.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let span = if hi > lo { hi - lo } else { 1.0 };
    let xs = h.x_values.clone();
    let ys = h.y_values.clone();
    let mut chart = ChartBuilder::on(&grid_area)
        .caption(&h.title, ("sans-serif", 30).into_font())
        .margin(20)
        .x_label_area_size(70)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(h.x_label.as_str())
        .y_desc(h.y_label.as_str())
        .axis_desc_style(("sans-serif", 24))
        .label_style(("sans-serif", 18))
        .x_labels(nx * 2 + 1)
        .y_labels(ny * 2 + 1)
        .x_label_formatter(&|v| label_at(&xs, *v))
        .y_label_formatter(&|v| label_at(&ys, *v))
        .draw()
        .map_err(e)?;
    let centre = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    );
    for (i, col) in h.z.iter().enumerate() {
        for (j, &v) in col.iter().enumerate() {
            let t = (v - lo) / span;
            let c = colour_scale(t);
            let (x0, y0) = (i as f64, j as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                    c.filled(),
                )))
                .map_err(e)?;
            let ink = if t > 0.6 { BLACK } else { WHITE };
            chart
                .draw_series(std::iter::once(Text::new(
                    short(v),
                    (x0 + 0.5, y0 + 0.5),
                    ("sans-serif", 20).into_font().color(&ink).pos(centre),
                )))
                .map_err(e)?;
        }
    }
    let mut bar = ChartBuilder::on(&bar_area)
        .margin_top(70)
        .margin_bottom(90)
        .margin_right(20)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..1.0, lo..lo + span)
        .map_err(e)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style(("sans-serif", 16))
        .y_label_formatter(&|v| short(*v))
        .draw()
        .map_err(e)?;
    let steps = 100;
    bar.draw_series((0..steps).map(|k| {
        let a = lo + span * k as f64 / steps as f64;
        let b = lo + span * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            colour_scale(k as f64 / (steps - 1) as f64).filled(),
        )
    }))
    .map_err(e)?;
    Ok(())
}

/// The category label at a half-integer axis position, empty elsewhere.
fn label_at(labels: &[String], v: f64) -> String {
    let k = v - 0.5;
    if k >= 0.0 && (k - k.round()).abs() < 1e-6 {
        labels.get(k.round() as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

const SIZE: (u32, u32) = (1600, 900);

/// Colours of liquidation generations 0, 1, 2 and 3+.
pub const GENERATION_COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

/// Registers the embedded font once; every figure calls this first.
fn ensure_font() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        // The font is a constant of the binary: failing to parse it is a broken build.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, ttf_noto_sans::REGULAR)
            .is_err()
        {
            panic!("the embedded Noto Sans font does not parse");
        }
    });
}

fn draw_err(path: &Path, e: impl std::fmt::Display) -> ReportError {
    ReportError::Draw {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The price timeline: reference, book mid, oracle, and liquidations coloured by generation.
pub fn timeline(
    t: &Timeline,
    footer: &Footer,
    path: &Path,
    format: Format,
) -> Result<(), ReportError> {
    ensure_font();
    let result = match format {
        Format::Png => {
            let root = BitMapBackend::new(path, SIZE).into_drawing_area();
            draw_timeline(&root, t, footer).and_then(|()| root.present().map_err(|e| e.to_string()))
        }
        Format::Svg => {
            let root = SVGBackend::new(path, SIZE).into_drawing_area();
            draw_timeline(&root, t, footer).and_then(|()| root.present().map_err(|e| e.to_string()))
        }
    };
    result.map_err(|e| draw_err(path, e))
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Timeline,
    footer: &Footer,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (main, foot) = root.split_vertically(SIZE.1 - 36);
    foot.draw(&Text::new(
        footer.text(),
        (20, 8),
        ("sans-serif", 18).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(e)?;
    let (lo, hi) = t.price_range();
    let x_end = t.end.max(1e-9);
    let mut chart = ChartBuilder::on(&main)
        .caption(
            format!("{}: price and liquidations", footer.scenario),
            ("sans-serif", 34).into_font(),
        )
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(0.0..x_end, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("price (USD)")
        .axis_desc_style(("sans-serif", 24))
        .label_style(("sans-serif", 18))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(e)?;
    let grey = RGBColor(120, 120, 120);
    chart
        .draw_series(LineSeries::new(
            t.reference.iter().copied(),
            grey.stroke_width(2),
        ))
        .map_err(e)?
        .label("reference (exogenous)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], grey.stroke_width(2)));
    let black = RGBColor(20, 20, 20);
    for segment in gaps_split(&t.mid, 5.0) {
        chart
            .draw_series(LineSeries::new(segment, black.stroke_width(1)))
            .map_err(e)?;
    }
    // Legend entry for the mid, drawn once.
    chart
        .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
        .map_err(e)?
        .label("book mid")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], black.stroke_width(1)));
    let green = RGBColor(44, 160, 44);
    chart
        .draw_series(LineSeries::new(
            t.oracle.iter().copied(),
            green.stroke_width(2),
        ))
        .map_err(e)?
        .label("oracle (published)")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], green.stroke_width(2)));
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
            .map_err(e)?
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
        .map_err(e)?;
    Ok(())
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
    fn colour_scale_runs_from_dark_to_light() {
        assert_eq!(colour_scale(0.0), RGBColor(68, 1, 84));
        assert_eq!(colour_scale(1.0), RGBColor(253, 231, 37));
        assert_eq!(colour_scale(f64::NAN), RGBColor(68, 1, 84));
        assert_eq!(label_at(&["a".into(), "b".into()], 1.5), "b");
        assert_eq!(label_at(&["a".into(), "b".into()], 1.0), "");
        assert_eq!(short(1_234_567.0), "1.23M");
    }

    #[test]
    fn gaps_split_at_missing_data() {
        let pts = [(0.0, 1.0), (1.0, 1.0), (10.0, 2.0), (11.0, 2.0)];
        assert_eq!(
            gaps_split(&pts, 5.0),
            vec![vec![(0.0, 1.0), (1.0, 1.0)], vec![(10.0, 2.0), (11.0, 2.0)]]
        );
    }
}
