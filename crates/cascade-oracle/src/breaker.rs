//! Circuit breakers a feed or a protocol applies to prices: answer bounds and staleness.
//!
//! - [`AnswerBounds`]: Chainlink's `minAnswer`/`maxAnswer` (smartcontractkit
//!   `OffchainAggregator.sol`, `transmit`: `require(minAnswer <= median && median <= maxAnswer,
//!   "median is out of min-max range")`). On-chain, a report outside the bounds reverts, so the
//!   feed keeps its last in-range answer ([`AnswerBounds::check`], used by
//!   [`crate::PushFeed::with_bounds`]). Many post-mortems (LUNA, May 2022) describe the effect
//!   as "the price is floored at minAnswer"; [`AnswerBounds::clamp`] models that reading.
//! - [`StalenessBreaker`]: a protocol that pauses liquidations while its price is older than a
//!   bound (Chainlink's advice: reject a price older than the heartbeat plus a buffer; Liquity's
//!   `TIMEOUT`; Pyth's `getPriceNoOlderThan`), and optionally for a grace period after the feed
//!   recovers, as Aave v3's `PriceOracleSentinel` does after an L2 sequencer outage
//!   (mechanisms.md §1: liquidations resume once `now - startedAt > gracePeriod`). The health-
//!   factor exception of the sentinel (HF < 0.95 may still be liquidated) belongs to the
//!   protocol, not to this breaker.
//! - [`DeviationBreaker`]: a protocol that pauses liquidations for a while after its price
//!   moves too far too fast (mechanisms.md §9, oracle circuit breakers of the Liquity type:
//!   Liquity's `PriceFeed._chainlinkPriceChangeAboveMax` distrusts a round that moved more than
//!   `MAX_PRICE_DEVIATION_FROM_PREVIOUS_ROUND` = 50% from the previous one). Here the move is
//!   measured against every price recorded in a trailing window, and the pause has a length.

use crate::error::ParamError;
use cascade_types::{SimDuration, SimTime, Ticks};

/// Inclusive bounds on an answer, `min <= price <= max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnswerBounds {
    min: Ticks,
    max: Ticks,
}

/// An answer outside its [`AnswerBounds`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("answer {price} is outside [{min}, {max}]")]
pub struct OutOfBounds {
    /// The refused answer.
    pub price: Ticks,
    /// The lower bound.
    pub min: Ticks,
    /// The upper bound.
    pub max: Ticks,
}

impl AnswerBounds {
    /// Bounds `[min, max]`; `min` must not exceed `max`.
    pub fn new(min: Ticks, max: Ticks) -> Result<Self, ParamError> {
        if min > max {
            return Err(ParamError::new("min", format!("{min} exceeds max ({max})")));
        }
        Ok(AnswerBounds { min, max })
    }

    /// The lower bound.
    pub fn min(&self) -> Ticks {
        self.min
    }

    /// The upper bound.
    pub fn max(&self) -> Ticks {
        self.max
    }

    /// Whether `price` is within the bounds (inclusive).
    pub fn contains(&self, price: Ticks) -> bool {
        self.min <= price && price <= self.max
    }

    /// `price` if it is within the bounds, else the refusal (Chainlink's reverting transmit).
    pub fn check(&self, price: Ticks) -> Result<Ticks, OutOfBounds> {
        if self.contains(price) {
            Ok(price)
        } else {
            Err(OutOfBounds {
                price,
                min: self.min,
                max: self.max,
            })
        }
    }

    /// `price` moved to the nearest bound (the "floored at minAnswer" reading).
    pub fn clamp(&self, price: Ticks) -> Ticks {
        price.clamp(self.min, self.max)
    }
}

/// When a [`StalenessBreaker`] pauses liquidations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StalenessRule {
    /// A price older than this is stale (stale iff `now - updated_at > max_age`).
    pub max_age: SimDuration,
    /// After the feed recovers from staleness, liquidations stay paused while
    /// `now - recovered_at <= grace` (zero: no grace period).
    pub grace: SimDuration,
}

/// Whether a protocol may liquidate now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Liquidations are allowed.
    Open,
    /// Liquidations are paused.
    Paused(PauseReason),
}

/// Why liquidations are paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PauseReason {
    /// The feed has never published.
    #[error("no price yet")]
    NoPrice,
    /// The latest price is older than the rule allows.
    #[error("price is stale ({age:?} old)")]
    Stale {
        /// The price's age.
        age: SimDuration,
    },
    /// The feed recovered recently; liquidations resume strictly after `until`.
    #[error("grace period after recovery until {until}")]
    Grace {
        /// The last paused instant.
        until: SimTime,
    },
    /// The price moved more than allowed within the window; liquidations resume at `until`.
    #[error("price moved too far too fast; paused until {until}")]
    Deviation {
        /// The first instant liquidations are allowed again.
        until: SimTime,
    },
}

impl PauseReason {
    /// As written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            PauseReason::NoPrice => "no_price",
            PauseReason::Stale { .. } => "stale",
            PauseReason::Grace { .. } => "grace",
            PauseReason::Deviation { .. } => "deviation",
        }
    }
}

