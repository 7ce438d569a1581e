//! The vaults part of a scenario: a Maker-style collateral type, its liquidation module and
//! auctions, the vault population and the keepers, as users write them, their range checks,
//! and their conversion to the engine's [`VaultsConfig`].
//!
//! Fractions and multipliers become Maker's fixed point to nine decimals (`1.13` is a `chop` of
//! exactly 1.13 wad), DAI amounts become rad the same way, durations whole seconds. Each vault
//! draws its collateral and collateral ratio from its own random stream `("vault", i)`.

use crate::schema::{
    Check, MAX_ACCOUNTS, MAX_AGENTS, MarketUnits, RouteSpec, dist, fail, fits, non_negative,
    positive, within,
};
use cascade_agents::{KeeperParams, Wallet};
use cascade_auction::math::{RAY, WAD};
use cascade_auction::{Abacus, ClipperParams, FlipperParams, MAX_DURATION_SECS, U256};
use cascade_des::RngStreams;
use cascade_des::dist::Dist;
use cascade_engine::Route;
use cascade_engine::vaults::{AuctionDesign, IlkConfig, KeeperConfig, VaultInit, VaultsConfig};
use cascade_oracle::LatencyModel;
use cascade_types::{Bps, Lots, MarketSpec, SimDuration, Ticks};
use serde::{Deserialize, Serialize};

/// Maker-style vaults run alongside the lending market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultsSpec {
    /// The collateral type (the market's base asset).
    pub ilk: IlkSpec,
    /// Liquidation module and auctions: Liquidations 1.2 (`Flip`) or 2.0 (`Clip`).
    pub auction: AuctionSpec,
    /// The vaults.
    pub population: VaultPopulation,
    /// Keeper groups.
    pub keepers: Vec<KeeperGroup>,
}

/// A collateral type's Vat and spotter settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IlkSpec {
    /// Liquidation ratio `mat` (1.5 = 150%): a vault is unsafe when its collateral at the
    /// oracle price is worth less than this times its debt.
    pub liquidation_ratio: f64,
    /// Liquidation penalty `chop` as a multiplier (1.13 = 13%).
    pub chop: f64,
    /// Debt floor `dust`, DAI.
    #[serde(default)]
    pub dust_dai: f64,
    /// Accumulated stability rate `rate` (constant over the run).
    #[serde(default = "one")]
    pub rate: f64,
}

fn one() -> f64 {
    1.0
}

/// Price curves of Dutch auctions (Maker's abaci).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AbacusSpec {
    /// Linear to zero in `tau_s` seconds.
    Linear {
        /// Seconds to zero.
        tau_s: f64,
    },
    /// Times `cut` every `step_s` seconds.
    Stairstep {
        /// Seconds between drops.
        step_s: f64,
        /// Factor per step, in (0, 1].
        cut: f64,
    },
    /// Times `cut` every second.
    Exponential {
        /// Factor per second, in (0, 1].
        cut: f64,
    },
}

/// The liquidation module and auction design.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AuctionSpec {
    /// Liquidations 1.2: the Cat bites up to `dunk_dai` at a time while running auctions seek
    /// less than `box_dai`; English auctions with bids raised by `beg`, each bid living
    /// `ttl_s`, the auction ending `tau_s` after the kick.
    Flip {
        /// Minimum bid increase (and lot decrease) factor (1.03).
        beg: f64,
        /// Bid lifetime, seconds.
        ttl_s: f64,
        /// Auction length, seconds.
        tau_s: f64,
        /// The Cat's `box`, DAI.
        box_dai: f64,
        /// The Cat's `dunk`, DAI.
        dunk_dai: f64,
    },
    /// Liquidations 2.0: the Dog barks while running auctions seek less than `hole_dai` (and
    /// `global_hole_dai`); Dutch auctions from `buf` times the oracle price down the `abacus`,
    /// reset after `tail_s` or below `cusp` of the start; the keeper who barks or resets earns
    /// `tip_dai + chip * tab`.
    Clip {
        /// Starting price over the oracle price (1.2).
        buf: f64,
        /// Seconds after which an auction needs a reset.
        tail_s: f64,
        /// Share of the starting price below which it needs a reset, in [0, 1).
        cusp: f64,
        /// The price curve.
        abacus: AbacusSpec,
        /// Flat keeper incentive, DAI.
        tip_dai: f64,
        /// Keeper incentive as a share of the tab.
        chip: f64,
        /// The collateral type's `hole`, DAI.
        hole_dai: f64,
        /// The Dog's global `Hole`, DAI.
        global_hole_dai: f64,
    },
}

