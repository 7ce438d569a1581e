//! AMM pools as venues: arbitrage ties a pool to the book, and routing liquidation sales into a
//! pool changes the outcome.

use crate::support::scenario;
use cascade::{Scenario, run_in_memory};

/// The deep-book flash crash with its pool, an arbitrageur that trades any profitable gap (no gas, no minimum),
/// and no borrowers: after the exogenous 20% move the pool and the book must end within the
/// pool's fee band plus one tick of each other (the pool's price against the book's touch: a
/// pool above the best ask would pay an arbitrageur who buys there, one below the best bid
/// would pay one who sells there).
fn arbitrage_only() -> Scenario {
    let mut s = scenario("flash_crash_deep_book.ron");
    s.accounts.count = 0;
    s.duration_s = 900.0;
    let a = &mut s.arbitrageurs[0];
    a.gas_usd = 0.0;
    a.min_profit_usd = 0.0;
    a.poll_s = 1.0;
    s
}

#[test]
fn arbitrage_brings_the_pool_within_fees_of_the_book() {
    let s = arbitrage_only();
    let run = run_in_memory(&s, None);
    assert!(run.stats.invariant_violation.is_none());
    assert!(
        run.stats.arbitrages > 10,
        "{} arbitrages",
        run.stats.arbitrages
    );
    let tick = s.market.tick_size;
    let rows = |venue: &str| -> Vec<_> {
        run.trace
            .book_top
            .iter()
            .filter(|r| r.venue == venue)
            .collect()
    };
    let (pool, book) = (rows("uni"), rows("book"));
    // Before the move both start at the reference; during it the pool lags; in the last five
    // minutes (the reference is flat at 1,600 from 180 s) every snapshot is inside the band.
    let mut checked = 0;
    for (p, b) in pool.iter().zip(&book) {
        assert_eq!(p.time_ns, b.time_ns);
        if p.time_ns < 600_000_000_000 {
            continue;
        }
        let spot = p.mid.unwrap();
        let (bid, ask) = (b.best_bid.unwrap(), b.best_ask.unwrap());
        let t = p.time_ns;
        assert!(
            spot - ask <= 0.003 * spot + tick,
            "t = {t} ns: pool {spot} above the best ask {ask} by more than the fee"
        );
        assert!(
            bid - spot <= 0.003 * bid + tick,
            "t = {t} ns: pool {spot} below the best bid {bid} by more than the fee"
        );
        checked += 1;
    }
    assert!(checked >= 250, "{checked} snapshots checked");
    // The pool followed the book down: it ends near 1,600, not at its starting 2,000.
    let last = pool.last().unwrap().mid.unwrap();
    assert!((1_550.0..1_650.0).contains(&last), "pool ends at {last}");
}

/// Without the arbitrageur the pool stays where it started while the book falls.
#[test]
fn without_arbitrage_the_pool_stays_behind() {
    let mut s = arbitrage_only();
    s.arbitrageurs.clear();
    let run = run_in_memory(&s, None);
    let last_pool = run
        .trace
        .book_top
        .iter()
        .rev()
        .find(|r| r.venue == "uni")
        .and_then(|r| r.mid)
        .unwrap();
    assert!((last_pool - 2_000.0).abs() < 1.0, "pool at {last_pool}");
}

/// The README's claim about `cascade compare scenarios/flash_crash.ron --routes book,amm,split`:
/// selling into the pool spares the book (its mid stays near the reference, so the oracle
/// does not run ahead of the reference and the cascade has no later generations), but every
/// sale lowers the pool's price while the oracle reads the book, so liquidators soon find no
/// profitable sale and leave liquidatable debt behind; on the book they liquidate everything,
/// through many generations, at a larger deficit.
#[test]
fn selling_into_the_pool_spares_the_book_but_stalls_liquidations() {
    let base = scenario("flash_crash.ron");
    let with_route = |r: cascade_scenario::RouteSpec| {
        let mut s = base.clone();
        for g in &mut s.liquidators {
            g.route = Some(r.clone());
        }
        run_in_memory(&s, None).summary
    };
    let book = with_route(cascade_scenario::RouteSpec::Venue("book".into()));
    let amm = with_route(cascade_scenario::RouteSpec::Venue("uni".into()));
    eprintln!(
        "book: {} liquidations, gen {:?}, bad debt {:.0}, left {:.0}; amm: {} liquidations, gen {:?}, bad debt {:.0}, left {:.0}",
        book.liquidations,
        book.max_generation,
        book.bad_debt,
        book.left_liquidatable_debt,
        amm.liquidations,
        amm.max_generation,
        amm.bad_debt,
        amm.left_liquidatable_debt
    );
    assert!(amm.min_mid_price.unwrap() > book.min_mid_price.unwrap() + 50.0);
    assert!(amm.max_generation < book.max_generation);
    assert!(amm.liquidations * 2 < book.liquidations);
    assert!(amm.left_liquidatable_debt > 1_000_000.0);
    assert!(book.left_liquidatable_debt < amm.left_liquidatable_debt / 10.0);
    assert!(book.bad_debt > amm.bad_debt);
}
