//! The trigger index of a perp venue: every open trader account by its exact liquidation price.
//!
//! Longs are keyed by the highest mark at which they are liquidatable, shorts by the lowest, so
//! the accounts past a mark are two range queries, O(log n + k). Keys come from the venue's own
//! margin test, not from a formula beside it: Hyperliquid's estimate
//! (`PerpVenue::liquidation_price`) is taken when the test confirms it is the boundary, else a
//! binary search over ticks finds it. This is exact for any tier table because, for one
//! position, `equity - maintenance` is monotone in the mark: equity moves by the size per tick,
//! the requirement by at most the size times a rate below one.

use crate::perps::PERP_MARKET;
use cascade_perp::{MAX_TICKS, PerpVenue, Scope};
use cascade_types::{AccountId, Ticks};
use std::collections::BTreeSet;

/// Where an account sits in the trigger index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Trigger {
    /// A long, liquidatable at marks at or below this tick.
    Below(i64),
    /// A short, liquidatable at marks at or above this tick.
    Above(i64),
}

/// The venue's exact trigger for account `id`'s position in the perp market (its only
/// position), `None` if it has none or can never be liquidated. `hint` is a candidate boundary
/// (Hyperliquid's estimate), used if the margin test confirms it.
pub(super) fn trigger_of(venue: &PerpVenue, id: AccountId, hint: Option<Ticks>) -> Option<Trigger> {
    let size = venue.account(id).ok()?.position(PERP_MARKET)?.size;
    let liq = |m: i64| {
        venue
            .margin_state(id, Scope::Cross, &[Ticks(m)])
            .is_ok_and(|s| s.is_liquidatable())
    };
    let max = MAX_TICKS;
    if size > 0 {
        // Liquidatable exactly at marks <= k: the largest k with liq(k).
        if let Some(h) = hint.map(|h| h.0)
            && (1..max).contains(&h)
            && liq(h)
            && !liq(h + 1)
        {
            return Some(Trigger::Below(h));
        }
        if !liq(1) {
            return None;
        }
        if liq(max) {
            return Some(Trigger::Below(max));
        }
        let (mut lo, mut hi) = (1, max); // liq(lo), !liq(hi)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if liq(mid) { lo = mid } else { hi = mid }
        }
        Some(Trigger::Below(lo))
    } else if size < 0 {
        // Liquidatable exactly at marks >= k: the smallest k with liq(k).
        if let Some(h) = hint.map(|h| h.0)
            && (2..=max).contains(&h)
            && liq(h)
            && !liq(h - 1)
        {
            return Some(Trigger::Above(h));
        }
        if !liq(max) {
            return None;
        }
        if liq(1) {
            return Some(Trigger::Above(1));
        }
        let (mut lo, mut hi) = (1, max); // !liq(lo), liq(hi)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if liq(mid) { hi = mid } else { lo = mid }
        }
        Some(Trigger::Above(hi))
    } else {
        None
    }
}

/// Trader accounts by liquidation price.
pub(super) struct TriggerIndex {
    /// `(highest liquidatable mark, account)` of every long.
    longs: BTreeSet<(i64, u32)>,
    /// `(lowest liquidatable mark, account)` of every short.
    shorts: BTreeSet<(i64, u32)>,
    /// Each account's place in `longs` or `shorts`.
    triggers: Vec<Option<Trigger>>,
}

impl TriggerIndex {
    /// An empty index for accounts `0..n`.
    pub(super) fn new(n: usize) -> TriggerIndex {
        TriggerIndex {
            longs: BTreeSet::new(),
            shorts: BTreeSet::new(),
            triggers: vec![None; n],
        }
    }

    /// Where account `id` sits, if anywhere.
    pub(super) fn trigger(&self, id: AccountId) -> Option<Trigger> {
        self.triggers.get(id.index()).copied().flatten()
    }

    /// Moves account `id` to its current place, given the venue as it is now (`mark` is where
    /// Hyperliquid's estimate is taken, for the hint).
    pub(super) fn update(&mut self, venue: &PerpVenue, id: AccountId, mark: Ticks) {
        let i = id.index();
        match self.triggers[i].take() {
            Some(Trigger::Below(k)) => {
                self.longs.remove(&(k, id.0));
            }
            Some(Trigger::Above(k)) => {
                self.shorts.remove(&(k, id.0));
            }
            None => {}
        }
        let hint = venue
            .liquidation_price(id, PERP_MARKET, &[mark])
            .ok()
            .flatten();
        let t = trigger_of(venue, id, hint);
        match t {
            Some(Trigger::Below(k)) => {
                self.longs.insert((k, id.0));
            }
            Some(Trigger::Above(k)) => {
                self.shorts.insert((k, id.0));
            }
            None => {}
        }
        self.triggers[i] = t;
    }

