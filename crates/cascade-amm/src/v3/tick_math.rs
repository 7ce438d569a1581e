//! Tick <-> sqrt price conversion, bit-exact with Uniswap v3's `TickMath`.
//!
//! Source (read, re-derived; not copied): `Uniswap/v3-core@contracts/libraries/TickMath.sol`:
//! - `getSqrtRatioAtTick`: `sqrt(1.0001^tick)·2^96` as a product of 20 precomputed Q128.128 factors
//!   `1/sqrt(1.0001^(2^i))`, one per set bit of `|tick|`; inverted (`MAX_UINT256 / ratio`) for
//!   positive ticks; then `>> 32` to Q64.96, rounding up so that `getTickAtSqrtRatio` of the
//!   result is the tick again.
//! - `getTickAtSqrtRatio`: the greatest tick whose sqrt price is `<=` the input, via a 14-bit
//!   binary logarithm, a multiplication by `1/log2(sqrt(1.0001))` in Q128.128 and two error bounds
//!   (`tickLow`, `tickHi`) resolved with one `getSqrtRatioAtTick`.
//!
//! The signed 256-bit arithmetic of `getTickAtSqrtRatio` is done here in two's complement on
//! `U256` with wrapping operations, which gives the EVM's results bit for bit.

use crate::error::AmmError;
use ruint::aliases::U256;

/// The lowest tick: `log_1.0001(2^-128)`, rounded towards zero.
pub const MIN_TICK: i32 = -887_272;
/// The highest tick.
pub const MAX_TICK: i32 = -MIN_TICK;

/// `getSqrtRatioAtTick(MIN_TICK)`, the lowest sqrt price a pool can have.
pub const MIN_SQRT_RATIO: U256 = U256::from_limbs([4_295_128_739, 0, 0, 0]);
/// `getSqrtRatioAtTick(MAX_TICK)` = 1461446703485210103287273052203988822378723970342; prices
/// must stay strictly below it.
pub const MAX_SQRT_RATIO: U256 =
    U256::from_limbs([0x5d95_1d52_6398_8d26, 0xefd1_fc6a_5064_8849, 0xfffd_8963, 0]);

/// The Q128.128 factors `2^128 / sqrt(1.0001)^(2^i)` for bits 1..=19 of `|tick|`.
const FACTORS: [u128; 19] = [
    0xfff97272373d413259a46990580e213a,
    0xfff2e50f5f656932ef12357cf3c7fdcc,
    0xffe5caca7e10e4e61c3624eaa0941cd0,
    0xffcb9843d60f6159c9db58835c926644,
    0xff973b41fa98c081472e6896dfb254c0,
    0xff2ea16466c96a3843ec78b326b52861,
    0xfe5dee046a99a2a811c461f1969c3053,
    0xfcbe86c7900a88aedcffc83b479aa3a4,
    0xf987a7253ac413176f2b074cf7815e54,
    0xf3392b0822b70005940c7a398e4b70f3,
    0xe7159475a2c29b7443b29c7fa6e889d9,
    0xd097f3bdfd2022b8845ad8f792aa5825,
    0xa9f746462d870fdf8a65dc1f90e061e5,
    0x70d869a156d2a1b890bb3df62baf32f7,
    0x31be135f97d08fd981231505542fcfa6,
    0x9aa508b5b7a84e1c677de54f3e99bc9,
    0x5d6af8dedb81196699c329225ee604,
    0x2216e584f5fa1ea926041bedfe98,
    0x48a170391f7dc42444e8fa2,
];

/// The factor for bit 0 of `|tick|`: `2^128 / sqrt(1.0001)`.
const FACTOR_BIT0: u128 = 0xfffcb933bd6fad37aa2d162d1a594001;

