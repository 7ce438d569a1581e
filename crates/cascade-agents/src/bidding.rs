//! Priority-fee bids: what a liquidator offers the block builder to be ordered first.
//!
//! This module owns a liquidator's bidding rule and nothing else: the engine decides when the
//! bid matters (only under a priority-fee auction; see `cascade-engine`'s transaction
//! ordering) and moves the money. A bid is a fixed amount, a draw from a distribution (from the
//! liquidator's own `priority-fee/i` stream, so bidding shifts no other draw), or a share of the
//! expected profit above the liquidator's minimum, which leaves that minimum to the liquidator
//! whatever the share (a simple version of the "bid a fraction of the MEV" rule searchers use).

use cascade_des::StreamRng;
use cascade_des::dist::Dist;
use cascade_types::Quote;

/// How a liquidator sets the priority fee of a liquidation transaction.
#[derive(Clone, Debug, PartialEq)]
pub enum PriorityFee {
    /// Always this fee.
    Fixed(Quote),
    /// A fresh draw for every transaction, in USD, converted to quote atoms (rounded down)
    /// with `atoms_per_usd`.
    Drawn {
        /// The fee in USD.
        usd: Dist,
        /// Quote atoms per USD.
        atoms_per_usd: f64,
    },
    /// This share, in `[0, 1]`, of the expected profit (after gas) above the liquidator's
    /// minimum profit.
    ProfitShare(f64),
}

impl Default for PriorityFee {
    /// No fee.
    fn default() -> Self {
        PriorityFee::Fixed(Quote::ZERO)
    }
}

impl PriorityFee {
    /// `true` if the fee is known before the liquidator sizes its call (so it can keep that
    /// much cash aside), `false` if it depends on the expected profit.
    pub fn known_in_advance(&self) -> bool {
        !matches!(self, PriorityFee::ProfitShare(_))
    }

    /// The fee for a transaction expected to make `expected_profit` quote atoms after gas, for
    /// a liquidator whose minimum profit is `min_profit`. Draws from `rng` only for
    /// [`PriorityFee::Drawn`].
    pub fn bid(&self, expected_profit: i128, min_profit: Quote, rng: &mut StreamRng) -> Quote {
        match self {
            PriorityFee::Fixed(q) => *q,
            PriorityFee::Drawn { usd, atoms_per_usd } => {
                let atoms = (usd.sample(rng) * atoms_per_usd).floor();
                // Validation keeps the distribution's support within the integer units; the
                // clamp only guards against an unbounded tail (log-normal, exponential).
                Quote(if atoms >= u64::MAX as f64 {
                    u64::MAX
                } else {
                    atoms.max(0.0) as u64
                })
            }
            PriorityFee::ProfitShare(share) => {
                let surplus = expected_profit - i128::from(min_profit.0);
                if surplus <= 0 {
                    return Quote::ZERO;
                }
                // Exact for surpluses below 2^53 atoms (9e10 USD at 1e-5 USD per atom).
                let fee = (surplus as f64 * share).floor();
                Quote((fee as u64).min(u64::try_from(surplus).unwrap_or(u64::MAX)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_des::RngStreams;

    fn rng() -> StreamRng {
        RngStreams::new(1).stream("priority-fee", 0)
    }

    #[test]
    fn fixed_and_share_bids_by_hand() {
        let mut r = rng();
        assert_eq!(
            PriorityFee::Fixed(Quote(700)).bid(1_000, Quote(0), &mut r),
            Quote(700)
        );
        // 40% of (1,000 - 250) = 300.
        let share = PriorityFee::ProfitShare(0.4);
        assert_eq!(share.bid(1_000, Quote(250), &mut r), Quote(300));
        // Nothing above the minimum: no fee.
        assert_eq!(share.bid(200, Quote(250), &mut r), Quote(0));
        assert_eq!(share.bid(-5, Quote(0), &mut r), Quote(0));
        // A share of 1 bids the whole surplus.
        assert_eq!(
            PriorityFee::ProfitShare(1.0).bid(1_000, Quote(250), &mut r),
            Quote(750)
        );
        assert!(!share.known_in_advance());
        assert!(PriorityFee::default().known_in_advance());
    }

    /// A drawn fee stays within its distribution's support, in atoms, and the same stream gives
    /// the same bids.
    #[test]
    fn drawn_bids_stay_in_support_and_repeat() {
        let fee = PriorityFee::Drawn {
            usd: Dist::Uniform { lo: 1.0, hi: 3.0 },
            atoms_per_usd: 100_000.0,
        };
        let (mut a, mut b) = (rng(), rng());
        for _ in 0..100 {
            let x = fee.bid(0, Quote(0), &mut a);
            assert!((100_000..=300_000).contains(&x.0), "{x:?}");
            assert_eq!(x, fee.bid(0, Quote(0), &mut b));
        }
    }
}
