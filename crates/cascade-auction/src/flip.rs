//! Liquidations 1.2 collateral auctions: the Flipper's two-phase English auctions.
//!
//! This module owns the auctions of one collateral type: the high `bid`, the `lot`, the high
//! bidder `guy`, the bid expiry `tic`, the auction `end`, the owner `usr` and the `tab`. It
//! re-derives makerdao/dss@src/flip.sol:kick, :tick, :tend, :dent and :deal (the Liquidations 1.2
//! version, whose `deal` calls `cat.claw`):
//!
//! - tend (DAI side): same lot, `bid <= tab`, `bid > previous bid`, and `bid >= beg * previous`
//!   unless `bid == tab`; the new bidder repays the previous one and pays the increase to the
//!   protocol; `tic = now + ttl`;
//! - dent (collateral side, once `bid == tab`): same bid, `lot < previous lot` and
//!   `beg * lot <= previous lot`; the collateral given up goes back to the vault owner;
//! - bids are refused once `tic` (when set) or `end = kick + tau` has passed;
//! - tick: an auction without bids whose `end` passed restarts with `end = now + tau`;
//! - deal: once a bid exists and `tic` or `end` has passed, the high bidder takes the lot and
//!   the Cat's `litter` drops by the tab.
//!
//! Nothing stops the first bid from being as low as one rad unit (10^-45 DAI): `bid > 0` is the
//! only bound when the Cat opens at 0, so a lone keeper whose bid outlives `ttl` wins the whole
//! lot for nothing. That is Black Thursday's zero-bid failure; [`AuctionEvent::Deal`] reports the
//! uncovered `tab - bid`. A bid of exactly 0 is refused (`Flipper/bid-not-higher`).
//!
//! Not modelled: `yank`. Times: `tic` and `end` are [`SimTime`]s compared at full resolution;
//! `ttl` and `tau` are whole seconds, as in the contract.

use std::collections::BTreeMap;

use cascade_types::{AccountId, AgentId, SimDuration, SimTime};
use ruint::aliases::U256;

use crate::cat::Cat;
use crate::event::{AuctionEvent, KickTerms};
use crate::math::{WAD, mul, wad_bps};
use crate::{AuctionError, AuctionId, IlkId};

/// Longest `ttl` or `tau` accepted, in seconds: what [`SimDuration`] holds in nanoseconds.
pub const MAX_DURATION_SECS: u64 = u64::MAX / 1_000_000_000;

/// A Flipper's settings (its `file`-able parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlipperParams {
    /// Minimum bid increase (tend) and lot decrease (dent) factor (wad), e.g. 1.03.
    pub beg: U256,
    /// Bid lifetime in seconds: the auction ends this long after the last bid.
    pub ttl: u64,
    /// Auction length in seconds from the kick (or the last tick).
    pub tau: u64,
}

impl FlipperParams {
    /// The contract's defaults (flip.sol): `beg` 1.05, `ttl` 3 hours, `tau` 2 days.
    pub fn code_defaults() -> Self {
        FlipperParams {
            beg: wad_bps(10_500),
            ttl: 3 * 3_600,
            tau: 2 * 86_400,
        }
    }

    /// ETH-A on Black Thursday (2020-03-12): `beg` 3%, `ttl` 10 minutes, `tau` 6 hours.
    ///
    /// `beg` 3% is the example of Maker's keeper docs (docs.makerdao.com, "The Auctions of the
    /// Maker Protocol"); the 10-minute bid lifetime and 6-hour auction length are the values
    /// commonly reported for March 2020. mechanisms.md §3 records neither; it only says a longer
    /// `ttl` (about 3 h) was discussed afterwards.
    pub fn black_thursday_eth_a() -> Self {
        FlipperParams {
            beg: wad_bps(10_300),
            ttl: 10 * 60,
            tau: 6 * 3_600,
        }
    }

    fn validate(&self) -> Result<(), AuctionError> {
        if self.ttl > MAX_DURATION_SECS || self.tau > MAX_DURATION_SECS {
            return Err(AuctionError::InvalidParameter(
                "ttl and tau must fit in SimDuration",
            ));
        }
        Ok(())
    }
}

