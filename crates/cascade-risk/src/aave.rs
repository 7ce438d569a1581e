//! Aave v3 liquidation rules (v3.3 and later), for one collateral and one debt asset.
//!
//! Source: aave-dao/aave-v3-origin, `LiquidationLogic.executeLiquidationCall` and
//! `_calculateAvailableCollateralToLiquidate`, `GenericLogic.calculateUserAccountData`; see also
//! `reference/mechanisms.md` §1. Followed step by step, including Aave's rounding:
//!
//! - health factor `HF = percentMul(collateral value, LT) wadDiv debt`; liquidation needs
//!   `HF < 1`;
//! - close factor: the whole debt may be repaid, unless collateral and debt are both worth at
//!   least `MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD` (2,000 USD) and `HF > 0.95`, in which case at
//!   most `percentMul(total debt, 50%)`;
//! - collateral: `base = debt * P_debt / P_coll` (down), `max = percentMul(base, LB)`; if that
//!   exceeds the balance, all collateral goes and `debt needed = percentDiv(balance value, LB)`;
//! - protocol fee: `bonus = c - percentDiv(c, LB)`, `fee = percentMul(bonus, LPF)`; the
//!   liquidator receives `c - fee`, the treasury `fee`;
//! - dust: a liquidation that repays less than the whole debt and takes less than the whole
//!   collateral must leave at least `MIN_LEFTOVER_BASE` (1,000 USD) of both, or it reverts;
//! - deficit: when no collateral is left, the rest of the debt is burned and recorded as deficit.
//!
//! The debt asset is the quote asset at a price of one quote atom, so "base currency" values are
//! quote atoms and `P_debt / P_coll` conversions are divisions by the price in ticks.

use crate::percent::{WAD, percent_div, percent_mul, wad_div};
use cascade_types::{Bps, Lots, Quote, Ticks};

/// Aave's `CLOSE_FACTOR_HF_THRESHOLD`: 0.95 in WAD.
pub const CLOSE_FACTOR_HF_THRESHOLD: u128 = 950_000_000_000_000_000;

/// Parameters of one Aave market (collateral reserve plus debt reserve).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AaveParams {
    /// Liquidation threshold, e.g. 8300 (83%) for WETH on Ethereum Core.
    pub liquidation_threshold: Bps,
    /// Liquidation bonus as a multiplier, e.g. 10500 (+5%).
    pub liquidation_bonus: Bps,
    /// Share of the bonus taken by the protocol, e.g. 1000 (10%).
    pub protocol_fee: Bps,
    /// Share of total debt repayable at once when the close factor applies (5000 = 50%).
    pub close_factor: Bps,
    /// Collateral and debt at or above this value get the 50% close factor (2,000 USD).
    pub close_factor_min_base: Quote,
    /// A partial liquidation must leave at least this much debt and collateral (1,000 USD).
    pub min_leftover_base: Quote,
    /// Below this health factor (WAD) the whole debt may be repaid at once: Aave v3's
    /// [`CLOSE_FACTOR_HF_THRESHOLD`] (0.95). Zero keeps the close factor at every health factor,
    /// as Aave v2 and Compound v2 did.
    pub full_close_below_hf: u128,
}

/// What a liquidation call does, before or after it is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationOutcome {
    /// Debt repaid by the liquidator (`actualDebtToLiquidate`).
    pub debt_repaid: Quote,
    /// Collateral the liquidator receives, after the protocol fee.
    pub collateral_to_liquidator: Lots,
    /// Collateral sent to the treasury.
    pub protocol_fee: Lots,
    /// Debt written off because no collateral is left (Aave's deficit).
    pub deficit: Quote,
    /// Health factor before, in WAD.
    pub hf_before: u128,
    /// `true` if the 50% close factor limited the repayable debt.
    pub close_factor_applied: bool,
}

impl LiquidationOutcome {
    /// All collateral taken from the account (liquidator's share plus fee).
    pub fn collateral_seized(&self) -> Lots {
        self.collateral_to_liquidator.plus(self.protocol_fee)
    }
}

