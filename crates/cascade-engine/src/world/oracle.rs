//! Oracles: reading sources, carrying readings to the oracle network, aggregating, smoothing,
//! publishing, and what the lending market reads (with staleness pauses and a fallback).
//!
//! Each oracle of [`WorldConfig::oracles`](crate::config::WorldConfig::oracles) runs the same
//! pipeline: every `observe_every` each source is read (a venue's mid, last trade or VWAP, or
//! the reference), its faults applied, and the reading sent after a latency drawn from the
//! source's own stream (`oracle:<oracle>:<source>`), so changing one source's latency model
//! leaves every other draw unchanged. On arrival the latest reading of each source is
//! aggregated (median or weighted median; Pyth's confidence aggregate for a pull feed),
//! smoothed (TWAP or EMA), and handed to the publication rule: push rounds land after an
//! inclusion delay (stream `oracle:<oracle>:inclusion`), an OSM is poked every hop and read one
//! hop late, a pull feed stores every aggregate and the consumer checks age and confidence when
//! it reads.

use super::World;
use crate::config::{Publication, Smoothing, SourceKind};
use crate::event::{Event, Observation};
use crate::trace::{OracleRow, TraceSink};
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_oracle::{
    Aggregation, DeviationBreaker, Ema, FallbackFeed, FaultySource, Gate, Osm, PriceConf,
    PriceOrigin, PrimaryResponse, PullFeed, PullPrice, PushFeed, Reading, RoundDecision,
    StalenessBreaker, TwapWindow, median, pyth_aggregate, weighted_median,
};
use cascade_types::{SimTime, Ticks};

/// The publication state of one oracle.
enum Feed {
    Push(PushFeed),
    Osm {
        osm: Osm,
        /// Observations behind the OSM's `cur` and `nxt`.
        cur: Option<Observation>,
        nxt: Option<Observation>,
    },
    Pull(PullFeed),
}

/// The running state of one oracle.
pub(super) struct OracleState {
    /// Latest arrived reading of each source, with its confidence.
    latest: Vec<Option<(Observation, Ticks)>>,
    faults: Vec<FaultySource>,
    source_rngs: Vec<StreamRng>,
    inclusion_rng: StreamRng,
    twap: Option<TwapWindow>,
    ema: Option<Ema>,
    feed: Feed,
    /// The latest aggregate after smoothing, waiting for the next OSM poke.
    current: Option<Observation>,
    /// The observation behind the latest push publication or pull update.
    readable_obs: Option<Observation>,
    breaker: Option<StalenessBreaker>,
    deviation: Option<DeviationBreaker>,
    fallback: Option<FallbackFeed>,
    /// The last reason the market could not read this oracle (to trace changes only).
    last_block: &'static str,
}

impl OracleState {
    /// The state of oracle `cfg`, with its random streams.
    pub(super) fn new(cfg: &crate::config::OracleConfig, streams: &RngStreams) -> Self {
        let n = cfg.sources.len();
        let feed = match &cfg.publication {
            Publication::Push { rule, bounds, .. } => Feed::Push(match bounds {
                Some(b) => PushFeed::with_bounds(*rule, *b),
                None => PushFeed::new(*rule),
            }),
            Publication::Osm { hop } => Feed::Osm {
                osm: Osm::new(*hop).expect("validated: the hop is positive"),
                cur: None,
                nxt: None,
            },
            Publication::Pull(_) => Feed::Pull(PullFeed::new()),
        };
        OracleState {
            latest: vec![None; n],
            faults: cfg
                .sources
                .iter()
                .map(|s| FaultySource::new(s.faults.clone()).expect("validated fault windows"))
                .collect(),
            source_rngs: cfg
                .sources
                .iter()
                .map(|s| streams.stream(&format!("oracle:{}:{}", cfg.name, s.name), 0))
                .collect(),
            inclusion_rng: streams.stream(&format!("oracle:{}:inclusion", cfg.name), 0),
            twap: match cfg.smoothing {
                Smoothing::Twap(w) => Some(TwapWindow::new(w).expect("validated window")),
                _ => None,
            },
            ema: match cfg.smoothing {
                Smoothing::Ema(rule) => Some(Ema::new(rule).expect("validated time constant")),
                _ => None,
            },
            feed,
            current: None,
            readable_obs: None,
            breaker: cfg.staleness.map(StalenessBreaker::new),
            deviation: cfg
                .deviation_breaker
                .map(|r| DeviationBreaker::new(r).expect("validated deviation breaker")),
            fallback: cfg
                .fallback
                .as_ref()
                .map(|f| FallbackFeed::new(f.rule).expect("validated fallback rule")),
            last_block: "",
        }
    }
}

