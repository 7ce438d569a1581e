//! Liquidation transactions and where seized collateral goes, in scenarios: the scenario's
//! `ordering` of liquidation transactions, each liquidator group's `tx_latency_ms` and
//! `priority_fee`, and the checks of the `Hold` and `Bridge` routes.
//!
//! ```ron
//! ordering: PriorityAuction(block_s: 12.0),     // or FirstArrival; absent: immediate calls
//! liquidators: [(
//!     // ...
//!     tx_latency_ms: Constant(800.0),           // decision to arrival (default 0)
//!     priority_fee: ProfitShare(0.5),           // or Fixed(2.0), Drawn(Uniform(lo: 1.0, hi: 4.0))
//!     route: Bridge(to: Venue("far"), latency_ms: Constant(60000.0), max_in_flight: 200.0),
//! )],
//! ```

use crate::schema::{Check, LiquidatorGroup, MarketUnits, RouteSpec, dist, fail, fits, positive};
use crate::schema::{non_negative, within};
use cascade_agents::PriorityFee;
use cascade_des::dist::Dist;
use cascade_engine::Ordering;
use cascade_types::{MarketSpec, SimDuration};
use serde::{Deserialize, Serialize};

/// How liquidation calls reach the chain. Without it (the default), a liquidator's call
/// executes the moment it decides and never reverts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OrderingSpec {
    /// Transactions execute as they arrive: the lowest latency goes first.
    FirstArrival,
    /// Transactions arriving within a block execute at its end, highest priority fee first,
    /// ties by arrival.
    PriorityAuction {
        /// Block interval, seconds (blocks end at its multiples from time zero).
        block_s: f64,
    },
}

impl OrderingSpec {
    pub(crate) fn validate(&self) -> Check {
        match self {
            OrderingSpec::FirstArrival => Ok(()),
            OrderingSpec::PriorityAuction { block_s } => positive("ordering.block_s", *block_s),
        }
    }

    /// The engine's ordering.
    pub(crate) fn build(spec: Option<&OrderingSpec>) -> Ordering {
        match spec {
            None => Ordering::Immediate,
            Some(OrderingSpec::FirstArrival) => Ordering::FirstArrival,
            Some(OrderingSpec::PriorityAuction { block_s }) => Ordering::PriorityAuction {
                block: SimDuration::from_secs_f64(*block_s),
            },
        }
    }
}

/// A liquidator group's priority-fee bid, in USD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PriorityFeeSpec {
    /// The same fee on every transaction, USD.
    Fixed(f64),
    /// A fresh draw per transaction from the liquidator's own stream, USD.
    Drawn(Dist),
    /// This share, in `[0, 1]`, of the expected profit above `min_profit_usd`.
    ProfitShare(f64),
}

impl PriorityFeeSpec {
    fn validate(&self, f: &str, m: &MarketUnits) -> Check {
        match self {
            PriorityFeeSpec::Fixed(usd) => {
                non_negative(&format!("{f}.Fixed"), *usd)?;
                fits(&format!("{f}.Fixed"), *usd, m, false)
            }
            PriorityFeeSpec::Drawn(d) => {
                let g = format!("{f}.Drawn");
                dist(&g, d)?;
                let (_, hi) = d.support();
                if hi.is_finite() {
                    fits(&g, hi, m, false)?;
                }
                Ok(())
            }
            PriorityFeeSpec::ProfitShare(s) => {
                within(&format!("{f}.ProfitShare"), *s, 0.0, 1.0, false, false)
            }
        }
    }

    /// The agents' bidding rule in quote atoms.
    pub(crate) fn build(&self, spec: &MarketSpec) -> PriorityFee {
        match self {
            PriorityFeeSpec::Fixed(usd) => PriorityFee::Fixed(spec.quote_floor(*usd)),
            PriorityFeeSpec::Drawn(d) => PriorityFee::Drawn {
                usd: d.clone(),
                atoms_per_usd: 1.0 / (spec.tick_size * spec.lot_size),
            },
            PriorityFeeSpec::ProfitShare(s) => PriorityFee::ProfitShare(*s),
        }
    }
}

/// Checks a liquidator group's transaction fields (`f` is its field path): they need an
/// `ordering`, since immediate calls send no transactions.
pub(crate) fn validate_group(
    f: &str,
    g: &LiquidatorGroup,
    ordering: Option<&OrderingSpec>,
    m: &MarketUnits,
) -> Check {
    if let Some(d) = &g.tx_latency_ms {
        let field = format!("{f}.tx_latency_ms");
        if ordering.is_none() {
            return fail(field, NEEDS_ORDERING);
        }
        dist(&field, d)?;
    }
    if let Some(p) = &g.priority_fee {
        let field = format!("{f}.priority_fee");
        if ordering.is_none() {
            return fail(field, NEEDS_ORDERING);
        }
        p.validate(&field, m)?;
    }
    Ok(())
}

const NEEDS_ORDERING: &str = "needs the scenario's `ordering` (FirstArrival or \
     PriorityAuction(block_s: ...)): without it liquidation calls are immediate, not transactions";

/// Checks a `Bridge` route at field path `f` (its destination is checked as a route of its
/// own by the caller).
pub(crate) fn validate_bridge(
    f: &str,
    to: &RouteSpec,
    latency_ms: &Dist,
    max_in_flight: Option<f64>,
    m: &MarketUnits,
) -> Check {
    if !matches!(to, RouteSpec::Venue(_) | RouteSpec::Split(_)) {
        return fail(
            format!("{f}.to"),
            "a bridge sells on arrival through Venue(...) or Split([...]), not Sliced, Hold or \
             another Bridge",
        );
    }
    dist(&format!("{f}.latency_ms"), latency_ms)?;
    if let Some(cap) = max_in_flight {
        let field = format!("{f}.max_in_flight");
        positive(&field, cap)?;
        if cap < m.lot_size {
            return fail(
                field,
                format!(
                    "{cap} is below one lot ({}): nothing could cross",
                    m.lot_size
                ),
            );
        }
        fits(&field, cap, m, true)?;
    }
    Ok(())
}

/// Checks what a `Sliced` route at `f` slices: a sale now, not a holding or a bridge.
pub(crate) fn validate_sliced_inner(f: &str, inner: &RouteSpec) -> Check {
    match inner {
        RouteSpec::Hold | RouteSpec::Bridge { .. } => fail(
            format!("{f}.route"),
            "slices sell on a venue now: slice Venue(...) or Split([...]), not Hold or Bridge \
             (a bridge sells everything on arrival)",
        ),
        _ => Ok(()),
    }
}
