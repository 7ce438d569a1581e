//! Morpho Blue liquidation, for one isolated market (one collateral, one loan asset).
//!
//! Source: morpho-org/morpho-blue, `src/Morpho.sol`: `liquidate`, `_isHealthy`, `supply`,
//! `borrow`, `_accrueInterest`; `src/libraries/MathLib.sol` (`mulDivDown`, `mulDivUp`,
//! `wMulDown`, `wDivDown`, `wDivUp`), `src/libraries/SharesMathLib.sol` and
//! `src/libraries/ConstantsLib.sol`; see also `reference/mechanisms.md` §5. This module owns the
//! market's totals (supply and borrow, in assets and shares) and the liquidation rule; callers
//! hold the positions and settle the liquidator's cash.
//!
//! Followed step by step, with Morpho's rounding (always in the protocol's favour):
//!
//! - debt is held as borrow shares; assets and shares convert through the totals plus
//!   [`VIRTUAL_ASSETS`] = 1 and [`VIRTUAL_SHARES`] = 1e6 (`SharesMathLib`);
//! - healthy iff `wMulDown(collateral * price, LLTV) >= toAssetsUp(borrowShares)`; only unhealthy
//!   positions may be liquidated, and there is no close factor;
//! - liquidation incentive factor
//!   `LIF = min(1.15, wDivDown(1, 1 - wMulDown(0.3, 1 - LLTV)))`, i.e. `1 / (0.3 * LLTV + 0.7)`;
//! - the liquidator names either the collateral to seize or the borrow shares to repay:
//!   - seized given: `repaidShares = toSharesUp(wDivUp(seized * price, LIF))`;
//!   - shares given: `seized = wMulDown(toAssetsDown(repaidShares), LIF) / price` (down);
//!   - then `repaidAssets = toAssetsUp(repaidShares)`, paid by the liquidator;
//!     `totalBorrowAssets` falls by `repaidAssets`, floored at zero (`zeroFloorSub`);
//! - bad debt: when the position's collateral reaches zero, its remaining shares are written off
//!   at once, `min(totalBorrowAssets, toAssetsUp(shares))` assets taken off both total borrow and
//!   total supply: every supplier loses pro rata.
//!
//! Units: the loan asset is the quote asset (assets are quote atoms), collateral is in lots.
//! Morpho's oracle gives the price of one collateral unit in loan units scaled by 1e36
//! (`ORACLE_PRICE_SCALE`), which here is `p * 1e36` for a price of `p` ticks; that scale cancels
//! exactly in every `mulDiv` (`mulDivDown(c, p * 1e36, 1e36) = c * p`,
//! `mulDivDown(x, 1e36, p * 1e36) = floor(x / p)`), so the code works with `p` directly.
//! Interest accrues only when the caller says so ([`MorphoMarket::accrue_interest`], fee zero).

use cascade_types::{Lots, Ticks, mul_div_ceil, mul_div_floor};
use thiserror::Error;

/// One in WAD fixed point (1e18): LLTV and the incentive factor.
pub const WAD: u128 = 1_000_000_000_000_000_000;
/// `LIQUIDATION_CURSOR`: 0.3 in WAD.
pub const LIQUIDATION_CURSOR: u128 = 300_000_000_000_000_000;
/// `MAX_LIQUIDATION_INCENTIVE_FACTOR`: 1.15 in WAD.
pub const MAX_LIQUIDATION_INCENTIVE_FACTOR: u128 = 1_150_000_000_000_000_000;
/// `SharesMathLib.VIRTUAL_SHARES`.
pub const VIRTUAL_SHARES: u128 = 1_000_000;
/// `SharesMathLib.VIRTUAL_ASSETS`.
pub const VIRTUAL_ASSETS: u128 = 1;

/// `(x * y) / WAD` rounded down (`MathLib.wMulDown`).
pub fn w_mul_down(x: u128, y: u128) -> Option<u128> {
    mul_div_floor(x, y, WAD)
}

/// `(x * WAD) / y` rounded down (`MathLib.wDivDown`).
pub fn w_div_down(x: u128, y: u128) -> Option<u128> {
    mul_div_floor(x, WAD, y)
}

