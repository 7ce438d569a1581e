//! Replaying an exchange's message feed into the book and checking it against the exchange's
//! own depth snapshots (LOBSTER format: NASDAQ TotalView-ITCH reconstructions).
//!
//! A LOBSTER message file lists every event that touched the visible levels; its orderbook file
//! holds the top `L` levels after each message. The replay seeds the book from the first
//! snapshot (one synthetic order per level, standing for the orders that were resting before
//! the sample began), applies each message as the exchange did (type 1 adds a limit order; 2 and
//! 4 take size off a resting order, keeping its priority; 3 deletes it; 5, 6 and 7 leave the book
//! as it is), and compares the top `levels` levels with the next snapshot.
//!
//! Levels below the visible depth are invisible to the message file: orders there come and go
//! without a message. When such a level comes into view (it lies beyond the previous snapshot's
//! last visible level), the replay adopts it from the snapshot and counts a *reveal*. Anything
//! else that differs is an *unexplained mismatch*; the replay then resynchronises the visible
//! levels from the snapshot, so one error does not cascade into the rest of the count.
//!
//! Orders resting before the sample have no known id. A message about an unknown id takes its
//! size off the synthetic order at its price (LOBSTER messages carry price and side).

use crate::{Book, OrderType};
use cascade_types::{AgentId, Lots, OrderId, Side, SimTime, Ticks};
use indexmap::IndexMap;
use rustc_hash::FxBuildHasher;
use std::collections::BTreeMap;

/// What a LOBSTER message says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// 1: a new limit order.
    Submit,
    /// 2: part of a resting order cancelled.
    PartialCancel,
    /// 3: a resting order deleted.
    Delete,
    /// 4: a visible resting order executed (in part or whole).
    ExecuteVisible,
    /// 5: a hidden order executed; the visible book is unchanged.
    ExecuteHidden,
    /// 6: a cross (auction) trade; the visible book is unchanged.
    Cross,
    /// 7: a trading halt indicator; the book is unchanged.
    Halt,
}

impl MessageKind {
    /// From LOBSTER's event type number.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => MessageKind::Submit,
            2 => MessageKind::PartialCancel,
            3 => MessageKind::Delete,
            4 => MessageKind::ExecuteVisible,
            5 => MessageKind::ExecuteHidden,
            6 => MessageKind::Cross,
            7 => MessageKind::Halt,
            _ => return None,
        })
    }
}

/// One message, with prices in the replay's ticks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Message {
    /// Seconds after midnight.
    pub time: f64,
    /// What happened.
    pub kind: MessageKind,
    /// The exchange's order id.
    pub order_id: u64,
    /// Shares.
    pub size: u64,
    /// Price in ticks.
    pub price: i64,
    /// The side of the resting order concerned (LOBSTER direction 1 = buy = bid).
    pub side: Side,
}

/// The visible depth after a message: levels best first, empty levels left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepthRow {
    /// Bid levels (price in ticks, size), best first.
    pub bids: Vec<(i64, u64)>,
    /// Ask levels, best first.
    pub asks: Vec<(i64, u64)>,
}

impl DepthRow {
    /// The first `n` levels of each side.
    pub fn truncated(&self, n: usize) -> DepthRow {
        DepthRow {
            bids: self.bids.iter().take(n).copied().collect(),
            asks: self.asks.iter().take(n).copied().collect(),
        }
    }

    fn side(&self, side: Side) -> &[(i64, u64)] {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }
}

/// How one snapshot compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The replayed top levels equal the snapshot.
    Exact,
    /// They did once levels revealed from below the visible depth were adopted.
    Revealed,
    /// They did not; the visible levels were resynchronised from the snapshot.
    Unexplained,
}

/// Counts over a replay.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplayStats {
    /// Snapshots compared.
    pub transitions: u64,
    /// Exact matches.
    pub exact: u64,
    /// Matches after adopting revealed deeper levels.
    pub reveals: u64,
    /// Unexplained mismatches.
    pub unexplained: u64,
    /// Messages about ids the replay never saw (orders from before the sample).
    pub unknown_ids: u64,
    /// Snapshots in which a level came into view from below the previous snapshot's visible
    /// depth (known to the replay or not): what a replay without memory of deeper levels would
    /// have to take from the file.
    pub surfaced: u64,
}

