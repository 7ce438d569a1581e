use super::*;
use crate::LendingMarket;
use crate::aave::{AaveParams, CLOSE_FACTOR_HF_THRESHOLD};
use crate::compound::CometParams;
use crate::morpho::{LiquidationInput, MorphoMarket, MorphoPosition, VIRTUAL_SHARES};
use cascade_types::{AccountId, Bps};
use proptest::prelude::*;

/// Quote atoms per USD in a market of 0.01 USD ticks and 0.001 ETH lots (one atom = 1e-5 USD).
const USD: u64 = 100_000;
const LLTV_86: u128 = 860_000_000_000_000_000;

fn acct(lots: u64, debt: u64) -> Account {
    Account {
        collateral: Lots(lots),
        debt: Quote(debt),
    }
}

fn aave() -> AaveParams {
    AaveParams {
        liquidation_threshold: Bps(8300),
        liquidation_bonus: Bps(10500),
        protocol_fee: Bps(1000),
        close_factor: Bps(5000),
        close_factor_min_base: Quote(2_000 * USD),
        min_leftover_base: Quote(1_000 * USD),
        full_close_below_hf: CLOSE_FACTOR_HF_THRESHOLD,
    }
}

fn morpho() -> Morpho {
    Morpho::new(LLTV_86).unwrap()
}

/// cUSDCv3's WETH (liquidate CF 0.895, liquidation factor 0.95, store-front factor 0.5: a
/// 2.5% discount), target reserves 5M USD, starting reserves `reserves_usd`.
fn compound(reserves_usd: i128) -> Compound {
    Compound {
        params: CometParams::mainnet_weth(Quote(5_000_000 * USD)),
        initial_reserves: SignedQuote(reserves_usd * i128::from(USD)),
    }
}

/// Aave through the trait is Aave: the outcome of the market's worked example
/// (`aave::tests::a_liquidation_worked_by_hand`) mapped field by field.
#[test]
fn aave_maps_its_outcome_field_by_field() {
    let a = acct(10_000, 15_000 * USD);
    let books = ProtocolBooks::default();
    let out = aave()
        .liquidate(&a, Quote(u64::MAX), Ticks(180_000), &books)
        .unwrap();
    assert_eq!(
        out,
        Liquidation {
            hf_before: 996_000_000_000_000_000,
            debt_cleared: Quote(7_500 * USD),
            collateral_seized: Lots(4_374),
            debt_repaid: Quote(7_500 * USD),
            collateral_to_liquidator: Lots(4_353),
            bad_debt: Quote(0),
            reserves_change: SignedQuote::ZERO,
            borrower_credit: Quote(0),
        }
    );
    assert_eq!(out.collateral_to_protocol(), 21);
    assert!(out.is_balanced());
    assert_eq!(
        LiquidationMechanism::max_repayable(&aave(), &a, Ticks(180_000), &books),
        Quote(7_500 * USD)
    );
    assert_eq!(aave().name(), "aave-v3");
}

