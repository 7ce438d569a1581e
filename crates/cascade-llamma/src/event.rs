//! Events, one per state change, in the order the contracts log them.
//!
//! The AMM logs `TokenExchange`, `Deposit`, `Withdraw` and `SetRate`; the Controller logs
//! `Borrow` and `Liquidate` (`UserState` and `Repay` are not reproduced: their content is in the
//! returned outcomes). Amounts are token units at each token's own precision, as the contracts
//! log them.

use cascade_types::{AccountId, AgentId, SimTime};

/// One of the AMM's two coins (the contract's index 0 and 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Coin {
    /// The borrowed coin `x`, the stablecoin (index 0).
    Borrowed,
    /// The collateral coin `y` (index 1).
    Collateral,
}

impl Coin {
    /// The other coin.
    pub const fn other(self) -> Coin {
        match self {
            Coin::Borrowed => Coin::Collateral,
            Coin::Collateral => Coin::Borrowed,
        }
    }

    /// The contract's coin index.
    pub const fn index(self) -> u8 {
        match self {
            Coin::Borrowed => 0,
            Coin::Collateral => 1,
        }
    }
}

/// Something that happened in the market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LlammaEvent {
    /// A swap through the bands (`AMM.TokenExchange`).
    TokenExchange {
        /// Who traded.
        buyer: AgentId,
        /// The coin paid in.
        sold: Coin,
        /// Amount paid in.
        tokens_sold: u128,
        /// Amount paid out (of the other coin).
        tokens_bought: u128,
        /// The active band after the swap.
        active_band: i64,
    },
    /// Collateral deposited over bands `n1..=n2` (`AMM.Deposit`).
    Deposit {
        /// Owner of the deposit.
        provider: AccountId,
        /// Collateral deposited.
        amount: u128,
        /// Lowest band number (highest price).
        n1: i64,
        /// Highest band number (lowest price).
        n2: i64,
    },
    /// A user's liquidity withdrawn from the bands (`AMM.Withdraw`).
    Withdraw {
        /// Owner of the deposit.
        provider: AccountId,
        /// Borrowed coin withdrawn.
        amount_borrowed: u128,
        /// Collateral withdrawn.
        amount_collateral: u128,
    },
    /// A new interest rate (`AMM.SetRate`).
    SetRate {
        /// Rate per second, WAD.
        rate: u128,
        /// The rate multiplier at the time of the change, WAD.
        rate_mul: u128,
        /// When.
        time: SimTime,
    },
    /// A loan opened (`Controller.Borrow`).
    Borrow {
        /// The borrower.
        user: AccountId,
        /// Collateral added.
        collateral_increase: u128,
        /// Debt added.
        loan_increase: u128,
    },
    /// A hard liquidation (`Controller.Liquidate`).
    Liquidate {
        /// Who liquidated.
        liquidator: AgentId,
        /// Whose loan.
        user: AccountId,
        /// Collateral taken out of the user's bands (to the liquidator).
        collateral_received: u128,
        /// Borrowed coin taken out of the user's bands.
        stablecoin_received: u128,
        /// Debt repaid.
        debt: u128,
    },
}
