//! The world's crvUSD-style market: the borrowers' loans in one LLAMMA, its EMA oracle, and the
//! keeper that arbitrages the bands against the first venue and hard-liquidates loans below
//! the health limit (see [`crate::llamma`] for the model).

use super::World;
use super::liquidations::value_at_x2;
use crate::event::Event;
use crate::llamma::{LlammaConfig, LlammaStats};
use crate::trace::TraceSink;
use cascade_book::OrderType;
use cascade_des::EventClass;
use cascade_llamma::{
    Coin, Controller, ControllerParams, LlammaParams, OracleReading, WAD, price_from_ticks,
};
use cascade_risk::Account;
use cascade_types::{AccountId, AgentId, Lots, Quote, Side, SimTime, Ticks};

/// One token unit of either coin is one lot or one quote atom: 18 decimals inside the bands.
const UNIT_PRECISION: u128 = 1_000_000_000_000_000_000;
/// Halvings of a trade's size before the keeper gives up on it.
const HALVINGS: u32 = 16;

/// The market, its oracle and its keeper.
pub(super) struct LlammaState {
    ctl: Controller,
    agent: AgentId,
    /// The oracle's EMA of the venue's price, in ticks, and when it was last updated.
    ema: f64,
    ema_at: SimTime,
    start_value: i128,
    pub(super) stats: LlammaStats,
}

impl LlammaState {
    /// Deploys the market at `p0` and opens a loan for every account the Controller accepts.
    pub(super) fn new(cfg: &LlammaConfig, accounts: &[Account], agent: AgentId, p0: Ticks) -> Self {
        let price = price_from_ticks(p0).expect("the reference price is positive");
        let params = LlammaParams {
            collateral_precision: UNIT_PRECISION,
            borrowed_precision: UNIT_PRECISION,
            ..LlammaParams::new(u128::from(cfg.a), price, cfg.fee)
        };
        let controller = ControllerParams {
            loan_discount: cfg.loan_discount,
            liquidation_discount: cfg.liquidation_discount,
        };
        let at = OracleReading::new(price, SimTime::ZERO);
        let mut ctl =
            Controller::new(params, controller, at).expect("LLAMMA parameters are validated");
        let mut stats = LlammaStats::default();
        for (i, a) in accounts.iter().enumerate() {
            let user = AccountId(i as u32);
            let opened = ctl.create_loan(
                user,
                u128::from(a.collateral.0),
                u128::from(a.debt.0),
                cfg.bands as usize,
                at,
            );
            if opened.is_ok() {
                stats.loans += 1;
                stats.debt_start = stats.debt_start.plus(a.debt);
            } else {
                stats.refused += 1;
                stats.refused_debt = stats.refused_debt.plus(a.debt);
            }
        }
        ctl.drain_events();
        LlammaState {
            ctl,
            agent,
            ema: p0.0 as f64,
            ema_at: SimTime::ZERO,
            start_value: 0,
            stats,
        }
    }

    /// What the market holds and has burnt, for conservation: (quote atoms: the bands'
    /// stablecoin plus debt repaid, lots: the bands' collateral).
    pub(super) fn holdings(&self) -> (u128, u128) {
        let (x, y) = self.ctl.amm().balances();
        (x + self.ctl.redeemed(), y)
    }

    /// The bands' balances cover their accounting, and the debt minted is what is owed plus
    /// what was repaid (no interest accrues: the rate is zero).
    pub(super) fn check(&self, now: SimTime) -> Result<(), String> {
        let owed = self.ctl.total_debt(now).map_err(|e| e.to_string())?;
        if owed + self.ctl.redeemed() != self.ctl.minted() {
            return Err(format!(
                "LLAMMA debt does not reconcile: owed {owed} + repaid {} != minted {}",
                self.ctl.redeemed(),
                self.ctl.minted()
            ));
        }
        let (x, y) = self.ctl.amm().balances();
        let (bx, by) = self.ctl.amm().band_totals();
        if x * UNIT_PRECISION < bx || y * UNIT_PRECISION < by {
            return Err(format!(
                "LLAMMA balances ({x}, {y}) do not cover its bands ({bx}, {by}) / 1e18"
            ));
        }
        Ok(())
    }

