//! Liquidators: waking on publications, liquidation calls, selling the collateral, and the
//! generation of each liquidation. What happens to the collateral is in `disposal.rs`; how a
//! decision reaches the chain (at once, or as a transaction) in `txs.rs`.

use super::World;
use super::txs::Decision;
use crate::event::{Event, Observation};
use crate::trace::{LiquidationRow, TraceSink};
use cascade_agents::{Plan, SkipReason};
use cascade_des::EventClass;
use cascade_types::{AccountId, AgentId, LiquidationId, Lots, Quote, SimDuration, SimTime, Ticks};

/// How far back a liquidation looks for the sale that pushed the price past its trigger.
const PARENT_SEARCH: usize = 256;

impl<T: TraceSink> World<T> {
    /// Schedules liquidator `l` after its latency (or after `delay` if given), unless pending.
    pub(super) fn request_wake(&mut self, l: usize, delay: Option<SimDuration>) {
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

    pub(super) fn on_liquidator_wake(&mut self, l: usize) {
        self.liquidators[l].wake_pending = false;
        let Ok((price, obs)) = self.market_price() else {
            self.stats.oracle_blocked_wakes += 1;
            return;
        };
        let agent = self.liquidator_agent(l);
        let route = self.cfg.liquidators[l].route.clone();
        // Inventory left from an earlier sale the venues could not absorb goes first (not what
        // is held back for the slices of sales spread over time).
        // A liquidator that holds keeps it; one that bridges sells what already arrived.
        let held = Lots(
            self.wallets[agent.index()]
                .base
                .0
                .saturating_sub(self.slice_reserved[l]),
        );
        if let (false, Some(inventory_route)) = (held.is_zero(), route.inventory_route()) {
            let (sold, _) = self.sell_slice(agent, inventory_route, held, None);
            self.stats.record_liquidation_sale(self.now, sold);
        }
        let candidates: Vec<AccountId> = self.market.index().liquidatable_at(price).collect();
        for account in candidates {
            if self.tx_pending(l, account) {
                continue;
            }
            let room = self.cap_room();
            if room == Some(0) {
                self.stats.skipped_cap += 1;
                break;
            }
            let (mut wallet, fee) = self.planning_wallet(l);
            if let Some(room) = room {
                // The cap bounds the repayment as the liquidator's cash does (under transaction
                // ordering, when the call is planned).
                let gas = self.liquidators[l].params.gas_cost.0;
                wallet.cash = Quote(wallet.cash.0.min(room.saturating_add(gas)));
            }
            let plan = self.liquidators[l].plan(
                &self.market,
                |q| self.disposal_value(&route, q, price),
                account,
                price,
                wallet,
            );
            match plan {
                Plan::Skip(SkipReason::NoCapital) => self.stats.skipped_no_capital += 1,
                Plan::Skip(SkipReason::Unprofitable) => self.stats.skipped_unprofitable += 1,
                Plan::Skip(SkipReason::Reverts) => self.stats.skipped_reverts += 1,
                Plan::Liquidate {
                    debt_to_cover,
                    expected_profit,
                } => {
                    let d = Decision {
                        account,
                        debt_to_cover,
                        expected_profit,
                        fee,
                    };
                    self.carry_out(l, d, price, obs);
                }
            }
        }
        let can_pay = self.wallets[agent.index()].cash > self.liquidators[l].params.gas_cost;
        if can_pay && self.market.index().any_liquidatable_at(price) {
            let poll = self.liquidators[l].params.poll;
            self.request_wake(l, Some(poll));
        }
    }

    pub(super) fn liquidate(
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
        if self.cfg.liquidation_cap.is_some() {
            self.cap_window.push_back((self.now, out.debt_repaid.0));
            self.cap_used += out.debt_repaid.0;
        }
        let mid_x2 = self.venues[0].price_x2().unwrap_or(2 * price.0);
        let gas = self.liquidators[l].params.gas_cost;
        let w = &mut self.wallets[agent.index()];
        w.cash = w.cash.minus(out.debt_repaid).minus(gas);
        w.base = w.base.plus(out.collateral_to_liquidator);
        self.external.cash_out += gas.0;
        let id = LiquidationId(self.generations.len() as u32);
        self.generations.push(generation);
        self.attacks_on_liquidation(l, id, &out, price);
        self.record_win(l, &out, gas);

        // The seized collateral goes out now, in slices over time, over a bridge, or stays.
        let (sold, proceeds, before, after) =
            self.dispose(l, agent, id, out.collateral_to_liquidator);

        let s = &mut self.stats;
        s.liquidations += 1;
        let g = generation as usize;
        if s.by_generation.len() <= g {
            s.by_generation.resize(g + 1, 0);
        }
        s.by_generation[g] += 1;
        s.debt_repaid = s.debt_repaid.plus(out.debt_repaid);
        s.collateral_seized = s.collateral_seized.plus(out.collateral_seized);
        s.liquidated_value = s
            .liquidated_value
            .plus(out.collateral_seized.value_at(price));
        s.deficit = s.deficit.plus(out.bad_debt);
        let reserves = self.market.books().reserves.0;
        s.lending.reserves_lowest = s.lending.reserves_lowest.min(reserves);
        s.gas_spent = s.gas_spent.plus(gas);
        s.record_liquidation_sale(self.now, sold);
        // The borrower's loss: the collateral taken, at the venue's price before the sale,
        // beyond the debt paid off for it (debt written off is the lenders' loss, not the
        // borrower's gain).
        let paid_off = i128::from(out.debt_cleared.0) - i128::from(out.bad_debt.0)
            + i128::from(out.borrower_credit.0);
        let loss = value_at_x2(u128::from(out.collateral_seized.0), mid_x2) - paid_off;
        s.record_liquidation_loss(self.now, loss);
        self.deleverage_on_liquidation(account);

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
            collateral_seized: spec.qty(out.collateral_seized),
            protocol_fee: out.collateral_to_protocol() as f64 * spec.lot_size,
            deficit: spec.quote(out.bad_debt),
            sold: spec.qty(sold),
            proceeds: spec.quote(proceeds),
            price_before: half_price(before),
            price_after: half_price(after),
        };
        self.trace.row(&row);
    }