/// `(x * WAD) / y` rounded up (`MathLib.wDivUp`).
pub fn w_div_up(x: u128, y: u128) -> Option<u128> {
    mul_div_ceil(x, WAD, y)
}

/// Assets in shares, rounded down (`SharesMathLib.toSharesDown`).
pub fn to_shares_down(assets: u128, total_assets: u128, total_shares: u128) -> Option<u128> {
    mul_div_floor(
        assets,
        total_shares.checked_add(VIRTUAL_SHARES)?,
        total_assets.checked_add(VIRTUAL_ASSETS)?,
    )
}

/// Assets in shares, rounded up (`SharesMathLib.toSharesUp`).
pub fn to_shares_up(assets: u128, total_assets: u128, total_shares: u128) -> Option<u128> {
    mul_div_ceil(
        assets,
        total_shares.checked_add(VIRTUAL_SHARES)?,
        total_assets.checked_add(VIRTUAL_ASSETS)?,
    )
}

/// Shares in assets, rounded down (`SharesMathLib.toAssetsDown`).
pub fn to_assets_down(shares: u128, total_assets: u128, total_shares: u128) -> Option<u128> {
    mul_div_floor(
        shares,
        total_assets.checked_add(VIRTUAL_ASSETS)?,
        total_shares.checked_add(VIRTUAL_SHARES)?,
    )
}

/// Shares in assets, rounded up (`SharesMathLib.toAssetsUp`).
pub fn to_assets_up(shares: u128, total_assets: u128, total_shares: u128) -> Option<u128> {
    mul_div_ceil(
        shares,
        total_assets.checked_add(VIRTUAL_ASSETS)?,
        total_shares.checked_add(VIRTUAL_SHARES)?,
    )
}

/// The liquidation incentive factor of a market with `lltv` (WAD), exactly as `liquidate`
/// computes it: `min(1.15, wDivDown(WAD, WAD - wMulDown(0.3, WAD - lltv)))`. An LLTV above one
/// (refused by `enableLltv`) is treated as one.
pub fn liquidation_incentive_factor(lltv: u128) -> u128 {
    // cursor * (WAD - lltv) / WAD <= 0.3 WAD, so the denominator is at least 0.7 WAD.
    let discount = LIQUIDATION_CURSOR * WAD.saturating_sub(lltv) / WAD;
    let lif = WAD * WAD / (WAD - discount);
    lif.min(MAX_LIQUIDATION_INCENTIVE_FACTOR)
}

/// Why a Morpho call reverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum MorphoError {
    /// LLTV is not below one (`MAX_LLTV_EXCEEDED`).
    #[error("LLTV {0} is not below one (WAD)")]
    MaxLltvExceeded(u128),
    /// Not exactly one of the two amounts is zero (`INCONSISTENT_INPUT`).
    #[error("exactly one of the amounts must be non-zero")]
    InconsistentInput,
    /// Zero collateral supplied (`ZERO_ASSETS`).
    #[error("zero assets")]
    ZeroAssets,
    /// The price is not positive (the oracle price is a divisor in `liquidate`).
    #[error("price {0:?} is not positive")]
    BadPrice(Ticks),
    /// The position is healthy (`HEALTHY_POSITION`).
    #[error("the position is healthy")]
    HealthyPosition,
    /// The position would be unhealthy after a borrow (`INSUFFICIENT_COLLATERAL`).
    #[error("insufficient collateral")]
    InsufficientCollateral,
    /// Total borrow would exceed total supply (`INSUFFICIENT_LIQUIDITY`).
    #[error("insufficient liquidity")]
    InsufficientLiquidity,
    /// More collateral seized than the position holds (an underflow revert in Morpho).
    #[error("seizing more collateral than the position holds")]
    SeizeExceedsCollateral,
    /// More shares repaid than the position owes (an underflow revert in Morpho).
    #[error("repaying more shares than the position owes")]
    RepayExceedsDebt,
    /// A result does not fit its integer type (`MAX_UINT128_EXCEEDED` or an arithmetic revert).
    #[error("arithmetic overflow")]
    Overflow,
}

