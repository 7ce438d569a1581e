//! Accounts, positions and margin scopes.
//!
//! An account holds cross collateral and at most one position per market (as on Hyperliquid,
//! Binance one-way mode and Bybit one-way mode). A position is either cross-margined, sharing the
//! account's collateral with every other cross position, or isolated, with its own margin.
//! Liquidation works on a [`Scope`]: all cross positions of an account together, or one isolated
//! position (Hyperliquid, "Liquidations": "when a cross position is backstop liquidated, the
//! trader's cross positions and cross margin are all transferred ... when an isolated position is
//! backstop liquidated, that isolated position and isolated margin are transferred").
//!
//! Money: balances are signed quote atoms (`i128`): a scope can go below zero for the time
//! between a liquidation fill worse than the bankruptcy price and the insurance fund covering it.
//! Value of `q` lots at `p` ticks is `q * p` atoms.
//!
//! - Unrealised PnL at mark `M`: `size * (M - entry)`.
//! - Scope equity (Hyperliquid "account value" for cross, "isolated margin + uPnL" for isolated,
//!   Binance "margin balance"): the scope's collateral plus the uPnL of its positions.
//! - Maintenance requirement: the sum over the scope's positions of the market's
//!   [`MarginTable`](crate::MarginTable) requirement at `|size| * M`.
//! - Margin ratio (Binance, Bybit): requirement / equity; the scope is liquidatable when the
//!   equity is below the requirement (ratio above 100%).
//!
//! Entry prices are whole ticks. When a fill adds to a position, the average entry is rounded
//! down and the sub-tick remainder is settled to the scope's collateral at once, so that cash
//! minus cost basis (and with it every account's value) stays exact in integers.

use cascade_types::{Lots, SimTime, Ticks};
use std::fmt;

/// A perpetual market of the venue, dense from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MarketId(pub u16);

impl MarketId {
    /// The id as an index into a dense vector (marks, margin tables).
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for MarketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The positions and collateral that are margined together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// All cross positions of the account and its cross collateral.
    Cross,
    /// The isolated position in one market and its isolated margin.
    Isolated(MarketId),
}

/// One position: signed size, entry price and how it is margined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The market.
    pub market: MarketId,
    /// Lots; positive long, negative short (never zero in a settled account).
    pub size: i64,
    /// Average entry price (rounded down to a tick; see the module docs).
    pub entry: Ticks,
    /// `Some(margin)` for an isolated position, `None` for a cross one.
    pub isolated_margin: Option<i128>,
}

impl Position {
    /// The scope this position belongs to.
    pub fn scope(&self) -> Scope {
        match self.isolated_margin {
            Some(_) => Scope::Isolated(self.market),
            None => Scope::Cross,
        }
    }

    /// `|size|` in lots.
    pub fn abs_size(&self) -> Lots {
        Lots(self.size.unsigned_abs())
    }

    /// `|size| * mark` quote atoms.
    pub fn notional_at(&self, mark: Ticks) -> u128 {
        u128::from(self.size.unsigned_abs()) * u128::from(mark.0.unsigned_abs())
    }

    /// `|size| * entry` quote atoms.
    pub fn entry_value(&self) -> u128 {
        u128::from(self.size.unsigned_abs()) * u128::from(self.entry.0.unsigned_abs())
    }

    /// Unrealised PnL at `mark`: `size * (mark - entry)`.
    pub fn unrealised_pnl(&self, mark: Ticks) -> i128 {
        i128::from(self.size) * (i128::from(mark.0) - i128::from(self.entry.0))
    }

    /// Applies a fill of `qty` signed lots at `price` and returns the cash it settles to the
    /// position's collateral: realised PnL of any closed part, plus or minus the sub-tick
    /// remainder of a new average entry. The size may end at zero; callers remove flat
    /// positions.
    pub(crate) fn fill(&mut self, qty: i64, price: Ticks) -> i128 {
        let p = i128::from(price.0);
        if self.size == 0 {
            self.size = qty;
            self.entry = price;
            return 0;
        }
        if (self.size > 0) == (qty > 0) {
            // Adding: exact cost basis |s| e + |q| p, entry rounded down, remainder settled.
            let new_size = self.size + qty;
            let cost = i128::from(self.size.unsigned_abs()) * i128::from(self.entry.0)
                + i128::from(qty.unsigned_abs()) * p;
            let abs_new = i128::from(new_size.unsigned_abs());
            let entry = cost / abs_new;
            let residual = cost - entry * abs_new;
            self.size = new_size;
            self.entry = Ticks(entry as i64);
            // A long's basis was rounded down (it owes the remainder); a short's basis, which
            // is what it sold for, was rounded down too (it is owed the remainder).
            return if new_size > 0 { -residual } else { residual };
        }
        // Reducing, closing or flipping.
        let closed = qty.unsigned_abs().min(self.size.unsigned_abs());
        let closed_signed = if self.size > 0 {
            closed as i128
        } else {
            -(closed as i128)
        };
        let realised = closed_signed * (p - i128::from(self.entry.0));
        let new_size = self.size + qty;
        if (new_size > 0) != (self.size > 0) && new_size != 0 {
            self.entry = price; // flipped: the remainder opens at the fill price
        }
        self.size = new_size;
        realised
    }
}

