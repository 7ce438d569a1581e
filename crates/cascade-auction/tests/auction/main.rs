//! Scenario tests of the auction crate: Liquidations 2.0 and 1.2 from liquidation to settlement,
//! with expected values worked by hand, and conservation over seeded random play.

mod clip;
mod conservation;
mod flip;

use cascade_auction::U256;
use cascade_types::SimTime;

/// `s` whole seconds after the start.
pub fn t(s: u64) -> SimTime {
    SimTime(s * 1_000_000_000)
}

/// A literal as a `U256`.
pub fn u(x: u128) -> U256 {
    U256::from(x)
}
