//! The order flow besides makers and liquidators (noise, momentum, stop-loss and informed
//! traders), and makers that withdraw under stress.

use crate::support::{data_dir, root};
use cascade::{MemoryTrace, Scenario, World, build};
use cascade_engine::TraderKind;

fn with_flow() -> Scenario {
    let text = std::fs::read_to_string(root().join("scenarios/flash_crash.ron")).unwrap();
    let text = text.replacen(
        "    snapshot_every_ms: 1000.0,",
        r#"    traders: [
        Noise(count: 5, orders_per_minute: 6.0, size: LogNormal(median: 1.0, sigma: 1.0), cash: 200000.0, inventory: 100.0),
        Momentum(count: 3, interval_s: 5.0, lookback_s: 30.0, threshold: 0.01, size: 20.0, cash: 500000.0, inventory: 200.0),
        StopLoss(count: 100, stop_below: Uniform(lo: 0.02, hi: 0.12), holding: LogNormal(median: 2.0, sigma: 1.0), latency_ms: Constant(1000.0)),
        Informed(count: 1, latency_ms: Constant(500.0), threshold: 0.01, max_size: 50.0, unwind_half_life_s: 120.0, cash: 2000000.0, inventory: 500.0),
    ],
    snapshot_every_ms: 1000.0,"#,
        1,
    );
    Scenario::parse(&text, "flow.ron").unwrap()
}

/// Every kind of trader trades, value is conserved throughout, and each stop-loss holder sells
/// its whole holding once, one second (its latency) after a trade printed at or below its stop.
#[test]
fn flow_traders_trade_and_stops_fire_after_their_price_prints() {
    let config = build(&with_flow(), None, &data_dir()).unwrap();
    let mut world = World::new(config.clone(), MemoryTrace::default());
    world.set_check_invariants(true);
    let (stats, trace) = world.run();
    assert_eq!(stats.invariant_violation, None);
    for prefix in ["noise", "mom", "stop", "inf"] {
        let n = trace
            .trades
            .iter()
            .filter(|t| t.taker.starts_with(prefix))
            .count();
        assert!(n > 0, "no trades by {prefix} traders");
    }
    let spec = config.spec;
    let mut k = 0;
    let mut fired = 0;
    for t in &config.traders {
        let TraderKind::StopLoss { stop, .. } = &t.kind else {
            continue;
        };
        let label = format!("stop{k}");
        k += 1;
        let sells: Vec<_> = trace.trades.iter().filter(|r| r.taker == label).collect();
        let stop_price = spec.price(stop.stop);
        let first_print = trace
            .trades
            .iter()
            .find(|r| r.price <= stop_price + 1e-9)
            .map(|r| r.time_ns);
        match (sells.first(), first_print) {
            (None, _) => {} // the stop was never reached, or the book was empty when it fired
            (Some(s), Some(p)) => {
                fired += 1;
                assert!(
                    s.time_ns >= p + 1_000_000_000,
                    "{label} sold at {} before its stop printed at {p}",
                    s.time_ns
                );
                assert!(sells.iter().all(|r| r.taker_side == "sell"));
                let sold: f64 = sells.iter().map(|r| r.qty).sum();
                let held = spec.qty(t.wallet.base);
                assert!(sold <= held + 1e-9, "{label} sold {sold} of {held}");
            }
            (Some(_), None) => panic!("{label} sold without its stop price ever printing"),
        }
    }
    assert_eq!(k, 100);
    assert!(fired > 30, "only {fired} stops fired in a 20% crash");
}

/// flash_crash_withdrawal against flash_crash_deep_book, three seeds: makers that pull their
/// quotes make the same shock's trough deeper, liquidate more accounts, and leave more
/// liquidations triggered by earlier ones (generation 1 and beyond), never fewer generations.
#[test]
fn maker_withdrawal_deepens_the_trough_and_the_cascade() {
    let calm = crate::support::scenario("flash_crash_deep_book.ron");
    let shy = crate::support::scenario("flash_crash_withdrawal.ron");
    for seed in [calm.seed, 1, 2] {
        let c = cascade::run_in_memory(&calm, Some(seed)).summary;
        let s = cascade::run_in_memory(&shy, Some(seed)).summary;
        let later = |x: &cascade::Summary| x.liquidations_by_generation.iter().skip(1).sum::<u64>();
        eprintln!(
            "seed {seed}: trough {:?} vs {:?}, liquidations {} vs {}, generation 1+ {} vs {}",
            s.min_mid_price,
            c.min_mid_price,
            s.liquidations,
            c.liquidations,
            later(&s),
            later(&c)
        );
        assert!(
            s.min_mid_price.unwrap() < c.min_mid_price.unwrap() - 10.0,
            "seed {seed}"
        );
        assert!(s.liquidations > c.liquidations, "seed {seed}");
        assert!(later(&s) > later(&c), "seed {seed}");
        assert!(s.max_generation >= c.max_generation, "seed {seed}");
    }
}