/// Tracks a feed's update times and answers whether liquidations may proceed.
///
/// The answer depends only on the update times recorded, not on when the gate is asked: a
/// recovery is an update that arrives more than `max_age` after the previous one. The first
/// update of a run is not a recovery.
#[derive(Clone, Debug)]
pub struct StalenessBreaker {
    rule: StalenessRule,
    last_update: Option<SimTime>,
    recovered_at: Option<SimTime>,
}

impl StalenessBreaker {
    /// A breaker that has seen no update.
    pub fn new(rule: StalenessRule) -> Self {
        StalenessBreaker {
            rule,
            last_update: None,
            recovered_at: None,
        }
    }

    /// The rule.
    pub fn rule(&self) -> StalenessRule {
        self.rule
    }

    /// Records that a price updated at `updated_at` became readable. Updates older than the
    /// latest one change nothing.
    pub fn record_update(&mut self, updated_at: SimTime) {
        match self.last_update {
            Some(last) if updated_at <= last => {}
            Some(last) => {
                if updated_at - last > self.rule.max_age {
                    self.recovered_at = Some(updated_at);
                }
                self.last_update = Some(updated_at);
            }
            None => self.last_update = Some(updated_at),
        }
    }

    /// The latest update time recorded.
    pub fn last_update(&self) -> Option<SimTime> {
        self.last_update
    }

    /// Whether liquidations may proceed at `now`.
    pub fn gate(&self, now: SimTime) -> Gate {
        let Some(last) = self.last_update else {
            return Gate::Paused(PauseReason::NoPrice);
        };
        let age = now.saturating_since(last);
        if age > self.rule.max_age {
            return Gate::Paused(PauseReason::Stale { age });
        }
        if let Some(rec) = self.recovered_at
            && self.rule.grace > SimDuration::ZERO
            && now.saturating_since(rec) <= self.rule.grace
        {
            return Gate::Paused(PauseReason::Grace {
                until: rec + self.rule.grace,
            });
        }
        Gate::Open
    }

    /// `true` iff [`StalenessBreaker::gate`] is open.
    pub fn liquidations_allowed(&self, now: SimTime) -> bool {
        self.gate(now) == Gate::Open
    }
}

/// When a [`DeviationBreaker`] trips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviationRule {
    /// Largest allowed move, `|p / q - 1|` against any price `q` recorded in the window.
    pub max_move: cascade_types::Bps,
    /// Trailing window the move is measured over.
    pub window: SimDuration,
    /// How long liquidations stay paused after a trip.
    pub pause: SimDuration,
}

/// Pauses liquidations after a price moves more than [`DeviationRule::max_move`] against any
/// price recorded in the trailing window. A new trip while paused extends the pause.
#[derive(Clone, Debug)]
pub struct DeviationBreaker {
    rule: DeviationRule,
    /// Prices recorded within the window, oldest first.
    recent: std::collections::VecDeque<(SimTime, Ticks)>,
    paused_until: Option<SimTime>,
    trips: u64,
}

impl DeviationBreaker {
    /// A breaker that has seen no price; `max_move` must be positive and `window` non-zero.
    pub fn new(rule: DeviationRule) -> Result<Self, ParamError> {
        if rule.max_move.0 == 0 {
            return Err(ParamError::new("max_move", "must be positive"));
        }
        if rule.window == SimDuration::ZERO {
            return Err(ParamError::new("window", "must be positive"));
        }
        Ok(DeviationBreaker {
            rule,
            recent: std::collections::VecDeque::new(),
            paused_until: None,
            trips: 0,
        })
    }

