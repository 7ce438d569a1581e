//! What absorbs losses over time: the perp venue's insurance fund and backstop vault (from
//! `perps.csv`) and the vault auctions (from `auctions.csv`), as plotted series.

use crate::ReportError;
use crate::series::{Point, for_each};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct PerpRec {
    time_ns: u64,
    event: String,
    size: f64,
    price: Option<f64>,
    amount: Option<f64>,
    insurance_fund: f64,
    vault_value: f64,
}

/// The perp venue's loss absorbers over time: one point per `perps.csv` row (each after its
/// step), cumulative sums from zero.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FundSeries {
    /// Insurance fund balance, USD.
    pub insurance_fund: Vec<Point>,
    /// Backstop vault's account value at the mark, USD.
    pub vault_value: Vec<Point>,
    /// Cumulative bad debt written off (`bad_debt` rows), USD.
    pub bad_debt: Vec<Point>,
    /// Cumulative notional closed by auto-deleveraging (`adl` rows: size x ADL price), USD.
    pub adl_notional: Vec<Point>,
}

impl FundSeries {
    /// The series of `dir/perps.csv`; `None` if the file is absent or has no rows (no perp
    /// venue, or a venue where nothing happened).
    pub fn from_trace(dir: &Path) -> Result<Option<Self>, ReportError> {
        let path = dir.join("perps.csv");
        if !path.exists() {
            return Ok(None);
        }
        let mut s = FundSeries::default();
        let (mut bad, mut adl) = (0.0, 0.0);
        for_each(&path, |r: PerpRec| {
            let t = r.time_ns as f64 / 1e9;
            match r.event.as_str() {
                "bad_debt" => bad += r.amount.unwrap_or(0.0).abs(),
                "adl" => adl += r.size * r.price.unwrap_or(0.0),
                _ => {}
            }
            s.insurance_fund.push((t, r.insurance_fund));
            s.vault_value.push((t, r.vault_value));
            s.bad_debt.push((t, bad));
            s.adl_notional.push((t, adl));
        })?;
        Ok((!s.insurance_fund.is_empty()).then_some(s))
    }
}

#[derive(Deserialize)]
struct AuctionRec {
    time_ns: u64,
    auction: u64,
    event: String,
    raised: f64,
    debt: Option<f64>,
    deficit: Option<f64>,
    near_zero: Option<bool>,
}

/// One ended auction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AuctionOutcome {
    /// Auction id.
    pub auction: u64,
    /// Kick time, seconds.
    pub kicked: f64,
    /// End time, seconds.
    pub ended: f64,
    /// Debt taken from the vault, DAI.
    pub debt: f64,
    /// DAI raised.
    pub raised: f64,
    /// Won at or near zero (raised under 1% of the tab).
    pub near_zero: bool,
}

/// Vault auctions over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AuctionSeries {
    /// Ended auctions, in end order.
    pub ended: Vec<AuctionOutcome>,
    /// Cumulative debt taken into auctions, at each kick, DAI.
    pub debt_kicked: Vec<Point>,
    /// Cumulative DAI raised by ended auctions, at each end.
    pub raised: Vec<Point>,
    /// Cumulative deficit of ended auctions, at each end, DAI.
    pub deficit: Vec<Point>,
}

