//! The world: state of one run and the handlers of each event.

use crate::config::WorldConfig;
use crate::event::{Event, Observation};
use crate::stats::RunStats;
use crate::trace::{
    AgentRow, BookTopRow, DepthRow, LiquidationRow, OracleRow, TraceSink, TradeRow,
};
use cascade_agents::{
    Liquidator, MarketMaker, Plan, ReferencePath, SkipReason, Wallet, hedge_value,
};
use cascade_book::{Book, BookEvent, OrderType};
use cascade_des::{EventClass, EventQueue, RngStreams, StreamRng};
use cascade_oracle::{PushFeed, RoundDecision};
use cascade_risk::LendingMarket;
use cascade_types::{
    AccountId, AgentId, LiquidationId, Lots, MarketSpec, Quote, Side, SimDuration, SimTime, Ticks,
};

/// What an agent id stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentKind {
    /// Market maker `i`.
    Maker(usize),
    /// Liquidator `i`.
    Liquidator(usize),
}

/// Value that crossed the world's boundary, for the conservation check.
#[derive(Clone, Copy, Debug, Default)]
struct External {
    /// Base sold outside the book by hedging makers.
    base_out: u64,
    /// Base bought outside the book.
    base_in: u64,
    /// Quote received for hedges sold outside.
    cash_in: u64,
    /// Quote paid for hedges bought outside, and gas burned.
    cash_out: u64,
}

/// A liquidation's sale into the book, with twice the mid before and after it.
#[derive(Clone, Copy, Debug)]
struct Sale {
    liquidation: LiquidationId,
    mid_x2_before: Option<i64>,
    mid_x2_after: Option<i64>,
}

impl Sale {
    /// `true` if the sale took the mid from at or above `price` to below it.
    fn crossed(&self, price: Ticks) -> bool {
        let level = 2 * i128::from(price.0);
        let before = self.mid_x2_before.map_or(i128::MAX, i128::from);
        let after = self.mid_x2_after.map_or(i128::MIN, i128::from);
        before >= level && after < level
    }
}

/// Book levels per side written to `depth.csv` at each snapshot.
const SNAPSHOT_LEVELS: usize = 40;

/// How far back a liquidation looks for the sale that pushed the mid past its trigger price.
const PARENT_SEARCH: usize = 256;

/// One run's state.
pub struct World<T: TraceSink> {
    cfg: WorldConfig,
    end: SimTime,
    queue: EventQueue<Event>,
    now: SimTime,
    book: Book,
    market: LendingMarket,
    feed: PushFeed,
    published: Option<Observation>,
    reference: ReferencePath,
    reference_price: f64,
    makers: Vec<MarketMaker>,
    maker_rngs: Vec<StreamRng>,
    liquidators: Vec<Liquidator>,
    liquidator_rngs: Vec<StreamRng>,
    oracle_latency_rng: StreamRng,
    oracle_inclusion_rng: StreamRng,
    wallets: Vec<Wallet>,
    labels: Vec<String>,
    generations: Vec<u32>,
    sales: Vec<Sale>,
    last_trade: Option<Ticks>,
    external: External,
    start_totals: (u128, u128),
    liquidator_start_value: i128,
    stats: RunStats,
    book_events: Vec<BookEvent>,
    check_invariants: bool,
    trace: T,
}

