use super::*;
use cascade_des::RngStreams;
use rand_chacha::rand_core::Rng;

const T: SimTime = SimTime(0);
const A: AgentId = AgentId(1);
const B: AgentId = AgentId(2);
const C: AgentId = AgentId(3);

fn limit(book: &mut Book, owner: AgentId, side: Side, price: i64, qty: u64) -> OrderId {
    book.submit(
        T,
        owner,
        side,
        Lots(qty),
        OrderType::Limit(Ticks(price)),
        &mut (),
    )
}

fn fills(events: &[BookEvent]) -> Vec<(OrderId, i64, u64)> {
    events
        .iter()
        .filter_map(|e| match *e {
            BookEvent::Fill {
                maker, price, qty, ..
            } => Some((maker, price.0, qty.0)),
            _ => None,
        })
        .collect()
}

#[test]
fn limit_orders_rest_and_report_best_prices() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Bid, 99, 5);
    limit(&mut book, A, Side::Bid, 100, 3);
    limit(&mut book, B, Side::Ask, 102, 4);
    limit(&mut book, B, Side::Ask, 101, 2);
    assert_eq!(book.best_bid(), Some((Ticks(100), Lots(3))));
    assert_eq!(book.best_ask(), Some((Ticks(101), Lots(2))));
    assert_eq!(book.mid_x2(), Some(201));
    assert_eq!(book.mid(), Some(Ticks(100)));
    let bids: Vec<_> = book
        .depth(Side::Bid, 5)
        .map(|l| (l.price.0, l.qty.0))
        .collect();
    assert_eq!(bids, [(100, 3), (99, 5)]);
    book.assert_consistent();
}

/// A sell of 10 lots walks three bid levels; within a level the older order fills first.
#[test]
fn a_market_order_walks_levels_in_price_then_time_order() {
    let mut book = Book::new();
    let a1 = limit(&mut book, A, Side::Bid, 100, 3);
    let b1 = limit(&mut book, B, Side::Bid, 100, 2);
    let c1 = limit(&mut book, C, Side::Bid, 99, 4);
    let a2 = limit(&mut book, A, Side::Bid, 98, 5);
    let mut ev = Vec::new();
    book.submit(T, C, Side::Ask, Lots(10), OrderType::Market, &mut ev);
    assert_eq!(
        fills(&ev),
        [(a1, 100, 3), (b1, 100, 2), (c1, 99, 4), (a2, 98, 1)]
    );
    // 3*100 + 2*100 + 4*99 + 1*98 = 994 quote atoms
    let value: i64 = fills(&ev).iter().map(|&(_, p, q)| p * q as i64).sum();
    assert_eq!(value, 994);
    assert_eq!(book.best_bid(), Some((Ticks(98), Lots(4))));
    assert_eq!(book.order(a2).unwrap().qty, Lots(4));
    assert!(book.order(a1).is_none());
    book.assert_consistent();
}

#[test]
fn a_market_order_beyond_the_book_cancels_its_remainder() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Ask, 105, 2);
    let mut ev = Vec::new();
    let id = book.submit(T, B, Side::Bid, Lots(5), OrderType::Market, &mut ev);
    assert_eq!(fills(&ev).len(), 1);
    assert_eq!(
        ev.last(),
        Some(&BookEvent::Cancelled {
            id,
            owner: B,
            remaining: Lots(3),
            reason: CancelReason::NoLiquidity
        })
    );
    assert_eq!(book.best_ask(), None);
    assert_eq!(book.order_count(), 0);
}

#[test]
fn a_crossing_limit_order_trades_then_rests_its_remainder() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Ask, 101, 2);
    limit(&mut book, A, Side::Ask, 103, 2);
    let mut ev = Vec::new();
    let id = book.submit(
        T,
        B,
        Side::Bid,
        Lots(5),
        OrderType::Limit(Ticks(102)),
        &mut ev,
    );
    assert_eq!(
        fills(&ev).iter().map(|f| (f.1, f.2)).collect::<Vec<_>>(),
        [(101, 2)]
    );
    assert_eq!(book.best_bid(), Some((Ticks(102), Lots(3))));
    assert_eq!(book.best_ask(), Some((Ticks(103), Lots(2))));
    assert_eq!(book.order(id).unwrap().qty, Lots(3));
    book.assert_consistent();
}

