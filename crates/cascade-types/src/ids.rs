//! Identifiers and the side of an order.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$m:meta])* $name:ident, $inner:ty) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub struct $name(pub $inner);

        impl $name {
            /// The id as an index into a dense vector.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id!(
    /// A trading agent (market maker, liquidator, ...), dense from 0 within one world.
    AgentId,
    u32
);
id!(
    /// A borrower account in a lending market, dense from 0.
    AccountId,
    u32
);
id!(
    /// A resting or incoming order, assigned by the book that holds it.
    OrderId,
    u64
);
id!(
    /// A liquidation, numbered in the order liquidations happen within one run.
    LiquidationId,
    u32
);

/// The side of an order: a bid buys the base asset, an ask sells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    /// Buy the base asset.
    Bid,
    /// Sell the base asset.
    Ask,
}

impl Side {
    /// The other side.
    pub const fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }

    /// `"buy"` or `"sell"`, as written in traces.
    pub const fn as_str(self) -> &'static str {
        match self {
            Side::Bid => "buy",
            Side::Ask => "sell",
        }
    }
}
