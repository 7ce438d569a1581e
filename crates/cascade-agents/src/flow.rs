//! Order flow besides market making: noise, momentum, stop-loss and informed traders.
//!
//! Each type holds its parameters and what it remembers; the engine wakes it, shows it the
//! venue, and carries out the order it asks for (within its wallet).
//!
//! - [`NoiseTrader`]: market orders at Poisson times, random size and side.
//! - [`MomentumTrader`]: every `interval`, compares the venue's price with the one `lookback`
//!   ago and trades in the direction of the move when it exceeds `threshold`.
//! - [`StopLoss`]: a holder who sells everything with a market order once the venue's last
//!   trade falls to its stop price (a population of them turns a price drop into sell pressure).
//! - [`InformedTrader`]: knows the exogenous reference price and trades the venue toward it when
//!   it strays by more than `threshold` (with IOC orders limited to that band), unwinding its
//!   inventory off-venue at a half-life, as a cross-venue arbitrageur does.

use cascade_des::dist::Dist;
use cascade_types::{Lots, SimDuration, SimTime, Ticks};
use std::collections::VecDeque;

/// Market orders at Poisson times.
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseTrader {
    /// Mean orders per minute.
    pub orders_per_minute: f64,
    /// Order size, base units.
    pub size: Dist,
    /// Probability that an order buys.
    pub buy_probability: f64,
}

/// Trend following on the venue's price.
#[derive(Clone, Debug, PartialEq)]
pub struct MomentumTrader {
    /// Time between looks.
    pub interval: SimDuration,
    /// How far back it compares.
    pub lookback: SimDuration,
    /// Smallest relative move it trades on.
    pub threshold: f64,
    /// Size per trade.
    pub size: Lots,
    /// Prices it has seen: (time, price in ticks).
    pub seen: VecDeque<(SimTime, i64)>,
}

impl MomentumTrader {
    /// Records `price` at `now` and returns the relative move since `lookback` ago, once that
    /// much history exists.
    pub fn observe(&mut self, now: SimTime, price: Ticks) -> Option<f64> {
        self.seen.push_back((now, price.0));
        let horizon = SimTime(now.0.checked_sub(self.lookback.0)?);
        while self.seen.len() > 1 && self.seen[1].0 <= horizon {
            self.seen.pop_front();
        }
        let (t0, p0) = *self.seen.front()?;
        (t0 <= horizon && p0 > 0).then(|| price.0 as f64 / p0 as f64 - 1.0)
    }
}

/// A holder with a stop price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopLoss {
    /// Sell everything once a trade prints at or below this.
    pub stop: Ticks,
    /// Triggered already (a stop fires once).
    pub fired: bool,
}

/// Trades the venue toward the exogenous reference.
#[derive(Clone, Debug, PartialEq)]
pub struct InformedTrader {
    /// Reaction delay to a reference move, milliseconds.
    pub latency_ms: Dist,
    /// Relative distance from the reference beyond which it trades.
    pub threshold: f64,
    /// Largest order, base units.
    pub max_size: Lots,
    /// Inventory away from its starting level is unwound off-venue with this half-life.
    pub unwind_half_life: SimDuration,
    /// Starting inventory it returns to.
    pub target_inventory: Lots,
    /// When it last unwound.
    pub last_unwind: SimTime,
    /// A wake-up is scheduled.
    pub pending: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn momentum_compares_with_the_price_a_lookback_ago() {
        let mut m = MomentumTrader {
            interval: SimDuration::from_secs(5),
            lookback: SimDuration::from_secs(10),
            threshold: 0.01,
            size: Lots(1),
            seen: VecDeque::new(),
        };
        let t = |s: u64| SimTime(s * 1_000_000_000);
        assert_eq!(m.observe(t(0), Ticks(1000)), None);
        assert_eq!(m.observe(t(5), Ticks(990)), None, "not yet 10 s of history");
        let r = m.observe(t(10), Ticks(950)).unwrap();
        assert!((r - (950.0 / 1000.0 - 1.0)).abs() < 1e-12);
        // 5 s later the comparison point moves to t = 5 (990).
        let r = m.observe(t(15), Ticks(990)).unwrap();
        assert!((r - 0.0).abs() < 1e-12);
        assert_eq!(m.seen.len(), 3);
    }
}
