//! Tests of the Liquity fallback; expected values are worked out in the comments.

use super::*;
use FallbackStatus::*;

fn min(m: u64) -> SimTime {
    SimTime(m * 60_000_000_000)
}

fn r(price: i64, at: SimTime) -> Reading {
    Reading {
        price: Ticks(price),
        updated_at: at,
    }
}

fn primary(cur: Reading, prev: Reading) -> PrimaryResponse {
    PrimaryResponse {
        current: Some(cur),
        previous: Some(prev),
    }
}

fn got(price: i64, origin: PriceOrigin) -> Fetched {
    Fetched {
        price: Some(Ticks(price)),
        origin,
    }
}

fn feed() -> FallbackFeed {
    FallbackFeed::new(FallbackRule::LIQUITY).unwrap()
}

/// 60 min: primary 1000 (previous 990), secondary 1005: the primary is used.
/// 120 min: the primary drops to 400 from 1000, (1000 - 400) / 1000 = 60% > 50%; the secondary
/// says 990, and (990 - 400) / 400 = 148% > 5%, so the primary is distrusted: switch, use 990.
/// 180 min: primary 1052, secondary 1000: (1052 - 1000) / 1000 = 5.2% > 5% with the smaller
/// price as denominator (52 / 1052 = 4.9% would pass with the larger), stay on 1000.
/// 240 min: primary 1040 (previous 1052), secondary 1000: 4% <= 5%, switch back, use 1040.
#[test]
fn switches_on_a_jump_and_back_when_the_sources_agree() {
    let mut f = feed();
    let fetch = |f: &mut FallbackFeed, t: u64, cur: i64, prev: i64, sec: i64| {
        f.fetch(
            min(t),
            primary(r(cur, min(t)), r(prev, min(t - 30))),
            Some(r(sec, min(t))),
        )
    };
    assert_eq!(
        fetch(&mut f, 60, 1000, 990, 1005),
        got(1000, PriceOrigin::Primary)
    );
    assert_eq!(f.status(), PrimaryWorking);
    assert_eq!(
        fetch(&mut f, 120, 400, 1000, 990),
        got(990, PriceOrigin::Secondary)
    );
    assert_eq!(f.status(), SecondaryPrimaryUntrusted);
    assert_eq!(
        fetch(&mut f, 180, 1052, 1060, 1000),
        got(1000, PriceOrigin::Secondary)
    );
    assert_eq!(
        fetch(&mut f, 240, 1040, 1052, 1000),
        got(1040, PriceOrigin::Primary)
    );
    assert_eq!(
        f.switches(),
        [
            StatusSwitch {
                at: min(120),
                from: PrimaryWorking,
                to: SecondaryPrimaryUntrusted
            },
            StatusSwitch {
                at: min(240),
                from: SecondaryPrimaryUntrusted,
                to: PrimaryWorking
            },
        ]
    );
    assert_eq!(f.last_good_price(), Some(Ticks(1040)));
}

/// A fall of exactly 50% (1000 -> 500) is not "more than" 50%: the primary is used. A 60% fall
/// (1000 -> 400) that the secondary confirms (410: (410 - 400) / 400 = 2.5% <= 5%) is taken as
/// a real move: still the primary, no switch.
#[test]
fn a_confirmed_or_boundary_move_keeps_the_primary() {
    let mut f = feed();
    let t = min(10);
    assert_eq!(
        f.fetch(t, primary(r(500, t), r(1000, min(5))), Some(r(900, t))),
        got(500, PriceOrigin::Primary)
    );
    assert_eq!(
        f.fetch(t, primary(r(400, t), r(1000, min(5))), Some(r(410, t))),
        got(400, PriceOrigin::Primary)
    );
    assert!(f.switches().is_empty());
}

/// 60 min: 1000 from the primary. 120 min: the primary's call fails and the secondary has
/// nothing: both untrusted, the last good price 1000 is used. 180 min: the primary is back
/// (1010) but the secondary is still missing: stay, 1000. 240 min: primary 1010, secondary
/// 1030, (1030 - 1010) / 1010 = 2% <= 5%: back to the primary, 1010.
#[test]
fn both_failing_uses_the_last_good_price() {
    let mut f = feed();
    let t = min(60);
    f.fetch(t, primary(r(1000, t), r(990, min(30))), Some(r(1000, t)));
    let none = PrimaryResponse {
        current: None,
        previous: None,
    };
    assert_eq!(
        f.fetch(min(120), none, None),
        got(1000, PriceOrigin::LastGood)
    );
    assert_eq!(f.status(), BothUntrusted);
    let back = primary(r(1010, min(180)), r(1000, min(150)));
    assert_eq!(
        f.fetch(min(180), back, None),
        got(1000, PriceOrigin::LastGood)
    );
    let back = primary(r(1010, min(240)), r(1000, min(210)));
    assert_eq!(
        f.fetch(min(240), back, Some(r(1030, min(240)))),
        got(1010, PriceOrigin::Primary)
    );
    assert_eq!(f.status(), PrimaryWorking);
    assert_eq!(f.switches().len(), 2);
    // A feed that never had a good price has nothing to fall back on.
    let mut fresh = feed();
    assert_eq!(
        fresh.fetch(min(1), none, None),
        Fetched {
            price: None,
            origin: PriceOrigin::LastGood
        }
    );
}

/// Timeout 4 h. At 300 min a primary updated at 30 min is 270 min old (> 240): frozen, so
/// use the secondary's 1100. At 360 min the primary is fresh at 1090 and within 5% of the
/// secondary's 1100 (10 / 1090 = 0.9%): back to the primary. A reading exactly 240 min old is
/// not frozen. A non-positive primary answer is broken.
#[test]
fn frozen_and_broken_primaries() {
    let mut f = feed();
    let frozen = primary(r(1000, min(30)), r(990, min(0)));
    assert_eq!(
        f.fetch(min(300), frozen, Some(r(1100, min(300)))),
        got(1100, PriceOrigin::Secondary)
    );
    assert_eq!(f.status(), SecondaryPrimaryFrozen);
    let fresh = primary(r(1090, min(360)), r(1000, min(30)));
    assert_eq!(
        f.fetch(min(360), fresh, Some(r(1100, min(360)))),
        got(1090, PriceOrigin::Primary)
    );
    assert_eq!(f.status(), PrimaryWorking);

    let mut g = feed();
    let edge = primary(r(1000, min(60)), r(1000, min(30)));
    assert_eq!(
        g.fetch(min(300), edge, Some(r(2000, min(300)))),
        got(1000, PriceOrigin::Primary)
    );
    let negative = primary(r(-5, min(301)), r(1000, min(60)));
    assert_eq!(
        g.fetch(min(301), negative, Some(r(1001, min(301)))),
        got(1001, PriceOrigin::Secondary)
    );
    assert_eq!(g.status(), SecondaryPrimaryUntrusted);
}

#[test]
fn rule_is_checked() {
    let mut rule = FallbackRule::LIQUITY;
    rule.timeout = SimDuration::ZERO;
    assert_eq!(FallbackFeed::new(rule).unwrap_err().param, "timeout");
    rule = FallbackRule::LIQUITY;
    rule.max_jump = Bps(0);
    assert_eq!(FallbackFeed::new(rule).unwrap_err().param, "max_jump");
}
