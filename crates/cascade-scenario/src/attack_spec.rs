//! Adversaries in a scenario, oracle manipulators and sandwichers of liquidation sales: the
//! spec as users write it, its range checks (each error names the field), and its conversion to
//! the engine's [`AttackerConfig`] and [`SandwicherConfig`].
//!
//! ```ron
//! attackers: [(
//!     venue: "thin",            // the book or pool it pushes down
//!     start_s: 600.0,
//!     push: Target(1700.0),     // or Sell(5.0): base units at once
//!     budget: 150.0,            // most base sold over the attack
//!     repush_every_ms: 1000.0,  // sell back down to the level while holding
//!     hold_s: 120.0,
//!     unwind: (venue: "deep", slices: 4, every_s: 5.0),
//!     gas_usd: 10.0,
//!     cash: 500000.0,
//!     inventory: 200.0,
//!     liquidator: 1,            // the liquidator group (index in `liquidators`) it controls
//!     capital_cost_annual: 0.05,
//!     window_tail_s: 60.0,
//! )]
//! sandwichers: [(pool: "uni", tolerance: 0.005, max_front_run: 200.0, gas_usd: 20.0,
//!                min_profit_usd: 5.0, cash: 2000000.0, inventory: 500.0)]
//! ```

use crate::schema::{Check, MAX_AGENTS, Scenario, fail, fits, non_negative, positive};
use cascade_agents::Wallet;
use cascade_engine::{AttackerConfig, PushSize, SandwicherConfig, UnwindConfig};
use cascade_types::{Bps, MarketSpec, SimDuration, SimTime};
use serde::{Deserialize, Serialize};

/// An adversary who pushes a thin venue's price down to move the oracle, liquidates with its
/// own liquidators at the manipulated price, and then buys back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackerSpec {
    /// The book or pool it sells into (an oracle source should read it).
    pub venue: String,
    /// When the push starts, seconds.
    pub start_s: f64,
    /// How far it pushes.
    pub push: PushSpec,
    /// The most base it sells over the attack (push and re-pushes), base units; at most its
    /// `inventory`.
    pub budget: f64,
    /// While holding, it sells back down to its level this often, milliseconds (absent: one
    /// push).
    #[serde(default)]
    pub repush_every_ms: Option<f64>,
    /// Seconds from the start to the unwind.
    pub hold_s: f64,
    /// How it buys back what it sold (at once on the pushed venue if absent).
    #[serde(default)]
    pub unwind: UnwindSpec,
    /// Gas per push, re-push or unwind transaction, USD.
    #[serde(default)]
    pub gas_usd: f64,
    /// Starting cash, quote currency (pays for the unwind and gas).
    pub cash: f64,
    /// Starting base inventory (what it sells), base units.
    pub inventory: f64,
    /// The liquidator group it controls, by index in `liquidators` (every liquidator of the
    /// group): their gains are its liquidation profit. Absent: it only manipulates.
    #[serde(default)]
    pub liquidator: Option<usize>,
    /// Cost of capital, a yearly rate on the starting value of its own and its liquidators'
    /// wallets over the attack.
    #[serde(default)]
    pub capital_cost_annual: f64,
    /// The attack window, in which liquidations count as the attack's, ends this many seconds
    /// after the unwind (the oracle's time to catch up).
    #[serde(default = "default_tail")]
    pub window_tail_s: f64,
}

fn default_tail() -> f64 {
    60.0
}

/// How far the attacker pushes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum PushSpec {
    /// Sell until the venue's price (a book's mid, a pool's spot) is at or below this price,
    /// and hold it there.
    Target(f64),
    /// Sell this much base at once (and hold the level it reaches, if re-pushing).
    Sell(f64),
}

/// The unwind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnwindSpec {
    /// Where it buys back (the pushed venue if absent): a book or a pool.
    #[serde(default)]
    pub venue: Option<String>,
    /// In this many equal slices.
    #[serde(default = "one")]
    pub slices: u32,
    /// Seconds between slices.
    #[serde(default)]
    pub every_s: f64,
}

fn one() -> u32 {
    1
}

impl Default for UnwindSpec {
    fn default() -> Self {
        UnwindSpec {
            venue: None,
            slices: 1,
            every_s: 0.0,
        }
    }
}

