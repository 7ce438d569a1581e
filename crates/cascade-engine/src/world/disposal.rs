//! What a liquidator does with the collateral a liquidation gave it: sell it at once or in
//! slices over time along its route, hold it, or send it over a bridge and sell it on the far
//! venue when it arrives. Owns the bridge: transfers in transit, collateral waiting for the
//! bridge's capacity, and the `bridge/i` streams that draw each liquidator's transfer times.
//!
//! Collateral on a bridge has left the liquidator's wallet and is not yet in a venue: the world's
//! value check counts it here ([`Bridges::outstanding`]), and so does the liquidators' P&L.

use super::{Sale, World};
use crate::config::Route;
use crate::event::Event;
use crate::trace::TraceSink;
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_types::{AgentId, LiquidationId, Lots, Quote, SimTime, Ticks};
use std::collections::{BTreeMap, VecDeque};

/// Collateral of one liquidation on its way over a bridge.
#[derive(Clone, Copy, Debug)]
struct Parcel {
    liquidation: LiquidationId,
    lots: Lots,
    /// When the liquidation handed it over.
    seized_at: SimTime,
}

/// The bridges of all liquidators that route over one.
pub(super) struct Bridges {
    /// Per liquidator: its transfer-time stream, if its route is a bridge.
    rngs: Vec<Option<StreamRng>>,
    /// Per liquidator: parcels waiting for capacity, oldest first.
    waiting: Vec<VecDeque<Parcel>>,
    /// Per liquidator: lots in transit.
    in_flight: Vec<u64>,
    /// Per liquidator: lots waiting or in transit.
    outstanding: Vec<u64>,
    /// Transfers in transit, by id: (liquidator, parcel).
    transfers: BTreeMap<u32, (u32, Parcel)>,
    next_id: u32,
}

impl Bridges {
    /// One bridge per liquidator whose route is a bridge, each with its own stream.
    pub(super) fn new(routes: &[&Route], streams: &RngStreams) -> Self {
        let n = routes.len();
        Bridges {
            rngs: routes
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    matches!(r, Route::Bridge { .. }).then(|| streams.stream("bridge", i as u64))
                })
                .collect(),
            waiting: vec![VecDeque::new(); n],
            in_flight: vec![0; n],
            outstanding: vec![0; n],
            transfers: BTreeMap::new(),
            next_id: 0,
        }
    }

    /// Lots liquidator `l` has waiting or in transit.
    pub(super) fn outstanding_of(&self, l: usize) -> Lots {
        Lots(self.outstanding.get(l).copied().unwrap_or(0))
    }

    /// Lots waiting or in transit, over all liquidators.
    pub(super) fn outstanding(&self) -> u128 {
        self.outstanding.iter().map(|&x| u128::from(x)).sum()
    }
}

/// What the liquidation row reports about the immediate disposal: sold, proceeds, and twice the
/// observed price before and after.
pub(super) type Disposal = (Lots, Quote, Option<i64>, Option<i64>);

impl<T: TraceSink> World<T> {
    /// What collateral `qty` is worth to a liquidator with `route` now, for deciding: what
    /// selling it would fetch at the venues as they stand (the far venue's for a bridge, as if
    /// it were there now), or its value at the oracle `price` for one that holds.
    pub(super) fn disposal_value(&self, route: &Route, qty: Lots, price: Ticks) -> Quote {
        match route {
            Route::Hold => qty.value_at(price),
            Route::Bridge { to, .. } => self.route_proceeds(to, qty),
            other => self.route_proceeds(other, qty),
        }
    }

    /// Disposes of `received`, the collateral liquidation `id` gave liquidator `l`.
    pub(super) fn dispose(
        &mut self,
        l: usize,
        agent: AgentId,
        id: LiquidationId,
        received: Lots,
    ) -> Disposal {
        let route = self.cfg.liquidators[l].route.clone();
        match &route {
            Route::Hold => {
                let x = self.observed_x2();
                (Lots(0), Quote(0), x, x)
            }
            Route::Bridge { .. } => {
                if !received.is_zero() {
                    let w = &mut self.wallets[agent.index()];
                    w.base = w.base.minus(received);
                    let b = &mut self.bridge;
                    b.waiting[l].push_back(Parcel {
                        liquidation: id,
                        lots: received,
                        seized_at: self.now,
                    });
                    b.outstanding[l] += received.0;
                    let total = Lots(u64::try_from(b.outstanding()).unwrap_or(u64::MAX));
                    let s = &mut self.stats.bridge;
                    s.max_outstanding = s.max_outstanding.max(total);
                    self.pump_bridge(l);
                }
                let x = self.observed_x2();
                (Lots(0), Quote(0), x, x)
            }
            _ => self.sell_now_or_in_slices(l, agent, id, received, &route),
        }
    }

