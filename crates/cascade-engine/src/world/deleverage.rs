//! Borrowers' deleverage bots in the loop: watching prices, waking, selling, repaying.
//!
//! This module owns the bots' state in a run (which accounts run one, which have a wake-up
//! pending, the shared `delev` wallet and its latency stream) and their handlers. At every
//! check (each reference step with `watch: Market`, and each publication of the market oracle)
//! the trigger index gives the accounts whose liquidation price is within the buffer of the
//! watched price but not yet crossed by the oracle's, in O(log n + k); each bot account among
//! them gets one `DeleverageWake` after a drawn latency. On waking, the bot re-checks and sizes
//! the sale that brings the health factor at the watched price to the target
//! ([`crate::deleverage::sale_for_target`]), previews it against the first venue's book, and
//! sends it only if the protocol would accept the repayment at its oracle price and the sale,
//! after slippage and gas, raises the health factor at the watched price (the bot's minimum-out
//! guard: a real transaction would revert); otherwise it halves the sale down to `min_sale`. The sale is a market order from the
//! `delev` wallet; the proceeds pay gas, then repay debt (at most the debt; a surplus stays in
//! the wallet as the borrowers' cash); what the book could not absorb never leaves the account.
//! Accounts already liquidatable at the oracle price are left to liquidators. The state exists
//! only when the scenario has `deleverage`, so runs without it draw nothing and schedule
//! nothing.

use super::World;
use crate::deleverage::{DeleverageConfig, DeleverageWatch, buffer_top, sale_for_target};
use crate::event::Event;
use crate::trace::{DeleverageRow, TraceSink};
use cascade_book::OrderType;
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_risk::Account;
use cascade_types::{AccountId, AgentId, Lots, Quote, Side, SimDuration, Ticks};

/// The bots' state in a run.
pub(super) struct DeleverageState {
    /// The `delev` wallet's agent id, shared by every bot.
    pub(super) agent: AgentId,
    /// Per account: runs a bot.
    is_bot: Vec<bool>,
    /// Per account: a wake-up is pending.
    pending: Vec<bool>,
    /// Per account: deleveraged at least once.
    deleveraged: Vec<bool>,
    /// Per account: liquidated at least once (bot accounts only).
    liquidated: Vec<bool>,
    /// Latencies, stream `deleverage-latency/0`.
    rng: StreamRng,
}

impl DeleverageState {
    pub(super) fn new(
        cfg: &DeleverageConfig,
        accounts: usize,
        agent: AgentId,
        streams: &RngStreams,
    ) -> Self {
        let mut is_bot = vec![false; accounts];
        for a in &cfg.bots {
            is_bot[a.index()] = true;
        }
        DeleverageState {
            agent,
            is_bot,
            pending: vec![false; accounts],
            deleveraged: vec![false; accounts],
            liquidated: vec![false; accounts],
            rng: streams.stream("deleverage-latency", 0),
        }
    }
}

/// The tunables a bot reads on waking (the configuration without its account list).
#[derive(Clone, Copy)]
struct Params {
    watch: DeleverageWatch,
    buffer: cascade_types::Bps,
    target: u128,
    gas: Quote,
    min_sale: Lots,
    max_slippage: Option<cascade_types::Bps>,
}

impl Params {
    fn of(cfg: &DeleverageConfig) -> Self {
        Params {
            watch: cfg.watch,
            buffer: cfg.trigger_buffer,
            target: cfg.target_health_factor,
            gas: cfg.gas,
            min_sale: cfg.min_sale,
            max_slippage: cfg.max_slippage,
        }
    }

    /// The lowest price a sale may fill at when the bot watches `watched`.
    fn limit(&self, watched: Ticks) -> Option<Ticks> {
        self.max_slippage.map(|s| {
            let keep = i128::from(cascade_types::Bps::DENOMINATOR as i64 - i64::from(s.0));
            let den = cascade_types::Bps::DENOMINATOR as i128;
            Ticks(((i128::from(watched.0) * keep + den - 1) / den) as i64)
        })
    }
}

/// A sale the bot would send: collateral offered, what the book would fill and pay, the
/// repayment and the gas.
struct Plan {
    /// The order: a market order, or IOC at the slippage limit.
    order: OrderType,
    offered: Lots,
    sold: Lots,
    proceeds: Quote,
    repay: Quote,
}