    /// What the market reads at `now`: its EMA, to the nearest tick.
    fn oracle(&self, now: SimTime) -> OracleReading {
        let p_o = Ticks((self.ema.round() as i64).max(1));
        OracleReading::new(price_from_ticks(p_o).expect("a positive price"), now)
    }

    /// The accounts whose loans the market opened.
    pub(super) fn loans(&self) -> Vec<AccountId> {
        self.ctl.users().collect()
    }

    /// Debt of open loans their bands do not cover at `price_x2 / 2` ticks, at `now`, in
    /// quote atoms: stablecoin in the bands plus collateral at that price, against the debt.
    pub(super) fn uncovered_at(&self, price_x2: i64, now: SimTime) -> u128 {
        self.ctl
            .users()
            .map(|u| {
                let debt = self.ctl.debt(u, now).unwrap_or(0);
                let (x, y) = self.ctl.amm().get_sum_xy(u).unwrap_or((0, 0));
                let cover = x as i128 + value_at_x2(y, price_x2);
                u128::try_from(debt as i128 - cover).unwrap_or(0)
            })
            .sum()
    }
}

impl<T: TraceSink> World<T> {
    pub(super) fn schedule_llamma_step(&mut self, delay: cascade_types::SimDuration) {
        if self.llamma.is_some() {
            self.schedule(self.now + delay, EventClass::Agent, Event::LlammaStep);
        }
    }

    /// The keeper's value at `price`, for its P&L.
    fn llamma_keeper_value(&self, price: Ticks) -> i128 {
        self.llamma.as_ref().map_or(0, |st| {
            let w = self.wallets[st.agent.index()];
            i128::from(w.cash.0) + i128::from(w.base.value_at(price).0)
        })
    }

    pub(super) fn start_llamma(&mut self) {
        let p0 = self.reference_ticks();
        let v = self.llamma_keeper_value(p0);
        if let Some(st) = &mut self.llamma {
            st.start_value = v;
        }
        self.schedule_llamma_step(cascade_types::SimDuration::ZERO);
    }

    /// One block of the market: oracle update, arbitrage, hard liquidations.
    pub(super) fn on_llamma_step(&mut self) {
        let Some(mut st) = self.llamma.take() else {
            return;
        };
        let cfg = self
            .cfg
            .llamma
            .clone()
            .expect("a LLAMMA market has its config");
        if let Some(price) = self.venues[0].price() {
            // crvUSD's EMA oracle: weight exp(-dt/T) on the old value.
            let dt = self.now.saturating_since(st.ema_at).as_secs_f64();
            let tau = cfg.oracle_ema.as_secs_f64();
            let w = if tau > 0.0 {
                1.0 - libm::exp(-dt / tau)
            } else {
                1.0
            };
            st.ema += (price.0 as f64 - st.ema) * w;
            st.ema_at = self.now;
            let at = st.oracle(self.now);
            self.llamma_arbitrage(&mut st, &cfg, at);
            self.llamma_liquidate(&mut st, &cfg, at);
            st.ctl.drain_events();
        }
        self.llamma = Some(st);
        self.schedule_llamma_step(cfg.step);
    }

    fn keeper_cash(&self, st: &LlammaState) -> u128 {
        u128::from(self.wallets[st.agent.index()].cash.0)
    }

    fn pay_keeper_gas(&mut self, st: &mut LlammaState, gas: Quote) {
        let w = &mut self.wallets[st.agent.index()];
        w.cash = w.cash.minus(gas);
        self.external.cash_out += gas.0;
        st.stats.gas_spent = st.stats.gas_spent.plus(gas);
    }

