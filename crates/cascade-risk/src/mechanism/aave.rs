//! Aave v3.3+ as a [`LiquidationMechanism`]: every rule is [`AaveParams`]' own (see
//! [`crate::aave`]; aave-dao/aave-v3-origin, `LiquidationLogic.executeLiquidationCall`).
//!
//! The mapping: the liquidator repays `debt_repaid` and receives the seized collateral less
//! the protocol fee, which the treasury keeps; the deficit is written off as bad debt. No
//! reserves move and the borrower is credited nothing.

use super::{Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote};
use crate::Account;
use crate::aave::AaveParams;
use cascade_types::{Quote, Ticks};

impl LiquidationMechanism for AaveParams {
    fn name(&self) -> &str {
        "aave-v3"
    }

    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        AaveParams::health_factor(self, a.collateral, a.debt, price)
    }

    fn is_liquidatable(&self, a: &Account, price: Ticks) -> bool {
        AaveParams::is_liquidatable(self, a.collateral, a.debt, price)
    }

    fn trigger_price(&self, a: &Account) -> Option<Ticks> {
        AaveParams::trigger_price(self, a.collateral, a.debt)
    }

    fn max_repayable(&self, a: &Account, price: Ticks, _: &ProtocolBooks) -> Quote {
        self.max_liquidatable_debt(a.collateral, a.debt, price).0
    }

    fn liquidate(
        &self,
        a: &Account,
        debt_to_cover: Quote,
        price: Ticks,
        _: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError> {
        let out = self.liquidation_call(a.collateral, a.debt, debt_to_cover, price)?;
        Ok(Liquidation {
            hf_before: out.hf_before,
            debt_cleared: out.debt_repaid.plus(out.deficit),
            collateral_seized: out.collateral_seized(),
            debt_repaid: out.debt_repaid,
            collateral_to_liquidator: out.collateral_to_liquidator,
            bad_debt: out.deficit,
            reserves_change: SignedQuote::ZERO,
            borrower_credit: Quote(0),
        })
    }
}
