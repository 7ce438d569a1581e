//! Published figures beside the run's own: a scenario that replays a real event names figures
//! published about it (a deficit, a share of auctions won at zero, ...) and the summary field
//! each corresponds to; the summary then carries both values and their ratio.

use crate::Summary;
use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// A published figure and the summary field it corresponds to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublishedFigure {
    /// Dotted path of a number in `summary.json` (`vaults.deficit`).
    pub metric: String,
    /// The published value, in the unit of that field.
    pub value: f64,
    /// Unit, as printed.
    pub unit: String,
    /// Where it was published.
    pub source: String,
}

/// A published figure next to this run's value of the same field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Dotted path of the summary field.
    pub metric: String,
    /// Unit, as printed.
    pub unit: String,
    /// Where the figure was published.
    pub source: String,
    /// The published value.
    pub published: f64,
    /// This run's value.
    pub model: f64,
    /// `model / published` (infinite or NaN if the published value is 0).
    pub ratio: f64,
}

/// The node at a dotted path of a JSON value, if there is one.
fn at_path<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |node, seg| node.get(seg))
}

/// The number at a dotted path of a summary's JSON form, if there is one.
pub fn metric_value(summary: &Summary, path: &str) -> Option<f64> {
    let v = serde_json::to_value(summary).expect("a summary always serialises");
    at_path(&v, path)?.as_f64()
}

/// The first figure whose metric is not a number of the summary of a run of `cfg`, with its
/// index, or `None` if every metric exists. Fields that only exist for some worlds (`perps.*`,
/// `vaults.*`) count as present when the world has that part.
pub fn unknown_metric(cfg: &WorldConfig, figures: &[PublishedFigure]) -> Option<usize> {
    let mut stats = RunStats::default();
    if cfg.perps.is_some() {
        stats.perps = Some(Default::default());
    }
    let probe = Summary::new(cfg, &stats, String::new());
    let v = serde_json::to_value(&probe).expect("a summary always serialises");
    // Present but not a number: null stands for an absent Option<f64>, which counts.
    figures.iter().position(|f| {
        at_path(&v, &f.metric).is_none_or(|node| !(node.is_number() || node.is_null()))
    })
}

impl Summary {
    /// Adds each published figure beside this run's value of the same field. Figures whose
    /// field has no value in this run (`null`) are left out.
    pub fn compare_with(&mut self, figures: &[PublishedFigure]) {
        let v = serde_json::to_value(&*self).expect("a summary always serialises");
        let rows: Vec<Comparison> = figures
            .iter()
            .filter_map(|f| {
                let model = at_path(&v, &f.metric)?.as_f64()?;
                Some(Comparison {
                    metric: f.metric.clone(),
                    unit: f.unit.clone(),
                    source: f.source.clone(),
                    published: f.value,
                    model,
                    ratio: model / f.value,
                })
            })
            .collect();
        self.published = rows;
    }
}

/// Lines for the terminal, one heading per source:
/// `  vaults.deficit: published 5,670,000 DAI, this run 6,847,438 (1.21x)`.
pub(crate) fn human(rows: &[Comparison]) -> String {
    let mut out = String::new();
    let mut source: Option<&str> = None;
    for r in rows {
        if source != Some(r.source.as_str()) {
            out.push_str(&format!("published figures ({}):\n", r.source));
            source = Some(r.source.as_str());
        }
        out.push_str(&format!(
            "  {}: published {} {}, this run {} ({:.2}x)\n",
            r.metric,
            fmt(r.published),
            r.unit,
            fmt(r.model),
            r.ratio,
        ));
    }
    out
}

/// Large figures with thousands separators, small ones with three significant decimals.
fn fmt(x: f64) -> String {
    if x.abs() >= 1000.0 {
        let n = x.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut s = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                s.push(',');
            }
            s.push(c);
        }
        if n < 0 { format!("-{s}") } else { s }
    } else {
        format!("{x:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::fmt;

    #[test]
    fn figures_print_with_separators() {
        assert_eq!(fmt(5_670_000.0), "5,670,000");
        assert_eq!(fmt(-1234.4), "-1,234");
        assert_eq!(fmt(0.36), "0.360");
        assert_eq!(fmt(999.9994), "999.999");
    }
}