/// The amount a liquidator names: Morpho's `seizedAssets` or `repaidShares`, the other being zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiquidationInput {
    /// Collateral to seize; the shares to repay follow.
    SeizedAssets(Lots),
    /// Borrow shares to repay; the collateral seized follows.
    RepaidShares(u128),
}

/// One borrower's position in a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MorphoPosition {
    /// Borrow shares owed.
    pub borrow_shares: u128,
    /// Collateral supplied.
    pub collateral: Lots,
}

/// What a liquidation does, with every flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MorphoLiquidation {
    /// Collateral moved from the position to the liquidator.
    pub seized_assets: Lots,
    /// Borrow shares repaid (taken off the position and the total).
    pub repaid_shares: u128,
    /// Assets paid by the liquidator into the market.
    pub repaid_assets: u128,
    /// Fall of `totalBorrowAssets` from the repayment: `repaid_assets`, unless that exceeds the
    /// total (by rounding), which is then floored at zero.
    pub borrow_assets_repaid: u128,
    /// Bad debt written off: taken off total borrow and total supply (the suppliers' loss).
    pub bad_debt_assets: u128,
    /// Borrow shares written off with the bad debt.
    pub bad_debt_shares: u128,
    /// The liquidation incentive factor used (WAD).
    pub incentive_factor: u128,
}

/// The totals of one market (Morpho's `Market`, without the fee and timestamp).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MorphoMarket {
    /// Liquidation loan-to-value (WAD), e.g. 0.86e18.
    pub lltv: u128,
    /// Assets owed to suppliers, in quote atoms.
    pub total_supply_assets: u128,
    /// Supply shares outstanding.
    pub total_supply_shares: u128,
    /// Assets owed by borrowers, in quote atoms.
    pub total_borrow_assets: u128,
    /// Borrow shares outstanding.
    pub total_borrow_shares: u128,
}

fn price_u128(price: Ticks) -> Result<u128, MorphoError> {
    if price.0 <= 0 {
        return Err(MorphoError::BadPrice(price));
    }
    Ok(price.0 as u128)
}

impl MorphoMarket {
    /// An empty market; `lltv` must be below one (`enableLltv`).
    pub fn new(lltv: u128) -> Result<Self, MorphoError> {
        if lltv >= WAD {
            return Err(MorphoError::MaxLltvExceeded(lltv));
        }
        Ok(MorphoMarket {
            lltv,
            total_supply_assets: 0,
            total_supply_shares: 0,
            total_borrow_assets: 0,
            total_borrow_shares: 0,
        })
    }

    /// This market's liquidation incentive factor (WAD).
    pub fn incentive_factor(&self) -> u128 {
        liquidation_incentive_factor(self.lltv)
    }

    /// Supplies `assets` (`supply` with assets given): returns the shares minted, rounded down.
    pub fn supply(&mut self, assets: u128) -> Result<u128, MorphoError> {
        if assets == 0 {
            return Err(MorphoError::InconsistentInput);
        }
        let shares = to_shares_down(assets, self.total_supply_assets, self.total_supply_shares)
            .ok_or(MorphoError::Overflow)?;
        let total_shares = self
            .total_supply_shares
            .checked_add(shares)
            .ok_or(MorphoError::Overflow)?;
        let total_assets = self
            .total_supply_assets
            .checked_add(assets)
            .ok_or(MorphoError::Overflow)?;
        self.total_supply_shares = total_shares;
        self.total_supply_assets = total_assets;
        Ok(shares)
    }

    /// Assets that `shares` of supply are worth now (`toAssetsDown`).
    pub fn supply_shares_to_assets(&self, shares: u128) -> Option<u128> {
        to_assets_down(shares, self.total_supply_assets, self.total_supply_shares)
    }

