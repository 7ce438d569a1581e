//! Tests of the arbitrageur. Expectations come from the Uniswap v2 formulas worked out here:
//! with reserves `x` (ETH) and `y` (USD) and `γ = 1 − fee`, buying `Δx` costs
//! `Δy = y·Δx / ((x − Δx)·γ)`, whose marginal cost `(y + γΔy)² / (γxy)` meets a bid `b` at
//! `Δx* = x − sqrt(xy / (γb))`; selling `Δx` pays `γΔx·y / (x + γΔx)`, whose marginal proceeds
//! `γxy / (x + γΔx)²` meet an ask `a` at `Δx* = (sqrt(γxy / a) − x) / γ`.

use super::*;
use cascade_amm::v3::V3Pool;
use cascade_amm::{U256, V2Pool};
use cascade_types::Bps;

/// WETH has 18 decimals, USDC 6; a lot is 0.001 ETH, a tick 0.01 USD.
const X: u128 = 1_000_000_000_000_000;
/// One quote atom is 0.001 ETH × 0.01 USD = 1e-5 USD = 10 USDC atoms.
const Y: u128 = 10;
/// Quote atoms per USD.
const USD: u64 = 100_000;
/// Ticks per USD.
const T: i64 = 100;
const E18: u128 = 1_000_000_000_000_000_000;
const E6: u128 = 1_000_000;
const GAMMA: f64 = 0.997;

const ARB: AgentId = AgentId(0);
const BIDDER: AgentId = AgentId(1);
const ASKER: AgentId = AgentId(2);

fn units() -> PoolUnits {
    PoolUnits {
        base_token: 0,
        quote_token: 1,
        base_atoms_per_lot: X,
        quote_atoms_per_quote: Y,
    }
}

fn arb(gas_usd: u64, min_profit_usd: u64) -> Arbitrageur {
    Arbitrageur::new(ArbParams {
        units: units(),
        gas_cost: Quote(gas_usd * USD),
        min_profit: Quote(min_profit_usd * USD),
        max_levels: 32,
    })
}

fn rich() -> Wallet {
    Wallet {
        cash: Quote(100_000_000 * USD),
        base: Lots(100_000_000),
    }
}

/// A v2 pool of `eth` ETH and `usd` USDC at 0.3%.
fn v2(eth: u128, usd: u128) -> Pool {
    Pool::from(V2Pool::new(eth * E18, usd * E6, Bps(30)).unwrap())
}

/// A v3 pool at 0.3% priced at `usd_per_eth`, with one position over about 1,000–4,000 USD/ETH
/// as deep at the start as a v2 pool of `eth` ETH (`L = sqrt(x·y)`).
fn v3(usd_per_eth: f64, eth: f64) -> Pool {
    // token1 (USDC atoms) per token0 (WETH atom).
    let p = usd_per_eth * 1e6 / 1e18;
    let sqrt_x96 = (p.sqrt() * 2f64.powi(96)) as u128;
    let mut pool = V3Pool::new(3000, 60, U256::from(sqrt_x96)).unwrap();
    let x = eth * 1e18;
    let liquidity = (x * x * p).sqrt() as u128;
    pool.mint(AgentId(9), -207_240, -193_380, liquidity)
        .unwrap();
    Pool::from(pool)
}

/// A book with `(price in ticks, lots)` bids for [`BIDDER`] and asks for [`ASKER`].
fn book(bids: &[(i64, u64)], asks: &[(i64, u64)]) -> Book {
    let mut b = Book::new();
    for &(p, q) in bids {
        b.submit(
            SimTime(0),
            BIDDER,
            Side::Bid,
            Lots(q),
            OrderType::Limit(Ticks(p)),
            &mut (),
        );
    }
    for &(p, q) in asks {
        b.submit(
            SimTime(0),
            ASKER,
            Side::Ask,
            Lots(q),
            OrderType::Limit(Ticks(p)),
            &mut (),
        );
    }
    b
}

/// The least USDC input for which a v2 pool pays `out` WETH: the smallest integer `q` with
/// `q·9970·R_eth ≥ out·(R_usdc·10000 + q·9970)`, i.e. `ceil(out·R_usdc·10000 / ((R_eth − out)·9970))`.
fn v2_least_usdc_in(out: u128, r_eth: u128, r_usdc: u128) -> u128 {
    (out * r_usdc * 10_000).div_ceil((r_eth - out) * 9_970)
}

/// Uniswap v2 `getAmountOut` written out: `floor(in·9970·R_out / (R_in·10000 + in·9970))`.
fn v2_out(amount_in: u128, r_in: u128, r_out: u128) -> u128 {
    let with_fee = amount_in * 9_970;
    with_fee * r_out / (r_in * 10_000 + with_fee)
}

