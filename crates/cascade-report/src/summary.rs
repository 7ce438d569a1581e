//! `summary.json`: the headline figures of a run.

use crate::ReportError;
use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The headline figures of a run, in human units (USD and base units).
///
/// `bad_debt` is everything lenders lose: the deficit written off when accounts ran out of
/// collateral, plus the open shortfall of accounts still insolvent at the end (debt above
/// collateral value at the last oracle price) that nobody liquidated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Master seed.
    pub seed: u64,
    /// cascade version that made the run.
    pub version: String,
    /// Events processed.
    pub events: u64,
    /// Simulated seconds.
    pub sim_seconds: f64,
    /// Borrower accounts.
    pub accounts: usize,
    /// Liquidation calls.
    pub liquidations: u64,
    /// Highest generation (null without liquidations).
    pub max_generation: Option<u32>,
    /// Liquidations per generation, generation 0 first.
    pub liquidations_by_generation: Vec<u64>,
    /// Deficit plus open shortfall, USD.
    pub bad_debt: f64,
    /// Debt written off on liquidation, USD.
    pub deficit: f64,
    /// Debt above collateral value of insolvent accounts still open, USD.
    pub open_shortfall: f64,
    /// Accounts still liquidatable at the last oracle price at the end of the run.
    pub left_liquidatable: u64,
    /// Their debt, USD.
    pub left_liquidatable_debt: f64,
    /// Debt repaid by liquidators, USD.
    pub debt_repaid: f64,
    /// Collateral taken from accounts, base units.
    pub collateral_seized: f64,
    /// That collateral valued at the oracle price of each liquidation, USD (the "liquidated
    /// value" of liquidations-at-risk figures).
    pub liquidated_value: f64,
    /// Collateral sold into the book by liquidators, base units.
    pub liquidation_sales: f64,
    /// Lowest book mid, USD.
    pub min_mid_price: Option<f64>,
    /// Lowest published oracle price, USD.
    pub min_oracle_price: Option<f64>,
    /// Lowest exogenous reference price, USD.
    pub min_reference_price: Option<f64>,
    /// Trades in the book.
    pub trades: u64,
    /// Base traded, base units.
    pub volume: f64,
    /// Oracle rounds published.
    pub oracle_publications: u64,
    /// Observations that arrived after a later one and were dropped.
    pub stale_observations: u64,
    /// Times the market oracle's deviation breaker paused liquidations.
    #[serde(default)]
    pub breaker_trips: u64,
    /// Accounts passed over by liquidators for lack of capital.
    pub skipped_no_capital: u64,
    /// Accounts passed over as unprofitable at the book's depth.
    pub skipped_unprofitable: u64,
    /// Liquidation attempts that would have reverted.
    pub skipped_reverts: u64,
    /// Liquidator wake-ups stopped by the per-window liquidation cap.
    #[serde(default)]
    pub skipped_cap: u64,
    /// Gas paid by liquidators, USD.
    pub gas_spent: f64,
    /// Liquidation sales valued at the price observed just before each, minus their proceeds,
    /// USD.
    pub sale_slippage: f64,
    /// Liquidators' profit and loss at the last mid, USD.
    pub liquidator_pnl: f64,
    /// Borrowers' loss to lending liquidations: collateral seized, at the first venue's price
    /// at each liquidation, beyond the debt paid off for them (with Aave and Morpho the
    /// liquidation bonus, valued at the market price), USD.
    #[serde(default)]
    pub liquidation_losses: f64,
    /// SHA-256 over the trace files (see `cascade_engine::trace::CsvTrace::finish`).
    pub trace_hash: String,
    /// The perp venue, if the scenario has one (its liquidations also count in `liquidations`
    /// and `liquidations_by_generation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perps: Option<crate::PerpSummary>,
    /// Vaults, auctions and keepers, for scenarios with vaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaults: Option<crate::VaultSummary>,
    /// Published figures about the event the scenario replays, beside this run's values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub published: Vec<crate::Comparison>,
    /// Oracle manipulation attacks, for scenarios with attackers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attacks: Vec<crate::AttackSummary>,
    /// Sandwichers of liquidation sales, for scenarios with sandwichers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sandwiches: Vec<crate::SandwichSummary>,
    /// The lending market's liquidation mechanism and the protocol's books (Aave's defaults
    /// when reading a summary written before mechanisms were named).
    #[serde(default)]
    pub lending: crate::LendingSummary,
    /// Each liquidator's wins, reverts, wasted gas, priority fees and P&L.
    #[serde(default)]
    pub liquidators: Vec<crate::LiquidatorSummary>,
    /// Liquidation transactions, for scenarios with an `ordering`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transactions: Option<crate::TxSummary>,
    /// Bridge transfers of seized collateral, for scenarios with a `Bridge` route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<crate::BridgeSummary>,
    /// The same borrowers under LLAMMA soft liquidation and under the Aave-style rule on the
    /// run's price path, for scenarios with a `soft_liquidation` section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_liquidation: Option<crate::SoftLiquidationSummary>,
    /// Borrowers' deleverage bots, for scenarios with `lending.deleverage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleverage: Option<crate::DeleverageSummary>,
    /// Collateral sold and borrowers' losses per minute, by liquidations and by deleverage
    /// bots, and bad debt at each minute's end (minutes with any of these only), for figures
    /// of sell pressure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub per_minute: Vec<crate::PressureMinute>,
}

