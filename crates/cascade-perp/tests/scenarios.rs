//! Liquidation scenarios with every expected value worked by hand in the comments.
//!
//! Units: one market of an asset quoted in USD with 0.01 USD ticks and 0.001-unit lots, so one
//! quote atom is 1e-5 USD: 1 USD = 100,000 atoms, 1 unit = 1,000 lots, 2,000 USD = 200,000 ticks.

use cascade_perp::{
    AdlRanking, Event, LiquidationOrder, MarginTable, MarketId, PerpError, PerpVenue, Ratio, Route,
    Scope, VenueParams,
};
use cascade_types::{AccountId, Lots, Quote, Side, SimDuration, SimTime, Ticks};

const USD: u64 = 100_000;
const UNIT: i64 = 1_000;
const ETH: MarketId = MarketId(0);

fn usd(x: u64) -> Quote {
    Quote(x * USD)
}

fn px(dollars: i64) -> Ticks {
    Ticks(dollars * 100)
}

/// Hyperliquid ETH below 100M USDC: 25x max leverage, maintenance 1/50 = 2%.
fn hl_eth() -> MarginTable {
    MarginTable::hyperliquid(&[(Quote(0), 25), (usd(100_000_000), 15)]).unwrap()
}

fn hl_venue(insurance: Quote, vault: Quote) -> PerpVenue {
    PerpVenue::new(
        VenueParams::hyperliquid(usd(1)),
        vec![hl_eth()],
        insurance,
        vault,
    )
}

/// An account with `collateral` USD holding `units` (signed) at `entry` USD, opened against a
/// counterparty account so that sizes net to zero.
fn open(v: &mut PerpVenue, collateral: u64, units: i64, entry: i64, cp: AccountId) -> AccountId {
    let id = v.open_account(usd(collateral));
    v.apply_fill(id, ETH, units * UNIT, px(entry)).unwrap();
    v.apply_fill(cp, ETH, -units * UNIT, px(entry)).unwrap();
    id
}

/// 1,000 USD backing 10 ETH long at 2,000 (20x). Equity at P: 1,000 + 10 (P - 2,000);
/// maintenance 2% * 10 P = 0.2 P. Liquidatable when 1,000 + 10 P - 20,000 < 0.2 P, i.e.
/// P < 19,000 / 9.8 = 1,938.7755 USD.
/// - At 1,938.78: equity 1,000 - 612.20 = 387.80 USD (38,780,000 atoms), maintenance
///   10,000 lots * 193,878 ticks / 50 = 38,775,600 atoms: safe.
/// - At 1,938.77: equity 387.70 USD (38,770,000), maintenance 1,938,770,000 / 50 = 38,775,400:
///   liquidatable. 387.70 is above 2/3 of 387.754 (258.50) and the notional (19,387.70 USD) is
///   below 100k, so one whole-position market order goes to the book.
///
/// A fill at 1,935.00 realises 10 * (1,935 - 2,000) = -650 USD; Hyperliquid charges no
/// clearance fee and the remaining 350 USD stay with the trader.
#[test]
fn liquidation_triggers_at_the_hand_computed_mark() {
    let mut v = hl_venue(Quote(0), Quote(0));
    let maker = v.open_account(usd(1_000_000));
    let a = open(&mut v, 1_000, 10, 2_000, maker);

    // Hyperliquid's estimate at mark 2,000: available = 1,000 - 400 = 600, mmr 2%:
    // 2,000 - 600 / 10 / 0.98 = 1,938.7755, the same flip point; the highest liquidatable tick is
    // 193,877.
    assert_eq!(
        v.liquidation_price(a, ETH, &[px(2_000)]),
        Ok(Some(Ticks(193_877)))
    );

    let safe = [Ticks(193_878)];
    let st = v.margin_state(a, Scope::Cross, &safe).unwrap();
    assert_eq!(st.equity, 38_780_000);
    assert_eq!(st.maintenance, 38_775_600);
    assert!(!st.is_liquidatable());
    assert_eq!(v.liquidatable(&safe).unwrap(), vec![]);
    assert_eq!(
        v.liquidate(a, Scope::Cross, &safe, SimTime::ZERO),
        Err(PerpError::NotLiquidatable {
            account: a,
            scope: Scope::Cross
        })
    );

    let hit = [Ticks(193_877)];
    let st = v.margin_state(a, Scope::Cross, &hit).unwrap();
    assert_eq!((st.equity, st.maintenance), (38_770_000, 38_775_400));
    // Margin ratio 38,775,400 / 38,770,000 = 100.014%, rounded up to 10,002 bps.
    assert_eq!(st.margin_ratio_bps(), Some(10_002));
    assert_eq!(v.liquidatable(&hit).unwrap(), vec![(a, Scope::Cross)]);
    assert_eq!(v.route(a, Scope::Cross, &hit), Ok(Route::Market));
    // Bankruptcy price: 1,938.77 - 387.70 / 10 = 1,900.00 (where 1,000 USD on 10 long at
    // 2,000 is used up).
    assert_eq!(v.bankruptcy_price(a, ETH, &hit), Ok(px(1_900)));
    let events = v.liquidate(a, Scope::Cross, &hit, SimTime::ZERO).unwrap();
    assert_eq!(
        events,
        vec![Event::LiquidationOrder(LiquidationOrder {
            account: a,
            market: ETH,
            side: Side::Ask,
            size: Lots(10_000),
        })]
    );

    let total = v.total_value(&hit).unwrap();
    let settled = v
        .settle_liquidation_fill(a, ETH, Lots(10_000), px(1_935))
        .unwrap();
    v.apply_fill(maker, ETH, 10_000, px(1_935)).unwrap();
    assert_eq!(
        settled,
        vec![Event::LiquidationFill {
            account: a,
            market: ETH,
            size: Lots(10_000),
            price: px(1_935),
            realised_pnl: -650 * USD as i128,
            fee: 0,
        }]
    );
    let acc = v.account(a).unwrap();
    assert!(acc.positions().is_empty());
    assert_eq!(acc.collateral(), 350 * USD as i128);
    assert_eq!(v.total_value(&hit).unwrap(), total);
}