/// One running English auction (flip.sol `Bid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlipBid {
    /// The high bid (rad).
    pub bid: U256,
    /// Collateral for sale (wad).
    pub lot: U256,
    /// The high bidder; `None` until a keeper bids (on chain, the kicking Cat).
    pub guy: Option<AgentId>,
    /// When the high bid expires; `None` until the first bid.
    pub tic: Option<SimTime>,
    /// When the auction ends regardless of bids.
    pub end: SimTime,
    /// The liquidated vault's owner, who receives collateral given up in the dent phase.
    pub usr: AccountId,
    /// DAI to raise (rad).
    pub tab: U256,
}

impl FlipBid {
    /// Whether bids are still accepted at `now`: `tic` unset or later, and `end` later.
    pub fn is_open(&self, now: SimTime) -> bool {
        self.tic.is_none_or(|tic| tic > now) && self.end > now
    }

    /// Whether `deal` is allowed at `now`: a bid exists and `tic` or `end` has passed.
    pub fn is_finished(&self, now: SimTime) -> bool {
        self.tic.is_some_and(|tic| tic < now || self.end < now)
    }
}

/// The English-auction house of one collateral type (flip.sol `Flipper`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flipper {
    ilk: IlkId,
    params: FlipperParams,
    kicks: u64,
    bids: BTreeMap<AuctionId, FlipBid>,
}

impl Flipper {
    /// A Flipper for `ilk` with no auctions; refuses `ttl` or `tau` beyond
    /// [`MAX_DURATION_SECS`].
    pub fn new(ilk: IlkId, params: FlipperParams) -> Result<Self, AuctionError> {
        params.validate()?;
        Ok(Flipper {
            ilk,
            params,
            kicks: 0,
            bids: BTreeMap::new(),
        })
    }

    /// The collateral type sold.
    pub fn ilk(&self) -> IlkId {
        self.ilk
    }

    /// The current settings.
    pub fn params(&self) -> &FlipperParams {
        &self.params
    }

    /// Replaces the settings (flip.sol `file`); running auctions keep their `tic` and `end`.
    pub fn set_params(&mut self, params: FlipperParams) -> Result<(), AuctionError> {
        params.validate()?;
        self.params = params;
        Ok(())
    }

    /// Auctions started so far (the last id issued).
    pub fn kicks(&self) -> u64 {
        self.kicks
    }

    /// A running auction.
    pub fn auction(&self, id: AuctionId) -> Option<&FlipBid> {
        self.bids.get(&id)
    }

    /// Running auctions in id order.
    pub fn auctions(&self) -> impl Iterator<Item = (AuctionId, &FlipBid)> {
        self.bids.iter().map(|(&id, b)| (id, b))
    }

    /// The number of running auctions.
    pub fn count(&self) -> usize {
        self.bids.len()
    }

    /// Starts an auction of `lot` (wad) for `tab` (rad) of vault owner `usr`, opening at `bid`
    /// (rad) (the Cat opens at 0) and ending `tau` seconds from `now` (flip.sol `kick`).
    pub fn kick(
        &mut self,
        usr: AccountId,
        tab: U256,
        lot: U256,
        bid: U256,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let id = AuctionId(self.kicks.checked_add(1).ok_or(AuctionError::Overflow)?);
        let end = now + SimDuration::from_secs(self.params.tau);
        self.kicks = id.0;
        self.bids.insert(
            id,
            FlipBid {
                bid,
                lot,
                guy: None,
                tic: None,
                end,
                usr,
                tab,
            },
        );
        Ok(AuctionEvent::Kick {
            id,
            usr,
            tab,
            lot,
            terms: KickTerms::English { bid, end },
        })
    }

    /// Restarts an auction that ended without a bid: `end = now + tau` (flip.sol `tick`).
    pub fn tick(&mut self, id: AuctionId, now: SimTime) -> Result<AuctionEvent, AuctionError> {
        let tau = self.params.tau;
        let b = self.bids.get_mut(&id).ok_or(AuctionError::NotRunning(id))?;
        if b.end >= now {
            return Err(AuctionError::NotFinished);
        }
        if b.tic.is_some() {
            return Err(AuctionError::BidAlreadyPlaced);
        }
        b.end = now + SimDuration::from_secs(tau);
        Ok(AuctionEvent::Tick { id, end: b.end })
    }

