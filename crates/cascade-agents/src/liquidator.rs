//! Liquidators: capital-limited, latency-bound, profit-seeking.
//!
//! A liquidator wakes after its latency when the oracle publishes, and then every `poll`
//! interval while liquidatable accounts remain. For each liquidatable account, worst first, it
//! repays as much debt as the close factor and its cash (less gas) allow, provided the seized
//! collateral, sold into the book as it stands, would return at least the repaid debt plus gas
//! plus its minimum profit. It sells what it seized at once with a market order, which is how
//! its capital comes back for the next liquidation.

use crate::Wallet;
use cascade_des::dist::Dist;
use cascade_risk::LendingMarket;
use cascade_risk::aave::LiquidationError;
use cascade_types::{AccountId, Lots, Quote, SimDuration, Ticks};

/// How a liquidator behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct LiquidatorParams {
    /// Delay from an oracle publication to its transaction, in milliseconds.
    pub latency_ms: Dist,
    /// Cost of one liquidation transaction.
    pub gas_cost: Quote,
    /// Smallest expected profit, after gas, worth a transaction.
    pub min_profit: Quote,
    /// Interval between re-checks while accounts stay liquidatable.
    pub poll: SimDuration,
}

/// Why a liquidator passed on an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    /// Cash does not cover gas plus any repayment.
    NoCapital,
    /// Selling the collateral now would not pay for the debt, gas and the minimum profit.
    Unprofitable,
    /// The protocol would revert (healthy by now, dust, ...).
    Reverts,
}

/// A liquidator's decision for one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Call the liquidation with this much debt to cover.
    Liquidate {
        /// Debt to cover, as passed to the protocol.
        debt_to_cover: Quote,
        /// Expected profit after gas, in quote atoms (can be below zero only if allowed by
        /// `min_profit` being zero and rounding).
        expected_profit: i128,
    },
    /// Leave the account.
    Skip(SkipReason),
}

/// A liquidator's private state and counters.
#[derive(Clone, Debug)]
pub struct Liquidator {
    /// Behaviour.
    pub params: LiquidatorParams,
    /// A wake-up is scheduled and not yet done.
    pub wake_pending: bool,
}

impl Liquidator {
    /// A liquidator with nothing scheduled.
    pub fn new(params: LiquidatorParams) -> Self {
        Liquidator {
            params,
            wake_pending: false,
        }
    }

    /// Decides what to do with `account` at oracle `price`; `proceeds(q)` is what selling `q`
    /// through the liquidator's route would fetch now (e.g. a sweep of the book's bids).
    pub fn plan(
        &self,
        market: &LendingMarket,
        proceeds: impl Fn(Lots) -> Quote,
        account: AccountId,
        price: Ticks,
        wallet: Wallet,
    ) -> Plan {
        let gas = self.params.gas_cost;
        let Some(budget) = wallet.cash.checked_sub(gas).filter(|b| !b.is_zero()) else {
            return Plan::Skip(SkipReason::NoCapital);
        };
        let a = market.account(account);
        let max_debt = market.max_repayable(account, price);
        let full = Quote(max_debt.0.min(budget.0));
        // The largest of full, 1/2, 1/4, ... 1/64 of it that the book absorbs at a profit: a
        // liquidator sizes its call to the liquidity it can sell into.
        let mut skip = SkipReason::Unprofitable;
        for halvings in 0..=MAX_HALVINGS {
            let cover = Quote(full.0 >> halvings);
            if cover.is_zero() {
                break;
            }
            let (cover, outcome) = match market.preview(account, cover, price) {
                Ok(o) => (cover, o),
                // A partial repayment that would leave dust: repay all of it if the budget allows.
                Err(LiquidationError::MustNotLeaveDust) if halvings == 0 && budget >= a.debt => {
                    match market.preview(account, a.debt, price) {
                        Ok(o) => (a.debt, o),
                        Err(_) => return Plan::Skip(SkipReason::Reverts),
                    }
                }
                Err(LiquidationError::MustNotLeaveDust) => {
                    if halvings == 0 {
                        skip = SkipReason::NoCapital;
                    }
                    continue;
                }
                Err(_) => return Plan::Skip(SkipReason::Reverts),
            };
            let proceeds = proceeds(outcome.collateral_to_liquidator);
            let profit =
                i128::from(proceeds.0) - i128::from(outcome.debt_repaid.0) - i128::from(gas.0);
            if profit >= i128::from(self.params.min_profit.0) {
                return Plan::Liquidate {
                    debt_to_cover: cover,
                    expected_profit: profit,
                };
            }
        }
        Plan::Skip(skip)
    }
}