/// 1,000 USD backing 10 short at 2,000: liquidatable when 1,000 - 10 (P - 2,000) < 0.2 P, i.e.
/// P > 21,000 / 10.2 = 2,058.8235. Hyperliquid's estimate from mark 2,000 gives the same:
/// 2,000 + 600 / 10 / 1.02. At 2,058.83 equity 411.70 < 411.766 (liquidatable), at 2,058.82
/// equity 411.80 > 411.764 (safe).
#[test]
fn short_liquidation_price() {
    let mut v = hl_venue(Quote(0), Quote(0));
    let maker = v.open_account(usd(1_000_000));
    let b = open(&mut v, 1_000, -10, 2_000, maker);
    assert_eq!(
        v.liquidation_price(b, ETH, &[px(2_000)]),
        Ok(Some(Ticks(205_883)))
    );
    let at = |t: i64| v.margin_state(b, Scope::Cross, &[Ticks(t)]).unwrap();
    assert!(at(205_883).is_liquidatable());
    assert!(!at(205_882).is_liquidatable());
    assert_eq!(at(205_883).equity, 41_170_000);
}

/// 30,000 USD backing 100 ETH long at 2,000. Equity 30,000 + 100 (P - 2,000), maintenance
/// 2% * 100 P = 2 P.
/// - t = 0, mark 1,730: equity 3,000, maintenance 3,460: liquidatable, above 2/3 (2,306.67).
///   Notional 173,000 > 100k USDC: 20% = 20 ETH (20,000 lots) goes to the book, cooldown until
///   t = 30 s.
/// - The 20 ETH fill at 1,729: realised 20 * (1,729 - 2,000) = -5,420; collateral 24,580.
///   At 1,730 the rest (80 ETH) has equity 24,580 - 80 * 270 = 2,980 against 2% * 138,400 =
///   2,768: safe again.
/// - t = 10 s, mark 1,725: equity 24,580 - 80 * 275 = 2,580 < 2,760 (2% * 138,000):
///   liquidatable, notional 138,000 > 100k, but within the cooldown: the whole 80 ETH goes.
/// - The same at t = 31 s, after the cooldown: 20% of 80 ETH = 16 ETH goes, and a new
///   cooldown runs to 61 s.
#[test]
fn partial_liquidation_and_its_cooldown() {
    let mut v = hl_venue(Quote(0), Quote(0));
    let maker = v.open_account(usd(10_000_000));
    let a = open(&mut v, 30_000, 100, 2_000, maker);
    let t0 = SimTime::ZERO + SimDuration::from_secs(100);

    let m1 = [px(1_730)];
    let st = v.margin_state(a, Scope::Cross, &m1).unwrap();
    assert_eq!(
        (st.equity, st.maintenance),
        (3_000 * USD as i128, 3_460 * USD as u128)
    );
    let events = v.liquidate(a, Scope::Cross, &m1, t0).unwrap();
    assert_eq!(
        events,
        vec![Event::PartialLiquidation {
            order: LiquidationOrder {
                account: a,
                market: ETH,
                side: Side::Ask,
                size: Lots(20_000),
            },
            position: Lots(100_000),
            cooldown_until: t0 + SimDuration::from_secs(30),
        }]
    );
    assert_eq!(v.account(a).unwrap().last_partial_liquidation(), Some(t0));
    v.settle_liquidation_fill(a, ETH, Lots(20_000), px(1_729))
        .unwrap();
    v.apply_fill(maker, ETH, 20_000, px(1_729)).unwrap();
    assert_eq!(v.account(a).unwrap().collateral(), 24_580 * USD as i128);
    let st = v.margin_state(a, Scope::Cross, &m1).unwrap();
    assert_eq!(
        (st.equity, st.maintenance),
        (2_980 * USD as i128, 2_768 * USD as u128)
    );
    assert!(!st.is_liquidatable());

    let m2 = [px(1_725)];
    let st = v.margin_state(a, Scope::Cross, &m2).unwrap();
    assert_eq!(
        (st.equity, st.maintenance),
        (2_580 * USD as i128, 2_760 * USD as u128)
    );

    let mut after = v.clone();
    let within = v
        .liquidate(a, Scope::Cross, &m2, t0 + SimDuration::from_secs(10))
        .unwrap();
    assert_eq!(
        within,
        vec![Event::LiquidationOrder(LiquidationOrder {
            account: a,
            market: ETH,
            side: Side::Ask,
            size: Lots(80_000),
        })]
    );

    let t31 = t0 + SimDuration::from_secs(31);
    let later = after.liquidate(a, Scope::Cross, &m2, t31).unwrap();
    assert_eq!(
        later,
        vec![Event::PartialLiquidation {
            order: LiquidationOrder {
                account: a,
                market: ETH,
                side: Side::Ask,
                size: Lots(16_000),
            },
            position: Lots(80_000),
            cooldown_until: t31 + SimDuration::from_secs(30),
        }]
    );
}

