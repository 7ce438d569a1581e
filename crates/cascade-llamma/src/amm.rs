//! LLAMMA, the lending-liquidating AMM of crvUSD: bands, oracle-dependent prices, deposits,
//! withdrawals and exchanges.
//!
//! Source (read and re-derived, not copied): `curvefi/curve-stablecoin@contracts/AMM.vy`, the
//! Vyper 0.4 version with `DEAD_SHARES`, the oracle limiter and the dynamic fee:
//!
//! - band grid `_p_oracle_up(n) = base_price·((A−1)/A)^n`, `p_oracle_down(n) = p_oracle_up(n+1)`;
//!   `_base_price = BASE_PRICE·rate_mul`, `rate_mul ← rate_mul·(1 + rate·dt)`;
//! - `_p_current_band(n) = p_o³/p_oracle_up(n)²` (integer order `p_o²//p_up·p_o//p_up`), so
//!   `p_current_down(n) = p_o³/p↑²` and `p_current_up(n) = p_o³/p↓²`: the band's price range
//!   moves as the cube of the oracle price;
//! - the invariant `(f + x)(g + y) = p_o·A²·y0²` with `f = A·y0·p_o²/p↑`, `g = (A−1)·y0·p↑/p_o`,
//!   and `_get_y0` solving `p_o·A·y0² − y0·(p↑/p_o·(A−1)·x + p_o²/p↑·A·y) − x·y = 0`;
//! - `_get_p` (price `(f + x)/(g + y)` and the special cases of empty sides), `deposit_range`,
//!   `withdraw(user, frac)`, `calc_swap_out`, `_exchange`, `get_dxdy`, `get_amount_for_price`,
//!   `get_xy_up` (`get_x_down`/`get_y_up`), `_get_xy`, `can_skip_bands`,
//!   `active_band_with_skip`;
//! - `limit_p_o` (the oracle may move at most ×1.25 within `PREV_P_O_DELAY` = 120 s of the
//!   last exchange, and a fee `(1 − r³)·dt/T` covers the repeg loss) and `get_dynamic_fee` (a
//!   quarter of the distance between the oracle and the band's current price range); the fee
//!   applied in a band is the largest of the static fee, the limiter fee and the band fee.
//!
//! Units follow the contract: amounts inside the bands carry 18 decimals (token units times the
//! token's `PRECISION`), prices are WAD (1e18) amounts of borrowed coin per unit of collateral.
//! Public amounts are token units; with both precisions 1e18 a token unit can be a whole
//! [`Lots`](cascade_types::Lots) or [`Quote`](cascade_types::Quote) atom (see
//! [`crate::price_from_ticks`]).
//!
//! Deviations, all below one wei of a band-edge price or in the representation only:
//!
//! - `_p_oracle_up` is `exp(−n·ln(A/(A−1)))` by a rational approximation in the contract, and
//!   the swap loops step from band to band with `p·(A−1)//A`. Here every band edge is
//!   `base·((A−1)/A)^n` by exact square-and-multiply in 1e36 fixed point, rounded down once,
//!   so all functions agree on every edge; the contract's own two methods differ from each other
//!   and from this by a few wei.
//! - Users are [`AccountId`]s and traders [`AgentId`]s; tokens are a ledger of the AMM's
//!   balances ([`Llamma::balances`]), wallets are the caller's.
//! - A call that reverts in the contract leaves no trace here either: each mutating call checks
//!   and computes everything before it writes.
//! - Not modelled: `exchange_dy`/`calc_swap_in`, the liquidity-mining callbacks, admin fees.

use crate::error::LlammaError;
use crate::event::{Coin, LlammaEvent};
use crate::math::{DEAD_SHARES, WAD, ck, isqrt, sub_or_zero, to_u128};
use cascade_types::{AccountId, AgentId, SimTime};
use ruint::UintTryFrom;
use ruint::aliases::{U256, U512};
use std::collections::BTreeMap;

/// Most bands one user may deposit into, and most bands one exchange may touch (`MAX_TICKS`).
pub const MAX_TICKS: usize = 50;
/// Most empty bands a loop skips (`MAX_SKIP_TICKS`).
pub const MAX_SKIP_TICKS: usize = 1024;
/// Window within which oracle moves are limited and charged a fee, seconds (`PREV_P_O_DELAY`).
pub const PREV_P_O_DELAY: u64 = 120;
/// Largest oracle move within the window, WAD (`MAX_P_O_CHG` = 1.25, about 2^(1/3)).
pub const MAX_P_O_CHG: u128 = 1_250_000_000_000_000_000;
/// Smallest amplification the factory accepts.
pub const MIN_A: u128 = 2;
/// Largest amplification the factory accepts.
pub const MAX_A: u128 = 10_000;
/// Largest static fee, WAD (the Controller's `MAX_FEE`, 10%).
pub const MAX_FEE: u128 = 100_000_000_000_000_000;
/// Largest token precision multiplier (a 0-decimal token).
pub const MAX_PRECISION: u128 = WAD;
/// Largest band number, either sign, a deposit may use: far beyond any band whose edge price is
/// representable, and small enough that band arithmetic never overflows.
pub const MAX_BAND: i64 = 1 << 24;
/// Largest base price, WAD: 1e12 borrowed coins per collateral unit, which keeps every
/// intermediate product of the contract's formulas inside 256 bits.
pub const MAX_BASE_PRICE: u128 = 1_000_000_000_000 * WAD;

const NS_PER_SEC: u64 = 1_000_000_000;

fn e36() -> U256 {
    U256::from(WAD) * U256::from(WAD)
}

/// Parameters of one LLAMMA, fixed at deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LlammaParams {
    /// Amplification `A`: a band is `1/A` wide (crvUSD's ETH markets use 100).
    pub a: u128,
    /// Price at the top of band 0, WAD; typically the market price at deployment.
    pub base_price: u128,
    /// Static fee, WAD (e.g. 6e15 = 0.6%).
    pub fee: u128,
    /// `10^(18 − collateral decimals)` (`COLLATERAL_PRECISION`).
    pub collateral_precision: u128,
    /// `10^(18 − borrowed decimals)` (`BORROWED_PRECISION`); 1 for crvUSD.
    pub borrowed_precision: u128,
}

impl LlammaParams {
    /// A market of two 18-decimal tokens.
    pub fn new(a: u128, base_price: u128, fee: u128) -> Self {
        LlammaParams {
            a,
            base_price,
            fee,
            collateral_precision: 1,
            borrowed_precision: 1,
        }
    }

    /// Checks the ranges the factory and the Controller enforce.
    pub fn validate(&self) -> Result<(), LlammaError> {
        if !(MIN_A..=MAX_A).contains(&self.a) {
            return Err(LlammaError::InvalidParameter("A must be in 2..=10000"));
        }
        if self.base_price == 0 || self.base_price > MAX_BASE_PRICE {
            return Err(LlammaError::InvalidParameter(
                "base price must be in 1..=1e30 (WAD)",
            ));
        }
        if self.fee > MAX_FEE {
            return Err(LlammaError::InvalidParameter("fee must be at most 10%"));
        }
        for p in [self.collateral_precision, self.borrowed_precision] {
            if p == 0 || p > MAX_PRECISION {
                return Err(LlammaError::InvalidParameter(
                    "precision must be in 1..=1e18",
                ));
            }
        }
        Ok(())
    }
}