/// Lots (fractional) at which a v2 pool's marginal cost meets the bid `b` USD.
fn lots_to_bid(x: f64, y: f64, b: f64) -> f64 {
    (x - (x * y / (GAMMA * b)).sqrt()) * 1000.0
}

/// Lots (fractional) at which a v2 pool's marginal proceeds meet the ask `a` USD.
fn lots_to_ask(x: f64, y: f64, a: f64) -> f64 {
    ((GAMMA * x * y / a).sqrt() - x) / GAMMA * 1000.0
}

#[test]
fn buys_from_a_cheap_pool_and_sells_to_one_bid_level() {
    // Pool at 2,000 USD, fee band up to 2,006.02; 5 ETH bid at 2,010.
    let pool = v2(1000, 2_000_000);
    let b = book(
        &[(2010 * T, 5_000), (2005 * T, 5_000)],
        &[(2020 * T, 5_000)],
    );
    let plan = arb(0, 0).plan(&b, &pool, rich()).unwrap();
    assert_eq!(plan.direction, ArbDirection::BuyPoolSellBook);
    assert_eq!(plan.pool_leg, Leg::ONE_FOR_ZERO);
    // Δx* = 1000 − sqrt(2e9 / (0.997 · 2010)) = 0.99103 ETH = 991.03 lots.
    let ideal = lots_to_bid(1000.0, 2e6, 2010.0);
    assert!((ideal - 991.03).abs() < 0.01, "{ideal}");
    assert!((plan.lots.0 as f64 - ideal).abs() <= 1.0, "{plan:?}");
    assert_eq!(plan.book_limit, Ticks(2010 * T));
    assert_eq!(plan.book_value, Lots(plan.lots.0).value_at(Ticks(2010 * T)));
    let want = u128::from(plan.lots.0) * X;
    assert_eq!(
        plan.pool_in,
        v2_least_usdc_in(want, 1000 * E18, 2_000_000 * E6)
    );
    assert_eq!(
        plan.pool_out,
        v2_out(plan.pool_in, 2_000_000 * E6, 1000 * E18)
    );
    assert!(plan.pool_out >= want);
    // The real-valued cost y·Δx/((x − Δx)γ) is within one atom of what the pool takes.
    let dx = plan.lots.0 as f64 / 1000.0;
    let cost = 2e6 * dx / ((1000.0 - dx) * GAMMA) * 1e6;
    assert!(
        (plan.pool_in as f64 - cost).abs() <= 1.0,
        "{} {cost}",
        plan.pool_in
    );
    // Profit: the value of the bids less the USDC paid, in quote atoms, rounded down. At the
    // optimum 2010·Δx* − (sqrt(γ·x·y·2010) − y)/γ = 1,991.96 − 1,989.99 = 1.97 USD.
    let gain = (i128::from(plan.book_value.0) * Y as i128 - plan.pool_in as i128) / Y as i128;
    assert_eq!(plan.expected_profit, gain);
    let closed = 2010.0 * ideal / 1000.0 - ((GAMMA * 2e9 * 2010.0).sqrt() - 2e6) / GAMMA;
    assert!((plan.expected_profit as f64 / USD as f64 - closed).abs() < 0.005);
    assert!((closed - 1.974).abs() < 0.001, "{closed}");
}

#[test]
fn walks_bid_levels_until_the_pool_meets_one() {
    // 0.3 ETH at 2,010 (Δx* 0.991 ETH: all of it), 0.3 ETH at 2,008 (Δx* 0.4936 ETH: the
    // optimum falls in this level), 1 ETH at 2,007 (Δx* 0.2447 ETH < 0.6: untouched).
    let pool = v2(1000, 2_000_000);
    let b = book(&[(2010 * T, 300), (2008 * T, 300), (2007 * T, 1_000)], &[]);
    let plan = arb(0, 0).plan(&b, &pool, rich()).unwrap();
    let ideal = lots_to_bid(1000.0, 2e6, 2008.0);
    assert!((ideal - 493.6).abs() < 0.1, "{ideal}");
    assert!((plan.lots.0 as f64 - ideal).abs() <= 1.0, "{plan:?}");
    assert_eq!(plan.book_limit, Ticks(2008 * T));
    let value = 300 * 2010 * T as u64 + (plan.lots.0 - 300) * 2008 * T as u64;
    assert_eq!(plan.book_value, Quote(value));
    let profit = |lots: u64| {
        let (v, _) = book_fill(&b.depth(Side::Bid, 9).collect::<Vec<_>>(), lots).unwrap();
        let q = v2_least_usdc_in(u128::from(lots) * X, 1000 * E18, 2_000_000 * E6);
        (v * Y) as i128 - q as i128
    };
    assert_eq!(
        plan.pool_in,
        v2_least_usdc_in(u128::from(plan.lots.0) * X, 1000 * E18, 2_000_000 * E6)
    );
    // The whole-lot optimum.
    let l = plan.lots.0;
    assert!(profit(l) >= profit(l - 1) && profit(l) >= profit(l + 1));
    assert_eq!(plan.expected_profit, profit(l).div_euclid(Y as i128));
}