/// The owner recorded on replayed orders.
const FEED: AgentId = AgentId(0);

/// A book being replayed from a message feed.
#[derive(Clone)]
pub struct Replayer {
    book: Book,
    levels: usize,
    ids: IndexMap<u64, OrderId, FxBuildHasher>,
    /// Stand-ins for orders of unknown id, one per (side, price).
    synthetic: BTreeMap<(bool, i64), OrderId>,
    prev: DepthRow,
    stats: ReplayStats,
    now: SimTime,
}

fn key(side: Side, price: i64) -> (bool, i64) {
    (side == Side::Bid, price)
}

impl Replayer {
    /// Seeds a book from a snapshot and compares the top `levels` levels from then on.
    pub fn new(seed: &DepthRow, levels: usize) -> Self {
        let mut r = Replayer {
            book: Book::new(),
            levels,
            ids: IndexMap::with_hasher(FxBuildHasher),
            synthetic: BTreeMap::new(),
            prev: seed.truncated(levels),
            stats: ReplayStats::default(),
            now: SimTime::ZERO,
        };
        for side in [Side::Bid, Side::Ask] {
            for &(p, q) in seed.side(side) {
                r.set_level(side, p, q);
            }
        }
        r
    }

    /// The book as replayed so far.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// Counts so far.
    pub fn stats(&self) -> ReplayStats {
        self.stats
    }

    /// Applies one message to the book.
    pub fn apply(&mut self, m: &Message) {
        self.now = SimTime((m.time.max(0.0) * 1e9) as u64);
        match m.kind {
            MessageKind::Submit => {
                let id = self.book.submit(
                    self.now,
                    FEED,
                    m.side,
                    Lots(m.size),
                    OrderType::Limit(Ticks(m.price)),
                    &mut (),
                );
                if self.book.order(id).is_some() {
                    self.ids.insert(m.order_id, id);
                }
            }
            MessageKind::PartialCancel | MessageKind::ExecuteVisible | MessageKind::Delete => {
                let known = self.ids.get(&m.order_id).copied().and_then(|id| {
                    let o = self.book.order(id)?;
                    Some((id, o.qty))
                });
                match known {
                    Some((id, qty)) => {
                        let by = if m.kind == MessageKind::Delete {
                            qty
                        } else {
                            Lots(m.size.min(qty.0))
                        };
                        self.book.reduce(self.now, id, by, &mut ());
                        if self.book.order(id).is_none() {
                            self.ids.swap_remove(&m.order_id);
                        }
                    }
                    None => {
                        self.stats.unknown_ids += 1;
                        self.take_from_synthetic(m.side, m.price, m.size);
                    }
                }
            }
            MessageKind::ExecuteHidden | MessageKind::Cross | MessageKind::Halt => {}
        }
    }

    fn take_from_synthetic(&mut self, side: Side, price: i64, size: u64) {
        let Some(&id) = self.synthetic.get(&key(side, price)) else {
            return;
        };
        let Some(o) = self.book.order(id) else {
            self.synthetic.remove(&key(side, price));
            return;
        };
        self.book
            .reduce(self.now, id, Lots(size.min(o.qty.0)), &mut ());
        if self.book.order(id).is_none() {
            self.synthetic.remove(&key(side, price));
        }
    }

    /// `true` if the replayed top levels equal `want` (no allocation: this runs per message).
    fn top_equals(&self, want: &DepthRow) -> bool {
        [Side::Bid, Side::Ask].into_iter().all(|side| {
            let w = want.side(side);
            let mut ours = self.book.depth(side, self.levels);
            w.iter()
                .all(|&(p, q)| ours.next().is_some_and(|l| l.price.0 == p && l.qty.0 == q))
                && ours.next().is_none()
        })
    }

    /// The replayed top `levels` levels.
    pub fn top(&self) -> DepthRow {
        let side = |s| {
            self.book
                .depth(s, self.levels)
                .map(|l| (l.price.0, l.qty.0))
                .collect()
        };
        DepthRow {
            bids: side(Side::Bid),
            asks: side(Side::Ask),
        }
    }

