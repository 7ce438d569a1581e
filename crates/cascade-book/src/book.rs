//! The book: per-side ordered price levels, each a FIFO list of orders in a shared slab.

use crate::event::{BookEvent, BookSink, CancelReason, OrderType, RejectReason};
use cascade_types::{AgentId, Lots, OrderId, Quote, Side, SimTime, Ticks};
use std::collections::BTreeMap;

const NIL: u32 = u32::MAX;

/// One order in the slab. A slot is reused after its order leaves; the generation in the high
/// half of an [`OrderId`] tells a stale id from the slot's current order.
#[derive(Clone, Debug)]
struct Node {
    generation: u32,
    live: bool,
    owner: AgentId,
    side: Side,
    price: Ticks,
    qty: Lots,
    entered: SimTime,
    prev: u32,
    next: u32,
}

#[derive(Clone, Copy, Debug, Default)]
struct Level {
    total: u64,
    count: u32,
    head: u32,
    tail: u32,
}

/// One side of the book: price levels and the cached best price.
#[derive(Clone, Debug)]
struct Ladder {
    side: Side,
    levels: BTreeMap<i64, Level>,
    best: Option<i64>,
}

impl Ladder {
    fn new(side: Side) -> Self {
        Ladder {
            side,
            levels: BTreeMap::new(),
            best: None,
        }
    }

    /// `true` if `a` is a better price than `b` for this side.
    fn better(&self, a: i64, b: i64) -> bool {
        match self.side {
            Side::Bid => a > b,
            Side::Ask => a < b,
        }
    }

    fn recompute_best(&mut self) {
        self.best = match self.side {
            Side::Bid => self.levels.last_key_value().map(|(&p, _)| p),
            Side::Ask => self.levels.first_key_value().map(|(&p, _)| p),
        };
    }

    /// Levels from the best outwards.
    fn iter(&self) -> Box<dyn Iterator<Item = (&i64, &Level)> + '_> {
        match self.side {
            Side::Bid => Box::new(self.levels.iter().rev()),
            Side::Ask => Box::new(self.levels.iter()),
        }
    }
}

/// A resting order, as seen from outside (L3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// Its id.
    pub id: OrderId,
    /// Its owner.
    pub owner: AgentId,
    /// Its side.
    pub side: Side,
    /// Its limit price.
    pub price: Ticks,
    /// The quantity still resting.
    pub qty: Lots,
    /// When it last gained its place in the queue.
    pub entered: SimTime,
}

/// A price level, as seen from outside (L2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelView {
    /// The level's price.
    pub price: Ticks,
    /// Total resting quantity.
    pub qty: Lots,
    /// Number of resting orders.
    pub orders: u32,
}

/// A limit order book for one instrument.
#[derive(Clone, Debug)]
pub struct Book {
    nodes: Vec<Node>,
    free: Vec<u32>,
    bids: Ladder,
    asks: Ladder,
    resting: usize,
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}

fn make_id(generation: u32, slot: u32) -> OrderId {
    OrderId((u64::from(generation) << 32) | u64::from(slot))
}

