//! Distributions used by the models, computed identically on every platform.
//!
//! Uniform draws use the top 53 bits of one `u64`; normals use Marsaglia's polar method; the
//! transcendental functions come from `libm` (pure Rust), never from the platform's math library.

use rand_chacha::rand_core::Rng;
use serde::{Deserialize, Serialize};

/// A uniform draw in `[0, 1)`.
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform draw in `(0, 1]`, safe to take the logarithm of.
pub fn unit_open0<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    ((rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal draw (Marsaglia polar method; the second value is discarded so that each
/// draw consumes a whole number of attempts and nothing is cached between calls).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    loop {
        let u = 2.0 * unit(rng) - 1.0;
        let v = 2.0 * unit(rng) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return u * (-2.0 * libm::log(s) / s).sqrt();
        }
    }
}

/// An exponential draw with the given mean.
pub fn exponential<R: Rng + ?Sized>(rng: &mut R, mean: f64) -> f64 {
    -mean * libm::log(unit_open0(rng))
}

/// A distribution over non-negative reals, as written in scenarios.
///
/// Units are those of the field that holds it (milliseconds for latencies, base units for sizes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always this value.
    Constant(f64),
    /// Uniform on `[lo, hi]`.
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// `median * exp(sigma * Z)`, `Z` standard normal.
    LogNormal {
        /// The median (`exp(mu)`).
        median: f64,
        /// The standard deviation of the logarithm.
        sigma: f64,
    },
    /// Exponential with this mean.
    Exponential {
        /// The mean.
        mean: f64,
    },
    /// One of these values, uniformly (an empirical sample, e.g. measured latencies).
    Empirical(Vec<f64>),
}

impl Dist {
    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { lo, hi } => lo + (hi - lo) * unit(rng),
            Dist::LogNormal { median, sigma } => median * libm::exp(sigma * standard_normal(rng)),
            Dist::Exponential { mean } => exponential(rng, *mean),
            Dist::Empirical(values) => {
                let i = (rng.next_u64() % values.len() as u64) as usize;
                values[i]
            }
        }
    }

    /// The smallest and largest values the distribution can produce (`f64::INFINITY` where
    /// unbounded), used to range-check a scenario.
    pub fn support(&self) -> (f64, f64) {
        match self {
            Dist::Constant(v) => (*v, *v),
            Dist::Uniform { lo, hi } => (*lo, *hi),
            Dist::LogNormal { .. } | Dist::Exponential { .. } => (0.0, f64::INFINITY),
            Dist::Empirical(values) => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                }),
        }
    }

    /// Checks the parameters themselves; the message names the offending parameter.
    pub fn check(&self) -> Result<(), String> {
        let finite_nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number >= 0, got {v}"))
            }
        };
        match self {
            Dist::Constant(v) => finite_nonneg("the constant", *v),
            Dist::Uniform { lo, hi } => {
                finite_nonneg("lo", *lo)?;
                finite_nonneg("hi", *hi)?;
                if lo > hi {
                    return Err(format!("lo ({lo}) must not exceed hi ({hi})"));
                }
                Ok(())
            }
            Dist::LogNormal { median, sigma } => {
                finite_nonneg("median", *median)?;
                finite_nonneg("sigma", *sigma)
            }
            Dist::Exponential { mean } => finite_nonneg("mean", *mean),
            Dist::Empirical(values) => {
                if values.is_empty() {
                    return Err("an empirical distribution needs at least one value".into());
                }
                values
                    .iter()
                    .try_for_each(|v| finite_nonneg("every value", *v))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RngStreams;

    fn mean_and_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        (m, v)
    }

    #[test]
    fn moments_match_the_parameters() {
        let mut rng = RngStreams::new(1).stream("dist-test", 0);
        let n = 200_000;
        let normals: Vec<f64> = (0..n).map(|_| standard_normal(&mut rng)).collect();
        let (m, v) = mean_and_var(&normals);
        assert!(m.abs() < 0.01, "normal mean {m}");
        assert!((v - 1.0).abs() < 0.01, "normal variance {v}");

        let exps: Vec<f64> = (0..n).map(|_| exponential(&mut rng, 3.0)).collect();
        let (m, _) = mean_and_var(&exps);
        assert!((m - 3.0).abs() < 0.03, "exponential mean {m}");

        let d = Dist::LogNormal {
            median: 10.0,
            sigma: 0.5,
        };
        let mut xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[n / 2];
        assert!((median - 10.0).abs() < 0.1, "lognormal median {median}");

        let u = Dist::Uniform { lo: 2.0, hi: 4.0 };
        let us: Vec<f64> = (0..n).map(|_| u.sample(&mut rng)).collect();
        assert!(us.iter().all(|&x| (2.0..=4.0).contains(&x)));
        let (m, _) = mean_and_var(&us);
        assert!((m - 3.0).abs() < 0.01);
    }

    #[test]
    fn empirical_draws_only_listed_values() {
        let mut rng = RngStreams::new(1).stream("dist-test", 1);
        let d = Dist::Empirical(vec![1.0, 5.0, 9.0]);
        let mut seen = [0usize; 3];
        for _ in 0..3000 {
            let x = d.sample(&mut rng);
            let i = [1.0, 5.0, 9.0].iter().position(|&v| v == x).unwrap();
            seen[i] += 1;
        }
        assert!(seen.iter().all(|&c| c > 900), "{seen:?}");
        assert_eq!(d.support(), (1.0, 9.0));
    }

    #[test]
    fn bad_parameters_are_named() {
        assert!(
            Dist::Constant(-1.0)
                .check()
                .unwrap_err()
                .contains("constant")
        );
        assert!(
            Dist::Uniform { lo: 3.0, hi: 1.0 }
                .check()
                .unwrap_err()
                .contains("lo")
        );
        assert!(
            Dist::LogNormal {
                median: 1.0,
                sigma: f64::NAN
            }
            .check()
            .unwrap_err()
            .contains("sigma")
        );
        assert!(Dist::Empirical(vec![]).check().is_err());
        assert!(Dist::Exponential { mean: 2.0 }.check().is_ok());
    }
}
