//! Compound III (Comet) liquidation: absorption by the protocol and store-front collateral sales,
//! for one collateral asset against the base asset.
//!
//! Source: compound-finance/comet, `contracts/Comet.sol`: `isBorrowCollateralized`,
//! `isLiquidatable`, `absorb`/`absorbInternal`, `buyCollateral`, `quoteCollateral`,
//! `getReserves`, with the constants of `contracts/CometCore.sol`; see also
//! `reference/mechanisms.md` §2. This module owns the rules and the protocol's books (base
//! reserves and collateral it holds); callers hold the accounts and settle the buyers' cash.
//!
//! Comet has no liquidator bonus. A liquidatable account is *absorbed*: the protocol takes all its
//! collateral and wipes its debt, crediting the collateral at a penalty; buyers later purchase the
//! collateral from the protocol at a discount. Followed step by step, with Comet's rounding (every
//! `mulFactor`, `mulPrice` and `divPrice` rounds down):
//!
//! - factors are fixed point with [`FACTOR_SCALE`] = 1e18 and, as Comet packs them, keep four
//!   decimals ([`CometParams::new`] truncates like `getPackedAssetInternal`);
//! - liquidatable: the account borrows and `mulFactor(value, liquidateCollateralFactor) < debt`;
//!   it may borrow while `mulFactor(value, borrowCollateralFactor) >= debt`;
//! - absorb: all collateral goes to the protocol; the account is credited
//!   `credit = mulFactor(value, liquidationFactor)`, its new balance is `max(0, credit - debt)`
//!   (a surplus becomes a supply balance), and since Comet books the whole debt as repaid and the
//!   surplus as supplied, base reserves (`balance - totalSupply + totalBorrow`) fall by
//!   `debt + surplus`, which equals `credit + shortfall`: the debt not covered by the credit is
//!   absorbed by the reserves, which may go negative. The absorber is paid nothing (Comet only
//!   logs gas as "liquidator points", not modelled);
//! - buyCollateral: refused while reserves are at or above `targetReserves`; the store-front
//!   discount is `mulFactor(storeFrontPriceFactor, 1 - liquidationFactor)`, the discounted price
//!   `mulFactor(price, 1 - discount)`, and `collateral = basePrice * baseAmount / discounted`
//!   (down); the quote must reach the buyer's minimum and not exceed the protocol's collateral.
//!
//! Units: the base asset is the quote asset, one quote atom at a price of one atom, and the
//! collateral is counted in lots, so values are `c * p` quote atoms. Comet's price feeds have
//! eight decimals ([`PRICE_SCALE`]): the collateral feed reads `p * 1e8` and the base feed `1e8`.
//! In `isLiquidatable` and `absorb` that scale cancels exactly (`floor(floor(x / a) / b) =
//! floor(x / ab)`), so they work on quote values; `quoteCollateral` rounds the discounted price at
//! the feed's eight decimals, as Comet does. Interest indices are held at one (present value =
//! principal): the simulator accrues no interest here.

use cascade_types::{Lots, Quote, Ticks, mul_div_ceil, mul_div_floor};
use thiserror::Error;

/// Comet's `FACTOR_SCALE`: one in factor fixed point (1e18).
pub const FACTOR_SCALE: u64 = 1_000_000_000_000_000_000;
/// Comet's `PRICE_SCALE`: price feeds have eight decimals.
pub const PRICE_SCALE: u128 = 100_000_000;
/// Comet's `MAX_COLLATERAL_FACTOR`: one.
pub const MAX_COLLATERAL_FACTOR: u64 = FACTOR_SCALE;
/// Comet keeps four decimals of each asset factor (`FACTOR_SCALE / 1e4`).
const FACTOR_DESCALE: u64 = 100_000_000_000_000;
const FACTOR: u128 = FACTOR_SCALE as u128;

/// Parameters of one collateral asset in a Comet market, plus the market's store-front settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CometParams {
    /// `borrowCollateralFactor` (1e18 = 100%), e.g. 0.825e18 for WETH in cUSDCv3.
    pub borrow_collateral_factor: u64,
    /// `liquidateCollateralFactor` (1e18 = 100%), e.g. 0.895e18.
    pub liquidate_collateral_factor: u64,
    /// `liquidationFactor`: share of the collateral value credited on absorb, e.g. 0.95e18.
    pub liquidation_factor: u64,
    /// `storeFrontPriceFactor`: share of the liquidation penalty passed to buyers, e.g. 0.5e18.
    pub store_front_price_factor: u64,
    /// `targetReserves`: collateral is for sale only while reserves are below this.
    pub target_reserves: Quote,
}

