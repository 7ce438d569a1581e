//! Backstop liquidation through the liquidator vault.
//!
//! Hyperliquid ("Liquidations"): "If the account equity drops below 2/3 of the maintenance margin
//! without successful liquidation through the book, a backstop liquidation happens through the
//! liquidator vault. When a cross position is backstop liquidated, the trader's cross positions
//! and cross margin are all transferred to the liquidator. In particular, if the trader has no
//! isolated positions, the trader ends up with zero account equity. When an isolated position is
//! backstop liquidated, that isolated position and isolated margin are transferred to the
//! liquidator. The user's cross margin and positions are untouched. ... the maintenance margin is
//! not returned to the user. This is because the liquidator vault requires a buffer to make sure
//! backstop liquidations are profitable on average." HIP-3 and Hotstuff docs add that ADL "may
//! also be triggered if the backstop vault lacks sufficient capital to take over".
//!
//! Model: the vault is account [`PerpVenue::VAULT`], cross-margined. A transfer moves each
//! position of the scope to the vault at the mark (the account closes at the mark, the vault
//! opens or adds at the mark: equal value to moving the cost basis, and exact), then moves the
//! scope's collateral, which is by then its equity at the mark. The vault takes a scope only if
//! the scope's equity is not negative and the vault's own equity stays at or above its own
//! maintenance requirement afterwards ("sufficient capital"). The vault is never liquidated by
//! the venue; the caller unwinds its positions with [`PerpVenue::apply_fill`].

use crate::account::Scope;
use crate::error::PerpError;
use crate::event::Event;
use crate::venue::PerpVenue;
use cascade_types::{AccountId, Ticks};

impl PerpVenue {
    /// `true` if the vault would take over `scope` of account `id` at `marks` now.
    pub fn backstop_accepts(
        &self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
    ) -> Result<bool, PerpError> {
        if id == Self::VAULT {
            return Err(PerpError::VaultNotLiquidatable);
        }
        let st = self.margin_state(id, scope, marks)?;
        if st.equity < 0 || st.positions == 0 {
            return Ok(false);
        }
        let acc = &self.accounts[id.index()];
        let mut vault = self.accounts[Self::VAULT.index()].clone();
        for p in acc.scope_positions(scope).filter(|p| p.size != 0) {
            vault.fill(p.market, p.size, marks[p.market.index()]);
        }
        vault.collateral += st.equity;
        vault.remove_flat();
        Ok(!self.state_of(&vault, Scope::Cross, marks).is_liquidatable())
    }

    /// Moves the scope's positions and collateral to the vault (checks done by the caller).
    pub(crate) fn backstop_transfer(
        &mut self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
    ) -> Vec<Event> {
        let moved: Vec<(crate::MarketId, i64)> = self.accounts[id.index()]
            .scope_positions(scope)
            .filter(|p| p.size != 0)
            .map(|p| (p.market, p.size))
            .collect();
        for &(market, size) in &moved {
            let mark = marks[market.index()];
            self.accounts[id.index()].fill(market, -size, mark);
            self.accounts[Self::VAULT.index()].fill(market, size, mark);
        }
        let acc = &mut self.accounts[id.index()];
        let collateral = acc.scope_collateral(scope).unwrap_or(0);
        acc.set_scope_collateral(scope, 0);
        acc.remove_flat();
        let vault = &mut self.accounts[Self::VAULT.index()];
        vault.collateral += collateral;
        vault.remove_flat();
        self.totals.backstop_transfers += 1;
        vec![Event::BackstopTransfer {
            account: id,
            scope,
            positions: moved,
            collateral,
        }]
    }
}
