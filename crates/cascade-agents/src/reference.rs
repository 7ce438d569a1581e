//! The exogenous reference price.

use cascade_des::{StreamRng, dist};

/// Seconds in the year used to scale annualised parameters (365 days).
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// A jump-diffusion factor: `dX = (mu - sigma^2/2) dt + sigma dW + J dN`, with `N` a Poisson
/// process of `jumps_per_hour` and `J ~ Normal(jump_mean, jump_std)` in log space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JumpDiffusion {
    /// Annualised drift of the log price.
    pub drift_annual: f64,
    /// Annualised volatility.
    pub sigma_annual: f64,
    /// Mean number of jumps per hour.
    pub jumps_per_hour: f64,
    /// Mean jump size in log space (e.g. -0.02 for 2% down).
    pub jump_mean: f64,
    /// Standard deviation of the jump size in log space.
    pub jump_std: f64,
}

/// The reference price: `knots(t) * exp(X_t)`.
///
/// `knots` are `(seconds, price)` pairs with increasing times; the price is linear between them
/// and flat outside. `X` starts at 0 and is stepped by [`ReferencePath::advance_to`].
#[derive(Clone, Debug)]
pub struct ReferencePath {
    knots: Vec<(f64, f64)>,
    diffusion: Option<JumpDiffusion>,
    x: f64,
    t: f64,
    rng: StreamRng,
}

impl ReferencePath {
    /// A path through `knots` (at least one, times increasing) with an optional random factor
    /// drawn from `rng`.
    pub fn new(knots: Vec<(f64, f64)>, diffusion: Option<JumpDiffusion>, rng: StreamRng) -> Self {
        assert!(!knots.is_empty(), "a reference path needs a knot");
        ReferencePath {
            knots,
            diffusion,
            x: 0.0,
            t: 0.0,
            rng,
        }
    }

    /// The deterministic part at `t` seconds.
    pub fn knot_price(&self, t: f64) -> f64 {
        let k = &self.knots;
        if t <= k[0].0 {
            return k[0].1;
        }
        for w in k.windows(2) {
            let ((t0, p0), (t1, p1)) = (w[0], w[1]);
            if t <= t1 {
                return if t1 > t0 {
                    p0 + (p1 - p0) * (t - t0) / (t1 - t0)
                } else {
                    p1
                };
            }
        }
        k[k.len() - 1].1
    }

    /// Steps the random factor to `t` seconds (not before the current time) and returns the price.
    pub fn advance_to(&mut self, t: f64) -> f64 {
        let dt = t - self.t;
        if dt > 0.0 {
            if let Some(d) = self.diffusion {
                let dt_y = dt / YEAR_SECS;
                let z = dist::standard_normal(&mut self.rng);
                self.x += (d.drift_annual - 0.5 * d.sigma_annual * d.sigma_annual) * dt_y
                    + d.sigma_annual * dt_y.sqrt() * z;
                let n = poisson(&mut self.rng, d.jumps_per_hour * dt / 3600.0);
                for _ in 0..n {
                    self.x += d.jump_mean + d.jump_std * dist::standard_normal(&mut self.rng);
                }
            }
            self.t = t;
        }
        self.price()
    }

    /// The price at the current time.
    pub fn price(&self) -> f64 {
        self.knot_price(self.t) * libm::exp(self.x)
    }
}

/// A Poisson draw: the number of unit-rate exponential inter-arrival times that fit in `mean`
/// (exact for any mean; costs `mean + 1` draws, and means here are jumps in one step).
fn poisson(rng: &mut StreamRng, mean: f64) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    let mut k = 0;
    let mut s = dist::exponential(rng, 1.0);
    while s <= mean {
        k += 1;
        s += dist::exponential(rng, 1.0);
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_des::RngStreams;

    fn rng(id: u64) -> StreamRng {
        RngStreams::new(3).stream("reference-test", id)
    }

    #[test]
    fn knots_interpolate_linearly_and_hold_at_the_ends() {
        let p = ReferencePath::new(
            vec![(10.0, 100.0), (20.0, 80.0), (20.0, 60.0)],
            None,
            rng(0),
        );
        assert_eq!(p.knot_price(0.0), 100.0);
        assert_eq!(p.knot_price(15.0), 90.0);
        assert_eq!(p.knot_price(20.0), 80.0);
        assert_eq!(p.knot_price(99.0), 60.0);
        let mut p = p;
        assert_eq!(p.advance_to(15.0), 90.0, "no diffusion, no noise");
    }

    /// Without jumps, log returns over many steps have the GBM's mean and variance.
    #[test]
    fn gbm_log_returns_have_the_right_moments() {
        let sigma = 0.8;
        let d = JumpDiffusion {
            drift_annual: 0.0,
            sigma_annual: sigma,
            jumps_per_hour: 0.0,
            jump_mean: 0.0,
            jump_std: 0.0,
        };
        let mut p = ReferencePath::new(vec![(0.0, 1.0)], Some(d), rng(1));
        let step = 60.0;
        let n = 50_000;
        let mut prev = p.price().ln();
        let mut rets = Vec::with_capacity(n);
        for k in 1..=n {
            let cur = p.advance_to(k as f64 * step).ln();
            rets.push(cur - prev);
            prev = cur;
        }
        let m = rets.iter().sum::<f64>() / n as f64;
        let v = rets.iter().map(|r| (r - m) * (r - m)).sum::<f64>() / (n - 1) as f64;
        let want_v = sigma * sigma * step / YEAR_SECS;
        assert!((v / want_v - 1.0).abs() < 0.03, "variance {v} vs {want_v}");
        assert!(
            (m + 0.5 * want_v).abs() < 3.0 * (want_v / n as f64).sqrt(),
            "mean {m}"
        );
    }

    #[test]
    fn jumps_arrive_at_their_rate() {
        let d = JumpDiffusion {
            drift_annual: 0.0,
            sigma_annual: 0.0,
            jumps_per_hour: 6.0,
            jump_mean: -0.01,
            jump_std: 0.0,
        };
        let mut p = ReferencePath::new(vec![(0.0, 100.0)], Some(d), rng(2));
        let hours = 500.0;
        let end = p.advance_to(hours * 3600.0);
        // Each jump multiplies by exp(-0.01): count them from the final price.
        let jumps = -(end / 100.0).ln() / 0.01;
        assert!((jumps / (6.0 * hours) - 1.0).abs() < 0.05, "{jumps} jumps");
        // Stepping in small increments gives the same rate.
        let mut q = ReferencePath::new(vec![(0.0, 100.0)], Some(d), rng(3));
        let mut t = 0.0;
        while t < 100.0 * 3600.0 {
            t += 1.0;
            q.advance_to(t);
        }
        let jumps = -(q.price() / 100.0).ln() / 0.01;
        assert!(
            (jumps / 600.0 - 1.0).abs() < 0.1,
            "{jumps} jumps in small steps"
        );
    }
}
