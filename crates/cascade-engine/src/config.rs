//! Everything a world is built from, already validated and in integer units.

pub use crate::route::Route;
use cascade_agents::{
    ArbParams, InformedTrader, JumpDiffusion, LiquidatorParams, MakerParams, MomentumTrader,
    NoiseTrader, PathBase, PriorityFee, StopLoss, Wallet,
};
use cascade_des::dist::Dist;
use cascade_oracle::{
    Aggregation, AnswerBounds, EmaRule, FallbackRule, Fault, LatencyModel, PullConsumer, PushRule,
    StalenessRule,
};
use cascade_risk::{Account, LiquidationMechanism};
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
    /// Regimes the factor switches between (the first is `diffusion`'s); none for a single
    /// diffusion.
    pub regimes: Vec<cascade_agents::Regime>,
}

/// A trading venue: a limit order book.
#[derive(Clone, Debug, PartialEq)]
pub struct VenueConfig {
    /// Name, as written in traces.
    pub name: String,
    /// The venue's own reference path, followed by its makers and informed traders (the
    /// world's reference if `None`); it draws from the world reference's stream, so where the
    /// two paths' bars agree their moves coincide.
    pub reference: Option<ReferenceConfig>,
}

/// An AMM pool venue. Token 0 is the base asset, one atom per lot; token 1 the quote asset, one
/// atom per quote atom; so the pool's price (token 1 per token 0) is a price in ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct PoolConfig {
    /// Name, as written in traces and routes.
    pub name: String,
    /// The pool with its starting liquidity.
    pub pool: cascade_amm::Pool,
}

/// One arbitrageur between a pool and a book.
#[derive(Clone, Debug, PartialEq)]
pub struct ArbitrageurConfig {
    /// The pool, by index in [`WorldConfig::pools`].
    pub pool: usize,
    /// The book venue, by index in [`WorldConfig::venues`].
    pub book: usize,
    /// Gas, minimum profit, book levels read.
    pub params: ArbParams,
    /// Delay from a pool trade to its reaction, milliseconds.
    pub latency_ms: Dist,
    /// Interval between its checks when nothing wakes it.
    pub poll: SimDuration,
    /// Starting cash and inventory.
    pub wallet: Wallet,
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
    /// Delay from its decision to its transaction's arrival, milliseconds (drawn from its own
    /// `liquidator-tx/i` stream; unused when calls are immediate).
    pub tx_latency_ms: Dist,
    /// Its priority-fee bid (paid by every transaction it sends; orders them only under a
    /// priority-fee auction).
    pub priority_fee: PriorityFee,
}

/// What a source of an oracle reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SourceKind {
    /// A venue's mid (its last trade while the book is one-sided); the confidence is half the
    /// spread.
    Mid(usize),
    /// A venue's last trade price.
    LastTrade(usize),
    /// The volume-weighted price of a venue's trades over a trailing window (the mid when no
    /// trade happened in the window).
    Vwap {
        /// The venue.
        venue: usize,
        /// The window.
        window: SimDuration,
    },
    /// The exogenous reference price (a CEX index).
    Reference,
    /// An AMM pool's spot price (before fee), by index in [`WorldConfig::pools`].
    Pool(usize),
}

/// One source of an oracle: what it reads, how late the reading arrives, its weight and its
/// faults.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleSource {
    /// Name, as written in traces.
    pub name: String,
    /// What it reads.
    pub kind: SourceKind,
    /// Delay from reading to the oracle network (drawn from the source's own stream).
    pub latency: LatencyModel,
    /// Weight in a weighted median.
    pub weight: u32,
    /// Outages, freezes and manipulations over time windows.
    pub faults: Vec<Fault>,
}

/// How an oracle smooths its aggregate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Smoothing {
    /// The aggregate as it is.
    None,
    /// The arithmetic time-weighted average of the aggregate over a trailing window.
    Twap(SimDuration),
    /// An exponential moving average of the aggregate.
    Ema(EmaRule),
}

/// When and how an oracle's value becomes readable by the protocol.
#[derive(Clone, Debug, PartialEq)]
pub enum Publication {
    /// Chainlink-like rounds on deviation or heartbeat, readable after an inclusion delay.
    Push {
        /// Deviation and heartbeat.
        rule: PushRule,
        /// Delay from a round's start to its price being readable on-chain (milliseconds,
        /// drawn from the oracle's own stream).
        inclusion: LatencyModel,
        /// Chainlink's min/max answer: rounds outside are refused.
        bounds: Option<AnswerBounds>,
    },
    /// MakerDAO's OSM: poked every hop; the protocol reads the value of one hop earlier.
    Osm {
        /// The hop.
        hop: SimDuration,
    },
    /// A Pyth-like pull feed: every aggregate is published; the protocol reads the latest and
    /// rejects it when older than `max_age` or wider than `max_conf`.
    Pull(PullConsumer),
}

/// A Liquity-style fallback: the protocol reads this oracle while it behaves and a second
/// oracle after a jump, a freeze or a failure.
#[derive(Clone, Debug, PartialEq)]
pub struct FallbackConfig {
    /// The switching rule.
    pub rule: FallbackRule,
    /// The secondary oracle, by index in [`WorldConfig::oracles`].
    pub secondary: usize,
}

