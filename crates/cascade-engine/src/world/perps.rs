//! A perpetual-futures venue run on one of the books: the clearinghouse that liquidates at the
//! mark, the backstop vault that unwinds what it took over, the insurance fund and ADL.
//!
//! The risk engine is `cascade_perp::PerpVenue`; this module is its engine side:
//!
//! - **Mark.** Every publication of the mark oracle becomes the venue's mark, and schedules a
//!   [`PerpEvent::Check`] after the clearinghouse's latency (stream `perp-clearing/0`).
//! - **Trigger index** ([`super::perp_index`]): each open account by its exact liquidation
//!   price. A check reads the accounts past the mark in O(log n + k) and re-indexes every
//!   account whose position moved.
//! - **Liquidation.** For each account past the mark, most distressed first, the venue picks the
//!   route ([`Route`]): book orders (sent as market orders, or IOC orders limited around the
//!   mark, by the clearing agent, and settled fill by fill through
//!   `PerpVenue::settle_liquidation_fill`), a backstop transfer to the vault, or ADL. An order is
//!   only sent if the book can fill some of it, so an empty book changes nothing; what ADL cannot
//!   close (no opposite positions left) goes to the book.
//! - **Vault.** After a transfer the vault unwinds its position into the book with IOC orders, a
//!   share at a time ([`PerpEvent::VaultUnwind`]).
//! - **Bridge.** The book is a spot-style ledger of wallets, the venue a ledger of positions.
//!   The clearing agent joins them: it sells into the book exactly the lots the venue's accounts
//!   close, so the book side's net position is the clearing agent's change in inventory (plus
//!   the side opposite the population at the start, held by the rest of the market), and its
//!   cost basis the clearing agent's change in cash. [`World::check_perps`] checks that lots net
//!   to zero and that the venue's total value plus the book side's is what was deposited, exactly.
//! - **Generations.** As for lending liquidations: generation 0 if the account is liquidatable at
//!   the exogenous reference of the observation behind the mark; otherwise the parent is the
//!   latest sale (liquidation orders and vault unwinds share the world's sale log) that took the
//!   mark oracle's observed price across the account's liquidation price, else the latest sale.

use super::perp_index::{Trigger, TriggerIndex};
use super::{Sale, World};
use crate::event::{Event, Observation, PerpEvent};
use crate::perps::{PERP_MARKET, PerpStats, PerpsConfig, VaultUnwind};
use crate::trace::{PerpRow, TraceSink};
use cascade_agents::Wallet;
use cascade_book::{BookEvent, OrderType};
use cascade_des::dist::Dist;
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_perp::{Event as VenueEvent, MAX_TICKS, PerpVenue, Route, Scope, VenueParams};
use cascade_types::{
    AccountId, AgentId, Bps, LiquidationId, Lots, Quote, Side, SimDuration, Ticks,
};

/// How far back a liquidation looks for the sale that pushed the price past its trigger.
const PARENT_SEARCH: usize = 256;

/// Cash the clearing agent holds per short lot, in multiples of the start price: enough to buy
/// back every short at up to this many times the start price.
const CASH_PRICE_MULTIPLE: u64 = 10;

/// The running state of the perp venue.
pub(super) struct PerpState {
    venue: PerpVenue,
    /// The book liquidation orders go to.
    book: usize,
    mark_oracle: usize,
    /// The clearing agent.
    agent: AgentId,
    latency_ms: Dist,
    rng: StreamRng,
    liquidation_slippage: Option<Bps>,
    unwind: Option<VaultUnwind>,
    /// The latest mark and the observation behind it.
    mark: Ticks,
    mark_obs: Observation,
    /// The trader accounts by liquidation price.
    index: TriggerIndex,
    check_pending: bool,
    unwind_pending: bool,
    /// The latest backstop transfer: the vault's unwinding sales are attributed to it.
    last_backstop: Option<LiquidationId>,
    /// The lowest equity each account reached in liquidation (only negatives matter).
    worst_equity: Vec<i128>,
    /// The clearing agent's starting inventory and cash.
    base0: u64,
    cash0: u64,
    /// The book side's net position and cost basis at the start: the opposite of the
    /// population's positions, at their entries.
    book_size0: i128,
    book_cost0: i128,
    /// Venue plus book side value, which never changes.
    value0: i128,
    stats: PerpStats,
}