/// What the protocol reads from one oracle: the price, the observation behind it, and when it
/// was updated.
type Readable = Result<(Ticks, Observation, SimTime), &'static str>;

impl<T: TraceSink> World<T> {
    /// Twice the price the market's oracle would aggregate from its sources now, without
    /// latency or faults (the median of the sources' prices; for an even count the mean of the
    /// middle two), `None` if no source has a price. Used to attribute which sale pushed the
    /// price past a trigger, and to value sales before they trade.
    pub(super) fn observed_x2(&self) -> Option<i64> {
        self.observed_x2_of(self.cfg.market_oracle)
    }

    /// [`World::observed_x2`] for oracle `o`.
    pub(super) fn observed_x2_of(&self, o: usize) -> Option<i64> {
        let cfg = &self.cfg.oracles[o];
        let mut prices: Vec<i64> = cfg
            .sources
            .iter()
            .filter_map(|s| self.source_truth(s.kind).map(|(x2, _)| x2))
            .collect();
        if prices.is_empty() {
            return None;
        }
        prices.sort_unstable();
        let n = prices.len();
        Some(if n % 2 == 1 {
            prices[n / 2]
        } else {
            (prices[n / 2 - 1] + prices[n / 2]).div_euclid(2)
        })
    }

    /// Twice what a source reads now, and its confidence half-width.
    fn source_truth(&self, kind: SourceKind) -> Option<(i64, Ticks)> {
        match kind {
            SourceKind::Mid(v) => {
                let venue = &self.venues[v];
                let x2 = venue.price_x2()?;
                let conf = match (venue.book.best_bid(), venue.book.best_ask()) {
                    (Some((b, _)), Some((a, _))) => Ticks((a.0 - b.0) / 2),
                    _ => Ticks(0),
                };
                Some((x2, conf))
            }
            SourceKind::LastTrade(v) => self.venues[v].last_trade.map(|p| (2 * p.0, Ticks(0))),
            SourceKind::Vwap { venue, window } => {
                let from = SimTime(self.now.as_nanos().saturating_sub(window.as_nanos()));
                let (mut value, mut qty) = (0i128, 0i128);
                for &(t, p, q) in self.venues[venue].trades.iter().rev() {
                    if t < from {
                        break;
                    }
                    value += i128::from(p.0) * i128::from(q.0);
                    qty += i128::from(q.0);
                }
                if qty == 0 {
                    return self.source_truth(SourceKind::Mid(venue));
                }
                let vwap = value.div_euclid(qty) as i64;
                Some((2 * vwap, Ticks(0)))
            }
            SourceKind::Reference => Some((2 * self.reference_ticks().0, Ticks(0))),
            SourceKind::Pool(p) => self.pools[p].price_x2().map(|x2| (x2, Ticks(0))),
        }
    }

    /// Publishes the reference price on every oracle at time zero, as if they had been live,
    /// and schedules their first readings and OSM pokes.
    pub(super) fn start_oracles(&mut self) {
        let p0 = self.reference_ticks();
        let obs = Observation {
            observed_at: SimTime::ZERO,
            price: p0,
            reference: p0,
            sales_seen: 0,
            sources_used: 0,
        };
        for o in 0..self.oracles.len() {
            let st = &mut self.oracles[o];
            if let Some(t) = &mut st.twap {
                t.record(SimTime::ZERO, p0);
            }
            if let Some(e) = &mut st.ema {
                e.update(SimTime::ZERO, p0);
            }
            st.current = Some(obs);
            match &mut st.feed {
                Feed::Push(f) => {
                    f.observe(SimTime::ZERO, SimTime::ZERO, p0);
                    f.publish(SimTime::ZERO, SimTime::ZERO, p0);
                    st.readable_obs = Some(obs);
                }
                Feed::Osm { osm, cur, nxt } => {
                    let hop = osm.hop();
                    *osm = Osm::warm(hop, SimTime::ZERO, p0).expect("validated hop");
                    (*cur, *nxt) = (Some(obs), Some(obs));
                }
                Feed::Pull(f) => {
                    f.update(PullPrice {
                        price: p0,
                        conf: Ticks(0),
                        publish_time: SimTime::ZERO,
                    });
                    st.readable_obs = Some(obs);
                }
            }
            self.published(o, obs, "first");
            let cfg = &self.cfg.oracles[o];
            let first = SimTime::ZERO + cfg.observe_every;
            let poke = match cfg.publication {
                Publication::Osm { hop } => Some(SimTime::ZERO + hop),
                _ => None,
            };
            self.schedule(first, EventClass::Oracle, Event::OracleObserve(o as u16));
            if let Some(at) = poke {
                self.schedule(at, EventClass::Oracle, Event::OraclePoke(o as u16));
            }
        }
    }

