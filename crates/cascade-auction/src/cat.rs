//! Liquidations 1.2 liquidation module: the Cat.
//!
//! This module owns the Liquidations 1.2 limits: `box`, the most DAI that active auctions may
//! need to raise, its running total `litter`, and per collateral type `chop` and `dunk` (the
//! largest tab one auction may ask). It re-derives makerdao/dss@src/cat.sol:bite and
//! makerdao/dss@src/cat.sol:claw (the Liquidations 1.2 version with `box`, `litter` and `dunk`):
//!
//! - `room = box - litter`, refused unless `litter < box` and `room >= dust`;
//! - `dart = min(art, min(dunk, room) * WAD / rate / chop)`, `dink = min(ink, ink * dart / art)`
//!   (unlike the Dog, this may leave a dusty vault);
//! - `tab = dart * rate * chop / WAD`, `litter += tab`, and the Flipper is kicked with a bid of 0.
//!
//! Not modelled: `live`/`cage` and the Vow's `fess` ([`Bitten::due`] is the debt taken over).

use std::collections::BTreeMap;

use cascade_types::SimTime;
use ruint::aliases::U256;

use crate::event::AuctionEvent;
use crate::flip::Flipper;
use crate::math::{WAD, add, div, mul, sub};
use crate::vat::{Urn, VatIlk};
use crate::{AuctionError, AuctionId, IlkId};

/// The Cat's settings for one collateral type (cat.sol `Ilk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatIlk {
    /// Liquidation penalty (wad) (1.13 = 13%).
    pub chop: U256,
    /// Largest tab of one auction (rad).
    pub dunk: U256,
}

/// A successful `bite`: what was seized and the auction it started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bitten {
    /// The new auction in the ilk's Flipper.
    pub id: AuctionId,
    /// Collateral taken from the vault (wad).
    pub dink: U256,
    /// Normalised debt taken from the vault (wad).
    pub dart: U256,
    /// Debt the protocol takes over, `dart * rate` (rad).
    pub due: U256,
    /// DAI the auction must raise, `due * chop` (rad).
    pub tab: U256,
    /// The Flipper's kick.
    pub kick: AuctionEvent,
}

/// The Liquidations 1.2 liquidation module (cat.sol `Cat`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cat {
    box_cap: U256,
    litter: U256,
    ilks: BTreeMap<IlkId, CatIlk>,
}

impl Cat {
    /// A Cat with limit `box_cap` (rad) (Maker's `box`) and no collateral types.
    pub fn new(box_cap: U256) -> Self {
        Cat {
            box_cap,
            litter: U256::ZERO,
            ilks: BTreeMap::new(),
        }
    }

    /// Maker's `box`: the most DAI active auctions may need to raise (rad).
    pub fn box_cap(&self) -> U256 {
        self.box_cap
    }

    /// Sets `box` (rad).
    pub fn set_box(&mut self, box_cap: U256) {
        self.box_cap = box_cap;
    }

    /// Maker's `litter`: DAI active auctions still need to raise (rad).
    pub fn litter(&self) -> U256 {
        self.litter
    }

    /// Sets an ilk's `chop` (wad) and `dunk` (rad) (cat.sol `file`, which checks neither).
    pub fn set_ilk(&mut self, ilk: IlkId, chop: U256, dunk: U256) {
        self.ilks.insert(ilk, CatIlk { chop, dunk });
    }

    /// An ilk's settings.
    pub fn ilk(&self, ilk: IlkId) -> Option<&CatIlk> {
        self.ilks.get(&ilk)
    }

    /// Liquidates vault `urn` of the Flipper's ilk, up to `dunk` and the room under `box`, and
    /// starts an English auction (cat.sol `bite`). On success the seized collateral and debt
    /// leave `urn` (`vat.grab`).
    pub fn bite(
        &mut self,
        flip: &mut Flipper,
        vat_ilk: &VatIlk,
        urn: &mut Urn,
        now: SimTime,
    ) -> Result<Bitten, AuctionError> {
        let ilk = flip.ilk();
        let milk = *self.ilks.get(&ilk).ok_or(AuctionError::UnknownIlk(ilk))?;
        let Urn { ink, art, owner } = *urn;
        let VatIlk { rate, dust, .. } = *vat_ilk;
        if !urn.is_unsafe(vat_ilk)? {
            return Err(AuctionError::NotUnsafe);
        }
        if self.litter >= self.box_cap {
            return Err(AuctionError::LiquidationLimitHit);
        }
        let room = self.box_cap - self.litter;
        if room < dust {
            return Err(AuctionError::LiquidationLimitHit);
        }
        let dart = art.min(div(div(mul(milk.dunk.min(room), WAD)?, rate)?, milk.chop)?);
        // art > 0: an unsafe vault has debt.
        let dink = ink.min(div(mul(ink, dart)?, art)?);
        if dart.is_zero() || dink.is_zero() {
            return Err(AuctionError::NullAuction);
        }
        let due = mul(dart, rate)?;
        let tab = mul(due, milk.chop)? / WAD;
        let litter = add(self.litter, tab)?;
        let kick = flip.kick(owner, tab, dink, U256::ZERO, now)?;
        // Nothing can fail past the kick: commit.
        self.litter = litter;
        urn.ink = ink - dink;
        urn.art = art - dart;
        Ok(Bitten {
            id: kick.id(),
            dink,
            dart,
            due,
            tab,
            kick,
        })
    }

    /// Removes `rad` from `litter` when an auction ends (cat.sol `claw`, called by the Flipper).
    pub fn claw(&mut self, rad: U256) -> Result<(), AuctionError> {
        self.litter = sub(self.litter, rad)?;
        Ok(())
    }
}
