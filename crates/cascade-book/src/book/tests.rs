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

/// Self-trade prevention, by hand: A rests 2 @ 100 then 3 @ 100, B rests 4 @ 100; A sells 6.
#[test]
fn self_trade_prevention_modes() {
    let setup = |stp| {
        let mut book = Book::with_self_trade_prevention(stp);
        let a1 = limit(&mut book, A, Side::Bid, 100, 2);
        let b1 = limit(&mut book, B, Side::Bid, 100, 4);
        let a2 = limit(&mut book, A, Side::Bid, 99, 3);
        (book, a1, b1, a2)
    };
    let cancels = |ev: &[BookEvent]| -> Vec<(OrderId, u64)> {
        ev.iter()
            .filter_map(|e| match *e {
                BookEvent::Cancelled {
                    id,
                    remaining,
                    reason: CancelReason::SelfTrade,
                    ..
                } => Some((id, remaining.0)),
                _ => None,
            })
            .collect()
    };
    // Allow: A's own bid fills first.
    let (mut book, a1, b1, a2) = setup(SelfTradePrevention::Allow);
    let mut ev = Vec::new();
    book.submit(T, A, Side::Ask, Lots(6), OrderType::Market, &mut ev);
    assert_eq!(fills(&ev), [(a1, 100, 2), (b1, 100, 4)]);
    // CancelResting: A's resting orders in the way are cancelled, B's fills, the rest of the
    // sale finds nothing else (A's 99 bid is cancelled too).
    let (mut book, a1, b1, a2_) = setup(SelfTradePrevention::CancelResting);
    let mut ev = Vec::new();
    let id = book.submit(T, A, Side::Ask, Lots(6), OrderType::Market, &mut ev);
    assert_eq!(fills(&ev), [(b1, 100, 4)]);
    assert_eq!(cancels(&ev), [(a1, 2), (a2_, 3)]);
    assert!(
        matches!(ev.last(), Some(BookEvent::Cancelled { id: i, remaining: Lots(2), reason: CancelReason::NoLiquidity, .. }) if *i == id)
    );
    assert_eq!(book.order_count(), 0);
    // CancelIncoming: the sale stops at A's own order; nothing trades, A's orders stay.
    let (mut book, a1, _, _) = setup(SelfTradePrevention::CancelIncoming);
    let mut ev = Vec::new();
    let id = book.submit(
        T,
        A,
        Side::Ask,
        Lots(6),
        OrderType::Limit(Ticks(99)),
        &mut ev,
    );
    assert!(fills(&ev).is_empty());
    assert_eq!(cancels(&ev), [(id, 6)]);
    assert!(book.order(a1).is_some());
    assert_eq!(book.order_count(), 3);
    // CancelBoth: A's first bid and the sale's remainder go.
    let (mut book, a1, b1, _) = setup(SelfTradePrevention::CancelBoth);
    let mut ev = Vec::new();
    let id = book.submit(
        T,
        A,
        Side::Ask,
        Lots(6),
        OrderType::Limit(Ticks(99)),
        &mut ev,
    );
    assert!(fills(&ev).is_empty());
    assert_eq!(cancels(&ev), [(a1, 2), (id, 6)]);
    assert_eq!(book.best_bid(), Some((Ticks(100), Lots(4))));
    assert!(book.order(b1).is_some());
    // FOK sees what self-trade prevention lets it fill: under CancelResting only B's 4 lots.
    let (mut book, _, _, _) = setup(SelfTradePrevention::CancelResting);
    let mut ev = Vec::new();
    book.submit(T, A, Side::Ask, Lots(5), OrderType::Fok(Ticks(99)), &mut ev);
    assert!(matches!(
        ev.as_slice(),
        [BookEvent::Rejected {
            reason: RejectReason::CannotFill,
            ..
        }]
    ));
    let _ = a2;
    book.assert_consistent();
}

#[test]
fn reduce_keeps_priority_and_rejects_bad_amounts() {
    let mut book = Book::new();
    let a = limit(&mut book, A, Side::Ask, 101, 5);
    let b = limit(&mut book, B, Side::Ask, 101, 5);
    let mut ev = Vec::new();
    book.reduce(T, a, Lots(2), &mut ev);
    assert_eq!(
        ev,
        [BookEvent::Reduced {
            id: a,
            owner: A,
            qty: Lots(3)
        }]
    );
    let queue: Vec<_> = book
        .orders_at(Side::Ask, Ticks(101))
        .map(|o| (o.id, o.qty.0))
        .collect();
    assert_eq!(queue, [(a, 3), (b, 5)]);
    ev.clear();
    book.reduce(T, a, Lots(4), &mut ev);
    book.reduce(T, a, Lots(0), &mut ev);
    assert!(ev.iter().all(|e| matches!(
        e,
        BookEvent::Rejected {
            reason: RejectReason::InvalidReduction,
            ..
        }
    )));
    ev.clear();
    book.reduce(T, a, Lots(3), &mut ev);
    assert!(matches!(
        ev[0],
        BookEvent::Cancelled {
            remaining: Lots(3),
            ..
        }
    ));
    assert_eq!(book.best_ask(), Some((Ticks(101), Lots(5))));
    book.assert_consistent();
}

