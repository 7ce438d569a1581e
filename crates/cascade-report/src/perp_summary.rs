//! The perp venue's part of `summary.json`.

use cascade_engine::{PerpStats, WorldConfig};
use serde::{Deserialize, Serialize};

/// The headline figures of a perp venue, in USD and base units; times in simulated seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PerpSummary {
    /// Trader accounts.
    pub accounts: u64,
    /// Long open interest at the start, base units.
    pub long_open_interest: f64,
    /// Short open interest at the start, base units.
    pub short_open_interest: f64,
    /// Liquidations: orders that filled, backstop transfers, ADL closes of bankrupt accounts.
    pub liquidations: u64,
    /// Highest generation (null without liquidations).
    pub max_generation: Option<u32>,
    /// Liquidations per generation, generation 0 first.
    pub liquidations_by_generation: Vec<u64>,
    /// Whole-position liquidation orders that filled.
    pub market_orders: u64,
    /// Partial liquidation orders that filled.
    pub partial_orders: u64,
    /// Times a liquidatable account waited for the next mark: nothing in the book to fill its
    /// order within the order's limit (counted at every check).
    pub no_liquidity: u64,
    /// Base closed by liquidation orders in the book.
    pub liquidated_size: f64,
    /// Its value at the fill prices, USD.
    pub liquidated_notional: f64,
    /// Transfers to the backstop vault.
    pub backstop_transfers: u64,
    /// Value of the positions transferred, at the mark, USD.
    pub backstop_notional: f64,
    /// Scopes below the vault's threshold that it refused for lack of capital.
    pub backstop_refusals: u64,
    /// The vault's capital at the start, USD.
    pub backstop_capital: f64,
    /// The vault's account value at the last mark, USD.
    pub backstop_value_end: f64,
    /// Base the vault unwound into the book.
    pub backstop_unwound: f64,
    /// Base the vault still holds (signed).
    pub backstop_position_end: f64,
    /// ADL fills (one per counterparty).
    pub adl_events: u64,
    /// Base closed by ADL.
    pub adl_size: f64,
    /// Its value at the ADL prices, USD.
    pub adl_notional: f64,
    /// Bankrupt accounts closed by ADL.
    pub adl_accounts: u64,
    /// ADL passes that ran out of opposite positions.
    pub adl_unfilled: u64,
    /// Insurance fund at the start, USD.
    pub insurance_fund_start: f64,
    /// Insurance fund at the end, USD.
    pub insurance_fund_end: f64,
    /// Paid by the fund, USD.
    pub insurance_drawn: f64,
    /// Received by the fund, USD.
    pub insurance_deposited: f64,
    /// Deficits neither the fund nor ADL covered, USD.
    pub bad_debt: f64,
    /// Accounts whose liquidation ended with negative equity (a deficit drawn from the fund,
    /// written off, or passed to ADL counterparties).
    pub negative_equity_accounts: u64,
    /// Their total negative equity, USD (a negative number).
    pub negative_equity_total: f64,
    /// Liquidation fees kept by the venue, USD.
    pub clearing_fees: f64,
    /// Lowest mark, USD.
    pub min_mark_price: Option<f64>,
    /// First liquidation, seconds.
    pub first_liquidation_s: Option<f64>,
    /// First backstop transfer, seconds.
    pub first_backstop_s: Option<f64>,
    /// First refusal by the vault, seconds.
    pub first_backstop_refusal_s: Option<f64>,
    /// First draw on the insurance fund, seconds.
    pub first_insurance_draw_s: Option<f64>,
    /// First ADL, seconds.
    pub first_adl_s: Option<f64>,
}

impl PerpSummary {
    /// The summary of a perp venue's counters.
    pub fn new(cfg: &WorldConfig, s: &PerpStats) -> PerpSummary {
        let spec = cfg.spec;
        let usd = |atoms: i128| spec.quote_signed(atoms);
        let u = |atoms: u128| usd(atoms as i128);
        let secs = |t: Option<cascade_types::SimTime>| t.map(|t| t.as_secs_f64());
        PerpSummary {
            accounts: s.accounts,
            long_open_interest: spec.qty(s.long_lots_start),
            short_open_interest: spec.qty(s.short_lots_start),
            liquidations: s.liquidations,
            max_generation: s.max_generation(),
            liquidations_by_generation: s.by_generation.clone(),
            market_orders: s.market_orders,
            partial_orders: s.partial_orders,
            no_liquidity: s.no_liquidity,
            liquidated_size: spec.qty(s.liquidated_lots),
            liquidated_notional: u(s.liquidated_notional),
            backstop_transfers: s.backstop_transfers,
            backstop_notional: u(s.backstop_notional),
            backstop_refusals: s.backstop_refusals,
            backstop_capital: u(s.vault_capital),
            backstop_value_end: usd(s.vault_value_end),
            backstop_unwound: spec.qty(s.vault_unwound),
            backstop_position_end: s.vault_position_end as f64 * spec.lot_size,
            adl_events: s.adl_events,
            adl_size: spec.qty(s.adl_lots),
            adl_notional: u(s.adl_notional),
            adl_accounts: s.adl_accounts,
            adl_unfilled: s.adl_unfilled,
            insurance_fund_start: u(s.insurance_start),
            insurance_fund_end: u(s.insurance_end),
            insurance_drawn: u(s.insurance_drawn),
            insurance_deposited: u(s.insurance_deposited),
            bad_debt: u(s.bad_debt),
            negative_equity_accounts: s.negative_equity_accounts,
            negative_equity_total: -u(s.negative_equity_total),
            clearing_fees: u(s.clearing_fees),
            min_mark_price: s.min_mark.map(|p| spec.price(p)),
            first_liquidation_s: secs(s.first_liquidation),
            first_backstop_s: secs(s.first_backstop),
            first_backstop_refusal_s: secs(s.first_backstop_refusal),
            first_insurance_draw_s: secs(s.first_insurance_draw),
            first_adl_s: secs(s.first_adl),
        }
    }

    /// Two lines for the terminal.
    pub fn human(&self) -> String {
        let t = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1} s"));
        format!(
            "perps: {} liquidations ({:.0} USD in the book, max generation {}), {} backstop \
             transfers ({} refused), {} ADL events ({:.0} USD), bad debt {:.2} USD\n\
             perps: insurance fund {:.0} -> {:.0} USD; {} accounts ended below zero ({:.0} USD); \
             first liquidation {}, first ADL {}",
            self.liquidations,
            self.liquidated_notional,
            self.max_generation
                .map_or("-".to_string(), |g| g.to_string()),
            self.backstop_transfers,
            self.backstop_refusals,
            self.adl_events,
            self.adl_notional,
            self.bad_debt,
            self.insurance_fund_start,
            self.insurance_fund_end,
            self.negative_equity_accounts,
            self.negative_equity_total,
            t(self.first_liquidation_s),
            t(self.first_adl_s),
        )
    }
}
