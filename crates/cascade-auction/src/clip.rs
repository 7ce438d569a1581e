//! Liquidations 2.0 collateral auctions: the Clipper's Dutch auctions.
//!
//! This module owns the sales of one collateral type: their `tab`, `lot`, owner, start time
//! `tic` and starting price `top`, and the rules that change them. It re-derives
//! makerdao/dss@src/clip.sol:kick, :redo, :take, :getStatus and :status, :upchost and
//! :getFeedPrice, with the contract's integer formulas and rounding:
//!
//! - kick: `top = rmul(feedPrice, buf)`; the keeper earns `coin = tip + wmul(tab, chip)`;
//! - status: `price = calc.price(top, now - tic)`; a reset is needed when
//!   `now - tic > tail` or `rdiv(price, top) < cusp`;
//! - take: `slice = min(lot, amt)`, `owe = slice * price`; if `owe > tab` then `owe = tab` and
//!   `slice = owe / price`; a partial purchase that would leave `0 < tab - owe < chost` is cut
//!   down to leave exactly `chost`, and refused when `tab <= chost`; once the tab is covered the
//!   rest of the lot goes back to the vault owner; if the lot runs out first, the tab left is a
//!   deficit;
//! - redo: fresh `tic` and `top`; the incentive is paid only if `tab >= chost` and
//!   `lot * feedPrice >= chost`.
//!
//! Not modelled: the `stopped` circuit breaker, `yank`, and the `clipperCall` flash callback (the
//! caller settles `owe` and `slice` from the returned [`AuctionEvent::Take`] in whatever order it
//! likes). Time: the contract reads `block.timestamp` in seconds; here `now - tic` is counted in
//! whole seconds of [`SimTime`].

use std::collections::BTreeMap;

use cascade_types::{AccountId, AgentId, SimTime};
use ruint::aliases::U256;

use crate::abacus::Abacus;
use crate::dog::Dog;
use crate::event::{AuctionEvent, KickTerms};
use crate::math::{BLN, add, div, mul, rad, ray_bps, rdiv, rmul, wad_bps, wmul};
use crate::{AuctionError, AuctionId, IlkId, secs_since};

/// A Clipper's settings (its `file`-able parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClipperParams {
    /// Multiplier on the feed price for the starting price (ray).
    pub buf: U256,
    /// Seconds after which an auction needs a reset.
    pub tail: u64,
    /// Fraction of `top` below which an auction needs a reset (ray).
    pub cusp: U256,
    /// Keeper incentive as a fraction of the tab (wad).
    pub chip: U256,
    /// Flat keeper incentive (rad).
    pub tip: U256,
    /// The price curve.
    pub calc: Abacus,
}

impl ClipperParams {
    /// ETH-A under Liquidations 2.0 (2021).
    ///
    /// `calc` stairstep with `cut` 0.99 every 90 s (mechanisms.md §3, forum.makerdao.com/t/7628);
    /// `buf` 1.30 (makerdao/community poll of 2021-09-20, which lowered ETH-A's `buf` from 1.3 to
    /// 1.2); `cusp` 0.40 and `tail` 8,400 s as in the ETH-B launch poll of 2021-04-26 (same
    /// framework); `chip` 0.1% and `tip` 300 DAI as for ETH-B in 2021 (mechanisms.md §3).
    pub fn eth_a_2021() -> Self {
        ClipperParams {
            buf: ray_bps(13_000),
            tail: 8_400,
            cusp: ray_bps(4_000),
            chip: wad_bps(10),
            tip: rad(300),
            calc: Abacus::StairstepExponentialDecrease {
                step: 90,
                cut: ray_bps(9_900),
            },
        }
    }

    /// ETH-B in 2021 (mechanisms.md §3, forum.makerdao.com/t/8477): `cut` 0.99 every 60 s,
    /// `buf` 1.20, `cusp` 0.40, `tail` 90 min, `chip` 0.1%, `tip` 300 DAI.
    pub fn eth_b_2021() -> Self {
        ClipperParams {
            buf: ray_bps(12_000),
            tail: 90 * 60,
            cusp: ray_bps(4_000),
            chip: wad_bps(10),
            tip: rad(300),
            calc: Abacus::StairstepExponentialDecrease {
                step: 60,
                cut: ray_bps(9_900),
            },
        }
    }
}

/// One running Dutch auction (clip.sol `Sale`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sale {
    /// DAI still to raise (rad).
    pub tab: U256,
    /// Collateral still for sale (wad).
    pub lot: U256,
    /// The liquidated vault's owner.
    pub usr: AccountId,
    /// When the auction started or was last reset.
    pub tic: SimTime,
    /// Starting price (ray).
    pub top: U256,
}