/// Margin figures of one scope at given marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginState {
    /// Collateral of the scope plus the uPnL of its positions.
    pub equity: i128,
    /// Sum of the positions' maintenance requirements.
    pub maintenance: u128,
    /// Sum of `|size| * mark` over the positions.
    pub notional: u128,
    /// Number of open positions in the scope.
    pub positions: usize,
}

impl MarginState {
    /// Equity below the maintenance requirement, with at least one open position.
    pub fn is_liquidatable(&self) -> bool {
        self.positions > 0 && self.equity < self.maintenance as i128
    }

    /// Equity below `fraction` of the maintenance requirement (Hyperliquid's backstop test
    /// with 2/3): `equity * den < maintenance * num`.
    pub fn is_below(&self, fraction: crate::Ratio) -> bool {
        self.positions > 0
            && self.equity.saturating_mul(i128::from(fraction.den))
                < (self.maintenance as i128).saturating_mul(i128::from(fraction.num))
    }

    /// Binance/Bybit margin ratio, `maintenance / equity`, in basis points rounded up; `None`
    /// when the equity is zero or negative (the ratio is unbounded).
    pub fn margin_ratio_bps(&self) -> Option<u128> {
        if self.equity <= 0 {
            return None;
        }
        Some((self.maintenance * 10_000).div_ceil(self.equity as u128))
    }
}

/// One trader's account (or the backstop vault).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub(crate) collateral: i128,
    pub(crate) positions: Vec<Position>,
    pub(crate) realised_pnl: i128,
    pub(crate) last_partial: Option<SimTime>,
}

impl Account {
    pub(crate) fn new(collateral: i128) -> Account {
        Account {
            collateral,
            ..Account::default()
        }
    }

    /// Cross collateral, realised PnL included, isolated margins excluded.
    pub fn collateral(&self) -> i128 {
        self.collateral
    }

    /// Open positions, in the order they were opened.
    pub fn positions(&self) -> &[Position] {
        &self.positions
    }

    /// The position in `market`, if any.
    pub fn position(&self, market: MarketId) -> Option<&Position> {
        self.positions.iter().find(|p| p.market == market)
    }

    /// Sum of realised PnL so far (closing fills, liquidations, ADL, entry remainders).
    pub fn realised_pnl(&self) -> i128 {
        self.realised_pnl
    }

    /// When the last partial liquidation of this account was sent, if any.
    pub fn last_partial_liquidation(&self) -> Option<SimTime> {
        self.last_partial
    }

    /// Cross collateral plus every isolated margin: the account's cash.
    pub fn total_collateral(&self) -> i128 {
        self.collateral
            + self
                .positions
                .iter()
                .filter_map(|p| p.isolated_margin)
                .sum::<i128>()
    }

    pub(crate) fn position_mut(&mut self, market: MarketId) -> Option<&mut Position> {
        self.positions.iter_mut().find(|p| p.market == market)
    }

    /// Positions of a scope.
    pub fn scope_positions(&self, scope: Scope) -> impl Iterator<Item = &Position> {
        self.positions.iter().filter(move |p| p.scope() == scope)
    }

    /// The collateral of a scope: cross collateral, or the isolated margin of the position.
    pub fn scope_collateral(&self, scope: Scope) -> Option<i128> {
        match scope {
            Scope::Cross => Some(self.collateral),
            Scope::Isolated(m) => self.position(m).and_then(|p| p.isolated_margin),
        }
    }

    pub(crate) fn add_to_scope(&mut self, scope: Scope, amount: i128) {
        match scope {
            Scope::Cross => self.collateral += amount,
            Scope::Isolated(m) => {
                if let Some(margin) = self
                    .position_mut(m)
                    .and_then(|p| p.isolated_margin.as_mut())
                {
                    *margin += amount;
                }
            }
        }
    }

