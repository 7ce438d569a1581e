//! The vaults' part of `summary.json`: auctions, the protocol's deficit and the share of
//! auctions won at or near zero, the figures Black Thursday is remembered by.

use cascade_engine::vaults::{MakerUnits, NEAR_ZERO_BPS, VaultStats};
use cascade_engine::{RunStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// Vaults, auctions and keepers, in DAI (quote currency) and base units.
///
/// `deficit` is the debt ended auctions did not cover: per auction, the debt taken from the
/// vault less the DAI the auction raised, when positive (the penalty raised by other auctions
/// is `surplus`, not netted). Auctions still running at the end are in `open_debt` and
/// `open_shortfall` instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VaultSummary {
    /// `flip` (Liquidations 1.2) or `clip` (Liquidations 2.0).
    pub design: String,
    /// Vaults at the start.
    pub vaults: u64,
    /// Auctions started.
    pub auctions: u64,
    /// Auctions over.
    pub auctions_ended: u64,
    /// Auctions still running at the end.
    pub auctions_open: u64,
    /// Bids (tends, dents, takes).
    pub bids: u64,
    /// Dutch auctions reset.
    pub redos: u64,
    /// Debt taken over from vaults, DAI.
    pub debt_liquidated: f64,
    /// DAI raised by ended auctions.
    pub raised: f64,
    /// Debt ended auctions did not cover, DAI.
    pub deficit: f64,
    /// DAI raised above the debt (penalty income).
    pub surplus: f64,
    /// Ended auctions that raised less than 1% of their tab.
    pub zero_bid_wins: u64,
    /// Their share of ended auctions.
    pub zero_bid_share: f64,
    /// Collateral won in those auctions, base units.
    pub collateral_won_at_zero: f64,
    /// That collateral at the oracle price when each auction started, USD.
    pub value_won_at_zero: f64,
    /// Collateral auctioned, base units.
    pub collateral_auctioned: f64,
    /// Collateral returned to vault owners, base units.
    pub collateral_returned: f64,
    /// Keeper incentives minted, DAI.
    pub keeper_incentives: f64,
    /// Debt of auctions still running, less what they raised, DAI.
    pub open_debt: f64,
    /// The part of it above their lots' value at the last oracle price, DAI.
    pub open_shortfall: f64,
    /// Keeper looks at an auction passed for want of DAI.
    pub keeper_no_capital: u64,
    /// Collateral keepers sold on the venues, base units.
    pub keeper_sales: f64,
}

impl VaultSummary {
    /// The vaults' figures, if the world had vaults.
    pub fn new(cfg: &WorldConfig, stats: &RunStats) -> Option<Self> {
        let v = cfg.vaults.as_ref()?;
        let s: &VaultStats = &stats.vaults;
        let dai = MakerUnits::dai;
        let coll = MakerUnits::coll;
        Some(VaultSummary {
            design: v.auction.name().to_string(),
            vaults: s.vaults,
            auctions: s.auctions,
            auctions_ended: s.auctions_ended,
            auctions_open: s.auctions_open,
            bids: s.bids,
            redos: s.redos,
            debt_liquidated: dai(s.debt_liquidated),
            raised: dai(s.raised),
            deficit: dai(s.deficit),
            surplus: dai(s.surplus),
            zero_bid_wins: s.near_zero_wins,
            zero_bid_share: s.near_zero_share(),
            collateral_won_at_zero: coll(s.collateral_won_near_zero),
            value_won_at_zero: dai(s.value_won_near_zero),
            collateral_auctioned: coll(s.collateral_auctioned),
            collateral_returned: coll(s.collateral_returned),
            keeper_incentives: dai(s.incentives),
            open_debt: dai(s.open_debt),
            open_shortfall: dai(s.open_shortfall),
            keeper_no_capital: s.keeper_no_capital,
            keeper_sales: cfg.spec.qty(s.keeper_sales),
        })
    }

    /// A few lines for the terminal.
    pub fn human(&self) -> String {
        format!(
            "vaults ({}): {} vaults, {} auctions ({} ended, {} open), {} bids\n\
             vault deficit: {:.2} DAI of {:.2} DAI debt liquidated (raised {:.2}); open shortfall {:.2}\n\
             won at or near zero (< {}% of tab): {} of {} ended auctions ({:.1}%), {:.3} units worth {:.2} USD",
            self.design,
            self.vaults,
            self.auctions,
            self.auctions_ended,
            self.auctions_open,
            self.bids,
            self.deficit,
            self.debt_liquidated,
            self.raised,
            self.open_shortfall,
            NEAR_ZERO_BPS as f64 / 100.0,
            self.zero_bid_wins,
            self.auctions_ended,
            100.0 * self.zero_bid_share,
            self.collateral_won_at_zero,
            self.value_won_at_zero,
        )
    }
}