    /// Sells the first slice (all of it for an unsliced route) now, records the sale for
    /// attributing generations, and schedules the other slices.
    fn sell_now_or_in_slices(
        &mut self,
        l: usize,
        agent: AgentId,
        id: LiquidationId,
        received: Lots,
        route: &Route,
    ) -> Disposal {
        let slices = route.slices();
        let first = Lots(received.0 / u64::from(slices));
        let first = if slices == 1 { received } else { first };
        let before = self.observed_x2();
        let (sold, proceeds) = self.sell_slice(agent, route, first, Some(id));
        let after = self.observed_x2();
        if !sold.is_zero() {
            self.sales.push(Sale {
                liquidation: id,
                observed_x2_before: before,
                observed_x2_after: after,
            });
        }
        if let (true, Route::Sliced { every, .. }) = (slices > 1, route) {
            let remaining = received.0 - first.0;
            self.slice_reserved[l] += remaining;
            let ev = Event::LiquidatorSell {
                liquidator: l as u32,
                liquidation: id.0,
                slices_left: slices - 1,
                remaining,
            };
            self.schedule(self.now + *every, EventClass::Agent, ev);
        }
        (sold, proceeds, before, after)
    }

    /// Starts transfers for liquidator `l`'s waiting parcels while its bridge has capacity (a
    /// parcel larger than the room left goes in parts).
    fn pump_bridge(&mut self, l: usize) {
        let Route::Bridge {
            latency_ms,
            max_in_flight,
            ..
        } = &self.cfg.liquidators[l].route
        else {
            return;
        };
        let (latency_ms, cap) = (latency_ms.clone(), *max_in_flight);
        loop {
            let b = &mut self.bridge;
            let room = cap.map_or(u64::MAX, |c| c.0.saturating_sub(b.in_flight[l]));
            let Some(front) = b.waiting[l].front_mut() else {
                break;
            };
            if room == 0 {
                break;
            }
            let q = Lots(front.lots.0.min(room));
            let parcel = Parcel { lots: q, ..*front };
            front.lots = front.lots.minus(q);
            if front.lots.is_zero() {
                b.waiting[l].pop_front();
            }
            b.in_flight[l] += q.0;
            let id = b.next_id;
            b.next_id += 1;
            b.transfers.insert(id, (l as u32, parcel));
            let rng = b.rngs[l].as_mut().expect("a bridge route has a stream");
            let d = cascade_types::SimDuration::from_millis_f64(latency_ms.sample(rng));
            let s = &mut self.stats.bridge;
            s.transfers += 1;
            s.sent = s.sent.plus(q);
            self.schedule(self.now + d, EventClass::Agent, Event::BridgeArrive(id));
        }
    }

    /// Transfer `id` arrives: the collateral is the liquidator's again, on the far venue, and
    /// is sold there at once; the freed capacity takes the next waiting parcels; and the
    /// liquidator, with its capital back, looks for accounts again.
    pub(super) fn on_bridge_arrive(&mut self, id: u32) {
        let (l, parcel) = self
            .bridge
            .transfers
            .remove(&id)
            .expect("a transfer arrives once");
        let l = l as usize;
        let b = &mut self.bridge;
        b.in_flight[l] -= parcel.lots.0;
        b.outstanding[l] -= parcel.lots.0;
        let agent = self.liquidator_agent(l);
        let w = &mut self.wallets[agent.index()];
        w.base = w.base.plus(parcel.lots);
        let s = &mut self.stats.bridge;
        s.arrived = s.arrived.plus(parcel.lots);
        s.arrivals += 1;
        s.total_delay = cascade_types::SimDuration(
            s.total_delay.as_nanos() + (self.now - parcel.seized_at).as_nanos(),
        );
        let route = self.cfg.liquidators[l].route.clone();
        if let Some(to) = route.inventory_route() {
            let before = self.observed_x2();
            let (sold, _) = self.sell_slice(agent, to, parcel.lots, Some(parcel.liquidation));
            let after = self.observed_x2();
            if !sold.is_zero() {
                self.sales.push(Sale {
                    liquidation: parcel.liquidation,
                    observed_x2_before: before,
                    observed_x2_after: after,
                });
            }
            self.stats.record_liquidation_sale(self.now, sold);
        }
        self.pump_bridge(l);
        // Its capital is back: it looks again (after its latency) if anything is left to do,
        // as a publication would make it (it may have stopped polling for want of cash).
        let open = self
            .last_market_price()
            .is_some_and(|p| self.market.index().any_liquidatable_at(p));
        if open {
            self.request_wake(l, None);
        }
    }
}