impl PerpState {
    /// The venue with its vault, fund and accounts open, its trigger index built at the start
    /// price `p0`; `agent` is the clearing agent's id.
    pub(super) fn new(
        cfg: &PerpsConfig,
        agent: AgentId,
        p0: Ticks,
        streams: &RngStreams,
    ) -> PerpState {
        let mut venue = PerpVenue::new(
            cfg.rules,
            vec![cfg.margin.clone()],
            cfg.insurance_fund,
            cfg.vault_capital,
        );
        let (mut book_size0, mut book_cost0) = (0i128, 0i128);
        for a in &cfg.accounts {
            let id = venue.open_account(a.collateral);
            venue
                .apply_fill(id, PERP_MARKET, a.size, a.entry)
                .expect("validated position");
            book_size0 -= i128::from(a.size);
            book_cost0 -= i128::from(a.size) * i128::from(a.entry.0);
        }
        let p0 = Ticks(p0.0.max(1));
        let base0 = cfg.long_lots();
        let cash0 = u64::try_from(
            u128::from(cfg.short_lots())
                * u128::from(p0.0.unsigned_abs())
                * u128::from(CASH_PRICE_MULTIPLE),
        )
        .unwrap_or(u64::MAX)
        .min(u64::MAX / 4);
        let value0 = venue.total_value(&[p0]).expect("valid start price")
            + book_size0 * i128::from(p0.0)
            - book_cost0;
        let n = venue.accounts().len();
        let mut st = PerpState {
            book: cfg.venue,
            mark_oracle: cfg.mark_oracle,
            agent,
            latency_ms: cfg.latency_ms.clone(),
            rng: streams.stream("perp-clearing", 0),
            liquidation_slippage: cfg.liquidation_slippage,
            unwind: cfg.vault_unwind,
            mark: p0,
            mark_obs: Observation {
                observed_at: cascade_types::SimTime::ZERO,
                price: p0,
                reference: p0,
                sales_seen: 0,
                sources_used: 0,
            },
            index: TriggerIndex::new(n),
            check_pending: false,
            unwind_pending: false,
            last_backstop: None,
            worst_equity: vec![0; n],
            base0,
            cash0,
            book_size0,
            book_cost0,
            value0,
            stats: PerpStats {
                accounts: cfg.accounts.len() as u64,
                long_lots_start: Lots(base0),
                short_lots_start: Lots(cfg.short_lots()),
                insurance_start: u128::from(cfg.insurance_fund.0),
                vault_capital: u128::from(cfg.vault_capital.0),
                ..PerpStats::default()
            },
            venue,
        };
        for i in 1..n {
            st.reindex(AccountId(i as u32));
        }
        st
    }

    /// The clearing agent's wallet at the start: every long lot the accounts could sell, and
    /// cash to buy back every short lot at up to ten times the start price.
    pub(super) fn clearing_wallet(&self) -> Wallet {
        Wallet {
            cash: Quote(self.cash0),
            base: Lots(self.base0),
        }
    }

    fn params(&self) -> &VenueParams {
        self.venue.params()
    }

    /// Moves account `id` to its current place in the trigger index.
    fn reindex(&mut self, id: AccountId) {
        if id != PerpVenue::VAULT {
            self.index.update(&self.venue, id, self.mark);
        }
    }

    /// Accounts past the mark: longs from the most distressed, then shorts likewise.
    fn candidates(&self) -> Vec<AccountId> {
        self.index.past(self.mark)
    }

    fn note_equity(&mut self, id: AccountId, equity: i128) {
        let w = &mut self.worst_equity[id.index()];
        *w = (*w).min(equity);
    }

    /// The counters at the end of the run.
    pub(super) fn finish(&self) -> PerpStats {
        let mut s = self.stats.clone();
        let fund = self.venue.insurance();
        s.insurance_end = fund.balance();
        s.insurance_drawn = fund.drawn();
        s.insurance_deposited = fund.deposited();
        let totals = self.venue.totals();
        s.bad_debt = totals.bad_debt;
        s.clearing_fees = totals.clearing_fees;
        s.vault_value_end = self
            .venue
            .account_value(PerpVenue::VAULT, &[self.mark])
            .unwrap_or(0);
        s.vault_position_end = self
            .venue
            .account(PerpVenue::VAULT)
            .ok()
            .and_then(|a| a.position(PERP_MARKET))
            .map_or(0, |p| p.size);
        s.negative_equity_accounts = self.worst_equity.iter().filter(|&&w| w < 0).count() as u64;
        s.negative_equity_total = self
            .worst_equity
            .iter()
            .filter(|&&w| w < 0)
            .map(|w| w.unsigned_abs())
            .sum();
        s
    }
}

