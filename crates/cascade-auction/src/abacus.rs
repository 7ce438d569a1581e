//! Dutch-auction price curves: the price as a function of the starting price and the seconds
//! since the auction (re)started.
//!
//! This module owns the three abaci of Liquidations 2.0, re-derived from
//! makerdao/dss@src/abaci.sol:LinearDecrease.price, :StairstepExponentialDecrease.price and
//! :ExponentialDecrease.price, with the same integer formulas:
//!
//! - linear: `dur >= tau ? 0 : rmul(top, (tau - dur) * RAY / tau)`;
//! - stairstep: `rmul(top, rpow(cut, dur / step, RAY))`;
//! - exponential: `rmul(top, rpow(cut, dur, RAY))`.
//!
//! `top` and the result are in ray, `dur`, `tau` and `step` in whole seconds, `cut` in ray.

use ruint::aliases::U256;

use crate::AuctionError;
use crate::math::{RAY, div, mul, rmul, rpow};

/// A price curve (Maker's `calc`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abacus {
    /// The price falls linearly from `top` to zero in `tau` seconds.
    LinearDecrease {
        /// Seconds after the start when the price reaches zero.
        tau: u64,
    },
    /// The price is multiplied by `cut` every `step` seconds.
    StairstepExponentialDecrease {
        /// Seconds between price drops (positive).
        step: u64,
        /// Per-step factor (ray), at most one.
        cut: U256,
    },
    /// The price is multiplied by `cut` every second.
    ExponentialDecrease {
        /// Per-second factor (ray), at most one.
        cut: U256,
    },
}

impl Abacus {
    /// A linear decrease to zero in `tau` seconds.
    pub fn linear(tau: u64) -> Self {
        Abacus::LinearDecrease { tau }
    }

    /// A stairstep decrease by `cut` every `step` seconds; refuses `cut > RAY` (the contract's
    /// `cut-gt-RAY` check) and `step == 0` (which would divide by zero in `price`).
    pub fn stairstep(step: u64, cut: U256) -> Result<Self, AuctionError> {
        let calc = Abacus::StairstepExponentialDecrease { step, cut };
        calc.validate()?;
        Ok(calc)
    }

    /// A per-second exponential decrease by `cut`; refuses `cut > RAY`.
    pub fn exponential(cut: U256) -> Result<Self, AuctionError> {
        let calc = Abacus::ExponentialDecrease { cut };
        calc.validate()?;
        Ok(calc)
    }

