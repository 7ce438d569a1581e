//! Curve crvUSD's LLAMMA soft liquidation and its Controller's hard liquidation, as a pure
//! library.
//!
//! LLAMMA (lending-liquidating AMM algorithm) holds a borrower's collateral in bands of price
//! below the market. Each band's price range is tied to an external oracle price `p_o`: band `n`
//! spans oracle prices `p↓ = p↑·(A−1)/A` to `p↑ = p_base·((A−1)/A)^n`, and its AMM trades at
//! prices from `p_o³/p↑²` to `p_o³/p↓²`. When `p_o` falls into a band, the band's AMM price falls
//! faster than the oracle, so arbitrageurs buy its collateral and pay in the borrowed coin: the
//! position turns into stablecoin band by band (soft liquidation), and back into collateral when
//! the price recovers. The Controller hard-liquidates a loan only when its health, the value of
//! its bands at the oracle price discounted by the liquidation discount, falls below its debt.
//!
//! Sources, read and re-derived (not copied); each module names the functions it follows:
//!
//! - `curvefi/curve-stablecoin@contracts/AMM.vy` (LLAMMA, Vyper 0.4 version): [`amm`];
//! - `curvefi/curve-stablecoin@contracts/Controller.vy` (2024 version): [`controller`];
//! - the curve-stablecoin whitepaper and `reference/mechanisms.md` §5 (band edges, the invariant
//!   `(x + f)(y + g) = p_o·A²·y0²`, soft and hard liquidation).
//!
//! Modules:
//!
//! - [`amm`]: [`Llamma`]: band grid, oracle-dependent prices, the oracle limiter and dynamic
//!   fee, deposits over `N` bands, withdrawals, exchanges through bands, users' positions;
//! - [`controller`]: [`Controller`]: `create_loan`, debt with interest, health, hard
//!   liquidation, with the contract's checks and rounding;
//! - [`arb`]: an idealised arbitrageur that trades the AMM to the market price;
//! - [`compare`]: one borrower on one price path under LLAMMA and under an Aave-style hard
//!   liquidation: losses and sell pressure per step;
//! - [`population`]: the same for a whole borrower population sharing one AMM, with separate
//!   market, LLAMMA-oracle and hard-oracle paths.
//!
//! Arithmetic is the contracts' own: 1e18 fixed point in `u128` with 256-bit intermediates
//! (`ruint`), rounding where and how the contracts round, every overflow or division by zero an
//! error rather than a panic. No floating point is used anywhere: where the contracts compute
//! `exp` and `ln` by approximation (band edges, the top band of a new loan), this crate computes
//! the exact powers of `(A−1)/A` in 1e36 fixed point instead; the results differ from the
//! contracts' by a few wei at most (see [`amm`] and [`controller`]).
//!
//! No engine, no randomness, no clock: every call that depends on the market takes an
//! [`OracleReading`] (the oracle price and the time), and events accumulate in a log the caller
//! drains. Users are [`AccountId`](cascade_types::AccountId)s, traders and liquidators
//! [`AgentId`](cascade_types::AgentId)s; the crate keeps the AMM's token balances, the caller
//! keeps wallets.
//!
//! Units: amounts are token units at each token's precision; inside the bands they carry 18
//! decimals. Prices are WAD amounts of the borrowed coin per unit of collateral. With both
//! precisions set to 1e18, one token unit is one [`Lots`](cascade_types::Lots) of collateral or
//! one [`Quote`](cascade_types::Quote) atom, and a price of `t` ticks is [`price_from_ticks`]
//! `= t·1e18`.

#![warn(missing_docs)]

pub mod amm;
pub mod arb;
pub mod compare;
pub mod controller;
mod error;
mod event;
mod math;
pub mod population;

pub use amm::{Band, ExchangeOutcome, Llamma, LlammaParams, OracleReading};
pub use controller::{Controller, ControllerParams, HardLiquidation, LoanOpened, Position};
pub use error::LlammaError;
pub use event::{Coin, LlammaEvent};
pub use math::{DEAD_SHARES, WAD};

use cascade_types::Ticks;

/// The WAD price of `t` ticks for a market whose collateral token unit is one lot and whose
/// borrowed token unit is one quote atom (both precisions 1e18); `None` for a non-positive or
/// too large price.
pub fn price_from_ticks(t: Ticks) -> Option<u128> {
    u128::try_from(t.0)
        .ok()
        .filter(|&v| v > 0)
        .and_then(|v| v.checked_mul(WAD))
}