/// What `getStatus` reports for a running auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaleStatus {
    /// Whether the auction must be reset before anyone can take.
    pub needs_redo: bool,
    /// The current price (ray).
    pub price: U256,
    /// Collateral for sale (wad).
    pub lot: U256,
    /// DAI to raise (rad).
    pub tab: U256,
}

/// The feed price a Clipper starts from: `rdiv(val * BLN, par)` (ray), from the oracle value
/// `val` (wad) and the DAI target price `par` (ray) (clip.sol `getFeedPrice`).
pub fn feed_price(val: U256, par: U256) -> Result<U256, AuctionError> {
    rdiv(mul(val, BLN)?, par)
}

/// The Dutch-auction house of one collateral type (clip.sol `Clipper`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clipper {
    ilk: IlkId,
    params: ClipperParams,
    chost: U256,
    kicks: u64,
    sales: BTreeMap<AuctionId, Sale>,
}

impl Clipper {
    /// A Clipper for `ilk` with no auctions and `chost` zero (set it with [`Clipper::upchost`]).
    pub fn new(ilk: IlkId, params: ClipperParams) -> Result<Self, AuctionError> {
        params.calc.validate()?;
        Ok(Clipper {
            ilk,
            params,
            chost: U256::ZERO,
            kicks: 0,
            sales: BTreeMap::new(),
        })
    }

    /// The collateral type sold.
    pub fn ilk(&self) -> IlkId {
        self.ilk
    }

    /// The current settings.
    pub fn params(&self) -> &ClipperParams {
        &self.params
    }

    /// Replaces the settings (clip.sol `file`); running auctions keep their `tic` and `top` but
    /// are priced by the new curve from now on, as on chain.
    pub fn set_params(&mut self, params: ClipperParams) -> Result<(), AuctionError> {
        params.calc.validate()?;
        self.params = params;
        Ok(())
    }

    /// The cached `dust * chop` (rad) below which partial purchases stop.
    pub fn chost(&self) -> U256 {
        self.chost
    }

    /// Sets `chost = wmul(dust, chop)` from the ilk's `dust` (rad) and the Dog's `chop` (wad)
    /// (clip.sol `upchost`).
    pub fn upchost(&mut self, dust: U256, chop: U256) -> Result<(), AuctionError> {
        self.chost = wmul(dust, chop)?;
        Ok(())
    }

    /// Auctions started so far (the last id issued).
    pub fn kicks(&self) -> u64 {
        self.kicks
    }

    /// A running auction.
    pub fn sale(&self, id: AuctionId) -> Option<&Sale> {
        self.sales.get(&id)
    }

    /// Running auctions in id order.
    pub fn sales(&self) -> impl Iterator<Item = (AuctionId, &Sale)> {
        self.sales.iter().map(|(&id, s)| (id, s))
    }

    /// The number of running auctions (clip.sol `count`).
    pub fn count(&self) -> usize {
        self.sales.len()
    }

    /// Starts an auction selling `lot` (wad) for `tab` (rad) of vault owner `usr`, at
    /// `top = feed_price * buf`; `kpr` earns the incentive (clip.sol `kick`; the Dog calls it).
    pub fn kick(
        &mut self,
        tab: U256,
        lot: U256,
        usr: AccountId,
        kpr: AgentId,
        feed_price: U256,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        if tab.is_zero() {
            return Err(AuctionError::ZeroTab);
        }
        if lot.is_zero() {
            return Err(AuctionError::ZeroLot);
        }
        let top = rmul(feed_price, self.params.buf)?;
        if top.is_zero() {
            return Err(AuctionError::ZeroTopPrice);
        }
        let coin = self.incentive(tab)?;
        let id = AuctionId(self.kicks.checked_add(1).ok_or(AuctionError::Overflow)?);
        self.kicks = id.0;
        self.sales.insert(
            id,
            Sale {
                tab,
                lot,
                usr,
                tic: now,
                top,
            },
        );
        Ok(AuctionEvent::Kick {
            id,
            usr,
            tab,
            lot,
            terms: KickTerms::Dutch { top, kpr, coin },
        })
    }

    /// Whether auction `id` needs a reset at `now`, and its current price (clip.sol
    /// `getStatus`).
    pub fn status(&self, id: AuctionId, now: SimTime) -> Result<SaleStatus, AuctionError> {
        let sale = self.sales.get(&id).ok_or(AuctionError::NotRunning(id))?;
        let (needs_redo, price) = self.price_status(sale, now)?;
        Ok(SaleStatus {
            needs_redo,
            price,
            lot: sale.lot,
            tab: sale.tab,
        })
    }

