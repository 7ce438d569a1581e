//! The summary's `deleverage` section (borrowers' deleverage bots against hard liquidation),
//! and every run's collateral sold and borrowers' losses per minute, by liquidations and by
//! deleverage bots (the `deleverage` figure's series).

use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// What the borrowers' deleverage bots did, beside what liquidations cost the borrowers, in
/// USD and base units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeleverageSummary {
    /// Accounts running a bot.
    pub bots: u64,
    /// Bot wake-ups.
    pub wakes: u64,
    /// Deleverages executed.
    pub deleverages: u64,
    /// Distinct accounts deleveraged at least once.
    pub accounts_deleveraged: u64,
    /// Collateral the bots sold, base units.
    pub collateral_sold: f64,
    /// What those sales fetched, USD.
    pub proceeds: f64,
    /// Debt repaid with them, USD.
    pub debt_repaid: f64,
    /// Gas paid by the bots, USD.
    pub gas: f64,
    /// The borrowers' cost of deleveraging: collateral sold at the watched price less the
    /// proceeds, plus gas, USD.
    pub borrower_cost: f64,
    /// Collateral offered that the book could not absorb (left in the accounts), base units.
    pub unsold: f64,
    /// Wake-ups that found the account liquidatable at the oracle price (left to liquidators).
    pub left_to_liquidators: u64,
    /// Wake-ups that found the account back out of the buffer.
    pub out_of_buffer: u64,
    /// Wake-ups without a sale worth sending (too small, gas above proceeds, or a repayment
    /// the protocol would refuse).
    pub skipped: u64,
    /// Distinct bot accounts liquidated at least once.
    pub bot_accounts_liquidated: u64,
    /// Distinct accounts liquidated after a deleverage.
    pub deleveraged_then_liquidated: u64,
    /// Time of the first deleverage, s.
    pub first_deleverage_s: Option<f64>,
    /// Time of the first liquidation of a bot account, s.
    pub first_bot_liquidation_s: Option<f64>,
    /// Borrowers' loss to liquidations over the run (all accounts): collateral seized, at the
    /// first venue's price of each liquidation, beyond the debt it paid off, USD.
    pub liquidation_losses: f64,
    /// The same world and seed without the bots: hard liquidation alone (its collateral sold
    /// per minute, borrowers' losses and bad debt), filled in by the caller that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_bots: Option<crate::soft::DesignSummary>,
}

impl DeleverageSummary {
    /// The section for a run with deleverage bots (`None` without them).
    pub fn new(cfg: &WorldConfig, stats: &RunStats) -> Option<Self> {
        cfg.deleverage.as_ref()?;
        let spec = cfg.spec;
        let d = &stats.deleverage;
        Some(DeleverageSummary {
            bots: d.bots,
            wakes: d.wakes,
            deleverages: d.deleverages,
            accounts_deleveraged: d.accounts_deleveraged,
            collateral_sold: spec.qty(d.collateral_sold),
            proceeds: spec.quote(d.proceeds),
            debt_repaid: spec.quote(d.debt_repaid),
            gas: spec.quote(d.gas),
            borrower_cost: spec.quote_signed(d.cost()),
            unsold: spec.qty(d.unsold),
            left_to_liquidators: d.left_to_liquidators,
            out_of_buffer: d.out_of_buffer,
            skipped: d.skipped,
            bot_accounts_liquidated: d.bot_accounts_liquidated,
            deleveraged_then_liquidated: d.deleveraged_then_liquidated,
            first_deleverage_s: d.first_deleverage.map(|t| t.as_secs_f64()),
            first_bot_liquidation_s: d.first_bot_liquidation.map(|t| t.as_secs_f64()),
            liquidation_losses: spec.quote_signed(stats.liquidation_loss),
            without_bots: None,
        })
    }

    /// The world of the comparison's baseline: `cfg` without its deleverage bots.
    pub fn baseline_world(cfg: &WorldConfig) -> WorldConfig {
        let mut w = cfg.clone();
        w.deleverage = None;
        w
    }

