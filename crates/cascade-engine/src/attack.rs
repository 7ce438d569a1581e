//! Adversaries: oracle manipulators and sandwichers of liquidation sales, their configuration
//! and what they did.
//!
//! This module owns the attacker's parameters ([`AttackerConfig`]) and its counters and profit
//! and loss ([`AttackStats`], [`Pnl`]), and the same for sandwichers ([`SandwicherConfig`],
//! [`SandwichStats`]); the world's handlers are in `world/attackers.rs` and
//! `world/sandwich.rs`.
//!
//! The attack is the one behind the bZx, Harvest, Cream, Inverse and Mango losses
//! (mechanisms.md §6: "the cost of manipulation grows with window length and liquidity"): an
//! adversary sells base into a thin venue that the lending market's oracle reads, so the oracle
//! publishes a price below the wider market; its own liquidators then liquidate borrowers at
//! that price, receiving collateral worth more than the debt they repay by the manipulation's
//! depth on top of the liquidation bonus; finally it buys the base back. Every trade goes
//! through the venue's ordinary matching (a book) or swap (a pool), so market makers and
//! arbitrageurs react to it as to anyone's flow, and an arbitrageur who restores the pool's
//! price is paid by the attacker.
//!
//! Profit and loss is in quote atoms at one price, the reference at the end of the run, so that
//! it splits exactly into the manipulation's cost (what the push and the unwind fetched or paid
//! against that price, plus gas) and the liquidation profit (the change in the controlled
//! liquidators' wallets at that price).

use cascade_agents::Wallet;
use cascade_types::{Lots, Quote, SimDuration, SimTime, Ticks};

/// A signed amount of quote atoms: a gain if positive, a loss or a cost as the field says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pnl(pub i128);

impl Pnl {
    /// The value of `lots` at `price` less `quote`: what a sale of `lots` for `quote` lost
    /// against that price (negative if it fetched more).
    pub fn sale_cost(lots: Lots, price: Ticks, quote: Quote) -> Pnl {
        Pnl(lots_value(lots, price) - i128::from(quote.0))
    }

    /// `quote` less the value of `lots` at `price`: what a purchase of `lots` for `quote` paid
    /// above that price.
    pub fn purchase_cost(lots: Lots, price: Ticks, quote: Quote) -> Pnl {
        Pnl(i128::from(quote.0) - lots_value(lots, price))
    }

    /// A wallet's value at `price` (cash plus base), with `residue` pool-token atoms of base
    /// (short of a lot; `atoms_per_lot` to the lot) valued pro rata, rounded down.
    pub fn wallet_value(w: Wallet, residue: u128, atoms_per_lot: u128, price: Ticks) -> Pnl {
        let residue_value = (residue * price.0.max(0) as u128 / atoms_per_lot) as i128;
        Pnl(i128::from(w.cash.0) + lots_value(w.base, price) + residue_value)
    }

    /// The sum.
    pub fn plus(self, other: Pnl) -> Pnl {
        Pnl(self.0 + other.0)
    }

    /// The difference.
    pub fn minus(self, other: Pnl) -> Pnl {
        Pnl(self.0 - other.0)
    }
}

fn lots_value(lots: Lots, price: Ticks) -> i128 {
    i128::from(lots.0) * i128::from(price.0)
}

/// How far the attacker pushes its venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushSize {
    /// Sell until the venue's price (what an oracle source reading it sees: a book's mid, a
    /// pool's spot price) is at or below this, and keep it there while holding.
    Target(Ticks),
    /// Sell this much at once; while holding, sell back down to the price that left.
    Sell(Lots),
}

/// How the attacker buys back what it sold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnwindConfig {
    /// Where: a book or a pool (venue index, pools after the books).
    pub venue: usize,
    /// In this many equal slices...
    pub slices: u32,
    /// ... this far apart.
    pub every: SimDuration,
}

/// One attacker.
#[derive(Clone, Debug, PartialEq)]
pub struct AttackerConfig {
    /// The venue it pushes: a book or a pool (venue index, pools after the books).
    pub venue: usize,
    /// When the push starts.
    pub start: SimTime,
    /// How far it pushes.
    pub push: PushSize,
    /// The most base it sells over the whole attack (push and re-pushes).
    pub budget: Lots,
    /// While holding, it sells back down to its level this often (never if `None`).
    pub repush_every: Option<SimDuration>,
    /// How long it holds the price down before unwinding.
    pub hold: SimDuration,
    /// The unwind.
    pub unwind: UnwindConfig,
    /// Gas of each push, re-push or unwind transaction that trades.
    pub gas_cost: Quote,
    /// Starting cash and base.
    pub wallet: Wallet,
    /// The liquidators it controls (indices in `WorldConfig::liquidators`): their wallets'
    /// change is its liquidation profit.
    pub liquidators: Vec<usize>,
    /// The cost of its capital, a yearly rate charged on the starting value of its wallet and
    /// its liquidators' over the attack (from the push to the end of the unwind).
    pub capital_cost_annual: f64,
    /// The attack window runs from the first push to this long after the unwind ends (the
    /// oracle's time to catch up); liquidations in it count as the attack's.
    pub window_tail: SimDuration,
}