    pub(super) fn on_oracle_observe(&mut self, o: usize) {
        let congestion = self.congestion_now();
        let reference = self.reference_ticks();
        let sales_seen = self.sales.len() as u32;
        for j in 0..self.cfg.oracles[o].sources.len() {
            let kind = self.cfg.oracles[o].sources[j].kind;
            let truth = self.source_truth(kind);
            let st = &mut self.oracles[o];
            let reading = st.faults[j].read(self.now, truth.map(|(x2, _)| Ticks(x2.div_euclid(2))));
            let Some(reading) = reading else { continue };
            let obs = Observation {
                observed_at: reading.updated_at,
                price: reading.price,
                reference,
                sales_seen,
                sources_used: 1,
            };
            let conf = truth.map_or(Ticks(0), |(_, c)| c);
            let delay = self.cfg.oracles[o].sources[j]
                .latency
                .sample(&mut st.source_rngs[j], congestion);
            let ev = Event::OracleArrive {
                oracle: o as u16,
                source: j as u16,
                obs,
                conf,
            };
            self.schedule(self.now + delay, EventClass::Oracle, ev);
        }
        let next = self.now + self.cfg.oracles[o].observe_every;
        self.schedule(next, EventClass::Oracle, Event::OracleObserve(o as u16));
    }

    /// The aggregate of oracle `o`'s latest readings (before smoothing), with its confidence.
    fn aggregate(&self, o: usize) -> Option<(Observation, Ticks)> {
        let cfg = &self.cfg.oracles[o];
        let st = &self.oracles[o];
        let fresh = |obs: &Observation| {
            cfg.max_reading_age
                .is_none_or(|a| self.now.saturating_since(obs.observed_at) <= a)
        };
        let used: Vec<(usize, Observation, Ticks)> = st
            .latest
            .iter()
            .enumerate()
            .filter_map(|(j, r)| r.filter(|(obs, _)| fresh(obs)).map(|(obs, c)| (j, obs, c)))
            .collect();
        if used.is_empty() || used.len() < cfg.quorum {
            return None;
        }
        let (price, conf) = if let Publication::Pull(_) = cfg.publication {
            let quotes: Vec<PriceConf> = used
                .iter()
                .map(|&(_, obs, conf)| PriceConf {
                    price: obs.price,
                    conf,
                })
                .collect();
            let agg = pyth_aggregate(&quotes)?;
            (agg.price, agg.conf)
        } else {
            let price = match cfg.aggregation {
                Aggregation::Median(rule) => {
                    let prices: Vec<Ticks> = used.iter().map(|u| u.1.price).collect();
                    median(&prices, rule)?
                }
                Aggregation::WeightedMedian(rule) => {
                    let prices: Vec<(Ticks, u32)> = used
                        .iter()
                        .map(|&(j, obs, _)| (obs.price, cfg.sources[j].weight))
                        .collect();
                    weighted_median(&prices, rule)?
                }
            };
            (price, Ticks(0))
        };
        let newest = used.iter().max_by_key(|u| u.1.observed_at)?.1;
        Some((
            Observation {
                observed_at: used.iter().map(|u| u.1.observed_at).min()?,
                price,
                reference: newest.reference,
                sales_seen: used.iter().map(|u| u.1.sales_seen).max()?,
                sources_used: used.len() as u16,
            },
            conf,
        ))
    }