/// Morpho Blue (LLTV 0.86, LIF = 1 / (0.3 * 0.86 + 0.7) = 1 / 0.958 = 1.0438413...) through a
/// market of two accounts, by hand:
///
/// - account 0: 10 ETH owing 15,000 USD. Healthy while 10 * p * 0.86 >= 15,000, i.e. from
///   1,744.186 USD: trigger 174,419 ticks. At 1,700 USD its HF is 14,620 / 15,000 = 0.97466.
///   Seizing all 10 ETH would repay 17,000 / 1.0438 = 16,286 USD > 15,000, so the whole debt
///   may be repaid. A liquidator repays 5,000 USD: it receives 5,000 * 1.0438413 / 1,700 =
///   3.07012 ETH, 3,070 lots (down). The account keeps 6,930 lots and 10,000 USD of debt,
///   trigger ceil(10,000 / (6.93 * 0.86)) = ceil(1,677.9087) USD = 167,791 ticks.
/// - account 1: 1 ETH owing 1,700 USD. At 1,500 USD, repaying all of it would seize
///   1,700 * 1.0438 / 1,500 = 1.183 ETH > 1 ETH, so the liquidator seizes all 1,000 lots and
///   repays 1,500 / 1.0438413 = 1,500 * 0.958 = 1,437.00000 USD plus a hair (LIF is rounded
///   down), i.e. 143,700,001 atoms (up). The other 1,700 - 1,437.00001 = 262.99999 USD are bad
///   debt, socialised at once: the account ends with nothing.
#[test]
fn a_morpho_liquidation_worked_by_hand() {
    let mut m = LendingMarket::new(
        morpho(),
        vec![acct(10_000, 15_000 * USD), acct(1_000, 1_700 * USD)],
    );
    assert_eq!(m.mechanism().name(), "morpho-blue");
    assert_eq!(
        m.mechanism().bad_debt_treatment(),
        "socialised to suppliers"
    );
    assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(174_419)));
    let p = Ticks(170_000);
    assert_eq!(m.health_factor(AccountId(0), p), 974_666_666_666_666_666);
    assert_eq!(m.max_repayable(AccountId(0), p), Quote(15_000 * USD));
    let out = m.liquidate(AccountId(0), Quote(5_000 * USD), p).unwrap();
    assert_eq!(
        out,
        Liquidation {
            hf_before: 974_666_666_666_666_666,
            debt_cleared: Quote(5_000 * USD),
            collateral_seized: Lots(3_070),
            debt_repaid: Quote(5_000 * USD),
            collateral_to_liquidator: Lots(3_070),
            bad_debt: Quote(0),
            reserves_change: SignedQuote::ZERO,
            borrower_credit: Quote(0),
        }
    );
    assert_eq!(m.account(AccountId(0)), acct(6_930, 10_000 * USD));
    assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(167_791)));

    let p = Ticks(150_000);
    assert_eq!(m.max_repayable(AccountId(1), p), Quote(143_700_001));
    let out = m.liquidate(AccountId(1), Quote(1_700 * USD), p).unwrap();
    assert_eq!(out.collateral_seized, Lots(1_000));
    assert_eq!(out.collateral_to_liquidator, Lots(1_000));
    assert_eq!(out.debt_repaid, Quote(143_700_001));
    assert_eq!(out.bad_debt, Quote(26_299_999));
    assert_eq!(out.debt_cleared, Quote(1_700 * USD));
    assert_eq!(m.account(AccountId(1)), acct(0, 0));
    assert_eq!(m.index().trigger(AccountId(1)), None);
    let t = m.totals();
    assert_eq!(t.bad_debt, Quote(26_299_999));
    assert_eq!(t.debt_repaid, Quote(500_000_000 + 143_700_001));
    assert_eq!(t.protocol_collateral, Lots(0));
}