/// A sandwicher of liquidators' sales on one pool (see `cascade_engine::SandwicherConfig`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SandwicherSpec {
    /// The pool it watches.
    pub pool: String,
    /// The slippage a victim accepts below its quote (its `amountOutMin`), fraction.
    pub tolerance: f64,
    /// The largest front-run, base units.
    pub max_front_run: f64,
    /// Gas of one sandwich (front-run and back-run), USD.
    #[serde(default)]
    pub gas_usd: f64,
    /// The smallest expected profit after gas worth a sandwich, USD.
    #[serde(default)]
    pub min_profit_usd: f64,
    /// Starting cash, quote currency (pays the back-runs).
    pub cash: f64,
    /// Starting base inventory (what it front-runs with), base units.
    pub inventory: f64,
}

/// Range-checks the scenario's attackers and sandwichers.
pub(crate) fn validate(s: &Scenario) -> Check {
    validate_sandwichers(s)?;
    if s.attackers.len() as u64 > MAX_AGENTS {
        return fail(
            "attackers",
            format!("{} attackers; at most {MAX_AGENTS}", s.attackers.len()),
        );
    }
    let mut names = s.venue_names();
    names.extend(s.pools.iter().map(|p| p.name.clone()));
    let known = |field: String, n: &str| {
        if names.iter().any(|x| x == n) {
            Ok(())
        } else {
            fail(
                field,
                format!(
                    "no venue or pool named `{n}`; venues and pools: {}",
                    names.join(", ")
                ),
            )
        }
    };
    let p0 = s.reference.knots.first().map(|k| k.1);
    let mut controlled: Vec<usize> = Vec::new();
    for (i, a) in s.attackers.iter().enumerate() {
        let f = format!("attackers[{i}]");
        known(format!("{f}.venue"), &a.venue)?;
        non_negative(&format!("{f}.start_s"), a.start_s)?;
        if a.start_s >= s.duration_s {
            return fail(
                format!("{f}.start_s"),
                format!(
                    "{} s is not before the end of the run ({} s)",
                    a.start_s, s.duration_s
                ),
            );
        }
        non_negative(&format!("{f}.inventory"), a.inventory)?;
        fits(&format!("{f}.inventory"), a.inventory, &s.market, true)?;
        non_negative(&format!("{f}.cash"), a.cash)?;
        fits(&format!("{f}.cash"), a.cash, &s.market, false)?;
        positive(&format!("{f}.budget"), a.budget)?;
        if a.budget < s.market.lot_size {
            return fail(
                format!("{f}.budget"),
                format!("{} is below one lot ({})", a.budget, s.market.lot_size),
            );
        }
        if a.budget > a.inventory {
            return fail(
                format!("{f}.budget"),
                format!(
                    "{} exceeds the attacker's inventory ({}): it sells what it holds",
                    a.budget, a.inventory
                ),
            );
        }
        match a.push {
            PushSpec::Target(t) => {
                positive(&format!("{f}.push"), t)?;
                if let Some(p) = p0
                    && t >= p
                {
                    return fail(
                        format!("{f}.push"),
                        format!(
                            "the target {t} must be below the starting price {p}: an attacker \
                             pushes the price down"
                        ),
                    );
                }
            }
            PushSpec::Sell(q) => {
                positive(&format!("{f}.push"), q)?;
                if q < s.market.lot_size || q > a.budget {
                    return fail(
                        format!("{f}.push"),
                        format!(
                            "sells {q}, which must be at least one lot ({}) and at most the \
                             budget ({})",
                            s.market.lot_size, a.budget
                        ),
                    );
                }
            }
        }
        if let Some(ms) = a.repush_every_ms {
            positive(&format!("{f}.repush_every_ms"), ms)?;
        }
        non_negative(&format!("{f}.hold_s"), a.hold_s)?;
        if let Some(v) = &a.unwind.venue {
            known(format!("{f}.unwind.venue"), v)?;
        }
        if a.unwind.slices == 0 {
            return fail(format!("{f}.unwind.slices"), "must be at least 1");
        }
        non_negative(&format!("{f}.unwind.every_s"), a.unwind.every_s)?;
        if a.unwind.slices > 1 && a.unwind.every_s == 0.0 {
            return fail(
                format!("{f}.unwind.every_s"),
                "must be > 0 when the unwind has several slices",
            );
        }
        non_negative(&format!("{f}.gas_usd"), a.gas_usd)?;
        fits(&format!("{f}.gas_usd"), a.gas_usd, &s.market, false)?;
        non_negative(&format!("{f}.capital_cost_annual"), a.capital_cost_annual)?;
        non_negative(&format!("{f}.window_tail_s"), a.window_tail_s)?;
        if let Some(l) = a.liquidator {
            let field = format!("{f}.liquidator");
            let Some(group) = s.liquidators.get(l) else {
                return fail(
                    field,
                    format!(
                        "no liquidator group {l}: the scenario has {} (indices from 0)",
                        s.liquidators.len()
                    ),
                );
            };
            if group.count == 0 {
                return fail(field, format!("liquidator group {l} has no liquidators"));
            }
            if controlled.contains(&l) {
                return fail(
                    field,
                    format!("liquidator group {l} is already controlled by another attacker"),
                );
            }
            controlled.push(l);
        }
    }
    Ok(())
}