impl Summary {
    /// The summary of a finished run.
    pub fn new(cfg: &WorldConfig, stats: &RunStats, trace_hash: String) -> Self {
        let spec = cfg.spec;
        let deficit = spec.quote(stats.deficit);
        let open_shortfall = spec.quote(stats.open_shortfall);
        Summary {
            scenario: cfg.name.clone(),
            seed: cfg.seed,
            version: env!("CARGO_PKG_VERSION").to_string(),
            events: stats.events,
            sim_seconds: stats.end.as_secs_f64(),
            accounts: cfg.accounts.len(),
            liquidations: stats.liquidations,
            max_generation: stats.max_generation(),
            liquidations_by_generation: stats.by_generation.clone(),
            bad_debt: deficit + open_shortfall,
            deficit,
            open_shortfall,
            left_liquidatable: stats.left_liquidatable,
            left_liquidatable_debt: spec.quote(stats.left_liquidatable_debt),
            debt_repaid: spec.quote(stats.debt_repaid),
            collateral_seized: spec.qty(stats.collateral_seized),
            liquidated_value: spec.quote(stats.liquidated_value),
            liquidation_sales: spec.qty(stats.liquidation_sales),
            min_mid_price: stats.min_mid.map(|p| spec.price(p)),
            min_oracle_price: stats.min_oracle.map(|p| spec.price(p)),
            min_reference_price: stats.min_reference.map(|p| spec.price(p)),
            trades: stats.trades,
            volume: spec.qty(stats.volume),
            oracle_publications: stats.oracle_publications,
            stale_observations: stats.stale_observations,
            breaker_trips: stats.breaker_trips,
            skipped_no_capital: stats.skipped_no_capital,
            skipped_unprofitable: stats.skipped_unprofitable,
            skipped_reverts: stats.skipped_reverts,
            skipped_cap: stats.skipped_cap,
            gas_spent: spec.quote(stats.gas_spent),
            sale_slippage: spec.quote_signed(stats.sale_slippage),
            liquidator_pnl: spec.quote_signed(stats.liquidator_pnl),
            trace_hash,
            perps: stats
                .perps
                .as_ref()
                .map(|p| crate::PerpSummary::new(cfg, p)),
            vaults: crate::VaultSummary::new(cfg, stats),
            published: Vec::new(),
            attacks: stats
                .attacks
                .iter()
                .map(|a| crate::AttackSummary::new(cfg, a))
                .collect(),
            sandwiches: stats
                .sandwiches
                .iter()
                .map(|s| crate::SandwichSummary::new(cfg, s))
                .collect(),
            lending: crate::LendingSummary::new(cfg, stats),
            liquidators: crate::liquidators::liquidators(cfg, stats),
            transactions: crate::liquidators::transactions(cfg, stats),
            bridge: crate::liquidators::bridge(cfg, stats),
            soft_liquidation: None,
            deleverage: crate::DeleverageSummary::new(cfg, stats),
            per_minute: crate::per_minute(cfg, stats),
            liquidation_losses: spec.quote_signed(stats.liquidation_loss),
        }
    }

