//! Sandwichers of liquidation sales on AMM pools (see [`crate::attack::SandwicherConfig`]).
//!
//! A liquidator's sale routed to a pool goes through [`World::pool_sale`]: if a sandwicher
//! watches that pool, it plans a front-run on trial copies of the pool (the largest sale that
//! leaves the victim's output at or above its minimum, the quote less the tolerance; halved
//! until the round trip pays its gas and minimum profit), sells it, lets the victim's swap
//! execute, and buys the same lots back, all at the same instant (one block: the sandwich is a
//! bundle around the victim's transaction). The victim's loss is the pool's quote for its sale
//! just before the front-run less what the sale fetched. The sandwicher draws nothing.

use super::World;
use super::attackers::quote_for_lots;
use crate::attack::{Pnl, SandwichStats};
use crate::trace::TraceSink;
use cascade_agents::Wallet;
use cascade_amm::{Leg, Pool};
use cascade_types::{AgentId, LiquidationId, Lots, Quote, Side};

const SELL_BASE: Leg = Leg {
    token_in: 0,
    token_out: 1,
};

/// How many times a sandwicher halves an unprofitable front-run before passing.
const MAX_HALVINGS: u32 = 6;

/// One sandwicher's running state.
pub(super) struct SandwichState {
    agent: AgentId,
    start_wallet: Wallet,
    stats: SandwichStats,
}

impl SandwichState {
    /// A sandwicher as agent `agent`.
    pub(super) fn new(agent: AgentId, label: String, pool: String, wallet: Wallet) -> Self {
        SandwichState {
            agent,
            start_wallet: wallet,
            stats: SandwichStats {
                label,
                pool,
                ..SandwichStats::default()
            },
        }
    }
}

/// What selling `lots` into `pool` pays, in quote atoms (0 if refused).
fn sale_out(pool: &Pool, lots: Lots) -> u128 {
    pool.quote_exact_in(SELL_BASE, u128::from(lots.0) * super::BASE_ATOMS_PER_LOT)
        .map_or(0, |f| f.amount_out)
}

/// `pool` after selling `lots` into it (unchanged if refused).
fn after_sale(pool: &Pool, lots: Lots) -> Pool {
    let mut p = pool.clone();
    if !lots.is_zero() {
        let _ = p.swap_exact_in(SELL_BASE, u128::from(lots.0) * super::BASE_ATOMS_PER_LOT);
    }
    p
}

impl<T: TraceSink> World<T> {
    /// Sells `qty` of `agent`'s base into pool `p` for liquidation `liquidation`, sandwiched by
    /// the first sandwicher watching the pool if one finds it worth it.
    pub(super) fn pool_sale(
        &mut self,
        agent: AgentId,
        p: usize,
        qty: Lots,
        liquidation: Option<LiquidationId>,
    ) -> (Lots, Quote) {
        let watcher = self.cfg.sandwichers.iter().position(|s| s.pool == p);
        let (Some(s), Some(id)) = (watcher, liquidation) else {
            return self.pool_swap(agent, p, true, qty.0, liquidation);
        };
        self.sandwiches[s].stats.victims_seen += 1;
        let quoted = Quote(u64::try_from(sale_out(&self.pools[p].pool, qty)).unwrap_or(u64::MAX));
        let Some(front) = self.plan_sandwich(s, p, qty) else {
            return self.pool_swap(agent, p, true, qty.0, liquidation);
        };
        let me = self.sandwiches[s].agent;
        let name = self.pools[p].name.clone();
        let label = self.sandwiches[s].stats.label.clone();
        let reference = self.reference_ticks();

        let before = self.pools[p].price_x2();
        let (sold, proceeds) = self.pool_swap(me, p, true, front.0, None);
        let after = self.pools[p].price_x2();
        let cost = Pnl::sale_cost(sold, reference, proceeds);
        let row = (label.clone(), name.clone());
        self.attack_row_for(
            row.0,
            "front_run",
            row.1,
            Side::Ask,
            sold,
            proceeds,
            before,
            after,
            cost,
            Some(id),
        );

        let out = self.pool_swap(agent, p, true, qty.0, liquidation);

        let gas = self.cfg.sandwichers[s].gas_cost;
        let budget = self.wallets[me.index()].cash.saturating_sub(gas);
        let pay = quote_for_lots(&self.pools[p].pool, sold, budget);
        let before = self.pools[p].price_x2();
        let (bought, paid) = self.pool_swap(me, p, false, pay.0, None);
        let after = self.pools[p].price_x2();
        let w = &mut self.wallets[me.index()];
        let gas = gas.min(w.cash);
        w.cash = w.cash.minus(gas);
        self.external.cash_out += gas.0;
        let cost = Pnl::purchase_cost(bought, reference, paid);
        self.attack_row_for(
            label,
            "back_run",
            name,
            Side::Bid,
            bought,
            paid,
            before,
            after,
            cost,
            Some(id),
        );

        let st = &mut self.sandwiches[s].stats;
        st.sandwiches += 1;
        st.front_run = st.front_run.plus(sold);
        st.front_proceeds = st.front_proceeds.plus(proceeds);
        st.back_paid = st.back_paid.plus(paid);
        st.gas = st.gas.plus(gas);
        st.victim_sold = st.victim_sold.plus(out.0);
        st.victim_quoted = st.victim_quoted.plus(quoted);
        st.victim_proceeds = st.victim_proceeds.plus(out.1);
        out
    }