/// The oracle price and the time of a call: every price-dependent function takes one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OracleReading {
    /// The external oracle's price (`price_oracle_contract.price()`), WAD.
    pub price: u128,
    /// The time of the call (`block.timestamp`, rounded down to whole seconds).
    pub time: SimTime,
}

impl OracleReading {
    /// A reading of `price` at `time`.
    pub const fn new(price: u128, time: SimTime) -> Self {
        OracleReading { price, time }
    }
}

/// One band's liquidity, amounts with 18 decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Band {
    /// Borrowed coin in the band (`bands_x`).
    pub x: u128,
    /// Collateral in the band (`bands_y`).
    pub y: u128,
    /// Shares of all depositors (`total_shares`), without the dead shares.
    pub total_shares: u128,
}

/// A user's deposit: its band range and its shares of each band.
#[derive(Clone, Debug, PartialEq, Eq)]
struct UserTicks {
    n1: i64,
    n2: i64,
    shares: Vec<u128>,
}

/// What an exchange did (or would do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExchangeOutcome {
    /// The coin paid in.
    pub sold: Coin,
    /// Amount of `sold` taken, token units (may be less than offered when liquidity runs out).
    pub in_amount: u128,
    /// Amount of the other coin paid out, token units.
    pub out_amount: u128,
    /// First band with liquidity that the swap touched.
    pub n1: i64,
    /// Last band the swap touched: the new active band.
    pub n2: i64,
}

impl ExchangeOutcome {
    fn nothing(sold: Coin, band: i64) -> Self {
        ExchangeOutcome {
            sold,
            in_amount: 0,
            out_amount: 0,
            n1: band,
            n2: band,
        }
    }
}

/// `calc_swap_out`'s result in 18-decimal amounts.
#[derive(Clone, Debug, Default)]
struct DetailedTrade {
    in_amount: U256,
    out_amount: U256,
    n1: i64,
    n2: i64,
    ticks_in: Vec<U256>,
    last_tick_j: U256,
}

/// The oracle state that an exchange writes (`_price_oracle_w`).
#[derive(Clone, Copy, Debug)]
struct OracleWrite {
    p_o: u128,
    dfee: u128,
    time: u64,
}

/// A withdrawal computed but not yet applied.
struct WithdrawPlan {
    bands: Vec<(i64, Band)>,
    shares_left: Option<Vec<u128>>,
    min_band: i64,
    max_band: i64,
    x: u128,
    y: u128,
}

/// One LLAMMA: its bands, its depositors' shares, its oracle limiter and its token balances.
#[derive(Clone, Debug)]
pub struct Llamma {
    a: u128,
    base_price: u128,
    fee: u128,
    collateral_precision: u128,
    borrowed_precision: u128,
    sqrt_band_ratio: U256,
    max_oracle_dn_pow: U256,
    rate: u128,
    rate_mul: u128,
    rate_time: u64,
    active_band: i64,
    min_band: i64,
    max_band: i64,
    bands: BTreeMap<i64, Band>,
    users: BTreeMap<AccountId, UserTicks>,
    old_p_o: u128,
    old_dfee: u128,
    prev_p_o_time: u64,
    balance_x: u128,
    balance_y: u128,
    pub(crate) events: Vec<LlammaEvent>,
}

fn secs(t: SimTime) -> u64 {
    t.0 / NS_PER_SEC
}

fn u(x: u128) -> U256 {
    U256::from(x)
}

impl Llamma {
    /// Deploys an AMM; the oracle reading seeds the limiter (`old_p_o`, `prev_p_o_time`).
    pub fn new(params: LlammaParams, at: OracleReading) -> Result<Self, LlammaError> {
        params.validate()?;
        if at.price == 0 {
            return Err(LlammaError::ZeroOraclePrice);
        }
        let a = params.a;
        // SQRT_BAND_RATIO = isqrt(1e36·A/(A−1)) (the Controller's own formula).
        let sqrt_band_ratio = isqrt(e36() * u(a) / u(a - 1));
        // MAX_ORACLE_DN_POW = (A/(A−1))^50, stepped with rounding down as the constructor does.
        let mut pow = u(WAD);
        for _ in 0..50 {
            pow = pow * u(a) / u(a - 1);
        }
        Ok(Llamma {
            a,
            base_price: params.base_price,
            fee: params.fee,
            collateral_precision: params.collateral_precision,
            borrowed_precision: params.borrowed_precision,
            sqrt_band_ratio,
            max_oracle_dn_pow: pow,
            rate: 0,
            rate_mul: WAD,
            rate_time: secs(at.time),
            active_band: 0,
            min_band: 0,
            max_band: 0,
            bands: BTreeMap::new(),
            users: BTreeMap::new(),
            old_p_o: at.price,
            old_dfee: 0,
            prev_p_o_time: secs(at.time),
            balance_x: 0,
            balance_y: 0,
            events: Vec::new(),
        })
    }

    // ----- parameters and state -----

    /// Amplification `A`.
    pub fn a(&self) -> u128 {
        self.a
    }

    /// Static fee, WAD.
    pub fn fee(&self) -> u128 {
        self.fee
    }

    /// `COLLATERAL_PRECISION`.
    pub fn collateral_precision(&self) -> u128 {
        self.collateral_precision
    }

    /// `BORROWED_PRECISION`.
    pub fn borrowed_precision(&self) -> u128 {
        self.borrowed_precision
    }

    /// `sqrt(A/(A−1))` in WAD (`SQRT_BAND_RATIO`).
    pub fn sqrt_band_ratio(&self) -> u128 {
        // Below 2e18 for every A >= 2.
        u128::try_from(self.sqrt_band_ratio).unwrap_or(u128::MAX)
    }

    /// The band the AMM trades in next (`active_band`).
    pub fn active_band(&self) -> i64 {
        self.active_band
    }

    /// Bands below this number are empty (`min_band`).
    pub fn min_band(&self) -> i64 {
        self.min_band
    }

    /// Bands above this number are empty (`max_band`).
    pub fn max_band(&self) -> i64 {
        self.max_band
    }

    /// Band `n`'s liquidity (18-decimal amounts).
    pub fn band(&self, n: i64) -> Band {
        self.bands.get(&n).copied().unwrap_or_default()
    }

    /// Sum over bands of `(x, y)`, 18-decimal amounts: what the bands' accounting holds.
    pub fn band_totals(&self) -> (u128, u128) {
        self.bands.values().fold((0u128, 0u128), |(x, y), b| {
            (x.saturating_add(b.x), y.saturating_add(b.y))
        })
    }