#[test]
fn ioc_fills_to_its_limit_and_cancels_the_rest() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Bid, 100, 2);
    limit(&mut book, A, Side::Bid, 99, 2);
    limit(&mut book, A, Side::Bid, 98, 2);
    let mut ev = Vec::new();
    book.submit(T, B, Side::Ask, Lots(5), OrderType::Ioc(Ticks(99)), &mut ev);
    assert_eq!(
        fills(&ev).iter().map(|f| (f.1, f.2)).collect::<Vec<_>>(),
        [(100, 2), (99, 2)]
    );
    assert!(matches!(
        ev.last(),
        Some(BookEvent::Cancelled {
            remaining: Lots(1),
            reason: CancelReason::ImmediateOrCancel,
            ..
        })
    ));
    assert_eq!(book.best_bid(), Some((Ticks(98), Lots(2))));
    assert_eq!(book.best_ask(), None, "IOC never rests");
}

#[test]
fn fok_fills_completely_or_leaves_the_book_untouched() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Ask, 101, 2);
    limit(&mut book, A, Side::Ask, 102, 2);
    let mut ev = Vec::new();
    book.submit(
        T,
        B,
        Side::Bid,
        Lots(5),
        OrderType::Fok(Ticks(102)),
        &mut ev,
    );
    assert!(matches!(
        ev.as_slice(),
        [BookEvent::Rejected {
            reason: RejectReason::CannotFill,
            ..
        }]
    ));
    assert_eq!(book.depth(Side::Ask, 5).count(), 2);
    ev.clear();
    book.submit(
        T,
        B,
        Side::Bid,
        Lots(4),
        OrderType::Fok(Ticks(102)),
        &mut ev,
    );
    assert_eq!(
        fills(&ev).iter().map(|f| (f.1, f.2)).collect::<Vec<_>>(),
        [(101, 2), (102, 2)]
    );
    assert_eq!(book.order_count(), 0);
}

#[test]
fn post_only_rests_or_is_rejected_if_it_would_take() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Ask, 101, 2);
    let mut ev = Vec::new();
    book.submit(
        T,
        B,
        Side::Bid,
        Lots(1),
        OrderType::PostOnly(Ticks(101)),
        &mut ev,
    );
    assert!(matches!(
        ev.as_slice(),
        [BookEvent::Rejected {
            reason: RejectReason::WouldTake,
            ..
        }]
    ));
    ev.clear();
    book.submit(
        T,
        B,
        Side::Bid,
        Lots(1),
        OrderType::PostOnly(Ticks(100)),
        &mut ev,
    );
    assert!(matches!(ev.as_slice(), [BookEvent::Placed { .. }]));
    assert_eq!(book.best_bid(), Some((Ticks(100), Lots(1))));
}

#[test]
fn bad_requests_are_rejected_not_panics() {
    let mut book = Book::new();
    let mut ev = Vec::new();
    book.submit(
        T,
        A,
        Side::Bid,
        Lots(0),
        OrderType::Limit(Ticks(100)),
        &mut ev,
    );
    book.submit(
        T,
        A,
        Side::Bid,
        Lots(1),
        OrderType::Limit(Ticks(0)),
        &mut ev,
    );
    book.cancel(T, OrderId(12345), &mut ev);
    let reasons: Vec<_> = ev
        .iter()
        .map(|e| match e {
            BookEvent::Rejected { reason, .. } => *reason,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        reasons,
        [
            RejectReason::ZeroQuantity,
            RejectReason::InvalidPrice,
            RejectReason::UnknownOrder
        ]
    );
    assert_eq!(book.order_count(), 0);
}

#[test]
fn cancel_removes_the_order_and_its_id_goes_stale() {
    let mut book = Book::new();
    let a = limit(&mut book, A, Side::Bid, 100, 2);
    let b = limit(&mut book, B, Side::Bid, 100, 3);
    let mut ev = Vec::new();
    book.cancel(T, a, &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Cancelled {
            remaining: Lots(2),
            reason: CancelReason::Requested,
            ..
        }
    ));
    assert_eq!(book.best_bid(), Some((Ticks(100), Lots(3))));
    // The slot is reused by the next order, but the old id does not reach it.
    let c = limit(&mut book, C, Side::Bid, 97, 1);
    assert_ne!(a, c);
    ev.clear();
    book.cancel(T, a, &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Rejected {
            reason: RejectReason::UnknownOrder,
            ..
        }
    ));
    assert!(book.order(c).is_some() && book.order(b).is_some());
    book.assert_consistent();
}

