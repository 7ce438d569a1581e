//! LLAMMA and its Controller against hand-computed expectations.
//!
//! Every expected number below is derived in the comment next to it from the whitepaper's
//! formulas and the contracts' rounding (floors of integer divisions), never read off this
//! crate's output. The market is crvUSD's ETH setup: A = 100, base price 2000, loan discount 9%,
//! liquidation discount 6%, two 18-decimal tokens.

use cascade_llamma::compare::{AaveStyle, ComparisonSetup, compare};
use cascade_llamma::{
    Coin, Controller, ControllerParams, Llamma, LlammaError, LlammaEvent, LlammaParams,
    OracleReading, WAD, price_from_ticks,
};
use cascade_types::{AccountId, AgentId, SimDuration, SimTime, Ticks};

const ARB: AgentId = AgentId(7);
const LIQUIDATOR: AgentId = AgentId(8);
const ALICE: AccountId = AccountId(0);
const BOB: AccountId = AccountId(1);
const CAROL: AccountId = AccountId(2);
/// Rounding dust a band may keep after an exchange ends exactly at its edge (a few wei).
const DUST: u128 = 1_000;
/// The same dust counted in stablecoin (a wei of collateral is worth about 2000 wei).
const DUST_X: u128 = DUST * 2_000;

fn wad(x: u128) -> u128 {
    x * WAD
}

fn at(price: u128, secs: u64) -> OracleReading {
    OracleReading::new(price, SimTime(secs * 1_000_000_000))
}

fn params(fee: u128) -> LlammaParams {
    LlammaParams::new(100, wad(2000), fee)
}

fn discounts() -> ControllerParams {
    ControllerParams {
        loan_discount: 90_000_000_000_000_000,
        liquidation_discount: 60_000_000_000_000_000,
    }
}

fn controller(fee: u128) -> Controller {
    Controller::new(params(fee), discounts(), at(wad(2000), 0)).unwrap()
}

/// Value of `y` collateral at `price`, both WAD-scaled, in borrowed-coin wei.
fn value(y: u128, price: u128) -> i128 {
    (y / 1_000_000 * (price / 1_000_000) / 1_000_000) as i128
}

#[test]
fn band_edges_by_hand() {
    let amm = Llamma::new(params(0), at(wad(2000), 0)).unwrap();
    let t = SimTime::ZERO;
    // p_up(0) is the base price.
    assert_eq!(amm.p_oracle_up(0, t).unwrap(), wad(2000));
    // p_down(0) = p_up(0)·(A−1)/A = 2000·0.99 = 1980.
    assert_eq!(amm.p_oracle_down(0, t).unwrap(), wad(1980));
    assert_eq!(amm.p_oracle_up(1, t).unwrap(), wad(1980));
    // p_up(5) = 2000·0.99^5 = 2000·0.9509900499 = 1901.9800998.
    assert_eq!(
        amm.p_oracle_up(5, t).unwrap(),
        1_901_980_099_800_000_000_000
    );
    // p_up(−1) = 2000·100/99 = 2020.2020…, rounded down at 1e-18.
    assert_eq!(
        amm.p_oracle_up(-1, t).unwrap(),
        2_020_202_020_202_020_202_020
    );
    // Every band is 1/A wide: p_down(n)/p_up(n) = 0.99 (to the last wei).
    for n in [-3i64, 0, 7, 40] {
        let up = amm.p_oracle_up(n, t).unwrap();
        let down = amm.p_oracle_down(n, t).unwrap();
        assert!((up * 99 / 100).abs_diff(down) <= 1, "band {n}");
    }
    // sqrt(A/(A−1)) = sqrt(100/99) = 1.005037815259212075…
    assert_eq!(amm.sqrt_band_ratio(), 1_005_037_815_259_212_075);
    // Far bands are refused, not panicked on.
    assert_eq!(
        amm.p_oracle_up(100_000, t),
        Err(LlammaError::BandOutOfRange(100_000))
    );
    assert!(amm.p_oracle_up(i64::MIN, t).is_err());
}

#[test]
fn amm_price_equals_the_oracle_at_band_edges_and_moves_as_its_cube() {
    let mut amm = Llamma::new(params(0), at(wad(2000), 0)).unwrap();
    // 4 ETH over bands 1..=4: 1 ETH each; the active band stays 0 (the deposit is below it).
    amm.deposit_range(ALICE, wad(4), 1, 4).unwrap();
    assert_eq!(amm.active_band(), 0);
    assert_eq!(amm.band(1).y, wad(1));

    // With only collateral, band 1 trades at p_current_down = p_o³/p_up(1)². At the band's top,
    // p_o = p_up(1) = 1980, that is p_o itself: 1980³/1980² = 1980.
    assert_eq!(amm.band_price(1, at(wad(1980), 200)).unwrap(), wad(1980));
    // Oracle a quarter band lower, 1970.1 = 1980·0.995: the band's price falls as the cube,
    // 1970.1³/1980² = 1970.1·0.995² = 1950.4482525 (exact; the floors of 1970.1²/1980 =
    // 1960.2495 and of ·1970.1/1980 lose nothing).
    assert_eq!(
        amm.band_price(1, at(19_701 * WAD / 10, 200)).unwrap(),
        1_950_448_252_500_000_000_000
    );
    // So the band's price fell 1.49% for a 0.5% oracle move: (0.995)³ = 0.985074875.
    // Cube law between any two oracle prices, same band contents: p2/p1 = (o2/o1)³.
    let p1 = amm.band_price(1, at(wad(1975), 200)).unwrap();
    let p2 = amm.band_price(1, at(wad(1965), 200)).unwrap();
    // (1965/1975)³ = 0.984848…; compare p2·1975³ with p1·1965³ to 1e-15.
    let lhs = p2 as f64 * 1975f64.powi(3);
    let rhs = p1 as f64 * 1965f64.powi(3);
    assert!((lhs / rhs - 1.0).abs() < 1e-15);

    // An empty band reports its mid price: p_o³/p_up(0)²·A/(A−1); at p_o = 1980 this is
    // 1980³/2000²·100/99 = 1940.598·100/99 = 1960.2.
    assert_eq!(
        amm.band_price(0, at(wad(1980), 200)).unwrap(),
        wad(19602) / 10
    );

    // Buy all of band 1 and some of band 2 at p_o = p_down(1) = 1960.2: band 1 holds only
    // stablecoin, and then trades at p_current_up = p_o³/p_down(1)² = p_o.
    let p_o = wad(19602) / 10;
    let out = amm
        .exchange(ARB, Coin::Borrowed, wad(3000), 0, at(p_o, 200))
        .unwrap();
    assert_eq!((out.n1, out.n2), (1, 2));
    assert_eq!(amm.band(1).y, 0);
    assert!(amm.band(1).x > 0);
    assert_eq!(amm.band_price(1, at(p_o, 200)).unwrap(), p_o);
}

