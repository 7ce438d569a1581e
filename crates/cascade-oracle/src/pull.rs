//! A Pyth-style pull oracle: prices with a confidence interval and a publish time, stored when
//! a consumer submits an update, and checked by the consumer when read.
//!
//! Sources (mechanisms.md §6; docs.pyth.network "best practices"; pyth-network
//! `target_chains/ethereum/sdk/solidity/AbstractPyth.sol`):
//!
//! - `updatePriceFeeds` stores an update only if its publish time is newer than the stored one
//!   ([`PullFeed::update`]).
//! - `getPriceNoOlderThan(id, age)` reverts with `StalePrice` if
//!   `diff(block.timestamp, publishTime) > age`, the absolute difference, so a publish time in
//!   the future by more than `age` is refused too ([`PullFeed::price_no_older_than`]).
//! - Consumers should reject a price whose `conf / price` exceeds a bound (often 1-2%), and may
//!   value collateral at `p - k conf` and debt at `p + k conf` ([`PullConsumer`],
//!   [`PullPrice::lower`], [`PullPrice::upper`]).
//!
//! When updates arrive (a keeper's or liquidator's transaction, after a latency) is the
//! caller's business.

use crate::aggregate::PriceConf;
use cascade_types::{Bps, SimDuration, SimTime, Ticks, mul_div_ceil};

/// A published price: value, confidence half-width and publish time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullPrice {
    /// The price.
    pub price: Ticks,
    /// The confidence interval's half-width (non-negative).
    pub conf: Ticks,
    /// When the price was published (signed by the publishers).
    pub publish_time: SimTime,
}

impl PullPrice {
    /// A price from an aggregate and its publish time.
    pub fn new(agg: PriceConf, publish_time: SimTime) -> Self {
        PullPrice {
            price: agg.price,
            conf: agg.conf,
            publish_time,
        }
    }

    /// `k * conf` in ticks, rounded up, for `k` in basis points of `conf` (10 000 = one conf).
    fn widened(&self, k: Bps) -> i64 {
        let c = self.conf.0.unsigned_abs() as u128;
        let w = mul_div_ceil(c, u128::from(k.0), Bps::DENOMINATOR).unwrap_or(u128::MAX);
        i64::try_from(w).unwrap_or(i64::MAX)
    }

    /// `price - k * conf` (collateral valuation), the width rounded up so the value rounds
    /// down; `k` in basis points of `conf`.
    pub fn lower(&self, k: Bps) -> Ticks {
        Ticks(self.price.0.saturating_sub(self.widened(k)))
    }

    /// `price + k * conf` (debt valuation), the width rounded up; `k` in basis points of `conf`.
    pub fn upper(&self, k: Bps) -> Ticks {
        Ticks(self.price.0.saturating_add(self.widened(k)))
    }
}

/// Why a consumer refuses a pull price.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PullRejection {
    /// Nothing has been published.
    #[error("no price has been published")]
    NoPrice,
    /// The price is older (or further in the future) than allowed (`StalePrice`).
    #[error("price is {age:?} from now, more than {max_age:?}")]
    Stale {
        /// `|now - publish_time|`.
        age: SimDuration,
        /// The bound.
        max_age: SimDuration,
    },
    /// The price is zero or negative.
    #[error("price {price} is not positive")]
    NonPositive {
        /// The price.
        price: Ticks,
    },
    /// The confidence interval is too wide relative to the price.
    #[error("confidence {conf} is more than {max_conf:?} of price {price}")]
    ConfidenceTooWide {
        /// The confidence half-width.
        conf: Ticks,
        /// The price.
        price: Ticks,
        /// The bound on `conf / price`.
        max_conf: Bps,
    },
}

impl PullRejection {
    /// As written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            PullRejection::NoPrice => "no_price",
            PullRejection::Stale { .. } => "stale",
            PullRejection::NonPositive { .. } => "non_positive",
            PullRejection::ConfidenceTooWide { .. } => "confidence",
        }
    }
}

/// The on-chain store of one pull feed: the latest update by publish time.
#[derive(Clone, Debug, Default)]
pub struct PullFeed {
    latest: Option<PullPrice>,
    updates: u64,
}

impl PullFeed {
    /// A feed with no update yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Submits an update; it is stored only if it was published later than the stored one.
    /// Returns whether it was stored.
    pub fn update(&mut self, price: PullPrice) -> bool {
        if self
            .latest
            .is_some_and(|l| price.publish_time <= l.publish_time)
        {
            return false;
        }
        self.latest = Some(price);
        self.updates += 1;
        true
    }

    /// The stored price without any check (`getPriceUnsafe`).
    pub fn price_unsafe(&self) -> Option<PullPrice> {
        self.latest
    }