impl<T: TraceSink> World<T> {
    /// Builds a world from its configuration; nothing happens until [`World::run`].
    pub fn new(cfg: WorldConfig, trace: T) -> Self {
        let streams = RngStreams::new(cfg.seed);
        let reference = ReferencePath::with_base(
            cfg.reference.base.clone(),
            cfg.reference.diffusion,
            streams.stream("reference", 0),
        );
        let reference_price = reference.price();
        let makers: Vec<_> = cfg
            .makers
            .iter()
            .map(|m| MarketMaker::new(m.params.clone()))
            .collect();
        let maker_rngs = (0..makers.len())
            .map(|i| streams.stream("maker", i as u64))
            .collect();
        let liquidators: Vec<_> = cfg
            .liquidators
            .iter()
            .map(|l| Liquidator::new(l.params.clone()))
            .collect();
        let liquidator_rngs = (0..liquidators.len())
            .map(|i| streams.stream("liquidator", i as u64))
            .collect();
        let mut wallets: Vec<Wallet> = cfg.makers.iter().map(|m| m.wallet).collect();
        wallets.extend(cfg.liquidators.iter().map(|l| l.wallet));
        let mut labels: Vec<String> = (0..cfg.makers.len()).map(|i| format!("mm{i}")).collect();
        labels.extend((0..cfg.liquidators.len()).map(|i| format!("liq{i}")));
        let market = LendingMarket::new(cfg.lending, cfg.accounts.clone());
        let feed = PushFeed::new(cfg.oracle.rule);
        let end = SimTime::ZERO + cfg.duration;
        let mut w = World {
            end,
            queue: EventQueue::with_capacity(1024),
            now: SimTime::ZERO,
            book: Book::new(),
            market,
            feed,
            published: None,
            reference,
            reference_price,
            makers,
            maker_rngs,
            liquidators,
            liquidator_rngs,
            oracle_latency_rng: streams.stream("oracle-latency", 0),
            oracle_inclusion_rng: streams.stream("oracle-inclusion", 0),
            wallets,
            labels,
            generations: Vec::new(),
            sales: Vec::new(),
            last_trade: None,
            external: External::default(),
            start_totals: (0, 0),
            liquidator_start_value: 0,
            stats: RunStats::default(),
            book_events: Vec::with_capacity(64),
            check_invariants: false,
            trace,
            cfg,
        };
        w.start_totals = w.totals();
        let p0 = w.reference_ticks();
        w.liquidator_start_value = w.liquidator_value(p0);
        w
    }

    /// With `on`, checks after every event that value is conserved and the book is consistent
    /// (not crossed, levels and queues agree), and panics at the first violation with the time
    /// and the values. Costs O(accounts + orders) per event.
    pub fn set_check_invariants(&mut self, on: bool) {
        self.check_invariants = on;
    }

    /// The configuration.
    pub fn config(&self) -> &WorldConfig {
        &self.cfg
    }

    /// The market's units.
    pub fn spec(&self) -> MarketSpec {
        self.cfg.spec
    }

    /// The book.
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// The lending market.
    pub fn market(&self) -> &LendingMarket {
        &self.market
    }

    /// Every agent's wallet, by agent id.
    pub fn wallets(&self) -> &[Wallet] {
        &self.wallets
    }

    /// What an agent id stands for.
    pub fn agent_kind(&self, id: AgentId) -> AgentKind {
        let i = id.index();
        if i < self.makers.len() {
            AgentKind::Maker(i)
        } else {
            AgentKind::Liquidator(i - self.makers.len())
        }
    }

    fn liquidator_agent(&self, i: usize) -> AgentId {
        AgentId((self.makers.len() + i) as u32)
    }

    fn reference_ticks(&self) -> Ticks {
        self.cfg.spec.ticks_nearest(self.reference_price)
    }

    fn schedule(&mut self, at: SimTime, class: EventClass, e: Event) {
        if at <= self.end {
            self.queue.push(at, class, e);
        }
    }

    /// Runs to the end of the configured span and returns the counters and the trace sink.
    pub fn run(mut self) -> (RunStats, T) {
        self.start();
        while let Some(s) = self.queue.pop() {
            debug_assert!(s.time >= self.now, "time went backwards");
            self.now = s.time;
            self.stats.events += 1;
            match s.event {
                Event::ReferenceStep => self.on_reference_step(),
                Event::OracleObserve => self.on_oracle_observe(),
                Event::OracleArrive(obs) => self.on_oracle_arrive(obs),
                Event::OraclePublish(obs) => self.on_oracle_publish(obs),
                Event::MakerRequote(m) => self.on_maker_requote(m as usize),
                Event::LiquidatorWake(l) => self.on_liquidator_wake(l as usize),
                Event::Snapshot => self.on_snapshot(),
            }
            self.track_extremes();
            if let Some(what) = self.check_invariants.then(|| self.check().err()).flatten() {
                self.stats.invariant_violation = Some(format!(
                    "after event #{} ({:?} at t = {} ns): {what}",
                    self.stats.events,
                    s.event,
                    self.now.as_nanos()
                ));
                break;
            }
        }
        self.finish()
    }