    pub(super) fn on_oracle_arrive(&mut self, o: usize, j: usize, obs: Observation, conf: Ticks) {
        let st = &mut self.oracles[o];
        if st.latest[j].is_some_and(|(prev, _)| prev.observed_at > obs.observed_at) {
            self.stats.stale_observations += 1;
            return;
        }
        st.latest[j] = Some((obs, conf));
        let Some((mut agg, conf)) = self.aggregate(o) else {
            return;
        };
        let now = self.now;
        let congestion = self.congestion_now();
        let st = &mut self.oracles[o];
        if let Some(t) = &mut st.twap {
            t.record(now, agg.price);
            agg.price = t.value(now).unwrap_or(agg.price);
        }
        if let Some(e) = &mut st.ema {
            e.update(now, agg.price);
            agg.price = e.value().unwrap_or(agg.price);
        }
        st.current = Some(agg);
        match &mut st.feed {
            Feed::Push(feed) => match feed.observe(now, agg.observed_at, agg.price) {
                RoundDecision::Start(_) => {
                    let Publication::Push { inclusion, .. } = &self.cfg.oracles[o].publication
                    else {
                        unreachable!("a push feed has a push publication");
                    };
                    let delay = inclusion.sample(&mut st.inclusion_rng, congestion);
                    let ev = Event::OraclePublish {
                        oracle: o as u16,
                        obs: agg,
                    };
                    self.schedule(now + delay, EventClass::Oracle, ev);
                }
                RoundDecision::Hold => {}
                RoundDecision::Stale => {
                    self.stats.stale_observations += 1;
                    self.oracle_row(o, agg, "stale", "late_observation");
                }
            },
            Feed::Osm { .. } => {}
            Feed::Pull(feed) => {
                let p = PullPrice {
                    price: agg.price,
                    conf,
                    publish_time: now,
                };
                if feed.update(p) {
                    st.readable_obs = Some(agg);
                    self.published(o, agg, "update");
                }
            }
        }
    }

    pub(super) fn on_oracle_publish(&mut self, o: usize, obs: Observation) {
        let now = self.now;
        let st = &mut self.oracles[o];
        let Feed::Push(feed) = &mut st.feed else {
            unreachable!("only push oracles publish rounds");
        };
        match feed.try_publish(now, obs.observed_at, obs.price) {
            Ok(_) => {
                st.readable_obs = Some(obs);
                self.published(o, obs, "round");
            }
            Err(refusal) => self.oracle_row(o, obs, "reject", refusal.as_str()),
        }
    }

    pub(super) fn on_oracle_poke(&mut self, o: usize) {
        let now = self.now;
        let st = &mut self.oracles[o];
        let Feed::Osm { osm, cur, nxt } = &mut st.feed else {
            unreachable!("only OSM oracles are poked");
        };
        let current = st.current;
        if let Ok(cascade_oracle::PokeOutcome::Poked { .. }) =
            osm.poke(now, current.map(|c| c.price))
        {
            *cur = *nxt;
            *nxt = current;
            if let Some(obs) = *cur {
                self.published(o, obs, "hop");
            }
        }
        let hop = match self.cfg.oracles[o].publication {
            Publication::Osm { hop } => hop,
            _ => unreachable!("only OSM oracles are poked"),
        };
        self.schedule(now + hop, EventClass::Oracle, Event::OraclePoke(o as u16));
    }

    /// A new price of oracle `o` became readable: trace it, feed the breaker, hand it to the perp
    /// venue if it is the mark, and wake the liquidators if the market reads it and an account is
    /// liquidatable.
    fn published(&mut self, o: usize, obs: Observation, reason: &'static str) {
        let now = self.now;
        if let Some(b) = &mut self.oracles[o].breaker {
            b.record_update(now);
        }
        let tripped = self.oracles[o]
            .deviation
            .as_mut()
            .is_some_and(|b| b.record(now, obs.price));
        self.oracle_row(o, obs, "publish", reason);
        if tripped {
            self.stats.breaker_trips += 1;
            self.oracle_row(o, obs, "trip", "deviation");
        }
        self.perp_mark_published(o, obs);
        let market = self.cfg.market_oracle;
        let secondary = self.cfg.oracles[market]
            .fallback
            .as_ref()
            .map(|f| f.secondary);
        if o != market && Some(o) != secondary {
            return;
        }
        if o == market {
            self.stats.oracle_publications += 1;
            let p = obs.price;
            self.stats.min_oracle = Some(self.stats.min_oracle.map_or(p, |m| m.min(p)));
        }
        if let Ok((price, _)) = self.market_price() {
            self.market.on_oracle_price(now, price);
            if self.market.index().any_liquidatable_at(price) {
                for l in 0..self.liquidators.len() {
                    self.request_wake(l, None);
                }
            }
            self.vaults_on_price(price);
        }
        if o == market {
            self.deleverage_check();
        }
    }

