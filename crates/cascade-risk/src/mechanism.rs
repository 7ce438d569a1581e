//! The liquidation rule of a lending protocol, as the engine needs it: one trait, three
//! implementations of real protocols, and room for new ones.
//!
//! A [`LendingMarket`](crate::LendingMarket) holds accounts of one collateral/debt pair and one
//! [`LiquidationMechanism`]. The market keeps the state (accounts, the [`TriggerIndex`](crate::TriggerIndex),
//! the protocol's [`ProtocolBooks`] and running totals); the mechanism says what the rules are:
//!
//! - [`trigger_price`](LiquidationMechanism::trigger_price): the price below which an account
//!   may be liquidated, which keys the trigger index (O(log n + k) per oracle update);
//! - [`is_liquidatable`](LiquidationMechanism::is_liquidatable) and
//!   [`health_factor`](LiquidationMechanism::health_factor) (for the trace);
//! - [`max_repayable`](LiquidationMechanism::max_repayable): the most a liquidator may pay in
//!   one call at a price (Aave's close factor, Morpho's "all of it", Compound's price of the
//!   protocol's collateral stock), which liquidators use to size their calls;
//! - [`liquidate`](LiquidationMechanism::liquidate): what one call does, as a [`Liquidation`]:
//!   debt repaid by the liquidator, collateral taken from the account and given to the
//!   liquidator (the rest, positive or negative, is the protocol's), debt written off, the
//!   change in protocol reserves and any credit to the borrower;
//! - [`on_oracle_price`](LiquidationMechanism::on_oracle_price): an optional hook for adaptive
//!   rules (say, a threshold that follows volatility); returning `true` makes the market
//!   re-key its trigger index.
//!
//! Every [`Liquidation`] must balance: `debt_cleared + reserves_change + borrower_credit =
//! debt_repaid + bad_debt` (what left the borrower's debt, plus what the protocol kept or now
//! owes, equals the cash it received plus what it wrote off). [`LendingMarket`](crate::LendingMarket)
//! refuses an unbalanced outcome with a panic naming the mechanism, because it would break the
//! world's exact value conservation.
//!
//! Built-in mechanisms, each delegating to its protocol's library in this crate:
//!
//! - [`AaveParams`](crate::aave::AaveParams): Aave v3.3+ (aave-dao/aave-v3-origin,
//!   `LiquidationLogic.executeLiquidationCall`), the engine's default;
//! - [`Morpho`]: Morpho Blue (morpho-org/morpho-blue@src/Morpho.sol:liquidate), fixed incentive
//!   set by the LLTV, bad debt socialised to suppliers at once;
//! - [`Compound`]: Compound III (compound-finance/comet@contracts/Comet.sol:absorbInternal and
//!   buyCollateral), absorption into reserves and a store-front sale in the same call.
//!
//! # Adding a mechanism
//!
//! Implement the trait for a `Clone + Debug` type (cloning is how a world gets its own copy
//! from a configuration) and hand it to [`LendingMarket::new`](crate::LendingMarket::new), or
//! put it in a world's configuration (`WorldConfig::lending`). A fixed-spread rule whose bonus
//! grows as the health factor falls (Euler-style), with the trigger price found by the
//! default search:
//!
//! ```
//! use cascade_risk::mechanism::{Liquidation, LiquidationMechanism, ProtocolBooks, SignedQuote};
//! use cascade_risk::{Account, LendingMarket, LiquidationError, WAD};
//! use cascade_types::{AccountId, Lots, Quote, Ticks};
//!
//! /// Liquidatable below 80% loan-to-value; the liquidator's discount is 1 - HF, capped at 10%.
//! #[derive(Clone, Debug)]
//! struct Dutchish;
//!
//! impl LiquidationMechanism for Dutchish {
//!     fn name(&self) -> &str {
//!         "dutchish"
//!     }
//!     fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
//!         if a.debt.0 == 0 {
//!             return u128::MAX;
//!         }
//!         let value = u128::from(a.collateral.0) * price.0 as u128;
//!         value * 8 / 10 * WAD / u128::from(a.debt.0)
//!     }
//!     fn max_repayable(&self, a: &Account, _: Ticks, _: &ProtocolBooks) -> Quote {
//!         a.debt
//!     }
//!     fn liquidate(
//!         &self,
//!         a: &Account,
//!         debt_to_cover: Quote,
//!         price: Ticks,
//!         _: &ProtocolBooks,
//!     ) -> Result<Liquidation, LiquidationError> {
//!         let hf = self.health_factor(a, price);
//!         if hf >= WAD {
//!             return Err(LiquidationError::Healthy(hf));
//!         }
//!         let discount = (WAD - hf).min(WAD / 10);
//!         let repay = u128::from(debt_to_cover.0.min(a.debt.0));
//!         // Collateral worth repay / (1 - discount), rounded down, at most all of it.
//!         let p = price.0 as u128;
//!         let seized = (repay * WAD / (WAD - discount) / p).min(u128::from(a.collateral.0));
//!         let all_gone = seized == u128::from(a.collateral.0);
//!         let bad = if all_gone { u128::from(a.debt.0) - repay } else { 0 };
//!         Ok(Liquidation {
//!             hf_before: hf,
//!             debt_cleared: Quote((repay + bad) as u64),
//!             collateral_seized: Lots(seized as u64),
//!             debt_repaid: Quote(repay as u64),
//!             collateral_to_liquidator: Lots(seized as u64),
//!             bad_debt: Quote(bad as u64),
//!             reserves_change: SignedQuote(0),
//!             borrower_credit: Quote(0),
//!         })
//!     }
//! }
//!
//! // 10 units against 1,700 atoms of debt: liquidatable below 212.5 ticks.
//! let mut m = LendingMarket::new(
//!     Dutchish,
//!     vec![Account { collateral: Lots(10), debt: Quote(1_700) }],
//! );
//! assert_eq!(m.trigger_price(AccountId(0)), Some(Ticks(213)));
//! // At 200 ticks HF = 0.941, so the discount is 5.9%: 850 atoms buy 850 / 0.941 / 200 = 4 units.
//! let out = m.liquidate(AccountId(0), Quote(850), Ticks(200)).unwrap();
//! assert_eq!(out.collateral_to_liquidator, Lots(4));
//! assert_eq!(m.account(AccountId(0)).debt, Quote(850));
//! ```
//!
//! `examples/custom_mechanism.rs` runs such a mechanism through a whole scenario, and
//! `docs/mechanisms.md` walks through the steps.

