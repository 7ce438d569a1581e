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

/// One regime of a regime-switching factor: its jump-diffusion and how long the path stays in
/// it (exponentially distributed, with this mean).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Regime {
    /// The factor's dynamics in this regime.
    pub diffusion: JumpDiffusion,
    /// Mean time in the regime before switching, seconds.
    pub mean_stay_s: f64,
}

/// The regimes of a path and where it is among them.
#[derive(Clone, Debug)]
struct Regimes {
    regimes: Vec<Regime>,
    current: usize,
    /// Path time of the next switch, seconds.
    next_switch: f64,
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
    regimes: Option<Regimes>,
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
            regimes: None,
            x: 0.0,
            t: 0.0,
            rng,
        };
        p.enter_bar_at(0.0);
        p
    }

    /// The same path with a regime-switching factor (a Markov chain in continuous time): it
    /// starts in `regimes[0]`, stays in a regime for an exponential time of that regime's mean,
    /// then moves to another regime (the other one of two; one of the others, uniformly, of
    /// more), and the factor follows the current regime's jump-diffusion. Holding times and
    /// choices draw from the path's stream. Fewer than two regimes leave the path unchanged
    /// (one regime is its own diffusion).
    pub fn with_regimes(mut self, regimes: Vec<Regime>) -> Self {
        assert!(
            regimes.iter().all(|r| r.mean_stay_s > 0.0),
            "regimes need positive mean stays"
        );
        match regimes.len() {
            0 => {}
            1 => self.diffusion = Some(regimes[0].diffusion),
            _ => {
                self.diffusion = Some(regimes[0].diffusion);
                let stay = dist::exponential(&mut self.rng, regimes[0].mean_stay_s);
                self.regimes = Some(Regimes {
                    regimes,
                    current: 0,
                    next_switch: self.t + stay,
                });
            }
        }
        self
    }

    /// The regime the path is in (0 without regimes).
    pub fn regime(&self) -> usize {
        self.regimes.as_ref().map_or(0, |r| r.current)
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
            // Regime switches inside the step split it: each part follows its own regime.
            let mut from = self.t;
            while let Some(r) = &self.regimes
                && r.next_switch < t
            {
                let at = r.next_switch.max(from);
                self.step_factor(at - from);
                from = at;
                self.switch_regime();
            }
            self.step_factor(t - from);
            self.t = t;
        }
        self.price()
    }

    /// Advances the factor by `dt` seconds under the current diffusion.
    fn step_factor(&mut self, dt: f64) {
        let Some(d) = self.diffusion else {
            return;
        };
        if dt <= 0.0 {
            return;
        }
        let dt_y = dt / YEAR_SECS;
        let z = dist::standard_normal(&mut self.rng);
        self.x += (d.drift_annual - 0.5 * d.sigma_annual * d.sigma_annual) * dt_y
            + d.sigma_annual * dt_y.sqrt() * z;
        let n = poisson(&mut self.rng, d.jumps_per_hour * dt / 3600.0);
        for _ in 0..n {
            self.x += d.jump_mean + d.jump_std * dist::standard_normal(&mut self.rng);
        }
    }

    /// Moves to the next regime at its scheduled time and draws how long it lasts.
    fn switch_regime(&mut self) {
        let Some(r) = self.regimes.as_mut() else {
            return;
        };
        let n = r.regimes.len();
        let next = if n == 2 {
            1 - r.current
        } else {
            let k = ((dist::unit(&mut self.rng) * (n - 1) as f64) as usize).min(n - 2);
            if k >= r.current { k + 1 } else { k }
        };
        r.current = next;
        r.next_switch += dist::exponential(&mut self.rng, r.regimes[next].mean_stay_s);
        self.diffusion = Some(r.regimes[next].diffusion);
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

    fn calm_and_stressed(sigma: (f64, f64), stays: (f64, f64)) -> Vec<Regime> {
        let d = |sigma_annual| JumpDiffusion {
            drift_annual: 0.0,
            sigma_annual,
            jumps_per_hour: 0.0,
            jump_mean: 0.0,
            jump_std: 0.0,
        };
        vec![
            Regime {
                diffusion: d(sigma.0),
                mean_stay_s: stays.0,
            },
            Regime {
                diffusion: d(sigma.1),
                mean_stay_s: stays.1,
            },
        ]
    }

    /// Two regimes with mean stays of 3,600 s and 600 s: the path spends 600 / 4,200 = 14.3%
    /// of its time in the second and switches about 2 x T / 4,200 times.
    #[test]
    fn regimes_alternate_with_their_mean_stays() {
        let regimes = calm_and_stressed((0.5, 3.0), (3600.0, 600.0));
        let mut p = ReferencePath::new(vec![(0.0, 100.0)], None, rng(5)).with_regimes(regimes);
        let (end, step) = (4_200_000.0, 10.0);
        let (mut t, mut in_second, mut switches, mut last) = (0.0, 0.0, 0u32, 0usize);
        while t < end {
            t += step;
            p.advance_to(t);
            if p.regime() == 1 {
                in_second += step;
            }
            if p.regime() != last {
                switches += 1;
                last = p.regime();
            }
        }
        let share = in_second / end;
        assert!((share - 600.0 / 4200.0).abs() < 0.015, "share {share}");
        assert!(
            (f64::from(switches) / 2000.0 - 1.0).abs() < 0.1,
            "{switches} switches"
        );
    }

    /// Log returns over steps that stay inside one regime have that regime's variance.
    #[test]
    fn each_regime_has_its_own_volatility() {
        let (s0, s1) = (0.5, 3.0);
        let regimes = calm_and_stressed((s0, s1), (3600.0, 1800.0));
        let mut p = ReferencePath::new(vec![(0.0, 100.0)], None, rng(6)).with_regimes(regimes);
        let step = 10.0;
        let mut sums = [(0.0f64, 0u32); 2];
        let (mut t, mut prev) = (0.0, p.price().ln());
        while t < 3_000_000.0 {
            let before = p.regime();
            t += step;
            let cur = p.advance_to(t).ln();
            if p.regime() == before {
                let r = cur - prev;
                sums[before].0 += r * r;
                sums[before].1 += 1;
            }
            prev = cur;
        }
        for (k, sigma) in [(0, s0), (1, s1)] {
            let v = sums[k].0 / f64::from(sums[k].1);
            let want = sigma * sigma * step / YEAR_SECS;
            assert!((v / want - 1.0).abs() < 0.05, "regime {k}: {v} vs {want}");
        }
    }

    /// No regimes, or one, leave the path as it was.
    #[test]
    fn fewer_than_two_regimes_change_nothing() {
        let d = calm_and_stressed((0.8, 0.8), (1.0, 1.0))[0].diffusion;
        let mut a = ReferencePath::new(vec![(0.0, 100.0)], Some(d), rng(8));
        let mut b = ReferencePath::new(vec![(0.0, 100.0)], Some(d), rng(8)).with_regimes(vec![]);
        let mut c =
            ReferencePath::new(vec![(0.0, 100.0)], None, rng(8)).with_regimes(vec![Regime {
                diffusion: d,
                mean_stay_s: 60.0,
            }]);
        for k in 1..1000 {
            let t = f64::from(k) * 1.5;
            let pa = a.advance_to(t);
            assert_eq!(pa, b.advance_to(t));
            assert_eq!(pa, c.advance_to(t));
        }
    }
}