#[test]
fn exchange_through_one_band_by_hand() {
    for (fee, expected_out, expected_left) in [
        // Fee 0. Band 0 holds y = 1 ETH at p_o = p_up(0) = 2000, so y0 = y = 1e18,
        // f = A·y0·p_o/p_up·p_o/1e18 = 2e23, g = (A−1)·y0 = 99e18, Inv = f·(g + y) = 2e43.
        // Paying 1000 in: the band keeps Inv/(f + 1000e18) − g + 1 =
        // floor(2e43/2.01e23) − 99e18 + 1 = 99502487562189054726 − 99e18 + 1
        // = 502487562189054727, and pays out 1e18 − that = 497512437810945273
        // (an average price of 2010: the AMM price runs from 2000 to 2000·(2.01/2)²).
        (
            0u128,
            497_512_437_810_945_273u128,
            502_487_562_189_054_727u128,
        ),
        // Fee 0.6%: antifee = floor(1e36/0.994e18) = 1006036217303822937; the band counts
        // x_dest = floor(1000e18·1e18/antifee) = 994000000000000000618 as the swap and keeps
        // floor(2e43/(2e23 + x_dest)) − 99e18 + 1 = 505457874364408888; out =
        // 494542125635591112.
        (
            6_000_000_000_000_000,
            494_542_125_635_591_112,
            505_457_874_364_408_888,
        ),
    ] {
        let mut amm = Llamma::new(params(fee), at(wad(2000), 0)).unwrap();
        // 4 ETH over bands 0..=3; the deposit reaches the active band, which moves to −1.
        amm.deposit_range(ALICE, wad(4), 0, 3).unwrap();
        assert_eq!(amm.active_band(), -1);
        let quote = amm
            .get_dxdy(Coin::Borrowed, wad(1000), at(wad(2000), 0))
            .unwrap();
        assert_eq!(quote, (wad(1000), expected_out));
        let out = amm
            .exchange(ARB, Coin::Borrowed, wad(1000), 0, at(wad(2000), 0))
            .unwrap();
        assert_eq!((out.in_amount, out.out_amount), (wad(1000), expected_out));
        assert_eq!((out.n1, out.n2), (0, 0));
        assert_eq!(amm.band(0).x, wad(1000));
        assert_eq!(amm.band(0).y, expected_left);
        assert_eq!(amm.active_band(), 0);
        assert_eq!(amm.balances(), (wad(1000), wad(4) - expected_out));
        // Slippage protection refuses without changing anything.
        let before = amm.band(0);
        assert_eq!(
            amm.exchange(ARB, Coin::Borrowed, wad(1), wad(1), at(wad(2000), 0)),
            Err(LlammaError::Slippage {
                got: amm
                    .get_dxdy(Coin::Borrowed, wad(1), at(wad(2000), 0))
                    .unwrap()
                    .1,
                min: wad(1)
            })
        );
        assert_eq!(amm.band(0), before);
        // Selling the collateral back at the same oracle price returns less stablecoin than
        // was paid (the band's price moved against the round trip), and never more.
        let back = amm
            .exchange(ARB, Coin::Collateral, expected_out, 0, at(wad(2000), 0))
            .unwrap();
        // Without fee only rounding is lost; with 0.6% on each leg about 1.2%.
        assert!(back.out_amount < wad(1000));
        assert!(back.out_amount > wad(980));
    }
}

#[test]
fn oracle_limiter_and_dynamic_fees_by_hand() {
    let mut amm = Llamma::new(params(0), at(wad(2000), 0)).unwrap();
    // 60 s after the last write the oracle reads 1500: r = 1500/2000 = 0.75 < 1/1.25 = 0.8, so
    // the AMM sees 2000/1.25 = 1600 and charges (1 − 0.8³)·(120 − 60)/120 = 0.488·0.5 = 0.244.
    let r = at(wad(1500), 60);
    assert_eq!(amm.price_oracle(r).unwrap(), wad(1600));
    assert_eq!(amm.dynamic_fee(r).unwrap(), 244_000_000_000_000_000);
    // After the window the reading passes unchanged and the limiter charges nothing.
    assert_eq!(amm.price_oracle(at(wad(1500), 120)).unwrap(), wad(1500));
    assert_eq!(amm.dynamic_fee(at(wad(1500), 120)).unwrap(), 0);
    // An exchange (even of nothing) writes the limiter's state: 10 s later a 10% move up is
    // within the limit; its fee is (1 + 0 − (1/1.1)³)·110/120 = 0.2278…
    amm.exchange(ARB, Coin::Borrowed, 0, 0, at(wad(2000), 300))
        .unwrap();
    // ratio = floor(2000e18·1e18/2200e18) = 909090909090909090; floor(ratio³/1e36) =
    // 751314800901577758; (1e18 − that)·110/120 = 227961432506887055 (rounded down).
    assert_eq!(
        amm.dynamic_fee(at(wad(2200), 310)).unwrap(),
        227_961_432_506_887_055
    );
    // Band fee: oracle 1900 below band 0 (p_up 2000) whose current range is
    // [1900³/2000², ·(100/99)²] = [1714.75, 1749.566…]: a quarter of (1900 − 1749.566370778…)/1900
    // = 0.019793898581777369.
    assert_eq!(
        amm.band_fee(0, at(wad(1900), 1000)).unwrap(),
        19_793_898_581_777_369
    );
    // Inside the band's range the band fee is zero and the static fee applies.
    assert_eq!(amm.band_fee(1, at(wad(1975), 1000)).unwrap(), 0);
}

