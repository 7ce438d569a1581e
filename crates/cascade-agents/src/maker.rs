//! Market makers: a finite quote ladder around the reference, skewed by inventory.
//!
//! The ladder's centre is the reference price shifted against the maker's inventory excess,
//! linearly as in Avellaneda and Stoikov's reservation price `r = s - q * gamma * sigma^2 * (T - t)`
//! (Quantitative Finance 8(3), 2008), here with one coefficient, `skew_per_unit`, and a cap. A maker
//! that has absorbed forced sales therefore quotes lower until it has hedged the excess away; it
//! hedges outside the book at the reference price, closing a fraction `1 - 2^(-dt / half_life)` of
//! the excess each time it re-quotes, which sets the book's resilience (the decay of price
//! impact, as in Obizhaeva and Wang's resilience rate, `reference/mechanisms.md` §8).
//!
//! Under stress a maker quotes wider and thinner and may withdraw: it keeps an exponentially
//! weighted estimate of the realised volatility of the mid it sees; with `stress = vol /
//! baseline - 1` (floored at 0), its half spread grows by `spread_per_stress * stress` of
//! itself and its size per level shrinks by `1 + depth_per_stress * stress`; above
//! `withdraw_above` times the baseline it pulls every quote, and once the volatility falls back
//! it brings its levels back at `refill_levels_per_s` (the refill of a Obizhaeva-Wang book).

use crate::Wallet;
use cascade_des::dist::Dist;
use cascade_types::{Lots, MarketSpec, Quote as Amount, Side, SimDuration, SimTime, Ticks};

/// How a market maker quotes.
#[derive(Clone, Debug, PartialEq)]
pub struct MakerParams {
    /// Levels per side.
    pub levels: u32,
    /// Distance from the centre to the best quote on each side, in basis points.
    pub half_spread_bps: f64,
    /// Distance between levels, in basis points (at least one tick).
    pub level_spacing_bps: f64,
    /// Size of each level.
    pub size_per_level: Lots,
    /// Centre shift per base unit of inventory above target, as a fraction of the price
    /// (e.g. 0.0002 = 2 bps per unit).
    pub skew_per_unit: f64,
    /// Largest centre shift, as a fraction of the price.
    pub max_skew: f64,
    /// Inventory the maker aims to hold.
    pub target_inventory: Lots,
    /// Risk limit: the maker bids only for what keeps its inventory at or below this, so a
    /// maker that has absorbed enough forced sales stops bidding until it has hedged.
    pub max_inventory: Lots,
    /// Half-life of the inventory excess under hedging; `None` never hedges.
    pub hedge_half_life: Option<SimDuration>,
    /// Delay from a trigger (reference move, fill) to the new quotes, in milliseconds.
    pub latency_ms: Dist,
    /// How quotes respond to realised volatility; `None` ignores it.
    pub stress: Option<StressResponse>,
}

/// A maker's response to realised volatility (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StressResponse {
    /// Half-life of the volatility estimate.
    pub vol_half_life: SimDuration,
    /// Annualised volatility the normal quotes are meant for.
    pub baseline_vol: f64,
    /// Relative widening of the half spread per unit of stress.
    pub spread_per_stress: f64,
    /// Relative thinning of each level per unit of stress.
    pub depth_per_stress: f64,
    /// Volatility, as a multiple of the baseline, above which every quote is pulled.
    pub withdraw_above: f64,
    /// Levels restored per second once the volatility is back below that.
    pub refill_levels_per_s: f64,
}

/// Seconds in the year used to annualise volatility (365 days).
const YEAR_SECS: f64 = 365.0 * 86_400.0;

/// The realised-volatility estimate and the levels a stressed maker still quotes.
#[derive(Clone, Copy, Debug, PartialEq)]
struct StressState {
    last: Option<(SimTime, f64)>,
    /// Variance of log returns per second.
    var_rate: f64,
    active_levels: f64,
}

/// One quote of a ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    /// Bid or ask.
    pub side: Side,
    /// Limit price.
    pub price: Ticks,
    /// Size.
    pub qty: Lots,
}

/// A market maker's private state.
#[derive(Clone, Debug)]
pub struct MarketMaker {
    /// Quoting rules.
    pub params: MakerParams,
    /// Orders resting in the book.
    pub orders: Vec<cascade_types::OrderId>,
    /// A re-quote is scheduled and not yet done.
    pub requote_pending: bool,
    /// When the maker last hedged.
    pub last_hedge: SimTime,
    stress: StressState,
}