use crate::Account;
use crate::percent::WAD;
use cascade_types::{Lots, Quote, SimTime, Ticks};
use std::fmt;
use thiserror::Error;

mod aave;
mod adaptive;
mod compound;
mod morpho;

pub use adaptive::{AdaptiveAave, BonusRamp, VolThreshold};
pub use compound::Compound;
pub use morpho::Morpho;

/// A signed amount of quote atoms: a change in, or the level of, protocol reserves (which
/// Compound III lets go negative).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignedQuote(pub i128);

impl SignedQuote {
    /// Zero.
    pub const ZERO: SignedQuote = SignedQuote(0);

    /// The sum; panics on overflow (a broken invariant: amounts are far below `i128`).
    pub fn plus(self, other: SignedQuote) -> SignedQuote {
        SignedQuote(
            self.0
                .checked_add(other.0)
                .expect("signed quote overflows i128"),
        )
    }
}

impl From<Quote> for SignedQuote {
    fn from(q: Quote) -> Self {
        SignedQuote(i128::from(q.0))
    }
}

/// What the protocol holds that a liquidation may draw on: passed to every call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProtocolBooks {
    /// Protocol reserves in quote atoms (starting at
    /// [`LiquidationMechanism::initial_reserves`], moved by every
    /// [`Liquidation::reserves_change`]); may be negative.
    pub reserves: SignedQuote,
    /// Collateral the protocol holds from liquidations: Aave's treasury fees, Compound's
    /// absorbed collateral not yet bought.
    pub collateral: Lots,
}

