//! Liquidation: which scopes are liquidatable at the mark, what the venue does with each, and
//! the settlement of a liquidation order's fill.
//!
//! Hyperliquid ("Liquidations", and `reference/mechanisms.md` §4):
//! - trigger: "the account equity falls below the maintenance margin", at the mark price;
//! - step 1: "the positions are first attempted to be entirely closed by sending market orders
//!   to the book"; large positions are sent 20% at a time under [`crate::PartialRule`];
//!   "any remaining collateral remains with the trader", with no clearance fee;
//! - step 2: "if the account equity drops below 2/3 of the maintenance margin without
//!   successful liquidation through the book, a backstop liquidation happens through the
//!   liquidator vault" ([`crate::backstop`]);
//! - ADL: "if a user's account value or isolated position value becomes negative"
//!   ([`crate::adl`]).
//!
//! Bybit and Binance: when the position "cannot be liquidated at a price that is better than the
//! bankruptcy price" the insurance fund pays the difference, and ADL runs only when the fund is
//! insufficient.
//!
//! The route of a liquidatable scope with equity `E` and requirement `MM` at the mark:
//! 1. `E < 0` (bankrupt): if the insurance fund holds at least `-E`, whole-position market
//!    orders (the fund will pay what the fills lose below the bankruptcy price); otherwise ADL.
//! 2. `0 <= E < threshold * MM` with a backstop vault that can take the scope and stay above its
//!    own maintenance requirement: backstop transfer.
//! 3. Otherwise market orders, partial for large positions outside the cooldown.
//!
//! A pure library cannot try the book first and watch it fail, so the decision is made from the
//! equity at the moment of the call: a scope found below 2/3 of its requirement goes straight to
//! the vault.

use crate::account::Scope;
use crate::error::PerpError;
use crate::event::{Event, LiquidationOrder};
use crate::venue::{FeeDestination, PerpVenue, check_price};
use cascade_types::{AccountId, Lots, Side, SimTime, Ticks};

/// What the venue does with a liquidatable scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Market orders to the book.
    Market,
    /// Transfer to the backstop vault.
    Backstop,
    /// Auto-deleveraging against opposite positions.
    Adl,
}

impl PerpVenue {
    /// The route [`PerpVenue::liquidate`] would take now, without taking it.
    pub fn route(&self, id: AccountId, scope: Scope, marks: &[Ticks]) -> Result<Route, PerpError> {
        if id == Self::VAULT {
            return Err(PerpError::VaultNotLiquidatable);
        }
        let st = self.margin_state(id, scope, marks)?;
        if !st.is_liquidatable() {
            return Err(PerpError::NotLiquidatable { account: id, scope });
        }
        if st.equity < 0 {
            return Ok(if self.insurance.covers(st.equity.unsigned_abs()) {
                Route::Market
            } else {
                Route::Adl
            });
        }
        if let Some(below) = self.params.backstop_below
            && st.is_below(below)
            && self.backstop_accepts(id, scope, marks)?
        {
            return Ok(Route::Backstop);
        }
        Ok(Route::Market)
    }

    /// Hyperliquid's estimated liquidation price of the position in `market`, for a scope with
    /// that one position: `liq = mark - side * margin_available / |size| / (1 - mmr * side)`,
    /// with `margin_available = equity - maintenance` at the mark and `mmr` the rate of the
    /// position's current tier (held fixed, as in the estimate). Returned as the first whole
    /// tick beyond that price, i.e. the highest mark at which a long is liquidatable or the
    /// lowest at which a short is. `None` if the scope holds several positions or the price
    /// would not be positive.
    pub fn liquidation_price(
        &self,
        id: AccountId,
        market: crate::MarketId,
        marks: &[Ticks],
    ) -> Result<Option<Ticks>, PerpError> {
        let table = self.table(market)?;
        self.check_marks(marks)?;
        let acc = self.account(id)?;
        let p = acc
            .position(market)
            .filter(|p| p.size != 0)
            .ok_or(PerpError::NoPosition {
                account: id,
                market,
            })?;
        let scope = p.scope();
        let st = self.state_of(acc, scope, marks);
        if st.positions != 1 {
            return Ok(None);
        }
        let mark = i128::from(marks[market.index()].0);
        let rate = table
            .rate(table.tier_index(st.notional))
            .unwrap_or(crate::Ratio::ZERO);
        let (num, den) = (i128::from(rate.num), i128::from(rate.den));
        let available = st.equity - st.maintenance as i128;
        let abs = i128::from(p.size.unsigned_abs());
        // A = available / |s| / (1 -+ mmr) = available * den / (|s| * (den -+ num)).
        let price = if p.size > 0 {
            mark - (available * den).div_euclid(abs * (den - num)) - 1
        } else {
            mark + (available * den).div_euclid(abs * (den + num)) + 1
        };
        Ok((1..=i128::from(crate::MAX_TICKS))
            .contains(&price)
            .then_some(Ticks(price as i64)))
    }