    /// Writes `summary.json` (pretty-printed, keys in a fixed order).
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let text = serde_json::to_string_pretty(self).expect("a summary always serialises");
        std::fs::write(path, text + "\n").map_err(|source| ReportError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    /// A few lines for the terminal.
    pub fn human(&self) -> String {
        let gens = self
            .liquidations_by_generation
            .iter()
            .enumerate()
            .map(|(g, n)| format!("g{g}:{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        let perps = self
            .perps
            .as_ref()
            .map_or(String::new(), |p| format!("{}\n", p.human()));
        let vaults = self
            .vaults
            .as_ref()
            .map_or(String::new(), |v| v.human() + "\n");
        let published = crate::published::human(&self.published);
        let attacks: String = self
            .attacks
            .iter()
            .map(|a| a.human() + "\n")
            .chain(self.sandwiches.iter().map(|s| s.human() + "\n"))
            .collect();
        let txs = self.transactions.as_ref().map_or(String::new(), |t| {
            format!(
                "transactions ({}): {} sent, {} executed, {} reverted (wasted gas {:.2} USD), \
                 priority fees {:.2} USD\n",
                t.ordering, t.submitted, t.executed, t.reverted, t.wasted_gas, t.priority_fees
            )
        });
        let bridge = self.bridge.as_ref().map_or(String::new(), |b| {
            format!(
                "bridge: {} transfers, {:.3} sent, {:.3} arrived, {:.3} in transit at the end\n",
                b.transfers, b.sent, b.arrived, b.in_transit_at_end
            )
        });
        let soft = self.soft_liquidation.as_ref().map_or(String::new(), |s| {
            format!(
                "soft vs hard liquidation ({} loans, {} refused): LLAMMA sold {:.3} (peak {:.3}/min), \
                 losses {:.2} USD, bad debt {:.2} USD; Aave-style sold {:.3} (peak {:.3}/min), \
                 losses {:.2} USD, bad debt {:.2} USD\n",
                s.loans,
                s.refused,
                s.soft.collateral_sold,
                s.soft.peak_sold_per_minute,
                s.soft.borrower_losses,
                s.soft.bad_debt,
                s.hard.collateral_sold,
                s.hard.peak_sold_per_minute,
                s.hard.borrower_losses,
                s.hard.bad_debt
            ) + &match (&s.keeper, s.soft.lowest_mid, s.hard.lowest_mid) {
                (Some(k), Some(soft_low), Some(hard_low)) => format!(
                    "  in the loop: lowest mid {soft_low:.2} USD under LLAMMA vs {hard_low:.2} under \
                     hard liquidation; keeper {} soft trades, {} buybacks, pnl {:.2} USD; {} loans \
                     below the health limit at the end\n",
                    k.soft_trades, k.buyback_trades, k.pnl, k.underwater_loans_at_end
                ),
                _ => String::new(),
            }
        });
        let delev = self
            .deleverage
            .as_ref()
            .map_or(String::new(), |d| d.human() + "\n");
        let vaults = vaults + &txs + &bridge + &soft + &delev;
        format!(
            "scenario {} (seed {}): {} events over {:.0} s simulated\n\
             liquidations: {} (max generation {}; {})\n\
             bad debt: {:.2} USD (deficit {:.2}, open shortfall {:.2}); debt repaid {:.2} USD\n\
             {}\n\
             left liquidatable at the end: {} accounts, {:.2} USD of debt\n\
             prices: min reference {}, min book mid {}, min oracle {} USD\n\
             liquidators: pnl {:.2} USD, gas {:.2} USD; skipped {} unprofitable, {} without capital\n\
             {}{}{}{}trace hash {}",
            self.scenario,
            self.seed,
            self.events,
            self.sim_seconds,
            self.liquidations,
            self.max_generation
                .map_or("-".to_string(), |g| g.to_string()),
            if gens.is_empty() {
                "none".to_string()
            } else {
                gens
            },
            self.bad_debt,
            self.deficit,
            self.open_shortfall,
            self.debt_repaid,
            self.lending.human(self.deficit),
            self.left_liquidatable,
            self.left_liquidatable_debt,
            opt(self.min_reference_price),
            opt(self.min_mid_price),
            opt(self.min_oracle_price),
            self.liquidator_pnl,
            self.gas_spent,
            self.skipped_unprofitable,
            self.skipped_no_capital,
            perps,
            vaults,
            published,
            attacks,
            self.trace_hash
        )
    }
}
