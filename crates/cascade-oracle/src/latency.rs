//! Observation latency: how long an observed price takes to reach the oracle.
//!
//! This module owns the latency distributions and nothing else; the engine draws from them with
//! its own stream (`oracle-latency/0`) and schedules the arrival. All values are milliseconds.
//!
//! The fixed models (constant, uniform, log-normal, exponential, empirical) delegate to
//! [`cascade_des::dist::Dist`], so draws are the same bits on every platform. The load-dependent
//! model makes latency a function of a congestion variable the caller supplies (for example
//! the gas price as a multiple of its normal level minus one, or the share of a block used by
//! liquidations). Its form follows the accounts of Black Thursday (mechanisms.md §3: gas about
//! 6x, oracle pokes delayed, keepers that did not raise their gas price): a base delay that
//! scales linearly with congestion, plus occasional spikes (a transaction stuck for some
//! blocks) whose probability rises with congestion:
//!
//! ```text
//! latency = base * (1 + slope * c) + [U < min(1, spike_prob + spike_prob_per_congestion * c)] * spike
//! ```
//!
//! with `base` and `spike` drawn from their distributions and `U` uniform on `[0, 1)`. Every
//! sample draws `base`, `U` and `spike` in this order whatever the congestion, so two runs that
//! differ only in congestion consume their stream identically.

use crate::error::{ParamError, finite_nonneg};
use cascade_des::StreamRng;
use cascade_des::dist::{Dist, unit};
use cascade_types::SimDuration;
use serde::{Deserialize, Serialize};

/// A latency distribution in milliseconds, as written in scenarios.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum LatencyModel {
    /// Always this many milliseconds.
    Constant(f64),
    /// Uniform on `[lo, hi]` milliseconds.
    Uniform {
        /// Lower bound (ms).
        lo: f64,
        /// Upper bound (ms).
        hi: f64,
    },
    /// `median * exp(sigma * Z)` milliseconds, `Z` standard normal.
    LogNormal {
        /// The median (ms).
        median: f64,
        /// The standard deviation of the logarithm.
        sigma: f64,
    },
    /// Exponential with this mean (ms).
    Exponential {
        /// The mean (ms).
        mean: f64,
    },
    /// One of these measured latencies (ms), uniformly.
    Empirical(Vec<f64>),
    /// Latency that rises with congestion (see the module docs).
    LoadDependent(LoadDependent),
}

/// Parameters of the load-dependent latency model (see the module docs for the formula).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadDependent {
    /// Latency at zero congestion (ms).
    pub base: Dist,
    /// Relative increase of the base latency per unit of congestion (`0.5`: +50% at `c = 1`).
    pub slope: f64,
    /// Probability of a spike at zero congestion, in `[0, 1]`.
    pub spike_prob: f64,
    /// Increase of the spike probability per unit of congestion (the sum is capped at 1).
    pub spike_prob_per_congestion: f64,
    /// The extra delay of a spike (ms).
    pub spike: Dist,
}

impl LoadDependent {
    /// The spike probability at congestion `c` (already sanitised).
    fn spike_probability(&self, c: f64) -> f64 {
        (self.spike_prob + self.spike_prob_per_congestion * c).clamp(0.0, 1.0)
    }
}

/// Congestion as the models use it: NaN and negative values count as zero.
fn sanitise(congestion: f64) -> f64 {
    if congestion > 0.0 { congestion } else { 0.0 }
}

impl LatencyModel {
    /// Draws one latency in milliseconds at the given congestion (ignored by the fixed models;
    /// NaN or negative counts as zero).
    pub fn sample_ms(&self, rng: &mut StreamRng, congestion: f64) -> f64 {
        let c = sanitise(congestion);
        match self {
            LatencyModel::LoadDependent(m) => {
                let base = m.base.sample(rng);
                let u = unit(rng);
                let spike = m.spike.sample(rng);
                let scaled = base * (1.0 + m.slope * c);
                if u < m.spike_probability(c) {
                    scaled + spike
                } else {
                    scaled
                }
            }
            fixed => fixed.as_dist().sample(rng),
        }
    }

    /// Draws one latency as a duration (rounded to the nearest nanosecond).
    pub fn sample(&self, rng: &mut StreamRng, congestion: f64) -> SimDuration {
        SimDuration::from_millis_f64(self.sample_ms(rng, congestion))
    }

