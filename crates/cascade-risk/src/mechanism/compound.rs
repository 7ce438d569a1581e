//! Compound III (Comet) as a [`LiquidationMechanism`]: the rules are [`crate::compound`]'s
//! ([`CometProtocol::absorb`] and [`CometProtocol::buy_collateral`];
//! compound-finance/comet@contracts/Comet.sol:absorbInternal, buyCollateral, quoteCollateral).
//!
//! Comet splits a liquidation in two transactions that anyone may send: `absorb` takes all of a
//! liquidatable account's collateral into the protocol's stock and wipes its debt, the reserves
//! paying the debt and crediting the borrower any surplus of `value x liquidationFactor` over
//! it; `buyCollateral` sells from that stock at the store-front discount
//! (`storeFrontPriceFactor x (1 - liquidationFactor)`) while reserves are below
//! `targetReserves`. A liquidator bot sends both, as Compound's own
//! (compound-finance/comet@contracts/liquidator/OnChainLiquidator.sol:absorbAndArbitrage:
//! absorb, then buy the protocol's collateral with a flash loan and sell it on a DEX). One call here does the same, in Comet's order, on the protocol's real
//! books ([`ProtocolBooks`]: reserves and collateral stock):
//!
//! 1. `absorb` the account (all of it, whatever `debt_to_cover` says): reserves fall by the
//!    debt plus the surplus, which may take them below zero; the surplus becomes the
//!    borrower's credit;
//! 2. if reserves are now below the target, `buyCollateral` with `min(debt_to_cover, price of
//!    the whole stock)` of base; the stock includes collateral absorbed earlier and not yet
//!    bought, so the liquidator may receive more collateral than this account held (the
//!    protocol's share of the call is then negative). Otherwise the call only absorbs
//!    (`NotForSale` would revert the purchase), paying and receiving nothing.
//!
//! Nothing is written off: the shortfall of an under-collateralised account is carried by the
//! reserves (`bad_debt` is always zero, `reserves_change` says it all).

use super::{Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote};
use crate::Account;
use crate::compound::{CometAccount, CometError, CometParams, CometProtocol};
use cascade_types::{Lots, Quote, Ticks};

/// Compound III's liquidation rule for one collateral asset, with the protocol's starting
/// reserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compound {
    /// Collateral factors, liquidation factor, store-front factor, target reserves.
    pub params: CometParams,
    /// Base reserves before any absorption, in quote atoms.
    pub initial_reserves: SignedQuote,
}

impl Compound {
    fn protocol(books: &ProtocolBooks) -> CometProtocol {
        CometProtocol {
            reserves: books.reserves.0,
            collateral: books.collateral,
        }
    }

    /// The protocol after absorbing `a` at `price`, with what the absorption did.
    fn absorbed(
        &self,
        a: &Account,
        price: Ticks,
        books: &ProtocolBooks,
    ) -> Result<(CometProtocol, crate::compound::AbsorbOutcome), CometError> {
        let mut protocol = Self::protocol(books);
        let mut account = CometAccount::borrower(a.collateral, a.debt);
        let out = protocol.absorb(&self.params, &mut account, price)?;
        Ok((protocol, out))
    }
}

impl LiquidationMechanism for Compound {
    fn name(&self) -> &str {
        "compound-iii"
    }

    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        self.params
            .liquidation_health(&CometAccount::borrower(a.collateral, a.debt), price)
    }

    fn is_liquidatable(&self, a: &Account, price: Ticks) -> bool {
        self.params
            .is_liquidatable(&CometAccount::borrower(a.collateral, a.debt), price)
    }

    fn trigger_price(&self, a: &Account) -> Option<Ticks> {
        self.params
            .trigger_price(&CometAccount::borrower(a.collateral, a.debt))
    }

    /// The base that buys the whole stock after absorbing the account; zero if the account
    /// cannot be absorbed or the reserves are at or above the target afterwards.
    fn max_repayable(&self, a: &Account, price: Ticks, books: &ProtocolBooks) -> Quote {
        match self.absorbed(a, price, books) {
            Ok((protocol, _)) if protocol.is_for_sale(&self.params) => self
                .params
                .base_for_collateral(protocol.collateral, price)
                .unwrap_or(Quote(0)),
            _ => Quote(0),
        }
    }

    fn liquidate(
        &self,
        a: &Account,
        debt_to_cover: Quote,
        price: Ticks,
        books: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError> {
        if price.0 <= 0 {
            return Err(LiquidationError::InvalidPrice(price));
        }
        if a.debt.is_zero() {
            return Err(LiquidationError::NoDebt);
        }
        let hf = self.health_factor(a, price);
        let (mut protocol, absorb) = self.absorbed(a, price, books).map_err(|e| match e {
            CometError::NotLiquidatable => LiquidationError::Healthy(hf),
            e => LiquidationError::Compound(e),
        })?;
        let (mut paid, mut bought) = (Quote(0), Lots::ZERO);
        if protocol.is_for_sale(&self.params) {
            let all = self
                .params
                .base_for_collateral(protocol.collateral, price)?;
            let base = debt_to_cover.min(all);
            if !base.is_zero() {
                let buy = protocol.buy_collateral(&self.params, Lots::ZERO, base, price)?;
                (paid, bought) = (buy.base_paid, buy.collateral_bought);
            }
        }
        // Amounts are bounded by the account's debt and collateral and the protocol's stock.
        Ok(Liquidation {
            hf_before: hf,
            debt_cleared: a.debt,
            collateral_seized: absorb.collateral_seized,
            debt_repaid: paid,
            collateral_to_liquidator: bought,
            bad_debt: Quote(0),
            reserves_change: SignedQuote(protocol.reserves - books.reserves.0),
            borrower_credit: Quote(
                u64::try_from(absorb.surplus).map_err(|_| CometError::Overflow)?,
            ),
        })
    }

    fn initial_reserves(&self) -> SignedQuote {
        self.initial_reserves
    }

    fn bad_debt_treatment(&self) -> &str {
        "absorbed by reserves"
    }
}
