//! The book: two ladders of price levels, each level a FIFO list of orders in a shared slab.

mod ladder;

use crate::event::{
    BookEvent, BookSink, CancelReason, OrderType, RejectReason, SelfTradePrevention,
};
use cascade_types::{AgentId, Lots, OrderId, Quote, Side, SimTime, Ticks};
use ladder::{Ladder, NIL};

/// One order in the slab. A slot is reused after its order leaves; the generation in the high
/// half of an [`OrderId`] tells a stale id from the slot's current order.
#[derive(Clone, Debug)]
struct Node {
    generation: u32,
    live: bool,
    side: Side,
    owner: AgentId,
    price: Ticks,
    qty: Lots,
    entered: SimTime,
    prev: u32,
    next: u32,
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
    stp: SelfTradePrevention,
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

/// `true` if a taker on `side` with `limit` may trade against a resting price `p`.
#[inline]
fn crosses(side: Side, p: i64, limit: Option<Ticks>) -> bool {
    match (side, limit) {
        (_, None) => true,
        (Side::Bid, Some(l)) => p <= l.0,
        (Side::Ask, Some(l)) => p >= l.0,
    }
}

/// How an incoming order's matching ended.
struct Matched {
    left: u64,
    /// Self-trade prevention cancelled the incoming order's remainder.
    stp_stopped: bool,
}

impl Book {
    /// An empty book that lets an owner's orders trade with each other.
    pub fn new() -> Self {
        Book {
            nodes: Vec::new(),
            free: Vec::new(),
            bids: Ladder::new(Side::Bid),
            asks: Ladder::new(Side::Ask),
            resting: 0,
            stp: SelfTradePrevention::Allow,
        }
    }

    /// An empty book with a self-trade prevention policy for every order.
    pub fn with_self_trade_prevention(stp: SelfTradePrevention) -> Self {
        Book { stp, ..Book::new() }
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    fn ladder_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    /// The best bid price and the quantity resting there, in O(1).
    pub fn best_bid(&self) -> Option<(Ticks, Lots)> {
        self.best(Side::Bid)
    }

    /// The best ask price and the quantity resting there, in O(1).
    pub fn best_ask(&self) -> Option<(Ticks, Lots)> {
        self.best(Side::Ask)
    }

    /// The best price on `side` and the quantity resting there, in O(1).
    pub fn best(&self, side: Side) -> Option<(Ticks, Lots)> {
        let ladder = self.ladder(side);
        let p = ladder.best?;
        let level = ladder.get(p).expect("the best level is occupied");
        Some((Ticks(p), Lots(level.total)))
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
        self.ladder(side).count
    }

    /// The best `n` levels of `side`, best first (L2).
    pub fn depth(&self, side: Side, n: usize) -> impl Iterator<Item = LevelView> + '_ {
        self.ladder(side).iter().take(n).map(|(p, l)| LevelView {
            price: Ticks(p),
            qty: Lots(l.total),
            orders: l.count,
        })
    }

    /// The level at `price` on `side`, if any order rests there.
    pub fn level(&self, side: Side, price: Ticks) -> Option<LevelView> {
        self.ladder(side).get(price.0).map(|l| LevelView {
            price,
            qty: Lots(l.total),
            orders: l.count,
        })
    }

    /// The orders resting at `price` on `side`, in priority order (L3).
    pub fn orders_at(&self, side: Side, price: Ticks) -> impl Iterator<Item = OrderView> + '_ {
        let mut cur = self.ladder(side).get(price.0).map_or(NIL, |l| l.head);
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

    #[inline]
    fn live_slot(&self, id: OrderId) -> Option<u32> {
        let (generation, slot) = split_id(id);
        let n = self.nodes.get(slot as usize)?;
        (n.live && n.generation == generation).then_some(slot)
    }

    /// What a taker on `taker_side` would get for `qty` at prices no worse than `limit` (any
    /// price if `None`), without changing the book: (quantity that would fill, its value).
    /// Self-trade prevention is not applied (see [`Book::fillable`] for an owner's view).
    pub fn sweep_preview(
        &self,
        taker_side: Side,
        qty: Lots,
        limit: Option<Ticks>,
    ) -> (Lots, Quote) {
        let mut left = qty.0;
        let mut value: u64 = 0;
        for (p, level) in self.ladder(taker_side.opposite()).iter() {
            if left == 0 || !crosses(taker_side, p, limit) {
                break;
            }
            let q = left.min(level.total);
            value += q * u64::try_from(p).expect("book prices are positive");
            left -= q;
        }
        (Lots(qty.0 - left), Quote(value))
    }

