//! A perpetual-futures venue as a protocol of the world: its configuration and its counters.
//!
//! The venue's risk engine is `cascade_perp::PerpVenue` (margin tiers, liquidation route,
//! backstop vault, insurance fund, ADL). The world runs it on one of its books: on every
//! publication of the mark oracle it finds the liquidatable accounts (an index by liquidation
//! price), sends the venue's liquidation orders into the book as market or IOC orders in the
//! name of a clearing agent, settles the fills through the venue, and lets the venue's backstop
//! vault and ADL act as it decides. See `world/perps.rs` for the handlers and ARCHITECTURE.md
//! for the model.

use cascade_des::dist::Dist;
use cascade_perp::{MarginTable, VenueParams};
use cascade_types::{Bps, Lots, Quote, SimDuration, SimTime, Ticks};

/// The one market of a perp venue run by the world (the venue's market 0 trades on one book).
pub const PERP_MARKET: cascade_perp::MarketId = cascade_perp::MarketId(0);

/// One trader's account at the start: collateral and a position opened at `entry`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerpAccountConfig {
    /// Cross collateral, quote atoms.
    pub collateral: Quote,
    /// Signed size in lots (positive long), never zero.
    pub size: i64,
    /// Entry price.
    pub entry: Ticks,
}

/// How the backstop vault gets rid of the positions it took over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultUnwind {
    /// Interval between the vault's orders.
    pub every: SimDuration,
    /// Share of the vault's position each order closes, in basis points (at least one lot).
    pub share: Bps,
    /// Each order is an IOC limited to this far through the mark, in basis points.
    pub slippage: Bps,
}

/// A perpetual-futures venue trading on one of the world's books.
#[derive(Clone, Debug, PartialEq)]
pub struct PerpsConfig {
    /// The book (index into `WorldConfig::venues`) liquidation orders go to.
    pub venue: usize,
    /// The oracle (index into `WorldConfig::oracles`) whose publications are the mark price.
    pub mark_oracle: usize,
    /// The venue's rules (partial liquidation, fees, backstop threshold, ADL ranking and price).
    pub rules: VenueParams,
    /// The market's margin tiers.
    pub margin: MarginTable,
    /// The insurance fund's starting balance.
    pub insurance_fund: Quote,
    /// The backstop vault's capital (zero when the venue has none).
    pub vault_capital: Quote,
    /// How the vault unwinds what it took over; `None`: it holds it.
    pub vault_unwind: Option<VaultUnwind>,
    /// Liquidation orders are IOC orders limited to this far through the mark, in basis points;
    /// `None`: market orders.
    pub liquidation_slippage: Option<Bps>,
    /// Delay from a mark publication to the clearinghouse acting on it, milliseconds (drawn from
    /// the stream `perp-clearing/0`).
    pub latency_ms: Dist,
    /// The traders' accounts, ids from 1 (the venue's account 0 is the vault).
    pub accounts: Vec<PerpAccountConfig>,
}

impl PerpsConfig {
    /// Lots of every long position at the start (what the book side may take delivery of).
    pub fn long_lots(&self) -> u64 {
        self.accounts
            .iter()
            .filter(|a| a.size > 0)
            .map(|a| a.size.unsigned_abs())
            .sum()
    }

    /// Lots of every short position at the start.
    pub fn short_lots(&self) -> u64 {
        self.accounts
            .iter()
            .filter(|a| a.size < 0)
            .map(|a| a.size.unsigned_abs())
            .sum()
    }
}

/// What happened on the perp venue, in integer units (quote atoms, lots).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PerpStats {
    /// Trader accounts.
    pub accounts: u64,
    /// Long lots open at the start.
    pub long_lots_start: Lots,
    /// Short lots open at the start.
    pub short_lots_start: Lots,
    /// Liquidations: liquidation orders that filled at least in part, backstop transfers and
    /// ADL closes of bankrupt accounts, each with a liquidation id and a generation.
    pub liquidations: u64,
    /// Liquidations per generation (index = generation).
    pub by_generation: Vec<u64>,
    /// Liquidation orders that filled (whole-position orders).
    pub market_orders: u64,
    /// Partial liquidation orders that filled (Hyperliquid's 20% of a large position).
    pub partial_orders: u64,
    /// Times a liquidatable account was left for the next mark because the book had nothing
    /// to fill its order within the order's limit (an account can count at every check).
    pub no_liquidity: u64,
    /// Lots closed by liquidation orders in the book.
    pub liquidated_lots: Lots,
    /// Their value at the fill prices, quote atoms.
    pub liquidated_notional: u128,
    /// Backstop transfers to the vault.
    pub backstop_transfers: u64,
    /// Value of the positions moved to the vault, at the mark.
    pub backstop_notional: u128,
    /// Times the vault refused a scope below its threshold for lack of capital.
    pub backstop_refusals: u64,
    /// ADL fills (one per counterparty closed).
    pub adl_events: u64,
    /// Lots closed by ADL.
    pub adl_lots: Lots,
    /// Their value at the ADL price, quote atoms.
    pub adl_notional: u128,
    /// Bankrupt accounts closed by ADL.
    pub adl_accounts: u64,
    /// ADL passes that ran out of opposite positions.
    pub adl_unfilled: u64,
    /// Insurance fund at the start and at the end, quote atoms.
    pub insurance_start: u128,
    /// See `insurance_start`.
    pub insurance_end: u128,
    /// Paid by the fund to cover deficits.
    pub insurance_drawn: u128,
    /// Received by the fund (fees, surpluses).
    pub insurance_deposited: u128,
    /// The vault's capital at the start.
    pub vault_capital: u128,
    /// The vault's account value at the last mark.
    pub vault_value_end: i128,
    /// Lots the vault sold or bought back into the book.
    pub vault_unwound: Lots,
    /// Lots the vault still holds at the end (signed).
    pub vault_position_end: i64,
    /// Deficits neither the fund nor ADL covered, written off.
    pub bad_debt: u128,
    /// Accounts that ended their liquidation with negative equity: a deficit drawn from the
    /// fund, written off, or closed by ADL while bankrupt.
    pub negative_equity_accounts: u64,
    /// The sum of those deficits (positive), quote atoms.
    pub negative_equity_total: u128,
    /// Liquidation fees kept by the venue.
    pub clearing_fees: u128,
    /// When things first happened.
    pub first_liquidation: Option<SimTime>,
    /// See `first_liquidation`.
    pub first_backstop: Option<SimTime>,
    /// See `first_liquidation`.
    pub first_backstop_refusal: Option<SimTime>,
    /// See `first_liquidation`.
    pub first_insurance_draw: Option<SimTime>,
    /// See `first_liquidation`.
    pub first_adl: Option<SimTime>,
    /// Lowest mark published.
    pub min_mark: Option<Ticks>,
}

impl PerpStats {
    /// The highest generation seen, if any liquidation happened.
    pub fn max_generation(&self) -> Option<u32> {
        self.by_generation.len().checked_sub(1).map(|g| g as u32)
    }
}
