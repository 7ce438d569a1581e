//! The sweep heatmap: a value over two swept parameters.

use super::{Figure, err, short};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

impl Figure for Heatmap {
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let h = self;
        let (grid_area, bar_area) = area.split_horizontally(super::SIZE.0 - 170);
        let (nx, ny) = (h.x_values.len(), h.y_values.len());
        let (lo, hi) = super::padded_range(h.z.iter().flatten().copied(), 0.0);
        let span = if hi > lo { hi - lo } else { 1.0 };
        let xs = h.x_values.clone();
        let ys = h.y_values.clone();
        let mut chart = ChartBuilder::on(&grid_area)
            .caption(&h.title, ("sans-serif", 30).into_font())
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)
            .map_err(err)?;
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
            .map_err(err)?;
        let centre = Pos::new(HPos::Center, VPos::Center);
        for (i, col) in h.z.iter().enumerate() {
            for (j, &v) in col.iter().enumerate() {
                let t = (v - lo) / span;
                let (x0, y0) = (i as f64, j as f64);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, y0), (x0 + 1.0, y0 + 1.0)],
                        colour_scale(t).filled(),
                    )))
                    .map_err(err)?;
                let ink = if t > 0.6 { BLACK } else { WHITE };
                chart
                    .draw_series(std::iter::once(Text::new(
                        short(v),
                        (x0 + 0.5, y0 + 0.5),
                        ("sans-serif", 20).into_font().color(&ink).pos(centre),
                    )))
                    .map_err(err)?;
            }
        }
        colour_bar(&bar_area, lo, lo + span)
    }
}

/// A vertical colour bar from `lo` to `hi` with value labels.
pub(crate) fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    lo: f64,
    hi: f64,
) -> Result<(), String> {
    let mut bar = ChartBuilder::on(area)
        .margin_top(70)
        .margin_bottom(90)
        .margin_right(20)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(err)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style(("sans-serif", 16))
        .y_label_formatter(&|v| short(*v))
        .draw()
        .map_err(err)?;
    let steps = 100;
    let span = hi - lo;
    bar.draw_series((0..steps).map(|k| {
        let a = lo + span * k as f64 / steps as f64;
        let b = lo + span * (k + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            colour_scale(k as f64 / (steps - 1) as f64).filled(),
        )
    }))
    .map_err(err)?;
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
    }
}