    /// The fixed models as a [`Dist`]; the load-dependent model as its base.
    fn as_dist(&self) -> Dist {
        match self {
            LatencyModel::Constant(v) => Dist::Constant(*v),
            LatencyModel::Uniform { lo, hi } => Dist::Uniform { lo: *lo, hi: *hi },
            LatencyModel::LogNormal { median, sigma } => Dist::LogNormal {
                median: *median,
                sigma: *sigma,
            },
            LatencyModel::Exponential { mean } => Dist::Exponential { mean: *mean },
            LatencyModel::Empirical(values) => Dist::Empirical(values.clone()),
            LatencyModel::LoadDependent(m) => m.base.clone(),
        }
    }

    /// Checks the parameters; the error names the offending one.
    pub fn check(&self) -> Result<(), ParamError> {
        match self {
            LatencyModel::Constant(v) => finite_nonneg("constant", *v),
            LatencyModel::Uniform { lo, hi } => {
                finite_nonneg("lo", *lo)?;
                finite_nonneg("hi", *hi)?;
                if lo > hi {
                    return Err(ParamError::new("lo", format!("{lo} exceeds hi ({hi})")));
                }
                Ok(())
            }
            LatencyModel::LogNormal { median, sigma } => {
                finite_nonneg("median", *median)?;
                finite_nonneg("sigma", *sigma)
            }
            LatencyModel::Exponential { mean } => finite_nonneg("mean", *mean),
            LatencyModel::Empirical(values) => {
                if values.is_empty() {
                    return Err(ParamError::new("values", "needs at least one latency"));
                }
                values.iter().try_for_each(|v| finite_nonneg("values", *v))
            }
            LatencyModel::LoadDependent(m) => {
                m.base.check().map_err(|e| ParamError::new("base", e))?;
                finite_nonneg("slope", m.slope)?;
                finite_nonneg("spike_prob", m.spike_prob)?;
                if m.spike_prob > 1.0 {
                    return Err(ParamError::new(
                        "spike_prob",
                        format!(
                            "is a probability and must not exceed 1, got {}",
                            m.spike_prob
                        ),
                    ));
                }
                finite_nonneg("spike_prob_per_congestion", m.spike_prob_per_congestion)?;
                m.spike.check().map_err(|e| ParamError::new("spike", e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_des::RngStreams;

    fn mean(model: &LatencyModel, rng: &mut StreamRng, c: f64, n: usize) -> f64 {
        (0..n).map(|_| model.sample_ms(rng, c)).sum::<f64>() / n as f64
    }

    fn load_model() -> LatencyModel {
        LatencyModel::LoadDependent(LoadDependent {
            base: Dist::LogNormal {
                median: 100.0,
                sigma: 0.25,
            },
            slope: 1.5,
            spike_prob: 0.01,
            spike_prob_per_congestion: 0.1,
            spike: Dist::Exponential { mean: 500.0 },
        })
    }

    /// Expected means by hand: E[base] = 100 * exp(0.25^2 / 2) = 100 * e^0.03125 = 103.174;
    /// E[latency | c] = 103.174 * (1 + 1.5 c) + (0.01 + 0.1 c) * 500:
    /// c = 0: 103.17 + 5 = 108.17; c = 1: 257.94 + 55 = 312.94; c = 3: 567.46 + 155 = 722.46.
    /// With 40 000 draws the standard error is under 0.3% of the mean; the tolerance is 3%.
    #[test]
    fn load_dependent_latency_rises_with_congestion() {
        let model = load_model();
        model.check().unwrap();
        let mut rng = RngStreams::new(7).stream("oracle-latency-test", 0);
        let n = 40_000;
        for (c, expected) in [(0.0, 108.17), (1.0, 312.94), (3.0, 722.46)] {
            let m = mean(&model, &mut rng, c, n);
            assert!(
                (m - expected).abs() < 0.03 * expected,
                "c = {c}: mean {m}, expected {expected}"
            );
        }
        let means: Vec<f64> = [0.0, 0.5, 1.0, 2.0, 3.0]
            .iter()
            .map(|&c| mean(&model, &mut rng, c, 20_000))
            .collect();
        assert!(means.windows(2).all(|w| w[0] < w[1]), "{means:?}");
    }

    /// A constant base of 40 ms, slope 0.5 and no spikes: 40 * (1 + 0.5 * 2) = 80 ms at c = 2;
    /// negative or NaN congestion counts as zero, giving 40 ms.
    #[test]
    fn load_dependent_scaling_is_exact_without_spikes() {
        let model = LatencyModel::LoadDependent(LoadDependent {
            base: Dist::Constant(40.0),
            slope: 0.5,
            spike_prob: 0.0,
            spike_prob_per_congestion: 0.0,
            spike: Dist::Constant(1000.0),
        });
        let mut rng = RngStreams::new(1).stream("oracle-latency-test", 1);
        assert_eq!(model.sample_ms(&mut rng, 2.0), 80.0);
        assert_eq!(model.sample_ms(&mut rng, -3.0), 40.0);
        assert_eq!(model.sample_ms(&mut rng, f64::NAN), 40.0);
        assert_eq!(model.sample(&mut rng, 2.0), SimDuration::from_millis(80));
        // A spike probability of 1 at c = 1 (0 + 1 * 1) always adds the 1000 ms spike:
        // 40 * (1 + 0.5) + 1000 = 1060.
        let always = LatencyModel::LoadDependent(LoadDependent {
            base: Dist::Constant(40.0),
            slope: 0.5,
            spike_prob: 0.0,
            spike_prob_per_congestion: 1.0,
            spike: Dist::Constant(1000.0),
        });
        assert_eq!(always.sample_ms(&mut rng, 1.0), 1060.0);
    }

    /// Congestion changes values, never the number of draws: two copies of one stream stay
    /// aligned after sampling at different congestion levels.
    #[test]
    fn congestion_does_not_shift_the_stream() {
        let model = load_model();
        let streams = RngStreams::new(3);
        let mut a = streams.stream("oracle-latency-test", 2);
        let mut b = streams.stream("oracle-latency-test", 2);
        for _ in 0..100 {
            let _ = model.sample_ms(&mut a, 0.0);
            let _ = model.sample_ms(&mut b, 5.0);
        }
        assert_eq!(unit(&mut a), unit(&mut b));
    }

    /// The fixed models ignore congestion and stay within their support.
    #[test]
    fn fixed_models_ignore_congestion() {
        let streams = RngStreams::new(11);
        let models = [
            LatencyModel::Constant(25.0),
            LatencyModel::Uniform { lo: 10.0, hi: 20.0 },
            LatencyModel::LogNormal {
                median: 50.0,
                sigma: 0.5,
            },
            LatencyModel::Exponential { mean: 30.0 },
            LatencyModel::Empirical(vec![5.0, 7.0, 90.0]),
        ];
        for (i, model) in models.iter().enumerate() {
            model.check().unwrap();
            let mut a = streams.stream("oracle-latency-test", 10 + i as u64);
            let mut b = streams.stream("oracle-latency-test", 10 + i as u64);
            let (lo, hi) = model.as_dist().support();
            for _ in 0..1000 {
                let x = model.sample_ms(&mut a, 0.0);
                assert_eq!(x, model.sample_ms(&mut b, 9.0));
                assert!(lo <= x && x <= hi, "{model:?} drew {x}");
            }
        }
    }

    #[test]
    fn bad_parameters_are_named() {
        let param = |m: LatencyModel| m.check().unwrap_err().param;
        assert_eq!(param(LatencyModel::Constant(-1.0)), "constant");
        assert_eq!(param(LatencyModel::Uniform { lo: 5.0, hi: 1.0 }), "lo");
        assert_eq!(
            param(LatencyModel::Uniform {
                lo: 0.0,
                hi: f64::INFINITY
            }),
            "hi"
        );
        assert_eq!(
            param(LatencyModel::LogNormal {
                median: 1.0,
                sigma: f64::NAN
            }),
            "sigma"
        );
        assert_eq!(param(LatencyModel::Exponential { mean: -2.0 }), "mean");
        assert_eq!(param(LatencyModel::Empirical(vec![])), "values");
        assert_eq!(param(LatencyModel::Empirical(vec![1.0, -1.0])), "values");
        let with = |f: &dyn Fn(&mut LoadDependent)| {
            let LatencyModel::LoadDependent(mut m) = load_model() else {
                unreachable!()
            };
            f(&mut m);
            LatencyModel::LoadDependent(m).check().unwrap_err()
        };
        let e = with(&|m| m.base = Dist::Uniform { lo: 3.0, hi: 1.0 });
        assert_eq!(e.param, "base");
        assert!(e.to_string().contains("lo"), "{e}");
        assert_eq!(with(&|m| m.slope = -0.1).param, "slope");
        assert_eq!(with(&|m| m.spike_prob = 1.5).param, "spike_prob");
        assert_eq!(
            with(&|m| m.spike_prob_per_congestion = f64::NAN).param,
            "spike_prob_per_congestion"
        );
        assert_eq!(with(&|m| m.spike = Dist::Empirical(vec![])).param, "spike");
    }
}
