//! A lending market: accounts, their trigger index, the protocol's books, and the liquidation
//! rule it runs ([`LiquidationMechanism`]).

use crate::TriggerIndex;
use crate::mechanism::{
    Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote,
};
use cascade_types::{AccountId, Lots, Quote, SimTime, Ticks};

/// One borrower position: collateral in the base asset, debt in the quote asset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    /// Collateral deposited.
    pub collateral: Lots,
    /// Debt outstanding.
    pub debt: Quote,
}

/// The protocol's side of all liquidations so far.
///
/// They reconcile exactly: collateral that left the accounts is `collateral_to_liquidators +
/// protocol_collateral`; debt that left them is `debt_cleared`, and `debt_cleared +
/// reserves_change + borrower_credit = debt_repaid + bad_debt`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarketTotals {
    /// Cash paid by liquidators to the protocol.
    pub debt_repaid: Quote,
    /// Collateral paid to liquidators.
    pub collateral_to_liquidators: Lots,
    /// Collateral the protocol holds from liquidations (Aave's treasury fees, Compound's
    /// absorbed collateral not yet bought).
    pub protocol_collateral: Lots,
    /// Debt written off (Aave's deficit, Morpho's socialised bad debt).
    pub bad_debt: Quote,
    /// Debt taken off accounts.
    pub debt_cleared: Quote,
    /// Change of protocol reserves since the start.
    pub reserves_change: SignedQuote,
    /// Credit given to borrowers (Compound's absorb surplus).
    pub borrower_credit: Quote,
    /// Number of liquidation calls applied.
    pub liquidations: u64,
}

/// Accounts of one collateral/debt pair under one liquidation mechanism.
#[derive(Clone, Debug)]
pub struct LendingMarket {
    mechanism: Box<dyn LiquidationMechanism>,
    accounts: Vec<Account>,
    index: TriggerIndex,
    totals: MarketTotals,
    books: ProtocolBooks,
}