/// Why a Comet configuration is refused (the constructor's and `getPackedAssetInternal`'s checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum CometConfigError {
    /// `borrowCollateralFactor >= liquidateCollateralFactor` (Comet's `BorrowCFTooLarge`).
    #[error("borrow collateral factor must be below the liquidate collateral factor")]
    BorrowCfTooLarge,
    /// `liquidateCollateralFactor > 1` (Comet's `LiquidateCFTooLarge`).
    #[error("liquidate collateral factor exceeds one")]
    LiquidateCfTooLarge,
    /// `storeFrontPriceFactor > 1` (Comet's `BadDiscount`).
    #[error("store-front price factor exceeds one")]
    BadDiscount,
    /// `liquidationFactor > 1`: Comet's `quoteCollateral` would underflow on `1 - factor`.
    #[error("liquidation factor exceeds one")]
    LiquidationFactorTooLarge,
}

/// Why an absorb or a collateral purchase reverts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum CometError {
    /// The price is not positive (Comet's `BadPrice`).
    #[error("price {0:?} is not positive")]
    BadPrice(Ticks),
    /// The account is not liquidatable (Comet's `NotLiquidatable`).
    #[error("the account is not liquidatable")]
    NotLiquidatable,
    /// Reserves are at or above the target (Comet's `NotForSale`).
    #[error(
        "reserves {reserves} are at or above the target {target:?}: collateral is not for sale"
    )]
    NotForSale {
        /// Base reserves, in quote atoms.
        reserves: i128,
        /// The target.
        target: Quote,
    },
    /// The quote is below the buyer's minimum (Comet's `TooMuchSlippage`).
    #[error("quote {quoted:?} is below the minimum {min:?}")]
    TooMuchSlippage {
        /// Collateral the base amount buys.
        quoted: Lots,
        /// The buyer's minimum.
        min: Lots,
    },
    /// The protocol holds less collateral than quoted (Comet's `InsufficientReserves`).
    #[error("quote {quoted:?} exceeds the protocol's collateral {available:?}")]
    InsufficientReserves {
        /// Collateral the base amount buys.
        quoted: Lots,
        /// Collateral the protocol holds.
        available: Lots,
    },
    /// The discounted collateral price is zero (Comet would divide by zero).
    #[error("the discounted collateral price is zero")]
    ZeroDiscountedPrice,
    /// A result does not fit its integer type (Comet's `InvalidInt*` or an arithmetic revert).
    #[error("arithmetic overflow")]
    Overflow,
}

/// One account: collateral and Comet's signed base balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CometAccount {
    /// Collateral supplied.
    pub collateral: Lots,
    /// Base balance in quote atoms (`presentValue(principal)`): negative while borrowing,
    /// positive while supplying.
    pub base_balance: i128,
}

impl CometAccount {
    /// An account holding `collateral` and owing `debt`.
    pub fn borrower(collateral: Lots, debt: Quote) -> Self {
        CometAccount {
            collateral,
            base_balance: -i128::from(debt.0),
        }
    }

    /// Debt owed (`borrowBalanceOf`), zero if the balance is not negative.
    pub fn debt(&self) -> u128 {
        if self.base_balance < 0 {
            self.base_balance.unsigned_abs()
        } else {
            0
        }
    }

    /// Base supplied (`balanceOf`), zero if the balance is not positive.
    pub fn supplied(&self) -> u128 {
        u128::try_from(self.base_balance).unwrap_or(0)
    }
}

/// What an absorb does to one account, with every flow in quote atoms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbsorbOutcome {
    /// Collateral moved from the account to the protocol: all of it.
    pub collateral_seized: Lots,
    /// Value of that collateral at the price, `c * p` (Comet's `AbsorbCollateral` value).
    pub collateral_value: u128,
    /// Debt wiped from the account (Comet's `repayAmount`, taken off `totalBorrow`).
    pub debt_absorbed: u128,
    /// Base credited for the collateral, `mulFactor(value, liquidationFactor)` (`deltaBalance`).
    pub credit: u128,
    /// Credit left after the debt, now the account's supply balance (`supplyAmount`).
    pub surplus: u128,
    /// Debt the credit does not cover, `max(0, debt - credit)`, carried by the reserves.
    pub shortfall: u128,
    /// Fall of base reserves, `debt_absorbed + surplus = credit + shortfall` (`basePaidOut`).
    pub base_paid_out: u128,
}

