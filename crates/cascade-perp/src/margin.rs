//! Margin tiers: the maintenance margin of a position as a function of its notional.
//!
//! Every venue modelled here uses the same "tax bracket" rule (Binance calls the deduction the
//! maintenance amount or `cum`, Bybit the MM deduction, Hyperliquid the maintenance deduction):
//!
//! ```text
//! MM = notional * mmr_n - deduction_n            for the tier n with lowerBound_n <= notional
//! deduction_0 = 0
//! deduction_n = deduction_{n-1} + lowerBound_n * (mmr_n - mmr_{n-1})
//! ```
//!
//! which equals charging each slice of the notional at the rate of the bracket it falls in, so the
//! requirement is continuous in the notional.
//!
//! Sources:
//! - Hyperliquid, <https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers>: the
//!   formula above, and `maintenance_margin_rate(tier n) = (initial margin rate at max leverage of
//!   tier n) / 2`, i.e. `1 / (2 * maxLeverage)`; mainnet BTC 40x up to 150M USDC then 20x, ETH 25x
//!   up to 100M then 15x, SOL 20x up to 70M then 10x (also `reference/mechanisms.md` §4).
//! - Binance USDⓈ-M `GET /fapi/v1/leverageBracket`: brackets with `notionalFloor`,
//!   `maintMarginRatio` and `cum` ("auxiliary number for quick calculation"), and
//!   `MM = notional * maintMarginRatio - cum` (Binance "Leverage & Margin" page).
//! - Bybit, "Maintenance Margin (USDT Contract)": "any excess beyond a particular tier is subject
//!   to the calculation based on the MMR of the new tier".
//!
//! Rates are exact fractions over one common denominator per table (Hyperliquid's `1 / (2 * 15)`
//! is not a whole number of basis points), deductions are kept exactly, and the requirement is
//! rounded up to a whole quote atom, in the venue's favour.

use cascade_types::{Quote, mul_div_ceil, mul_div_floor};
use thiserror::Error;

/// A non-negative fraction `num / den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    /// Numerator.
    pub num: u64,
    /// Denominator (a zero denominator is refused where a ratio is used).
    pub den: u64,
}

impl Ratio {
    /// Zero.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };

    /// `num / den`.
    pub const fn new(num: u64, den: u64) -> Ratio {
        Ratio { num, den }
    }

    /// A fraction given in basis points (10_000 = 100%).
    pub const fn from_bps(bps: u32) -> Ratio {
        Ratio {
            num: bps as u64,
            den: 10_000,
        }
    }

    /// `value * num / den` rounded up; `None` if `den` is zero or the result overflows.
    pub fn mul_ceil(self, value: u128) -> Option<u128> {
        mul_div_ceil(value, u128::from(self.num), u128::from(self.den))
    }

    /// `value * num / den` rounded down; `None` if `den` is zero or the result overflows.
    pub fn mul_floor(self, value: u128) -> Option<u128> {
        mul_div_floor(value, u128::from(self.num), u128::from(self.den))
    }
}

/// One bracket of a [`MarginTable`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    /// Notional (quote atoms at the mark) from which this tier applies.
    pub lower_bound: u128,
    /// Maintenance margin rate as a numerator over [`MarginTable::den`].
    pub mmr_num: u64,
    /// Maintenance deduction times [`MarginTable::den`] (kept exact).
    pub deduction_scaled: u128,
    /// Highest leverage the tier allows, where the table was built from leverages.
    pub max_leverage: Option<u32>,
}

/// Why a margin table is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum TableError {
    /// No tiers.
    #[error("a margin table needs at least one tier")]
    Empty,
    /// The first tier must start at a notional of zero.
    #[error("the first tier must start at notional 0")]
    FirstBoundNotZero,
    /// Lower bounds must increase strictly.
    #[error("tier {0} does not start above the previous tier")]
    BoundsNotIncreasing(usize),
    /// Rates must not decrease from one tier to the next.
    #[error("tier {0} has a lower maintenance rate than the tier before it")]
    RateDecreasing(usize),
    /// A rate above 100%.
    #[error("tier {0} has a maintenance rate above 100%")]
    RateAboveOne(usize),
    /// A leverage of zero.
    #[error("tier {0} has a max leverage of 0")]
    ZeroLeverage(usize),
    /// The common denominator is zero or exceeds `u32::MAX`.
    #[error("the rate denominator must be between 1 and u32::MAX")]
    BadDenominator,
}

