//! The one error type of the auction crate.
//!
//! Every request the contracts would revert is refused with an [`AuctionError`], never a panic,
//! and a refused request leaves every state it was given unchanged (as a reverted transaction
//! does). Names follow the contracts' revert strings (`Clipper/needs-reset` is
//! [`AuctionError::NeedsReset`], `Flipper/insufficient-increase` is
//! [`AuctionError::InsufficientIncrease`], ...).

use cascade_types::SimTime;
use ruint::aliases::U256;
use thiserror::Error;

use crate::{AuctionId, IlkId};

/// Why a liquidation or auction request was refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum AuctionError {
    /// A product or sum does not fit in 256 bits (Solidity's checked `mul`/`add`).
    #[error("arithmetic overflow")]
    Overflow,
    /// A subtraction would go below zero (Solidity's checked `sub`).
    #[error("arithmetic underflow")]
    Underflow,
    /// A division by zero (a zero `rate`, `chop`, `price` or `step`).
    #[error("division by zero")]
    DivisionByZero,
    /// The caller's clock is earlier than a time the auction already recorded.
    #[error("time went backwards: {now} is before {since}")]
    TimeWentBackwards {
        /// The time the caller passed.
        now: SimTime,
        /// The recorded time it precedes.
        since: SimTime,
    },
    /// A parameter outside the range the contracts accept (their `file` checks).
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// The liquidation module has no settings for this collateral type.
    #[error("collateral type {0} is not configured")]
    UnknownIlk(IlkId),
    /// No auction with this id is running (`Clipper/not-running-auction`, `Flipper/guy-not-set`).
    #[error("auction {0} is not running")]
    NotRunning(AuctionId),

    /// The vault is safe (`Dog/not-unsafe`, `Cat/not-unsafe`).
    #[error("the vault is not unsafe")]
    NotUnsafe,
    /// No room under the liquidation limits (`Dog/liquidation-limit-hit`,
    /// `Cat/liquidation-limit-hit`).
    #[error("liquidation limit hit")]
    LiquidationLimitHit,
    /// A partial liquidation would start an auction below `dust`
    /// (`Dog/dusty-auction-from-partial-liquidation`).
    #[error("a partial liquidation would start a dusty auction")]
    DustyAuctionFromPartialLiquidation,
    /// The liquidation would seize no collateral (`Dog/null-auction`, `Cat/null-auction`).
    #[error("null auction: no collateral or debt to seize")]
    NullAuction,

    /// `Clipper/zero-tab`.
    #[error("an auction needs a positive tab")]
    ZeroTab,
    /// `Clipper/zero-lot`.
    #[error("an auction needs a positive lot")]
    ZeroLot,
    /// The starting price `feedPrice * buf` is zero (`Clipper/zero-top-price`).
    #[error("the starting price is zero")]
    ZeroTopPrice,
    /// The auction is past `tail` or below `cusp` and must be reset first (`Clipper/needs-reset`).
    #[error("the auction needs a reset")]
    NeedsReset,
    /// The auction does not need a reset (`Clipper/cannot-reset`).
    #[error("the auction cannot be reset yet")]
    CannotReset,
    /// The current price is above the buyer's limit (`Clipper/too-expensive`).
    #[error("price {price} is above the buyer's maximum {max}")]
    TooExpensive {
        /// The auction's current price (ray).
        price: U256,
        /// The buyer's maximum (ray).
        max: U256,
    },
    /// The remaining tab is at or below `chost`: only the whole lot may be bought
    /// (`Clipper/no-partial-purchase`).
    #[error("the tab is at or below chost: partial purchases are refused")]
    NoPartialPurchase,

    /// The bid expiry has passed (`Flipper/already-finished-tic`).
    #[error("the auction's last bid has expired")]
    AlreadyFinishedTic,
    /// The auction end has passed (`Flipper/already-finished-end`).
    #[error("the auction has ended")]
    AlreadyFinishedEnd,
    /// A tend must bid on the whole current lot (`Flipper/lot-not-matching`).
    #[error("the lot does not match the auction's lot")]
    LotNotMatching,
    /// A tend above the tab (`Flipper/higher-than-tab`).
    #[error("the bid is higher than the tab")]
    HigherThanTab,
    /// A tend must raise the bid (`Flipper/bid-not-higher`).
    #[error("the bid is not higher than the current bid")]
    BidNotHigher,
    /// A tend below `beg` times the current bid that is not the tab
    /// (`Flipper/insufficient-increase`).
    #[error("the bid does not raise the current bid by beg")]
    InsufficientIncrease,
    /// A dent must keep the bid (`Flipper/not-matching-bid`).
    #[error("the bid does not match the auction's bid")]
    NotMatchingBid,
    /// A dent before the bid reached the tab (`Flipper/tend-not-finished`).
    #[error("the tend phase is not finished")]
    TendNotFinished,
    /// A dent must lower the lot (`Flipper/lot-not-lower`).
    #[error("the lot is not lower than the current lot")]
    LotNotLower,
    /// A dent that does not lower the lot by `beg` (`Flipper/insufficient-decrease`).
    #[error("the lot is not lowered by beg")]
    InsufficientDecrease,
    /// `Flipper/not-finished`: deal before the auction ended, or tick before `end` passed.
    #[error("the auction is not finished")]
    NotFinished,
    /// Tick on an auction that has a bid (`Flipper/bid-already-placed`).
    #[error("a bid was already placed")]
    BidAlreadyPlaced,
}
