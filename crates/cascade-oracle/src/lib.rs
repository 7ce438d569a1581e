//! Oracle models: when a price observed at a venue becomes the price a protocol acts on.
//!
//! This crate owns the oracle's building blocks and their state; it reads no venue, no clock
//! and schedules nothing. Callers pass `now` (and a [`cascade_des::StreamRng`] where a model
//! draws), and get back what happened. Prices are [`cascade_types::Ticks`]; every integer
//! division says how it rounds.
//!
//! The path of a price, and the module that models each step:
//!
//! - **sources and faults** ([`sources`], [`faults`]): a set of weighted sources with a quorum;
//!   each may be down, frozen, manipulated or wicking over a window;
//! - **observation latency** ([`latency`]): the delay from a venue to the oracle, fixed,
//!   random, or rising with congestion;
//! - **aggregation** ([`aggregate`], [`mod@twap`], [`ema`]): median (Chainlink's even-count rule
//!   or others), weighted median (Hyperliquid), Pyth's confidence aggregate, Uniswap v2's
//!   arithmetic TWAP, time-based EMAs (Hyperliquid's, half-life);
//! - **publication** ([`push`], [`osm`], [`pull`]): Chainlink's deviation-or-heartbeat rounds
//!   (the caller applies the inclusion delay), MakerDAO's one-hop OSM, a Pyth-style pull feed
//!   with consumer checks;
//! - **breakers** ([`breaker`], [`fallback`]): Chainlink's min/max answer, staleness pauses
//!   with an Aave-style grace period, Liquity's primary/secondary fallback.
//!
//! Each model cites its source in its module docs. Parameters are checked by `new`/`check`
//! functions that return a [`ParamError`] naming the parameter; outcomes a protocol reacts to
//! (a stale price, a refused round, a poke too early) are typed results, not errors.

pub mod aggregate;
pub mod breaker;
pub mod ema;
mod error;
pub mod fallback;
pub mod faults;
pub mod latency;
pub mod osm;
pub mod pull;
pub mod push;
pub mod sources;
pub mod twap;

pub use aggregate::{MedianRule, PriceConf, median, pyth_aggregate, weighted_median};
pub use breaker::{
    AnswerBounds, DeviationBreaker, DeviationRule, Gate, OutOfBounds, PauseReason,
    StalenessBreaker, StalenessRule,
};
pub use ema::{Ema, EmaRule};
pub use error::ParamError;
pub use fallback::{
    FallbackFeed, FallbackRule, FallbackStatus, Fetched, PriceOrigin, PrimaryResponse, StatusSwitch,
};
pub use faults::{Fault, FaultKind, FaultySource, Reading, Window};
pub use latency::{LatencyModel, LoadDependent};
pub use osm::{Osm, PokeOutcome, PokeRefused};
pub use pull::{PullConsumer, PullFeed, PullPrice, PullRejection};
pub use push::{Publication, PublishRefusal, PushFeed, PushRule, RoundDecision, RoundReason};
pub use sources::{Aggregated, Aggregation, Source, SourceSet};
pub use twap::{CumulativePrice, TwapWindow, twap, twap_between};
