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
}

/// Everything that can happen in a world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The reference path takes a step.
    ReferenceStep,
    /// The oracle observes the venue.
    OracleObserve,
    /// An observation reaches the oracle network.
    OracleArrive(Observation),
    /// A round's price becomes readable on-chain.
    OraclePublish(Observation),
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
    /// A trader of the order flow acts.
    TraderWake(u32),
    /// A snapshot row of the book goes into the trace.
    Snapshot,
}