    fn start(&mut self) {
        // The protocol starts with the reference price published, as if the feed had been live.
        let obs = Observation {
            observed_at: SimTime::ZERO,
            price: self.reference_ticks(),
            reference: self.reference_ticks(),
            sales_seen: 0,
        };
        self.feed.observe(SimTime::ZERO, SimTime::ZERO, obs.price);
        self.on_oracle_publish(obs);
        self.schedule(SimTime::ZERO, EventClass::Exogenous, Event::ReferenceStep);
        for m in 0..self.makers.len() {
            self.makers[m].requote_pending = true;
            self.schedule(
                SimTime::ZERO,
                EventClass::Agent,
                Event::MakerRequote(m as u32),
            );
        }
        let first_obs = SimTime::ZERO + self.cfg.oracle.observe_every;
        self.schedule(first_obs, EventClass::Oracle, Event::OracleObserve);
        self.schedule(SimTime::ZERO, EventClass::Snapshot, Event::Snapshot);
    }

    fn on_reference_step(&mut self) {
        self.reference_price = self.reference.advance_to(self.now.as_secs_f64());
        for m in 0..self.makers.len() {
            self.request_requote(m);
        }
        let next = self.now + self.cfg.reference.step;
        self.schedule(next, EventClass::Exogenous, Event::ReferenceStep);
    }

    fn request_requote(&mut self, m: usize) {
        if self.makers[m].requote_pending {
            return;
        }
        self.makers[m].requote_pending = true;
        let ms = self.makers[m]
            .params
            .latency_ms
            .sample(&mut self.maker_rngs[m]);
        let at = self.now + SimDuration::from_millis_f64(ms);
        self.schedule(at, EventClass::Agent, Event::MakerRequote(m as u32));
    }

    fn on_maker_requote(&mut self, m: usize) {
        self.makers[m].requote_pending = false;
        let agent = AgentId(m as u32);
        for id in std::mem::take(&mut self.makers[m].orders) {
            if self.book.order(id).is_some() {
                self.book.cancel(self.now, id, &mut ());
            }
        }
        let reference = self.reference_ticks();
        let wallet = self.wallets[m];
        if let Some(h) = self.makers[m].hedge(self.now, reference, wallet) {
            let value = hedge_value(&h);
            let w = &mut self.wallets[m];
            match h.side {
                Side::Ask => {
                    w.base = w.base.minus(h.qty);
                    w.cash = w.cash.plus(value);
                    self.external.base_out += h.qty.0;
                    self.external.cash_in += value.0;
                }
                Side::Bid => {
                    w.base = w.base.plus(h.qty);
                    w.cash = w.cash.minus(value);
                    self.external.base_in += h.qty.0;
                    self.external.cash_out += value.0;
                }
            }
        }
        let reference_ticks = self.reference_price / self.cfg.spec.tick_size;
        let ladder = self.makers[m].ladder(reference_ticks, self.wallets[m], &self.cfg.spec);
        for q in ladder {
            self.submit(agent, q.side, q.qty, OrderType::Limit(q.price), None);
        }
    }