/// The vaults, drawn from distributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaultPopulation {
    /// How many.
    pub count: u32,
    /// Collateral per vault, base units.
    pub collateral: Dist,
    /// Collateral value over debt at the starting price (must stay above the liquidation
    /// ratio).
    pub collateral_ratio: Dist,
}

/// `count` identical keepers, each with its own random stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeeperGroup {
    /// How they sell won collateral: `Venue` or `Split` (the first venue if absent).
    #[serde(default)]
    pub route: Option<RouteSpec>,
    /// How many.
    pub count: u32,
    /// Starting DAI each.
    pub dai: f64,
    /// Delay from a look to its transaction, milliseconds (may rise with congestion).
    pub latency_ms: LatencyModel,
    /// Haircut on a lot's value at the venues: they pay at most value x (1 - margin).
    pub margin: f64,
    /// Bid the smallest accepted amount on English auctions nobody has bid on.
    #[serde(default)]
    pub zero_bidder: bool,
    /// Interval between looks while auctions run, seconds.
    pub poll_s: f64,
}

/// Maker fixed point with nine decimals: `x * 10^9` rounded, times `10^(decimals - 9)`.
fn fixed(x: f64, unit: U256) -> U256 {
    U256::from((x * 1e9).round() as u128) * (unit / U256::from(1_000_000_000u64))
}

fn wad(x: f64) -> U256 {
    fixed(x, WAD)
}

fn ray(x: f64) -> U256 {
    fixed(x, RAY)
}

fn rad(dai: f64) -> U256 {
    fixed(dai, WAD * RAY)
}

fn secs(s: f64) -> u64 {
    s.round() as u64
}

/// Longest duration accepted, seconds (what the Flipper accepts).
const MAX_SECS: f64 = MAX_DURATION_SECS as f64;

/// Largest DAI amount of one setting: keeps every product of Maker units inside 256 bits.
const MAX_DAI: f64 = 1e15;

fn duration(field: &str, s: f64) -> Check {
    positive(field, s)?;
    if s.round() < 1.0 || s > MAX_SECS {
        return fail(
            field,
            format!("must be between 1 s and {MAX_SECS:e} s (whole seconds), got {s}"),
        );
    }
    Ok(())
}

fn dai(field: &str, v: f64, m: &MarketUnits) -> Check {
    non_negative(field, v)?;
    if v > MAX_DAI {
        return fail(field, format!("must be at most {MAX_DAI:e} DAI, got {v}"));
    }
    fits(field, v, m, false)
}

