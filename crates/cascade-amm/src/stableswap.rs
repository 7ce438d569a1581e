//! Curve StableSwap for 2 to 8 coins with Curve's integer Newton iterations.
//!
//! This module owns the coin balances of one pool, its amplification and fee, and the exchange
//! rule. Sources (read, re-derived; not copied):
//! - `curvefi/curve-contract@contracts/pool-templates/base/SwapTemplateBase.vy:_get_D`: Newton
//!   iteration for the invariant `A·nⁿ·Σx + D = A·D·nⁿ + D^{n+1}/(nⁿ·Πx)`, from `D = Σx`, with
//!   `D_P = D^{n+1}/(nⁿΠx)` built one division at a time and
//!   `D ← (Ann·S/A_PRECISION + n·D_P)·D / ((Ann − A_PRECISION)·D/A_PRECISION + (n+1)·D_P)`;
//!   converged when `|D − D_prev| <= 1`, and a failure to converge in 255 rounds raises.
//! - `...SwapTemplateBase.vy:_get_y`: with `D` fixed and `x_i` replaced, Newton on
//!   `y² + (b − D)·y = c` with `b = S' + D·A_PRECISION/Ann` and
//!   `c = D^{n+1}·A_PRECISION/(nⁿ·Π'x·Ann)`: `y ← (y² + c)/(2y + b − D)`, same convergence rule.
//! - `...SwapTemplateBase.vy:exchange`/`get_dy`: `dy = xp_j − y − 1` (one atom kept "just in
//!   case there were some rounding errors"), fee `dy·fee/1e10` (`FEE_DENOMINATOR`) taken from the
//!   output, rounded down; the fee stays in the pool, so `D` never falls on a swap.
//! - The 3pool (`contracts/pools/3pool/StableSwap3Pool.vy`) is the same without `A_PRECISION`.
//!
//! Conventions: `A` is what the pool's `A()` returns (Curve's code uses `Ann = A·n`, i.e. the
//! whitepaper's `A·n^(n−1)`), stored internally as `A·A_PRECISION` (`A_PRECISION = 100`).
//! Balances are token atoms; `precision_mul` scales each coin to a common precision
//! (`PRECISION_MUL`, e.g. 1e12 for a 6-decimal coin next to 18-decimal ones). The admin fee,
//! liquidity provision and A ramping are not modelled. One deviation: an exchange whose output
//! rounds to zero is refused ([`AmmError::InsufficientOutputAmount`]) instead of taking the input
//! for nothing.

use crate::common::SpotPrice;
use crate::error::AmmError;
use crate::full_math::to_u128;
use ruint::aliases::{U256, U512};

/// Curve's fee denominator: fees are in units of 1e-10.
pub const FEE_DENOMINATOR: u64 = 10_000_000_000;
/// Curve's largest fee, 50% (`MAX_FEE = 5·10^9`).
pub const MAX_FEE: u64 = 5_000_000_000;
/// Curve's fixed-point precision of the amplification.
pub const A_PRECISION: u128 = 100;
/// Curve's largest amplification (`MAX_A = 10^6`).
pub const MAX_A: u128 = 1_000_000;
/// The most coins a pool may hold (Curve's factory limit).
pub const MAX_COINS: usize = 8;

/// The largest precision multiplier (scaling a 0-decimal coin to 18 decimals).
pub const MAX_PRECISION_MUL: u128 = 1_000_000_000_000_000_000;

const ITERATIONS: usize = 255;

/// A Curve StableSwap pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StableSwapPool {
    balances: Vec<u128>,
    precision_mul: Vec<u128>,
    amp: u128,
    fee: u64,
}

fn u(x: u128) -> U256 {
    U256::from(x)
}

/// `_get_D`: the invariant of balances `xp` (in common precision) for `amp = A·A_PRECISION`.
///
/// Errors: a zero balance (Curve divides by it), an overflow, or no convergence in 255 rounds.
pub fn get_d(xp: &[U256], amp: U256) -> Result<U256, AmmError> {
    let overflow = || AmmError::Overflow("StableSwap get_D");
    let n = U256::from(xp.len());
    let s = xp
        .iter()
        .try_fold(U256::ZERO, |acc, &x| acc.checked_add(x))
        .ok_or_else(overflow)?;
    if s.is_zero() {
        return Ok(U256::ZERO);
    }
    if xp.iter().any(|x| x.is_zero()) {
        return Err(AmmError::EmptyReserve);
    }
    let a_prec = u(A_PRECISION);
    let ann = amp.checked_mul(n).ok_or_else(overflow)?;
    let mut d = s;
    for _ in 0..ITERATIONS {
        let mut d_p = d;
        for &x in xp {
            d_p = d_p.checked_mul(d).ok_or_else(overflow)? / (x * n);
        }
        let d_prev = d;
        let num = (ann.checked_mul(s).ok_or_else(overflow)? / a_prec)
            .checked_add(d_p.checked_mul(n).ok_or_else(overflow)?)
            .and_then(|v| v.checked_mul(d))
            .ok_or_else(overflow)?;
        let den = ((ann - a_prec).checked_mul(d).ok_or_else(overflow)? / a_prec)
            .checked_add(d_p.checked_mul(n + U256::from(1u8)).ok_or_else(overflow)?)
            .ok_or_else(overflow)?;
        if den.is_zero() {
            return Err(overflow());
        }
        d = num / den;
        if d.abs_diff(d_prev) <= U256::from(1u8) {
            return Ok(d);
        }
    }
    Err(AmmError::NoConvergence)
}

