//! A crvUSD-style soft-liquidation market run inside the world, and the per-minute record of
//! what any lending design sends to the market.
//!
//! With [`WorldConfig::llamma`](crate::WorldConfig::llamma) set, the world's borrower accounts
//! are not opened in the lending market: each becomes a crvUSD loan (its collateral and debt)
//! in one LLAMMA with its Controller ([`cascade_llamma`]), deployed at the reference price at
//! time zero. Every `step` (a block) the world (`world/llamma.rs`):
//!
//! 1. updates LLAMMA's oracle, an exponential moving average of the first venue's price with
//!    time constant `oracle_ema` (crvUSD's oracle is an EMA of pool prices, 866 s);
//! 2. lets the market's keeper arbitrage the bands against that venue's book: when the AMM sells
//!    collateral below the best bid, buy it from the bands and sell it into the book; when it
//!    buys above the best ask, buy on the book and sell into the bands. The keeper trades the
//!    largest of the amounts that move the AMM to the book's price, halved until the trade pays
//!    its gas and minimum profit at the book as it stands (profit is concave in size, so this
//!    finds a profitable size within a factor of two of the best one);
//! 3. lets the same keeper hard-liquidate loans whose full health is negative at that oracle
//!    (`Controller::liquidate`), when selling their collateral into the book pays back the debt
//!    it repays plus gas and profit; it sells the collateral into the book at once. Loans below
//!    the health limit that nobody liquidates at a profit stay open; the part of their debt that
//!    their bands do not cover at the venue's price is the market's bad debt.
//!
//! The keeper's sales are ordinary market orders: they move the mid, the oracle sees it, the
//! EMA follows, more bands convert. That is soft liquidation inside the feedback loop, with the
//! same book, makers and oracle as the run's hard liquidations.
//!
//! [`PressureSeries`] is recorded for every run: collateral sold into the market per minute
//! (liquidators' sales of seized collateral; the LLAMMA keeper's sales), bought back, borrowers'
//! losses and bad debt over time, so that two designs can be compared on the same scenario.

use cascade_agents::Wallet;
use cascade_types::{Lots, Quote, SimDuration, SimTime};

/// A crvUSD-style market of the world's borrowers (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlammaConfig {
    /// Amplification `A`: each band is `1/A` wide.
    pub a: u32,
    /// Bands per loan.
    pub bands: u32,
    /// LLAMMA's static fee, WAD.
    pub fee: u128,
    /// The Controller's loan discount, WAD.
    pub loan_discount: u128,
    /// The Controller's liquidation discount, WAD.
    pub liquidation_discount: u128,
    /// Time constant of the oracle's EMA of the first venue's price (zero: the price itself).
    pub oracle_ema: SimDuration,
    /// Interval between two keeper actions (arbitrage, then hard liquidations).
    pub step: SimDuration,
    /// The keeper's starting wallet.
    pub keeper: Wallet,
    /// Gas per keeper transaction.
    pub gas_cost: Quote,
    /// Smallest profit the keeper trades or liquidates for.
    pub min_profit: Quote,
}

/// What the LLAMMA market did over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LlammaStats {
    /// Loans opened.
    pub loans: u64,
    /// Accounts the Controller refused (too much debt for its loan discount and bands); their
    /// positions are in no market.
    pub refused: u64,
    /// Their debt.
    pub refused_debt: Quote,
    /// Debt of the opened loans at the start.
    pub debt_start: Quote,
    /// Debt still owed at the end.
    pub debt_end: Quote,
    /// Arbitrage trades that bought collateral from the bands (soft liquidation).
    pub soft_trades: u64,
    /// Arbitrage trades that sold collateral into the bands (de-liquidation).
    pub buyback_trades: u64,
    /// Collateral bought from the bands.
    pub soft_sold: Lots,
    /// Collateral sold back into the bands.
    pub bought_back: Lots,
    /// Hard liquidations.
    pub hard_liquidations: u64,
    /// Loans below the health limit at the end that nobody liquidated.
    pub underwater_at_end: u64,
    /// Debt of loans at the end not covered by their bands at the venue's last price.
    pub bad_debt_at_end: Quote,
    /// The keeper's cash plus inventory at the last mid, minus its start, quote atoms.
    pub keeper_pnl: i128,
    /// Gas the keeper paid.
    pub gas_spent: Quote,
}

