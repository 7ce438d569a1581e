use super::*;
use proptest::prelude::*;

const FEE: Bps = DEFAULT_FEE;

#[test]
fn amount_out_matches_the_library_formula_by_hand() {
    // R = (1000, 1000), in = 10: 10*997*1000 / (1000*1000 + 10*997) = 9_970_000 / 1_009_970
    // = 9.87.. -> 9.
    assert_eq!(get_amount_out(10, 1000, 1000, FEE), Ok(9));
    // in = 100: 99_700 * 1000 / (1_000_000 + 99_700) = 99_700_000 / 1_099_700 = 90.66 -> 90.
    assert_eq!(get_amount_out(100, 1000, 1000, FEE), Ok(90));
    // Asymmetric reserves: in = 1 ETH-ish (1e18) into (1e20, 2e23):
    // 1e18*997*2e23 / (1e20*1000 + 1e18*997) = 1.994e44 / 1.00997e23 = 1.9743160687941e21;
    // the exact floor, computed separately with Python integers, is 1_974_316_068_794_122_597_700.
    assert_eq!(
        get_amount_out(10u128.pow(18), 10u128.pow(20), 2 * 10u128.pow(23), FEE),
        Ok(1_974_316_068_794_122_597_700)
    );
}

#[test]
fn tiny_inputs_round_the_output_to_zero() {
    // R = (1_000_000, 1000). in = 1004: 1004*997*1000 = 1_000_988_000 over
    // 1_000_000_000 + 1_000_988 = 1_001_000_988 -> 0.99998 -> 0.
    assert_eq!(get_amount_out(1004, 1_000_000, 1000, FEE), Ok(0));
    // in = 1005: 1_001_985_000 / 1_001_001_985 = 1.00098 -> 1 (the smallest input that pays).
    assert_eq!(get_amount_out(1005, 1_000_000, 1000, FEE), Ok(1));
    // A swap whose output rounds to zero is refused and leaves the pool as it was.
    let mut pool = V2Pool::new(1_000_000, 1000, FEE).unwrap();
    assert_eq!(
        pool.swap_exact_in(Direction::ZeroForOne, 1004),
        Err(AmmError::InsufficientOutputAmount)
    );
    assert_eq!(pool.reserves(), (1_000_000, 1000));
    assert_eq!(
        pool.swap_exact_in(Direction::ZeroForOne, 1005),
        Ok(Fill {
            amount_in: 1005,
            amount_out: 1
        })
    );
    assert_eq!(pool.reserves(), (1_001_005, 999));
}

#[test]
fn amount_in_adds_one_even_when_the_division_is_exact() {
    // R = (1000, 1000), out = 9: 1000*9*1000 / (991*997) = 9_000_000 / 988_027 = 9.1 -> 9, +1 = 10.
    assert_eq!(get_amount_in(9, 1000, 1000, FEE), Ok(10));
    // R = (997, 2), out = 1: 997*1*1000 / (1*997) = 1000 exactly, +1 = 1001 ...
    assert_eq!(get_amount_in(1, 997, 2, FEE), Ok(1001));
    // ... although 1000 in would already pay 1: 1000*997*2 / (997*1000 + 1000*997) = 1.
    assert_eq!(get_amount_out(1000, 997, 2, FEE), Ok(1));
}

#[test]
fn refusals_are_typed_errors() {
    assert_eq!(
        get_amount_out(0, 10, 10, FEE),
        Err(AmmError::InsufficientInputAmount)
    );
    assert_eq!(
        get_amount_out(1, 0, 10, FEE),
        Err(AmmError::InsufficientLiquidity)
    );
    assert_eq!(
        get_amount_in(0, 10, 10, FEE),
        Err(AmmError::InsufficientOutputAmount)
    );
    assert_eq!(
        get_amount_in(10, 10, 10, FEE),
        Err(AmmError::InsufficientLiquidity)
    );
    assert_eq!(
        get_amount_in(11, 10, 10, FEE),
        Err(AmmError::InsufficientLiquidity)
    );
    assert!(matches!(
        get_amount_out(1, 1, 1, Bps(10_000)),
        Err(AmmError::InvalidFee { .. })
    ));
    assert_eq!(V2Pool::new(0, 1, FEE), Err(AmmError::EmptyReserve));
    assert_eq!(
        V2Pool::new(MAX_RESERVE + 1, 1, FEE),
        Err(AmmError::ReserveOverflow { limit: MAX_RESERVE })
    );

    let mut pool = V2Pool::new(1000, 1000, FEE).unwrap();
    // Raw swaps: output at the reserve, zero input, and a product that would fall.
    assert_eq!(
        pool.swap(Direction::ZeroForOne, 5000, 1000),
        Err(AmmError::InsufficientLiquidity)
    );
    assert_eq!(
        pool.swap(Direction::ZeroForOne, 0, 1),
        Err(AmmError::InsufficientInputAmount)
    );
    // 10 in may pay 9 (above) but not 10.
    assert_eq!(
        pool.swap(Direction::ZeroForOne, 10, 10),
        Err(AmmError::ConstantProductViolated)
    );
    assert_eq!(pool.reserves(), (1000, 1000));
    assert_eq!(pool.swap(Direction::ZeroForOne, 10, 9), Ok(()));
    assert_eq!(pool.reserves(), (1010, 991));
}

