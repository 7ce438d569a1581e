//! Oracle manipulation attackers: the push, the hold, the unwind, and the attack window's
//! accounting (see [`crate::attack`] for the model).
//!
//! An attacker wakes at its start time and sells into its venue (a book: an IOC order limited so
//! that the mid lands at the target, or a market order; a pool: an exact-input swap sized by
//! bisection on trial swaps) through the same settlement as everyone's trades, so makers
//! re-quote and the pool's arbitrageurs wake. While holding it wakes every `repush_every` and
//! sells back down to its level whatever makers and arbitrageurs restored, within its budget.
//! At `start + hold` it buys back what it sold, in slices, on its unwind venue. Liquidations
//! between the start and `window_tail` after the unwind are counted against the attack
//! ([`World::attacks_on_liquidation`], called by the liquidation handler). The attacker draws no
//! random numbers: its schedule is fixed by its configuration.

use super::World;
use crate::attack::{AttackStats, Pnl, PushSize};
use crate::event::Event;
use crate::trace::{AttackRow, TraceSink};
use cascade_agents::Wallet;
use cascade_amm::{Leg, Pool};
use cascade_book::OrderType;
use cascade_des::EventClass;
use cascade_types::{AgentId, LiquidationId, Lots, Quote, Side, Ticks};

/// Quote in, base out (token 1 for token 0, as `super::POOL_UNITS` lays pools out).
const BUY_BASE: Leg = Leg {
    token_in: 1,
    token_out: 0,
};

/// The least quote that buys at least `lots` from `pool`, at most `budget` (all of the budget if
/// even that buys less): bisection on the pool's quotes, whose output grows with the input.
pub(super) fn quote_for_lots(pool: &Pool, lots: Lots, budget: Quote) -> Quote {
    let want = u128::from(lots.0) * super::BASE_ATOMS_PER_LOT;
    let out = |x: u64| {
        pool.quote_exact_in(BUY_BASE, u128::from(x))
            .map_or(0, |f| f.amount_out)
    };
    if out(budget.0) < want {
        return budget;
    }
    // out(lo) < want <= out(hi)
    let (mut lo, mut hi) = (0u64, budget.0);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if out(mid) >= want {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Quote(hi)
}

/// A pool's fee rate in parts per million of the input (Uniswap v2 and v3 take it from the
/// input; for StableSwap, which takes it from the output, this is the same rate).
fn pool_fee_ppm(pool: &Pool) -> u128 {
    match pool {
        Pool::V2(p) => u128::from(p.fee().0) * 100,
        Pool::V3(p) => u128::from(p.fee_pips()),
        Pool::StableSwap(p) => u128::from(p.fee()) / 10_000,
    }
}

/// Where an attack stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before the start.
    Waiting,
    /// Pushed; re-pushing until the unwind.
    Holding,
    /// Buying back, with this many slices to go (this one included).
    Unwinding { slices_left: u32 },
    /// Over.
    Done,
}

/// One attacker's running state.
pub(super) struct AttackerState {
    agent: AgentId,
    phase: Phase,
    /// The level it keeps its venue at while holding.
    hold_target: Option<Ticks>,
    /// Its wallet, then its liquidators', at the start of the run.
    start_wallets: Vec<Wallet>,
    stats: AttackStats,
}

impl AttackerState {
    /// An attacker waiting for its start, as agent `agent`.
    pub(super) fn new(
        agent: AgentId,
        cfg: &crate::attack::AttackerConfig,
        label: String,
        venue: String,
        start_wallets: Vec<Wallet>,
    ) -> Self {
        AttackerState {
            agent,
            phase: Phase::Waiting,
            hold_target: match cfg.push {
                PushSize::Target(t) => Some(t),
                PushSize::Sell(_) => None,
            },
            start_wallets,
            stats: AttackStats {
                label,
                venue,
                ..AttackStats::default()
            },
        }
    }
}

impl<T: TraceSink> World<T> {
    /// Schedules every attacker's first wake-up, at its start.
    pub(super) fn start_attackers(&mut self) {
        for i in 0..self.attackers.len() {
            let at = self.cfg.attackers[i].start;
            self.schedule(at, EventClass::Agent, Event::AttackerWake(i as u32));
        }
    }

