//! Time-weighted average prices: the arithmetic TWAP of Uniswap v2.
//!
//! Source: Uniswap v2 (`v2-core` `UniswapV2Pair._update`, mechanisms.md §6): at the first
//! transaction of each block the pair adds `price * elapsed` to `priceCumulative`, so a consumer
//! that stored the cumulative at `t0` computes `TWAP = (cum(t1) - cum(t0)) / (t1 - t0)`, the
//! time-weighted arithmetic mean of a step function: each recorded price holds until the next
//! record. `UniswapV2OracleLibrary.currentCumulativePrices` extends the cumulative to the
//! present with the last price, counterfactually; [`CumulativePrice::at`] does the same.
//! (Uniswap v3 averages ticks, a geometric mean; that is not modelled here.)
//!
//! Units: cumulatives are `ticks x nanoseconds` in `i128` (a price of 10^9 ticks held for a year
//! is about 3 x 10^25, far below `i128::MAX`). Every TWAP rounds down (towards negative
//! infinity), as the pair's fixed-point division truncates a non-negative quotient.
//!
//! The caller decides when prices are recorded: recording the pool's price before the first
//! trade of each block reproduces Uniswap's resistance to same-block manipulation.

use crate::error::{ParamError, positive_duration};
use cascade_types::{SimDuration, SimTime, Ticks};
use std::collections::VecDeque;

/// A Uniswap v2-style cumulative price: the running integral of the recorded price over time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CumulativePrice {
    cumulative: i128,
    last: Option<(SimTime, Ticks)>,
}

impl CumulativePrice {
    /// An accumulator with nothing recorded.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `price` at `now`: the previous price is integrated up to `now` and `price` holds
    /// from here on. An earlier `now` than the last record adds nothing (elapsed time saturates
    /// at zero).
    pub fn update(&mut self, now: SimTime, price: Ticks) {
        if let Some(c) = self.at(now) {
            self.cumulative = c;
        }
        let time = self.last.map_or(now, |(t, _)| t.max(now));
        self.last = Some((time, price));
    }

    /// The cumulative at `now` (ticks x ns), extended from the last record with the last price;
    /// `None` before the first record.
    pub fn at(&self, now: SimTime) -> Option<i128> {
        let (t, p) = self.last?;
        let dt = i128::from(now.saturating_since(t).as_nanos());
        Some(self.cumulative + i128::from(p.0) * dt)
    }
}

/// The TWAP between two cumulatives, rounded down; `None` unless `t1 > t0`.
pub fn twap_between(c0: i128, t0: SimTime, c1: i128, t1: SimTime) -> Option<Ticks> {
    if t1 <= t0 {
        return None;
    }
    let dt = i128::from((t1 - t0).as_nanos());
    Some(Ticks((c1 - c0).div_euclid(dt) as i64))
}

/// The TWAP over `[from, to]` of `samples` (sorted by time; at equal times the later entry
/// wins), each price holding until the next sample, rounded down. `None` if no sample is at or
/// before `from` (the window is not covered, as Uniswap v3's `OLD`) or if `to < from`; for
/// `to == from` the price in force at `from`.
pub fn twap(samples: &[(SimTime, Ticks)], from: SimTime, to: SimTime) -> Option<Ticks> {
    if to < from {
        return None;
    }
    let start = samples.partition_point(|s| s.0 <= from).checked_sub(1)?;
    let (mut t, mut p) = (from, samples[start].1);
    if to == from {
        return Some(p);
    }
    let mut acc: i128 = 0;
    for &(ts, ps) in &samples[start + 1..] {
        if ts >= to {
            break;
        }
        acc += i128::from(p.0) * i128::from((ts - t).as_nanos());
        (t, p) = (ts, ps);
    }
    acc += i128::from(p.0) * i128::from((to - t).as_nanos());
    let dt = i128::from((to - from).as_nanos());
    Some(Ticks(acc.div_euclid(dt) as i64))
}

/// A sliding-window TWAP oracle: records prices and answers the TWAP of the last `window`.
/// It keeps only the samples a later query can need.
#[derive(Clone, Debug)]
pub struct TwapWindow {
    window: SimDuration,
    samples: VecDeque<(SimTime, Ticks)>,
}

impl TwapWindow {
    /// A window of this length (must be longer than zero).
    pub fn new(window: SimDuration) -> Result<Self, ParamError> {
        positive_duration("window", window)?;
        Ok(TwapWindow {
            window,
            samples: VecDeque::new(),
        })
    }

    /// The window length.
    pub fn window(&self) -> SimDuration {
        self.window
    }

    /// Records `price` at `now` (records must come in time order; an earlier one is ignored and
    /// `false` returned), then drops samples older than the one in force at `now - window`.
    pub fn record(&mut self, now: SimTime, price: Ticks) -> bool {
        if self.samples.back().is_some_and(|s| now < s.0) {
            return false;
        }
        self.samples.push_back((now, price));
        if let Some(start) = now.as_nanos().checked_sub(self.window.as_nanos()) {
            while self.samples.len() >= 2 && self.samples[1].0.as_nanos() <= start {
                self.samples.pop_front();
            }
        }
        true
    }

