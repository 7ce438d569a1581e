//! The risk engine of a perpetual-futures venue: margin tiers, liquidation at the mark, the
//! backstop (liquidator) vault, the insurance fund and auto-deleveraging.
//!
//! A pure library: it holds no order book and draws no random numbers. The caller passes the
//! mark of each market, ordinary fills, the fills of the liquidation orders it sent to its book,
//! and the simulated time ([`SimTime`](cascade_types::SimTime)); every operation returns the
//! [`Event`]s it produced, so an engine can trace them and send the orders.
//!
//! Units: sizes in [`Lots`](cascade_types::Lots) (signed `i64` lots for positions), prices in
//! [`Ticks`](cascade_types::Ticks), money in quote atoms (unsigned `u128` for requirements, fees
//! and fund flows, signed `i128` for balances, PnL and equity). The value of `q` lots at `p`
//! ticks is exactly `q * p` atoms, so value is conserved in integers: with every fill recorded on
//! both sides, [`PerpVenue::total_value`] (accounts, vault, insurance fund and fees, minus bad
//! debt written off) only changes with deposits.
//!
//! Sources (quoted in each module): Hyperliquid docs (hyperliquid.gitbook.io: trading/margin-tiers,
//! trading/liquidations, trading/auto-deleveraging; the partial liquidation announcement),
//! Binance (leverage brackets, "What Is Auto-Deleveraging"), Bybit help ("Maintenance Margin
//! (USDT Contract)", "Auto-Deleveraging (ADL) Mechanism"), and `reference/mechanisms.md` §4.
//!
//! - [`margin`]: tiered maintenance margin with the maintenance deduction.
//! - [`account`]: positions, margin scopes (cross or isolated), equity and margin ratio.
//! - [`liquidation`]: the liquidation route (book, backstop, ADL), partial liquidation with its
//!   cooldown, settlement of liquidation fills.
//! - [`backstop`]: transfer of a scope to the liquidator vault below 2/3 of maintenance.
//! - [`insurance`]: the insurance fund; deficits, surpluses and bad debt of closed-out scopes.
//! - [`adl`]: ADL rankings (Hyperliquid, Bybit, Binance) and execution.

pub mod account;
pub mod adl;
pub mod backstop;
mod error;
mod event;
pub mod insurance;
pub mod liquidation;
pub mod margin;
mod venue;

pub use account::{Account, MarginState, MarketId, Position, Scope};
pub use adl::{AdlCandidate, AdlPrice, AdlRanking, Ranked};
pub use error::PerpError;
pub use event::{Event, LiquidationOrder};
pub use insurance::InsuranceFund;
pub use liquidation::Route;
pub use margin::{MarginTable, Ratio, TableError, Tier};
pub use venue::{
    FeeDestination, MAX_LOTS, MAX_TICKS, PartialRule, PerpVenue, VenueParams, VenueTotals,
};
