//! A lending market: accounts, their trigger index, the protocol's books, the liquidation
//! rule it runs ([`LiquidationMechanism`]), and the owners' own deleveraging (collateral
//! withdrawn and debt repaid by the borrower, [`LendingMarket::deleverage`]).

use crate::TriggerIndex;
use crate::mechanism::{
    Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks, SignedQuote,
};
use cascade_types::{AccountId, Lots, Quote, SimTime, Ticks};
use thiserror::Error;

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
/// protocol_collateral + owner_withdrawn`; debt that left them is `debt_cleared +
/// owner_repaid`, and `debt_cleared + reserves_change + borrower_credit = debt_repaid +
/// bad_debt` (owners' repayments are cash for debt, one for one, outside liquidations).
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
    /// Collateral withdrawn by owners deleveraging their accounts.
    pub owner_withdrawn: Lots,
    /// Debt repaid by owners deleveraging their accounts (cash paid to the protocol).
    pub owner_repaid: Quote,
    /// Number of deleverages applied.
    pub deleverages: u64,
}

/// Why the market refuses an owner's deleverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum DeleverageError {
    /// Nothing to withdraw and nothing to repay.
    #[error("a deleverage must withdraw collateral or repay debt")]
    Empty,
    /// More collateral than the account holds.
    #[error("withdrawing {asked:?} but the account holds {held:?}")]
    OverWithdraw {
        /// Collateral asked for.
        asked: Lots,
        /// Collateral held.
        held: Lots,
    },
    /// More debt than the account owes.
    #[error("repaying {asked:?} but the account owes {owed:?}")]
    OverRepay {
        /// Repayment offered.
        asked: Quote,
        /// Debt owed.
        owed: Quote,
    },
    /// The account would be liquidatable at the price afterwards (a protocol's
    /// `HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD` on withdrawal).
    #[error("the account would be liquidatable at {price:?} (health factor {hf} WAD after)")]
    LeavesLiquidatable {
        /// The price checked.
        price: Ticks,
        /// The health factor after, in WAD.
        hf: u128,
    },
}

