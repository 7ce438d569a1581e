//! Several venues: makers per venue, an oracle on the median of venues, and liquidators that
//! route their sales to one venue, across venues, or over time.

use crate::support::{data_dir, root};
use cascade::{Scenario, run_in_memory_with};

/// flash_crash with two venues: `thin` (the original book) and `deep` (ten times the depth),
/// the oracle on the median of both, and the liquidators' route given.
fn two_venues(route: &str) -> Scenario {
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    let deep_makers = r#"venues: [(name: "thin"), (name: "deep")],
    makers: [(
        venue: "deep", count: 4, levels: 20, half_spread_bps: 2.0, level_spacing_bps: 5.0,
        size_per_level: 40.0, skew_bps_per_unit: 0.05, max_skew: 0.25, target_inventory: 500.0,
        max_inventory: 5000.0, hedge_half_life_s: 60.0,
        latency_ms: LogNormal(median: 250.0, sigma: 0.5), cash: 20000000.0, inventory: 500.0,
    ), (
        venue: "thin","#;
    let text = text
        .replacen("makers: [(", deep_makers, 1)
        .replacen(
            "oracle: (",
            "oracle: (\n        sources: [\"thin\", \"deep\"],",
            1,
        )
        .replacen(
            "liquidators: [(",
            &format!("liquidators: [(\n        route: {route},"),
            1,
        );
    Scenario::parse(&text, "two_venues.ron").unwrap()
}

#[test]
fn split_sales_use_both_venues_and_beat_the_thin_venue_alone() {
    let split =
        run_in_memory_with(&two_venues(r#"Split(["thin", "deep"])"#), None, &data_dir()).unwrap();
    let thin = run_in_memory_with(&two_venues(r#"Venue("thin")"#), None, &data_dir()).unwrap();
    let venues_used: std::collections::BTreeSet<&str> = split
        .trace
        .trades
        .iter()
        .filter(|t| t.liquidation.is_some())
        .map(|t| t.venue.as_str())
        .collect();
    assert_eq!(
        venues_used.into_iter().collect::<Vec<_>>(),
        ["deep", "thin"]
    );
    assert!(
        thin.trace
            .trades
            .iter()
            .filter(|t| t.liquidation.is_some())
            .all(|t| t.venue == "thin")
    );
    // Selling only into the thin venue crushes it and leaves bad debt; splitting does not.
    let (s, t) = (&split.summary, &thin.summary);
    assert!(
        s.bad_debt < t.bad_debt,
        "split {} vs thin {}",
        s.bad_debt,
        t.bad_debt
    );
    assert!(s.min_mid_price > t.min_mid_price);
    // The oracle reads both venues.
    assert!(split.trace.oracle.iter().all(|r| r.sources_used == 2));
    assert!(split.stats.invariant_violation.is_none() && thin.stats.invariant_violation.is_none());
}

#[test]
fn sliced_sales_go_out_over_time() {
    let run = run_in_memory_with(
        &two_venues(r#"Sliced(route: Venue("deep"), slices: 4, every_s: 20.0)"#),
        None,
        &data_dir(),
    )
    .unwrap();
    let first = run
        .trace
        .liquidations
        .first()
        .expect("liquidations happened");
    let times: Vec<u64> = run
        .trace
        .trades
        .iter()
        .filter(|t| t.liquidation == Some(first.id))
        .map(|t| t.time_ns)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(times.len() >= 2, "{times:?}");
    assert_eq!(times[0], first.time_ns);
    assert_eq!(
        times[1] - times[0],
        20_000_000_000,
        "the next slice 20 s later"
    );
    // The first slice is a quarter of what the liquidator received.
    let received = first.collateral_seized - first.protocol_fee;
    assert!(
        (first.sold - received / 4.0).abs() < 0.002,
        "{} of {received}",
        first.sold
    );
}

#[test]
fn bad_venue_names_are_reported() {
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    let text = text.replacen(
        "liquidators: [(",
        "liquidators: [(\n        route: Venue(\"nowhere\"),",
        1,
    );
    let err = Scenario::parse(&text, "x.ron").unwrap_err().to_string();
    assert!(
        err.contains("liquidators[0].route: no venue named `nowhere`; venues: book"),
        "{err}"
    );
}