/// `mark` moved `bps` basis points against the taker on `side`: below it for a sell, above it
/// for a buy (at least one tick).
fn limit_through(mark: Ticks, side: Side, bps: Bps) -> Ticks {
    let m = i128::from(mark.0);
    let b = i128::from(bps.0);
    let p = match side {
        Side::Ask => (m * (10_000 - b)).div_euclid(10_000),
        Side::Bid => (m * (10_000 + b) + 9_999).div_euclid(10_000),
    };
    Ticks(p.clamp(1, i128::from(MAX_TICKS)) as i64)
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Ask => "sell",
        Side::Bid => "buy",
    }
}

/// The side that closes a position of signed size `size`.
fn closing_side(size: i64) -> Side {
    if size > 0 { Side::Ask } else { Side::Bid }
}

impl<T: TraceSink> World<T> {
    fn perp(&self) -> &PerpState {
        self.perps
            .as_ref()
            .expect("a perp event needs a perp venue")
    }

    fn perp_mut(&mut self) -> &mut PerpState {
        self.perps
            .as_mut()
            .expect("a perp event needs a perp venue")
    }

    /// A publication of oracle `o`: if it is the mark oracle, the venue's mark moves and the
    /// clearinghouse acts on it after its latency.
    pub(super) fn perp_mark_published(&mut self, o: usize, obs: Observation) {
        let now = self.now;
        let Some(p) = self.perps.as_mut() else {
            return;
        };
        if p.mark_oracle != o || obs.price.0 <= 0 || obs.price.0 > MAX_TICKS {
            return;
        }
        p.mark = obs.price;
        p.mark_obs = obs;
        let m = &mut p.stats.min_mark;
        *m = Some(m.map_or(obs.price, |x| x.min(obs.price)));
        if p.check_pending {
            return;
        }
        p.check_pending = true;
        let ms = p.latency_ms.sample(&mut p.rng);
        self.schedule(
            now + SimDuration::from_millis_f64(ms),
            EventClass::Protocol,
            Event::Perps(PerpEvent::Check),
        );
    }

    pub(super) fn on_perps(&mut self, e: PerpEvent) {
        match e {
            PerpEvent::Check => self.on_perp_check(),
            PerpEvent::VaultUnwind => self.on_vault_unwind(),
        }
    }

    fn on_perp_check(&mut self) {
        self.perp_mut().check_pending = false;
        for id in self.perp().candidates() {
            self.perp_liquidate(id);
        }
    }

    /// A row with the time, mark, fund and vault filled in.
    fn perp_row(&self, event: &'static str, account: AccountId) -> PerpRow {
        let p = self.perp();
        let spec = self.cfg.spec;
        let vault = p
            .venue
            .account_value(PerpVenue::VAULT, &[p.mark])
            .unwrap_or(0);
        PerpRow {
            time_ns: self.now.as_nanos(),
            event,
            liquidation: None,
            account: account.0,
            counterparty: None,
            generation: None,
            parent: None,
            side: "",
            size: 0.0,
            filled: None,
            price: None,
            mark: spec.price(p.mark),
            equity: None,
            maintenance: None,
            amount: None,
            insurance_fund: self.usd(p.venue.insurance().balance() as i128),
            vault_value: self.usd(vault),
        }
    }

    fn usd(&self, atoms: i128) -> f64 {
        self.cfg.spec.quote_signed(atoms)
    }

    /// Whether an order on `side` would fill anything now: the book has the other side within
    /// the order's limit, and the clearing agent has inventory (to sell) or cash (to buy).
    fn perp_can_fill(&self, side: Side, limit: Option<Ticks>) -> bool {
        let p = self.perp();
        let book = &self.venues[p.book].book;
        let w = self.wallets[p.agent.index()];
        match side {
            Side::Ask => {
                !w.base.is_zero()
                    && book
                        .best_bid()
                        .is_some_and(|(b, _)| limit.is_none_or(|l| b >= l))
            }
            Side::Bid => book.best_ask().is_some_and(|(a, _)| {
                limit.is_none_or(|l| a <= l) && w.cash.0 >= a.0.unsigned_abs()
            }),
        }
    }

