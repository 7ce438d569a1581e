//! The perp venue run by the world: liquidation at the hand-computed mark, ADL at the
//! bankruptcy price when nothing else can take a bankrupt account, and the claims of
//! `scenarios/oct10_2025_perps.ron`'s header.

use crate::lobster::data_dir_or_skip;
use crate::support::{data_dir, scenario};
use cascade::{MemoryTrace, RunStats, Scenario, Summary, World, build};
use cascade_engine::trace::PerpRow;
use std::collections::BTreeMap;

/// BTC at 100,000 USD falling 100 USD a second from t = 10 s: a venue on one book quoted by
/// a deep maker, the mark read from the reference alone (so it moves in exact 100 USD steps),
/// and `count` identical accounts: 1 BTC at 100,000 with 10,000 USD (10x), long with
/// probability `long_share`.
const SYNTHETIC: &str = r#"
Scenario(
    name: "perp-synthetic",
    seed: 3,
    duration_s: 200.0,
    market: (tick_size: 0.1, lot_size: 0.001),
    reference: (step_ms: 1000.0, knots: [(0.0, 100000.0), (10.0, 100000.0), (210.0, 80000.0)]),
    venues: [(name: "perp")],
    makers: [(count: 2, levels: 20, half_spread_bps: 1.0, level_spacing_bps: 2.0,
              size_per_level: 5.0, skew_bps_per_unit: 0.0, max_skew: 0.0,
              target_inventory: 100.0, max_inventory: 1000.0,
              latency_ms: Constant(50.0), cash: 100000000.0, inventory: 100.0)],
    oracle: (name: "mark", sources: [(read: Reference)], observe_every_ms: 100.0,
             latency_ms: Constant(0.0), publication: Pull(max_age_s: 10.0, max_conf: 0.5)),
    lending: (liquidation_threshold: 0.83, liquidation_bonus: 1.05, protocol_fee: 0.1),
    accounts: (count: 0, collateral: Constant(1.0), health_factor: Constant(1.5)),
    liquidators: [],
    perps: (
        rules: Hyperliquid,
        latency_ms: Constant(100.0),
        accounts: (count: 6, long_share: 1.0, notional_usd: Constant(100000.0),
                   leverage: Constant(10.0)),
    ),
)
"#;

fn synthetic() -> Scenario {
    Scenario::parse(SYNTHETIC, "synthetic.ron").unwrap()
}

/// Runs with the invariants checked after every event.
fn run_checked(s: &Scenario) -> (RunStats, MemoryTrace, Summary) {
    let cfg = build(s, None, &data_dir()).unwrap();
    let mut w = World::new(cfg.clone(), MemoryTrace::default());
    w.set_check_invariants(true);
    let (stats, trace) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let summary = Summary::new(&cfg, &stats, String::new());
    (stats, trace, summary)
}

fn rows<'a>(t: &'a MemoryTrace, event: &str) -> Vec<&'a PerpRow> {
    t.perps.iter().filter(|r| r.event == event).collect()
}

/// 1 BTC long at 100,000 on 10,000 USD, Hyperliquid's BTC maintenance 1/80: equity at mark M
/// is 10,000 + M - 100,000, maintenance M / 80, so the account is liquidatable below
/// M = 90,000 * 80 / 79 = 91,139.24. The mark steps 100 USD a second: at 91,200 equity 1,200 >
/// 1,140 (safe); at 91,100 equity 1,100 < 1,138.75: liquidated, through the book (1,100 is above
/// 2/3 of 1,138.75 = 759.17, and the notional is below the 100k partial threshold), whole.
#[test]
fn a_long_is_liquidated_through_the_book_at_the_hand_computed_mark() {
    let (_, t, summary) = run_checked(&synthetic());
    let orders = rows(&t, "order");
    assert_eq!(orders.len(), 6, "every account, one whole order each");
    for r in &orders {
        assert_eq!(r.mark, 91_100.0);
        assert!((r.equity.unwrap() - 1_100.0).abs() < 1e-9, "{r:?}");
        assert!((r.maintenance.unwrap() - 1_138.75).abs() < 1e-9, "{r:?}");
        assert_eq!((r.side, r.size, r.filled), ("sell", 1.0, Some(1.0)));
        // Realised: 1 BTC at the average fill price against the 100,000 entry.
        let fill = r.price.unwrap();
        assert!(
            (r.amount.unwrap() - (fill - 100_000.0)).abs() < 1e-6,
            "{r:?}"
        );
        // Sold into the maker's bids just under the reference: no deficit.
        assert!((91_000.0..91_100.0).contains(&fill), "{fill}");
        assert_eq!(r.generation, Some(0));
    }
    // The first mark at or below 91,139.24 was 91,100, published 100 ms before the check.
    let first = t
        .oracle
        .iter()
        .find(|o| o.event == "publish" && o.price <= 91_139.24)
        .unwrap();
    assert_eq!(first.price, 91_100.0);
    assert_eq!(orders[0].time_ns, first.time_ns + 100_000_000);
    // The book's trades carry the liquidations' ids and add up to what the rows say.
    let sold: f64 = t
        .trades
        .iter()
        .filter(|tr| tr.liquidation.is_some())
        .inspect(|tr| assert_eq!((tr.taker.as_str(), tr.taker_side), ("clearing", "sell")))
        .map(|tr| tr.qty)
        .sum();
    assert!((sold - 6.0).abs() < 1e-9);
    let p = summary.perps.unwrap();
    assert_eq!((p.liquidations, p.market_orders, p.adl_events), (6, 6, 0));
    assert_eq!(p.negative_equity_accounts, 0);
    assert_eq!(
        summary.liquidations, 6,
        "perp liquidations count in the total"
    );
}

