//! Liquidators competing for the same accounts when liquidation calls are transactions: who
//! wins under first-arrival ordering and under a priority-fee auction, and what the losers pay
//! for their reverted transactions.
//!
//! The contest: twenty accounts of 10 ETH, health factor 1.05-1.25 at 2,000 USD, a one-second
//! drop of the reference to 1,500 USD at 60 s that makes every account liquidatable in the
//! first publication, a close factor of 1 (a winner repays everything, so a second call on the
//! same account must revert) and two liquidators with the same cash. Every check reads the
//! summary and `txs.csv`, never a hard-coded count.

use crate::support::data_dir;
use cascade::{MemoryTrace, Scenario, Summary, World, build};
use cascade_des::dist::Dist;
use cascade_engine::trace::TxRow;
use cascade_scenario::{OrderingSpec, PriorityFeeSpec};

const CONTEST: &str = r#"
Scenario(
    name: "contest",
    seed: 7,
    duration_s: 300.0,
    market: (tick_size: 0.01, lot_size: 0.001),
    reference: (
        step_ms: 1000.0,
        knots: [(0.0, 2000.0), (60.0, 2000.0), (61.0, 1500.0), (300.0, 1500.0)],
    ),
    makers: [(
        count: 4,
        levels: 20,
        half_spread_bps: 2.0,
        level_spacing_bps: 5.0,
        size_per_level: 50.0,
        skew_bps_per_unit: 0.05,
        max_skew: 0.25,
        target_inventory: 500.0,
        max_inventory: 5000.0,
        hedge_half_life_s: 60.0,
        latency_ms: Constant(200.0),
        cash: 20000000.0,
        inventory: 500.0,
    )],
    oracle: (
        observe_every_ms: 1000.0,
        latency_ms: Constant(300.0),
        publication: Push(deviation: 0.005, heartbeat_s: 3600.0, inclusion_delay_ms: Constant(0.0)),
    ),
    lending: (
        liquidation_threshold: 0.83,
        liquidation_bonus: 1.05,
        protocol_fee: 0.10,
        close_factor: 1.0,
    ),
    accounts: (
        count: 20,
        collateral: Constant(10.0),
        health_factor: Uniform(lo: 1.05, hi: 1.25),
    ),
    ordering: FirstArrival,
    liquidators: [(
        count: 1,
        cash: 1000000.0,
        latency_ms: Constant(100.0),
        gas_usd: 10.0,
        min_profit_usd: 1.0,
        poll_s: 12.0,
    ), (
        count: 1,
        cash: 1000000.0,
        latency_ms: Constant(100.0),
        gas_usd: 10.0,
        min_profit_usd: 1.0,
        poll_s: 12.0,
    )],
)
"#;

/// One contestant: reaction latency (ms), transaction latency (ms), priority fee (USD, or a
/// share of the expected profit above the minimum if `share` is set).
struct Contestant {
    latency_ms: f64,
    tx_latency_ms: f64,
    fee_usd: f64,
    share: Option<f64>,
}

impl Contestant {
    fn fixed(latency_ms: f64, tx_latency_ms: f64, fee_usd: f64) -> Self {
        Contestant {
            latency_ms,
            tx_latency_ms,
            fee_usd,
            share: None,
        }
    }
}

struct Contest {
    summary: Summary,
    txs: Vec<TxRow>,
    gas_usd: f64,
}

/// Runs the contest with invariants checked after every event (priority fees and wasted gas
/// leave the world like gas, so value must still be conserved exactly).
fn contest(ordering: OrderingSpec, who: [Contestant; 2]) -> Contest {
    let mut s = Scenario::parse(CONTEST, "contest").unwrap();
    s.ordering = Some(ordering);
    for (g, c) in s.liquidators.iter_mut().zip(&who) {
        g.latency_ms = Dist::Constant(c.latency_ms);
        g.tx_latency_ms = Some(Dist::Constant(c.tx_latency_ms));
        g.priority_fee = Some(match c.share {
            Some(share) => PriorityFeeSpec::ProfitShare(share),
            None => PriorityFeeSpec::Fixed(c.fee_usd),
        });
    }
    s.validate().unwrap();
    let config = build(&s, None, &data_dir()).unwrap();
    let mut world = World::new(config.clone(), MemoryTrace::default());
    world.set_check_invariants(true);
    let (stats, trace) = world.run();
    assert_eq!(stats.invariant_violation, None);
    Contest {
        summary: Summary::new(&config, &stats, String::new()),
        txs: trace.txs,
        gas_usd: s.liquidators[0].gas_usd,
    }
}

