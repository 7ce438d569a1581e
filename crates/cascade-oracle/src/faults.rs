//! Source faults over time windows: outages, frozen feeds, manipulation and wicks.
//!
//! A [`FaultySource`] wraps what a source would truthfully report and applies scheduled faults:
//!
//! - **Outage**: the source returns nothing (an exchange API down, a reverted call; Liquity's
//!   "broken" oracle).
//! - **Frozen**: the source keeps returning its last reading, with that reading's original
//!   timestamp, so staleness checks can notice (Liquity's "frozen": `updatedAt` too old).
//! - **Scale** / **Offset**: the reading is multiplied by a factor or shifted by a number of
//!   ticks (a manipulated thin venue, a wick on one exchange, a mis-scaled feed).
//!
//! Windows are half-open, `[from, until)`. When several faults are active, an outage wins over
//! a freeze, a freeze over manipulation, and manipulations apply in the order they are listed.
//! A manipulated reading counts as the source's last reading (a freeze that follows repeats it).

use crate::error::ParamError;
use cascade_types::{Bps, SimTime, Ticks};

/// What a source answers: a price and when it was last updated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    /// The price.
    pub price: Ticks,
    /// When the source last updated it (older than `now` for a frozen source).
    pub updated_at: SimTime,
}

/// A half-open time window `[from, until)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The first instant inside.
    pub from: SimTime,
    /// The first instant after.
    pub until: SimTime,
}

impl Window {
    /// Whether `t` is inside.
    pub fn contains(&self, t: SimTime) -> bool {
        self.from <= t && t < self.until
    }
}

/// One kind of fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// No answer.
    Outage,
    /// The last reading, repeated with its old timestamp.
    Frozen,
    /// The price times `factor` (10 000 = unchanged, 7 000 = a 30% downward wick), rounded
    /// down (towards negative infinity).
    Scale {
        /// The multiplier in basis points.
        factor: Bps,
    },
    /// The price plus `ticks` (negative for a downward offset).
    Offset {
        /// The shift.
        ticks: i64,
    },
}

/// A fault over a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// When it is active.
    pub window: Window,
    /// What it does.
    pub kind: FaultKind,
}

/// A source with scheduled faults.
#[derive(Clone, Debug, Default)]
pub struct FaultySource {
    faults: Vec<Fault>,
    last: Option<Reading>,
}

impl FaultySource {
    /// A source with these faults; every window must have `from < until`.
    pub fn new(faults: Vec<Fault>) -> Result<Self, ParamError> {
        if let Some(f) = faults.iter().find(|f| f.window.from >= f.window.until) {
            return Err(ParamError::new(
                "window",
                format!(
                    "from ({}) must be before until ({})",
                    f.window.from, f.window.until
                ),
            ));
        }
        Ok(FaultySource { faults, last: None })
    }

    /// The faults, in the order given.
    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The faults active at `now`.
    pub fn active(&self, now: SimTime) -> impl Iterator<Item = &Fault> {
        self.faults.iter().filter(move |f| f.window.contains(now))
    }

    /// What the source answers at `now` when its true price is `truth` (`None`: the venue
    /// itself has no price).
    pub fn read(&mut self, now: SimTime, truth: Option<Ticks>) -> Option<Reading> {
        if self.active(now).any(|f| f.kind == FaultKind::Outage) {
            return None;
        }
        if self.active(now).any(|f| f.kind == FaultKind::Frozen) {
            return self.last;
        }
        let mut price = truth?;
        for f in self.active(now) {
            price = apply(f.kind, price);
        }
        let reading = Reading {
            price,
            updated_at: now,
        };
        self.last = Some(reading);
        Some(reading)
    }

    /// The last reading the source gave, if any.
    pub fn last(&self) -> Option<Reading> {
        self.last
    }
}

/// Applies a manipulation to a price (outages and freezes leave it unchanged).
pub fn apply(kind: FaultKind, price: Ticks) -> Ticks {
    match kind {
        FaultKind::Scale { factor } => {
            let scaled =
                (i128::from(price.0) * i128::from(factor.0)).div_euclid(Bps::DENOMINATOR as i128);
            Ticks(scaled.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64)
        }
        FaultKind::Offset { ticks } => Ticks(price.0.saturating_add(ticks)),
        FaultKind::Outage | FaultKind::Frozen => price,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    fn w(from: u64, until: u64) -> Window {
        Window {
            from: s(from),
            until: s(until),
        }
    }

    /// Faults: outage [10, 20), freeze [30, 40), a x0.7 wick [50, 60), +25 ticks [55, 70).
    /// Truth is 1000 + t. Expected readings: t = 5: 1005; 10 and 19: none; 20: 1020;
    /// 29: 1029; 30 and 39: the reading of 29 s (1029, updated at 29 s); 40: 1040;
    /// 50: floor(1050 * 0.7) = 735; 55: floor(1055 * 0.7) + 25 = 738 + 25 = 763;
    /// 60: 1060 + 25 = 1085; 70: 1070.
    #[test]
    fn faults_apply_over_their_windows() {
        let mut src = FaultySource::new(vec![
            Fault {
                window: w(10, 20),
                kind: FaultKind::Outage,
            },
            Fault {
                window: w(30, 40),
                kind: FaultKind::Frozen,
            },
            Fault {
                window: w(50, 60),
                kind: FaultKind::Scale { factor: Bps(7_000) },
            },
            Fault {
                window: w(55, 70),
                kind: FaultKind::Offset { ticks: 25 },
            },
        ])
        .unwrap();
        let mut read = |t: u64| src.read(s(t), Some(Ticks(1000 + t as i64)));
        let r = |p: i64, t: u64| {
            Some(Reading {
                price: Ticks(p),
                updated_at: s(t),
            })
        };
        assert_eq!(read(5), r(1005, 5));
        assert_eq!(read(10), None);
        assert_eq!(read(19), None);
        assert_eq!(read(20), r(1020, 20));
        assert_eq!(read(29), r(1029, 29));
        assert_eq!(read(30), r(1029, 29));
        assert_eq!(read(39), r(1029, 29));
        assert_eq!(read(40), r(1040, 40));
        assert_eq!(read(50), r(735, 50));
        assert_eq!(read(55), r(763, 55));
        assert_eq!(read(60), r(1085, 60));
        assert_eq!(read(70), r(1070, 70));
        // A venue without a price gives no reading, faults or not.
        assert_eq!(src.read(s(80), None), None);
        assert_eq!(src.last(), r(1070, 70));
    }

    #[test]
    fn empty_windows_are_refused_and_scaling_rounds_down() {
        let bad = FaultySource::new(vec![Fault {
            window: w(5, 5),
            kind: FaultKind::Outage,
        }]);
        assert_eq!(bad.unwrap_err().param, "window");
        // -1001 * 0.5 = -500.5 rounds down to -501.
        let half = FaultKind::Scale { factor: Bps(5_000) };
        assert_eq!(apply(half, Ticks(-1001)), Ticks(-501));
        assert_eq!(apply(half, Ticks(1001)), Ticks(500));
    }
}
