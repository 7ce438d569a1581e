//! The order flow besides makers and liquidators: noise, momentum, stop-loss and informed
//! traders (see `cascade_agents::flow`).

use super::World;
use crate::config::TraderKind;
use crate::event::Event;
use crate::trace::TraceSink;
use cascade_book::OrderType;
use cascade_des::{EventClass, dist};
use cascade_types::{Lots, Side, SimDuration, Ticks};

impl<T: TraceSink> World<T> {
    pub(super) fn trader_kind_name(&self, t: usize) -> &'static str {
        match self.traders[t] {
            TraderKind::Noise(_) => "noise",
            TraderKind::Momentum(_) => "momentum",
            TraderKind::StopLoss { .. } => "stop",
            TraderKind::Informed(_) => "informed",
        }
    }

    /// Schedules a trader's next wake-up of its own accord: the next Poisson arrival of a noise
    /// trader, the next look of a momentum trader. Stop-loss and informed traders wake on events.
    pub(super) fn schedule_trader(&mut self, t: usize) {
        let delay = match &self.traders[t] {
            TraderKind::Noise(n) if n.orders_per_minute > 0.0 => {
                let mean = 60.0 / n.orders_per_minute;
                SimDuration::from_secs_f64(dist::exponential(&mut self.trader_rngs[t], mean))
            }
            TraderKind::Momentum(m) => m.interval,
            _ => return,
        };
        self.schedule(
            self.now + delay,
            EventClass::Agent,
            Event::TraderWake(t as u32),
        );
    }

    /// After a reference step, informed traders look again after their latency.
    pub(super) fn wake_informed(&mut self) {
        for t in 0..self.traders.len() {
            let TraderKind::Informed(inf) = &mut self.traders[t] else {
                continue;
            };
            if inf.pending {
                continue;
            }
            inf.pending = true;
            let ms = inf.latency_ms.sample(&mut self.trader_rngs[t]);
            self.schedule(
                self.now + SimDuration::from_millis_f64(ms),
                EventClass::Agent,
                Event::TraderWake(t as u32),
            );
        }
    }

    /// Fires the stop-loss traders of venue `v` whose stop is at or above its last trade.
    pub(super) fn check_stops(&mut self, v: usize) {
        let Some(last) = self.venues[v].last_trade else {
            return;
        };
        while let Some(&(stop, t)) = self.stops[v].last() {
            if stop < last.0 {
                break;
            }
            self.stops[v].pop_last();
            let TraderKind::StopLoss {
                stop: s,
                latency_ms,
            } = &mut self.traders[t as usize]
            else {
                continue;
            };
            s.fired = true;
            let ms = latency_ms.sample(&mut self.trader_rngs[t as usize]);
            self.schedule(
                self.now + SimDuration::from_millis_f64(ms),
                EventClass::Agent,
                Event::TraderWake(t),
            );
        }
    }

    /// The most of `want` that `cash` buys sweeping venue `v`'s asks now.
    pub(super) fn affordable(&self, v: usize, want: Lots, cash: u64) -> Lots {
        let (mut got, mut left) = (0u64, cash);
        for l in self.venues[v].book.depth(Side::Ask, usize::MAX) {
            let (p, room) = (l.price.0 as u64, want.0 - got);
            let q = l.qty.0.min(room).min(left / p);
            got += q;
            left -= q * p;
            if got == want.0 || q < l.qty.0.min(room) {
                break; // done, or the cash ran out at this level
            }
        }
        Lots(got)
    }

    /// A market order within the trader's means: sells at most its base, buys at most what its
    /// cash pays for at the book as it stands.
    fn trader_market(&mut self, t: usize, side: Side, want: Lots) {
        let agent = self.trader_agent(t);
        let v = self.cfg.traders[t].venue;
        let w = self.wallets[agent.index()];
        let qty = match side {
            Side::Ask => want.min(w.base),
            Side::Bid => self.affordable(v, want, w.cash.0),
        };
        if !qty.is_zero() {
            self.submit(agent, v, side, qty, OrderType::Market, None);
        }
    }

    pub(super) fn on_trader_wake(&mut self, t: usize) {
        let v = self.cfg.traders[t].venue;
        match self.traders[t].clone() {
            TraderKind::Noise(n) => {
                let buy = dist::unit(&mut self.trader_rngs[t]) < n.buy_probability;
                let size = self
                    .cfg
                    .spec
                    .lots_floor(n.size.sample(&mut self.trader_rngs[t]));
                self.trader_market(t, if buy { Side::Bid } else { Side::Ask }, size);
                self.schedule_trader(t);
            }
            TraderKind::Momentum(_) => {
                let price = self.venues[v].price();
                let (signal, size, threshold) = match &mut self.traders[t] {
                    TraderKind::Momentum(m) => (
                        price.and_then(|p| m.observe(self.now, p)),
                        m.size,
                        m.threshold,
                    ),
                    _ => unreachable!("matched above"),
                };
                match signal {
                    Some(r) if r <= -threshold => self.trader_market(t, Side::Ask, size),
                    Some(r) if r >= threshold => self.trader_market(t, Side::Bid, size),
                    _ => {}
                }
                self.schedule_trader(t);
            }
            TraderKind::StopLoss { .. } => {
                let base = self.wallets[self.trader_agent(t).index()].base;
                self.trader_market(t, Side::Ask, base);
            }
            TraderKind::Informed(inf) => self.informed(t, v, inf),
        }
    }

    fn informed(&mut self, t: usize, v: usize, inf: cascade_agents::InformedTrader) {
        let agent = self.trader_agent(t);
        let reference = self.venue_reference(v) / self.cfg.spec.tick_size;
        // Unwind toward the starting inventory off-venue, at the reference price.
        let dt = self.now.saturating_since(inf.last_unwind).as_secs_f64();
        let share = 1.0 - libm::exp2(-dt / inf.unwind_half_life.as_secs_f64().max(1e-9));
        let r = self.cfg.spec.ticks_nearest(self.venue_reference(v));
        let w = self.wallets[agent.index()];
        if r.0 > 0 {
            if w.base > inf.target_inventory {
                let q = Lots(((w.base.0 - inf.target_inventory.0) as f64 * share).floor() as u64);
                let value = q.value_at(r);
                let w = &mut self.wallets[agent.index()];
                w.base = w.base.minus(q);
                w.cash = w.cash.plus(value);
                self.external.base_out += q.0;
                self.external.cash_in += value.0;
            } else {
                let q = Lots(((inf.target_inventory.0 - w.base.0) as f64 * share).floor() as u64);
                let q = q.min(Lots(w.cash.0 / r.0 as u64));
                let value = q.value_at(r);
                let w = &mut self.wallets[agent.index()];
                w.base = w.base.plus(q);
                w.cash = w.cash.minus(value);
                self.external.base_in += q.0;
                self.external.cash_out += value.0;
            }
        }
        if let TraderKind::Informed(i) = &mut self.traders[t] {
            i.last_unwind = self.now;
            i.pending = false;
        }
        // Then trade the venue back toward the reference, within the band.
        let book = &self.venues[v].book;
        let low = Ticks((reference * (1.0 - inf.threshold)).floor() as i64);
        let high = Ticks((reference * (1.0 + inf.threshold)).ceil() as i64);
        if book.best_ask().is_some_and(|(p, _)| p < low) {
            let w = self.wallets[agent.index()];
            let q = inf.max_size.min(Lots(w.cash.0 / low.0.max(1) as u64));
            if !q.is_zero() {
                self.submit(agent, v, Side::Bid, q, OrderType::Ioc(low), None);
            }
        } else if book.best_bid().is_some_and(|(p, _)| p > high) {
            let q = inf.max_size.min(self.wallets[agent.index()].base);
            if !q.is_zero() {
                self.submit(agent, v, Side::Ask, q, OrderType::Ioc(high), None);
            }
        }
    }
}