/// 1,000 USD backing 10 ETH long at 2,000; mark 1,920: equity 1,000 - 800 = 200 USD,
/// maintenance 2% * 19,200 = 384 USD, 2/3 of it 256: below, so the liquidator vault takes the
/// position (at the mark) and the 200 USD; the trader keeps nothing. The vault (1M USD) ends
/// long 10 ETH at 1,920 with 1,000,200 USD. A vault with no capital would be left with 200 USD
/// against its own 384 USD requirement, so it refuses and the position goes to the book.
#[test]
fn backstop_takes_the_position_below_two_thirds_of_maintenance() {
    let mut v = hl_venue(Quote(0), usd(1_000_000));
    let maker = v.open_account(usd(1_000_000));
    let a = open(&mut v, 1_000, 10, 2_000, maker);
    let marks = [px(1_920)];
    let st = v.margin_state(a, Scope::Cross, &marks).unwrap();
    assert_eq!(
        (st.equity, st.maintenance),
        (200 * USD as i128, 384 * USD as u128)
    );
    assert!(st.is_below(Ratio::new(2, 3)));

    let mut poor = hl_venue(Quote(0), Quote(0));
    let pm = poor.open_account(usd(1_000_000));
    let pa = open(&mut poor, 1_000, 10, 2_000, pm);
    assert_eq!(poor.backstop_accepts(pa, Scope::Cross, &marks), Ok(false));
    assert_eq!(poor.route(pa, Scope::Cross, &marks), Ok(Route::Market));

    let total = v.total_value(&marks).unwrap();
    assert_eq!(v.route(a, Scope::Cross, &marks), Ok(Route::Backstop));
    let events = v.liquidate(a, Scope::Cross, &marks, SimTime::ZERO).unwrap();
    assert_eq!(
        events,
        vec![Event::BackstopTransfer {
            account: a,
            scope: Scope::Cross,
            positions: vec![(ETH, 10_000)],
            collateral: 200 * USD as i128,
        }]
    );
    let acc = v.account(a).unwrap();
    assert!(acc.positions().is_empty());
    assert_eq!(acc.collateral(), 0);
    assert_eq!(acc.realised_pnl(), -800 * USD as i128);
    let vault = v.account(PerpVenue::VAULT).unwrap();
    assert_eq!(vault.collateral(), 1_000_200 * USD as i128);
    let p = vault.position(ETH).unwrap();
    assert_eq!((p.size, p.entry), (10_000, px(1_920)));
    assert_eq!(v.total_value(&marks).unwrap(), total);
    assert_eq!(v.totals().backstop_transfers, 1);
}

