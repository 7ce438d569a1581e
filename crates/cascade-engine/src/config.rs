//! Everything a world is built from, already validated and in integer units.

pub use crate::route::Route;
use cascade_agents::{
    InformedTrader, JumpDiffusion, LiquidatorParams, MakerParams, MomentumTrader, NoiseTrader,
    PathBase, StopLoss, Wallet,
};
use cascade_des::dist::Dist;
use cascade_oracle::PushRule;
use cascade_risk::Account;
use cascade_risk::aave::AaveParams;
use cascade_types::{MarketSpec, SimDuration};

/// The exogenous reference path.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceConfig {
    /// Knots or bars.
    pub base: PathBase,
    /// Interval between steps of the path.
    pub step: SimDuration,
    /// Optional random factor.
    pub diffusion: Option<JumpDiffusion>,
}

/// A trading venue: a limit order book.
#[derive(Clone, Debug, PartialEq)]
pub struct VenueConfig {
    /// Name, as written in traces.
    pub name: String,
}

/// One market maker.
#[derive(Clone, Debug, PartialEq)]
pub struct MakerConfig {
    /// The venue it quotes on.
    pub venue: usize,
    /// Quoting rules.
    pub params: MakerParams,
    /// Starting cash and inventory.
    pub wallet: Wallet,
}

/// What a trader of the order flow does (see `cascade_agents::flow`).
#[derive(Clone, Debug, PartialEq)]
pub enum TraderKind {
    /// Market orders at Poisson times.
    Noise(NoiseTrader),
    /// Trend following.
    Momentum(MomentumTrader),
    /// A stop-loss seller, reacting after `latency_ms`.
    StopLoss {
        /// The stop.
        stop: StopLoss,
        /// Reaction delay once the stop is hit, milliseconds.
        latency_ms: cascade_des::dist::Dist,
    },
    /// Trades the venue toward the reference.
    Informed(InformedTrader),
}

/// One trader of the order flow.
#[derive(Clone, Debug, PartialEq)]
pub struct TraderConfig {
    /// The venue it trades on.
    pub venue: usize,
    /// What it does.
    pub kind: TraderKind,
    /// Starting cash and inventory.
    pub wallet: Wallet,
}

/// One liquidator.
#[derive(Clone, Debug, PartialEq)]
pub struct LiquidatorConfig {
    /// How it sells seized collateral.
    pub route: Route,
    /// Behaviour.
    pub params: LiquidatorParams,
    /// Starting cash and inventory.
    pub wallet: Wallet,
}

/// The oracle: what it observes, how late, and when it publishes.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleConfig {
    /// Venues observed (their mids, or last trades while one-sided); the median is published.
    pub sources: Vec<usize>,
    /// Interval between observations of the book mid.
    pub observe_every: SimDuration,
    /// Delay from observation to the oracle network, in milliseconds.
    pub latency_ms: Dist,
    /// The push rule.
    pub rule: PushRule,
    /// Delay from a round's start to its price being readable on-chain, in milliseconds.
    pub inclusion_delay_ms: Dist,
}

/// A whole world.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldConfig {
    /// Scenario name, for output.
    pub name: String,
    /// Master seed of all random streams.
    pub seed: u64,
    /// Simulated span.
    pub duration: SimDuration,
    /// Units of the market.
    pub spec: MarketSpec,
    /// The exogenous price.
    pub reference: ReferenceConfig,
    /// Trading venues, by index.
    pub venues: Vec<VenueConfig>,
    /// Market makers, agent ids from 0.
    pub makers: Vec<MakerConfig>,
    /// The oracle.
    pub oracle: OracleConfig,
    /// Lending market rules.
    pub lending: AaveParams,
    /// Borrower accounts, ids from 0.
    pub accounts: Vec<Account>,
    /// Liquidators, agent ids after the makers.
    pub liquidators: Vec<LiquidatorConfig>,
    /// Other traders, agent ids after the liquidators.
    pub traders: Vec<TraderConfig>,
    /// Interval between book snapshots in the trace.
    pub snapshot_every: SimDuration,
}
