use super::*;
use proptest::prelude::*;

/// Quote atoms per USD in a market of 0.01 USD ticks and 0.001 ETH lots (one atom = 1e-5 USD).
const USD: u128 = 100_000;
const LLTV_86: u128 = 860_000_000_000_000_000;

/// LIF to four decimals, rounded to nearest.
fn lif4(lltv: u128) -> u128 {
    (liquidation_incentive_factor(lltv) + 50_000_000_000_000) / 100_000_000_000_000
}

/// LIF = 1 / (1 - 0.3 * (1 - LLTV)) = 1 / (0.3 * LLTV + 0.7), capped at 1.15:
/// 0.86 -> 1/0.958 = 1.04384; 0.915 -> 1/0.9745 = 1.02617; 0.945 -> 1/0.9835 = 1.01678;
/// 0.77 -> 1/0.931 = 1.07411; 0.625 -> 1/0.8875 = 1.12676. The cap binds once
/// 0.3 * LLTV + 0.7 <= 1/1.15, i.e. LLTV <= 0.5652: 0.5 gives 1/0.85 = 1.176 -> 1.15.
#[test]
fn incentive_factor_by_lltv() {
    assert_eq!(lif4(LLTV_86), 10_438);
    assert_eq!(lif4(915_000_000_000_000_000), 10_262);
    assert_eq!(lif4(945_000_000_000_000_000), 10_168);
    assert_eq!(lif4(770_000_000_000_000_000), 10_741);
    assert_eq!(lif4(625_000_000_000_000_000), 11_268);
    assert_eq!(
        liquidation_incentive_factor(500_000_000_000_000_000),
        MAX_LIQUIDATION_INCENTIVE_FACTOR
    );
    assert_eq!(
        liquidation_incentive_factor(0),
        MAX_LIQUIDATION_INCENTIVE_FACTOR
    );
    // Exactly: 0.3 * 0.14 = 0.042 exactly, so LIF = floor(1e36 / 0.958e18), rounded down.
    assert_eq!(
        liquidation_incentive_factor(LLTV_86),
        1_043_841_336_116_910_229
    );
    // LLTV 1 would give no incentive at all (refused at market creation).
    assert_eq!(liquidation_incentive_factor(WAD), WAD);
    assert_eq!(
        MorphoMarket::new(WAD),
        Err(MorphoError::MaxLltvExceeded(WAD))
    );
}

#[test]
fn shares_math_rounds_as_named() {
    // Empty market: one asset is 1e6 shares.
    assert_eq!(to_shares_down(5, 0, 0), Some(5_000_000));
    // 10 assets, 7e6 shares: 3 assets = 3 * (7e6 + 1e6) / (10 + 1) = 2,181,818.18 shares.
    assert_eq!(to_shares_down(3, 10, 7_000_000), Some(2_181_818));
    assert_eq!(to_shares_up(3, 10, 7_000_000), Some(2_181_819));
    // 2,181,818 shares = 2,181,818 * 11 / 8e6 = 2.99999975 assets.
    assert_eq!(to_assets_down(2_181_818, 10, 7_000_000), Some(2));
    assert_eq!(to_assets_up(2_181_818, 10, 7_000_000), Some(3));
    assert_eq!(w_mul_down(3, WAD / 2), Some(1));
    assert_eq!(w_div_down(1, 3 * WAD), Some(0));
    assert_eq!(w_div_up(1, 3 * WAD), Some(1));
}

/// A market with 1,000,000 USD supplied and one borrower: 10 ETH borrowing 15,000 USD at
/// 2,000 USD (max borrow 20,000 * 0.86 = 17,200 USD). The borrower owes ceil(1.5e9 * 1e6 / 1)
/// = 1.5e15 shares.
fn one_borrower() -> (MorphoMarket, MorphoPosition) {
    let mut m = MorphoMarket::new(LLTV_86).unwrap();
    assert_eq!(m.supply(1_000_000 * USD), Ok(100_000_000_000_000_000));
    let mut pos = MorphoPosition {
        borrow_shares: 0,
        collateral: Lots(10_000),
    };
    assert_eq!(
        m.borrow(&mut pos, 15_000 * USD, Ticks(200_000)),
        Ok(1_500_000_000_000_000)
    );
    (m, pos)
}