    /// Trades the bands toward the book: buys collateral the AMM sells below the best bid and
    /// sells it into the book, or buys on the book what the AMM buys above the best ask.
    fn llamma_arbitrage(&mut self, st: &mut LlammaState, cfg: &LlammaConfig, at: OracleReading) {
        let Ok(p_amm) = st.ctl.amm().get_p(at) else {
            return;
        };
        let book = &self.venues[0].book;
        // The fee the exchange charges: the static fee or the dynamic one, whichever is higher.
        let fee = st
            .ctl
            .amm()
            .fee()
            .max(st.ctl.amm().dynamic_fee(at).unwrap_or(0))
            .min(WAD / 2);
        let bid = book.best_bid().and_then(|(p, _)| price_from_ticks(p));
        let ask = book.best_ask().and_then(|(p, _)| price_from_ticks(p));
        let gas = u128::from(cfg.gas_cost.0);
        let min_gain = i128::from(cfg.gas_cost.0) + i128::from(cfg.min_profit.0);
        let Some(mid_x2) = self.venues[0].price_x2() else {
            return;
        };
        if let Some(bid) = bid.filter(|&b| p_amm < b) {
            // The AMM's price after the trade, net of its fee, should not pass the bid.
            let target = bid / WAD * (WAD - fee);
            let Ok((amount, Coin::Borrowed)) = st.ctl.amm().get_amount_for_price(target, at) else {
                return;
            };
            let mut amount = amount.min(self.keeper_cash(st).saturating_sub(gas));
            for _ in 0..HALVINGS {
                if amount == 0 {
                    break;
                }
                let Ok((paid, got)) = st.ctl.amm().get_dxdy(Coin::Borrowed, amount, at) else {
                    break;
                };
                let got = u64::try_from(got).unwrap_or(u64::MAX);
                let (_, proceeds) = self.venues[0]
                    .book
                    .sweep_preview(Side::Ask, Lots(got), None);
                if got > 0 && i128::from(proceeds.0) - paid as i128 >= min_gain {
                    let out = st
                        .ctl
                        .exchange(st.agent, Coin::Borrowed, amount, 0, at)
                        .expect("the trade was previewed on the same state");
                    let w = &mut self.wallets[st.agent.index()];
                    w.cash = w.cash.minus(Quote(out.in_amount as u64));
                    w.base = w.base.plus(Lots(out.out_amount as u64));
                    self.pay_keeper_gas(st, cfg.gas_cost);
                    let (sold, _) = self.submit(
                        st.agent,
                        0,
                        Side::Ask,
                        Lots(out.out_amount as u64),
                        OrderType::Market,
                        None,
                    );
                    st.stats.soft_trades += 1;
                    st.stats.soft_sold = st.stats.soft_sold.plus(Lots(out.out_amount as u64));
                    let loss = value_at_x2(out.out_amount, mid_x2) - out.in_amount as i128;
                    self.stats.record_llamma_sale(self.now, sold, loss);
                    return;
                }
                amount /= 2;
            }
        } else if let Some(ask) = ask.filter(|&a| p_amm > a) {
            let target = ask / WAD * (WAD + fee);
            let Ok((amount, Coin::Collateral)) = st.ctl.amm().get_amount_for_price(target, at)
            else {
                return;
            };
            let mut amount = u64::try_from(amount).unwrap_or(u64::MAX);
            for _ in 0..HALVINGS {
                if amount == 0 {
                    break;
                }
                let (filled, cost) =
                    self.venues[0]
                        .book
                        .sweep_preview(Side::Bid, Lots(amount), None);
                if u128::from(cost.0) + gas > self.keeper_cash(st) {
                    amount /= 2;
                    continue;
                }
                let Ok((_, out)) =
                    st.ctl
                        .amm()
                        .get_dxdy(Coin::Collateral, u128::from(filled.0), at)
                else {
                    break;
                };
                if !filled.is_zero() && out as i128 - i128::from(cost.0) >= min_gain {
                    let (bought, _) =
                        self.submit(st.agent, 0, Side::Bid, filled, OrderType::Market, None);
                    let out = st
                        .ctl
                        .exchange(st.agent, Coin::Collateral, u128::from(bought.0), 0, at)
                        .expect("the trade was previewed on the same state");
                    let w = &mut self.wallets[st.agent.index()];
                    w.base = w.base.minus(Lots(out.in_amount as u64));
                    w.cash = w.cash.plus(Quote(out.out_amount as u64));
                    self.pay_keeper_gas(st, cfg.gas_cost);
                    st.stats.buyback_trades += 1;
                    st.stats.bought_back = st.stats.bought_back.plus(Lots(out.in_amount as u64));
                    let loss = out.out_amount as i128 - value_at_x2(out.in_amount, mid_x2);
                    self.stats.record_llamma_buyback(self.now, bought, loss);
                    return;
                }
                amount /= 2;
            }
        }
    }