/// Compound III (cUSDCv3 WETH: liquidate CF 0.895, liquidation factor 0.95, store-front
/// discount 0.5 * 5% = 2.5%), reserves 1M USD against a 5M USD target, at 1,600 USD, by hand:
///
/// - account 0: 10 ETH owing 15,000 USD, liquidatable below 15,000 / (10 * 0.895) =
///   1,675.977 USD (trigger 167,598 ticks); at 1,600 USD its HF is 14,320 / 15,000 = 0.95466.
///   Absorb: credit 16,000 * 0.95 = 15,200 USD, 200 USD more than the debt, credited to the
///   borrower; reserves pay 15,200 USD (1,000,000 -> 984,800), still below the target, so the
///   stock (10 ETH) is for sale at 1,600 * 0.975 = 1,560 USD per ETH: 15,600 USD for all of
///   it. The liquidator pays 7,800 USD for 5 ETH; reserves 992,600 USD; the protocol keeps
///   5 ETH. Reserves changed by 7,800 - 15,200 = -7,400 USD.
/// - account 1: 1 ETH owing 1,550 USD (HF 1,432 / 1,550 = 0.9239). Absorb: credit 1,520 USD,
///   30 USD short, carried by the reserves, which pay the whole 1,550 USD (991,050). The stock
///   is now 6 ETH, 9,360 USD at 1,560: the liquidator buys all of it, 5 ETH more than this
///   account held. Reserves 1,000,410 USD, a change of 9,360 - 1,550 = +7,810 USD; nothing
///   is written off.
#[test]
fn a_compound_liquidation_worked_by_hand() {
    let mut m = LendingMarket::new(
        compound(1_000_000),
        vec![acct(10_000, 15_000 * USD), acct(1_000, 1_550 * USD)],
    );
    let usd = |v: i128| SignedQuote(v * i128::from(USD));
    assert_eq!(m.books().reserves, usd(1_000_000));
    assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(167_598)));
    let p = Ticks(160_000);
    assert_eq!(m.health_factor(AccountId(0), p), 954_666_666_666_666_666);
    assert_eq!(m.max_repayable(AccountId(0), p), Quote(15_600 * USD));
    let out = m.liquidate(AccountId(0), Quote(7_800 * USD), p).unwrap();
    assert_eq!(
        out,
        Liquidation {
            hf_before: 954_666_666_666_666_666,
            debt_cleared: Quote(15_000 * USD),
            collateral_seized: Lots(10_000),
            debt_repaid: Quote(7_800 * USD),
            collateral_to_liquidator: Lots(5_000),
            bad_debt: Quote(0),
            reserves_change: usd(-7_400),
            borrower_credit: Quote(200 * USD),
        }
    );
    assert_eq!(m.books().reserves, usd(992_600));
    assert_eq!(m.books().collateral, Lots(5_000));
    assert_eq!(m.account(AccountId(0)), acct(0, 0));
    assert_eq!(m.index().trigger(AccountId(0)), None);

    assert_eq!(m.max_repayable(AccountId(1), p), Quote(9_360 * USD));
    let out = m.liquidate(AccountId(1), Quote(u64::MAX), p).unwrap();
    assert_eq!(out.debt_cleared, Quote(1_550 * USD));
    assert_eq!(out.collateral_seized, Lots(1_000));
    assert_eq!(out.collateral_to_liquidator, Lots(6_000));
    assert_eq!(out.collateral_to_protocol(), -5_000);
    assert_eq!(out.debt_repaid, Quote(9_360 * USD));
    assert_eq!(out.reserves_change, usd(7_810));
    assert_eq!(out.borrower_credit, Quote(0));
    assert_eq!(out.bad_debt, Quote(0));
    assert_eq!(m.books().reserves, usd(1_000_410));
    assert_eq!(m.books().collateral, Lots(0));
    let t = m.totals();
    assert_eq!(t.reserves_change, usd(410));
    assert_eq!(t.borrower_credit, Quote(200 * USD));
    assert_eq!(t.debt_repaid, Quote(17_160 * USD));
    assert_eq!(t.debt_cleared, Quote(16_550 * USD));
}

/// With reserves at or above the target after the absorption, the store front is closed: the
/// call only absorbs, and a liquidator can pay nothing. From zero reserves they go negative.
#[test]
fn compound_store_front_closes_at_the_target_and_reserves_may_go_negative() {
    let a = acct(10_000, 15_000 * USD);
    let p = Ticks(160_000);
    let rich = compound(6_000_000);
    let books = ProtocolBooks {
        reserves: rich.initial_reserves(),
        collateral: Lots(0),
    };
    // 6,000,000 - 15,200 USD is still above 5M.
    assert_eq!(rich.max_repayable(&a, p, &books), Quote(0));
    let out = rich.liquidate(&a, Quote(7_800 * USD), p, &books).unwrap();
    assert_eq!(out.debt_repaid, Quote(0));
    assert_eq!(out.collateral_to_liquidator, Lots(0));
    assert_eq!(out.collateral_to_protocol(), 10_000);
    assert_eq!(out.reserves_change, SignedQuote(-15_200 * i128::from(USD)));

    let mut m = LendingMarket::new(compound(0), vec![a]);
    m.liquidate(AccountId(0), Quote(0), p).unwrap();
    assert_eq!(m.books().reserves, SignedQuote(-15_200 * i128::from(USD)));
    assert_eq!(m.books().collateral, Lots(10_000));
    // A healthy account is refused with the common error.
    let healthy = acct(10_000, 10_000 * USD);
    assert!(matches!(
        compound(0).liquidate(&healthy, Quote(USD), p, &ProtocolBooks::default()),
        Err(LiquidationError::Healthy(_))
    ));
}