#[test]
fn health_and_trigger_price() {
    let (m, pos) = one_borrower();
    // Healthy iff 10 * p * 0.86 >= 15,000, i.e. p >= 1,744.186 USD: trigger 174,419 ticks.
    assert_eq!(m.trigger_price(&pos), Some(Ticks(174_419)));
    assert!(m.is_healthy(&pos, Ticks(174_419))); // 1,500,003,400 >= 1.5e9
    assert!(!m.is_healthy(&pos, Ticks(174_418))); // 1,499,994,800 < 1.5e9
    assert_eq!(m.trigger_price(&MorphoPosition::default()), None);
    // Borrowing past the LLTV is refused and changes nothing.
    let (mut m2, mut pos2) = (m, pos);
    assert_eq!(
        m2.borrow(&mut pos2, 2_201 * USD, Ticks(200_000)),
        Err(MorphoError::InsufficientCollateral)
    );
    assert_eq!((m2, pos2), (m, pos));
    // A healthy position cannot be liquidated.
    assert_eq!(
        m2.liquidate(&mut pos2, LiquidationInput::RepaidShares(1), Ticks(200_000)),
        Err(MorphoError::HealthyPosition)
    );
    assert_eq!(
        m2.liquidate(&mut pos2, LiquidationInput::RepaidShares(0), Ticks(100_000)),
        Err(MorphoError::InconsistentInput)
    );
}

/// At 1,700 USD (max borrow 17,000 * 0.86 = 14,620 < 15,000) a liquidator repays a third of the
/// shares, 5e14. With no interest, assets per share are exactly (1.5e9 + 1) / (1.5e15 + 1e6) =
/// 1e-6, so the shares are worth 5e8 atoms (5,000 USD) both rounded down and up.
/// Seized = wMulDown(5e8, LIF) / 1,700 USD = 521,920,668.058 -> 521,920,668 atoms, / 170,000
/// = 3,070.12 -> 3,070 lots (3.070 ETH, worth 5,219 USD for 5,000 USD repaid).
#[test]
fn liquidation_by_repaid_shares_worked_by_hand() {
    let (mut m, mut pos) = one_borrower();
    let out = m
        .liquidate(
            &mut pos,
            LiquidationInput::RepaidShares(500_000_000_000_000),
            Ticks(170_000),
        )
        .unwrap();
    assert_eq!(
        out,
        MorphoLiquidation {
            seized_assets: Lots(3_070),
            repaid_shares: 500_000_000_000_000,
            repaid_assets: 500_000_000,
            borrow_assets_repaid: 500_000_000,
            bad_debt_assets: 0,
            bad_debt_shares: 0,
            incentive_factor: 1_043_841_336_116_910_229,
        }
    );
    assert_eq!(
        pos,
        MorphoPosition {
            borrow_shares: 1_000_000_000_000_000,
            collateral: Lots(6_930),
        }
    );
    assert_eq!(m.total_borrow_assets, 1_000_000_000);
    assert_eq!(m.total_borrow_shares, 1_000_000_000_000_000);
    assert_eq!(m.total_supply_assets, 100_000_000_000);
}

/// With 1,234 atoms of interest accrued (total borrow 1,500,001,234 for 1.5e15 shares) a
/// liquidator seizes 1 ETH at 1,700 USD:
/// quoted = 1,000 * 170,000 = 1.7e8; 1.7e8 / LIF = 1.7e8 * 0.958 = 162,860,000 plus a hair
/// (LIF is rounded down), so wDivUp gives 162,860,001;
/// shares = ceil(162,860,001 * (1.5e15 + 1e6) / 1,500,001,235) = ceil(162,860,001 *
/// 999,999.17733401) = ceil(162,859,867,020,616.6) = 162,859,867,020,617;
/// repaid = ceil(162,859,867,020,617 * 1,500,001,235 / 1,500,000,001,000,000)
/// = ceil(162,860,001.0000006) = 162,860,002: rounding up twice costs the liquidator an atom.
#[test]
fn liquidation_by_seized_assets_rounds_against_the_liquidator() {
    let (mut m, mut pos) = one_borrower();
    m.accrue_interest(1_234).unwrap();
    let out = m
        .liquidate(
            &mut pos,
            LiquidationInput::SeizedAssets(Lots(1_000)),
            Ticks(170_000),
        )
        .unwrap();
    assert_eq!(out.seized_assets, Lots(1_000));
    assert_eq!(out.repaid_shares, 162_859_867_020_617);
    assert_eq!(out.repaid_assets, 162_860_002);
    assert_eq!(out.borrow_assets_repaid, 162_860_002);
    assert_eq!(m.total_borrow_assets, 1_500_001_234 - 162_860_002);
    assert_eq!(
        m.total_borrow_shares,
        1_500_000_000_000_000 - 162_859_867_020_617
    );
    assert_eq!(pos.collateral, Lots(9_000));
    assert_eq!(pos.borrow_shares, m.total_borrow_shares);
}