#[test]
fn loan_lands_in_the_bands_computed_by_hand() {
    let mut ctl = controller(0);
    let open = ctl
        .create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    // y_effective = 10·(1 − 0.09 − 400e-18)/(4·sqrt(100/99))·(1 + .99 + .99² + .99³)
    // = 8.9194730…; ratio to the debt at the active band's top: 8.91947·2000/17500 = 1.019368;
    // ln(1.019368)/ln(100/99) = 1.909, so n1 = 1 (bands 1..=4, top 1980 < oracle 2000).
    assert_eq!((open.n1, open.n2), (1, 4));
    assert_eq!(ctl.amm().get_sum_xy(ALICE).unwrap(), (0, wad(10)));
    for n in 1..=4 {
        assert_eq!(ctl.amm().band(n).y, wad(10) / 4);
    }
    assert_eq!(ctl.debt(ALICE, SimTime::ZERO).unwrap(), wad(17_500));
    // Health: x_down = Σ 2.5·p_up(k)/sqrt(100/99) = 2.5·(1980 + 1960.2 + 1940.598 + 1921.19202)
    // /1.0050378 = 19407.205…; health = 19407.205·0.94/17500 − 1 = 0.0424441…
    let h = ctl.health(ALICE, false, at(wad(2000), 0)).unwrap();
    assert!((h - 42_444_161_581_621_852).abs() < 1_000_000, "health {h}");
    // The full health adds the headroom above the top band: (2000 − 1980)·10/17500 = 0.0114286.
    let full = ctl.health(ALICE, true, at(wad(2000), 0)).unwrap();
    assert!(
        (full - h - 11_428_571_428_571_428).abs() < 10,
        "full {full}"
    );
    // Borrowing so much that the top band would reach the oracle price is refused: at 17,900 the
    // ratio is 8.91947·2000/17900 = 0.9966 < 1, so n1 = −1, whose top 2020.2 is above 2000.
    assert_eq!(
        ctl.create_loan(BOB, wad(10), wad(17_900), 4, at(wad(2000), 0)),
        Err(LlammaError::DebtTooHigh)
    );
    assert!(matches!(
        ctl.create_loan(BOB, wad(10), wad(1000), 3, at(wad(2000), 0)),
        Err(LlammaError::BandCount { n: 3, .. })
    ));
    assert_eq!(
        ctl.create_loan(ALICE, wad(1), wad(1), 4, at(wad(2000), 0)),
        Err(LlammaError::LoanExists(ALICE))
    );
}

/// Prices 2000·0.9975^k: a quarter of a band per step.
fn walk(k: i32) -> u128 {
    (2000.0 * 0.9975f64.powi(k) * 1e6).round() as u128 * 1_000_000_000_000
}

/// Walks the oracle from 2000 down below the loan's bands and back, a quarter band per step,
/// with the idealised arbitrageur trading the AMM to the oracle at each step; checks the
/// conversion band by band and that no hard liquidation is possible; returns the borrower's loss
/// on the way down (the arbitrageur's gain at the oracle price) and the collateral it holds at
/// the end.
fn slow_walk(fee: u128) -> (i128, u128) {
    let mut ctl = controller(fee);
    ctl.create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    let edges: Vec<(u128, u128)> = (1..=4)
        .map(|n| {
            (
                ctl.amm().p_oracle_up(n, SimTime::ZERO).unwrap(),
                ctl.amm().p_oracle_down(n, SimTime::ZERO).unwrap(),
            )
        })
        .collect();
    let mut loss: i128 = 0;
    let (mut last_x, mut last_y) = (0u128, wad(10));
    let mut t = 0u64;
    // Down: 24 quarter-band steps take the oracle from 2000 to 2000·0.9975^24 = 1882.8, below
    // the bottom of band 4 (2000·0.99^5 = 1901.98). Ten minutes a step: no limiter.
    for k in 1..=24 {
        t += 600;
        let r = at(walk(k), t);
        if let Some(trade) = ctl.arbitrage(ARB, r).unwrap() {
            // Falling prices: the arbitrageur buys collateral from the bands.
            assert_eq!(trade.sold, Coin::Borrowed);
            loss += value(trade.out_amount, r.price) - trade.in_amount as i128;
        }
        let (x, y) = ctl.amm().get_sum_xy(ALICE).unwrap();
        assert!(
            y <= last_y && x >= last_x,
            "collateral only turns into stablecoin"
        );
        (last_x, last_y) = (x, y);
        for (i, &(up, down)) in edges.iter().enumerate() {
            let band = ctl.amm().band(i as i64 + 1);
            if r.price < down {
                assert!(band.y <= DUST, "band {} passed but holds {}", i + 1, band.y);
            }
            if r.price > up {
                assert_eq!(band.x, 0, "band {} not reached yet", i + 1);
            }
        }
        // Slow enough: health never goes negative and no hard liquidation is possible.
        let h = ctl.health(ALICE, true, r).unwrap();
        assert!(h >= 0, "step {k}: health {h}");
        assert!(matches!(
            ctl.liquidate(LIQUIDATOR, ALICE, 0, r),
            Err(LlammaError::NotEnoughRekt { .. })
        ));
    }
    // Everything converted to stablecoin.
    assert!(last_y <= 4 * DUST);
    // Up again to 2000: the arbitrageur sells the collateral back into the bands.
    for k in (0..24).rev() {
        t += 600;
        let r = at(walk(k), t);
        if let Some(trade) = ctl.arbitrage(ARB, r).unwrap() {
            assert_eq!(trade.sold, Coin::Collateral);
        }
        for (i, &(up, _)) in edges.iter().enumerate() {
            if r.price > up {
                let x = ctl.amm().band(i as i64 + 1).x;
                assert!(x <= DUST_X, "band {} x {x} at {}", i + 1, r.price);
            }
        }
        assert!(ctl.health(ALICE, true, r).unwrap() >= 0);
    }
    // De-liquidated: collateral again.
    let (x, y) = ctl.amm().get_sum_xy(ALICE).unwrap();
    assert!(x <= 4 * DUST_X);
    // One event per trade, and no liquidation.
    let events = ctl.drain_events();
    assert!(
        events
            .iter()
            .filter(|e| matches!(e, LlammaEvent::TokenExchange { .. }))
            .count()
            >= 20
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, LlammaEvent::Liquidate { .. }))
    );
    (loss, y)
}