/// Modify: a smaller size at the same price keeps the queue place; a larger size or a new price
/// goes to the back.
#[test]
fn modify_keeps_priority_only_when_reducing() {
    let mut book = Book::new();
    let a = limit(&mut book, A, Side::Ask, 101, 5);
    let b = limit(&mut book, B, Side::Ask, 101, 5);
    let queue = |book: &Book| -> Vec<OrderId> {
        book.orders_at(Side::Ask, Ticks(101))
            .map(|o| o.id)
            .collect()
    };
    book.modify(T, a, Ticks(101), Lots(3), &mut ());
    assert_eq!(queue(&book), [a, b], "reduce keeps priority");
    assert_eq!(book.best_ask(), Some((Ticks(101), Lots(8))));
    book.modify(T, a, Ticks(101), Lots(4), &mut ());
    assert_eq!(queue(&book), [b, a], "increase loses priority");
    book.modify(T, b, Ticks(102), Lots(5), &mut ());
    book.modify(T, b, Ticks(101), Lots(5), &mut ());
    assert_eq!(queue(&book), [a, b], "a price change loses priority");
    // A buy of 6 now takes a first (4), then 2 of b.
    let mut ev = Vec::new();
    book.submit(T, C, Side::Bid, Lots(6), OrderType::Market, &mut ev);
    assert_eq!(fills(&ev), [(a, 101, 4), (b, 101, 2)]);
    book.assert_consistent();
}

#[test]
fn modify_to_a_crossing_price_trades_under_the_same_id() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Bid, 100, 2);
    let ask = limit(&mut book, B, Side::Ask, 103, 5);
    let mut ev = Vec::new();
    book.modify(T, ask, Ticks(100), Lots(5), &mut ev);
    assert!(
        matches!(ev[0], BookEvent::Fill { taker, price: Ticks(100), qty: Lots(2), .. } if taker == ask)
    );
    assert!(
        matches!(ev[1], BookEvent::Placed { id, price: Ticks(100), qty: Lots(3), .. } if id == ask)
    );
    assert_eq!(book.best_ask(), Some((Ticks(100), Lots(3))));
    assert_eq!(book.best_bid(), None);
}

#[test]
fn sweep_preview_matches_a_real_sweep() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Bid, 100, 3);
    limit(&mut book, A, Side::Bid, 97, 3);
    assert_eq!(
        book.sweep_preview(Side::Ask, Lots(4), None),
        (Lots(4), Quote(397))
    );
    assert_eq!(
        book.sweep_preview(Side::Ask, Lots(4), Some(Ticks(98))),
        (Lots(3), Quote(300))
    );
    assert_eq!(
        book.sweep_preview(Side::Ask, Lots(9), None),
        (Lots(6), Quote(591))
    );
    let mut ev = Vec::new();
    book.submit(T, B, Side::Ask, Lots(4), OrderType::Market, &mut ev);
    let value: i64 = fills(&ev).iter().map(|&(_, p, q)| p * q as i64).sum();
    assert_eq!(value, 397);
}

/// A naive reference: every resting order in a plain vector, matched by scanning.
#[derive(Default)]
struct Naive {
    orders: Vec<(u64, Side, i64, u64, u64)>, // (key, side, price, qty, arrival)
    arrivals: u64,
}

