//! Borrowers' deleverage bots: their configuration, their counters, and the size of a sale.
//!
//! This module owns what a scenario says about deleverage automation (DeFi Saver's and
//! Instadapp's "automated repay": when the price nears an account's liquidation price, the bot
//! withdraws collateral, sells it and repays debt up to a target health factor), the run's
//! counters of what the bots did ([`DeleverageStats`]) and the sale-size rule
//! ([`sale_for_target`], [`aave_sale_for_target`]). The handlers that watch prices, wake the
//! bots and settle their sales are in `world/deleverage.rs`.

use cascade_des::dist::Dist;
use cascade_risk::{Account, LiquidationMechanism};
use cascade_types::{AccountId, Bps, Lots, Quote, SimTime, Ticks};

/// Which price the bots watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleverageWatch {
    /// The first venue's mid (or last trade while one-sided): bots see the market before the
    /// oracle does. Checked at every reference step and every publication.
    Market,
    /// The market oracle's published price, checked at every publication.
    Oracle,
}

/// Deleverage bots run by some borrowers, in integer units.
#[derive(Clone, Debug, PartialEq)]
pub struct DeleverageConfig {
    /// Accounts running a bot, in increasing id order (drawn when the scenario is built).
    pub bots: Vec<AccountId>,
    /// A bot acts when the watched price is at or below the account's liquidation price times
    /// `1 + trigger_buffer`.
    pub trigger_buffer: Bps,
    /// The health factor (WAD) a deleverage restores at the watched price.
    pub target_health_factor: u128,
    /// The price the bots watch.
    pub watch: DeleverageWatch,
    /// From the moment an account enters the buffer to the bot's transaction, ms.
    pub latency_ms: Dist,
    /// Gas of one deleverage transaction, paid from the sale's proceeds.
    pub gas: Quote,
    /// The smallest sale worth a transaction.
    pub min_sale: Lots,
    /// With a limit, a sale is an IOC order at the watched price less this fraction (rounded
    /// up to a tick); without, a market order.
    pub max_slippage: Option<Bps>,
}

/// What the bots did in a run, in integer units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeleverageStats {
    /// Accounts running a bot.
    pub bots: u64,
    /// Bot wake-ups (one per account entering the buffer while none is pending).
    pub wakes: u64,
    /// Deleverages executed.
    pub deleverages: u64,
    /// Distinct accounts deleveraged at least once.
    pub accounts_deleveraged: u64,
    /// Collateral sold by the bots.
    pub collateral_sold: Lots,
    /// What those sales fetched.
    pub proceeds: Quote,
    /// Debt repaid with the proceeds.
    pub debt_repaid: Quote,
    /// Gas paid by the bots.
    pub gas: Quote,
    /// Collateral sold valued at the watched price at each sale, in quote atoms (the cost is
    /// this less `proceeds` plus `gas`).
    pub sale_value: u128,
    /// Collateral a sale offered that the book could not absorb (it stays in the account).
    pub unsold: Lots,
    /// Wake-ups that found the account liquidatable at the oracle price (left to liquidators).
    pub left_to_liquidators: u64,
    /// Wake-ups that found the account back out of the buffer.
    pub out_of_buffer: u64,
    /// Wake-ups whose sale was below `min_sale`, could not pay its gas, or would have left the
    /// account liquidatable (the bot's minimum-out guard).
    pub skipped: u64,
    /// Distinct bot accounts liquidated at least once.
    pub bot_accounts_liquidated: u64,
    /// Distinct accounts liquidated after a deleverage.
    pub deleveraged_then_liquidated: u64,
    /// Time of the first deleverage.
    pub first_deleverage: Option<SimTime>,
    /// Time of the first liquidation of a bot account.
    pub first_bot_liquidation: Option<SimTime>,
}

impl DeleverageStats {
    /// The borrowers' cost of deleveraging in quote atoms: collateral sold at the watched price
    /// less what it fetched, plus gas.
    pub fn cost(&self) -> i128 {
        self.sale_value as i128 - i128::from(self.proceeds.0) + i128::from(self.gas.0)
    }
}

/// Collateral `q` to sell at `price` so that, with the proceeds `q x price` repaying debt, an
/// Aave-style account (`HF = c p LT / d`) reaches health factor `target`:
/// `(c - q) p LT / (d - q p) = H`, so `q = (H d - c p LT) / (p (H - LT))`, rounded up to a
/// whole lot and capped at the collateral. Zero if the account is already at or above the
/// target. `lt` and `target` are WAD; `target` must exceed `lt`.
pub fn aave_sale_for_target(
    collateral: Lots,
    debt: Quote,
    price: Ticks,
    lt: u128,
    target: u128,
) -> Lots {
    assert!(
        target > lt,
        "the target health factor must exceed the threshold"
    );
    let p = u128::try_from(price.0.max(1)).unwrap_or(1);
    let c = u128::from(collateral.0);
    let need = target * u128::from(debt.0);
    let have = c * p * lt;
    if need <= have {
        return Lots::ZERO;
    }
    let q = (need - have).div_ceil(p * (target - lt));
    Lots(u64::try_from(q.min(c)).unwrap_or(collateral.0))
}