#[test]
fn slow_walk_soft_liquidates_band_by_band_and_back() {
    // Without the static fee, the loss is the mechanism's own. It is positive: the
    // arbitrageur trades the active band from its AMM price, p_o³/p_up(k)² < p_o, up to p_o,
    // and pays at most a quarter of the discount on a band just left behind as the band fee.
    // It is bounded: band k still holds collateral at a step only if the previous oracle price
    // p_o/0.9975 was at or above its bottom 0.99·p_up(k), so p_o/p_up(k) >= 0.99·0.9975 and the
    // AMM price is at least 0.987525²·p_o = 0.97521·p_o. The arbitrageur's gain is below 2.48%
    // of the value it buys, at most 10 ETH at 1980: below 0.0248·19800 = 491.
    let (loss, y_back) = slow_walk(0);
    assert!(loss > 0, "loss {loss}");
    assert!(loss < wad(491) as i128, "loss {loss}");
    // The round trip costs collateral, at most 2.48% each way.
    assert!(y_back < wad(10) && y_back > wad(10) * 95 / 100, "{y_back}");

    // With crvUSD's 0.6% fee the quarter-band discount does not cover the fee: an arbitrageur
    // that trades to the oracle anyway pays the borrower more in fees than it gains, so the
    // borrower's "loss" is lower than without the fee (here it is a gain). A real arbitrageur
    // would wait for a larger discount.
    let (loss_fee, y_back_fee) = slow_walk(6_000_000_000_000_000);
    assert!(loss_fee < loss, "{loss_fee} vs {loss}");
    assert!(y_back_fee > y_back);
}

#[test]
fn fast_crash_below_the_bands_is_hard_liquidated_by_hand() {
    // Crash to 1800: bands 1..=4 (1980 down to 1901.98) are all collateral and the oracle is
    // below all of them; x_down converts each band at its current mid price
    // p_o³/(p_up·p_down), so health = 2.5·1800³/2000²·Σ_{k=1..4}(100/99)^(2k+1)·0.94/17500 − 1
    // = −0.167956898047739…
    let mut ctl = controller(0);
    ctl.create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    let crash = at(wad(1800), 300);
    let h = ctl.health(ALICE, false, crash).unwrap();
    assert!(
        (h + 167_956_898_047_739_088).abs() < 1_000_000,
        "health {h}"
    );
    assert_eq!(ctl.users_to_liquidate(crash).unwrap().len(), 1);
    // No arbitrage happened: the liquidator repays the whole debt, 17,500, and takes all 10 ETH
    // (withdrawing the only shares of a band returns its whole content: (y + 1)·1000y/(1000y +
    // 1000) = y). 10 ETH are worth 18,000 > 17,500: no bad debt.
    let liq = ctl.liquidate(LIQUIDATOR, ALICE, 0, crash).unwrap();
    assert_eq!(liq.debt_repaid, wad(17_500));
    assert_eq!(liq.stablecoin_from_bands, 0);
    assert_eq!(liq.collateral_to_liquidator, wad(10));
    assert_eq!(liq.liquidator_pays, wad(17_500));
    assert_eq!(liq.stablecoin_to_liquidator, 0);
    assert_eq!(liq.remaining_debt, 0);
    assert_eq!(liq.shortfall, 0);
    assert_eq!(ctl.n_loans(), 0);
    assert_eq!(ctl.redeemed(), wad(17_500));
    assert_eq!(ctl.amm().balances(), (0, 0));
    assert_eq!(
        ctl.drain_events().last(),
        Some(&LlammaEvent::Liquidate {
            liquidator: LIQUIDATOR,
            user: ALICE,
            collateral_received: wad(10),
            stablecoin_received: 0,
            debt: wad(17_500),
        })
    );

    // Crash to 1500: health = 2.5·1500³/2000²·Σ(100/99)^(2k+1)·0.94/17500 − 1 = −0.51849…; the
    // liquidator still pays 17,500 for 10 ETH worth 15,000: 2,500 of bad debt.
    let mut ctl = controller(0);
    ctl.create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    let crash = at(wad(1500), 300);
    let h = ctl.health(ALICE, true, crash).unwrap();
    assert!(
        (h + 518_493_575_259_108_269).abs() < 1_000_000,
        "health {h}"
    );
    let liq = ctl.liquidate(LIQUIDATOR, ALICE, 0, crash).unwrap();
    assert_eq!(liq.liquidator_pays, wad(17_500));
    assert_eq!(liq.collateral_to_liquidator, wad(10));
    assert_eq!(liq.shortfall, wad(2_500));

    // The same crash 60 s after the loan is seen through the limiter: 2000/1.25 = 1600.
    let mut ctl = controller(0);
    ctl.create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    assert_eq!(
        ctl.amm().price_oracle(at(wad(1500), 60)).unwrap(),
        wad(1600)
    );
    // And a healthy loan cannot be liquidated.
    assert!(matches!(
        ctl.liquidate(LIQUIDATOR, ALICE, 0, at(wad(2000), 60)),
        Err(LlammaError::NotEnoughRekt { .. })
    ));
    assert_eq!(
        ctl.liquidate(LIQUIDATOR, BOB, 0, at(wad(2000), 60)),
        Err(LlammaError::NoLoan(BOB))
    );
}

