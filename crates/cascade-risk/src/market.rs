//! A lending market: accounts, their trigger index and the protocol's books.

use crate::TriggerIndex;
use crate::aave::{AaveParams, LiquidationError, LiquidationOutcome};
use cascade_types::{AccountId, Lots, Quote, Ticks};

/// One borrower position: collateral in the base asset, debt in the quote asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Collateral deposited.
    pub collateral: Lots,
    /// Debt outstanding.
    pub debt: Quote,
}

/// The protocol's side of all liquidations so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketTotals {
    /// Debt repaid by liquidators.
    pub debt_repaid: Quote,
    /// Collateral paid to liquidators.
    pub collateral_to_liquidators: Lots,
    /// Collateral kept by the treasury as protocol fee.
    pub treasury_collateral: Lots,
    /// Debt written off (Aave's deficit).
    pub deficit: Quote,
    /// Number of liquidation calls applied.
    pub liquidations: u64,
}

/// Accounts of one collateral/debt pair under Aave v3 rules.
#[derive(Clone, Debug)]
pub struct LendingMarket {
    params: AaveParams,
    accounts: Vec<Account>,
    index: TriggerIndex,
    totals: MarketTotals,
}

impl LendingMarket {
    /// A market holding `accounts`, numbered from 0 in order.
    pub fn new(params: AaveParams, accounts: Vec<Account>) -> Self {
        let mut index = TriggerIndex::new();
        for (i, a) in accounts.iter().enumerate() {
            let id = AccountId(u32::try_from(i).expect("over 2^32 accounts"));
            index.set(id, params.trigger_price(a.collateral, a.debt));
        }
        LendingMarket {
            params,
            accounts,
            index,
            totals: MarketTotals::default(),
        }
    }

    /// The market's parameters.
    pub fn params(&self) -> &AaveParams {
        &self.params
    }

    /// All accounts, by id.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// One account.
    pub fn account(&self, id: AccountId) -> Account {
        self.accounts[id.index()]
    }

    /// The trigger index.
    pub fn index(&self) -> &TriggerIndex {
        &self.index
    }

    /// Totals of the liquidations applied so far.
    pub fn totals(&self) -> MarketTotals {
        self.totals
    }

    /// What a liquidation call would do now, without doing it.
    pub fn preview(
        &self,
        id: AccountId,
        debt_to_cover: Quote,
        price: Ticks,
    ) -> Result<LiquidationOutcome, LiquidationError> {
        let a = self.accounts[id.index()];
        self.params
            .liquidation_call(a.collateral, a.debt, debt_to_cover, price)
    }

    /// Applies a liquidation call and returns what it did. The caller settles the liquidator's
    /// side: pay `debt_repaid`, receive `collateral_to_liquidator`.
    pub fn liquidate(
        &mut self,
        id: AccountId,
        debt_to_cover: Quote,
        price: Ticks,
    ) -> Result<LiquidationOutcome, LiquidationError> {
        let out = self.preview(id, debt_to_cover, price)?;
        let a = &mut self.accounts[id.index()];
        a.collateral = a.collateral.minus(out.collateral_seized());
        a.debt = a.debt.minus(out.debt_repaid).minus(out.deficit);
        let t = &mut self.totals;
        t.debt_repaid = t.debt_repaid.plus(out.debt_repaid);
        t.collateral_to_liquidators = t
            .collateral_to_liquidators
            .plus(out.collateral_to_liquidator);
        t.treasury_collateral = t.treasury_collateral.plus(out.protocol_fee);
        t.deficit = t.deficit.plus(out.deficit);
        t.liquidations += 1;
        let trigger = self.params.trigger_price(a.collateral, a.debt);
        self.index.set(id, trigger);
        Ok(out)
    }

    /// Debt of accounts whose collateral at `price` is worth less than their debt, minus that
    /// collateral's value: what would be lost if they were closed at `price` now.
    pub fn shortfall_at(&self, price: Ticks) -> u128 {
        let p = u128::try_from(price.0).unwrap_or(0);
        self.accounts
            .iter()
            .map(|a| u128::from(a.debt.0).saturating_sub(u128::from(a.collateral.0) * p))
            .sum()
    }

    /// Sum of all collateral still deposited.
    pub fn total_collateral(&self) -> u128 {
        self.accounts
            .iter()
            .map(|a| u128::from(a.collateral.0))
            .sum()
    }

    /// Sum of all debt outstanding.
    pub fn total_debt(&self) -> u128 {
        self.accounts.iter().map(|a| u128::from(a.debt.0)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_types::Bps;

    fn params() -> AaveParams {
        AaveParams {
            liquidation_threshold: Bps(8300),
            liquidation_bonus: Bps(10500),
            protocol_fee: Bps(1000),
            close_factor: Bps(5000),
            close_factor_min_base: Quote(200_000_000),
            min_leftover_base: Quote(100_000_000),
            full_close_below_hf: crate::aave::CLOSE_FACTOR_HF_THRESHOLD,
        }
    }

    /// Collateral and debt are conserved across liquidations: what leaves the accounts is what
    /// the liquidators, the treasury and the deficit received.
    #[test]
    fn liquidations_conserve_collateral_and_debt() {
        let accounts = vec![
            Account {
                collateral: Lots(10_000),
                debt: Quote(1_500_000_000),
            },
            Account {
                collateral: Lots(1_000),
                debt: Quote(175_000_000),
            },
            Account {
                collateral: Lots(5_000),
                debt: Quote(100_000_000),
            },
        ];
        let mut m = LendingMarket::new(params(), accounts);
        let (coll0, debt0) = (m.total_collateral(), m.total_debt());
        let price = Ticks(180_000);
        let hit: Vec<_> = m.index().liquidatable_at(price).collect();
        assert_eq!(hit, [AccountId(1), AccountId(0)], "worst first");
        for id in hit {
            m.liquidate(id, Quote(u64::MAX), price).unwrap();
        }
        let t = m.totals();
        assert_eq!(
            m.total_collateral()
                + u128::from(t.collateral_to_liquidators.0)
                + u128::from(t.treasury_collateral.0),
            coll0
        );
        assert_eq!(
            m.total_debt() + u128::from(t.debt_repaid.0) + u128::from(t.deficit.0),
            debt0
        );
        // Account 1 (1 ETH at 1,800 USD against 1,750 USD) could not pay the 5% bonus: all its
        // collateral went for percentDiv(1,800, 1.05) = 1,714.28571 USD of debt, the rest is deficit.
        assert_eq!(t.deficit, Quote(175_000_000 - 171_428_571));
        assert_eq!(
            m.account(AccountId(1)),
            Account {
                collateral: Lots(0),
                debt: Quote(0)
            }
        );
        // Account 0 was half-liquidated and is still in the index with a new trigger price.
        let trig = m.index().trigger(AccountId(0)).unwrap();
        let a = m.account(AccountId(0));
        assert_eq!(Some(trig), params().trigger_price(a.collateral, a.debt));
    }
}
