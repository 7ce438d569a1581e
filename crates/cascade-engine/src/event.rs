//! The closed set of events a world schedules.

use cascade_types::{SimTime, Ticks};

/// An observation of the venue by the oracle, carried until it is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Observation {
    /// When the venue was observed.
    pub observed_at: SimTime,
    /// The observed mid.
    pub price: Ticks,
    /// The exogenous reference price at that moment (nearest tick).
    pub reference: Ticks,
    /// How many liquidation sales had traded before the observation (a prefix of the world's
    /// sale log), for attributing what it triggers.
    pub sales_seen: u32,
    /// How many sources the price aggregates.
    pub sources_used: u16,
}

/// What the perp venue does (see `world/perps.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerpEvent {
    /// Liquidate what is liquidatable at the latest mark.
    Check,
    /// The backstop vault sends its next unwinding order.
    VaultUnwind,
}

/// Everything that can happen in a world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The reference path takes a step.
    ReferenceStep,
    /// Oracle `0` reads its sources.
    OracleObserve(u16),
    /// A source's reading reaches its oracle.
    OracleArrive {
        /// The oracle.
        oracle: u16,
        /// The source, by index in the oracle's sources.
        source: u16,
        /// The reading.
        obs: Observation,
        /// The reading's confidence half-width (half the spread for a mid).
        conf: Ticks,
    },
    /// A push oracle's round becomes readable on-chain.
    OraclePublish {
        /// The oracle.
        oracle: u16,
        /// The round's observation.
        obs: Observation,
    },
    /// An OSM's hop: it is poked with the oracle's current value.
    OraclePoke(u16),
    /// A market maker replaces its quotes.
    MakerRequote(u32),
    /// A liquidator checks for liquidatable accounts.
    LiquidatorWake(u32),
    /// A liquidator sells the next slice of a liquidation's collateral.
    LiquidatorSell {
        /// The liquidator.
        liquidator: u32,
        /// The liquidation the collateral came from.
        liquidation: u32,
        /// Slices still to sell, this one included.
        slices_left: u32,
        /// Lots of that liquidation's collateral still to sell.
        remaining: u64,
    },
    /// A liquidation transaction arrives and executes (first-arrival ordering).
    TxExecute(u32),
    /// A block ends: the transactions that arrived in it execute by priority fee.
    BlockEnd,
    /// A bridge transfer of seized collateral arrives at its destination.
    BridgeArrive(u32),
    /// An arbitrageur checks its pool against its book.
    ArbWake(u32),
    /// A keeper looks at the vaults and auctions.
    KeeperWake(u32),
    /// An English auction's bid lifetime or auction time may have run out.
    AuctionExpiry(u64),
    /// A trader of the order flow acts.
    TraderWake(u32),
    /// The perp venue's clearinghouse or backstop vault acts.
    Perps(PerpEvent),
    /// An oracle manipulator pushes, re-pushes or unwinds (see `world/attackers.rs`).
    AttackerWake(u32),
    /// The LLAMMA market's block: oracle update, arbitrage of the bands, hard liquidations.
    LlammaStep,
    /// A borrower's deleverage bot acts for this account (see `world/deleverage.rs`).
    DeleverageWake(u32),
    /// A snapshot row of the book goes into the trace.
    Snapshot,
}