/// Seizing everything from a position that is only a little unhealthy asks for more shares than
/// it owes, which reverts in Morpho (an underflow); so does seizing more than it holds.
#[test]
fn over_liquidation_reverts_without_changes() {
    let (mut m, mut pos) = one_borrower();
    let before = (m, pos);
    // At 1,700 USD all 10 ETH are worth 17,000 / 1.0438 = 16,286 USD of debt > 15,000.
    assert_eq!(
        m.liquidate(
            &mut pos,
            LiquidationInput::SeizedAssets(Lots(10_000)),
            Ticks(170_000)
        ),
        Err(MorphoError::RepayExceedsDebt)
    );
    // All shares at 1,700 USD: 15,000 * 1.0438 / 1,700 = 9.21 ETH, fine; at 1,000 USD it would
    // be 15.66 ETH > 10.
    assert_eq!(
        m.liquidate(
            &mut pos,
            LiquidationInput::RepaidShares(1_500_000_000_000_000),
            Ticks(100_000)
        ),
        Err(MorphoError::SeizeExceedsCollateral)
    );
    assert_eq!((m, pos), before);
}

/// Rounding can leave more than 1e6 shares per asset of debt; repaying the last shares then
/// costs one atom more than the total borrow, which is floored at zero (`zeroFloorSub`) and the
/// atom stays in the market. 12 lots borrow 1,000 atoms at 100 ticks (max floor(1,200 * 0.86) =
/// 1,032): 1e9 shares. One atom of interest: total 1,001. At 90 ticks the position is unhealthy
/// (max floor(1,080 * 0.86) = 928 < 1,001).
/// 1) Seize 1 lot: 90 / LIF = 86.22 -> 87 (up); shares ceil(87 * (1e9 + 1e6) / 1,002) =
///    ceil(86,913,173.65) = 86,913,174; repaid ceil(86,913,174 * 1,002 / 1,001,000,000) =
///    ceil(87.0000003) = 88. Left: 913 assets for 913,086,826 shares.
/// 2) Repay all 913,086,826 shares: worth 913,086,826 * 914 / 914,086,826 = 913.000095, so 913
///    down (seizing floor(913 * 1.0438 / 90) = 10 lots) and 914 up: one more than the 913 owed.
#[test]
fn repaying_the_last_shares_floors_total_borrow_at_zero() {
    let mut m = MorphoMarket::new(LLTV_86).unwrap();
    m.supply(10_000).unwrap();
    let mut pos = MorphoPosition {
        borrow_shares: 0,
        collateral: Lots(12),
    };
    assert_eq!(m.borrow(&mut pos, 1_000, Ticks(100)), Ok(1_000_000_000));
    m.accrue_interest(1).unwrap();
    let price = Ticks(90);
    let first = m
        .liquidate(&mut pos, LiquidationInput::SeizedAssets(Lots(1)), price)
        .unwrap();
    assert_eq!(first.repaid_shares, 86_913_174);
    assert_eq!(first.repaid_assets, 88);
    assert_eq!(m.total_borrow_assets, 913);
    assert_eq!(m.total_borrow_shares, 913_086_826);
    let last = m
        .liquidate(&mut pos, LiquidationInput::RepaidShares(913_086_826), price)
        .unwrap();
    assert_eq!(last.seized_assets, Lots(10));
    assert_eq!(last.repaid_assets, 914);
    assert_eq!(last.borrow_assets_repaid, 913);
    assert_eq!(last.bad_debt_assets, 0);
    assert_eq!(m.total_borrow_assets, 0);
    assert_eq!(m.total_borrow_shares, 0);
    assert_eq!(
        pos,
        MorphoPosition {
            borrow_shares: 0,
            collateral: Lots(1)
        }
    );
}

