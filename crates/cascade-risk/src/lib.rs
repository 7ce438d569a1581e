//! Lending accounts, health factors, liquidations, bad debt, and the trigger index.
//!
//! This crate owns the protocol side of a liquidation: whether an account may be liquidated at a
//! price, how much debt a liquidator may repay, how much collateral it receives, what the protocol
//! keeps, and what is written off. It holds no cash of liquidators and knows no venues: callers
//! pass the oracle price and receive an outcome to settle ([`Liquidation`] from any
//! [`LiquidationMechanism`]; the libraries' own [`aave::LiquidationOutcome`],
//! [`compound::AbsorbOutcome`] and [`compound::BuyOutcome`], [`morpho::MorphoLiquidation`]).
//!
//! Units: collateral in [`Lots`](cascade_types::Lots) of the base asset, debt in
//! [`Quote`](cascade_types::Quote) atoms, prices in [`Ticks`](cascade_types::Ticks); the value of
//! `c` lots at price `p` is exactly `c * p` quote atoms, which plays the role of Aave's "base
//! currency" amount.
//!
//! - [`aave`]: the Aave v3.3+ liquidation rules, with Aave's own rounding.
//! - [`compound`]: Compound III (Comet): absorption of whole accounts by the protocol, reserves
//!   that carry the shortfall, and store-front sales of the absorbed collateral.
//! - [`morpho`]: Morpho Blue: a fixed incentive set by the LLTV, debt in shares with virtual
//!   shares, and bad debt written off against suppliers at once.
//! - [`TriggerIndex`]: accounts ordered by the price below which they become liquidatable, so an
//!   oracle update costs O(log n + k) for k triggered accounts.
//! - [`mechanism`]: the [`LiquidationMechanism`] trait, what the engine needs from a
//!   protocol's liquidation rule, implemented for Aave ([`aave::AaveParams`]), Morpho
//!   ([`mechanism::Morpho`]) and Compound ([`mechanism::Compound`]); new rules plug in by
//!   implementing it.
//! - [`LendingMarket`]: accounts, the index and the protocol's books (repaid debt, protocol
//!   collateral, reserves, bad debt) kept consistent with each other, under one mechanism,
//!   and owners' deleverages (collateral withdrawn and debt repaid in one call).

pub mod aave;
pub mod compound;
mod index;
mod market;
pub mod mechanism;
pub mod morpho;
pub mod percent;

#[cfg(test)]
mod spiral_tests;

pub use index::TriggerIndex;
pub use market::{Account, DeleverageError, Deleveraged, LendingMarket, MarketTotals};
pub use mechanism::{
    Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote,
};
pub use percent::WAD;