    /// Sends the clearing agent's order into the perp book and returns its fills, recording the
    /// sale for attribution.
    fn perp_send(
        &mut self,
        side: Side,
        size: Lots,
        limit: Option<Ticks>,
        lid: Option<LiquidationId>,
    ) -> Vec<(Ticks, Lots)> {
        let (agent, book, oracle) = {
            let p = self.perp();
            (p.agent, p.book, p.mark_oracle)
        };
        let w = self.wallets[agent.index()];
        let qty = match side {
            Side::Ask => size.min(w.base),
            Side::Bid => self.affordable(book, size, w.cash.0),
        };
        if qty.is_zero() {
            return Vec::new();
        }
        let ty = limit.map_or(OrderType::Market, OrderType::Ioc);
        let before = self.observed_x2_of(oracle);
        self.submit(agent, book, side, qty, ty, lid);
        // `submit` leaves this order's book events in `book_events`.
        let fills: Vec<(Ticks, Lots)> = self
            .book_events
            .iter()
            .filter_map(|e| match *e {
                BookEvent::Fill {
                    taker_owner,
                    price,
                    qty,
                    ..
                } if taker_owner == agent => Some((price, qty)),
                _ => None,
            })
            .collect();
        let after = self.observed_x2_of(oracle);
        if let (false, Some(liquidation)) = (fills.is_empty(), lid) {
            self.sales.push(Sale {
                liquidation,
                observed_x2_before: before,
                observed_x2_after: after,
            });
        }
        fills
    }

    /// Generation and parent of a liquidation of `id` at the mark observed in `obs` (see the
    /// module docs).
    fn perp_attribute(&self, id: AccountId, obs: Observation) -> (u32, Option<LiquidationId>) {
        let p = self.perp();
        let seen = &self.sales[..(obs.sales_seen as usize).min(self.sales.len())];
        let at_reference = p
            .venue
            .margin_state(id, Scope::Cross, &[obs.reference])
            .is_ok_and(|s| s.is_liquidatable());
        if seen.is_empty() || at_reference {
            return (0, None);
        }
        let crossed = |s: &Sale| match p.index.trigger(id) {
            Some(Trigger::Below(k)) => s.crossed(Ticks(k + 1)),
            Some(Trigger::Above(k)) => {
                let level = 2 * i128::from(k);
                let before = s.observed_x2_before.map_or(i128::MAX, i128::from);
                let after = s.observed_x2_after.map_or(i128::MIN, i128::from);
                before < level && after >= level
            }
            None => false,
        };
        let parent = seen
            .iter()
            .rev()
            .take(PARENT_SEARCH)
            .find(|s| crossed(s))
            .unwrap_or(&seen[seen.len() - 1])
            .liquidation;
        (self.generations[parent.index()] + 1, Some(parent))
    }

    /// Takes a liquidation id for `(generation, parent)` and counts it.
    fn perp_new_liquidation(&mut self, generation: u32) -> LiquidationId {
        let id = LiquidationId(self.generations.len() as u32);
        self.generations.push(generation);
        let now = self.now;
        let g = generation as usize;
        for by in [
            &mut self.stats.by_generation,
            &mut self.perps.as_mut().expect("perp venue").stats.by_generation,
        ] {
            if by.len() <= g {
                by.resize(g + 1, 0);
            }
            by[g] += 1;
        }
        self.stats.liquidations += 1;
        let s = &mut self.perp_mut().stats;
        s.liquidations += 1;
        s.first_liquidation.get_or_insert(now);
        id
    }

