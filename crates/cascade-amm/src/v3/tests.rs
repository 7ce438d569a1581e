//! Pool-level tests of the v3 model. Expectations come from the whitepaper formulas, computed
//! here independently: in f64 (`whitepaper_walk`) and, for single steps, with exact `U512`
//! rationals that round each quantity once, the way the protocol says it rounds.

use super::*;
use crate::common::Direction;
use crate::error::AmmError;
use cascade_types::AgentId;
use ruint::aliases::{U256, U512};

const E18: u128 = 1_000_000_000_000_000_000;

fn q96() -> U256 {
    U256::from(1u8) << 96usize
}

fn sqrt_at(tick: i32) -> f64 {
    1.0001f64.powf(f64::from(tick) / 2.0)
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

fn w(x: U256) -> U512 {
    U512::from(x)
}

fn ceil_div(n: U512, d: U512) -> U512 {
    (n + d - U512::from(1u8)) / d
}

/// An exact-input swap over `segments` of constant liquidity `(from_tick, to_tick, L)` with the
/// whitepaper formulas in f64: `Δx = L(1/√Pb − 1/√Pa)`, `Δy = L(√Pb − √Pa)`, fee taken from the
/// input first; the last segment is partially filled (`√P' = L√P/(L + Δx√P)` going down,
/// `√P' = √P + Δy/L` going up). Returns (output, final √P, net input left unspent).
fn whitepaper_walk(down: bool, input: f64, fee: f64, segments: &[(i32, i32, f64)]) -> (f64, f64) {
    let mut rem = input * (1.0 - fee);
    let mut out = 0.0;
    let mut p = sqrt_at(segments[0].0);
    for &(a, b, l) in segments {
        let (pa, pb) = (sqrt_at(a), sqrt_at(b));
        let need = if down {
            l * (1.0 / pb - 1.0 / pa)
        } else {
            l * (pb - pa)
        };
        if rem >= need {
            rem -= need;
            out += if down {
                l * (pa - pb)
            } else {
                l * (1.0 / pa - 1.0 / pb)
            };
            p = pb;
        } else {
            let next = if down {
                l * p / (l + rem * p)
            } else {
                p + rem / l
            };
            out += if down {
                l * (p - next)
            } else {
                l * (1.0 / p - 1.0 / next)
            };
            return (out, next);
        }
    }
    (out, p)
}

/// Five positions around tick 0 (spacing 10, fee 0.05%). liquidityNet by hand:
/// -1000: +0.5e18, -600: +4e18, -300: +1e18 - 4e18 = -3e18, -200: +2e18, -100: +3e18,
/// 100: -3e18, 200: -2e18, 300: -1e18, 1000: -0.5e18. Active at tick 0: 3+2+1+0.5 = 6.5e18.
fn ladder_pool() -> V3Pool {
    let mut pool = V3Pool::at_tick(500, 10, 0).unwrap();
    pool.mint(AgentId(1), -100, 100, 3 * E18).unwrap();
    pool.mint(AgentId(2), -200, 200, 2 * E18).unwrap();
    pool.mint(AgentId(3), -300, 300, E18).unwrap();
    pool.mint(AgentId(4), -1000, 1000, E18 / 2).unwrap();
    pool.mint(AgentId(5), -600, -300, 4 * E18).unwrap();
    pool
}

#[test]
fn ladder_has_the_hand_computed_liquidity_net() {
    let pool = ladder_pool();
    let e = E18 as i128;
    let expect = [
        (-1000, e / 2),
        (-600, 4 * e),
        (-300, -3 * e),
        (-200, 2 * e),
        (-100, 3 * e),
        (100, -3 * e),
        (200, -2 * e),
        (300, -e),
        (1000, -e / 2),
    ];
    let got: Vec<(i32, i128)> = pool.ticks().map(|(t, i)| (t, i.liquidity_net)).collect();
    assert_eq!(got, expect);
    assert_eq!(pool.liquidity(), 65 * E18 / 10);
}

#[test]
fn single_range_zero_for_one_matches_the_whitepaper() {
    let l = 1000 * E18;
    let mut pool = V3Pool::at_tick(3000, 60, 0).unwrap();
    pool.mint(AgentId(1), -6000, 6000, l).unwrap();
    let before = pool.balances();
    let x = 5 * E18; // moves the price by about 100 ticks, well inside the range
    let s = pool.swap_exact_in(Direction::ZeroForOne, x, None).unwrap();

    // f64: Δx_net = x(1 − 0.003), √P' = L√P/(L + Δx_net√P) at √P = 1, Δy = L(1 − √P').
    let (out, sp) = whitepaper_walk(true, x as f64, 0.003, &[(0, -6000, l as f64)]);
    assert!(
        rel(s.amount_out as f64, out) < 1e-12,
        "{} vs {out}",
        s.amount_out
    );
    assert!(rel(f64::from(s.sqrt_price_x96) / 2f64.powi(96), sp) < 1e-14);

    // Exact: less_fee = floor(x·997000/1e6); √P' = ceil(L·2^96·√P / (L·2^96 + less_fee·√P));
    // out = floor(L(√P − √P')/2^96).
    let less_fee = x * 997_000 / 1_000_000;
    let l96 = U512::from(l) << 96usize;
    let sq = ceil_div(l96 * w(q96()), l96 + U512::from(less_fee) * w(q96()));
    assert_eq!(w(s.sqrt_price_x96), sq);
    let out_exact = (U512::from(l) * (w(q96()) - sq)) >> 96usize;
    assert_eq!(U512::from(s.amount_out), out_exact);
    // The whole input is used; the fee is what is left above the input that moved the price,
    // ceil(L·2^96(√P − √P')/(√P·√P')), and is about 0.3% of x.
    let moved = ceil_div(l96 * (w(q96()) - sq), w(q96()) * sq);
    assert_eq!(s.amount_in, x);
    assert_eq!(U512::from(s.fee), U512::from(x) - moved);
    assert!(rel(s.fee as f64, x as f64 * 0.003) < 1e-6);
    // The tick is floor(log_1.0001(P')).
    let t = (sp * sp).ln() / 1.0001f64.ln();
    assert_eq!(s.tick, t.floor() as i32);
    assert_eq!(pool.tick(), s.tick);
    assert_eq!(pool.liquidity(), l);
    assert_eq!(pool.balances(), [before[0] + x, before[1] - s.amount_out]);
    assert_eq!(pool.fees(), [s.fee, 0]);
}

#[test]
fn single_range_one_for_zero_matches_the_whitepaper() {
    let l = 1000 * E18;
    let mut pool = V3Pool::at_tick(3000, 60, 0).unwrap();
    pool.mint(AgentId(1), -6000, 6000, l).unwrap();
    let y = 5 * E18;
    let s = pool.swap_exact_in(Direction::OneForZero, y, None).unwrap();
    // f64: √P' = √P + Δy_net/L, Δx = L(1/√P − 1/√P').
    let (out, sp) = whitepaper_walk(false, y as f64, 0.003, &[(0, 6000, l as f64)]);
    assert!(rel(s.amount_out as f64, out) < 1e-12);
    assert!(rel(f64::from(s.sqrt_price_x96) / 2f64.powi(96), sp) < 1e-14);
    // Exact: √P' = √P + floor(less_fee·2^96/L); out = floor(L·2^96(√P' − √P)/(√P·√P')).
    let less_fee = y * 997_000 / 1_000_000;
    let sq = w(q96()) + (U512::from(less_fee) << 96usize) / U512::from(l);
    assert_eq!(w(s.sqrt_price_x96), sq);
    let l96 = U512::from(l) << 96usize;
    assert_eq!(
        U512::from(s.amount_out),
        l96 * (sq - w(q96())) / (w(q96()) * sq)
    );
    // Input that moved the price: ceil(L(√P' − √P)/2^96); the rest is fee.
    let moved = ceil_div(U512::from(l) * (sq - w(q96())), U512::from(1u8) << 96usize);
    assert_eq!(U512::from(s.fee), U512::from(y) - moved);
    let t = (sp * sp).ln() / 1.0001f64.ln();
    assert_eq!(s.tick, t.floor() as i32);
}

#[test]
fn swap_down_across_three_initialised_ticks() {
    let mut pool = ladder_pool();
    let x = 7 * E18 / 100; // 7e16 token0
    let s = pool.swap_exact_in(Direction::ZeroForOne, x, None).unwrap();
    // Liquidity by hand: 6.5e18 on [-100, 0); crossing -100 removes P1 (3e18) -> 3.5e18;
    // crossing -200 removes P2 (2e18) -> 1.5e18; crossing -300 removes P3 (1e18) and adds P5
    // (4e18) -> 4.5e18, which the swap ends in.
    let segments = [
        (0, -100, 6.5e18),
        (-100, -200, 3.5e18),
        (-200, -300, 1.5e18),
        (-300, -600, 4.5e18),
    ];
    let (out, sp) = whitepaper_walk(true, x as f64, 0.0005, &segments);
    // (A 60-digit Decimal evaluation of the same formulas gives out = 68961844374980046.2 and
    // √P' = 0.9824971887819946, i.e. tick floor(2·ln√P'/ln 1.0001) = -354.)
    assert!(rel(out, 68_961_844_374_980_046.2) < 1e-12);
    assert!(
        rel(s.amount_out as f64, out) < 1e-9,
        "{} vs {out}",
        s.amount_out
    );
    assert!(rel(f64::from(s.sqrt_price_x96) / 2f64.powi(96), sp) < 1e-12);
    assert_eq!(s.amount_in, x);
    assert!(rel(s.fee as f64, x as f64 * 0.0005) < 1e-9);
    assert_eq!(s.ticks_crossed, 3);
    assert_eq!(s.tick, -354);
    assert_eq!(s.liquidity, 45 * E18 / 10);
    assert_eq!((pool.tick(), pool.liquidity()), (-354, 45 * E18 / 10));
}

#[test]
fn swap_up_across_three_initialised_ticks() {
    let mut pool = ladder_pool();
    let y = 7 * E18 / 100;
    let s = pool.swap_exact_in(Direction::OneForZero, y, None).unwrap();
    // Crossing 100, 200, 300 upwards applies liquidityNet as is: 6.5 -> 3.5 -> 1.5 -> 0.5 (e18).
    let segments = [
        (0, 100, 6.5e18),
        (100, 200, 3.5e18),
        (200, 300, 1.5e18),
        (300, 1000, 0.5e18),
    ];
    let (out, sp) = whitepaper_walk(false, y as f64, 0.0005, &segments);
    // Decimal evaluation: out = 68717053785032841.86, √P' = 1.0394331272262709 -> tick 773.
    assert!(rel(out, 68_717_053_785_032_841.86) < 1e-12);
    assert!(rel(s.amount_out as f64, out) < 1e-9);
    assert!(rel(f64::from(s.sqrt_price_x96) / 2f64.powi(96), sp) < 1e-12);
    assert_eq!(s.ticks_crossed, 3);
    assert_eq!(s.tick, 773);
    assert_eq!(s.liquidity, E18 / 2);
}

#[test]
fn price_limit_stops_the_swap() {
    let mut pool = ladder_pool();
    let limit = sqrt_ratio_at_tick(-150).unwrap();
    let s = pool
        .swap_exact_in(Direction::ZeroForOne, 7 * E18 / 100, Some(limit))
        .unwrap();
    // Stops at the limit (tick -150, not initialised) after crossing -100 only.
    assert_eq!(s.sqrt_price_x96, limit);
    assert_eq!(s.tick, -150);
    assert_eq!(s.liquidity, 35 * E18 / 10);
    assert_eq!(s.ticks_crossed, 1);
    // Input used: the whitepaper's Δx over the two segments, grossed up by the fee.
    let need =
        6.5e18 * (1.0 / sqrt_at(-100) - 1.0) + 3.5e18 * (1.0 / sqrt_at(-150) - 1.0 / sqrt_at(-100));
    assert!(rel(s.amount_in as f64, need / (1.0 - 0.0005)) < 1e-9);
    // Limits on the wrong side or outside the range are refused.
    assert_eq!(
        pool.swap_exact_in(Direction::ZeroForOne, 1000, Some(limit)),
        Err(AmmError::InvalidPriceLimit)
    );
    assert_eq!(
        pool.quote_exact_in(Direction::OneForZero, 1000, Some(MAX_SQRT_RATIO)),
        Err(AmmError::InvalidPriceLimit)
    );
    assert_eq!(
        pool.quote_exact_in(Direction::ZeroForOne, 0, None),
        Err(AmmError::InsufficientInputAmount)
    );
}

#[test]
fn exact_output_is_paid_exactly_and_costs_what_exact_input_paid() {
    let pool = ladder_pool();
    let fwd = pool
        .quote_exact_in(Direction::ZeroForOne, 7 * E18 / 100, None)
        .unwrap();
    let back = pool
        .quote_exact_out(Direction::ZeroForOne, fwd.amount_out, None)
        .unwrap();
    assert_eq!(back.amount_out, fwd.amount_out);
    assert_eq!(back.ticks_crossed, 3);
    assert_eq!(back.tick, fwd.tick);
    // Same path, rounded per step: within a few atoms of the exact-input amount.
    assert!(
        back.amount_in.abs_diff(fwd.amount_in) <= 8,
        "{back:?} vs {fwd:?}"
    );
}

#[test]
fn exact_output_beyond_the_liquidity_pays_what_there_is() {
    let l = 3 * E18;
    let mut pool = V3Pool::at_tick(3000, 60, 0).unwrap();
    let (_, paid1) = pool.mint(AgentId(1), -120, 120, l).unwrap();
    let s = pool
        .swap_exact_out(Direction::ZeroForOne, 10u128.pow(30), None)
        .unwrap();
    // All token1 in the range below the price: L(1 − √P(-120)), and the price runs to the
    // default limit MIN_SQRT_RATIO + 1 (tick MIN_TICK) with no liquidity left.
    let all = l as f64 * (1.0 - sqrt_at(-120));
    assert!(rel(s.amount_out as f64, all) < 1e-12);
    assert!(s.amount_out <= paid1);
    assert_eq!(s.liquidity, 0);
    assert_eq!(s.tick, MIN_TICK);
    assert_eq!(s.sqrt_price_x96, MIN_SQRT_RATIO + U256::from(1u8));
    // The pool keeps the rounding dust: never pays more than it holds.
    assert_eq!(pool.balances()[1], paid1 - s.amount_out);
}

#[test]
fn mint_amounts_round_up_and_burn_amounts_round_down() {
    let mut pool = V3Pool::at_tick(3000, 60, 0).unwrap();
    let l = 12_345_678_901_234_567_890u128;
    let (sa, sb, p) = (
        w(sqrt_ratio_at_tick(-600).unwrap()),
        w(sqrt_ratio_at_tick(1200).unwrap()),
        w(q96()),
    );
    let l96 = U512::from(l) << 96usize;
    // In range: token0 = ceil(L·2^96(√Pb − √P)/(√P·√Pb)), token1 = ceil(L(√P − √Pa)/2^96).
    let (a0, a1) = pool.mint(AgentId(1), -600, 1200, l).unwrap();
    assert_eq!(U512::from(a0), ceil_div(l96 * (sb - p), p * sb));
    assert_eq!(
        U512::from(a1),
        ceil_div(U512::from(l) * (p - sa), U512::from(1u8) << 96usize)
    );
    assert_eq!(pool.liquidity(), l);
    // Above the price: token0 only; below: token1 only; neither changes the active liquidity.
    let (b0, b1) = pool.mint(AgentId(2), 600, 1200, l).unwrap();
    let s600 = w(sqrt_ratio_at_tick(600).unwrap());
    assert_eq!(U512::from(b0), ceil_div(l96 * (sb - s600), s600 * sb));
    assert_eq!(b1, 0);
    let (c0, c1) = pool.mint(AgentId(3), -1200, -600, l).unwrap();
    let sm1200 = w(sqrt_ratio_at_tick(-1200).unwrap());
    assert_eq!(c0, 0);
    assert_eq!(
        U512::from(c1),
        ceil_div(U512::from(l) * (sa - sm1200), U512::from(1u8) << 96usize)
    );
    assert_eq!(pool.liquidity(), l);
    // Burning gives back the floors: at most one atom less than was paid.
    let (d0, d1) = pool.burn(AgentId(1), -600, 1200, l).unwrap();
    assert_eq!(U512::from(d0), l96 * (sb - p) / (p * sb));
    assert!(a0 - d0 <= 1 && a1 - d1 <= 1);
    assert_eq!(pool.liquidity(), 0);
    assert_eq!(pool.position(AgentId(1), -600, 1200), 0);
    // Tick -600 is still used by position 3, tick 1200 by position 2.
    let ticks: Vec<i32> = pool.ticks().map(|(t, _)| t).collect();
    assert_eq!(ticks, vec![-1200, -600, 600, 1200]);
    pool.burn(AgentId(2), 600, 1200, l).unwrap();
    pool.burn(AgentId(3), -1200, -600, l).unwrap();
    assert_eq!(pool.ticks().count(), 0);
    // Every position burnt: what is left is rounding dust in the pool's favour.
    let [r0, r1] = pool.balances();
    assert!(r0 <= 3 && r1 <= 3, "{r0} {r1}");
}

#[test]
fn bad_positions_are_refused_without_changes() {
    let mut pool = V3Pool::at_tick(3000, 60, 0).unwrap();
    let before = pool.clone();
    assert_eq!(
        pool.mint(AgentId(0), 60, 60, 1),
        Err(AmmError::InvalidTickRange {
            lower: 60,
            upper: 60
        })
    );
    assert_eq!(
        pool.mint(AgentId(0), -60, 90, 1),
        Err(AmmError::TickNotSpaced {
            tick: 90,
            spacing: 60
        })
    );
    assert!(matches!(
        pool.mint(AgentId(0), MIN_TICK - 60, 0, 1),
        Err(AmmError::InvalidTickRange { .. })
    ));
    assert_eq!(
        pool.mint(AgentId(0), -60, 60, 0),
        Err(AmmError::InvalidLiquidityAmount)
    );
    assert_eq!(
        pool.mint(AgentId(0), -60, 60, u128::MAX),
        Err(AmmError::InvalidLiquidityAmount)
    );
    // Per-tick cap: u128::MAX / number of usable ticks (spacing 60: 2·14787 + 1 = 29575).
    let cap = u128::MAX / 29_575;
    assert_eq!(
        pool.mint(AgentId(0), -60, 60, cap + 1),
        Err(AmmError::TickLiquidityOverflow)
    );
    assert_eq!(
        pool.burn(AgentId(0), -60, 60, 1),
        Err(AmmError::InsufficientPositionLiquidity)
    );
    assert_eq!(pool, before);
    assert!(matches!(
        V3Pool::new(1_000_000, 60, q96()),
        Err(AmmError::InvalidFee { .. })
    ));
    assert_eq!(
        V3Pool::new(3000, 0, q96()),
        Err(AmmError::InvalidTickSpacing(0))
    );
    assert_eq!(
        V3Pool::new(3000, 60, MAX_SQRT_RATIO),
        Err(AmmError::SqrtPriceOutOfRange)
    );
}

#[test]
fn spot_price_is_the_square_of_the_sqrt_price() {
    let pool = V3Pool::at_tick(3000, 60, 23_028).unwrap(); // 1.0001^23028 ≈ 10.0
    let p = pool.spot_price(Direction::ZeroForOne).to_f64();
    assert!(rel(p, 1.0001f64.powi(23_028)) < 1e-12);
    assert!(rel(pool.spot_price(Direction::OneForZero).to_f64(), 1.0 / p) < 1e-15);
}

/// Active liquidity recomputed from the positions alone (not from liquidityNet).
fn liquidity_from_positions(pool: &V3Pool) -> u128 {
    pool.positions()
        .filter(|(k, _)| k.lower <= pool.tick() && pool.tick() < k.upper)
        .map(|(_, l)| l)
        .sum()
}

#[test]
fn random_swaps_keep_the_books_straight() {
    use cascade_des::RngStreams;
    use rand_chacha::rand_core::Rng;
    let mut rng = RngStreams::new(7).stream("amm-v3-test", 0);
    let mut pool = ladder_pool();
    for step in 0..400 {
        let r = rng.next_u64();
        let dir = if r & 1 == 0 {
            Direction::ZeroForOne
        } else {
            Direction::OneForZero
        };
        let amount = u128::from(rng.next_u64() % (5 * 10u64.pow(16))) + 1;
        let exact_in = r & 2 == 0;
        let before = pool.clone();
        let quote = if exact_in {
            pool.quote_exact_in(dir, amount, None)
        } else {
            pool.quote_exact_out(dir, amount, None)
        };
        let done = if exact_in {
            pool.swap_exact_in(dir, amount, None)
        } else {
            pool.swap_exact_out(dir, amount, None)
        };
        assert_eq!(quote, done, "step {step}: a quote must equal the swap");
        let Ok(s) = done else {
            assert_eq!(pool, before);
            continue;
        };
        // The price moves the way the trade pushes it, never the other way.
        match dir {
            Direction::ZeroForOne => assert!(s.sqrt_price_x96 <= before.sqrt_price_x96()),
            Direction::OneForZero => assert!(s.sqrt_price_x96 >= before.sqrt_price_x96()),
        }
        // The tick is consistent with the price, and liquidity with the positions.
        let t = tick_at_sqrt_ratio(pool.sqrt_price_x96()).unwrap();
        assert!(pool.tick() == t || pool.tick() == t - 1, "step {step}");
        assert_eq!(
            pool.liquidity(),
            liquidity_from_positions(&pool),
            "step {step}"
        );
        assert!(s.fee <= s.amount_in);
    }
    // Removing every position leaves the fees plus rounding dust, never less (a deficit would
    // have panicked in burn): the principal paid out never eats into the fees.
    let positions: Vec<_> = pool.positions().collect();
    for (k, l) in positions {
        pool.burn(k.owner, k.lower, k.upper, l).unwrap();
    }
    assert_eq!(pool.liquidity(), 0);
    let [b0, b1] = pool.balances();
    let [f0, f1] = pool.fees();
    assert!(b0 >= f0 && b1 >= f1, "balances {b0} {b1}, fees {f0} {f1}");
    assert!(f0 > 0 && f1 > 0);
}