    /// The AMM's token balances `(borrowed, collateral)`, token units. They cover the bands'
    /// accounting; the difference is dust the contract leaves in the AMM by rounding.
    pub fn balances(&self) -> (u128, u128) {
        (self.balance_x, self.balance_y)
    }

    /// The events logged so far.
    pub fn events(&self) -> &[LlammaEvent] {
        &self.events
    }

    /// Takes the events logged so far.
    pub fn drain_events(&mut self) -> Vec<LlammaEvent> {
        std::mem::take(&mut self.events)
    }

    // ----- interest and the band grid -----

    /// The interest rate per second, WAD.
    pub fn rate(&self) -> u128 {
        self.rate
    }

    /// `rate_mul·(1 + rate·(now − rate_time))` (`_rate_mul`).
    pub fn rate_mul(&self, now: SimTime) -> Result<u128, LlammaError> {
        let dt = secs(now).saturating_sub(self.rate_time);
        (ck(self.rate_mul) * (ck(WAD) + ck(self.rate) * u128::from(dt)) / WAD).u128("rate_mul")
    }

    /// Sets the interest rate per second (`set_rate`); the base price grows with `rate_mul`.
    pub fn set_rate(&mut self, rate: u128, now: SimTime) -> Result<u128, LlammaError> {
        let rate_mul = self.rate_mul(now)?;
        self.rate_mul = rate_mul;
        self.rate_time = secs(now);
        self.rate = rate;
        self.events.push(LlammaEvent::SetRate {
            rate,
            rate_mul,
            time: now,
        });
        Ok(rate_mul)
    }

    /// The price at the top of band 0, grown by interest (`_base_price`), WAD.
    pub fn base_price(&self, now: SimTime) -> Result<u128, LlammaError> {
        (ck(self.base_price) * self.rate_mul(now)? / WAD).u128("base price")
    }