    /// Keeper `guy` bids `bid` (rad) for the whole `lot` (wad) (flip.sol `tend`).
    pub fn tend(
        &mut self,
        id: AuctionId,
        guy: AgentId,
        lot: U256,
        bid: U256,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let ttl = self.params.ttl;
        let beg = self.params.beg;
        let b = self.bids.get_mut(&id).ok_or(AuctionError::NotRunning(id))?;
        check_open(b, now)?;
        if lot != b.lot {
            return Err(AuctionError::LotNotMatching);
        }
        if bid > b.tab {
            return Err(AuctionError::HigherThanTab);
        }
        if bid <= b.bid {
            return Err(AuctionError::BidNotHigher);
        }
        if mul(bid, WAD)? < mul(beg, b.bid)? && bid != b.tab {
            return Err(AuctionError::InsufficientIncrease);
        }
        let prev_guy = b.guy;
        let refund = if prev_guy == Some(guy) {
            U256::ZERO
        } else {
            b.bid
        };
        let paid = bid - b.bid;
        b.guy = Some(guy);
        b.bid = bid;
        b.tic = Some(now + SimDuration::from_secs(ttl));
        Ok(AuctionEvent::Tend {
            id,
            guy,
            lot,
            bid,
            prev_guy,
            refund,
            paid,
        })
    }

    /// Keeper `guy` offers the full tab `bid` (rad) for a smaller `lot` (wad) (flip.sol `dent`).
    pub fn dent(
        &mut self,
        id: AuctionId,
        guy: AgentId,
        lot: U256,
        bid: U256,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let ttl = self.params.ttl;
        let beg = self.params.beg;
        let b = self.bids.get_mut(&id).ok_or(AuctionError::NotRunning(id))?;
        check_open(b, now)?;
        if bid != b.bid {
            return Err(AuctionError::NotMatchingBid);
        }
        if bid != b.tab {
            return Err(AuctionError::TendNotFinished);
        }
        if lot >= b.lot {
            return Err(AuctionError::LotNotLower);
        }
        if mul(beg, lot)? > mul(b.lot, WAD)? {
            return Err(AuctionError::InsufficientDecrease);
        }
        let prev_guy = b.guy;
        let refund = if prev_guy == Some(guy) {
            U256::ZERO
        } else {
            bid
        };
        let returned = b.lot - lot;
        b.guy = Some(guy);
        b.lot = lot;
        b.tic = Some(now + SimDuration::from_secs(ttl));
        Ok(AuctionEvent::Dent {
            id,
            guy,
            lot,
            bid,
            prev_guy,
            refund,
            returned,
        })
    }

    /// Settles a finished auction: the high bidder takes the lot and the Cat's `litter` drops by
    /// the tab (flip.sol `deal`). The event reports the uncovered `tab - bid`.
    pub fn deal(
        &mut self,
        cat: &mut Cat,
        id: AuctionId,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let b = *self.bids.get(&id).ok_or(AuctionError::NotRunning(id))?;
        if !b.is_finished(now) {
            return Err(AuctionError::NotFinished);
        }
        // A finished auction has a keeper bid: tic is only set by tend and dent.
        let winner = b.guy.ok_or(AuctionError::NotFinished)?;
        cat.claw(b.tab)?;
        self.bids.remove(&id);
        Ok(AuctionEvent::Deal {
            id,
            winner,
            usr: b.usr,
            lot: b.lot,
            bid: b.bid,
            tab: b.tab,
            // tend keeps bid <= tab; a kick above the tab is reported as no deficit.
            deficit: b.tab.saturating_sub(b.bid),
        })
    }
}

/// flip.sol's `already-finished-tic` and `already-finished-end` checks.
fn check_open(b: &FlipBid, now: SimTime) -> Result<(), AuctionError> {
    if b.tic.is_some_and(|tic| tic <= now) {
        return Err(AuctionError::AlreadyFinishedTic);
    }
    if b.end <= now {
        return Err(AuctionError::AlreadyFinishedEnd);
    }
    Ok(())
}