impl VaultsSpec {
    /// Range-checks the vaults; `venues` are the scenario's venue names.
    pub(crate) fn validate(&self, venues: &[String], m: &MarketUnits) -> Check {
        for (name, v) in [
            ("market.tick_size", m.tick_size),
            ("market.lot_size", m.lot_size),
        ] {
            if v < 1e-18 {
                return fail(
                    name,
                    format!("vaults need at least 1e-18 (one wad), got {v}"),
                );
            }
        }
        let i = &self.ilk;
        within(
            "vaults.ilk.liquidation_ratio",
            i.liquidation_ratio,
            1.0,
            100.0,
            false,
            false,
        )?;
        within("vaults.ilk.chop", i.chop, 1.0, 2.0, false, false)?;
        dai("vaults.ilk.dust_dai", i.dust_dai, m)?;
        within("vaults.ilk.rate", i.rate, 1.0, 1e3, false, false)?;
        self.validate_auction(m)?;
        let p = &self.population;
        if p.count > MAX_ACCOUNTS {
            return fail(
                "vaults.population.count",
                format!("must be at most {MAX_ACCOUNTS}, got {}", p.count),
            );
        }
        dist("vaults.population.collateral", &p.collateral)?;
        dist("vaults.population.collateral_ratio", &p.collateral_ratio)?;
        let (lo, hi) = p.collateral_ratio.support();
        if lo <= i.liquidation_ratio {
            return fail(
                "vaults.population.collateral_ratio",
                format!(
                    "every vault must start safe, so the distribution must stay above the \
                     liquidation ratio ({}), but it reaches {lo} (use Uniform, Constant or \
                     Empirical with larger values)",
                    i.liquidation_ratio
                ),
            );
        }
        if !hi.is_finite() {
            return fail(
                "vaults.population.collateral_ratio",
                "must be bounded (Uniform, Constant or Empirical)",
            );
        }
        let keepers: u64 = self.keepers.iter().map(|k| u64::from(k.count)).sum();
        if keepers == 0 {
            return fail(
                "vaults.keepers",
                "needs at least one keeper (count > 0): keepers start the auctions",
            );
        }
        if keepers > MAX_AGENTS {
            return fail(
                "vaults.keepers",
                format!("{keepers} keepers in all; at most {MAX_AGENTS}"),
            );
        }
        for (j, k) in self.keepers.iter().enumerate() {
            k.validate(&format!("vaults.keepers[{j}]"), venues, m)?;
        }
        Ok(())
    }

    fn validate_auction(&self, m: &MarketUnits) -> Check {
        let f = "vaults.auction";
        match self.auction {
            AuctionSpec::Flip {
                beg,
                ttl_s,
                tau_s,
                box_dai,
                dunk_dai,
            } => {
                within(&format!("{f}.beg"), beg, 1.0, 2.0, false, false)?;
                duration(&format!("{f}.ttl_s"), ttl_s)?;
                duration(&format!("{f}.tau_s"), tau_s)?;
                dai(&format!("{f}.box_dai"), box_dai, m)?;
                positive(&format!("{f}.box_dai"), box_dai)?;
                dai(&format!("{f}.dunk_dai"), dunk_dai, m)?;
                positive(&format!("{f}.dunk_dai"), dunk_dai)
            }
            AuctionSpec::Clip {
                buf,
                tail_s,
                cusp,
                abacus,
                tip_dai,
                chip,
                hole_dai,
                global_hole_dai,
            } => {
                within(&format!("{f}.buf"), buf, 0.0, 100.0, true, false)?;
                duration(&format!("{f}.tail_s"), tail_s)?;
                within(&format!("{f}.cusp"), cusp, 0.0, 1.0, false, true)?;
                match abacus {
                    AbacusSpec::Linear { tau_s } => duration(&format!("{f}.abacus.tau_s"), tau_s)?,
                    AbacusSpec::Stairstep { step_s, cut } => {
                        duration(&format!("{f}.abacus.step_s"), step_s)?;
                        within(&format!("{f}.abacus.cut"), cut, 0.0, 1.0, true, false)?;
                    }
                    AbacusSpec::Exponential { cut } => {
                        within(&format!("{f}.abacus.cut"), cut, 0.0, 1.0, true, false)?;
                    }
                }
                dai(&format!("{f}.tip_dai"), tip_dai, m)?;
                within(&format!("{f}.chip"), chip, 0.0, 1.0, false, true)?;
                dai(&format!("{f}.hole_dai"), hole_dai, m)?;
                positive(&format!("{f}.hole_dai"), hole_dai)?;
                dai(&format!("{f}.global_hole_dai"), global_hole_dai, m)?;
                positive(&format!("{f}.global_hole_dai"), global_hole_dai)
            }
        }
    }

