//! The toxic spiral of fixed-bonus liquidations.
//!
//! A liquidation that repays `r` of debt `D` takes collateral worth `r * (1 + bonus)` out of
//! collateral worth `V`. The collateral ratio after it, `(V - r(1 + b)) / (D - r)`, is below
//! `V / D` exactly when `V / D < 1 + b`: once an account's collateral covers less than its debt
//! plus the bonus, every partial liquidation at a fixed price leaves it worse covered, and
//! repeated liquidations drive it to bad debt instead of back to health.

use crate::aave::AaveParams;
use crate::morpho::{LiquidationInput, MorphoMarket, MorphoPosition};
use cascade_types::{Bps, Lots, Quote, Ticks};

const USD: u64 = 100_000; // quote atoms per USD (0.01 USD ticks, 0.001 ETH lots)

/// `a.0 / a.1 < b.0 / b.1`, exactly.
fn ratio_below(a: (u128, u128), b: (u128, u128)) -> bool {
    a.0 * b.1 < b.0 * a.1
}

/// 100 ETH borrowing 150,000 USD in a Morpho market with LLTV 0.86 (LIF 1.0438), opened at
/// 2,000 USD.
fn morpho_position() -> (MorphoMarket, MorphoPosition) {
    let mut m = MorphoMarket::new(860_000_000_000_000_000).unwrap();
    m.supply(10_000_000 * u128::from(USD)).unwrap();
    let mut pos = MorphoPosition {
        borrow_shares: 0,
        collateral: Lots(100_000),
    };
    m.borrow(&mut pos, 150_000 * u128::from(USD), Ticks(200_000))
        .unwrap();
    (m, pos)
}

/// Collateral value and debt of a Morpho position.
fn morpho_ratio(m: &MorphoMarket, pos: &MorphoPosition, price: Ticks) -> (u128, u128) {
    (
        u128::from(pos.collateral.0) * price.0 as u128,
        m.borrowed_assets(pos).unwrap(),
    )
}

/// At 1,530 USD the collateral covers 153,000 / 150,000 = 1.02 < 1.0438 of the debt: each
/// liquidation of a tenth of the remaining shares lowers the ratio (the first one to
/// (153,000 - 15,000 * 1.0438) / 135,000 = 1.01735), eight times running.
#[test]
fn morpho_partial_liquidations_below_one_plus_bonus_worsen_coverage() {
    let (mut m, mut pos) = morpho_position();
    let price = Ticks(153_000);
    let mut prev = morpho_ratio(&m, &pos, price);
    assert!(ratio_below(
        prev,
        (m.incentive_factor(), crate::morpho::WAD)
    ));
    for _ in 0..8 {
        let shares = pos.borrow_shares / 10;
        let out = m
            .liquidate(&mut pos, LiquidationInput::RepaidShares(shares), price)
            .unwrap();
        assert_eq!(out.bad_debt_assets, 0);
        let now = morpho_ratio(&m, &pos, price);
        assert!(
            ratio_below(now, prev),
            "coverage {now:?} did not fall below {prev:?}"
        );
        prev = now;
    }
    // Coverage only falls, so it stays below 1 / LLTV = 1.163: partial liquidations never bring
    // the position back to health.
    assert!(!m.is_healthy(&pos, price));
}

/// The other side of the threshold: at 1,720 USD the collateral covers 1.1467 of the debt, above
/// 1.0438 (yet unhealthy: 1.1467 * 0.86 = 0.986 < 1). Liquidating a hundredth of the shares at a
/// time improves coverage with every call until the position is healthy again.
#[test]
fn morpho_partial_liquidations_above_one_plus_bonus_improve_coverage() {
    let (mut m, mut pos) = morpho_position();
    let price = Ticks(172_000);
    let mut prev = morpho_ratio(&m, &pos, price);
    let mut calls = 0;
    while !m.is_healthy(&pos, price) {
        let shares = pos.borrow_shares / 100;
        m.liquidate(&mut pos, LiquidationInput::RepaidShares(shares), price)
            .unwrap();
        let now = morpho_ratio(&m, &pos, price);
        assert!(ratio_below(prev, now));
        prev = now;
        calls += 1;
    }
    assert!(calls > 1);
}

/// The same spiral under Aave v3 (WETH: LT 83%, bonus 5%, fee 10%): 100 ETH at 1,500 USD
/// against 145,000 USD covers 1.0345 < 1.05 (HF 0.8586, so no close factor). Repaying 10,000 USD
/// takes 10,000 / 1,500 = 6.6667 ETH (6,666 lots, down) * 1.05 = 6,999.3 -> 6,999 lots
/// (10,498.50 USD): coverage (150,000 - 10,498.5) / 135,000 = 1.0333, and down again with every
/// call.
#[test]
fn aave_partial_liquidations_below_one_plus_bonus_worsen_coverage() {
    let params = AaveParams {
        liquidation_threshold: Bps(8300),
        liquidation_bonus: Bps(10500),
        protocol_fee: Bps(1000),
        close_factor: Bps(5000),
        close_factor_min_base: Quote(2_000 * USD),
        min_leftover_base: Quote(1_000 * USD),
        full_close_below_hf: crate::aave::CLOSE_FACTOR_HF_THRESHOLD,
    };
    let price = Ticks(150_000);
    let (mut coll, mut debt) = (Lots(100_000), Quote(145_000 * USD));
    let ratio = |c: Lots, d: Quote| (u128::from(c.0) * price.0 as u128, u128::from(d.0));
    let mut prev = ratio(coll, debt);
    for step in 0..8 {
        let out = params
            .liquidation_call(coll, debt, Quote(10_000 * USD), price)
            .unwrap();
        if step == 0 {
            assert_eq!(out.collateral_seized(), Lots(6_999));
        }
        assert_eq!(out.deficit, Quote(0));
        coll = coll.minus(out.collateral_seized());
        debt = debt.minus(out.debt_repaid);
        let now = ratio(coll, debt);
        assert!(ratio_below(now, prev));
        prev = now;
    }
}
