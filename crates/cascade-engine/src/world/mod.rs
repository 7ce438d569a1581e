//! The world: state of one run, its event loop and its invariants.
//!
//! The handlers live in submodules by concern: [`venues`] (orders, trades, makers, routing of
//! sales), [`pools`] (AMM pools and arbitrageurs), [`flow`] (noise, momentum, stop-loss and
//! informed traders), [`oracle`] (observation, rounds, publication, breakers), [`liquidations`]
//! (liquidators, liquidation calls, the per-window cap, generations), [`perps`] and
//! [`perp_index`] (a perp venue's liquidations, backstop vault and ADL), [`snapshots`] (snapshot
//! rows and extremes), [`vaults`] (Maker-style vaults and their auctions) and [`keepers`] (the
//! auctions' bidders), [`txs`]
//! (liquidation calls as transactions: mempool, ordering, reverts), [`disposal`] (seized
//! collateral sold, held or bridged), [`attackers`] (oracle manipulators and the accounting of
//! their attacks), [`sandwich`] (sandwichers of liquidation sales on pools), [`deleverage`]
//! (borrowers' deleverage bots: watching prices, selling collateral, repaying debt) and
//! [`llamma`] (a crvUSD-style market of the borrowers, its oracle and keeper).

mod attackers;
mod deleverage;
mod disposal;
mod flow;
mod keepers;
mod liquidations;
mod llamma;
mod oracle;
mod perp_index;
mod perps;
mod pools;
mod sandwich;
mod snapshots;
mod txs;
mod vaults;
mod venues;

pub use pools::{BASE_ATOMS_PER_LOT, POOL_UNITS};

use crate::config::WorldConfig;
use crate::event::Event;
use crate::stats::RunStats;
use crate::trace::TraceSink;
use cascade_agents::{Liquidator, MarketMaker, ReferencePath, Wallet};
use cascade_book::{Book, BookEvent};
use cascade_des::{EventClass, EventQueue, RngStreams, StreamRng};
use cascade_risk::LendingMarket;
use cascade_types::{
    AccountId, AgentId, LiquidationId, Lots, MarketSpec, Quote, SimDuration, SimTime, Ticks,
};

/// What an agent id stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentKind {
    /// Market maker `i`.
    Maker(usize),
    /// Liquidator `i`.
    Liquidator(usize),
    /// Order-flow trader `i` (noise, momentum, stop-loss, informed).
    Trader(usize),
    /// Arbitrageur `i` between a pool and a book.
    Arbitrageur(usize),
    /// The perp venue's clearing agent: it sends liquidation and vault orders to the book.
    Clearing,
    /// Auction keeper `i`.
    Keeper(usize),
    /// Oracle manipulator `i`.
    Attacker(usize),
    /// Sandwicher `i` of liquidation sales on a pool.
    Sandwicher(usize),
    /// The LLAMMA market's arbitrageur and liquidator.
    LlammaKeeper,
    /// The borrowers' deleverage bots (one shared wallet, `delev`).
    Deleverager,
}

/// Value that crossed the world's boundary, for the conservation check.
#[derive(Clone, Copy, Debug, Default)]
struct External {
    /// Base sold outside the venues by hedging makers.
    base_out: u64,
    /// Base bought outside the venues.
    base_in: u64,
    /// Quote received for hedges sold outside.
    cash_in: u64,
    /// Quote paid for hedges bought outside, and gas burned.
    cash_out: u64,
}

/// A trading venue: a limit order book, its last trade, and its recent trades for VWAP
/// sources.
struct Venue {
    name: String,
    book: Book,
    last_trade: Option<Ticks>,
    /// Trades within `vwap_window` of now: (time, price, quantity).
    trades: std::collections::VecDeque<(SimTime, Ticks, Lots)>,
    /// The longest VWAP window any oracle source reads on this venue (zero: none).
    vwap_window: SimDuration,
}

impl Venue {
    /// The mid, or the last trade price while the book is one-sided.
    fn price(&self) -> Option<Ticks> {
        self.book.mid().or(self.last_trade)
    }

