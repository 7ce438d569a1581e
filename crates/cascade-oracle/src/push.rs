//! The deviation-or-heartbeat push feed (Chainlink), with optional answer bounds.
//!
//! Source: docs.chain.link, "Data Feeds: deviation threshold and heartbeat" (mechanisms.md §6):
//! a round starts when `|p - p_last| / p_last >= deviation` or `now - last >= heartbeat`; the
//! answer lands on-chain after an inclusion delay that the caller draws and applies. With
//! [`AnswerBounds`], a round whose answer is outside `[minAnswer, maxAnswer]` is refused at
//! publication, as `OffchainAggregator.transmit` reverts, and the feed keeps its last answer.

use crate::breaker::{AnswerBounds, OutOfBounds};
use cascade_types::{Bps, SimDuration, SimTime, Ticks};

/// When a push feed starts a new round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PushRule {
    /// Minimum relative move from the last round's price that starts a round (e.g. 50 bps for
    /// Chainlink ETH/USD on Ethereum).
    pub deviation: Bps,
    /// Maximum time between rounds (e.g. 3600 s for ETH/USD).
    pub heartbeat: SimDuration,
}

/// Why a round started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundReason {
    /// The feed had no round yet.
    First,
    /// The price moved by at least the deviation threshold.
    Deviation,
    /// The heartbeat elapsed.
    Heartbeat,
}

impl RoundReason {
    /// As written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            RoundReason::First => "first",
            RoundReason::Deviation => "deviation",
            RoundReason::Heartbeat => "heartbeat",
        }
    }
}

/// What the feed makes of one observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundDecision {
    /// Start a round with this price; publish it after the inclusion delay.
    Start(RoundReason),
    /// Neither threshold is met.
    Hold,
    /// The observation is older than one already seen (it arrived out of order) and is dropped.
    Stale,
}

/// A price the protocol can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    /// The published price.
    pub price: Ticks,
    /// When the source was observed.
    pub observed_at: SimTime,
    /// When the price became readable on-chain.
    pub published_at: SimTime,
    /// Round number, from 1.
    pub round: u64,
}

/// Why a round was not published.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishRefusal {
    /// The round was observed earlier than the one already published.
    #[error("observed at {observed_at}, before the published round ({published_observed_at})")]
    OutOfOrder {
        /// When the refused round's price was observed.
        observed_at: SimTime,
        /// When the published round's price was observed.
        published_observed_at: SimTime,
    },
    /// The answer is outside the feed's bounds.
    #[error(transparent)]
    OutOfBounds(#[from] OutOfBounds),
}

impl PublishRefusal {
    /// As written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            PublishRefusal::OutOfOrder { .. } => "out_of_order",
            PublishRefusal::OutOfBounds(_) => "out_of_bounds",
        }
    }
}

/// A push oracle: rounds start on deviation or heartbeat.
#[derive(Clone, Debug)]
pub struct PushFeed {
    rule: PushRule,
    bounds: Option<AnswerBounds>,
    /// Price and start time of the latest round (published or still in flight).
    last_round: Option<(Ticks, SimTime)>,
    /// When the latest started round's price was observed.
    last_round_observed_at: Option<SimTime>,
    latest_observation: Option<SimTime>,
    published: Option<Publication>,
    previous: Option<Publication>,
    rounds: u64,
    refused: u64,
}

impl PushFeed {
    /// A feed with no rounds yet.
    pub fn new(rule: PushRule) -> Self {
        PushFeed {
            rule,
            bounds: None,
            last_round: None,
            last_round_observed_at: None,
            latest_observation: None,
            published: None,
            previous: None,
            rounds: 0,
            refused: 0,
        }
    }

    /// A feed that refuses answers outside `bounds` (Chainlink's `minAnswer`/`maxAnswer`).
    ///
    /// A refused round leaves the published answer unchanged. If it was the latest round
    /// started, the next observation is compared with the published answer again (as the
    /// aggregator's nodes compare with the on-chain answer), and the heartbeat counts from the
    /// refused round's start.
    pub fn with_bounds(rule: PushRule, bounds: AnswerBounds) -> Self {
        PushFeed {
            bounds: Some(bounds),
            ..Self::new(rule)
        }
    }