/// An isolated position is backstopped alone: 10 ETH long at 2,000 isolated with 1,000 USD in
/// an account that also keeps 5,000 USD of cross collateral. At 1,920 the isolated equity is
/// 200 < 256: the vault takes the position and the 200 USD; the 5,000 USD stay.
#[test]
fn isolated_backstop_leaves_cross_collateral_alone() {
    let mut v = hl_venue(Quote(0), usd(1_000_000));
    let maker = v.open_account(usd(1_000_000));
    let a = open(&mut v, 6_000, 10, 2_000, maker);
    v.isolate(a, ETH, usd(1_000)).unwrap();
    let marks = [px(1_920)];
    assert_eq!(
        v.liquidatable(&marks).unwrap(),
        vec![(a, Scope::Isolated(ETH))]
    );
    let events = v
        .liquidate(a, Scope::Isolated(ETH), &marks, SimTime::ZERO)
        .unwrap();
    assert!(matches!(
        events[..],
        [Event::BackstopTransfer { collateral, .. }] if collateral == 200 * USD as i128
    ));
    let acc = v.account(a).unwrap();
    assert!(acc.positions().is_empty());
    assert_eq!(acc.collateral(), 5_000 * USD as i128);
}

fn bybit_venue(insurance: Quote) -> PerpVenue {
    // A flat 0.5% maintenance rate (Bybit BTCUSDT's first risk-limit tier) and the 0.055%
    // taker fee on liquidation orders.
    let table = MarginTable::from_bps(&[(Quote(0), 50)]).unwrap();
    PerpVenue::new(
        VenueParams::bybit(Ratio::new(55, 100_000)),
        vec![table],
        insurance,
        Quote(0),
    )
}