    /// Submits an order for `agent` and settles what it did. Returns the quantity filled and
    /// its value.
    fn submit(
        &mut self,
        agent: AgentId,
        side: Side,
        qty: Lots,
        ty: OrderType,
        liquidation: Option<LiquidationId>,
    ) -> (Lots, Quote) {
        let mut events = std::mem::take(&mut self.book_events);
        events.clear();
        self.book
            .submit(self.now, agent, side, qty, ty, &mut events);
        let mut filled = (Lots(0), Quote(0));
        for e in &events {
            match *e {
                BookEvent::Fill {
                    maker_owner,
                    taker_owner,
                    taker_side,
                    price,
                    qty,
                    ..
                } => {
                    let value = qty.value_at(price);
                    let (buyer, seller) = match taker_side {
                        Side::Bid => (taker_owner, maker_owner),
                        Side::Ask => (maker_owner, taker_owner),
                    };
                    let b = &mut self.wallets[buyer.index()];
                    b.cash = b.cash.minus(value);
                    b.base = b.base.plus(qty);
                    let s = &mut self.wallets[seller.index()];
                    s.base = s.base.minus(qty);
                    s.cash = s.cash.plus(value);
                    filled = (filled.0.plus(qty), filled.1.plus(value));
                    self.last_trade = Some(price);
                    self.stats.trades += 1;
                    self.stats.volume = self.stats.volume.plus(qty);
                    let row = TradeRow {
                        time_ns: self.now.as_nanos(),
                        price: self.cfg.spec.price(price),
                        qty: self.cfg.spec.qty(qty),
                        taker_side: taker_side.as_str(),
                        maker: self.labels[maker_owner.index()].clone(),
                        taker: self.labels[taker_owner.index()].clone(),
                        liquidation: liquidation.map(|l| l.0),
                    };
                    self.trace.row(&row);
                    if let AgentKind::Maker(mm) = self.agent_kind(maker_owner) {
                        self.request_requote(mm);
                    }
                }
                BookEvent::Placed { id, owner, .. } => {
                    if let AgentKind::Maker(mm) = self.agent_kind(owner) {
                        self.makers[mm].orders.push(id);
                    }
                }
                BookEvent::Cancelled { .. }
                | BookEvent::Reduced { .. }
                | BookEvent::Rejected { .. } => {}
            }
        }
        self.book_events = events;
        filled
    }

    /// Observes the book mid, or the last trade price while the book is one-sided.
    fn on_oracle_observe(&mut self) {
        if let Some(price) = self.book.mid().or(self.last_trade) {
            let obs = Observation {
                observed_at: self.now,
                price,
                reference: self.reference_ticks(),
                sales_seen: self.sales.len() as u32,
            };
            let ms = self
                .cfg
                .oracle
                .latency_ms
                .sample(&mut self.oracle_latency_rng);
            let at = self.now + SimDuration::from_millis_f64(ms);
            self.schedule(at, EventClass::Oracle, Event::OracleArrive(obs));
        }
        let next = self.now + self.cfg.oracle.observe_every;
        self.schedule(next, EventClass::Oracle, Event::OracleObserve);
    }

    fn on_oracle_arrive(&mut self, obs: Observation) {
        match self.feed.observe(self.now, obs.observed_at, obs.price) {
            RoundDecision::Start(_) => {
                let ms = self
                    .cfg
                    .oracle
                    .inclusion_delay_ms
                    .sample(&mut self.oracle_inclusion_rng);
                let at = self.now + SimDuration::from_millis_f64(ms);
                self.schedule(at, EventClass::Oracle, Event::OraclePublish(obs));
            }
            RoundDecision::Hold => {}
            RoundDecision::Stale => {
                self.stats.stale_observations += 1;
                let row = self.oracle_row(obs, "stale", "");
                self.trace.row(&row);
            }
        }
    }

    fn oracle_row(&self, obs: Observation, event: &'static str, reason: &'static str) -> OracleRow {
        OracleRow {
            time_ns: self.now.as_nanos(),
            oracle: "push".to_string(),
            price: self.cfg.spec.price(obs.price),
            reference_price: self.cfg.spec.price(obs.reference),
            age_ns: self.now.saturating_since(obs.observed_at).as_nanos(),
            sources_used: 1,
            event,
            reason,
        }
    }

    fn on_oracle_publish(&mut self, obs: Observation) {
        let Some(p) = self.feed.publish(self.now, obs.observed_at, obs.price) else {
            return;
        };
        self.published = Some(obs);
        self.stats.oracle_publications += 1;
        let reason = if p.round == 1 { "first" } else { "round" };
        let row = self.oracle_row(obs, "publish", reason);
        self.trace.row(&row);
        self.stats.min_oracle = Some(self.stats.min_oracle.map_or(p.price, |m| m.min(p.price)));
        if self.market.index().any_liquidatable_at(p.price) {
            for l in 0..self.liquidators.len() {
                self.request_wake(l, None);
            }
        }
    }

