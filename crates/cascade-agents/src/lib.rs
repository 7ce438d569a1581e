//! The agents of a world and the exogenous price they react to.
//!
//! This crate owns each agent's parameters, private state and decisions; it does not schedule
//! events or move money. The engine asks an agent what it wants to do (a quote ladder, a
//! liquidation plan), carries it out on the venues and settles it in the agents' wallets.
//!
//! - [`ReferencePath`]: the exogenous price: piecewise-linear knots times a seeded
//!   jump-diffusion factor (pure GBM with jumps when there is one knot).
//! - [`MarketMaker`]: quotes a finite ladder around the reference, skewed by its inventory and
//!   hedged away outside the book at a resilience rate, each re-quote after a latency.
//! - [`NoiseTrader`], [`MomentumTrader`], [`StopLoss`], [`InformedTrader`]: the rest of the
//!   order flow (see [`flow`]).
//! - [`Liquidator`]: watches oracle publications, liquidates with limited capital when the
//!   expected sale proceeds beat the repaid debt plus gas by a minimum profit; the engine then
//!   sells the seized collateral along its route (or holds it, or bridges it to another venue).
//! - [`PriorityFee`]: a liquidator's priority-fee bid when transactions are ordered by fee (see
//!   [`bidding`]).
//! - [`Keeper`]: bids in MakerDAO's collateral auctions (English and Dutch) with limited DAI and
//!   a latency that may rise with congestion; a zero bidder bids the minimum on auctions nobody
//!   has bid on (see [`keeper`]).
//! - [`Arbitrageur`]: closes the gap between an AMM pool and the book, buying on the cheaper
//!   venue and selling on the dearer until the pool's marginal price, fee included, meets the
//!   book's level (see [`arb`]).

pub mod arb;
pub mod bidding;
pub mod flow;
pub mod keeper;
mod liquidator;
mod maker;
mod reference;

pub use arb::{
    ArbDirection, ArbExecution, ArbParams, ArbPlan, ArbSkip, Arbitrageur, PoolUnits, Residue,
};
pub use bidding::PriorityFee;
pub use flow::{InformedTrader, MomentumTrader, NoiseTrader, StopLoss};
pub use keeper::{ClipMove, FlipMove, Keeper, KeeperParams, Pass, Purse};
pub use liquidator::{Liquidator, LiquidatorParams, Plan, SkipReason};
pub use maker::{
    Hedge, MakerParams, MarketMaker, Quote as MakerQuote, StressResponse, hedge_value,
};
pub use reference::{JumpDiffusion, Ohlc, PathBase, ReferencePath, Regime};

/// What an agent holds: quote cash and base inventory. Never negative (the types refuse it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wallet {
    /// Quote asset.
    pub cash: cascade_types::Quote,
    /// Base asset.
    pub base: cascade_types::Lots,
}