/// `sqrt(1.0001^tick) · 2^96` (Q64.96), exactly as `TickMath.getSqrtRatioAtTick`.
///
/// Errors: [`AmmError::TickOutOfRange`] if `|tick| > MAX_TICK`.
pub fn sqrt_ratio_at_tick(tick: i32) -> Result<U256, AmmError> {
    let abs_tick = tick.unsigned_abs();
    if abs_tick > MAX_TICK as u32 {
        return Err(AmmError::TickOutOfRange(tick));
    }
    let mut ratio = if abs_tick & 1 != 0 {
        U256::from(FACTOR_BIT0)
    } else {
        U256::from(1u8) << 128usize
    };
    for (i, &factor) in FACTORS.iter().enumerate() {
        if abs_tick & (1 << (i + 1)) != 0 {
            // ratio <= 2^128 and factor < 2^128: the product fits 256 bits.
            ratio = (ratio * U256::from(factor)) >> 128usize;
        }
    }
    if tick > 0 {
        ratio = U256::MAX / ratio;
    }
    // Q128.128 -> Q128.96, rounding up.
    let round = if (ratio & U256::from(u32::MAX)).is_zero() {
        0u8
    } else {
        1u8
    };
    Ok((ratio >> 32usize) + U256::from(round))
}

/// The greatest tick whose sqrt price is `<= sqrt_price_x96`, exactly as
/// `TickMath.getTickAtSqrtRatio`.
///
/// Errors: [`AmmError::SqrtPriceOutOfRange`] unless `MIN_SQRT_RATIO <= sqrt_price_x96 <
/// MAX_SQRT_RATIO`.
pub fn tick_at_sqrt_ratio(sqrt_price_x96: U256) -> Result<i32, AmmError> {
    if sqrt_price_x96 < MIN_SQRT_RATIO || sqrt_price_x96 >= MAX_SQRT_RATIO {
        return Err(AmmError::SqrtPriceOutOfRange);
    }
    let ratio = sqrt_price_x96 << 32usize;
    // Most significant bit (ratio is non-zero).
    let msb = ratio.bit_len() - 1;
    let mut r = if msb >= 128 {
        ratio >> (msb - 127)
    } else {
        ratio << (127 - msb)
    };
    // log_2 = (msb - 128) << 64, as a two's-complement int256.
    let mut log_2 = signed(msb as i64 - 128) << 64usize;
    // 14 fractional bits by repeated squaring (bits 63 down to 50).
    for bit in (50..=63).rev() {
        r = (r * r) >> 127usize;
        let f = r >> 128usize; // 0 or 1
        log_2 |= f << bit;
        r >>= f.to::<usize>();
    }
    // log_sqrt10001 = log_2 · (2^128 / log2(sqrt(1.0001))) as Q128.128 (wrapping = int256 mul).
    let log_sqrt10001 = log_2.wrapping_mul(U256::from(255_738_958_999_603_826_347_141u128));
    let low_bound = U256::from(3_402_992_956_809_132_418_596_140_100_660_247_210u128);
    let high_bound = U256::from(291_339_464_771_989_622_907_027_621_153_398_088_495u128);
    let tick_low = low_i32(log_sqrt10001.wrapping_sub(low_bound).arithmetic_shr(128));
    let tick_hi = low_i32(log_sqrt10001.wrapping_add(high_bound).arithmetic_shr(128));
    Ok(if tick_low == tick_hi {
        tick_low
    } else if sqrt_ratio_at_tick(tick_hi)? <= sqrt_price_x96 {
        tick_hi
    } else {
        tick_low
    })
}

/// A small signed integer as a two's-complement `U256`.
fn signed(x: i64) -> U256 {
    if x >= 0 {
        U256::from(x as u64)
    } else {
        U256::from(x.unsigned_abs()).wrapping_neg()
    }
}

