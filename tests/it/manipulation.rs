//! Oracle manipulation (`scenarios/manipulation_*.ron`): an attacker who pushes a thin venue
//! down profits when the market's oracle reads that venue alone and loses its manipulation
//! cost when the oracle is a median of several venues with a TWAP; its trades, liquidations and
//! accounts agree with the trace.

use crate::support::scenario;
use cascade::{InMemoryRun, Scenario, World, build, run_in_memory};
use cascade_report::AttackSummary;

const SECOND: f64 = 1e9;

fn run(s: &Scenario) -> InMemoryRun {
    let run = run_in_memory(s, None);
    assert!(run.stats.invariant_violation.is_none(), "{}", s.name);
    run
}

fn attack(run: &InMemoryRun) -> &AttackSummary {
    assert_eq!(run.summary.attacks.len(), 1, "one attacker");
    &run.summary.attacks[0]
}

/// Liquidation rows between `from_s` and `to_s` (inclusive).
fn liquidations_between(run: &InMemoryRun, from_s: f64, to_s: f64) -> usize {
    run.trace
        .liquidations
        .iter()
        .filter(|l| (from_s * SECOND..=to_s * SECOND).contains(&(l.time_ns as f64)))
        .count()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * (1.0 + a.abs().max(b.abs())),
        "{what}: {a} vs {b}"
    );
}

