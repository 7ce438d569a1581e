//! Snapshot rows (top of each book, its best levels, every agent's holdings) and extremes.

use super::{AgentKind, World};
use crate::event::Event;
use crate::trace::{AgentRow, BookTopRow, DepthRow, TraceSink};
use cascade_des::EventClass;
use cascade_types::{AgentId, Lots, Side};

/// Book levels per side written to `depth.csv` at each snapshot.
const SNAPSHOT_LEVELS: usize = 40;

impl<T: TraceSink> World<T> {
    pub(super) fn on_snapshot(&mut self) {
        let spec = self.cfg.spec;
        let t = self.now.as_nanos();
        let oracle = self.last_market_price().map(|p| spec.price(p));
        for v in 0..self.venues.len() {
            let venue = &self.venues[v];
            let book = &venue.book;
            let (bid, ask, mid) = (book.best_bid(), book.best_ask(), book.mid_x2());
            let depth = match mid {
                Some(m) => {
                    let floor = (m as f64 / 2.0 * 0.98).ceil() as i64;
                    book.depth(Side::Bid, usize::MAX)
                        .take_while(|l| l.price.0 >= floor)
                        .map(|l| l.qty.0)
                        .sum()
                }
                None => 0,
            };
            let row = BookTopRow {
                time_ns: t,
                venue: venue.name.clone(),
                best_bid: bid.map(|(p, _)| spec.price(p)),
                bid_qty: bid.map_or(0.0, |(_, q)| spec.qty(q)),
                best_ask: ask.map(|(p, _)| spec.price(p)),
                ask_qty: ask.map_or(0.0, |(_, q)| spec.qty(q)),
                mid: mid.map(|m| m as f64 * spec.tick_size / 2.0),
                bid_depth_2pct: spec.qty(Lots(depth)),
                reference: self.reference_price,
                oracle,
            };
            let mut levels = Vec::with_capacity(2 * SNAPSHOT_LEVELS);
            for side in [Side::Bid, Side::Ask] {
                let name = if side == Side::Bid { "bid" } else { "ask" };
                for (k, l) in book.depth(side, SNAPSHOT_LEVELS).enumerate() {
                    levels.push(DepthRow {
                        time_ns: t,
                        venue: venue.name.clone(),
                        side: name,
                        level: k as u32,
                        price: spec.price(l.price),
                        qty: spec.qty(l.qty),
                    });
                }
            }
            self.trace.row(&row);
            for r in &levels {
                self.trace.row(r);
            }
        }
        let oracle_now = self.last_market_price().map(|p| spec.price(p));
        for p in 0..self.pools.len() {
            let pool = &self.pools[p];
            let mid = pool.price_x2();
            let row = BookTopRow {
                time_ns: t,
                venue: pool.name.clone(),
                best_bid: None,
                bid_qty: 0.0,
                best_ask: None,
                ask_qty: 0.0,
                mid: mid.map(|m| m as f64 * spec.tick_size / 2.0),
                bid_depth_2pct: spec.qty(pool.depth_to(0.98)),
                reference: self.reference_price,
                oracle: oracle_now,
            };
            self.trace.row(&row);
        }
        let mark = self.venues[0]
            .price()
            .or_else(|| self.last_market_price())
            .unwrap_or_else(|| self.reference_ticks());
        for (i, w) in self.wallets.iter().enumerate() {
            // A liquidator's collateral on a bridge is still its inventory.
            let mut in_transit = Lots(0);
            let (kind, levels) = match self.agent_kind(AgentId(i as u32)) {
                AgentKind::Maker(m) => ("maker", Some(self.makers[m].active_levels())),
                AgentKind::Liquidator(l) => {
                    in_transit = self.bridge.outstanding_of(l);
                    ("liquidator", None)
                }
                AgentKind::Trader(t) => (self.trader_kind_name(t), None),
                AgentKind::Arbitrageur(_) => ("arbitrageur", None),
                AgentKind::Clearing => ("clearing", None),
                AgentKind::Keeper(_) => ("keeper", None),
                AgentKind::Attacker(_) => ("attacker", None),
                AgentKind::Sandwicher(_) => ("sandwicher", None),
                AgentKind::LlammaKeeper => ("llamma_keeper", None),
                AgentKind::Deleverager => ("deleverager", None),
            };
            let row = AgentRow {
                time_ns: t,
                agent: self.labels[i].clone(),
                kind,
                cash: spec.quote(w.cash),
                base: spec.qty(w.base),
                value: spec.quote(w.cash.plus(w.base.plus(in_transit).value_at(mark))),
                levels,
            };
            self.trace.row(&row);
        }
        let next = self.now + self.cfg.snapshot_every;
        self.schedule(next, EventClass::Snapshot, Event::Snapshot);
    }

    pub(super) fn track_extremes(&mut self) {
        let s = &mut self.stats;
        for v in &self.venues {
            if let Some(m) = v.book.mid() {
                s.min_mid = Some(s.min_mid.map_or(m, |x| x.min(m)));
            }
        }
        let r = self.cfg.spec.ticks_nearest(self.reference_price);
        s.min_reference = Some(s.min_reference.map_or(r, |x| x.min(r)));
    }
}