/// At most `max_debt` repaid by liquidations within any trailing `window` (dYdX-style
/// per-window liquidation caps, mechanisms.md §9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationCap {
    /// Trailing window.
    pub window: SimDuration,
    /// Debt repaid allowed in the window.
    pub max_debt: cascade_types::Quote,
}

/// An oracle: sources, aggregation, smoothing, publication, and the protocol-side breakers.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleConfig {
    /// Name, as written in traces and figures.
    pub name: String,
    /// Sources, each read every `observe_every`.
    pub sources: Vec<OracleSource>,
    /// Interval between readings of the sources.
    pub observe_every: SimDuration,
    /// Median or weighted median of the latest reading of each source.
    pub aggregation: Aggregation,
    /// The fewest sources with a reading that make an aggregate.
    pub quorum: usize,
    /// Readings older than this are left out of the aggregate (`None`: all latest readings).
    pub max_reading_age: Option<SimDuration>,
    /// Smoothing of the aggregate.
    pub smoothing: Smoothing,
    /// Publication rule.
    pub publication: Publication,
    /// Liquidations pause while the readable price is older than this (with a grace period
    /// after recovery).
    pub staleness: Option<StalenessRule>,
    /// Liquidations pause for a while after the readable price moves too far too fast.
    pub deviation_breaker: Option<cascade_oracle::DeviationRule>,
    /// A fallback to another oracle.
    pub fallback: Option<FallbackConfig>,
}

/// An exogenous congestion level over time (gas price, message rate) in arbitrary units,
/// piecewise linear between knots `(seconds, level)`, zero when empty. Load-dependent latency
/// models read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Congestion {
    /// Knots in increasing time.
    pub knots: Vec<(f64, f64)>,
}

impl Congestion {
    /// The level at `t` seconds (flat before the first knot and after the last).
    pub fn at(&self, t: f64) -> f64 {
        let k = &self.knots;
        match k.iter().position(|&(kt, _)| kt > t) {
            None => k.last().map_or(0.0, |&(_, v)| v),
            Some(0) => k[0].1,
            Some(i) => {
                let (t0, v0) = k[i - 1];
                let (t1, v1) = k[i];
                v0 + (v1 - v0) * (t - t0) / (t1 - t0)
            }
        }
    }
}

/// A whole world.
#[derive(Clone, Debug)]
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
    /// Trading venues (limit order books), by index; routes number the pools after them.
    pub venues: Vec<VenueConfig>,
    /// AMM pools; in routes, pool `i` is venue `venues.len() + i`.
    pub pools: Vec<PoolConfig>,
    /// Market makers, agent ids from 0.
    pub makers: Vec<MakerConfig>,
    /// Oracles; the protocol reads [`WorldConfig::market_oracle`], the others are computed
    /// and traced alongside (and may serve as its fallback).
    pub oracles: Vec<OracleConfig>,
    /// The oracle the lending market reads.
    pub market_oracle: usize,
    /// Exogenous congestion.
    pub congestion: Congestion,
    /// The lending market's liquidation rule: Aave v3 ([`cascade_risk::aave::AaveParams`]),
    /// Morpho Blue, Compound III ([`cascade_risk::mechanism`]) or any other
    /// [`LiquidationMechanism`]; the world runs its own copy.
    pub lending: Box<dyn LiquidationMechanism>,
    /// A cap on the debt liquidations may repay in any trailing window.
    pub liquidation_cap: Option<LiquidationCap>,
    /// Borrower accounts, ids from 0.
    pub accounts: Vec<Account>,
    /// Liquidators, agent ids after the makers.
    pub liquidators: Vec<LiquidatorConfig>,
    /// Other traders, agent ids after the liquidators.
    pub traders: Vec<TraderConfig>,
    /// Arbitrageurs between pools and books, agent ids after the traders.
    pub arbitrageurs: Vec<ArbitrageurConfig>,
    /// A perpetual-futures venue on one of the books; its clearing agent's id follows the
    /// traders'.
    pub perps: Option<crate::perps::PerpsConfig>,
    /// Interval between book snapshots in the trace.
    pub snapshot_every: SimDuration,
    /// Maker-style vaults run alongside the lending market (see [`crate::vaults`]).
    pub vaults: Option<crate::vaults::VaultsConfig>,
    /// Oracle manipulators (see [`crate::attack`]); agent ids after everyone else's.
    pub attackers: Vec<crate::attack::AttackerConfig>,
    /// Sandwichers of liquidation sales on pools (see [`crate::attack::SandwicherConfig`]);
    /// agent ids after the attackers'.
    pub sandwichers: Vec<crate::attack::SandwicherConfig>,
    /// How liquidation calls are ordered (see [`crate::txs`]).
    pub ordering: crate::txs::Ordering,
    /// With a market here, the accounts are crvUSD-style loans in one LLAMMA instead of
    /// positions in the lending market (see [`crate::llamma`]).
    pub llamma: Option<crate::llamma::LlammaConfig>,
    /// Borrowers' deleverage bots (see [`crate::deleverage`]); their shared wallet takes the
    /// last agent id.
    pub deleverage: Option<crate::deleverage::DeleverageConfig>,
}