/// Accounts both liquidators went for at the same time (both transactions pending at once)
/// where one of them executed: the winner's label, per contested account.
fn contested_winners(txs: &[TxRow]) -> Vec<String> {
    let mut winners = Vec::new();
    for a in txs.iter().filter(|t| t.liquidator == "liq0") {
        for b in txs
            .iter()
            .filter(|t| t.liquidator == "liq1" && t.account == a.account)
        {
            let overlap = a.sent_ns.max(b.sent_ns) < a.time_ns.min(b.time_ns);
            let winner = [a, b].into_iter().find(|t| t.outcome == "executed");
            if let (true, Some(w)) = (overlap, winner) {
                winners.push(w.liquidator.clone());
            }
        }
    }
    winners
}

/// The loser's reverts and wasted gas agree between the summary and the trace, and the
/// wasted gas is the reverts times the gas per call.
fn check_losses(c: &Contest, loser: usize) {
    let l = &c.summary.liquidators[loser];
    let name = format!("liq{loser}");
    let reverted: Vec<&TxRow> = c
        .txs
        .iter()
        .filter(|t| t.liquidator == name && t.outcome == "reverted")
        .collect();
    assert!(l.reverts > 0, "{name} lost nothing");
    assert_eq!(l.reverts, reverted.len() as u64);
    let expected = l.reverts as f64 * c.gas_usd;
    assert!(
        (l.wasted_gas - expected).abs() < 1e-6,
        "{name}: wasted gas {} vs {} reverts x {} USD",
        l.wasted_gas,
        l.reverts,
        c.gas_usd
    );
    let in_trace: f64 = reverted.iter().map(|t| t.gas).sum();
    assert!((l.wasted_gas - in_trace).abs() < 1e-6);
    // Every liquidator's wins are its executed transactions, and the run's totals add up.
    for (i, s) in c.summary.liquidators.iter().enumerate() {
        let executed = c
            .txs
            .iter()
            .filter(|t| t.liquidator == format!("liq{i}") && t.outcome == "executed")
            .count() as u64;
        assert_eq!(s.wins, executed, "liq{i}");
        assert_eq!(
            s.txs,
            s.wins + s.reverts,
            "liq{i}: every transaction was included"
        );
    }
    let t = c.summary.transactions.as_ref().expect("transactions");
    let wins: u64 = c.summary.liquidators.iter().map(|l| l.wins).sum();
    assert_eq!(wins, c.summary.liquidations);
    assert_eq!(t.executed, wins);
    let wasted: f64 = c.summary.liquidators.iter().map(|l| l.wasted_gas).sum();
    assert!((t.wasted_gas - wasted).abs() < 1e-6);
}

/// (a) First arrival, equal capital, same transaction latency: the liquidator that reacts in
/// 100 ms beats the one that reacts in 400 ms on every account they both went for, and the
/// slow one's transactions revert.
#[test]
fn under_first_arrival_the_lower_latency_wins_the_contested_liquidations() {
    let c = contest(
        OrderingSpec::FirstArrival,
        [
            Contestant::fixed(100.0, 1000.0, 0.0),
            Contestant::fixed(400.0, 1000.0, 0.0),
        ],
    );
    let winners = contested_winners(&c.txs);
    assert!(!winners.is_empty(), "no contested account");
    assert!(winners.iter().all(|w| w == "liq0"), "{winners:?}");
    check_losses(&c, 1);
    assert_eq!(c.summary.liquidators[0].reverts, 0);
    // The loser's reverts are for accounts the winner had already closed.
    assert!(
        c.txs
            .iter()
            .filter(|t| t.outcome == "reverted")
            .all(|t| t.reason == "not_liquidatable")
    );
    // The loser paid gas for nothing: its P&L is minus its wasted gas.
    let loser = &c.summary.liquidators[1];
    assert!((loser.pnl + loser.wasted_gas).abs() < 1e-6, "{loser:?}");
}