    /// Records a price that became readable at `now` (times non-decreasing); returns `true`
    /// if it trips the breaker.
    pub fn record(&mut self, now: SimTime, price: Ticks) -> bool {
        while let Some(&(t, _)) = self.recent.front() {
            if now.saturating_since(t) > self.rule.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        // |p / q - 1| > max_move  <=>  |p - q| * 10_000 > max_move * q (prices are positive).
        let limit = u128::from(self.rule.max_move.0);
        let tripped = self.recent.iter().any(|&(_, q)| {
            let (p, q) = (i128::from(price.0), i128::from(q.0));
            q > 0 && (p - q).unsigned_abs() * 10_000 > limit * q.unsigned_abs()
        });
        self.recent.push_back((now, price));
        if tripped {
            self.trips += 1;
            self.paused_until = Some(now + self.rule.pause);
        }
        tripped
    }

    /// Whether liquidations may proceed at `now`.
    pub fn gate(&self, now: SimTime) -> Gate {
        match self.paused_until {
            Some(until) if now < until => Gate::Paused(PauseReason::Deviation { until }),
            _ => Gate::Open,
        }
    }

    /// How many times the breaker tripped.
    pub fn trips(&self) -> u64 {
        self.trips
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    /// LUNA-style bounds [100, 10 000]: 50 is refused by `check` and floored to 100 by `clamp`;
    /// the bounds themselves are inside.
    #[test]
    fn clamps_and_refusals() {
        let b = AnswerBounds::new(Ticks(100), Ticks(10_000)).unwrap();
        assert_eq!(b.check(Ticks(100)), Ok(Ticks(100)));
        assert_eq!(b.check(Ticks(10_000)), Ok(Ticks(10_000)));
        assert_eq!(
            b.check(Ticks(50)),
            Err(OutOfBounds {
                price: Ticks(50),
                min: Ticks(100),
                max: Ticks(10_000)
            })
        );
        assert_eq!(b.clamp(Ticks(50)), Ticks(100));
        assert_eq!(b.clamp(Ticks(20_000)), Ticks(10_000));
        assert_eq!(b.clamp(Ticks(777)), Ticks(777));
        assert_eq!(
            AnswerBounds::new(Ticks(5), Ticks(4)).unwrap_err().param,
            "min"
        );
    }

    /// max_age 3600 s, grace 600 s. Updates at 0 and 3000 s (gap 3000 <= 3600: no recovery).
    /// At 6600 s the age is 3600: still fresh; at 6601 s stale. An update at 7000 s (gap
    /// 4000 > 3600) is a recovery: paused for grace through 7600 s, open at 7601 s.
    #[test]
    fn staleness_pauses_and_grace_follows_recovery() {
        let mut b = StalenessBreaker::new(StalenessRule {
            max_age: SimDuration::from_secs(3600),
            grace: SimDuration::from_secs(600),
        });
        assert_eq!(b.gate(s(0)), Gate::Paused(PauseReason::NoPrice));
        b.record_update(s(0));
        assert!(b.liquidations_allowed(s(0)));
        b.record_update(s(3000));
        assert!(b.liquidations_allowed(s(6600)));
        assert_eq!(
            b.gate(s(6601)),
            Gate::Paused(PauseReason::Stale {
                age: SimDuration::from_secs(3601)
            })
        );
        b.record_update(s(7000));
        b.record_update(s(2000)); // older: ignored
        assert_eq!(b.last_update(), Some(s(7000)));
        assert_eq!(
            b.gate(s(7600)),
            Gate::Paused(PauseReason::Grace { until: s(7600) })
        );
        assert!(b.liquidations_allowed(s(7601)));
    }

    /// Without a grace period the gate opens at the recovering update itself.
    #[test]
    fn no_grace_period_opens_at_recovery() {
        let mut b = StalenessBreaker::new(StalenessRule {
            max_age: SimDuration::from_secs(60),
            grace: SimDuration::ZERO,
        });
        b.record_update(s(0));
        assert!(!b.liquidations_allowed(s(100)));
        b.record_update(s(100));
        assert!(b.liquidations_allowed(s(100)));
    }

    /// Max move 10% over 300 s, pause 600 s. Prices 2000 at 0 s, 1900 at 100 s (5%), 1810 at
    /// 200 s (9.5% below 2000: no trip), 1790 at 250 s (10.5% below 2000: trips, paused until
    /// 850 s). At 400 s 2000 (0 s) has left the window; 1700 against 1900 (100 s, 10.53%)
    /// trips again: paused until 1000 s. At 1000 s open.
    #[test]
    fn deviation_trips_against_any_price_in_the_window() {
        let mut b = DeviationBreaker::new(DeviationRule {
            max_move: cascade_types::Bps(1000),
            window: SimDuration::from_secs(300),
            pause: SimDuration::from_secs(600),
        })
        .unwrap();
        assert!(!b.record(s(0), Ticks(2000)));
        assert!(!b.record(s(100), Ticks(1900)));
        assert!(!b.record(s(200), Ticks(1810)));
        assert_eq!(b.gate(s(200)), Gate::Open);
        assert!(b.record(s(250), Ticks(1790)));
        assert_eq!(
            b.gate(s(849)),
            Gate::Paused(PauseReason::Deviation { until: s(850) })
        );
        assert_eq!(b.gate(s(850)), Gate::Open);
        // 2000 at 0 s is now out of the window; 1700 is 10.53% below 1900 at 100 s.
        assert!(b.record(s(400), Ticks(1700)));
        assert_eq!(
            b.gate(s(999)),
            Gate::Paused(PauseReason::Deviation { until: s(1000) })
        );
        assert_eq!(b.gate(s(1000)), Gate::Open);
        assert_eq!(b.trips(), 2);
        // Exactly 10% is allowed: 1900 -> 2090 within the window.
        let mut c = DeviationBreaker::new(DeviationRule {
            max_move: cascade_types::Bps(1000),
            window: SimDuration::from_secs(300),
            pause: SimDuration::from_secs(60),
        })
        .unwrap();
        c.record(s(0), Ticks(1900));
        assert!(!c.record(s(10), Ticks(2090)));
        assert!(c.record(s(20), Ticks(2091)));
        assert_eq!(
            DeviationBreaker::new(DeviationRule {
                max_move: cascade_types::Bps(0),
                window: SimDuration::from_secs(1),
                pause: SimDuration::ZERO,
            })
            .unwrap_err()
            .param,
            "max_move"
        );
    }
}
