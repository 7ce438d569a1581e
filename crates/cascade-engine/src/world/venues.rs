//! Orders and trades on the venues: settlement, market makers, and routing of sales.

use super::{AgentKind, World};
use crate::event::Event;
use crate::route::{Route, split_sale};
use crate::trace::{TraceSink, TradeRow};
use cascade_agents::hedge_value;
use cascade_book::{BookEvent, OrderType};
use cascade_des::EventClass;
use cascade_types::{AgentId, LiquidationId, Lots, Quote, Side, SimDuration};

impl<T: TraceSink> World<T> {
    pub(super) fn request_requote(&mut self, m: usize) {
        if self.makers[m].requote_pending {
            return;
        }
        self.makers[m].requote_pending = true;
        let ms = self.makers[m]
            .params
            .latency_ms
            .sample(&mut self.maker_rngs[m]);
        let at = self.now + SimDuration::from_millis_f64(ms);
        self.schedule(at, EventClass::Agent, Event::MakerRequote(m as u32));
    }

    pub(super) fn on_maker_requote(&mut self, m: usize) {
        self.makers[m].requote_pending = false;
        let agent = AgentId(m as u32);
        let v = self.cfg.makers[m].venue;
        for id in std::mem::take(&mut self.makers[m].orders) {
            if self.venues[v].book.order(id).is_some() {
                self.venues[v].book.cancel(self.now, id, &mut ());
            }
        }
        let reference = self.cfg.spec.ticks_nearest(self.venue_reference(v));
        let wallet = self.wallets[m];
        if let Some(h) = self.makers[m].hedge(self.now, reference, wallet) {
            let value = hedge_value(&h);
            let w = &mut self.wallets[m];
            match h.side {
                Side::Ask => {
                    w.base = w.base.minus(h.qty);
                    w.cash = w.cash.plus(value);
                    self.external.base_out += h.qty.0;
                    self.external.cash_in += value.0;
                }
                Side::Bid => {
                    w.base = w.base.plus(h.qty);
                    w.cash = w.cash.minus(value);
                    self.external.base_in += h.qty.0;
                    self.external.cash_out += value.0;
                }
            }
        }
        let reference_ticks = self.venue_reference(v) / self.cfg.spec.tick_size;
        // The maker sees its venue's mid (the reference before anything trades).
        let seen = self.venues[v]
            .book
            .mid_x2()
            .map_or(reference_ticks, |m| m as f64 / 2.0);
        self.makers[m].observe(self.now, seen);
        let ladder = self.makers[m].ladder(reference_ticks, self.wallets[m], &self.cfg.spec);
        for q in ladder {
            self.submit(agent, v, q.side, q.qty, OrderType::Limit(q.price), None);
        }
    }

    /// Submits an order for `agent` on venue `v` and settles what it did. Returns the quantity
    /// filled and its value.
    pub(super) fn submit(
        &mut self,
        agent: AgentId,
        v: usize,
        side: Side,
        qty: Lots,
        ty: OrderType,
        liquidation: Option<LiquidationId>,
    ) -> (Lots, Quote) {
        let mut events = std::mem::take(&mut self.book_events);
        events.clear();
        self.venues[v]
            .book
            .submit(self.now, agent, side, qty, ty, &mut events);
        let mut filled = (Lots(0), Quote(0));
        for e in &events {
            match *e {
                BookEvent::Fill {
                    maker_owner,
                    taker_owner,
                    taker_side,
                    price,
                    qty,
                    ..
                } => {
                    let value = qty.value_at(price);
                    let (buyer, seller) = match taker_side {
                        Side::Bid => (taker_owner, maker_owner),
                        Side::Ask => (maker_owner, taker_owner),
                    };
                    let b = &mut self.wallets[buyer.index()];
                    b.cash = b.cash.minus(value);
                    b.base = b.base.plus(qty);
                    let s = &mut self.wallets[seller.index()];
                    s.base = s.base.minus(qty);
                    s.cash = s.cash.plus(value);
                    filled = (filled.0.plus(qty), filled.1.plus(value));
                    let venue = &mut self.venues[v];
                    venue.last_trade = Some(price);
                    if venue.vwap_window > SimDuration::ZERO {
                        venue.trades.push_back((self.now, price, qty));
                        let window = venue.vwap_window;
                        while venue
                            .trades
                            .front()
                            .is_some_and(|&(t, _, _)| self.now.saturating_since(t) > window)
                        {
                            venue.trades.pop_front();
                        }
                    }
                    self.stats.trades += 1;
                    self.stats.volume = self.stats.volume.plus(qty);
                    let row = TradeRow {
                        time_ns: self.now.as_nanos(),
                        venue: self.venues[v].name.clone(),
                        price: self.cfg.spec.price(price),
                        qty: self.cfg.spec.qty(qty),
                        taker_side: taker_side.as_str(),
                        maker: self.labels[maker_owner.index()].clone(),
                        taker: self.labels[taker_owner.index()].clone(),
                        liquidation: liquidation.map(|l| l.0),
                    };
                    self.trace.row(&row);
                    if let AgentKind::Maker(mm) = self.agent_kind(maker_owner) {
                        self.request_requote(mm);
                    }
                }
                BookEvent::Placed { id, owner, .. } => {
                    if let AgentKind::Maker(mm) = self.agent_kind(owner) {
                        self.makers[mm].orders.push(id);
                    }
                }
                BookEvent::Cancelled { .. }
                | BookEvent::Reduced { .. }
                | BookEvent::Rejected { .. } => {}
            }
        }
        self.book_events = events;
        if !filled.0.is_zero() {
            self.check_stops(v);
        }
        filled
    }

