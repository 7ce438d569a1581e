//! Binance kline (candlestick) files: loading, window selection and the bad-print filter.
//!
//! Format (data.binance.vision, `../shared/data/README.md`): `open_time, open, high, low, close,
//! volume, close_time, quote_volume, count, taker_buy_volume, taker_buy_quote_volume, ignore`.
//! Spot archives have no header, futures archives and some copies do; spot files dated 2025 and
//! later use microsecond timestamps, the rest milliseconds. Both are read; times are kept in
//! milliseconds.
//!
//! Bad prints: a bar whose high (or low) lies far outside both its own body and its neighbours'
//! ranges (Binance's ETHUSDT archive has a 323.00 high at 2020-03-13 02:39 amid 130s) is
//! clipped to its body and reported. The rule: with `body = [min(open, close), max(open,
//! close)]` and `ref` the median high-low range of the `2 w` bars around it, a wick longer than
//! `k * max(ref, body height, one cent)` is a bad print.

use crate::DataError;
use std::path::Path;

/// One bar.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bar {
    /// Open time, milliseconds since the epoch.
    pub open_time_ms: i64,
    /// Open price.
    pub open: f64,
    /// High price.
    pub high: f64,
    /// Low price.
    pub low: f64,
    /// Close price.
    pub close: f64,
    /// Base volume.
    pub volume: f64,
}

/// A price the bad-print filter replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    /// 1-based line in the file.
    pub line: usize,
    /// Bar open time, milliseconds.
    pub open_time_ms: i64,
    /// `high` or `low`.
    pub field: &'static str,
    /// The value in the file.
    pub was: f64,
    /// The value used instead.
    pub now: f64,
}

/// Loaded bars and what loading did to them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Klines {
    /// Bars in time order.
    pub bars: Vec<Bar>,
    /// The 1-based file line of each bar.
    pub lines: Vec<usize>,
    /// Prices replaced by the bad-print filter.
    pub dropped: Vec<Dropped>,
    /// Bar interval, milliseconds (the most common gap between consecutive bars).
    pub interval_ms: i64,
    /// Gaps longer than one interval: (open time before, open time after).
    pub gaps: Vec<(i64, i64)>,
}

/// Which bars to use and how to clean them.
#[derive(Clone, Debug, PartialEq)]
pub struct KlineOptions {
    /// First open time kept, milliseconds (inclusive).
    pub from_ms: Option<i64>,
    /// Open times at or after this are dropped, milliseconds.
    pub to_ms: Option<i64>,
    /// Bad-print threshold `k` (0 turns the filter off).
    pub bad_print_k: f64,
    /// Half-window `w` of neighbours for the filter's reference range.
    pub bad_print_window: usize,
}

impl Default for KlineOptions {
    fn default() -> Self {
        KlineOptions {
            from_ms: None,
            to_ms: None,
            bad_print_k: 8.0,
            bad_print_window: 5,
        }
    }
}

/// Microsecond timestamps are above this (year 2033 in milliseconds).
const MICROS_ABOVE: i64 = 2_000_000_000_000;

/// Reads a kline file.
pub fn load(path: &Path, opts: &KlineOptions) -> Result<Klines, DataError> {
    let text = std::fs::read_to_string(path).map_err(|io| DataError::Read {
        path: path.to_path_buf(),
        io,
        hint: "Binance klines come from https://data.binance.vision (spot/monthly/klines/<SYMBOL>/1m/)".into(),
    })?;
    parse(path, &text, opts)
}