    /// The accounts liquidatable at `mark`: longs from the highest trigger down, then shorts
    /// from the lowest up (the most distressed first); equal triggers by descending account id
    /// for longs, ascending for shorts.
    pub(super) fn past(&self, mark: Ticks) -> Vec<AccountId> {
        let m = mark.0;
        self.longs
            .range((m, 0)..)
            .rev()
            .chain(self.shorts.range(..=(m, u32::MAX)))
            .map(|&(_, a)| AccountId(a))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_des::RngStreams;
    use cascade_perp::{MarginTable, VenueParams};
    use cascade_types::Quote;
    use rand_chacha::rand_core::Rng;

    const USD: u64 = 100_000;

    /// 300 accounts with random sizes (long or short), collateral and entries, on a two-tier
    /// table (the tier boundary moves the boundary away from any one-tier estimate).
    fn venue() -> (PerpVenue, Vec<AccountId>) {
        let table =
            MarginTable::hyperliquid(&[(Quote(0), 40), (Quote(500_000 * USD), 10)]).unwrap();
        let mut v = PerpVenue::new(
            VenueParams::hyperliquid(Quote(USD)),
            vec![table],
            Quote(0),
            Quote(0),
        );
        let mut rng = RngStreams::new(3).stream("test", 0);
        let mut ids = Vec::new();
        for _ in 0..300 {
            let collateral = Quote(rng.next_u64() % (200_000 * USD));
            let id = v.open_account(collateral);
            let lots = 1 + (rng.next_u64() % 2_000_000) as i64;
            let size = if rng.next_u64().is_multiple_of(2) {
                lots
            } else {
                -lots
            };
            let entry = Ticks(150_000 + (rng.next_u64() % 100_000) as i64);
            v.apply_fill(id, PERP_MARKET, size, entry).unwrap();
            ids.push(id);
        }
        (v, ids)
    }

    /// The trigger found is the exact boundary of the venue's margin test, with a right hint,
    /// no hint or a wrong one.
    #[test]
    fn trigger_is_the_exact_liquidation_boundary() {
        let (v, ids) = venue();
        let liq = |v: &PerpVenue, id, m: i64| {
            v.margin_state(id, Scope::Cross, &[Ticks(m)])
                .unwrap()
                .is_liquidatable()
        };
        let mut found = 0;
        for &id in &ids {
            let hint = v
                .liquidation_price(id, PERP_MARKET, &[Ticks(200_000)])
                .unwrap();
            let with = trigger_of(&v, id, hint);
            let without = trigger_of(&v, id, None);
            let wrong = trigger_of(&v, id, Some(Ticks(123_456)));
            assert_eq!(with, without);
            assert_eq!(with, wrong, "a wrong hint is not taken");
            match with {
                Some(Trigger::Below(k)) => {
                    assert!(liq(&v, id, k) && !liq(&v, id, k + 1));
                    found += 1;
                }
                Some(Trigger::Above(k)) => {
                    assert!(liq(&v, id, k) && (k == 1 || !liq(&v, id, k - 1)));
                    found += 1;
                }
                None => {
                    let size = v.account(id).unwrap().position(PERP_MARKET).unwrap().size;
                    assert!(if size > 0 {
                        !liq(&v, id, 1)
                    } else {
                        !liq(&v, id, MAX_TICKS)
                    });
                }
            }
        }
        assert!(found > 250, "{found} of 300 accounts can be liquidated");
    }

    /// At every mark the index lists exactly the accounts the venue's full scan finds
    /// liquidatable, also after positions change and are re-indexed.
    #[test]
    fn past_the_mark_is_the_venue_scan() {
        let (mut v, ids) = venue();
        let mut index = TriggerIndex::new(v.accounts().len());
        for &id in &ids {
            index.update(&v, id, Ticks(200_000));
        }
        let same = |v: &PerpVenue, index: &TriggerIndex| {
            for m in (50_000..400_000).step_by(2_503) {
                let mut listed = index.past(Ticks(m));
                listed.sort();
                let scan: Vec<AccountId> = v
                    .liquidatable(&[Ticks(m)])
                    .unwrap()
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect();
                assert_eq!(listed, scan, "mark {m}");
            }
        };
        same(&v, &index);
        // Halve every third position at its entry and close every seventh.
        for (k, &id) in ids.iter().enumerate() {
            let p = *v.account(id).unwrap().position(PERP_MARKET).unwrap();
            let q = match (k % 3, k % 7) {
                (_, 0) => -p.size,
                (0, _) if p.size.abs() > 1 => -p.size / 2,
                _ => continue,
            };
            v.apply_fill(id, PERP_MARKET, q, p.entry).unwrap();
            index.update(&v, id, Ticks(200_000));
        }
        same(&v, &index);
        assert!(
            index.trigger(ids[0]).is_none(),
            "closed accounts leave the index"
        );
    }
}