/// No bids at all (the maker has no cash), no backstop, no insurance fund, most accounts
/// short. The longs are liquidatable from 91,100 but nothing can buy their orders; at 90,000
/// their equity is exactly zero (not yet bankrupt), at 89,900 it is -100 USD: bankrupt, and
/// with no fund to pay, ADL closes each long against the shorts at its bankruptcy price,
/// 100,000 - 10,000 / 1 = 90,000 exactly. Every short has the same Hyperliquid index, so the
/// queue is by account id: the k-th long deleveraged meets the k-th short, and each short
/// realises 100,000 - 90,000 = 10,000 USD.
#[test]
fn a_bankrupt_long_is_deleveraged_at_its_bankruptcy_price() {
    let mut s = synthetic();
    s.makers[0].cash = 0.0;
    let p = s.perps.as_mut().unwrap();
    p.accounts.long_share = 0.3;
    p.accounts.count = 10;
    let cfg = build(&s, None, &data_dir()).unwrap();
    let perps = cfg.perps.as_ref().unwrap();
    let longs: Vec<u32> = (1..=10)
        .filter(|&i| perps.accounts[i as usize - 1].size > 0)
        .collect();
    let shorts: Vec<u32> = (1..=10)
        .filter(|&i| perps.accounts[i as usize - 1].size < 0)
        .collect();
    assert!(
        !longs.is_empty() && shorts.len() >= longs.len(),
        "{longs:?} {shorts:?}"
    );

    let (stats, t, summary) = run_checked(&s);
    let adl = rows(&t, "adl");
    assert_eq!(adl.len(), longs.len());
    let mut bankrupt: Vec<u32> = adl.iter().map(|r| r.account).collect();
    bankrupt.sort_unstable();
    assert_eq!(bankrupt, longs);
    let counterparties: Vec<u32> = adl.iter().map(|r| r.counterparty.unwrap()).collect();
    assert_eq!(counterparties, shorts[..longs.len()]);
    for r in &adl {
        assert_eq!((r.price, r.mark, r.size), (Some(90_000.0), 89_900.0, 1.0));
        assert!((r.equity.unwrap() + 100.0).abs() < 1e-9);
        assert_eq!(r.insurance_fund, 0.0);
    }
    assert!(rows(&t, "order").is_empty() && rows(&t, "backstop").is_empty());
    let p = summary.perps.unwrap();
    assert_eq!(p.adl_accounts, longs.len() as u64);
    assert!((p.adl_notional - 90_000.0 * longs.len() as f64).abs() < 1e-6);
    assert!(p.no_liquidity > 0, "the longs waited for a bid from 91,100");
    assert_eq!(p.bad_debt, 0.0);
    // Each bankrupt long ended 100 USD below zero at the mark, borne by its counterparty.
    assert_eq!(p.negative_equity_accounts, longs.len() as u64);
    assert!((p.negative_equity_total + 100.0 * longs.len() as f64).abs() < 1e-6);
    assert_eq!(stats.perps.unwrap().adl_unfilled, 0);
}

/// Generation and parent of each liquidation id from the perp rows.
fn liquidations(t: &MemoryTrace) -> BTreeMap<u32, (u32, Option<u32>)> {
    let mut out = BTreeMap::new();
    for r in &t.perps {
        if let (Some(id), Some(g)) = (r.liquidation, r.generation) {
            let prev = out.insert(id, (g, r.parent));
            assert!(prev.is_none_or(|p| p == (g, r.parent)), "liquidation {id}");
        }
    }
    out
}

