//! Liquidation transactions: a liquidator's decision becomes a transaction that arrives after
//! its transaction latency and executes at inclusion, in arrival order or by priority fee
//! within a block (see [`crate::txs`]); at inclusion it is re-checked and may revert, paying
//! gas and fee for nothing. Owns the mempool: pending transactions, the blocks being filled,
//! the cash each liquidator has committed to its pending transactions, and the streams of
//! transaction latencies (`liquidator-tx/i`) and drawn priority fees (`priority-fee/i`).
//!
//! Under [`Ordering::Immediate`] nothing here draws, reserves or schedules: a decision is the
//! liquidation call itself, exactly as before transactions existed.

use super::World;
use crate::event::{Event, Observation};
use crate::stats::RevertReason;
use crate::trace::{TraceSink, TxRow};
use crate::txs::Ordering;
use cascade_agents::{PriorityFee, Wallet};
use cascade_des::{EventClass, RngStreams, StreamRng};
use cascade_risk::Liquidation;
use cascade_types::{AccountId, Quote, SimDuration, SimTime, Ticks};
use std::collections::{BTreeMap, BTreeSet};

/// A liquidator's decision to liquidate one account.
#[derive(Clone, Copy, Debug)]
pub(super) struct Decision {
    /// The account.
    pub account: AccountId,
    /// Debt to cover, as planned.
    pub debt_to_cover: Quote,
    /// Expected profit after gas, before any priority fee, in quote atoms.
    pub expected_profit: i128,
    /// The priority fee, when known before sizing the call (fixed or drawn bids).
    pub fee: Option<Quote>,
}

/// A sent transaction.
#[derive(Clone, Copy, Debug)]
struct Tx {
    liquidator: u32,
    decision: Decision,
    fee: Quote,
    gas: Quote,
    sent: SimTime,
    arrived: SimTime,
}

impl Tx {
    /// Cash kept aside for it until inclusion: the most it can cost.
    fn reservation(&self) -> Quote {
        self.decision.debt_to_cover.plus(self.gas).plus(self.fee)
    }
}

/// The mempool and the liquidators' commitments to it.
pub(super) struct Mempool {
    ordering: Ordering,
    next_id: u32,
    pending: BTreeMap<u32, Tx>,
    /// Priority-fee auction: the transactions of each block not yet executed, by block end.
    blocks: BTreeMap<SimTime, Vec<u32>>,
    /// The end of the latest block executed.
    last_block: Option<SimTime>,
    /// Per liquidator, cash committed to its pending transactions.
    reserved: Vec<Quote>,
    /// (liquidator, account) pairs with a pending transaction.
    targets: BTreeSet<(u32, u32)>,
    latency_rngs: Vec<StreamRng>,
    fee_rngs: Vec<StreamRng>,
}

