//! Routing a sale across venues and over time.
//!
//! A [`Route`] says where a seller's base goes: one venue, a split across venues, slices
//! spread over time, a bridge to another venue (the base is unavailable while in transit), or
//! nowhere (the seller holds it). [`split_sale`] decides a split: the sale is cut into pieces, and each piece
//! goes to the venue where it fetches the most given the pieces already placed, which ends with
//! the venues' marginal prices as equal as the pieces allow.

use cascade_des::dist::Dist;
use cascade_types::{Lots, SimDuration};

/// How a seller reaches the venues.
#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    /// One venue, by index.
    Venue(usize),
    /// Several venues: the sale is cut into small pieces, each sent where it fetches the most,
    /// which equalises the marginal prices across the venues.
    Split(Vec<usize>),
    /// The sale spread over time: `slices` equal parts `every` apart, each through `route`.
    Sliced {
        /// How each slice is sold.
        route: Box<Route>,
        /// Number of slices.
        slices: u32,
        /// Time between slices.
        every: SimDuration,
    },
    /// Keep the base: nothing is sold, so the capital spent on it does not come back.
    Hold,
    /// Send the base over a bridge (or any transfer with a delay) and sell it on arrival
    /// through `to` (a venue or a split, not sliced, held or bridged again).
    Bridge {
        /// How the base is sold once it arrives.
        to: Box<Route>,
        /// Transfer time in milliseconds, drawn per transfer from the seller's own
        /// `bridge/i` stream.
        latency_ms: Dist,
        /// Most base the seller may have in transit at once; what does not fit waits, in
        /// order, until a transfer arrives (`None`: no limit).
        max_in_flight: Option<Lots>,
    },
}

impl Route {
    /// The route for one slice (a route without slicing is its own slice).
    pub fn slice_route(&self) -> &Route {
        match self {
            Route::Sliced { route, .. } => route.slice_route(),
            other => other,
        }
    }

    /// The route that sells inventory already at hand (leftovers a venue could not absorb):
    /// the bridge's destination for a bridge (leftovers are those that arrived), `None` for a
    /// route that holds.
    pub fn inventory_route(&self) -> Option<&Route> {
        match self {
            Route::Hold => None,
            Route::Bridge { to, .. } => Some(to),
            other => Some(other),
        }
    }

    /// Number of slices a sale is cut into.
    pub fn slices(&self) -> u32 {
        match self {
            Route::Sliced { slices, .. } => (*slices).max(1),
            _ => 1,
        }
    }
}

/// A sale is split across venues in about this many pieces.
pub const SPLIT_PIECES: u64 = 64;

/// How a sale of `qty` is shared among `n` venues (one quantity per venue, in order), given
/// what selling `q` on venue `i` fetches: `proceeds(i, q)`.
pub fn split_sale(n: usize, qty: Lots, proceeds: impl Fn(usize, u64) -> u64) -> Vec<Lots> {
    let piece = (qty.0 / SPLIT_PIECES).max(1);
    let mut alloc = vec![0u64; n];
    let mut fetched = vec![0u64; n];
    let mut left = qty.0;
    while left > 0 {
        let q = piece.min(left);
        let mut best: Option<(usize, u64, u64)> = None;
        for i in 0..n {
            let total = proceeds(i, alloc[i] + q);
            let gain = total - fetched[i];
            if gain > 0 && best.is_none_or(|(_, g, _)| gain > g) {
                best = Some((i, gain, total));
            }
        }
        let Some((i, _, total)) = best else { break };
        alloc[i] += q;
        fetched[i] = total;
        left -= q;
    }
    alloc.into_iter().map(Lots).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_book::{Book, OrderType};
    use cascade_types::{AgentId, Side, SimTime, Ticks};

    fn book(levels: &[(i64, u64)]) -> Book {
        let mut b = Book::new();
        for &(p, q) in levels {
            b.submit(
                SimTime(0),
                AgentId(0),
                Side::Bid,
                Lots(q),
                OrderType::Limit(Ticks(p)),
                &mut (),
            );
        }
        b
    }

    /// Book A bids 100 x 64 and 90 x 1000; book B bids 99 x 64 and 98 x 1000. Selling 256 in
    /// pieces of 4: the first 64 go to A (100), the next 64 to B (99), then B's 98 beats A's 90
    /// for the remaining 128. Marginal prices end at 98 on B, A untouched below 100.
    #[test]
    fn a_split_fills_the_best_prices_first_across_books() {
        let split = |books: &[&Book], qty: u64| {
            split_sale(books.len(), Lots(qty), |i, q| {
                books[i].sweep_preview(Side::Ask, Lots(q), None).1.0
            })
        };
        let a = book(&[(100, 64), (90, 1000)]);
        let b = book(&[(99, 64), (98, 1000)]);
        assert_eq!(split(&[&a, &b], 256), [Lots(64), Lots(192)]);
        // More than both books hold: each gets what it can take, the rest is not placed.
        let small = book(&[(100, 5)]);
        assert_eq!(split(&[&small, &small], 20), [Lots(5), Lots(5)]);
        assert_eq!(split(&[&a], 0), [Lots(0)]);
    }

    #[test]
    fn slicing_wraps_a_route() {
        let r = Route::Sliced {
            route: Box::new(Route::Split(vec![0, 1])),
            slices: 4,
            every: SimDuration::from_secs(30),
        };
        assert_eq!(r.slices(), 4);
        assert_eq!(r.slice_route(), &Route::Split(vec![0, 1]));
        assert_eq!(Route::Venue(2).slices(), 1);
    }

    #[test]
    fn held_and_bridged_inventory_routes() {
        assert_eq!(Route::Hold.inventory_route(), None);
        let b = Route::Bridge {
            to: Box::new(Route::Venue(1)),
            latency_ms: Dist::Constant(60_000.0),
            max_in_flight: None,
        };
        assert_eq!(b.inventory_route(), Some(&Route::Venue(1)));
        assert_eq!(b.slices(), 1);
        assert_eq!(Route::Venue(0).inventory_route(), Some(&Route::Venue(0)));
    }
}