/// The claims of `scenarios/oct10_2025_perps.ron`'s header, on one run with the world's
/// invariants (value and lots conserved exactly, books consistent) checked after every event.
#[test]
fn oct10_perps_cascade_exhausts_the_backstop_and_the_fund_before_adl() {
    if data_dir_or_skip("binance-btcusdt-perp-1m-2025-10-10").is_none() {
        return;
    }
    let s = scenario("oct10_2025_perps.ron");
    let (_, t, summary) = run_checked(&s);
    let p = summary.perps.clone().unwrap();
    eprintln!("{}", summary.human());

    // The path: BTC -13% from 20:50 to the 21:20 low on the reference.
    let start = t.book_top[0].reference;
    let low = summary.min_reference_price.unwrap();
    assert!(low / start < 0.88, "{start} -> {low}");

    // Liquidations cascade: generation 2 and beyond, each parent earlier and one generation
    // before its child.
    let liq = liquidations(&t);
    assert_eq!(liq.len() as u64, p.liquidations);
    assert!(p.max_generation.unwrap() >= 2, "{:?}", p.max_generation);
    for (&id, &(g, parent)) in &liq {
        match parent {
            None => assert_eq!(g, 0),
            Some(q) => {
                assert!(q < id);
                assert_eq!(g, liq[&q].0 + 1, "liquidation {id}");
            }
        }
    }

    // ADL only once the backstop and the fund are exhausted: every ADL'd account was bankrupt
    // (the vault never takes negative equity) with a deficit the fund could not pay, and at
    // every ADL the vault's own account value was below zero (it could take nothing). Before
    // the first ADL the vault had refused accounts for lack of capital and the fund had paid
    // deficits.
    let adl = rows(&t, "adl");
    assert!(adl.len() >= 100, "{} ADL events", adl.len());
    for r in &adl {
        let deficit = -r.equity.unwrap();
        assert!(deficit > 0.0, "{r:?}");
        assert!(
            r.insurance_fund < deficit,
            "the fund could have paid: {r:?}"
        );
        assert!(r.vault_value < 0.0, "the vault had capital: {r:?}");
    }
    let first_adl = adl[0].time_ns;
    let before = |event: &str| {
        t.perps
            .iter()
            .any(|r| r.event == event && r.time_ns < first_adl)
    };
    assert!(before("backstop") && before("backstop_refused") && before("insurance_draw"));
    assert!(p.insurance_fund_end < p.insurance_fund_start);

    // Timing: the first ADL falls in the reconstruction's 21:15-21:27 window (t from 1,500 s),
    // between 30 s and 150 s after the first liquidation inside it (Hyperliquid: 61.7 s).
    let window = 1_500_000_000_000u64;
    let first_in_window = t
        .perps
        .iter()
        .find(|r| r.time_ns >= window && r.generation.is_some())
        .unwrap()
        .time_ns;
    assert!((window..2_220_000_000_000).contains(&first_adl));
    let gap = (first_adl - first_in_window) as f64 / 1e9;
    assert!((30.0..150.0).contains(&gap), "first ADL {gap} s after");

    // Figures: accounts ending below zero, and ADL a minority of what was liquidated.
    assert!(p.negative_equity_accounts >= 100 && p.negative_equity_total < 0.0);
    let liquidated = p.liquidated_notional + p.backstop_notional;
    assert!(p.adl_notional > 0.02 * liquidated && p.adl_notional < 0.5 * liquidated);
    assert_eq!(p.adl_events, adl.len() as u64);

    // The trace adds up: what the clearing agent sold or bought per liquidation is what the
    // perp rows say filled (liquidation orders and the vault's unwinding).
    let mut traded: BTreeMap<u32, f64> = BTreeMap::new();
    for tr in t.trades.iter().filter(|tr| tr.taker == "clearing") {
        *traded.entry(tr.liquidation.unwrap()).or_default() += tr.qty;
    }
    let mut filled: BTreeMap<u32, f64> = BTreeMap::new();
    for r in &t.perps {
        if let (Some(f), Some(id)) = (r.filled, r.liquidation) {
            *filled.entry(id).or_default() += f;
        }
    }
    assert_eq!(traded.len(), filled.len());
    for (id, q) in &traded {
        assert!((q - filled[id]).abs() < 1e-6, "liquidation {id}");
    }
}

/// The determinism contract on the perp scenario: two runs hash to the same full trace, a
/// different seed does not.
#[test]
fn oct10_perps_runs_are_byte_identical() {
    if data_dir_or_skip("binance-btcusdt-perp-1m-2025-10-10").is_none() {
        return;
    }
    let s = scenario("oct10_2025_perps.ron");
    let hash = |seed: Option<u64>| {
        let cfg = build(&s, seed, &data_dir()).unwrap();
        let (_, trace) = World::new(cfg, cascade_engine::trace::CsvTrace::hash_only()).run();
        trace.finish().unwrap()
    };
    let a = hash(None);
    assert_eq!(a, hash(None));
    assert_ne!(a, hash(Some(1)));
}