/// `_get_y`: the balance of coin `j` that keeps the invariant of `xp` when coin `i` holds `x`.
///
/// Errors: bad indices, a zero balance, an overflow, or no convergence in 255 rounds.
pub fn get_y(i: usize, j: usize, x: U256, xp: &[U256], amp: U256) -> Result<U256, AmmError> {
    let n_coins = xp.len();
    if i == j || i >= n_coins || j >= n_coins {
        return Err(AmmError::InvalidTokens {
            token_in: i,
            token_out: j,
        });
    }
    let overflow = || AmmError::Overflow("StableSwap get_y");
    let d = get_d(xp, amp)?;
    let n = U256::from(n_coins);
    let a_prec = u(A_PRECISION);
    let ann = amp.checked_mul(n).ok_or_else(overflow)?;
    let mut c = d;
    let mut s = U256::ZERO;
    for (k, &xk) in xp.iter().enumerate() {
        let xk = if k == i {
            x
        } else if k != j {
            xk
        } else {
            continue;
        };
        if xk.is_zero() {
            return Err(AmmError::EmptyReserve);
        }
        s = s.checked_add(xk).ok_or_else(overflow)?;
        c = c.checked_mul(d).ok_or_else(overflow)? / (xk * n);
    }
    c = c
        .checked_mul(d)
        .and_then(|v| v.checked_mul(a_prec))
        .ok_or_else(overflow)?
        / (ann * n);
    let b = s.checked_add(d * a_prec / ann).ok_or_else(overflow)?;
    let mut y = d;
    for _ in 0..ITERATIONS {
        let y_prev = y;
        let num = y
            .checked_mul(y)
            .and_then(|v| v.checked_add(c))
            .ok_or_else(overflow)?;
        let den = y
            .checked_mul(U256::from(2u8))
            .and_then(|v| v.checked_add(b))
            .and_then(|v| v.checked_sub(d))
            .filter(|v| !v.is_zero())
            .ok_or_else(overflow)?;
        y = num / den;
        if y.abs_diff(y_prev) <= U256::from(1u8) {
            return Ok(y);
        }
    }
    Err(AmmError::NoConvergence)
}

impl StableSwapPool {
    /// A pool of coins of equal precision with amplification `a` (as the pool's `A()`) and
    /// `fee` in 1e-10 (Curve's 3pool: `A = 2000`, `fee = 1_000_000`, i.e. 0.01%).
    ///
    /// Errors: fewer than 2 or more than 8 coins, a zero balance, `a` outside `1..=MAX_A`, or a
    /// fee above [`MAX_FEE`].
    pub fn new(balances: Vec<u128>, a: u128, fee: u64) -> Result<StableSwapPool, AmmError> {
        let ones = vec![1; balances.len()];
        StableSwapPool::with_precisions(balances, ones, a, fee)
    }

    /// As [`StableSwapPool::new`], with per-coin multipliers to a common precision.
    pub fn with_precisions(
        balances: Vec<u128>,
        precision_mul: Vec<u128>,
        a: u128,
        fee: u64,
    ) -> Result<StableSwapPool, AmmError> {
        let n = balances.len();
        if !(2..=MAX_COINS).contains(&n) || precision_mul.len() != n {
            return Err(AmmError::InvalidCoinCount);
        }
        if let Some(&m) = precision_mul
            .iter()
            .find(|&&m| m == 0 || m > MAX_PRECISION_MUL)
        {
            return Err(AmmError::InvalidPrecision(m));
        }
        if a == 0 || a > MAX_A {
            return Err(AmmError::InvalidAmplification(a));
        }
        if fee > MAX_FEE {
            return Err(AmmError::InvalidFee {
                fee,
                denominator: FEE_DENOMINATOR,
            });
        }
        if balances.contains(&0) {
            return Err(AmmError::EmptyReserve);
        }
        let pool = StableSwapPool {
            balances,
            precision_mul,
            amp: a * A_PRECISION,
            fee,
        };
        pool.d()?; // refuse balances whose invariant cannot be computed
        Ok(pool)
    }

