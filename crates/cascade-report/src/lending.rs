//! The lending protocol's part of `summary.json`: which liquidation mechanism ran, where
//! written-off debt went, and the protocol's own books (reserves, collateral it holds, credit
//! to borrowers).

use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// The protocol's reserves over a run, quote currency (Compound III's; absent for mechanisms
/// without reserves).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReservesSummary {
    /// At the start.
    pub start: f64,
    /// At the end.
    pub end: f64,
    /// The lowest after any liquidation.
    pub lowest: f64,
}

/// The lending mechanism and the protocol's books, in quote currency and base units.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LendingSummary {
    /// The mechanism's name (`aave-v3`, `morpho-blue`, `compound-iii`, or a custom one).
    pub mechanism: String,
    /// Where written-off debt (the summary's `deficit`) goes: `deficit` (kept on the
    /// protocol's books, Aave), `socialised to suppliers` (Morpho), ...
    pub bad_debt_treatment: String,
    /// Reserves, if the mechanism keeps any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserves: Option<ReservesSummary>,
    /// Credit given to borrowers whose collateral was worth more than their debt when absorbed.
    pub borrower_credit: f64,
    /// Collateral the protocol holds at the end (Aave's treasury fees, Compound's unsold
    /// stock), base units.
    pub protocol_collateral: f64,
    /// Its value at the last oracle price.
    pub protocol_collateral_value: f64,
}

impl Default for LendingSummary {
    /// Aave v3 with empty books: what every run was before mechanisms were pluggable.
    fn default() -> Self {
        LendingSummary {
            mechanism: "aave-v3".to_string(),
            bad_debt_treatment: "deficit".to_string(),
            reserves: None,
            borrower_credit: 0.0,
            protocol_collateral: 0.0,
            protocol_collateral_value: 0.0,
        }
    }
}

impl LendingSummary {
    /// The lending part of a finished run.
    pub fn new(cfg: &WorldConfig, stats: &RunStats) -> Self {
        let spec = cfg.spec;
        let l = &stats.lending;
        let atoms = |v: i128| spec.quote_signed(v);
        let keeps_reserves = l.reserves_start != 0 || l.reserves_end != 0 || l.reserves_lowest != 0;
        LendingSummary {
            mechanism: cfg.lending.name().to_string(),
            bad_debt_treatment: cfg.lending.bad_debt_treatment().to_string(),
            reserves: keeps_reserves.then(|| ReservesSummary {
                start: atoms(l.reserves_start),
                end: atoms(l.reserves_end),
                lowest: atoms(l.reserves_lowest),
            }),
            borrower_credit: spec.quote(l.borrower_credit),
            protocol_collateral: spec.qty(l.protocol_collateral),
            protocol_collateral_value: spec.quote(l.protocol_collateral_value),
        }
    }

    /// One line for the terminal; `written_off` is the summary's deficit, USD.
    pub fn human(&self, written_off: f64) -> String {
        let reserves = self.reserves.as_ref().map_or(String::new(), |r| {
            format!(
                "; reserves {:.2} -> {:.2} USD (lowest {:.2})",
                r.start, r.end, r.lowest
            )
        });
        let credit = if self.borrower_credit > 0.0 {
            format!("; borrowers credited {:.2} USD", self.borrower_credit)
        } else {
            String::new()
        };
        format!(
            "lending: {}; written off {:.2} USD ({}){reserves}{credit}; protocol holds {:.3} collateral ({:.2} USD)",
            self.mechanism,
            written_off,
            self.bad_debt_treatment,
            self.protocol_collateral,
            self.protocol_collateral_value
        )
    }
}