    /// Records the bad debt now, at the first venue's price, as that of every minute before
    /// `until`'s not yet recorded: called before the first event of a new minute.
    pub(super) fn close_minutes(&mut self, until: SimTime) {
        let price = self.venues[0].price().unwrap_or(self.reference_ticks());
        let bad_debt = self.bad_debt_at(price);
        self.stats.close_minutes(until, bad_debt);
    }

    /// Bad debt now, at `price`: debt written off, debt of open lending accounts their
    /// collateral does not cover, and the LLAMMA market's uncovered debt.
    pub(super) fn bad_debt_at(&self, price: Ticks) -> u128 {
        u128::from(self.stats.deficit.0)
            + self.market.shortfall_at(price)
            + self
                .llamma
                .as_ref()
                .map_or(0, |l| l.uncovered_at(2 * price.0, self.now))
    }

    /// Debt liquidations may still repay now under the per-window cap (`None` without a cap).
    /// A repayment made at `t` counts while `now - t < window`.
    fn cap_room(&mut self) -> Option<u64> {
        let cap = self.cfg.liquidation_cap?;
        while let Some(&(t, q)) = self.cap_window.front() {
            if self.now.saturating_since(t) >= cap.window {
                self.cap_window.pop_front();
                self.cap_used -= q;
            } else {
                break;
            }
        }
        Some(cap.max_debt.0.saturating_sub(self.cap_used))
    }

    /// The next slice of a sale spread over time: an equal share of what is left of that
    /// liquidation's collateral. What a slice cannot sell joins the liquidator's general
    /// inventory, sold at its next wake-up.
    pub(super) fn on_liquidator_sell(
        &mut self,
        l: usize,
        liquidation: LiquidationId,
        slices_left: u32,
        remaining: Lots,
    ) {
        let agent = self.liquidator_agent(l);
        let route = self.cfg.liquidators[l].route.clone();
        let q = Lots(remaining.0 / u64::from(slices_left.max(1)));
        self.slice_reserved[l] -= q.0;
        let q = q.min(self.wallets[agent.index()].base);
        if !q.is_zero() {
            let (sold, _) = self.sell_slice(agent, &route, q, Some(liquidation));
            self.stats.record_liquidation_sale(self.now, sold);
        }
        if let (true, crate::config::Route::Sliced { every, .. }) = (slices_left > 1, &route) {
            let ev = Event::LiquidatorSell {
                liquidator: l as u32,
                liquidation: liquidation.0,
                slices_left: slices_left - 1,
                remaining: remaining.0 - remaining.0 / u64::from(slices_left.max(1)),
            };
            self.schedule(self.now + *every, EventClass::Agent, ev);
        }
    }

    /// Generation and parent of a liquidation of `account` at the price observed in `obs`.
    ///
    /// Generation 0 if the account is liquidatable at the reference price of the observation
    /// (the exogenous move alone triggers it) or if no liquidation sale had traded yet.
    /// Otherwise the parent is the latest sale before the observation that took the
    /// oracle-observed price from at or above the account's trigger price to below it (among
    /// the last few hundred sales), or, if the price got there through makers re-quoting after
    /// absorbing sales rather than through one sale, the latest sale before the observation.
    fn attribute(&self, account: AccountId, obs: Observation) -> (u32, Option<LiquidationId>) {
        let seen = &self.sales[..obs.sales_seen as usize];
        if seen.is_empty() || self.market.is_liquidatable(account, obs.reference) {
            return (0, None);
        }
        let trigger = self
            .market
            .trigger_price(account)
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
}

/// The value of `qty` lots at half of `price_x2` ticks (a mid may fall between two ticks), in
/// quote atoms rounded down.
pub(super) fn value_at_x2(qty: u128, price_x2: i64) -> i128 {
    (qty as i128 * i128::from(price_x2)).div_euclid(2)
}