    /// Compares the replayed book with the exchange's snapshot after the last message, adopting
    /// revealed levels, and counts the outcome.
    pub fn check(&mut self, snapshot: &DepthRow) -> Check {
        let want = snapshot.truncated(self.levels);
        self.stats.transitions += 1;
        let surfaced = [Side::Bid, Side::Ask].into_iter().any(|side| {
            self.hidden_beyond(side)
                .is_some_and(|edge| want.side(side).iter().any(|&(p, _)| beyond(side, p, edge)))
        });
        if surfaced {
            self.stats.surfaced += 1;
        }
        let outcome = if self.top_equals(&want) {
            Check::Exact
        } else {
            for side in [Side::Bid, Side::Ask] {
                let hidden_from = self.hidden_beyond(side);
                if let Some(edge) = hidden_from {
                    self.adopt(side, &want, |p| beyond(side, p, edge));
                }
            }
            if self.top() == want {
                Check::Revealed
            } else {
                for side in [Side::Bid, Side::Ask] {
                    self.adopt(side, &want, |_| true);
                }
                Check::Unexplained
            }
        };
        match outcome {
            Check::Exact => self.stats.exact += 1,
            Check::Revealed => self.stats.reveals += 1,
            Check::Unexplained => self.stats.unexplained += 1,
        }
        self.prev = want;
        outcome
    }

    /// The last visible price of the previous snapshot on `side` if it showed a full `levels`
    /// levels (so deeper levels existed unseen); `None` if the whole side was visible.
    fn hidden_beyond(&self, side: Side) -> Option<i64> {
        let prev = self.prev.side(side);
        (prev.len() >= self.levels).then(|| prev[prev.len() - 1].0)
    }

    /// Makes the book's levels of `side` that lie within the snapshot's visible window and
    /// satisfy `select` equal to the snapshot.
    fn adopt(&mut self, side: Side, want: &DepthRow, select: impl Fn(i64) -> bool) {
        let levels = want.side(side);
        let window_end = (levels.len() >= self.levels).then(|| levels[levels.len() - 1].0);
        let in_window = |p: i64| window_end.is_none_or(|e| !beyond(side, p, e));
        let ours: Vec<(i64, u64)> = self
            .book
            .depth(side, usize::MAX)
            .map(|l| (l.price.0, l.qty.0))
            .take_while(|&(p, _)| in_window(p))
            .collect();
        for (p, _) in ours {
            if select(p) && !levels.iter().any(|&(q, _)| q == p) {
                self.set_level(side, p, 0);
            }
        }
        for &(p, q) in levels {
            if select(p) {
                self.set_level(side, p, q);
            }
        }
    }

    /// Makes the level at `price` hold exactly `qty`: a larger level grows by a synthetic order
    /// at the back; a smaller one shrinks from the synthetic order first, then from the newest
    /// orders.
    fn set_level(&mut self, side: Side, price: i64, qty: u64) {
        let have = self.book.level(side, Ticks(price)).map_or(0, |l| l.qty.0);
        if qty > have {
            let add = qty - have;
            match self
                .synthetic
                .get(&key(side, price))
                .copied()
                .filter(|&id| self.book.order(id).is_some())
            {
                Some(id) => {
                    let o = self.book.order(id).expect("checked");
                    self.book
                        .modify(self.now, id, Ticks(price), Lots(o.qty.0 + add), &mut ());
                }
                None => {
                    let id = self.book.submit(
                        self.now,
                        FEED,
                        side,
                        Lots(add),
                        OrderType::Limit(Ticks(price)),
                        &mut (),
                    );
                    self.synthetic.insert(key(side, price), id);
                }
            }
        } else if qty < have {
            let mut cut = have - qty;
            let synthetic = self.synthetic.get(&key(side, price)).copied();
            if let Some((id, o)) = synthetic.and_then(|id| Some((id, self.book.order(id)?))) {
                let by = cut.min(o.qty.0);
                self.book.reduce(self.now, id, Lots(by), &mut ());
                cut -= by;
            }
            let newest_first: Vec<_> = self.book.orders_at(side, Ticks(price)).collect();
            for o in newest_first.into_iter().rev() {
                if cut == 0 {
                    break;
                }
                let by = cut.min(o.qty.0);
                self.book.reduce(self.now, o.id, Lots(by), &mut ());
                cut -= by;
            }
        }
    }
}