/// [`aave_sale_for_target`] for any mechanism: the threshold is the mechanism's own
/// (`HF x d / (c p)` at `price`), and the result is checked with the mechanism's health factor
/// on the account after the sale (`c - q` against `d - q p`), raised by bisection if rounding
/// left it short. All the collateral if no sale reaches the target.
pub fn sale_for_target(
    mechanism: &dyn LiquidationMechanism,
    account: Account,
    price: Ticks,
    target: u128,
) -> Lots {
    let (c, d) = (account.collateral, account.debt);
    if d.is_zero() || c.is_zero() || price.0 <= 0 {
        return Lots::ZERO;
    }
    let p = price.0 as u128;
    let hf = mechanism.health_factor(&account, price);
    if hf >= target {
        return Lots::ZERO;
    }
    let value = u128::from(c.0) * p;
    // The mechanism's threshold at this price, in WAD (exact for Aave and Morpho up to rounding).
    let lt = (hf.saturating_mul(u128::from(d.0)) / value).min(target - 1);
    let reaches = |q: Lots| {
        let sold = u128::from(q.0) * p;
        let after = Account {
            collateral: c.minus(q),
            debt: Quote(u64::try_from(u128::from(d.0).saturating_sub(sold)).unwrap_or(0)),
        };
        after.debt.is_zero() || mechanism.health_factor(&after, price) >= target
    };
    let guess = aave_sale_for_target(c, d, price, lt, target);
    if reaches(guess) {
        return guess;
    }
    let (mut lo, mut hi) = (guess.0, c.0);
    if !reaches(Lots(hi)) {
        return c;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(Lots(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Lots(hi)
}

/// The lowest price at which an account with trigger `trigger` is within `buffer` of it:
/// watched prices at or below `trigger x (1 + buffer)` are in the buffer.
pub(crate) fn buffer_top(trigger: Ticks, buffer: Bps) -> i128 {
    i128::from(trigger.0) * i128::from(10_000 + buffer.0) / 10_000
}

#[cfg(test)]
mod tests {
    use super::*;
    use cascade_risk::aave::AaveParams;

    fn weth() -> AaveParams {
        AaveParams {
            liquidation_threshold: Bps(8300),
            liquidation_bonus: Bps(10500),
            protocol_fee: Bps(1000),
            close_factor: Bps(5000),
            close_factor_min_base: Quote(200_000_000),
            min_leftover_base: Quote(100_000_000),
            full_close_below_hf: cascade_risk::aave::CLOSE_FACTOR_HF_THRESHOLD,
        }
    }

    const USD: u64 = 100_000; // quote atoms per USD at tick 0.01 and lot 0.001

    /// 10 ETH against 15,000 USD at 1,850 USD (HF 18,500 x 0.83 / 15,000 = 1.0237), LT 0.83,
    /// target 1.3: q = (1.3 x 15,000 - 10 x 1,850 x 0.83) / (1,850 x (1.3 - 0.83))
    /// = (19,500 - 15,355) / 869.5 = 4.76711 ETH, so 4,768 lots. After: 5.232 ETH against
    /// 15,000 - 8,820.80 = 6,179.20 USD, HF = 9,679.2 x 0.83 / 6,179.2 = 1.30012; one lot less
    /// (4,767) gives 8,035.27 / 6,181.05 = 1.29998, short of the target.
    #[test]
    fn the_sale_size_worked_by_hand() {
        let (c, d, p) = (Lots(10_000), Quote(15_000 * USD), Ticks(185_000));
        let lt = 830_000_000_000_000_000;
        let h = 1_300_000_000_000_000_000;
        assert_eq!(aave_sale_for_target(c, d, p, lt, h), Lots(4_768));
        let a = Account {
            collateral: c,
            debt: d,
        };
        assert_eq!(sale_for_target(&weth(), a, p, h), Lots(4_768));
        let hf =
            |q: u64| weth().health_factor(Lots(10_000 - q), Quote(15_000 * USD - q * 185_000), p);
        assert!(hf(4_768) >= h, "{}", hf(4_768));
        assert!(hf(4_767) < h, "{}", hf(4_767));
        // Already at the target: nothing to sell. Far below: at most everything.
        assert_eq!(aave_sale_for_target(c, Quote(USD), p, lt, h), Lots::ZERO);
        assert_eq!(sale_for_target(&weth(), a, Ticks(300_000), h), Lots::ZERO);
        assert_eq!(aave_sale_for_target(c, d, Ticks(140_000), lt, h), c);
    }

    /// 150,000 ticks with a 5% buffer: prices up to 157,500 ticks are in the buffer.
    #[test]
    fn the_buffer_top_is_the_trigger_scaled_up() {
        assert_eq!(buffer_top(Ticks(150_000), Bps(500)), 157_500);
        assert_eq!(buffer_top(Ticks(150_000), Bps(0)), 150_000);
    }
}