    /// Liquidates account `id` if it is past the mark, by the route the venue picks.
    fn perp_liquidate(&mut self, id: AccountId) {
        let p = self.perp();
        let marks = [p.mark];
        let Ok(st) = p.venue.margin_state(id, Scope::Cross, &marks) else {
            self.perp_mut().reindex(id);
            return;
        };
        if !st.is_liquidatable() {
            self.perp_mut().reindex(id);
            return;
        }
        let route = p
            .venue
            .route(id, Scope::Cross, &marks)
            .expect("a liquidatable trader account has a route");
        let size = p
            .venue
            .account(id)
            .ok()
            .and_then(|a| a.position(PERP_MARKET))
            .map_or(0, |p| p.size);
        let side = closing_side(size);
        // Below the vault's threshold with equity to hand over, but the vault lacks capital.
        let refused = route == Route::Market
            && st.equity >= 0
            && p.params().backstop_below.is_some_and(|b| st.is_below(b));
        let limit = p
            .liquidation_slippage
            .map(|b| limit_through(p.mark, side, b));
        if route == Route::Market && !self.perp_can_fill(side, limit) {
            self.perp_mut().stats.no_liquidity += 1;
            return;
        }
        let (generation, parent) = self.perp_attribute(id, p.mark_obs);
        let now = self.now;
        let events = self
            .perp_mut()
            .venue
            .liquidate(id, Scope::Cross, &marks, now)
            .expect("the route was checked against the same state");
        let lid = LiquidationId(self.generations.len() as u32);
        let mut head = self.perp_row("", id);
        head.liquidation = Some(lid.0);
        head.generation = Some(generation);
        head.parent = parent.map(|x| x.0);
        head.equity = Some(self.usd(st.equity));
        head.maintenance = Some(self.usd(st.maintenance as i128));
        head.side = side_name(side);
        head.size = self.cfg.spec.qty(Lots(size.unsigned_abs()));
        let mut taken = false;
        let mut counterparties = Vec::new();
        let mut leftover = None;
        let mut flows = Vec::new();
        for e in events {
            let partial = matches!(e, VenueEvent::PartialLiquidation { .. });
            match e {
                VenueEvent::LiquidationOrder(o)
                | VenueEvent::PartialLiquidation { order: o, .. } => {
                    let fills = self.perp_send(o.side, o.size, limit, Some(lid));
                    if fills.is_empty() {
                        self.perp_mut().stats.no_liquidity += 1;
                        continue;
                    }
                    if !taken {
                        self.perp_new_liquidation(generation);
                        taken = true;
                    }
                    if refused {
                        let s = &mut self.perp_mut().stats;
                        s.backstop_refusals += 1;
                        s.first_backstop_refusal.get_or_insert(now);
                        let r = self.perp_step_row("backstop_refused", &head);
                        self.trace.row(&r);
                    }
                    let s = &mut self.perp_mut().stats;
                    if partial {
                        s.partial_orders += 1;
                    } else {
                        s.market_orders += 1;
                    }
                    let event = if partial { "partial" } else { "order" };
                    self.perp_settle(id, o.size, &fills, event, &head, lid);
                }
                VenueEvent::BackstopTransfer {
                    positions,
                    collateral,
                    ..
                } => {
                    self.perp_new_liquidation(generation);
                    taken = true;
                    let moved: i64 = positions.iter().map(|&(_, s)| s).sum();
                    let mut r = self.perp_step_row("backstop", &head);
                    r.size = self.cfg.spec.qty(Lots(moved.unsigned_abs()));
                    r.price = Some(self.cfg.spec.price(marks[0]));
                    r.amount = Some(self.usd(collateral));
                    self.trace.row(&r);
                    let notional =
                        u128::from(moved.unsigned_abs()) * u128::from(marks[0].0.unsigned_abs());
                    let p = self.perp_mut();
                    p.stats.backstop_transfers += 1;
                    p.stats.backstop_notional += notional;
                    p.stats.first_backstop.get_or_insert(now);
                    p.last_backstop = Some(lid);
                    self.schedule_vault_unwind();
                }
                VenueEvent::Adl {
                    counterparty,
                    size,
                    price,
                    ..
                } => {
                    if !taken {
                        self.perp_new_liquidation(generation);
                        taken = true;
                        let p = self.perp_mut();
                        p.stats.adl_accounts += 1;
                        p.stats.first_adl.get_or_insert(now);
                        // Bankrupt: what ADL closes at the bankruptcy price instead of the mark
                        // is this deficit, borne by the counterparties.
                        p.note_equity(id, st.equity);
                    }
                    counterparties.push(counterparty);
                    let mut r = self.perp_step_row("adl", &head);
                    r.counterparty = Some(counterparty.0);
                    r.size = self.cfg.spec.qty(size);
                    r.price = Some(self.cfg.spec.price(price));
                    self.trace.row(&r);
                    let s = &mut self.perp_mut().stats;
                    s.adl_events += 1;
                    s.adl_lots = s.adl_lots.plus(size);
                    s.adl_notional += u128::from(size.0) * u128::from(price.0.unsigned_abs());
                }
                VenueEvent::AdlUnfilled { size, .. } => {
                    if !taken {
                        self.perp_new_liquidation(generation);
                        taken = true;
                    }
                    let mut r = self.perp_step_row("adl_unfilled", &head);
                    r.size = self.cfg.spec.qty(size);
                    self.trace.row(&r);
                    self.perp_mut().stats.adl_unfilled += 1;
                    leftover = Some(size);
                }
                other => flows.push(other),
            }
        }
        self.perp_flows(&flows, lid);
        // What ADL could not close goes to the book; its deficit to the fund, then bad debt.
        if let Some(rest) = leftover
            && self.perp_can_fill(side, limit)
        {
            let fills = self.perp_send(side, rest, limit, Some(lid));
            if !fills.is_empty() {
                self.perp_mut().stats.market_orders += 1;
                self.perp_settle(id, rest, &fills, "order", &head, lid);
            }
        }
        let p = self.perp_mut();
        p.reindex(id);
        for c in counterparties {
            p.reindex(c);
        }
    }

