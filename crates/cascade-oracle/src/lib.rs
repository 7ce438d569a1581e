//! Oracle models: when a price observed at a venue becomes the price a protocol acts on.
//!
//! This crate owns the publication rules and the oracle's own state; it does not read venues or
//! schedule anything. The engine observes a source at some time, delivers the observation after
//! an observation latency, asks the feed whether to start a round, and publishes the round after
//! an inclusion delay. Every step is a pure function of the feed's state and its arguments.
//!
//! [`PushFeed`] follows Chainlink's push rule (docs.chain.link, "Data Feeds: deviation threshold
//! and heartbeat"): a new round starts when the observed price deviates from the last round's
//! price by at least the deviation threshold, or when the heartbeat has elapsed since the last
//! round; the round's answer lands on-chain after an inclusion delay.

mod push;

pub use push::{Publication, PushFeed, PushRule, RoundDecision, RoundReason};