    /// Schedules liquidator `l` after its latency (or after `delay` if given), unless pending.
    fn request_wake(&mut self, l: usize, delay: Option<SimDuration>) {
        if self.liquidators[l].wake_pending {
            return;
        }
        self.liquidators[l].wake_pending = true;
        let d = delay.unwrap_or_else(|| {
            let ms = self.liquidators[l]
                .params
                .latency_ms
                .sample(&mut self.liquidator_rngs[l]);
            SimDuration::from_millis_f64(ms)
        });
        self.schedule(
            self.now + d,
            EventClass::Agent,
            Event::LiquidatorWake(l as u32),
        );
    }

    fn on_liquidator_wake(&mut self, l: usize) {
        self.liquidators[l].wake_pending = false;
        let Some(obs) = self.published else { return };
        let price = self.feed.latest().expect("published implies a price").price;
        let agent = self.liquidator_agent(l);
        // Inventory left from an earlier sale that the book could not absorb goes first.
        let held = self.wallets[agent.index()].base;
        if !held.is_zero() {
            let (sold, _) = self.submit(agent, Side::Ask, held, OrderType::Market, None);
            self.stats.liquidation_sales = self.stats.liquidation_sales.plus(sold);
        }
        let candidates: Vec<AccountId> = self.market.index().liquidatable_at(price).collect();
        for account in candidates {
            let plan = self.liquidators[l].plan(
                &self.market,
                &self.book,
                account,
                price,
                self.wallets[agent.index()],
            );
            match plan {
                Plan::Skip(SkipReason::NoCapital) => self.stats.skipped_no_capital += 1,
                Plan::Skip(SkipReason::Unprofitable) => self.stats.skipped_unprofitable += 1,
                Plan::Skip(SkipReason::Reverts) => self.stats.skipped_reverts += 1,
                Plan::Liquidate { debt_to_cover, .. } => {
                    self.liquidate(l, agent, account, debt_to_cover, price, obs);
                }
            }
        }
        let can_pay = self.wallets[agent.index()].cash > self.liquidators[l].params.gas_cost;
        if can_pay && self.market.index().any_liquidatable_at(price) {
            let poll = self.liquidators[l].params.poll;
            self.request_wake(l, Some(poll));
        }
    }

    fn liquidate(
        &mut self,
        l: usize,
        agent: AgentId,
        account: AccountId,
        debt_to_cover: Quote,
        price: Ticks,
        obs: Observation,
    ) {
        let (generation, parent) = self.attribute(account, obs);
        let out = self
            .market
            .liquidate(account, debt_to_cover, price)
            .expect("the plan was checked against the same state");
        let gas = self.liquidators[l].params.gas_cost;
        let w = &mut self.wallets[agent.index()];
        w.cash = w.cash.minus(out.debt_repaid).minus(gas);
        w.base = w.base.plus(out.collateral_to_liquidator);
        self.external.cash_out += gas.0;
        let id = LiquidationId(self.generations.len() as u32);
        self.generations.push(generation);

        let mid_before = self.book.mid_x2();
        let to_sell = self.wallets[agent.index()].base;
        let (sold, proceeds) = self.submit(agent, Side::Ask, to_sell, OrderType::Market, Some(id));
        let mid_after = self.book.mid_x2();
        if !sold.is_zero() {
            self.sales.push(Sale {
                liquidation: id,
                mid_x2_before: mid_before,
                mid_x2_after: mid_after,
            });
        }

        let s = &mut self.stats;
        s.liquidations += 1;
        let g = generation as usize;
        if s.by_generation.len() <= g {
            s.by_generation.resize(g + 1, 0);
        }
        s.by_generation[g] += 1;
        s.debt_repaid = s.debt_repaid.plus(out.debt_repaid);
        s.collateral_seized = s.collateral_seized.plus(out.collateral_seized());
        s.liquidated_value = s
            .liquidated_value
            .plus(out.collateral_seized().value_at(price));
        s.deficit = s.deficit.plus(out.deficit);
        s.liquidation_sales = s.liquidation_sales.plus(sold);
        s.gas_spent = s.gas_spent.plus(gas);

        let spec = self.cfg.spec;
        let half_price = |m: Option<i64>| m.map(|m| m as f64 * spec.tick_size / 2.0);
        let row = LiquidationRow {
            time_ns: self.now.as_nanos(),
            id: id.0,
            account: account.0,
            liquidator: self.labels[agent.index()].clone(),
            generation,
            parent: parent.map(|p| p.0),
            health_factor: out.hf_before as f64 / 1e18,
            oracle_price: spec.price(price),
            debt_repaid: spec.quote(out.debt_repaid),
            collateral_seized: spec.qty(out.collateral_seized()),
            protocol_fee: spec.qty(out.protocol_fee),
            deficit: spec.quote(out.deficit),
            sold: spec.qty(sold),
            proceeds: spec.quote(proceeds),
            price_before: half_price(mid_before),
            price_after: half_price(mid_after),
        };
        self.trace.row(&row);
    }

