//! The oracle-design scenarios (`scenarios/oracle_*.ron`) and the independence of the oracles'
//! random streams.

use crate::support::scenario;
use cascade::{InMemoryRun, run_in_memory};
use cascade_oracle::LatencyModel;

const SECOND: u64 = 1_000_000_000;

fn run(design: &str) -> InMemoryRun {
    let run = run_in_memory(&scenario(&format!("oracle_{design}.ron")), None);
    assert!(run.stats.invariant_violation.is_none(), "{design}");
    run
}

/// The lowest price oracle `name` published in a run.
fn min_published(run: &InMemoryRun, name: &str) -> f64 {
    run.trace
        .oracle
        .iter()
        .filter(|r| r.oracle == name && r.event == "publish")
        .map(|r| r.price)
        .fold(f64::INFINITY, f64::min)
}

/// The claims of the oracle_* scenario headers.
#[test]
fn oracle_designs_order_as_their_headers_say() {
    let fast = run("fast_push");
    let osm = run("osm");
    let single = run("single_venue");
    let median = run("median");
    let s = |r: &InMemoryRun| r.summary.clone();
    let (f, o, sv, m) = (s(&fast), s(&osm), s(&single), s(&median));
    let counts = [
        f.liquidations,
        o.liquidations,
        sv.liquidations,
        m.liquidations,
    ];
    eprintln!("liquidations fast/osm/single/median: {counts:?}");
    eprintln!(
        "bad debt fast/osm/single/median: {} {} {} {}",
        f.bad_debt, o.bad_debt, sv.bad_debt, m.bad_debt
    );

    // fast_push: the least bad debt of the four.
    for other in [&o, &sv, &m] {
        assert!(
            f.bad_debt < other.bad_debt,
            "{} vs {}",
            f.bad_debt,
            other.bad_debt
        );
    }

    // osm: nothing before the hop at 7,200 s, the fewest liquidations, all generation 0, more
    // bad debt than the fast feed.
    let first = osm
        .trace
        .liquidations
        .iter()
        .map(|l| l.time_ns)
        .min()
        .unwrap();
    assert!(
        first >= 7_200 * SECOND,
        "first OSM liquidation at {first} ns"
    );
    for other in [&f, &sv, &m] {
        assert!(o.liquidations < other.liquidations);
    }
    assert_eq!(o.max_generation, Some(0));
    assert!(o.bad_debt > f.bad_debt);

    // single_venue: the wick reaches the oracle, and costs more bad debt than the median.
    let single_min = sv.min_oracle_price.unwrap();
    let median_min = m.min_oracle_price.unwrap();
    assert!(
        single_min < 0.8 * median_min,
        "{single_min} vs {median_min}"
    );
    assert!(
        sv.bad_debt > m.bad_debt,
        "{} vs {}",
        sv.bad_debt,
        m.bad_debt
    );

    // median: the wicking source is ignored; the oracle stays within 1% of the lowest mid.
    let lowest_mid = m.min_mid_price.unwrap();
    assert!(
        median_min >= 0.99 * lowest_mid,
        "{median_min} vs {lowest_mid}"
    );

    // Each file computes the same four designs; the market's run does not depend on which
    // design is only watched: the median design read by the market in oracle_median.ron
    // publishes what it publishes as an observer in oracle_single_venue.ron until the first
    // liquidation sale makes the two worlds differ.
    let first_sale = single
        .trace
        .liquidations
        .iter()
        .map(|l| l.time_ns)
        .min()
        .unwrap();
    let early = |r: &InMemoryRun| -> Vec<(u64, f64)> {
        r.trace
            .oracle
            .iter()
            .filter(|x| x.oracle == "median" && x.event == "publish" && x.time_ns < first_sale)
            .map(|x| (x.time_ns, x.price))
            .collect()
    };
    assert!(!early(&median).is_empty());
    assert_eq!(early(&median), early(&single));
    assert!(min_published(&single, "single_venue") < min_published(&single, "median"));
}

/// Changing the latency model of one source leaves every other source's draws alone: an
/// observer oracle's change moves only its own rows, and the market's run is byte-identical.
#[test]
fn changing_one_source_latency_leaves_other_draws_unchanged() {
    let base = scenario("oracle_fast_push.ron");
    let mut changed = base.clone();
    // The observer `median` oracle's source b gets a different latency model.
    let median = changed
        .oracles
        .iter_mut()
        .find(|o| o.name == "median")
        .unwrap();
    median.sources[1].latency_ms = Some(LatencyModel::LogNormal {
        median: 3_000.0,
        sigma: 1.0,
    });
    let a = run_in_memory(&base, None);
    let b = run_in_memory(&changed, None);
    let rows = |r: &InMemoryRun, mine: bool| -> Vec<String> {
        r.trace
            .oracle
            .iter()
            .filter(|x| (x.oracle == "median") == mine)
            .map(|x| format!("{x:?}"))
            .collect()
    };
    assert_eq!(rows(&a, false), rows(&b, false), "other oracles unchanged");
    assert_ne!(
        rows(&a, true),
        rows(&b, true),
        "the changed oracle did change"
    );
    assert_eq!(a.trace.liquidations.len(), b.trace.liquidations.len());
    assert_eq!(
        format!("{:?}", a.trace.liquidations),
        format!("{:?}", b.trace.liquidations)
    );
    assert_eq!(
        format!("{:?}", a.trace.trades),
        format!("{:?}", b.trace.trades)
    );
}