    /// Hard-liquidates the loans below the health limit whose collateral, sold into the book,
    /// pays the keeper back; the others stay open.
    fn llamma_liquidate(&mut self, st: &mut LlammaState, cfg: &LlammaConfig, at: OracleReading) {
        let Ok(positions) = st.ctl.users_to_liquidate(at) else {
            return;
        };
        let gas = i128::from(cfg.gas_cost.0);
        let min_gain = gas + i128::from(cfg.min_profit.0);
        for pos in positions {
            // Each liquidation's sale moves the book the next one is valued against.
            let Some(mid_x2) = self.venues[0].price_x2() else {
                return;
            };
            let pays = pos.debt.saturating_sub(pos.x);
            let gets = pos.x.saturating_sub(pos.debt);
            let y = Lots(u64::try_from(pos.y).unwrap_or(u64::MAX));
            let (_, proceeds) = self.venues[0].book.sweep_preview(Side::Ask, y, None);
            let gain = i128::from(proceeds.0) + gets as i128 - pays as i128;
            let affordable = pays as i128 + gas <= self.keeper_cash(st) as i128;
            if gain < min_gain || !affordable {
                continue;
            }
            let liq = st
                .ctl
                .liquidate(st.agent, pos.user, 0, at)
                .expect("the loan was found below the health limit on the same state");
            let w = &mut self.wallets[st.agent.index()];
            w.cash = w
                .cash
                .minus(Quote(liq.liquidator_pays as u64))
                .plus(Quote(liq.stablecoin_to_liquidator as u64));
            w.base = w.base.plus(Lots(liq.collateral_to_liquidator as u64));
            self.pay_keeper_gas(st, cfg.gas_cost);
            let seized = Lots(liq.collateral_to_liquidator as u64);
            let (sold, _) = self.submit(st.agent, 0, Side::Ask, seized, OrderType::Market, None);
            st.stats.hard_liquidations += 1;
            st.stats.debt_repaid = st.stats.debt_repaid.plus(Quote(liq.debt_repaid as u64));
            let equity = liq.stablecoin_from_bands as i128
                + value_at_x2(liq.collateral_to_liquidator, mid_x2)
                - liq.debt_repaid as i128;
            self.stats.record_llamma_sale(self.now, sold, equity);
        }
    }

    /// The market's figures at the end of the run.
    pub(super) fn finish_llamma(&mut self, mark: Ticks) {
        let value = self.llamma_keeper_value(mark);
        let Some(st) = &mut self.llamma else {
            return;
        };
        let now = self.now;
        st.stats.keeper_pnl = value - st.start_value;
        let at = st.oracle(now);
        st.stats.debt_end = Quote(
            st.ctl
                .total_debt(now)
                .map_or(u64::MAX, |d| u64::try_from(d).unwrap_or(u64::MAX)),
        );
        let below = st.ctl.users_to_liquidate(at).map_or(0, |p| p.len());
        st.stats.underwater_at_end = below as u64;
        let uncovered = st.uncovered_at(2 * mark.0, now);
        st.stats.bad_debt_at_end = Quote(u64::try_from(uncovered).unwrap_or(u64::MAX));
    }
}
