//! Scenarios survive writing out and reading back: what `cascade` writes (or a user generates
//! programmatically) parses to the same scenario.

use crate::Scenario;
use cascade_des::dist::Dist;
use proptest::prelude::*;

const BASE: &str = include_str!("../../../scenarios/flash_crash.ron");

fn dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        (0.0..1e4f64).prop_map(Dist::Constant),
        (0.0..1e3f64, 0.0..1e3f64).prop_map(|(a, b)| Dist::Uniform {
            lo: a.min(b),
            hi: a.max(b)
        }),
        (0.0..1e3f64, 0.0..3.0f64).prop_map(|(median, sigma)| Dist::LogNormal { median, sigma }),
        (0.0..1e3f64).prop_map(|mean| Dist::Exponential { mean }),
        proptest::collection::vec(0.0..1e3f64, 1..5).prop_map(Dist::Empirical),
    ]
}

fn to_ron(s: &Scenario) -> String {
    ron::ser::to_string_pretty(s, ron::ser::PrettyConfig::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn scenarios_round_trip_through_ron(
        seed in any::<u64>(),
        duration in 1.0..1e5f64,
        deviation in 0.0..0.99f64,
        lt in 0.05..0.9f64,
        count in 0u32..5_000,
        latency in dist(),
        levels in 1u32..50,
        knots in proptest::collection::vec((0.0..1e4f64, 1.0..1e5f64), 1..6),
    ) {
        let mut s = Scenario::parse(BASE, "flash_crash.ron").unwrap();
        s.seed = seed;
        s.duration_s = duration;
        if let crate::oracle_spec::PublicationSpec::Push { deviation: d, .. } = &mut s.oracle.publication {
            *d = deviation;
        }
        s.oracle.publication = if count % 3 == 1 {
            crate::oracle_spec::PublicationSpec::Osm { hop_s: duration }
        } else {
            s.oracle.publication
        };
        s.oracle.sources = vec![crate::oracle_spec::SourceSpec {
            name: Some(format!("src{levels}")),
            read: crate::oracle_spec::ReadSpec::Vwap { venue: "book".into(), window_s: duration },
            latency_ms: Some(cascade_oracle::LatencyModel::Constant(deviation)),
            weight: levels,
            faults: vec![crate::oracle_spec::FaultSpec {
                from_s: 0.0,
                until_s: duration,
                kind: crate::oracle_spec::FaultKindSpec::Scale(lt),
            }],
        }];
        s.lending.liquidation_threshold = Some(lt);
        s.accounts.count = count;
        s.makers[0].latency_ms = latency;
        s.makers[0].levels = levels;
        let mut knots = knots;
        knots.sort_by(|a, b| a.0.total_cmp(&b.0));
        s.reference.knots = knots;
        let text = to_ron(&s);
        let back = Scenario::parse(&text, "written.ron").unwrap();
        prop_assert_eq!(back, s);
    }
}

/// The scenario files themselves round-trip.
#[test]
fn shipped_scenarios_round_trip() {
    let s = Scenario::parse(BASE, "flash_crash.ron").unwrap();
    assert_eq!(Scenario::parse(&to_ron(&s), "written.ron").unwrap(), s);
}
