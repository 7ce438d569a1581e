//! Counters of a run, turned into the summary by the caller.

use cascade_types::{Lots, Quote, SimTime, Ticks};

/// Collateral sold into the market, borrowers' losses and bad debt in one minute of a run,
/// by cause. Losses are valued at the first venue's price (its mid, or last trade) of each
/// transfer, one yardstick for every design.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinutePressure {
    /// Sold by liquidators (seized collateral).
    pub liquidation_sold: Lots,
    /// Sold by deleverage bots.
    pub deleverage_sold: Lots,
    /// Sold by the LLAMMA market's keeper: collateral bought from the bands or taken by its
    /// hard liquidations (see [`crate::llamma`]).
    pub llamma_sold: Lots,
    /// Bought from the market by the LLAMMA keeper to sell back into the bands.
    pub llamma_bought: Lots,
    /// Borrowers' loss to liquidations, quote atoms (see [`RunStats::liquidation_loss`]).
    pub liquidation_loss: i128,
    /// Borrowers' cost of deleveraging, quote atoms (see
    /// [`crate::DeleverageStats::cost`]).
    pub deleverage_cost: i128,
    /// Borrowers' loss to the LLAMMA keeper's arbitrage and hard liquidations, quote atoms.
    pub llamma_loss: i128,
    /// Bad debt at the end of the minute, quote atoms: debt written off, plus the debt of open
    /// positions their collateral does not cover at the first venue's price.
    pub bad_debt: u128,
}

impl MinutePressure {
    /// Everything sold into the market.
    pub fn sold(&self) -> Lots {
        self.liquidation_sold
            .plus(self.deleverage_sold)
            .plus(self.llamma_sold)
    }

    /// Every loss of the borrowers.
    pub fn loss(&self) -> i128 {
        self.liquidation_loss + self.deleverage_cost + self.llamma_loss
    }
}

