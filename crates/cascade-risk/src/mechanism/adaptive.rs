//! Aave v3 with adaptive parameters (mechanisms.md §9), each optional:
//!
//! - [`BonusRamp`]: a health-factor-dependent liquidation bonus, as Aave v4 ramps it linearly
//!   between HF 1 and `HF_maxBonus` (and Euler's discount `1 - HS` grows as the account
//!   worsens): the bonus is `min_bonus` at HF 1, rising linearly to `max_bonus` at
//!   `full_at_hf` and staying there below it. A call's bonus is fixed by the health factor
//!   before the call.
//! - [`VolThreshold`]: a volatility-indexed liquidation threshold, as risk stewards set it
//!   (Aave's risk-off framework: LT lowered in steps of at most 3% when volatility rises; no
//!   major protocol derives it on chain, so here it changes on a review cadence). At each review
//!   the realised volatility of the oracle's log returns over the trailing window (annualised:
//!   `sigma^2 = sum r^2 / window in years`) sets a target
//!   `LT x (1 - sensitivity x max(0, sigma - reference_vol))`, floored at `min_threshold`, and
//!   the threshold moves toward it by at most `max_step` (absolute) per review, back up as well
//!   as down, never above the configured LT.
//!
//! Every other rule (close factor, protocol fee, dust) is the base [`AaveParams`]' own: a call
//! runs Aave's logic with the current threshold and the call's bonus.

use super::{Liquidation, LiquidationError, LiquidationMechanism, ProtocolBooks};
use crate::Account;
use crate::aave::AaveParams;
use crate::percent::WAD;
use cascade_types::{Bps, Quote, SimDuration, SimTime, Ticks};
use std::collections::VecDeque;

/// Seconds in the year used to annualise realised volatility (365 days).
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// A liquidation bonus that grows as the health factor falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BonusRamp {
    /// The bonus at HF 1 (a multiplier in basis points, 10_200 = +2%).
    pub min_bonus: Bps,
    /// The bonus at and below `full_at_hf`.
    pub max_bonus: Bps,
    /// The health factor (WAD) at which the bonus reaches `max_bonus`, below 1.
    pub full_at_hf: u128,
}

impl BonusRamp {
    /// The bonus for a call at health factor `hf` (WAD): linear between HF 1 and
    /// `full_at_hf`, rounded down to a basis point.
    pub fn bonus(&self, hf: u128) -> Bps {
        let (lo, hi) = (u128::from(self.min_bonus.0), u128::from(self.max_bonus.0));
        if hf >= WAD {
            return self.min_bonus;
        }
        if hf <= self.full_at_hf {
            return self.max_bonus;
        }
        let span = WAD - self.full_at_hf;
        Bps((lo + (hi - lo) * (WAD - hf) / span) as u32)
    }
}

/// A liquidation threshold lowered when realised volatility rises.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VolThreshold {
    /// Trailing window of oracle returns.
    pub window: SimDuration,
    /// Annualised volatility at or below which the threshold is the configured one.
    pub reference_vol: f64,
    /// Relative threshold cut per unit of annualised volatility above the reference.
    pub sensitivity: f64,
    /// The lowest threshold.
    pub min_threshold: Bps,
    /// The largest change per review (absolute).
    pub max_step: Bps,
    /// Time between reviews.
    pub review_every: SimDuration,
}

/// Aave v3 with an optional bonus ramp and an optional volatility-indexed threshold.
#[derive(Clone, Debug)]
pub struct AdaptiveAave {
    base: AaveParams,
    ramp: Option<BonusRamp>,
    vol: Option<VolThreshold>,
    /// The threshold in force.
    threshold: Bps,
    /// Squared log returns in the window, oldest first, their sum, and the last price.
    returns: VecDeque<(SimTime, f64)>,
    sum_sq: f64,
    last_price: Option<Ticks>,
    next_review: SimTime,
}

impl AdaptiveAave {
    /// Aave with `base`'s rules, the bonus from `ramp` (else the base bonus) and the threshold
    /// from `vol` (else the base threshold).
    pub fn new(base: AaveParams, ramp: Option<BonusRamp>, vol: Option<VolThreshold>) -> Self {
        AdaptiveAave {
            base,
            ramp,
            vol,
            threshold: base.liquidation_threshold,
            returns: VecDeque::new(),
            sum_sq: 0.0,
            last_price: None,
            next_review: vol.map_or(SimTime(0), |v| SimTime(0) + v.review_every),
        }
    }

    /// The threshold in force.
    pub fn threshold(&self) -> Bps {
        self.threshold
    }