impl Naive {
    /// Returns fills as (maker key, price, qty) and rests any limit remainder under `key`.
    fn submit(
        &mut self,
        key: u64,
        side: Side,
        price: i64,
        mut qty: u64,
        rest: bool,
    ) -> Vec<(u64, i64, u64)> {
        let mut out = Vec::new();
        while qty > 0 {
            let best = self
                .orders
                .iter()
                .enumerate()
                .filter(|(_, o)| {
                    o.1 != side
                        && if side == Side::Bid {
                            o.2 <= price
                        } else {
                            o.2 >= price
                        }
                })
                .min_by_key(|(_, o)| (if side == Side::Bid { o.2 } else { -o.2 }, o.4))
                .map(|(i, _)| i);
            let Some(i) = best else { break };
            let q = qty.min(self.orders[i].3);
            out.push((self.orders[i].0, self.orders[i].2, q));
            self.orders[i].3 -= q;
            qty -= q;
            if self.orders[i].3 == 0 {
                self.orders.remove(i);
            }
        }
        if qty > 0 && rest {
            self.arrivals += 1;
            self.orders.push((key, side, price, qty, self.arrivals));
        }
        out
    }
}

/// Random limit, IOC and cancel traffic: identical fills to the naive book, never crossed,
/// quantity conserved.
#[test]
fn random_traffic_matches_the_naive_reference() {
    let mut rng = RngStreams::new(11).stream("book-test", 0);
    let mut book = Book::new();
    let mut naive = Naive::default();
    let mut ids: Vec<(u64, OrderId)> = Vec::new();
    let mut next_key = 0u64;
    for step in 0..20_000u32 {
        let r = rng.next_u64() % 10;
        if r < 2 && !ids.is_empty() {
            let i = (rng.next_u64() % ids.len() as u64) as usize;
            let (key, id) = ids.swap_remove(i);
            let mut ev = Vec::new();
            book.cancel(T, id, &mut ev);
            let was_resting = naive.orders.iter().position(|o| o.0 == key);
            match (ev[0], was_resting) {
                (BookEvent::Cancelled { remaining, .. }, Some(j)) => {
                    assert_eq!(remaining.0, naive.orders[j].3, "step {step}");
                    naive.orders.remove(j);
                }
                (BookEvent::Rejected { .. }, None) => {}
                (e, w) => panic!("step {step}: book said {e:?}, reference resting {w:?}"),
            }
        } else {
            let side = if rng.next_u64().is_multiple_of(2) {
                Side::Bid
            } else {
                Side::Ask
            };
            let price = 95 + (rng.next_u64() % 11) as i64;
            let qty = 1 + rng.next_u64() % 9;
            let ioc = r == 9;
            let ty = if ioc {
                OrderType::Ioc(Ticks(price))
            } else {
                OrderType::Limit(Ticks(price))
            };
            let key = next_key;
            next_key += 1;
            let mut ev = Vec::new();
            let id = book.submit(T, A, side, Lots(qty), ty, &mut ev);
            let key_of = |oid: OrderId| ids.iter().find(|(_, i)| *i == oid).map(|(k, _)| *k);
            let got: Vec<_> = fills(&ev)
                .iter()
                .map(|&(m, p, q)| (key_of(m).expect("maker known"), p, q))
                .collect();
            let want = naive.submit(key, side, price, qty, !ioc);
            assert_eq!(got, want, "step {step}");
            if book.order(id).is_some() {
                ids.push((key, id));
            }
            ids.retain(|(_, i)| book.order(*i).is_some());
        }
        if step.is_multiple_of(97) {
            book.assert_consistent();
        }
        let total_book: u64 = [Side::Bid, Side::Ask]
            .iter()
            .flat_map(|&s| {
                book.depth(s, usize::MAX)
                    .map(|l| l.qty.0)
                    .collect::<Vec<_>>()
            })
            .sum();
        let total_naive: u64 = naive.orders.iter().map(|o| o.3).sum();
        assert_eq!(total_book, total_naive, "resting quantity at step {step}");
    }
    book.assert_consistent();
}
