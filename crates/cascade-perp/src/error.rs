//! Why an operation is refused. Nothing is changed when an error is returned.

use crate::account::{MarketId, Scope};
use cascade_types::{AccountId, Lots, Ticks};
use thiserror::Error;

/// A refused operation.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PerpError {
    /// No such account.
    #[error("unknown account {0}")]
    UnknownAccount(AccountId),
    /// No such market.
    #[error("unknown market {0}")]
    UnknownMarket(MarketId),
    /// The marks slice does not have one price per market.
    #[error("{got} marks given for {expected} markets")]
    MarksLength {
        /// Markets of the venue.
        expected: usize,
        /// Marks passed.
        got: usize,
    },
    /// A price that is not positive or above [`crate::MAX_TICKS`].
    #[error("price {0:?} is out of range")]
    InvalidPrice(Ticks),
    /// A size of zero or above [`crate::MAX_LOTS`].
    #[error("size {0} is zero or out of range")]
    InvalidSize(i128),
    /// The account has no position in the market (or none in that scope).
    #[error("account {account} has no position in market {market}")]
    NoPosition {
        /// The account.
        account: AccountId,
        /// The market.
        market: MarketId,
    },
    /// A liquidation fill larger than the position.
    #[error("fill of {fill} lots exceeds the position of {position} lots")]
    FillExceedsPosition {
        /// Lots reported filled.
        fill: Lots,
        /// Lots in the position.
        position: Lots,
    },
    /// The scope's equity is not below its maintenance requirement.
    #[error("account {account} is not liquidatable in scope {scope:?}")]
    NotLiquidatable {
        /// The account.
        account: AccountId,
        /// The scope.
        scope: Scope,
    },
    /// The backstop vault is never liquidated by the venue.
    #[error("the backstop vault is not liquidated by the venue")]
    VaultNotLiquidatable,
    /// Not enough cross collateral to move into isolated margin.
    #[error("cross collateral {available} is below the {wanted} asked for")]
    InsufficientCollateral {
        /// Collateral available.
        available: i128,
        /// Collateral asked for.
        wanted: u128,
    },
    /// The position is already isolated.
    #[error("the position in market {0} is already isolated")]
    AlreadyIsolated(MarketId),
}