    /// A row of one step of a liquidation: the fund and vault as they are now, the rest from
    /// the liquidation's `head`.
    fn perp_step_row(&self, event: &'static str, head: &PerpRow) -> PerpRow {
        let now = self.perp_row(event, AccountId(head.account));
        PerpRow {
            event,
            insurance_fund: now.insurance_fund,
            vault_value: now.vault_value,
            ..head.clone()
        }
    }

    /// Settles the fills of a liquidation order of `size` lots of account `id` through the
    /// venue, and writes the order's row and the money flows it caused.
    fn perp_settle(
        &mut self,
        id: AccountId,
        size: Lots,
        fills: &[(Ticks, Lots)],
        event: &'static str,
        head: &PerpRow,
        lid: LiquidationId,
    ) {
        let mut flows = Vec::new();
        let (mut filled, mut value, mut realised) = (0u64, 0u128, 0i128);
        for &(price, qty) in fills {
            let events = self
                .perp_mut()
                .venue
                .settle_liquidation_fill(id, PERP_MARKET, qty, price)
                .expect("a liquidation fill never exceeds the position");
            filled += qty.0;
            value += u128::from(qty.0) * u128::from(price.0.unsigned_abs());
            for e in events {
                match e {
                    VenueEvent::LiquidationFill { realised_pnl, .. } => realised += realised_pnl,
                    other => flows.push(other),
                }
            }
        }
        let spec = self.cfg.spec;
        let mut r = self.perp_step_row(event, head);
        r.size = spec.qty(size);
        r.filled = Some(spec.qty(Lots(filled)));
        r.price = Some(value as f64 / filled as f64 * spec.tick_size);
        r.amount = Some(self.usd(realised));
        self.trace.row(&r);
        let s = &mut self.perp_mut().stats;
        s.liquidated_lots = s.liquidated_lots.plus(Lots(filled));
        s.liquidated_notional += value;
        self.perp_flows(&flows, lid);
    }

    /// The rows and counters of insurance fund flows and write-offs. A deficit drawn from the
    /// fund or written off when a scope closed is how far its equity had fallen below zero.
    fn perp_flows(&mut self, flows: &[VenueEvent], lid: LiquidationId) {
        let now = self.now;
        let mut deficits: Vec<(AccountId, u128)> = Vec::new();
        for e in flows {
            let (event, account, amount) = match *e {
                VenueEvent::InsuranceDraw { account, amount } => {
                    self.perp_mut()
                        .stats
                        .first_insurance_draw
                        .get_or_insert(now);
                    ("insurance_draw", account, amount)
                }
                VenueEvent::InsuranceDeposit { account, amount } => {
                    ("insurance_deposit", account, amount)
                }
                VenueEvent::BadDebt { account, amount } => ("bad_debt", account, amount),
                _ => continue,
            };
            if event != "insurance_deposit" {
                match deficits.iter_mut().find(|(a, _)| *a == account) {
                    Some((_, d)) => *d += amount,
                    None => deficits.push((account, amount)),
                }
            }
            let mut r = self.perp_row(event, account);
            r.liquidation = Some(lid.0);
            r.amount = Some(self.usd(amount as i128));
            self.trace.row(&r);
        }
        let p = self.perp_mut();
        for (account, d) in deficits {
            p.note_equity(account, -(d as i128));
        }
    }

    fn schedule_vault_unwind(&mut self) {
        let now = self.now;
        let p = self.perp_mut();
        let Some(u) = p.unwind else {
            return;
        };
        if p.unwind_pending {
            return;
        }
        p.unwind_pending = true;
        self.schedule(
            now + u.every,
            EventClass::Agent,
            Event::Perps(PerpEvent::VaultUnwind),
        );
    }