fn validate_sandwichers(s: &Scenario) -> Check {
    if s.sandwichers.len() as u64 > MAX_AGENTS {
        return fail(
            "sandwichers",
            format!("{} sandwichers; at most {MAX_AGENTS}", s.sandwichers.len()),
        );
    }
    let pools: Vec<&str> = s.pools.iter().map(|p| p.name.as_str()).collect();
    for (i, w) in s.sandwichers.iter().enumerate() {
        let f = format!("sandwichers[{i}]");
        if !pools.contains(&w.pool.as_str()) {
            return fail(
                format!("{f}.pool"),
                format!(
                    "no pool named `{}`; pools: {}",
                    w.pool,
                    if pools.is_empty() {
                        "none".to_string()
                    } else {
                        pools.join(", ")
                    }
                ),
            );
        }
        crate::schema::within(&format!("{f}.tolerance"), w.tolerance, 0.0, 1.0, true, true)?;
        positive(&format!("{f}.max_front_run"), w.max_front_run)?;
        if w.max_front_run < s.market.lot_size {
            return fail(
                format!("{f}.max_front_run"),
                format!(
                    "{} is below one lot ({})",
                    w.max_front_run, s.market.lot_size
                ),
            );
        }
        fits(
            &format!("{f}.max_front_run"),
            w.max_front_run,
            &s.market,
            true,
        )?;
        for (name, v) in [
            ("gas_usd", w.gas_usd),
            ("min_profit_usd", w.min_profit_usd),
            ("cash", w.cash),
        ] {
            non_negative(&format!("{f}.{name}"), v)?;
            fits(&format!("{f}.{name}"), v, &s.market, false)?;
        }
        non_negative(&format!("{f}.inventory"), w.inventory)?;
        fits(&format!("{f}.inventory"), w.inventory, &s.market, true)?;
    }
    Ok(())
}

/// The engine's sandwichers of a validated scenario.
pub(crate) fn build_sandwichers(
    s: &Scenario,
    spec: &MarketSpec,
    pool_index: &dyn Fn(&str) -> usize,
) -> Vec<SandwicherConfig> {
    s.sandwichers
        .iter()
        .map(|w| SandwicherConfig {
            pool: pool_index(&w.pool),
            tolerance: Bps((w.tolerance * 10_000.0).round() as u32),
            max_front_run: spec.lots_floor(w.max_front_run),
            gas_cost: spec.quote_floor(w.gas_usd),
            min_profit: spec.quote_floor(w.min_profit_usd),
            wallet: Wallet {
                cash: spec.quote_floor(w.cash),
                base: spec.lots_floor(w.inventory),
            },
        })
        .collect()
}