    /// The front-run for a victim selling `victim` into pool `p`, if any is worth it.
    fn plan_sandwich(&self, s: usize, p: usize, victim: Lots) -> Option<Lots> {
        let cfg = &self.cfg.sandwichers[s];
        let wallet = self.wallets[self.sandwiches[s].agent.index()];
        let pool = &self.pools[p].pool;
        let quoted = sale_out(pool, victim);
        if quoted == 0 {
            return None;
        }
        let min_out = quoted * u128::from(10_000 - cfg.tolerance.0.min(10_000)) / 10_000;
        let victim_gets = |f: u64| sale_out(&after_sale(pool, Lots(f)), victim);
        // The largest front-run that leaves the victim its minimum: victim_gets falls with f.
        let cap = cfg.max_front_run.0.min(wallet.base.0);
        let (mut lo, mut hi) = (0u64, cap);
        if victim_gets(cap) >= min_out {
            lo = cap;
        } else {
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if victim_gets(mid) >= min_out {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
        }
        let spendable = wallet.cash.checked_sub(cfg.gas_cost)?;
        let profit = |f: u64| -> i128 {
            let front = sale_out(pool, Lots(f));
            let pool = after_sale(&after_sale(pool, Lots(f)), victim);
            let back = quote_for_lots(&pool, Lots(f), spendable);
            if back >= spendable {
                // It could not buy the lots back with the cash it has.
                return i128::MIN;
            }
            front as i128 - i128::from(back.0) - i128::from(cfg.gas_cost.0)
        };
        (0..=MAX_HALVINGS)
            .map(|h| lo >> h)
            .take_while(|&f| f > 0)
            .find(|&f| profit(f) >= i128::from(cfg.min_profit.0))
            .map(Lots)
    }

    /// The sandwichers' profit at the reference price at the end of the run.
    pub(super) fn finish_sandwiches(&mut self) {
        let r = self.reference_ticks();
        let atoms = super::BASE_ATOMS_PER_LOT;
        let mut out = Vec::with_capacity(self.sandwiches.len());
        for st in &self.sandwiches {
            let id = st.agent.index();
            let end = Pnl::wallet_value(self.wallets[id], self.base_residue[id], atoms, r);
            let start = Pnl::wallet_value(st.start_wallet, 0, atoms, r);
            let mut s = st.stats.clone();
            s.reference_end = r;
            s.profit = end.minus(start);
            out.push(s);
        }
        self.stats.sandwiches = out;
    }
}
