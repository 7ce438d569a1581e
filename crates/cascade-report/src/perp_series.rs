//! Perp liquidations from `perps.csv`, for the timeline and the cascade figures.

use crate::ReportError;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
struct PerpRec {
    time_ns: u64,
    event: String,
    liquidation: Option<u32>,
    generation: Option<u32>,
    parent: Option<u32>,
    size: f64,
    filled: Option<f64>,
    price: Option<f64>,
    mark: f64,
}

/// One perp liquidation: when, its generation and parent, the mark it acted at, and the value
/// it closed (book fills, positions moved to the vault, ADL fills, at their prices).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PerpLiquidation {
    pub id: u32,
    pub t: f64,
    pub generation: u32,
    pub parent: Option<u32>,
    pub mark: f64,
    pub value: f64,
}

/// The perp liquidations of a trace folder, by id; none if it has no `perps.csv` (a run made
/// before perp venues existed).
pub(crate) fn perp_liquidations(dir: &Path) -> Result<Vec<PerpLiquidation>, ReportError> {
    let path = dir.join("perps.csv");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PerpLiquidation> = Vec::new();
    crate::series::for_each(&path, |r: PerpRec| {
        let (Some(id), Some(generation)) = (r.liquidation, r.generation) else {
            return;
        };
        let value = match r.event.as_str() {
            "order" | "partial" => r.filled.unwrap_or(0.0) * r.price.unwrap_or(0.0),
            "backstop" | "adl" => r.size * r.price.unwrap_or(0.0),
            _ => 0.0,
        };
        match out.iter_mut().rev().find(|l| l.id == id) {
            Some(l) => l.value += value,
            None => out.push(PerpLiquidation {
                id,
                t: r.time_ns as f64 / 1e9,
                generation,
                parent: r.parent,
                mark: r.mark,
                value,
            }),
        }
    })?;
    out.sort_by_key(|l| l.id);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{Cascade, Timeline};

    const HEADER: &str = "time_ns,event,liquidation,account,counterparty,generation,parent,side,size,filled,price,mark,equity,maintenance,amount,insurance_fund,vault_value";

    /// Liquidation 1 is a partial order (2 of 2.5 filled at 100) then a fund draw; liquidation
    /// 2 a backstop transfer of 1.5 at the mark 99, child of 1; liquidation 3 two ADL fills of 1
    /// and 0.5 at 90, child of 2; the vault's unwinding row (attributed to 2) closes nothing new.
    /// Liquidation 0 is a lending one: the cascade keeps ids in order across both files.
    #[test]
    fn perp_rows_become_liquidations_of_the_shared_id_space() {
        let dir = std::env::temp_dir().join(format!("cascade-perp-series-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = [
            "1000000000,partial,1,7,,0,,sell,2.5,2,100,101,5,6,-10,50,1000",
            "1000000000,insurance_draw,1,7,,,,,0,,,101,,,3,47,1000",
            "2000000000,backstop,2,8,,1,1,sell,1.5,,99,99,1,2,1,47,1001",
            "2500000000,vault_unwind,2,0,,,,sell,0.5,0.5,98.5,99,,,,47,1000",
            "3000000000,adl,3,9,4,2,2,sell,1,,90,88,-3,2,,0,-5",
            "3000000000,adl,3,9,5,2,2,sell,0.5,,90,88,-3,2,,0,-5",
        ];
        std::fs::write(
            dir.join("perps.csv"),
            format!("{HEADER}\n{}\n", rows.join("\n")),
        )
        .unwrap();
        let l = perp_liquidations(&dir).unwrap();
        let got: Vec<(u32, f64, u32, Option<u32>, f64, f64)> = l
            .iter()
            .map(|x| (x.id, x.t, x.generation, x.parent, x.mark, x.value))
            .collect();
        assert_eq!(
            got,
            [
                (1, 1.0, 0, None, 101.0, 200.0),
                (2, 2.0, 1, Some(1), 99.0, 148.5),
                (3, 3.0, 2, Some(2), 88.0, 135.0),
            ]
        );

        std::fs::write(
            dir.join("liquidations.csv"),
            "time_ns,id,account,liquidator,generation,parent,health_factor,oracle_price,debt_repaid,collateral_seized,protocol_fee,deficit,sold,proceeds,price_before,price_after\n\
             500000000,0,1,liq0,0,,0.9,100,50,0.5,0,0,0.5,49,100,99\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("oracle.csv"),
            "time_ns,oracle,price,reference_price,age_ns,sources_used,event,reason\n",
        )
        .unwrap();
        let c = Cascade::from_trace(&dir, 10.0).unwrap();
        let ids: Vec<u32> = c.nodes.iter().map(|n| n.id).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        assert_eq!(c.counts, [2, 1, 1]);
        assert_eq!(c.nodes[2].debt_repaid, 148.5);
        let t = Timeline::from_trace(&dir).unwrap();
        let marks: Vec<(f64, f64, u32)> = t
            .liquidations
            .iter()
            .map(|m| (m.t, m.price, m.generation))
            .collect();
        assert_eq!(
            marks,
            [
                (0.5, 100.0, 0),
                (1.0, 101.0, 0),
                (2.0, 99.0, 1),
                (3.0, 88.0, 2)
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_trace_without_perps_csv_has_no_perp_liquidations() {
        assert!(
            perp_liquidations(Path::new("/nonexistent-cascade-dir"))
                .unwrap()
                .is_empty()
        );
    }
}