/// Parses kline text; `path` names it in errors.
pub fn parse(path: &Path, text: &str, opts: &KlineOptions) -> Result<Klines, DataError> {
    let mut out = Klines::default();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        if line == 1 && f[0].parse::<f64>().is_err() {
            continue; // header row
        }
        if f.len() < 6 {
            return Err(DataError::line(
                path,
                line,
                format!(
                    "expected at least 6 columns (open_time,open,high,low,close,volume), found {}",
                    f.len()
                ),
            ));
        }
        let num = |k: usize, name: &str| -> Result<f64, DataError> {
            f[k].parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    DataError::line(
                        path,
                        line,
                        format!("column {} ({name}): `{}` is not a number", k + 1, f[k]),
                    )
                })
        };
        let t: i64 = f[0].parse().map_err(|_| {
            DataError::line(
                path,
                line,
                format!(
                    "column 1 (open_time): `{}` is not an integer timestamp",
                    f[0]
                ),
            )
        })?;
        let t = if t > MICROS_ABOVE { t / 1_000 } else { t };
        let (open, high, low, close, volume) = (
            num(1, "open")?,
            num(2, "high")?,
            num(3, "low")?,
            num(4, "close")?,
            num(5, "volume")?,
        );
        if !(low > 0.0 && low <= open.min(close) && high >= open.max(close)) {
            return Err(DataError::line(
                path,
                line,
                format!(
                    "prices are inconsistent: low {low} must be > 0 and <= open {open} and close {close} <= high {high}"
                ),
            ));
        }
        if let Some(prev) = out.bars.last().map(|b| b.open_time_ms).filter(|&p| t <= p) {
            return Err(DataError::line(
                path,
                line,
                format!("open_time {t} does not come after the previous bar's {prev}"),
            ));
        }
        if opts.from_ms.is_some_and(|f| t < f) || opts.to_ms.is_some_and(|e| t >= e) {
            continue;
        }
        out.bars.push(Bar {
            open_time_ms: t,
            open,
            high,
            low,
            close,
            volume,
        });
        out.lines.push(line);
    }
    if out.bars.is_empty() {
        return Err(DataError::Mismatch(format!(
            "{}: no bars in the selected time window",
            path.display()
        )));
    }
    out.interval_ms = most_common_gap(&out.bars);
    out.gaps = out
        .bars
        .windows(2)
        .filter(|w| w[1].open_time_ms - w[0].open_time_ms > out.interval_ms)
        .map(|w| (w[0].open_time_ms, w[1].open_time_ms))
        .collect();
    if opts.bad_print_k > 0.0 {
        filter_bad_prints(&mut out, opts.bad_print_k, opts.bad_print_window);
    }
    Ok(out)
}