/// What one liquidation call does, for every protocol. Amounts are in the market's units:
/// collateral in lots, debt and cash in quote atoms.
///
/// Collateral: the account loses `collateral_seized`, the liquidator receives
/// `collateral_to_liquidator`, the protocol keeps the difference
/// ([`Liquidation::collateral_to_protocol`]; negative when the liquidator also buys collateral
/// the protocol held from earlier calls). Debt and cash balance as
/// `debt_cleared + reserves_change + borrower_credit = debt_repaid + bad_debt`
/// ([`Liquidation::is_balanced`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Liquidation {
    /// The account's health factor before the call, in WAD (1e18 = 1).
    pub hf_before: u128,
    /// Debt taken off the account.
    pub debt_cleared: Quote,
    /// Collateral taken from the account.
    pub collateral_seized: Lots,
    /// Cash paid by the liquidator to the protocol (Aave's and Morpho's repayment, Compound's
    /// `buyCollateral` payment).
    pub debt_repaid: Quote,
    /// Collateral the liquidator receives.
    pub collateral_to_liquidator: Lots,
    /// Debt written off without payment: Aave's deficit, Morpho's bad debt socialised to
    /// suppliers.
    pub bad_debt: Quote,
    /// Change in protocol reserves (Compound: `buyCollateral` payment less the base paid out by
    /// `absorb`; Morpho: the atom `zeroFloorSub` can keep).
    pub reserves_change: SignedQuote,
    /// Credit to the borrower: Compound's surplus of the collateral credit over the debt,
    /// which becomes a supply balance.
    pub borrower_credit: Quote,
}

impl Liquidation {
    /// Collateral the protocol keeps (negative: sold from what it held before).
    pub fn collateral_to_protocol(&self) -> i128 {
        i128::from(self.collateral_seized.0) - i128::from(self.collateral_to_liquidator.0)
    }

    /// `true` if `debt_cleared + reserves_change + borrower_credit = debt_repaid + bad_debt`.
    pub fn is_balanced(&self) -> bool {
        let left = i128::from(self.debt_cleared.0)
            + self.reserves_change.0
            + i128::from(self.borrower_credit.0);
        let right = i128::from(self.debt_repaid.0) + i128::from(self.bad_debt.0);
        left == right
    }
}