    /// What selling `qty` on venue `v` (a book, or a pool after the books) would fetch now.
    fn venue_proceeds(&self, v: usize, qty: Lots) -> Quote {
        match self.pool_index(v) {
            Some(p) => self.pool_proceeds(p, qty),
            None => self.venues[v].book.sweep_preview(Side::Ask, qty, None).1,
        }
    }

    /// How a sale of `qty` is shared among `venues` (see [`split_sale`]).
    fn split_plan(&self, venues: &[usize], qty: Lots) -> Vec<(usize, Lots)> {
        let proceeds = |i: usize, q: u64| self.venue_proceeds(venues[i], Lots(q)).0;
        venues
            .iter()
            .copied()
            .zip(split_sale(venues.len(), qty, proceeds))
            .filter(|(_, a)| !a.is_zero())
            .collect()
    }

    /// What selling `qty` through `route` would fetch if every slice met the venues as they
    /// stand now.
    pub(super) fn route_proceeds(&self, route: &Route, qty: Lots) -> Quote {
        let slices = u64::from(route.slices());
        let slice = Lots(qty.0 / slices);
        let one = |q: Lots| match route.slice_route() {
            Route::Venue(v) => self.venue_proceeds(*v, q),
            Route::Split(vs) => Quote(
                self.split_plan(vs, q)
                    .iter()
                    .map(|&(v, a)| self.venue_proceeds(v, a).0)
                    .sum(),
            ),
            // Nothing is sold now; a bridge sells on arrival at its destination.
            Route::Hold => Quote::ZERO,
            Route::Bridge { to, .. } => self.route_proceeds(to, q),
            Route::Sliced { .. } => unreachable!("slice_route strips slicing"),
        };
        let last = Lots(qty.0 - slice.0 * (slices - 1));
        Quote(one(slice).0 * (slices - 1) + one(last).0)
    }

    /// Sells `qty` of `agent`'s base now through one slice of `route` with market orders;
    /// returns what was sold and for how much.
    pub(super) fn sell_slice(
        &mut self,
        agent: AgentId,
        route: &Route,
        qty: Lots,
        liquidation: Option<LiquidationId>,
    ) -> (Lots, Quote) {
        let plan = match route.slice_route() {
            Route::Venue(v) => vec![(*v, qty)],
            Route::Split(vs) => self.split_plan(vs, qty),
            Route::Hold => Vec::new(),
            // The caller has the base at the destination (see `world/disposal.rs`).
            Route::Bridge { to, .. } => return self.sell_slice(agent, to, qty, liquidation),
            Route::Sliced { .. } => unreachable!("slice_route strips slicing"),
        };
        let before = self.observed_x2();
        let mut out = (Lots(0), Quote(0));
        for (v, q) in plan {
            let (s, p) = match self.pool_index(v) {
                Some(pool) => self.pool_sale(agent, pool, q, liquidation),
                None => self.submit(agent, v, Side::Ask, q, OrderType::Market, liquidation),
            };
            out = (out.0.plus(s), out.1.plus(p));
        }
        // Slippage against the price the oracle would have observed just before the sale.
        if let Some(x2) = before {
            let fair = i128::from(out.0.0) * i128::from(x2) / 2;
            self.stats.sale_slippage += fair - i128::from(out.1.0);
        }
        out
    }
}