    /// `((A−1)/A)^n` in 1e36 fixed point, by square-and-multiply with rounding down.
    fn band_ratio_pow(&self, n: i64) -> Result<U256, LlammaError> {
        let scale = U512::from(WAD) * U512::from(WAD);
        let (num, den) = if n >= 0 {
            (self.a - 1, self.a)
        } else {
            (self.a, self.a - 1)
        };
        let out_of_range = || LlammaError::BandOutOfRange(n);
        let mut base = scale * U512::from(num) / U512::from(den);
        let mut acc = scale;
        let mut e = n.unsigned_abs();
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.checked_mul(base).ok_or_else(out_of_range)? / scale;
            }
            e >>= 1;
            if e > 0 {
                base = base.checked_mul(base).ok_or_else(out_of_range)? / scale;
            }
        }
        U256::uint_try_from(acc).map_err(|_| out_of_range())
    }

    /// Top edge of band `n`: `base_price·((A−1)/A)^n` (`p_oracle_up`), WAD.
    pub fn p_oracle_up(&self, n: i64, now: SimTime) -> Result<u128, LlammaError> {
        let pow = self.band_ratio_pow(n)?;
        // The contract asserts its WAD multiplier exceeds 1000.
        if pow / u(WAD) <= u(1000) {
            return Err(LlammaError::BandOutOfRange(n));
        }
        let p = (ck(self.base_price(now)?) * pow / e36())
            .u128("p_oracle_up")
            .map_err(|_| LlammaError::BandOutOfRange(n))?;
        if p == 0 {
            return Err(LlammaError::BandOutOfRange(n));
        }
        Ok(p)
    }

    /// Bottom edge of band `n`: `p_oracle_up(n + 1)` (`p_oracle_down`), WAD.
    pub fn p_oracle_down(&self, n: i64, now: SimTime) -> Result<u128, LlammaError> {
        let next = n.checked_add(1).ok_or(LlammaError::BandOutOfRange(n))?;
        self.p_oracle_up(next, now)
    }

    /// `p_o³/p_oracle_up(n)²` in the contract's order (`_p_current_band`).
    fn p_current_band(&self, n: i64, p_o: u128, now: SimTime) -> Result<u128, LlammaError> {
        let p_base = self.p_oracle_up(n, now)?;
        (ck(p_o) * p_o / p_base * p_o / p_base).u128("p_current_band")
    }

    /// Lowest price band `n` can trade at, at the current oracle price (`p_current_down`):
    /// `p_o³/p_oracle_up(n)²`, WAD.
    pub fn p_current_down(&self, n: i64, at: OracleReading) -> Result<u128, LlammaError> {
        let (p_o, _) = self.price_oracle_ro(at)?;
        self.p_current_band(n, p_o, at.time)
    }

    /// Highest price band `n` can trade at (`p_current_up`): `p_o³/p_oracle_down(n)²`, WAD.
    pub fn p_current_up(&self, n: i64, at: OracleReading) -> Result<u128, LlammaError> {
        let (p_o, _) = self.price_oracle_ro(at)?;
        let next = n.checked_add(1).ok_or(LlammaError::BandOutOfRange(n))?;
        self.p_current_band(next, p_o, at.time)
    }

    // ----- oracle limiter and fees -----

    /// `limit_p_o`: the oracle price the AMM uses and the limiter's fee, both WAD.
    fn limit_p_o(&self, p: u128, now: u64) -> Result<(u128, u128), LlammaError> {
        if p == 0 {
            return Err(LlammaError::ZeroOraclePrice);
        }
        let mut p_new = p;
        let elapsed = now.saturating_sub(self.prev_p_o_time);
        let dt = PREV_P_O_DELAY - elapsed.min(PREV_P_O_DELAY);
        let mut ratio = 0u128;
        if dt > 0 {
            let old = self.old_p_o;
            let limit = WAD * WAD / MAX_P_O_CHG; // 0.8
            if p > old {
                ratio = (ck(old) * WAD / p).u128("limit_p_o ratio")?;
                if ratio < limit {
                    p_new = (ck(old) * MAX_P_O_CHG / WAD).u128("limit_p_o")?;
                    ratio = limit;
                }
            } else {
                ratio = (ck(p) * WAD / old).u128("limit_p_o ratio")?;
                if ratio < limit {
                    p_new = (ck(old) * WAD / MAX_P_O_CHG).u128("limit_p_o")?;
                    ratio = limit;
                }
            }
            // (f' + (1 − r³))·dt/T, below 1.
            let r3 = ck(ratio) * ratio * ratio / WAD / WAD;
            let fee = (ck(WAD) + self.old_dfee - r3) * u128::from(dt) / u128::from(PREV_P_O_DELAY);
            ratio = fee.u128("limit_p_o fee")?.min(WAD - 1);
        }
        Ok((p_new, ratio))
    }

    /// `_price_oracle_ro`: `(limited oracle price, limiter fee)`.
    fn price_oracle_ro(&self, at: OracleReading) -> Result<(u128, u128), LlammaError> {
        self.limit_p_o(at.price, secs(at.time))
    }

    /// `_price_oracle_w` without the write: the values and the state to store.
    fn price_oracle_w(&self, at: OracleReading) -> Result<OracleWrite, LlammaError> {
        let (p_o, dfee) = self.price_oracle_ro(at)?;
        Ok(OracleWrite {
            p_o,
            dfee,
            time: secs(at.time),
        })
    }

    fn commit_oracle(&mut self, w: OracleWrite) {
        self.prev_p_o_time = w.time;
        self.old_p_o = w.p_o;
        self.old_dfee = w.dfee;
    }

    /// The oracle price as the AMM sees it, after the limiter (`price_oracle`), WAD.
    pub fn price_oracle(&self, at: OracleReading) -> Result<u128, LlammaError> {
        Ok(self.price_oracle_ro(at)?.0)
    }

    /// `max(fee, limiter fee)` (`dynamic_fee`), WAD; a band may charge more (see
    /// [`Llamma::band_fee`]).
    pub fn dynamic_fee(&self, at: OracleReading) -> Result<u128, LlammaError> {
        Ok(self.fee.max(self.price_oracle_ro(at)?.1))
    }

    /// `get_dynamic_fee`: a quarter of the relative distance between the oracle price and the
    /// band's current price range `[p_o³/p↑², p_o³/p↓²]`; zero inside it.
    fn get_dynamic_fee(&self, p_o: u128, p_o_up: u128) -> Result<u128, LlammaError> {
        let a = self.a;
        let p_c_d = (ck(p_o) * p_o / p_o_up * p_o / p_o_up).get("dynamic fee")?;
        let p_c_u = (ck(p_c_d) * a / (a - 1) * a / (a - 1)).get("dynamic fee")?;
        let p_o = u(p_o);
        let quarter = u(WAD / 4);
        let fee = if p_o < p_c_d {
            ck(p_c_d - p_o) * quarter / p_c_d
        } else if p_o > p_c_u {
            ck(p_o - p_c_u) * quarter / p_o
        } else {
            ck(0u128)
        };
        fee.u128("dynamic fee")
    }

    /// The fee an exchange pays in band `n` now: `max(fee, limiter fee, band fee)`, WAD.
    pub fn band_fee(&self, n: i64, at: OracleReading) -> Result<u128, LlammaError> {
        let (p_o, dfee) = self.price_oracle_ro(at)?;
        let p_o_up = self.p_oracle_up(n, at.time)?;
        Ok(self.fee.max(dfee).max(self.get_dynamic_fee(p_o, p_o_up)?))
    }

    // ----- the bonding curve -----

    /// `_get_y0`: the collateral the band would hold with no borrowed coin at `p_o = p↑`.
    fn y0_of(&self, x: U256, y: U256, p_o: u128, p_o_up: u128) -> Result<U256, LlammaError> {
        if p_o == 0 {
            return Err(LlammaError::ZeroOraclePrice);
        }
        let a = self.a;
        let mut b = ck(0u128);
        if !x.is_zero() {
            b = ck(p_o_up) * (a - 1) * x / p_o;
        }
        if !y.is_zero() {
            b = b + ck(a) * p_o * p_o / p_o_up * y / WAD;
        }
        let y0 = if !x.is_zero() && !y.is_zero() {
            let d = b * b + ck(4 * a) * p_o * y / WAD * x;
            (b + d.isqrt()) * WAD / (ck(2 * a) * p_o)
        } else {
            b * WAD / (ck(a) * p_o)
        };
        y0.get("y0")
    }

    /// `f`, `g` and the invariant of a band with `(x, y)` at `p_o` (18-decimal units).
    fn curve(
        &self,
        x: U256,
        y: U256,
        p_o: u128,
        p_o_up: u128,
    ) -> Result<(U256, U256, U256, U256), LlammaError> {
        let a = self.a;
        let y0 = self.y0_of(x, y, p_o, p_o_up)?;
        let f = (ck(a) * y0 * p_o / p_o_up * p_o / WAD).get("f")?;
        let g = (ck(a - 1) * y0 * p_o_up / p_o).get("g")?;
        let inv = ((ck(f) + x) * (ck(g) + y)).get("invariant")?;
        Ok((y0, f, g, inv))
    }

    /// `_get_p`: the AMM's price in band `n` holding `(x, y)`.
    fn get_p_at(
        &self,
        n: i64,
        x: U256,
        y: U256,
        p_o: u128,
        now: SimTime,
    ) -> Result<u128, LlammaError> {
        let a = self.a;
        let p_o_up = self.p_oracle_up(n, now)?;
        if x.is_zero() {
            let p_down = ck(p_o) * p_o / p_o_up * p_o / p_o_up;
            if y.is_zero() {
                // Empty band: its mid price.
                return (p_down * a / (a - 1)).u128("get_p");
            }
            // Only collateral: the bottom of the band's current range.
            return p_down.u128("get_p");
        }
        if y.is_zero() {
            // Only borrowed coin: the top of the band's current range.
            let p_o_down = self.p_oracle_down(n, now)?;
            return (ck(p_o) * p_o / p_o_down * p_o / p_o_down).u128("get_p");
        }
        let y0 = self.y0_of(x, y, p_o, p_o_up)?;
        let f = ck(a) * y0 * p_o / p_o_up * p_o;
        let g = ck(a - 1) * y0 * p_o_up / p_o;
        ((f + ck(x) * WAD) / (g + y)).u128("get_p")
    }

    /// The AMM's price in its active band (`get_p`), WAD.
    pub fn get_p(&self, at: OracleReading) -> Result<u128, LlammaError> {
        self.band_price(self.active_band, at)
    }

    /// The AMM's price in band `n` with its current liquidity (`_get_p`), WAD.
    pub fn band_price(&self, n: i64, at: OracleReading) -> Result<u128, LlammaError> {
        let (p_o, _) = self.price_oracle_ro(at)?;
        let b = self.band(n);
        self.get_p_at(n, u(b.x), u(b.y), p_o, at.time)
    }

    /// `y0` of band `n` (`get_y0`), 18 decimals.
    pub fn get_y0(&self, n: i64, at: OracleReading) -> Result<u128, LlammaError> {
        let (p_o, _) = self.price_oracle_ro(at)?;
        let b = self.band(n);
        let p_o_up = self.p_oracle_up(n, at.time)?;
        to_u128(self.y0_of(u(b.x), u(b.y), p_o, p_o_up)?, "y0")
    }

    // ----- bands around the active one -----

    /// `true` if no liquidity lies between the active band and `n_end` (`can_skip_bands`).
    pub fn can_skip_bands(&self, n_end: i64) -> bool {
        let mut n = self.active_band;
        for _ in 0..MAX_SKIP_TICKS {
            if n_end > n {
                if self.band(n).y != 0 {
                    return false;
                }
                n += 1;
            } else {
                if self.band(n).x != 0 {
                    return false;
                }
                n -= 1;
            }
            if n == n_end {
                break;
            }
        }
        true
    }

    /// The first band at or below the active one holding borrowed coin
    /// (`active_band_with_skip`).
    pub fn active_band_with_skip(&self) -> i64 {
        let n0 = self.active_band;
        let mut n = n0;
        for _ in 0..MAX_SKIP_TICKS {
            if n < self.min_band {
                return n0 - MAX_SKIP_TICKS as i64;
            }
            if self.band(n).x != 0 {
                break;
            }
            n -= 1;
        }
        n
    }

    // ----- deposits and withdrawals -----

    /// `true` if `user` has liquidity in the AMM (`has_liquidity`).
    pub fn has_liquidity(&self, user: AccountId) -> bool {
        self.users.get(&user).is_some_and(|t| t.shares[0] != 0)
    }

    /// The band range `(n1, n2)` of `user`'s deposit (`read_user_tick_numbers`).
    pub fn read_user_tick_numbers(&self, user: AccountId) -> Option<(i64, i64)> {
        self.users.get(&user).map(|t| (t.n1, t.n2))
    }

    /// Deposits `amount` of collateral (token units) for `user`, spread evenly over bands
    /// `n1..=n2`; band `n1` takes the rounding remainder (`deposit_range`). The Controller calls
    /// this; the collateral moves into the AMM's balance.
    pub fn deposit_range(
        &mut self,
        user: AccountId,
        amount: u128,
        n1: i64,
        n2: i64,
    ) -> Result<(), LlammaError> {
        if n1 > n2 {
            return Err(LlammaError::EmptyBandRange { n1, n2 });
        }
        for n in [n1, n2] {
            if n.unsigned_abs() > MAX_BAND as u64 {
                return Err(LlammaError::BandOutOfRange(n));
            }
        }
        let n_bands = i128::from(n2) - i128::from(n1) + 1;
        if n_bands > MAX_TICKS as i128 {
            return Err(LlammaError::BandCount {
                n: u64::try_from(n_bands).unwrap_or(u64::MAX),
                min: 1,
                max: MAX_TICKS as u64,
            });
        }
        let n_bands = n_bands as u128; // 1..=50
        let total = (ck(amount) * self.collateral_precision).u128("deposit amount")?;
        let y_per_band = total / n_bands;
        if y_per_band <= 100 {
            return Err(LlammaError::AmountTooLow);
        }
        if self.users.contains_key(&user) {
            return Err(LlammaError::UserHasLiquidity(user));
        }
        // Skip empty bands down to the deposit if it reaches at or above the active band.
        let mut n0 = self.active_band;
        let mut new_active = None;
        for i in 0..=MAX_SKIP_TICKS {
            if n1 > n0 {
                if i != 0 {
                    new_active = Some(n0);
                }
                break;
            }
            if self.band(n0).x != 0 || i == MAX_SKIP_TICKS {
                return Err(LlammaError::DepositBelowCurrentBand);
            }
            n0 -= 1;
        }
        let mut updates = Vec::with_capacity(n_bands as usize);
        let mut shares = Vec::with_capacity(n_bands as usize);
        for (i, band) in (n1..=n2).enumerate() {
            let mut b = self.band(band);
            if b.x != 0 {
                return Err(LlammaError::BandNotEmpty(band));
            }
            let y = if i == 0 {
                total - y_per_band * (n_bands - 1)
            } else {
                y_per_band
            };
            let ds = ((ck(b.total_shares) + DEAD_SHARES) * y / (ck(b.y) + 1u128)).u128("shares")?;
            if ds == 0 {
                return Err(LlammaError::AmountTooLow);
            }
            b.total_shares = b
                .total_shares
                .checked_add(ds)
                .ok_or(LlammaError::Arithmetic("total shares"))?;
            b.y =
                b.y.checked_add(y)
                    .ok_or(LlammaError::Arithmetic("band collateral"))?;
            shares.push(ds);
            updates.push((band, b));
        }
        let balance_y = self
            .balance_y
            .checked_add(amount)
            .ok_or(LlammaError::Arithmetic("collateral balance"))?;
        // Commit.
        if let Some(n) = new_active {
            self.active_band = n;
        }
        for (n, b) in updates {
            self.bands.insert(n, b);
        }
        self.min_band = self.min_band.min(n1);
        self.max_band = self.max_band.max(n2);
        self.users.insert(user, UserTicks { n1, n2, shares });
        self.balance_y = balance_y;
        self.events.push(LlammaEvent::Deposit {
            provider: user,
            amount,
            n1,
            n2,
        });
        Ok(())
    }

    fn plan_withdraw(&self, user: AccountId, frac: u128) -> Result<WithdrawPlan, LlammaError> {
        if frac > WAD {
            return Err(LlammaError::FractionTooLarge(frac));
        }
        let ticks = self.users.get(&user).ok_or(LlammaError::NoDeposits(user))?;
        if ticks.shares[0] == 0 {
            return Err(LlammaError::NoDeposits(user));
        }
        let mut shares = ticks.shares.clone();
        let mut min_band = self.min_band;
        let mut max_band = ticks.n1 - 1;
        let (mut total_x, mut total_y) = (0u128, 0u128);
        let mut bands = Vec::with_capacity(shares.len());
        for (i, n) in (ticks.n1..=ticks.n2).enumerate() {
            let mut b = self.band(n);
            let ds = (ck(frac) * shares[i] / WAD).u128("withdrawn shares")?;
            shares[i] -= ds;
            let new_shares = b
                .total_shares
                .checked_sub(ds)
                .ok_or(LlammaError::Arithmetic("band shares"))?;
            let s = ck(b.total_shares) + DEAD_SHARES;
            let dx = ((ck(b.x) + 1u128) * ds / s).u128("withdrawn x")?;
            let dy = ((ck(b.y) + 1u128) * ds / s).u128("withdrawn y")?;
            let mut x =
                b.x.checked_sub(dx)
                    .ok_or(LlammaError::Arithmetic("band x"))?;
            let mut y =
                b.y.checked_sub(dy)
                    .ok_or(LlammaError::Arithmetic("band y"))?;
            if new_shares == 0 {
                // The last depositor leaves: the dust stays in the AMM, outside every band.
                x = 0;
                y = 0;
            }
            if n == min_band && x == 0 && y == 0 {
                min_band += 1;
            }
            if x > 0 || y > 0 {
                max_band = n;
            }
            b.x = x;
            b.y = y;
            b.total_shares = new_shares;
            bands.push((n, b));
            total_x = total_x
                .checked_add(dx)
                .ok_or(LlammaError::Arithmetic("withdrawn x"))?;
            total_y = total_y
                .checked_add(dy)
                .ok_or(LlammaError::Arithmetic("withdrawn y"))?;
        }
        let max_band = if self.max_band <= ticks.n2 {
            max_band
        } else {
            self.max_band
        };
        Ok(WithdrawPlan {
            bands,
            shares_left: (frac != WAD).then_some(shares),
            min_band,
            max_band,
            x: total_x / self.borrowed_precision,
            y: total_y / self.collateral_precision,
        })
    }

    /// What [`Llamma::withdraw`] would return, `(borrowed, collateral)` token units.
    pub fn withdraw_preview(
        &self,
        user: AccountId,
        frac: u128,
    ) -> Result<(u128, u128), LlammaError> {
        let plan = self.plan_withdraw(user, frac)?;
        Ok((plan.x, plan.y))
    }

    /// Withdraws fraction `frac` (WAD) of `user`'s liquidity from every band of its range
    /// (`withdraw`); returns `(borrowed, collateral)` token units, which leave the AMM.
    pub fn withdraw(&mut self, user: AccountId, frac: u128) -> Result<(u128, u128), LlammaError> {
        let plan = self.plan_withdraw(user, frac)?;
        let balance_x = self
            .balance_x
            .checked_sub(plan.x)
            .ok_or(LlammaError::Arithmetic("borrowed balance"))?;
        let balance_y = self
            .balance_y
            .checked_sub(plan.y)
            .ok_or(LlammaError::Arithmetic("collateral balance"))?;
        for (n, b) in plan.bands {
            self.bands.insert(n, b);
        }
        match plan.shares_left {
            Some(shares) => {
                if let Some(t) = self.users.get_mut(&user) {
                    t.shares = shares;
                }
            }
            None => {
                self.users.remove(&user);
            }
        }
        self.min_band = plan.min_band;
        self.max_band = plan.max_band;
        self.balance_x = balance_x;
        self.balance_y = balance_y;
        self.events.push(LlammaEvent::Withdraw {
            provider: user,
            amount_borrowed: plan.x,
            amount_collateral: plan.y,
        });
        Ok((plan.x, plan.y))
    }

    // ----- exchanges -----

    fn precisions(&self, pump: bool) -> (u128, u128) {
        if pump {
            (self.borrowed_precision, self.collateral_precision)
        } else {
            (self.collateral_precision, self.borrowed_precision)
        }
    }

    /// `calc_swap_out`: walks the bands from the active one, up (`pump`: borrowed coin in,
    /// collateral out, towards lower prices) or down, until `in_amount` (18 decimals) is used.
    fn calc_swap_out(
        &self,
        pump: bool,
        in_amount: U256,
        p_o: (u128, u128),
        now: SimTime,
    ) -> Result<DetailedTrade, LlammaError> {
        let (in_precision, out_precision) = self.precisions(pump);
        let mut out = DetailedTrade {
            n2: self.active_band,
            ..DetailedTrade::default()
        };
        let mut p_o_up = self.p_oracle_up(out.n2, now)?;
        let band = self.band(out.n2);
        let (mut x, mut y) = (u(band.x), u(band.y));
        let mut in_left = in_amount;
        let fee = self.fee.max(p_o.1);
        let mut j = MAX_TICKS; // no band with liquidity reached yet
        let last = MAX_TICKS + MAX_SKIP_TICKS - 1;
        let dn_pow_inv = e36() / self.max_oracle_dn_pow;
        let one = U256::from(1u8);
        for i in 0..=last {
            let (mut f, mut g, mut inv) = (U256::ZERO, U256::ZERO, U256::ZERO);
            let mut dynamic_fee = fee;
            if !x.is_zero() || !y.is_zero() {
                if j == MAX_TICKS {
                    out.n1 = out.n2;
                    j = 0;
                }
                (_, f, g, inv) = self.curve(x, y, p_o.0, p_o_up)?;
                dynamic_fee = self.get_dynamic_fee(p_o.0, p_o_up)?.max(fee);
            }
            let antifee = u(WAD * WAD / (WAD - dynamic_fee.min(WAD - 1)));
            if j != MAX_TICKS {
                out.ticks_in.push(if pump { x } else { y });
            }
            let p_ratio = (ck(p_o_up) * WAD / p_o.0).get("p_ratio")?;
            if pump {
                if !y.is_zero() && !g.is_zero() {
                    let x_dest = (ck(inv) / g - f - x).get("x_dest")?;
                    let dx = (ck(x_dest) * antifee / WAD).get("dx")?;
                    if dx >= in_left {
                        // The last band: the whole remaining input goes in.
                        let x_dest = (ck(in_left) * WAD / antifee).get("x_dest")?;
                        let left = (ck(inv) / (ck(f) + x + x_dest) - g + one).get("last tick")?;
                        out.last_tick_j = left.min(y);
                        x = (ck(x) + in_left).get("band x")?;
                        out.out_amount = (ck(out.out_amount) + y - out.last_tick_j).get("out")?;
                        out.ticks_in[j] = x;
                        out.in_amount = in_amount;
                        break;
                    }
                    // The band empties of collateral; go on to the next one.
                    let dx = dx.max(one);
                    in_left -= dx;
                    out.ticks_in[j] = (ck(x) + dx).get("band x")?;
                    out.in_amount = (ck(out.in_amount) + dx).get("in")?;
                    out.out_amount = (ck(out.out_amount) + y).get("out")?;
                }
                if i != last {
                    if out.n2 == self.max_band || j == MAX_TICKS - 1 || p_ratio < dn_pow_inv {
                        break;
                    }
                    out.n2 += 1;
                    p_o_up = self.p_oracle_up(out.n2, now)?;
                    x = U256::ZERO;
                    y = u(self.band(out.n2).y);
                }
            } else {
                if !x.is_zero() && !f.is_zero() {
                    let y_dest = (ck(inv) / f - g - y).get("y_dest")?;
                    let dy = (ck(y_dest) * antifee / WAD).get("dy")?;
                    if dy >= in_left {
                        let y_dest = (ck(in_left) * WAD / antifee).get("y_dest")?;
                        let left = (ck(inv) / (ck(g) + y + y_dest) - f + one).get("last tick")?;
                        out.last_tick_j = left.min(x);
                        y = (ck(y) + in_left).get("band y")?;
                        out.out_amount = (ck(out.out_amount) + x - out.last_tick_j).get("out")?;
                        out.ticks_in[j] = y;
                        out.in_amount = in_amount;
                        break;
                    }
                    let dy = dy.max(one);
                    in_left -= dy;
                    out.ticks_in[j] = (ck(y) + dy).get("band y")?;
                    out.in_amount = (ck(out.in_amount) + dy).get("in")?;
                    out.out_amount = (ck(out.out_amount) + x).get("out")?;
                }
                if i != last {
                    if out.n2 == self.min_band
                        || j == MAX_TICKS - 1
                        || p_ratio > self.max_oracle_dn_pow
                    {
                        break;
                    }
                    out.n2 -= 1;
                    p_o_up = self.p_oracle_up(out.n2, now)?;
                    x = u(self.band(out.n2).x);
                    y = U256::ZERO;
                }
            }
            if j != MAX_TICKS {
                j += 1;
            }
        }
        // Round up what goes in and down what goes out.
        let ip = u(in_precision);
        let op = u(out_precision);
        out.in_amount = (ck(out.in_amount) + (in_precision - 1)).get("in")? / ip * ip;
        out.out_amount = out.out_amount / op * op;
        Ok(out)
    }

    fn trade(
        &self,
        sell: Coin,
        amount: u128,
        p_o: (u128, u128),
        now: SimTime,
    ) -> Result<(DetailedTrade, u128, u128), LlammaError> {
        let pump = sell == Coin::Borrowed;
        let (in_precision, out_precision) = self.precisions(pump);
        let in_amount = (ck(amount) * in_precision).get("input")?;
        let out = self.calc_swap_out(pump, in_amount, p_o, now)?;
        let in_done = to_u128(out.in_amount / u(in_precision), "input")?;
        let out_done = to_u128(out.out_amount / u(out_precision), "output")?;
        Ok((out, in_done, out_done))
    }

    /// What selling `amount` of `sell` would give now, without trading (`get_dxdy`):
    /// `(amount taken, amount paid out)`, token units.
    pub fn get_dxdy(
        &self,
        sell: Coin,
        amount: u128,
        at: OracleReading,
    ) -> Result<(u128, u128), LlammaError> {
        if amount == 0 {
            return Ok((0, 0));
        }
        let p_o = self.price_oracle_ro(at)?;
        let (_, in_done, out_done) = self.trade(sell, amount, p_o, at.time)?;
        Ok((in_done, out_done))
    }

    /// Sells `amount` of `sell` (token units) through the bands (`exchange`); refuses with
    /// [`LlammaError::Slippage`] if the output would be below `min_out`. Updates the oracle
    /// limiter even when nothing trades, as the contract does. The input moves into the AMM's
    /// balance and the output out of it; a [`LlammaEvent::TokenExchange`] is logged.
    pub fn exchange(
        &mut self,
        trader: AgentId,
        sell: Coin,
        amount: u128,
        min_out: u128,
        at: OracleReading,
    ) -> Result<ExchangeOutcome, LlammaError> {
        let w = self.price_oracle_w(at)?;
        if amount == 0 {
            self.commit_oracle(w);
            return Ok(ExchangeOutcome::nothing(sell, self.active_band));
        }
        let (out, in_done, out_done) = self.trade(sell, amount, (w.p_o, w.dfee), at.time)?;
        if out_done < min_out {
            return Err(LlammaError::Slippage {
                got: out_done,
                min: min_out,
            });
        }
        if out_done == 0 || in_done == 0 {
            self.commit_oracle(w);
            return Ok(ExchangeOutcome::nothing(sell, self.active_band));
        }
        // Compute the new bands and balances before writing anything.
        let pump = sell == Coin::Borrowed;
        let lo = out.n1.min(out.n2);
        let n_diff = (out.n2 - out.n1).unsigned_abs() as usize;
        let mut writes = Vec::with_capacity(n_diff + 1);
        for k in 0..=n_diff {
            let n = lo + k as i64;
            let mut b = self.band(n);
            if pump {
                b.x = to_u128(out.ticks_in[k], "band x")?;
                b.y = if n == out.n2 {
                    to_u128(out.last_tick_j, "band y")?
                } else {
                    0
                };
            } else {
                b.y = to_u128(out.ticks_in[n_diff - k], "band y")?;
                b.x = if n == out.n2 {
                    to_u128(out.last_tick_j, "band x")?
                } else {
                    0
                };
            }
            writes.push((n, b));
        }
        let (balance_x, balance_y) = if pump {
            (
                self.balance_x.checked_add(in_done),
                self.balance_y.checked_sub(out_done),
            )
        } else {
            (
                self.balance_x.checked_sub(out_done),
                self.balance_y.checked_add(in_done),
            )
        };
        let balance_x = balance_x.ok_or(LlammaError::Arithmetic("borrowed balance"))?;
        let balance_y = balance_y.ok_or(LlammaError::Arithmetic("collateral balance"))?;
        self.commit_oracle(w);
        for (n, b) in writes {
            self.bands.insert(n, b);
        }
        self.active_band = out.n2;
        self.balance_x = balance_x;
        self.balance_y = balance_y;
        self.events.push(LlammaEvent::TokenExchange {
            buyer: trader,
            sold: sell,
            tokens_sold: in_done,
            tokens_bought: out_done,
            active_band: out.n2,
        });
        Ok(ExchangeOutcome {
            sold: sell,
            in_amount: in_done,
            out_amount: out_done,
            n1: out.n1,
            n2: out.n2,
        })
    }

    /// The amount to sell to move the AMM's price to `p` (`get_amount_for_price`), fee included
    /// and rounded up: `(amount, coin to sell)`. Selling borrowed coin raises the active band
    /// number (lower prices) and buys collateral.
    pub fn get_amount_for_price(
        &self,
        p: u128,
        at: OracleReading,
    ) -> Result<(u128, Coin), LlammaError> {
        let a = self.a;
        let now = at.time;
        let p_o = self.price_oracle_ro(at)?;
        let mut n = self.active_band;
        let mut amount = ck(0u128);
        let mut j = MAX_TICKS;
        let mut pump = true;
        let fee = self.fee.max(p_o.1);
        let a2 = u(a * a);
        let am12 = u((a - 1) * (a - 1));
        let dn_pow_inv = e36() / self.max_oracle_dn_pow;
        for i in 0..(MAX_TICKS + MAX_SKIP_TICKS) {
            let p_o_up = self.p_oracle_up(n, now)?;
            let p_down = (ck(p_o.0) * p_o.0 / p_o_up * p_o.0 / p_o_up).get("p_down")?;
            let p_up = (ck(p_down) * a2 / am12).get("p_up")?;
            let b = self.band(n);
            let (x, y) = (u(b.x), u(b.y));
            if i == 0 && p < self.get_p_at(n, x, y, p_o.0, now)? {
                pump = false;
            }
            let mut dynamic_fee = fee;
            let not_empty = !x.is_zero() || !y.is_zero();
            let (mut f, mut g, mut inv) = (U256::ZERO, U256::ZERO, U256::ZERO);
            if not_empty {
                (_, f, g, inv) = self.curve(x, y, p_o.0, p_o_up)?;
                if j == MAX_TICKS {
                    j = 0;
                }
                dynamic_fee = self.get_dynamic_fee(p_o.0, p_o_up)?.max(fee);
            }
            let antifee = u(WAD * WAD / (WAD - dynamic_fee.min(WAD - 1)));
            let pp = u(p);
            if pp <= p_up && pp >= p_down {
                if not_empty {
                    let ynew = sub_or_zero((ck(inv) * WAD / p).isqrt().get("ynew")?, g);
                    let xnew = sub_or_zero((ck(inv) / (ck(g) + ynew)).get("xnew")?, f);
                    let d = if pump {
                        sub_or_zero(xnew, x)
                    } else {
                        sub_or_zero(ynew, y)
                    };
                    amount = amount + ck(d) * antifee / WAD;
                }
                break;
            }
            let p_ratio = (ck(p_o_up) * WAD / p_o.0).get("p_ratio")?;
            if pump {
                if not_empty {
                    amount = amount + (ck(inv) / g - f - x) * antifee / WAD;
                }
                if n == self.max_band || j == MAX_TICKS - 1 || p_ratio < dn_pow_inv {
                    break;
                }
                n += 1;
            } else {
                if not_empty {
                    amount = amount + (ck(inv) / f - g - y) * antifee / WAD;
                }
                if n == self.min_band || j == MAX_TICKS - 1 || p_ratio > self.max_oracle_dn_pow {
                    break;
                }
                n -= 1;
            }
            if j != MAX_TICKS {
                j += 1;
            }
        }
        let amount = amount.u128("amount for price")?;
        let sell = if pump {
            Coin::Borrowed
        } else {
            Coin::Collateral
        };
        if amount == 0 {
            return Ok((0, sell));
        }
        let precision = if pump {
            self.borrowed_precision
        } else {
            self.collateral_precision
        };
        Ok(((amount - 1) / precision + 1, sell))
    }

    // ----- users' positions -----

    /// `_get_xy`: the user's `(borrowed, collateral)` per band, 18 decimals.
    fn user_band_amounts(&self, user: AccountId) -> Result<Vec<(u128, u128)>, LlammaError> {
        let ticks = self.users.get(&user).ok_or(LlammaError::NoDeposits(user))?;
        let mut out = Vec::with_capacity(ticks.shares.len());
        for (i, n) in (ticks.n1..=ticks.n2).enumerate() {
            let b = self.band(n);
            let ds = ticks.shares[i];
            let s = ck(b.total_shares) + DEAD_SHARES;
            let dx = ((ck(b.x) + 1u128) * ds / s).u128("user x")?;
            let dy = ((ck(b.y) + 1u128) * ds / s).u128("user y")?;
            out.push((dx, dy));
        }
        Ok(out)
    }

    /// The user's `(borrowed, collateral)` in the bands, token units (`get_sum_xy`); zeros
    /// without a deposit.
    pub fn get_sum_xy(&self, user: AccountId) -> Result<(u128, u128), LlammaError> {
        if !self.users.contains_key(&user) {
            return Ok((0, 0));
        }
        let (mut x, mut y) = (ck(0u128), ck(0u128));
        for (dx, dy) in self.user_band_amounts(user)? {
            x = x + dx;
            y = y + dy;
        }
        Ok((
            x.u128("user x")? / self.borrowed_precision,
            y.u128("user y")? / self.collateral_precision,
        ))
    }

    /// The user's `(borrowed, collateral)` in each band of its range, token units (`get_xy`).
    pub fn get_xy(&self, user: AccountId) -> Result<Vec<(u128, u128)>, LlammaError> {
        Ok(self
            .user_band_amounts(user)?
            .into_iter()
            .map(|(x, y)| (x / self.borrowed_precision, y / self.collateral_precision))
            .collect())
    }

    /// The borrowed coin the user would hold if the price fell slowly through all its bands,
    /// arbitrage keeping the AMM at the oracle price (`get_x_down`), token units.
    pub fn get_x_down(&self, user: AccountId, at: OracleReading) -> Result<u128, LlammaError> {
        self.get_xy_up(user, false, at)
    }

    /// The collateral the user would hold if the price rose slowly above all its bands
    /// (`get_y_up`), token units.
    pub fn get_y_up(&self, user: AccountId, at: OracleReading) -> Result<u128, LlammaError> {
        self.get_xy_up(user, true, at)
    }

    /// `get_xy_up`: converts each band "adiabatically": first trade the band to the oracle price,
    /// then convert at the geometric mean of the part of the band still to cross.
    fn get_xy_up(
        &self,
        user: AccountId,
        use_y: bool,
        at: OracleReading,
    ) -> Result<u128, LlammaError> {
        let Some(ticks) = self.users.get(&user) else {
            return Ok(0);
        };
        if ticks.shares[0] == 0 {
            return Ok(0);
        }
        let (p_o, _) = self.price_oracle_ro(at)?;
        let now = at.time;
        let a = self.a;
        let sqrt_ratio = self.sqrt_band_ratio;
        let n_active = self.active_band;
        let mut xy = ck(0u128);
        for (i, n) in (ticks.n1..=ticks.n2).enumerate() {
            let b = self.band(n);
            let x = if n <= n_active { b.x } else { 0 };
            let y = if n >= n_active { b.y } else { 0 };
            let p_o_up = self.p_oracle_up(n, now)?;
            let p_o_down = self.p_oracle_down(n, now)?;
            if x == 0 && y == 0 {
                continue;
            }
            let user_share = ticks.shares[i];
            if b.total_shares == 0 || user_share == 0 {
                continue;
            }
            let total_share = ck(b.total_shares) + DEAD_SHARES;
            let p_current_mid = ck(p_o) * p_o / p_o_down * p_o / p_o_up;
            let (x, y) = (u(x), u(y));
            if x.is_zero() || y.is_zero() {
                if p_o > p_o_up {
                    // All to collateral at constant p_o, then convert down the band.
                    let y_equiv = if y.is_zero() {
                        ck(x) * WAD / p_current_mid
                    } else {
                        ck(y)
                    };
                    xy = xy
                        + if use_y {
                            y_equiv * user_share / total_share
                        } else {
                            y_equiv * p_o_up / sqrt_ratio * user_share / total_share
                        };
                    continue;
                } else if p_o < p_o_down {
                    // All to borrowed coin at constant p_o, then convert up the band.
                    let x_equiv = if x.is_zero() {
                        ck(y) * p_current_mid / WAD
                    } else {
                        ck(x)
                    };
                    xy = xy
                        + if use_y {
                            x_equiv * sqrt_ratio / p_o_up * user_share / total_share
                        } else {
                            x_equiv * user_share / total_share
                        };
                    continue;
                }
            }
            // In-band: trade to p_o first.
            let (y0, f, g, inv) = self.curve(x, y, p_o, p_o_up)?;
            if p_o > p_o_up {
                let y_o = sub_or_zero((ck(inv) / f).get("y_o")?, g);
                xy = xy
                    + if use_y {
                        ck(y_o) * user_share / total_share
                    } else {
                        ck(y_o) * p_o_up / sqrt_ratio * user_share / total_share
                    };
            } else if p_o < p_o_down {
                let x_o = sub_or_zero((ck(inv) / g).get("x_o")?, f);
                xy = xy
                    + if use_y {
                        ck(x_o) * sqrt_ratio / p_o_up * user_share / total_share
                    } else {
                        ck(x_o) * user_share / total_share
                    };
            } else {
                let y_o = (ck(a) * y0 * (p_o - p_o_down) / p_o).get("y_o")?;
                let x_o = sub_or_zero((ck(inv) / (ck(g) + y_o)).get("x_o")?, f);
                xy = xy
                    + if use_y {
                        (ck(y_o) + ck(x_o) * WAD / (ck(p_o_up) * p_o).isqrt()) * user_share
                            / total_share
                    } else {
                        (ck(x_o) + ck(y_o) * (ck(p_o_down) * p_o).isqrt() / WAD) * user_share
                            / total_share
                    };
            }
        }
        let precision = if use_y {
            self.collateral_precision
        } else {
            self.borrowed_precision
        };
        Ok(xy.u128("get_xy_up")? / precision)
    }
}
