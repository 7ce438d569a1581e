//! The oracle manipulators' part of `summary.json`: each attack's profit and loss, split into
//! what the manipulation cost and what the liquidations earned, and what the borrowers lost.

use cascade_engine::{AttackStats, Pnl, WorldConfig};
use serde::{Deserialize, Serialize};

/// One attack, in USD and base units. Everything is valued at the reference price at the end
/// of the run (`reference_end`), so that
/// `pnl = final_value - initial_value - capital_cost
///      = liquidation_profit - manipulation_cost - capital_cost`
/// and `manipulation_cost = push_cost + unwind_cost + gas`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttackSummary {
    /// The attacker (`atk<i>`, as in the traces).
    pub attacker: String,
    /// The venue it pushed.
    pub venue: String,
    /// When the attack started, seconds (null if the run ended first).
    pub start_s: Option<f64>,
    /// When its unwind ended, seconds (null if the run ended first).
    pub unwound_s: Option<f64>,
    /// End of the attack window, seconds (null: the end of the run).
    pub window_end_s: Option<f64>,
    /// Base sold by the push and re-pushes.
    pub sold: f64,
    /// What they fetched, USD.
    pub push_proceeds: f64,
    /// Base bought back.
    pub bought: f64,
    /// What that cost, USD.
    pub unwind_paid: f64,
    /// Push, re-push and unwind transactions.
    pub transactions: u32,
    /// The valuation price, USD: the reference at the end of the run.
    pub reference_end: f64,
    /// The attacker's and its liquidators' wallets at the start, USD.
    pub initial_value: f64,
    /// The same at the end, USD.
    pub final_value: f64,
    /// Base sold at the valuation price less what it fetched, USD (pool fees included).
    pub push_cost: f64,
    /// What the buy-back paid less the base bought at the valuation price, USD.
    pub unwind_cost: f64,
    /// Gas of its transactions, USD.
    pub gas: f64,
    /// Pool fees it paid, USD (part of `push_cost` and `unwind_cost`; books charge none).
    pub pool_fees: f64,
    /// `push_cost + unwind_cost + gas`, USD.
    pub manipulation_cost: f64,
    /// Cost of the capital over the attack, USD.
    pub capital_cost: f64,
    /// Gain of the liquidators it controls, USD (their gas and sale slippage included).
    pub liquidation_profit: f64,
    /// The attack's profit (negative: loss), USD.
    pub pnl: f64,
    /// Liquidations by anyone in the attack window.
    pub liquidations_in_window: u64,
    /// Of which by the attacker's liquidators.
    pub own_liquidations: u64,
    /// Debt those liquidations repaid, USD.
    pub debt_repaid_in_window: f64,
    /// Collateral they took, base units.
    pub collateral_seized_in_window: f64,
    /// What the liquidated borrowers lost: collateral seized at the reference price of each
    /// liquidation, less the debt it repaid, USD.
    pub victim_loss: f64,
    /// The same at the (manipulated) oracle prices: the bonus as the protocol counts it, USD.
    pub bonus_at_oracle: f64,
}

impl AttackSummary {
    /// The summary of one attack.
    pub fn new(cfg: &WorldConfig, s: &AttackStats) -> Self {
        let spec = cfg.spec;
        let usd = |p: Pnl| spec.quote_signed(p.0);
        let secs = |t: Option<cascade_types::SimTime>| t.map(|t| t.as_secs_f64());
        let gas = Pnl(i128::from(s.gas.0));
        AttackSummary {
            attacker: s.label.clone(),
            venue: s.venue.clone(),
            start_s: secs(s.started_at),
            unwound_s: secs(s.unwound_at),
            window_end_s: secs(s.window_end),
            sold: spec.qty(s.sold),
            push_proceeds: spec.quote(s.proceeds),
            bought: spec.qty(s.bought),
            unwind_paid: spec.quote(s.paid),
            transactions: s.transactions,
            reference_end: spec.price(s.reference_end),
            initial_value: usd(s.initial_value),
            final_value: usd(s.final_value),
            push_cost: usd(s.push_cost),
            unwind_cost: usd(s.unwind_cost),
            gas: usd(gas),
            pool_fees: usd(s.pool_fees),
            manipulation_cost: usd(s.push_cost.plus(s.unwind_cost).plus(gas)),
            capital_cost: usd(s.capital_cost),
            liquidation_profit: usd(s.liquidation_profit),
            pnl: usd(s.pnl),
            liquidations_in_window: s.liquidations_in_window,
            own_liquidations: s.own_liquidations,
            debt_repaid_in_window: spec.quote(s.debt_repaid_in_window),
            collateral_seized_in_window: spec.qty(s.collateral_seized_in_window),
            victim_loss: usd(s.victim_loss),
            bonus_at_oracle: usd(s.bonus_at_oracle),
        }
    }