/// Maintenance margin brackets of one market.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarginTable {
    den: u64,
    tiers: Vec<Tier>,
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl MarginTable {
    /// A table from `(lower bound, rate numerator)` rows over the denominator `den`.
    pub fn new(den: u64, rows: &[(Quote, u64)]) -> Result<MarginTable, TableError> {
        let rows: Vec<(Quote, u64, Option<u32>)> =
            rows.iter().map(|&(b, n)| (b, n, None)).collect();
        Self::build(den, &rows)
    }

    /// Binance/Bybit style: `(lower bound, maintenance rate in basis points)` rows.
    pub fn from_bps(rows: &[(Quote, u32)]) -> Result<MarginTable, TableError> {
        let rows: Vec<(Quote, u64, Option<u32>)> = rows
            .iter()
            .map(|&(b, bps)| (b, u64::from(bps), None))
            .collect();
        Self::build(10_000, &rows)
    }

    /// Hyperliquid style: `(lower bound, max leverage)` rows; the maintenance rate of a tier is
    /// half the initial margin rate at its max leverage, `1 / (2 * maxLeverage)`.
    pub fn hyperliquid(rows: &[(Quote, u32)]) -> Result<MarginTable, TableError> {
        let mut den: u64 = 1;
        for (i, &(_, lev)) in rows.iter().enumerate() {
            if lev == 0 {
                return Err(TableError::ZeroLeverage(i));
            }
            let d = 2 * u64::from(lev);
            den = den / gcd(den, d) * d;
            if den > u64::from(u32::MAX) {
                return Err(TableError::BadDenominator);
            }
        }
        let rows: Vec<(Quote, u64, Option<u32>)> = rows
            .iter()
            .map(|&(b, lev)| (b, den / (2 * u64::from(lev)), Some(lev)))
            .collect();
        Self::build(den, &rows)
    }

    /// One tier at a flat rate for every notional (a single-bracket Hyperliquid asset).
    pub fn flat_hyperliquid(max_leverage: u32) -> Result<MarginTable, TableError> {
        Self::hyperliquid(&[(Quote(0), max_leverage)])
    }

    fn build(den: u64, rows: &[(Quote, u64, Option<u32>)]) -> Result<MarginTable, TableError> {
        if den == 0 || den > u64::from(u32::MAX) {
            return Err(TableError::BadDenominator);
        }
        if rows.is_empty() {
            return Err(TableError::Empty);
        }
        if rows[0].0 != Quote(0) {
            return Err(TableError::FirstBoundNotZero);
        }
        let mut tiers: Vec<Tier> = Vec::with_capacity(rows.len());
        for (i, &(bound, num, lev)) in rows.iter().enumerate() {
            if num > den {
                return Err(TableError::RateAboveOne(i));
            }
            let lower_bound = u128::from(bound.0);
            let deduction_scaled = match tiers.last() {
                None => 0,
                Some(prev) => {
                    if lower_bound <= prev.lower_bound {
                        return Err(TableError::BoundsNotIncreasing(i));
                    }
                    if num < prev.mmr_num {
                        return Err(TableError::RateDecreasing(i));
                    }
                    // deduction_n = deduction_{n-1} + lowerBound_n * (mmr_n - mmr_{n-1}),
                    // everything times `den`: at most 2^64 * 2^32 per tier.
                    prev.deduction_scaled + lower_bound * u128::from(num - prev.mmr_num)
                }
            };
            tiers.push(Tier {
                lower_bound,
                mmr_num: num,
                deduction_scaled,
                max_leverage: lev,
            });
        }
        Ok(MarginTable { den, tiers })
    }

    /// The common denominator of the rates.
    pub fn den(&self) -> u64 {
        self.den
    }

    /// The tiers, lowest first.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// Index of the tier that applies to `notional` (the last whose lower bound is at most it).
    pub fn tier_index(&self, notional: u128) -> usize {
        self.tiers
            .partition_point(|t| t.lower_bound <= notional)
            .saturating_sub(1)
    }

    /// The maintenance rate of a tier as a [`Ratio`].
    pub fn rate(&self, tier: usize) -> Option<Ratio> {
        self.tiers
            .get(tier)
            .map(|t| Ratio::new(t.mmr_num, self.den))
    }

    /// The maintenance deduction of a tier in quote atoms, rounded down (exact whenever the
    /// venue publishes it as a whole amount).
    pub fn deduction(&self, tier: usize) -> Option<u128> {
        self.tiers
            .get(tier)
            .map(|t| t.deduction_scaled / u128::from(self.den))
    }

    /// Maintenance margin of a position of `notional` quote atoms at the mark:
    /// `notional * mmr_n - deduction_n`, rounded up to a whole atom.
    pub fn maintenance_margin(&self, notional: u128) -> u128 {
        let t = &self.tiers[self.tier_index(notional)];
        // Positions are capped (see `crate::MAX_LOTS`, `crate::MAX_TICKS`) so the notional is
        // below 2^94 and the product below 2^126; saturate rather than wrap all the same.
        let scaled = notional
            .saturating_mul(u128::from(t.mmr_num))
            .saturating_sub(t.deduction_scaled);
        scaled.div_ceil(u128::from(self.den))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quote atoms per USD in these tests: 0.01 USD ticks and 0.001 BTC lots make one atom
    /// 1e-5 USD (the convention of the other cascade crates).
    const USD: u64 = 100_000;

    /// Binance's leverage-bracket example for BTCUSDT: 0-50k at 0.40% (cum 0), 50k-250k at
    /// 0.50% (cum 50), 250k-1M at 1.00% (cum 1,300).
    fn binance_btc() -> MarginTable {
        MarginTable::from_bps(&[
            (Quote(0), 40),
            (Quote(50_000 * USD), 50),
            (Quote(250_000 * USD), 100),
        ])
        .unwrap()
    }

    /// The recurrence reproduces Binance's published `cum` values:
    /// 50,000 * (0.5% - 0.4%) = 50 USDT; 50 + 250,000 * (1% - 0.5%) = 1,300 USDT.
    #[test]
    fn deductions_match_binance_cum() {
        let t = binance_btc();
        assert_eq!(t.deduction(0), Some(0));
        assert_eq!(t.deduction(1), Some(u128::from(50 * USD)));
        assert_eq!(t.deduction(2), Some(u128::from(1_300 * USD)));
    }

    /// Maintenance margin in each bracket, by hand:
    /// - 40,000 USDT: 0.4% = 160 USDT;
    /// - 100,000 USDT: 0.5% * 100,000 - 50 = 450 USDT
    ///   (= 50,000 * 0.4% + 50,000 * 0.5% = 200 + 250);
    /// - 400,000 USDT: 1% * 400,000 - 1,300 = 2,700 USDT
    ///   (= 200 + 200,000 * 0.5% + 150,000 * 1% = 200 + 1,000 + 1,500).
    #[test]
    fn maintenance_in_each_binance_bracket() {
        let t = binance_btc();
        let mm = |usd: u64| t.maintenance_margin(u128::from(usd * USD));
        assert_eq!(mm(40_000), u128::from(160 * USD));
        assert_eq!(mm(100_000), u128::from(450 * USD));
        assert_eq!(mm(400_000), u128::from(2_700 * USD));
    }

    /// At each bound both tiers' formulas give the same requirement: at 50,000 USDT,
    /// 0.4% * 50,000 = 200 and 0.5% * 50,000 - 50 = 200; at 250,000 USDT,
    /// 0.5% * 250,000 - 50 = 1,200 and 1% * 250,000 - 1,300 = 1,200. One atom below a bound the
    /// lower tier's rate applies: 200 USDT - 0.4% of one atom, rounded up, is 200 USDT exactly.
    #[test]
    fn deduction_makes_the_requirement_continuous() {
        let t = binance_btc();
        let b1 = u128::from(50_000 * USD);
        let b2 = u128::from(250_000 * USD);
        assert_eq!(t.tier_index(b1 - 1), 0);
        assert_eq!(t.tier_index(b1), 1);
        assert_eq!(t.maintenance_margin(b1), u128::from(200 * USD));
        assert_eq!(t.maintenance_margin(b1 - 1), u128::from(200 * USD));
        assert_eq!(t.maintenance_margin(b2), u128::from(1_200 * USD));
        assert_eq!(t.maintenance_margin(b2 - 1), u128::from(1_200 * USD));
        // Monotone and continuous across a whole sweep: each step of 1,000 atoms raises the
        // requirement by at most 1% of 1,000 atoms (plus one atom of rounding).
        let mut prev = 0;
        for k in 0..400u128 {
            let n = k * 1_000 * u128::from(USD);
            let m = t.maintenance_margin(n);
            assert!(m >= prev);
            assert!(m - prev <= 10 * u128::from(USD) + 1);
            prev = m;
        }
    }

    /// Hyperliquid mainnet BTC: 40x up to 150M USDC, then 20x. MM rates 1/80 = 1.25% and
    /// 1/40 = 2.5%; deduction of tier 1 = 150M * (2.5% - 1.25%) = 1.875M USDC.
    /// At 200M: 2.5% * 200M - 1.875M = 3.125M (= 150M / 80 + 50M / 40 = 1.875M + 1.25M).
    /// At 1M: 1.25% = 12,500.
    #[test]
    fn hyperliquid_btc_tiers() {
        const M: u64 = 1_000_000 * USD;
        let t = MarginTable::hyperliquid(&[(Quote(0), 40), (Quote(150 * M), 20)]).unwrap();
        assert_eq!(t.den(), 80);
        assert_eq!(t.rate(0), Some(Ratio::new(1, 80)));
        assert_eq!(t.rate(1), Some(Ratio::new(2, 80)));
        // Maintenance = half the initial margin at max leverage: 2 * mmr = 1 / L.
        for tier in t.tiers() {
            assert_eq!(
                2 * tier.mmr_num * u64::from(tier.max_leverage.unwrap()),
                t.den()
            );
        }
        assert_eq!(t.deduction(1), Some(u128::from(1_875_000 * USD)));
        assert_eq!(
            t.maintenance_margin(u128::from(200 * M)),
            u128::from(3_125_000 * USD)
        );
        assert_eq!(
            t.maintenance_margin(u128::from(M)),
            u128::from(12_500 * USD)
        );
    }

    /// ETH: 25x up to 100M, then 15x: rates 1/50 = 2% and 1/30 = 3.333...%, over the common
    /// denominator lcm(50, 30) = 150 (3/150 and 5/150). Deduction = 100M * (5 - 3) / 150 =
    /// 1,333,333.33 USDC. At 130M: 130M * 5/150 - 100M * 2/150 = (650M - 200M) / 150 = 3M USDC
    /// exactly (= 100M * 2% + 30M / 30 = 2M + 1M).
    #[test]
    fn hyperliquid_eth_tiers_with_a_non_decimal_rate() {
        const M: u64 = 1_000_000 * USD;
        let t = MarginTable::hyperliquid(&[(Quote(0), 25), (Quote(100 * M), 15)]).unwrap();
        assert_eq!(t.den(), 150);
        assert_eq!(t.rate(1), Some(Ratio::new(5, 150)));
        assert_eq!(
            t.maintenance_margin(u128::from(130 * M)),
            u128::from(3_000_000 * USD)
        );
        // One USDC of notional in the 15x tier costs 1/30 USDC = 3,333.33 atoms, rounded up.
        assert_eq!(
            t.maintenance_margin(u128::from(130 * M + USD)),
            u128::from(3_000_000 * USD) + 3_334
        );
    }

    /// Bybit's tier illustration (XYZUSDT): 2% up to 1,000, 2.5% to 2,000, 3% to 3,000, 3.5% to
    /// 4,000, 4% to 5,000. A 3,500 USDT position: 1,000 * 2% + 1,000 * 2.5% + 1,000 * 3% +
    /// 500 * 3.5% = 20 + 25 + 30 + 17.5 = 92.5 USDT; with the deduction, 3.5% * 3,500 - 30 =
    /// 122.5 - 30 (deduction = 1,000 * 0.5% + 2,000 * 0.5% + 3,000 * 0.5% = 5 + 10 + 15).
    #[test]
    fn bybit_tier_illustration() {
        let t = MarginTable::from_bps(&[
            (Quote(0), 200),
            (Quote(1_000 * USD), 250),
            (Quote(2_000 * USD), 300),
            (Quote(3_000 * USD), 350),
            (Quote(4_000 * USD), 400),
        ])
        .unwrap();
        assert_eq!(t.deduction(3), Some(u128::from(30 * USD)));
        assert_eq!(
            t.maintenance_margin(u128::from(3_500 * USD)),
            u128::from(92 * USD + USD / 2)
        );
    }

    #[test]
    fn bad_tables_are_refused() {
        assert_eq!(MarginTable::from_bps(&[]), Err(TableError::Empty));
        assert_eq!(
            MarginTable::from_bps(&[(Quote(1), 50)]),
            Err(TableError::FirstBoundNotZero)
        );
        assert_eq!(
            MarginTable::from_bps(&[(Quote(0), 50), (Quote(0), 60)]),
            Err(TableError::BoundsNotIncreasing(1))
        );
        assert_eq!(
            MarginTable::from_bps(&[(Quote(0), 50), (Quote(10), 40)]),
            Err(TableError::RateDecreasing(1))
        );
        assert_eq!(
            MarginTable::from_bps(&[(Quote(0), 10_001)]),
            Err(TableError::RateAboveOne(0))
        );
        assert_eq!(
            MarginTable::hyperliquid(&[(Quote(0), 0)]),
            Err(TableError::ZeroLeverage(0))
        );
        assert_eq!(
            MarginTable::new(0, &[(Quote(0), 0)]),
            Err(TableError::BadDenominator)
        );
    }

    #[test]
    fn ratio_rounding() {
        let r = Ratio::new(1, 3);
        assert_eq!(r.mul_floor(10), Some(3));
        assert_eq!(r.mul_ceil(10), Some(4));
        assert_eq!(Ratio::new(1, 0).mul_ceil(10), None);
        assert_eq!(Ratio::from_bps(2_000).mul_ceil(7), Some(2)); // 1.4 -> 2
    }
}