    /// The rule.
    pub fn rule(&self) -> PushRule {
        self.rule
    }

    /// The answer bounds, if any.
    pub fn bounds(&self) -> Option<AnswerBounds> {
        self.bounds
    }

    /// Decides on an observation of `price` made at `observed_at` that reaches the oracle at
    /// `now`. A started round is recorded at once, so a later observation is compared with it
    /// even before it is published.
    pub fn observe(&mut self, now: SimTime, observed_at: SimTime, price: Ticks) -> RoundDecision {
        if self.latest_observation.is_some_and(|t| observed_at < t) {
            return RoundDecision::Stale;
        }
        self.latest_observation = Some(observed_at);
        let reason = match self.last_round {
            None => Some(RoundReason::First),
            Some((last, started)) => {
                let moved = (price.0 - last.0).unsigned_abs() as u128;
                let threshold = u128::from(self.rule.deviation.0) * last.0.unsigned_abs() as u128;
                if moved * Bps::DENOMINATOR >= threshold && price != last {
                    Some(RoundReason::Deviation)
                } else if now.saturating_since(started) >= self.rule.heartbeat {
                    Some(RoundReason::Heartbeat)
                } else {
                    None
                }
            }
        };
        match reason {
            Some(r) => {
                self.last_round = Some((price, now));
                self.last_round_observed_at = Some(observed_at);
                RoundDecision::Start(r)
            }
            None => RoundDecision::Hold,
        }
    }

    /// Makes a round's price readable at `now`. Rounds land in the order they started; a round
    /// observed earlier than the one already published, or (with bounds) an answer outside the
    /// bounds, is refused and `None` returned. See [`PushFeed::try_publish`] for the reason.
    pub fn publish(
        &mut self,
        now: SimTime,
        observed_at: SimTime,
        price: Ticks,
    ) -> Option<Publication> {
        self.try_publish(now, observed_at, price).ok()
    }

    /// As [`PushFeed::publish`], saying why a round is refused.
    pub fn try_publish(
        &mut self,
        now: SimTime,
        observed_at: SimTime,
        price: Ticks,
    ) -> Result<Publication, PublishRefusal> {
        if let Some(p) = self.published
            && observed_at < p.observed_at
        {
            self.refused += 1;
            return Err(PublishRefusal::OutOfOrder {
                observed_at,
                published_observed_at: p.observed_at,
            });
        }
        if let Some(bounds) = self.bounds
            && let Err(e) = bounds.check(price)
        {
            self.refused += 1;
            if self.last_round_observed_at == Some(observed_at)
                && let Some((_, started)) = self.last_round
            {
                self.last_round = self.published.map(|p| (p.price, started));
            }
            return Err(e.into());
        }
        self.rounds += 1;
        let p = Publication {
            price,
            observed_at,
            published_at: now,
            round: self.rounds,
        };
        self.previous = self.published.replace(p);
        Ok(p)
    }

    /// The latest published price, if any.
    pub fn latest(&self) -> Option<Publication> {
        self.published
    }

    /// The publication before the latest one, if any (Liquity's fallback compares the two:
    /// see [`crate::fallback`]).
    pub fn previous(&self) -> Option<Publication> {
        self.previous
    }