/// Length of a [`PressureSeries`] bin.
pub const PRESSURE_BIN: SimDuration = SimDuration::from_secs(60);

/// Collateral that reached the market, borrowers' losses and bad debt, per minute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PressureSeries {
    /// Collateral sold into the market in each minute: liquidators' sales of seized
    /// collateral, and the LLAMMA keeper's sales of what it took from the bands.
    pub sold: Vec<Lots>,
    /// Collateral bought from the market in each minute to sell back into LLAMMA's bands.
    pub bought: Vec<Lots>,
    /// Borrowers' losses in each minute, quote atoms at the first venue's price of each
    /// transfer: the value of collateral taken (by a liquidation, or by arbitrage of the bands)
    /// minus the debt it cleared or the stablecoin paid for it.
    pub losses: Vec<i128>,
    /// Bad debt at the end of each minute, quote atoms: debt written off plus the debt of open
    /// positions their collateral does not cover at the first venue's price.
    pub bad_debt: Vec<u128>,
}

impl PressureSeries {
    fn bin(now: SimTime) -> usize {
        (now.as_nanos() / PRESSURE_BIN.as_nanos()) as usize
    }

    fn grow<V: Default + Clone>(v: &mut Vec<V>, i: usize) -> &mut V {
        if v.len() <= i {
            v.resize(i + 1, V::default());
        }
        &mut v[i]
    }

    /// Records a sale of `qty` into the market at `now`.
    pub fn add_sold(&mut self, now: SimTime, qty: Lots) {
        let s = Self::grow(&mut self.sold, Self::bin(now));
        *s = s.plus(qty);
    }

    /// Records a purchase of `qty` from the market at `now`.
    pub fn add_bought(&mut self, now: SimTime, qty: Lots) {
        let b = Self::grow(&mut self.bought, Self::bin(now));
        *b = b.plus(qty);
    }

    /// Records a loss (negative: a gain) of the borrowers at `now`.
    pub fn add_loss(&mut self, now: SimTime, loss: i128) {
        *Self::grow(&mut self.losses, Self::bin(now)) += loss;
    }

    /// `true` if the bad debt of the minute before `now`'s has not been recorded yet.
    pub fn bad_debt_due(&self, now: SimTime) -> bool {
        self.bad_debt.len() < Self::bin(now)
    }

    /// Records `value` as the bad debt at the end of every minute before `now`'s not yet
    /// recorded.
    pub fn close_minutes(&mut self, now: SimTime, value: u128) {
        let upto = Self::bin(now);
        if self.bad_debt.len() < upto {
            self.bad_debt.resize(upto, value);
        }
    }

    /// Records `value` as the bad debt at the end of `now`'s minute (the run's end).
    pub fn close_last(&mut self, now: SimTime, value: u128) {
        self.close_minutes(now, value);
        *Self::grow(&mut self.bad_debt, Self::bin(now)) = value;
    }

    /// Minutes with any record.
    pub fn minutes(&self) -> usize {
        self.sold
            .len()
            .max(self.bought.len())
            .max(self.losses.len())
            .max(self.bad_debt.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_secs(s)
    }

    #[test]
    fn records_fall_into_their_minutes_and_bad_debt_carries_over() {
        let mut p = PressureSeries::default();
        p.add_sold(at(5), Lots(3));
        p.add_sold(at(59), Lots(4));
        p.add_sold(at(60), Lots(10));
        p.add_bought(at(130), Lots(2));
        p.add_loss(at(0), 7);
        p.add_loss(at(125), -2);
        assert!(!p.bad_debt_due(at(30)));
        assert!(p.bad_debt_due(at(61)));
        // First sample in minute 3: minutes 0, 1 and 2 end with 11.
        p.close_minutes(at(185), 11);
        assert!(!p.bad_debt_due(at(190)));
        p.close_last(at(250), 20);
        assert_eq!(p.sold, vec![Lots(7), Lots(10)]);
        assert_eq!(p.bought, vec![Lots(0), Lots(0), Lots(2)]);
        assert_eq!(p.losses, vec![7, 0, -2]);
        assert_eq!(p.bad_debt, vec![11, 11, 11, 20, 20]);
        assert_eq!(p.minutes(), 5);
    }
}
