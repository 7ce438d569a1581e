//! Adding a liquidation mechanism: an Euler-style rule whose discount grows as the health factor
//! falls, run through the flash_crash scenario next to Aave v3.
//!
//! ```text
//! cargo run --release --example custom_mechanism
//! ```
//!
//! The steps (see `docs/mechanisms.md`): define a `Clone + Debug` type, implement
//! `LiquidationMechanism` for it (health factor, the most a call may repay, the call itself;
//! the trigger price can come from the trait's default search), build a scenario's
//! configuration, put the mechanism in `config.lending`, and run it.

use cascade::mechanism::{Liquidation, LiquidationError, ProtocolBooks, SignedQuote};
use cascade::{Account, LiquidationMechanism, Scenario, build, data_dir, run_config};
use cascade_types::{Lots, Quote, Ticks};
use std::path::Path;

/// One in WAD fixed point: health factors and discounts.
const WAD: u128 = 1_000_000_000_000_000_000;

/// Euler-style liquidations (after euler-xyz/euler-vault-kit@src/EVault/modules/Liquidation.sol:
/// calculateMaxLiquidation, with a fixed spread on top): an account is liquidatable when
/// `HF = value x LT / debt < 1`; the liquidator buys collateral at a discount of
/// `spread + (1 - HF)`, capped at `max_discount`, so the worse the account the larger the
/// bonus; it may repay the whole debt; when the collateral runs out, the rest of the debt is
/// written off.
#[derive(Clone, Debug)]
struct EulerStyle {
    /// Liquidation threshold, WAD.
    lt: u128,
    /// The discount at HF = 1, WAD.
    spread: u128,
    /// The largest discount, WAD.
    max_discount: u128,
}

impl EulerStyle {
    fn discount(&self, hf: u128) -> u128 {
        (self.spread + WAD.saturating_sub(hf)).min(self.max_discount)
    }

    /// Quote atoms the liquidator pays for `lots` at `price` and `discount` (rounded up: the
    /// protocol's favour).
    fn cost(lots: u128, price: u128, discount: u128) -> u128 {
        (lots * price * (WAD - discount)).div_ceil(WAD)
    }
}

impl LiquidationMechanism for EulerStyle {
    fn name(&self) -> &str {
        "euler-style"
    }

    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        if a.debt.is_zero() {
            return u128::MAX;
        }
        let value = u128::from(a.collateral.0) * price.0.max(0) as u128;
        value * self.lt / u128::from(a.debt.0)
    }

    // `is_liquidatable` (HF < 1) and `trigger_price` (a search over it) are the trait's defaults.

    fn max_repayable(&self, a: &Account, price: Ticks, _: &ProtocolBooks) -> Quote {
        let discount = self.discount(self.health_factor(a, price));
        let all = Self::cost(u128::from(a.collateral.0), price.0 as u128, discount);
        Quote(all.min(u128::from(a.debt.0)) as u64)
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
        let hf = self.health_factor(a, price);
        if a.debt.is_zero() || hf >= WAD {
            return Err(LiquidationError::Healthy(hf));
        }
        let p = price.0 as u128;
        let discount = self.discount(hf);
        let mut repay = u128::from(debt_to_cover.0.min(a.debt.0));
        if repay == 0 {
            return Err(LiquidationError::ZeroDebtToCover);
        }
        // Collateral worth `repay / (1 - discount)` at the price, rounded down.
        let mut seized = repay * WAD / (WAD - discount) / p;
        let collateral = u128::from(a.collateral.0);
        if seized >= collateral {
            seized = collateral;
            repay = Self::cost(collateral, p, discount).min(u128::from(a.debt.0));
        }
        let bad = if seized == collateral {
            u128::from(a.debt.0) - repay
        } else {
            0
        };
        Ok(Liquidation {
            hf_before: hf,
            debt_cleared: Quote((repay + bad) as u64),
            collateral_seized: Lots(seized as u64),
            debt_repaid: Quote(repay as u64),
            collateral_to_liquidator: Lots(seized as u64),
            bad_debt: Quote(bad as u64),
            reserves_change: SignedQuote::ZERO,
            borrower_credit: Quote(0),
        })
    }
}

fn main() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/flash_crash.ron");
    let scenario = Scenario::load(&path).expect("scenarios/flash_crash.ron loads");
    let aave = build(&scenario, None, &data_dir(None)).expect("flash_crash builds");
    let mut euler = aave.clone();
    // The borrowers were drawn for Aave's 83% threshold; keep it, change the bonus rule: 2% at
    // HF 1, growing one for one as HF falls, at most 15%.
    euler.lending = Box::new(EulerStyle {
        lt: 830_000_000_000_000_000,
        spread: 20_000_000_000_000_000,
        max_discount: 150_000_000_000_000_000,
    });
    for config in [aave, euler] {
        let s = run_config(config).summary;
        println!(
            "{:<12} liquidations {:>4}, max generation {:>2}, bad debt {:>10.2} USD, debt repaid {:>11.2} USD, liquidator pnl {:>10.2} USD, min mid {:.2}",
            s.lending.mechanism,
            s.liquidations,
            s.max_generation.unwrap_or(0),
            s.bad_debt,
            s.debt_repaid,
            s.liquidator_pnl,
            s.min_mid_price.unwrap_or(0.0),
        );
    }
}