    /// The engine's configuration for `seed`, with the starting price `p0` and venue indices.
    pub(crate) fn build(
        &self,
        seed: u64,
        spec: &MarketSpec,
        p0: Ticks,
        venue_index: &dyn Fn(&str) -> usize,
    ) -> VaultsConfig {
        let i = self.ilk;
        let auction = match self.auction {
            AuctionSpec::Flip {
                beg,
                ttl_s,
                tau_s,
                box_dai,
                dunk_dai,
            } => AuctionDesign::Flip {
                params: FlipperParams {
                    beg: wad(beg),
                    ttl: secs(ttl_s),
                    tau: secs(tau_s),
                },
                box_cap: rad(box_dai),
                dunk: rad(dunk_dai),
            },
            AuctionSpec::Clip {
                buf,
                tail_s,
                cusp,
                abacus,
                tip_dai,
                chip,
                hole_dai,
                global_hole_dai,
            } => AuctionDesign::Clip {
                params: ClipperParams {
                    buf: ray(buf),
                    tail: secs(tail_s),
                    cusp: ray(cusp),
                    chip: wad(chip),
                    tip: rad(tip_dai),
                    calc: match abacus {
                        AbacusSpec::Linear { tau_s } => Abacus::linear(secs(tau_s)),
                        AbacusSpec::Stairstep { step_s, cut } => {
                            Abacus::StairstepExponentialDecrease {
                                step: secs(step_s),
                                cut: ray(cut),
                            }
                        }
                        AbacusSpec::Exponential { cut } => {
                            Abacus::ExponentialDecrease { cut: ray(cut) }
                        }
                    },
                },
                hole: rad(global_hole_dai),
                ilk_hole: rad(hole_dai),
            },
        };
        let rate = ray(i.rate);
        let keepers = self
            .keepers
            .iter()
            .flat_map(|g| {
                let cfg = KeeperConfig {
                    params: KeeperParams {
                        latency_ms: g.latency_ms.clone(),
                        margin: Bps((g.margin * 10_000.0).round() as u32),
                        zero_bidder: g.zero_bidder,
                        poll: SimDuration::from_secs_f64(g.poll_s),
                    },
                    route: g.route.as_ref().map_or(Route::Venue(0), |r| {
                        crate::build::route(r, venue_index, spec)
                    }),
                    wallet: Wallet {
                        cash: spec.quote_floor(g.dai),
                        base: Lots(0),
                    },
                };
                std::iter::repeat_n(cfg, g.count as usize)
            })
            .collect();
        VaultsConfig {
            ilk: IlkConfig {
                mat: ray(i.liquidation_ratio),
                chop: wad(i.chop),
                dust: rad(i.dust_dai),
                rate,
            },
            auction,
            vaults: self.population(seed, spec, p0, rate),
            keepers,
        }
    }

    /// Draws the vaults: collateral and collateral ratio at the starting price `p0`, each vault
    /// from its own stream. The debt is rounded down to 10^-9 DAI, so a vault is never less
    /// collateralised than drawn.
    fn population(&self, seed: u64, spec: &MarketSpec, p0: Ticks, rate: U256) -> Vec<VaultInit> {
        let streams = RngStreams::new(seed);
        let price = spec.price(p0);
        // One vault's collateral is worth at most 1% of the largest amount at the starting
        // price, as for accounts.
        let max_lots = Lots((crate::schema::MAX_ATOMS / 100.0 / p0.0.max(1) as f64).floor() as u64);
        let p = &self.population;
        (0..p.count)
            .map(|i| {
                let mut rng = streams.stream("vault", u64::from(i));
                let ink = spec
                    .lots_floor(p.collateral.sample(&mut rng))
                    .clamp(Lots(1), max_lots.max(Lots(1)));
                let cr = p.collateral_ratio.sample(&mut rng);
                let debt = spec.qty(ink) * price / cr;
                let art = rad(debt) / rate;
                VaultInit { ink, art }
            })
            .collect()
    }
}

