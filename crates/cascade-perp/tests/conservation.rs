//! Conservation over seeded random runs: marks move (with occasional gaps), traders trade with
//! each other, liquidation orders fill against a market maker at adverse prices, the vault takes
//! scopes and unwinds them, the insurance fund pays deficits, ADL closes bankrupt positions.
//! After every operation, exactly in integers:
//!
//! - every market's net size is zero (each fill was recorded on both sides);
//! - accounts (collateral, isolated margins and uPnL at the current marks, the vault included) +
//!   insurance fund + venue fees - bad debt written off = the deposits made at the start: PnL is
//!   zero-sum between longs and shorts, and liquidations, backstop transfers, fund flows and ADL
//!   only move value;
//! - an account with no position left has no negative collateral (deficits were covered).

use cascade_des::RngStreams;
use cascade_perp::{Event, MarginTable, MarketId, PerpError, PerpVenue, Ratio, Scope, VenueParams};
use cascade_types::{AccountId, Quote, Side, SimDuration, SimTime, Ticks};
use rand_chacha::rand_core::Rng;

const USD: u64 = 100_000;
const MARKETS: [MarketId; 2] = [MarketId(0), MarketId(1)];

#[derive(Debug, Default)]
struct Counts {
    orders: u32,
    partials: u32,
    fills: u32,
    backstops: u32,
    draws: u32,
    deposits: u32,
    adl: u32,
    bad_debt: u32,
}

impl Counts {
    fn add(&mut self, events: &[Event]) {
        for e in events {
            match e {
                Event::LiquidationOrder(_) => self.orders += 1,
                Event::PartialLiquidation { .. } => self.partials += 1,
                Event::LiquidationFill { .. } => self.fills += 1,
                Event::BackstopTransfer { .. } => self.backstops += 1,
                Event::InsuranceDraw { .. } => self.draws += 1,
                Event::InsuranceDeposit { .. } => self.deposits += 1,
                Event::Adl { .. } => self.adl += 1,
                Event::BadDebt { .. } => self.bad_debt += 1,
                Event::AdlUnfilled { .. } => panic!("net size is zero: ADL always finds sizes"),
            }
        }
    }
}

struct Run {
    v: PerpVenue,
    rng: rand_chacha::ChaCha8Rng,
    marks: [Ticks; 2],
    maker: AccountId,
    traders: Vec<AccountId>,
    expected: i128,
    counts: Counts,
}

