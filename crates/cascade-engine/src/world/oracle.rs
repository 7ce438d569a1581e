//! The oracle: observing its venues, starting rounds, publishing.

use super::World;
use crate::event::{Event, Observation};
use crate::trace::{OracleRow, TraceSink};
use cascade_des::EventClass;
use cascade_oracle::RoundDecision;
use cascade_types::{SimDuration, Ticks};

impl<T: TraceSink> World<T> {
    /// Twice the price the oracle would observe now: the median of its venues' prices (for an
    /// even count, the mean of the middle two), `None` if no venue has a price.
    pub(super) fn observed_x2(&self) -> Option<i64> {
        let mut prices: Vec<i64> = self
            .cfg
            .oracle
            .sources
            .iter()
            .filter_map(|&v| self.venues[v].price_x2())
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

    pub(super) fn on_oracle_observe(&mut self) {
        if let Some(x2) = self.observed_x2() {
            let obs = Observation {
                observed_at: self.now,
                price: Ticks(x2.div_euclid(2)),
                reference: self.reference_ticks(),
                sales_seen: self.sales.len() as u32,
            };
            let ms = self
                .cfg
                .oracle
                .latency_ms
                .sample(&mut self.oracle_latency_rng);
            let at = self.now + SimDuration::from_millis_f64(ms);
            self.schedule(at, EventClass::Oracle, Event::OracleArrive(obs));
        }
        let next = self.now + self.cfg.oracle.observe_every;
        self.schedule(next, EventClass::Oracle, Event::OracleObserve);
    }

    pub(super) fn on_oracle_arrive(&mut self, obs: Observation) {
        match self.feed.observe(self.now, obs.observed_at, obs.price) {
            RoundDecision::Start(_) => {
                let ms = self
                    .cfg
                    .oracle
                    .inclusion_delay_ms
                    .sample(&mut self.oracle_inclusion_rng);
                let at = self.now + SimDuration::from_millis_f64(ms);
                self.schedule(at, EventClass::Oracle, Event::OraclePublish(obs));
            }
            RoundDecision::Hold => {}
            RoundDecision::Stale => {
                self.stats.stale_observations += 1;
                let row = self.oracle_row(obs, "stale", "");
                self.trace.row(&row);
            }
        }
    }

    fn oracle_row(&self, obs: Observation, event: &'static str, reason: &'static str) -> OracleRow {
        OracleRow {
            time_ns: self.now.as_nanos(),
            oracle: "push".to_string(),
            price: self.cfg.spec.price(obs.price),
            reference_price: self.cfg.spec.price(obs.reference),
            age_ns: self.now.saturating_since(obs.observed_at).as_nanos(),
            sources_used: self.cfg.oracle.sources.len() as u32,
            event,
            reason,
        }
    }

    pub(super) fn on_oracle_publish(&mut self, obs: Observation) {
        let Some(p) = self.feed.publish(self.now, obs.observed_at, obs.price) else {
            return;
        };
        self.published = Some(obs);
        self.stats.oracle_publications += 1;
        let reason = if p.round == 1 { "first" } else { "round" };
        let row = self.oracle_row(obs, "publish", reason);
        self.trace.row(&row);
        self.stats.min_oracle = Some(self.stats.min_oracle.map_or(p.price, |m| m.min(p.price)));
        if self.market.index().any_liquidatable_at(p.price) {
            for l in 0..self.liquidators.len() {
                self.request_wake(l, None);
            }
        }
    }
}
