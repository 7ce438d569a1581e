//! A set of sources read together and aggregated: the first half of an oracle
//! (sources -> faults -> aggregation). Publication rules ([`crate::PushFeed`], [`crate::Osm`],
//! [`crate::PullFeed`]) and breakers take the aggregate from here.
//!
//! Each source has a weight (used by the weighted median only) and its own fault schedule.
//! Chainlink's aggregator refuses a report with too few observations (`OffchainAggregator`:
//! `require(f < observations.length, "too few values to trust median")`); `quorum` is that
//! minimum: with fewer readings the set reports nothing.

use crate::aggregate::{MedianRule, median, weighted_median};
use crate::error::ParamError;
use crate::faults::FaultySource;
use cascade_types::{SimTime, Ticks};

/// How the readings are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregation {
    /// The median of the readings.
    Median(MedianRule),
    /// The weighted median with each source's weight.
    WeightedMedian(MedianRule),
}

/// One source: its weight and faults.
#[derive(Clone, Debug)]
pub struct Source {
    /// The weight in a weighted median (Hyperliquid: Binance 3, OKX 2, ...).
    pub weight: u32,
    /// The source's fault schedule and last reading.
    pub faults: FaultySource,
}

/// One aggregated observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregated {
    /// The aggregate price.
    pub price: Ticks,
    /// How many sources gave a reading.
    pub used: usize,
    /// The oldest `updated_at` among the readings used (earlier than `now` if a source is
    /// frozen).
    pub oldest: SimTime,
}

/// Sources read together and aggregated.
#[derive(Clone, Debug)]
pub struct SourceSet {
    sources: Vec<Source>,
    aggregation: Aggregation,
    quorum: usize,
}

impl SourceSet {
    /// A set of at least one source; `quorum` (at least 1, at most the number of sources) is
    /// the fewest readings that make an aggregate.
    pub fn new(
        sources: Vec<Source>,
        aggregation: Aggregation,
        quorum: usize,
    ) -> Result<Self, ParamError> {
        if sources.is_empty() {
            return Err(ParamError::new("sources", "needs at least one source"));
        }
        if quorum == 0 || quorum > sources.len() {
            return Err(ParamError::new(
                "quorum",
                format!("must be between 1 and {}, got {quorum}", sources.len()),
            ));
        }
        Ok(SourceSet {
            sources,
            aggregation,
            quorum,
        })
    }

    /// The sources, in order.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Reads every source at `now` given each one's true price (`truths[i]` for source `i`;
    /// the lengths must match) and aggregates the readings; `None` below the quorum.
    pub fn observe(&mut self, now: SimTime, truths: &[Option<Ticks>]) -> Option<Aggregated> {
        assert_eq!(
            truths.len(),
            self.sources.len(),
            "one true price per source"
        );
        let readings: Vec<(Ticks, u32, SimTime)> = self
            .sources
            .iter_mut()
            .zip(truths)
            .filter_map(|(s, &t)| {
                s.faults
                    .read(now, t)
                    .map(|r| (r.price, s.weight, r.updated_at))
            })
            .collect();
        if readings.len() < self.quorum {
            return None;
        }
        let price = match self.aggregation {
            Aggregation::Median(rule) => {
                let prices: Vec<Ticks> = readings.iter().map(|r| r.0).collect();
                median(&prices, rule)
            }
            Aggregation::WeightedMedian(rule) => {
                let weighted: Vec<(Ticks, u32)> = readings.iter().map(|r| (r.0, r.1)).collect();
                weighted_median(&weighted, rule)
            }
        }?;
        let oldest = readings.iter().map(|r| r.2).min()?;
        Some(Aggregated {
            price,
            used: readings.len(),
            oldest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faults::{Fault, FaultKind, Window};
    use cascade_types::Bps;

    fn s(secs: u64) -> SimTime {
        SimTime(secs * 1_000_000_000)
    }

    fn source(weight: u32, faults: Vec<Fault>) -> Source {
        Source {
            weight,
            faults: FaultySource::new(faults).unwrap(),
        }
    }

    /// Five venues at 2000, 2001, 2002, 2003, 2004. Venue 0 is pushed to x0.5 (1000) during
    /// [10, 20) and venue 1 is down during [15, 25). Quorum 4, upper median.
    /// t = 5: sorted 2000..2004, median 2002, 5 used.
    /// t = 12: 1000, 2001, 2002, 2003, 2004: median 2002 (the manipulation is ignored).
    /// t = 17: 1000, 2002, 2003, 2004 (4 used): upper middle of 2002 and 2003 is 2003.
    /// t = 27: all five read at 27 s. Venue 1 is frozen during [28, 40), so at t = 30 it repeats
    /// its 27 s reading (2001): median of 2000..2004 is 2002, 5 used, the oldest from 27 s.
    #[test]
    fn median_of_faulty_sources() {
        let w = |a, b| Window {
            from: s(a),
            until: s(b),
        };
        let mut set = SourceSet::new(
            vec![
                source(
                    1,
                    vec![Fault {
                        window: w(10, 20),
                        kind: FaultKind::Scale { factor: Bps(5_000) },
                    }],
                ),
                source(
                    1,
                    vec![
                        Fault {
                            window: w(15, 25),
                            kind: FaultKind::Outage,
                        },
                        Fault {
                            window: w(28, 40),
                            kind: FaultKind::Frozen,
                        },
                    ],
                ),
                source(1, vec![]),
                source(1, vec![]),
                source(1, vec![]),
            ],
            Aggregation::Median(MedianRule::Upper),
            4,
        )
        .unwrap();
        let truths: Vec<Option<Ticks>> = (0..5).map(|i| Some(Ticks(2000 + i))).collect();
        let at = |set: &mut SourceSet, t: u64| set.observe(s(t), &truths);
        assert_eq!(
            at(&mut set, 5),
            Some(Aggregated {
                price: Ticks(2002),
                used: 5,
                oldest: s(5)
            })
        );
        assert_eq!(at(&mut set, 12).unwrap().price, Ticks(2002));
        let t17 = at(&mut set, 17).unwrap();
        assert_eq!((t17.price, t17.used), (Ticks(2003), 4));
        assert_eq!(at(&mut set, 27).unwrap().oldest, s(27));
        let t30 = at(&mut set, 30).unwrap();
        assert_eq!((t30.price, t30.used, t30.oldest), (Ticks(2002), 5, s(27)));
        // Two venues without a price leave three readings, below the quorum of four.
        let mut gaps = truths.clone();
        gaps[3] = None;
        gaps[4] = None;
        assert_eq!(set.observe(s(50), &gaps), None);
    }

    #[test]
    fn parameters_are_checked() {
        let agg = Aggregation::WeightedMedian(MedianRule::Lower);
        assert_eq!(SourceSet::new(vec![], agg, 1).unwrap_err().param, "sources");
        let two = vec![source(3, vec![]), source(1, vec![])];
        assert_eq!(
            SourceSet::new(two.clone(), agg, 3).unwrap_err().param,
            "quorum"
        );
        // Weighted: 100 (weight 3) and 200 (weight 1): 2 * 3 = 6 >= 4 at 100.
        let mut set = SourceSet::new(two, agg, 1).unwrap();
        let got = set.observe(s(1), &[Some(Ticks(100)), Some(Ticks(200))]);
        assert_eq!(got.unwrap().price, Ticks(100));
    }
}