    /// Restarts auction `id` from `top = feed_price * buf` once it needs a reset; `kpr` earns the
    /// incentive unless the auction is dusty (clip.sol `redo`).
    pub fn redo(
        &mut self,
        id: AuctionId,
        kpr: AgentId,
        feed_price: U256,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let sale = *self.sales.get(&id).ok_or(AuctionError::NotRunning(id))?;
        let (done, _) = self.price_status(&sale, now)?;
        if !done {
            return Err(AuctionError::CannotReset);
        }
        let top = rmul(feed_price, self.params.buf)?;
        if top.is_zero() {
            return Err(AuctionError::ZeroTopPrice);
        }
        let coin = if sale.tab >= self.chost && mul(sale.lot, feed_price)? >= self.chost {
            self.incentive(sale.tab)?
        } else {
            U256::ZERO
        };
        let s = self
            .sales
            .get_mut(&id)
            .ok_or(AuctionError::NotRunning(id))?;
        s.tic = now;
        s.top = top;
        Ok(AuctionEvent::Redo {
            id,
            usr: sale.usr,
            kpr,
            top,
            tab: sale.tab,
            lot: sale.lot,
            coin,
        })
    }

    /// Buys up to `amt` (wad) of auction `id` at no more than `max` (ray) for buyer `who`
    /// (clip.sol `take`). The DAI paid leaves the Dog's `Dirt`/`dirt` (`dog.digs`).
    pub fn take(
        &mut self,
        dog: &mut Dog,
        id: AuctionId,
        amt: U256,
        max: U256,
        who: AgentId,
        now: SimTime,
    ) -> Result<AuctionEvent, AuctionError> {
        let sale = *self.sales.get(&id).ok_or(AuctionError::NotRunning(id))?;
        let (done, price) = self.price_status(&sale, now)?;
        if done {
            return Err(AuctionError::NeedsReset);
        }
        if max < price {
            return Err(AuctionError::TooExpensive { price, max });
        }
        let Sale { tab, lot, usr, .. } = sale;
        let mut slice = lot.min(amt);
        let mut owe = mul(slice, price)?;
        if owe > tab {
            // The whole tab is paid; the buyer gets what it buys at this price.
            owe = tab;
            slice = div(owe, price)?;
        } else if owe < tab && slice < lot && tab - owe < self.chost {
            // A partial purchase may not leave a tab below chost: pay down to exactly chost.
            if tab <= self.chost {
                return Err(AuctionError::NoPartialPurchase);
            }
            owe = tab - self.chost;
            slice = div(owe, price)?;
        }
        let tab_left = tab - owe; // owe <= tab
        let lot_left = lot - slice; // slice <= lot
        let digs = if lot_left.is_zero() {
            add(tab_left, owe)?
        } else {
            owe
        };
        dog.digs(self.ilk, digs)?;
        let (returned, deficit) = if lot_left.is_zero() {
            self.sales.remove(&id);
            (U256::ZERO, tab_left)
        } else if tab_left.is_zero() {
            self.sales.remove(&id);
            (lot_left, U256::ZERO)
        } else {
            let s = self
                .sales
                .get_mut(&id)
                .ok_or(AuctionError::NotRunning(id))?;
            s.tab = tab_left;
            s.lot = lot_left;
            (U256::ZERO, U256::ZERO)
        };
        Ok(AuctionEvent::Take {
            id,
            who,
            usr,
            max,
            price,
            slice,
            owe,
            tab: tab_left,
            lot: lot_left,
            returned,
            deficit,
        })
    }

    /// `tip + wmul(tab, chip)`, or zero when both are zero.
    fn incentive(&self, tab: U256) -> Result<U256, AuctionError> {
        let ClipperParams { tip, chip, .. } = self.params;
        if tip.is_zero() && chip.is_zero() {
            return Ok(U256::ZERO);
        }
        add(tip, wmul(tab, chip)?)
    }

    /// clip.sol `status`: (needs reset, current price).
    fn price_status(&self, sale: &Sale, now: SimTime) -> Result<(bool, U256), AuctionError> {
        let dur = secs_since(now, sale.tic)?;
        let price = self.params.calc.price(sale.top, dur)?;
        let done = dur > self.params.tail || rdiv(price, sale.top)? < self.params.cusp;
        Ok((done, price))
    }
}
