use super::*;
use proptest::prelude::*;

const E18: u128 = 1_000_000_000_000_000_000;
const E24: u128 = 1_000_000_000_000_000_000_000_000;

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

/// The whitepaper invariant for two coins with `A·nⁿ = a_nn` (Curve's `A·n`), solved for `D` by
/// bisection in f64: `a_nn·S + D = a_nn·D + D³/(4xy)`.
fn whitepaper_d(x: f64, y: f64, a_nn: f64) -> f64 {
    let f = |d: f64| a_nn * (x + y) + d - a_nn * d - d * d * d / (4.0 * x * y);
    let (mut lo, mut hi) = (0.0, x + y); // f(0) > 0, f(S) <= 0
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The other coin's balance on the invariant, two coins: `4·a_nn·x·y² + 4x(a_nn·x + D −
/// a_nn·D)·y − D³ = 0`, the positive root.
fn whitepaper_y(x: f64, d: f64, a_nn: f64) -> f64 {
    let a = 4.0 * a_nn * x;
    let b = 4.0 * x * (a_nn * x + d - a_nn * d);
    let c = -d * d * d;
    (-b + (b * b - 4.0 * a * c).sqrt()) / (2.0 * a)
}

#[test]
fn balanced_d_is_the_sum() {
    // At x_i = S/n, D_P = S^{n+1}/(nⁿ·(S/n)ⁿ) = S, and the Newton step from D = S gives
    // (Ann·S/100 + n·S)·S / ((Ann − 100)·S/100 + (n+1)·S) = S: D = S exactly.
    let p = StableSwapPool::new(vec![E24, E24], 100, 4_000_000).unwrap();
    assert_eq!(p.d(), Ok(U256::from(2 * E24)));
    let p = StableSwapPool::new(vec![7 * E18; 3], 2000, 1_000_000).unwrap();
    assert_eq!(p.d(), Ok(U256::from(21 * E18)));
    assert_eq!(
        get_d(&[U256::ZERO, U256::ZERO], U256::from(100u32)),
        Ok(U256::ZERO)
    );
}

#[test]
fn imbalanced_d_matches_the_whitepaper_invariant() {
    // x = 1e24, y = 3e24, A = 100 (Ann = A·n = 200 in the whitepaper's A·nⁿ).
    let p = StableSwapPool::new(vec![E24, 3 * E24], 100, 0).unwrap();
    let d = f64::from(p.d().unwrap());
    let expect = whitepaper_d(1e24, 3e24, 200.0);
    assert!(rel(d, expect) < 1e-12, "{d} vs {expect}");
    // Between the constant-product (2·sqrt(xy) = 3.4641e24) and constant-sum (4e24) invariants.
    assert!(d > 2.0 * (3e48f64).sqrt() && d < 4e24);
}

#[test]
fn swap_near_balance_is_one_to_one_less_fee() {
    // fee 4e6/1e10 = 0.04%.
    let mut p = StableSwapPool::new(vec![E24, E24], 100, 4_000_000).unwrap();
    let d0 = p.d().unwrap();
    let dx = E18;
    let out = p.exchange(0, 1, dx).unwrap();
    // Independent: y on the invariant with D = 2e24 and x = 1e24 + 1e18, dy = (y0 − y)·(1 − fee).
    let y = whitepaper_y(1e24 + 1e18, 2e24, 200.0);
    let expect = (1e24 - y) * (1.0 - 0.0004);
    assert!(rel(out as f64, expect) < 1e-7, "{out} vs {expect}");
    // Within the tiny slippage of a 1e-6 trade: (1 − fee)·dx·(1 − 1e-6) < out < (1 − fee)·dx.
    let less_fee = dx as f64 * (1.0 - 0.0004);
    assert!((out as f64) < less_fee && (out as f64) > less_fee * (1.0 - 1e-6));
    assert_eq!(p.balances(), &[E24 + dx, E24 - out]);
    assert!(p.d().unwrap() >= d0);
}

#[test]
fn get_y_at_the_current_balance_returns_the_balance() {
    let xp = [U256::from(E24), U256::from(3 * E24), U256::from(2 * E24)];
    let amp = U256::from(500 * A_PRECISION);
    let y = get_y(0, 2, xp[0], &xp, amp).unwrap();
    assert!(y.abs_diff(xp[2]) <= U256::from(2u8), "{y}");
    assert_eq!(
        get_y(1, 1, xp[0], &xp, amp),
        Err(AmmError::InvalidTokens {
            token_in: 1,
            token_out: 1
        })
    );
}

#[test]
fn large_trades_pay_less_per_unit_and_the_price_moves() {
    let p = StableSwapPool::new(vec![E24, E24], 100, 0).unwrap();
    let small = p.get_dy(0, 1, E18).unwrap() as f64 / 1e18;
    let large = p.get_dy(0, 1, 500_000 * E18).unwrap() as f64 / 5e23;
    assert!(large < small && small <= 1.0);
    // The spot price equals the small-trade rate at the margin (fee 0).
    let mut q = p.clone();
    q.exchange(0, 1, 300_000 * E18).unwrap();
    let spot = q.spot_price(0, 1).unwrap().to_f64();
    let marginal = q.get_dy(0, 1, 10u128.pow(15)).unwrap() as f64 / 1e15;
    assert!(
        spot < 1.0 && rel(marginal, spot) < 1e-6,
        "{marginal} vs {spot}"
    );
    // Balanced: exactly 1.
    assert_eq!(p.spot_price(1, 0).unwrap().to_f64(), 1.0);
}

#[test]
fn precision_multipliers_scale_coins() {
    // Coin 0 has 18 decimals, coin 1 has 6 (PRECISION_MUL 1e12): 1M of each.
    let mut p = StableSwapPool::with_precisions(
        vec![1_000_000 * E18, 10u128.pow(12)],
        vec![1, 10u128.pow(12)],
        200,
        0,
    )
    .unwrap();
    let out = p.exchange(0, 1, E18).unwrap();
    // One unit in: a hair under 1e6 atoms of the 6-decimal coin (xp_j − y − 1, then / 1e12).
    assert!((999_990..1_000_000).contains(&out), "{out}");
    let spot = p.spot_price(0, 1).unwrap().to_f64();
    assert!(rel(spot, 1e-12) < 1e-5);
}

#[test]
fn refusals_are_typed_errors() {
    assert_eq!(
        StableSwapPool::new(vec![E18], 100, 0),
        Err(AmmError::InvalidCoinCount)
    );
    assert_eq!(
        StableSwapPool::new(vec![E18; 9], 100, 0),
        Err(AmmError::InvalidCoinCount)
    );
    assert_eq!(
        StableSwapPool::new(vec![E18; 2], 0, 0),
        Err(AmmError::InvalidAmplification(0))
    );
    assert_eq!(
        StableSwapPool::new(vec![E18; 2], MAX_A + 1, 0),
        Err(AmmError::InvalidAmplification(MAX_A + 1))
    );
    assert!(matches!(
        StableSwapPool::new(vec![E18; 2], 100, MAX_FEE + 1),
        Err(AmmError::InvalidFee { .. })
    ));
    assert_eq!(
        StableSwapPool::new(vec![E18, 0], 100, 0),
        Err(AmmError::EmptyReserve)
    );
    assert_eq!(
        StableSwapPool::with_precisions(vec![E18; 2], vec![1, 0], 100, 0),
        Err(AmmError::InvalidPrecision(0))
    );
    let mut p = StableSwapPool::new(vec![E18; 2], 100, 0).unwrap();
    assert_eq!(p.get_dy(0, 1, 0), Err(AmmError::InsufficientInputAmount));
    assert!(matches!(
        p.exchange(0, 2, 1),
        Err(AmmError::InvalidTokens { .. })
    ));
    // One atom in: y ends within one atom of the old balance, so xp_j − y − 1 is 0 (or would
    // underflow) and the trade is refused.
    assert_eq!(p.exchange(0, 1, 1), Err(AmmError::InsufficientOutputAmount));
    assert_eq!(p.balances(), &[E18, E18]);
}

proptest! {
    #[test]
    fn d_never_falls_on_a_swap(
        balances in prop::collection::vec(E18..(1_000_000_000 * E18), 2..=4),
        a in 1u128..5000,
        fee in prop_oneof![Just(0u64), Just(1_000_000), Just(4_000_000), Just(30_000_000)],
        trades in prop::collection::vec((0usize..4, 0usize..4, 1u128..(100_000_000 * E18)), 1..20),
    ) {
        let n = balances.len();
        let mut p = StableSwapPool::new(balances, a, fee).unwrap();
        for (i, j, dx) in trades {
            let (i, j) = (i % n, j % n);
            let d0 = p.d().unwrap();
            let before = p.clone();
            match p.exchange(i, j, dx) {
                Ok(out) => {
                    prop_assert!(out > 0);
                    // get_D stops when one Newton step moves D by at most one unit, so two
                    // evaluations of the same invariant may differ by one: D may not fall by more.
                    let d1 = p.d().unwrap();
                    prop_assert!(d1 + U256::from(1u8) >= d0, "D fell: {} -> {}", d0, d1);
                }
                Err(_) => prop_assert_eq!(&p, &before),
            }
        }
    }
}
