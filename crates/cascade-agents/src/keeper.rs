//! Keepers: the bidders of MakerDAO's collateral auctions.
//!
//! A keeper wakes after its latency (a [`LatencyModel`], which may rise with network
//! congestion), looks at the running auctions and decides, for each, what to do with the DAI it
//! holds. It values a lot at what selling it on the venues would fetch now, less its `margin`,
//! and never pays more than that:
//!
//! - English auctions (Liquidations 1.2, makerdao/dss@src/flip.sol): in the `tend` phase it bids
//!   its valuation at once, capped by the tab and by its cash (as the stock auction-keeper's
//!   price models did), provided the bid beats the high bid by the `beg` increment; in the `dent`
//!   phase it offers the tab for the smallest lot it values at the tab. A *zero bidder* bids the
//!   smallest amount the contract accepts on an auction nobody has bid on yet: on Black Thursday
//!   (mechanisms.md §3) such bids won whole lots when no other bid arrived within `ttl`.
//! - Dutch auctions (Liquidations 2.0, makerdao/dss@src/clip.sol): it resets an auction that
//!   needs it (`redo`, for the incentive), and otherwise takes as much of the lot as its cash
//!   buys at the current price when the collateral is worth at least what it pays; like the
//!   liquidator, it halves the amount up to six times to fit the venues' depth.
//!
//! The keeper never moves money: it returns a [`FlipMove`] or [`ClipMove`] and the caller
//! performs it. Units are Maker's: DAI in rad, collateral in wad, prices in ray ([`U256`]).

use cascade_auction::math::WAD;
use cascade_auction::{FlipBid, SaleStatus, U256};
use cascade_oracle::LatencyModel;
use cascade_types::{AgentId, Bps, SimDuration, SimTime};

/// Halvings of a take tried before a keeper passes on a Dutch auction.
const MAX_HALVINGS: u32 = 6;

/// How a keeper behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct KeeperParams {
    /// Delay from a look to its transaction landing, milliseconds (drawn at the congestion of
    /// the moment).
    pub latency_ms: LatencyModel,
    /// Haircut on the value of a lot at the venues: the keeper pays at most
    /// `value * (1 - margin)`.
    pub margin: Bps,
    /// Bids the smallest accepted amount on English auctions nobody has bid on.
    pub zero_bidder: bool,
    /// Interval between looks while auctions run (the latency comes on top).
    pub poll: SimDuration,
}

/// A keeper's private state.
#[derive(Clone, Debug)]
pub struct Keeper {
    /// Behaviour.
    pub params: KeeperParams,
    /// A wake-up is scheduled and not yet done.
    pub wake_pending: bool,
}

/// What a keeper does in a running English auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlipMove {
    /// Bid this much DAI (rad) for the whole lot.
    Tend {
        /// The bid (rad).
        bid: U256,
    },
    /// Offer the tab for this smaller lot (wad).
    Dent {
        /// The lot asked for (wad).
        lot: U256,
    },
}

/// What a keeper does in a running Dutch auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClipMove {
    /// Restart the auction from a fresh price (it needs a reset).
    Redo,
    /// Buy up to `amt` (wad) at no more than `max` (ray).
    Take {
        /// Collateral wanted (wad).
        amt: U256,
        /// Price limit (ray).
        max: U256,
    },
}

/// Why a keeper leaves an auction alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pass {
    /// Bids are no longer accepted.
    Closed,
    /// The keeper holds the high bid already.
    Leading,
    /// Its cash does not cover the smallest worthwhile bid.
    NoCapital,
    /// The lot is worth less to it than the smallest bid the auction accepts.
    Unprofitable,
}

/// What the keeper can spend: its cash and the smallest amount it can pay (rad).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purse {
    /// DAI held (rad).
    pub cash: U256,
    /// The smallest amount of DAI the keeper can pay (one quote atom, in rad); bids other than
    /// the tab are whole multiples of it.
    pub unit: U256,
}

fn round_down(x: U256, unit: U256) -> U256 {
    x - x % unit
}

fn round_up(x: U256, unit: U256) -> U256 {
    let r = x % unit;
    if r.is_zero() { x } else { x - r + unit }
}

impl Keeper {
    /// A keeper with nothing scheduled.
    pub fn new(params: KeeperParams) -> Self {
        Keeper {
            params,
            wake_pending: false,
        }
    }

    /// What the keeper would pay for collateral that fetches `value` (rad) at the venues:
    /// `value * (1 - margin)`, rounded down.
    pub fn worth(&self, value: U256) -> U256 {
        let keep = 10_000 - u64::from(self.params.margin.0.min(10_000));
        value * U256::from(keep) / U256::from(10_000u64)
    }

