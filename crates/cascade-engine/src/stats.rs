//! Counters of a run, turned into the summary by the caller.

use cascade_types::{Lots, Quote, SimTime, Ticks};

/// What happened in a run, in integer units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunStats {
    /// Events processed.
    pub events: u64,
    /// Simulated time at the end.
    pub end: SimTime,
    /// Liquidations of every protocol (lending calls, and perp liquidations: see
    /// [`crate::PerpStats::liquidations`]).
    pub liquidations: u64,
    /// Liquidations of every protocol per generation (index = generation).
    pub by_generation: Vec<u64>,
    /// Debt repaid by liquidators.
    pub debt_repaid: Quote,
    /// Collateral taken from accounts (liquidators' share plus protocol fee).
    pub collateral_seized: Lots,
    /// That collateral valued at the oracle price of each liquidation.
    pub liquidated_value: Quote,
    /// Debt written off when accounts ran out of collateral.
    pub deficit: Quote,
    /// Debt above collateral value of accounts still open at the end, at the last oracle price.
    pub open_shortfall: Quote,
    /// Accounts still liquidatable at the last oracle price when the run ends (liquidators
    /// found no profitable or possible liquidation for them).
    pub left_liquidatable: u64,
    /// Their debt.
    pub left_liquidatable_debt: Quote,
    /// Trades in the book.
    pub trades: u64,
    /// Base traded in the book.
    pub volume: Lots,
    /// Base sold by liquidators into the book.
    pub liquidation_sales: Lots,
    /// Oracle rounds published.
    pub oracle_publications: u64,
    /// Times the market oracle's deviation breaker paused liquidations.
    pub breaker_trips: u64,
    /// Liquidator wakes that found no price the market may act on (stale or too wide a pull
    /// price, a paused breaker).
    pub oracle_blocked_wakes: u64,
    /// Swaps on AMM pools (sales, arbitrage legs).
    pub pool_swaps: u64,
    /// Arbitrages executed between a pool and a book.
    pub arbitrages: u64,
    /// Observations dropped because a later one had arrived.
    pub stale_observations: u64,
    /// Lowest book mid seen at any event.
    pub min_mid: Option<Ticks>,
    /// Lowest published oracle price.
    pub min_oracle: Option<Ticks>,
    /// Lowest reference price (nearest tick).
    pub min_reference: Option<Ticks>,
    /// Accounts passed over: no capital, unprofitable, would revert.
    pub skipped_no_capital: u64,
    /// See `skipped_no_capital`.
    pub skipped_unprofitable: u64,
    /// See `skipped_no_capital`.
    pub skipped_reverts: u64,
    /// Liquidator wake-ups that stopped because the per-window liquidation cap was used up.
    pub skipped_cap: u64,
    /// Gas paid by liquidators.
    pub gas_spent: Quote,
    /// Liquidation sales valued at the oracle-observed price just before each sale, minus what
    /// they fetched: the cost of selling into the venues, in quote atoms.
    pub sale_slippage: i128,
    /// The first invariant violation, if the run found one (a bug in cascade; with
    /// `--check-invariants` the run stops there).
    pub invariant_violation: Option<String>,
    /// Liquidators' cash plus inventory at the last mid, minus their starting cash and
    /// inventory at the first mid, in quote atoms.
    pub liquidator_pnl: i128,
    /// The perp venue's counters, if the world runs one.
    pub perps: Option<crate::perps::PerpStats>,
    /// Vaults, auctions and keepers (all zero without vaults).
    pub vaults: crate::vaults::VaultStats,
    /// Each oracle manipulator's attack, in scenario order.
    pub attacks: Vec<crate::attack::AttackStats>,
    /// Each sandwicher's sandwiches, in scenario order.
    pub sandwiches: Vec<crate::attack::SandwichStats>,
    /// The lending protocol's own books (reserves, collateral it holds, credit to borrowers).
    pub lending: LendingStats,
}

/// The lending protocol's books over a run, beyond what liquidators paid and received.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LendingStats {
    /// Protocol reserves at the start, in quote atoms (Compound's; zero for Aave and Morpho).
    pub reserves_start: i128,
    /// Protocol reserves at the end.
    pub reserves_end: i128,
    /// The lowest level the reserves reached after any liquidation (the start if none).
    pub reserves_lowest: i128,
    /// Credit given to borrowers whose collateral was worth more than their debt (Compound's
    /// absorb surplus).
    pub borrower_credit: Quote,
    /// Collateral the protocol holds at the end (Aave's treasury fees, Compound's unsold
    /// stock).
    pub protocol_collateral: Lots,
    /// That collateral at the last oracle price.
    pub protocol_collateral_value: Quote,
}

impl RunStats {
    /// The highest generation seen, if any liquidation happened.
    pub fn max_generation(&self) -> Option<u32> {
        self.by_generation.len().checked_sub(1).map(|g| g as u32)
    }
}
