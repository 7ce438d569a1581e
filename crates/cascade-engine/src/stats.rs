//! Counters of a run, turned into the summary by the caller.

use cascade_types::{Lots, Quote, SimTime, Ticks};

/// Collateral sold in one minute of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinuteSales {
    /// Sold by liquidators (seized collateral).
    pub liquidations: Lots,
    /// Sold by deleverage bots.
    pub deleverage: Lots,
}

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
    /// Borrowers' deleverage bots (all zero without them).
    pub deleverage: crate::deleverage::DeleverageStats,
    /// Collateral sold per minute of simulated time (index = minute) by liquidations and by
    /// deleverage bots, for figures of sell pressure.
    pub sold_per_minute: Vec<MinuteSales>,
    /// Vaults, auctions and keepers (all zero without vaults).
    pub vaults: crate::vaults::VaultStats,
    /// Each oracle manipulator's attack, in scenario order.
    pub attacks: Vec<crate::attack::AttackStats>,
    /// Each sandwicher's sandwiches, in scenario order.
    pub sandwiches: Vec<crate::attack::SandwichStats>,
    /// The lending protocol's own books (reserves, collateral it holds, credit to borrowers).
    pub lending: LendingStats,
    /// Per liquidator, by liquidator index (agent label `liq<i>`).
    pub liquidators: Vec<LiquidatorStats>,
    /// Liquidation transactions (all zero when calls are immediate).
    pub txs: TxStats,
    /// Bridge transfers of seized collateral (all zero without bridge routes).
    pub bridge: BridgeStats,
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

/// One liquidator's record over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiquidatorStats {
    /// Liquidation calls that executed (won).
    pub wins: u64,
    /// Liquidation transactions sent (0 when calls are immediate).
    pub txs: u64,
    /// Transactions that reverted at inclusion (they still paid gas and priority fee).
    pub reverts: u64,
    /// Gas paid by reverted transactions.
    pub wasted_gas: Quote,
    /// All gas paid, executed and reverted transactions alike.
    pub gas_spent: Quote,
    /// Priority fees paid, executed and reverted transactions alike.
    pub priority_fees: Quote,
    /// Debt repaid by its executed calls.
    pub debt_repaid: Quote,
    /// Collateral it received from its calls.
    pub collateral_received: Lots,
    /// Base it held at the end (in its wallet, not in transit).
    pub base_at_end: Lots,
    /// Base it had in transit over a bridge (or waiting for bridge capacity) at the end.
    pub bridged_at_end: Lots,
    /// Cash plus inventory (held and in transit) at the last mid, minus its starting cash and
    /// inventory at the first mid, in quote atoms.
    pub pnl: i128,
}

/// Why a liquidation transaction reverted at inclusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RevertReason {
    /// The protocol refused the call at the price readable then: the account is healthy or
    /// already closed, or the call would leave dust.
    NotLiquidatable,
    /// The liquidator's guard: at the state of inclusion, selling (or holding) the collateral
    /// would no longer return the repayment, gas, fee and minimum profit.
    Unprofitable,
    /// The liquidator's cash no longer covers the repayment.
    NoCapital,
    /// The market's oracle cannot be used for liquidations at inclusion (stale, paused).
    OracleBlocked,
}

impl RevertReason {
    /// The name written in `txs.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            RevertReason::NotLiquidatable => "not_liquidatable",
            RevertReason::Unprofitable => "unprofitable",
            RevertReason::NoCapital => "no_capital",
            RevertReason::OracleBlocked => "oracle_blocked",
        }
    }
}

/// Liquidation transactions over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TxStats {
    /// Transactions sent.
    pub submitted: u64,
    /// Transactions that executed a liquidation.
    pub executed: u64,
    /// Transactions that reverted, by reason (index: `RevertReason as usize`).
    pub reverted: [u64; 4],
    /// Transactions not yet included when the run ended.
    pub unincluded: u64,
    /// Gas paid by reverted transactions.
    pub wasted_gas: Quote,
    /// Priority fees paid.
    pub priority_fees: Quote,
    /// Blocks that included at least one transaction (priority-fee auction only).
    pub blocks: u64,
}

impl TxStats {
    /// All reverted transactions.
    pub fn reverts(&self) -> u64 {
        self.reverted.iter().sum()
    }
}

/// Seized collateral sent over bridges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BridgeStats {
    /// Transfers started.
    pub transfers: u64,
    /// Transfers arrived.
    pub arrivals: u64,
    /// Base sent.
    pub sent: Lots,
    /// Base that arrived.
    pub arrived: Lots,
    /// Base in transit or waiting for capacity at the end.
    pub in_transit_at_end: Lots,
    /// Most base in transit or waiting at once, over all liquidators.
    pub max_outstanding: Lots,
    /// Sum over transfers of the time from seizure to arrival (waiting for capacity plus
    /// transit), for the mean delay.
    pub total_delay: cascade_types::SimDuration,
}

impl RunStats {
    /// Counts a sale at `now`: `liquidation` lots sold by liquidators (also added to
    /// [`RunStats::liquidation_sales`]) and `deleverage` lots by deleverage bots.
    pub fn record_sale(&mut self, now: SimTime, liquidation: Lots, deleverage: Lots) {
        if liquidation.is_zero() && deleverage.is_zero() {
            return;
        }
        self.liquidation_sales = self.liquidation_sales.plus(liquidation);
        let minute = (now.as_nanos() / 60_000_000_000) as usize;
        if self.sold_per_minute.len() <= minute {
            self.sold_per_minute
                .resize(minute + 1, MinuteSales::default());
        }
        let m = &mut self.sold_per_minute[minute];
        m.liquidations = m.liquidations.plus(liquidation);
        m.deleverage = m.deleverage.plus(deleverage);
    }

    /// The highest generation seen, if any liquidation happened.
    pub fn max_generation(&self) -> Option<u32> {
        self.by_generation.len().checked_sub(1).map(|g| g as u32)
    }
}