    /// What oracle `o` offers the protocol now.
    fn readable(&self, o: usize) -> Readable {
        let st = &self.oracles[o];
        match &st.feed {
            Feed::Push(f) => {
                let p = f.latest().ok_or("no_price")?;
                let obs = st.readable_obs.ok_or("no_price")?;
                Ok((p.price, obs, p.published_at))
            }
            Feed::Osm { osm, cur, .. } => {
                let price = osm.peek().ok_or("no_price")?;
                let obs = cur.ok_or("no_price")?;
                Ok((price, obs, osm.zzz().unwrap_or(SimTime::ZERO)))
            }
            Feed::Pull(f) => {
                let Publication::Pull(consumer) = self.cfg.oracles[o].publication else {
                    unreachable!("a pull feed has a pull publication");
                };
                let p = consumer.read(f, self.now).map_err(|r| r.as_str())?;
                let obs = st.readable_obs.ok_or("no_price")?;
                Ok((p.price, obs, p.publish_time))
            }
        }
    }

    /// The price the lending market reads now, with the observation behind it, or why it may
    /// not liquidate (no price, stale or too wide a pull price, a paused breaker). Runs the
    /// fallback's state machine when the market's oracle has one, as Liquity's `fetchPrice`
    /// does on every call.
    pub(super) fn market_price(&mut self) -> Result<(Ticks, Observation), &'static str> {
        let m = self.cfg.market_oracle;
        let result = self.market_price_unchecked(m).and_then(|r| {
            let staleness = self.oracles[m].breaker.as_ref().map(|b| b.gate(self.now));
            let deviation = self.oracles[m].deviation.as_ref().map(|b| b.gate(self.now));
            match (staleness, deviation) {
                (Some(Gate::Paused(reason)), _) | (_, Some(Gate::Paused(reason))) => {
                    Err(reason.as_str())
                }
                _ => Ok(r),
            }
        });
        let block = result.err().unwrap_or("");
        if block != self.oracles[m].last_block {
            self.oracles[m].last_block = block;
            let obs = self.oracles[m]
                .current
                .unwrap_or(self.observation_now(Ticks(0), 0));
            let event = if block.is_empty() { "resume" } else { "stale" };
            let reason = if block.is_empty() { "readable" } else { block };
            self.oracle_row(m, obs, event, reason);
        }
        result
    }

    fn market_price_unchecked(&mut self, m: usize) -> Result<(Ticks, Observation), &'static str> {
        let primary = self.readable(m);
        let Some(fb) = self.cfg.oracles[m].fallback.clone() else {
            return primary.map(|(p, obs, _)| (p, obs));
        };
        let reading = |r: &Readable| {
            r.as_ref()
                .ok()
                .map(|&(price, _, updated_at)| Reading { price, updated_at })
        };
        let previous = match &self.oracles[m].feed {
            Feed::Push(f) => f.previous().map(|p| Reading {
                price: p.price,
                updated_at: p.published_at,
            }),
            _ => None,
        };
        let secondary = self.readable(fb.secondary);
        let response = PrimaryResponse {
            current: reading(&primary),
            previous,
        };
        let now = self.now;
        let feed = self.oracles[m]
            .fallback
            .as_mut()
            .expect("configured fallback");
        let switches_before = feed.switches().len();
        let fetched = feed.fetch(now, response, reading(&secondary));
        let new_switches: Vec<_> = feed.switches()[switches_before..].to_vec();
        for s in new_switches {
            let obs = primary
                .as_ref()
                .map(|r| r.1)
                .or(secondary.as_ref().map(|r| r.1))
                .unwrap_or(self.observation_now(Ticks(0), 0));
            self.oracle_row(m, obs, "fallback", s.to.as_str());
        }
        let price = fetched.price.ok_or("no_price")?;
        let obs = match fetched.origin {
            PriceOrigin::Primary => primary.map(|r| r.1),
            PriceOrigin::Secondary => secondary.map(|r| r.1),
            PriceOrigin::LastGood => primary.or(secondary).map(|r| r.1),
        }
        .unwrap_or(self.observation_now(price, self.sales.len() as u32));
        Ok((price, Observation { price, ..obs }))
    }

    /// An observation made now from no source (for trace rows and prices with no reading
    /// behind them).
    fn observation_now(&self, price: Ticks, sales_seen: u32) -> Observation {
        Observation {
            observed_at: self.now,
            price,
            reference: self.reference_ticks(),
            sales_seen,
            sources_used: 0,
        }
    }

    /// The latest readable price of the market's oracle, ignoring pauses (for valuing what is
    /// left at the end of a run and for snapshots).
    pub(super) fn last_market_price(&self) -> Option<Ticks> {
        let m = self.cfg.market_oracle;
        let st = &self.oracles[m];
        match &st.feed {
            Feed::Push(f) => f.latest().map(|p| p.price),
            Feed::Osm { osm, .. } => osm.peek(),
            Feed::Pull(f) => f.price_unsafe().map(|p| p.price),
        }
    }

    fn oracle_row(
        &mut self,
        o: usize,
        obs: Observation,
        event: &'static str,
        reason: &'static str,
    ) {
        let row = OracleRow {
            time_ns: self.now.as_nanos(),
            oracle: self.cfg.oracles[o].name.clone(),
            price: self.cfg.spec.price(obs.price),
            reference_price: self.cfg.spec.price(obs.reference),
            age_ns: self.now.saturating_since(obs.observed_at).as_nanos(),
            sources_used: u32::from(obs.sources_used),
            event,
            reason,
        };
        self.trace.row(&row);
    }

    fn congestion_now(&self) -> f64 {
        self.cfg.congestion.at(self.now.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{OracleConfig, OracleSource};
    use cascade_oracle::{LatencyModel, MedianRule, PushRule};
    use cascade_types::{Bps, SimDuration};

    fn oracle(latency_b: LatencyModel) -> OracleConfig {
        let source = |name: &str, v: usize, latency: LatencyModel| OracleSource {
            name: name.to_string(),
            kind: SourceKind::Mid(v),
            latency,
            weight: 1,
            faults: Vec::new(),
        };
        let uniform = LatencyModel::Uniform {
            lo: 100.0,
            hi: 900.0,
        };
        OracleConfig {
            name: "o".into(),
            sources: vec![
                source("a", 0, uniform.clone()),
                source("b", 1, latency_b),
                source("c", 2, uniform.clone()),
            ],
            observe_every: SimDuration::from_secs(1),
            aggregation: Aggregation::Median(MedianRule::MeanFloor),
            quorum: 1,
            max_reading_age: None,
            smoothing: Smoothing::None,
            publication: Publication::Push {
                rule: PushRule {
                    deviation: Bps(50),
                    heartbeat: SimDuration::from_secs(3600),
                },
                inclusion: uniform,
                bounds: None,
            },
            staleness: None,
            deviation_breaker: None,
            fallback: None,
        }
    }

    fn draws(cfg: &OracleConfig, j: usize) -> Vec<u64> {
        let mut st = OracleState::new(cfg, &RngStreams::new(7));
        (0..200)
            .map(|_| {
                cfg.sources[j]
                    .latency
                    .sample(&mut st.source_rngs[j], 0.0)
                    .as_nanos()
            })
            .collect()
    }

    /// Each source draws from its own stream: changing source b's model (even to one that
    /// draws three numbers per sample) leaves a's and c's draws, and the inclusion delays,
    /// exactly as they were.
    #[test]
    fn sources_draw_from_their_own_streams() {
        let before = oracle(LatencyModel::Constant(500.0));
        let after = oracle(LatencyModel::LoadDependent(cascade_oracle::LoadDependent {
            base: cascade_des::dist::Dist::LogNormal {
                median: 800.0,
                sigma: 0.7,
            },
            slope: 0.5,
            spike_prob: 0.1,
            spike_prob_per_congestion: 0.2,
            spike: cascade_des::dist::Dist::Constant(5_000.0),
        }));
        assert_eq!(draws(&before, 0), draws(&after, 0));
        assert_eq!(draws(&before, 2), draws(&after, 2));
        assert_ne!(draws(&before, 1), draws(&after, 1));
        let inclusion = |cfg: &OracleConfig| {
            let mut st = OracleState::new(cfg, &RngStreams::new(7));
            let Publication::Push { inclusion, .. } = &cfg.publication else {
                unreachable!()
            };
            (0..50)
                .map(|_| inclusion.sample(&mut st.inclusion_rng, 0.0).as_nanos())
                .collect::<Vec<_>>()
        };
        assert_eq!(inclusion(&before), inclusion(&after));
    }
}
