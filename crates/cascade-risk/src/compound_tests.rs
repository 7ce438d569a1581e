use super::*;
use proptest::prelude::*;

/// Quote atoms per USD in a market of 0.01 USD ticks and 0.001 ETH lots (one atom = 1e-5 USD).
const USD: u64 = 100_000;

/// WETH in cUSDCv3: borrow CF 0.825, liquidate CF 0.895, liquidation factor 0.95, store-front
/// price factor 0.5, target reserves 5M USD.
fn weth() -> CometParams {
    CometParams::mainnet_weth(Quote(5_000_000 * USD))
}

#[test]
fn constructor_checks_and_truncates_like_comet() {
    let e18 = FACTOR_SCALE;
    // Factors keep four decimals: 0.82549 -> 0.8254.
    let p = CometParams::new(
        825_490_000_000_000_000,
        895_000_000_000_000_000,
        950_000_000_000_000_000,
        e18 / 2,
        Quote(1),
    )
    .unwrap();
    assert_eq!(p.borrow_collateral_factor, 825_400_000_000_000_000);
    assert_eq!(p.liquidate_collateral_factor, 895_000_000_000_000_000);
    let new = |b, l, lf, s| CometParams::new(b, l, lf, s, Quote(1));
    assert_eq!(
        new(e18 / 2, e18 / 2, e18, 0),
        Err(CometConfigError::BorrowCfTooLarge)
    );
    // Different before truncation, equal after it.
    assert_eq!(
        new(500_000_000_000_000_001, 500_000_000_000_000_002, e18, 0),
        Err(CometConfigError::BorrowCfTooLarge)
    );
    assert_eq!(
        new(e18 / 2, e18 + 1, e18, 0),
        Err(CometConfigError::LiquidateCfTooLarge)
    );
    assert_eq!(
        new(e18 / 2, e18, e18, e18 + 1),
        Err(CometConfigError::BadDiscount)
    );
    assert_eq!(
        new(e18 / 2, e18, e18 + 1, 0),
        Err(CometConfigError::LiquidationFactorTooLarge)
    );
    assert_eq!(
        CometParams::new(
            825_000_000_000_000_000,
            895_000_000_000_000_000,
            950_000_000_000_000_000,
            e18 / 2,
            Quote(5_000_000 * USD)
        ),
        Ok(weth())
    );
}

/// 10 ETH against 18,000 USD of debt. Liquidatable while 10 * p * 0.895 < 18,000, i.e. below
/// 18,000 / 8.95 = 2,011.17318 USD: the trigger is 201,118 ticks. At 2,000 USD the account may
/// not borrow (20,000 * 0.825 = 16,500 < 18,000) and is liquidatable (17,900 < 18,000).
#[test]
fn liquidatable_below_the_liquidate_collateral_factor() {
    let p = weth();
    let a = CometAccount::borrower(Lots(10_000), Quote(18_000 * USD));
    assert_eq!(p.trigger_price(&a), Some(Ticks(201_118)));
    assert!(p.is_liquidatable(&a, Ticks(201_117))); // 1,799,997,150 < 1,800,000,000
    assert!(!p.is_liquidatable(&a, Ticks(201_118))); // 1,800,006,100 >= 1,800,000,000
    assert!(p.is_liquidatable(&a, Ticks(200_000)));
    assert!(!p.is_borrow_collateralized(&a, Ticks(200_000)));
    // Borrowing is allowed down to 18,000 / 8.25 = 2,181.8181 USD.
    assert!(p.is_borrow_collateralized(&a, Ticks(218_182)));
    assert!(!p.is_borrow_collateralized(&a, Ticks(218_181)));
    // Suppliers and empty accounts are never liquidatable; bad prices revert in Comet.
    let supplier = CometAccount {
        collateral: Lots(0),
        base_balance: 5,
    };
    assert!(!p.is_liquidatable(&supplier, Ticks(1)));
    assert_eq!(p.trigger_price(&supplier), None);
    assert!(!p.is_liquidatable(&a, Ticks(0)));
    assert_eq!(p.absorb(&a, Ticks(0)), Err(CometError::BadPrice(Ticks(0))));
    assert_eq!(
        p.trigger_price(&CometAccount::borrower(Lots(0), Quote(1))),
        Some(Ticks(i64::MAX))
    );
}