/// Why a liquidation call reverts: the error every mechanism shares (Aave's reverts are its
/// first variants).
pub use crate::mechanism::LiquidationError;

fn value(collateral: Lots, price: Ticks) -> u128 {
    u128::from(collateral.0) * price.0 as u128
}

impl AaveParams {
    /// Health factor in WAD (`u128::MAX` without debt).
    pub fn health_factor(&self, collateral: Lots, debt: Quote, price: Ticks) -> u128 {
        if debt.is_zero() {
            return u128::MAX;
        }
        let weighted = percent_mul(
            value(collateral, price),
            u128::from(self.liquidation_threshold.0),
        );
        wad_div(weighted, u128::from(debt.0))
    }

    /// `true` if the account may be liquidated at `price` (`HF < 1`).
    pub fn is_liquidatable(&self, collateral: Lots, debt: Quote, price: Ticks) -> bool {
        !debt.is_zero() && self.health_factor(collateral, debt, price) < WAD
    }

    /// The lowest price at which the account is safe: it is liquidatable exactly at prices below
    /// this one. `None` without debt; `i64::MAX` if it is liquidatable at any price (no
    /// collateral).
    pub fn trigger_price(&self, collateral: Lots, debt: Quote) -> Option<Ticks> {
        if debt.is_zero() {
            return None;
        }
        if collateral.is_zero() || self.liquidation_threshold.0 == 0 {
            return Some(Ticks(i64::MAX));
        }
        // HF >= 1 roughly when c * p * LT >= debt * 10_000; start there and settle the rounding
        // of percentMul and wadDiv by stepping, which takes at most a few steps.
        let denom = u128::from(collateral.0) * u128::from(self.liquidation_threshold.0);
        let guess = (u128::from(debt.0) * Bps::DENOMINATOR).div_ceil(denom);
        let mut p = i64::try_from(guess).unwrap_or(i64::MAX - 1).max(1);
        while p > 1 && !self.is_liquidatable(collateral, debt, Ticks(p - 1)) {
            p -= 1;
        }
        while self.is_liquidatable(collateral, debt, Ticks(p)) {
            p += 1;
        }
        Some(Ticks(p))
    }

    /// The most debt one call may repay at `price` (the close factor rule).
    pub fn max_liquidatable_debt(
        &self,
        collateral: Lots,
        debt: Quote,
        price: Ticks,
    ) -> (Quote, bool) {
        let hf = self.health_factor(collateral, debt, price);
        let min_base = u128::from(self.close_factor_min_base.0);
        if value(collateral, price) >= min_base
            && u128::from(debt.0) >= min_base
            && hf > self.full_close_below_hf
        {
            let cap = percent_mul(u128::from(debt.0), u128::from(self.close_factor.0));
            if u128::from(debt.0) > cap {
                return (Quote(cap as u64), true);
            }
        }
        (debt, false)
    }

