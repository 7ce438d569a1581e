//! Several venues: makers per venue, an oracle on the median of venues, and liquidators that
//! route their sales to one venue, across venues, or over time.

use crate::support::{data_dir, root, scenario, temp_dir};
use cascade::{Scenario, run_in_memory_with};
use cascade_scenario::RouteSpec;

/// flash_crash_two_venues with every liquidator's route replaced.
fn two_venues(route: RouteSpec) -> Scenario {
    let mut s = scenario("flash_crash_two_venues.ron");
    for g in &mut s.liquidators {
        g.route = Some(route.clone());
    }
    s
}

fn venue(name: &str) -> RouteSpec {
    RouteSpec::Venue(name.to_string())
}

#[test]
fn split_sales_use_both_venues_and_beat_the_thin_venue_alone() {
    let split =
        run_in_memory_with(&scenario("flash_crash_two_venues.ron"), None, &data_dir()).unwrap();
    let thin = run_in_memory_with(&two_venues(venue("thin")), None, &data_dir()).unwrap();
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
    assert!(
        s.sale_slippage < t.sale_slippage / 10.0,
        "split {} vs thin {}",
        s.sale_slippage,
        t.sale_slippage
    );
    assert!(s.min_mid_price > t.min_mid_price);
    // The oracle reads both venues (after the warm start at time zero).
    let rounds: Vec<_> = split
        .trace
        .oracle
        .iter()
        .filter(|r| r.event == "publish" && r.time_ns > 0)
        .collect();
    assert!(!rounds.is_empty() && rounds.iter().all(|r| r.sources_used == 2));
    assert!(split.stats.invariant_violation.is_none() && thin.stats.invariant_violation.is_none());
}

#[test]
fn sliced_sales_go_out_over_time() {
    let route = RouteSpec::Sliced {
        route: Box::new(venue("deep")),
        slices: 4,
        every_s: 20.0,
    };
    let run = run_in_memory_with(&two_venues(route), None, &data_dir()).unwrap();
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

/// Holding the collateral: nothing is sold, every liquidator ends with exactly what it
/// received, and its capital is never recycled (what it repaid plus gas fits in its starting
/// cash), so the crash leaves more accounts liquidatable than selling into the book does.
#[test]
fn held_collateral_is_never_sold_and_capital_is_not_recycled() {
    let book = scenario("flash_crash.ron");
    let mut hold = book.clone();
    for g in &mut hold.liquidators {
        g.route = Some(RouteSpec::Hold);
    }
    let config = cascade::build(&hold, None, &data_dir()).unwrap();
    let mut w = cascade::World::new(config.clone(), cascade::MemoryTrace::default());
    w.set_check_invariants(true);
    let (stats, trace) = w.run();
    assert_eq!(stats.invariant_violation, None);
    let held = cascade::Summary::new(&config, &stats, String::new());
    assert!(held.liquidations > 0);
    assert!(trace.trades.iter().all(|t| t.liquidation.is_none()));
    assert!(trace.liquidations.iter().all(|l| l.sold == 0.0));
    let cash = hold.liquidators[0].cash;
    for l in &held.liquidators {
        assert!(
            (l.held_at_end - l.collateral_received).abs() < 1e-9,
            "{l:?}"
        );
        assert!(l.debt_repaid + l.gas <= cash + 1e-6, "{l:?}");
    }
    let sold = run_in_memory_with(&book, None, &data_dir())
        .unwrap()
        .summary;
    assert!(held.liquidations < sold.liquidations);
    assert!(held.left_liquidatable > sold.left_liquidatable);
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

/// `cascade compare` runs each route over the seeds and writes the table and the figure; the
/// routes give different results.
#[test]
fn compare_command_tables_routes() {
    let dir = temp_dir("compare");
    let file = dir.join("two.ron");
    let text =
        std::fs::read_to_string(root().join("scenarios/flash_crash_two_venues.ron")).unwrap();
    std::fs::write(
        &file,
        text.replace("duration_s: 1800.0", "duration_s: 400.0"),
    )
    .unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cascade"))
        .arg("compare")
        .arg(&file)
        .args([
            "--routes",
            "thin,split",
            "--seeds",
            "1..2",
            "--jobs",
            "2",
            "--out",
        ])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let table = std::fs::read_to_string(dir.join("out/routes.csv")).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0][0], rows[1][0]), ("thin", "split"));
    let bad_debt = |r: &Vec<&str>| r[4].parse::<f64>().unwrap();
    let slippage = |r: &Vec<&str>| r[5].parse::<f64>().unwrap();
    assert!(
        slippage(&rows[1]) < slippage(&rows[0]) && bad_debt(&rows[1]) <= bad_debt(&rows[0]),
        "{table}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("out/compare.csv"))
            .unwrap()
            .lines()
            .count(),
        5
    );
    assert!(dir.join("out/compare.png").is_file());
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_cascade"))
        .arg("compare")
        .arg(&file)
        .args(["--routes", "thin,nowhere"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown route `nowhere`"));
    std::fs::remove_dir_all(&dir).unwrap();
}
