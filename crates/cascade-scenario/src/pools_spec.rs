//! AMM pools and arbitrageurs in a scenario: the spec as users write it, range checks, and
//! conversion to the engine's [`PoolConfig`] and [`ArbitrageurConfig`].
//!
//! A pool's token 0 is the base asset in atoms of 10^-15 lot (wei for a 0.001 ETH lot) and token 1
//! the quote asset in quote atoms. A v2 pool starts with `base` and, unless given, the quote that prices it at
//! the reference's first price. A v3 pool starts at the tick of that price with one position over
//! `[lo, hi]` whose liquidity holds `base` of the base asset at the starting price.

use crate::schema::{Check, MarketUnits, fail, non_negative, positive, within};
use cascade_agents::{ArbParams, Wallet};
use cascade_amm::{Pool, V2Pool, V3Pool};
use cascade_des::dist::Dist;
use cascade_engine::{ArbitrageurConfig, BASE_ATOMS_PER_LOT, PoolConfig};
use cascade_types::{AgentId, Bps, Lots, MarketSpec, SimDuration, Ticks};
use serde::{Deserialize, Serialize};

/// An AMM pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Name, unique among venues and pools; routes and oracle sources refer to it.
    pub name: String,
    /// The pool model.
    pub kind: PoolKindSpec,
    /// Base asset in the pool at the start (for v3: held by the position at the start price).
    pub base: f64,
    /// Quote asset in a v2 pool at the start, quote currency (default: `base` at the reference's
    /// first price).
    #[serde(default)]
    pub quote: Option<f64>,
}

/// Pool models.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PoolKindSpec {
    /// Uniswap v2 constant product with this fee (fraction, 0.003 = 0.3%).
    V2 {
        /// The fee.
        fee: f64,
    },
    /// Uniswap v3 concentrated liquidity: one position over `[lo, hi]` (prices).
    V3 {
        /// Fee in pips (500, 3000, 10000).
        fee_pips: u32,
        /// Tick spacing (10 for 500, 60 for 3000, 200 for 10000).
        tick_spacing: i32,
        /// Lower price of the position.
        lo: f64,
        /// Upper price of the position.
        hi: f64,
    },
}

/// A group of arbitrageurs between a pool and a book venue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArbGroup {
    /// The pool.
    pub pool: String,
    /// The book venue (the first venue if absent).
    #[serde(default)]
    pub book: Option<String>,
    /// How many.
    pub count: u32,
    /// Starting cash each, quote currency.
    pub cash: f64,
    /// Starting base inventory each.
    pub inventory: f64,
    /// Reaction delay after a swap on the pool, milliseconds.
    pub latency_ms: Dist,
    /// Interval between checks, seconds.
    pub poll_s: f64,
    /// Gas per arbitrage (both legs), USD.
    pub gas_usd: f64,
    /// Smallest profit after gas worth a trade, USD.
    pub min_profit_usd: f64,
}

impl PoolSpec {
    /// Range-checks the pool; `f` is its field path and `p0` the starting price.
    pub(crate) fn validate(&self, f: &str, p0: Option<f64>) -> Check {
        if self.name.trim().is_empty() || self.name.contains(',') {
            return fail(format!("{f}.name"), "must be non-empty and without commas");
        }
        positive(&format!("{f}.base"), self.base)?;
        if let Some(q) = self.quote {
            positive(&format!("{f}.quote"), q)?;
        }
        match &self.kind {
            PoolKindSpec::V2 { fee } => {
                within(&format!("{f}.kind.fee"), *fee, 0.0, 0.1, false, true)?;
            }
            PoolKindSpec::V3 {
                fee_pips,
                tick_spacing,
                lo,
                hi,
            } => {
                if *fee_pips >= 100_000 {
                    return fail(
                        format!("{f}.kind.fee_pips"),
                        format!("must be below 100000 (10%), got {fee_pips}"),
                    );
                }
                if !(1..=16_384).contains(tick_spacing) {
                    return fail(
                        format!("{f}.kind.tick_spacing"),
                        format!("must be in [1, 16384], got {tick_spacing}"),
                    );
                }
                positive(&format!("{f}.kind.lo"), *lo)?;
                if let Some(p) = p0
                    && !(*lo < p && p < *hi)
                {
                    return fail(
                        format!("{f}.kind"),
                        format!("the starting price {p} must lie inside (lo, hi) = ({lo}, {hi})"),
                    );
                }
            }
        }
        Ok(())
    }