/// (b) Priority-fee auction, equal latencies: the 5 USD bid goes before the 1 USD bid in every
/// block, so it wins every contested account; both pay their fee on every transaction.
#[test]
fn under_a_priority_fee_auction_the_higher_fee_wins_at_equal_latency() {
    let c = contest(
        OrderingSpec::PriorityAuction { block_s: 12.0 },
        [
            Contestant::fixed(100.0, 500.0, 1.0),
            Contestant::fixed(100.0, 500.0, 5.0),
        ],
    );
    let winners = contested_winners(&c.txs);
    assert!(!winners.is_empty(), "no contested account");
    assert!(winners.iter().all(|w| w == "liq1"), "{winners:?}");
    check_losses(&c, 0);
    for (l, fee) in c.summary.liquidators.iter().zip([1.0, 5.0]) {
        assert!(
            (l.priority_fees - l.txs as f64 * fee).abs() < 1e-6,
            "{l:?} bid {fee}"
        );
    }
    // Within a block, the order is by fee, highest first.
    let mut blocks = std::collections::BTreeMap::<u64, Vec<&TxRow>>::new();
    for t in &c.txs {
        blocks.entry(t.time_ns).or_default().push(t);
    }
    for txs in blocks.values_mut() {
        txs.sort_by_key(|t| t.block_position.expect("auction rows have a position"));
        assert!(
            txs.windows(2)
                .all(|w| w[0].priority_fee >= w[1].priority_fee)
        );
    }
    // Fees left the world like gas: the winner's P&L is what it made after both.
    let t = c.summary.transactions.as_ref().unwrap();
    let fees: f64 = c.summary.liquidators.iter().map(|l| l.priority_fees).sum();
    assert!((t.priority_fees - fees).abs() < 1e-6);
}

/// Equal bids in the same block are ordered by arrival: the faster liquidator goes first.
#[test]
fn equal_bids_in_a_block_go_by_arrival() {
    let c = contest(
        OrderingSpec::PriorityAuction { block_s: 12.0 },
        [
            Contestant::fixed(100.0, 500.0, 2.0),
            Contestant::fixed(400.0, 500.0, 2.0),
        ],
    );
    let winners = contested_winners(&c.txs);
    assert!(!winners.is_empty(), "no contested account");
    assert!(winners.iter().all(|w| w == "liq0"), "{winners:?}");
    check_losses(&c, 1);
}

/// A liquidator bidding half its expected profit above its minimum outbids a fixed 5 USD bid
/// (the contest's calls each expect hundreds of USD), wins every contested account, and pays
/// exactly half of (expected profit - minimum) on each transaction.
#[test]
fn a_profit_share_bid_outbids_a_small_fixed_fee() {
    let mut sharer = Contestant::fixed(100.0, 500.0, 0.0);
    sharer.share = Some(0.5);
    let c = contest(
        OrderingSpec::PriorityAuction { block_s: 12.0 },
        [Contestant::fixed(100.0, 500.0, 5.0), sharer],
    );
    let winners = contested_winners(&c.txs);
    assert!(!winners.is_empty(), "no contested account");
    assert!(winners.iter().all(|w| w == "liq1"), "{winners:?}");
    check_losses(&c, 0);
    let min_profit = 1.0;
    for t in c.txs.iter().filter(|t| t.liquidator == "liq1") {
        let bid = 0.5 * (t.expected_profit - min_profit);
        assert!((t.priority_fee - bid).abs() < 1e-4, "{t:?}");
        assert!(t.priority_fee > 5.0);
    }
}