impl Mempool {
    /// An empty mempool for `liquidators` liquidators; draws nothing until a transaction is
    /// sent.
    pub(super) fn new(ordering: Ordering, liquidators: usize, streams: &RngStreams) -> Self {
        let (latency_rngs, fee_rngs) = if ordering.uses_transactions() {
            (
                (0..liquidators as u64)
                    .map(|i| streams.stream("liquidator-tx", i))
                    .collect(),
                (0..liquidators as u64)
                    .map(|i| streams.stream("priority-fee", i))
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Mempool {
            ordering,
            next_id: 0,
            pending: BTreeMap::new(),
            blocks: BTreeMap::new(),
            last_block: None,
            reserved: vec![Quote::ZERO; liquidators],
            targets: BTreeSet::new(),
            latency_rngs,
            fee_rngs,
        }
    }

    /// Transactions sent and not yet included.
    pub(super) fn pending(&self) -> usize {
        self.pending.len()
    }
}

impl<T: TraceSink> World<T> {
    /// `true` if liquidator `l` already has a transaction pending for `account`.
    pub(super) fn tx_pending(&self, l: usize, account: AccountId) -> bool {
        self.mempool.targets.contains(&(l as u32, account.0))
    }

    /// The wallet liquidator `l` sizes a call with, and the priority fee it will bid if that is
    /// known in advance: its cash less what its pending transactions may cost, and less the fee.
    /// Under immediate calls, its wallet as it is.
    pub(super) fn planning_wallet(&mut self, l: usize) -> (Wallet, Option<Quote>) {
        let wallet = self.wallets[self.liquidator_agent(l).index()];
        if !self.mempool.ordering.uses_transactions() {
            return (wallet, None);
        }
        let rule = &self.cfg.liquidators[l].priority_fee;
        let fee = rule.known_in_advance().then(|| {
            let min = self.liquidators[l].params.min_profit;
            rule.bid(0, min, &mut self.mempool.fee_rngs[l])
        });
        let cash = wallet
            .cash
            .saturating_sub(self.mempool.reserved[l])
            .saturating_sub(fee.unwrap_or(Quote::ZERO));
        (Wallet { cash, ..wallet }, fee)
    }

    /// Carries out liquidator `l`'s decision: the liquidation call at once, or a transaction.
    pub(super) fn carry_out(&mut self, l: usize, d: Decision, price: Ticks, obs: Observation) {
        if !self.mempool.ordering.uses_transactions() {
            let agent = self.liquidator_agent(l);
            self.liquidate(l, agent, d.account, d.debt_to_cover, price, obs);
            return;
        }
        let params = &self.liquidators[l].params;
        let (gas, min_profit) = (params.gas_cost, params.min_profit);
        let fee = match d.fee {
            Some(f) => f,
            None => {
                let rule: &PriorityFee = &self.cfg.liquidators[l].priority_fee;
                rule.bid(d.expected_profit, min_profit, &mut self.mempool.fee_rngs[l])
            }
        };
        if d.expected_profit - i128::from(fee.0) < i128::from(min_profit.0) {
            self.stats.skipped_unprofitable += 1;
            return;
        }
        let cash = self.wallets[self.liquidator_agent(l).index()].cash;
        let available = cash.saturating_sub(self.mempool.reserved[l]);
        let tx = Tx {
            liquidator: l as u32,
            decision: d,
            fee,
            gas,
            sent: self.now,
            arrived: self.now,
        };
        if tx.reservation() > available {
            self.stats.skipped_no_capital += 1;
            return;
        }
        self.send(tx);
    }

    /// Sends a transaction: it arrives after the sender's transaction latency and waits for
    /// inclusion.
    fn send(&mut self, mut tx: Tx) {
        let l = tx.liquidator as usize;
        let ms = self.cfg.liquidators[l]
            .tx_latency_ms
            .sample(&mut self.mempool.latency_rngs[l]);
        tx.arrived = self.now + SimDuration::from_millis_f64(ms);
        let id = self.mempool.next_id;
        self.mempool.next_id += 1;
        let m = &mut self.mempool;
        m.reserved[l] = m.reserved[l].plus(tx.reservation());
        m.targets.insert((tx.liquidator, tx.decision.account.0));
        m.pending.insert(id, tx);
        self.stats.txs.submitted += 1;
        self.stats.liquidators[l].txs += 1;
        match self.mempool.ordering {
            Ordering::Immediate => unreachable!("immediate calls send no transactions"),
            Ordering::FirstArrival => {
                self.schedule(tx.arrived, EventClass::Agent, Event::TxExecute(id));
            }
            Ordering::PriorityAuction { block } => {
                let end = block_end(tx.arrived, block, self.mempool.last_block);
                let txs = self.mempool.blocks.entry(end).or_default();
                txs.push(id);
                if txs.len() == 1 {
                    self.schedule(end, EventClass::Protocol, Event::BlockEnd);
                }
            }
        }
    }

    /// First-arrival ordering: transaction `id` arrives and executes.
    pub(super) fn on_tx_execute(&mut self, id: u32) {
        self.include(id, None);
    }

    /// Priority-fee auction: the block ending now executes its transactions, highest fee
    /// first, ties by arrival time and then by the order they were sent.
    pub(super) fn on_block_end(&mut self) {
        let Some(mut ids) = self.mempool.blocks.remove(&self.now) else {
            return;
        };
        self.mempool.last_block = Some(self.now);
        let pending = &self.mempool.pending;
        ids.sort_by_key(|id| {
            let tx = &pending[id];
            (std::cmp::Reverse(tx.fee), tx.arrived, *id)
        });
        self.stats.txs.blocks += 1;
        for (position, id) in ids.into_iter().enumerate() {
            self.include(id, Some(position as u32));
        }
    }

    /// Includes transaction `id`: it pays its priority fee, then executes the liquidation or
    /// reverts (paying its gas too), and leaves a `txs.csv` row.
    fn include(&mut self, id: u32, block_position: Option<u32>) {
        let tx = self
            .mempool
            .pending
            .remove(&id)
            .expect("a transaction is included once");
        let l = tx.liquidator as usize;
        let m = &mut self.mempool;
        m.reserved[l] = m.reserved[l].minus(tx.reservation());
        m.targets.remove(&(tx.liquidator, tx.decision.account.0));
        let agent = self.liquidator_agent(l);
        // The reservation kept the fee and gas in the wallet, so both can be paid.
        let w = &mut self.wallets[agent.index()];
        w.cash = w.cash.minus(tx.fee);
        self.external.cash_out += tx.fee.0;
        self.stats.txs.priority_fees = self.stats.txs.priority_fees.plus(tx.fee);
        let ls = &mut self.stats.liquidators[l];
        ls.priority_fees = ls.priority_fees.plus(tx.fee);
        let (outcome, reason, liquidation) = match self.verdict(&tx) {
            Ok((price, obs)) => {
                let d = tx.decision;
                self.liquidate(l, agent, d.account, d.debt_to_cover, price, obs);
                self.stats.txs.executed += 1;
                let id = self.generations.len() as u32 - 1;
                ("executed", "", Some(id))
            }
            Err(reason) => {
                let w = &mut self.wallets[agent.index()];
                w.cash = w.cash.minus(tx.gas);
                self.external.cash_out += tx.gas.0;
                let s = &mut self.stats;
                s.gas_spent = s.gas_spent.plus(tx.gas);
                s.txs.reverted[reason as usize] += 1;
                s.txs.wasted_gas = s.txs.wasted_gas.plus(tx.gas);
                let ls = &mut s.liquidators[l];
                ls.reverts += 1;
                ls.gas_spent = ls.gas_spent.plus(tx.gas);
                ls.wasted_gas = ls.wasted_gas.plus(tx.gas);
                ("reverted", reason.as_str(), None)
            }
        };
        let spec = self.cfg.spec;
        let row = TxRow {
            time_ns: self.now.as_nanos(),
            tx: id,
            liquidator: self.labels[agent.index()].clone(),
            account: tx.decision.account.0,
            sent_ns: tx.sent.as_nanos(),
            arrived_ns: tx.arrived.as_nanos(),
            block_position,
            priority_fee: spec.quote(tx.fee),
            gas: spec.quote(tx.gas),
            debt_to_cover: spec.quote(tx.decision.debt_to_cover),
            expected_profit: spec.quote_signed(tx.decision.expected_profit),
            outcome,
            reason,
            liquidation,
        };
        self.trace.row(&row);
    }

    /// Counts an executed liquidation call of liquidator `l` in its record.
    pub(super) fn record_win(&mut self, l: usize, out: &Liquidation, gas: Quote) {
        let ls = &mut self.stats.liquidators[l];
        ls.wins += 1;
        ls.gas_spent = ls.gas_spent.plus(gas);
        ls.debt_repaid = ls.debt_repaid.plus(out.debt_repaid);
        ls.collateral_received = ls.collateral_received.plus(out.collateral_to_liquidator);
    }

    /// Whether a transaction executes now, at the price the market reads now: the protocol
    /// must accept the call, the liquidator must afford the repayment, and its guard (the same
    /// rule it decided by, with the fee counted) must still find the call worth its minimum
    /// profit at the venues as they stand.
    fn verdict(&mut self, tx: &Tx) -> Result<(Ticks, Observation), RevertReason> {
        let l = tx.liquidator as usize;
        let Ok((price, obs)) = self.market_price() else {
            return Err(RevertReason::OracleBlocked);
        };
        let d = tx.decision;
        let out = self
            .market
            .preview(d.account, d.debt_to_cover, price)
            .map_err(|_| RevertReason::NotLiquidatable)?;
        let cash = self.wallets[self.liquidator_agent(l).index()].cash;
        if cash < out.debt_repaid.plus(tx.gas) {
            return Err(RevertReason::NoCapital);
        }
        let route = &self.cfg.liquidators[l].route;
        let value = self.disposal_value(route, out.collateral_to_liquidator, price);
        let profit = i128::from(value.0)
            - i128::from(out.debt_repaid.0)
            - i128::from(tx.gas.0)
            - i128::from(tx.fee.0);
        if profit < i128::from(self.liquidators[l].params.min_profit.0) {
            return Err(RevertReason::Unprofitable);
        }
        Ok((price, obs))
    }
}

/// The end of the block a transaction arriving at `arrived` joins: the first multiple of
/// `block` at or after it, or the next one if that block has already been executed.
fn block_end(arrived: SimTime, block: SimDuration, last: Option<SimTime>) -> SimTime {
    let b = block.as_nanos().max(1);
    let end = SimTime(arrived.as_nanos().div_ceil(b).saturating_mul(b));
    match last {
        Some(last) if end <= last => SimTime(last.as_nanos().saturating_add(b)),
        _ => end,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_end_at_multiples_of_the_interval() {
        let b = SimDuration::from_secs(12);
        let s = |x: u64| SimTime(x * 1_000_000_000);
        assert_eq!(block_end(s(0), b, None), s(0));
        assert_eq!(block_end(SimTime(1), b, None), s(12));
        assert_eq!(block_end(s(12), b, None), s(12));
        assert_eq!(block_end(SimTime(12_000_000_001), b, None), s(24));
        // The block ending at 12 s has run: a late arrival at exactly 12 s joins the next.
        assert_eq!(block_end(s(12), b, Some(s(12))), s(24));
        assert_eq!(block_end(s(13), b, Some(s(12))), s(24));
    }
}