/// Length of a [`MinutePressure`] bin.
pub const MINUTE: cascade_types::SimDuration = cascade_types::SimDuration::from_secs(60);

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
    /// Borrowers' loss to lending liquidations, quote atoms: each liquidation's collateral
    /// seized, at the first venue's price, less the debt it paid off for the borrower (debt
    /// cleared less debt written off, plus any credit to the borrower). With Aave and Morpho
    /// this is the liquidation bonus (the seized value beyond the liquidator's repayment) where
    /// the venue's price equals the oracle's. With Compound III an underwater account's debt
    /// is cleared in full by `absorb` (the shortfall falls on the reserves, not on `deficit`),
    /// so its loss here is negative by that shortfall.
    pub liquidation_loss: i128,
    /// Collateral sold, borrowers' losses and bad debt per minute of simulated time (index =
    /// minute), by cause, for figures of sell pressure and for comparing designs.
    pub per_minute: Vec<MinutePressure>,
    /// Minutes whose bad debt is recorded (a prefix of `per_minute`).
    pub minutes_closed: usize,
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
    /// The LLAMMA market, if the world runs one.
    pub llamma: Option<crate::llamma::LlammaStats>,
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
    fn minute_of(now: SimTime) -> usize {
        (now.as_nanos() / MINUTE.as_nanos()) as usize
    }

    /// The minute of `now` in [`RunStats::per_minute`], created if needed.
    fn minute(&mut self, now: SimTime) -> &mut MinutePressure {
        let minute = Self::minute_of(now);
        if self.per_minute.len() <= minute {
            self.per_minute
                .resize(minute + 1, MinutePressure::default());
        }
        &mut self.per_minute[minute]
    }

    /// Counts the LLAMMA keeper's sale of `sold` lots into the market at `now`, and the
    /// borrowers' `loss` on what it took from them.
    pub fn record_llamma_sale(&mut self, now: SimTime, sold: Lots, loss: i128) {
        let m = self.minute(now);
        m.llamma_sold = m.llamma_sold.plus(sold);
        m.llamma_loss += loss;
    }

    /// Counts the LLAMMA keeper's purchase of `bought` lots from the market at `now`, and the
    /// borrowers' `loss` on the trade that sold it back into the bands.
    pub fn record_llamma_buyback(&mut self, now: SimTime, bought: Lots, loss: i128) {
        let m = self.minute(now);
        m.llamma_bought = m.llamma_bought.plus(bought);
        m.llamma_loss += loss;
    }

    /// `true` if the bad debt of a minute before `now`'s is not recorded yet.
    pub fn bad_debt_due(&self, now: SimTime) -> bool {
        self.minutes_closed < Self::minute_of(now)
    }

    /// Records `bad_debt` as the bad debt at the end of every minute before `now`'s not yet
    /// recorded.
    pub fn close_minutes(&mut self, now: SimTime, bad_debt: u128) {
        let upto = Self::minute_of(now);
        if self.minutes_closed < upto {
            if self.per_minute.len() < upto {
                self.per_minute.resize(upto, MinutePressure::default());
            }
            for m in &mut self.per_minute[self.minutes_closed..upto] {
                m.bad_debt = bad_debt;
            }
            self.minutes_closed = upto;
        }
    }

    /// Records `bad_debt` as the bad debt at the end of the run, `now`: of the minute that ends
    /// at or after `now` (a run of 1,800 s has minutes 0 to 29), replacing what a sample in it
    /// recorded, and of every minute recorded but not yet closed.
    pub fn close_last(&mut self, now: SimTime, bad_debt: u128) {
        let before = SimTime(now.as_nanos().saturating_sub(1));
        let last = Self::minute_of(before).max(self.per_minute.len().saturating_sub(1));
        if self.per_minute.len() <= last {
            self.per_minute.resize(last + 1, MinutePressure::default());
        }
        for m in &mut self.per_minute[self.minutes_closed.min(last)..] {
            m.bad_debt = bad_debt;
        }
        self.minutes_closed = last + 1;
    }

    /// Counts `sold` lots of seized collateral sold by liquidators at `now` (also in
    /// [`RunStats::liquidation_sales`]).
    pub fn record_liquidation_sale(&mut self, now: SimTime, sold: Lots) {
        self.liquidation_sales = self.liquidation_sales.plus(sold);
        if !sold.is_zero() {
            let m = self.minute(now);
            m.liquidation_sold = m.liquidation_sold.plus(sold);
        }
    }

    /// Counts a borrower's loss of `loss` quote atoms to a liquidation at `now` (also in
    /// [`RunStats::liquidation_loss`]).
    pub fn record_liquidation_loss(&mut self, now: SimTime, loss: i128) {
        self.liquidation_loss += loss;
        self.minute(now).liquidation_loss += loss;
    }

    /// Counts a deleverage bot's sale of `sold` lots at `now` at a cost of `cost` quote atoms
    /// to the borrower.
    pub fn record_deleverage(&mut self, now: SimTime, sold: Lots, cost: i128) {
        let m = self.minute(now);
        m.deleverage_sold = m.deleverage_sold.plus(sold);
        m.deleverage_cost += cost;
    }

    /// The highest generation seen, if any liquidation happened.
    pub fn max_generation(&self) -> Option<u32> {
        self.by_generation.len().checked_sub(1).map(|g| g as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_types::SimDuration;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn records_fall_into_their_minutes_and_bad_debt_carries_over() {
        let mut s = RunStats::default();
        s.record_liquidation_sale(at(5), Lots(3));
        s.record_llamma_sale(at(59), Lots(4), 7);
        s.record_deleverage(at(60), Lots(10), 1);
        s.record_llamma_buyback(at(130), Lots(2), -2);
        s.record_liquidation_loss(at(0), 5);
        assert!(!s.bad_debt_due(at(30)));
        assert!(s.bad_debt_due(at(61)));
        // The first sample in minute 3 stands for the end of minutes 0, 1 and 2.
        s.close_minutes(at(185), 11);
        assert!(!s.bad_debt_due(at(190)));
        s.close_last(at(250), 20);
        let m = &s.per_minute;
        assert_eq!(m.len(), 5);
        let sold: Vec<u64> = m.iter().map(|x| x.sold().0).collect();
        assert_eq!(sold, vec![7, 10, 0, 0, 0]);
        let loss: Vec<i128> = m.iter().map(|x| x.loss()).collect();
        assert_eq!(loss, vec![12, 1, -2, 0, 0]);
        assert_eq!(m[2].llamma_bought, Lots(2));
        let bad: Vec<u128> = m.iter().map(|x| x.bad_debt).collect();
        assert_eq!(bad, vec![11, 11, 11, 20, 20]);
        assert_eq!(s.liquidation_sales, Lots(3));
        assert_eq!(s.liquidation_loss, 5);
    }
}