#[test]
fn partial_hard_liquidation_by_hand() {
    let mut ctl = controller(0);
    ctl.create_loan(ALICE, wad(10), wad(17_500), 4, at(wad(2000), 0))
        .unwrap();
    // Half of the loan at 1800 (health −0.168 as above). The bands give up slightly less than
    // half: f_remove = ((1 + h/2)/(1 + h)·(1 − frac) + frac)·frac with h = 0.06, frac = 0.5:
    // floor(1.03e18·0.5e18/1.06e18) = 485849056603773584, then
    // (485849056603773584 + 0.5e18)·0.5 = 492924528301886792.
    // Each band: ds = f_remove·2.5e21/1e18 = 1232311320754716980000 shares of 2.5e21 + 1000
    // (dead), so dy = floor((2.5e18 + 1)·ds/(2.5e21 + 1000)) = 1232311320754716980; four bands:
    // 4.929245283018867920 ETH for repaying 8,750.
    let liq = ctl
        .liquidate_fraction(LIQUIDATOR, ALICE, 0, WAD / 2, at(wad(1800), 300))
        .unwrap();
    assert_eq!(liq.debt_repaid, wad(8_750));
    assert_eq!(liq.liquidator_pays, wad(8_750));
    assert_eq!(liq.collateral_to_liquidator, 4_929_245_283_018_867_920);
    assert_eq!(liq.remaining_debt, wad(8_750));
    assert_eq!(
        ctl.debt(ALICE, SimTime(300_000_000_000)).unwrap(),
        wad(8_750)
    );
    assert_eq!(
        ctl.amm().get_sum_xy(ALICE).unwrap().1,
        // What the bands keep for Alice: 4 × floor((2.5e18 − dy + 1)·(2.5e21 − ds)/(2.5e21 −
        // ds + 1000)) = 4 × 1267688679245283020, exactly the rest of her 2.5 ETH per band.
        4 * 1_267_688_679_245_283_020
    );
    // The rest of the loan is healthier than before: less was taken than repaid.
    let h = ctl.health(ALICE, true, at(wad(1800), 300)).unwrap();
    assert!(h > -167_956_898_047_739_088, "health {h}");
}

#[test]
fn exchanges_conserve_both_tokens_exactly() {
    let mut ctl = controller(6_000_000_000_000_000);
    let r0 = at(wad(2000), 0);
    // Alice and Bob borrow at the same collateral ratio (same bands, shared), Carol higher up.
    ctl.create_loan(ALICE, wad(10), wad(14_000), 4, r0).unwrap();
    ctl.create_loan(BOB, wad(5), wad(7_000), 4, r0).unwrap();
    ctl.create_loan(CAROL, wad(3), wad(5_000), 6, r0).unwrap();
    // Wallets: the borrowers hold their debt, the arbitrageur starts rich in both coins.
    let (mut arb_x, mut arb_y) = (wad(1_000_000), wad(1_000));
    let users_x = wad(14_000 + 7_000 + 5_000);
    let total_x = arb_x + users_x;
    let total_y = arb_y + wad(18);
    let check = |ctl: &Controller, arb_x: u128, arb_y: u128| {
        let (bx, by) = ctl.amm().balances();
        assert_eq!(arb_x + users_x + bx, total_x, "stablecoin conserved");
        assert_eq!(arb_y + by, total_y, "collateral conserved");
        // 18-decimal tokens: the bands' accounting is the AMM's balance to the wei.
        assert_eq!(ctl.amm().band_totals(), (bx, by));
        // Users' claims never exceed the bands (the dead shares keep a little).
        let (mut cx, mut cy) = (0, 0);
        for u in [ALICE, BOB, CAROL] {
            let (x, y) = ctl.amm().get_sum_xy(u).unwrap();
            cx += x;
            cy += y;
        }
        assert!(cx <= bx && bx - cx <= 1_000_000);
        assert!(cy <= by && by - cy <= 1_000_000);
    };
    check(&ctl, arb_x, arb_y);
    let trades: [(Coin, u128, u128); 10] = [
        (Coin::Borrowed, wad(3_000), wad(1_560)),
        (Coin::Borrowed, wad(50_000), wad(1_500)),
        (Coin::Collateral, wad(2), wad(1_540)),
        (Coin::Collateral, wad(100), wad(1_700)),
        (Coin::Borrowed, wad(1), wad(1_650)),
        (Coin::Borrowed, 12_345_678_901_234_567_890, wad(1_400)),
        (Coin::Collateral, 1, wad(1_450)),
        (Coin::Collateral, wad(3), wad(1_900)),
        (Coin::Borrowed, wad(40_000), wad(1_100)),
        (Coin::Collateral, wad(30), wad(2_100)),
    ];
    let mut secs = 0;
    for (sell, amount, price) in trades {
        secs += 600;
        let bands_before = ctl.amm().band_totals();
        let out = ctl.exchange(ARB, sell, amount, 0, at(price, secs)).unwrap();
        assert!(out.in_amount <= amount);
        let bands_after = ctl.amm().band_totals();
        match sell {
            Coin::Borrowed => {
                arb_x -= out.in_amount;
                arb_y += out.out_amount;
                assert_eq!(bands_after.0, bands_before.0 + out.in_amount);
                assert_eq!(bands_after.1, bands_before.1 - out.out_amount);
            }
            Coin::Collateral => {
                arb_y -= out.in_amount;
                arb_x += out.out_amount;
                assert_eq!(bands_after.1, bands_before.1 + out.in_amount);
                assert_eq!(bands_after.0, bands_before.0 - out.out_amount);
            }
        }
        check(&ctl, arb_x, arb_y);
    }
}

