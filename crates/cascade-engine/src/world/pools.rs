//! AMM pool venues and the arbitrageurs that tie them to the books.
//!
//! A pool's token 0 is the base asset in its own atoms ([`BASE_ATOMS_PER_LOT`] per lot, as wei
//! are to ETH) and token 1 the quote asset, one atom per quote atom. Selling whole lots settles
//! exactly in the world's units; base bought from a pool that falls short of a whole lot stays
//! with the buyer as a residue of atoms, which the value check counts. In routes, pool `i` is venue `venues.len() + i`: a sale routed there is an
//! exact-input swap of base for quote. Arbitrageurs check their pool against their book every
//! `poll` and shortly after anyone else swaps on the pool; a profitable gap becomes an IOC order
//! on the book and, for what it filled, the opposite swap on the pool.

use super::{AgentKind, World};
use crate::event::Event;
use crate::trace::{TraceSink, TradeRow};
use cascade_agents::{ArbDirection, PoolUnits};
use cascade_amm::{Leg, Pool};
use cascade_book::OrderType;
use cascade_des::EventClass;
use cascade_types::{AgentId, LiquidationId, Lots, Quote, Side, SimDuration};

/// Base-token atoms per lot (10^15: a lot of 0.001 ETH in wei).
pub const BASE_ATOMS_PER_LOT: u128 = 1_000_000_000_000_000;

/// How pools map to the world's units: token 0 is base, token 1 quote.
pub const POOL_UNITS: PoolUnits = PoolUnits {
    base_token: 0,
    quote_token: 1,
    base_atoms_per_lot: BASE_ATOMS_PER_LOT,
    quote_atoms_per_quote: 1,
};

const SELL_BASE: Leg = Leg {
    token_in: 0,
    token_out: 1,
};
const BUY_BASE: Leg = Leg {
    token_in: 1,
    token_out: 0,
};

/// A pool venue's state.
pub(super) struct PoolVenue {
    pub(super) name: String,
    pub(super) pool: Pool,
}

/// Twice a pool's spot price in ticks (quote atoms per lot), rounded down.
fn spot_x2(pool: &Pool) -> Option<i64> {
    let s = pool.spot_price(SELL_BASE).ok()?;
    let x2 = (s.num * cascade_amm::U512::from(2 * BASE_ATOMS_PER_LOT)) / s.den;
    i64::try_from(x2).ok()
}

impl PoolVenue {
    /// Twice the pool's spot price in ticks (quote atoms per lot), rounded down.
    pub(super) fn price_x2(&self) -> Option<i64> {
        spot_x2(&self.pool)
    }