/// 1,000 USD backing 10 long at 2,000 on a Bybit-style venue (0.5% maintenance). Mark 1,905:
/// equity 1,000 - 950 = 50 < 95.25 (0.5% * 19,050): liquidatable, one whole order (no partial
/// rule, no backstop).
/// - Filled at 1,890: realised 10 * (1,890 - 2,000) = -1,100, collateral -100 USD. The fee is
///   capped at the remaining collateral (none). The insurance fund (10,000 USD) pays the 100 USD
///   deficit and keeps 9,900.
/// - Filled at 1,902 instead: realised -980, collateral 20 USD; fee 0.055% * 19,020 =
///   10.461 USD (1,046,100 atoms) to the venue; the remaining 9.539 USD (953,900 atoms) go to the
///   insurance fund, which keeps what the close made above the bankruptcy price (1,900).
#[test]
fn negative_equity_is_drawn_from_the_insurance_fund() {
    let mut v = bybit_venue(usd(10_000));
    let maker = v.open_account(usd(1_000_000));
    let a = open(&mut v, 1_000, 10, 2_000, maker);
    let marks = [px(1_905)];
    let st = v.margin_state(a, Scope::Cross, &marks).unwrap();
    assert_eq!((st.equity, st.maintenance), (50 * USD as i128, 9_525_000));
    assert_eq!(v.route(a, Scope::Cross, &marks), Ok(Route::Market));
    let mut surplus = v.clone();
    let total = v.total_value(&marks).unwrap();

    let orders = v.liquidate(a, Scope::Cross, &marks, SimTime::ZERO).unwrap();
    assert_eq!(orders[0].order().unwrap().size, Lots(10_000));
    let events = v
        .settle_liquidation_fill(a, ETH, Lots(10_000), px(1_890))
        .unwrap();
    v.apply_fill(maker, ETH, 10_000, px(1_890)).unwrap();
    assert_eq!(
        events,
        vec![
            Event::LiquidationFill {
                account: a,
                market: ETH,
                size: Lots(10_000),
                price: px(1_890),
                realised_pnl: -1_100 * USD as i128,
                fee: 0,
            },
            Event::InsuranceDraw {
                account: a,
                amount: 100 * USD as u128,
            },
        ]
    );
    assert_eq!(v.insurance().balance(), 9_900 * USD as u128);
    assert_eq!(v.account(a).unwrap().collateral(), 0);
    assert_eq!(v.totals().bad_debt, 0);
    assert_eq!(v.total_value(&marks).unwrap(), total);

    surplus
        .liquidate(a, Scope::Cross, &marks, SimTime::ZERO)
        .unwrap();
    let events = surplus
        .settle_liquidation_fill(a, ETH, Lots(10_000), px(1_902))
        .unwrap();
    surplus.apply_fill(maker, ETH, 10_000, px(1_902)).unwrap();
    assert_eq!(
        events,
        vec![
            Event::LiquidationFill {
                account: a,
                market: ETH,
                size: Lots(10_000),
                price: px(1_902),
                realised_pnl: -980 * USD as i128,
                fee: 1_046_100,
            },
            Event::InsuranceDeposit {
                account: a,
                amount: 953_900,
            },
        ]
    );
    assert_eq!(surplus.totals().clearing_fees, 1_046_100);
    assert_eq!(
        surplus.insurance().balance(),
        10_000 * USD as u128 + 953_900
    );
    assert_eq!(surplus.total_value(&marks).unwrap(), total);
}

/// A deficit larger than the fund: the fund pays what it has and the rest is bad debt.
/// Same account, fund of 30 USD, fill at 1,890: deficit 100, drawn 30, bad debt 70.
#[test]
fn a_deficit_beyond_the_fund_is_bad_debt() {
    let mut v = bybit_venue(usd(30));
    let maker = v.open_account(usd(1_000_000));
    let a = open(&mut v, 1_000, 10, 2_000, maker);
    // Equity at 1,905 is +50: still routed to the book although the fund is small.
    let marks = [px(1_905)];
    let total = v.total_value(&marks).unwrap();
    v.liquidate(a, Scope::Cross, &marks, SimTime::ZERO).unwrap();
    let events = v
        .settle_liquidation_fill(a, ETH, Lots(10_000), px(1_890))
        .unwrap();
    v.apply_fill(maker, ETH, 10_000, px(1_890)).unwrap();
    assert_eq!(
        events[1..],
        [
            Event::InsuranceDraw {
                account: a,
                amount: 30 * USD as u128
            },
            Event::BadDebt {
                account: a,
                amount: 70 * USD as u128
            },
        ]
    );
    assert_eq!(v.totals().bad_debt, 70 * USD as u128);
    assert_eq!(v.total_value(&marks).unwrap(), total);
}