    /// The quantity `owner` could fill now on `taker_side` up to `limit`, under the book's
    /// self-trade prevention (own orders are skipped or stop the sweep, as matching would).
    pub fn fillable(
        &self,
        owner: AgentId,
        taker_side: Side,
        qty: Lots,
        limit: Option<Ticks>,
    ) -> Lots {
        if self.stp == SelfTradePrevention::Allow {
            return self.sweep_preview(taker_side, qty, limit).0;
        }
        let mut left = qty.0;
        for (p, level) in self.ladder(taker_side.opposite()).iter() {
            if left == 0 || !crosses(taker_side, p, limit) {
                break;
            }
            let mut cur = level.head;
            while cur != NIL && left > 0 {
                let n = &self.nodes[cur as usize];
                if n.owner == owner {
                    if self.stp != SelfTradePrevention::CancelResting {
                        return Lots(qty.0 - left);
                    }
                } else {
                    left -= left.min(n.qty.0);
                }
                cur = n.next;
            }
        }
        Lots(qty.0 - left)
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
        let refusal = if qty.is_zero() {
            Some(RejectReason::ZeroQuantity)
        } else if limit.is_some_and(|p| p.0 <= 0) {
            Some(RejectReason::InvalidPrice)
        } else if matches!(order_type, OrderType::Limit(p) | OrderType::PostOnly(p) if !self.ladder(side).can_hold(p.0))
        {
            Some(RejectReason::PriceOutOfRange)
        } else {
            let opp_best = self.ladder(side.opposite()).best;
            match order_type {
                OrderType::PostOnly(p) if opp_best.is_some_and(|b| crosses(side, b, Some(p))) => {
                    Some(RejectReason::WouldTake)
                }
                OrderType::Fok(p) if self.fillable(owner, side, qty, Some(p)) < qty => {
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
        let m = self.match_incoming(id, owner, side, qty.0, limit, sink);
        if m.left == 0 {
            self.release(slot);
            return id;
        }
        let reason = if m.stp_stopped {
            Some(CancelReason::SelfTrade)
        } else {
            match order_type {
                OrderType::Limit(_) | OrderType::PostOnly(_) => None,
                OrderType::Market => Some(CancelReason::NoLiquidity),
                OrderType::Ioc(_) | OrderType::Fok(_) => Some(CancelReason::ImmediateOrCancel),
            }
        };
        match (reason, order_type.limit()) {
            (None, Some(p)) => {
                self.rest(slot, p, Lots(m.left), now);
                sink.on_event(BookEvent::Placed {
                    id,
                    owner,
                    side,
                    price: p,
                    qty: Lots(m.left),
                });
            }
            (reason, _) => {
                self.release(slot);
                sink.on_event(BookEvent::Cancelled {
                    id,
                    owner,
                    remaining: Lots(m.left),
                    reason: reason.unwrap_or(CancelReason::NoLiquidity),
                });
            }
        }
        id
    }

    /// Cancels a resting order.
    pub fn cancel(&mut self, _now: SimTime, id: OrderId, sink: &mut impl BookSink) {
        let Some(slot) = self.live_slot(id) else {
            self.reject_unknown(id, sink);
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

    fn reject_unknown(&self, id: OrderId, sink: &mut impl BookSink) {
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
    }

    /// Takes `by` off a resting order in place, keeping its queue position (a partial cancel,
    /// or an execution reported by an exchange feed); the order leaves the book at zero.
    /// Reducing by more than the order holds is rejected.
    pub fn reduce(&mut self, now: SimTime, id: OrderId, by: Lots, sink: &mut impl BookSink) {
        let Some(slot) = self.live_slot(id) else {
            self.reject_unknown(id, sink);
            return;
        };
        let (owner, side, price, qty) = {
            let n = &self.nodes[slot as usize];
            (n.owner, n.side, n.price, n.qty)
        };
        if by > qty || by.is_zero() {
            sink.on_event(BookEvent::Rejected {
                id,
                owner,
                reason: RejectReason::InvalidReduction,
            });
            return;
        }
        if by == qty {
            self.cancel(now, id, sink);
            return;
        }
        self.nodes[slot as usize].qty = Lots(qty.0 - by.0);
        self.ladder_mut(side)
            .get_mut(price.0)
            .expect("a live order's level exists")
            .total -= by.0;
        sink.on_event(BookEvent::Reduced {
            id,
            owner,
            qty: Lots(qty.0 - by.0),
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
            self.reject_unknown(id, sink);
            return;
        };
        let n = &self.nodes[slot as usize];
        let (owner, side, old_price, old_qty) = (n.owner, n.side, n.price, n.qty);
        if qty.is_zero() {
            self.cancel(now, id, sink);
            return;
        }
        let refusal = if price.0 <= 0 {
            Some(RejectReason::InvalidPrice)
        } else if !self.ladder(side).can_hold(price.0) {
            Some(RejectReason::PriceOutOfRange)
        } else {
            None
        };
        if let Some(reason) = refusal {
            sink.on_event(BookEvent::Rejected { id, owner, reason });
            return;
        }
        if price == old_price && qty <= old_qty {
            if qty < old_qty {
                self.reduce(now, id, Lots(old_qty.0 - qty.0), sink);
            } else {
                sink.on_event(BookEvent::Reduced { id, owner, qty });
            }
            return;
        }
        // Loses priority: leave the level, trade if the new price crosses, rest the rest.
        self.unlink(slot);
        let m = self.match_incoming(id, owner, side, qty.0, Some(price), sink);
        if m.left == 0 {
            self.release(slot);
        } else if m.stp_stopped {
            self.release(slot);
            sink.on_event(BookEvent::Cancelled {
                id,
                owner,
                remaining: Lots(m.left),
                reason: CancelReason::SelfTrade,
            });
        } else {
            self.rest(slot, price, Lots(m.left), now);
            sink.on_event(BookEvent::Placed {
                id,
                owner,
                side,
                price,
                qty: Lots(m.left),
            });
        }
    }

    /// Matches an incoming order against the opposite side.
    fn match_incoming(
        &mut self,
        taker: OrderId,
        taker_owner: AgentId,
        side: Side,
        mut left: u64,
        limit: Option<Ticks>,
        sink: &mut impl BookSink,
    ) -> Matched {
        let stp = self.stp;
        let (opp, nodes, free) = match side {
            Side::Bid => (&mut self.asks, &mut self.nodes, &mut self.free),
            Side::Ask => (&mut self.bids, &mut self.nodes, &mut self.free),
        };
        let mut removed = 0usize;
        let mut stp_stopped = false;
        'levels: while left > 0 {
            let Some(best) = opp.best else { break };
            if !crosses(side, best, limit) {
                break;
            }
            let level = opp.get_mut(best).expect("best level exists");
            let mut cur = level.head;
            while left > 0 && cur != NIL {
                let maker = &mut nodes[cur as usize];
                let next = maker.next;
                if maker.owner == taker_owner && stp != SelfTradePrevention::Allow {
                    if stp == SelfTradePrevention::CancelIncoming {
                        stp_stopped = true;
                        break 'levels;
                    }
                    // CancelResting or CancelBoth: the resting order goes.
                    let remaining = maker.qty;
                    sink.on_event(BookEvent::Cancelled {
                        id: make_id(maker.generation, cur),
                        owner: maker.owner,
                        remaining,
                        reason: CancelReason::SelfTrade,
                    });
                    unlink_in_level(nodes, level, cur);
                    level.total -= remaining.0;
                    retire(nodes, free, cur);
                    removed += 1;
                    cur = next;
                    if stp == SelfTradePrevention::CancelBoth {
                        stp_stopped = true;
                        if level.count == 0 {
                            opp.unmark(best);
                        }
                        break 'levels;
                    }
                    continue;
                }
                let q = left.min(maker.qty.0);
                maker.qty.0 -= q;
                level.total -= q;
                left -= q;
                sink.on_event(BookEvent::Fill {
                    maker: make_id(maker.generation, cur),
                    maker_owner: maker.owner,
                    taker,
                    taker_owner,
                    taker_side: side,
                    price: Ticks(best),
                    qty: Lots(q),
                    maker_remaining: maker.qty,
                });
                if maker.qty.is_zero() {
                    unlink_in_level(nodes, level, cur);
                    retire(nodes, free, cur);
                    removed += 1;
                }
                cur = next;
            }
            if level.count == 0 {
                opp.unmark(best);
            }
        }
        self.resting -= removed;
        Matched { left, stp_stopped }
    }

    /// Takes a slot for a new order (not yet in any level).
    fn alloc(&mut self, owner: AgentId, side: Side, now: SimTime) -> u32 {
        let node = |generation| Node {
            generation,
            live: false,
            side,
            owner,
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
        retire(&mut self.nodes, &mut self.free, slot);
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
        let level = ladder.entry(price.0);
        let tail = level.tail;
        level.tail = slot;
        if tail == NIL {
            level.head = slot;
        }
        level.total += qty.0;
        level.count += 1;
        let first = level.count == 1;
        if first {
            ladder.mark(price.0);
        }
        self.nodes[slot as usize].prev = tail;
        if tail != NIL {
            self.nodes[tail as usize].next = slot;
        }
        self.resting += 1;
    }

    /// Removes the live order in `slot` from its level (the slot stays allocated).
    fn unlink(&mut self, slot: u32) {
        let (side, price, qty) = {
            let n = &self.nodes[slot as usize];
            (n.side, n.price, n.qty)
        };
        let ladder = match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        };
        let level = ladder
            .get_mut(price.0)
            .expect("a live order's level exists");
        unlink_in_level(&mut self.nodes, level, slot);
        level.total -= qty.0;
        if level.count == 0 {
            ladder.unmark(price.0);
        }
        self.nodes[slot as usize].live = false;
        self.resting -= 1;
    }

    /// Checks the book's internal invariants and panics with a description on the first
    /// failure (tests); see [`Book::check_consistent`].
    pub fn assert_consistent(&self) {
        if let Err(e) = self.check_consistent() {
            panic!("{e}");
        }
    }

    /// Checks the book's internal invariants: not crossed, the best-price caches and level
    /// counts right, every level's totals equal to its queue, links intact. O(orders + levels).
    pub fn check_consistent(&self) -> Result<(), String> {
        macro_rules! ensure {
            ($cond:expr, $($fmt:tt)+) => {
                if !$cond {
                    return Err(format!($($fmt)+));
                }
            };
        }
        if let (Some(b), Some(a)) = (self.bids.best, self.asks.best) {
            ensure!(b < a, "book crossed: best bid {b} >= best ask {a}");
        }
        let mut resting = 0;
        for ladder in [&self.bids, &self.asks] {
            let prices = ladder.prices_ascending();
            let want_best = match ladder.side {
                Side::Bid => prices.last().copied(),
                Side::Ask => prices.first().copied(),
            };
            ensure!(
                ladder.best == want_best,
                "{:?} best price cache is {:?}, levels say {:?}",
                ladder.side,
                ladder.best,
                want_best
            );
            ensure!(
                ladder.count == prices.len(),
                "{:?} level count {} != {}",
                ladder.side,
                ladder.count,
                prices.len()
            );
            let walked: Vec<i64> = ladder.iter().map(|(p, _)| p).collect();
            let mut want_walk = prices.clone();
            if ladder.side == Side::Bid {
                want_walk.reverse();
            }
            ensure!(
                walked == want_walk,
                "{:?} level iteration order is wrong",
                ladder.side
            );
            for &p in &prices {
                let Some(level) = ladder.get(p) else {
                    return Err(format!("listed level {p} is not occupied"));
                };
                let (mut total, mut count, mut cur, mut prev) = (0u64, 0u32, level.head, NIL);
                while cur != NIL {
                    let n = &self.nodes[cur as usize];
                    ensure!(
                        n.live && n.side == ladder.side && n.price.0 == p,
                        "misplaced order in level {p}"
                    );
                    ensure!(n.qty.0 > 0, "empty order resting at {p}");
                    ensure!(n.prev == prev, "broken back link at {p}");
                    total += n.qty.0;
                    count += 1;
                    prev = cur;
                    cur = n.next;
                }
                ensure!(level.tail == prev, "stale tail at {p}");
                ensure!(
                    (level.total, level.count) == (total, count),
                    "level {p} says {} lots in {} orders, its queue holds {total} in {count}",
                    level.total,
                    level.count
                );
                resting += count as usize;
            }
        }
        ensure!(
            resting == self.resting,
            "resting order count {} != {resting}",
            self.resting
        );
        Ok(())
    }
}

/// Unlinks `slot` from `level`'s queue and counts it out (totals are the caller's).
#[inline]
fn unlink_in_level(nodes: &mut [Node], level: &mut ladder::Level, slot: u32) {
    let (prev, next) = {
        let n = &nodes[slot as usize];
        (n.prev, n.next)
    };
    if prev == NIL {
        level.head = next;
    } else {
        nodes[prev as usize].next = next;
    }
    if next == NIL {
        level.tail = prev;
    } else {
        nodes[next as usize].prev = prev;
    }
    level.count -= 1;
}

/// Marks a slot free and bumps its generation so its old id goes stale.
#[inline]
fn retire(nodes: &mut [Node], free: &mut Vec<u32>, slot: u32) {
    let n = &mut nodes[slot as usize];
    n.live = false;
    n.generation = n.generation.wrapping_add(1);
    free.push(slot);
}

#[cfg(test)]
mod tests;