/// An off-book hedge trade at the reference price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hedge {
    /// `Ask` sells base, `Bid` buys it.
    pub side: Side,
    /// Quantity.
    pub qty: Lots,
    /// Price.
    pub price: Ticks,
}

impl MarketMaker {
    /// A maker with no orders yet.
    pub fn new(params: MakerParams) -> Self {
        let var_rate = params
            .stress
            .map_or(0.0, |s| s.baseline_vol * s.baseline_vol / YEAR_SECS);
        let active_levels = f64::from(params.levels);
        MarketMaker {
            params,
            orders: Vec::new(),
            requote_pending: false,
            last_hedge: SimTime::ZERO,
            stress: StressState {
                last: None,
                var_rate,
                active_levels,
            },
        }
    }

    /// Takes in the price the maker sees at `now` (its venue's mid): updates the volatility
    /// estimate and the levels it is willing to quote.
    pub fn observe(&mut self, now: SimTime, price: f64) {
        let Some(s) = self.params.stress else { return };
        if price.is_nan() || price <= 0.0 {
            return;
        }
        if let Some((t0, p0)) = self.stress.last {
            let dt = now.saturating_since(t0).as_secs_f64();
            if dt > 0.0 {
                let r = libm::log(price / p0);
                let keep = libm::exp2(-dt / s.vol_half_life.as_secs_f64().max(1e-9));
                self.stress.var_rate = keep * self.stress.var_rate + (1.0 - keep) * r * r / dt;
                let levels = f64::from(self.params.levels);
                self.stress.active_levels = if self.stress_ratio() > s.withdraw_above {
                    0.0
                } else {
                    (self.stress.active_levels + s.refill_levels_per_s * dt).min(levels)
                };
            }
        }
        self.stress.last = Some((now, price));
    }

    /// Realised volatility over the baseline (1 when calm; 1 without a stress response).
    pub fn stress_ratio(&self) -> f64 {
        match self.params.stress {
            Some(s) if s.baseline_vol > 0.0 => {
                (self.stress.var_rate * YEAR_SECS).sqrt() / s.baseline_vol
            }
            _ => 1.0,
        }
    }

    /// Levels per side the maker quotes now.
    pub fn active_levels(&self) -> u32 {
        if self.params.stress.is_some() {
            self.stress.active_levels.floor() as u32
        } else {
            self.params.levels
        }
    }

    /// The ladder's centre in ticks (fractional) for this inventory.
    pub fn centre(&self, reference_ticks: f64, inventory: Lots, spec: &MarketSpec) -> f64 {
        let excess = spec.qty(inventory) - spec.qty(self.params.target_inventory);
        let shift =
            (self.params.skew_per_unit * excess).clamp(-self.params.max_skew, self.params.max_skew);
        reference_ticks * (1.0 - shift)
    }

    /// The ladder to post, within the wallet's means and risk limit: bids cost at most the cash
    /// and buy at most up to `max_inventory`, asks offer at most the inventory. Best levels
    /// first on each side.
    pub fn ladder(&self, reference_ticks: f64, wallet: Wallet, spec: &MarketSpec) -> Vec<Quote> {
        let p = &self.params;
        let centre = self.centre(reference_ticks, wallet.base, spec);
        let excess_stress = (self.stress_ratio() - 1.0).max(0.0);
        let (widen, thin) = p.stress.map_or((1.0, 1.0), |s| {
            (
                1.0 + s.spread_per_stress * excess_stress,
                1.0 + s.depth_per_stress * excess_stress,
            )
        });
        let size = Lots(((p.size_per_level.0 as f64 / thin).floor() as u64).max(1));
        let levels = i64::from(self.active_levels());
        let half = (centre * p.half_spread_bps * 1e-4 * widen).max(0.5);
        let spacing = ((centre * p.level_spacing_bps * 1e-4).round() as i64).max(1);
        let best_bid = ((centre - half).floor() as i64).max(1);
        let best_ask = ((centre + half).ceil() as i64).max(best_bid + 1);
        let mut out = Vec::with_capacity(2 * levels as usize);
        let mut cash = wallet.cash.0;
        let mut room = p.max_inventory.0.saturating_sub(wallet.base.0);
        for i in 0..levels {
            let price = best_bid - i * spacing;
            if price <= 0 {
                break;
            }
            let qty = size.0.min(cash / price as u64).min(room);
            if qty == 0 {
                break;
            }
            cash -= qty * price as u64;
            room -= qty;
            out.push(Quote {
                side: Side::Bid,
                price: Ticks(price),
                qty: Lots(qty),
            });
        }
        let mut base = wallet.base.0;
        for i in 0..levels {
            let qty = size.0.min(base);
            if qty == 0 {
                break;
            }
            base -= qty;
            out.push(Quote {
                side: Side::Ask,
                price: Ticks(best_ask + i * spacing),
                qty: Lots(qty),
            });
        }
        out
    }

