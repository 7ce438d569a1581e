//! The loss-absorber figures' series agree with the run's summary: built from the trace files
//! a run wrote, their end points are the summary's totals.

use crate::lobster::data_dir_or_skip;
use crate::support::{data_dir, scenario, temp_dir};
use cascade::{RunOptions, run_to_dir};
use cascade_report::{AuctionSeries, FundSeries};

fn run(file: &str, dir: &std::path::Path) -> cascade::Summary {
    let opts = RunOptions {
        formats: vec![],
        data_dir: data_dir(),
        ..RunOptions::default()
    };
    run_to_dir(&scenario(file), dir, &opts).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn fund_series_end_at_the_perp_summary() {
    if data_dir_or_skip("binance-btcusdt-perp-1m-2025-10-10").is_none() {
        return;
    }
    let dir = temp_dir("figures-funds").join("run");
    let s = run("oct10_2025_perps.ron", &dir);
    let p = s.perps.as_ref().unwrap();
    let f = FundSeries::from_trace(&dir.join("trace")).unwrap().unwrap();
    let last = |v: &[(f64, f64)]| v.last().unwrap().1;
    assert!(close(last(&f.insurance_fund), p.insurance_fund_end));
    assert!(
        close(last(&f.bad_debt), p.bad_debt),
        "{} vs {}",
        last(&f.bad_debt),
        p.bad_debt
    );
    assert!(close(last(&f.adl_notional), p.adl_notional));
    // The fund starts full and is drawn down before any ADL.
    assert!(
        close(f.insurance_fund[0].1, p.insurance_fund_start)
            || f.insurance_fund[0].1 < p.insurance_fund_start
    );
    let first_adl = f.adl_notional.iter().find(|x| x.1 > 0.0).unwrap().0;
    let fund_at = f
        .insurance_fund
        .iter()
        .rev()
        .find(|x| x.0 < first_adl)
        .unwrap()
        .1;
    assert!(
        fund_at < p.insurance_fund_start,
        "fund {fund_at} before the first ADL"
    );
    assert!(
        dir.join("plots").read_dir().unwrap().next().is_none(),
        "no formats asked"
    );
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn auction_series_end_at_the_vault_summary() {
    if data_dir_or_skip("binance-ethusdt-1m-2020-03-12").is_none() {
        return;
    }
    let dir = temp_dir("figures-auctions").join("run");
    let s = run("black_thursday_2020.ron", &dir);
    let v = s.vaults.as_ref().unwrap();
    let a = AuctionSeries::from_trace(&dir.join("trace"))
        .unwrap()
        .unwrap();
    assert_eq!(a.ended.len() as u64, v.auctions_ended);
    assert_eq!(a.debt_kicked.len() as u64, v.auctions);
    let zero = a.ended.iter().filter(|o| o.near_zero).count() as u64;
    assert_eq!(zero, v.zero_bid_wins);
    assert!(close(a.deficit.last().unwrap().1, v.deficit));
    assert!(close(a.raised.last().unwrap().1, v.raised));
    assert!(close(a.debt_kicked.last().unwrap().1, v.debt_liquidated));
    // Every auction ends after its kick.
    assert!(a.ended.iter().all(|o| o.ended >= o.kicked));
    std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}