/// Absorb with a shortfall. 10.001 ETH at 1,799.99 USD against 19,000 USD of debt:
/// value = 10,001 * 179,999 = 1,800,169,999 atoms (18,001.69999 USD);
/// liquidate-CF value = 1,800,169,999 * 0.895 = 1,611,152,149.1 -> 1,611,152,149 < 1.9e9;
/// credit = 1,800,169,999 * 0.95 = 1,710,161,499.05 -> 1,710,161,499 (down);
/// new balance = max(0, -1.9e9 + 1,710,161,499) = 0;
/// shortfall = 1,900,000,000 - 1,710,161,499 = 189,838,501 atoms (1,898.38501 USD).
/// Comet takes the whole debt off `totalBorrow`, so reserves fall by 1.9e9 = credit + shortfall:
/// from 1,000,000 USD (1e11 atoms) to 98,100,000,000, and the protocol holds the 10,001 lots.
#[test]
fn absorb_with_a_shortfall_worked_by_hand() {
    let p = weth();
    let mut books = CometProtocol::new(100_000_000_000);
    let mut a = CometAccount::borrower(Lots(10_001), Quote(19_000 * USD));
    let out = books.absorb(&p, &mut a, Ticks(179_999)).unwrap();
    assert_eq!(
        out,
        AbsorbOutcome {
            collateral_seized: Lots(10_001),
            collateral_value: 1_800_169_999,
            debt_absorbed: 1_900_000_000,
            credit: 1_710_161_499,
            surplus: 0,
            shortfall: 189_838_501,
            base_paid_out: 1_900_000_000,
        }
    );
    assert_eq!(out.base_paid_out, out.credit + out.shortfall);
    assert_eq!(
        a,
        CometAccount {
            collateral: Lots(0),
            base_balance: 0
        }
    );
    assert_eq!(books.reserves, 98_100_000_000);
    assert_eq!(books.collateral, Lots(10_001));
    // The account is gone from the liquidatable set; a second absorb reverts.
    assert_eq!(
        books.absorb(&p, &mut a, Ticks(179_999)),
        Err(CometError::NotLiquidatable)
    );
}

/// Reserves may go negative: 1,000 USD of reserves absorbing the same account end at
/// 100,000,000 - 1,900,000,000 = -1,800,000,000 atoms.
#[test]
fn reserves_may_go_negative() {
    let p = weth();
    let mut books = CometProtocol::new(100_000_000);
    let mut a = CometAccount::borrower(Lots(10_001), Quote(19_000 * USD));
    books.absorb(&p, &mut a, Ticks(179_999)).unwrap();
    assert_eq!(books.reserves, -1_800_000_000);
    // Negative reserves are below any target: the collateral is for sale.
    assert!(books.is_for_sale(&p));
}

/// Absorb without a shortfall. 10 ETH at 2,000 USD (2e9 atoms) against 18,000 USD:
/// credit = 2e9 * 0.95 = 1.9e9 (19,000 USD); new balance = -1.8e9 + 1.9e9 = 1e8 (1,000 USD),
/// kept by the account as a base supply balance. Reserves pay the debt and the surplus:
/// 1.9e9 in all.
#[test]
fn absorb_without_shortfall_leaves_a_supply_balance() {
    let p = weth();
    let mut books = CometProtocol::new(0);
    let mut a = CometAccount::borrower(Lots(10_000), Quote(18_000 * USD));
    let out = books.absorb(&p, &mut a, Ticks(200_000)).unwrap();
    assert_eq!(out.credit, 1_900_000_000);
    assert_eq!(out.surplus, 100_000_000);
    assert_eq!(out.shortfall, 0);
    assert_eq!(out.debt_absorbed, 1_800_000_000);
    assert_eq!(out.base_paid_out, 1_900_000_000);
    assert_eq!(a.base_balance, 100_000_000);
    assert_eq!(a.supplied(), 100_000_000);
    assert_eq!(a.debt(), 0);
    assert_eq!(a.collateral, Lots(0));
    assert_eq!(books.reserves, -1_900_000_000);
    assert_eq!(books.collateral, Lots(10_000));
}