    /// The stored price if `|now - publish_time| <= max_age` (`getPriceNoOlderThan`).
    pub fn price_no_older_than(
        &self,
        now: SimTime,
        max_age: SimDuration,
    ) -> Result<PullPrice, PullRejection> {
        let p = self.latest.ok_or(PullRejection::NoPrice)?;
        let age = SimDuration(now.as_nanos().abs_diff(p.publish_time.as_nanos()));
        if age > max_age {
            return Err(PullRejection::Stale { age, max_age });
        }
        Ok(p)
    }

    /// How many updates were stored.
    pub fn updates(&self) -> u64 {
        self.updates
    }
}

/// A protocol's checks on a pull price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PullConsumer {
    /// The staleness bound passed to `getPriceNoOlderThan`.
    pub max_age: SimDuration,
    /// The largest accepted `conf / price` (e.g. 100 bps = 1%).
    pub max_conf: Bps,
}

impl PullConsumer {
    /// Reads `feed` at `now` and applies the checks in order: a price exists, it is fresh, it
    /// is positive, and `conf / price <= max_conf`.
    pub fn read(&self, feed: &PullFeed, now: SimTime) -> Result<PullPrice, PullRejection> {
        let p = feed.price_no_older_than(now, self.max_age)?;
        if p.price.0 <= 0 {
            return Err(PullRejection::NonPositive { price: p.price });
        }
        let conf = u128::from(p.conf.0.unsigned_abs());
        let price = u128::from(p.price.0.unsigned_abs());
        if conf * Bps::DENOMINATOR > u128::from(self.max_conf.0) * price {
            return Err(PullRejection::ConfidenceTooWide {
                conf: p.conf,
                price: p.price,
                max_conf: self.max_conf,
            });
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    fn pp(price: i64, conf: i64, t: u64) -> PullPrice {
        PullPrice {
            price: Ticks(price),
            conf: Ticks(conf),
            publish_time: s(t),
        }
    }

    const CONSUMER: PullConsumer = PullConsumer {
        max_age: SimDuration::from_secs(60),
        max_conf: Bps(100),
    };

    /// Published at 100 s, bound 60 s: accepted at 150 s (age 50) and 160 s (age 60, not more
    /// than 60), refused at 161 s (age 61). An update published at 20 s is older than the
    /// stored one and is not stored.
    #[test]
    fn consumer_rejects_a_price_older_than_its_bound() {
        let mut feed = PullFeed::new();
        assert_eq!(CONSUMER.read(&feed, s(0)), Err(PullRejection::NoPrice));
        assert!(feed.update(pp(2000, 4, 100)));
        assert!(!feed.update(pp(1500, 4, 20)));
        assert_eq!(feed.updates(), 1);
        assert_eq!(CONSUMER.read(&feed, s(150)).unwrap().price, Ticks(2000));
        assert!(CONSUMER.read(&feed, s(160)).is_ok());
        let e = CONSUMER.read(&feed, s(161)).unwrap_err();
        assert_eq!(
            e,
            PullRejection::Stale {
                age: SimDuration::from_secs(61),
                max_age: SimDuration::from_secs(60)
            }
        );
        assert_eq!(e.as_str(), "stale");
        // A publish time 61 s in the future is refused as well (Pyth's absolute difference).
        let mut future = PullFeed::new();
        future.update(pp(2000, 4, 261));
        assert!(CONSUMER.read(&future, s(200)).is_err());
        assert_eq!(feed.price_unsafe().unwrap().price, Ticks(2000));
    }

    /// Bound 1%: price 2000 with conf 20 is exactly 1% (20 * 10 000 = 100 * 2000) and passes;
    /// conf 25 (1.25%) is refused. A non-positive price is refused before the ratio.
    #[test]
    fn consumer_rejects_a_too_wide_confidence() {
        let mut feed = PullFeed::new();
        feed.update(pp(2000, 20, 10));
        assert!(CONSUMER.read(&feed, s(10)).is_ok());
        feed.update(pp(2000, 25, 11));
        assert_eq!(
            CONSUMER.read(&feed, s(11)),
            Err(PullRejection::ConfidenceTooWide {
                conf: Ticks(25),
                price: Ticks(2000),
                max_conf: Bps(100)
            })
        );
        feed.update(pp(0, 0, 12));
        assert_eq!(
            CONSUMER.read(&feed, s(12)).unwrap_err().as_str(),
            "non_positive"
        );
    }

    /// Price 2000, conf 25, k = 1.5 conf: 37.5 rounds up to 38, so collateral at 1962 and debt
    /// at 2038.
    #[test]
    fn conservative_valuation_bands() {
        let p = pp(2000, 25, 0);
        assert_eq!(p.lower(Bps(15_000)), Ticks(1962));
        assert_eq!(p.upper(Bps(15_000)), Ticks(2038));
        assert_eq!(p.lower(Bps(0)), Ticks(2000));
    }
}
