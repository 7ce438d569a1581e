//! The insurance fund, and what happens to a liquidated scope once it is flat.
//!
//! Bybit ("Auto-Deleveraging (ADL) Mechanism"): the insurance fund is "a reserve of funds ...
//! consisting of funds provided by Bybit and the excess margin from liquidated orders that have
//! closed at a price better than the bankruptcy price"; it absorbs "any excess losses beyond what
//! the position margin can cover", and ADL is triggered only when "the Insurance Fund is
//! insufficient to cover potential losses from the liquidation". Binance's liquidation clearance
//! fee also goes to the fund. Hyperliquid has no insurance fund: its backstop vault and ADL play
//! that role (seed it with zero).
//!
//! When a liquidated scope has no position left:
//! - negative collateral is drawn from the fund ([`crate::Event::InsuranceDraw`]); what the fund
//!   cannot pay is written off as bad debt ([`crate::Event::BadDebt`]);
//! - positive collateral stays with the trader, or goes to the fund when the venue keeps the
//!   surplus ([`crate::VenueParams::surplus_to_insurance`], [`crate::Event::InsuranceDeposit`]).

use crate::Event;
use crate::account::Scope;
use crate::venue::PerpVenue;
use cascade_types::{AccountId, Quote};

/// The insurance fund's balance and its flows so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsuranceFund {
    balance: u128,
    deposited: u128,
    drawn: u128,
}

impl InsuranceFund {
    /// A fund seeded with `seed`.
    pub fn new(seed: Quote) -> InsuranceFund {
        InsuranceFund {
            balance: u128::from(seed.0),
            ..InsuranceFund::default()
        }
    }

    /// Quote atoms held.
    pub fn balance(&self) -> u128 {
        self.balance
    }

    /// Total received from liquidations (fees and surpluses).
    pub fn deposited(&self) -> u128 {
        self.deposited
    }

    /// Total paid out to cover deficits.
    pub fn drawn(&self) -> u128 {
        self.drawn
    }

    /// `true` if the fund can pay `deficit` in full.
    pub fn covers(&self, deficit: u128) -> bool {
        self.balance >= deficit
    }

    pub(crate) fn deposit(&mut self, amount: u128) {
        self.balance += amount;
        self.deposited += amount;
    }

    /// Pays up to `want`; returns what was paid.
    pub(crate) fn draw(&mut self, want: u128) -> u128 {
        let paid = want.min(self.balance);
        self.balance -= paid;
        self.drawn += paid;
        paid
    }
}

impl PerpVenue {
    /// Settles a scope that has just been closed out by a liquidation or ADL: covers a deficit
    /// from the fund, then as bad debt; sweeps a surplus to the fund if the venue keeps it; then
    /// removes flat positions (an isolated position's margin returns to the cross collateral).
    pub(crate) fn close_out(&mut self, id: AccountId, scope: Scope, events: &mut Vec<Event>) {
        let Some(acc) = self.accounts.get(id.index()) else {
            return;
        };
        if !acc.scope_is_flat(scope) {
            // Only a cross scope can hold a flat position next to open ones.
            self.accounts[id.index()].remove_flat();
            return;
        }
        let base = acc.scope_collateral(scope).unwrap_or(0);
        if base < 0 {
            let deficit = base.unsigned_abs();
            let paid = self.insurance.draw(deficit);
            if paid > 0 {
                events.push(Event::InsuranceDraw {
                    account: id,
                    amount: paid,
                });
            }
            let rest = deficit - paid;
            if rest > 0 {
                self.totals.bad_debt += rest;
                events.push(Event::BadDebt {
                    account: id,
                    amount: rest,
                });
            }
            self.accounts[id.index()].set_scope_collateral(scope, 0);
        } else if base > 0 && self.params.surplus_to_insurance {
            self.insurance.deposit(base as u128);
            events.push(Event::InsuranceDeposit {
                account: id,
                amount: base as u128,
            });
            self.accounts[id.index()].set_scope_collateral(scope, 0);
        }
        self.accounts[id.index()].remove_flat();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stop_at_the_balance() {
        let mut f = InsuranceFund::new(Quote(100));
        assert!(f.covers(100));
        assert!(!f.covers(101));
        assert_eq!(f.draw(60), 60);
        assert_eq!(f.draw(60), 40);
        assert_eq!(f.balance(), 0);
        f.deposit(7);
        assert_eq!((f.balance(), f.deposited(), f.drawn()), (7, 7, 100));
    }
}
