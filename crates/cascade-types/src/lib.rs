//! Units shared by every cascade crate.
//!
//! This crate owns the vocabulary of the simulator and nothing else:
//!
//! - [`SimTime`] and [`SimDuration`]: simulated nanoseconds (never the wall clock);
//! - [`Ticks`] (prices), [`Lots`] (base-asset quantities) and [`Quote`] (quote-asset amounts);
//!   one quote atom is the value of one lot at a price of one tick, so `lots x ticks` is an exact
//!   quote amount and value is conserved in integers;
//! - [`Bps`], a fraction in basis points, used for protocol parameters that protocols themselves
//!   store as percentages with two decimals (Aave's `PercentageMath`);
//! - ids ([`AgentId`], [`AccountId`], [`OrderId`], [`LiquidationId`]) and [`Side`];
//! - [`MarketSpec`], which converts the integer units to human units (USD, ETH) for output only;
//! - checked `u128` arithmetic whose rounding direction is part of the name
//!   ([`mul_div_floor`], [`mul_div_ceil`]).

mod ids;
mod math;
mod time;
mod units;

pub use ids::{AccountId, AgentId, LiquidationId, OrderId, Side};
pub use math::{mul_div_ceil, mul_div_floor};
pub use time::{SimDuration, SimTime};
pub use units::{Bps, Lots, MarketSpec, Quote, Ticks};
