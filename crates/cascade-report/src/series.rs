//! Plotted series built from trace files.
//!
//! Each builder reads one trace file (as written by `cascade_engine::trace::CsvTrace`) and returns
//! plain vectors of points in seconds and human units, so figures and tests share one path from
//! trace to picture.

use crate::ReportError;
use serde::Deserialize;
use std::path::Path;

/// A point: seconds since the start, value.
pub type Point = (f64, f64);

/// A liquidation marker: seconds, price, generation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    /// Seconds since the start.
    pub t: f64,
    /// Price where the sale hit the book (the mid before it), or the oracle price if the book
    /// had no mid.
    pub price: f64,
    /// Generation of the liquidation.
    pub generation: u32,
}

/// The series of the price timeline.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// Exogenous reference price at each snapshot.
    pub reference: Vec<Point>,
    /// Book mid at each snapshot (gaps where the book was one-sided).
    pub mid: Vec<Point>,
    /// Published oracle price as a step function: each price holds until the next publication.
    pub oracle: Vec<Point>,
    /// Liquidations.
    pub liquidations: Vec<Marker>,
    /// Last snapshot time, seconds.
    pub end: f64,
}

#[derive(Deserialize)]
struct BookTopRec {
    time_ns: u64,
    mid: Option<f64>,
    reference: f64,
}

#[derive(Deserialize)]
struct OracleRec {
    time_ns: u64,
    price: f64,
    reference_price: f64,
    event: String,
}

#[derive(Deserialize)]
struct LiquidationRec {
    time_ns: u64,
    generation: u32,
    oracle_price: f64,
    price_before: Option<f64>,
}

fn read<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, ReportError> {
    let err = |message: String| ReportError::Trace {
        path: path.display().to_string(),
        message,
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    r.deserialize()
        .map(|row| row.map_err(|e| err(e.to_string())))
        .collect()
}

fn secs(ns: u64) -> f64 {
    ns as f64 / 1e9
}

impl Timeline {
    /// Reads `book_top.csv`, `oracle.csv` and `liquidations.csv` from a trace folder. A run at
    /// the liquidations trace level has no `book_top.csv`: the reference then comes from the
    /// oracle rows and there is no mid line.
    pub fn from_trace(dir: &Path) -> Result<Self, ReportError> {
        let top_path = dir.join("book_top.csv");
        let tops: Vec<BookTopRec> = if top_path.exists() {
            read(&top_path)?
        } else {
            Vec::new()
        };
        let oracle: Vec<OracleRec> = read(&dir.join("oracle.csv"))?;
        let liqs: Vec<LiquidationRec> = read(&dir.join("liquidations.csv"))?;
        let last = |t: Option<u64>| t.map_or(0.0, secs);
        let end = last(tops.last().map(|r| r.time_ns))
            .max(last(oracle.last().map(|r| r.time_ns)))
            .max(last(liqs.last().map(|r| r.time_ns)));
        let mut t = Timeline {
            end,
            ..Timeline::default()
        };
        for r in &tops {
            t.reference.push((secs(r.time_ns), r.reference));
            if let Some(m) = r.mid {
                t.mid.push((secs(r.time_ns), m));
            }
        }
        let publishes: Vec<&OracleRec> = oracle.iter().filter(|r| r.event == "publish").collect();
        if tops.is_empty() {
            t.reference = publishes
                .iter()
                .map(|r| (secs(r.time_ns), r.reference_price))
                .collect();
        }
        for (i, r) in publishes.iter().enumerate() {
            let start = secs(r.time_ns);
            let until = publishes
                .get(i + 1)
                .map_or(end.max(start), |n| secs(n.time_ns));
            t.oracle.push((start, r.price));
            t.oracle.push((until, r.price));
        }
        t.liquidations = liqs
            .iter()
            .map(|r| Marker {
                t: secs(r.time_ns),
                price: r.price_before.unwrap_or(r.oracle_price),
                generation: r.generation,
            })
            .collect();
        Ok(t)
    }

    /// Smallest and largest price over every series (for the axis), padded by 2%.
    pub fn price_range(&self) -> (f64, f64) {
        let all = self
            .reference
            .iter()
            .chain(&self.mid)
            .chain(&self.oracle)
            .map(|p| p.1)
            .chain(self.liquidations.iter().map(|m| m.price));
        let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.02).max(hi.abs() * 1e-3).max(1e-9);
        (lo - pad, hi + pad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_engine::trace::{BOOK_TOP_HEADER, LIQUIDATIONS_HEADER, ORACLE_HEADER};

    fn write(dir: &Path, name: &str, header: &str, rows: &[&str]) {
        let mut s = format!("{header}\n");
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        std::fs::write(dir.join(name), s).unwrap();
    }

    /// Series built from a hand-written trace: every row lands where it belongs.
    #[test]
    fn timeline_from_a_small_trace() {
        let dir = std::env::temp_dir().join(format!("cascade-series-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "book_top.csv",
            BOOK_TOP_HEADER,
            &[
                "0,1999,1,2001,1,2000,10,2000,2000",
                "1000000000,,0,2001,1,,0,1990,2000",
                "2000000000,1979,1,1981,1,1980,10,1985,1980",
            ],
        );
        write(
            &dir,
            "oracle.csv",
            ORACLE_HEADER,
            &[
                "0,push,2000,2000,0,1,publish,first",
                "500000000,push,1990,1990,0,1,stale,",
                "1500000000,push,1980,1985,200,1,publish,round",
            ],
        );
        write(
            &dir,
            "liquidations.csv",
            LIQUIDATIONS_HEADER,
            &[
                "1600000000,0,7,liq0,0,,0.98,1980,100,0.05,0.001,0,0.049,97,1980,1975",
                "1700000000,1,8,liq0,1,0,0.97,1980,100,0.05,0.001,0,0.049,97,,",
            ],
        );
        let t = Timeline::from_trace(&dir).unwrap();
        assert_eq!(t.reference, [(0.0, 2000.0), (1.0, 1990.0), (2.0, 1985.0)]);
        assert_eq!(
            t.mid,
            [(0.0, 2000.0), (2.0, 1980.0)],
            "one-sided book leaves a gap"
        );
        assert_eq!(
            t.oracle,
            [(0.0, 2000.0), (1.5, 2000.0), (1.5, 1980.0), (2.0, 1980.0)]
        );
        assert_eq!(
            t.liquidations,
            [
                Marker {
                    t: 1.6,
                    price: 1980.0,
                    generation: 0
                },
                Marker {
                    t: 1.7,
                    price: 1980.0,
                    generation: 1
                },
            ]
        );
        assert_eq!(t.end, 2.0);
        let (lo, hi) = t.price_range();
        assert!(
            lo < 1980.0 && lo > 1970.0 && hi > 2000.0 && hi < 2010.0,
            "{lo} {hi}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_broken_trace_names_the_file_and_line() {
        let dir = std::env::temp_dir().join(format!("cascade-series-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "book_top.csv",
            BOOK_TOP_HEADER,
            &["0,1999,1,2001,1,2000,10,2000,2000", "oops,1,2"],
        );
        let err = Timeline::from_trace(&dir).unwrap_err().to_string();
        assert!(
            err.contains("book_top.csv") && err.contains("line"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