    /// Annualised realised volatility of the returns in the window (0 without returns).
    pub fn realised_vol(&self) -> f64 {
        match self.vol {
            Some(v) if v.window > SimDuration::ZERO => {
                (self.sum_sq.max(0.0) / (v.window.as_secs_f64() / YEAR_SECS)).sqrt()
            }
            _ => 0.0,
        }
    }

    /// Aave's rules with the threshold in force and the bonus for a call at `hf`.
    fn params_at(&self, hf: Option<u128>) -> AaveParams {
        let mut p = self.base;
        p.liquidation_threshold = self.threshold;
        if let (Some(r), Some(hf)) = (self.ramp, hf) {
            p.liquidation_bonus = r.bonus(hf);
        }
        p
    }

    fn current(&self) -> AaveParams {
        self.params_at(None)
    }
}

impl LiquidationMechanism for AdaptiveAave {
    fn name(&self) -> &str {
        match (self.ramp.is_some(), self.vol.is_some()) {
            (true, true) => "aave-v3-adaptive",
            (true, false) => "aave-v3-bonus-ramp",
            (false, true) => "aave-v3-vol-threshold",
            (false, false) => "aave-v3",
        }
    }

    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        LiquidationMechanism::health_factor(&self.current(), a, price)
    }

    fn is_liquidatable(&self, a: &Account, price: Ticks) -> bool {
        LiquidationMechanism::is_liquidatable(&self.current(), a, price)
    }

    fn trigger_price(&self, a: &Account) -> Option<Ticks> {
        LiquidationMechanism::trigger_price(&self.current(), a)
    }

    fn max_repayable(&self, a: &Account, price: Ticks, books: &ProtocolBooks) -> Quote {
        let hf = self.health_factor(a, price);
        self.params_at(Some(hf)).max_repayable(a, price, books)
    }

    fn liquidate(
        &self,
        a: &Account,
        debt_to_cover: Quote,
        price: Ticks,
        books: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError> {
        let hf = self.health_factor(a, price);
        self.params_at(Some(hf))
            .liquidate(a, debt_to_cover, price, books)
    }

    fn on_oracle_price(&mut self, now: SimTime, price: Ticks) -> bool {
        let Some(v) = self.vol else {
            return false;
        };
        if let Some(last) = self.last_price
            && last.0 > 0
            && price.0 > 0
            && last != price
        {
            let r = libm::log(price.0 as f64 / last.0 as f64);
            self.returns.push_back((now, r * r));
            self.sum_sq += r * r;
        }
        self.last_price = Some(price);
        while let Some(&(t, sq)) = self.returns.front() {
            if now.saturating_since(t) > v.window {
                self.returns.pop_front();
                self.sum_sq -= sq;
            } else {
                break;
            }
        }
        if self.returns.is_empty() {
            self.sum_sq = 0.0;
        }
        if now < self.next_review {
            return false;
        }
        while self.next_review <= now {
            self.next_review = self.next_review + v.review_every;
        }
        let base = f64::from(self.base.liquidation_threshold.0);
        let excess = (self.realised_vol() - v.reference_vol).max(0.0);
        let target = (base * (1.0 - v.sensitivity * excess))
            .floor()
            .clamp(f64::from(v.min_threshold.0), base) as u32;
        let cur = self.threshold.0;
        let next = if target < cur {
            cur - (cur - target).min(v.max_step.0)
        } else {
            cur + (target - cur).min(v.max_step.0)
        };
        let changed = next != cur;
        self.threshold = Bps(next);
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aave::CLOSE_FACTOR_HF_THRESHOLD;
    use crate::mechanism::SignedQuote;
    use cascade_types::Lots;

    const USD: u64 = 100_000;

    fn weth() -> AaveParams {
        AaveParams {
            liquidation_threshold: Bps(8300),
            liquidation_bonus: Bps(10500),
            protocol_fee: Bps(1000),
            close_factor: Bps(5000),
            close_factor_min_base: Quote(2_000 * USD),
            min_leftover_base: Quote(1_000 * USD),
            full_close_below_hf: CLOSE_FACTOR_HF_THRESHOLD,
        }
    }

    fn books() -> ProtocolBooks {
        ProtocolBooks {
            reserves: SignedQuote::ZERO,
            collateral: Lots(0),
        }
    }

    /// Ramp 2% at HF 1 to 10% at HF 0.9: HF 0.95 is halfway, 6%; HF 0.98 gives 2 + 8 x 0.2 =
    /// 3.6%; at and below 0.9, 10%; at or above 1, 2%.
    #[test]
    fn the_bonus_ramps_with_the_health_factor() {
        let r = BonusRamp {
            min_bonus: Bps(10_200),
            max_bonus: Bps(11_000),
            full_at_hf: 900_000_000_000_000_000,
        };
        assert_eq!(r.bonus(950_000_000_000_000_000), Bps(10_600));
        assert_eq!(r.bonus(980_000_000_000_000_000), Bps(10_360));
        assert_eq!(r.bonus(900_000_000_000_000_000), Bps(11_000));
        assert_eq!(r.bonus(500_000_000_000_000_000), Bps(11_000));
        assert_eq!(r.bonus(WAD), Bps(10_200));
        assert_eq!(r.bonus(2 * WAD), Bps(10_200));
    }

    /// 10 ETH, 15,000 USD of debt at 1,800 USD: HF = 18,000 x 0.83 / 15,000 = 0.996, so the
    /// ramp's bonus is 2% + 8% x 0.04 = 2.32%. Repaying 7,500 USD seizes
    /// 7,500 x 1.0232 / 1,800 = 4.2633 ETH (Aave rounds down to the lot: 4.263), of which the
    /// protocol takes 10% of the bonus part: 4.263 - 4.263 / 1.0232 = 0.0967 ETH x 10%.
    #[test]
    fn a_call_uses_the_bonus_of_its_health_factor() {
        let m = AdaptiveAave::new(
            weth(),
            Some(BonusRamp {
                min_bonus: Bps(10_200),
                max_bonus: Bps(11_000),
                full_at_hf: 900_000_000_000_000_000,
            }),
            None,
        );
        let a = Account {
            collateral: Lots(10_000),
            debt: Quote(15_000 * USD),
        };
        let out = m
            .liquidate(&a, Quote(7_500 * USD), Ticks(180_000), &books())
            .unwrap();
        assert_eq!(out.hf_before, 996_000_000_000_000_000);
        assert_eq!(out.debt_repaid, Quote(7_500 * USD));
        assert_eq!(out.collateral_seized, Lots(4_263));
        // Plain Aave (5%) seizes 4.374 ETH for the same repayment (4.375 before its rounding).
        let plain = weth()
            .liquidate(&a, Quote(7_500 * USD), Ticks(180_000), &books())
            .unwrap();
        assert_eq!(plain.collateral_seized, Lots(4_374));
        assert_eq!(m.name(), "aave-v3-bonus-ramp");
    }

    /// Returns of about +-1% every 60 s (r^2 = ln(1.01)^2 = 9.9e-5 each): a 3,600 s window
    /// (both ends included) holds 61 of them, sum r^2 = 6.04e-3, so
    /// sigma = sqrt(6.04e-3 / (3,600 / 31,536,000)) = 7.27 a year. Already at the first review (600 s, nine returns: sigma 2.79) the target
    /// 8,300 x (1 - 0.2 x 1.79) is below the 7,000 floor, so each 600 s review moves the full
    /// 300 bps step: 8,300 -> 8,000 -> 7,700 -> 7,400 -> 7,100 -> 7,000, and the trigger prices
    /// rise. Calm prices empty the window and bring it back up by the same steps.
    #[test]
    fn the_threshold_falls_in_steps_when_volatility_rises() {
        let mut m = AdaptiveAave::new(
            weth(),
            None,
            Some(VolThreshold {
                window: SimDuration::from_secs(3_600),
                reference_vol: 1.0,
                sensitivity: 0.2,
                min_threshold: Bps(7_000),
                max_step: Bps(300),
                review_every: SimDuration::from_secs(600),
            }),
        );
        let a = Account {
            collateral: Lots(10_000),
            debt: Quote(15_000 * USD),
        };
        let trigger0 = m.trigger_price(&a).unwrap();
        let mut seen = vec![m.threshold().0];
        let mut price = 200_000i64;
        for k in 1..=240u64 {
            // Alternate up 1% and down 1% (approximately, in ticks).
            price = if k % 2 == 1 {
                price * 101 / 100
            } else {
                price * 100 / 101
            };
            if m.on_oracle_price(SimTime(k * 60 * 1_000_000_000), Ticks(price)) {
                seen.push(m.threshold().0);
            }
        }
        assert_eq!(
            seen,
            vec![8_300, 8_000, 7_700, 7_400, 7_100, 7_000],
            "{seen:?}"
        );
        assert!(
            (m.realised_vol() - 7.27).abs() < 0.02,
            "{}",
            m.realised_vol()
        );
        assert!(m.trigger_price(&a).unwrap() > trigger0);
        // Four calm hours: the window empties and the threshold climbs back.
        let mut t = 240 * 60;
        for _ in 0..24 {
            t += 600;
            m.on_oracle_price(SimTime(t * 1_000_000_000), Ticks(price));
        }
        assert_eq!(m.threshold(), Bps(8_300));
        assert_eq!(m.trigger_price(&a), Some(trigger0));
    }
}