impl Run {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n
    }

    fn check(&self) {
        for m in MARKETS {
            assert_eq!(self.v.net_size(m), 0);
        }
        assert_eq!(self.v.total_value(&self.marks).unwrap(), self.expected);
        for a in self.v.accounts() {
            if a.positions().is_empty() {
                assert!(a.collateral() >= 0);
            }
        }
    }

    /// Both sides of a trade at `price`: `buyer` gets `qty` lots, `seller` gives them.
    fn trade(&mut self, buyer: AccountId, seller: AccountId, m: MarketId, qty: i64, price: Ticks) {
        let a = self.v.apply_fill(buyer, m, qty, price);
        let b = self.v.apply_fill(seller, m, -qty, price);
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
    }

    fn move_marks(&mut self) {
        for i in 0..2 {
            // Usually within +-2%, sometimes a gap of up to +-12%.
            let bps = if self.below(100) < 6 {
                self.below(2_401) as i64 - 1_200
            } else {
                self.below(401) as i64 - 200
            };
            let m = self.marks[i].0;
            self.marks[i] = Ticks((m + m * bps / 10_000).clamp(m / 2 + 1, m * 2));
        }
    }

    fn random_trade(&mut self) {
        let n = self.traders.len() as u64;
        let (i, j) = (self.below(n) as usize, self.below(n) as usize);
        let (a, b) = (self.traders[i], self.traders[j]);
        if a == b {
            return;
        }
        let m = MARKETS[self.below(2) as usize];
        let mark = self.marks[m.index()];
        // Up to 40,000 USD of notional.
        let lots = 1 + (self.below(40_000) * USD) as i64 / mark.0;
        self.trade(a, b, m, lots, mark);
    }

    fn unwind_vault(&mut self) {
        let vault = self.v.account(PerpVenue::VAULT).unwrap();
        if let Some(p) = vault.positions().first().copied() {
            let half = (p.size / 2).max(if p.size > 0 { 1 } else { -1 });
            let price = self.marks[p.market.index()];
            self.trade(self.maker, PerpVenue::VAULT, p.market, half, price);
        }
    }

    fn liquidation_pass(&mut self, now: SimTime) -> bool {
        let list = self.v.liquidatable(&self.marks).unwrap();
        let any = !list.is_empty();
        for (id, scope) in list {
            let events = match self.v.liquidate(id, scope, &self.marks, now) {
                Ok(e) => e,
                // An earlier liquidation or ADL of this pass changed the account.
                Err(PerpError::NotLiquidatable { .. } | PerpError::NoPosition { .. }) => continue,
                Err(e) => panic!("{e}"),
            };
            self.counts.add(&events);
            self.check();
            for order in events
                .iter()
                .filter_map(Event::order)
                .copied()
                .collect::<Vec<_>>()
            {
                let mark = self.marks[order.market.index()].0;
                let slip = mark * self.below(200) as i64 / 10_000;
                let (price, qty) = match order.side {
                    Side::Ask => (Ticks((mark - slip).max(1)), order.size.0 as i64),
                    Side::Bid => (Ticks(mark + slip), -(order.size.0 as i64)),
                };
                // The book sometimes fills only part of the order.
                let fill = if self.below(4) == 0 {
                    1 + self.below(order.size.0)
                } else {
                    order.size.0
                };
                let events = self
                    .v
                    .settle_liquidation_fill(id, order.market, cascade_types::Lots(fill), price)
                    .unwrap();
                let qty = qty.signum() * fill as i64;
                self.v
                    .apply_fill(self.maker, order.market, qty, price)
                    .unwrap();
                self.counts.add(&events);
                self.check();
            }
        }
        any
    }
}

fn run(
    params: VenueParams,
    tables: Vec<MarginTable>,
    insurance: u64,
    vault: u64,
    seed: u64,
) -> Counts {
    let mut v = PerpVenue::new(params, tables, Quote(insurance * USD), Quote(vault * USD));
    let mut rng = RngStreams::new(seed).stream("perp-conservation", 0);
    let maker_capital = 100_000_000;
    let maker = v.open_account(Quote(maker_capital * USD));
    let mut expected = i128::from((insurance + vault + maker_capital) * USD);
    let mut traders = Vec::new();
    for _ in 0..40 {
        let c = 1_000 + rng.next_u64() % 20_000;
        traders.push(v.open_account(Quote(c * USD)));
        expected += i128::from(c * USD);
    }
    let mut r = Run {
        v,
        rng,
        marks: [Ticks(200_000), Ticks(5_000_000)],
        maker,
        traders: traders.clone(),
        expected,
        counts: Counts::default(),
    };
    r.check();
    // Opening book: each trader takes a position of 3x to 30x its collateral in one or both
    // markets against another trader; a third of them isolate it.
    for &t in &traders {
        for m in MARKETS {
            if r.below(3) == 0 {
                continue;
            }
            let cp = traders[r.below(traders.len() as u64) as usize];
            if cp == t {
                continue;
            }
            let collateral = r.v.account(t).unwrap().collateral() as u64;
            let lev = 3 + r.below(28);
            let mark = r.marks[m.index()];
            let lots = (collateral / 2 * lev / mark.0 as u64).max(1) as i64;
            let qty = if r.below(2) == 0 { lots } else { -lots };
            r.trade(t, cp, m, qty, mark);
            if r.below(3) == 0 {
                let margin = Quote(collateral / 4);
                let _ = r.v.isolate(t, m, margin);
            }
            r.check();
        }
    }
    let mut now = SimTime::ZERO;
    for _ in 0..400 {
        now = now + SimDuration::from_millis(500 + r.below(4_500));
        r.move_marks();
        r.check();
        if r.below(10) < 3 {
            r.random_trade();
            r.check();
        }
        if r.below(10) < 2 {
            r.unwind_vault();
            r.check();
        }
        for _ in 0..4 {
            if !r.liquidation_pass(now) {
                break;
            }
        }
    }
    r.counts
}