#[test]
fn whole_token_units_round_in_the_amms_favour() {
    // Collateral in lots and stablecoin in quote atoms (both precisions 1e18), price in ticks.
    let p = price_from_ticks(Ticks(2000)).unwrap();
    assert_eq!(p, wad(2000));
    assert_eq!(price_from_ticks(Ticks(0)), None);
    let prm = LlammaParams {
        collateral_precision: WAD,
        borrowed_precision: WAD,
        ..LlammaParams::new(100, p, 6_000_000_000_000_000)
    };
    let mut ctl = Controller::new(prm, discounts(), at(p, 0)).unwrap();
    // 10,000 lots against 14,000,000 quote atoms.
    ctl.create_loan(ALICE, 10_000, 14_000_000, 4, at(p, 0))
        .unwrap();
    let (mut arb_x, mut arb_y) = (100_000_000u128, 100_000u128);
    let mut secs = 0;
    for (sell, amount, price) in [
        (Coin::Borrowed, 3_000_000, 1_560),
        (Coin::Borrowed, 9_000_000, 1_530),
        (Coin::Collateral, 1_234, 1_545),
        (Coin::Collateral, 20_000, 1_800),
    ] {
        secs += 600;
        let out = ctl
            .exchange(ARB, sell, amount, 0, at(wad(price), secs))
            .unwrap();
        match sell {
            Coin::Borrowed => {
                arb_x -= out.in_amount;
                arb_y += out.out_amount;
            }
            Coin::Collateral => {
                arb_y -= out.in_amount;
                arb_x += out.out_amount;
            }
        }
        let (bx, by) = ctl.amm().balances();
        assert_eq!(arb_x + bx, 100_000_000, "quote atoms conserved");
        assert_eq!(arb_y + by, 110_000, "lots conserved");
        // Inputs round up and outputs down to whole units: the bands never account for more
        // than the AMM holds.
        let (tx, ty) = ctl.amm().band_totals();
        assert!(tx <= bx * WAD && ty <= by * WAD);
    }
}

