//! One side of the book: a dense array of price levels with a bitset of occupied levels.
//!
//! Level `i` holds price `base + i`. The array grows (in either direction, by at least half its
//! length) to take a new price, so every level access is an index, and the next occupied level
//! after the best empties is found by scanning 64 levels per word of the bitset. When a price
//! falls outside the array and growing would exceed [`MAX_SPAN`], the array is rebuilt around
//! the occupied levels and the new price, so a market whose price drifts far (a crash over
//! orders of magnitude) keeps quoting as long as its resting levels stay within the span.

use cascade_types::Side;

/// Sentinel for "no order" in the intrusive lists.
pub(crate) const NIL: u32 = u32::MAX;

/// Most levels one side may span (about 100 MB per side at the limit). Prices further apart
/// than this from the side's occupied levels are rejected.
pub(crate) const MAX_SPAN: usize = 1 << 22;

/// A price level: the FIFO queue of its orders (head = oldest) and its totals.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Level {
    pub total: u64,
    pub count: u32,
    pub head: u32,
    pub tail: u32,
}

const EMPTY: Level = Level {
    total: 0,
    count: 0,
    head: NIL,
    tail: NIL,
};

/// One side's levels.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    pub side: Side,
    base: i64,
    levels: Vec<Level>,
    occupied: Vec<u64>,
    /// Best occupied price.
    pub best: Option<i64>,
    /// Number of occupied levels.
    pub count: usize,
}

impl Ladder {
    pub fn new(side: Side) -> Self {
        Ladder {
            side,
            base: 0,
            levels: Vec::new(),
            occupied: Vec::new(),
            best: None,
            count: 0,
        }
    }

    /// `true` if `a` is a better price than `b` for this side.
    #[inline]
    pub fn better(&self, a: i64, b: i64) -> bool {
        match self.side {
            Side::Bid => a > b,
            Side::Ask => a < b,
        }
    }

    #[inline]
    fn index(&self, price: i64) -> Option<usize> {
        let i = price.checked_sub(self.base)?;
        (i >= 0 && (i as usize) < self.levels.len()).then_some(i as usize)
    }

    /// The level at `price`, if occupied.
    #[inline]
    pub fn get(&self, price: i64) -> Option<&Level> {
        let i = self.index(price)?;
        let l = &self.levels[i];
        (l.count > 0).then_some(l)
    }

    /// The level at `price` (occupied or not) for changing it; the caller keeps `mark`/`unmark`
    /// in step with its count.
    #[inline]
    pub fn get_mut(&mut self, price: i64) -> Option<&mut Level> {
        let i = self.index(price)?;
        Some(&mut self.levels[i])
    }

    /// `true` if the side can hold a level at `price` (growing or re-anchoring if needed):
    /// the price and every occupied level lie within [`MAX_SPAN`].
    pub fn can_hold(&self, price: i64) -> bool {
        if self.levels.is_empty() || self.index(price).is_some() {
            return true;
        }
        let Some((lo, hi)) = self.occupied_range() else {
            return true;
        };
        let lo = i128::from(lo.min(price));
        let hi = i128::from(hi.max(price));
        hi - lo < MAX_SPAN as i128
    }

    /// Lowest and highest occupied prices, if any (a scan of the bitset).
    fn occupied_range(&self) -> Option<(i64, i64)> {
        if self.count == 0 {
            return None;
        }
        let first = self.occupied.iter().position(|&w| w != 0)?;
        let last = self.occupied.iter().rposition(|&w| w != 0)?;
        let lo = first * 64 + self.occupied[first].trailing_zeros() as usize;
        let hi = last * 64 + 63 - self.occupied[last].leading_zeros() as usize;
        Some((self.base + lo as i64, self.base + hi as i64))
    }

    /// The level at `price`, growing the array to reach it. The caller checked [`Ladder::can_hold`].
    pub fn entry(&mut self, price: i64) -> &mut Level {
        if let Some(i) = self.index(price) {
            return &mut self.levels[i];
        }
        self.grow_to(price);
        let i = self.index(price).expect("grown to hold the price");
        &mut self.levels[i]
    }