/// What a deleverage did: the account before and after, and its health factors at the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deleveraged {
    /// The account before.
    pub before: Account,
    /// The account after.
    pub after: Account,
    /// Health factor before, WAD.
    pub hf_before: u128,
    /// Health factor after, WAD.
    pub hf_after: u128,
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

    /// The account as it would be after the owner withdraws `collateral_out` and repays
    /// `repay`, with its health factors at `price`, or why the protocol would refuse: it
    /// withdraws more than the account holds, repays more than it owes, or leaves it
    /// liquidatable at `price`.
    pub fn preview_deleverage(
        &self,
        id: AccountId,
        collateral_out: Lots,
        repay: Quote,
        price: Ticks,
    ) -> Result<Deleveraged, DeleverageError> {
        let before = self.accounts[id.index()];
        if collateral_out.is_zero() && repay.is_zero() {
            return Err(DeleverageError::Empty);
        }
        if collateral_out > before.collateral {
            return Err(DeleverageError::OverWithdraw {
                asked: collateral_out,
                held: before.collateral,
            });
        }
        if repay > before.debt {
            return Err(DeleverageError::OverRepay {
                asked: repay,
                owed: before.debt,
            });
        }
        let after = Account {
            collateral: before.collateral.minus(collateral_out),
            debt: before.debt.minus(repay),
        };
        let hf_after = self.mechanism.health_factor(&after, price);
        if self.mechanism.is_liquidatable(&after, price) {
            return Err(DeleverageError::LeavesLiquidatable {
                price,
                hf: hf_after,
            });
        }
        Ok(Deleveraged {
            before,
            after,
            hf_before: self.mechanism.health_factor(&before, price),
            hf_after,
        })
    }

    /// The owner of account `id` withdraws `collateral_out` and repays `repay` of its debt in
    /// one transaction (a flash-loan "repay" of deleverage automation: the collateral is sold
    /// and the proceeds repay the debt), checked at the protocol's `price` as in
    /// [`LendingMarket::preview_deleverage`]. Re-keys the account in the trigger index and
    /// counts the withdrawal and the repayment in the totals. The caller moves the collateral
    /// to the owner and takes the cash from it.
    pub fn deleverage(
        &mut self,
        id: AccountId,
        collateral_out: Lots,
        repay: Quote,
        price: Ticks,
    ) -> Result<Deleveraged, DeleverageError> {
        let out = self.preview_deleverage(id, collateral_out, repay, price)?;
        self.accounts[id.index()] = out.after;
        let t = &mut self.totals;
        t.owner_withdrawn = t.owner_withdrawn.plus(collateral_out);
        t.owner_repaid = t.owner_repaid.plus(repay);
        t.deleverages += 1;
        let trigger = self.mechanism.trigger_price(&out.after);
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

    /// 10 ETH against 15,000 USD at 1,900 USD: HF = 19,000 x 0.83 / 15,000 = 1.05133...,
    /// trigger 180,723 ticks (15,000 / 8.3). Selling 2 ETH and repaying 3,800 USD leaves 8 ETH
    /// against 11,200 USD: HF = 15,200 x 0.83 / 11,200 = 1.12642857..., trigger
    /// 11,200 / 6.64 = 1,686.746... -> 168,675 ticks. The totals count the withdrawal and the
    /// repayment, and collateral and debt still reconcile.
    #[test]
    fn a_deleverage_worked_by_hand() {
        let usd = 100_000u64; // quote atoms per USD (tick 0.01 x lot 0.001)
        let mut m = LendingMarket::new(
            params(),
            vec![Account {
                collateral: Lots(10_000),
                debt: Quote(15_000 * usd),
            }],
        );
        let p = Ticks(190_000);
        assert_eq!(m.trigger_price(AccountId(0)), Some(Ticks(180_723)));
        let out = m
            .deleverage(AccountId(0), Lots(2_000), Quote(3_800 * usd), p)
            .unwrap();
        assert_eq!(out.hf_before, 1_051_333_333_333_333_333);
        assert_eq!(out.hf_after, 1_126_428_571_428_571_429);
        assert_eq!(
            out.after,
            Account {
                collateral: Lots(8_000),
                debt: Quote(11_200 * usd)
            }
        );
        assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(168_675)));
        let t = m.totals();
        assert_eq!(t.owner_withdrawn, Lots(2_000));
        assert_eq!(t.owner_repaid, Quote(3_800 * usd));
        assert_eq!(t.deleverages, 1);
        assert_eq!(
            m.total_collateral() + u128::from(t.owner_withdrawn.0),
            10_000
        );
        assert_eq!(
            m.total_debt() + u128::from(t.owner_repaid.0),
            u128::from(15_000 * usd)
        );
    }

    /// The protocol refuses a withdrawal above the collateral, a repayment above the debt, an
    /// empty call, and a withdrawal that leaves the account liquidatable: 10 ETH against 15,000
    /// USD at 1,900 USD, withdrawing 1 ETH without repaying gives 17,100 x 0.83 / 15,000 =
    /// 0.9462 < 1. A refusal changes nothing.
    #[test]
    fn a_deleverage_is_refused_when_it_breaks_the_rules() {
        let usd = 100_000u64;
        let mut m = LendingMarket::new(
            params(),
            vec![Account {
                collateral: Lots(10_000),
                debt: Quote(15_000 * usd),
            }],
        );
        let p = Ticks(190_000);
        let id = AccountId(0);
        assert_eq!(
            m.deleverage(id, Lots(10_001), Quote(0), p),
            Err(DeleverageError::OverWithdraw {
                asked: Lots(10_001),
                held: Lots(10_000)
            })
        );
        assert_eq!(
            m.deleverage(id, Lots(0), Quote(15_000 * usd + 1), p),
            Err(DeleverageError::OverRepay {
                asked: Quote(15_000 * usd + 1),
                owed: Quote(15_000 * usd)
            })
        );
        assert_eq!(
            m.deleverage(id, Lots(0), Quote(0), p),
            Err(DeleverageError::Empty)
        );
        assert_eq!(
            m.deleverage(id, Lots(1_000), Quote(0), p),
            Err(DeleverageError::LeavesLiquidatable {
                price: p,
                hf: 946_200_000_000_000_000
            })
        );
        assert_eq!(m.totals(), MarketTotals::default());
        assert_eq!(m.account(id).collateral, Lots(10_000));
        // Repaying everything and withdrawing everything closes the account.
        m.deleverage(id, Lots(10_000), Quote(15_000 * usd), p)
            .unwrap();
        assert_eq!(m.trigger_price(id), None);
        assert_eq!(m.index().trigger(id), None);
    }
}