impl<T: TraceSink> World<T> {
    fn delev_cfg(&self) -> Option<&DeleverageConfig> {
        self.cfg.deleverage.as_ref()
    }

    /// The price the bots watch now.
    fn watched_price(&self, watch: DeleverageWatch) -> Option<Ticks> {
        match watch {
            DeleverageWatch::Market => self.venues[0].price(),
            DeleverageWatch::Oracle => self.last_market_price(),
        }
    }

    /// A check at a reference step: only bots watching the market act on it.
    pub(super) fn deleverage_on_step(&mut self) {
        if self
            .delev_cfg()
            .is_some_and(|c| c.watch == DeleverageWatch::Market)
        {
            self.deleverage_check();
        }
    }

    /// Wakes (after their latency) the bots of accounts within the buffer of the watched price
    /// and not liquidatable at the oracle price.
    pub(super) fn deleverage_check(&mut self) {
        let Some(cfg) = self.delev_cfg() else {
            return;
        };
        let (watch, buffer) = (cfg.watch, cfg.trigger_buffer);
        let (Some(watched), Some(oracle)) = (self.watched_price(watch), self.last_market_price())
        else {
            return;
        };
        // Trigger above watched / (1 + buffer): within the buffer (checked exactly on waking).
        let low = Ticks((i128::from(watched.0) * 10_000 / i128::from(10_000 + buffer.0)) as i64);
        let st = self.delev.as_ref().expect("state exists with the config");
        let due: Vec<AccountId> = self
            .market
            .index()
            .liquidatable_between(low, oracle)
            .filter(|a| st.is_bot[a.index()] && !st.pending[a.index()])
            .collect();
        for a in due {
            let st = self.delev.as_mut().expect("state exists with the config");
            st.pending[a.index()] = true;
            let ms = self
                .cfg
                .deleverage
                .as_ref()
                .expect("config")
                .latency_ms
                .sample(&mut st.rng);
            let at = self.now + SimDuration::from_millis_f64(ms);
            self.schedule(at, EventClass::Agent, Event::DeleverageWake(a.0));
        }
    }

    /// A bot wakes for `account`: re-checks, sizes, guards and sends its sale.
    pub(super) fn on_deleverage_wake(&mut self, account: AccountId) {
        let cfg = Params::of(self.cfg.deleverage.as_ref().expect("wakes need the config"));
        self.delev.as_mut().expect("state").pending[account.index()] = false;
        self.stats.deleverage.wakes += 1;
        let (Some(watched), Some(oracle)) =
            (self.watched_price(cfg.watch), self.last_market_price())
        else {
            self.stats.deleverage.skipped += 1;
            return;
        };
        if self.market.is_liquidatable(account, oracle) {
            self.stats.deleverage.left_to_liquidators += 1;
            return;
        }
        let in_buffer = self
            .market
            .trigger_price(account)
            .is_some_and(|t| buffer_top(t, cfg.buffer) >= i128::from(watched.0));
        if !in_buffer {
            self.stats.deleverage.out_of_buffer += 1;
            return;
        }
        let Some(plan) = self.deleverage_plan(cfg, account, watched, oracle) else {
            self.stats.deleverage.skipped += 1;
            return;
        };
        self.deleverage_execute(cfg, account, plan, watched, oracle);
    }

    /// The largest sale up to the one reaching the target that the book can fill for at least
    /// `min_sale`, whose proceeds pay the gas, whose repayment the protocol accepts at
    /// `oracle`, and which raises the health factor at the watched price (halving the size
    /// until all hold), or `None`.
    fn deleverage_plan(
        &self,
        cfg: Params,
        account: AccountId,
        watched: Ticks,
        oracle: Ticks,
    ) -> Option<Plan> {
        let a = self.market.account(account);
        let mut q = sale_for_target(self.market.mechanism(), a, watched, cfg.target);
        let limit = cfg.limit(watched);
        let order = limit.map_or(OrderType::Market, OrderType::Ioc);
        while q >= cfg.min_sale && !q.is_zero() {
            let (sold, proceeds) = self.venues[0].book.sweep_preview(Side::Ask, q, limit);
            if proceeds > cfg.gas && sold >= cfg.min_sale {
                let repay = proceeds.minus(cfg.gas).min(a.debt);
                let accepted = self
                    .market
                    .preview_deleverage(account, sold, repay, oracle)
                    .is_ok();
                let after = Account {
                    collateral: a.collateral.minus(sold),
                    debt: a.debt.minus(repay),
                };
                let mechanism = self.market.mechanism();
                let improves =
                    mechanism.health_factor(&after, watched) > mechanism.health_factor(&a, watched);
                if accepted && improves {
                    return Some(Plan {
                        order,
                        offered: q,
                        sold,
                        proceeds,
                        repay,
                    });
                }
            }
            q = Lots(q.0 / 2);
        }
        None
    }