    fn grow_to(&mut self, price: i64) {
        let len = self.levels.len();
        let top = self.base + len as i64 - 1;
        let span = i128::from(top.max(price)) - i128::from(self.base.min(price));
        // Rebuild around what rests rather than grow past the span, or past four times what
        // rests (a drifting price would otherwise leave a long tail of empty levels behind).
        let resting = self.occupied_range().map_or(0, |(lo, hi)| {
            i128::from(hi.max(price)) - i128::from(lo.min(price))
        });
        if !self.levels.is_empty() && (span >= MAX_SPAN as i128 || span > 4 * resting + 4096) {
            self.reanchor(price);
            return;
        }
        if self.levels.is_empty() {
            let n = 64;
            self.base = price.saturating_sub(n as i64 / 2);
            self.levels = vec![EMPTY; n];
            self.occupied = vec![0; n / 64];
            return;
        }
        let extra = (len / 2).max(64) as i64;
        // Room for the new price plus a margin on the side it lies, within MAX_SPAN.
        let (lo, hi) = if price < self.base {
            (price.saturating_sub(extra), top)
        } else {
            (self.base, price.saturating_add(extra))
        };
        let wanted = (i128::from(hi) - i128::from(lo) + 1) as u128;
        let new_len = (wanted.min(MAX_SPAN as u128) as usize)
            .next_multiple_of(64)
            .min(MAX_SPAN);
        let new_base = if price < self.base {
            top + 1 - new_len as i64
        } else {
            self.base
        };
        let shift = (self.base - new_base) as usize;
        let mut levels = vec![EMPTY; new_len];
        levels[shift..shift + len].copy_from_slice(&self.levels);
        self.levels = levels;
        self.base = new_base;
        self.occupied = vec![0; new_len / 64];
        for (i, l) in self.levels.iter().enumerate() {
            if l.count > 0 {
                self.occupied[i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// Rebuilds the array around the occupied levels and `price` (which [`Ladder::can_hold`]
    /// found within [`MAX_SPAN`] of them), with a margin on each side.
    fn reanchor(&mut self, price: i64) {
        let Some((lo, hi)) = self.occupied_range() else {
            self.levels.clear();
            self.occupied.clear();
            self.grow_to(price);
            return;
        };
        let (lo_all, hi_all) = (lo.min(price), hi.max(price));
        let used = (hi_all - lo_all + 1) as usize;
        let new_len = (used + used / 2 + 128).next_multiple_of(64).min(MAX_SPAN);
        let margin = ((new_len - used) / 2) as i64;
        let new_base = lo_all - margin;
        let mut levels = vec![EMPTY; new_len];
        let from = (lo - self.base) as usize;
        let to = (hi - self.base) as usize;
        let at = (lo - new_base) as usize;
        levels[at..at + (to - from + 1)].copy_from_slice(&self.levels[from..=to]);
        self.levels = levels;
        self.base = new_base;
        self.occupied = vec![0; new_len / 64];
        for (i, l) in self.levels.iter().enumerate() {
            if l.count > 0 {
                self.occupied[i / 64] |= 1 << (i % 64);
            }
        }
    }

    /// Records that the level at `price` just became occupied.
    pub fn mark(&mut self, price: i64) {
        let i = self.index(price).expect("marked level exists");
        self.occupied[i / 64] |= 1 << (i % 64);
        self.count += 1;
        if self.best.is_none_or(|b| self.better(price, b)) {
            self.best = Some(price);
        }
    }

    /// Records that the level at `price` just became empty.
    pub fn unmark(&mut self, price: i64) {
        let i = self.index(price).expect("unmarked level exists");
        self.occupied[i / 64] &= !(1 << (i % 64));
        self.count -= 1;
        if self.best == Some(price) {
            self.best = self.next_from(i, false).map(|j| self.base + j as i64);
        }
    }

    /// The first occupied index at or beyond `i` (if `inclusive`) in the side's priority
    /// direction: downwards for bids, upwards for asks.
    fn next_from(&self, i: usize, inclusive: bool) -> Option<usize> {
        match self.side {
            Side::Bid => {
                let start = if inclusive { i } else { i.checked_sub(1)? };
                let mut w = start / 64;
                let mut word = self.occupied[w] & (u64::MAX >> (63 - start % 64));
                loop {
                    if word != 0 {
                        return Some(w * 64 + 63 - word.leading_zeros() as usize);
                    }
                    w = w.checked_sub(1)?;
                    word = self.occupied[w];
                }
            }
            Side::Ask => {
                let start = if inclusive { i } else { i + 1 };
                let mut w = start / 64;
                if w >= self.occupied.len() {
                    return None;
                }
                let mut word = self.occupied[w] & (u64::MAX << (start % 64));
                loop {
                    if word != 0 {
                        return Some(w * 64 + word.trailing_zeros() as usize);
                    }
                    w += 1;
                    if w >= self.occupied.len() {
                        return None;
                    }
                    word = self.occupied[w];
                }
            }
        }
    }

    /// Occupied levels from the best outwards, as (price, level).
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Level)> + '_ {
        let mut cur = self.best.and_then(|b| self.index(b));
        std::iter::from_fn(move || {
            let i = cur?;
            cur = self.next_from(i, false);
            Some((self.base + i as i64, &self.levels[i]))
        })
    }

    /// Occupied prices in ascending order (for consistency checks): from the levels' counts,
    /// skipping 64 empty levels at a time where the bitset says so, and checking that the
    /// skipped levels really are empty only for words the bitset marks.
    pub fn prices_ascending(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.count);
        for (w, &word) in self.occupied.iter().enumerate() {
            if word == 0 {
                continue;
            }
            for i in w * 64..(w * 64 + 64).min(self.levels.len()) {
                if self.levels[i].count > 0 {
                    out.push(self.base + i as i64);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occupy(l: &mut Ladder, p: i64) {
        let lv = l.entry(p);
        lv.count += 1;
        lv.total += 1;
        if lv.count == 1 {
            l.mark(p);
        }
    }

    fn vacate(l: &mut Ladder, p: i64) {
        let lv = l.get_mut(p).unwrap();
        lv.count -= 1;
        lv.total -= 1;
        if lv.count == 0 {
            l.unmark(p);
        }
    }

    #[test]
    fn best_and_iteration_follow_the_side_across_growth() {
        let mut bids = Ladder::new(Side::Bid);
        for p in [1_000, 990, 1_200, 700, 5_000, -3] {
            occupy(&mut bids, p);
        }
        assert_eq!(bids.best, Some(5_000));
        let order: Vec<_> = bids.iter().map(|(p, _)| p).collect();
        assert_eq!(order, [5_000, 1_200, 1_000, 990, 700, -3]);
        vacate(&mut bids, 5_000);
        vacate(&mut bids, 1_200);
        assert_eq!(bids.best, Some(1_000));
        vacate(&mut bids, 1_000);
        vacate(&mut bids, 990);
        vacate(&mut bids, 700);
        assert_eq!(bids.best, Some(-3));
        vacate(&mut bids, -3);
        assert_eq!((bids.best, bids.count), (None, 0));

        let mut asks = Ladder::new(Side::Ask);
        for p in [64, 63, 128, 1, 100_000] {
            occupy(&mut asks, p);
        }
        let order: Vec<_> = asks.iter().map(|(p, _)| p).collect();
        assert_eq!(order, [1, 63, 64, 128, 100_000]);
        vacate(&mut asks, 1);
        vacate(&mut asks, 63);
        assert_eq!(asks.best, Some(64));
        assert_eq!(asks.prices_ascending(), [64, 128, 100_000]);
    }

    #[test]
    fn span_is_bounded() {
        let mut l = Ladder::new(Side::Ask);
        occupy(&mut l, 100);
        assert!(l.can_hold(100 + MAX_SPAN as i64 - 64));
        occupy(&mut l, 100 + MAX_SPAN as i64 - 64);
        assert_eq!(l.best, Some(100));
        assert!(!l.can_hold(100 + MAX_SPAN as i64));
        assert!(!l.can_hold(i64::MIN));
    }

    /// A price that drifts far: once the old levels are gone the side re-anchors around what
    /// rests, and iteration, best price and vacating keep working across the rebuild.
    #[test]
    fn the_side_reanchors_as_the_price_drifts() {
        let mut l = Ladder::new(Side::Bid);
        let step = MAX_SPAN as i64 / 3;
        let mut p = 10 * MAX_SPAN as i64;
        occupy(&mut l, p);
        for _ in 0..20 {
            let next = p - step;
            assert!(l.can_hold(next), "{next} within the span of {p}");
            occupy(&mut l, next);
            occupy(&mut l, next - 5);
            vacate(&mut l, p);
            if l.get(p + 5).is_some() {
                vacate(&mut l, p + 5);
            }
            p = next;
            assert_eq!(l.best, Some(p));
            let order: Vec<_> = l.iter().map(|(x, _)| x).collect();
            assert_eq!(order, [p, p - 5]);
            occupy(&mut l, p + 5);
            vacate(&mut l, p + 5);
            occupy(&mut l, p + 5);
            assert_eq!(l.prices_ascending(), [p - 5, p, p + 5]);
            vacate(&mut l, p - 5);
        }
        // Still bounded: resting levels MAX_SPAN apart are refused.
        assert!(!l.can_hold(p - MAX_SPAN as i64));
        assert!(l.levels.len() <= MAX_SPAN);
    }
}
