//! Exponential moving averages over irregularly spaced samples.
//!
//! Two rules, both driven by the time between samples rather than their count:
//!
//! - [`EmaRule::TimeWeighted`], Hyperliquid's mark-price EMA (mechanisms.md §4,
//!   hyperliquid.gitbook.io "robust price indices"): with `t` the seconds since the previous
//!   sample and `tau` the time constant (150 s for the mark price),
//!   `num <- num * exp(-t / tau) + x * t`, `den <- den * exp(-t / tau) + t`, `ema = num / den`.
//!   A sample is weighted by the time elapsed before it; the first sample has no elapsed time,
//!   so it has weight zero and the EMA equals the latest sample until a second one arrives.
//! - [`EmaRule::HalfLife`], the textbook EMA with a half-life `h`:
//!   `ema <- ema + (x - ema) * (1 - 2^(-t / h))`, initialised at the first sample (the form of
//!   Pyth's published EMA price, whose weights decay over about an hour).
//!
//! The state is `f64` updated with IEEE basic operations and `libm::exp`/`libm::exp2`, which are
//! bit-identical on every platform. [`Ema::value`] rounds to the nearest tick, halves away
//! from zero (`libm::round`). A sample at the same time as the previous one, or earlier, has no
//! weight.

use crate::error::{ParamError, positive_duration};
use cascade_types::{SimDuration, SimTime, Ticks};

/// How an [`Ema`] weighs samples (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmaRule {
    /// Hyperliquid's time-weighted EMA with time constant `tau`.
    TimeWeighted {
        /// The time constant (150 s for Hyperliquid's mark price).
        tau: SimDuration,
    },
    /// The standard EMA: a sample `h` after the previous one gets weight one half.
    HalfLife {
        /// The half-life.
        half_life: SimDuration,
    },
}

/// An EMA of prices (or of price differences, which may be negative).
#[derive(Clone, Debug)]
pub struct Ema {
    rule: EmaRule,
    num: f64,
    den: f64,
    value: f64,
    last: Option<SimTime>,
}

impl Ema {
    /// An EMA with no samples; the rule's time constant must be longer than zero.
    pub fn new(rule: EmaRule) -> Result<Self, ParamError> {
        match rule {
            EmaRule::TimeWeighted { tau } => positive_duration("tau", tau)?,
            EmaRule::HalfLife { half_life } => positive_duration("half_life", half_life)?,
        }
        Ok(Ema {
            rule,
            num: 0.0,
            den: 0.0,
            value: 0.0,
            last: None,
        })
    }

    /// The rule.
    pub fn rule(&self) -> EmaRule {
        self.rule
    }

    /// Adds the sample `x` taken at `now`.
    pub fn update(&mut self, now: SimTime, x: Ticks) {
        let x = x.0 as f64;
        let Some(last) = self.last else {
            self.value = x;
            self.last = Some(now);
            return;
        };
        let t = now.saturating_since(last).as_secs_f64();
        self.last = Some(last.max(now));
        match self.rule {
            EmaRule::TimeWeighted { tau } => {
                let decay = libm::exp(-t / tau.as_secs_f64());
                self.num = self.num * decay + x * t;
                self.den = self.den * decay + t;
                self.value = if self.den > 0.0 {
                    self.num / self.den
                } else {
                    x
                };
            }
            EmaRule::HalfLife { half_life } => {
                let w = 1.0 - libm::exp2(-t / half_life.as_secs_f64());
                self.value += (x - self.value) * w;
            }
        }
    }

    /// The EMA in ticks, rounded to nearest (halves away from zero); `None` before any sample.
    pub fn value(&self) -> Option<Ticks> {
        self.last.map(|_| Ticks(libm::round(self.value) as i64))
    }

    /// The EMA unrounded, in ticks; `None` before any sample.
    pub fn value_f64(&self) -> Option<f64> {
        self.last.map(|_| self.value)
    }

    /// When the last sample was taken.
    pub fn last_update(&self) -> Option<SimTime> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    /// Half-life 10 s. 1000 at 0 s initialises. 2000 at 10 s: weight 1 - 2^-1 = 0.5, so
    /// 1000 + 1000 * 0.5 = 1500. 1000 at 30 s: weight 1 - 2^-2 = 0.75, so 1500 - 500 * 0.75 =
    /// 1125. 5000 again at 30 s: no elapsed time, no weight, still 1125. Then 1 at 31 s:
    /// weight 1 - 2^-0.1 = 0.066967, 1125 - 1124 * 0.066967 = 1049.73 -> 1050.
    #[test]
    fn half_life_ema_by_hand() {
        let mut e = Ema::new(EmaRule::HalfLife {
            half_life: SimDuration::from_secs(10),
        })
        .unwrap();
        assert_eq!(e.value(), None);
        e.update(s(0), Ticks(1000));
        assert_eq!(e.value(), Some(Ticks(1000)));
        e.update(s(10), Ticks(2000));
        assert_eq!(e.value_f64(), Some(1500.0));
        e.update(s(30), Ticks(1000));
        assert_eq!(e.value_f64(), Some(1125.0));
        e.update(s(30), Ticks(5000));
        assert_eq!(e.value(), Some(Ticks(1125)));
        e.update(s(31), Ticks(1));
        assert!((e.value_f64().unwrap() - 1049.73).abs() < 0.01);
        assert_eq!(e.value(), Some(Ticks(1050)));
    }

    /// Hyperliquid's rule with tau = 150 s and samples T = tau * ln 2 = 103.972077084 s apart,
    /// so each step decays by exp(-ln 2) = 1/2. 1000 at 0 (weight 0), 1000 at T (num = 1000 T,
    /// den = T), 1300 at 2T: num = 500 T + 1300 T = 1800 T, den = 0.5 T + T = 1.5 T, EMA = 1200.
    /// A negative difference series works the same way: -40 at 0, -40 at T, 20 at 2T gives
    /// (-20 T + 20 T) / 1.5 T = 0.
    #[test]
    fn time_weighted_ema_by_hand() {
        let t = SimDuration(103_972_077_084);
        let mut e = Ema::new(EmaRule::TimeWeighted {
            tau: SimDuration::from_secs(150),
        })
        .unwrap();
        e.update(SimTime::ZERO, Ticks(1000));
        assert_eq!(e.value(), Some(Ticks(1000)));
        e.update(SimTime::ZERO + t, Ticks(1000));
        e.update(SimTime::ZERO + t + t, Ticks(1300));
        assert!((e.value_f64().unwrap() - 1200.0).abs() < 1e-6);
        assert_eq!(e.value(), Some(Ticks(1200)));

        let mut d = Ema::new(EmaRule::TimeWeighted {
            tau: SimDuration::from_secs(150),
        })
        .unwrap();
        d.update(SimTime::ZERO, Ticks(-40));
        d.update(SimTime::ZERO + t, Ticks(-40));
        d.update(SimTime::ZERO + t + t, Ticks(20));
        assert!(d.value_f64().unwrap().abs() < 1e-6);
    }

    #[test]
    fn zero_time_constants_are_refused() {
        let e = Ema::new(EmaRule::TimeWeighted {
            tau: SimDuration::ZERO,
        })
        .unwrap_err();
        assert_eq!(e.param, "tau");
        let e = Ema::new(EmaRule::HalfLife {
            half_life: SimDuration::ZERO,
        })
        .unwrap_err();
        assert_eq!(e.param, "half_life");
    }
}
