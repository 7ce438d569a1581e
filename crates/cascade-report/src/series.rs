//! Plotted series built from trace files.
//!
//! Each builder reads one trace file (as written by `cascade_engine::trace::CsvTrace`) and returns
//! plain vectors of points in seconds and human units, so figures and tests share one path from
//! trace to picture.

use crate::ReportError;
use crate::perp_series::perp_liquidations;
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
    /// Book mid at each snapshot of the first venue (gaps where the book was one-sided).
    pub mid: Vec<Point>,
    /// The first venue's name.
    pub venue: String,
    /// The other venues' mids, by venue name.
    pub other_mids: Vec<(String, Vec<Point>)>,
    /// The market's oracle (the first in the trace) as a step function: each published price
    /// holds until the next publication.
    pub oracle: Vec<Point>,
    /// The other oracles' step functions, by name.
    pub other_oracles: Vec<(String, Vec<Point>)>,
    /// Liquidations.
    pub liquidations: Vec<Marker>,
    /// Last snapshot time, seconds.
    pub end: f64,
}

#[derive(Deserialize)]
struct BookTopRec {
    time_ns: u64,
    #[serde(default)]
    venue: String,
    mid: Option<f64>,
    reference: f64,
}

#[derive(Deserialize)]
struct OracleRec {
    time_ns: u64,
    #[serde(default)]
    oracle: String,
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

/// Calls `f` on each row of a trace file, without holding the file in memory.
pub(crate) fn for_each<T: for<'de> Deserialize<'de>>(
    path: &Path,
    mut f: impl FnMut(T),
) -> Result<(), ReportError> {
    let err = |message: String| ReportError::Trace {
        path: path.display().to_string(),
        message,
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    for row in r.deserialize() {
        f(row.map_err(|e| err(e.to_string()))?);
    }
    Ok(())
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
    /// Reads `book_top.csv`, `oracle.csv`, `liquidations.csv` and `perps.csv` (if there is one)
    /// from a trace folder. A run at
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
        let first_venue = tops.first().map(|r| r.venue.clone()).unwrap_or_default();
        t.venue = first_venue.clone();
        for r in &tops {
            if r.venue == first_venue {
                t.reference.push((secs(r.time_ns), r.reference));
            }
            let Some(m) = r.mid else { continue };
            if r.venue == first_venue {
                t.mid.push((secs(r.time_ns), m));
            } else {
                match t.other_mids.iter_mut().find(|(n, _)| *n == r.venue) {
                    Some((_, pts)) => pts.push((secs(r.time_ns), m)),
                    None => t
                        .other_mids
                        .push((r.venue.clone(), vec![(secs(r.time_ns), m)])),
                }
            }
        }
        let mut names: Vec<&str> = Vec::new();
        for r in &oracle {
            if !names.contains(&r.oracle.as_str()) {
                names.push(&r.oracle);
            }
        }
        for (k, name) in names.iter().enumerate() {
            let publishes: Vec<&OracleRec> = oracle
                .iter()
                .filter(|r| r.event == "publish" && r.oracle == *name)
                .collect();
            if tops.is_empty() && k == 0 {
                t.reference = publishes
                    .iter()
                    .map(|r| (secs(r.time_ns), r.reference_price))
                    .collect();
            }
            let mut steps = Vec::with_capacity(2 * publishes.len());
            for (i, r) in publishes.iter().enumerate() {
                let start = secs(r.time_ns);
                let until = publishes
                    .get(i + 1)
                    .map_or(end.max(start), |n| secs(n.time_ns));
                steps.push((start, r.price));
                steps.push((until, r.price));
            }
            if k == 0 {
                t.oracle = steps;
            } else {
                t.other_oracles.push((name.to_string(), steps));
            }
        }
        t.liquidations = liqs
            .iter()
            .map(|r| Marker {
                t: secs(r.time_ns),
                price: r.price_before.unwrap_or(r.oracle_price),
                generation: r.generation,
            })
            .collect();
        // A perp venue's liquidations, at the mark they acted at.
        t.liquidations
            .extend(perp_liquidations(dir)?.iter().map(|l| Marker {
                t: l.t,
                price: l.mark,
                generation: l.generation,
            }));
        Ok(t)
    }

    /// Smallest and largest price over every series (for the axis), padded by 2%.
    pub fn price_range(&self) -> (f64, f64) {
        let all = self
            .reference
            .iter()
            .chain(&self.mid)
            .chain(self.other_mids.iter().flat_map(|(_, p)| p))
            .chain(&self.oracle)
            .chain(self.other_oracles.iter().flat_map(|(_, p)| p))
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

#[derive(Deserialize)]
struct DepthRec {
    time_ns: u64,
    #[serde(default)]
    venue: String,
    side: String,
    price: f64,
    qty: f64,
}

/// Resting size over time and price, averaged over the snapshots in each cell of a grid.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepthGrid {
    /// Time span, seconds (first and last snapshot).
    pub t_range: (f64, f64),
    /// Price span, quote currency.
    pub p_range: (f64, f64),
    /// Time cells.
    pub nt: usize,
    /// Price cells.
    pub np: usize,
    /// Mean resting bid size per cell, base units, `[t * np + p]`.
    pub bids: Vec<f64>,
    /// Mean resting ask size per cell.
    pub asks: Vec<f64>,
}

impl DepthGrid {
    /// Reads `depth.csv` and bins it into `nt` x `np` cells. `None` if the file is absent
    /// (runs below the full trace level) or empty.
    pub fn from_trace(dir: &Path, nt: usize, np: usize) -> Result<Option<Self>, ReportError> {
        let path = dir.join("depth.csv");
        if !path.exists() {
            return Ok(None);
        }
        // First pass: the extents; second pass: the binning. Neither holds the file.
        let (mut t0, mut t1) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut p0, mut p1) = (f64::INFINITY, f64::NEG_INFINITY);
        // The first venue's levels only (the venue of the first row).
        let mut venue: Option<String> = None;
        for_each(&path, |r: DepthRec| {
            if venue.get_or_insert_with(|| r.venue.clone()) != &r.venue {
                return;
            }
            let t = secs(r.time_ns);
            (t0, t1) = (t0.min(t), t1.max(t));
            (p0, p1) = (p0.min(r.price), p1.max(r.price));
        })?;
        if !t0.is_finite() || nt == 0 || np == 0 {
            return Ok(None);
        }
        let t1 = t1.max(t0 + 1e-9);
        let p1 = p1.max(p0 + 1e-9);
        let mut g = DepthGrid {
            t_range: (t0, t1),
            p_range: (p0, p1),
            nt,
            np,
            bids: vec![0.0; nt * np],
            asks: vec![0.0; nt * np],
        };
        // Snapshots per time cell, to average over them.
        let mut snaps = vec![0u32; nt];
        let cell = |v: f64, lo: f64, hi: f64, n: usize| {
            (((v - lo) / (hi - lo) * n as f64) as usize).min(n - 1)
        };
        let mut last_t = None;
        for_each(&path, |r: DepthRec| {
            if venue.as_ref() != Some(&r.venue) {
                return;
            }
            let ti = cell(secs(r.time_ns), t0, t1, nt);
            if last_t != Some(r.time_ns) {
                snaps[ti] += 1;
                last_t = Some(r.time_ns);
            }
            let pi = cell(r.price, p0, p1, np);
            let grid = if r.side == "bid" {
                &mut g.bids
            } else {
                &mut g.asks
            };
            grid[ti * np + pi] += r.qty;
        })?;
        for (ti, &n) in snaps.iter().enumerate() {
            if n > 0 {
                for pi in 0..np {
                    g.bids[ti * np + pi] /= f64::from(n);
                    g.asks[ti * np + pi] /= f64::from(n);
                }
            }
        }
        Ok(Some(g))
    }
}

#[derive(Deserialize)]
struct LiqRec {
    time_ns: u64,
    id: u32,
    generation: u32,
    parent: Option<u32>,
    debt_repaid: f64,
    deficit: f64,
}

/// One liquidation as a node of the cascade tree.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeNode {
    /// Liquidation id.
    pub id: u32,
    /// Seconds since the start.
    pub t: f64,
    /// Generation.
    pub generation: u32,
    /// Parent liquidation.
    pub parent: Option<u32>,
    /// Debt repaid, quote currency (for a perp liquidation, the value it closed).
    pub debt_repaid: f64,
}

