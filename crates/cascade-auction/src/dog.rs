//! Liquidations 2.0 liquidation module: the Dog.
//!
//! This module owns the liquidation limits: the global `Hole`/`Dirt` and, per collateral type,
//! `chop`, `hole` and `dirt` (DAI that active auctions still need to raise). It re-derives
//! makerdao/dss@src/dog.sol:bark and makerdao/dss@src/dog.sol:digs:
//!
//! - `room = min(Hole - Dirt, hole - dirt)`, refused unless both limits have room;
//! - `dart = min(art, room * WAD / rate / chop)` (a partial liquidation when room is short);
//! - if the vault would keep a debt below `dust`, it is liquidated entirely (the limits may then
//!   be exceeded by at most about `dust * chop`); otherwise a partial liquidation must itself be
//!   at least `dust`;
//! - `dink = ink * dart / art`, `due = dart * rate`, `tab = due * chop / WAD`;
//!   `Dirt += tab`, `dirt += tab`, and the ilk's Clipper is kicked.
//!
//! Not modelled: `live`/`cage`, the Vow's `fess` (the returned [`Barked::due`] is the debt the
//! protocol takes over).

use std::collections::BTreeMap;

use cascade_types::{AgentId, SimTime};
use ruint::aliases::U256;

use crate::clip::Clipper;
use crate::event::AuctionEvent;
use crate::math::{WAD, add, div, mul, sub};
use crate::vat::{Urn, VatIlk};
use crate::{AuctionError, AuctionId, IlkId};

/// The Dog's settings and exposure for one collateral type (dog.sol `Ilk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DogIlk {
    /// Liquidation penalty, at least one (wad) (1.13 = 13%).
    pub chop: U256,
    /// Most DAI that this ilk's active auctions may need to raise (rad).
    pub hole: U256,
    /// DAI that this ilk's active auctions still need to raise (rad).
    pub dirt: U256,
}

/// A successful `bark`: what was seized and the auction it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Barked {
    /// The new auction in the ilk's Clipper.
    pub id: AuctionId,
    /// Collateral taken from the vault (wad).
    pub dink: U256,
    /// Normalised debt taken from the vault (wad).
    pub dart: U256,
    /// Debt the protocol takes over, `dart * rate` (rad).
    pub due: U256,
    /// DAI the auction must raise, `due * chop` (rad).
    pub tab: U256,
    /// The Clipper's kick.
    pub kick: AuctionEvent,
}

/// The Liquidations 2.0 liquidation module (dog.sol `Dog`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dog {
    hole: U256,
    dirt: U256,
    ilks: BTreeMap<IlkId, DogIlk>,
}

impl Dog {
    /// A Dog with global limit `hole` (rad) (Maker's `Hole`) and no collateral types.
    pub fn new(hole: U256) -> Self {
        Dog {
            hole,
            dirt: U256::ZERO,
            ilks: BTreeMap::new(),
        }
    }

    /// Maker's `Hole`: the most DAI all active auctions may need to raise (rad).
    pub fn global_hole(&self) -> U256 {
        self.hole
    }

    /// Maker's `Dirt`: the DAI all active auctions still need to raise (rad).
    pub fn global_dirt(&self) -> U256 {
        self.dirt
    }

    /// Sets `Hole` (rad).
    pub fn set_global_hole(&mut self, hole: U256) {
        self.hole = hole;
    }

    /// Sets an ilk's `chop` (wad) and `hole` (rad), keeping its `dirt`; refuses `chop < WAD`
    /// (dog.sol `file-chop-lt-WAD`).
    pub fn set_ilk(&mut self, ilk: IlkId, chop: U256, hole: U256) -> Result<(), AuctionError> {
        if chop < WAD {
            return Err(AuctionError::InvalidParameter("chop must be at least WAD"));
        }
        let dirt = self.ilks.get(&ilk).map_or(U256::ZERO, |i| i.dirt);
        self.ilks.insert(ilk, DogIlk { chop, hole, dirt });
        Ok(())
    }

    /// An ilk's settings and exposure.
    pub fn ilk(&self, ilk: IlkId) -> Option<&DogIlk> {
        self.ilks.get(&ilk)
    }

    /// An ilk's `chop` (wad) (dog.sol `chop`).
    pub fn chop(&self, ilk: IlkId) -> Result<U256, AuctionError> {
        Ok(self.get(ilk)?.chop)
    }

    /// Liquidates vault `urn` of the Clipper's ilk, wholly or partly, and starts a Dutch auction
    /// at `feed_price` (ray); `kpr` earns the Clipper's incentive (dog.sol `bark`). On success the
    /// seized collateral and debt leave `urn` (`vat.grab`).
    pub fn bark(
        &mut self,
        clip: &mut Clipper,
        vat_ilk: &VatIlk,
        urn: &mut Urn,
        kpr: AgentId,
        feed_price: U256,
        now: SimTime,
    ) -> Result<Barked, AuctionError> {
        let ilk = clip.ilk();
        let milk = *self.get(ilk)?;
        let Urn { ink, art, owner } = *urn;
        let VatIlk { rate, dust, .. } = *vat_ilk;
        if !urn.is_unsafe(vat_ilk)? {
            return Err(AuctionError::NotUnsafe);
        }
        if self.hole <= self.dirt || milk.hole <= milk.dirt {
            return Err(AuctionError::LiquidationLimitHit);
        }
        let room = (self.hole - self.dirt).min(milk.hole - milk.dirt);
        let mut dart = art.min(div(div(mul(room, WAD)?, rate)?, milk.chop)?);
        if art > dart {
            if mul(art - dart, rate)? < dust {
                // A dusty remainder: liquidate the whole vault.
                dart = art;
            } else if mul(dart, rate)? < dust {
                return Err(AuctionError::DustyAuctionFromPartialLiquidation);
            }
        }
        // art > 0: an unsafe vault has debt.
        let dink = div(mul(ink, dart)?, art)?;
        if dink.is_zero() {
            return Err(AuctionError::NullAuction);
        }
        let due = mul(dart, rate)?;
        let tab = mul(due, milk.chop)? / WAD;
        let global_dirt = add(self.dirt, tab)?;
        let ilk_dirt = add(milk.dirt, tab)?;
        let kick = clip.kick(tab, dink, owner, kpr, feed_price, now)?;
        // Nothing can fail past the kick: commit.
        self.dirt = global_dirt;
        self.get_mut(ilk)?.dirt = ilk_dirt;
        urn.ink = ink - dink; // dink <= ink since dart <= art
        urn.art = art - dart;
        Ok(Barked {
            id: kick.id(),
            dink,
            dart,
            due,
            tab,
            kick,
        })
    }

    /// Removes `rad` from `Dirt` and the ilk's `dirt` as auctions raise DAI or end (dog.sol
    /// `digs`, called by the Clipper). Refused, with nothing changed, if either would go below
    /// zero.
    pub fn digs(&mut self, ilk: IlkId, rad: U256) -> Result<(), AuctionError> {
        let global_dirt = sub(self.dirt, rad)?;
        let milk = self.get_mut(ilk)?;
        milk.dirt = sub(milk.dirt, rad)?;
        self.dirt = global_dirt;
        Ok(())
    }

    fn get(&self, ilk: IlkId) -> Result<&DogIlk, AuctionError> {
        self.ilks.get(&ilk).ok_or(AuctionError::UnknownIlk(ilk))
    }

    fn get_mut(&mut self, ilk: IlkId) -> Result<&mut DogIlk, AuctionError> {
        self.ilks.get_mut(&ilk).ok_or(AuctionError::UnknownIlk(ilk))
    }
}