    /// Borrows `assets` against `position` at `price` (`borrow` with assets given): returns the
    /// shares owed, rounded up. Refused if the position would be unhealthy or total borrow would
    /// exceed total supply; on error nothing changes.
    pub fn borrow(
        &mut self,
        position: &mut MorphoPosition,
        assets: u128,
        price: Ticks,
    ) -> Result<u128, MorphoError> {
        if assets == 0 {
            return Err(MorphoError::InconsistentInput);
        }
        let shares = to_shares_up(assets, self.total_borrow_assets, self.total_borrow_shares)
            .ok_or(MorphoError::Overflow)?;
        let mut m = *self;
        let mut pos = *position;
        pos.borrow_shares = pos
            .borrow_shares
            .checked_add(shares)
            .ok_or(MorphoError::Overflow)?;
        m.total_borrow_shares = m
            .total_borrow_shares
            .checked_add(shares)
            .ok_or(MorphoError::Overflow)?;
        m.total_borrow_assets = m
            .total_borrow_assets
            .checked_add(assets)
            .ok_or(MorphoError::Overflow)?;
        if !m.is_healthy(&pos, price) {
            return Err(MorphoError::InsufficientCollateral);
        }
        if m.total_borrow_assets > m.total_supply_assets {
            return Err(MorphoError::InsufficientLiquidity);
        }
        *self = m;
        *position = pos;
        Ok(shares)
    }

    /// Adds `interest` to total borrow and total supply (`_accrueInterest` with a zero fee).
    pub fn accrue_interest(&mut self, interest: u128) -> Result<(), MorphoError> {
        let borrow = self
            .total_borrow_assets
            .checked_add(interest)
            .ok_or(MorphoError::Overflow)?;
        let supply = self
            .total_supply_assets
            .checked_add(interest)
            .ok_or(MorphoError::Overflow)?;
        self.total_borrow_assets = borrow;
        self.total_supply_assets = supply;
        Ok(())
    }

    /// The position's debt in assets, rounded up (`toAssetsUp`), as `_isHealthy` counts it.
    pub fn borrowed_assets(&self, position: &MorphoPosition) -> Option<u128> {
        to_assets_up(
            position.borrow_shares,
            self.total_borrow_assets,
            self.total_borrow_shares,
        )
    }

    /// The most the position may owe at `price`: `wMulDown(collateral * price, LLTV)`.
    pub fn max_borrow(&self, position: &MorphoPosition, price: Ticks) -> Option<u128> {
        let p = u128::try_from(price.0).ok()?;
        w_mul_down(u128::from(position.collateral.0) * p, self.lltv)
    }

    /// `true` if the position is healthy at `price` (`_isHealthy`): `maxBorrow >= borrowed`.
    /// Positions without debt are healthy; at a non-positive price, positions with debt are not.
    pub fn is_healthy(&self, position: &MorphoPosition, price: Ticks) -> bool {
        if position.borrow_shares == 0 {
            return true;
        }
        if price.0 <= 0 {
            return false;
        }
        match (
            self.max_borrow(position, price),
            self.borrowed_assets(position),
        ) {
            (Some(max), Some(borrowed)) => max >= borrowed,
            // Debt beyond u128 is never covered; a collateral value beyond it always covers.
            (_, None) => false,
            (None, Some(_)) => true,
        }
    }

    /// The lowest price at which the position is healthy: it is liquidatable exactly at prices
    /// below this one. `None` without debt; `i64::MAX` if it is liquidatable at any price.
    ///
    /// Healthy means `floor(c * p * LLTV / WAD) >= borrowed`, that is `c * p * LLTV >= borrowed *
    /// WAD`, so the answer is `ceil(borrowed * WAD / (c * LLTV))`.
    pub fn trigger_price(&self, position: &MorphoPosition) -> Option<Ticks> {
        if position.borrow_shares == 0 {
            return None;
        }
        let Some(borrowed) = self.borrowed_assets(position) else {
            return Some(Ticks(i64::MAX));
        };
        let denom = u128::from(position.collateral.0) * self.lltv;
        if denom == 0 {
            return Some(Ticks(i64::MAX));
        }
        let p = mul_div_ceil(borrowed, WAD, denom)
            .and_then(|p| i64::try_from(p).ok())
            .unwrap_or(i64::MAX);
        Some(Ticks(p.max(1)))
    }

    /// Computes a liquidation of `position` at `price`, without applying it.
    pub fn preview_liquidate(
        &self,
        position: &MorphoPosition,
        input: LiquidationInput,
        price: Ticks,
    ) -> Result<MorphoLiquidation, MorphoError> {
        let mut m = *self;
        let mut pos = *position;
        m.liquidate_in_place(&mut pos, input, price)
    }

