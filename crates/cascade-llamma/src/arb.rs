//! An idealised arbitrageur: it trades the AMM to a target price in one exchange.
//!
//! When the oracle falls into a user's bands, the AMM's price `p_o³/p↑²` falls below the market
//! price, so buying collateral from the AMM and selling it on the market pays: this is how
//! LLAMMA's collateral is sold as the price falls (soft liquidation), and bought back as it rises
//! (de-liquidation). The idealised arbitrageur has unlimited inventory, no costs besides the AMM
//! fee, and moves the AMM exactly to the target (the market price, taken equal to the oracle)
//! with `get_amount_for_price` followed by `exchange`, even where the last units are not worth the
//! fee. Real arbitrage stops where the fee eats the gain, so this is an upper bound on conversion
//! and a slight over-estimate of the fees users earn.

use crate::amm::{ExchangeOutcome, Llamma, OracleReading};
use crate::error::LlammaError;
use cascade_types::AgentId;

/// Trades `amm` towards price `target` (WAD) as `trader`; `None` if nothing needed to trade.
pub fn trade_to_price(
    amm: &mut Llamma,
    trader: AgentId,
    target: u128,
    at: OracleReading,
) -> Result<Option<ExchangeOutcome>, LlammaError> {
    let (amount, sell) = amm.get_amount_for_price(target, at)?;
    if amount == 0 {
        return Ok(None);
    }
    let out = amm.exchange(trader, sell, amount, 0, at)?;
    Ok((out.in_amount != 0).then_some(out))
}