/// The liquidations of a run: per-generation totals, the parent-child tree, and cumulative
/// losses over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cascade {
    /// Liquidations per generation.
    pub counts: Vec<u64>,
    /// Debt repaid per generation.
    pub debt_by_generation: Vec<f64>,
    /// Every liquidation, in order.
    pub nodes: Vec<CascadeNode>,
    /// Cumulative debt repaid over time, as a step function.
    pub cumulative_repaid: Vec<Point>,
    /// Cumulative bad debt (deficit written off) over time, as a step function.
    pub cumulative_deficit: Vec<Point>,
    /// End of the run, seconds.
    pub end: f64,
}

impl Cascade {
    /// Reads `liquidations.csv` and, if there is one, `perps.csv`; `end` closes the step
    /// functions (the run's length).
    pub fn from_trace(dir: &Path, end: f64) -> Result<Self, ReportError> {
        let rows: Vec<LiqRec> = read(&dir.join("liquidations.csv"))?;
        let mut c = Cascade {
            end,
            ..Cascade::default()
        };
        let (mut repaid, mut deficit) = (0.0, 0.0);
        c.cumulative_repaid.push((0.0, 0.0));
        c.cumulative_deficit.push((0.0, 0.0));
        for r in &rows {
            let g = r.generation as usize;
            if c.counts.len() <= g {
                c.counts.resize(g + 1, 0);
                c.debt_by_generation.resize(g + 1, 0.0);
            }
            c.counts[g] += 1;
            c.debt_by_generation[g] += r.debt_repaid;
            let t = secs(r.time_ns);
            c.nodes.push(CascadeNode {
                id: r.id,
                t,
                generation: r.generation,
                parent: r.parent,
                debt_repaid: r.debt_repaid,
            });
            for (series, total, add) in [
                (&mut c.cumulative_repaid, &mut repaid, r.debt_repaid),
                (&mut c.cumulative_deficit, &mut deficit, r.deficit),
            ] {
                if add != 0.0 {
                    series.push((t, *total));
                    *total += add;
                    series.push((t, *total));
                }
            }
        }
        // A perp venue's liquidations share the id space; their size is the value they closed.
        for l in perp_liquidations(dir)? {
            let g = l.generation as usize;
            if c.counts.len() <= g {
                c.counts.resize(g + 1, 0);
                c.debt_by_generation.resize(g + 1, 0.0);
            }
            c.counts[g] += 1;
            c.nodes.push(CascadeNode {
                id: l.id,
                t: l.t,
                generation: l.generation,
                parent: l.parent,
                debt_repaid: l.value,
            });
        }
        c.nodes.sort_by_key(|n| n.id);
        let end = end.max(c.nodes.iter().map(|n| n.t).fold(0.0, f64::max));
        c.cumulative_repaid.push((end, repaid));
        c.cumulative_deficit.push((end, deficit));
        Ok(c)
    }
}

