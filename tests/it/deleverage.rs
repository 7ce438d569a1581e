//! Borrowers' deleverage bots against hard liquidation on the same crash
//! (`scenarios/flash_crash_deleverage.ron`, seed 42): the crash with and without bots, with
//! value conservation checked after every event.
//!
//! Measured at seed 42 (flash_crash's 1,000 borrowers, half of them with a bot acting 5% above
//! the liquidation price and restoring HF 1.3 at the book's mid):
//!
//! | | liquidations | bad debt, USD | lost to liquidations, USD | deleverage cost, USD |
//! |---|---|---|---|---|
//! | without bots | 885 | 575,712 | 1,090,736 | - |
//! | with bots | 648 | 333,268 | 658,460 | 17,968 |
//!
//! The bots also start a small cascade of their own: the accounts that begin within the buffer
//! sell 1,153 ETH in the first minute, before the reference moves, which takes the thin book's
//! mid about 5% down and liquidates 16 accounts that the crash alone would have reached later.

use crate::support::{data_dir, scenario};
use cascade::{MemoryTrace, Scenario, Summary, World, build};
use std::collections::BTreeMap;

struct Run {
    summary: Summary,
    trace: MemoryTrace,
    bots: Vec<u32>,
}

/// Runs with [`World::check`] after every event.
fn run(s: &Scenario) -> Run {
    let config = build(s, None, &data_dir()).unwrap();
    let bots = config
        .deleverage
        .as_ref()
        .map_or(Vec::new(), |d| d.bots.iter().map(|a| a.0).collect());
    let mut w = World::new(config.clone(), MemoryTrace::default());
    w.set_check_invariants(true);
    let (stats, trace) = w.run();
    assert_eq!(stats.invariant_violation, None, "{}", s.name);
    Run {
        summary: Summary::new(&config, &stats, String::new()),
        trace,
        bots,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Collateral seized, at the book's price just before its sale (`price_before` of each row of
/// `liquidations.csv`: the single-venue oracle observes the book's mid), less the debt it
/// repaid, USD: under Aave's rules (no borrower credit; debt written off is not paid off) the
/// liquidation bonus valued at the market price.
fn bonus_losses(r: &Run) -> f64 {
    r.trace
        .liquidations
        .iter()
        .map(|l| l.collateral_seized * l.price_before.expect("a price") - l.debt_repaid)
        .sum()
}

#[test]
fn bots_cut_liquidations_bad_debt_and_borrower_losses_on_the_same_crash() {
    let with_bots = scenario("flash_crash_deleverage.ron");
    let mut without_bots = with_bots.clone();
    without_bots.lending.deleverage = None;
    let with = run(&with_bots);
    let without = run(&without_bots);
    let d = with
        .summary
        .deleverage
        .as_ref()
        .expect("a deleverage section");
    eprintln!("{}", with.summary.human());
    eprintln!(
        "without bots: {} liquidations, bad debt {:.2} USD, lost to liquidations {:.2} USD",
        without.summary.liquidations,
        without.summary.bad_debt,
        bonus_losses(&without)
    );

    // Without the section the run is flash_crash's: no bot, no row, nothing sold by bots.
    assert!(without.summary.deleverage.is_none());
    assert!(without.trace.deleverage.is_empty());
    assert!(
        without
            .summary
            .per_minute
            .iter()
            .all(|m| m.deleverage_sold == 0.0)
    );

    // Half the accounts run a bot (1,000 draws at share 0.5), and they acted.
    assert_eq!(d.bots as usize, with.bots.len());
    assert!((400..=600).contains(&d.bots), "{} bots", d.bots);
    assert!(d.deleverages > 0 && d.accounts_deleveraged > 0);
    assert!(d.accounts_deleveraged <= d.bots);

    // Fewer liquidations, less bad debt, and borrowers lose less to liquidation bonuses; the
    // bots' own cost (slippage and gas) is smaller than what they saved.
    assert!(with.summary.liquidations < without.summary.liquidations);
    assert!(with.summary.bad_debt < without.summary.bad_debt);
    let saved = bonus_losses(&without) - bonus_losses(&with);
    assert!(saved > 0.0, "saved {saved}");
    assert!(d.borrower_cost > 0.0 && d.borrower_cost < saved);
    // The summary's loss to liquidations is the bonus under Aave's rules, with and without.
    assert!(
        close(d.liquidation_losses, bonus_losses(&with)),
        "{} vs {}",
        d.liquidation_losses,
        bonus_losses(&with)
    );
    assert!(close(with.summary.liquidation_losses, d.liquidation_losses));
    assert!(close(
        without.summary.liquidation_losses,
        bonus_losses(&without)
    ));

    // Accounts that start within the buffer all deleverage at once, before the reference
    // moves (at 120 s): without bots nothing is liquidated before the fall, with them the
    // bots' own sales into the thin book take the mid down and liquidate accounts first.
    let crash = 120_000_000_000;
    let before_crash = |r: &Run| {
        r.trace
            .liquidations
            .iter()
            .filter(|l| l.time_ns < crash)
            .count()
    };
    assert_eq!(before_crash(&without), 0);
    assert!(before_crash(&with) > 0);
    let first_delev = with.trace.deleverage[0].time_ns;
    assert!(with.trace.liquidations[0].time_ns > first_delev);

    // The bots sold before any bot account was liquidated, and every bot account liquidated
    // was liquidated after its bot had sold for it.
    let first_liq = d
        .first_bot_liquidation_s
        .expect("some bot accounts are liquidated");
    assert!(d.first_deleverage_s.unwrap() < first_liq);
    let mut first_sale: BTreeMap<u32, u64> = BTreeMap::new();
    for r in &with.trace.deleverage {
        first_sale.entry(r.account).or_insert(r.time_ns);
    }
    let mut liquidated_bots = BTreeMap::new();
    for l in &with.trace.liquidations {
        if with.bots.binary_search(&l.account).is_ok() {
            liquidated_bots.entry(l.account).or_insert(l.time_ns);
        }
    }
    assert_eq!(liquidated_bots.len() as u64, d.bot_accounts_liquidated);
    let after_sale = liquidated_bots
        .iter()
        .filter(|(a, t)| first_sale.get(a).is_some_and(|s| s < t))
        .count() as u64;
    assert_eq!(after_sale, d.deleveraged_then_liquidated);
    // Only bot accounts are deleveraged.
    assert!(
        first_sale
            .keys()
            .all(|a| with.bots.binary_search(a).is_ok())
    );

    // Each sale raised the health factor at the watched price, repaid at most its proceeds
    // less gas, and the rows add up to the summary.
    for r in &with.trace.deleverage {
        let (before, after) = (r.hf_before.unwrap(), r.hf_after.unwrap_or(f64::INFINITY));
        assert!(after > before, "{r:?}");
        assert!(r.debt_repaid <= r.proceeds - r.gas + 1e-9, "{r:?}");
    }
    let sum = |f: fn(&cascade_engine::trace::DeleverageRow) -> f64| {
        with.trace.deleverage.iter().map(f).sum::<f64>()
    };
    assert_eq!(with.trace.deleverage.len() as u64, d.deleverages);
    assert!(close(sum(|r| r.collateral_sold), d.collateral_sold));
    assert!(close(sum(|r| r.debt_repaid), d.debt_repaid));
    assert!(close(sum(|r| r.cost), d.borrower_cost));

    // Sales and losses per minute add up to each side's totals, with and without bots.
    for r in [&with, &without] {
        let minutes = &r.summary.per_minute;
        let total =
            |f: fn(&cascade_report::PressureMinute) -> f64| minutes.iter().map(f).sum::<f64>();
        assert!(close(
            total(|m| m.liquidation_sold),
            r.summary.liquidation_sales
        ));
        assert!(close(
            total(|m| m.liquidation_losses),
            r.summary.liquidation_losses
        ));
        let d = r.summary.deleverage.as_ref();
        assert!(close(
            total(|m| m.deleverage_sold),
            d.map_or(0.0, |d| d.collateral_sold)
        ));
        assert!(close(
            total(|m| m.deleverage_cost),
            d.map_or(0.0, |d| d.borrower_cost)
        ));
    }
}

/// With the section but no bot (share 0) nothing draws or acts differently: the liquidations
/// are flash_crash's, row for row.
#[test]
fn no_bots_leave_the_crash_unchanged() {
    let mut s = scenario("flash_crash_deleverage.ron");
    s.lending.deleverage.as_mut().unwrap().share = 0.0;
    let mut base = s.clone();
    base.lending.deleverage = None;
    let (a, b) = (run(&s), run(&base));
    assert_eq!(a.summary.deleverage.as_ref().unwrap().bots, 0);
    assert_eq!(a.summary.deleverage.as_ref().unwrap().wakes, 0);
    assert_eq!(a.trace.liquidations, b.trace.liquidations);
    assert_eq!(a.trace.trades, b.trace.trades);
    assert_eq!(a.summary.bad_debt, b.summary.bad_debt);
}

/// Once the crash starts (the reference falls from 120 s), bots watching the market act no
/// later than bots watching the oracle, which trails the book; both runs conserve value.
#[test]
fn bots_watching_the_market_act_before_bots_watching_the_oracle() {
    let market = scenario("flash_crash_deleverage.ron");
    let mut oracle = market.clone();
    oracle.lending.deleverage.as_mut().unwrap().watch = cascade_scenario::WatchSpec::Oracle;
    let (m, o) = (run(&market), run(&oracle));
    let crash = 120_000_000_000;
    let first = |r: &Run| {
        r.trace
            .deleverage
            .iter()
            .find(|d| d.time_ns >= crash)
            .expect("a deleverage in the crash")
            .time_ns
    };
    let (fm, fo) = (first(&m), first(&o));
    assert!(fm <= fo, "market {fm} ns, oracle {fo} ns");
    for r in &o.trace.deleverage {
        assert_eq!(r.watched_price, r.oracle_price, "{r:?}");
    }
}

/// The `deleverage` figure is drawn for a run with bots and not for one without; its series
/// cover every minute of the run and end at the summary's totals.
#[test]
fn the_deleverage_figure_is_drawn_for_runs_with_bots() {
    let dir = crate::support::temp_dir("deleverage-figure");
    let opts = cascade::RunOptions {
        formats: vec![cascade_report::plot::Format::Png],
        data_dir: data_dir(),
        ..cascade::RunOptions::default()
    };
    let with = cascade::run_to_dir(
        &scenario("flash_crash_deleverage.ron"),
        &dir.join("with"),
        &opts,
    )
    .unwrap();
    let without =
        cascade::run_to_dir(&scenario("flash_crash.ron"), &dir.join("without"), &opts).unwrap();
    assert!(dir.join("with/plots/deleverage.png").is_file());
    assert!(!dir.join("without/plots/deleverage.png").exists());
    assert!(without.deleverage.is_none());
    let d = with.deleverage.as_ref().unwrap();
    let minutes = cascade_report::dense_minutes(&with.per_minute, with.sim_seconds);
    assert_eq!(minutes.len(), 30, "a 1,800 s run has 30 minutes");
    assert!(
        minutes
            .iter()
            .enumerate()
            .all(|(i, m)| m.minute as usize == i)
    );
    let cost: f64 = minutes.iter().map(|m| m.deleverage_cost).sum();
    assert!(close(cost, d.borrower_cost));
    // The baseline inside the bots' summary is the crash without bots: flash_crash itself, run
    // separately here.
    let base = d.without_bots.as_ref().expect("the baseline without bots");
    assert_eq!(base.hard_liquidations, without.liquidations);
    assert!(close(base.bad_debt, without.bad_debt));
    assert!(close(base.borrower_losses, without.liquidation_losses));
    assert!(close(minutes.last().unwrap().bad_debt, with.bad_debt));
    // ...and the bots cut both the losses to liquidations and the bad debt.
    assert!(d.liquidation_losses + d.borrower_cost < base.borrower_losses);
    assert!(with.bad_debt < base.bad_debt);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// With `max_slippage` a bot's sale is an IOC order at the watched price less that fraction:
/// every sale fetches at least that price on every unit and the bots sell less than with
/// market orders (the book's deeper levels are refused); value is conserved after every event.
#[test]
fn a_slippage_limit_bounds_every_sale() {
    let market = scenario("flash_crash_deleverage.ron");
    let mut limited = market.clone();
    if let Some(d) = limited.lending.deleverage.as_mut() {
        d.max_slippage = Some(0.005);
    }
    let m = run(&market);
    let l = run(&limited);
    assert!(!l.trace.deleverage.is_empty());
    let tick = 0.01;
    for r in &l.trace.deleverage {
        // The limit is rounded up to a tick: 0.995 x watched, up.
        let floor = (r.watched_price * 0.995 / tick).ceil() * tick;
        assert!(
            r.proceeds >= r.collateral_sold * floor - 1e-6,
            "{} sold for {} at watched {}",
            r.collateral_sold,
            r.proceeds,
            r.watched_price
        );
    }
    let sold = |r: &Run| {
        r.trace
            .deleverage
            .iter()
            .map(|x| x.collateral_sold)
            .sum::<f64>()
    };
    let worst = |r: &Run| {
        r.trace
            .deleverage
            .iter()
            .filter(|x| x.collateral_sold > 0.0)
            .map(|x| x.proceeds / x.collateral_sold / x.watched_price)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(sold(&l) < sold(&m), "{} vs {}", sold(&l), sold(&m));
    // Market orders sold some units further below the watched price than the limit allows.
    assert!(worst(&m) < 0.995, "{}", worst(&m));
    assert!(worst(&l) >= 0.995 - 1e-9, "{}", worst(&l));
}
