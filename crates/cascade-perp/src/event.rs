//! What each operation did, returned so an engine can trace it and act on orders.

use crate::account::{MarketId, Scope};
use cascade_types::{AccountId, Lots, Side, SimTime, Ticks};

/// A reduce-only market order the venue sends to its book to liquidate a position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOrder {
    /// The account being liquidated.
    pub account: AccountId,
    /// The market.
    pub market: MarketId,
    /// `Ask` closes a long, `Bid` a short.
    pub side: Side,
    /// Lots to close.
    pub size: Lots,
}

/// One step of the risk engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A market order for the whole position goes to the book.
    LiquidationOrder(LiquidationOrder),
    /// A market order for part of the position goes to the book, and the account's partial
    /// liquidation cooldown starts.
    PartialLiquidation {
        /// The order (its size is the partial size).
        order: LiquidationOrder,
        /// The whole position before the order.
        position: Lots,
        /// Until then, further liquidation orders of this account are for whole positions.
        cooldown_until: SimTime,
    },
    /// A liquidation order (or part of it) filled and was settled.
    LiquidationFill {
        /// The liquidated account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Lots closed.
        size: Lots,
        /// Average fill price.
        price: Ticks,
        /// PnL realised by the close.
        realised_pnl: i128,
        /// Liquidation fee charged (to the insurance fund or the venue, per the parameters).
        fee: u128,
    },
    /// The backstop vault took over the scope's positions (at the mark) and its collateral.
    BackstopTransfer {
        /// The liquidated account.
        account: AccountId,
        /// Cross or one isolated position.
        scope: Scope,
        /// The positions taken over, `(market, signed size)`.
        positions: Vec<(MarketId, i64)>,
        /// Collateral moved to the vault: the scope's equity at the mark.
        collateral: i128,
    },
    /// The insurance fund received money (a liquidation fee or a liquidation surplus).
    InsuranceDeposit {
        /// The liquidated account it came from.
        account: AccountId,
        /// Quote atoms.
        amount: u128,
    },
    /// The insurance fund paid a liquidated scope's negative equity.
    InsuranceDraw {
        /// The account whose deficit was covered.
        account: AccountId,
        /// Quote atoms.
        amount: u128,
    },
    /// Auto-deleveraging: `size` lots of the bankrupt account's position were closed against
    /// `counterparty`'s opposite position at `price`.
    Adl {
        /// The bankrupt account.
        account: AccountId,
        /// The deleveraged account.
        counterparty: AccountId,
        /// The market.
        market: MarketId,
        /// Lots closed on both sides.
        size: Lots,
        /// The price both sides closed at.
        price: Ticks,
    },
    /// Auto-deleveraging ran out of opposite positions with `size` lots still open.
    AdlUnfilled {
        /// The bankrupt account.
        account: AccountId,
        /// The market.
        market: MarketId,
        /// Lots left open.
        size: Lots,
    },
    /// A deficit neither the insurance fund nor ADL covered, written off.
    BadDebt {
        /// The account whose deficit was written off.
        account: AccountId,
        /// Quote atoms.
        amount: u128,
    },
}

impl Event {
    /// The order to send to the book, for [`Event::LiquidationOrder`] and
    /// [`Event::PartialLiquidation`].
    pub fn order(&self) -> Option<&LiquidationOrder> {
        match self {
            Event::LiquidationOrder(o) | Event::PartialLiquidation { order: o, .. } => Some(o),
            _ => None,
        }
    }
}