/// What a collateral purchase does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuyOutcome {
    /// Base paid by the buyer into the reserves.
    pub base_paid: Quote,
    /// Collateral sent from the protocol to the buyer.
    pub collateral_bought: Lots,
    /// The store-front discount applied (1e18 = 100%).
    pub discount: u64,
}

fn price_u128(price: Ticks) -> Result<u128, CometError> {
    if price.0 <= 0 {
        return Err(CometError::BadPrice(price));
    }
    Ok(price.0 as u128)
}

/// `mulFactor`: `n * factor / 1e18`, rounded down; `None` if the result exceeds `u128`.
fn mul_factor(n: u128, factor: u64) -> Option<u128> {
    mul_div_floor(n, u128::from(factor), FACTOR)
}

fn descale(factor: u64) -> u64 {
    factor / FACTOR_DESCALE * FACTOR_DESCALE
}

impl CometParams {
    /// Checked parameters, each asset factor truncated to four decimals as Comet stores it.
    pub fn new(
        borrow_collateral_factor: u64,
        liquidate_collateral_factor: u64,
        liquidation_factor: u64,
        store_front_price_factor: u64,
        target_reserves: Quote,
    ) -> Result<Self, CometConfigError> {
        if store_front_price_factor > FACTOR_SCALE {
            return Err(CometConfigError::BadDiscount);
        }
        if borrow_collateral_factor >= liquidate_collateral_factor {
            return Err(CometConfigError::BorrowCfTooLarge);
        }
        if liquidate_collateral_factor > MAX_COLLATERAL_FACTOR {
            return Err(CometConfigError::LiquidateCfTooLarge);
        }
        if liquidation_factor > FACTOR_SCALE {
            return Err(CometConfigError::LiquidationFactorTooLarge);
        }
        let (bcf, lcf) = (
            descale(borrow_collateral_factor),
            descale(liquidate_collateral_factor),
        );
        if bcf >= lcf {
            return Err(CometConfigError::BorrowCfTooLarge);
        }
        Ok(CometParams {
            borrow_collateral_factor: bcf,
            liquidate_collateral_factor: lcf,
            liquidation_factor: descale(liquidation_factor),
            store_front_price_factor,
            target_reserves,
        })
    }

    /// WETH in the mainnet cUSDCv3 market as recorded in `reference/mechanisms.md` §2: borrow CF
    /// 0.825, liquidate CF 0.895, liquidation factor 0.95, store-front price factor 0.5
    /// (governance moves the factors; the launch `deployments/mainnet/usdc/configuration.json`
    /// read 0.82 / 0.90 / 0.95). The target reserves (5M USDC there) are given in the caller's
    /// quote atoms.
    pub fn mainnet_weth(target_reserves: Quote) -> Self {
        CometParams {
            borrow_collateral_factor: 825_000_000_000_000_000,
            liquidate_collateral_factor: 895_000_000_000_000_000,
            liquidation_factor: 950_000_000_000_000_000,
            store_front_price_factor: 500_000_000_000_000_000,
            target_reserves,
        }
    }

    /// The store-front discount, `mulFactor(storeFrontPriceFactor, 1 - liquidationFactor)`
    /// (1e18 = 100%); zero if the liquidation factor exceeds one.
    pub fn store_front_discount(&self) -> u64 {
        let penalty = FACTOR_SCALE.saturating_sub(self.liquidation_factor);
        // Both factors are at most u64::MAX and the penalty at most 1e18: the product / 1e18
        // fits u64.
        (u128::from(self.store_front_price_factor) * u128::from(penalty) / FACTOR) as u64
    }

    /// `true` if the account may borrow what it owes (`isBorrowCollateralized`); accounts that do
    /// not borrow always may. `false` at a non-positive price, where Comet reverts.
    pub fn is_borrow_collateralized(&self, account: &CometAccount, price: Ticks) -> bool {
        self.covers(account, price, self.borrow_collateral_factor)
    }

    /// `true` if the account may be absorbed at `price` (`isLiquidatable`). `false` for accounts
    /// that do not borrow and at a non-positive price, where Comet reverts.
    pub fn is_liquidatable(&self, account: &CometAccount, price: Ticks) -> bool {
        account.base_balance < 0
            && price.0 > 0
            && !self.covers(account, price, self.liquidate_collateral_factor)
    }

    /// `mulFactor(value, factor) >= debt`.
    fn covers(&self, account: &CometAccount, price: Ticks, factor: u64) -> bool {
        let debt = account.debt();
        if debt == 0 {
            return true;
        }
        let Ok(p) = price_u128(price) else {
            return false;
        };
        let value = u128::from(account.collateral.0) * p;
        // A weighted value beyond u128 certainly covers any debt.
        mul_factor(value, factor).is_none_or(|w| w >= debt)
    }

