//! Crisis scenarios replayed from real market data (../shared/data): the claims in their
//! headers.

use crate::support::{data_dir, scenario};
use cascade::run_in_memory_with;

/// may19_2021_wick: the single-venue oracle publishes Binance's wick and liquidates more, with
/// more bad debt; the median of three venues stays above 1,800.
#[test]
fn may19_wick_single_venue_oracle_against_the_median() {
    let dir = data_dir();
    if !dir.join("binance-ethusdt-1m-2021-05-19").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs the data directory at {}",
            dir.display()
        );
        eprintln!("skipped: no market data at {}", dir.display());
        return;
    }
    let run = |name: &str| {
        let r = run_in_memory_with(&scenario(name), None, &dir).unwrap();
        assert!(r.stats.invariant_violation.is_none(), "{name}");
        r.summary
    };
    let single = run("may19_2021_wick.ron");
    let median = run("may19_2021_wick_median.ron");
    eprintln!(
        "single venue: {} liquidations, bad debt {:.0}, min oracle {:?}; median: {} liquidations, bad debt {:.0}, min oracle {:?}",
        single.liquidations,
        single.bad_debt,
        single.min_oracle_price,
        median.liquidations,
        median.bad_debt,
        median.min_oracle_price
    );
    // The market-wide fall liquidates many accounts under both designs.
    assert!(median.liquidations >= 300, "{}", median.liquidations);
    // The wick reaches the single-venue oracle only.
    assert!(single.min_oracle_price.unwrap() < 1_600.0);
    assert!(median.min_oracle_price.unwrap() >= 1_800.0);
    assert!(single.liquidations > median.liquidations);
    assert!(single.bad_debt > median.bad_debt);
}

/// luna_2022: liquidations in daily waves, a sale-driven trough below the reference, a
/// cascade of three generations or more; the bounded feed never publishes below 0.10 (and
/// refuses rounds there) while the unbounded one follows the market below 0.001; no bad debt.
#[test]
fn luna_spiral_over_days_and_the_bounded_feed() {
    let dir = data_dir();
    if !dir.join("binance-lunausdt-1m-2022-05").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs the data directory at {}",
            dir.display()
        );
        eprintln!("skipped: no market data at {}", dir.display());
        return;
    }
    let run = run_in_memory_with(&scenario("luna_2022.ron"), None, &dir).unwrap();
    assert!(run.stats.invariant_violation.is_none());
    let s = &run.summary;
    let day = 86_400_000_000_000u64;
    let mut days: Vec<u64> = run
        .trace
        .liquidations
        .iter()
        .map(|l| l.time_ns / day)
        .collect();
    days.dedup();
    eprintln!(
        "liquidations {}, days {days:?}, max generation {:?}, bad debt {}",
        s.liquidations, s.max_generation, s.bad_debt
    );
    assert!(days.len() >= 4, "liquidations on days {days:?}");
    assert!(s.max_generation.unwrap() >= 3);
    let below = run
        .trace
        .book_top
        .iter()
        .filter(|r| r.mid.is_some_and(|m| m < 0.9 * r.reference))
        .count();
    assert!(
        below > 0,
        "the sales never pushed the book 10% below the reference"
    );
    let min_of = |name: &str| {
        run.trace
            .oracle
            .iter()
            .filter(|r| r.oracle == name && r.event == "publish")
            .map(|r| r.price)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(min_of("chainlink_bounded") >= 0.1);
    assert!(min_of("unbounded") < 0.001);
    assert!(
        run.trace
            .oracle
            .iter()
            .any(|r| r.oracle == "chainlink_bounded" && r.reason == "out_of_bounds")
    );
    assert!(s.min_reference_price.unwrap() < 0.001);
    assert_eq!(s.bad_debt, 0.0);
}