    /// Base the pool takes before its spot price falls to `fraction` of what it is now (the
    /// counterpart of a book's bid depth within a band), by bisection on trial swaps.
    pub(super) fn depth_to(&self, fraction: f64) -> Lots {
        let Some(start) = self.price_x2() else {
            return Lots(0);
        };
        let floor = start as f64 * fraction;
        let spot_after = |q: u64| {
            let mut trial = self.pool.clone();
            match trial.swap_exact_in(SELL_BASE, u128::from(q) * BASE_ATOMS_PER_LOT) {
                Ok(_) => spot_x2(&trial).map_or(0.0, |x| x as f64),
                Err(cascade_amm::AmmError::InsufficientOutputAmount) => start as f64,
                Err(_) => 0.0,
            }
        };
        let (mut lo, mut hi) = (0u64, 1u64);
        while hi < u64::MAX / 2 && spot_after(hi) > floor {
            lo = hi;
            hi *= 2;
        }
        for _ in 0..40 {
            if hi - lo <= 1 {
                break;
            }
            let mid = lo + (hi - lo) / 2;
            if spot_after(mid) > floor {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Lots(lo)
    }
}

impl<T: TraceSink> World<T> {
    /// The pool behind venue index `v`, if `v` numbers a pool.
    pub(super) fn pool_index(&self, v: usize) -> Option<usize> {
        v.checked_sub(self.venues.len())
    }

    /// What selling `qty` base into pool `p` would pay now.
    pub(super) fn pool_proceeds(&self, p: usize, qty: Lots) -> Quote {
        self.pools[p]
            .pool
            .quote_exact_in(SELL_BASE, u128::from(qty.0) * BASE_ATOMS_PER_LOT)
            .map_or(Quote(0), |f| {
                Quote(u64::try_from(f.amount_out).unwrap_or(u64::MAX))
            })
    }

    /// Swaps on pool `p` for `agent`: sells `amount` lots (`sell`) or spends `amount` quote
    /// atoms on base. Returns (whole lots, quote) moved, or nothing if the pool refuses; base
    /// bought beyond whole lots joins the agent's residue.
    pub(super) fn pool_swap(
        &mut self,
        agent: AgentId,
        p: usize,
        sell: bool,
        amount: u64,
        liquidation: Option<LiquidationId>,
    ) -> (Lots, Quote) {
        let (leg, mut amount_in) = if sell {
            (SELL_BASE, u128::from(amount) * BASE_ATOMS_PER_LOT)
        } else {
            (BUY_BASE, u128::from(amount))
        };
        // A v3 pool whose liquidity runs out takes only part of the input: sell the whole lots
        // it takes, and keep the rest.
        let Ok(quote) = self.pools[p].pool.quote_exact_in(leg, amount_in) else {
            return (Lots(0), Quote(0));
        };
        let mut amount = amount;
        if quote.amount_in < amount_in {
            if !sell {
                amount_in = quote.amount_in;
            } else {
                amount = u64::try_from(quote.amount_in / BASE_ATOMS_PER_LOT).expect("fits");
                amount_in = u128::from(amount) * BASE_ATOMS_PER_LOT;
            }
        }
        let Ok(fill) = self.pools[p].pool.swap_exact_in(leg, amount_in) else {
            return (Lots(0), Quote(0));
        };
        debug_assert_eq!(fill.amount_in, amount_in, "a quoted input fills in full");
        let i = agent.index();
        let (base, quote) = if sell {
            let q = Quote(u64::try_from(fill.amount_out).expect("fits: quote balances are u64"));
            let w = &mut self.wallets[i];
            w.base = w.base.minus(Lots(amount));
            w.cash = w.cash.plus(q);
            (Lots(amount), q)
        } else {
            let atoms = fill.amount_out + self.base_residue[i];
            let lots = Lots(u64::try_from(atoms / BASE_ATOMS_PER_LOT).expect("fits"));
            self.base_residue[i] = atoms % BASE_ATOMS_PER_LOT;
            let paid = Quote(u64::try_from(fill.amount_in).expect("fits"));
            let w = &mut self.wallets[i];
            w.cash = w.cash.minus(paid);
            w.base = w.base.plus(lots);
            (lots, paid)
        };
        self.stats.pool_swaps += 1;
        let row = TradeRow {
            time_ns: self.now.as_nanos(),
            venue: self.pools[p].name.clone(),
            price: if base.is_zero() {
                0.0
            } else {
                quote.0 as f64 / base.0 as f64 * self.cfg.spec.tick_size
            },
            qty: self.cfg.spec.qty(base),
            taker_side: if sell { Side::Ask } else { Side::Bid }.as_str(),
            maker: self.pools[p].name.clone(),
            taker: self.labels[agent.index()].clone(),
            liquidation: liquidation.map(|l| l.0),
        };
        self.trace.row(&row);
        // The pool moved: its arbitrageurs look again after their latency.
        for a in 0..self.cfg.arbitrageurs.len() {
            if self.cfg.arbitrageurs[a].pool == p
                && !matches!(self.agent_kind(agent), AgentKind::Arbitrageur(x) if x == a)
            {
                self.request_arb_wake(a, None);
            }
        }
        (base, quote)
    }

    /// Schedules arbitrageur `a` after its latency (or after `delay`), unless one is pending.
    pub(super) fn request_arb_wake(&mut self, a: usize, delay: Option<SimDuration>) {
        if self.arb_pending[a] {
            return;
        }
        self.arb_pending[a] = true;
        let d = delay.unwrap_or_else(|| {
            let ms = self.cfg.arbitrageurs[a]
                .latency_ms
                .sample(&mut self.arb_rngs[a]);
            SimDuration::from_millis_f64(ms)
        });
        self.schedule(self.now + d, EventClass::Agent, Event::ArbWake(a as u32));
    }

    pub(super) fn on_arb_wake(&mut self, a: usize) {
        self.arb_pending[a] = false;
        let cfg = &self.cfg.arbitrageurs[a];
        let (p, v, poll) = (cfg.pool, cfg.book, cfg.poll);
        let agent = self.arb_agent(a);
        let wallet = self.wallets[agent.index()];
        let plan = self.arbs[a].plan(&self.venues[v].book, &self.pools[p].pool, wallet);
        if let Ok(plan) = plan {
            let side = plan.direction.book_side();
            let (filled, _) = self.submit(
                agent,
                v,
                side,
                plan.lots,
                OrderType::Ioc(plan.book_limit),
                None,
            );
            if !filled.is_zero() {
                match plan.direction {
                    ArbDirection::BuyBookSellPool => {
                        self.pool_swap(agent, p, true, filled.0, None);
                    }
                    ArbDirection::BuyPoolSellBook => {
                        // Spend on the pool in proportion to what the book took.
                        let pay = plan.pool_in * u128::from(filled.0) / u128::from(plan.lots.0);
                        self.pool_swap(agent, p, false, pay as u64, None);
                    }
                }
                let gas = self.arbs[a].params.gas_cost;
                let w = &mut self.wallets[agent.index()];
                let gas = gas.min(w.cash);
                w.cash = w.cash.minus(gas);
                self.external.cash_out += gas.0;
                self.stats.arbitrages += 1;
            }
        }
        self.request_arb_wake(a, Some(poll));
    }

    /// The agent id of arbitrageur `a`.
    pub(super) fn arb_agent(&self, a: usize) -> AgentId {
        AgentId((self.makers.len() + self.liquidators.len() + self.traders.len() + a) as u32)
    }
}