fn hl_tables() -> Vec<MarginTable> {
    vec![
        MarginTable::hyperliquid(&[(Quote(0), 25), (Quote(300_000 * USD), 15)]).unwrap(),
        MarginTable::hyperliquid(&[(Quote(0), 40), (Quote(500_000 * USD), 20)]).unwrap(),
    ]
}

fn bps_tables() -> Vec<MarginTable> {
    vec![
        MarginTable::from_bps(&[
            (Quote(0), 50),
            (Quote(100_000 * USD), 100),
            (Quote(300_000 * USD), 200),
        ])
        .unwrap(),
        MarginTable::from_bps(&[(Quote(0), 40), (Quote(200_000 * USD), 50)]).unwrap(),
    ]
}

#[test]
fn hyperliquid_rules_conserve_value() {
    let mut total = Counts::default();
    for seed in [1, 2, 3] {
        let c = run(
            VenueParams::hyperliquid(Quote(USD)),
            hl_tables(),
            5_000,
            300_000,
            seed,
        );
        total.orders += c.orders;
        total.partials += c.partials;
        total.fills += c.fills;
        total.backstops += c.backstops;
        total.draws += c.draws;
        total.adl += c.adl;
        total.bad_debt += c.bad_debt;
    }
    eprintln!("{total:?}");
    assert!(total.orders > 0 && total.partials > 0 && total.fills > 0);
    assert!(total.backstops > 0 && total.draws > 0 && total.adl > 0);
}

#[test]
fn bybit_rules_conserve_value() {
    let mut total = Counts::default();
    for seed in [4, 5, 6] {
        let params = VenueParams::bybit(Ratio::new(55, 100_000));
        let c = run(params, bps_tables(), 20_000, 0, seed);
        total.orders += c.orders;
        total.fills += c.fills;
        total.draws += c.draws;
        total.deposits += c.deposits;
        total.adl += c.adl;
        total.bad_debt += c.bad_debt;
    }
    eprintln!("{total:?}");
    assert!(total.orders > 0 && total.fills > 0 && total.deposits > 0);
    assert!(total.draws > 0 && total.adl > 0);
}

/// Hyperliquid's ADL at the mark instead of the bankruptcy price leaves bankrupt deficits to
/// the fund and bad debt; value is still conserved.
#[test]
fn adl_at_the_mark_conserves_value() {
    let mut params = VenueParams::hyperliquid(Quote(USD));
    params.adl_price = cascade_perp::AdlPrice::Mark;
    let c = run(params, hl_tables(), 0, 300_000, 7);
    eprintln!("{c:?}");
    assert!(c.adl > 0);
}

#[test]
fn scopes_listed_are_all_liquidatable() {
    let mut v = PerpVenue::new(
        VenueParams::hyperliquid(Quote(USD)),
        hl_tables(),
        Quote(0),
        Quote(0),
    );
    let a = v.open_account(Quote(1_000 * USD));
    let b = v.open_account(Quote(1_000 * USD));
    v.apply_fill(a, MARKETS[0], 10_000, Ticks(200_000)).unwrap();
    v.apply_fill(b, MARKETS[0], -10_000, Ticks(200_000))
        .unwrap();
    let marks = [Ticks(190_000), Ticks(5_000_000)];
    for (id, scope) in v.liquidatable(&marks).unwrap() {
        assert!(v.margin_state(id, scope, &marks).unwrap().is_liquidatable());
    }
    assert_eq!(v.liquidatable(&marks).unwrap(), vec![(a, Scope::Cross)]);
}