    /// Liquidates `position` at `price` (`liquidate`) and returns every flow. The caller settles
    /// the liquidator's side: pay `repaid_assets`, receive `seized_assets`. On error nothing
    /// changes.
    pub fn liquidate(
        &mut self,
        position: &mut MorphoPosition,
        input: LiquidationInput,
        price: Ticks,
    ) -> Result<MorphoLiquidation, MorphoError> {
        let mut m = *self;
        let mut pos = *position;
        let out = m.liquidate_in_place(&mut pos, input, price)?;
        *self = m;
        *position = pos;
        Ok(out)
    }

    /// `liquidate` on scratch copies: may leave them half-updated on error.
    fn liquidate_in_place(
        &mut self,
        pos: &mut MorphoPosition,
        input: LiquidationInput,
        price: Ticks,
    ) -> Result<MorphoLiquidation, MorphoError> {
        const OVERFLOW: MorphoError = MorphoError::Overflow;
        match input {
            LiquidationInput::SeizedAssets(Lots(0)) | LiquidationInput::RepaidShares(0) => {
                return Err(MorphoError::InconsistentInput);
            }
            _ => {}
        }
        let p = price_u128(price)?;
        if self.is_healthy(pos, price) {
            return Err(MorphoError::HealthyPosition);
        }
        let lif = self.incentive_factor();
        let (tba, tbs) = (self.total_borrow_assets, self.total_borrow_shares);
        let (seized, repaid_shares) = match input {
            LiquidationInput::SeizedAssets(seized) => {
                // mulDivUp(seized, price, ORACLE_PRICE_SCALE) is exact: seized * p.
                let quoted = u128::from(seized.0) * p;
                let shares = w_div_up(quoted, lif)
                    .and_then(|a| to_shares_up(a, tba, tbs))
                    .ok_or(OVERFLOW)?;
                (seized, shares)
            }
            LiquidationInput::RepaidShares(shares) => {
                let value = to_assets_down(shares, tba, tbs)
                    .and_then(|a| w_mul_down(a, lif))
                    .ok_or(OVERFLOW)?;
                // mulDivDown(value, ORACLE_PRICE_SCALE, price) = floor(value / p). More than
                // u64 lots is more than any position holds.
                let seized =
                    u64::try_from(value / p).map_err(|_| MorphoError::SeizeExceedsCollateral)?;
                (Lots(seized), shares)
            }
        };
        let repaid_assets = to_assets_up(repaid_shares, tba, tbs).ok_or(OVERFLOW)?;

        pos.borrow_shares = pos
            .borrow_shares
            .checked_sub(repaid_shares)
            .ok_or(MorphoError::RepayExceedsDebt)?;
        self.total_borrow_shares = tbs.checked_sub(repaid_shares).ok_or(OVERFLOW)?;
        self.total_borrow_assets = tba.saturating_sub(repaid_assets);
        let borrow_assets_repaid = tba - self.total_borrow_assets;
        pos.collateral = pos
            .collateral
            .checked_sub(seized)
            .ok_or(MorphoError::SeizeExceedsCollateral)?;

        let (mut bad_debt_assets, mut bad_debt_shares) = (0, 0);
        if pos.collateral.is_zero() {
            bad_debt_shares = pos.borrow_shares;
            bad_debt_assets = to_assets_up(
                bad_debt_shares,
                self.total_borrow_assets,
                self.total_borrow_shares,
            )
            .ok_or(OVERFLOW)?
            .min(self.total_borrow_assets);
            self.total_borrow_assets -= bad_debt_assets;
            self.total_supply_assets = self
                .total_supply_assets
                .checked_sub(bad_debt_assets)
                .ok_or(OVERFLOW)?;
            self.total_borrow_shares = self
                .total_borrow_shares
                .checked_sub(bad_debt_shares)
                .ok_or(OVERFLOW)?;
            pos.borrow_shares = 0;
        }

        Ok(MorphoLiquidation {
            seized_assets: seized,
            repaid_shares,
            repaid_assets,
            borrow_assets_repaid,
            bad_debt_assets,
            bad_debt_shares,
            incentive_factor: lif,
        })
    }
}

#[cfg(test)]
#[path = "morpho_tests.rs"]
mod tests;