/// The per-account view of Morpho gives exactly what a whole Morpho market holding every
/// position gives (same seized collateral, repayment, bad debt, and shares of exactly
/// `debt * 1e6`), through partial, full and bad-debt liquidations at falling prices.
#[test]
fn matches_a_whole_morpho_market() {
    let open = Ticks(200_000);
    let specs = [
        (10_000u64, 15_000 * USD),
        (1_000, 1_700 * USD),
        (3_333, 5_555 * USD),
        (777, 1_234 * USD + 56),
        (50_000, 80_000 * USD + 1),
    ];
    let mut whole = MorphoMarket::new(LLTV_86).unwrap();
    whole.supply(10_000_000 * u128::from(USD)).unwrap();
    let mut positions: Vec<MorphoPosition> = Vec::new();
    for &(c, d) in &specs {
        let mut pos = MorphoPosition {
            borrow_shares: 0,
            collateral: Lots(c),
        };
        whole.borrow(&mut pos, u128::from(d), open).unwrap();
        positions.push(pos);
    }
    let mut m = LendingMarket::new(morpho(), specs.iter().map(|&(c, d)| acct(c, d)).collect());
    let mut calls = 0;
    for (step, price) in [170_000, 160_000, 150_000, 130_000, 100_000]
        .into_iter()
        .enumerate()
    {
        let price = Ticks(price);
        let ids: Vec<AccountId> = m.index().liquidatable_at(price).collect();
        for id in ids {
            let i = id.index();
            let a = m.account(id);
            // Cover a third, then half, then everything of what may be repaid.
            let max = m.max_repayable(id, price);
            let cover = Quote(max.0 / [3, 2, 1, 1, 1][step]);
            let out = m.liquidate(id, cover, price).unwrap();
            let cover = cover.min(a.debt);
            let shares = LiquidationInput::RepaidShares(u128::from(cover.0) * VIRTUAL_SHARES);
            let pos = &mut positions[i];
            let w = match whole.preview_liquidate(pos, shares, price) {
                Err(crate::morpho::MorphoError::SeizeExceedsCollateral) => {
                    whole.liquidate(pos, LiquidationInput::SeizedAssets(pos.collateral), price)
                }
                _ => whole.liquidate(pos, shares, price),
            }
            .unwrap();
            assert_eq!(out.collateral_seized, w.seized_assets);
            assert_eq!(u128::from(out.debt_repaid.0), w.repaid_assets);
            assert_eq!(u128::from(out.bad_debt.0), w.bad_debt_assets);
            let now = m.account(id);
            assert_eq!(now.collateral, pos.collateral);
            assert_eq!(u128::from(now.debt.0) * VIRTUAL_SHARES, pos.borrow_shares);
            calls += 1;
        }
    }
    assert!(calls >= 8, "{calls} liquidations");
    assert!(m.totals().bad_debt.0 > 0, "some went bad");
    assert_eq!(
        u128::from(m.total_debt() as u64),
        whole.total_borrow_assets,
        "the whole market owes what the accounts owe"
    );
}

/// A rule that tightens its threshold once the price has fallen below a level, as a risk
/// steward might: 83% LT above 1,500 USD, 75% after.
#[derive(Clone, Debug)]
struct RiskOff {
    params: AaveParams,
    tightened: bool,
}