    /// Checks the parameters the contracts check when they are set.
    pub fn validate(&self) -> Result<(), AuctionError> {
        match *self {
            Abacus::LinearDecrease { .. } => Ok(()),
            Abacus::StairstepExponentialDecrease { step, cut } => {
                if step == 0 {
                    Err(AuctionError::InvalidParameter("step must be positive"))
                } else if cut > RAY {
                    Err(AuctionError::InvalidParameter("cut must be at most RAY"))
                } else {
                    Ok(())
                }
            }
            Abacus::ExponentialDecrease { cut } => {
                if cut > RAY {
                    Err(AuctionError::InvalidParameter("cut must be at most RAY"))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// The price (ray) `dur` whole seconds after an auction started at `top` (ray).
    pub fn price(&self, top: U256, dur: u64) -> Result<U256, AuctionError> {
        match *self {
            Abacus::LinearDecrease { tau } => {
                if dur >= tau {
                    return Ok(U256::ZERO);
                }
                let left = mul(U256::from(tau - dur), RAY)? / U256::from(tau);
                rmul(top, left)
            }
            Abacus::StairstepExponentialDecrease { step, cut } => {
                let steps = div(U256::from(dur), U256::from(step))?;
                // dur / step <= dur fits in u64.
                rmul(top, rpow(cut, steps.to::<u64>(), RAY)?)
            }
            Abacus::ExponentialDecrease { cut } => rmul(top, rpow(cut, dur, RAY)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::{ray, ray_bps};

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    #[test]
    fn linear_decrease_at_start_half_end_and_beyond() {
        let calc = Abacus::linear(100);
        let top = ray(1_000); // 1e30
        // dur 0: (100 - 0) * RAY / 100 = RAY; rmul(1e30, 1e27) = 1e30.
        assert_eq!(calc.price(top, 0).unwrap(), ray(1_000));
        // dur 50 = tau/2: 50e27 / 100 = 5e26; 1e30 * 5e26 / 1e27 = 5e29 = 500 ray.
        assert_eq!(calc.price(top, 50).unwrap(), ray(500));
        // dur 99: 1e27 / 100 = 1e25; 1e30 * 1e25 / 1e27 = 1e28 = 10 ray.
        assert_eq!(calc.price(top, 99).unwrap(), ray(10));
        // dur == tau and beyond: zero.
        assert_eq!(calc.price(top, 100).unwrap(), U256::ZERO);
        assert_eq!(calc.price(top, 1_000_000).unwrap(), U256::ZERO);
    }

    #[test]
    fn linear_decrease_floors_twice() {
        // tau 3, dur 1: 2e27 / 3 = 666..666 (27 sixes, floored);
        // rmul(10 ray = 1e28, that) = 1e28 * 666..666 / 1e27 = 666..6660 (27 sixes then a 0).
        let calc = Abacus::linear(3);
        assert_eq!(
            calc.price(ray(10), 1).unwrap(),
            u(6_666_666_666_666_666_666_666_666_660)
        );
        // A top of 1 (one ray unit) is floored to zero before the end.
        assert_eq!(calc.price(u(1), 1).unwrap(), U256::ZERO);
    }

    #[test]
    fn stairstep_after_zero_one_two_three_steps() {
        // ETH-A launch curve: cut 0.99, step 90 s.
        let calc = Abacus::stairstep(90, ray_bps(9_900)).unwrap();
        let top = ray(1_000);
        // 0 steps (dur 0 and 89): rpow(cut, 0) = RAY, price = top.
        assert_eq!(calc.price(top, 0).unwrap(), ray(1_000));
        assert_eq!(calc.price(top, 89).unwrap(), ray(1_000));
        // 1 step (dur 90 and 179): rpow = cut = 0.99e27; 1e30 * 0.99e27 / 1e27 = 990 ray.
        assert_eq!(calc.price(top, 90).unwrap(), ray(990));
        assert_eq!(calc.price(top, 179).unwrap(), ray(990));
        // 2 steps: x^2 = 0.9801e54, + 0.5e27, / 1e27 = 0.9801e27 exactly; price 980.1 ray.
        assert_eq!(calc.price(top, 180).unwrap(), ray(9_801) / u(10));
        // 3 steps: z = 0.99e27, x' = 0.9801e27, z * x' / 1e27 = 0.970299e27; price 970.299 ray.
        assert_eq!(calc.price(top, 270).unwrap(), ray(970_299) / u(1_000));
    }

    #[test]
    fn exponential_per_second() {
        // cut 0.5 per second: top 1024 ray halves each second, exactly (2^k divides 1e27 for
        // k <= 27).
        let calc = Abacus::exponential(RAY / u(2)).unwrap();
        let top = ray(1_024);
        assert_eq!(calc.price(top, 0).unwrap(), ray(1_024));
        assert_eq!(calc.price(top, 1).unwrap(), ray(512));
        assert_eq!(calc.price(top, 3).unwrap(), ray(128));
        assert_eq!(calc.price(top, 10).unwrap(), ray(1));
        // cut 0.99: 1, 2, 3 seconds as in the stairstep test with step 1.
        let calc = Abacus::exponential(ray_bps(9_900)).unwrap();
        assert_eq!(calc.price(ray(1_000), 1).unwrap(), ray(990));
        assert_eq!(calc.price(ray(1_000), 2).unwrap(), ray(9_801) / u(10));
        assert_eq!(calc.price(ray(1_000), 3).unwrap(), ray(970_299) / u(1_000));
    }

    #[test]
    fn exponential_rounds_like_rpow() {
        // cut = floor(RAY / 3); after 2 s rpow rounds half up to 111..111 (27 ones, see
        // math::tests::rpow_rounds_half_up); rmul(9 ray, that) = 9e27 * 111..111 / 1e27
        // = 999..999 (27 nines), one unit below 1 ray: the floor of rmul shows.
        let calc = Abacus::exponential(RAY / u(3)).unwrap();
        assert_eq!(
            calc.price(ray(9), 2).unwrap(),
            u(999_999_999_999_999_999_999_999_999)
        );
    }

    #[test]
    fn exponential_equals_stairstep_with_unit_step() {
        let cut = ray_bps(9_973);
        let exp = Abacus::exponential(cut).unwrap();
        let stair = Abacus::stairstep(1, cut).unwrap();
        for dur in [0, 1, 2, 7, 60, 61, 3_600, 86_400] {
            assert_eq!(
                exp.price(ray(1_500), dur).unwrap(),
                stair.price(ray(1_500), dur).unwrap()
            );
        }
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Abacus::stairstep(0, ray_bps(9_900)).is_err());
        assert!(Abacus::stairstep(90, RAY + u(1)).is_err());
        assert!(Abacus::exponential(RAY + u(1)).is_err());
        // An unvalidated zero step is still an error, not a panic.
        let calc = Abacus::StairstepExponentialDecrease { step: 0, cut: RAY };
        assert_eq!(calc.price(RAY, 5), Err(AuctionError::DivisionByZero));
    }
}