    /// The engine's pool at starting price `p0` (ticks).
    pub(crate) fn build(&self, spec: &MarketSpec, p0: Ticks) -> Result<PoolConfig, String> {
        let lots = spec.lots_floor(self.base).0 as u128;
        let base = lots * BASE_ATOMS_PER_LOT;
        let pool = match &self.kind {
            PoolKindSpec::V2 { fee } => {
                let quote = match self.quote {
                    Some(q) => spec.quote_floor(q).0 as u128,
                    None => lots * p0.0 as u128,
                };
                let fee = Bps((fee * 10_000.0).round() as u32);
                Pool::V2(V2Pool::new(base, quote, fee).map_err(|e| e.to_string())?)
            }
            PoolKindSpec::V3 {
                fee_pips,
                tick_spacing,
                lo,
                hi,
            } => {
                // Pool prices are quote atoms per base-token atom: ticks / BASE_ATOMS_PER_LOT.
                let per_atom = BASE_ATOMS_PER_LOT as f64;
                let tick_of = |price_ticks: f64| {
                    ((price_ticks / per_atom).ln() / 1.0001f64.ln()).floor() as i32
                };
                let spacing = *tick_spacing;
                let align = |t: i32| t.div_euclid(spacing) * spacing;
                let lower = align(tick_of(lo / spec.tick_size));
                let upper = align(tick_of(hi / spec.tick_size)) + spacing;
                let start = tick_of(p0.0 as f64);
                let mut pool =
                    V3Pool::at_tick(*fee_pips, spacing, start).map_err(|e| e.to_string())?;
                // Liquidity holding `base` at the start price: x = L (1/sqrt(p) - 1/sqrt(pb)).
                let sp = 1.0001f64.powf(start as f64 / 2.0);
                let sb = 1.0001f64.powf(upper as f64 / 2.0);
                let liquidity = (base as f64 / (1.0 / sp - 1.0 / sb)).floor();
                if !(liquidity.is_finite() && liquidity >= 1.0) {
                    return Err(format!("the position over [{lo}, {hi}] holds no liquidity"));
                }
                pool.mint(AgentId(u32::MAX), lower, upper, liquidity as u128)
                    .map_err(|e| e.to_string())?;
                Pool::V3(pool)
            }
        };
        Ok(PoolConfig {
            name: self.name.clone(),
            pool,
        })
    }
}

impl ArbGroup {
    /// Range-checks the group; `f` is its field path.
    pub(crate) fn validate(&self, f: &str, m: &MarketUnits) -> Check {
        non_negative(&format!("{f}.cash"), self.cash)?;
        non_negative(&format!("{f}.inventory"), self.inventory)?;
        self.latency_ms
            .check()
            .or_else(|e| fail(format!("{f}.latency_ms"), e))?;
        positive(&format!("{f}.poll_s"), self.poll_s)?;
        non_negative(&format!("{f}.gas_usd"), self.gas_usd)?;
        non_negative(&format!("{f}.min_profit_usd"), self.min_profit_usd)?;
        crate::schema::fits(&format!("{f}.cash"), self.cash, m, false)?;
        crate::schema::fits(&format!("{f}.inventory"), self.inventory, m, true)
    }

    /// The engine's arbitrageurs of this group.
    pub(crate) fn build(
        &self,
        spec: &MarketSpec,
        pool: usize,
        book: usize,
    ) -> impl Iterator<Item = ArbitrageurConfig> {
        let cfg = ArbitrageurConfig {
            pool,
            book,
            params: ArbParams {
                units: cascade_engine::POOL_UNITS,
                gas_cost: spec.quote_floor(self.gas_usd),
                min_profit: spec.quote_floor(self.min_profit_usd),
                max_levels: 64,
            },
            latency_ms: self.latency_ms.clone(),
            poll: SimDuration::from_secs_f64(self.poll_s),
            wallet: Wallet {
                cash: spec.quote_floor(self.cash),
                base: Lots(spec.lots_floor(self.inventory).0),
            },
        };
        std::iter::repeat_n(cfg, self.count as usize)
    }
}