#[derive(Deserialize)]
struct AgentRec {
    time_ns: u64,
    agent: String,
    kind: String,
    cash: f64,
    value: f64,
}

/// One agent's capital and profit over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgentSeries {
    /// Agent label.
    pub agent: String,
    /// Cash (capital free to liquidate with) at each snapshot.
    pub cash: Vec<Point>,
    /// Value (cash plus inventory at the mid) minus the value at the first snapshot.
    pub pnl: Vec<Point>,
}

impl AgentSeries {
    /// The agents of `kind` (`liquidator`, `maker`) from `agents.csv`, in label order of first
    /// appearance; `None` if the file is absent.
    pub fn from_trace(dir: &Path, kind: &str) -> Result<Option<Vec<Self>>, ReportError> {
        let path = dir.join("agents.csv");
        if !path.exists() {
            return Ok(None);
        }
        let mut out: Vec<AgentSeries> = Vec::new();
        let mut start: Vec<f64> = Vec::new();
        for_each(&path, |r: AgentRec| {
            if r.kind != kind {
                return;
            }
            let i = match out.iter().position(|a| a.agent == r.agent) {
                Some(i) => i,
                None => {
                    out.push(AgentSeries {
                        agent: r.agent.clone(),
                        ..AgentSeries::default()
                    });
                    start.push(r.value);
                    out.len() - 1
                }
            };
            let t = secs(r.time_ns);
            out[i].cash.push((t, r.cash));
            out[i].pnl.push((t, r.value - start[i]));
        })?;
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_engine::trace::{BookTopRow, LiquidationRow, OracleRow, Row};
    const BOOK_TOP_HEADER: &str = BookTopRow::HEADER;
    const LIQUIDATIONS_HEADER: &str = LiquidationRow::HEADER;
    const ORACLE_HEADER: &str = OracleRow::HEADER;

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
                "0,book,1999,1,2001,1,2000,10,2000,2000",
                "0,other,1998,1,2002,1,2000,10,2000,2000",
                "1000000000,book,,0,2001,1,,0,1990,2000",
                "2000000000,book,1979,1,1981,1,1980,10,1985,1980",
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
        assert_eq!(t.other_mids, [("other".to_string(), vec![(0.0, 2000.0)])]);
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

    /// Depth, cascade and agent series from a hand-written trace.
    #[test]
    fn depth_cascade_and_agents_from_a_small_trace() {
        use cascade_engine::trace::{AgentRow, DepthRow};
        let dir = std::env::temp_dir().join(format!("cascade-series2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "depth.csv",
            DepthRow::HEADER,
            &[
                "0,book,bid,0,99,2",
                "0,book,ask,0,101,4",
                "1000000000,book,bid,0,99,6",
                "1000000000,book,ask,0,101,4",
                "2000000000,book,bid,0,100,8",
                "2000000000,other,bid,0,150,8",
            ],
        );
        // 2 x 2 grid over t in [0, 2] s and price in [99, 101]: the time cells are [0, 1) and
        // [1, 2], the price cells [99, 100) and [100, 101]. Cell 0 holds the snapshot at 0 s
        // (bid 2 at 99, ask 4 at 101); cell 1 the snapshots at 1 and 2 s, averaged over two:
        // bid 6 at 99 -> 3, bid 8 at 100 -> 4, ask 4 at 101 -> 2.
        let g = DepthGrid::from_trace(&dir, 2, 2).unwrap().unwrap();
        assert_eq!((g.t_range, g.p_range), ((0.0, 2.0), (99.0, 101.0)));
        assert_eq!(g.bids, [2.0, 0.0, 3.0, 4.0]);
        assert_eq!(g.asks, [0.0, 4.0, 0.0, 2.0]);

        write(
            &dir,
            "liquidations.csv",
            LIQUIDATIONS_HEADER,
            &[
                "1000000000,0,7,liq0,0,,0.98,1980,100,0.05,0.001,0,0.049,97,1980,1975",
                "2000000000,1,8,liq0,1,0,0.97,1975,50,0.05,0.001,10,0.049,97,,",
                "3000000000,2,9,liq1,1,0,0.97,1975,30,0.05,0.001,0,0.049,97,,",
            ],
        );
        let c = Cascade::from_trace(&dir, 5.0).unwrap();
        assert_eq!(c.counts, [1, 2]);
        assert_eq!(c.debt_by_generation, [100.0, 80.0]);
        assert_eq!(c.nodes[2].parent, Some(0));
        assert_eq!(
            c.cumulative_deficit,
            [(0.0, 0.0), (2.0, 0.0), (2.0, 10.0), (5.0, 10.0)]
        );
        assert_eq!(c.cumulative_repaid.last(), Some(&(5.0, 180.0)));

        write(
            &dir,
            "agents.csv",
            AgentRow::HEADER,
            &[
                "0,mm0,maker,1000,5,11000,20",
                "0,liq0,liquidator,500,0,500,",
                "1000000000,liq0,liquidator,300,0.1,520,",
            ],
        );
        let a = AgentSeries::from_trace(&dir, "liquidator")
            .unwrap()
            .unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].cash, [(0.0, 500.0), (1.0, 300.0)]);
        assert_eq!(a[0].pnl, [(0.0, 0.0), (1.0, 20.0)]);
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
            &["0,book,1999,1,2001,1,2000,10,2000,2000", "oops,1,2"],
        );
        let err = Timeline::from_trace(&dir).unwrap_err().to_string();
        assert!(
            err.contains("book_top.csv") && err.contains("line"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