    pub(crate) fn set_scope_collateral(&mut self, scope: Scope, value: i128) {
        match scope {
            Scope::Cross => self.collateral = value,
            Scope::Isolated(m) => {
                if let Some(margin) = self
                    .position_mut(m)
                    .and_then(|p| p.isolated_margin.as_mut())
                {
                    *margin = value;
                }
            }
        }
    }

    /// Applies a fill to the position in `market` (opening a cross position if there is none)
    /// and settles its cash to the position's scope. Returns the cash settled. Leaves a flat
    /// position in place: see [`Account::remove_flat`].
    pub(crate) fn fill(&mut self, market: MarketId, qty: i64, price: Ticks) -> i128 {
        let (cash, scope) = match self.position_mut(market) {
            Some(p) => (p.fill(qty, price), p.scope()),
            None => {
                self.positions.push(Position {
                    market,
                    size: qty,
                    entry: price,
                    isolated_margin: None,
                });
                (0, Scope::Cross)
            }
        };
        self.add_to_scope(scope, cash);
        self.realised_pnl += cash;
        cash
    }

    /// Removes flat positions; an isolated one returns its margin to the cross collateral.
    pub(crate) fn remove_flat(&mut self) {
        let mut released = 0;
        self.positions.retain(|p| {
            if p.size == 0 {
                released += p.isolated_margin.unwrap_or(0);
                false
            } else {
                true
            }
        });
        self.collateral += released;
    }

    /// `true` if the scope has no open position left.
    pub(crate) fn scope_is_flat(&self, scope: Scope) -> bool {
        self.scope_positions(scope).all(|p| p.size == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(size: i64, entry: i64) -> Position {
        Position {
            market: MarketId(0),
            size,
            entry: Ticks(entry),
            isolated_margin: None,
        }
    }

    #[test]
    fn upnl_and_notional() {
        let long = pos(10, 100);
        assert_eq!(long.unrealised_pnl(Ticks(90)), -100);
        assert_eq!(long.notional_at(Ticks(90)), 900);
        let short = pos(-10, 100);
        assert_eq!(short.unrealised_pnl(Ticks(90)), 100);
        assert_eq!(short.entry_value(), 1_000);
    }

    /// Long 2 at 100, buy 1 at 101: cost 301 for 3 lots -> entry 100, remainder 1 charged now.
    /// Short 2 at 100, sell 1 at 101: basis 301 -> entry 100, remainder 1 credited now.
    #[test]
    fn averaging_settles_the_sub_tick_remainder() {
        let mut p = pos(2, 100);
        assert_eq!(p.fill(1, Ticks(101)), -1);
        assert_eq!((p.size, p.entry), (3, Ticks(100)));
        let mut s = pos(-2, 100);
        assert_eq!(s.fill(-1, Ticks(101)), 1);
        assert_eq!((s.size, s.entry), (-3, Ticks(100)));
        // Closing the long at 110 realises 3 * 10 = 30; with the -1 paid earlier the total is
        // 29 = 3 * 110 - 301, exactly what the fills were worth.
        assert_eq!(p.fill(-3, Ticks(110)), 30);
        assert_eq!(p.size, 0);
    }

    #[test]
    fn reduce_and_flip() {
        let mut p = pos(5, 100);
        assert_eq!(p.fill(-2, Ticks(90)), -20);
        assert_eq!((p.size, p.entry), (3, Ticks(100)));
        // Sell 5 more: closes 3 (at a loss of 30) and opens a 2-lot short at 90.
        assert_eq!(p.fill(-5, Ticks(90)), -30);
        assert_eq!((p.size, p.entry), (-2, Ticks(90)));
    }

    #[test]
    fn margin_ratio() {
        let s = MarginState {
            equity: 400,
            maintenance: 300,
            notional: 10_000,
            positions: 1,
        };
        assert_eq!(s.margin_ratio_bps(), Some(7_500));
        assert!(!s.is_liquidatable());
        assert!(!s.is_below(crate::Ratio::new(2, 3)));
        let s = MarginState { equity: 199, ..s };
        assert!(s.is_liquidatable());
        assert!(s.is_below(crate::Ratio::new(2, 3)));
        assert_eq!(MarginState { equity: 0, ..s }.margin_ratio_bps(), None);
    }
}