impl AuctionSeries {
    /// The series of `dir/auctions.csv`; `None` if the file is absent or has no rows.
    pub fn from_trace(dir: &Path) -> Result<Option<Self>, ReportError> {
        let path = dir.join("auctions.csv");
        if !path.exists() {
            return Ok(None);
        }
        let mut s = AuctionSeries::default();
        // Kick time per auction id (ids count from 1 in kick order).
        let mut kicked: Vec<f64> = Vec::new();
        let (mut debt, mut raised, mut deficit) = (0.0, 0.0, 0.0);
        for_each(&path, |r: AuctionRec| {
            let t = r.time_ns as f64 / 1e9;
            match r.event.as_str() {
                "kick" => {
                    let i = r.auction as usize;
                    if kicked.len() < i {
                        kicked.resize(i, f64::NAN);
                    }
                    if i > 0 {
                        kicked[i - 1] = t;
                    }
                    debt += r.debt.unwrap_or(0.0);
                    s.debt_kicked.push((t, debt));
                }
                "end" => {
                    raised += r.raised;
                    deficit += r.deficit.unwrap_or(0.0);
                    s.raised.push((t, raised));
                    s.deficit.push((t, deficit));
                    let k = (r.auction as usize)
                        .checked_sub(1)
                        .and_then(|i| kicked.get(i).copied())
                        .unwrap_or(t);
                    s.ended.push(AuctionOutcome {
                        auction: r.auction,
                        kicked: k,
                        ended: t,
                        debt: r.debt.unwrap_or(0.0),
                        raised: r.raised,
                        near_zero: r.near_zero.unwrap_or(false),
                    });
                }
                _ => {}
            }
        })?;
        Ok((!s.debt_kicked.is_empty()).then_some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_engine::trace::{AuctionRow, PerpRow, Row};

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("cascade-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// A fund drawn twice, then empty and a bad-debt row, then two ADL fills: the series
    /// follow the rows (fund 100 -> 60 -> 0, bad debt 15, ADL 2 x 90 + 0.5 x 88 = 224).
    #[test]
    fn fund_series_follow_the_perps_rows() {
        let d = dir("fund-series");
        let rows = [
            "1000000000,insurance_draw,1,5,,0,,,0,,,100,,,40,60,1000",
            "2000000000,insurance_draw,2,6,,1,1,,0,,,99,,,60,0,900",
            "2500000000,bad_debt,2,6,,1,1,,0,,,99,,,-15,0,900",
            "3000000000,adl,3,7,8,2,2,sell,2,,90,95,,,,0,-50",
            "3000000000,adl,3,7,9,2,2,sell,0.5,,88,95,,,,0,-50",
        ];
        std::fs::write(
            d.join("perps.csv"),
            format!("{}\n{}\n", PerpRow::HEADER, rows.join("\n")),
        )
        .unwrap();
        let s = FundSeries::from_trace(&d).unwrap().unwrap();
        assert_eq!(
            s.insurance_fund,
            vec![(1.0, 60.0), (2.0, 0.0), (2.5, 0.0), (3.0, 0.0), (3.0, 0.0)]
        );
        assert_eq!(s.vault_value.last(), Some(&(3.0, -50.0)));
        assert_eq!(s.bad_debt.last(), Some(&(3.0, 15.0)));
        assert_eq!(s.bad_debt[1], (2.0, 0.0));
        assert_eq!(s.adl_notional.last(), Some(&(3.0, 224.0)));
        // A header-only file is no series.
        std::fs::write(d.join("perps.csv"), format!("{}\n", PerpRow::HEADER)).unwrap();
        assert_eq!(FundSeries::from_trace(&d).unwrap(), None);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// Two auctions: 1 kicked at 10 s (debt 1,000) ends at 70 s raising 1,130; 2 kicked at
    /// 20 s (debt 500) ends at 50 s raising 0.00001 (a zero bid): deficit 500 - 0.00001.
    #[test]
    fn auction_series_pair_kicks_with_ends() {
        let d = dir("auction-series");
        let rows = [
            "10000000000,1,4,kick,kpr0,10,1130,0,100,0,1000,0,,,100",
            "20000000000,2,9,kick,kpr1,5,565,0,100,0,500,0,,,100",
            "30000000000,2,9,tend,kpr3,5,565,0.00001,0.000002,0.00001,,0,,,",
            "50000000000,2,9,end,kpr3,5,0,0.00001,0.000002,0.00001,500,0,499.99999,true,100",
            "70000000000,1,4,end,kpr0,10,0,1130,113,1130,1000,0,0,false,100",
        ];
        std::fs::write(
            d.join("auctions.csv"),
            format!("{}\n{}\n", AuctionRow::HEADER, rows.join("\n")),
        )
        .unwrap();
        let s = AuctionSeries::from_trace(&d).unwrap().unwrap();
        assert_eq!(s.debt_kicked, vec![(10.0, 1000.0), (20.0, 1500.0)]);
        assert_eq!(s.deficit, vec![(50.0, 499.99999), (70.0, 499.99999)]);
        assert_eq!(s.raised, vec![(50.0, 0.00001), (70.0, 1130.00001)]);
        let (a, b) = (s.ended[0], s.ended[1]);
        assert_eq!(
            (a.auction, a.kicked, a.ended, a.near_zero),
            (2, 20.0, 50.0, true)
        );
        assert_eq!(
            (b.auction, b.kicked, b.debt, b.raised),
            (1, 10.0, 1000.0, 1130.0)
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
