//! Maker's fixed-point arithmetic on 256-bit integers, with Maker's rounding.
//!
//! Units (dss `DEVELOPING.md` conventions, used by every contract here):
//!
//! - `wad`: 18 decimals, for collateral amounts (`ink`, `lot`), `chop`, `chip`, `beg`;
//! - `ray`: 27 decimals, for prices (`top`, feed prices, `spot`), `rate`, `buf`, `cusp`, `cut`;
//! - `rad`: 45 decimals (= wad x ray), for DAI amounts (`tab`, `bid`, `owe`, `dust`, `hole`).
//!
//! Every function mirrors a helper of the contracts and fails exactly where Solidity reverts: a
//! product that does not fit in 256 bits is an [`AuctionError::Overflow`] even when a later
//! division would bring it back into range (`mul` checks `z / y == x`), a subtraction below zero
//! is an [`AuctionError::Underflow`], and a division by zero is an
//! [`AuctionError::DivisionByZero`]. Divisions floor, as the EVM does; only [`rpow`] rounds half
//! up, as its assembly does.
//!
//! Sources: makerdao/dss@src/clip.sol:mul, :wmul, :rmul and :rdiv; makerdao/dss@src/abaci.sol:rpow
//! (the "optimized version from dss PR #78").

use ruint::aliases::U256;
use ruint::uint;

use crate::AuctionError;

/// 10^9: converts a `wad` feed value to a `ray` (clip.sol `getFeedPrice`).
pub const BLN: U256 = uint!(1_000_000_000_U256);
/// 10^18, one in `wad`.
pub const WAD: U256 = uint!(1_000_000_000_000_000_000_U256);
/// 10^27, one in `ray`.
pub const RAY: U256 = uint!(1_000_000_000_000_000_000_000_000_000_U256);
/// 10^45, one in `rad` (one DAI of internal debt).
pub const RAD: U256 = uint!(1_000_000_000_000_000_000_000_000_000_000_000_000_000_000_000_U256);

const BPS: u64 = 10_000;

/// `x * y`, failing where Solidity's checked `mul` reverts.
pub fn mul(x: U256, y: U256) -> Result<U256, AuctionError> {
    x.checked_mul(y).ok_or(AuctionError::Overflow)
}

/// `x + y`, failing where Solidity's checked `add` reverts.
pub fn add(x: U256, y: U256) -> Result<U256, AuctionError> {
    x.checked_add(y).ok_or(AuctionError::Overflow)
}

/// `x - y`, failing where Solidity's checked `sub` reverts.
pub fn sub(x: U256, y: U256) -> Result<U256, AuctionError> {
    x.checked_sub(y).ok_or(AuctionError::Underflow)
}

/// `x / y`, flooring; a zero divisor is an error (the EVM reverts on it in these contracts).
pub fn div(x: U256, y: U256) -> Result<U256, AuctionError> {
    if y.is_zero() {
        return Err(AuctionError::DivisionByZero);
    }
    Ok(x / y)
}

/// `x * y / WAD`, floored (clip.sol `wmul`).
pub fn wmul(x: U256, y: U256) -> Result<U256, AuctionError> {
    Ok(mul(x, y)? / WAD)
}

/// `x * y / RAY`, floored (clip.sol and abaci.sol `rmul`).
pub fn rmul(x: U256, y: U256) -> Result<U256, AuctionError> {
    Ok(mul(x, y)? / RAY)
}

/// `x * RAY / y`, floored (clip.sol `rdiv`).
pub fn rdiv(x: U256, y: U256) -> Result<U256, AuctionError> {
    div(mul(x, RAY)?, y)
}

/// `x^n` in fixed point with base `b` (`b = RAY` in the abaci), by squaring, rounding each
/// product half up (abaci.sol `rpow`). Like the assembly it fails when a squared base has 128
/// bits or more, or when adding the rounding half overflows.
pub fn rpow(x: U256, n: u64, b: U256) -> Result<U256, AuctionError> {
    if n == 0 {
        return Ok(b);
    }
    if x.is_zero() {
        return Ok(U256::ZERO);
    }
    if b.is_zero() {
        return Err(AuctionError::DivisionByZero);
    }
    let half = b / U256::from(2u8);
    let mut x = x;
    let mut z = if n.is_multiple_of(2) { b } else { x };
    let mut n = n / 2;
    while n != 0 {
        if x.bit_len() > 128 {
            return Err(AuctionError::Overflow);
        }
        let xx = x * x; // fits: x < 2^128
        x = add(xx, half)? / b;
        if !n.is_multiple_of(2) {
            let zx = mul(z, x)?;
            z = add(zx, half)? / b;
        }
        n /= 2;
    }
    Ok(z)
}

