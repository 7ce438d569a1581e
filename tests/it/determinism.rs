//! The determinism contract: same scenario, seed and binary give the same bytes.

use crate::support::{bytes, scenario, temp_dir};
use cascade::{MemoryTrace, RunOptions, World, build, run_to_dir};
use cascade_engine::trace::TRACE_FILES;

fn opts(seed: Option<u64>) -> RunOptions {
    RunOptions {
        seed,
        formats: vec![],
        ..RunOptions::default()
    }
}

#[test]
fn same_seed_gives_byte_identical_traces_and_hash() {
    let s = scenario("flash_crash.ron");
    let dir = temp_dir("determinism");
    let a = run_to_dir(&s, &dir.join("a"), &opts(None)).unwrap();
    let b = run_to_dir(&s, &dir.join("b"), &opts(None)).unwrap();
    assert_eq!(a.trace_hash, b.trace_hash);
    assert_eq!(a.trace_hash.len(), 64);
    for f in TRACE_FILES {
        let (x, y) = (
            bytes(&dir.join("a/trace").join(f)),
            bytes(&dir.join("b/trace").join(f)),
        );
        // A lending scenario has no perp venue: perps.csv is its header alone; liquidation
        // calls are immediate, so txs.csv is too, and it has no attacker (attacks.csv) and no
        // deleverage bots (deleverage.csv).
        let header_only = ["perps.csv", "txs.csv", "attacks.csv", "deleverage.csv"].contains(&f);
        assert!(x.len() > 100 || header_only, "{f} is nearly empty");
        assert!(x == y, "{f} differs between two runs of the same seed");
    }
    assert_eq!(
        bytes(&dir.join("a/summary.json")),
        bytes(&dir.join("b/summary.json"))
    );
    let c = run_to_dir(&s, &dir.join("c"), &opts(Some(43))).unwrap();
    assert_ne!(
        a.trace_hash, c.trace_hash,
        "a different seed must give a different trace"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Agents that draw from their own streams but cannot act (no cash, no inventory) leave every
/// other draw, and so the whole trace, unchanged: streams are keyed by (seed, kind, index), not
/// shared in creation or consumption order. The idle agents are appended, so existing agents
/// keep their indices; they are woken alongside the others at every oracle publication.
#[test]
fn extra_agent_streams_do_not_shift_existing_draws() {
    let base = scenario("flash_crash.ron");
    let mut extra = base.clone();
    let mut idle_maker = extra.makers[0].clone();
    idle_maker.count = 1;
    idle_maker.cash = 0.0;
    idle_maker.inventory = 0.0;
    idle_maker.target_inventory = 0.0;
    idle_maker.max_inventory = 0.0;
    extra.makers.push(idle_maker);
    let mut idle_liquidator = extra.liquidators[0].clone();
    idle_liquidator.count = 2;
    idle_liquidator.cash = 0.0;
    extra.liquidators.push(idle_liquidator);

    let run = |s: &cascade::Scenario| {
        World::new(
            build(s, None, &cascade::data_dir(None)).unwrap(),
            MemoryTrace::default(),
        )
        .run()
    };
    let (stats_a, trace_a) = run(&base);
    let (stats_b, trace_b) = run(&extra);
    // The idle agents did wake up and draw latencies...
    assert!(
        stats_b.events > stats_a.events,
        "idle agents scheduled events"
    );
    assert!(stats_b.skipped_no_capital > stats_a.skipped_no_capital);
    // ...and nothing anyone else drew or did changed.
    same_rows("book_top", &trace_a.book_top, &trace_b.book_top);
    same_rows("oracle", &trace_a.oracle, &trace_b.oracle);
    same_rows("trades", &trace_a.trades, &trace_b.trades);
    same_rows("liquidations", &trace_a.liquidations, &trace_b.liquidations);
    assert!(!trace_a.liquidations.is_empty());
}

/// Asserts two row lists are equal, reporting only the first difference.
fn same_rows<T: PartialEq + std::fmt::Debug>(what: &str, a: &[T], b: &[T]) {
    if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
        panic!(
            "{what}: first difference at row {i}:\n  {:?}\n  {:?}",
            a[i], b[i]
        );
    }
    assert_eq!(a.len(), b.len(), "{what}: row counts differ");
}

/// The soft design of `path: Loop` (a second world with the accounts as LLAMMA loans) is as
/// deterministic as the run itself: two runs give the same counters, per-minute record and
/// trades.
#[test]
fn the_llamma_world_is_deterministic() {
    let s = scenario("flash_crash_soft_vs_hard.ron");
    let cfg = cascade::soft_config(&s).expect("soft config");
    let world = build(&s, None, &cascade::data_dir(None)).unwrap();
    let run = || {
        World::new(
            cascade_report::soft::loop_world(&cfg, &world),
            MemoryTrace::default(),
        )
        .run()
    };
    let (a, ta) = run();
    let (b, tb) = run();
    assert!(a.llamma.as_ref().is_some_and(|l| l.soft_trades > 0));
    assert_eq!(a, b);
    assert_eq!(format!("{:?}", ta.trades), format!("{:?}", tb.trades));
}