#[test]
fn comparison_on_a_hand_made_path() {
    let setup = ComparisonSetup {
        llamma: params(6_000_000_000_000_000),
        controller: discounts(),
        n_bands: 4,
        aave: AaveStyle {
            liquidation_threshold: 830_000_000_000_000_000,
            liquidation_bonus: 1_050_000_000_000_000_000,
            close_factor: 500_000_000_000_000_000,
        },
        collateral: wad(10),
        debt: wad(14_000),
        step: SimDuration::from_secs(600),
    };
    // A V: down through the LLAMMA bands in three steps, then straight back up to 1800.
    let path: Vec<u128> = [2000, 1800, 1650, 1560, 1530, 1500, 1450, 1800]
        .iter()
        .map(|&p| wad(p))
        .collect();
    let c = compare(&setup, &path).unwrap();
    assert_eq!(c.steps.len(), path.len());

    // Aave-style, by hand (LT 0.83, bonus 5%, close factor 50%):
    // 2000: HF = 10·2000·0.83/14000 = 1.186; 1800: 1.067: nothing.
    // 1650: HF = 16500·0.83/14000 = 0.978 → repay 7000, seize 7000·1.05/1650 = 4.454545454545454545
    //       ETH (rounded down), loss 4.454545454545454545·1650 − 7000 = 349.99999999999999925;
    //       left 5.545454545454545455 ETH, 7000 debt, HF = 9150.00…075·0.83/7000 = 1.0849.
    // 1560: HF = 8650.9·0.83/7000 = 1.026; 1530: 8484.5·0.83/7000 = 1.006: nothing.
    // 1500: HF = 8318.2·0.83/7000 = 0.986 → repay 3500, seize 3675/1500 = 2.45 ETH exactly,
    //       loss 175; left 3.095454545454545455 ETH, HF = 4643.2·0.83/3500 = 1.101.
    // 1450: HF = 4488.4·0.83/3500 = 1.064; 1800: 1.321.
    let sold: Vec<u128> = c.steps.iter().map(|s| s.aave_sold).collect();
    assert_eq!(
        sold,
        vec![
            0,
            0,
            4_454_545_454_545_454_545,
            0,
            0,
            2_450_000_000_000_000_000,
            0,
            0
        ]
    );
    assert_eq!(c.steps[2].aave_repaid, wad(7000));
    assert_eq!(c.steps[5].aave_repaid, wad(3500));
    assert_eq!(c.aave_loss, 349_999_999_999_999_999_250 + wad(175) as i128);
    assert_eq!(c.aave_bad_debt, 0);
    // Final equity at 1800: 3.095454545454545455·1800 − 3500 = 2071.818181818181819.
    assert_eq!(c.aave_final_equity, 2_071_818_181_818_181_819_000);

    // LLAMMA: debt 14,000 puts the bands at n1 = floor(ln(8.91947·2000/14000)/ln(100/99)) =
    // floor(24.11) = 24, i.e. from p_up(24) = 2000·0.99^24 = 1571.35 down to
    // p_down(27) = 2000·0.99^28 = 1509.43. Nothing sells until the oracle enters band 24.
    for s in &c.steps[..3] {
        assert_eq!((s.llamma_sold, s.llamma_bought), (0, 0));
    }
    // 1560 is inside band 24 (down to p_up(25) = 1555.64): part of its 2.5 ETH sells.
    assert!(c.steps[3].llamma_sold > 0 && c.steps[3].llamma_sold < wad(5) / 2);
    // 1530 is inside band 26 (1540.08..1524.68): bands 24 and 25 are gone, 26 in part.
    let to_1530 = c.steps[3].llamma_sold + c.steps[4].llamma_sold;
    assert!(to_1530 > wad(5) && to_1530 < wad(15) / 2);
    // 1500 is below every band: all 10 ETH are sold, less the last band's dust. The bands now
    // hold X stablecoin: each ETH sold at an AMM price between p_o³/p_up(k)² (lowest
    // 1500³/1540.08² = 1423.0) and p_o <= 1560, plus fees of at most 0.82% (the band fee
    // (1 − (p_o/p_down)²)/4 is largest for band 24 at 1530), so 14,230 < X < 15,729.
    let to_1500 = to_1530 + c.steps[5].llamma_sold;
    assert!(to_1500 <= wad(10) && to_1500 >= wad(10) - DUST);
    // Still healthy: x_down = X > 14,230 and 14,230·0.94/14,000 − 1 = −0.045… is not enough to
    // tell; the health reported is the contract's, and it is not negative on the way down.
    for s in &c.steps[..7] {
        assert!(s.llamma_hard_liquidation.is_none() && s.llamma_health.unwrap() >= 0);
    }
    // At 1450 at most the last band's dust trades.
    assert!(c.steps[6].llamma_sold <= DUST && c.steps[6].llamma_bought == 0);
    // 1800 is far above every band: each band buys collateral with its X_k at AMM prices
    // between 1800³/p_up(24)² = 2362.1 and 1800³/p_down(27)² = 2559.8, and the band fee
    // (p_c_d − p_o)/(4·p_c_d), between 5.95% and 7.06%, is paid in extra collateral. So the
    // arbitrageur sells back between 14,230/2559.8 = 5.56 and 15,729/2362.1/(1 − 0.0706) =
    // 7.17 ETH: buy pressure on the market, and a heavy loss for the borrower.
    let back = c.steps[7].llamma_bought;
    assert!(back > wad(556) / 100 && back < wad(717) / 100, "{back}");
    // The loan is now under water: health <= x_down·0.94/14000 − 1 + (1800 − 1571.35)·y/14000
    // with x_down <= y·p_up(24)/sqrt(100/99) = 1563.5·y and y <= 7.17:
    // 11,210·0.94/14,000 − 1 + 0.117 = −0.13 < 0. It is hard-liquidated: the liquidator takes
    // the collateral just bought back and pays the debt, 14,000, for at most 7.17·1800 =
    // 12,906: bad debt between 14,000 − 12,906 = 1,094 and 14,000 − 5.56·1800 = 3,992.
    let liq = c.steps[7]
        .llamma_hard_liquidation
        .expect("hard liquidation at 1800");
    assert_eq!(liq.debt_repaid, wad(14_000));
    assert!(liq.collateral_to_liquidator.abs_diff(back) <= DUST);
    assert_eq!(c.steps[7].llamma_sold, liq.collateral_to_liquidator);
    assert_eq!(c.steps[7].llamma_health, None);
    assert!(c.llamma_bad_debt > wad(1094) && c.llamma_bad_debt < wad(3992));
    assert_eq!(c.llamma_final_equity, 0);
    // The borrower lost everything. Its equity x + y·p − debt starts at 10·2000 − 14,000 =
    // 6,000, changes by y·Δp between steps (never positive here: the collateral is held only
    // while the price falls, and only dust of it through the rebound) and by minus the
    // arbitrageur's gain at each trade, and ends at minus the bad debt. So the loss (the sum of
    // the gains) is at most 6,000 plus the bad debt, below 6,000 + 3,992.
    assert!(c.llamma_loss > 0 && c.llamma_loss < wad(6000 + 3992) as i128);
}

#[test]
fn bad_input_is_refused_without_panicking() {
    let r = at(wad(2000), 0);
    assert!(matches!(
        Llamma::new(LlammaParams::new(1, wad(2000), 0), r),
        Err(LlammaError::InvalidParameter(_))
    ));
    assert!(matches!(
        Llamma::new(LlammaParams::new(100, 0, 0), r),
        Err(LlammaError::InvalidParameter(_))
    ));
    assert!(matches!(
        Llamma::new(LlammaParams::new(100, wad(2000), WAD), r),
        Err(LlammaError::InvalidParameter(_))
    ));
    assert_eq!(
        Llamma::new(params(0), at(0, 0)).err(),
        Some(LlammaError::ZeroOraclePrice)
    );
    assert!(matches!(
        Controller::new(
            params(0),
            ControllerParams {
                loan_discount: 1,
                liquidation_discount: 2
            },
            r
        ),
        Err(LlammaError::InvalidParameter(_))
    ));
    let mut amm = Llamma::new(params(0), r).unwrap();
    assert_eq!(
        amm.price_oracle(at(0, 5)),
        Err(LlammaError::ZeroOraclePrice)
    );
    assert_eq!(
        amm.deposit_range(ALICE, wad(1), 3, 2),
        Err(LlammaError::EmptyBandRange { n1: 3, n2: 2 })
    );
    assert!(matches!(
        amm.deposit_range(ALICE, wad(100), 1, 51),
        Err(LlammaError::BandCount { n: 51, .. })
    ));
    assert_eq!(
        amm.deposit_range(ALICE, wad(1), i64::MIN, i64::MAX),
        Err(LlammaError::BandOutOfRange(i64::MIN))
    );
    assert_eq!(
        amm.deposit_range(ALICE, 400, 1, 4),
        Err(LlammaError::AmountTooLow)
    );
    amm.deposit_range(ALICE, wad(4), 1, 4).unwrap();
    assert_eq!(
        amm.deposit_range(ALICE, wad(4), 5, 8),
        Err(LlammaError::UserHasLiquidity(ALICE))
    );
    // Stablecoin in band 1 blocks deposits reaching it.
    amm.exchange(ARB, Coin::Borrowed, wad(100), 0, at(wad(1975), 300))
        .unwrap();
    assert_eq!(
        amm.deposit_range(BOB, wad(4), 1, 4),
        Err(LlammaError::DepositBelowCurrentBand)
    );
    assert_eq!(amm.withdraw(BOB, WAD), Err(LlammaError::NoDeposits(BOB)));
    assert_eq!(
        amm.withdraw(ALICE, WAD + 1),
        Err(LlammaError::FractionTooLarge(WAD + 1))
    );
    // A huge order takes only what the bands hold.
    let out = amm
        .exchange(ARB, Coin::Borrowed, u128::MAX, 0, at(wad(1975), 400))
        .unwrap();
    assert!(out.in_amount < u128::MAX && out.out_amount <= wad(4));
    assert_eq!(amm.get_sum_xy(ALICE).unwrap().1, 0);
    assert_eq!(
        amm.deposit_range(BOB, wad(4), i64::MAX - 3, i64::MAX),
        Err(LlammaError::BandOutOfRange(i64::MAX - 3))
    );
    // Withdrawing everything returns the deposit's contents and empties the bands.
    let mut amm = Llamma::new(params(0), r).unwrap();
    amm.deposit_range(ALICE, wad(4), 1, 4).unwrap();
    assert_eq!(amm.withdraw(ALICE, WAD).unwrap(), (0, wad(4)));
    assert_eq!(amm.band_totals(), (0, 0));
    assert!(!amm.has_liquidity(ALICE));
}