fn split_id(id: OrderId) -> (u32, u32) {
    ((id.0 >> 32) as u32, id.0 as u32)
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        Book {
            nodes: Vec::new(),
            free: Vec::new(),
            bids: Ladder::new(Side::Bid),
            asks: Ladder::new(Side::Ask),
            resting: 0,
        }
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    /// The best bid price and the quantity resting there.
    pub fn best_bid(&self) -> Option<(Ticks, Lots)> {
        self.best(Side::Bid)
    }

    /// The best ask price and the quantity resting there.
    pub fn best_ask(&self) -> Option<(Ticks, Lots)> {
        self.best(Side::Ask)
    }

    /// The best price on `side` and the quantity resting there.
    pub fn best(&self, side: Side) -> Option<(Ticks, Lots)> {
        let ladder = self.ladder(side);
        let p = ladder.best?;
        Some((Ticks(p), Lots(ladder.levels[&p].total)))
    }

    /// Best bid plus best ask: twice the mid price, exact.
    pub fn mid_x2(&self) -> Option<i64> {
        Some(self.bids.best? + self.asks.best?)
    }

    /// The mid price rounded down to a tick.
    pub fn mid(&self) -> Option<Ticks> {
        self.mid_x2().map(|m| Ticks(m.div_euclid(2)))
    }

    /// Number of resting orders.
    pub fn order_count(&self) -> usize {
        self.resting
    }

    /// Number of price levels on `side`.
    pub fn level_count(&self, side: Side) -> usize {
        self.ladder(side).levels.len()
    }

    /// The best `n` levels of `side`, best first (L2).
    pub fn depth(&self, side: Side, n: usize) -> impl Iterator<Item = LevelView> + '_ {
        self.ladder(side).iter().take(n).map(|(&p, l)| LevelView {
            price: Ticks(p),
            qty: Lots(l.total),
            orders: l.count,
        })
    }

    /// The orders resting at `price` on `side`, in priority order (L3).
    pub fn orders_at(&self, side: Side, price: Ticks) -> impl Iterator<Item = OrderView> + '_ {
        let mut cur = self
            .ladder(side)
            .levels
            .get(&price.0)
            .map_or(NIL, |l| l.head);
        std::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let slot = cur;
            cur = self.nodes[slot as usize].next;
            Some(self.view(slot))
        })
    }

    /// A resting order by id, or `None` if it is not resting.
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        self.live_slot(id).map(|slot| self.view(slot))
    }

    fn view(&self, slot: u32) -> OrderView {
        let n = &self.nodes[slot as usize];
        OrderView {
            id: make_id(n.generation, slot),
            owner: n.owner,
            side: n.side,
            price: n.price,
            qty: n.qty,
            entered: n.entered,
        }
    }

    fn live_slot(&self, id: OrderId) -> Option<u32> {
        let (generation, slot) = split_id(id);
        let n = self.nodes.get(slot as usize)?;
        (n.live && n.generation == generation).then_some(slot)
    }

    /// What a taker on `taker_side` would get for `qty` at prices no worse than `limit` (any
    /// price if `None`), without changing the book: (quantity that would fill, its value).
    pub fn sweep_preview(
        &self,
        taker_side: Side,
        qty: Lots,
        limit: Option<Ticks>,
    ) -> (Lots, Quote) {
        let mut left = qty.0;
        let mut value: u64 = 0;
        for (&p, level) in self.ladder(taker_side.opposite()).iter() {
            if left == 0 || !crosses(taker_side, p, limit) {
                break;
            }
            let q = left.min(level.total);
            value += q * u64::try_from(p).expect("book prices are positive");
            left -= q;
        }
        (Lots(qty.0 - left), Quote(value))
    }

    /// Submits a new order at `now`; returns the id it was given (also for rejected orders, so
    /// events can be matched to the request).
    pub fn submit(
        &mut self,
        now: SimTime,
        owner: AgentId,
        side: Side,
        qty: Lots,
        order_type: OrderType,
        sink: &mut impl BookSink,
    ) -> OrderId {
        let slot = self.alloc(owner, side, now);
        let id = make_id(self.nodes[slot as usize].generation, slot);
        let limit = order_type.limit();
        let opp_best = self.ladder(side.opposite()).best;
        let refusal = if qty.is_zero() {
            Some(RejectReason::ZeroQuantity)
        } else if limit.is_some_and(|p| p.0 <= 0) {
            Some(RejectReason::InvalidPrice)
        } else {
            match order_type {
                OrderType::PostOnly(p) if opp_best.is_some_and(|b| crosses(side, b, Some(p))) => {
                    Some(RejectReason::WouldTake)
                }
                OrderType::Fok(p) if self.sweep_preview(side, qty, Some(p)).0 < qty => {
                    Some(RejectReason::CannotFill)
                }
                _ => None,
            }
        };
        if let Some(reason) = refusal {
            self.release(slot);
            sink.on_event(BookEvent::Rejected { id, owner, reason });
            return id;
        }
        let left = self.match_incoming(id, owner, side, qty.0, limit, sink);
        if left == 0 {
            self.release(slot);
            return id;
        }
        match order_type {
            OrderType::Limit(p) | OrderType::PostOnly(p) => {
                self.rest(slot, p, Lots(left), now);
                sink.on_event(BookEvent::Placed {
                    id,
                    owner,
                    side,
                    price: p,
                    qty: Lots(left),
                });
            }
            OrderType::Ioc(_) | OrderType::Market | OrderType::Fok(_) => {
                debug_assert!(
                    !matches!(order_type, OrderType::Fok(_)),
                    "FOK left a remainder"
                );
                self.release(slot);
                let reason = if order_type == OrderType::Market {
                    CancelReason::NoLiquidity
                } else {
                    CancelReason::ImmediateOrCancel
                };
                sink.on_event(BookEvent::Cancelled {
                    id,
                    owner,
                    remaining: Lots(left),
                    reason,
                });
            }
        }
        id
    }

    /// Cancels a resting order.
    pub fn cancel(&mut self, _now: SimTime, id: OrderId, sink: &mut impl BookSink) {
        let Some(slot) = self.live_slot(id) else {
            let (_, slot) = split_id(id);
            let owner = self
                .nodes
                .get(slot as usize)
                .map_or(AgentId(u32::MAX), |n| n.owner);
            sink.on_event(BookEvent::Rejected {
                id,
                owner,
                reason: RejectReason::UnknownOrder,
            });
            return;
        };
        let (owner, remaining) = {
            let n = &self.nodes[slot as usize];
            (n.owner, n.qty)
        };
        self.unlink(slot);
        self.release(slot);
        sink.on_event(BookEvent::Cancelled {
            id,
            owner,
            remaining,
            reason: CancelReason::Requested,
        });
    }

    /// Changes a resting order's price and quantity. Reducing the quantity at the same price
    /// keeps the order's place in the queue; any other change (a new price, a larger quantity)
    /// sends it to the back of its new level, and a new price that crosses the book trades as an
    /// incoming order first. The order keeps its id throughout.
    pub fn modify(
        &mut self,
        now: SimTime,
        id: OrderId,
        price: Ticks,
        qty: Lots,
        sink: &mut impl BookSink,
    ) {
        let Some(slot) = self.live_slot(id) else {
            self.cancel(now, id, sink); // reports UnknownOrder
            return;
        };
        let n = &self.nodes[slot as usize];
        let (owner, side, old_price, old_qty) = (n.owner, n.side, n.price, n.qty);
        if qty.is_zero() {
            self.cancel(now, id, sink);
            return;
        }
        if price.0 <= 0 {
            sink.on_event(BookEvent::Rejected {
                id,
                owner,
                reason: RejectReason::InvalidPrice,
            });
            return;
        }
        if price == old_price && qty <= old_qty {
            if qty < old_qty {
                let by = old_qty.0 - qty.0;
                self.nodes[slot as usize].qty = qty;
                self.ladder_mut(side)
                    .levels
                    .get_mut(&price.0)
                    .expect("a live order's level exists")
                    .total -= by;
            }
            sink.on_event(BookEvent::Reduced { id, owner, qty });
            return;
        }
        // Loses priority: leave the level, trade if the new price crosses, rest the rest.
        self.unlink(slot);
        let left = self.match_incoming(id, owner, side, qty.0, Some(price), sink);
        if left == 0 {
            self.release(slot);
            return;
        }
        self.rest(slot, price, Lots(left), now);
        sink.on_event(BookEvent::Placed {
            id,
            owner,
            side,
            price,
            qty: Lots(left),
        });
    }

    /// Matches an incoming order against the opposite side; returns the quantity left.
    fn match_incoming(
        &mut self,
        taker: OrderId,
        taker_owner: AgentId,
        side: Side,
        mut left: u64,
        limit: Option<Ticks>,
        sink: &mut impl BookSink,
    ) -> u64 {
        let opp = match side {
            Side::Bid => &mut self.asks,
            Side::Ask => &mut self.bids,
        };
        let nodes = &mut self.nodes;
        while left > 0 {
            let Some(best) = opp.best else { break };
            if !crosses(side, best, limit) {
                break;
            }
            let level = opp.levels.get_mut(&best).expect("best level exists");
            while left > 0 && level.head != NIL {
                let head = level.head;
                let maker = &mut nodes[head as usize];
                let q = left.min(maker.qty.0);
                maker.qty.0 -= q;
                level.total -= q;
                left -= q;
                sink.on_event(BookEvent::Fill {
                    maker: make_id(maker.generation, head),
                    maker_owner: maker.owner,
                    taker,
                    taker_owner,
                    taker_side: side,
                    price: Ticks(best),
                    qty: Lots(q),
                    maker_remaining: maker.qty,
                });
                if maker.qty.is_zero() {
                    let next = maker.next;
                    level.head = next;
                    level.count -= 1;
                    if next == NIL {
                        level.tail = NIL;
                    } else {
                        nodes[next as usize].prev = NIL;
                    }
                    let done = &mut nodes[head as usize];
                    done.live = false;
                    done.generation = done.generation.wrapping_add(1);
                    self.free.push(head);
                    self.resting -= 1;
                }
            }
            if level.head == NIL {
                opp.levels.remove(&best);
                opp.recompute_best();
            }
        }
        left
    }

    fn ladder_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    /// Takes a slot for a new order (not yet in any level).
    fn alloc(&mut self, owner: AgentId, side: Side, now: SimTime) -> u32 {
        let node = |generation| Node {
            generation,
            live: false,
            owner,
            side,
            price: Ticks(0),
            qty: Lots(0),
            entered: now,
            prev: NIL,
            next: NIL,
        };
        match self.free.pop() {
            Some(slot) => {
                let g = self.nodes[slot as usize].generation;
                self.nodes[slot as usize] = node(g);
                slot
            }
            None => {
                let slot = u32::try_from(self.nodes.len()).expect("over 2^32 order slots");
                assert!(slot != NIL, "order slot space exhausted");
                self.nodes.push(node(0));
                slot
            }
        }
    }

    /// Returns a slot that holds no resting order to the free list; its old id goes stale.
    fn release(&mut self, slot: u32) {
        let n = &mut self.nodes[slot as usize];
        n.live = false;
        n.generation = n.generation.wrapping_add(1);
        self.free.push(slot);
    }

    /// Appends the order in `slot` to the back of its level at `price`.
    fn rest(&mut self, slot: u32, price: Ticks, qty: Lots, now: SimTime) {
        let side = {
            let n = &mut self.nodes[slot as usize];
            n.live = true;
            n.price = price;
            n.qty = qty;
            n.entered = now;
            n.next = NIL;
            n.side
        };
        let ladder = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let level = ladder.levels.entry(price.0).or_insert(Level {
            total: 0,
            count: 0,
            head: NIL,
            tail: NIL,
        });
        let tail = level.tail;
        level.tail = slot;
        if tail == NIL {
            level.head = slot;
        }
        level.total += qty.0;
        level.count += 1;
        if ladder.best.is_none_or(|b| ladder.better(price.0, b)) {
            ladder.best = Some(price.0);
        }
        self.nodes[slot as usize].prev = tail;
        if tail != NIL {
            self.nodes[tail as usize].next = slot;
        }
        self.resting += 1;
    }

    /// Removes the live order in `slot` from its level (the slot stays allocated).
    fn unlink(&mut self, slot: u32) {
        let (side, price, qty, prev, next) = {
            let n = &mut self.nodes[slot as usize];
            n.live = false;
            (n.side, n.price, n.qty, n.prev, n.next)
        };
        if prev != NIL {
            self.nodes[prev as usize].next = next;
        }
        if next != NIL {
            self.nodes[next as usize].prev = prev;
        }
        let ladder = self.ladder_mut(side);
        let level = ladder
            .levels
            .get_mut(&price.0)
            .expect("a live order's level exists");
        if prev == NIL {
            level.head = next;
        }
        if next == NIL {
            level.tail = prev;
        }
        level.total -= qty.0;
        level.count -= 1;
        if level.count == 0 {
            ladder.levels.remove(&price.0);
            if ladder.best == Some(price.0) {
                ladder.recompute_best();
            }
        }
        self.resting -= 1;
    }

    /// Checks the book's internal invariants; panics with a description on the first failure.
    /// Meant for tests and `--check-invariants` runs: O(orders).
    pub fn assert_consistent(&self) {
        if let (Some(b), Some(a)) = (self.bids.best, self.asks.best) {
            assert!(b < a, "book crossed: best bid {b} >= best ask {a}");
        }
        let mut resting = 0;
        for ladder in [&self.bids, &self.asks] {
            let want_best = match ladder.side {
                Side::Bid => ladder.levels.keys().next_back().copied(),
                Side::Ask => ladder.levels.keys().next().copied(),
            };
            assert_eq!(
                ladder.best, want_best,
                "{:?} best price cache is stale",
                ladder.side
            );
            for (&p, level) in &ladder.levels {
                let (mut total, mut count, mut cur, mut prev) = (0u64, 0u32, level.head, NIL);
                while cur != NIL {
                    let n = &self.nodes[cur as usize];
                    assert!(
                        n.live && n.side == ladder.side && n.price.0 == p,
                        "misplaced order"
                    );
                    assert!(n.qty.0 > 0, "empty order resting at {p}");
                    assert_eq!(n.prev, prev, "broken back link at {p}");
                    total += n.qty.0;
                    count += 1;
                    prev = cur;
                    cur = n.next;
                }
                assert_eq!(level.tail, prev, "stale tail at {p}");
                assert_eq!(
                    (level.total, level.count),
                    (total, count),
                    "level totals at {p}"
                );
                assert!(count > 0, "empty level {p} kept");
                resting += count as usize;
            }
        }
        assert_eq!(resting, self.resting, "resting order count");
    }
}

/// `true` if a taker on `side` with `limit` may trade against a resting price `p`.
fn crosses(side: Side, p: i64, limit: Option<Ticks>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Bid, Some(l)) => p <= l.0,
        (Side::Ask, Some(l)) => p >= l.0,
    }
}

#[cfg(test)]
mod tests;
