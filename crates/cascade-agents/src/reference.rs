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

/// One bar of an exogenous price record: open, high, low, close.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ohlc {
    /// Open.
    pub open: f64,
    /// High.
    pub high: f64,
    /// Low.
    pub low: f64,
    /// Close.
    pub close: f64,
}

/// The deterministic part of a reference path.
#[derive(Clone, Debug, PartialEq)]
pub enum PathBase {
    /// `(seconds, price)` knots, times non-decreasing; linear between them, flat outside.
    Knots(Vec<(f64, f64)>),
    /// Consecutive bars of `interval` seconds from time 0, each filled in by a seeded Brownian
    /// bridge (see [`ReferencePath`]); flat at the last close after the last bar.
    Bars {
        /// The bars.
        bars: Vec<Ohlc>,
        /// Bar length, seconds.
        interval: f64,
        /// Spacing of the bridge's points, seconds.
        step: f64,
    },
}

/// The reference price: `base(t) * exp(X_t)`.
///
/// With knots, the base is linear between them. With bars, each bar is filled in when the path
/// reaches it: the path starts at the open, visits the low then the high if the bar closed up
/// (the high then the low if it closed down) at two uniformly drawn times, and ends at the
/// close; between these anchors it follows a Brownian bridge in log price with a volatility
/// scaled to the bar's range (`ln(high / low) / 4` per bar), kept within `[low, high]`. So every
/// bar's open, high, low and close are hit exactly. `X` is the optional jump-diffusion factor,
/// stepped by [`ReferencePath::advance_to`].
#[derive(Clone, Debug)]
pub struct ReferencePath {
    base: PathBase,
    /// Bridge points of the bar being traversed, and its index.
    bar_knots: Vec<(f64, f64)>,
    bar: Option<usize>,
    diffusion: Option<JumpDiffusion>,
    x: f64,
    t: f64,
    rng: StreamRng,
}

/// Linear interpolation in sorted knots, flat outside.
fn interpolate(k: &[(f64, f64)], t: f64) -> f64 {
    let i = k.partition_point(|&(tk, _)| tk < t);
    if i == 0 {
        return k[0].1;
    }
    if i == k.len() {
        return k[k.len() - 1].1;
    }
    let ((t0, p0), (t1, p1)) = (k[i - 1], k[i]);
    if t1 > t0 {
        p0 + (p1 - p0) * (t - t0) / (t1 - t0)
    } else {
        p1
    }
}

impl ReferencePath {
    /// A path through `knots` (at least one, times increasing) with an optional random factor
    /// drawn from `rng`.
    pub fn new(knots: Vec<(f64, f64)>, diffusion: Option<JumpDiffusion>, rng: StreamRng) -> Self {
        Self::with_base(PathBase::Knots(knots), diffusion, rng)
    }

    /// A path over `base` (non-empty) with an optional random factor; bridges and the factor
    /// draw from `rng`.
    pub fn with_base(base: PathBase, diffusion: Option<JumpDiffusion>, rng: StreamRng) -> Self {
        match &base {
            PathBase::Knots(k) => assert!(!k.is_empty(), "a reference path needs a knot"),
            PathBase::Bars {
                bars,
                interval,
                step,
            } => {
                assert!(
                    !bars.is_empty() && *interval > 0.0 && *step > 0.0,
                    "a bar path needs bars and positive spacing"
                );
            }
        }
        let mut p = ReferencePath {
            base,
            bar_knots: Vec::new(),
            bar: None,
            diffusion,
            x: 0.0,
            t: 0.0,
            rng,
        };
        p.enter_bar_at(0.0);
        p
    }

    /// Fills in the bar containing `t` if it is not the current one.
    fn enter_bar_at(&mut self, t: f64) {
        let PathBase::Bars {
            bars,
            interval,
            step,
        } = &self.base
        else {
            return;
        };
        let i = ((t / interval).floor().max(0.0) as usize).min(bars.len() - 1);
        if self.bar == Some(i) {
            return;
        }
        let (b, interval, step) = (bars[i], *interval, *step);
        let start = i as f64 * interval;
        self.bar = Some(i);
        self.bar_knots = bridge(b, start, interval, step, &mut self.rng);
    }

    /// The deterministic part at `t` seconds (for bars: the bridge of the current bar, which
    /// [`ReferencePath::advance_to`] keeps up to date).
    pub fn knot_price(&self, t: f64) -> f64 {
        match &self.base {
            PathBase::Knots(k) => interpolate(k, t),
            PathBase::Bars { bars, interval, .. } => {
                if t >= bars.len() as f64 * interval {
                    bars[bars.len() - 1].close
                } else {
                    interpolate(&self.bar_knots, t)
                }
            }
        }
    }

