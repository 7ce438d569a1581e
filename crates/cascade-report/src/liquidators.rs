//! The liquidators' part of `summary.json`: each liquidator's wins, reverts, wasted gas,
//! priority fees and P&L, the transactions of runs that order liquidation calls as
//! transactions, and the bridge transfers of runs that bridge seized collateral.

use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// One liquidator's record, in USD and base units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiquidatorSummary {
    /// Its label in the trace (`liq<i>`).
    pub name: String,
    /// Liquidation calls that executed.
    pub wins: u64,
    /// Transactions sent (0 when calls are immediate).
    pub txs: u64,
    /// Transactions that reverted at inclusion.
    pub reverts: u64,
    /// Gas paid by reverted transactions, USD (`reverts` times the gas per call).
    pub wasted_gas: f64,
    /// All gas paid, USD.
    pub gas: f64,
    /// Priority fees paid, USD.
    pub priority_fees: f64,
    /// Debt repaid, USD.
    pub debt_repaid: f64,
    /// Collateral received, base units.
    pub collateral_received: f64,
    /// Collateral held at the end, base units.
    pub held_at_end: f64,
    /// Collateral on a bridge (in transit or waiting for capacity) at the end, base units.
    pub bridged_at_end: f64,
    /// Cash plus collateral (held and bridged) at the last mid, less the start, USD.
    pub pnl: f64,
}

/// Liquidation transactions (runs with an `ordering`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TxSummary {
    /// `first_arrival` or `priority_auction`.
    pub ordering: String,
    /// Transactions sent.
    pub submitted: u64,
    /// Transactions that executed a liquidation.
    pub executed: u64,
    /// Transactions that reverted.
    pub reverted: u64,
    /// Of which: the account was no longer liquidatable.
    pub reverted_not_liquidatable: u64,
    /// Of which: the liquidator's guard found the call no longer worth it.
    pub reverted_unprofitable: u64,
    /// Of which: the liquidator could not afford the repayment.
    pub reverted_no_capital: u64,
    /// Of which: the oracle could not be used for liquidations.
    pub reverted_oracle_blocked: u64,
    /// Sent but not included by the end of the run.
    pub unincluded: u64,
    /// Gas paid by reverted transactions, USD.
    pub wasted_gas: f64,
    /// Priority fees paid, USD.
    pub priority_fees: f64,
    /// Blocks that included a transaction (priority-fee auction).
    pub blocks: u64,
}

/// Seized collateral sent over bridges (runs with a `Bridge` route).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BridgeSummary {
    /// Transfers started.
    pub transfers: u64,
    /// Collateral sent, base units.
    pub sent: f64,
    /// Collateral that arrived, base units.
    pub arrived: f64,
    /// Collateral in transit or waiting for capacity at the end, base units.
    pub in_transit_at_end: f64,
    /// Most collateral in transit or waiting at once, base units.
    pub max_outstanding: f64,
    /// Mean time from seizure to arrival of the transfers that arrived, seconds (waiting for
    /// capacity included; a parcel cut in parts counts once per part).
    pub mean_delay_s: Option<f64>,
}

/// Per-liquidator records.
pub(crate) fn liquidators(cfg: &WorldConfig, stats: &RunStats) -> Vec<LiquidatorSummary> {
    let spec = cfg.spec;
    let usd = |atoms: i128| spec.quote_signed(atoms);
    stats
        .liquidators
        .iter()
        .enumerate()
        .map(|(i, l)| LiquidatorSummary {
            name: format!("liq{i}"),
            wins: l.wins,
            txs: l.txs,
            reverts: l.reverts,
            wasted_gas: spec.quote(l.wasted_gas),
            gas: spec.quote(l.gas_spent),
            priority_fees: spec.quote(l.priority_fees),
            debt_repaid: spec.quote(l.debt_repaid),
            collateral_received: spec.qty(l.collateral_received),
            held_at_end: spec.qty(l.base_at_end),
            bridged_at_end: spec.qty(l.bridged_at_end),
            pnl: usd(l.pnl),
        })
        .collect()
}

/// The transactions, if the run orders calls as transactions.
pub(crate) fn transactions(cfg: &WorldConfig, stats: &RunStats) -> Option<TxSummary> {
    if !cfg.ordering.uses_transactions() {
        return None;
    }
    let t = &stats.txs;
    let r = |reason: cascade_engine::RevertReason| t.reverted[reason as usize];
    use cascade_engine::RevertReason as R;
    Some(TxSummary {
        ordering: cfg.ordering.as_str().to_string(),
        submitted: t.submitted,
        executed: t.executed,
        reverted: t.reverts(),
        reverted_not_liquidatable: r(R::NotLiquidatable),
        reverted_unprofitable: r(R::Unprofitable),
        reverted_no_capital: r(R::NoCapital),
        reverted_oracle_blocked: r(R::OracleBlocked),
        unincluded: t.unincluded,
        wasted_gas: cfg.spec.quote(t.wasted_gas),
        priority_fees: cfg.spec.quote(t.priority_fees),
        blocks: t.blocks,
    })
}

/// The bridge transfers, if any liquidator routes over a bridge.
pub(crate) fn bridge(cfg: &WorldConfig, stats: &RunStats) -> Option<BridgeSummary> {
    let bridged = cfg
        .liquidators
        .iter()
        .any(|l| matches!(l.route, cascade_engine::Route::Bridge { .. }));
    if !bridged {
        return None;
    }
    let b = &stats.bridge;
    let spec = cfg.spec;
    Some(BridgeSummary {
        transfers: b.transfers,
        sent: spec.qty(b.sent),
        arrived: spec.qty(b.arrived),
        in_transit_at_end: spec.qty(b.in_transit_at_end),
        max_outstanding: spec.qty(b.max_outstanding),
        mean_delay_s: (b.arrivals > 0).then(|| b.total_delay.as_secs_f64() / b.arrivals as f64),
    })
}
