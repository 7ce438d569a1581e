//! The slice of Maker's `Vat` that the liquidation modules read and change.
//!
//! The Vat is not modelled here: callers own their vaults and pass what `Dog.bark` and
//! `Cat.bite` read from `vat.ilks(ilk)` and `vat.urns(ilk, urn)`. A successful liquidation
//! performs its `vat.grab` on the [`Urn`] it was given (collateral and debt leave the vault).
//! Source: makerdao/dss@src/vat.sol:Ilk, :Urn and :grab.

use cascade_types::AccountId;
use ruint::aliases::U256;

use crate::AuctionError;
use crate::math::mul;

/// A collateral type's rates as the Vat holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VatIlk {
    /// Debt per unit of normalised debt (accumulated stability fee) (ray).
    pub rate: U256,
    /// Collateral price with the safety margin, `price / par / mat` (ray).
    pub spot: U256,
    /// Smallest debt a vault may hold (the debt floor) (rad).
    pub dust: U256,
}

/// One vault: its owner, locked collateral and normalised debt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Urn {
    /// The owner, who receives collateral left over by an auction.
    pub owner: AccountId,
    /// Locked collateral (wad).
    pub ink: U256,
    /// Normalised debt (wad); the debt is `art * rate` (rad).
    pub art: U256,
}

impl Urn {
    /// Whether the vault may be liquidated: `ink * spot < art * rate` with a positive `spot`.
    pub fn is_unsafe(&self, ilk: &VatIlk) -> Result<bool, AuctionError> {
        Ok(!ilk.spot.is_zero() && mul(self.ink, ilk.spot)? < mul(self.art, ilk.rate)?)
    }

    /// The vault's debt, `art * rate` (rad).
    pub fn debt(&self, ilk: &VatIlk) -> Result<U256, AuctionError> {
        mul(self.art, ilk.rate)
    }
}