    /// Liquidates one scope at `marks` and `now`: returns the orders to send to the book, or
    /// performs the backstop transfer or the auto-deleveraging and returns what it did.
    pub fn liquidate(
        &mut self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
        now: SimTime,
    ) -> Result<Vec<Event>, PerpError> {
        match self.route(id, scope, marks)? {
            Route::Market => Ok(self.market_orders(id, scope, marks, now)),
            Route::Backstop => Ok(self.backstop_transfer(id, scope, marks)),
            Route::Adl => Ok(self.auto_deleverage(id, scope, marks)),
        }
    }

    /// One order per position of the scope; partial orders start the account's cooldown.
    fn market_orders(
        &mut self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
        now: SimTime,
    ) -> Vec<Event> {
        let acc = &self.accounts[id.index()];
        let bankrupt = self.state_of(acc, scope, marks).equity < 0;
        let in_cooldown = match (self.params.partial, acc.last_partial) {
            (Some(rule), Some(at)) => now < at + rule.cooldown,
            _ => false,
        };
        let mut events = Vec::new();
        let mut partial_sent = false;
        for p in acc.scope_positions(scope) {
            let whole = p.size.unsigned_abs();
            let side = if p.size > 0 { Side::Ask } else { Side::Bid };
            let rule = self.params.partial.filter(|r| {
                !bankrupt && !in_cooldown && p.notional_at(marks[p.market.index()]) > r.threshold
            });
            let size = match rule {
                Some(r) => r
                    .fraction
                    .mul_ceil(u128::from(whole))
                    .map_or(whole, |s| (s as u64).clamp(1, whole)),
                None => whole,
            };
            let order = LiquidationOrder {
                account: id,
                market: p.market,
                side,
                size: Lots(size),
            };
            match rule {
                Some(r) if size < whole => {
                    partial_sent = true;
                    events.push(Event::PartialLiquidation {
                        order,
                        position: Lots(whole),
                        cooldown_until: now + r.cooldown,
                    });
                }
                _ => events.push(Event::LiquidationOrder(order)),
            }
        }
        self.totals.liquidation_orders += events.len() as u64;
        if partial_sent {
            self.accounts[id.index()].last_partial = Some(now);
        }
        events
    }

    /// Settles `size` lots of a liquidation order on `market` filled at the average `price`:
    /// realises the PnL, charges the liquidation fee (capped at the scope's remaining
    /// collateral), and, if the scope is left flat, covers a deficit from the insurance fund
    /// (then as bad debt) or handles the surplus. The caller records the counterparties' side of
    /// the fill.
    pub fn settle_liquidation_fill(
        &mut self,
        id: AccountId,
        market: crate::MarketId,
        size: Lots,
        price: Ticks,
    ) -> Result<Vec<Event>, PerpError> {
        self.table(market)?;
        check_price(price)?;
        let acc = self.account(id)?;
        let p = acc.position(market).ok_or(PerpError::NoPosition {
            account: id,
            market,
        })?;
        if size.is_zero() {
            return Err(PerpError::InvalidSize(0));
        }
        if size.0 > p.size.unsigned_abs() {
            return Err(PerpError::FillExceedsPosition {
                fill: size,
                position: p.abs_size(),
            });
        }
        let scope = p.scope();
        let qty = if p.size > 0 {
            -(size.0 as i64)
        } else {
            size.0 as i64
        };
        let acc = &mut self.accounts[id.index()];
        let realised = acc.fill(market, qty, price);
        let base = acc.scope_collateral(scope).unwrap_or(0);
        let notional = u128::from(size.0) * u128::from(price.0.unsigned_abs());
        let fee = self
            .params
            .liquidation_fee
            .mul_ceil(notional)
            .unwrap_or(0)
            .min(base.max(0) as u128);
        acc.add_to_scope(scope, -(fee as i128));
        let mut events = vec![Event::LiquidationFill {
            account: id,
            market,
            size,
            price,
            realised_pnl: realised,
            fee,
        }];
        if fee > 0 {
            match self.params.fee_to {
                FeeDestination::InsuranceFund => {
                    self.insurance.deposit(fee);
                    events.push(Event::InsuranceDeposit {
                        account: id,
                        amount: fee,
                    });
                }
                FeeDestination::Clearing => self.totals.clearing_fees += fee,
            }
        }
        self.close_out(id, scope, &mut events);
        Ok(events)
    }
}