    /// Runs [`DeleverageSummary::baseline_world`] on the same seed and records it as
    /// `without_bots`.
    pub fn add_baseline(&mut self, cfg: &WorldConfig) {
        let (stats, ()) = cascade_engine::World::new(Self::baseline_world(cfg), ()).run();
        self.without_bots = Some(crate::soft::design_from_series(
            &stats.per_minute,
            cfg.spec,
            stats.per_minute.len(),
            stats.liquidations,
        ));
    }

    /// One line for the terminal (two with the baseline).
    pub fn human(&self) -> String {
        let base = self.without_bots.as_ref().map_or(String::new(), |b| {
            format!(
                "\n  without bots: {} liquidations, sold {:.3} (peak {:.3}/min), {:.2} USD lost to \
                 liquidations, bad debt {:.2} USD",
                b.hard_liquidations,
                b.collateral_sold,
                b.peak_sold_per_minute,
                b.borrower_losses,
                b.bad_debt
            )
        });
        format!(
            "deleverage bots: {} bots, {} deleverages of {} accounts, sold {:.3} for {:.2} USD, \
             repaid {:.2} USD; borrowers' cost {:.2} USD against {:.2} USD lost to liquidations; \
             {} bot accounts liquidated ({} after deleveraging)",
            self.bots,
            self.deleverages,
            self.accounts_deleveraged,
            self.collateral_sold,
            self.proceeds,
            self.debt_repaid,
            self.borrower_cost,
            self.liquidation_losses,
            self.bot_accounts_liquidated,
            self.deleveraged_then_liquidated
        ) + &base
    }
}

/// Collateral sold and borrowers' losses in one minute of a run, base units and USD.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PressureMinute {
    /// The minute, from 0.
    pub minute: u32,
    /// Seized collateral sold by liquidators.
    pub liquidation_sold: f64,
    /// Collateral sold by deleverage bots.
    pub deleverage_sold: f64,
    /// Borrowers' loss to liquidations (collateral seized, at the first venue's price, beyond
    /// the debt paid off), USD.
    pub liquidation_losses: f64,
    /// Borrowers' cost of deleveraging (slippage at the watched price and gas), USD.
    pub deleverage_cost: f64,
    /// Bad debt at the end of the minute, USD: debt written off plus open positions' debt
    /// their collateral does not cover at the first venue's price.
    #[serde(default)]
    pub bad_debt: f64,
}

/// The minutes with anything sold, lost or owed, in order.
pub fn per_minute(cfg: &WorldConfig, stats: &RunStats) -> Vec<PressureMinute> {
    let spec = cfg.spec;
    let usd = |atoms: i128| spec.quote_signed(atoms);
    stats
        .per_minute
        .iter()
        .enumerate()
        .filter(|(_, m)| **m != cascade_engine::MinutePressure::default())
        .map(|(i, m)| PressureMinute {
            minute: i as u32,
            liquidation_sold: spec.qty(m.liquidation_sold),
            deleverage_sold: spec.qty(m.deleverage_sold),
            liquidation_losses: usd(m.liquidation_loss),
            deleverage_cost: usd(m.deleverage_cost),
            bad_debt: usd(m.bad_debt as i128),
        })
        .collect()
}

/// Every minute from 0 to the end of a run (`end` seconds, or the last minute listed if later),
/// zero where `minutes` lists none.
pub fn dense_minutes(minutes: &[PressureMinute], end: f64) -> Vec<PressureMinute> {
    let n = ((end / crate::soft::MINUTE_S).ceil() as usize)
        .max(minutes.last().map_or(0, |m| m.minute as usize + 1));
    let mut out: Vec<PressureMinute> = (0..n as u32)
        .map(|minute| PressureMinute {
            minute,
            liquidation_sold: 0.0,
            deleverage_sold: 0.0,
            liquidation_losses: 0.0,
            deleverage_cost: 0.0,
            bad_debt: 0.0,
        })
        .collect();
    for m in minutes {
        out[m.minute as usize] = *m;
    }
    out
}