/// Two borrowers: X has 1 ETH and borrows 1,700 USD, Y has 10 ETH and borrows 10,000 USD, at
/// 2,000 USD. At 1,500 USD X is unhealthy (1,500 * 0.86 = 1,290 < 1,700), Y is not.
/// Seizing all of X's 1 ETH: quoted 1.5e8; 1.5e8 / LIF = 1.5e8 * 0.958 = 143,700,000 plus a
/// hair -> 143,700,001 (up); the share ratio is still exactly 1e6, so X repays 143,700,001e6
/// shares worth 143,700,001 atoms. X keeps 1.7e8 - 143,700,001 = 26,299,999 atoms of debt and no
/// collateral: that is written off at once, from total borrow and from total supply.
#[test]
fn bad_debt_is_socialised_to_suppliers() {
    let mut m = MorphoMarket::new(LLTV_86).unwrap();
    let supplier_shares = m.supply(1_000_000 * USD).unwrap();
    let mut x = MorphoPosition {
        borrow_shares: 0,
        collateral: Lots(1_000),
    };
    let mut y = MorphoPosition {
        borrow_shares: 0,
        collateral: Lots(10_000),
    };
    m.borrow(&mut x, 1_700 * USD, Ticks(200_000)).unwrap();
    m.borrow(&mut y, 10_000 * USD, Ticks(200_000)).unwrap();
    assert_eq!(x.borrow_shares, 170_000_000_000_000);
    assert_eq!(y.borrow_shares, 1_000_000_000_000_000);
    let price = Ticks(150_000);
    assert!(!m.is_healthy(&x, price));
    assert!(m.is_healthy(&y, price));
    let supply_before = m.total_supply_assets;
    let out = m
        .liquidate(&mut x, LiquidationInput::SeizedAssets(Lots(1_000)), price)
        .unwrap();
    assert_eq!(out.repaid_assets, 143_700_001);
    assert_eq!(out.repaid_shares, 143_700_001_000_000);
    let remaining = 170_000_000 - 143_700_001;
    assert_eq!(remaining, 26_299_999);
    assert_eq!(out.bad_debt_assets, remaining);
    assert_eq!(out.bad_debt_shares, 26_299_999_000_000);
    assert_eq!(supply_before - m.total_supply_assets, remaining);
    assert_eq!(
        x,
        MorphoPosition {
            borrow_shares: 0,
            collateral: Lots(0)
        }
    );
    // Only Y's debt is left, exactly.
    assert_eq!(m.total_borrow_assets, 1_000_000_000);
    assert_eq!(m.total_borrow_shares, y.borrow_shares);
    assert_eq!(m.borrowed_assets(&y), Some(1_000_000_000));
    // The supplier's 1e17 shares are now worth floor(1e17 * (99,973,700,001 + 1) / (1e17 + 1e6))
    // = 99,973,700,001 atoms: the whole loss falls on suppliers.
    assert_eq!(
        m.supply_shares_to_assets(supplier_shares),
        Some(100_000_000_000 - 26_299_999)
    );
}

/// The books a liquidation touches, summed over everyone.
#[derive(Debug, Default, PartialEq, Eq)]
struct Ledger {
    /// Collateral of all positions plus the liquidator's.
    lots: u128,
    /// Loan-token cash held by the market plus the liquidator's (signed: the liquidator starts
    /// at zero and pays).
    cash: i128,
    /// Total borrow + debt repaid by liquidators + bad debt recorded.
    debt: u128,
    /// Total supply + bad debt recorded (what suppliers lost).
    supply: u128,
    /// Borrow shares of all positions minus the market's total.
    share_gap: i128,
}

struct World {
    market: MorphoMarket,
    positions: Vec<MorphoPosition>,
    market_cash: i128,
    liquidator_cash: i128,
    liquidator_lots: u128,
    repaid: u128,
    bad_debt: u128,
}