    /// Coin balances in atoms.
    pub fn balances(&self) -> &[u128] {
        &self.balances
    }

    /// The amplification as the pool's `A()` reports it.
    pub fn a(&self) -> u128 {
        self.amp / A_PRECISION
    }

    /// The fee in 1e-10 of the output.
    pub fn fee(&self) -> u64 {
        self.fee
    }

    fn xp(&self) -> Result<Vec<U256>, AmmError> {
        self.balances
            .iter()
            .zip(&self.precision_mul)
            .map(|(&b, &m)| {
                u(b).checked_mul(u(m))
                    .ok_or(AmmError::Overflow("StableSwap xp"))
            })
            .collect()
    }

    fn check_pair(&self, i: usize, j: usize) -> Result<(), AmmError> {
        let n = self.balances.len();
        if i == j || i >= n || j >= n {
            return Err(AmmError::InvalidTokens {
                token_in: i,
                token_out: j,
            });
        }
        Ok(())
    }

    /// The invariant `D` of the current balances (in common precision).
    pub fn d(&self) -> Result<U256, AmmError> {
        get_d(&self.xp()?, u(self.amp))
    }

    /// `get_dy`: what `dx` atoms of coin `i` buy of coin `j`, fee deducted, without trading.
    ///
    /// Errors: bad indices, zero input, an output that rounds to zero, or a failed iteration.
    pub fn get_dy(&self, i: usize, j: usize, dx: u128) -> Result<u128, AmmError> {
        self.check_pair(i, j)?;
        if dx == 0 {
            return Err(AmmError::InsufficientInputAmount);
        }
        let xp = self.xp()?;
        let x = u(dx)
            .checked_mul(u(self.precision_mul[i]))
            .and_then(|v| v.checked_add(xp[i]))
            .ok_or(AmmError::Overflow("StableSwap x"))?;
        let y = get_y(i, j, x, &xp, u(self.amp))?;
        // dy = xp_j − y − 1; Curve reverts on underflow.
        let dy = xp[j]
            .checked_sub(y)
            .and_then(|v| v.checked_sub(U256::from(1u8)))
            .ok_or(AmmError::InsufficientOutputAmount)?;
        let dy_fee = dy * U256::from(self.fee) / U256::from(FEE_DENOMINATOR);
        let out = (dy - dy_fee) / u(self.precision_mul[j]);
        // out < balance_j because dy < xp_j.
        let out = to_u128(out).expect("output below the balance");
        if out == 0 {
            return Err(AmmError::InsufficientOutputAmount);
        }
        Ok(out)
    }

    /// `exchange`: sells `dx` atoms of coin `i` for coin `j` and returns the amount received.
    pub fn exchange(&mut self, i: usize, j: usize, dx: u128) -> Result<u128, AmmError> {
        let out = self.get_dy(i, j, dx)?;
        let new_i = self.balances[i]
            .checked_add(dx)
            .ok_or(AmmError::Overflow("StableSwap balance"))?;
        self.balances[i] = new_i;
        self.balances[j] -= out;
        Ok(out)
    }

    /// The marginal price before fee, atoms of coin `j` per atom of coin `i`, from the gradient
    /// of the invariant: `x_j·(Ann·x_i + A_PRECISION·D_P) / (x_i·(Ann·x_j + A_PRECISION·D_P))`
    /// with `D_P = D^{n+1}/(nⁿΠx)` (rounded as in `get_D`), scaled by the coins' precisions.
    pub fn spot_price(&self, i: usize, j: usize) -> Result<SpotPrice, AmmError> {
        self.check_pair(i, j)?;
        let xp = self.xp()?;
        let d = self.d()?;
        let n = U256::from(xp.len());
        let overflow = || AmmError::Overflow("StableSwap spot price");
        let mut d_p = d;
        for &x in &xp {
            d_p = d_p.checked_mul(d).ok_or_else(overflow)? / (x * n);
        }
        let ann = U512::from(u(self.amp) * n);
        let w = U512::from(d_p) * U512::from(A_PRECISION);
        let (xi, xj) = (U512::from(xp[i]), U512::from(xp[j]));
        let num = xj * (ann * xi + w) * U512::from(self.precision_mul[i]);
        let den = xi * (ann * xj + w) * U512::from(self.precision_mul[j]);
        Ok(SpotPrice::new(num, den))
    }
}

#[cfg(test)]
#[path = "stableswap_tests.rs"]
mod tests;
