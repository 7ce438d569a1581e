//! Claims the scenario files make in their headers.

use crate::support::scenario;
use cascade::{MemoryTrace, World, build, run_in_memory};

/// flash_crash cascades: generation 2 or more.
#[test]
fn flash_crash_cascades_past_generation_two() {
    let run = run_in_memory(&scenario("flash_crash.ron"), None);
    let g = run.summary.max_generation.expect("liquidations happened");
    assert!(g >= 2, "max generation {g}");
    // Every non-zero generation has a parent of the generation before it.
    let by_id: Vec<_> = run
        .trace
        .liquidations
        .iter()
        .map(|l| l.generation)
        .collect();
    for l in &run.trace.liquidations {
        match l.parent {
            None => assert_eq!(l.generation, 0),
            Some(p) => {
                assert!(p < l.id, "a parent comes first");
                assert_eq!(l.generation, by_id[p as usize] + 1);
            }
        }
    }
    // The cascade shows in prices: the book fell below the exogenous low.
    assert!(run.summary.min_mid_price.unwrap() < run.summary.min_reference_price.unwrap());
    assert!(run.summary.accounts >= 1_000);
}

/// The deep-book variant: less bad debt for the default seed and two more, never more
/// generations, and fewer generations over the three together.
#[test]
fn a_deeper_book_means_fewer_generations_and_less_bad_debt() {
    let thin = scenario("flash_crash.ron");
    let deep = scenario("flash_crash_deep_book.ron");
    let (mut thin_generations, mut deep_generations) = (0, 0);
    for seed in [thin.seed, 1, 2] {
        let t = run_in_memory(&thin, Some(seed)).summary;
        let d = run_in_memory(&deep, Some(seed)).summary;
        thin_generations += t.max_generation.unwrap_or(0);
        deep_generations += d.max_generation.unwrap_or(0);
        assert!(
            t.max_generation >= d.max_generation,
            "seed {seed}: thin {:?} vs deep {:?}",
            t.max_generation,
            d.max_generation
        );
        assert!(
            t.bad_debt > d.bad_debt,
            "seed {seed}: thin {} vs deep {}",
            t.bad_debt,
            d.bad_debt
        );
        assert!(
            t.bad_debt > 0.0,
            "seed {seed}: the thin book leaves bad debt"
        );
    }
    assert!(
        thin_generations > deep_generations,
        "generations over three seeds: thin {thin_generations} vs deep {deep_generations}"
    );
}

/// Every scenario in `scenarios/`: value is conserved, the book consistent, debt and bad debt
/// reconciled after every event (`--check-invariants`).
#[test]
fn invariants_hold_after_every_event_of_every_scenario() {
    let mut names: Vec<_> = std::fs::read_dir(crate::support::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    assert!(names.len() >= 2);
    for name in names {
        let s = scenario(&name);
        // Scenarios on market data need the data directory (required on CI).
        if let Some(k) = &s.reference.klines {
            let folder = k.file.split('/').next().unwrap_or_default();
            if crate::lobster::data_dir_or_skip(folder).is_none() {
                continue;
            }
        }
        let config = build(&s, None, &crate::support::data_dir()).unwrap();
        let mut w = World::new(config, ());
        w.set_check_invariants(true);
        let (stats, ()) = w.run();
        assert_eq!(stats.invariant_violation, None, "{name}");
        // Every scenario exercises something: liquidations, auctions, or an attacker's
        // trades (an attack that moves nothing the market reads liquidates no one).
        let attacked = stats.attacks.iter().any(|a| a.transactions > 0);
        assert!(
            stats.liquidations > 0 || stats.vaults.auctions > 0 || attacked,
            "{name}"
        );
    }
}

/// Liquidation rows agree with the trades they caused and with the summary.
#[test]
fn liquidation_rows_match_trades_and_summary() {
    let run = run_in_memory(&scenario("flash_crash.ron"), None);
    let t = &run.trace;
    assert_eq!(t.liquidations.len() as u64, run.summary.liquidations);
    let mut sold_in_trades = vec![0.0f64; t.liquidations.len()];
    for tr in &t.trades {
        if let Some(l) = tr.liquidation {
            assert_eq!(tr.taker_side, "sell");
            sold_in_trades[l as usize] += tr.qty;
        }
    }
    for l in &t.liquidations {
        assert!(
            (sold_in_trades[l.id as usize] - l.sold).abs() < 1e-6,
            "liquidation {}",
            l.id
        );
        assert!(l.sold <= l.collateral_seized - l.protocol_fee + 1e-9 || l.sold > 0.0);
        if let (Some(b), Some(a)) = (l.price_before, l.price_after) {
            assert!(a <= b, "a sale never raises the mid (liquidation {})", l.id);
        }
    }
    let deficit: f64 = t.liquidations.iter().map(|l| l.deficit).sum();
    assert!((deficit - run.summary.deficit).abs() < 1e-3);
    let _ = MemoryTrace::default();
}

/// toxic_spiral: accounts liquidated several times at one oracle price from a health factor
/// below LT x bonus see it fall with every call (collateral/debt < 1 + bonus: each fixed-bonus
/// liquidation takes more value than it repays).
#[test]
fn toxic_spiral_liquidations_make_accounts_worse() {
    let run = run_in_memory(&scenario("toxic_spiral.ron"), None);
    assert!(run.stats.invariant_violation.is_none());
    let toxic = 0.83 * 1.05;
    let mut by_account: std::collections::BTreeMap<u32, Vec<(f64, f64)>> = Default::default();
    for l in &run.trace.liquidations {
        by_account
            .entry(l.account)
            .or_default()
            .push((l.oracle_price, l.health_factor));
    }
    let mut sequences = 0;
    for (account, calls) in &by_account {
        let first = calls[0];
        let same: Vec<f64> = calls
            .iter()
            .filter(|c| c.0 == first.0)
            .map(|c| c.1)
            .collect();
        if first.1 >= toxic || same.len() < 2 {
            continue;
        }
        sequences += 1;
        for w in same.windows(2) {
            assert!(w[1] < w[0], "account {account}: health factors {same:?}");
        }
    }
    assert!(sequences >= 20, "{sequences} toxic sequences");
    assert!(run.summary.deficit > 0.0);
}