    pub(super) fn on_attacker_wake(&mut self, i: usize) {
        let cfg = &self.cfg.attackers[i];
        let unwind_at = cfg.start + cfg.hold;
        let slices = cfg.unwind.slices.max(1);
        match self.attackers[i].phase {
            Phase::Waiting => {
                self.attackers[i].stats.started_at = Some(self.now);
                self.attackers[i].phase = Phase::Holding;
                self.attack_push(i, "push");
                self.schedule_hold(i);
            }
            Phase::Holding if self.now < unwind_at => {
                self.attack_push(i, "repush");
                self.schedule_hold(i);
            }
            Phase::Holding => {
                self.attackers[i].phase = Phase::Unwinding {
                    slices_left: slices,
                };
                self.attack_unwind_slice(i);
            }
            Phase::Unwinding { .. } => self.attack_unwind_slice(i),
            Phase::Done => {}
        }
    }

    /// The next wake-up while holding: the next re-push, or the unwind.
    fn schedule_hold(&mut self, i: usize) {
        let cfg = &self.cfg.attackers[i];
        let unwind_at = cfg.start + cfg.hold;
        let next = match cfg.repush_every {
            Some(every) => (self.now + every).min(unwind_at),
            None => unwind_at,
        };
        let ev = Event::AttackerWake(i as u32);
        self.schedule(next.max(self.now), EventClass::Agent, ev);
    }

    /// Twice the price an oracle source reading venue `v` sees now (a book's mid or last trade,
    /// a pool's spot price).
    fn attack_venue_x2(&self, v: usize) -> Option<i64> {
        match self.pool_index(v) {
            Some(p) => self.pools[p].price_x2(),
            None => self.venues[v].price_x2(),
        }
    }

    /// What it takes to bring venue `v` to `target` selling at most `cap`: the lots and, on a
    /// book, the IOC limit; `None` if the venue is there already or cannot be sold into.
    fn lots_to_reach(&self, v: usize, target: Ticks, cap: Lots) -> Option<(Lots, Option<Ticks>)> {
        let x2 = self.attack_venue_x2(v)?;
        if x2 <= 2 * target.0 || cap.is_zero() {
            return None;
        }
        match self.pool_index(v) {
            Some(p) => {
                let fraction = (2 * target.0) as f64 / x2 as f64;
                let q = Lots(self.pools[p].depth_to(fraction).0.saturating_add(1)).min(cap);
                Some((q, None))
            }
            None => {
                // Sell every bid at or above the limit: the best bid left is below it, so the
                // mid (best bid + best ask) / 2 is below the target.
                let book = &self.venues[v].book;
                let limit = book
                    .best_ask()
                    .map_or(target.0, |(a, _)| target.0.min(2 * target.0 - a.0))
                    .max(1);
                let (q, _) = book.sweep_preview(Side::Ask, cap, Some(Ticks(limit)));
                (!q.is_zero()).then_some((q, Some(Ticks(limit))))
            }
        }
    }

