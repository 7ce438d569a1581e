//! Whole-pool vectors from Uniswap's own test suite: the pool set-ups of
//! `Uniswap/v3-core@test/UniswapV3Pool.swaps.spec.ts` (`TEST_POOLS`) and the balances, amounts and
//! ticks the contract produced, recorded in `test/__snapshots__/UniswapV3Pool.swaps.spec.ts.snap`.
//! They pin mint rounding, every step's rounding, the bitmap-word stepping (long swaps through
//! empty words), tick crossing and running out of liquidity to the contract's exact integers.

use super::*;
use crate::common::Direction::{self, OneForZero, ZeroForOne};
use cascade_types::AgentId;
use ruint::aliases::U256;

const E18: u128 = 1_000_000_000_000_000_000;

/// `getMinTick` / `getMaxTick` of the test utilities: the outermost usable ticks.
fn min_tick(spacing: i32) -> i32 {
    -(MAX_TICK / spacing) * spacing
}
fn max_tick(spacing: i32) -> i32 {
    (MAX_TICK / spacing) * spacing
}

/// `encodePriceSqrt(reserve1, reserve0)` = floor(sqrt(reserve1/reserve0)·2^96).
fn encode_price_sqrt(reserve1: u64, reserve0: u64) -> U256 {
    ((U256::from(reserve1) << 192usize) / U256::from(reserve0)).root(2)
}

fn pool(fee: u32, spacing: i32, positions: &[(i32, i32, u128)]) -> V3Pool {
    let mut p = V3Pool::new(fee, spacing, encode_price_sqrt(1, 1)).unwrap();
    for &(lower, upper, l) in positions {
        p.mint(AgentId(0), lower, upper, l).unwrap();
    }
    p
}

/// Runs one case on a fresh pool: (direction, exact input?, amount, limit) ->
/// (amount in, amount out, tick after).
fn run(
    p: &V3Pool,
    dir: Direction,
    exact_in: bool,
    amount: u128,
    limit: Option<U256>,
) -> (u128, u128, i32) {
    let mut p = p.clone();
    let s = if exact_in {
        p.swap_exact_in(dir, amount, limit)
    } else {
        p.swap_exact_out(dir, amount, limit)
    }
    .unwrap();
    assert_eq!(p.tick(), s.tick);
    (s.amount_in, s.amount_out, s.tick)
}

#[test]
fn low_fee_full_range() {
    // 'low fee, 1:1 price, 2e18 max range liquidity': fee 500, spacing 10.
    let p = pool(500, 10, &[(min_tick(10), max_tick(10), 2 * E18)]);
    assert_eq!(p.balances(), [2 * E18, 2 * E18]);
    // swap token1 for exactly 1.0000 token0: amount1Delta 2001000500250125079, tick 13863.
    assert_eq!(
        run(&p, OneForZero, false, E18, None),
        (2_001_000_500_250_125_079, E18, 13_863)
    );
    // swap token0 for token1 to price 0.40000: 1162859089713235953 in, 735088935932648266 out,
    // tick -9164.
    let limit = encode_price_sqrt(2, 5);
    assert_eq!(
        run(&p, ZeroForOne, true, u128::MAX, Some(limit)),
        (1_162_859_089_713_235_953, 735_088_935_932_648_266, -9164)
    );
    // swap token1 for token0 to price 2.5000: 1162859089713235954 in, 735088935932648266 out.
    let limit = encode_price_sqrt(5, 2);
    assert_eq!(
        run(&p, OneForZero, true, u128::MAX, Some(limit)),
        (1_162_859_089_713_235_954, 735_088_935_932_648_266, 9163)
    );
    // swap token1 for exactly 1000 token0: 1002 in, tick stays 0.
    assert_eq!(run(&p, OneForZero, false, 1000, None), (1002, 1000, 0));
}