    /// The vault sends an IOC order for a share of its position, limited around the mark.
    fn on_vault_unwind(&mut self) {
        let p = self.perp_mut();
        p.unwind_pending = false;
        let Some(u) = p.unwind else {
            return;
        };
        let size = p
            .venue
            .account(PerpVenue::VAULT)
            .ok()
            .and_then(|a| a.position(PERP_MARKET))
            .map_or(0, |p| p.size);
        if size == 0 {
            return;
        }
        let abs = size.unsigned_abs();
        let q = (u128::from(abs) * u128::from(u.share.0)).div_ceil(10_000) as u64;
        let q = Lots(q.clamp(1, abs));
        let side = closing_side(size);
        let limit = limit_through(p.mark, side, u.slippage);
        let lid = p.last_backstop;
        let fills = if self.perp_can_fill(side, Some(limit)) {
            self.perp_send(side, q, Some(limit), lid)
        } else {
            Vec::new()
        };
        let (mut filled, mut value) = (0u64, 0u128);
        for &(price, qty) in &fills {
            let signed = if size > 0 {
                -(qty.0 as i64)
            } else {
                qty.0 as i64
            };
            self.perp_mut()
                .venue
                .apply_fill(PerpVenue::VAULT, PERP_MARKET, signed, price)
                .expect("an unwinding fill never exceeds the vault's position");
            filled += qty.0;
            value += u128::from(qty.0) * u128::from(price.0.unsigned_abs());
        }
        if filled > 0 {
            let spec = self.cfg.spec;
            let mut r = self.perp_row("vault_unwind", PerpVenue::VAULT);
            r.liquidation = lid.map(|l| l.0);
            r.side = side_name(side);
            r.size = spec.qty(q);
            r.filled = Some(spec.qty(Lots(filled)));
            r.price = Some(value as f64 / filled as f64 * spec.tick_size);
            self.trace.row(&r);
            let s = &mut self.perp_mut().stats;
            s.vault_unwound = s.vault_unwound.plus(Lots(filled));
        }
        if size.unsigned_abs() > filled {
            self.schedule_vault_unwind();
        }
    }

    /// The perp venue's conservation: every lot of the venue's positions has its opposite on
    /// the book side (the clearing agent's inventory change and the rest of the market's
    /// starting position), and the venue's total value (accounts, vault, fund and fees, less bad
    /// debt written off) plus the book side's is what was deposited; no account without a
    /// position holds a negative balance.
    pub(super) fn check_perps(&self) -> Result<(), String> {
        let Some(p) = &self.perps else {
            return Ok(());
        };
        let w = self.wallets[p.agent.index()];
        let book_size = p.book_size0 + i128::from(p.base0) - i128::from(w.base.0);
        let net = p.venue.net_size(PERP_MARKET);
        if net + book_size != 0 {
            return Err(format!(
                "perp lots not conserved: the venue's accounts net {net} lots, the book side {book_size}"
            ));
        }
        let book_cost = p.book_cost0 + i128::from(w.cash.0) - i128::from(p.cash0);
        let venue = p
            .venue
            .total_value(&[p.mark])
            .map_err(|e| format!("perp venue: {e}"))?;
        let value = venue + book_size * i128::from(p.mark.0) - book_cost;
        if value != p.value0 {
            return Err(format!(
                "perp value not conserved: venue {venue} + book side {} = {value} atoms, deposited {}",
                book_size * i128::from(p.mark.0) - book_cost,
                p.value0
            ));
        }
        if let Some((i, a)) = p
            .venue
            .accounts()
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, a)| a.positions().is_empty() && a.collateral() < 0)
        {
            return Err(format!(
                "perp account {i} is flat with a negative balance {}",
                a.collateral()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_move_through_the_mark_against_the_taker() {
        assert_eq!(
            limit_through(Ticks(100_000), Side::Ask, Bps(50)),
            Ticks(99_500)
        );
        assert_eq!(
            limit_through(Ticks(100_000), Side::Bid, Bps(50)),
            Ticks(100_500)
        );
        // Rounded away from the mark: 333 * 0.995 = 331.335 -> 331; * 1.005 = 334.665 -> 335.
        assert_eq!(limit_through(Ticks(333), Side::Ask, Bps(50)), Ticks(331));
        assert_eq!(limit_through(Ticks(333), Side::Bid, Bps(50)), Ticks(335));
    }
}