/// Store front: discount = 0.5 * (1 - 0.95) = 0.025. At 1,800 USD the feed reads
/// 180,000 * 1e8 = 1.8e13, discounted 1.8e13 * 0.975 = 1.755e13. 10,000 USD (1e9 atoms) buys
/// 1e8 * 1e9 / 1.755e13 = 5,698.0057 -> 5,698 lots: 10,000 / (1,800 * 0.975) = 5.698 ETH.
#[test]
fn buy_collateral_at_the_store_front_discount() {
    let p = weth();
    assert_eq!(p.store_front_discount(), 25_000_000_000_000_000);
    assert_eq!(
        p.quote_collateral(Quote(10_000 * USD), Ticks(180_000)),
        Ok(Lots(5_698))
    );
    let mut books = CometProtocol {
        reserves: 0,
        collateral: Lots(10_000),
    };
    let out = books
        .buy_collateral(&p, Lots(5_698), Quote(10_000 * USD), Ticks(180_000))
        .unwrap();
    assert_eq!(
        out,
        BuyOutcome {
            base_paid: Quote(1_000_000_000),
            collateral_bought: Lots(5_698),
            discount: 25_000_000_000_000_000,
        }
    );
    assert_eq!(books.reserves, 1_000_000_000);
    assert_eq!(books.collateral, Lots(4_302));
    // The buyer paid 10,000 USD for 5.698 ETH worth 10,256.40 USD at the oracle price.
    assert_eq!(Lots(5_698).value_at(Ticks(180_000)), Quote(1_025_640_000));
}

/// After the shortfall absorb above, selling 9,000 USD of base: discounted price
/// 1,799.99 * 0.975 = 1,754.99025 USD (17,549,902,500,000 at eight decimals), so
/// 9,000 / 1,754.99025 = 5.12823 ETH -> 5,128 lots; reserves recover 9e8 atoms.
#[test]
fn absorbed_collateral_is_sold_back_for_base() {
    let p = weth();
    let mut books = CometProtocol::new(100_000_000_000);
    let mut a = CometAccount::borrower(Lots(10_001), Quote(19_000 * USD));
    books.absorb(&p, &mut a, Ticks(179_999)).unwrap();
    let out = books
        .buy_collateral(&p, Lots(0), Quote(9_000 * USD), Ticks(179_999))
        .unwrap();
    assert_eq!(out.collateral_bought, Lots(5_128));
    assert_eq!(books.reserves, 98_100_000_000 + 900_000_000);
    assert_eq!(books.collateral, Lots(10_001 - 5_128));
}

/// Sales stop once reserves reach the target; slippage and over-selling revert.
#[test]
fn buy_collateral_refusals() {
    let p = weth();
    let target = i128::from(p.target_reserves.0);
    let mut books = CometProtocol {
        reserves: target,
        collateral: Lots(10_000),
    };
    let before = books;
    assert_eq!(
        books.buy_collateral(&p, Lots(0), Quote(USD), Ticks(180_000)),
        Err(CometError::NotForSale {
            reserves: target,
            target: p.target_reserves
        })
    );
    books.reserves = target + 1;
    assert!(matches!(
        books.buy_collateral(&p, Lots(0), Quote(USD), Ticks(180_000)),
        Err(CometError::NotForSale { .. })
    ));
    books = before;
    books.reserves = target - 1;
    assert!(
        books
            .buy_collateral(&p, Lots(0), Quote(USD), Ticks(180_000))
            .is_ok()
    );
    // 10,000 USD buys 5,698 lots, not 5,699.
    books.reserves = 0;
    let before = books;
    assert_eq!(
        books.buy_collateral(&p, Lots(5_699), Quote(10_000 * USD), Ticks(180_000)),
        Err(CometError::TooMuchSlippage {
            quoted: Lots(5_698),
            min: Lots(5_699)
        })
    );
    // 20,000 USD would buy 11,396 lots; the protocol holds 10,000.
    assert_eq!(
        books.buy_collateral(&p, Lots(0), Quote(20_000 * USD), Ticks(180_000)),
        Err(CometError::InsufficientReserves {
            quoted: Lots(11_396),
            available: Lots(10_000)
        })
    );
    assert_eq!(books, before);
    // A full discount (store-front factor 1, liquidation factor 0) prices collateral at zero.
    let free = CometParams {
        liquidation_factor: 0,
        store_front_price_factor: FACTOR_SCALE,
        ..p
    };
    assert_eq!(
        free.quote_collateral(Quote(USD), Ticks(180_000)),
        Err(CometError::ZeroDiscountedPrice)
    );
}

