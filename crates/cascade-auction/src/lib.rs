//! MakerDAO's collateral auctions as a pure library: Liquidations 2.0 (Dutch) and 1.2 (English).
//!
//! This crate owns the state and rules of Maker's liquidation modules and auction houses, with
//! Maker's fixed-point units and rounding. It holds no clock, no randomness and no balances:
//! callers pass the time as a [`SimTime`], the vault as an [`Urn`], the feed price, and settle
//! the DAI and collateral moves from the [`AuctionEvent`] each operation returns.
//!
//! - [`Dog`] and [`Clipper`] (Liquidations 2.0, makerdao/dss@src/dog.sol:bark and
//!   makerdao/dss@src/clip.sol:kick/take/redo):
//!   `bark` with `Hole`/`hole` limits and the dust rule, Dutch auctions with `kick`, `take`,
//!   `redo` and `status`;
//! - [`Abacus`] (makerdao/dss@src/abaci.sol:price of each curve): LinearDecrease,
//!   StairstepExponentialDecrease and ExponentialDecrease;
//! - [`Cat`] and [`Flipper`] (Liquidations 1.2, makerdao/dss@src/cat.sol:bite and
//!   makerdao/dss@src/flip.sol:tend/dent/deal):
//!   `bite` with `box`/`dunk` limits, English auctions with `tend`, `dent`, `tick` and `deal`,
//!   including the zero-bid outcome of Black Thursday;
//! - [`math`]: `wmul`, `rmul`, `rdiv`, `rpow` on [`U256`] and the `WAD`/`RAY`/`RAD` units.
//!
//! Units: collateral in wad (10^18), prices and rates in ray (10^27), DAI in rad (10^45), all as
//! [`U256`] like Solidity's `uint256`. Durations are whole seconds (`u64`), as the contracts'
//! `block.timestamp` arithmetic. Every refusal is an [`AuctionError`] and leaves all state
//! unchanged.

#![warn(missing_docs)]

mod abacus;
mod cat;
mod clip;
mod dog;
mod error;
mod event;
mod flip;
mod ids;
pub mod math;
mod vat;

pub use abacus::Abacus;
pub use cat::{Bitten, Cat, CatIlk};
pub use clip::{Clipper, ClipperParams, Sale, SaleStatus, feed_price};
pub use dog::{Barked, Dog, DogIlk};
pub use error::AuctionError;
pub use event::{AuctionEvent, KickTerms};
pub use flip::{FlipBid, Flipper, FlipperParams, MAX_DURATION_SECS};
pub use ids::{AuctionId, IlkId};
pub use ruint::aliases::U256;
pub use vat::{Urn, VatIlk};

use cascade_types::SimTime;

/// Whole seconds from `since` to `now` (the contracts' `block.timestamp - tic`), refusing a
/// `now` before `since` as Solidity's checked `sub` does.
fn secs_since(now: SimTime, since: SimTime) -> Result<u64, AuctionError> {
    if now < since {
        return Err(AuctionError::TimeWentBackwards { now, since });
    }
    Ok((now.as_nanos() - since.as_nanos()) / 1_000_000_000)
}