#[test]
fn medium_fee_full_range() {
    // 'medium fee, 1:1 price, 2e18 max range liquidity': fee 3000, spacing 60.
    let p = pool(3000, 60, &[(min_tick(60), max_tick(60), 2 * E18)]);
    assert_eq!(p.balances(), [2 * E18, 2 * E18]);
    // swap exactly 1.0000 token1 for token0: 665331998665331998 out, tick 8089.
    assert_eq!(
        run(&p, OneForZero, true, E18, None),
        (E18, 665_331_998_665_331_998, 8089)
    );
    // swap token0 for exactly 1.0000 token1: 2006018054162487463 in, tick -13864.
    assert_eq!(
        run(&p, ZeroForOne, false, E18, None),
        (2_006_018_054_162_487_463, E18, -13_864)
    );
    // swap token0 for token1 to price 0.40000: 1165774985123750584 in, 735088935932648267 out.
    assert_eq!(
        run(
            &p,
            ZeroForOne,
            true,
            u128::MAX,
            Some(encode_price_sqrt(2, 5))
        ),
        (1_165_774_985_123_750_584, 735_088_935_932_648_267, -9164)
    );
    // swap token0 for exactly 1000 token1: 1005 in, tick -1.
    assert_eq!(run(&p, ZeroForOne, false, 1000, None), (1005, 1000, -1));
}

#[test]
fn medium_fee_additional_liquidity_around_the_price() {
    // 'medium fee, 1:1 price, additional liquidity around current price': full range plus
    // [min, -60) and [60, max) of 2e18 each (spacing 60); swaps cross -60 or 60 and the active
    // liquidity doubles there.
    let p = pool(
        3000,
        60,
        &[
            (min_tick(60), max_tick(60), 2 * E18),
            (min_tick(60), -60, 2 * E18),
            (60, max_tick(60), 2 * E18),
        ],
    );
    assert_eq!(
        p.balances(),
        [3_994_009_290_088_178_439, 3_994_009_290_088_178_439]
    );
    assert_eq!(
        run(&p, ZeroForOne, true, E18, None),
        (E18, 795_933_705_287_758_544, -4476)
    );
    assert_eq!(
        run(&p, OneForZero, true, E18, None),
        (E18, 795_933_705_287_758_544, 4475)
    );
    assert_eq!(
        run(&p, ZeroForOne, false, E18, None),
        (1_342_022_152_495_072_924, E18, -5794)
    );
    assert_eq!(
        run(
            &p,
            ZeroForOne,
            true,
            u128::MAX,
            Some(encode_price_sqrt(2, 5))
        ),
        (2_325_523_181_756_544_449, 1_464_187_161_953_474_971, -9164)
    );
    assert_eq!(run(&p, ZeroForOne, true, 1000, None), (1000, 996, -1));
    let mut q = p.clone();
    q.swap_exact_in(ZeroForOne, E18, None).unwrap();
    assert_eq!(q.liquidity(), 4 * E18);
}

#[test]
fn low_fee_narrow_range_runs_out_of_liquidity() {
    // 'low fee, large liquidity around current price (stable swap)': [-10, 10) with 2e18.
    let p = pool(500, 10, &[(-10, 10, 2 * E18)]);
    assert_eq!(p.balances(), [999_700_069_986_003, 999_700_069_986_003]);
    // swap exactly 1.0000 token0: the pool takes only 1000700370186095, pays
    // 999700069986002 and the price runs through every empty word to the minimum.
    assert_eq!(
        run(&p, ZeroForOne, true, E18, None),
        (1_000_700_370_186_095, 999_700_069_986_002, MIN_TICK)
    );
    assert_eq!(
        run(&p, OneForZero, true, E18, None),
        (1_000_700_370_186_095, 999_700_069_986_002, MAX_TICK - 1)
    );
    assert_eq!(run(&p, ZeroForOne, true, 1000, None), (1000, 998, -1));
}

#[test]
fn max_liquidity_full_range() {
    // 'max full range liquidity at 1:1 price with default fee': L = maxLiquidityPerTick(60).
    let l = u128::MAX / 29_575;
    let p = pool(3000, 60, &[(min_tick(60), max_tick(60), l)]);
    assert_eq!(
        p.balances(),
        [
            11_505_743_598_341_114_571_255_423_385_623_647,
            11_505_743_598_341_114_571_255_423_385_506_404
        ]
    );
    assert_eq!(
        run(&p, ZeroForOne, true, E18, None),
        (E18, 996_999_999_999_999_318, -1)
    );
    assert_eq!(
        run(&p, OneForZero, true, E18, None),
        (E18, 996_999_999_999_999_232, 0)
    );
}