    /// Steps the random factor to `t` seconds (not before the current time) and returns the price.
    pub fn advance_to(&mut self, t: f64) -> f64 {
        let dt = t - self.t;
        if dt > 0.0 {
            self.enter_bar_at(t);
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

/// The bridge points of one bar (see [`ReferencePath`]).
fn bridge(b: Ohlc, start: f64, interval: f64, step: f64, rng: &mut StreamRng) -> Vec<(f64, f64)> {
    let (lo, hi) = (
        b.low.min(b.open.min(b.close)),
        b.high.max(b.open.max(b.close)),
    );
    let mut u = [dist::unit(rng), dist::unit(rng)];
    u.sort_by(f64::total_cmp);
    let (first, second) = if b.close >= b.open {
        (lo, hi)
    } else {
        (hi, lo)
    };
    let anchors = [(0.0, b.open), (u[0], first), (u[1], second), (1.0, b.close)];
    let sigma = if hi > lo {
        libm::log(hi / lo) / 4.0
    } else {
        0.0
    };
    let n = ((interval / step).round() as usize).max(1);
    let mut out = Vec::with_capacity(n + 4);
    out.push((start, b.open));
    for w in anchors.windows(2) {
        let ((ta, va), (tb, vb)) = (w[0], w[1]);
        let (la, lb) = (libm::log(va), libm::log(vb));
        // Grid points strictly inside (ta, tb), then the anchor at tb.
        let k0 = (ta * n as f64).floor() as usize + 1;
        let mut noise = 0.0;
        let mut tk_prev = ta;
        for k in k0..n {
            let tk = k as f64 / n as f64;
            if tk >= tb {
                break;
            }
            // Brownian bridge from (tk_prev, noise) to (tb, 0).
            let (rem_prev, rem) = (tb - tk_prev, tb - tk);
            let dt = tk - tk_prev;
            noise = noise * rem / rem_prev
                + sigma * (dt * rem / rem_prev).sqrt() * dist::standard_normal(rng);
            let trend = la + (lb - la) * (tk - ta) / (tb - ta).max(1e-12);
            let price = libm::exp(trend + noise).clamp(lo, hi);
            out.push((start + tk * interval, price));
            tk_prev = tk;
        }
        out.push((start + tb * interval, vb));
    }
    out
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

    /// Every bar's open, high, low and close are on the path, and the path stays within the
    /// bar's range.
    #[test]
    fn bars_are_bridged_through_their_extremes() {
        let bars = vec![
            Ohlc {
                open: 100.0,
                high: 104.0,
                low: 98.0,
                close: 103.0,
            },
            Ohlc {
                open: 103.0,
                high: 103.5,
                low: 90.0,
                close: 91.0,
            },
        ];
        let base = PathBase::Bars {
            bars: bars.clone(),
            interval: 60.0,
            step: 1.0,
        };
        let mut p = ReferencePath::with_base(base, None, rng(9));
        let mut seen: Vec<Vec<f64>> = vec![Vec::new(); 2];
        let mut t = 0.0;
        while t < 120.0 {
            let price = p.advance_to(t);
            seen[(t / 60.0) as usize].push(price);
            // The bridge knots hit the extremes between grid points; check them directly too.
            t += 0.25;
        }
        for (b, prices) in bars.iter().zip(&seen) {
            assert!(
                prices
                    .iter()
                    .all(|&x| x >= b.low - 1e-9 && x <= b.high + 1e-9),
                "{prices:?}"
            );
            assert!((prices[0] - b.open).abs() < 1e-9, "starts at the open");
        }
        // Each bar's bridge contains its extremes and close exactly.
        let k = bridge(bars[0], 0.0, 60.0, 1.0, &mut rng(10));
        let vals: Vec<f64> = k.iter().map(|x| x.1).collect();
        for v in [100.0, 104.0, 98.0, 103.0] {
            assert!(vals.contains(&v), "{v} missing");
        }
        assert_eq!(k.last().unwrap().0, 60.0);
        // Closed up: the low comes before the high.
        let t_low = k.iter().find(|x| x.1 == 98.0).unwrap().0;
        let t_high = k.iter().find(|x| x.1 == 104.0).unwrap().0;
        assert!(t_low < t_high);
        // After the last bar the path holds the last close.
        assert_eq!(p.advance_to(500.0), 91.0);
    }

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
