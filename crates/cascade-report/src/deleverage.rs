//! The summary's `deleverage` section (borrowers' deleverage bots against hard liquidation),
//! every run's collateral sold per minute by liquidations and by deleverage bots, and the
//! borrowers' cumulative losses to each for the `deleverage` figure.

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
    /// Borrowers' loss to liquidations over the run (all accounts): collateral seized at the
    /// oracle price of each liquidation less the debt it repaid, USD.
    pub liquidation_losses: f64,
}

impl DeleverageSummary {
    /// The section for a run with deleverage bots (`None` without them).
    pub fn new(cfg: &WorldConfig, stats: &RunStats) -> Option<Self> {
        cfg.deleverage.as_ref()?;
        let spec = cfg.spec;
        let d = &stats.deleverage;
        let atoms = spec.tick_size * spec.lot_size;
        Some(DeleverageSummary {
            bots: d.bots,
            wakes: d.wakes,
            deleverages: d.deleverages,
            accounts_deleveraged: d.accounts_deleveraged,
            collateral_sold: spec.qty(d.collateral_sold),
            proceeds: spec.quote(d.proceeds),
            debt_repaid: spec.quote(d.debt_repaid),
            gas: spec.quote(d.gas),
            borrower_cost: d.cost() as f64 * atoms,
            unsold: spec.qty(d.unsold),
            left_to_liquidators: d.left_to_liquidators,
            out_of_buffer: d.out_of_buffer,
            skipped: d.skipped,
            bot_accounts_liquidated: d.bot_accounts_liquidated,
            deleveraged_then_liquidated: d.deleveraged_then_liquidated,
            first_deleverage_s: d.first_deleverage.map(|t| t.as_secs_f64()),
            first_bot_liquidation_s: d.first_bot_liquidation.map(|t| t.as_secs_f64()),
            liquidation_losses: liquidation_losses(cfg, stats),
        })
    }

    /// One line for the terminal.
    pub fn human(&self) -> String {
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
        )
    }
}

/// Borrowers' loss to liquidations: collateral seized valued at each liquidation's oracle price
/// less the debt repaid, USD.
pub fn liquidation_losses(cfg: &WorldConfig, stats: &RunStats) -> f64 {
    let spec = cfg.spec;
    spec.quote(stats.liquidated_value) - spec.quote(stats.debt_repaid)
}

/// Collateral sold in one minute of a run, base units.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SoldMinute {
    /// The minute, from 0.
    pub minute: u32,
    /// Sold by liquidators.
    pub liquidations: f64,
    /// Sold by deleverage bots.
    pub deleverage: f64,
}

/// The minutes in which anything was sold, in order.
pub fn sold_per_minute(cfg: &WorldConfig, stats: &RunStats) -> Vec<SoldMinute> {
    stats
        .sold_per_minute
        .iter()
        .enumerate()
        .filter(|(_, m)| !(m.liquidations.is_zero() && m.deleverage.is_zero()))
        .map(|(i, m)| SoldMinute {
            minute: i as u32,
            liquidations: cfg.spec.qty(m.liquidations),
            deleverage: cfg.spec.qty(m.deleverage),
        })
        .collect()
}

#[derive(Deserialize)]
struct LiquidationLoss {
    time_ns: u64,
    oracle_price: f64,
    debt_repaid: f64,
    collateral_seized: f64,
}

#[derive(Deserialize)]
struct DeleverageCost {
    time_ns: u64,
    cost: f64,
}

/// Borrowers' cumulative losses over time: to liquidations (collateral seized at the oracle
/// price less the debt repaid, per `liquidations.csv` row) and to deleveraging (the `cost`
/// column of `deleverage.csv`), as step functions in USD.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeleverageSeries {
    /// Cumulative loss to liquidations.
    pub liquidation_losses: Vec<(f64, f64)>,
    /// Cumulative cost of deleveraging.
    pub deleverage_costs: Vec<(f64, f64)>,
    /// End of the run, seconds.
    pub end: f64,
}

impl DeleverageSeries {
    /// Reads `liquidations.csv` and `deleverage.csv` from a trace folder (`None` if the run
    /// wrote no `deleverage.csv`); `end` closes the step functions.
    pub fn from_trace(dir: &std::path::Path, end: f64) -> Result<Option<Self>, crate::ReportError> {
        let delev = dir.join("deleverage.csv");
        if !delev.exists() {
            return Ok(None);
        }
        let mut s = DeleverageSeries {
            end,
            ..Self::default()
        };
        let step = |series: &mut Vec<(f64, f64)>, total: &mut f64, t: f64, add: f64| {
            series.push((t, *total));
            *total += add;
            series.push((t, *total));
        };
        let (mut liq, mut cost) = (0.0, 0.0);
        s.liquidation_losses.push((0.0, 0.0));
        s.deleverage_costs.push((0.0, 0.0));
        crate::series::for_each(&dir.join("liquidations.csv"), |r: LiquidationLoss| {
            let loss = r.collateral_seized * r.oracle_price - r.debt_repaid;
            step(
                &mut s.liquidation_losses,
                &mut liq,
                r.time_ns as f64 / 1e9,
                loss,
            );
        })?;
        crate::series::for_each(&delev, |r: DeleverageCost| {
            step(
                &mut s.deleverage_costs,
                &mut cost,
                r.time_ns as f64 / 1e9,
                r.cost,
            );
        })?;
        s.liquidation_losses.push((end, liq));
        s.deleverage_costs.push((end, cost));
        Ok(Some(s))
    }
}

/// Collateral sold per minute, dense from minute 0 to the run's last minute: (liquidations,
/// deleverage bots), from the summary's sparse `sold_per_minute`.
pub fn dense_sold_per_minute(sold: &[SoldMinute], end: f64) -> (Vec<f64>, Vec<f64>) {
    let minutes = ((end / crate::soft::MINUTE_S).ceil() as usize)
        .max(sold.last().map_or(0, |m| m.minute as usize + 1));
    let mut liq = vec![0.0; minutes];
    let mut delev = vec![0.0; minutes];
    for m in sold {
        liq[m.minute as usize] = m.liquidations;
        delev[m.minute as usize] = m.deleverage;
    }
    (liq, delev)
}