    /// The lowest price at which the account is not liquidatable: it is liquidatable exactly at
    /// prices below this one. `None` without debt; `i64::MAX` if it is liquidatable at any price.
    ///
    /// Liquidatable means `floor(c * p * LCF / 1e18) < debt`, that is `c * p * LCF < debt * 1e18`,
    /// so the answer is `ceil(debt * 1e18 / (c * LCF))`.
    pub fn trigger_price(&self, account: &CometAccount) -> Option<Ticks> {
        let debt = account.debt();
        if debt == 0 {
            return None;
        }
        let denom = u128::from(account.collateral.0) * u128::from(self.liquidate_collateral_factor);
        if denom == 0 {
            return Some(Ticks(i64::MAX));
        }
        let p = cascade_types::mul_div_ceil(debt, FACTOR, denom)
            .and_then(|p| i64::try_from(p).ok())
            .unwrap_or(i64::MAX);
        Some(Ticks(p.max(1)))
    }

    /// Computes the absorption of `account` at `price`, without applying it.
    pub fn absorb(
        &self,
        account: &CometAccount,
        price: Ticks,
    ) -> Result<AbsorbOutcome, CometError> {
        let p = price_u128(price)?;
        if !self.is_liquidatable(account, price) {
            return Err(CometError::NotLiquidatable);
        }
        let debt = account.debt();
        let value = u128::from(account.collateral.0) * p;
        let credit = mul_factor(value, self.liquidation_factor).ok_or(CometError::Overflow)?;
        // newBalance = max(0, oldBalance + deltaBalance), with oldBalance = -debt.
        let (surplus, shortfall) = if credit >= debt {
            (credit - debt, 0)
        } else {
            (0, debt - credit)
        };
        let base_paid_out = debt.checked_add(surplus).ok_or(CometError::Overflow)?;
        // The account's new balance must fit Comet's signed principal.
        if i128::try_from(base_paid_out).is_err() {
            return Err(CometError::Overflow);
        }
        Ok(AbsorbOutcome {
            collateral_seized: account.collateral,
            collateral_value: value,
            debt_absorbed: debt,
            credit,
            surplus,
            shortfall,
            base_paid_out,
        })
    }

    /// Collateral that `base_amount` buys from the protocol at `price` (`quoteCollateral`):
    /// `basePrice * baseAmount / mulFactor(assetPrice, 1 - discount)`, rounded down, with both
    /// prices at the feeds' eight decimals.
    pub fn quote_collateral(&self, base_amount: Quote, price: Ticks) -> Result<Lots, CometError> {
        let discounted = self.discounted_price(price)?;
        let lots = mul_div_floor(PRICE_SCALE, u128::from(base_amount.0), discounted)
            .ok_or(CometError::Overflow)?;
        u64::try_from(lots)
            .map(Lots)
            .map_err(|_| CometError::Overflow)
    }

    /// The store-front price of one lot at the feed's eight decimals, as `quoteCollateral`
    /// computes it: `mulFactor(assetPrice, 1 - discount)`, never zero.
    fn discounted_price(&self, price: Ticks) -> Result<u128, CometError> {
        let p = price_u128(price)?;
        let discount = self.store_front_discount();
        let asset_price = p * PRICE_SCALE;
        let discounted = mul_factor(asset_price, FACTOR_SCALE.saturating_sub(discount))
            .ok_or(CometError::Overflow)?;
        if discounted == 0 {
            return Err(CometError::ZeroDiscountedPrice);
        }
        Ok(discounted)
    }

    /// The base amount that buys `collateral` from the store front at `price`: the least amount
    /// whose [`quote_collateral`](Self::quote_collateral) is at least `collateral`, or, if
    /// rounding makes that amount quote more (a discounted price below one quote atom per lot),
    /// the most whose quote does not exceed it.
    ///
    /// `quoteCollateral(b) = floor(1e8 * b / d) >= c` exactly when `b >= c * d / 1e8`, so the
    /// least amount is `ceil(c * d / 1e8)`; the quote stays at most `c` while `b < (c + 1) * d /
    /// 1e8`.
    pub fn base_for_collateral(&self, collateral: Lots, price: Ticks) -> Result<Quote, CometError> {
        let d = self.discounted_price(price)?;
        let c = u128::from(collateral.0);
        let least = mul_div_ceil(c, d, PRICE_SCALE).ok_or(CometError::Overflow)?;
        let least = u64::try_from(least).map_err(|_| CometError::Overflow)?;
        if self.quote_collateral(Quote(least), price)? <= collateral {
            return Ok(Quote(least));
        }
        let most = ((c + 1).checked_mul(d).ok_or(CometError::Overflow)? - 1) / PRICE_SCALE;
        u64::try_from(most)
            .map(Quote)
            .map_err(|_| CometError::Overflow)
    }