#[test]
fn buys_cheap_asks_and_sells_into_a_dear_pool() {
    // Pool at 2,000 USD pays at most 1,994 after fee; 5 ETH offered at 1,990.
    let pool = v2(1000, 2_000_000);
    let b = book(
        &[(1980 * T, 5_000)],
        &[(1990 * T, 5_000), (1995 * T, 5_000)],
    );
    let plan = arb(0, 0).plan(&b, &pool, rich()).unwrap();
    assert_eq!(plan.direction, ArbDirection::BuyBookSellPool);
    assert_eq!(plan.pool_leg, Leg::ZERO_FOR_ONE);
    // Δx* = (sqrt(0.997 · 2e9 / 1990) − 1000) / 0.997 = 1.00752 ETH.
    let ideal = lots_to_ask(1000.0, 2e6, 1990.0);
    assert!((ideal - 1007.5).abs() < 0.1, "{ideal}");
    assert!((plan.lots.0 as f64 - ideal).abs() <= 1.0, "{plan:?}");
    assert_eq!(plan.book_limit, Ticks(1990 * T));
    assert_eq!(plan.pool_in, u128::from(plan.lots.0) * X);
    assert_eq!(
        plan.pool_out,
        v2_out(plan.pool_in, 1000 * E18, 2_000_000 * E6)
    );
    let cost = u128::from(plan.lots.0 * 1990 * T as u64) * Y;
    assert_eq!(
        plan.expected_profit,
        (plan.pool_out as i128 - cost as i128) / Y as i128
    );
}

#[test]
fn the_token_order_of_the_pool_does_not_matter() {
    let b = book(&[(2010 * T, 300), (2008 * T, 300)], &[(2030 * T, 10)]);
    let straight = arb(0, 0).plan(&b, &v2(1000, 2_000_000), rich()).unwrap();
    // USDC as token0, WETH as token1.
    let flipped_pool = Pool::from(V2Pool::new(2_000_000 * E6, 1000 * E18, Bps(30)).unwrap());
    let mut flipped = arb(0, 0);
    flipped.params.units.base_token = 1;
    flipped.params.units.quote_token = 0;
    let plan = flipped.plan(&b, &flipped_pool, rich()).unwrap();
    assert_eq!(plan.pool_leg, Leg::ZERO_FOR_ONE);
    assert_eq!(
        (plan.lots, plan.pool_in, plan.pool_out, plan.expected_profit),
        (
            straight.lots,
            straight.pool_in,
            straight.pool_out,
            straight.expected_profit
        )
    );
    let spot = flipped.params.units.spot_ticks(&flipped_pool).unwrap();
    assert!((spot - 200_000.0).abs() < 1e-6, "{spot}");
}

#[test]
fn no_trade_inside_the_fee_band() {
    // The pool sells at 2,000 / 0.997 = 2,006.02 and buys at 1,994 after fee.
    let pool = v2(1000, 2_000_000);
    let a = arb(0, 0);
    for (bid, ask) in [
        (2005 * T, 2007 * T),
        (1993 * T, 1995 * T),
        (1995 * T, 2005 * T),
    ] {
        let b = book(&[(bid, 100_000)], &[(ask, 100_000)]);
        assert_eq!(
            a.plan(&b, &pool, rich()),
            Err(ArbSkip::NoGap),
            "{bid} {ask}"
        );
    }
    assert_eq!(a.plan(&Book::new(), &pool, rich()), Err(ArbSkip::NoGap));
}

#[test]
fn no_trade_when_the_profit_does_not_pay_for_gas() {
    // Against 5 ETH at 2,010 the best trade makes 1.97 USD before gas (see above).
    let pool = v2(1000, 2_000_000);
    let b = book(&[(2010 * T, 5_000)], &[]);
    assert_eq!(
        arb(2, 0).plan(&b, &pool, rich()),
        Err(ArbSkip::Unprofitable)
    );
    let plan = arb(1, 0).plan(&b, &pool, rich()).unwrap();
    let net = plan.expected_profit as f64 / USD as f64;
    assert!((net - 0.97).abs() < 0.01, "{net}");
    // 0.97 USD after gas is below a 1 USD minimum.
    assert_eq!(
        arb(1, 1).plan(&b, &pool, rich()),
        Err(ArbSkip::Unprofitable)
    );
}