impl LiquidationMechanism for RiskOff {
    fn name(&self) -> &str {
        "risk-off"
    }
    fn health_factor(&self, a: &Account, price: Ticks) -> u128 {
        LiquidationMechanism::health_factor(&self.params, a, price)
    }
    fn max_repayable(&self, a: &Account, price: Ticks, b: &ProtocolBooks) -> Quote {
        LiquidationMechanism::max_repayable(&self.params, a, price, b)
    }
    fn liquidate(
        &self,
        a: &Account,
        cover: Quote,
        price: Ticks,
        b: &ProtocolBooks,
    ) -> Result<Liquidation, LiquidationError> {
        LiquidationMechanism::liquidate(&self.params, a, cover, price, b)
    }
    fn on_oracle_price(&mut self, _: SimTime, price: Ticks) -> bool {
        if self.tightened || price.0 >= 150_000 {
            return false;
        }
        self.tightened = true;
        self.params.liquidation_threshold = Bps(7500);
        true
    }
}

/// The adaptive hook re-keys the index, and the default trigger search finds the same
/// trigger as Aave's closed form.
#[test]
fn an_adaptive_rule_rekeys_the_index() {
    // 10 ETH owing 12,000 USD: liquidatable below 12,000 / 8.3 = 1,445.78 USD at 83%,
    // below 1,600 USD at 75%.
    let mut m = LendingMarket::new(
        RiskOff {
            params: aave(),
            tightened: false,
        },
        vec![acct(10_000, 12_000 * USD)],
    );
    assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(144_579)));
    assert!(!m.on_oracle_price(SimTime(1), Ticks(155_000)));
    assert!(!m.index().any_liquidatable_at(Ticks(149_000)));
    assert!(m.on_oracle_price(SimTime(2), Ticks(149_000)));
    assert_eq!(m.index().trigger(AccountId(0)), Some(Ticks(160_000)));
    assert!(m.index().any_liquidatable_at(Ticks(149_000)));
    assert!(m.is_liquidatable(AccountId(0), Ticks(149_000)));
    // Equality of configurations goes by type and parameters.
    let a: Box<dyn LiquidationMechanism> = Box::new(aave());
    let b: Box<dyn LiquidationMechanism> = Box::new(aave());
    let c: Box<dyn LiquidationMechanism> = Box::new(morpho());
    assert!(a == b && a != c);
    assert!(a.clone() == a);
}

/// A mechanism whose outcome does not balance is a bug, stopped before it reaches the books.
#[test]
#[should_panic(expected = "unbalanced")]
fn an_unbalanced_outcome_panics() {
    #[derive(Clone, Debug)]
    struct Leaky;
    impl LiquidationMechanism for Leaky {
        fn name(&self) -> &str {
            "leaky"
        }
        fn health_factor(&self, _: &Account, _: Ticks) -> u128 {
            0
        }
        fn max_repayable(&self, a: &Account, _: Ticks, _: &ProtocolBooks) -> Quote {
            a.debt
        }
        fn liquidate(
            &self,
            a: &Account,
            cover: Quote,
            _: Ticks,
            _: &ProtocolBooks,
        ) -> Result<Liquidation, LiquidationError> {
            Ok(Liquidation {
                hf_before: 0,
                debt_cleared: a.debt, // all of it, for a partial payment
                collateral_seized: Lots(0),
                debt_repaid: cover,
                collateral_to_liquidator: Lots(0),
                bad_debt: Quote(0),
                reserves_change: SignedQuote::ZERO,
                borrower_credit: Quote(0),
            })
        }
    }
    let mut m = LendingMarket::new(Leaky, vec![acct(1, 100)]);
    let _ = m.liquidate(AccountId(0), Quote(10), Ticks(1));
}

/// The books of a market and its liquidators, summed.
#[derive(Debug, PartialEq, Eq)]
struct Ledger {
    /// Collateral in accounts, with liquidators and with the protocol.
    lots: u128,
    /// Liquidators' cash - debt outstanding + reserves + credit to borrowers - bad debt
    /// recorded: what each party holds or is owed, which no liquidation changes.
    quote: i128,
}