/// `n` whole units in `wad`.
pub fn wad(n: u64) -> U256 {
    U256::from(n) * WAD
}

/// `n` whole units in `ray`.
pub fn ray(n: u64) -> U256 {
    U256::from(n) * RAY
}

/// `n` whole DAI in `rad`.
pub fn rad(n: u64) -> U256 {
    U256::from(n) * RAD
}

/// A factor given in basis points, in `wad` (`wad_bps(11_300)` is a `chop` of 1.13). Exact.
pub fn wad_bps(bps: u64) -> U256 {
    U256::from(bps) * (WAD / U256::from(BPS))
}

/// A factor given in basis points, in `ray` (`ray_bps(9_900)` is a `cut` of 0.99). Exact.
pub fn ray_bps(bps: u64) -> U256 {
    U256::from(bps) * (RAY / U256::from(BPS))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    #[test]
    fn constants_are_powers_of_ten() {
        assert_eq!(BLN, U256::from(10u8).pow(U256::from(9u8)));
        assert_eq!(WAD, U256::from(10u8).pow(U256::from(18u8)));
        assert_eq!(RAY, U256::from(10u8).pow(U256::from(27u8)));
        assert_eq!(RAD, WAD * RAY);
    }

    #[test]
    fn products_floor() {
        // 7 * 0.5 wad = 3.5, floored to 3 (in the smallest unit).
        assert_eq!(wmul(u(7), WAD / u(2)).unwrap(), u(3));
        // rmul(2 ray, 1/3 ray floored): 2e27 * 333..333 (27 threes) / 1e27 = 666..666 (27 sixes).
        let third = RAY / u(3);
        assert_eq!(third, u(333_333_333_333_333_333_333_333_333));
        assert_eq!(
            rmul(ray(2), third).unwrap(),
            u(666_666_666_666_666_666_666_666_666)
        );
        // rdiv(1, 3) = 1e27 / 3 floored.
        assert_eq!(rdiv(u(1), u(3)).unwrap(), third);
    }

    #[test]
    fn solidity_reverts_are_errors() {
        assert_eq!(mul(U256::MAX, u(2)), Err(AuctionError::Overflow));
        // The product overflows even though the floored result would fit: still a revert.
        assert_eq!(rmul(U256::MAX, RAY), Err(AuctionError::Overflow));
        assert_eq!(sub(u(1), u(2)), Err(AuctionError::Underflow));
        assert_eq!(rdiv(u(1), U256::ZERO), Err(AuctionError::DivisionByZero));
        assert_eq!(add(U256::MAX, u(1)), Err(AuctionError::Overflow));
    }

    #[test]
    fn rpow_rounds_half_up() {
        // x = floor(1e27 / 3) = (1e27 - 1) / 3. x^2 / 1e27 = (1e54 - 2e27 + 1) / 9e27
        // = 111..110.888.. (27 digits before the point), so rounding half up gives 111..111
        // (27 ones) where a floor would give ...110. Then z = RAY * x' / RAY (+ half) = x'.
        let x = RAY / u(3);
        assert_eq!(
            rpow(x, 2, RAY).unwrap(),
            u(111_111_111_111_111_111_111_111_111)
        );
        // n = 0 gives the base, x = 0 gives zero (the assembly's two switches).
        assert_eq!(rpow(U256::ZERO, 0, RAY).unwrap(), RAY);
        assert_eq!(rpow(U256::ZERO, 5, RAY).unwrap(), U256::ZERO);
        // 0.5^10 = 1/1024 = 0.0009765625: exact in ray (2^10 divides 1e27).
        assert_eq!(
            rpow(RAY / u(2), 10, RAY).unwrap(),
            u(976_562_500_000_000_000_000_000)
        );
        // A base of 2^128 or more cannot be squared.
        assert_eq!(
            rpow(U256::from(1u8) << 128, 2, RAY),
            Err(AuctionError::Overflow)
        );
    }

    #[test]
    fn bps_helpers_are_exact() {
        assert_eq!(wad_bps(11_300), u(1_130_000_000_000_000_000));
        assert_eq!(ray_bps(9_900), u(990_000_000_000_000_000_000_000_000));
        assert_eq!(rad(3), u(3) * RAD);
    }
}