    /// Computes a liquidation call repaying up to `debt_to_cover` at `price`, without applying it.
    pub fn liquidation_call(
        &self,
        collateral: Lots,
        debt: Quote,
        debt_to_cover: Quote,
        price: Ticks,
    ) -> Result<LiquidationOutcome, LiquidationError> {
        if price.0 <= 0 {
            return Err(LiquidationError::InvalidPrice(price));
        }
        if debt.is_zero() {
            return Err(LiquidationError::NoDebt);
        }
        if debt_to_cover.is_zero() {
            return Err(LiquidationError::ZeroDebtToCover);
        }
        let hf = self.health_factor(collateral, debt, price);
        if hf >= WAD {
            return Err(LiquidationError::Healthy(hf));
        }
        let (max_debt, close_factor_applied) = self.max_liquidatable_debt(collateral, debt, price);
        let mut actual_debt = u128::from(debt_to_cover.0.min(max_debt.0));
        let lb = u128::from(self.liquidation_bonus.0);
        let p = price.0 as u128;
        let balance = u128::from(collateral.0);

        let base_collateral = actual_debt / p;
        let max_collateral = percent_mul(base_collateral, lb);
        let mut coll = if max_collateral > balance {
            actual_debt = percent_div(balance * p, lb);
            balance
        } else {
            max_collateral
        };
        let seized_total = coll;
        let mut fee = 0;
        if self.protocol_fee.0 != 0 {
            let bonus = coll - percent_div(coll, lb);
            fee = percent_mul(bonus, u128::from(self.protocol_fee.0));
            coll -= fee;
        }
        let debt_u = u128::from(debt.0);
        if actual_debt < debt_u && coll + fee < balance {
            let min_left = u128::from(self.min_leftover_base.0);
            let debt_left_ok = debt_u - actual_debt >= min_left;
            let coll_left_ok = (balance - coll) * p >= min_left;
            if !(debt_left_ok && coll_left_ok) {
                return Err(LiquidationError::MustNotLeaveDust);
            }
        }
        let no_collateral_left = seized_total == balance;
        let deficit = if no_collateral_left {
            debt_u - actual_debt
        } else {
            0
        };
        Ok(LiquidationOutcome {
            debt_repaid: Quote(actual_debt as u64),
            collateral_to_liquidator: Lots(coll as u64),
            protocol_fee: Lots(fee as u64),
            deficit: Quote(deficit as u64),
            hf_before: hf,
            close_factor_applied,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WETH on Aave Ethereum Core (LT 83%, LB 5%, fee 10%), with USD amounts in a market of
    /// 0.01 USD ticks and 0.001 ETH lots: one quote atom is 1e-5 USD, so 2,000 USD = 2e8 atoms.
    fn weth() -> AaveParams {
        AaveParams {
            liquidation_threshold: Bps(8300),
            liquidation_bonus: Bps(10500),
            protocol_fee: Bps(1000),
            close_factor: Bps(5000),
            close_factor_min_base: Quote(200_000_000),
            min_leftover_base: Quote(100_000_000),
            full_close_below_hf: CLOSE_FACTOR_HF_THRESHOLD,
        }
    }

    const USD: u64 = 100_000; // quote atoms per USD

    #[test]
    fn health_factor_by_hand() {
        // 10 ETH at 2,000 USD, 15,000 USD debt: HF = 20,000 * 0.83 / 15,000 = 1.10666...
        let hf = weth().health_factor(Lots(10_000), Quote(15_000 * USD), Ticks(200_000));
        assert_eq!(hf, 1_106_666_666_666_666_667);
        // At 1,800 USD: 18,000 * 0.83 / 15,000 = 0.996 -> liquidatable.
        assert_eq!(
            weth().health_factor(Lots(10_000), Quote(15_000 * USD), Ticks(180_000)),
            996_000_000_000_000_000
        );
        assert!(weth().is_liquidatable(Lots(10_000), Quote(15_000 * USD), Ticks(180_000)));
        assert!(!weth().is_liquidatable(Lots(10_000), Quote(0), Ticks(1)));
    }

    /// The trigger price is exactly where liquidatability flips: 15,000 / (10 * 0.83)
    /// = 1,807.2289... USD, so 180,723 ticks is safe and 180,722 is not.
    #[test]
    fn trigger_price_is_the_flip_point() {
        let (c, d) = (Lots(10_000), Quote(15_000 * USD));
        let t = weth().trigger_price(c, d).unwrap();
        assert_eq!(t, Ticks(180_723));
        assert!(!weth().is_liquidatable(c, d, t));
        assert!(weth().is_liquidatable(c, d, Ticks(t.0 - 1)));
        assert_eq!(weth().trigger_price(Lots(0), d), Some(Ticks(i64::MAX)));
        assert_eq!(weth().trigger_price(c, Quote(0)), None);
    }

    /// 10 ETH, 15,000 USD debt, price 1,800 USD: HF 0.996 > 0.95 and both sides over 2,000 USD,
    /// so at most 7,500 USD is repaid. base = 7,500 / 1,800 = 4.166 ETH (4,166 lots, down);
    /// with the 5% bonus 4,374.3 -> 4,374 lots. Bonus part = 4,374 - 4,374/1.05 (4,165.71 ->
    /// 4,166) = 208 lots, fee = 10% = 20.8 -> 21 lots. The liquidator gets 4,353 lots
    /// (4.353 ETH), the treasury 0.021 ETH; the account keeps 5.626 ETH and 7,500 USD of debt.
    #[test]
    fn a_liquidation_worked_by_hand() {
        let out = weth()
            .liquidation_call(
                Lots(10_000),
                Quote(15_000 * USD),
                Quote(u64::MAX),
                Ticks(180_000),
            )
            .unwrap();
        assert_eq!(
            out,
            LiquidationOutcome {
                debt_repaid: Quote(7_500 * USD),
                collateral_to_liquidator: Lots(4_353),
                protocol_fee: Lots(21),
                deficit: Quote(0),
                hf_before: 996_000_000_000_000_000,
                close_factor_applied: true,
            }
        );
        // The liquidator paid 7,500 USD for 4.353 ETH worth 7,835.40 USD at the oracle price.
        assert_eq!(
            out.collateral_to_liquidator.value_at(Ticks(180_000)),
            Quote(783_540_000)
        );
    }

    /// Below HF 0.95 the whole debt may go; if the collateral does not cover debt plus bonus,
    /// everything is taken and the rest becomes deficit.
    /// 1 ETH at 1,000 USD against 990 USD debt (HF 0.838): max collateral for 990 USD is
    /// 0.99 * 1.05 = 1.0395 ETH > 1 ETH, so all 1,000 lots go; debt needed = 1,000 / 1.05 =
    /// 952.38095 USD; deficit = 37.61905 USD. Bonus = 1,000 - 952 (952.38 rounds to 952) = 48
    /// lots; fee 4.8 -> 5 lots.
    #[test]
    fn full_liquidation_with_deficit() {
        let out = weth()
            .liquidation_call(
                Lots(1_000),
                Quote(990 * USD),
                Quote(990 * USD),
                Ticks(100_000),
            )
            .unwrap();
        assert!(!out.close_factor_applied);
        assert_eq!(out.debt_repaid, Quote(95_238_095)); // percentDiv(1e8, 10500), half up
        assert_eq!(out.deficit, Quote(99_000_000 - 95_238_095));
        assert_eq!(out.protocol_fee, Lots(5));
        assert_eq!(out.collateral_to_liquidator, Lots(995));
        assert_eq!(out.collateral_seized(), Lots(1_000));
    }

    #[test]
    fn dust_and_healthy_accounts_revert() {
        let p = weth();
        // Healthy.
        assert!(matches!(
            p.liquidation_call(
                Lots(10_000),
                Quote(15_000 * USD),
                Quote(USD),
                Ticks(200_000)
            ),
            Err(LiquidationError::Healthy(_))
        ));
        // 1.5 ETH at 1,000 USD, 1,300 USD debt (HF 0.9577 > 0.95, but debt < 2,000 USD so the
        // whole debt may go). Repaying 500 USD would leave 800 USD of debt: dust.
        assert_eq!(
            p.liquidation_call(
                Lots(1_500),
                Quote(1_300 * USD),
                Quote(500 * USD),
                Ticks(100_000)
            ),
            Err(LiquidationError::MustNotLeaveDust)
        );
        // Repaying all of it is fine.
        let out = p
            .liquidation_call(
                Lots(1_500),
                Quote(1_300 * USD),
                Quote(1_300 * USD),
                Ticks(100_000),
            )
            .unwrap();
        assert_eq!(out.debt_repaid, Quote(1_300 * USD));
        assert_eq!(out.deficit, Quote(0));
    }
}