/// ADL only once the fund is exhausted. Bybit-style venue with a 300 USD fund; X1 and X2 each
/// hold 10 long at 2,000 on 1,000 USD; P is short 8 at 2,000 on 2,000 USD, Q short 12 at 2,000
/// on 1,000 USD. The mark gaps to 1,880: X1 and X2 both have equity 1,000 - 1,200 = -200.
/// - X1: the fund (300) covers 200, so X1 goes to the book; filled at 1,870 it realises -1,300,
///   collateral -300, drawn from the fund, which is now empty.
/// - X2: the fund cannot pay 200: ADL at X2's bankruptcy price 1,880 + 200 / 10 = 1,900.
///   Bybit ranks at 1,880: P has uPnL 8 * 120 = 960, equity 2,960, notional 15,040:
///   PnL% = 960 / 16,000 = 6%, effLev = 15,040 / 2,960 = 5.08, rank 0.305;
///   Q has uPnL 1,440, equity 2,440, notional 22,560: 6% * 9.246 = 0.555. Q goes first and its
///   12 cover all 10: Q realises 10 * (2,000 - 1,900) = 1,000 (collateral 2,000 USD, 2 short
///   left), X2 realises 10 * (1,900 - 2,000) = -1,000 and ends at exactly zero. P is untouched.
#[test]
fn adl_runs_once_the_insurance_fund_is_exhausted() {
    let mut v = bybit_venue(usd(300));
    let maker = v.open_account(usd(1_000_000));
    let p = v.open_account(usd(2_000));
    let q = v.open_account(usd(1_000));
    let x1 = v.open_account(usd(1_000));
    let x2 = v.open_account(usd(1_000));
    for (long, short, units) in [(x1, p, 8), (x1, q, 2), (x2, q, 10)] {
        v.apply_fill(long, ETH, units * UNIT, px(2_000)).unwrap();
        v.apply_fill(short, ETH, -units * UNIT, px(2_000)).unwrap();
    }
    let marks = [px(1_880)];
    let total = v.total_value(&marks).unwrap();
    assert_eq!(
        v.liquidatable(&marks).unwrap(),
        vec![(x1, Scope::Cross), (x2, Scope::Cross)]
    );

    assert_eq!(v.route(x1, Scope::Cross, &marks), Ok(Route::Market));
    let orders = v
        .liquidate(x1, Scope::Cross, &marks, SimTime::ZERO)
        .unwrap();
    assert_eq!(orders.len(), 1);
    let events = v
        .settle_liquidation_fill(x1, ETH, Lots(10_000), px(1_870))
        .unwrap();
    v.apply_fill(maker, ETH, 10_000, px(1_870)).unwrap();
    assert_eq!(
        events[1],
        Event::InsuranceDraw {
            account: x1,
            amount: 300 * USD as u128
        }
    );
    assert_eq!(v.insurance().balance(), 0);

    let queue = v.adl_queue(ETH, true, &marks).unwrap();
    let order: Vec<AccountId> = queue.iter().map(|r| r.account).collect();
    assert_eq!(order, vec![q, p]);
    assert_eq!(v.route(x2, Scope::Cross, &marks), Ok(Route::Adl));
    assert_eq!(v.bankruptcy_price(x2, ETH, &marks), Ok(px(1_900)));
    let events = v
        .liquidate(x2, Scope::Cross, &marks, SimTime::ZERO)
        .unwrap();
    assert_eq!(
        events,
        vec![Event::Adl {
            account: x2,
            counterparty: q,
            market: ETH,
            size: Lots(10_000),
            price: px(1_900),
        }]
    );
    let x2a = v.account(x2).unwrap();
    assert!(x2a.positions().is_empty());
    assert_eq!(x2a.collateral(), 0);
    let qa = v.account(q).unwrap();
    assert_eq!(qa.collateral(), 2_000 * USD as i128);
    assert_eq!(qa.position(ETH).unwrap().size, -2 * UNIT);
    assert_eq!(v.account(p).unwrap().position(ETH).unwrap().size, -8 * UNIT);
    assert_eq!(v.totals().bad_debt, 0);
    assert_eq!(v.net_size(ETH), 0);
    assert_eq!(v.total_value(&marks).unwrap(), total);
}