impl LendingMarket {
    /// A market under `mechanism` holding `accounts`, numbered from 0 in order.
    pub fn new<M: LiquidationMechanism + 'static>(mechanism: M, accounts: Vec<Account>) -> Self {
        Self::with_mechanism(Box::new(mechanism), accounts)
    }

    /// [`LendingMarket::new`] with a boxed mechanism.
    pub fn with_mechanism(
        mechanism: Box<dyn LiquidationMechanism>,
        accounts: Vec<Account>,
    ) -> Self {
        assert!(u32::try_from(accounts.len()).is_ok(), "over 2^32 accounts");
        let books = ProtocolBooks {
            reserves: mechanism.initial_reserves(),
            collateral: Lots::ZERO,
        };
        let mut m = LendingMarket {
            mechanism,
            accounts,
            index: TriggerIndex::new(),
            totals: MarketTotals::default(),
            books,
        };
        m.reindex();
        m
    }

    /// Keys every account in the index by its trigger price.
    fn reindex(&mut self) {
        for (i, a) in self.accounts.iter().enumerate() {
            self.index
                .set(AccountId(i as u32), self.mechanism.trigger_price(a));
        }
    }

    /// The liquidation rule.
    pub fn mechanism(&self) -> &dyn LiquidationMechanism {
        &*self.mechanism
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

    /// The protocol's reserves and collateral stock now.
    pub fn books(&self) -> ProtocolBooks {
        self.books
    }

    /// The account's health factor at `price`, in WAD.
    pub fn health_factor(&self, id: AccountId, price: Ticks) -> u128 {
        self.mechanism
            .health_factor(&self.accounts[id.index()], price)
    }

    /// `true` if the account may be liquidated at `price`.
    pub fn is_liquidatable(&self, id: AccountId, price: Ticks) -> bool {
        self.mechanism
            .is_liquidatable(&self.accounts[id.index()], price)
    }

    /// The account's trigger price under the mechanism now (`None` without debt).
    pub fn trigger_price(&self, id: AccountId) -> Option<Ticks> {
        self.mechanism.trigger_price(&self.accounts[id.index()])
    }

    /// The most one call may pay for the account at `price`.
    pub fn max_repayable(&self, id: AccountId, price: Ticks) -> Quote {
        self.mechanism
            .max_repayable(&self.accounts[id.index()], price, &self.books)
    }

    /// What a liquidation call would do now, without doing it.
    ///
    /// # Panics
    ///
    /// If the mechanism returns an outcome that does not balance or takes more than the account
    /// and the protocol hold (a bug in the mechanism).
    pub fn preview(
        &self,
        id: AccountId,
        debt_to_cover: Quote,
        price: Ticks,
    ) -> Result<Liquidation, LiquidationError> {
        let a = self.accounts[id.index()];
        let out = self
            .mechanism
            .liquidate(&a, debt_to_cover, price, &self.books)?;
        let name = self.mechanism.name();
        assert!(
            out.is_balanced(),
            "mechanism {name} returned an unbalanced liquidation: {out:?}"
        );
        assert!(
            out.collateral_seized <= a.collateral && out.debt_cleared <= a.debt,
            "mechanism {name} took more than account {id:?} holds ({a:?}): {out:?}"
        );
        assert!(
            out.collateral_to_protocol() >= -i128::from(self.books.collateral.0),
            "mechanism {name} gave away more collateral than the protocol holds ({:?}): {out:?}",
            self.books.collateral
        );
        Ok(out)
    }

    /// Applies a liquidation call and returns what it did. The caller settles the liquidator's
    /// side: pay `debt_repaid`, receive `collateral_to_liquidator`.
    pub fn liquidate(
        &mut self,
        id: AccountId,
        debt_to_cover: Quote,
        price: Ticks,
    ) -> Result<Liquidation, LiquidationError> {
        let out = self.preview(id, debt_to_cover, price)?;
        let a = &mut self.accounts[id.index()];
        a.collateral = a.collateral.minus(out.collateral_seized);
        a.debt = a.debt.minus(out.debt_cleared);
        let protocol = i128::from(self.books.collateral.0) + out.collateral_to_protocol();
        self.books.collateral = Lots(protocol as u64);
        self.books.reserves = self.books.reserves.plus(out.reserves_change);
        let t = &mut self.totals;
        t.debt_repaid = t.debt_repaid.plus(out.debt_repaid);
        t.collateral_to_liquidators = t
            .collateral_to_liquidators
            .plus(out.collateral_to_liquidator);
        t.protocol_collateral = self.books.collateral;
        t.bad_debt = t.bad_debt.plus(out.bad_debt);
        t.debt_cleared = t.debt_cleared.plus(out.debt_cleared);
        t.reserves_change = t.reserves_change.plus(out.reserves_change);
        t.borrower_credit = t.borrower_credit.plus(out.borrower_credit);
        t.liquidations += 1;
        let trigger = self.mechanism.trigger_price(a);
        self.index.set(id, trigger);
        Ok(out)
    }

    /// Tells the mechanism about a price the market read at `now`; if it says trigger prices
    /// changed, re-keys every account (O(n log n)). Returns what the mechanism said.
    pub fn on_oracle_price(&mut self, now: SimTime, price: Ticks) -> bool {
        let changed = self.mechanism.on_oracle_price(now, price);
        if changed {
            self.reindex();
        }
        changed
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
    use crate::aave::AaveParams;
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
                + u128::from(t.protocol_collateral.0),
            coll0
        );
        assert_eq!(
            m.total_debt() + u128::from(t.debt_repaid.0) + u128::from(t.bad_debt.0),
            debt0
        );
        // Account 1 (1 ETH at 1,800 USD against 1,750 USD) could not pay the 5% bonus: all its
        // collateral went for percentDiv(1,800, 1.05) = 1,714.28571 USD of debt, the rest is deficit.
        assert_eq!(t.bad_debt, Quote(175_000_000 - 171_428_571));
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