    /// The account's liquidation health in WAD: `mulFactor(value, liquidateCollateralFactor) *
    /// 1e18 / debt`, rounded down, which is below one exactly when
    /// [`is_liquidatable`](Self::is_liquidatable). `u128::MAX` without debt (or beyond
    /// `u128`), zero at a non-positive price.
    pub fn liquidation_health(&self, account: &CometAccount, price: Ticks) -> u128 {
        let debt = account.debt();
        if debt == 0 {
            return u128::MAX;
        }
        let Ok(p) = price_u128(price) else {
            return 0;
        };
        let value = u128::from(account.collateral.0) * p;
        mul_factor(value, self.liquidate_collateral_factor)
            .and_then(|w| mul_div_floor(w, FACTOR, debt))
            .unwrap_or(u128::MAX)
    }
}

/// The protocol's books: base reserves and the collateral it holds from absorbed accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CometProtocol {
    /// Base reserves in quote atoms (`getReserves`: base held - total supply + total borrow);
    /// negative when absorbed debt exceeds them.
    pub reserves: i128,
    /// Collateral owned by the protocol (`getCollateralReserves`).
    pub collateral: Lots,
}

impl CometProtocol {
    /// Books with `reserves` and no collateral.
    pub fn new(reserves: i128) -> Self {
        CometProtocol {
            reserves,
            collateral: Lots::ZERO,
        }
    }

    /// `true` while collateral is for sale: reserves below the target.
    pub fn is_for_sale(&self, params: &CometParams) -> bool {
        self.reserves < i128::from(params.target_reserves.0)
    }

    /// Absorbs `account` at `price`: its collateral moves to the protocol, its balance becomes
    /// `max(0, credit - debt)` and the reserves pay `base_paid_out`. On error nothing changes.
    pub fn absorb(
        &mut self,
        params: &CometParams,
        account: &mut CometAccount,
        price: Ticks,
    ) -> Result<AbsorbOutcome, CometError> {
        let out = params.absorb(account, price)?;
        let paid = i128::try_from(out.base_paid_out).map_err(|_| CometError::Overflow)?;
        let reserves = self
            .reserves
            .checked_sub(paid)
            .ok_or(CometError::Overflow)?;
        let collateral = self
            .collateral
            .0
            .checked_add(out.collateral_seized.0)
            .ok_or(CometError::Overflow)?;
        self.reserves = reserves;
        self.collateral = Lots(collateral);
        account.collateral = Lots::ZERO;
        // surplus <= base_paid_out, which fits i128 (checked in `CometParams::absorb`).
        account.base_balance = out.surplus as i128;
        Ok(out)
    }

    /// Sells collateral for `base_amount` at `price` (`buyCollateral`): refused while reserves are
    /// at or above the target, or if the quote is below `min_amount` or above the protocol's
    /// collateral. The buyer pays `base_amount` into the reserves. On error nothing changes.
    pub fn buy_collateral(
        &mut self,
        params: &CometParams,
        min_amount: Lots,
        base_amount: Quote,
        price: Ticks,
    ) -> Result<BuyOutcome, CometError> {
        if !self.is_for_sale(params) {
            return Err(CometError::NotForSale {
                reserves: self.reserves,
                target: params.target_reserves,
            });
        }
        let quoted = params.quote_collateral(base_amount, price)?;
        if quoted < min_amount {
            return Err(CometError::TooMuchSlippage {
                quoted,
                min: min_amount,
            });
        }
        if quoted > self.collateral {
            return Err(CometError::InsufficientReserves {
                quoted,
                available: self.collateral,
            });
        }
        let reserves = self
            .reserves
            .checked_add(i128::from(base_amount.0))
            .ok_or(CometError::Overflow)?;
        self.reserves = reserves;
        self.collateral = self.collateral.minus(quoted);
        Ok(BuyOutcome {
            base_paid: base_amount,
            collateral_bought: quoted,
            discount: params.store_front_discount(),
        })
    }
}

#[cfg(test)]
#[path = "compound_tests.rs"]
mod tests;