    /// The keeper's move in English auction `b` at `now`, where `beg` is the Flipper's minimum
    /// increment (wad) and `value(lot)` what selling `lot` (wad) would fetch now (rad).
    pub fn flip_move(
        &self,
        me: AgentId,
        b: &FlipBid,
        beg: U256,
        now: SimTime,
        purse: Purse,
        value: impl Fn(U256) -> U256,
    ) -> Result<FlipMove, Pass> {
        if !b.is_open(now) {
            return Err(Pass::Closed);
        }
        if b.guy == Some(me) {
            return Err(Pass::Leading);
        }
        let worth = |lot: U256| self.worth(value(lot));
        if b.bid >= b.tab {
            // dent: the tab for less collateral, `beg * lot <= previous lot`.
            if purse.cash < b.tab {
                return Err(Pass::NoCapital);
            }
            let mut max_lot = b.lot * WAD / beg;
            if max_lot >= b.lot {
                max_lot = b.lot - U256::from(1u8);
            }
            if max_lot.is_zero() || worth(max_lot) < b.tab {
                return Err(Pass::Unprofitable);
            }
            // The smallest lot worth the tab (worth is non-decreasing in the lot).
            let (mut lo, mut hi) = (U256::from(1u8), max_lot);
            while lo < hi {
                let mid = lo + (hi - lo) / U256::from(2u8);
                if worth(mid) >= b.tab {
                    hi = mid;
                } else {
                    lo = mid + U256::from(1u8);
                }
            }
            return Ok(FlipMove::Dent { lot: hi });
        }
        // tend: `bid > previous` and `bid * WAD >= beg * previous` unless `bid == tab`.
        let floor = (b.bid + U256::from(1u8)).max((beg * b.bid).div_ceil(WAD));
        let min_bid = round_up(floor, purse.unit);
        if self.params.zero_bidder && b.guy.is_none() {
            let bid = min_bid.min(b.tab);
            return if purse.cash >= bid {
                Ok(FlipMove::Tend { bid })
            } else {
                Err(Pass::NoCapital)
            };
        }
        let w = worth(b.lot);
        let want = if w >= b.tab {
            b.tab
        } else {
            round_down(w, purse.unit)
        };
        let short = purse.cash < want;
        let bid = if short {
            round_down(purse.cash, purse.unit)
        } else {
            want
        };
        if bid == b.tab || (bid >= min_bid && bid < b.tab) {
            Ok(FlipMove::Tend { bid })
        } else if short {
            Err(Pass::NoCapital)
        } else {
            Err(Pass::Unprofitable)
        }
    }

    /// The keeper's move in a Dutch auction with status `st`, where `chost` is the Clipper's
    /// `dust * chop` (rad) and `value(lot)` what selling `lot` (wad) would fetch now (rad).
    pub fn clip_move(
        &self,
        st: &SaleStatus,
        chost: U256,
        purse: Purse,
        value: impl Fn(U256) -> U256,
    ) -> Result<ClipMove, Pass> {
        if st.needs_redo {
            return Ok(ClipMove::Redo);
        }
        let price = st.price;
        if price.is_zero() {
            return Ok(ClipMove::Take {
                amt: st.lot,
                max: price,
            });
        }
        // Whole rad only: owe = slice * price must be covered by the cash.
        let affordable = purse.cash / price;
        let full = st.lot.min(affordable);
        if full.is_zero() {
            return Err(Pass::NoCapital);
        }
        for halvings in 0..=MAX_HALVINGS {
            let amt = full >> halvings as usize;
            if amt.is_zero() {
                break;
            }
            let Some((slice, owe)) = preview_take(st, chost, amt) else {
                continue;
            };
            if !slice.is_zero() && self.worth(value(slice)) >= owe {
                return Ok(ClipMove::Take { amt, max: price });
            }
        }
        if affordable < st.lot && preview_take(st, chost, full).is_none() {
            Err(Pass::NoCapital)
        } else {
            Err(Pass::Unprofitable)
        }
    }
}

