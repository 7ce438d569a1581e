//! How liquidation calls reach the chain: at once, or as transactions ordered at inclusion.
//!
//! This module owns the configuration of transaction ordering; the mempool itself (pending
//! transactions, blocks, execution and reverts) lives in `world/txs.rs`.
//!
//! - [`Ordering::Immediate`] (the default): a liquidator's call executes the moment it decides,
//!   against the state it decided on, so it never reverts. This is the model every scenario
//!   without an `ordering` runs, figure for figure.
//! - [`Ordering::FirstArrival`]: a liquidator decides when it wakes and sends a transaction that
//!   arrives after its own transaction latency; transactions execute as they arrive (a
//!   first-come-first-served sequencer), so the latencies decide who is first.
//! - [`Ordering::PriorityAuction`]: transactions arriving within a block (blocks end every
//!   `block` from time zero) execute together at the block's end, highest priority fee first,
//!   ties by arrival time, then by the order they were sent (a gas-price auction).
//!
//! Under both transaction orderings a transaction is re-checked at inclusion against the state
//! of that moment: if the account is no longer liquidatable, or the liquidator's own guard
//! finds the call no longer worth it, it reverts and still pays its gas and priority fee.

use cascade_types::SimDuration;

/// How liquidation calls are ordered and when they execute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ordering {
    /// Calls execute when the liquidator decides (no transactions, no reverts).
    #[default]
    Immediate,
    /// Transactions execute in arrival order, each as it arrives.
    FirstArrival,
    /// Transactions arriving within a block execute at its end, by priority fee.
    PriorityAuction {
        /// Block interval; blocks end at its multiples.
        block: SimDuration,
    },
}

impl Ordering {
    /// `true` if liquidation calls are transactions (sent, then included).
    pub fn uses_transactions(self) -> bool {
        self != Ordering::Immediate
    }

    /// The name written in summaries: `immediate`, `first_arrival` or `priority_auction`.
    pub fn as_str(self) -> &'static str {
        match self {
            Ordering::Immediate => "immediate",
            Ordering::FirstArrival => "first_arrival",
            Ordering::PriorityAuction { .. } => "priority_auction",
        }
    }
}
