//! Aggregation of several sources' prices into one: median, weighted median, and Pyth's
//! confidence-aware aggregate. Time-based aggregates (TWAP, EMA) live in `twap` and `ema`.
//!
//! Everything here is integer arithmetic on [`Ticks`]; the one division (the mean of two middle
//! values) rounds down (towards negative infinity), which is also what the engine's own median
//! of venue prices does.
//!
//! Sources:
//! - Chainlink OCR (smartcontractkit `OffchainAggregator.sol`, `transmit`): the report carries
//!   sorted observations and the contract takes `observations[length / 2]`, i.e. for an even
//!   count the upper of the two middle values ([`MedianRule::Upper`]).
//! - MakerDAO `median.sol` requires an odd quorum (`bar`), so the rule never matters there.
//! - Hyperliquid (mechanisms.md §4, hyperliquid.gitbook.io "oracle"): each validator takes a
//!   weighted median of CEX spot prices with weights Binance 3, OKX 2, Bybit 2, Kraken, KuCoin,
//!   Gate, MEXC and Hyperliquid 1 ([`weighted_median`]). The docs do not say how a tie at exactly
//!   half the weight is broken; [`MedianRule`] makes the choice explicit, and with unit weights
//!   the weighted median equals the plain median under the same rule.
//! - Pyth (mechanisms.md §6, pyth.network blog "price aggregation"): each publisher votes three
//!   times, `{p - c, p, p + c}`; the aggregate is the median of all votes and the confidence is
//!   `max(R - Q25, Q75 - R)` ([`pyth_aggregate`]). Pyth's on-chain program interpolates its
//!   percentiles; here they are nearest-rank, which differs by at most one vote's spacing.

use cascade_types::Ticks;
use serde::{Deserialize, Serialize};

/// Which value a median of an even count takes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MedianRule {
    /// The upper of the two middle values, as Chainlink's aggregator (`observations[n / 2]`).
    #[default]
    Upper,
    /// The lower of the two middle values.
    Lower,
    /// The mean of the two middle values, rounded down (towards negative infinity).
    MeanFloor,
}

/// The mean of two prices rounded down; exact in `i128`, and it lies between them.
fn mean_floor(a: Ticks, b: Ticks) -> Ticks {
    Ticks((i128::from(a.0) + i128::from(b.0)).div_euclid(2) as i64)
}

/// The median of `prices` under `rule`; `None` for no prices.
pub fn median(prices: &[Ticks], rule: MedianRule) -> Option<Ticks> {
    if prices.is_empty() {
        return None;
    }
    let mut sorted = prices.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    if n % 2 == 1 {
        return Some(sorted[n / 2]);
    }
    let (lo, hi) = (sorted[n / 2 - 1], sorted[n / 2]);
    Some(match rule {
        MedianRule::Upper => hi,
        MedianRule::Lower => lo,
        MedianRule::MeanFloor => mean_floor(lo, hi),
    })
}

/// The weighted median of `(price, weight)` pairs under `rule`; zero weights are ignored, and
/// `None` is returned if the total weight is zero.
///
/// With prices sorted ascending and `cum` the running weight, total `W`: `Lower` takes the first
/// price with `2 * cum >= W`, `Upper` the first with `2 * cum > W`, and `MeanFloor` takes the
/// `Lower` price, or, if its `2 * cum` is exactly `W`, the mean of it and the next price
/// (rounded down).
pub fn weighted_median(entries: &[(Ticks, u32)], rule: MedianRule) -> Option<Ticks> {
    let mut sorted: Vec<(Ticks, u32)> = entries.iter().copied().filter(|e| e.1 > 0).collect();
    sorted.sort_unstable();
    let total: u64 = sorted.iter().map(|e| u64::from(e.1)).sum();
    if total == 0 {
        return None;
    }
    let mut cum = 0u64;
    for (i, &(price, w)) in sorted.iter().enumerate() {
        cum += u64::from(w);
        let twice = 2 * cum;
        match rule {
            MedianRule::Upper if twice > total => return Some(price),
            MedianRule::Lower if twice >= total => return Some(price),
            MedianRule::MeanFloor if twice > total => return Some(price),
            MedianRule::MeanFloor if twice == total => {
                // Exactly half the weight is at or below `price`: a next entry exists because
                // the remaining half is positive.
                return Some(mean_floor(price, sorted[i + 1].0));
            }
            _ => {}
        }
    }
    unreachable!("the running weight reaches the total")
}