    fn deleverage_execute(
        &mut self,
        cfg: Params,
        account: AccountId,
        plan: Plan,
        watched: Ticks,
        oracle: Ticks,
    ) {
        let agent = self.delev.as_ref().expect("state").agent;
        let hf_before = self.market.health_factor(account, watched);
        // The collateral is the wallet's for the instant of the sale (a flash-loan repay); what
        // the book does not take is given back, so it never leaves the account.
        let w = &mut self.wallets[agent.index()];
        w.base = w.base.plus(plan.offered);
        // The per-minute record values every loss at the first venue's price (here before the
        // sale); the bots' own cost is at the price they watch.
        let venue_price = self.venues[0].price().unwrap_or(watched);
        let (sold, proceeds) = self.submit(agent, 0, Side::Ask, plan.offered, plan.order, None);
        assert_eq!(
            (sold, proceeds),
            (plan.sold, plan.proceeds),
            "a market order fills what the preview of the same book said"
        );
        let w = &mut self.wallets[agent.index()];
        w.base = w.base.minus(plan.offered.minus(sold));
        w.cash = w.cash.minus(cfg.gas).minus(plan.repay);
        self.external.cash_out += cfg.gas.0;
        self.market
            .deleverage(account, sold, plan.repay, oracle)
            .expect("the plan was checked against the same state");
        let hf_after = self.market.health_factor(account, watched);
        let st = self.delev.as_mut().expect("state");
        let first = !st.deleveraged[account.index()];
        st.deleveraged[account.index()] = true;
        let sale_value = u128::from(sold.0) * watched.0 as u128;
        let s = &mut self.stats.deleverage;
        s.deleverages += 1;
        s.accounts_deleveraged += u64::from(first);
        s.collateral_sold = s.collateral_sold.plus(sold);
        s.proceeds = s.proceeds.plus(proceeds);
        s.debt_repaid = s.debt_repaid.plus(plan.repay);
        s.gas = s.gas.plus(cfg.gas);
        s.sale_value += sale_value;
        s.unsold = s.unsold.plus(plan.offered.minus(sold));
        s.first_deleverage.get_or_insert(self.now);
        let cost = i128::from(sold.value_at(venue_price).0) - i128::from(proceeds.0)
            + i128::from(cfg.gas.0);
        self.stats.record_deleverage(self.now, sold, cost);
        let spec = self.cfg.spec;
        let hf = |h: u128| {
            if h == u128::MAX {
                None
            } else {
                Some(h as f64 / 1e18)
            }
        };
        let row = DeleverageRow {
            time_ns: self.now.as_nanos(),
            account: account.0,
            collateral_sold: spec.qty(sold),
            unsold: spec.qty(plan.offered.minus(sold)),
            proceeds: spec.quote(proceeds),
            debt_repaid: spec.quote(plan.repay),
            gas: spec.quote(cfg.gas),
            cost: spec.quote_signed(cost),
            hf_before: hf(hf_before),
            hf_after: hf(hf_after),
            watched_price: spec.price(watched),
            oracle_price: spec.price(oracle),
        };
        self.trace.row(&row);
    }

    /// Counts a liquidation of `account` against the bots (no-op without them).
    pub(super) fn deleverage_on_liquidation(&mut self, account: AccountId) {
        let now = self.now;
        let Some(st) = self.delev.as_mut() else {
            return;
        };
        let i = account.index();
        if !st.is_bot[i] || st.liquidated[i] {
            return;
        }
        st.liquidated[i] = true;
        let s = &mut self.stats.deleverage;
        s.bot_accounts_liquidated += 1;
        s.deleveraged_then_liquidated += u64::from(st.deleveraged[i]);
        s.first_bot_liquidation.get_or_insert(now);
    }
}