    /// A push (`phase` "push") or a re-push: sells toward the hold level within the budget.
    fn attack_push(&mut self, i: usize, phase: &'static str) {
        let cfg = &self.cfg.attackers[i];
        let (v, gas, push) = (cfg.venue, cfg.gas_cost, cfg.push);
        let agent = self.attackers[i].agent;
        let wallet = self.wallets[agent.index()];
        let left = cfg.budget.0.saturating_sub(self.attackers[i].stats.sold.0);
        let cap = Lots(left.min(wallet.base.0));
        if wallet.cash < gas {
            return;
        }
        let order = match (self.attackers[i].hold_target, push) {
            (Some(t), _) => self.lots_to_reach(v, t, cap),
            // A sized push sells once; re-pushes need the level it reached.
            (None, PushSize::Sell(q)) if phase == "push" => {
                (!cap.is_zero()).then_some((q.min(cap), None))
            }
            (None, PushSize::Sell(_)) => None,
            (None, PushSize::Target(_)) => unreachable!("a target push holds its target"),
        };
        let Some((qty, limit)) = order else { return };
        let before = self.attack_venue_x2(v);
        let done = match self.pool_index(v) {
            Some(p) => {
                let done = self.pool_swap(agent, p, true, qty.0, None);
                let input = u128::from(done.0.0) * super::BASE_ATOMS_PER_LOT;
                let fee = input * pool_fee_ppm(&self.pools[p].pool) / 1_000_000;
                self.attackers[i].stats.fees_base_atoms += fee;
                done
            }
            None => {
                let ty = limit.map_or(OrderType::Market, OrderType::Ioc);
                self.submit(agent, v, Side::Ask, qty, ty, None)
            }
        };
        if done.0.is_zero() {
            return;
        }
        let s = &mut self.attackers[i].stats;
        s.sold = s.sold.plus(done.0);
        s.proceeds = s.proceeds.plus(done.1);
        if self.attackers[i].hold_target.is_none() && self.cfg.attackers[i].repush_every.is_some() {
            // A sized push holds the level it reached.
            self.attackers[i].hold_target = self.attack_venue_x2(v).map(|x2| Ticks(x2 / 2));
        }
        self.attack_trade_done(i, phase, v, Side::Ask, before, done);
    }

    /// The next slice of the unwind: an equal share of what is still owed, bought on the unwind
    /// venue with what cash allows.
    fn attack_unwind_slice(&mut self, i: usize) {
        let Phase::Unwinding { slices_left } = self.attackers[i].phase else {
            return;
        };
        let cfg = &self.cfg.attackers[i];
        let (v, gas, every) = (cfg.unwind.venue, cfg.gas_cost, cfg.unwind.every);
        let agent = self.attackers[i].agent;
        let s = &self.attackers[i].stats;
        let owed = s.sold.0.saturating_sub(s.bought.0);
        let q = Lots(owed.div_ceil(u64::from(slices_left.max(1))));
        let budget = self.wallets[agent.index()].cash.checked_sub(gas);
        if let (false, Some(budget)) = (q.is_zero(), budget) {
            let before = self.attack_venue_x2(v);
            let done = match self.pool_index(v) {
                Some(p) => {
                    let pay = self.pool_cost_of(p, q, budget);
                    if pay.is_zero() {
                        (Lots(0), Quote(0))
                    } else {
                        let done = self.pool_swap(agent, p, false, pay.0, None);
                        let ppm = pool_fee_ppm(&self.pools[p].pool);
                        let fee = u128::from(done.1.0) * ppm / 1_000_000;
                        let s = &mut self.attackers[i].stats;
                        s.fees_quote = s.fees_quote.plus(Quote(fee as u64));
                        done
                    }
                }
                None => {
                    let q = self.affordable_on_book(v, q, budget);
                    if q.is_zero() {
                        (Lots(0), Quote(0))
                    } else {
                        self.submit(agent, v, Side::Bid, q, OrderType::Market, None)
                    }
                }
            };
            if !done.1.is_zero() {
                let s = &mut self.attackers[i].stats;
                s.bought = s.bought.plus(done.0);
                s.paid = s.paid.plus(done.1);
                self.attack_trade_done(i, "unwind", v, Side::Bid, before, done);
            }
        }
        if slices_left <= 1 {
            let tail = self.cfg.attackers[i].window_tail;
            let s = &mut self.attackers[i].stats;
            s.unwound_at = Some(self.now);
            s.window_end = Some(self.now + tail);
            self.attackers[i].phase = Phase::Done;
        } else {
            self.attackers[i].phase = Phase::Unwinding {
                slices_left: slices_left - 1,
            };
            let ev = Event::AttackerWake(i as u32);
            self.schedule(self.now + every, EventClass::Agent, ev);
        }
    }