    /// How many rounds were refused (out of order or out of bounds).
    pub fn refused(&self) -> u64 {
        self.refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> SimTime {
        SimTime(s * 1_000_000_000)
    }

    /// A known path observed once a second with 50 bps deviation and a 10 s heartbeat: rounds
    /// start at t=0 (first), t=3 (a 0.5% move from 1000 to 1005), t=13 (heartbeat) and t=15
    /// (a 1% move down from 1005).
    #[test]
    fn deviation_and_heartbeat_rounds_on_a_known_path() {
        let mut feed = PushFeed::new(PushRule {
            deviation: Bps(50),
            heartbeat: SimDuration::from_secs(10),
        });
        let path = [
            1000, 1002, 1004, 1005, 1004, 1003, 1002, 1003, 1004, 1006, 1008, 1009, 1007, 1006,
            1003, 995, 994,
        ];
        let mut rounds = Vec::new();
        for (t, &p) in path.iter().enumerate() {
            let now = secs(t as u64);
            if let RoundDecision::Start(r) = feed.observe(now, now, Ticks(p)) {
                rounds.push((t, p, r));
            }
        }
        assert_eq!(
            rounds,
            [
                (0, 1000, RoundReason::First),
                (3, 1005, RoundReason::Deviation),
                (13, 1006, RoundReason::Heartbeat),
                (15, 995, RoundReason::Deviation),
            ]
        );
    }

    #[test]
    fn late_observations_and_rounds_are_dropped() {
        let mut feed = PushFeed::new(PushRule {
            deviation: Bps(10),
            heartbeat: SimDuration::from_secs(3600),
        });
        assert_eq!(
            feed.observe(secs(5), secs(4), Ticks(100)),
            RoundDecision::Start(RoundReason::First)
        );
        assert_eq!(
            feed.observe(secs(6), secs(3), Ticks(50)),
            RoundDecision::Stale
        );
        let p = feed.publish(secs(7), secs(4), Ticks(100)).unwrap();
        assert_eq!((p.round, p.price, p.published_at), (1, Ticks(100), secs(7)));
        assert_eq!(feed.publish(secs(8), secs(2), Ticks(90)), None);
        assert_eq!(feed.latest().unwrap().price, Ticks(100));
        assert_eq!(feed.refused(), 1);
    }

    /// Bounds [900, 2000], 1% deviation, 60 s heartbeat, published 1000 at t = 0. A crash to
    /// 850 (-15%) starts a round that is refused: the answer stays 1000. The next observation,
    /// 851, is compared with the published 1000 again, so it starts a round (refused too);
    /// 905 (in range, -9.5% from 1000) starts a round that publishes. A later move to 909
    /// (+0.44% < 1%) holds.
    #[test]
    fn out_of_bounds_rounds_are_refused_and_retried() {
        let bounds = AnswerBounds::new(Ticks(900), Ticks(2000)).unwrap();
        let mut feed = PushFeed::with_bounds(
            PushRule {
                deviation: Bps(100),
                heartbeat: SimDuration::from_secs(60),
            },
            bounds,
        );
        let mut step = |t: u64, p: i64| {
            let decision = feed.observe(secs(t), secs(t), Ticks(p));
            let published = match decision {
                RoundDecision::Start(_) => Some(feed.try_publish(secs(t), secs(t), Ticks(p))),
                _ => None,
            };
            (decision, published)
        };
        let (d, p) = step(0, 1000);
        assert_eq!(d, RoundDecision::Start(RoundReason::First));
        assert_eq!(p.unwrap().unwrap().price, Ticks(1000));
        let (d, p) = step(1, 850);
        assert_eq!(d, RoundDecision::Start(RoundReason::Deviation));
        assert_eq!(p.unwrap().unwrap_err().as_str(), "out_of_bounds");
        let (d, p) = step(2, 851);
        assert_eq!(d, RoundDecision::Start(RoundReason::Deviation));
        assert!(p.unwrap().is_err());
        let (d, p) = step(3, 905);
        assert_eq!(d, RoundDecision::Start(RoundReason::Deviation));
        assert_eq!(p.unwrap().unwrap().price, Ticks(905));
        let (d, _) = step(4, 909);
        assert_eq!(d, RoundDecision::Hold);
        assert_eq!(feed.latest().unwrap().price, Ticks(905));
        assert_eq!(feed.latest().unwrap().round, 2);
        assert_eq!(feed.previous().unwrap().price, Ticks(1000));
        assert_eq!(feed.refused(), 2);
    }
}