/// The engine's attackers of a validated scenario.
pub(crate) fn build(
    s: &Scenario,
    spec: &MarketSpec,
    venue_index: &dyn Fn(&str) -> usize,
) -> Vec<AttackerConfig> {
    // The first liquidator (agent index among liquidators) of each group.
    let mut first = Vec::with_capacity(s.liquidators.len());
    let mut n = 0usize;
    for g in &s.liquidators {
        first.push(n);
        n += g.count as usize;
    }
    s.attackers
        .iter()
        .map(|a| {
            let venue = venue_index(&a.venue);
            AttackerConfig {
                venue,
                start: SimTime::ZERO + SimDuration::from_secs_f64(a.start_s),
                push: match a.push {
                    PushSpec::Target(t) => PushSize::Target(spec.ticks_nearest(t)),
                    PushSpec::Sell(q) => PushSize::Sell(spec.lots_floor(q)),
                },
                budget: spec.lots_floor(a.budget),
                repush_every: a.repush_every_ms.map(SimDuration::from_millis_f64),
                hold: SimDuration::from_secs_f64(a.hold_s),
                unwind: UnwindConfig {
                    venue: a.unwind.venue.as_deref().map_or(venue, venue_index),
                    slices: a.unwind.slices,
                    every: SimDuration::from_secs_f64(a.unwind.every_s),
                },
                gas_cost: spec.quote_floor(a.gas_usd),
                wallet: Wallet {
                    cash: spec.quote_floor(a.cash),
                    base: spec.lots_floor(a.inventory),
                },
                liquidators: a.liquidator.map_or(Vec::new(), |l| {
                    (first[l]..first[l] + s.liquidators[l].count as usize).collect()
                }),
                capital_cost_annual: a.capital_cost_annual,
                window_tail: SimDuration::from_secs_f64(a.window_tail_s),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::Scenario;
    use cascade_engine::PushSize;
    use cascade_types::{Lots, Quote, SimDuration, SimTime, Ticks};
    use std::path::Path;

    const SINGLE: &str = include_str!("../../../scenarios/manipulation_single_venue.ron");

    /// The scenario's attacker in the engine's units: the pool is venue 2 (after the books
    /// `deep` and `cex`), the unwind goes to `deep`, and liquidator group 1 is the sixth
    /// liquidator (after group 0's five).
    #[test]
    fn attackers_convert_to_engine_units() {
        let s = Scenario::parse(SINGLE, "manipulation_single_venue.ron").unwrap();
        let w = crate::build(&s, None, Path::new(".")).unwrap();
        let a = &w.attackers[0];
        assert_eq!(a.venue, 2);
        assert_eq!(a.unwind.venue, 0);
        assert_eq!(a.unwind.slices, 6);
        assert_eq!(a.unwind.every, SimDuration::from_secs(10));
        assert_eq!(a.push, PushSize::Target(Ticks(170_000)));
        assert_eq!(a.budget, Lots(300_000));
        assert_eq!(a.start, SimTime::ZERO + SimDuration::from_secs(600));
        assert_eq!(a.hold, SimDuration::from_secs(120));
        assert_eq!(a.repush_every, Some(SimDuration::from_secs(1)));
        assert_eq!(a.liquidators, vec![5]);
        assert_eq!(a.gas_cost, Quote(1_000_000));
        assert_eq!(a.window_tail, SimDuration::from_secs(60));
    }

    /// The sandwicher of `sandwich_liquidations.ron` in the engine's units: pool 0 (`uni`),
    /// 0.5% as 50 basis points, 200 ETH as lots.
    #[test]
    fn sandwichers_convert_to_engine_units() {
        let text = include_str!("../../../scenarios/sandwich_liquidations.ron");
        let s = Scenario::parse(text, "sandwich_liquidations.ron").unwrap();
        let w = crate::build(&s, None, Path::new(".")).unwrap();
        let sw = &w.sandwichers[0];
        assert_eq!(sw.pool, 0);
        assert_eq!(sw.tolerance, cascade_types::Bps(50));
        assert_eq!(sw.max_front_run, Lots(200_000));
        assert_eq!(sw.gas_cost, Quote(2_000_000));
        assert_eq!(sw.min_profit, Quote(500_000));
        assert_eq!(sw.wallet.base, Lots(1_000_000));
    }

    /// Written out and read back, the attacker is unchanged; a scenario without attackers
    /// writes no `attackers` field (so existing scenarios serialise as before).
    #[test]
    fn attackers_round_trip_and_stay_out_of_scenarios_without_them() {
        let s = Scenario::parse(SINGLE, "manipulation_single_venue.ron").unwrap();
        let pretty = ron::ser::PrettyConfig::default();
        let text = ron::ser::to_string_pretty(&s, pretty.clone()).unwrap();
        assert_eq!(Scenario::parse(&text, "written").unwrap(), s);
        let mut none = s;
        none.attackers.clear();
        let text = ron::ser::to_string_pretty(&none, pretty).unwrap();
        assert!(!text.contains("attackers"));
    }
}