fn mechanisms() -> Vec<Box<dyn LiquidationMechanism>> {
    vec![
        Box::new(aave()),
        Box::new(morpho()),
        Box::new(compound(1_000_000)),
        Box::new(compound(0)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// For every mechanism, after every liquidation of any size at any falling price path:
    /// collateral (accounts + liquidators + protocol) and value (liquidators' cash - debt
    /// outstanding + reserves + borrower credit - bad debt) are exactly unchanged, the outcomes
    /// add up to the market's totals, and the index holds each account's trigger.
    #[test]
    fn every_liquidation_conserves_collateral_and_value(
        which in 0usize..4,
        accounts in prop::collection::vec((1u64..50_000, 1.05f64..1.6), 1..12),
        steps in prop::collection::vec((1_000i64..30_000, 1u64..=4), 1..8),
    ) {
        let mech = mechanisms().swap_remove(which);
        let open = Ticks(200_000);
        // Debt for the drawn health factor at the opening price, as scenarios build it.
        let accts: Vec<Account> = accounts
            .iter()
            .map(|&(c, hf)| {
                let weighted = (c as f64) * 200_000.0 * 0.83;
                acct(c, (weighted / hf) as u64)
            })
            .collect();
        let mut m = LendingMarket::with_mechanism(mech, accts);
        let ledger = |m: &LendingMarket, cash: i128, lots: u128, credit: i128, bad: i128| Ledger {
            lots: m.total_collateral() + lots + u128::from(m.books().collateral.0),
            quote: cash - m.total_debt() as i128 + m.books().reserves.0 + credit - bad,
        };
        let (mut cash, mut lots, mut credit, mut bad) = (0i128, 0u128, 0i128, 0i128);
        let start = ledger(&m, cash, lots, credit, bad);
        let mut price = open;
        for (drop, divisor) in steps {
            price = Ticks((price.0 - drop).max(10_000));
            let ids: Vec<AccountId> = m.index().liquidatable_at(price).collect();
            for id in ids {
                let cover = Quote(m.max_repayable(id, price).0 / divisor);
                let before = m.totals();
                let Ok(out) = m.liquidate(id, cover, price) else { continue };
                cash -= i128::from(out.debt_repaid.0);
                lots += u128::from(out.collateral_to_liquidator.0);
                credit += i128::from(out.borrower_credit.0);
                bad += i128::from(out.bad_debt.0);
                prop_assert_eq!(ledger(&m, cash, lots, credit, bad), Ledger { ..start });
                let t = m.totals();
                prop_assert_eq!(t.debt_repaid, before.debt_repaid.plus(out.debt_repaid));
                prop_assert_eq!(t.bad_debt, before.bad_debt.plus(out.bad_debt));
                prop_assert_eq!(t.liquidations, before.liquidations + 1);
                prop_assert_eq!(m.index().trigger(id), m.trigger_price(id));
            }
        }
        let t = m.totals();
        prop_assert_eq!(-i128::from(t.debt_repaid.0), cash);
        prop_assert_eq!(u128::from(t.collateral_to_liquidators.0), lots);
        prop_assert_eq!(
            i128::from(t.debt_cleared.0) + t.reserves_change.0 + i128::from(t.borrower_credit.0),
            i128::from(t.debt_repaid.0) + i128::from(t.bad_debt.0)
        );
    }

    /// Every built-in's trigger price is where liquidatability flips, and the default search
    /// finds the same price.
    #[test]
    fn trigger_prices_are_the_flip_points(
        which in 0usize..3,
        c in 1u64..1_000_000,
        d in 1u64..10_000_000_000,
    ) {
        let mech = &mechanisms()[which];
        let a = acct(c, d);
        let t = mech.trigger_price(&a).unwrap();
        prop_assert!(!mech.is_liquidatable(&a, t));
        if t.0 > 1 {
            prop_assert!(mech.is_liquidatable(&a, Ticks(t.0 - 1)));
        }
        prop_assert_eq!(search_trigger_price(|p| mech.is_liquidatable(&a, p), a.debt), Some(t));
        // The health factor agrees with the rule on both sides.
        prop_assert!(mech.health_factor(&a, t) >= WAD);
        if t.0 > 1 {
            prop_assert!(mech.health_factor(&a, Ticks(t.0 - 1)) < WAD);
        }
    }
}