fn most_common_gap(bars: &[Bar]) -> i64 {
    let mut gaps: Vec<i64> = bars
        .windows(2)
        .map(|w| w[1].open_time_ms - w[0].open_time_ms)
        .collect();
    if gaps.is_empty() {
        return 60_000;
    }
    gaps.sort_unstable();
    let (mut best, mut best_n, mut i) = (gaps[0], 0, 0);
    while i < gaps.len() {
        let j = gaps[i..].iter().take_while(|&&g| g == gaps[i]).count();
        if j > best_n {
            (best, best_n) = (gaps[i], j);
        }
        i += j;
    }
    best
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn filter_bad_prints(k: &mut Klines, factor: f64, w: usize) {
    let ranges: Vec<f64> = k.bars.iter().map(|b| b.high - b.low).collect();
    for i in 0..k.bars.len() {
        let lo = i.saturating_sub(w);
        let hi = (i + w + 1).min(k.bars.len());
        let neighbours: Vec<f64> = (lo..hi).filter(|&j| j != i).map(|j| ranges[j]).collect();
        let b = k.bars[i];
        let (body_lo, body_hi) = (b.open.min(b.close), b.open.max(b.close));
        let scale = median(neighbours).max(body_hi - body_lo).max(0.01);
        let limit = factor * scale;
        if b.high - body_hi > limit {
            k.dropped.push(Dropped {
                line: k.lines[i],
                open_time_ms: b.open_time_ms,
                field: "high",
                was: b.high,
                now: body_hi,
            });
            k.bars[i].high = body_hi;
        }
        if body_lo - b.low > limit {
            k.dropped.push(Dropped {
                line: k.lines[i],
                open_time_ms: b.open_time_ms,
                field: "low",
                was: b.low,
                now: body_lo,
            });
            k.bars[i].low = body_lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("k.csv")
    }

    const ROWS: &str =
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,tbv,tbqv,ignore
1584067020000,130.0,131.0,129.5,130.5,10,0,0,0,0,0,0
1584067080000,130.5,131.2,130.0,131.0,10,0,0,0,0,0,0
1584067140000,131.0,323.0,130.5,130.8,10,0,0,0,0,0,0
1584067200000,130.8,131.5,130.2,131.3,10,0,0,0,0,0,0
1584067260000,131.3,132.0,131.0,131.9,10,0,0,0,0,0,0
";

    /// The 323.00 high amid bars ranging about 1.5 is a bad print: clipped to the body
    /// (131.0) and reported with its line; the ordinary bars are kept as they are.
    #[test]
    fn the_bad_print_is_clipped_and_reported() {
        let k = parse(p(), ROWS, &KlineOptions::default()).unwrap();
        assert_eq!(k.bars.len(), 5);
        assert_eq!(k.interval_ms, 60_000);
        assert_eq!(
            k.dropped,
            [Dropped {
                line: 4,
                open_time_ms: 1584067140000,
                field: "high",
                was: 323.0,
                now: 131.0
            }]
        );
        assert_eq!(k.bars[2].high, 131.0);
        assert_eq!(k.bars[0].high, 131.0);
        let raw = parse(
            p(),
            ROWS,
            &KlineOptions {
                bad_print_k: 0.0,
                ..KlineOptions::default()
            },
        )
        .unwrap();
        assert_eq!(raw.bars[2].high, 323.0);
    }

    #[test]
    fn windows_units_and_gaps() {
        let micros = "1746057600000000,1,2,0.5,1.5,1\n1746057660000000,1.5,2,1,1.2,1\n1746057840000000,1.2,1.3,1.1,1.2,1\n";
        let k = parse(p(), micros, &KlineOptions::default()).unwrap();
        assert_eq!(
            k.bars[0].open_time_ms, 1_746_057_600_000,
            "microseconds become milliseconds"
        );
        assert_eq!(k.gaps, [(1_746_057_660_000, 1_746_057_840_000)]);
        let opts = KlineOptions {
            from_ms: Some(1_584_067_080_000),
            to_ms: Some(1_584_067_200_000),
            ..KlineOptions::default()
        };
        let k = parse(p(), ROWS, &opts).unwrap();
        assert_eq!(
            k.bars.iter().map(|b| b.open_time_ms).collect::<Vec<_>>(),
            [1_584_067_080_000, 1_584_067_140_000]
        );
        assert_eq!(k.lines, [3, 4]);
    }

    #[test]
    fn malformed_lines_name_their_number() {
        let cases = [
            (
                "1584067020000,130,131,129.5,x,1\n",
                "k.csv:1: column 5 (close): `x` is not a number",
            ),
            (
                "1584067020000,130,131,129.5\n",
                "k.csv:1: expected at least 6 columns",
            ),
            (
                "1584067020000,130,129,129.5,130,1\n",
                "k.csv:1: prices are inconsistent",
            ),
            (
                "h\n1584067020000,130,131,129,130,1\n1584067020000,130,131,129,130,1\n",
                "k.csv:3: open_time 1584067020000 does not come after",
            ),
            ("12.5,130,131,129,130,1\n", "k.csv:1: column 1 (open_time)"),
        ];
        for (text, want) in cases {
            let e = parse(p(), text, &KlineOptions::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{e}");
        }
        let e = parse(
            p(),
            ROWS,
            &KlineOptions {
                from_ms: Some(i64::MAX),
                ..KlineOptions::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("no bars"), "{e}");
    }
}