    /// Twice [`Venue::price`], exact for a mid.
    fn price_x2(&self) -> Option<i64> {
        self.book.mid_x2().or(self.last_trade.map(|t| 2 * t.0))
    }
}

/// A liquidation's first sale, with twice the oracle-observed price before and after it.
#[derive(Clone, Copy, Debug)]
struct Sale {
    liquidation: LiquidationId,
    observed_x2_before: Option<i64>,
    observed_x2_after: Option<i64>,
}

impl Sale {
    /// `true` if the sale took the observed price from at or above `price` to below it.
    fn crossed(&self, price: Ticks) -> bool {
        let level = 2 * i128::from(price.0);
        let before = self.observed_x2_before.map_or(i128::MAX, i128::from);
        let after = self.observed_x2_after.map_or(i128::MIN, i128::from);
        before >= level && after < level
    }
}

/// One run's state.
pub struct World<T: TraceSink> {
    cfg: WorldConfig,
    end: SimTime,
    queue: EventQueue<Event>,
    now: SimTime,
    venues: Vec<Venue>,
    market: LendingMarket,
    vaults: Option<vaults::VaultSystem>,
    oracles: Vec<oracle::OracleState>,
    pools: Vec<pools::PoolVenue>,
    arbs: Vec<cascade_agents::Arbitrageur>,
    arb_rngs: Vec<StreamRng>,
    arb_pending: Vec<bool>,
    /// Per agent, base-token atoms bought from pools short of a whole lot.
    base_residue: Vec<u128>,
    reference: ReferencePath,
    reference_price: f64,
    /// Venues with their own reference path, and its current price.
    venue_refs: Vec<Option<(ReferencePath, f64)>>,
    makers: Vec<MarketMaker>,
    maker_rngs: Vec<StreamRng>,
    liquidators: Vec<Liquidator>,
    liquidator_rngs: Vec<StreamRng>,
    traders: Vec<crate::config::TraderKind>,
    trader_rngs: Vec<StreamRng>,
    /// Stop-loss traders not yet fired, per venue: (stop price, trader).
    stops: Vec<std::collections::BTreeSet<(i64, u32)>>,
    kinds: Vec<AgentKind>,
    /// Per liquidator, collateral held back for slices of sales spread over time.
    slice_reserved: Vec<u64>,
    /// Debt repaid by liquidations within the cap's trailing window: (time, amount), oldest
    /// first, and their sum.
    cap_window: std::collections::VecDeque<(SimTime, u64)>,
    cap_used: u64,
    wallets: Vec<Wallet>,
    labels: Vec<String>,
    generations: Vec<u32>,
    sales: Vec<Sale>,
    perps: Option<perps::PerpState>,
    attackers: Vec<attackers::AttackerState>,
    sandwiches: Vec<sandwich::SandwichState>,
    /// Borrowers' deleverage bots, if the scenario has them.
    delev: Option<deleverage::DeleverageState>,
    /// Liquidation transactions not yet included (empty when calls are immediate).
    mempool: txs::Mempool,
    /// Seized collateral on its way over bridges.
    bridge: disposal::Bridges,
    /// The crvUSD-style market, when the accounts are its loans.
    llamma: Option<llamma::LlammaState>,
    /// Debt of the lending market's accounts at the start.
    lending_debt_start: u128,
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
        assert!(!cfg.venues.is_empty(), "a world needs a venue");
        let streams = RngStreams::new(cfg.seed);
        let reference = ReferencePath::with_base(
            cfg.reference.base.clone(),
            cfg.reference.diffusion,
            streams.stream("reference", 0),
        )
        .with_regimes(cfg.reference.regimes.clone());
        let reference_price = reference.price();
        let venue_refs = cfg
            .venues
            .iter()
            .map(|v| {
                v.reference.as_ref().map(|r| {
                    let path = ReferencePath::with_base(
                        r.base.clone(),
                        r.diffusion,
                        streams.stream("reference", 0),
                    )
                    .with_regimes(r.regimes.clone());
                    let p = path.price();
                    (path, p)
                })
            })
            .collect();
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
        wallets.extend(cfg.traders.iter().map(|t| t.wallet));
        wallets.extend(cfg.arbitrageurs.iter().map(|a| a.wallet));
        let mut labels: Vec<String> = (0..cfg.makers.len()).map(|i| format!("mm{i}")).collect();
        labels.extend((0..cfg.liquidators.len()).map(|i| format!("liq{i}")));
        let mut kinds: Vec<AgentKind> = (0..cfg.makers.len()).map(AgentKind::Maker).collect();
        kinds.extend((0..cfg.liquidators.len()).map(AgentKind::Liquidator));
        kinds.extend((0..cfg.traders.len()).map(AgentKind::Trader));
        let keepers = cfg.vaults.iter().flat_map(|v| &v.keepers);
        wallets.extend(keepers.clone().map(|k| k.wallet));
        let vault_labels = (0..keepers.clone().count()).map(|i| format!("kpr{i}"));
        let keeper_kinds = (0..keepers.count()).map(AgentKind::Keeper);
        let traders: Vec<crate::config::TraderKind> =
            cfg.traders.iter().map(|t| t.kind.clone()).collect();
        let mut trader_rngs = Vec::with_capacity(traders.len());
        let mut per_kind = [0u64; 4];
        let mut stops = vec![std::collections::BTreeSet::new(); cfg.venues.len()];
        for (i, t) in cfg.traders.iter().enumerate() {
            use crate::config::TraderKind as K;
            let (k, name, short) = match &t.kind {
                K::Noise(_) => (0, "noise", "noise"),
                K::Momentum(_) => (1, "momentum", "mom"),
                K::StopLoss { stop, .. } => {
                    stops[t.venue].insert((stop.stop.0, i as u32));
                    (2, "stop", "stop")
                }
                K::Informed(_) => (3, "informed", "inf"),
            };
            trader_rngs.push(streams.stream(name, per_kind[k]));
            labels.push(format!("{short}{}", per_kind[k]));
            per_kind[k] += 1;
        }
        labels.extend((0..cfg.arbitrageurs.len()).map(|i| format!("arb{i}")));
        kinds.extend((0..cfg.arbitrageurs.len()).map(AgentKind::Arbitrageur));
        labels.extend(vault_labels);
        kinds.extend(keeper_kinds);
        let pools = cfg
            .pools
            .iter()
            .map(|p| pools::PoolVenue {
                name: p.name.clone(),
                pool: p.pool.clone(),
            })
            .collect();
        let arbs = cfg
            .arbitrageurs
            .iter()
            .map(|a| cascade_agents::Arbitrageur::new(a.params))
            .collect();
        let arb_rngs = (0..cfg.arbitrageurs.len())
            .map(|i| streams.stream("arbitrageur", i as u64))
            .collect();
        let arb_pending = vec![false; cfg.arbitrageurs.len()];
        let perps = cfg.perps.as_ref().map(|p| {
            let p0 = cfg.spec.ticks_nearest(reference_price);
            perps::PerpState::new(p, AgentId(wallets.len() as u32), p0, &streams)
        });
        if let Some(p) = &perps {
            wallets.push(p.clearing_wallet());
            labels.push("clearing".to_string());
            kinds.push(AgentKind::Clearing);
        }
        let mut attackers = Vec::with_capacity(cfg.attackers.len());
        for (i, a) in cfg.attackers.iter().enumerate() {
            let label = format!("atk{i}");
            let venue = cfg
                .venues
                .get(a.venue)
                .map(|v| v.name.clone())
                .or_else(|| {
                    cfg.pools
                        .get(a.venue - cfg.venues.len())
                        .map(|p| p.name.clone())
                })
                .expect("validated attacker venue");
            let mut start = vec![a.wallet];
            start.extend(a.liquidators.iter().map(|&l| cfg.liquidators[l].wallet));
            let agent = AgentId(wallets.len() as u32);
            attackers.push(attackers::AttackerState::new(
                agent,
                a,
                label.clone(),
                venue,
                start,
            ));
            wallets.push(a.wallet);
            labels.push(label);
            kinds.push(AgentKind::Attacker(i));
        }
        let mut sandwiches = Vec::with_capacity(cfg.sandwichers.len());
        for (i, s) in cfg.sandwichers.iter().enumerate() {
            let label = format!("sw{i}");
            let pool = cfg.pools[s.pool].name.clone();
            let agent = AgentId(wallets.len() as u32);
            sandwiches.push(sandwich::SandwichState::new(
                agent,
                label.clone(),
                pool,
                s.wallet,
            ));
            wallets.push(s.wallet);
            labels.push(label);
            kinds.push(AgentKind::Sandwicher(i));
        }
        let delev = cfg.deleverage.as_ref().map(|d| {
            let agent = AgentId(wallets.len() as u32);
            wallets.push(Wallet::default());
            labels.push("delev".to_string());
            kinds.push(AgentKind::Deleverager);
            deleverage::DeleverageState::new(d, cfg.accounts.len(), agent, &streams)
        });
        let mut venues: Vec<Venue> = cfg
            .venues
            .iter()
            .map(|v| Venue {
                name: v.name.clone(),
                book: Book::new(),
                last_trade: None,
                trades: std::collections::VecDeque::new(),
                vwap_window: SimDuration::ZERO,
            })
            .collect();
        for s in cfg.oracles.iter().flat_map(|o| &o.sources) {
            if let crate::config::SourceKind::Vwap { venue, window } = s.kind {
                venues[venue].vwap_window = venues[venue].vwap_window.max(window);
            }
        }
        let oracles = cfg
            .oracles
            .iter()
            .map(|o| oracle::OracleState::new(o, &streams))
            .collect();
        let mempool = txs::Mempool::new(cfg.ordering, cfg.liquidators.len(), &streams);
        let routes: Vec<&crate::config::Route> = cfg.liquidators.iter().map(|l| &l.route).collect();
        let bridge = disposal::Bridges::new(&routes, &streams);
        // With a LLAMMA market the accounts it accepts are its loans; the lending market keeps
        // the ones its Controller refuses (and empty positions for the others, so that account
        // ids stay the scenario's).
        let mut lending_accounts = cfg.accounts.clone();
        let llamma = cfg.llamma.as_ref().map(|l| {
            let agent = AgentId(wallets.len() as u32);
            wallets.push(l.keeper);
            labels.push("llamma".to_string());
            kinds.push(AgentKind::LlammaKeeper);
            let p0 = cfg.spec.ticks_nearest(reference_price);
            let st = llamma::LlammaState::new(l, &cfg.accounts, agent, p0);
            for a in st.loans() {
                lending_accounts[a.index()] = cascade_risk::Account {
                    collateral: Lots(0),
                    debt: Quote(0),
                };
            }
            st
        });
        let lending_debt_start = lending_accounts.iter().map(|a| u128::from(a.debt.0)).sum();
        let mut w = World {
            end: SimTime::ZERO + cfg.duration,
            queue: EventQueue::with_capacity(1024),
            now: SimTime::ZERO,
            venues,
            market: LendingMarket::with_mechanism(cfg.lending.clone(), lending_accounts),
            vaults: cfg.vaults.as_ref().map(|v| {
                vaults::VaultSystem::new(v, crate::vaults::MakerUnits::of(&cfg.spec), &streams)
            }),
            oracles,
            pools,
            arbs,
            arb_rngs,
            arb_pending,
            base_residue: Vec::new(),
            reference,
            reference_price,
            venue_refs,
            makers,
            maker_rngs,
            slice_reserved: vec![0; liquidators.len()],
            cap_window: std::collections::VecDeque::new(),
            cap_used: 0,
            traders,
            trader_rngs,
            stops,
            kinds,
            liquidators,
            liquidator_rngs,
            wallets,
            labels,
            generations: Vec::new(),
            sales: Vec::new(),
            perps,
            attackers,
            sandwiches,
            delev,
            mempool,
            bridge,
            llamma,
            lending_debt_start,
            external: External::default(),
            start_totals: (0, 0),
            liquidator_start_value: 0,
            stats: RunStats::default(),
            book_events: Vec::with_capacity(64),
            check_invariants: false,
            trace,
            cfg,
        };
        w.base_residue = vec![0; w.wallets.len()];
        w.stats.deleverage.bots = w.cfg.deleverage.as_ref().map_or(0, |d| d.bots.len() as u64);
        let reserves = w.market.books().reserves.0;
        w.stats.lending.reserves_start = reserves;
        w.stats.lending.reserves_lowest = reserves;
        w.start_totals = w.totals();
        let p0 = w.reference_ticks();
        w.liquidator_start_value = w.liquidator_value(p0);
        w.stats.liquidators = (0..w.liquidators.len())
            .map(|l| crate::stats::LiquidatorStats {
                pnl: -w.liquidator_value_of(l, p0),
                ..Default::default()
            })
            .collect();
        w
    }

    /// With `on`, checks [`World::check`] after every event and stops the run at the first
    /// violation, recording it in [`RunStats::invariant_violation`] with the event and the
    /// values. Costs O(accounts + orders) per event.
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

    /// The book of venue `v`.
    pub fn book(&self, v: usize) -> &Book {
        &self.venues[v].book
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
        self.kinds[id.index()]
    }

    fn trader_agent(&self, i: usize) -> AgentId {
        AgentId((self.makers.len() + self.liquidators.len() + i) as u32)
    }

    fn liquidator_agent(&self, i: usize) -> AgentId {
        AgentId((self.makers.len() + i) as u32)
    }

    fn reference_ticks(&self) -> Ticks {
        self.cfg.spec.ticks_nearest(self.reference_price)
    }

    /// The reference price venue `v`'s makers and informed traders follow.
    fn venue_reference(&self, v: usize) -> f64 {
        self.venue_refs[v]
            .as_ref()
            .map_or(self.reference_price, |(_, p)| *p)
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
            if self.stats.bad_debt_due(s.time) {
                self.close_minutes(s.time);
            }
            self.now = s.time;
            self.stats.events += 1;
            match s.event {
                Event::ReferenceStep => self.on_reference_step(),
                Event::OracleObserve(o) => self.on_oracle_observe(o as usize),
                Event::OracleArrive {
                    oracle,
                    source,
                    obs,
                    conf,
                } => self.on_oracle_arrive(oracle as usize, source as usize, obs, conf),
                Event::OraclePublish { oracle, obs } => {
                    self.on_oracle_publish(oracle as usize, obs)
                }
                Event::OraclePoke(o) => self.on_oracle_poke(o as usize),
                Event::MakerRequote(m) => self.on_maker_requote(m as usize),
                Event::LiquidatorWake(l) => self.on_liquidator_wake(l as usize),
                Event::LiquidatorSell {
                    liquidator,
                    liquidation,
                    slices_left,
                    remaining,
                } => self.on_liquidator_sell(
                    liquidator as usize,
                    LiquidationId(liquidation),
                    slices_left,
                    Lots(remaining),
                ),
                Event::TxExecute(tx) => self.on_tx_execute(tx),
                Event::BlockEnd => self.on_block_end(),
                Event::BridgeArrive(t) => self.on_bridge_arrive(t),
                Event::TraderWake(t) => self.on_trader_wake(t as usize),
                Event::ArbWake(a) => self.on_arb_wake(a as usize),
                Event::Perps(e) => self.on_perps(e),
                Event::AttackerWake(a) => self.on_attacker_wake(a as usize),
                Event::DeleverageWake(a) => self.on_deleverage_wake(AccountId(a)),
                Event::KeeperWake(k) => self.on_keeper_wake(k as usize),
                Event::AuctionExpiry(a) => self.on_auction_expiry(a),
                Event::LlammaStep => self.on_llamma_step(),
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
        // The protocol starts with the reference price published, as if the feeds had been live.
        self.start_oracles();
        self.schedule(SimTime::ZERO, EventClass::Exogenous, Event::ReferenceStep);
        for m in 0..self.makers.len() {
            self.makers[m].requote_pending = true;
            self.schedule(
                SimTime::ZERO,
                EventClass::Agent,
                Event::MakerRequote(m as u32),
            );
        }
        for t in 0..self.traders.len() {
            self.schedule_trader(t);
        }
        for a in 0..self.arbs.len() {
            let poll = self.cfg.arbitrageurs[a].poll;
            self.request_arb_wake(a, Some(poll));
        }
        self.start_attackers();
        self.start_llamma();
        self.schedule(SimTime::ZERO, EventClass::Snapshot, Event::Snapshot);
    }

    fn on_reference_step(&mut self) {
        self.reference_price = self.reference.advance_to(self.now.as_secs_f64());
        let t = self.now.as_secs_f64();
        for (path, price) in self.venue_refs.iter_mut().flatten() {
            *price = path.advance_to(t);
        }
        for m in 0..self.makers.len() {
            self.request_requote(m);
        }
        self.wake_informed();
        self.deleverage_on_step();
        let next = self.now + self.cfg.reference.step;
        self.schedule(next, EventClass::Exogenous, Event::ReferenceStep);
    }

    /// Total quote and base inside the world plus what crossed its boundary, which must never
    /// change: (quote atoms, base in pool-token atoms: lots times `BASE_ATOMS_PER_LOT`, plus
    /// what pools and residues hold).
    fn totals(&self) -> (u128, u128) {
        let mut cash: u128 = 0;
        let mut base: u128 = 0;
        for w in &self.wallets {
            cash += u128::from(w.cash.0);
            base += u128::from(w.base.0);
        }
        let t = self.market.totals();
        // Debt repaid went from liquidators and deleveraging owners to the protocol; collateral
        // went from accounts to liquidators, owners and the protocol (Aave's treasury,
        // Compound's unsold stock).
        cash += u128::from(t.debt_repaid.0) + u128::from(t.owner_repaid.0);
        base += self.market.total_collateral() + u128::from(t.protocol_collateral.0);
        // Seized collateral waiting for or crossing a bridge.
        base += self.bridge.outstanding();
        let e = self.external;
        cash += u128::from(e.cash_out);
        cash -= u128::from(e.cash_in);
        base += u128::from(e.base_out);
        base -= u128::from(e.base_in);
        if let Some(v) = &self.vaults {
            // Keepers' DAI paid into auctions, less incentives minted; collateral (lots) not
            // yet passed to keepers.
            let (dai_in, gem_left, minted) = v.holdings();
            cash = cash + dai_in - minted;
            base += gem_left;
        }
        if let Some(l) = &self.llamma {
            let (quote, lots) = l.holdings();
            cash += quote;
            base += lots;
        }
        // From here on base is counted in pool-token atoms.
        base *= pools::BASE_ATOMS_PER_LOT;
        for p in &self.pools {
            base += p.pool.balance(pools::POOL_UNITS.base_token);
            cash += p.pool.balance(pools::POOL_UNITS.quote_token);
        }
        base += self.base_residue.iter().sum::<u128>();
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
    /// every book consistent and not crossed, the protocol's totals reconciled with the accounts
    /// (collateral and debt that left the accounts are what liquidators, the treasury and the
    /// deficit received). Balances are unsigned, so a negative one cannot exist: it would have
    /// stopped the run where it arose.
    pub fn check(&self) -> Result<(), String> {
        let (cash, base) = self.totals();
        let (cash0, base0) = self.start_totals;
        if (cash, base) != (cash0, base0) {
            return Err(format!(
                "value not conserved: quote {cash} atoms (started with {cash0}), base {base} pool-token atoms (started with {base0}; {} per lot)",
                pools::BASE_ATOMS_PER_LOT
            ));
        }
        self.check_lending()?;
        for v in &self.venues {
            v.book
                .check_consistent()
                .map_err(|e| format!("book {}: {e}", v.name))?;
        }
        self.check_perps()?;
        if let Some(l) = &self.llamma {
            l.check(self.now)?;
        }
        self.check_vaults()
    }

    /// The lending market's books: debt that left the accounts is what the protocol cleared
    /// plus what owners repaid deleveraging;
    /// what it cleared, plus the change in reserves and the credit given to borrowers, is what
    /// liquidators paid plus what was written off; the protocol's reserves moved by exactly
    /// that change; the bad debt is what the run recorded.
    fn check_lending(&self) -> Result<(), String> {
        let t = self.market.totals();
        let debt_now = self.market.total_debt();
        let debt_start = self.lending_debt_start;
        let accounted = debt_now + u128::from(t.debt_cleared.0) + u128::from(t.owner_repaid.0);
        if accounted != debt_start {
            return Err(format!(
                "debt does not reconcile: outstanding {debt_now} + cleared {} + repaid by owners {} = {accounted}, started with {debt_start}",
                t.debt_cleared.0, t.owner_repaid.0
            ));
        }
        let left =
            i128::from(t.debt_cleared.0) + t.reserves_change.0 + i128::from(t.borrower_credit.0);
        let right = i128::from(t.debt_repaid.0) + i128::from(t.bad_debt.0);
        if left != right {
            return Err(format!(
                "lending books do not balance: cleared {} + reserves change {} + borrower credit {} = {left}, but repaid {} + bad debt {} = {right}",
                t.debt_cleared.0,
                t.reserves_change.0,
                t.borrower_credit.0,
                t.debt_repaid.0,
                t.bad_debt.0
            ));
        }
        let reserves = self
            .market
            .mechanism()
            .initial_reserves()
            .plus(t.reserves_change);
        if reserves != self.market.books().reserves {
            return Err(format!(
                "reserves do not reconcile: start + changes = {}, books say {}",
                reserves.0,
                self.market.books().reserves.0
            ));
        }
        if t.bad_debt != self.stats.deficit {
            return Err(format!(
                "bad debt does not reconcile: protocol deficit {} != recorded deficit {}",
                t.bad_debt.0, self.stats.deficit.0
            ));
        }
        Ok(())
    }

    fn liquidator_value(&self, price: Ticks) -> i128 {
        (0..self.liquidators.len())
            .map(|l| self.liquidator_value_of(l, price))
            .sum()
    }

    /// Liquidator `l`'s cash plus its base, held or on a bridge, at `price`.
    fn liquidator_value_of(&self, l: usize, price: Ticks) -> i128 {
        let w = self.wallets[self.liquidator_agent(l).index()];
        let base = w.base.plus(self.bridge.outstanding_of(l));
        i128::from(w.cash.0) + i128::from(base.value_at(price).0)
    }

    fn finish(mut self) -> (RunStats, T) {
        if let (None, Err(e)) = (&self.stats.invariant_violation, self.check()) {
            self.stats.invariant_violation = Some(format!("at the end of the run: {e}"));
        }
        self.stats.end = self.now;
        let last = self.last_market_price().unwrap_or(self.reference_ticks());
        self.stats.open_shortfall =
            Quote(u64::try_from(self.market.shortfall_at(last)).unwrap_or(u64::MAX));
        for a in self.market.index().liquidatable_at(last) {
            self.stats.left_liquidatable += 1;
            let debt = self.market.account(a).debt;
            self.stats.left_liquidatable_debt = self.stats.left_liquidatable_debt.plus(debt);
        }
        let mark = self.venues[0].price().unwrap_or(last);
        self.finish_llamma(mark);
        let bad_debt = self.bad_debt_at(mark);
        self.stats.close_last(self.now, bad_debt);
        self.stats.llamma = self.llamma.as_ref().map(|l| l.stats.clone());
        self.stats.liquidator_pnl = self.liquidator_value(mark) - self.liquidator_start_value;
        for l in 0..self.liquidators.len() {
            let value = self.liquidator_value_of(l, mark);
            let base = self.wallets[self.liquidator_agent(l).index()].base;
            let ls = &mut self.stats.liquidators[l];
            ls.pnl += value;
            ls.base_at_end = base;
            ls.bridged_at_end = self.bridge.outstanding_of(l);
        }
        self.stats.txs.unincluded = self.mempool.pending() as u64;
        self.stats.bridge.in_transit_at_end =
            Lots(u64::try_from(self.bridge.outstanding()).unwrap_or(u64::MAX));
        self.stats.perps = self.perps.as_ref().map(perps::PerpState::finish);
        let books = self.market.books();
        let l = &mut self.stats.lending;
        l.reserves_end = books.reserves.0;
        l.borrower_credit = self.market.totals().borrower_credit;
        l.protocol_collateral = books.collateral;
        l.protocol_collateral_value = books.collateral.value_at(last);
        self.finish_vaults();
        self.finish_attackers();
        self.finish_sandwiches();
        (self.stats, self.trace)
    }
}