/// How many times a liquidator halves an unprofitable call before passing.
const MAX_HALVINGS: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_book::{Book, OrderType};
    use cascade_risk::Account;
    use cascade_risk::aave::AaveParams;
    use cascade_types::{AgentId, Bps, Side, SimTime};

    const USD: u64 = 100_000;

    fn market() -> LendingMarket {
        let params = AaveParams {
            liquidation_threshold: Bps(8300),
            liquidation_bonus: Bps(10500),
            protocol_fee: Bps(1000),
            close_factor: Bps(5000),
            close_factor_min_base: Quote(2_000 * USD),
            min_leftover_base: Quote(1_000 * USD),
            full_close_below_hf: cascade_risk::aave::CLOSE_FACTOR_HF_THRESHOLD,
        };
        // 10 ETH, 15,000 USD debt: liquidatable below 1,807.23 USD.
        LendingMarket::new(
            params,
            vec![Account {
                collateral: Lots(10_000),
                debt: Quote(15_000 * USD),
            }],
        )
    }

    fn liquidator(min_profit_usd: u64) -> Liquidator {
        Liquidator::new(LiquidatorParams {
            latency_ms: Dist::Constant(1000.0),
            gas_cost: Quote(20 * USD),
            min_profit: Quote(min_profit_usd * USD),
            poll: SimDuration::from_secs(12),
        })
    }

    /// Proceeds of selling into a book holding one bid of `lots` at `price`.
    fn bids(price: i64, lots: u64) -> impl Fn(Lots) -> Quote {
        let mut b = Book::new();
        b.submit(
            SimTime(0),
            AgentId(0),
            Side::Bid,
            Lots(lots),
            OrderType::Limit(Ticks(price)),
            &mut (),
        );
        move |q| b.sweep_preview(Side::Ask, q, None).1
    }

    /// At an oracle price of 1,800 USD the liquidator may repay 7,500 USD for 4.353 ETH
    /// (see the Aave worked example). Sold at a 1,795 USD bid: 7,813.635 USD, so the profit
    /// after 20 USD of gas is 293.635 USD.
    #[test]
    fn profitable_liquidation_by_hand() {
        let w = Wallet {
            cash: Quote(100_000 * USD),
            base: Lots(0),
        };
        let plan = liquidator(10).plan(
            &market(),
            bids(179_500, 100_000),
            AccountId(0),
            Ticks(180_000),
            w,
        );
        assert_eq!(
            plan,
            Plan::Liquidate {
                debt_to_cover: Quote(7_500 * USD),
                expected_profit: 29_363_500
            }
        );
    }

    #[test]
    fn thin_books_capital_and_healthy_accounts_are_skipped() {
        let rich = Wallet {
            cash: Quote(100_000 * USD),
            base: Lots(0),
        };
        // The bid is 1,700 USD: 4.353 ETH fetch 7,400.10 USD < 7,500 + 20.
        let plan = liquidator(0).plan(
            &market(),
            bids(170_000, 100_000),
            AccountId(0),
            Ticks(180_000),
            rich,
        );
        assert_eq!(plan, Plan::Skip(SkipReason::Unprofitable));
        // Only 0.2 ETH of bids: even 1/64 of the call (0.068 ETH) ... fits, so it sizes down.
        // With 0.05 ETH of bids nothing down to 1/64 (117.19 USD of debt) sells at a profit.
        let plan = liquidator(0).plan(
            &market(),
            bids(179_500, 50),
            AccountId(0),
            Ticks(180_000),
            rich,
        );
        assert_eq!(plan, Plan::Skip(SkipReason::Unprofitable));
        let poor = Wallet {
            cash: Quote(20 * USD),
            base: Lots(0),
        };
        let plan = liquidator(0).plan(
            &market(),
            bids(179_500, 100_000),
            AccountId(0),
            Ticks(180_000),
            poor,
        );
        assert_eq!(plan, Plan::Skip(SkipReason::NoCapital));
        let plan = liquidator(0).plan(
            &market(),
            bids(179_500, 100_000),
            AccountId(0),
            Ticks(190_000),
            rich,
        );
        assert_eq!(plan, Plan::Skip(SkipReason::Reverts));
    }

    /// With 2 ETH of bids at 1,795 USD the full call (4.353 ETH) is unprofitable, half of it
    /// (3,750 USD for 2.176 ETH; only 2 ETH sell) too, a quarter (1,875 USD for 1.088 ETH sold
    /// for 1,952.96 USD, minus 20 USD gas: 57.96 USD) pays.
    #[test]
    fn a_thin_book_sizes_the_call_down() {
        let rich = Wallet {
            cash: Quote(100_000 * USD),
            base: Lots(0),
        };
        let plan = liquidator(10).plan(
            &market(),
            bids(179_500, 2_000),
            AccountId(0),
            Ticks(180_000),
            rich,
        );
        assert_eq!(
            plan,
            Plan::Liquidate {
                debt_to_cover: Quote(1_875 * USD),
                expected_profit: 5_796_000
            }
        );
    }

    /// With 3,000 USD of cash (2,980 after gas) the liquidator repays what it can afford.
    #[test]
    fn capital_limits_the_repayment() {
        let w = Wallet {
            cash: Quote(3_000 * USD),
            base: Lots(0),
        };
        let plan = liquidator(0).plan(
            &market(),
            bids(179_500, 100_000),
            AccountId(0),
            Ticks(180_000),
            w,
        );
        assert!(
            matches!(plan, Plan::Liquidate { debt_to_cover: Quote(c), .. } if c == 2_980 * USD)
        );
    }
}