/// Why a liquidation call reverts, for every mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum LiquidationError {
    /// The account may not be liquidated: health factor (WAD) not below one (Aave's
    /// `HEALTH_FACTOR_NOT_BELOW_THRESHOLD`, Morpho's `HEALTHY_POSITION`, Comet's
    /// `NotLiquidatable`).
    #[error("health factor {0} (WAD) is not below 1")]
    Healthy(u128),
    /// The account has no debt.
    #[error("the account has no debt")]
    NoDebt,
    /// The price is not positive.
    #[error("price {0:?} is not positive")]
    InvalidPrice(Ticks),
    /// Nothing to repay was asked for.
    #[error("debt to cover is zero")]
    ZeroDebtToCover,
    /// The call would leave dust (Aave's `MUST_NOT_LEAVE_DUST`): repay all or take all.
    #[error("the liquidation would leave less than the minimum leftover")]
    MustNotLeaveDust,
    /// Compound III refused.
    #[error("compound: {0}")]
    Compound(#[from] crate::compound::CometError),
    /// Morpho Blue refused.
    #[error("morpho: {0}")]
    Morpho(#[from] crate::morpho::MorphoError),
    /// Another mechanism refused, for the reason given.
    #[error("{0}")]
    Refused(&'static str),
}

/// Cloning a boxed mechanism: implemented for every `Clone` mechanism, so implementors only
/// derive `Clone`.
pub trait CloneMechanism {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn LiquidationMechanism>;
}

impl<M: LiquidationMechanism + Clone + 'static> CloneMechanism for M {
    fn clone_box(&self) -> Box<dyn LiquidationMechanism> {
        Box::new(self.clone())
    }
}

/// A lending protocol's liquidation rule for one collateral/debt pair.
///
/// Methods take the account and the oracle price; the market calls them, applies the outcome
/// and keeps the index. Implementations must be deterministic (no clock, no randomness, no
/// hash-map iteration), and their liquidatability must be monotone in the price (an account
/// liquidatable at `p` is liquidatable at every lower price), which is what a trigger index
/// needs.
pub trait LiquidationMechanism: fmt::Debug + Send + Sync + CloneMechanism {
    /// A short name for summaries, e.g. `aave-v3`.
    fn name(&self) -> &str;

    /// Health factor in WAD (1e18 = 1; `u128::MAX` without debt): liquidatable below one.
    fn health_factor(&self, account: &Account, price: Ticks) -> u128;

    /// `true` if the account may be liquidated at `price`. By default: it has debt and
    /// `health_factor < 1`.
    fn is_liquidatable(&self, account: &Account, price: Ticks) -> bool {
        !account.debt.is_zero() && self.health_factor(account, price) < WAD
    }

    /// The lowest price at which the account is not liquidatable: it is liquidatable exactly at
    /// prices below this one. `None` without debt; `i64::MAX` if liquidatable at any price. By
    /// default a search over [`LiquidationMechanism::is_liquidatable`]
    /// ([`search_trigger_price`]); built-ins solve it in closed form.
    fn trigger_price(&self, account: &Account) -> Option<Ticks> {
        search_trigger_price(|p| self.is_liquidatable(account, p), account.debt)
    }

    /// The most a liquidator may pay in one call at `price` (liquidators size their calls from
    /// it; zero if a call cannot pay anything).
    fn max_repayable(&self, account: &Account, price: Ticks, books: &ProtocolBooks) -> Quote;

    /// What a call paying up to `debt_to_cover` at `price` does, without doing it.
    fn liquidate(
        &self,
        account: &Account,
        debt_to_cover: Quote,
        price: Ticks,
        books: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError>;

    /// Protocol reserves before any liquidation (Compound's starting reserves); zero by default.
    fn initial_reserves(&self) -> SignedQuote {
        SignedQuote::ZERO
    }

    /// Where written-off debt goes, for reports: `"deficit"` by default (kept on the
    /// protocol's books, as Aave's `reserve.deficit`).
    fn bad_debt_treatment(&self) -> &str {
        "deficit"
    }

    /// Told about every price the market reads from its oracle, at `now`. An adaptive rule
    /// updates its state here and returns `true` if trigger prices may have changed, so the
    /// market re-keys its index (O(n log n)); the default does nothing.
    fn on_oracle_price(&mut self, now: SimTime, price: Ticks) -> bool {
        let _ = (now, price);
        false
    }
}

impl Clone for Box<dyn LiquidationMechanism> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Mechanisms compare equal when their debug forms do: the same type with the same parameters
/// and state (what a configuration's equality needs).
impl PartialEq for Box<dyn LiquidationMechanism> {
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

/// What `#[derive(PartialEq)]` on a struct holding a boxed mechanism calls (rust-lang/rust#31740).
impl PartialEq<&Self> for Box<dyn LiquidationMechanism> {
    fn eq(&self, other: &&Self) -> bool {
        self == *other
    }
}

/// The trigger price of an account whose liquidatability at a price is `liquidatable`, found
/// by doubling and bisection over ticks (about 2 x 63 calls). `None` without debt.
///
/// Correct for any rule whose liquidatability is monotone in the price.
pub fn search_trigger_price(liquidatable: impl Fn(Ticks) -> bool, debt: Quote) -> Option<Ticks> {
    if debt.is_zero() {
        return None;
    }
    if !liquidatable(Ticks(1)) {
        return Some(Ticks(1));
    }
    // Find a safe price `hi` by doubling, with `lo` liquidatable.
    let mut lo: i64 = 1;
    let mut hi: i64 = 2;
    while liquidatable(Ticks(hi)) {
        if hi == i64::MAX {
            return Some(Ticks(i64::MAX));
        }
        lo = hi;
        hi = hi.saturating_mul(2);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if liquidatable(Ticks(mid)) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(Ticks(hi))
}

#[cfg(test)]
mod tests;