#[test]
fn capital_caps_the_trade() {
    let pool = v2(1000, 2_000_000);
    let b = book(&[(2010 * T, 5_000)], &[]);
    let a = arb(0, 0);
    // 500 USD buys floor(getAmountOut(500e6)) WETH from the pool: 249 whole lots.
    let poor = Wallet {
        cash: Quote(500 * USD),
        base: Lots(100_000),
    };
    let lots = v2_out(500 * E6, 2_000_000 * E6, 1000 * E18) / X;
    assert_eq!(lots, 249);
    let plan = a.plan(&b, &pool, poor).unwrap();
    assert_eq!(plan.lots, Lots(249));
    assert!(plan.pool_in <= 500 * E6);
    // Only 0.1 ETH of inventory to sell into the bids.
    let light = Wallet {
        cash: Quote(1_000_000 * USD),
        base: Lots(100),
    };
    assert_eq!(a.plan(&b, &pool, light).unwrap().lots, Lots(100));
    // Buying from asks at 1,990: 1,000 USD pays for floor(1000 / 1.99) = 502 lots.
    let b = book(&[], &[(1990 * T, 5_000)]);
    let plan = a
        .plan(
            &b,
            &pool,
            Wallet {
                cash: Quote(1_000 * USD),
                base: Lots(100_000),
            },
        )
        .unwrap();
    assert_eq!(plan.lots, Lots(502));
    let plan = a
        .plan(
            &b,
            &pool,
            Wallet {
                cash: Quote(1_000_000 * USD),
                base: Lots(300),
            },
        )
        .unwrap();
    assert_eq!(plan.lots, Lots(300));
    let broke = Wallet {
        cash: Quote(0),
        base: Lots(100_000),
    };
    assert_eq!(a.plan(&b, &pool, broke), Err(ArbSkip::NoCapital));
}

/// A book, a pool, the arbitrageur and the makers' wallets, with exact totals in token atoms.
struct Market {
    book: Book,
    pool: Pool,
    arb: Arbitrageur,
    wallets: [Wallet; 3],
    now: SimTime,
}

impl Market {
    fn new(book: Book, pool: Pool, arb: Arbitrageur, wallet: Wallet) -> Market {
        let maker = Wallet {
            cash: Quote(u64::MAX / 4),
            base: Lots(u64::MAX / 4 / 3_000_000),
        };
        Market {
            book,
            pool,
            arb,
            wallets: [wallet, maker, maker],
            now: SimTime(0),
        }
    }

    /// Base and quote atoms in every wallet, the arbitrageur's residue and the pool.
    fn totals(&self) -> (u128, u128) {
        let pool = match &self.pool {
            Pool::V2(p) => [p.reserves().0, p.reserves().1],
            Pool::V3(p) => p.balances(),
            Pool::StableSwap(_) => unreachable!(),
        };
        let (mut base, mut quote) = (pool[0], pool[1]);
        for w in &self.wallets {
            base += u128::from(w.base.0) * X;
            quote += u128::from(w.cash.0) * Y;
        }
        (
            base + self.arb.residue.base_atoms,
            quote + self.arb.residue.quote_atoms,
        )
    }

    /// Plans, executes and settles the makers' side of the fills.
    fn step(&mut self) -> Result<(ArbPlan, ArbExecution), ArbSkip> {
        let plan = self.arb.plan(&self.book, &self.pool, self.wallets[0])?;
        let mut events = Vec::new();
        self.now = SimTime(self.now.0 + 1);
        let done = self.arb.execute(
            self.now,
            ARB,
            &plan,
            &mut self.book,
            &mut self.pool,
            &mut self.wallets[0],
            &mut events,
        );
        for e in events {
            if let BookEvent::Fill {
                maker_owner,
                taker_owner,
                taker_side,
                price,
                qty,
                ..
            } = e
            {
                assert_eq!(taker_owner, ARB);
                let m = &mut self.wallets[maker_owner.index()];
                let value = qty.value_at(price);
                if taker_side == Side::Ask {
                    m.cash = m.cash.minus(value);
                    m.base = m.base.plus(qty);
                } else {
                    m.cash = m.cash.plus(value);
                    m.base = m.base.minus(qty);
                }
            }
        }
        self.book.assert_consistent();
        Ok((plan, done))
    }
}

