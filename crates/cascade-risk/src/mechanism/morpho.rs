//! Morpho Blue as a [`LiquidationMechanism`]: the rules are [`crate::morpho`]'s
//! ([`MorphoMarket::liquidate`], morpho-org/morpho-blue@src/Morpho.sol:liquidate).
//!
//! Debt is held in shares in Morpho. The simulator accrues no interest, and then the market's
//! share price stays exactly one asset per [`VIRTUAL_SHARES`] shares: a first borrow of `a`
//! assets mints `a * (0 + 1e6) / (0 + 1) = a * 1e6` shares, and every later borrow, repayment
//! or write-off moves total assets and total shares in that same ratio (`toSharesUp(a) =
//! a * (1e6 * T + 1e6) / (T + 1) = a * 1e6` exactly). So an account owing `D` quote atoms holds
//! `D * 1e6` shares, and one position seen alone (total borrow `D`, total shares `D * 1e6`)
//! converts exactly as the whole market does: the mechanism runs each call through the library
//! on that view. The test `matches_a_whole_morpho_market` checks it against a market holding
//! every position.
//!
//! The mapping of a call paying up to `debt_to_cover`:
//!
//! - the liquidator names the shares of `min(debt_to_cover, debt)` (`repaidShares`); if that
//!   would seize more collateral than the position holds, it seizes all of it instead
//!   (`seizedAssets`), which repays less: `seized = wMulDown(repaid, LIF) / price`,
//!   `LIF = min(1.15, 1 / (0.3 * LLTV + 0.7))`, no close factor;
//! - when the collateral reaches zero, the rest of the debt is bad debt, taken off total supply
//!   at once (socialised to suppliers);
//! - the liquidator pays `repaidAssets`; if `zeroFloorSub` kept an atom, it is a reserves
//!   change (never with an exact share price, but the mapping does not assume it).

use super::{Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote};
use crate::Account;
use crate::morpho::{
    LiquidationInput, MorphoError, MorphoMarket, MorphoPosition, VIRTUAL_SHARES, WAD,
};
use cascade_types::{Quote, Ticks};

/// Morpho Blue's liquidation rule for one market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Morpho {
    lltv: u128,
}

impl Morpho {
    /// The rule of a market with liquidation loan-to-value `lltv` (WAD), which must be below one
    /// (`enableLltv`).
    pub fn new(lltv: u128) -> Result<Self, MorphoError> {
        MorphoMarket::new(lltv)?;
        Ok(Morpho { lltv })
    }

    /// The LLTV (WAD).
    pub fn lltv(&self) -> u128 {
        self.lltv
    }

    /// The liquidation incentive factor (WAD), as `liquidate` computes it.
    pub fn incentive_factor(&self) -> u128 {
        crate::morpho::liquidation_incentive_factor(self.lltv)
    }

    /// The account as the only position of a market with its debt lent out (see the module
    /// docs: the share price is the same as the whole market's).
    fn view(&self, a: &Account) -> (MorphoMarket, MorphoPosition) {
        let debt = u128::from(a.debt.0);
        let shares = debt * VIRTUAL_SHARES;
        let market = MorphoMarket {
            lltv: self.lltv,
            total_supply_assets: debt,
            total_supply_shares: shares,
            total_borrow_assets: debt,
            total_borrow_shares: shares,
        };
        let position = MorphoPosition {
            borrow_shares: shares,
            collateral: a.collateral,
        };
        (market, position)
    }
}

impl LiquidationMechanism for Morpho {
    fn name(&self) -> &str {
        "morpho-blue"
    }

    /// `wMulDown(collateral * price, LLTV) / debt` in WAD, rounded down: below one exactly
    /// when `_isHealthy` fails.
    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        if a.debt.is_zero() {
            return u128::MAX;
        }
        let (m, pos) = self.view(a);
        let Some(max) = m.max_borrow(&pos, price) else {
            return 0; // a negative price
        };
        cascade_types::mul_div_floor(max, WAD, u128::from(a.debt.0)).unwrap_or(u128::MAX)
    }

    fn is_liquidatable(&self, a: &Account, price: Ticks) -> bool {
        let (m, pos) = self.view(a);
        !m.is_healthy(&pos, price)
    }

    fn trigger_price(&self, a: &Account) -> Option<Ticks> {
        let (m, pos) = self.view(a);
        m.trigger_price(&pos)
    }

    /// The whole debt, or what seizing all the collateral repays if that is less.
    fn max_repayable(&self, a: &Account, price: Ticks, _: &ProtocolBooks) -> Quote {
        let (m, pos) = self.view(a);
        match m.preview_liquidate(&pos, LiquidationInput::SeizedAssets(a.collateral), price) {
            Ok(out) if out.repaid_assets < u128::from(a.debt.0) => Quote(out.repaid_assets as u64),
            _ => a.debt,
        }
    }

    fn liquidate(
        &self,
        a: &Account,
        debt_to_cover: Quote,
        price: Ticks,
        _: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError> {
        if price.0 <= 0 {
            return Err(LiquidationError::InvalidPrice(price));
        }
        if a.debt.is_zero() {
            return Err(LiquidationError::NoDebt);
        }
        let cover = debt_to_cover.min(a.debt);
        if cover.is_zero() {
            return Err(LiquidationError::ZeroDebtToCover);
        }
        let hf = self.health_factor(a, price);
        let (mut m, mut pos) = self.view(a);
        let shares = LiquidationInput::RepaidShares(u128::from(cover.0) * VIRTUAL_SHARES);
        let out = match m.preview_liquidate(&pos, shares, price) {
            Err(MorphoError::SeizeExceedsCollateral) => m.liquidate(
                &mut pos,
                LiquidationInput::SeizedAssets(a.collateral),
                price,
            ),
            Ok(_) => m.liquidate(&mut pos, shares, price),
            Err(e) => Err(e),
        }
        .map_err(|e| match e {
            MorphoError::HealthyPosition => LiquidationError::Healthy(hf),
            e => LiquidationError::Morpho(e),
        })?;
        let cleared = out.borrow_assets_repaid + out.bad_debt_assets;
        debug_assert_eq!(
            pos.borrow_shares,
            (u128::from(a.debt.0) - cleared) * VIRTUAL_SHARES,
            "the share price stays exact"
        );
        // Every amount is at most the account's debt or collateral, so it fits.
        Ok(Liquidation {
            hf_before: hf,
            debt_cleared: Quote(cleared as u64),
            collateral_seized: out.seized_assets,
            debt_repaid: Quote(out.repaid_assets as u64),
            collateral_to_liquidator: out.seized_assets,
            bad_debt: Quote(out.bad_debt_assets as u64),
            reserves_change: SignedQuote((out.repaid_assets - out.borrow_assets_repaid) as i128),
            borrower_credit: Quote(0),
        })
    }

    fn bad_debt_treatment(&self) -> &str {
        "socialised to suppliers"
    }
}