    /// Generation and parent of a liquidation of `account` at the price observed in `obs`.
    ///
    /// Generation 0 if the account is liquidatable at the reference price of the observation
    /// (the exogenous move alone triggers it) or if no liquidation sale had traded yet.
    /// Otherwise the parent is the latest sale before the observation that took the mid from at
    /// or above the account's trigger price to below it (among the last few hundred sales), or,
    /// if the mid got there through makers re-quoting after absorbing sales rather than through
    /// one sale, the latest sale before the observation.
    fn attribute(&self, account: AccountId, obs: Observation) -> (u32, Option<LiquidationId>) {
        let a = self.market.account(account);
        let params = self.market.params();
        let seen = &self.sales[..obs.sales_seen as usize];
        if seen.is_empty() || params.is_liquidatable(a.collateral, a.debt, obs.reference) {
            return (0, None);
        }
        let trigger = params
            .trigger_price(a.collateral, a.debt)
            .expect("a liquidatable account has debt");
        let parent = seen
            .iter()
            .rev()
            .take(PARENT_SEARCH)
            .find(|s| s.crossed(trigger))
            .unwrap_or(&seen[seen.len() - 1])
            .liquidation;
        (self.generations[parent.index()] + 1, Some(parent))
    }

    fn on_snapshot(&mut self) {
        let spec = self.cfg.spec;
        let bid = self.book.best_bid();
        let ask = self.book.best_ask();
        let mid = self.book.mid_x2();
        let depth = match mid {
            Some(m) => {
                let floor = (m as f64 / 2.0 * 0.98).ceil() as i64;
                self.book
                    .depth(Side::Bid, usize::MAX)
                    .take_while(|l| l.price.0 >= floor)
                    .map(|l| l.qty.0)
                    .sum()
            }
            None => 0,
        };
        let row = BookTopRow {
            time_ns: self.now.as_nanos(),
            best_bid: bid.map(|(p, _)| spec.price(p)),
            bid_qty: bid.map_or(0.0, |(_, q)| spec.qty(q)),
            best_ask: ask.map(|(p, _)| spec.price(p)),
            ask_qty: ask.map_or(0.0, |(_, q)| spec.qty(q)),
            mid: mid.map(|m| m as f64 * spec.tick_size / 2.0),
            bid_depth_2pct: spec.qty(Lots(depth)),
            reference: self.reference_price,
            oracle: self.feed.latest().map(|p| spec.price(p.price)),
        };
        self.trace.row(&row);
        let t = self.now.as_nanos();
        for side in [Side::Bid, Side::Ask] {
            let name = if side == Side::Bid { "bid" } else { "ask" };
            for (k, l) in self.book.depth(side, SNAPSHOT_LEVELS).enumerate() {
                self.trace.row(&DepthRow {
                    time_ns: t,
                    side: name,
                    level: k as u32,
                    price: spec.price(l.price),
                    qty: spec.qty(l.qty),
                });
            }
        }
        let mark = self
            .book
            .mid()
            .or_else(|| self.feed.latest().map(|p| p.price))
            .unwrap_or_else(|| self.reference_ticks());
        for (i, w) in self.wallets.iter().enumerate() {
            let kind = match self.agent_kind(AgentId(i as u32)) {
                AgentKind::Maker(_) => "maker",
                AgentKind::Liquidator(_) => "liquidator",
            };
            let row = AgentRow {
                time_ns: t,
                agent: self.labels[i].clone(),
                kind,
                cash: spec.quote(w.cash),
                base: spec.qty(w.base),
                value: spec.quote(w.cash.plus(w.base.value_at(mark))),
            };
            self.trace.row(&row);
        }
        let next = self.now + self.cfg.snapshot_every;
        self.schedule(next, EventClass::Snapshot, Event::Snapshot);
    }