/// What a take of `amt` would buy and cost at the status price, as clip.sol's `take` computes
/// it; `None` when the Clipper would refuse a partial purchase.
fn preview_take(st: &SaleStatus, chost: U256, amt: U256) -> Option<(U256, U256)> {
    let price = st.price;
    let mut slice = st.lot.min(amt);
    let mut owe = slice * price;
    if owe > st.tab {
        owe = st.tab;
        slice = owe / price;
    } else if owe < st.tab && slice < st.lot && st.tab - owe < chost {
        if st.tab <= chost {
            return None;
        }
        owe = st.tab - chost;
        slice = owe / price;
    }
    Some((slice, owe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_auction::math::{RAD, rad, ray, wad, wad_bps};
    use cascade_types::AccountId;

    const ME: AgentId = AgentId(7);
    const OTHER: AgentId = AgentId(8);

    fn keeper(margin_bps: u32, zero_bidder: bool) -> Keeper {
        Keeper::new(KeeperParams {
            latency_ms: LatencyModel::Constant(1_000.0),
            margin: Bps(margin_bps),
            zero_bidder,
            poll: SimDuration::from_secs(60),
        })
    }

    /// 10 ETH for a tab of 1,130 DAI, ending at 6 h; no bid yet.
    fn fresh() -> FlipBid {
        FlipBid {
            bid: U256::ZERO,
            lot: wad(10),
            guy: None,
            tic: None,
            end: SimTime::ZERO + SimDuration::from_secs(6 * 3_600),
            usr: AccountId(0),
            tab: rad(1_130),
        }
    }

    /// Collateral fetches 100 DAI per ETH (linear: a deep book).
    fn at_100(lot: U256) -> U256 {
        lot * ray(100)
    }

    /// One quote atom of 1e-5 DAI.
    fn purse(dai: u64) -> Purse {
        Purse {
            cash: rad(dai),
            unit: RAD / U256::from(100_000u64),
        }
    }

    /// Black Thursday's 3% increment.
    fn beg() -> U256 {
        wad_bps(10_300)
    }

    #[test]
    fn a_zero_bidder_bids_one_unit_when_nobody_has_bid() {
        let k = keeper(500, true);
        let mv = k.flip_move(ME, &fresh(), beg(), SimTime::ZERO, purse(1), at_100);
        assert_eq!(
            mv,
            Ok(FlipMove::Tend {
                bid: RAD / U256::from(100_000u64)
            })
        );
        // Once someone has bid, it bids like anyone else: 10 ETH x 100 x 0.95 = 950 DAI, but it
        // holds 1 DAI, far below the 3% increment over 500 DAI.
        let mut b = fresh();
        b.bid = rad(500);
        b.guy = Some(OTHER);
        b.tic = Some(SimTime::ZERO + SimDuration::from_secs(600));
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(1), at_100);
        assert_eq!(mv, Err(Pass::NoCapital));
    }

    #[test]
    fn a_keeper_bids_its_valuation_capped_by_tab_and_cash() {
        let k = keeper(500, false);
        // Worth 950 DAI < tab 1,130: bids 950.
        let mv = k.flip_move(ME, &fresh(), beg(), SimTime::ZERO, purse(10_000), at_100);
        assert_eq!(mv, Ok(FlipMove::Tend { bid: rad(950) }));
        // Only 600 DAI of cash: bids 600.
        let mv = k.flip_move(ME, &fresh(), beg(), SimTime::ZERO, purse(600), at_100);
        assert_eq!(mv, Ok(FlipMove::Tend { bid: rad(600) }));
        // Worth more than the tab (200 DAI/ETH): bids exactly the tab.
        let rich = |lot: U256| lot * ray(200);
        let mv = k.flip_move(ME, &fresh(), beg(), SimTime::ZERO, purse(10_000), rich);
        assert_eq!(mv, Ok(FlipMove::Tend { bid: rad(1_130) }));
    }

    #[test]
    fn a_bid_must_beat_the_high_bid_by_beg() {
        let k = keeper(500, false);
        let mut b = fresh();
        b.guy = Some(OTHER);
        b.tic = Some(SimTime::ZERO + SimDuration::from_secs(600));
        // High bid 930: 3% more is 957.9 > 950, the keeper's worth.
        b.bid = rad(930);
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(10_000), at_100);
        assert_eq!(mv, Err(Pass::Unprofitable));
        // High bid 920: 947.6 <= 950.
        b.bid = rad(920);
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(10_000), at_100);
        assert_eq!(mv, Ok(FlipMove::Tend { bid: rad(950) }));
        // Leading already, or past tic: no move.
        b.guy = Some(ME);
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(10_000), at_100);
        assert_eq!(mv, Err(Pass::Leading));
        b.guy = Some(OTHER);
        let late = SimTime::ZERO + SimDuration::from_secs(600);
        let mv = k.flip_move(ME, &b, beg(), late, purse(10_000), at_100);
        assert_eq!(mv, Err(Pass::Closed));
    }

    #[test]
    fn in_the_dent_phase_a_keeper_asks_the_smallest_lot_worth_the_tab() {
        let k = keeper(500, false);
        let mut b = fresh();
        b.bid = b.tab;
        b.guy = Some(OTHER);
        b.tic = Some(SimTime::ZERO + SimDuration::from_secs(600));
        // At 200 DAI/ETH less 5%: 190 DAI per ETH; 1,130 / 190 = 5.947368... ETH, rounded up
        // to the wad.
        let rich = |lot: U256| lot * ray(200);
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(10_000), rich);
        let expect = (rad(1_130) * U256::from(10_000u64)).div_ceil(ray(200) * U256::from(9_500u64));
        assert_eq!(mv, Ok(FlipMove::Dent { lot: expect }));
        assert_eq!(
            expect / (WAD / U256::from(1_000_000u64)),
            U256::from(5_947_368u64)
        );
        // At 100 DAI/ETH even the largest allowed lot (10 / 1.03 ETH) is worth less than the tab.
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(10_000), at_100);
        assert_eq!(mv, Err(Pass::Unprofitable));
        // A dent pays the whole tab.
        let mv = k.flip_move(ME, &b, beg(), SimTime::ZERO, purse(1_000), rich);
        assert_eq!(mv, Err(Pass::NoCapital));
    }

    fn sale(price: u64, lot: u64, tab: u64) -> SaleStatus {
        SaleStatus {
            needs_redo: false,
            price: ray(price),
            lot: wad(lot),
            tab: rad(tab),
        }
    }

    #[test]
    fn a_dutch_auction_is_taken_once_its_price_is_worth_paying() {
        let k = keeper(500, false);
        // Price 96 > 95 (100 less 5%): wait.
        let mv = k.clip_move(&sale(96, 10, 2_000), rad(0), purse(10_000), at_100);
        assert_eq!(mv, Err(Pass::Unprofitable));
        // Price 90: take the whole lot.
        let mv = k.clip_move(&sale(90, 10, 2_000), rad(0), purse(10_000), at_100);
        assert_eq!(
            mv,
            Ok(ClipMove::Take {
                amt: wad(10),
                max: ray(90)
            })
        );
        // 300 DAI of cash buys 3.33.. ETH at 90: it takes that much.
        let mv = k.clip_move(&sale(90, 10, 2_000), rad(0), purse(300), at_100);
        assert_eq!(
            mv,
            Ok(ClipMove::Take {
                amt: rad(300) / ray(90),
                max: ray(90)
            })
        );
        // A reset comes first.
        let mut st = sale(90, 10, 2_000);
        st.needs_redo = true;
        assert_eq!(
            k.clip_move(&st, rad(0), purse(10_000), at_100),
            Ok(ClipMove::Redo)
        );
        assert_eq!(
            k.clip_move(&sale(90, 10, 2_000), rad(0), purse(0), at_100),
            Err(Pass::NoCapital)
        );
    }

    #[test]
    fn a_take_is_halved_to_fit_the_venues_depth() {
        let k = keeper(0, false);
        // The venues pay 100 DAI/ETH for the first 2 ETH and nothing beyond: 10 ETH at 60 is
        // not worth it (200 < 600), nor 5 (200 < 300), nor 2.5 (200 >= 150 holds: take 2.5).
        let shallow = |lot: U256| lot.min(wad(2)) * ray(100);
        let mv = k.clip_move(&sale(60, 10, 2_000), rad(0), purse(10_000), shallow);
        assert_eq!(
            mv,
            Ok(ClipMove::Take {
                amt: wad(10) >> 2usize,
                max: ray(60)
            })
        );
    }

    #[test]
    fn a_partial_take_that_would_leave_less_than_chost_is_previewed_as_the_contract_does() {
        // Tab 1,000, chost 300: buying 8 of 10 ETH at 100 would leave 200 < chost, so the
        // Clipper cuts the purchase to leave exactly 300: owe 700, slice 7 ETH.
        let st = sale(100, 10, 1_000);
        assert_eq!(
            preview_take(&st, rad(300), wad(8)),
            Some((wad(7), rad(700)))
        );
        // With a tab at or below chost, partial purchases are refused.
        let st = sale(100, 10, 250);
        assert_eq!(preview_take(&st, rad(300), wad(1)), None);
        // Buying more than the tab: the tab is paid, the slice is what it buys.
        let st = sale(100, 10, 500);
        assert_eq!(
            preview_take(&st, rad(300), wad(10)),
            Some((wad(5), rad(500)))
        );
    }
}
