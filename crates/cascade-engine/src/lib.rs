//! The world and its event loop.
//!
//! This crate owns a run: the event queue, the book, the oracle feed, the lending market, the
//! agents and their wallets, and the trace. [`World::run`] pops events in the queue's total order
//! and dispatches each with one `match` over the closed [`Event`] enum; handlers ask the domain
//! crates what happens, schedule the consequences after their latencies, settle trades in the
//! agents' wallets, and append trace rows.
//!
//! The cascade loop: a reference step moves the exogenous price; market makers re-quote around it
//! after their latencies; the oracle observes the book mid, and after its observation latency and
//! inclusion delay publishes by its deviation/heartbeat rule; on a publication that leaves
//! accounts liquidatable, each liquidator wakes after its latency, liquidates what is worth it
//! and sells the seized collateral into the book; the sale moves the mid, which the oracle sees
//! next; and so on. Borrowers' deleverage bots ([`deleverage`]) sell into the same book before
//! their accounts' liquidation prices are reached, and so are part of the loop.
//!
//! Generations: a liquidation is of generation 0 if its account is liquidatable at the exogenous
//! reference price seen when the oracle observed the price it acts on (the exogenous move alone
//! would have triggered it). Otherwise it was triggered by a price that earlier liquidation sales
//! pushed below the reference: its parent is the latest liquidation whose sale traded before that
//! observation, and its generation is the parent's plus one.

pub mod attack;
mod config;
pub mod deleverage;
mod event;
pub mod llamma;
pub mod perps;
pub mod route;
mod stats;
pub mod trace;
pub mod txs;
pub mod vaults;
mod world;

pub use attack::{
    AttackStats, AttackerConfig, Pnl, PushSize, SandwichStats, SandwicherConfig, UnwindConfig,
};
pub use config::{
    ArbitrageurConfig, Congestion, FallbackConfig, LiquidationCap, LiquidatorConfig, MakerConfig,
    OracleConfig, OracleSource, PoolConfig, Publication, ReferenceConfig, Route, Smoothing,
    SourceKind, TraderConfig, TraderKind, VenueConfig, WorldConfig,
};
pub use deleverage::{DeleverageConfig, DeleverageStats, DeleverageWatch};
pub use event::{Event, Observation, PerpEvent};
pub use llamma::{LlammaConfig, LlammaStats};
pub use perps::{PerpAccountConfig, PerpStats, PerpsConfig, VaultUnwind};
pub use stats::{
    BridgeStats, LendingStats, LiquidatorStats, MinutePressure, RevertReason, RunStats, TxStats,
};
pub use txs::Ordering;
pub use world::{AgentKind, World};
pub use world::{BASE_ATOMS_PER_LOT, POOL_UNITS};

/// A run that could not complete.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Writing a trace file failed.
    #[error("writing the trace failed: {0}")]
    Trace(#[from] std::io::Error),
}
