//! Sandwiches around liquidation sales on a pool (`scenarios/sandwich_liquidations.ron`): the
//! sandwicher profits, the liquidators lose at least as much, every victim keeps the output its
//! slippage setting allows, and the trace holds each sandwich.

use crate::support::scenario;
use cascade::{InMemoryRun, run_in_memory};

fn run(s: &cascade::Scenario) -> InMemoryRun {
    let run = run_in_memory(s, None);
    assert!(run.stats.invariant_violation.is_none(), "{}", s.name);
    run
}

#[test]
fn a_sandwicher_profits_from_liquidation_sales_and_the_liquidators_pay() {
    let s = scenario("sandwich_liquidations.ron");
    let with = run(&s);
    assert_eq!(with.summary.sandwiches.len(), 1);
    let w = &with.summary.sandwiches[0];
    eprintln!("{}", w.human());
    assert!(w.sandwiches >= 50, "{} sandwiches", w.sandwiches);
    assert!(w.sandwiches <= w.victims_seen);
    assert!(w.profit > 0.0, "profit {}", w.profit);
    assert!(w.liquidator_loss > 0.0);
    // The sandwicher takes no more than the victims lose: the rest is the pool's fees.
    assert!(
        w.profit + w.gas <= w.liquidator_loss,
        "{} + {} vs {}",
        w.profit,
        w.gas,
        w.liquidator_loss
    );
    // Each victim got at least 99.5% of its quote, so all of them together did.
    assert!(w.victim_proceeds >= 0.995 * w.victim_quoted - 1e-6);
    // Its base is back where it started: every front-run was bought back.
    let rows = |phase: &'static str| with.trace.attacks.iter().filter(move |r| r.phase == phase);
    let front: f64 = rows("front_run").map(|r| r.qty).sum();
    let back: f64 = rows("back_run").map(|r| r.qty).sum();
    assert!((front - w.front_run).abs() < 1e-6 && (back - front).abs() < 1e-6);
    assert_eq!(rows("front_run").count() as u64, w.sandwiches);
    assert_eq!(rows("back_run").count() as u64, w.sandwiches);
    // Each sandwich brackets a liquidation sale to the pool, at the same instant.
    for f in rows("front_run") {
        let id = f.liquidation.expect("tagged with the liquidation");
        let sale = with
            .trace
            .trades
            .iter()
            .find(|t| t.liquidation == Some(id) && t.venue == "uni")
            .expect("the victim's swap");
        assert_eq!(sale.time_ns, f.time_ns);
    }

    // Without the sandwicher the liquidators keep more.
    let mut calm = s.clone();
    calm.sandwichers.clear();
    let without = run(&calm);
    assert!(without.summary.sandwiches.is_empty());
    assert!(
        without.summary.liquidator_pnl > with.summary.liquidator_pnl,
        "{} vs {}",
        without.summary.liquidator_pnl,
        with.summary.liquidator_pnl
    );
}

/// A victim with no tolerance cannot be sandwiched: any front-run would cut its output.
#[test]
fn zero_tolerance_leaves_nothing_to_sandwich() {
    let mut s = scenario("sandwich_liquidations.ron");
    s.sandwichers[0].tolerance = 1e-9;
    s.duration_s = 400.0;
    let r = run(&s);
    let w = &r.summary.sandwiches[0];
    assert!(w.victims_seen > 0);
    assert_eq!(w.sandwiches, 0);
    assert_eq!(w.profit, 0.0);
    assert_eq!(w.liquidator_loss, 0.0);
}