    /// The hedge to do at `now`: a share `1 - 2^(-dt/half_life)` of the inventory excess, traded
    /// at the reference price within the wallet's means. Updates the hedge clock.
    pub fn hedge(&mut self, now: SimTime, reference: Ticks, wallet: Wallet) -> Option<Hedge> {
        let half_life = self.params.hedge_half_life?;
        let dt = now.saturating_since(self.last_hedge);
        self.last_hedge = now;
        if half_life.as_nanos() == 0 || reference.0 <= 0 {
            return None;
        }
        let share = 1.0 - libm::exp2(-(dt.as_nanos() as f64) / half_life.as_nanos() as f64);
        let target = self.params.target_inventory.0;
        let (side, excess) = if wallet.base.0 >= target {
            (Side::Ask, wallet.base.0 - target)
        } else {
            (Side::Bid, target - wallet.base.0)
        };
        let mut qty = (excess as f64 * share).floor() as u64;
        if side == Side::Bid {
            qty = qty.min(wallet.cash.0 / reference.0 as u64);
        }
        (qty > 0).then_some(Hedge {
            side,
            qty: Lots(qty),
            price: reference,
        })
    }
}

/// The cash value of a hedge (what changes hands).
pub fn hedge_value(h: &Hedge) -> Amount {
    h.qty.value_at(h.price)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> MarketSpec {
        MarketSpec {
            tick_size: 0.01,
            lot_size: 0.001,
        }
    }

    fn params() -> MakerParams {
        MakerParams {
            levels: 3,
            half_spread_bps: 5.0,
            level_spacing_bps: 10.0,
            size_per_level: Lots(2_000),
            skew_per_unit: 0.001,
            max_skew: 0.05,
            target_inventory: Lots(10_000),
            max_inventory: Lots(100_000),
            hedge_half_life: Some(SimDuration::from_secs(60)),
            latency_ms: Dist::Constant(100.0),
            stress: None,
        }
    }

    /// At target inventory around 2,000.00 USD: half spread 5 bps = 100 ticks, spacing 10 bps =
    /// 200 ticks; bids 1,999.00 / 1,997.00 / 1,995.00, asks 2,001.00 / 2,003.00 / 2,005.00.
    #[test]
    fn ladder_by_hand() {
        let m = MarketMaker::new(params());
        let w = Wallet {
            cash: Amount(u64::MAX / 4),
            base: Lots(10_000),
        };
        let q = m.ladder(200_000.0, w, &spec());
        let prices: Vec<_> = q.iter().map(|q| (q.side, q.price.0, q.qty.0)).collect();
        assert_eq!(
            prices,
            [
                (Side::Bid, 199_900, 2_000),
                (Side::Bid, 199_700, 2_000),
                (Side::Bid, 199_500, 2_000),
                (Side::Ask, 200_100, 2_000),
                (Side::Ask, 200_300, 2_000),
                (Side::Ask, 200_500, 2_000),
            ]
        );
    }

    /// 4 ETH above target at 1 bp... here 10 bps per unit: the centre drops 0.4%, to 1,992.00.
    /// Cash for 1.5 levels only: the second bid is partial, the third absent; 4 units of excess
    /// plus 10 target = 14 ETH, enough for all asks.
    #[test]
    fn inventory_skews_the_centre_and_means_cap_the_ladder() {
        let m = MarketMaker::new(params());
        let cash = Lots(3_000).value_at(Ticks(199_100)).0; // about 1.5 levels at the top bid
        let w = Wallet {
            cash: Amount(cash),
            base: Lots(14_000),
        };
        assert!((m.centre(200_000.0, w.base, &spec()) - 199_200.0).abs() < 1e-6);
        let q = m.ladder(200_000.0, w, &spec());
        let bids: Vec<_> = q
            .iter()
            .filter(|q| q.side == Side::Bid)
            .map(|q| (q.price.0, q.qty.0))
            .collect();
        // Centre 199,200; half spread 99.6 -> best bid floor(199,100.4) = 199,100; spacing 199.
        assert_eq!(bids[0], (199_100, 2_000));
        assert_eq!(bids[1].0, 198_901);
        assert_eq!(bids[1].1, (cash - 2_000 * 199_100) / 198_901);
        assert_eq!(bids.len(), 2);
        let ask_total: u64 = q
            .iter()
            .filter(|q| q.side == Side::Ask)
            .map(|q| q.qty.0)
            .sum();
        assert_eq!(ask_total, 6_000);
    }

    /// At its risk limit a maker bids only for the room left: 14 ETH held, limit 17 ETH.
    #[test]
    fn the_risk_limit_caps_bids() {
        let mut p = params();
        p.max_inventory = Lots(17_000);
        let m = MarketMaker::new(p);
        let w = Wallet {
            cash: Amount(u64::MAX / 4),
            base: Lots(14_000),
        };
        let bids: Vec<_> = m
            .ladder(200_000.0, w, &spec())
            .into_iter()
            .filter(|q| q.side == Side::Bid)
            .map(|q| q.qty.0)
            .collect();
        assert_eq!(bids, [2_000, 1_000]);
        let full = Wallet {
            base: Lots(17_500),
            ..w
        };
        assert!(
            m.ladder(200_000.0, full, &spec())
                .iter()
                .all(|q| q.side == Side::Ask)
        );
    }

    /// A volatility spike widens and thins the ladder, a large one withdraws it, and calm
    /// brings the levels back at the refill rate.
    #[test]
    fn stress_widens_thins_and_withdraws_quotes() {
        let mut p = params();
        p.stress = Some(StressResponse {
            vol_half_life: SimDuration::from_secs(10),
            baseline_vol: 0.5,
            spread_per_stress: 1.0,
            depth_per_stress: 1.0,
            withdraw_above: 4.0,
            refill_levels_per_s: 0.5,
        });
        let mut m = MarketMaker::new(p);
        let w = Wallet {
            cash: Amount(u64::MAX / 4),
            base: Lots(10_000),
        };
        let t = |s: u64| SimTime(s * 1_000_000_000);
        // Calm: the baseline volatility, full ladder.
        assert!((m.stress_ratio() - 1.0).abs() < 1e-12);
        assert_eq!(m.ladder(200_000.0, w, &spec()).len(), 6);
        // A 0.05% move in one second with a 10 s half-life. Baseline variance per second:
        // 0.5^2 / 31,536,000 = 7.93e-9. After the move: 2^-0.1 * 7.93e-9 + (1 - 2^-0.1) *
        // ln(2001/2000)^2 = 7.40e-9 + 0.0670 * 2.50e-7 = 2.41e-8, so the volatility is
        // sqrt(2.41e-8 / 7.93e-9) = 1.74 times the baseline: widened and thinned, not withdrawn.
        m.observe(t(0), 2000.0);
        m.observe(t(1), 2001.0);
        let r = m.stress_ratio();
        assert!((r - 1.744).abs() < 0.01, "{r}");
        let q = m.ladder(200_000.0, w, &spec());
        assert_eq!(q.len(), 6);
        assert!(q[0].qty.0 < 2_000 && q[0].price.0 < 199_900, "{:?}", q[0]);
        // A 1% move in a second (about 29 times the baseline volatility): everything is pulled.
        m.observe(t(2), 2021.0);
        assert!(m.stress_ratio() > 4.0);
        assert_eq!(m.active_levels(), 0);
        assert!(m.ladder(200_000.0, w, &spec()).is_empty());
        // Calm again for long enough that the estimate decays below 4x: levels come back at 0.5
        // per second, never beyond the configured three.
        let mut s = 2;
        while m.stress_ratio() > 4.0 {
            s += 1;
            m.observe(t(s), 2021.0);
        }
        let back = m.active_levels();
        m.observe(t(s + 2), 2021.0);
        assert_eq!(m.active_levels(), (back + 1).min(3));
        m.observe(t(s + 100), 2021.0);
        assert_eq!(m.active_levels(), 3);
    }

    /// After one half-life, half the excess is hedged at the reference price.
    #[test]
    fn hedging_halves_the_excess_each_half_life() {
        let mut m = MarketMaker::new(params());
        let w = Wallet {
            cash: Amount(0),
            base: Lots(14_000),
        };
        let h = m.hedge(SimTime(60_000_000_000), Ticks(150_000), w).unwrap();
        assert_eq!(
            h,
            Hedge {
                side: Side::Ask,
                qty: Lots(2_000),
                price: Ticks(150_000)
            }
        );
        assert_eq!(hedge_value(&h), Amount(300_000_000));
        // Short of target with no cash: nothing to buy with.
        let w = Wallet {
            cash: Amount(0),
            base: Lots(6_000),
        };
        assert_eq!(m.hedge(SimTime(120_000_000_000), Ticks(150_000), w), None);
    }
}