#[test]
fn reserves_near_the_uint112_limit() {
    // R = 2^112 - 1 = 5192296858534827628530496329220095 on both sides, in = R:
    // out = floor(R*997*R / (R*1000 + R*997)) = floor(997*R / 1997)
    //     = 2592248356514383147543768072224554 (computed separately with Python integers).
    let r = MAX_RESERVE;
    assert_eq!(r, 5_192_296_858_534_827_628_530_496_329_220_095);
    assert_eq!(
        get_amount_out(r, r, r, FEE),
        Ok(2_592_248_356_514_383_147_543_768_072_224_554)
    );
    // But the pair cannot take that input: the new reserve would exceed uint112.
    let mut pool = V2Pool::new(r, r, FEE).unwrap();
    assert_eq!(
        pool.swap_exact_in(Direction::OneForZero, r),
        Err(AmmError::ReserveOverflow { limit: MAX_RESERVE })
    );
    // out = floor(R/2) = 2596148429267413814265248164610047 needs
    // R*out*1000/((R-out)*997) + 1 = 5207920620396015675557167832718248 > R: refused too.
    assert_eq!(
        get_amount_in(r / 2, r, r, FEE),
        Ok(5_207_920_620_396_015_675_557_167_832_718_248)
    );
    assert_eq!(
        pool.swap_exact_out(Direction::ZeroForOne, r / 2),
        Err(AmmError::ReserveOverflow { limit: MAX_RESERVE })
    );
}

#[test]
fn spot_price_is_the_reserve_ratio() {
    let pool = V2Pool::new(2_000, 5_000_000, FEE).unwrap();
    // 1 token0 is worth 2500 token1 at the margin.
    assert_eq!(pool.spot_price(Direction::ZeroForOne).to_f64(), 2500.0);
    assert_eq!(
        pool.spot_price(Direction::OneForZero).to_f64(),
        1.0 / 2500.0
    );
}

#[test]
fn exact_out_pays_at_least_what_was_asked() {
    let mut pool = V2Pool::new(1000, 1000, FEE).unwrap();
    // getAmountIn(9) = 10 (above); the pool pays exactly 9 and keeps 10.
    assert_eq!(
        pool.swap_exact_out(Direction::ZeroForOne, 9),
        Ok(Fill {
            amount_in: 10,
            amount_out: 9
        })
    );
    assert_eq!(pool.reserves(), (1010, 991));
}

proptest! {
    #[test]
    fn round_trip_relations(
        r_in in 1u128..=MAX_RESERVE,
        r_out in 2u128..=MAX_RESERVE,
        x in 1u128..=(1u128 << 100),
        fee in 0u32..1000,
    ) {
        let fee = Bps(fee);
        let out = get_amount_out(x, r_in, r_out, fee).unwrap();
        prop_assert!(out < r_out);
        if out > 0 {
            // The input that buys `out` is never more than x: x itself buys at least `out`.
            let back = get_amount_in(out, r_in, r_out, fee).unwrap();
            prop_assert!(back <= x, "getAmountIn({out}) = {back} > {x}");
            // And getAmountIn's answer is enough to buy `out`.
            prop_assert!(get_amount_out(back, r_in, r_out, fee).unwrap() >= out);
        }
    }

    #[test]
    fn k_never_decreases(
        r0 in 1_000u128..(1u128 << 90),
        r1 in 1_000u128..(1u128 << 90),
        fee in prop_oneof![Just(0u32), Just(5), Just(30), Just(100)],
        trades in prop::collection::vec((any::<bool>(), any::<bool>(), 1u128..(1u128 << 80)), 1..40),
    ) {
        let mut pool = V2Pool::new(r0, r1, Bps(fee)).unwrap();
        for (zero_for_one, exact_in, amount) in trades {
            let dir = if zero_for_one { Direction::ZeroForOne } else { Direction::OneForZero };
            let before = pool.k();
            let reserves = pool.reserves();
            let result = if exact_in {
                pool.swap_exact_in(dir, amount)
            } else {
                let (_, r_out) = pool.in_out(dir);
                pool.swap_exact_out(dir, amount % r_out)
            };
            match result {
                Ok(fill) => {
                    prop_assert!(pool.k() >= before, "k fell: {before} -> {}", pool.k());
                    let (a, b) = pool.reserves();
                    prop_assert_eq!(a + b + fill.amount_out, reserves.0 + reserves.1 + fill.amount_in);
                }
                Err(_) => prop_assert_eq!(pool.reserves(), reserves),
            }
        }
    }
}