    /// One line for the terminal.
    pub fn human(&self) -> String {
        format!(
            "attacker {} on {}: pnl {:.2} USD = liquidations {:.2} - manipulation {:.2} (push \
             {:.2}, unwind {:.2}, gas {:.2}; pool fees {:.2} of it) - capital {:.2}; {} \
             liquidations in the window ({} its own), borrowers lost {:.2} USD",
            self.attacker,
            self.venue,
            self.pnl,
            self.liquidation_profit,
            self.manipulation_cost,
            self.push_cost,
            self.unwind_cost,
            self.gas,
            self.pool_fees,
            self.capital_cost,
            self.liquidations_in_window,
            self.own_liquidations,
            self.victim_loss
        )
    }
}

/// One sandwicher of liquidation sales, in USD and base units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SandwichSummary {
    /// The sandwicher (`sw<i>`, as in the traces).
    pub sandwicher: String,
    /// The pool it watched.
    pub pool: String,
    /// Liquidation sales to the pool it saw.
    pub victims_seen: u64,
    /// Of which it sandwiched.
    pub sandwiches: u64,
    /// Base its front-runs sold (and its back-runs bought back).
    pub front_run: f64,
    /// What the front-runs fetched, USD.
    pub front_proceeds: f64,
    /// What the back-runs paid, USD.
    pub back_paid: f64,
    /// Gas of its sandwiches, USD.
    pub gas: f64,
    /// Its profit: its wallet's change at the reference price at the end of the run, USD.
    pub profit: f64,
    /// Base the sandwiched liquidators sold.
    pub victim_sold: f64,
    /// What those sales would have fetched without the front-run, USD.
    pub victim_quoted: f64,
    /// What they fetched, USD.
    pub victim_proceeds: f64,
    /// The liquidators' loss, `victim_quoted - victim_proceeds`, USD.
    pub liquidator_loss: f64,
}

impl SandwichSummary {
    /// The summary of one sandwicher.
    pub fn new(cfg: &WorldConfig, s: &cascade_engine::SandwichStats) -> Self {
        let spec = cfg.spec;
        let quoted = spec.quote(s.victim_quoted);
        let proceeds = spec.quote(s.victim_proceeds);
        SandwichSummary {
            sandwicher: s.label.clone(),
            pool: s.pool.clone(),
            victims_seen: s.victims_seen,
            sandwiches: s.sandwiches,
            front_run: spec.qty(s.front_run),
            front_proceeds: spec.quote(s.front_proceeds),
            back_paid: spec.quote(s.back_paid),
            gas: spec.quote(s.gas),
            profit: spec.quote_signed(s.profit.0),
            victim_sold: spec.qty(s.victim_sold),
            victim_quoted: quoted,
            victim_proceeds: proceeds,
            liquidator_loss: spec.quote(s.victim_quoted.saturating_sub(s.victim_proceeds)),
        }
    }

    /// One line for the terminal.
    pub fn human(&self) -> String {
        format!(
            "sandwicher {} on {}: {} of {} liquidation sales sandwiched, profit {:.2} USD (gas \
             {:.2}); the liquidators lost {:.2} USD",
            self.sandwicher,
            self.pool,
            self.sandwiches,
            self.victims_seen,
            self.profit,
            self.gas,
            self.liquidator_loss
        )
    }
}
