//! A crvUSD-style soft-liquidation market run inside the world, and the per-minute record of
//! what any lending design sends to the market.
//!
//! With [`WorldConfig::llamma`](crate::WorldConfig::llamma) set, the world's borrower accounts
//! are not opened in the lending market: each becomes a crvUSD loan (its collateral and debt)
//! in one LLAMMA with its Controller ([`cascade_llamma`]), deployed at the reference price at
//! time zero. Every `step` (a block) the world (`world/llamma.rs`):
//!
//! 1. updates LLAMMA's oracle, an exponential moving average of the first venue's price with
//!    time constant `oracle_ema` (weight `exp(-dt/T)` on the old value, as crvUSD's EMA of pool
//!    prices, `T` = 866 s);
//! 2. lets the market's keeper arbitrage the bands against that venue's book: when the AMM sells
//!    collateral below the best bid, buy it from the bands and sell it into the book; when it
//!    buys above the best ask, buy on the book and sell into the bands. The keeper trades the
//!    amount that moves the AMM to the book's price net of its fee (the static or the dynamic
//!    fee, whichever is higher), halved until the trade pays
//!    its gas and minimum profit at the book as it stands (profit is concave in size, so this
//!    finds a profitable size within a factor of two of the best one);
//! 3. lets the same keeper hard-liquidate loans whose full health is negative at that oracle
//!    (`Controller::liquidate`), when selling their collateral into the book pays back the debt
//!    it repays plus gas and profit; it sells the collateral into the book at once. Loans below
//!    the health limit that nobody liquidates at a profit stay open. The market's bad debt is
//!    the part of its open loans' debt that their bands do not cover at the venue's price (as
//!    for the lending market's open accounts).
//!
//! Accounts the Controller refuses (too much debt for its loan discount over the bands) stay in
//! the lending market under its own mechanism and liquidators; the others are empty positions
//! there, so account ids stay the scenario's.
//!
//! The keeper's sales are ordinary market orders: they move the mid, the oracle sees it, the
//! EMA follows, more bands convert. That is soft liquidation inside the feedback loop, with the
//! same book, makers and oracle as the run's hard liquidations.
//!
//! Every run records collateral sold into the market, bought back, borrowers' losses and bad
//! debt per minute, by cause ([`crate::MinutePressure`]), so that two designs can be compared on
//! the same scenario; the keeper's trades count as `llamma_sold`, `llamma_bought` and
//! `llamma_loss`.

use cascade_agents::Wallet;
use cascade_types::{Lots, Quote, SimDuration};

/// A crvUSD-style market of the world's borrowers (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LlammaConfig {
    /// Amplification `A`: each band is `1/A` wide.
    pub a: u32,
    /// Bands per loan.
    pub bands: u32,
    /// LLAMMA's static fee, WAD.
    pub fee: u128,
    /// The Controller's loan discount, WAD.
    pub loan_discount: u128,
    /// The Controller's liquidation discount, WAD.
    pub liquidation_discount: u128,
    /// Time constant of the oracle's EMA of the first venue's price (zero: the price itself).
    pub oracle_ema: SimDuration,
    /// Interval between two keeper actions (arbitrage, then hard liquidations).
    pub step: SimDuration,
    /// The keeper's starting wallet.
    pub keeper: Wallet,
    /// Gas per keeper transaction.
    pub gas_cost: Quote,
    /// Smallest profit the keeper trades or liquidates for.
    pub min_profit: Quote,
}

/// What the LLAMMA market did over a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LlammaStats {
    /// Loans opened.
    pub loans: u64,
    /// Accounts the Controller refused (too much debt for its loan discount and bands); their
    /// positions are in no market.
    pub refused: u64,
    /// Their debt.
    pub refused_debt: Quote,
    /// Debt of the opened loans at the start.
    pub debt_start: Quote,
    /// Debt still owed at the end.
    pub debt_end: Quote,
    /// Arbitrage trades that bought collateral from the bands (soft liquidation).
    pub soft_trades: u64,
    /// Arbitrage trades that sold collateral into the bands (de-liquidation).
    pub buyback_trades: u64,
    /// Collateral bought from the bands.
    pub soft_sold: Lots,
    /// Collateral sold back into the bands.
    pub bought_back: Lots,
    /// Hard liquidations.
    pub hard_liquidations: u64,
    /// Debt they repaid (each a whole loan's).
    pub debt_repaid: Quote,
    /// Loans below the health limit at the end that nobody liquidated.
    pub underwater_at_end: u64,
    /// Debt of open loans at the end not covered by their bands at the venue's last price.
    pub bad_debt_at_end: Quote,
    /// The keeper's cash plus inventory at the last mid, minus its start, quote atoms.
    pub keeper_pnl: i128,
    /// Gas the keeper paid.
    pub gas_spent: Quote,
}