/// What one attack did, in integer units. Costs are positive when they cost the attacker.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttackStats {
    /// The attacker's label in traces (`atk<i>`).
    pub label: String,
    /// The pushed venue's name.
    pub venue: String,
    /// When the attack started (its first wake-up): the start of the attack window.
    pub started_at: Option<SimTime>,
    /// When the last unwind slice traded.
    pub unwound_at: Option<SimTime>,
    /// End of the attack window (`None` if the run ended first).
    pub window_end: Option<SimTime>,
    /// Base sold by pushes and re-pushes.
    pub sold: Lots,
    /// What it fetched.
    pub proceeds: Quote,
    /// Base bought back.
    pub bought: Lots,
    /// What it cost.
    pub paid: Quote,
    /// Transactions that traded (pushes, re-pushes, unwind slices).
    pub transactions: u32,
    /// Their gas.
    pub gas: Quote,
    /// Pool fees paid on sales, in pool-token atoms of base (fee rate times the input).
    pub fees_base_atoms: u128,
    /// Pool fees paid on purchases.
    pub fees_quote: Quote,
    /// Both at `reference_end`: the part of `push_cost` and `unwind_cost` that went to
    /// liquidity providers as fees (books charge no fee in cascade).
    pub pool_fees: Pnl,
    /// The price everything is valued at: the reference at the end.
    pub reference_end: Ticks,
    /// The attacker's and its liquidators' wallets at the start, at `reference_end`.
    pub initial_value: Pnl,
    /// The same at the end.
    pub final_value: Pnl,
    /// `sold` at `reference_end` less `proceeds`.
    pub push_cost: Pnl,
    /// `paid` less what was bought (lots and pool residue) at `reference_end`.
    pub unwind_cost: Pnl,
    /// Change of the controlled liquidators' wallets at `reference_end`.
    pub liquidation_profit: Pnl,
    /// The capital charge (see [`AttackerConfig::capital_cost_annual`]).
    pub capital_cost: Pnl,
    /// `final_value - initial_value - capital_cost`
    /// `= liquidation_profit - push_cost - unwind_cost - gas - capital_cost`.
    pub pnl: Pnl,
    /// Liquidations (by anyone) in the attack window.
    pub liquidations_in_window: u64,
    /// Of which by the attacker's liquidators.
    pub own_liquidations: u64,
    /// Debt repaid by the liquidations in the window.
    pub debt_repaid_in_window: Quote,
    /// Collateral taken from borrowers in the window (liquidators' share plus protocol fee).
    pub collateral_seized_in_window: Lots,
    /// The borrowers' loss: collateral seized in the window at the reference price of each
    /// liquidation, less the debt it repaid.
    pub victim_loss: Pnl,
    /// The same at the oracle price each liquidation used (the bonus as the protocol sees it).
    pub bonus_at_oracle: Pnl,
}

/// A sandwicher on one AMM pool: it sees a liquidator's sale to the pool before it lands, sells
/// base into the pool just before it (the front-run), lets it execute at the lower price, and
/// buys the same base back just after (the back-run), all within the sale's block.
///
/// The victim is assumed to accept `tolerance` below the output it was quoted (a router's
/// slippage setting, its `amountOutMin`): the front-run is the largest, up to `max_front_run`
/// and the sandwicher's inventory, that keeps the victim's output at or above that minimum,
/// halved up to six times until the sandwich is worth its gas and `min_profit`.
#[derive(Clone, Debug, PartialEq)]
pub struct SandwicherConfig {
    /// The pool, by index in `WorldConfig::pools`.
    pub pool: usize,
    /// The slippage the victim accepts below its quote.
    pub tolerance: cascade_types::Bps,
    /// The largest front-run.
    pub max_front_run: Lots,
    /// Gas of one sandwich (both transactions).
    pub gas_cost: Quote,
    /// The smallest expected profit, after gas, worth a sandwich.
    pub min_profit: Quote,
    /// Starting cash and base.
    pub wallet: Wallet,
}

/// What a sandwicher did, in integer units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SandwichStats {
    /// Its label in traces (`sw<i>`).
    pub label: String,
    /// The pool's name.
    pub pool: String,
    /// Liquidation sales to the pool it saw.
    pub victims_seen: u64,
    /// Of which it sandwiched.
    pub sandwiches: u64,
    /// Base sold by its front-runs (and bought back by its back-runs).
    pub front_run: Lots,
    /// What the front-runs fetched.
    pub front_proceeds: Quote,
    /// What the back-runs paid.
    pub back_paid: Quote,
    /// Gas of its sandwiches.
    pub gas: Quote,
    /// Base the sandwiched liquidators sold.
    pub victim_sold: Lots,
    /// What their sales would have fetched without the front-run (the pool's quote just
    /// before it).
    pub victim_quoted: Quote,
    /// What they fetched.
    pub victim_proceeds: Quote,
    /// The reference at the end of the run.
    pub reference_end: Ticks,
    /// Its wallet's change at `reference_end` (cash, and base bought back beyond what it sold).
    pub profit: Pnl,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2 lots sold at 95 when the price is 100 cost 10; bought at 105, 10 again; a purchase
    /// below the price is a gain.
    #[test]
    fn costs_are_against_the_valuation_price() {
        let p = Ticks(100);
        assert_eq!(Pnl::sale_cost(Lots(2), p, Quote(190)), Pnl(10));
        assert_eq!(Pnl::purchase_cost(Lots(2), p, Quote(210)), Pnl(10));
        assert_eq!(Pnl::purchase_cost(Lots(2), p, Quote(150)), Pnl(-50));
        assert_eq!(Pnl(7).plus(Pnl(-3)).minus(Pnl(1)), Pnl(3));
    }

    /// A wallet is its cash plus its lots at the price, plus a residue of pool-token atoms pro
    /// rata (rounded down): 250 atoms of a 1,000-atom lot at 101 are worth 25.
    #[test]
    fn wallet_value_counts_the_residue() {
        let w = Wallet {
            cash: Quote(1_000),
            base: Lots(3),
        };
        assert_eq!(Pnl::wallet_value(w, 0, 1_000, Ticks(101)), Pnl(1_303));
        assert_eq!(Pnl::wallet_value(w, 250, 1_000, Ticks(101)), Pnl(1_328));
    }
}