#[test]
fn prices_far_from_the_book_are_rejected() {
    let mut book = Book::new();
    limit(&mut book, A, Side::Bid, 1_000, 1);
    let mut ev = Vec::new();
    book.submit(
        T,
        A,
        Side::Bid,
        Lots(1),
        OrderType::Limit(Ticks(1_000 + (1 << 23))),
        &mut ev,
    );
    assert!(matches!(
        ev[..],
        [BookEvent::Rejected {
            reason: RejectReason::PriceOutOfRange,
            ..
        }]
    ));
    // The ask side is separate: the same price is fine there.
    ev.clear();
    book.submit(
        T,
        A,
        Side::Ask,
        Lots(1),
        OrderType::Limit(Ticks(1_000 + (1 << 23))),
        &mut ev,
    );
    assert!(matches!(ev[..], [BookEvent::Placed { .. }]));
    book.assert_consistent();
}

mod properties {
    //! Property tests against a naive reference book: every resting order in one vector,
    //! matched by scanning for the best price and then the earliest arrival.

    use super::super::*;
    use super::T;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Submit {
            owner: u32,
            bid: bool,
            qty: u64,
            price: i64,
            kind: u8,
        },
        Cancel {
            pick: usize,
        },
        Modify {
            pick: usize,
            price: i64,
            qty: u64,
        },
        Reduce {
            pick: usize,
            by: u64,
        },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0u32..3, any::<bool>(), 1u64..12, 95i64..106, 0u8..5)
                .prop_map(|(owner, bid, qty, price, kind)| Op::Submit { owner, bid, qty, price, kind }),
            2 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
            1 => (any::<usize>(), 95i64..106, 1u64..12).prop_map(|(pick, price, qty)| Op::Modify { pick, price, qty }),
            1 => (any::<usize>(), 1u64..6).prop_map(|(pick, by)| Op::Reduce { pick, by }),
        ]
    }

    /// A resting order in the reference: (id, owner, side, price, qty, arrival).
    #[derive(Clone, Debug)]
    struct Resting {
        id: OrderId,
        owner: u32,
        side: Side,
        price: i64,
        qty: u64,
        arrival: u64,
    }

    /// Fills (maker, price, qty), resting orders cancelled by self-trade prevention, the
    /// incoming order's remainder, and whether self-trade prevention stopped it.
    type Taken = (Vec<(OrderId, i64, u64)>, Vec<OrderId>, u64, bool);

    #[derive(Default)]
    struct Naive {
        orders: Vec<Resting>,
        arrivals: u64,
    }

    impl Naive {
        fn best_maker(&self, side: Side, limit: Option<i64>) -> Option<usize> {
            self.orders
                .iter()
                .enumerate()
                .filter(|(_, o)| o.side != side)
                .filter(|(_, o)| match (side, limit) {
                    (_, None) => true,
                    (Side::Bid, Some(l)) => o.price <= l,
                    (Side::Ask, Some(l)) => o.price >= l,
                })
                .min_by_key(|(_, o)| {
                    (
                        if side == Side::Bid { o.price } else { -o.price },
                        o.arrival,
                    )
                })
                .map(|(i, _)| i)
        }

        /// Fills as (maker id, price, qty), self-trade cancels of resting orders, and what is
        /// left of the incoming order plus whether self-trade prevention stopped it.
        fn take(
            &mut self,
            owner: u32,
            side: Side,
            mut qty: u64,
            limit: Option<i64>,
            stp: SelfTradePrevention,
        ) -> Taken {
            let (mut fills, mut cancelled) = (Vec::new(), Vec::new());
            while qty > 0 {
                let Some(i) = self.best_maker(side, limit) else {
                    break;
                };
                if self.orders[i].owner == owner && stp != SelfTradePrevention::Allow {
                    if stp == SelfTradePrevention::CancelIncoming {
                        return (fills, cancelled, qty, true);
                    }
                    cancelled.push(self.orders.remove(i).id);
                    if stp == SelfTradePrevention::CancelBoth {
                        return (fills, cancelled, qty, true);
                    }
                    continue;
                }
                let q = qty.min(self.orders[i].qty);
                fills.push((self.orders[i].id, self.orders[i].price, q));
                self.orders[i].qty -= q;
                qty -= q;
                if self.orders[i].qty == 0 {
                    self.orders.remove(i);
                }
            }
            (fills, cancelled, qty, false)
        }

        fn fillable(
            &self,
            owner: u32,
            side: Side,
            qty: u64,
            limit: i64,
            stp: SelfTradePrevention,
        ) -> u64 {
            let mut copy = Naive {
                orders: self.orders.clone(),
                arrivals: self.arrivals,
            };
            let (fills, _, _, _) = copy.take(owner, side, qty, Some(limit), stp);
            fills.iter().map(|f| f.2).sum()
        }

        fn rest(&mut self, id: OrderId, owner: u32, side: Side, price: i64, qty: u64) {
            self.arrivals += 1;
            self.orders.push(Resting {
                id,
                owner,
                side,
                price,
                qty,
                arrival: self.arrivals,
            });
        }

        /// Resting orders in priority order per side: bids best first, then asks best first.
        fn l3(&self) -> Vec<(Side, i64, OrderId, u64)> {
            let mut v: Vec<_> = self.orders.clone();
            v.sort_by_key(|o| {
                (
                    o.side == Side::Ask,
                    if o.side == Side::Bid {
                        -o.price
                    } else {
                        o.price
                    },
                    o.arrival,
                )
            });
            v.into_iter()
                .map(|o| (o.side, o.price, o.id, o.qty))
                .collect()
        }
    }

    fn book_l3(book: &Book) -> Vec<(Side, i64, OrderId, u64)> {
        let mut v = Vec::new();
        for side in [Side::Bid, Side::Ask] {
            for level in book.depth(side, usize::MAX) {
                for o in book.orders_at(side, level.price) {
                    v.push((side, o.price.0, o.id, o.qty.0));
                }
            }
        }
        v
    }

    fn event_fills(ev: &[BookEvent]) -> Vec<(OrderId, i64, u64)> {
        ev.iter()
            .filter_map(|e| match *e {
                BookEvent::Fill {
                    maker, price, qty, ..
                } => Some((maker, price.0, qty.0)),
                _ => None,
            })
            .collect()
    }

    fn stp_cancels(ev: &[BookEvent], except: OrderId) -> Vec<OrderId> {
        ev.iter()
            .filter_map(|e| match *e {
                BookEvent::Cancelled {
                    id,
                    reason: CancelReason::SelfTrade,
                    ..
                } if id != except => Some(id),
                _ => None,
            })
            .collect()
    }

    fn run(ops: Vec<Op>, stp: SelfTradePrevention) -> Result<(), TestCaseError> {
        let mut book = Book::with_self_trade_prevention(stp);
        let mut naive = Naive::default();
        // Quantity in = quantity out: everything submitted (or added by modify) either traded
        // (counted on both sides of each fill), was cancelled, reduced, rejected or still rests.
        let (mut qty_in, mut qty_out) = (0u64, 0u64);
        for op in ops {
            let mut ev = Vec::new();
            let live: Vec<OrderId> = naive.orders.iter().map(|o| o.id).collect();
            match op {
                Op::Submit {
                    owner,
                    bid,
                    qty,
                    price,
                    kind,
                } => {
                    let side = if bid { Side::Bid } else { Side::Ask };
                    let ty = match kind {
                        0 => OrderType::Limit(Ticks(price)),
                        1 => OrderType::Market,
                        2 => OrderType::Ioc(Ticks(price)),
                        3 => OrderType::Fok(Ticks(price)),
                        _ => OrderType::PostOnly(Ticks(price)),
                    };
                    qty_in += qty;
                    let id = book.submit(T, AgentId(owner), side, Lots(qty), ty, &mut ev);
                    let would_take = naive.best_maker(side, Some(price)).is_some();
                    if kind == 4 && would_take {
                        prop_assert!(
                            matches!(
                                ev[..],
                                [BookEvent::Rejected {
                                    reason: RejectReason::WouldTake,
                                    ..
                                }]
                            ),
                            "expected {:?}",
                            RejectReason::WouldTake
                        );
                        qty_out += qty;
                    } else if kind == 3 && naive.fillable(owner, side, qty, price, stp) < qty {
                        prop_assert!(
                            matches!(
                                ev[..],
                                [BookEvent::Rejected {
                                    reason: RejectReason::CannotFill,
                                    ..
                                }]
                            ),
                            "expected {:?}",
                            RejectReason::CannotFill
                        );
                        qty_out += qty;
                    } else {
                        let limit = (kind != 1).then_some(price);
                        let (fills, cancelled, left, stopped) =
                            naive.take(owner, side, qty, limit, stp);
                        prop_assert_eq!(event_fills(&ev), fills.clone());
                        prop_assert_eq!(stp_cancels(&ev, id), cancelled);
                        if left > 0 && !stopped && (kind == 0 || kind == 4) {
                            naive.rest(id, owner, side, price, left);
                        }
                    }
                }
                Op::Cancel { pick } => {
                    let Some(&id) = live.get(pick % live.len().max(1)) else {
                        continue;
                    };
                    book.cancel(T, id, &mut ev);
                    let i = naive.orders.iter().position(|o| o.id == id).unwrap();
                    let o = naive.orders.remove(i);
                    prop_assert_eq!(
                        &ev[..],
                        &[BookEvent::Cancelled {
                            id,
                            owner: AgentId(o.owner),
                            remaining: Lots(o.qty),
                            reason: CancelReason::Requested
                        }]
                    );
                }
                Op::Reduce { pick, by } => {
                    let Some(&id) = live.get(pick % live.len().max(1)) else {
                        continue;
                    };
                    book.reduce(T, id, Lots(by), &mut ev);
                    let i = naive.orders.iter().position(|o| o.id == id).unwrap();
                    if by > naive.orders[i].qty {
                        prop_assert!(
                            matches!(
                                ev[..],
                                [BookEvent::Rejected {
                                    reason: RejectReason::InvalidReduction,
                                    ..
                                }]
                            ),
                            "expected {:?}",
                            RejectReason::InvalidReduction
                        );
                    } else {
                        naive.orders[i].qty -= by;
                        if naive.orders[i].qty == 0 {
                            naive.orders.remove(i);
                        }
                    }
                }
                Op::Modify { pick, price, qty } => {
                    let Some(&id) = live.get(pick % live.len().max(1)) else {
                        continue;
                    };
                    book.modify(T, id, Ticks(price), Lots(qty), &mut ev);
                    let i = naive.orders.iter().position(|o| o.id == id).unwrap();
                    let old = naive.orders[i].clone();
                    qty_in += qty.saturating_sub(old.qty);
                    qty_out += old.qty.saturating_sub(qty);
                    if price == old.price && qty <= old.qty {
                        naive.orders[i].qty = qty;
                    } else {
                        naive.orders.remove(i);
                        let (fills, cancelled, left, stopped) =
                            naive.take(old.owner, old.side, qty, Some(price), stp);
                        prop_assert_eq!(event_fills(&ev), fills);
                        prop_assert_eq!(stp_cancels(&ev, id), cancelled);
                        if left > 0 && !stopped {
                            naive.rest(id, old.owner, old.side, price, left);
                        }
                    }
                }
            }
            for e in &ev {
                match *e {
                    BookEvent::Fill { qty, .. } => qty_out += 2 * qty.0,
                    BookEvent::Cancelled { remaining, .. } => qty_out += remaining.0,
                    _ => {}
                }
            }
            let applied = !matches!(
                ev[..],
                [BookEvent::Rejected { .. }] | [BookEvent::Cancelled { .. }]
            );
            if let (Op::Reduce { by, .. }, true) = (&op, applied) {
                qty_out += by;
            }
            // Never crossed, and the same orders in the same priority order (FIFO within levels).
            if let (Some((b, _)), Some((a, _))) = (book.best_bid(), book.best_ask()) {
                prop_assert!(b < a, "crossed: {} >= {}", b.0, a.0);
            }
            prop_assert_eq!(book_l3(&book), naive.l3());
            let resting: u64 = naive.orders.iter().map(|o| o.qty).sum();
            prop_assert_eq!(qty_in, qty_out + resting, "quantity conservation");
        }
        book.assert_consistent();
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn matches_the_naive_book(ops in proptest::collection::vec(op(), 1..120)) {
            run(ops, SelfTradePrevention::Allow)?;
        }

        #[test]
        fn matches_the_naive_book_with_self_trade_prevention(
            ops in proptest::collection::vec(op(), 1..120),
            mode in 0u8..3,
        ) {
            let stp = [SelfTradePrevention::CancelResting, SelfTradePrevention::CancelIncoming, SelfTradePrevention::CancelBoth][mode as usize];
            run(ops, stp)?;
        }
    }
}