/// The headline claim: the same attack on the same market pays against a single-venue oracle
/// and loses money against a median of three venues with a TWAP, where it liquidates no one.
#[test]
fn manipulation_pays_against_one_thin_venue_and_not_against_a_median_twap() {
    let single = run(&scenario("manipulation_single_venue.ron"));
    let median = run(&scenario("manipulation_median_twap.ron"));
    let (a, m) = (attack(&single), attack(&median));
    eprintln!("single venue: {}", a.human());
    eprintln!("median twap:  {}", m.human());
    assert!(a.pnl > 0.0, "single venue pnl {}", a.pnl);
    assert!(m.pnl < 0.0, "median twap pnl {}", m.pnl);

    // Liquidations in the attack window, counted from the trace.
    let window = |x: &AttackSummary| (x.start_s.unwrap(), x.window_end_s.unwrap());
    let (from, to) = window(a);
    let in_single = liquidations_between(&single, from, to);
    let (from_m, to_m) = window(m);
    let in_median = liquidations_between(&median, from_m, to_m);
    assert!(in_single >= 20, "{in_single} liquidations in the window");
    assert_eq!(in_median, 0, "the median ignores the thin venue");
    assert_eq!(in_single as u64, a.liquidations_in_window);
    assert_eq!(m.liquidations_in_window, 0);

    // The single-venue oracle followed the pool down; the median stayed with the deep books.
    let min_published = |r: &InMemoryRun, name: &str| {
        r.trace
            .oracle
            .iter()
            .filter(|o| o.oracle == name && o.event == "publish")
            .map(|o| o.price)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(min_published(&single, "single_venue") < 1_750.0);
    assert!(min_published(&median, "median_twap") > 1_980.0);
    // Each file computes the other design alongside: the same observation holds there.
    assert!(min_published(&single, "median_twap") > 1_980.0);
    assert!(min_published(&median, "single_venue") < 1_750.0);

    // The manipulation costs about the same on both markets: the push is the same trade.
    assert!(a.manipulation_cost > 0.0 && m.manipulation_cost > 0.0);
    assert!((a.manipulation_cost - m.manipulation_cost).abs() < 0.05 * m.manipulation_cost);
    // Borrowers lose at least what the attacker's liquidators gain (the protocol's fee and
    // the sale slippage on top), and more at the reference than at the manipulated oracle.
    assert!(a.victim_loss >= a.liquidation_profit);
    assert!(a.victim_loss > a.bonus_at_oracle);
    assert_eq!(m.victim_loss, 0.0);
}

/// The summary's figures add up: the P&L is the wallets' change less the capital charge, and
/// splits into the liquidation profit less the manipulation cost; the trade counts match the
/// trace.
#[test]
fn attack_accounts_add_up_and_match_the_trace() {
    let single = run(&scenario("manipulation_single_venue.ron"));
    let a = attack(&single);
    close(
        a.pnl,
        a.final_value - a.initial_value - a.capital_cost,
        "pnl",
    );
    close(
        a.pnl,
        a.liquidation_profit - a.manipulation_cost - a.capital_cost,
        "pnl split",
    );
    close(
        a.manipulation_cost,
        a.push_cost + a.unwind_cost + a.gas,
        "manipulation cost",
    );
    assert!(a.capital_cost > 0.0 && a.pool_fees > 0.0 && a.pool_fees < a.push_cost);

    // Every unit the attacker sold or bought is a trade with it as the taker.
    let t = &single.trace;
    let trades = |side: &str| -> (f64, f64) {
        t.trades
            .iter()
            .filter(|r| r.taker == a.attacker && r.taker_side == side)
            .fold((0.0, 0.0), |(q, v), r| (q + r.qty, v + r.qty * r.price))
    };
    let (sold, proceeds) = trades("sell");
    let (bought, paid) = trades("buy");
    close(sold, a.sold, "sold");
    close(proceeds, a.push_proceeds, "proceeds");
    close(bought, a.bought, "bought");
    close(paid, a.unwind_paid, "paid");
    // It bought back what it sold, to the lot.
    assert!(
        (a.sold - a.bought).abs() < 1e-9,
        "{} vs {}",
        a.sold,
        a.bought
    );

    // attacks.csv: one row per transaction, one per own liquidation.
    let rows = |phase: &'static str| t.attacks.iter().filter(move |r| r.phase == phase);
    let pushed: f64 = rows("push").chain(rows("repush")).map(|r| r.qty).sum();
    close(pushed, a.sold, "pushed in attacks.csv");
    let unwound: f64 = rows("unwind").map(|r| r.qty).sum();
    close(unwound, a.bought, "unwound in attacks.csv");
    assert_eq!(rows("push").count(), 1);
    assert_eq!(rows("unwind").count(), 6, "six slices");
    assert_eq!(
        (rows("push").count() + rows("repush").count() + rows("unwind").count()) as u32,
        a.transactions
    );
    assert_eq!(rows("liquidation").count() as u64, a.own_liquidations);
    // Own liquidations are the controlled liquidator's rows in liquidations.csv.
    let by_liq5 = t.liquidations.iter().filter(|l| l.liquidator == "liq5");
    assert_eq!(by_liq5.count() as u64, a.own_liquidations);
    // The repaid debt of the window's liquidations, from the trace.
    let (from, to) = (
        a.start_s.unwrap() * SECOND,
        a.window_end_s.unwrap() * SECOND,
    );
    let repaid: f64 = t
        .liquidations
        .iter()
        .filter(|l| (from..=to).contains(&(l.time_ns as f64)))
        .map(|l| l.debt_repaid)
        .sum();
    close(repaid, a.debt_repaid_in_window, "debt repaid in the window");
}

/// Without the attacker the single-venue market is calm: no liquidation in the attack's window
/// (nor anywhere else), and the oracle stays near the reference.
#[test]
fn without_the_attacker_nothing_is_liquidated_in_the_window() {
    let mut s = scenario("manipulation_single_venue.ron");
    let spec = s.attackers.remove(0);
    let calm = run(&s);
    assert!(calm.summary.attacks.is_empty());
    let from = spec.start_s;
    let unwind = spec.unwind.every_s * f64::from(spec.unwind.slices - 1);
    let to = spec.start_s + spec.hold_s + unwind + spec.window_tail_s;
    assert_eq!(liquidations_between(&calm, from, to), 0);
    assert_eq!(calm.summary.liquidations, 0);
    assert!(calm.summary.min_oracle_price.unwrap() > 1_980.0);
}

/// The attacker draws nothing and its agent id comes after everyone else's: until it starts,
/// the run with it is the run without it, row for row.
#[test]
fn an_attacker_changes_nothing_before_it_starts() {
    let with = run(&scenario("manipulation_single_venue.ron"));
    let mut s = scenario("manipulation_single_venue.ron");
    let start = s.attackers.remove(0).start_s;
    let without = run(&s);
    let before = |r: &InMemoryRun| {
        let cut = (start * SECOND) as u64;
        let trades: Vec<_> = r
            .trace
            .trades
            .iter()
            .filter(|t| t.time_ns < cut)
            .cloned()
            .collect();
        let oracle: Vec<_> = r
            .trace
            .oracle
            .iter()
            .filter(|o| o.time_ns < cut)
            .cloned()
            .collect();
        let tops: Vec<_> = r
            .trace
            .book_top
            .iter()
            .filter(|b| b.time_ns < cut)
            .cloned()
            .collect();
        (trades, oracle, tops)
    };
    let (a, b) = (before(&with), before(&without));
    assert!(!a.1.is_empty() && !a.2.is_empty());
    assert_eq!(a, b);
}

/// The same attack through the engine's other venue kind: a thin book quoted by one slow
/// market maker whose ladder spans 20%, read by the oracle through its mid. The attacker's IOC
/// orders walk the bids; the maker re-quotes after its latency and is hit again. Value is
/// conserved after every event.
#[test]
fn a_thin_book_can_be_pushed_too() {
    let mut s = scenario("manipulation_single_venue.ron");
    s.name = "manipulation_thin_book".into();
    s.venues.push(cascade_scenario::VenueSpec {
        name: "thinbook".into(),
        reference: None,
    });
    let mut maker = s.makers[0].clone();
    maker.venue = Some("thinbook".into());
    maker.count = 1;
    maker.levels = 20;
    maker.half_spread_bps = 5.0;
    maker.level_spacing_bps = 100.0;
    maker.size_per_level = 0.5;
    maker.skew_bps_per_unit = 2.0;
    maker.target_inventory = 50.0;
    maker.max_inventory = 100.0;
    maker.inventory = 50.0;
    maker.cash = 1_000_000.0;
    maker.latency_ms = cascade_des::dist::Dist::LogNormal {
        median: 2000.0,
        sigma: 0.5,
    };
    s.makers.push(maker);
    s.oracle.sources[0].read = cascade_scenario::oracle_spec::ReadSpec::Mid("thinbook".into());
    s.attackers[0].venue = "thinbook".into();
    let config = build(&s, None, &crate::support::data_dir()).unwrap();
    let mut w = World::new(config, ());
    w.set_check_invariants(true);
    let (stats, ()) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let a = &stats.attacks[0];
    assert_eq!(a.venue, "thinbook");
    assert!(a.transactions > 10, "{} transactions", a.transactions);
    assert!(a.own_liquidations > 0, "the mid reached the oracle");
    assert_eq!(a.sold, a.bought);

    let run = run(&s);
    let min_oracle = run.summary.min_oracle_price.unwrap();
    assert!(min_oracle < 1_900.0, "oracle low {min_oracle}");
    assert!(
        run.trace
            .trades
            .iter()
            .any(|t| t.venue == "thinbook" && t.taker == "atk0" && t.taker_side == "sell")
    );
}

/// A sized push (`Sell`) unwound on the thin pool itself, in two slices: the buy-back is a
/// swap sized to return the lots sold, which moves the small pool far up and costs more than
/// the push. Value is conserved after every event.
#[test]
fn a_sized_push_unwound_on_the_pool() {
    let mut s = scenario("manipulation_single_venue.ron");
    let a = &mut s.attackers[0];
    a.push = cascade_scenario::PushSpec::Sell(2.0);
    a.budget = 20.0;
    a.unwind = cascade_scenario::UnwindSpec {
        venue: None,
        slices: 2,
        every_s: 5.0,
    };
    let config = build(&s, None, &crate::support::data_dir()).unwrap();
    let mut w = World::new(config, ());
    w.set_check_invariants(true);
    let (stats, ()) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let run = run(&s);
    let a = attack(&run);
    assert!(a.sold <= 20.0 + 1e-9 && a.sold >= 2.0, "sold {}", a.sold);
    assert!(
        (a.sold - a.bought).abs() < 1e-9,
        "{} vs {}",
        a.sold,
        a.bought
    );
    assert!(a.unwind_cost > 0.0, "buying back on the thin pool costs");
    let unwinds: Vec<_> = run
        .trace
        .attacks
        .iter()
        .filter(|r| r.phase == "unwind")
        .collect();
    assert_eq!(unwinds.len(), 2);
    assert!(unwinds.iter().all(|r| r.venue == "thin"));
}