#[test]
fn extreme_inputs_never_panic() {
    let prices = [
        1u128,
        3,
        1_000_000_007,
        WAD,
        wad(2000),
        wad(1_000_000_000_000),
        u128::MAX,
    ];
    let amounts = [0u128, 1, 101, wad(1), wad(1_000_000_000), u128::MAX];
    let times = [0u64, 1, 119, 121, 1 << 40];
    for prec in [1u128, WAD] {
        for base in [1u128, wad(2000), wad(1_000_000_000_000)] {
            let prm = LlammaParams {
                collateral_precision: prec,
                borrowed_precision: prec,
                ..LlammaParams::new(2, base, 100_000_000_000_000_000)
            };
            for &p0 in &prices {
                let Ok(mut ctl) = Controller::new(prm, discounts(), at(p0, 0)) else {
                    continue;
                };
                for (i, &amount) in amounts.iter().enumerate() {
                    for &t in &times {
                        for &p in &prices {
                            let r = OracleReading::new(p, SimTime(t.saturating_mul(1_000_000_000)));
                            let user = AccountId(i as u32);
                            let _ = ctl.create_loan(user, amount, amount / 3 + 1, 4, r);
                            let _ = ctl.create_loan(user, amount, amount, 50, r);
                            let _ = ctl.calculate_debt_n1(amount, amount, 0, r);
                            let _ = ctl.calculate_debt_n1(amount, amount, 10_000, r);
                            let _ = ctl.health(user, true, r);
                            let _ = ctl.users_to_liquidate(r);
                            let _ = ctl.liquidate_fraction(LIQUIDATOR, user, 0, amount, r);
                            let _ = ctl.exchange(ARB, Coin::Borrowed, amount, 0, r);
                            let _ = ctl.exchange(ARB, Coin::Collateral, amount, 0, r);
                            let _ = ctl.arbitrage(ARB, r);
                            let _ = ctl.set_rate(amount, r.time);
                            let _ = ctl.debt(user, r.time);
                            let _ = ctl.total_debt(r.time);
                            let _ = ctl.user_state(user, r.time);
                            let _ = ctl.user_prices(user, r.time);
                            let amm = ctl.amm();
                            let _ = amm.get_p(r);
                            let _ = amm.get_amount_for_price(p, r);
                            let _ = amm.get_dxdy(Coin::Borrowed, amount, r);
                            let _ = amm.get_x_down(user, r);
                            let _ = amm.get_y_up(user, r);
                            let _ = amm.get_xy(user);
                            let _ = amm.withdraw_preview(user, amount);
                            let _ = amm.band_fee(i as i64, r);
                            let _ = amm.p_current_up(i64::MAX, r);
                            let _ = amm.p_current_down(i64::MIN, r);
                            let _ = amm.get_y0(-(i as i64), r);
                            let _ = amm.active_band_with_skip();
                            let _ = amm.can_skip_bands(i64::MIN);
                        }
                    }
                }
            }
        }
    }
    let mut amm = Llamma::new(params(0), at(wad(2000), 0)).unwrap();
    for (n1, n2) in [
        (i64::MIN, i64::MIN),
        (-(1 << 24), -(1 << 24) + 3),
        (1 << 24, 1 << 24),
    ] {
        let _ = amm.deposit_range(ALICE, wad(4), n1, n2);
    }
    let _ = amm.withdraw(ALICE, WAD);
    let _ = amm.set_rate(u128::MAX, SimTime(u64::MAX));
    let _ = amm.p_oracle_up(0, SimTime(u64::MAX));
    let _ = compare(
        &ComparisonSetup {
            llamma: params(0),
            controller: discounts(),
            n_bands: 4,
            aave: AaveStyle {
                liquidation_threshold: WAD,
                liquidation_bonus: WAD,
                close_factor: WAD,
            },
            collateral: u128::MAX,
            debt: u128::MAX / 2,
            step: SimDuration(u64::MAX),
        },
        &[u128::MAX, 1, wad(2000)],
    );
    let _ = compare(
        &ComparisonSetup {
            llamma: params(0),
            controller: discounts(),
            n_bands: 4,
            aave: AaveStyle {
                liquidation_threshold: WAD / 2,
                liquidation_bonus: 2 * WAD,
                close_factor: 1,
            },
            collateral: wad(10),
            debt: wad(10_000),
            step: SimDuration::from_secs(1),
        },
        &[wad(2000), 1, 2, wad(1_000_000), 1],
    );
}