/// Signed quote atoms held by everyone: account balances, reserves and the buyers' cash; and
/// lots held by the accounts, the protocol and the buyers.
fn totals(accounts: &[CometAccount], books: &CometProtocol, buyer: (i128, u64)) -> (i128, u128) {
    let quote = accounts.iter().map(|a| a.base_balance).sum::<i128>() + books.reserves + buyer.0;
    let lots = accounts
        .iter()
        .map(|a| u128::from(a.collateral.0))
        .sum::<u128>()
        + u128::from(books.collateral.0)
        + u128::from(buyer.1);
    (quote, lots)
}

proptest! {
    /// Absorbs and purchases in any order at any price conserve quote and collateral exactly:
    /// what leaves an account (debt wiped, surplus credited, collateral seized) arrives in the
    /// protocol's books, and what a buyer pays arrives in the reserves. Each absorb's reserve
    /// drop is the credit plus the recorded shortfall, and the shortfalls add up to what the
    /// reserves lost beyond the credits.
    #[test]
    fn absorbs_and_purchases_conserve_value(
        // Collateral, and debt as a percentage of its value at 2,000 USD.
        positions in prop::collection::vec((1u64..1_000_000, 1u64..150), 1..12),
        reserves in -1_000_000_000_000i128..1_000_000_000_000,
        target in 0u64..2_000_000_000_000,
        ops in prop::collection::vec((0usize..12, 100_000u64..300_000, 0u64..20_000_000_000, any::<bool>()), 1..40),
    ) {
        let p = CometParams { target_reserves: Quote(target), ..weth() };
        let mut accounts: Vec<_> = positions
            .iter()
            .map(|&(c, pct)| CometAccount::borrower(Lots(c), Quote(c * 200_000 * pct / 100)))
            .collect();
        let mut books = CometProtocol::new(reserves);
        let mut buyer = (0i128, 0u64);
        let start = totals(&accounts, &books, buyer);
        let (mut credits, mut shortfalls, mut paid_out) = (0u128, 0u128, 0u128);
        for (i, price, base, absorb) in ops {
            let price = Ticks(price as i64);
            if absorb {
                let i = i % accounts.len();
                let (before_a, before_b) = (accounts[i], books);
                match books.absorb(&p, &mut accounts[i], price) {
                    Ok(out) => {
                        prop_assert_eq!(out.base_paid_out, out.credit + out.shortfall);
                        prop_assert_eq!(out.base_paid_out, out.debt_absorbed + out.surplus);
                        prop_assert_eq!(before_b.reserves - books.reserves, out.base_paid_out as i128);
                        prop_assert!(out.surplus == 0 || out.shortfall == 0);
                        credits += out.credit;
                        shortfalls += out.shortfall;
                        paid_out += out.base_paid_out;
                    }
                    Err(e) => {
                        prop_assert_eq!(e, CometError::NotLiquidatable);
                        prop_assert!(!p.is_liquidatable(&before_a, price));
                        prop_assert_eq!((accounts[i], books), (before_a, before_b));
                    }
                }
            } else {
                let before = books;
                match books.buy_collateral(&p, Lots(0), Quote(base), price) {
                    Ok(out) => {
                        buyer.0 -= i128::from(out.base_paid.0);
                        buyer.1 += out.collateral_bought.0;
                    }
                    Err(_) => prop_assert_eq!(books, before),
                }
            }
            prop_assert_eq!(totals(&accounts, &books, buyer), start);
        }
        prop_assert_eq!(paid_out, credits + shortfalls);
    }
}