/// A price with its confidence interval half-width, both in ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceConf {
    /// The price.
    pub price: Ticks,
    /// The half-width of the confidence interval (non-negative).
    pub conf: Ticks,
}

/// Pyth's aggregate of publishers' `(price, conf)` quotes (see the module docs): the median of
/// the votes `{p - c, p, p + c}` (for an even count the mean of the middle two, rounded down)
/// and the confidence `max(R - Q25, Q75 - R)`, with the nearest-rank percentiles
/// `Q25 = v[ceil(0.25 n) - 1]` and `Q75 = v[ceil(0.75 n) - 1]` of the `n` sorted votes. A negative
/// `conf` is taken as its magnitude. `None` for no quotes.
pub fn pyth_aggregate(quotes: &[PriceConf]) -> Option<PriceConf> {
    if quotes.is_empty() {
        return None;
    }
    let mut votes: Vec<Ticks> = Vec::with_capacity(3 * quotes.len());
    for q in quotes {
        let c = q.conf.0.saturating_abs();
        votes.push(Ticks(q.price.0.saturating_sub(c)));
        votes.push(q.price);
        votes.push(Ticks(q.price.0.saturating_add(c)));
    }
    votes.sort_unstable();
    let n = votes.len();
    let r = median(&votes, MedianRule::MeanFloor)?;
    let q25 = votes[n.div_ceil(4) - 1];
    let q75 = votes[(3 * n).div_ceil(4) - 1];
    let conf = (r.0.saturating_sub(q25.0)).max(q75.0.saturating_sub(r.0));
    Some(PriceConf {
        price: r,
        conf: Ticks(conf),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[i64]) -> Vec<Ticks> {
        v.iter().map(|&x| Ticks(x)).collect()
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[], MedianRule::Upper), None);
        // Sorted 1, 3, 7: the middle is 3 under every rule.
        for rule in [MedianRule::Upper, MedianRule::Lower, MedianRule::MeanFloor] {
            assert_eq!(median(&t(&[7, 1, 3]), rule), Some(Ticks(3)));
        }
        // Sorted 10, 20, 25, 40: middle values 20 and 25; mean 22.5 rounds down to 22.
        let even = t(&[40, 10, 25, 20]);
        assert_eq!(median(&even, MedianRule::Upper), Some(Ticks(25)));
        assert_eq!(median(&even, MedianRule::Lower), Some(Ticks(20)));
        assert_eq!(median(&even, MedianRule::MeanFloor), Some(Ticks(22)));
        // Floor, not truncation: the mean of -3 and 0 is -1.5, rounded down to -2.
        assert_eq!(median(&t(&[-3, 0]), MedianRule::MeanFloor), Some(Ticks(-2)));
    }

    /// Five venues near 2000; one is manipulated to 1000 (or to 9999). The sorted honest four
    /// are 1998, 2000, 2001, 2003: with the outlier below, the third value is 2000; above, 2001.
    /// Either way the median stays within the honest range, and it is 2000 with no outlier
    /// (sorted 1998, 2000, 2000, 2001, 2003).
    #[test]
    fn median_of_five_ignores_one_manipulated_source() {
        let honest = [2000, 2003, 1998, 2001];
        let with = |outlier: i64| {
            let mut v = honest.to_vec();
            v.push(outlier);
            median(&t(&v), MedianRule::Upper)
        };
        assert_eq!(with(1000), Some(Ticks(2000)));
        assert_eq!(with(9999), Some(Ticks(2001)));
        assert_eq!(with(2000), Some(Ticks(2000)));
    }

    /// Hyperliquid's weights, total 3 + 2 + 2 + 5 * 1 = 12. Prices sorted with weights:
    /// Gate 99 (1), Kraken 100 (1), OKX 101 (2), Binance 102 (3), Bybit 103 (2), KuCoin 104 (1),
    /// MEXC 105 (1), HL 110 (1). Running weights 1, 2, 4, 7, ...: 2 * 4 = 8 < 12 and
    /// 2 * 7 = 14 > 12, so the weighted median is Binance's 102 under every rule; the plain
    /// median of the eight prices would be (102 + 103) / 2.
    #[test]
    fn weighted_median_with_hyperliquid_weights() {
        let quotes = [
            (Ticks(102), 3), // Binance
            (Ticks(101), 2), // OKX
            (Ticks(103), 2), // Bybit
            (Ticks(100), 1), // Kraken
            (Ticks(104), 1), // KuCoin
            (Ticks(99), 1),  // Gate
            (Ticks(105), 1), // MEXC
            (Ticks(110), 1), // Hyperliquid
        ];
        for rule in [MedianRule::Upper, MedianRule::Lower, MedianRule::MeanFloor] {
            assert_eq!(weighted_median(&quotes, rule), Some(Ticks(102)));
        }
        // Binance alone moves to 90: sorted 90 (3), 99 (1), 100 (1), 101 (2), 103 (2), ...
        // Running 3, 4, 5, 7: 2 * 5 = 10 < 12, 2 * 7 = 14 > 12, so 101.
        let mut moved = quotes;
        moved[0].0 = Ticks(90);
        assert_eq!(weighted_median(&moved, MedianRule::Upper), Some(Ticks(101)));
    }

    /// A tie at exactly half the weight: 10 (2), 20 (1), 30 (3); total 6. Running 2, 3, 6:
    /// 2 * 3 = 6 = W at 20. Lower takes 20, Upper the next, 30, MeanFloor (20 + 30) / 2 = 25.
    #[test]
    fn weighted_median_ties_follow_the_rule() {
        let q = [
            (Ticks(30), 3),
            (Ticks(10), 2),
            (Ticks(20), 1),
            (Ticks(50), 0),
        ];
        assert_eq!(weighted_median(&q, MedianRule::Lower), Some(Ticks(20)));
        assert_eq!(weighted_median(&q, MedianRule::Upper), Some(Ticks(30)));
        assert_eq!(weighted_median(&q, MedianRule::MeanFloor), Some(Ticks(25)));
        assert_eq!(weighted_median(&[(Ticks(5), 0)], MedianRule::Upper), None);
    }

    #[test]
    fn unit_weights_give_the_plain_median() {
        let prices = t(&[7, 3, 9, 1, 4, 8]);
        let unit: Vec<(Ticks, u32)> = prices.iter().map(|&p| (p, 1)).collect();
        for rule in [MedianRule::Upper, MedianRule::Lower, MedianRule::MeanFloor] {
            assert_eq!(weighted_median(&unit, rule), median(&prices, rule));
            assert_eq!(
                weighted_median(&unit[..5], rule),
                median(&prices[..5], rule)
            );
        }
    }

    /// Votes of (100, 2), (101, 1), (105, 10): 98 100 102 | 100 101 102 | 95 105 115; sorted
    /// 95 98 100 100 101 102 102 105 115 (n = 9). R = v[4] = 101, Q25 = v[ceil(2.25) - 1] =
    /// v[2] = 100, Q75 = v[ceil(6.75) - 1] = v[6] = 102, conf = max(1, 1) = 1.
    /// Votes of (100, 2), (106, 2): 98 100 102 | 104 106 108 (n = 6). R = (102 + 104) / 2 =
    /// 103, Q25 = v[ceil(1.5) - 1] = v[1] = 100, Q75 = v[ceil(4.5) - 1] = v[4] = 106,
    /// conf = max(3, 3) = 3.
    #[test]
    fn pyth_aggregate_by_hand() {
        let pc = |p, c| PriceConf {
            price: Ticks(p),
            conf: Ticks(c),
        };
        assert_eq!(
            pyth_aggregate(&[pc(100, 2), pc(101, 1), pc(105, 10)]),
            Some(pc(101, 1))
        );
        assert_eq!(pyth_aggregate(&[pc(100, 2), pc(106, 2)]), Some(pc(103, 3)));
        assert_eq!(pyth_aggregate(&[]), None);
    }
}