    fn track_extremes(&mut self) {
        let s = &mut self.stats;
        if let Some(m) = self.book.mid() {
            s.min_mid = Some(s.min_mid.map_or(m, |x| x.min(m)));
        }
        let r = self.cfg.spec.ticks_nearest(self.reference_price);
        s.min_reference = Some(s.min_reference.map_or(r, |x| x.min(r)));
    }

    /// Total quote and base inside the world plus what crossed its boundary, which must never
    /// change: (quote, base).
    fn totals(&self) -> (u128, u128) {
        let mut cash: u128 = 0;
        let mut base: u128 = 0;
        for w in &self.wallets {
            cash += u128::from(w.cash.0);
            base += u128::from(w.base.0);
        }
        let t = self.market.totals();
        // Debt repaid went from liquidators to the protocol; collateral went from accounts to
        // liquidators and the treasury.
        cash += u128::from(t.debt_repaid.0);
        base += self.market.total_collateral() + u128::from(t.treasury_collateral.0);
        let e = self.external;
        cash += u128::from(e.cash_out);
        cash -= u128::from(e.cash_in);
        base += u128::from(e.base_out);
        base -= u128::from(e.base_in);
        (cash, base)
    }

    /// Panics if [`World::check`] finds a violation (a bug).
    pub fn assert_conserved(&self) {
        if let Err(e) = self.check() {
            panic!("at {}: {e}", self.now);
        }
    }

    /// Checks the world's invariants: value conserved (every lot and quote atom is in a wallet,
    /// an account, the protocol's books, or recorded as having crossed the world's boundary),
    /// the book consistent and not crossed, the protocol's totals reconciled with the accounts
    /// (collateral and debt that left the accounts are what liquidators, the treasury and the
    /// deficit received). Balances are unsigned, so a negative one cannot exist: it would have
    /// stopped the run where it arose.
    pub fn check(&self) -> Result<(), String> {
        let (cash, base) = self.totals();
        let (cash0, base0) = self.start_totals;
        if (cash, base) != (cash0, base0) {
            return Err(format!(
                "value not conserved: quote {cash} atoms (started with {cash0}), base {base} lots (started with {base0})"
            ));
        }
        let t = self.market.totals();
        let debt_now = self.market.total_debt();
        let debt_start: u128 = self.cfg.accounts.iter().map(|a| u128::from(a.debt.0)).sum();
        let accounted = debt_now + u128::from(t.debt_repaid.0) + u128::from(t.deficit.0);
        if accounted != debt_start {
            return Err(format!(
                "debt does not reconcile: outstanding {debt_now} + repaid {} + deficit {} = {accounted}, started with {debt_start}",
                t.debt_repaid.0, t.deficit.0
            ));
        }
        if t.deficit != self.stats.deficit {
            return Err(format!(
                "bad debt does not reconcile: protocol deficit {} != recorded deficit {}",
                t.deficit.0, self.stats.deficit.0
            ));
        }
        self.book
            .check_consistent()
            .map_err(|e| format!("book: {e}"))
    }

    fn liquidator_value(&self, price: Ticks) -> i128 {
        (0..self.liquidators.len())
            .map(|l| {
                let w = self.wallets[self.liquidator_agent(l).index()];
                i128::from(w.cash.0) + i128::from(w.base.value_at(price).0)
            })
            .sum()
    }

    fn finish(mut self) -> (RunStats, T) {
        if let (None, Err(e)) = (&self.stats.invariant_violation, self.check()) {
            self.stats.invariant_violation = Some(format!("at the end of the run: {e}"));
        }
        self.stats.end = self.now;
        let last = self
            .feed
            .latest()
            .map_or(self.reference_ticks(), |p| p.price);
        self.stats.open_shortfall =
            Quote(u64::try_from(self.market.shortfall_at(last)).unwrap_or(u64::MAX));
        let mark = self.book.mid().unwrap_or(last);
        self.stats.liquidator_pnl = self.liquidator_value(mark) - self.liquidator_start_value;
        (self.stats, self.trace)
    }
}
