//! Accounts ordered by trigger price.

use cascade_types::{AccountId, Ticks};
use std::collections::BTreeSet;

/// Accounts keyed by the price below which they become liquidatable.
///
/// An oracle update at price `p` finds the liquidatable accounts, those with trigger `> p`, in
/// O(log n + k). Each account has at most one entry; [`TriggerIndex::set`] moves it.
#[derive(Clone, Debug, Default)]
pub struct TriggerIndex {
    by_trigger: BTreeSet<(i64, u32)>,
    trigger_of: Vec<Option<i64>>,
}

impl TriggerIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or with `None` removes) an account's trigger price.
    pub fn set(&mut self, account: AccountId, trigger: Option<Ticks>) {
        let i = account.index();
        if i >= self.trigger_of.len() {
            self.trigger_of.resize(i + 1, None);
        }
        if let Some(old) = self.trigger_of[i].take() {
            self.by_trigger.remove(&(old, account.0));
        }
        if let Some(t) = trigger {
            self.by_trigger.insert((t.0, account.0));
            self.trigger_of[i] = Some(t.0);
        }
    }

    /// The account's trigger price, if it has debt.
    pub fn trigger(&self, account: AccountId) -> Option<Ticks> {
        self.trigger_of
            .get(account.index())
            .copied()
            .flatten()
            .map(Ticks)
    }

    /// Accounts liquidatable at `price`, the most under water (highest trigger) first.
    pub fn liquidatable_at(&self, price: Ticks) -> impl Iterator<Item = AccountId> + '_ {
        self.by_trigger
            .range((price.0.saturating_add(1), 0)..)
            .rev()
            .map(|&(_, a)| AccountId(a))
    }

    /// Accounts liquidatable at `price` but not at `safe_at` (trigger in `(price, safe_at]`),
    /// the highest trigger first: those within a buffer above their trigger at `safe_at`.
    /// Empty when `safe_at <= price`.
    pub fn liquidatable_between(
        &self,
        price: Ticks,
        safe_at: Ticks,
    ) -> impl Iterator<Item = AccountId> + '_ {
        let lo = (price.0.saturating_add(1), 0);
        let hi = (safe_at.0.saturating_add(1), 0);
        let range = if lo < hi {
            self.by_trigger.range(lo..hi)
        } else {
            self.by_trigger.range(lo..lo)
        };
        range.rev().map(|&(_, a)| AccountId(a))
    }

    /// `true` if any account is liquidatable at `price`.
    pub fn any_liquidatable_at(&self, price: Ticks) -> bool {
        self.by_trigger.last().is_some_and(|&(t, _)| t > price.0)
    }

    /// Number of accounts with a trigger price.
    pub fn len(&self) -> usize {
        self.by_trigger.len()
    }

    /// `true` if no account has a trigger price.
    pub fn is_empty(&self) -> bool {
        self.by_trigger.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_queries_return_triggered_accounts_worst_first() {
        let mut idx = TriggerIndex::new();
        idx.set(AccountId(0), Some(Ticks(100)));
        idx.set(AccountId(1), Some(Ticks(120)));
        idx.set(AccountId(2), Some(Ticks(90)));
        idx.set(AccountId(3), Some(Ticks(101)));
        let at = |idx: &TriggerIndex, p| {
            idx.liquidatable_at(Ticks(p))
                .map(|a| a.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(at(&idx, 100), [1, 3]); // trigger 100 means safe at exactly 100
        assert_eq!(at(&idx, 99), [1, 3, 0]);
        assert!(!idx.any_liquidatable_at(Ticks(120)));
        assert!(idx.any_liquidatable_at(Ticks(119)));
        idx.set(AccountId(1), Some(Ticks(50)));
        idx.set(AccountId(3), None);
        assert_eq!(at(&idx, 99), [0]);
        assert_eq!(idx.trigger(AccountId(1)), Some(Ticks(50)));
        assert_eq!(idx.trigger(AccountId(3)), None);
        assert_eq!(idx.len(), 3);
    }

    /// Triggers 90, 100, 101, 120: between 99 and 101 are the accounts with triggers 100 and
    /// 101 (liquidatable at 99, safe at 101); an empty or reversed range gives none.
    #[test]
    fn between_gives_triggers_in_the_half_open_range() {
        let mut idx = TriggerIndex::new();
        for (a, t) in [(0, 100), (1, 120), (2, 90), (3, 101)] {
            idx.set(AccountId(a), Some(Ticks(t)));
        }
        let between = |lo, hi| {
            idx.liquidatable_between(Ticks(lo), Ticks(hi))
                .map(|a| a.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(between(99, 101), [3, 0]);
        assert_eq!(between(99, 100), [0]);
        assert_eq!(between(100, 119), [3]);
        assert_eq!(between(89, 200), [1, 3, 0, 2]);
        assert!(between(101, 101).is_empty());
        assert!(between(120, 50).is_empty());
    }
}