/// The same bankrupt long deleveraged across two counterparties under Hyperliquid's ranking,
/// with no insurance fund: X is long 10 at 2,000 on 1,000 USD, against A short 4 at 2,000 on
/// 400 USD and B short 6 at 2,000 on 3,000 USD. At 1,880 X's equity is -200; the vault does not
/// take negative equity, so ADL at 1,900. Index (entry / mark for shorts) * notional / equity:
/// A: (2,000 / 1,880) * 7,520 / 880 = 9.09; B: (2,000 / 1,880) * 11,280 / 3,720 = 3.23. A first
/// (4), then 6 from B, all at 1,900.
#[test]
fn hyperliquid_adl_splits_across_the_queue() {
    let mut v = hl_venue(Quote(0), usd(1_000_000));
    let a = v.open_account(usd(400));
    let b = v.open_account(usd(3_000));
    let x = v.open_account(usd(1_000));
    for (short, units) in [(a, 4), (b, 6)] {
        v.apply_fill(x, ETH, units * UNIT, px(2_000)).unwrap();
        v.apply_fill(short, ETH, -units * UNIT, px(2_000)).unwrap();
    }
    let marks = [px(1_880)];
    assert_eq!(v.params().adl_ranking, AdlRanking::Hyperliquid);
    assert_eq!(v.route(x, Scope::Cross, &marks), Ok(Route::Adl));
    let total = v.total_value(&marks).unwrap();
    let events = v.liquidate(x, Scope::Cross, &marks, SimTime::ZERO).unwrap();
    assert_eq!(
        events,
        vec![
            Event::Adl {
                account: x,
                counterparty: a,
                market: ETH,
                size: Lots(4_000),
                price: px(1_900),
            },
            Event::Adl {
                account: x,
                counterparty: b,
                market: ETH,
                size: Lots(6_000),
                price: px(1_900),
            },
        ]
    );
    // A realised 4 * 100 = 400 (800 USD), B 6 * 100 = 600 (3,600 USD), X ends at zero.
    assert_eq!(v.account(a).unwrap().collateral(), 800 * USD as i128);
    assert_eq!(v.account(b).unwrap().collateral(), 3_600 * USD as i128);
    assert_eq!(v.account(x).unwrap().collateral(), 0);
    assert_eq!(v.total_value(&marks).unwrap(), total);
}

#[test]
fn caller_errors_are_refused_without_effect() {
    let mut v = hl_venue(Quote(0), Quote(0));
    let maker = v.open_account(usd(1_000));
    let a = open(&mut v, 1_000, 1, 2_000, maker);
    assert_eq!(
        v.margin_state(a, Scope::Cross, &[]),
        Err(PerpError::MarksLength {
            expected: 1,
            got: 0
        })
    );
    assert_eq!(
        v.margin_state(a, Scope::Cross, &[Ticks(0)]),
        Err(PerpError::InvalidPrice(Ticks(0)))
    );
    assert_eq!(
        v.apply_fill(AccountId(99), ETH, 1, px(1)),
        Err(PerpError::UnknownAccount(AccountId(99)))
    );
    assert_eq!(
        v.apply_fill(a, MarketId(3), 1, px(1)),
        Err(PerpError::UnknownMarket(MarketId(3)))
    );
    assert_eq!(
        v.apply_fill(a, ETH, 0, px(1)),
        Err(PerpError::InvalidSize(0))
    );
    assert_eq!(
        v.settle_liquidation_fill(a, ETH, Lots(1_001), px(1_900)),
        Err(PerpError::FillExceedsPosition {
            fill: Lots(1_001),
            position: Lots(1_000)
        })
    );
    assert_eq!(
        v.liquidate(PerpVenue::VAULT, Scope::Cross, &[px(1)], SimTime::ZERO),
        Err(PerpError::VaultNotLiquidatable)
    );
    assert_eq!(
        v.isolate(a, ETH, usd(2_000)),
        Err(PerpError::InsufficientCollateral {
            available: 1_000 * USD as i128,
            wanted: 2_000 * USD as u128
        })
    );
    assert_eq!(v.account(a).unwrap().collateral(), 1_000 * USD as i128);
}