/// The low bits of a two's-complement `U256` known to hold a small value, as `i32`
/// (Solidity's `int24(...)` cast of an in-range value).
fn low_i32(x: U256) -> i32 {
    x.as_limbs()[0] as i64 as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q96() -> U256 {
        U256::from(1u8) << 96usize
    }

    #[test]
    fn bounds_match_uniswap_constants() {
        // TickMath.sol: MIN_SQRT_RATIO = 4295128739, MAX_SQRT_RATIO =
        // 1461446703485210103287273052203988822378723970342.
        assert_eq!(MIN_SQRT_RATIO, U256::from(4_295_128_739u64));
        let max: U256 = "1461446703485210103287273052203988822378723970342"
            .parse()
            .unwrap();
        assert_eq!(MAX_SQRT_RATIO, max);
        assert_eq!(sqrt_ratio_at_tick(MIN_TICK), Ok(MIN_SQRT_RATIO));
        assert_eq!(sqrt_ratio_at_tick(MAX_TICK), Ok(MAX_SQRT_RATIO));
        assert_eq!(
            sqrt_ratio_at_tick(MAX_TICK + 1),
            Err(AmmError::TickOutOfRange(MAX_TICK + 1))
        );
        assert_eq!(
            sqrt_ratio_at_tick(MIN_TICK - 1),
            Err(AmmError::TickOutOfRange(MIN_TICK - 1))
        );
    }

    #[test]
    fn tick_zero_is_price_one() {
        assert_eq!(sqrt_ratio_at_tick(0), Ok(q96()));
        assert_eq!(tick_at_sqrt_ratio(q96()), Ok(0));
        // One below 2^96 is in tick -1.
        assert_eq!(tick_at_sqrt_ratio(q96() - U256::from(1u8)), Ok(-1));
    }

    #[test]
    fn known_values_from_the_uniswap_test_suite() {
        // v3-core test/TickMath.spec.ts: getSqrtRatioAtTick(MIN_TICK + 1) = 4295343490 and
        // getSqrtRatioAtTick(MAX_TICK - 1) = 1461373636630004318706518188784493106690254656249.
        assert_eq!(
            sqrt_ratio_at_tick(MIN_TICK + 1),
            Ok(U256::from(4_295_343_490u64))
        );
        let v: U256 = "1461373636630004318706518188784493106690254656249"
            .parse()
            .unwrap();
        assert_eq!(sqrt_ratio_at_tick(MAX_TICK - 1), Ok(v));
        // The extremes of getTickAtSqrtRatio.
        assert_eq!(tick_at_sqrt_ratio(MIN_SQRT_RATIO), Ok(MIN_TICK));
        assert_eq!(
            tick_at_sqrt_ratio(MAX_SQRT_RATIO - U256::from(1u8)),
            Ok(MAX_TICK - 1)
        );
        assert_eq!(
            tick_at_sqrt_ratio(MAX_SQRT_RATIO),
            Err(AmmError::SqrtPriceOutOfRange)
        );
        assert_eq!(
            tick_at_sqrt_ratio(MIN_SQRT_RATIO - U256::from(1u8)),
            Err(AmmError::SqrtPriceOutOfRange)
        );
    }

    #[test]
    fn ticks_match_the_closed_form_in_f64() {
        // sqrt(1.0001^t) = exp(t/2 · ln(1.0001)), computed independently in f64 (via ln_1p, whose
        // error does not grow with |t| the way powf's does); TickMath is accurate to far better
        // than 1e-12 relative over this range.
        for t in [
            -500_000, -100_000, -46_055, -6_932, -60, -1, 1, 7, 60, 6_931, 46_054, 100_000, 500_000,
        ] {
            let exact = f64::from(sqrt_ratio_at_tick(t).unwrap()) / 2f64.powi(96);
            let expect = (f64::from(t) / 2.0 * 0.0001f64.ln_1p()).exp();
            let rel = (exact - expect).abs() / expect;
            assert!(rel < 1e-12, "tick {t}: {exact} vs {expect} (rel {rel})");
        }
    }

    #[test]
    fn round_trips_and_boundaries() {
        let mut t = MIN_TICK;
        while t < MAX_TICK {
            let s = sqrt_ratio_at_tick(t).unwrap();
            assert_eq!(tick_at_sqrt_ratio(s), Ok(t), "tick {t}");
            // One below the tick's own price belongs to the tick below.
            if t > MIN_TICK {
                assert_eq!(
                    tick_at_sqrt_ratio(s - U256::from(1u8)),
                    Ok(t - 1),
                    "tick {t}"
                );
            }
            // Monotone.
            assert!(sqrt_ratio_at_tick(t + 1).unwrap() > s);
            t += 7_919; // a prime stride covers odd and even ticks, both signs
        }
        for t in [-2, -1, 0, 1, 2, 887_271, -887_271] {
            let s = sqrt_ratio_at_tick(t).unwrap();
            assert_eq!(tick_at_sqrt_ratio(s), Ok(t));
        }
    }
}