impl KeeperGroup {
    fn validate(&self, f: &str, venues: &[String], m: &MarketUnits) -> Check {
        dai(&format!("{f}.dai"), self.dai, m)?;
        self.latency_ms
            .check()
            .or_else(|e| fail(format!("{f}.latency_ms.{}", e.param), e.reason.to_string()))?;
        within(&format!("{f}.margin"), self.margin, 0.0, 1.0, false, true)?;
        positive(&format!("{f}.poll_s"), self.poll_s)?;
        let known = |n: &str| {
            if venues.iter().any(|v| v == n) {
                Ok(())
            } else {
                fail(
                    format!("{f}.route"),
                    format!("no venue named `{n}`; venues: {}", venues.join(", ")),
                )
            }
        };
        match &self.route {
            None => Ok(()),
            Some(RouteSpec::Venue(v)) => known(v),
            Some(RouteSpec::Split(vs)) => {
                if vs.is_empty() {
                    return fail(format!("{f}.route"), "a split needs at least one venue");
                }
                vs.iter().try_for_each(|v| known(v))
            }
            Some(RouteSpec::Sliced { .. } | RouteSpec::Hold | RouteSpec::Bridge { .. }) => fail(
                format!("{f}.route"),
                "keepers sell what they win at once: use Venue or Split, not Sliced, Hold or Bridge",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Scenario;
    use cascade_auction::math::{RAD, RAY, WAD};
    use cascade_auction::{Abacus, U256};
    use cascade_engine::vaults::AuctionDesign;
    use std::path::Path;

    fn mini(vaults: &str) -> String {
        format!(
            r#"Scenario(
    name: "mini",
    seed: 7,
    duration_s: 60.0,
    market: (tick_size: 0.01, lot_size: 0.001),
    reference: (step_ms: 1000.0, knots: [(0.0, 150.0)]),
    makers: [(count: 1, levels: 5, half_spread_bps: 2.0, level_spacing_bps: 5.0,
              size_per_level: 10.0, skew_bps_per_unit: 0.1, max_skew: 0.1,
              target_inventory: 100.0, max_inventory: 200.0,
              latency_ms: Constant(100.0), cash: 1000000.0, inventory: 100.0)],
    oracle: (observe_every_ms: 1000.0, latency_ms: Constant(0.0), publication: Osm(hop_s: 3600.0)),
    lending: (liquidation_threshold: 0.83, liquidation_bonus: 1.05, protocol_fee: 0.1),
    accounts: (count: 0, collateral: Constant(1.0), health_factor: Constant(2.0)),
    liquidators: [],
    vaults: {vaults},
)"#
        )
    }

    const VAULTS: &str = r#"(
        ilk: (liquidation_ratio: 1.45, chop: 1.13, dust_dai: 20.0),
        auction: Clip(buf: 1.2, tail_s: 5400.0, cusp: 0.4, abacus: Stairstep(step_s: 60.0, cut: 0.99),
                      tip_dai: 300.0, chip: 0.001, hole_dai: 15000000.0, global_hole_dai: 100000000.0),
        population: (count: 40, collateral: LogNormal(median: 20.0, sigma: 1.0),
                     collateral_ratio: Uniform(lo: 1.5, hi: 3.0)),
        keepers: [(count: 2, dai: 50000.0, latency_ms: Constant(2000.0), margin: 0.05, poll_s: 30.0),
                  (count: 1, dai: 10.0, latency_ms: Constant(500.0), margin: 0.1, zero_bidder: true, poll_s: 30.0)],
    )"#;

    /// Human units become Maker's exactly: 1.45 is 1.45 ray, 300 DAI is 300 rad, 0.1% is
    /// 0.001 wad, 0.99 per 60 s is a stairstep of exactly that.
    #[test]
    fn settings_convert_to_maker_units_exactly() {
        let s = Scenario::parse(&mini(VAULTS), "mini.ron").unwrap();
        let w = crate::build(&s, None, Path::new(".")).unwrap();
        let v = w.vaults.unwrap();
        let bps = |x: u64, unit: U256| U256::from(x) * unit / U256::from(10_000u64);
        assert_eq!(v.ilk.mat, bps(14_500, RAY));
        assert_eq!(v.ilk.chop, bps(11_300, WAD));
        assert_eq!(v.ilk.dust, U256::from(20u8) * RAD);
        assert_eq!(v.ilk.rate, RAY);
        let AuctionDesign::Clip {
            params,
            hole,
            ilk_hole,
        } = v.auction
        else {
            panic!("a Clip auction");
        };
        assert_eq!(params.buf, bps(12_000, RAY));
        assert_eq!(params.cusp, bps(4_000, RAY));
        assert_eq!(params.tail, 5_400);
        assert_eq!(params.tip, U256::from(300u16) * RAD);
        assert_eq!(params.chip, WAD / U256::from(1_000u16));
        assert_eq!(
            params.calc,
            Abacus::StairstepExponentialDecrease {
                step: 60,
                cut: bps(9_900, RAY)
            }
        );
        assert_eq!(hole, U256::from(100_000_000u64) * RAD);
        assert_eq!(ilk_hole, U256::from(15_000_000u64) * RAD);
        assert_eq!(v.keepers.len(), 3);
        assert!(v.keepers[2].params.zero_bidder && !v.keepers[0].params.zero_bidder);
        assert_eq!(v.keepers[0].wallet.cash.0, 5_000_000_000); // 50,000 DAI / 1e-5
        assert_eq!(v.keepers[0].params.margin.0, 500);
    }

    /// Every vault starts within its collateral-ratio range at the starting price, never less
    /// collateralised than drawn; adding vaults leaves the others unchanged (one stream each).
    #[test]
    fn the_vault_population_is_drawn_per_vault() {
        let s = Scenario::parse(&mini(VAULTS), "mini.ron").unwrap();
        let a = crate::build(&s, None, Path::new("."))
            .unwrap()
            .vaults
            .unwrap();
        for v in &a.vaults {
            // ratio = ink x 150 / (art x rate), with rate one: art is wad of DAI.
            let ink = v.ink.0 as f64 * 1e-3;
            let debt = f64::from(v.art) / 1e18;
            let ratio = ink * 150.0 / debt;
            assert!((1.5..=3.0 + 1e-9).contains(&ratio), "ratio {ratio}");
        }
        let mut bigger = s.clone();
        bigger.vaults.as_mut().unwrap().population.count = 60;
        let b = crate::build(&bigger, None, Path::new("."))
            .unwrap()
            .vaults
            .unwrap();
        assert_eq!(a.vaults[..], b.vaults[..40]);
        assert_ne!(a.vaults[0], a.vaults[1]);
    }

    fn refused(vaults: &str) -> String {
        Scenario::parse(&mini(vaults), "mini.ron")
            .unwrap_err()
            .to_string()
    }

    /// Bad settings are refused with the field path.
    #[test]
    fn bad_vault_settings_name_the_field() {
        let cases = [
            (
                VAULTS.replace("lo: 1.5, hi: 3.0", "lo: 1.2, hi: 3.0"),
                "vaults.population.collateral_ratio: every vault must start safe",
            ),
            (
                VAULTS.replace("chop: 1.13", "chop: 0.9"),
                "vaults.ilk.chop: must be in [1, 2], got 0.9",
            ),
            (
                VAULTS.replace("cusp: 0.4", "cusp: 1.0"),
                "vaults.auction.cusp: must be in [0, 1), got 1",
            ),
            (
                VAULTS.replace("cut: 0.99", "cut: 1.5"),
                "vaults.auction.abacus.cut: must be in (0, 1], got 1.5",
            ),
            (
                VAULTS.replace("step_s: 60.0", "step_s: 0.2"),
                "vaults.auction.abacus.step_s: must be between 1 s",
            ),
            (
                VAULTS.replace("margin: 0.1", "margin: 1.0"),
                "vaults.keepers[1].margin: must be in [0, 1), got 1",
            ),
            (
                VAULTS
                    .replace("count: 2, dai", "count: 0, dai")
                    .replace("(count: 1, dai: 10.0", "(count: 0, dai: 10.0"),
                "vaults.keepers: needs at least one keeper",
            ),
            (
                VAULTS.replace(
                    "latency_ms: Constant(2000.0)",
                    "latency_ms: Constant(2000.0), route: Venue(\"elsewhere\")",
                ),
                "vaults.keepers[0].route: no venue named `elsewhere`",
            ),
        ];
        for (vaults, expected) in cases {
            let err = refused(&vaults);
            assert!(err.contains(expected), "{err}");
        }
    }
}