    /// The most of `want` lots a market buy on book `v` gets for at most `budget` (bisection on
    /// the sweep's cost, which grows with the quantity).
    fn affordable_on_book(&self, v: usize, want: Lots, budget: Quote) -> Lots {
        let book = &self.venues[v].book;
        let (fill, cost) = book.sweep_preview(Side::Bid, want, None);
        if cost <= budget {
            return fill;
        }
        let (mut lo, mut hi) = (0u64, fill.0);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if book.sweep_preview(Side::Bid, Lots(mid), None).1 <= budget {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Lots(lo)
    }

    /// The least quote that buys at least `lots` from pool `p` (see [`quote_for_lots`]).
    fn pool_cost_of(&self, p: usize, lots: Lots, budget: Quote) -> Quote {
        quote_for_lots(&self.pools[p].pool, lots, budget)
    }

    /// Gas, counters and the trace row of an attacker's trade.
    fn attack_trade_done(
        &mut self,
        i: usize,
        phase: &'static str,
        v: usize,
        side: Side,
        before: Option<i64>,
        (lots, quote): (Lots, Quote),
    ) {
        let agent = self.attackers[i].agent;
        let gas = self.cfg.attackers[i].gas_cost;
        let w = &mut self.wallets[agent.index()];
        let gas = gas.min(w.cash);
        w.cash = w.cash.minus(gas);
        self.external.cash_out += gas.0;
        let s = &mut self.attackers[i].stats;
        s.transactions += 1;
        s.gas = s.gas.plus(gas);
        let reference = self.reference_ticks();
        let cost = match side {
            Side::Ask => Pnl::sale_cost(lots, reference, quote),
            Side::Bid => Pnl::purchase_cost(lots, reference, quote),
        };
        let after = self.attack_venue_x2(v);
        let name = match self.pool_index(v) {
            Some(p) => self.pools[p].name.clone(),
            None => self.venues[v].name.clone(),
        };
        self.attack_row(i, phase, name, side, lots, quote, before, after, cost, None);
    }

    /// Counts a liquidation against every attack whose window is open; called by the
    /// liquidation handler after liquidator `l`'s call `id` at oracle `price`.
    pub(super) fn attacks_on_liquidation(
        &mut self,
        l: usize,
        id: LiquidationId,
        out: &cascade_risk::Liquidation,
        price: Ticks,
    ) {
        let reference = self.reference_ticks();
        let seized = out.collateral_seized;
        for i in 0..self.attackers.len() {
            let s = &self.attackers[i].stats;
            let open = s.started_at.is_some() && s.window_end.is_none_or(|end| self.now <= end);
            if !open {
                continue;
            }
            let s = &mut self.attackers[i].stats;
            s.liquidations_in_window += 1;
            s.debt_repaid_in_window = s.debt_repaid_in_window.plus(out.debt_repaid);
            s.collateral_seized_in_window = s.collateral_seized_in_window.plus(seized);
            s.victim_loss = s
                .victim_loss
                .plus(Pnl::sale_cost(seized, reference, out.debt_repaid));
            s.bonus_at_oracle =
                s.bonus_at_oracle
                    .plus(Pnl::sale_cost(seized, price, out.debt_repaid));
            if self.cfg.attackers[i].liquidators.contains(&l) {
                self.attackers[i].stats.own_liquidations += 1;
                let received = out.collateral_to_liquidator;
                let cost = Pnl::purchase_cost(received, reference, out.debt_repaid);
                let m = self.market_oracle_x2();
                self.attack_row(
                    i,
                    "liquidation",
                    String::new(),
                    Side::Bid,
                    received,
                    out.debt_repaid,
                    m,
                    m,
                    cost,
                    Some(id),
                );
            }
        }
    }

    fn market_oracle_x2(&self) -> Option<i64> {
        self.last_market_price().map(|p| 2 * p.0)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn attack_row_for(
        &mut self,
        who: String,
        phase: &'static str,
        venue: String,
        side: Side,
        lots: Lots,
        quote: Quote,
        before: Option<i64>,
        after: Option<i64>,
        cost: Pnl,
        liquidation: Option<LiquidationId>,
    ) {
        let spec = self.cfg.spec;
        let half = |x2: Option<i64>| x2.map(|x| x as f64 * spec.tick_size / 2.0);
        let row = AttackRow {
            time_ns: self.now.as_nanos(),
            attacker: who,
            phase,
            venue,
            side: side.as_str(),
            qty: spec.qty(lots),
            amount: spec.quote(quote),
            price: if lots.is_zero() {
                None
            } else {
                Some(quote.0 as f64 / lots.0 as f64 * spec.tick_size)
            },
            venue_price_before: half(before),
            venue_price_after: half(after),
            reference: self.reference_price,
            oracle: self.last_market_price().map(|p| spec.price(p)),
            cost: spec.quote_signed(cost.0),
            liquidation: liquidation.map(|l| l.0),
        };
        self.trace.row(&row);
    }

    #[allow(clippy::too_many_arguments)]
    fn attack_row(
        &mut self,
        i: usize,
        phase: &'static str,
        venue: String,
        side: Side,
        lots: Lots,
        quote: Quote,
        before: Option<i64>,
        after: Option<i64>,
        cost: Pnl,
        liquidation: Option<LiquidationId>,
    ) {
        let who = self.attackers[i].stats.label.clone();
        self.attack_row_for(
            who,
            phase,
            venue,
            side,
            lots,
            quote,
            before,
            after,
            cost,
            liquidation,
        );
    }

    /// The attacks' profit and loss, at the reference price at the end of the run.
    pub(super) fn finish_attackers(&mut self) {
        let r = self.reference_ticks();
        let atoms = super::BASE_ATOMS_PER_LOT;
        let value = |w: &World<T>, id: AgentId| {
            Pnl::wallet_value(w.wallets[id.index()], w.base_residue[id.index()], atoms, r)
        };
        let mut out = Vec::with_capacity(self.attackers.len());
        for (i, a) in self.attackers.iter().enumerate() {
            let cfg = &self.cfg.attackers[i];
            let start = |w: &Wallet| Pnl::wallet_value(*w, 0, atoms, r);
            let own_start = start(&a.start_wallets[0]);
            let own_end = value(self, a.agent);
            let liq_start = a.start_wallets[1..]
                .iter()
                .fold(Pnl(0), |acc, w| acc.plus(start(w)));
            let liq_end = cfg.liquidators.iter().fold(Pnl(0), |acc, &l| {
                acc.plus(value(self, self.liquidator_agent(l)))
            });
            let mut s = a.stats.clone();
            s.reference_end = r;
            s.push_cost = Pnl::sale_cost(s.sold, r, s.proceeds);
            let residue = Pnl::wallet_value(
                Wallet::default(),
                self.base_residue[a.agent.index()],
                atoms,
                r,
            );
            s.unwind_cost = Pnl::purchase_cost(s.bought, r, s.paid).minus(residue);
            s.liquidation_profit = liq_end.minus(liq_start);
            let fee_base = Pnl::wallet_value(Wallet::default(), s.fees_base_atoms, atoms, r);
            s.pool_fees = fee_base.plus(Pnl(i128::from(s.fees_quote.0)));
            s.initial_value = own_start.plus(liq_start);
            s.final_value = own_end.plus(liq_end);
            let span = match (s.started_at, s.unwound_at) {
                (Some(from), Some(to)) => to.saturating_since(from),
                (Some(from), None) => self.now.saturating_since(from),
                _ => cascade_types::SimDuration::ZERO,
            };
            let year = 365.0 * 86_400.0;
            let charge =
                cfg.capital_cost_annual * s.initial_value.0 as f64 * span.as_secs_f64() / year;
            s.capital_cost = Pnl(charge.max(0.0).floor() as i128);
            s.pnl = s.final_value.minus(s.initial_value).minus(s.capital_cost);
            debug_assert_eq!(
                own_end.minus(own_start),
                Pnl(0)
                    .minus(s.push_cost)
                    .minus(s.unwind_cost)
                    .minus(Pnl(i128::from(s.gas.0))),
                "the attacker's wallet moves only through its pushes, unwinds and gas"
            );
            out.push(s);
        }
        self.stats.attacks = out;
    }
}