/// `true` if `p` lies beyond `edge` on `side` (lower for bids, higher for asks).
fn beyond(side: Side, p: i64, edge: i64) -> bool {
    match side {
        Side::Bid => p < edge,
        Side::Ask => p > edge,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kind: u8, id: u64, size: u64, price: i64, bid: bool) -> Message {
        Message {
            time: 0.0,
            kind: MessageKind::from_code(kind).unwrap(),
            order_id: id,
            size,
            price,
            side: if bid { Side::Bid } else { Side::Ask },
        }
    }

    fn row(bids: &[(i64, u64)], asks: &[(i64, u64)]) -> DepthRow {
        DepthRow {
            bids: bids.to_vec(),
            asks: asks.to_vec(),
        }
    }

    /// Two-level book: an add, an execution of a pre-existing order, a delete of a known order.
    #[test]
    fn messages_change_the_book_as_the_exchange_did() {
        let seed = row(&[(100, 5), (99, 7)], &[(102, 4), (103, 1)]);
        let mut r = Replayer::new(&seed, 2);
        r.apply(&msg(1, 42, 3, 101, true));
        assert_eq!(
            r.check(&row(&[(101, 3), (100, 5)], &[(102, 4), (103, 1)])),
            Check::Exact
        );
        // Execution of 2 shares of an order from before the sample, at 102.
        r.apply(&msg(4, 7, 2, 102, false));
        assert_eq!(
            r.check(&row(&[(101, 3), (100, 5)], &[(102, 2), (103, 1)])),
            Check::Exact
        );
        // Delete the order we added: the 99 level, hidden at depth 3 before, surfaces unchanged.
        r.apply(&msg(3, 42, 3, 101, true));
        assert_eq!(
            r.check(&row(&[(100, 5), (99, 7)], &[(102, 2), (103, 1)])),
            Check::Exact
        );
        // Hidden execution: nothing changes.
        r.apply(&msg(5, 0, 9, 101, true));
        assert_eq!(
            r.check(&row(&[(100, 5), (99, 7)], &[(102, 2), (103, 1)])),
            Check::Exact
        );
        assert_eq!(r.stats().unknown_ids, 1);
    }

    /// A level below the visible depth surfaces with a size no message explains: a reveal.
    #[test]
    fn deeper_levels_are_revealed_and_adopted() {
        let seed = row(&[(100, 5), (99, 7)], &[(102, 4)]);
        let mut r = Replayer::new(&seed, 2);
        // The 100 bid is deleted (an order from before the sample); depth 2 now shows 98 x 11,
        // which the replay could not know.
        r.apply(&msg(3, 1, 5, 100, true));
        assert_eq!(
            r.check(&row(&[(99, 7), (98, 11)], &[(102, 4)])),
            Check::Revealed
        );
        assert_eq!(r.book().level(Side::Bid, Ticks(98)).unwrap().qty, Lots(11));
        // A change inside the visible window that no message explains is unexplained, and the
        // replay resynchronises.
        assert_eq!(
            r.check(&row(&[(99, 6), (98, 11)], &[(102, 4)])),
            Check::Unexplained
        );
        assert_eq!(r.top(), row(&[(99, 6), (98, 11)], &[(102, 4)]));
        // The ask side showed fewer levels than the depth: nothing was hidden there, so a new
        // ask level without a message is unexplained, not a reveal.
        assert_eq!(
            r.check(&row(&[(99, 6), (98, 11)], &[(102, 4), (104, 1)])),
            Check::Unexplained
        );
        let s = r.stats();
        assert_eq!(
            (s.transitions, s.exact, s.reveals, s.unexplained),
            (3, 0, 1, 2)
        );
    }

    /// A stale deeper level the replay still holds, removed unseen, is dropped when it would
    /// come into view.
    #[test]
    fn stale_deeper_levels_are_dropped_when_revealed() {
        let seed = row(&[(100, 5), (99, 7), (98, 3)], &[(102, 4)]);
        let mut r = Replayer::new(&seed, 2);
        r.apply(&msg(3, 1, 5, 100, true));
        // The book says 98 x 3 is next; the exchange shows 97 x 2 (98 was cancelled unseen).
        assert_eq!(
            r.check(&row(&[(99, 7), (97, 2)], &[(102, 4)])),
            Check::Revealed
        );
        assert!(r.book().level(Side::Bid, Ticks(98)).is_none());
    }
}
