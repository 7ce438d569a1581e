//! The deviation-or-heartbeat push feed.

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

/// A push oracle: rounds start on deviation or heartbeat.
#[derive(Clone, Debug)]
pub struct PushFeed {
    rule: PushRule,
    /// Price and start time of the latest round (published or still in flight).
    last_round: Option<(Ticks, SimTime)>,
    latest_observation: Option<SimTime>,
    published: Option<Publication>,
    rounds: u64,
}

impl PushFeed {
    /// A feed with no rounds yet.
    pub fn new(rule: PushRule) -> Self {
        PushFeed {
            rule,
            last_round: None,
            latest_observation: None,
            published: None,
            rounds: 0,
        }
    }

    /// The rule.
    pub fn rule(&self) -> PushRule {
        self.rule
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
                RoundDecision::Start(r)
            }
            None => RoundDecision::Hold,
        }
    }

    /// Makes a round's price readable at `now`. Rounds land in the order they started; a round
    /// observed earlier than the one already published is ignored and `None` returned.
    pub fn publish(
        &mut self,
        now: SimTime,
        observed_at: SimTime,
        price: Ticks,
    ) -> Option<Publication> {
        if self.published.is_some_and(|p| observed_at < p.observed_at) {
            return None;
        }
        self.rounds += 1;
        let p = Publication {
            price,
            observed_at,
            published_at: now,
            round: self.rounds,
        };
        self.published = Some(p);
        Some(p)
    }

    /// The latest published price, if any.
    pub fn latest(&self) -> Option<Publication> {
        self.published
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
    }
}
