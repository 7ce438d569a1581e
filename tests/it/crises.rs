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
