//! Figures drawn with plotters, as PNG and SVG, with an embedded font.
//!
//! Every figure is a type implementing [`Figure`]; [`render`] draws it with a white background
//! and the footer (scenario, seed, version) into PNG (1600 x 900) or SVG. Series come from
//! [`crate::series`], never from a live world.

mod backstops;
mod charts;
mod deleverage;
mod heatmap;
mod soft;
mod timeline;

pub use backstops::{AuctionsFigure, FundsFigure};
pub use charts::{
    CascadeFigure, CompareFigure, DepthFigure, GenerationsFigure, LiquidatorsFigure, LossesFigure,
};
pub use deleverage::DeleverageFigure;
pub use heatmap::{Heatmap, colour_scale};
pub use soft::SoftHardFigure;
pub use timeline::TimelineFigure;

use crate::ReportError;
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

/// Pixel size of every figure.
pub const SIZE: (u32, u32) = (1600, 900);

/// Colours of liquidation generations 0, 1, 2 and 3+.
pub const GENERATION_COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

/// Colours for series that are not generations (agents, oracles), in order.
pub const SERIES_COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// The colour of generation `g` (3 and beyond share one).
pub fn generation_colour(g: u32) -> RGBColor {
    GENERATION_COLOURS[(g as usize).min(3)]
}

/// A figure that can draw itself on any plotters backend.
pub trait Figure {
    /// Draws into `area` (the figure without its footer).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

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

/// Turns a drawing error into a message.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn framed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &impl Figure,
    footer: &Footer,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (main, foot) = root.split_vertically(SIZE.1 - 36);
    foot.draw(&Text::new(
        footer.text(),
        (20, 8),
        ("sans-serif", 18).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(err)?;
    fig.draw(&main)?;
    root.present().map_err(err)
}

/// Draws `fig` with its footer into `path` as `format`.
pub fn render(
    fig: &impl Figure,
    footer: &Footer,
    path: &Path,
    format: Format,
) -> Result<(), ReportError> {
    ensure_font();
    let result = match format {
        Format::Png => framed(
            &BitMapBackend::new(path, SIZE).into_drawing_area(),
            fig,
            footer,
        ),
        Format::Svg => framed(
            &SVGBackend::new(path, SIZE).into_drawing_area(),
            fig,
            footer,
        ),
    };
    result.map_err(|message| ReportError::Draw {
        path: path.display().to_string(),
        message,
    })
}

/// A number in a few characters: 1.23M, 45.6k, 789.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The smallest and largest of some values, padded by `pad` of the span (never empty).
pub fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), v| {
            (l.min(v), u.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let p = ((hi - lo) * pad)
        .max(hi.abs().max(lo.abs()) * 1e-3)
        .max(1e-9);
    (lo - p, hi + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_helpers() {
        assert_eq!(short(1_234_567.0), "1.23M");
        assert_eq!(short(45_600.0), "45.6k");
        assert_eq!(short(2.5), "2.50");
        assert_eq!(short(0.0), "0");
        let (lo, hi) = padded_range([1.0, 3.0].into_iter(), 0.1);
        assert!((lo - 0.8).abs() < 1e-9 && (hi - 3.2).abs() < 1e-9);
        assert_eq!(padded_range(std::iter::empty(), 0.1), (0.0, 1.0));
        assert_eq!(generation_colour(7), GENERATION_COLOURS[3]);
    }
}