    /// The TWAP over `[now - window, now]`; `None` while the window reaches back before the
    /// first sample (including while `now < window`).
    pub fn value(&self, now: SimTime) -> Option<Ticks> {
        let from = SimTime(now.as_nanos().checked_sub(self.window.as_nanos())?);
        let (a, b) = self.samples.as_slices();
        if b.is_empty() {
            twap(a, from, now)
        } else {
            let all: Vec<(SimTime, Ticks)> = self.samples.iter().copied().collect();
            twap(&all, from, now)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    /// Prices 100 from 0 s, 110 from 10 s, 90 from 15 s, 100 from 30 s.
    fn path() -> Vec<(SimTime, Ticks)> {
        vec![
            (s(0), Ticks(100)),
            (s(10), Ticks(110)),
            (s(15), Ticks(90)),
            (s(30), Ticks(100)),
        ]
    }

    /// [0, 30]: (100*10 + 110*5 + 90*15) / 30 = 2900 / 30 = 96.67 -> 96.
    /// [5, 20]: (100*5 + 110*5 + 90*5) / 15 = 1500 / 15 = 100.
    /// [12, 40]: (110*3 + 90*15 + 100*10) / 28 = 2680 / 28 = 95.71 -> 95.
    #[test]
    fn twap_by_hand() {
        let p = path();
        assert_eq!(twap(&p, s(0), s(30)), Some(Ticks(96)));
        assert_eq!(twap(&p, s(5), s(20)), Some(Ticks(100)));
        assert_eq!(twap(&p, s(12), s(40)), Some(Ticks(95)));
        assert_eq!(twap(&p, s(12), s(12)), Some(Ticks(110)));
        // Not covered: nothing recorded at or before the start.
        let late = &p[1..];
        assert_eq!(twap(late, s(5), s(20)), None);
        assert_eq!(twap(&p, s(20), s(10)), None);
        // Rounds down, not towards zero: (-1 * 1 + 0 * 1) / 2 = -0.5 -> -1.
        let neg = [(s(0), Ticks(-1)), (s(1), Ticks(0))];
        assert_eq!(twap(&neg, s(0), s(2)), Some(Ticks(-1)));
    }

    /// The Uniswap v2 route gives the same numbers: cum(30 s) - cum(0) = 2900 tick-seconds,
    /// and cum(40 s) extends the last price: 2900 + 100 * 10 = 3900 tick-seconds.
    #[test]
    fn cumulative_price_matches_the_direct_twap() {
        let mut c = CumulativePrice::new();
        assert_eq!(c.at(s(0)), None);
        let c0 = {
            c.update(s(0), Ticks(100));
            c.at(s(0)).unwrap()
        };
        for &(t, p) in &path()[1..] {
            c.update(t, p);
        }
        let c30 = c.at(s(30)).unwrap();
        let c40 = c.at(s(40)).unwrap();
        assert_eq!(c30 - c0, 2900 * 1_000_000_000);
        assert_eq!(c40 - c0, 3900 * 1_000_000_000);
        assert_eq!(twap_between(c0, s(0), c30, s(30)), Some(Ticks(96)));
        // [30, 40] at a constant 100.
        assert_eq!(twap_between(c30, s(30), c40, s(40)), Some(Ticks(100)));
        assert_eq!(twap_between(c0, s(5), c30, s(5)), None);
    }

    /// A 20 s window over the path: at 30 s it covers [10, 30]: (110*5 + 90*15) / 20 =
    /// 1900 / 20 = 95; at 40 s it covers [20, 40]: (90*10 + 100*10) / 20 = 95; at 50 s only the
    /// last price, 100. At 19 s the window would start before 0: `None`.
    #[test]
    fn sliding_window() {
        assert!(TwapWindow::new(SimDuration::ZERO).is_err());
        let mut w = TwapWindow::new(SimDuration::from_secs(20)).unwrap();
        for &(t, p) in &path() {
            assert!(w.record(t, p));
            if t == s(15) {
                assert_eq!(w.value(s(19)), None);
            }
        }
        assert_eq!(w.value(s(30)), Some(Ticks(95)));
        assert_eq!(w.value(s(40)), Some(Ticks(95)));
        assert_eq!(w.value(s(50)), Some(Ticks(100)));
        assert!(!w.record(s(29), Ticks(1)));
        // Pruned to what later queries need: at 60 s the start is 40 s, and only the 30 s
        // sample (in force at 40 s) and the new one remain.
        assert!(w.record(s(60), Ticks(200)));
        assert_eq!(w.samples.len(), 2);
        assert_eq!(w.value(s(60)), Some(Ticks(100)));
    }
}