impl World {
    fn ledger(&self) -> Ledger {
        let m = &self.market;
        Ledger {
            lots: self
                .positions
                .iter()
                .map(|p| u128::from(p.collateral.0))
                .sum::<u128>()
                + self.liquidator_lots,
            cash: self.market_cash + self.liquidator_cash,
            debt: m.total_borrow_assets + self.repaid + self.bad_debt,
            supply: m.total_supply_assets + self.bad_debt,
            share_gap: self
                .positions
                .iter()
                .map(|p| p.borrow_shares as i128)
                .sum::<i128>()
                - m.total_borrow_shares as i128,
        }
    }
}

proptest! {
    /// Liquidations of any size, by seized collateral or by repaid shares, at any price after
    /// any interest, conserve everything exactly: collateral (positions + liquidator), cash
    /// (market + liquidator), debt (outstanding + repaid + bad debt), supply (outstanding + bad
    /// debt) and shares (positions = total). The protocol keeps the rounding: the cash paid in
    /// covers the debt it retires, `market cash + total borrow >= total supply` throughout.
    #[test]
    fn liquidations_conserve_every_unit(
        lltv_idx in 0usize..5,
        borrowers in prop::collection::vec((1u64..100_000, 50u128..100), 1..8),
        interest in 0u128..1_000_000_000,
        ops in prop::collection::vec(
            (0usize..8, 50_000i64..220_000, prop_oneof![1u128..1_000, Just(1_000)], any::<bool>()),
            1..30,
        ),
    ) {
        let lltv = [860, 915, 945, 770, 625][lltv_idx] * 1_000_000_000_000_000;
        let mut market = MorphoMarket::new(lltv).unwrap();
        let supplied = 1_000_000_000 * USD;
        market.supply(supplied).unwrap();
        let open = Ticks(200_000);
        let mut positions = Vec::new();
        for &(coll, pct) in &borrowers {
            let mut pos = MorphoPosition { borrow_shares: 0, collateral: Lots(coll) };
            // Borrow a share of the maximum, pct% of LLTV * value (at most 99%).
            let max = market.max_borrow(&pos, open).unwrap();
            let want = max * pct / 100;
            if want > 0 {
                market.borrow(&mut pos, want, open).unwrap();
            }
            positions.push(pos);
        }
        market.accrue_interest(interest).unwrap();
        let mut w = World {
            market,
            positions,
            // Cash in the market: what was supplied less what was lent out (interest is owed,
            // not yet paid).
            market_cash: (market.total_supply_assets - market.total_borrow_assets) as i128,
            liquidator_cash: 0,
            liquidator_lots: 0,
            repaid: 0,
            bad_debt: 0,
        };
        let start = w.ledger();
        prop_assert_eq!(start.share_gap, 0);
        for (i, price, permille, by_shares) in ops {
            let i = i % w.positions.len();
            let price = Ticks(price);
            let pos = w.positions[i];
            let input = if by_shares {
                LiquidationInput::RepaidShares(pos.borrow_shares * permille / 1_000)
            } else {
                LiquidationInput::SeizedAssets(Lots((u128::from(pos.collateral.0) * permille / 1_000) as u64))
            };
            let before = w.market;
            match w.market.liquidate(&mut w.positions[i], input, price) {
                Ok(out) => {
                    prop_assert!(out.borrow_assets_repaid <= out.repaid_assets);
                    prop_assert!(out.repaid_assets - out.borrow_assets_repaid <= 1);
                    prop_assert_eq!(out.bad_debt_assets > 0 || out.bad_debt_shares > 0,
                        w.positions[i].collateral.is_zero() && pos.borrow_shares > out.repaid_shares);
                    w.market_cash += out.repaid_assets as i128;
                    w.liquidator_cash -= out.repaid_assets as i128;
                    w.liquidator_lots += u128::from(out.seized_assets.0);
                    w.repaid += out.borrow_assets_repaid;
                    w.bad_debt += out.bad_debt_assets;
                    prop_assert_eq!(before.total_supply_assets - w.market.total_supply_assets,
                        out.bad_debt_assets);
                }
                Err(_) => {
                    prop_assert_eq!(w.market, before);
                    prop_assert_eq!(w.positions[i], pos);
                }
            }
            prop_assert_eq!(&w.ledger(), &start);
            let m = &w.market;
            prop_assert!(w.market_cash + m.total_borrow_assets as i128 >= m.total_supply_assets as i128);
        }
    }
}