#[test]
fn execution_does_what_was_planned_and_conserves_value() {
    let bids = [(2010 * T, 300), (2008 * T, 300), (2007 * T, 1_000)];
    let asks = [(1990 * T, 700), (1992 * T, 700)];
    for pool in [v2(1000, 2_000_000), v3(2000.0, 1000.0)] {
        for (bids, asks) in [(&bids[..], &[(2030 * T, 10)][..]), (&[][..], &asks[..])] {
            let wallet = Wallet {
                cash: Quote(10_000 * USD),
                base: Lots(5_000),
            };
            let mut m = Market::new(book(bids, asks), pool.clone(), arb(0, 0), wallet);
            let before = m.totals();
            let (plan, done) = m.step().unwrap();
            assert_eq!(done.direction, plan.direction);
            assert_eq!((done.lots, done.book_value), (plan.lots, plan.book_value));
            assert_eq!(
                (done.pool.amount_in, done.pool.amount_out),
                (plan.pool_in, plan.pool_out)
            );
            assert_eq!(m.totals(), before);
            // The wallet gained what the execution reports; the residue is below one unit.
            let held = |m: &Market| {
                (
                    i128::from(m.wallets[0].base.0) * X as i128 + m.arb.residue.base_atoms as i128,
                    i128::from(m.wallets[0].cash.0) * Y as i128 + m.arb.residue.quote_atoms as i128,
                )
            };
            let (base, quote) = held(&m);
            assert_eq!(base, i128::from(wallet.base.0) * X as i128 + done.base_gain);
            assert_eq!(
                quote,
                i128::from(wallet.cash.0) * Y as i128 + done.quote_gain
            );
            assert!(m.arb.residue.base_atoms < X && m.arb.residue.quote_atoms < Y);
            assert!(done.quote_gain / Y as i128 >= plan.expected_profit);
            assert!(done.base_gain >= 0);
        }
    }
}

/// After an exogenous move, arbitrage brings pool and book prices within fees plus one tick.
///
/// Makers quote a tight ladder around the new price (1,000 ETH a level, one tick apart); the pool
/// (10,000 ETH deep) is still at 2,000. The arbitrageur trades until it stops. No arbitrage is
/// left when the pool's price, less its fee on whichever side it trades, is within the book's
/// best bid and ask: with the spread of one tick, the pool ends within `fee × the dearer of the
/// two prices` of the mid, plus the half tick of the spread and the price impact of one lot.
#[test]
fn arbitrage_closes_the_gap_after_an_exogenous_move() {
    let cases = [
        ("v2, book fell to 1,900", v2(10_000, 20_000_000), 1900),
        ("v3, book fell to 1,900", v3(2000.0, 10_000.0), 1900),
        ("v2, book rose to 2,100", v2(10_000, 20_000_000), 2100),
        ("v3, book rose to 2,100", v3(2000.0, 10_000.0), 2100),
    ];
    for (name, pool, usd) in cases {
        let ask = usd * T;
        let bids: Vec<_> = (1..=5).map(|i| (ask - i, 1_000_000)).collect();
        let asks: Vec<_> = (0..5).map(|i| (ask + i, 1_000_000)).collect();
        let wallet = Wallet {
            cash: Quote(10_000_000 * USD),
            base: Lots(1_000_000),
        };
        let mut m = Market::new(book(&bids, &asks), pool, arb(0, 0), wallet);
        let before = m.totals();
        let gap = |m: &Market| {
            let pool = m.arb.params.units.spot_ticks(&m.pool).unwrap();
            let mid = m.book.mid_x2().unwrap() as f64 / 2.0;
            ((pool - mid).abs(), 0.003 * pool.max(mid) + 1.0)
        };
        let (start, band) = gap(&m);
        assert!(start > 10.0 * band, "{name}: {start} {band}");
        let mut trades = 0;
        let stop = loop {
            match m.step() {
                Ok(_) => trades += 1,
                Err(why) => break why,
            }
            assert!(trades < 100, "{name}: does not stop");
        };
        assert!(trades >= 1, "{name}");
        assert!(
            matches!(stop, ArbSkip::NoGap | ArbSkip::Unprofitable),
            "{name}: {stop:?}"
        );
        let (end, band) = gap(&m);
        assert!(end <= band, "{name}: |pool - mid| = {end} ticks > {band}");
        // The spread is untouched: only the first level was needed.
        assert_eq!(m.book.mid_x2(), Some(2 * ask - 1), "{name}");
        assert_eq!(m.totals(), before, "{name}");
    }
}
