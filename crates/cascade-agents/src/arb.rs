//! Arbitrageurs between an AMM pool and the book.
//!
//! An [`Arbitrageur`] buys the base asset on the cheaper venue and sells it on the dearer one,
//! sized so that the pool's marginal price, fee included, meets the book's marginal level: it
//! closes the gap between a pool and a book down to the pool's fee band.
//!
//! # Tokens and units
//!
//! A pool counts token atoms (`u128`); the book counts [`Lots`] and [`Quote`] atoms. A
//! [`PoolUnits`] says which of the pool's tokens is the book's base asset and which its quote
//! asset, and maps the units with two exact integer factors:
//!
//! - one lot is `base_atoms_per_lot` atoms of the base token;
//! - one quote atom (one lot at one tick) is `quote_atoms_per_quote` atoms of the quote token.
//!
//! A book price of `p` ticks is therefore `p · quote_atoms_per_quote` quote-token atoms per
//! `base_atoms_per_lot` base-token atoms. For WETH (18 decimals) against USDC (6 decimals) with
//! lots of 0.001 ETH and ticks of 0.01 USD: one lot is `10^15` WETH atoms, and one quote atom is
//! 0.001 × 0.01 = 10^-5 USD, i.e. 10 USDC atoms.
//!
//! The book trades whole lots, the pool any number of atoms, so a trade can leave the
//! arbitrageur with less than one lot of base or less than one quote atom of quote; it keeps
//! those in its [`Residue`], next to its [`Wallet`] (which holds whole units), and spends them
//! in later trades. After every [`Arbitrageur::execute`] the residue is below one unit of each.
//!
//! # Capital
//!
//! The two legs are on different venues, so the arbitrageur trades them at once from inventory
//! rather than one from the other's proceeds (as a CEX–DEX arbitrageur does): the base it sells
//! comes out of its base inventory and the quote it pays out of its cash. Both cap the trade.
//! Gas is not paid here: the plan counts it against the profit, the engine charges it.
//!
//! # Sizing
//!
//! The plan walks the book's levels on the side it would hit, best first, and finds for each
//! level how far the pool can be traded before its marginal price, fee included, crosses that
//! level, using only the pool's own exact quotes ([`Pool::quote_exact_in`]):
//!
//! - selling on the book, buying from the pool (the pool's ask is below the book's bids): for a
//!   bid level at `b`, bisection over the quote paid into the pool finds the largest input `q`
//!   after which one more lot's worth at `b` (`b · quote_atoms_per_quote` atoms) still buys at
//!   least one lot; the lots worth taking down to that level are the whole lots the pool pays
//!   for `q` plus that last lot's worth;
//! - buying on the book, selling into the pool (the pool's bid is above the book's asks): for an
//!   ask level at `a`, bisection over the lot count finds the last lot whose sale into the pool
//!   pays at least `a` for it.
//!
//! A level that the pool's marginal price does not reach ends the walk. The size is then capped
//! by capital, checked against its neighbours with the exact profit (the amounts above are
//! monotone, but the protocols' rounding makes them concave only up to an atom), and kept if the
//! profit after gas meets the minimum. The work is `O(levels · log amount)` pool quotes.
//!
//! # Execution
//!
//! [`Arbitrageur::execute`] sends an IOC order to the book with the plan's limit (the worst level
//! planned), then trades on the pool exactly what the book filled: the base it bought, or the
//! least quote that buys back the base it sold. It settles the arbitrageur's own wallet and
//! residue; the book's events go to the caller's sink so that the engine settles the makers.

use crate::Wallet;
use cascade_amm::{Fill, Leg, Pool, U512};
use cascade_book::{Book, BookEvent, BookSink, LevelView, OrderType};
use cascade_types::{AgentId, Lots, Quote, Side, SimTime, Ticks};

/// Which pool tokens are the book's base and quote assets, and how their atoms map to lots and
/// quote atoms (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolUnits {
    /// Index of the base asset in the pool's token list.
    pub base_token: usize,
    /// Index of the quote asset in the pool's token list.
    pub quote_token: usize,
    /// Base-token atoms in one lot (positive).
    pub base_atoms_per_lot: u128,
    /// Quote-token atoms in one quote atom (positive).
    pub quote_atoms_per_quote: u128,
}

impl PoolUnits {
    /// The pool leg that sells base for quote.
    pub const fn sell_base(&self) -> Leg {
        Leg {
            token_in: self.base_token,
            token_out: self.quote_token,
        }
    }

    /// The pool leg that buys base with quote.
    pub const fn buy_base(&self) -> Leg {
        Leg {
            token_in: self.quote_token,
            token_out: self.base_token,
        }
    }

    /// Base-token atoms in `lots`, or `None` on overflow.
    pub fn base_atoms(&self, lots: Lots) -> Option<u128> {
        u128::from(lots.0).checked_mul(self.base_atoms_per_lot)
    }

    /// Quote-token atoms in `amount`, or `None` on overflow.
    pub fn quote_atoms(&self, amount: Quote) -> Option<u128> {
        u128::from(amount.0).checked_mul(self.quote_atoms_per_quote)
    }

    /// Quote-token atoms paid for one lot at `price`, or `None` for a non-positive price or on
    /// overflow.
    pub fn lot_cost_atoms(&self, price: Ticks) -> Option<u128> {
        u128::try_from(price.0)
            .ok()
            .filter(|&p| p > 0)?
            .checked_mul(self.quote_atoms_per_quote)
    }

    /// The pool's marginal price of the base asset before fee, in ticks (for reporting and
    /// tests; decisions use exact quotes).
    pub fn spot_ticks(&self, pool: &Pool) -> Option<f64> {
        let s = pool.spot_price(self.sell_base()).ok()?;
        let num = s.num.checked_mul(U512::from(self.base_atoms_per_lot));
        let den = s.den.checked_mul(U512::from(self.quote_atoms_per_quote));
        Some(match (num, den) {
            (Some(n), Some(d)) => f64::from(n) / f64::from(d),
            _ => s.to_f64() * self.base_atoms_per_lot as f64 / self.quote_atoms_per_quote as f64,
        })
    }
}

/// Token atoms the arbitrageur holds below one unit of its wallet: less than one lot of base and
/// less than one quote atom of quote after every execution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Residue {
    /// Base-token atoms.
    pub base_atoms: u128,
    /// Quote-token atoms.
    pub quote_atoms: u128,
}

/// How an arbitrageur behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArbParams {
    /// The pool's tokens in the book's units.
    pub units: PoolUnits,
    /// Cost of one arbitrage (both legs), counted against the profit.
    pub gas_cost: Quote,
    /// Smallest expected profit, after gas, worth a trade (a trade must also make more than
    /// nothing).
    pub min_profit: Quote,
    /// Book levels read per side by [`Arbitrageur::plan`].
    pub max_levels: usize,
}

/// Which way an arbitrage trades.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArbDirection {
    /// The pool sells base below the book's bids: buy from the pool, sell into the bids.
    BuyPoolSellBook,
    /// The book's asks are below what the pool pays: buy from the asks, sell into the pool.
    BuyBookSellPool,
}

impl ArbDirection {
    /// The side of the arbitrageur's order on the book.
    pub const fn book_side(self) -> Side {
        match self {
            ArbDirection::BuyPoolSellBook => Side::Ask,
            ArbDirection::BuyBookSellPool => Side::Bid,
        }
    }
}

/// An arbitrage to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArbPlan {
    /// Which way.
    pub direction: ArbDirection,
    /// Base traded on the book.
    pub lots: Lots,
    /// Limit of the IOC order on the book: the worst level planned.
    pub book_limit: Ticks,
    /// Value of the book leg at the planned levels.
    pub book_value: Quote,
    /// The pool leg's tokens.
    pub pool_leg: Leg,
    /// Atoms paid into the pool (quote when buying base there, base when selling).
    pub pool_in: u128,
    /// Atoms the pool is expected to pay out.
    pub pool_out: u128,
    /// Expected profit after gas, in quote atoms (the quote-token profit rounded down).
    pub expected_profit: i128,
}

/// Why an arbitrageur does not trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ArbSkip {
    /// The pool's price, fee included, is within the book's spread (or a side is empty): no lot
    /// is worth moving.
    NoGap,
    /// There is a gap, but the wallet cannot pay for one lot on the buy leg or deliver one on
    /// the sell leg.
    NoCapital,
    /// The best trade's profit after gas is below the minimum (or not positive).
    Unprofitable,
}

/// What an execution did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArbExecution {
    /// Which way.
    pub direction: ArbDirection,
    /// Base filled on the book.
    pub lots: Lots,
    /// Value of the book fills.
    pub book_value: Quote,
    /// The pool leg (zero if there was none).
    pub pool: Fill,
    /// Change of the arbitrageur's quote holdings, in quote-token atoms (before gas).
    pub quote_gain: i128,
    /// Change of its base holdings, in base-token atoms (the rounding left over on the pool leg).
    pub base_gain: i128,
}

/// An arbitrageur's parameters and the sub-unit token atoms it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arbitrageur {
    /// Behaviour.
    pub params: ArbParams,
    /// Atoms below one lot or quote atom (see [`Residue`]).
    pub residue: Residue,
}

/// How many one-lot steps the exact-profit check moves the size at most, each way.
const MAX_NUDGES: u32 = 4;

/// What the pool pays for `amount` on `leg`; zero for a trade it refuses.
fn out(pool: &Pool, leg: Leg, amount: u128) -> u128 {
    if amount == 0 {
        return 0;
    }
    pool.quote_exact_in(leg, amount).map_or(0, |f| f.amount_out)
}

/// The largest `v` in `[lo, hi]` with `pred(v)`, given `pred(lo)` and `pred` true then false.
fn last_true(mut lo: u128, mut hi: u128, mut pred: impl FnMut(u128) -> bool) -> u128 {
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if pred(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The least input in `[1, cap]` for which the pool pays at least `want`, or `None` if even
/// `cap` does not.
fn least_input(pool: &Pool, leg: Leg, want: u128, cap: u128) -> Option<u128> {
    if want == 0 {
        return Some(0);
    }
    if out(pool, leg, cap) < want {
        return None;
    }
    // out(lo) < want <= out(hi)
    let (mut lo, mut hi) = (0u128, cap);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if out(pool, leg, mid) >= want {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

/// Value of the first `lots` of `levels` and the worst price among them, or `None` if the levels
/// hold less.
fn book_fill(levels: &[LevelView], lots: u64) -> Option<(u128, Ticks)> {
    let (mut left, mut value, mut worst) = (lots, 0u128, None);
    for l in levels {
        if left == 0 {
            break;
        }
        let q = left.min(l.qty.0);
        value = value.checked_add(u128::from(q) * u128::try_from(l.price.0).ok()?)?;
        worst = Some(l.price);
        left -= q;
    }
    (left == 0).then_some((value, worst?))
}

fn to_u64(x: u128) -> u64 {
    u64::try_from(x).unwrap_or(u64::MAX)
}

fn signed(x: u128) -> Option<i128> {
    i128::try_from(x).ok()
}

/// `plus - minus` for amounts that one trade moves (far below 2^127 atoms).
fn delta(plus: u128, minus: u128) -> i128 {
    signed(plus).expect("trade over 2^127 atoms") - signed(minus).expect("trade over 2^127 atoms")
}

/// Splits a token amount into whole units and the atoms below one unit.
fn split(atoms: u128, per_unit: u128) -> (u64, u128) {
    let whole = u64::try_from(atoms / per_unit).expect("holdings overflow u64 units");
    (whole, atoms % per_unit)
}

/// Counts the book's fills while passing every event on.
struct Tally<'a, S> {
    inner: &'a mut S,
    lots: u64,
    value: u64,
}

impl<S: BookSink> BookSink for Tally<'_, S> {
    fn on_event(&mut self, event: BookEvent) {
        if let BookEvent::Fill { price, qty, .. } = event {
            self.lots += qty.0;
            self.value = self
                .value
                .checked_add(qty.value_at(price).0)
                .expect("fill value overflows u64 quote atoms");
        }
        self.inner.on_event(event);
    }
}

impl Arbitrageur {
    /// An arbitrageur holding no residue.
    pub fn new(params: ArbParams) -> Self {
        Arbitrageur {
            params,
            residue: Residue::default(),
        }
    }

    /// Base-token atoms held: the wallet's lots and the residue.
    fn base_held(&self, wallet: Wallet) -> u128 {
        self.params
            .units
            .base_atoms(wallet.base)
            .and_then(|a| a.checked_add(self.residue.base_atoms))
            .expect("base holdings overflow u128 atoms")
    }

    /// Quote-token atoms held: the wallet's cash and the residue.
    fn quote_held(&self, wallet: Wallet) -> u128 {
        self.params
            .units
            .quote_atoms(wallet.cash)
            .and_then(|a| a.checked_add(self.residue.quote_atoms))
            .expect("quote holdings overflow u128 atoms")
    }

    /// The best arbitrage between `book` (its best `max_levels` levels per side) and `pool`
    /// for this wallet, or why there is none.
    pub fn plan(&self, book: &Book, pool: &Pool, wallet: Wallet) -> Result<ArbPlan, ArbSkip> {
        let n = self.params.max_levels;
        let bids: Vec<LevelView> = book.depth(Side::Bid, n).collect();
        let asks: Vec<LevelView> = book.depth(Side::Ask, n).collect();
        self.plan_levels(&bids, &asks, pool, wallet)
    }

    /// As [`Arbitrageur::plan`], from the book's levels (best first on each side).
    pub fn plan_levels(
        &self,
        bids: &[LevelView],
        asks: &[LevelView],
        pool: &Pool,
        wallet: Wallet,
    ) -> Result<ArbPlan, ArbSkip> {
        match self.plan_buy_pool(bids, pool, wallet) {
            Err(ArbSkip::NoGap) => self.plan_buy_book(asks, pool, wallet),
            other => other,
        }
    }

    /// Buys base from the pool and sells it into the bids.
    fn plan_buy_pool(
        &self,
        bids: &[LevelView],
        pool: &Pool,
        wallet: Wallet,
    ) -> Result<ArbPlan, ArbSkip> {
        let u = self.params.units;
        let leg = u.buy_base();
        let x = u.base_atoms_per_lot;
        // After paying `q` into the pool, one more lot's worth at `cost` still buys a lot.
        let worth = |q: u128, cost: u128| {
            let more = out(pool, leg, q.saturating_add(cost));
            more.saturating_sub(out(pool, leg, q)) >= x
        };
        let first = bids.first().ok_or(ArbSkip::NoGap)?;
        let first_cost = u.lot_cost_atoms(first.price).ok_or(ArbSkip::NoGap)?;
        if !worth(0, first_cost) {
            return Err(ArbSkip::NoGap);
        }
        let cash = self.quote_held(wallet);
        let depth: u64 = bids.iter().map(|l| l.qty.0).sum();
        let cap = to_u64(out(pool, leg, cash) / x)
            .min(wallet.base.0)
            .min(depth);
        if cap == 0 {
            return Err(ArbSkip::NoCapital);
        }

        // Walk the levels: lots whose marginal cost in the pool is at or below each level.
        let (mut take, mut before, mut hi) = (0u64, 0u64, cash);
        for level in bids {
            let Some(cost) = u.lot_cost_atoms(level.price) else {
                break;
            };
            if !worth(0, cost) {
                break;
            }
            let q = last_true(0, hi, |q| worth(q, cost));
            let reach = to_u64(out(pool, leg, q.saturating_add(cost)) / x);
            let through = before + level.qty.0;
            let t = through.min(reach);
            if t <= before {
                break;
            }
            take = t;
            if reach < through || take >= cap {
                break;
            }
            before = through;
            hi = q;
        }
        let take = take.min(cap);

        // Exact profit in quote-token atoms of selling `l` lots and buying them back.
        let profit = |l: u64| -> Option<(i128, u128)> {
            let (value, _) = book_fill(bids, l)?;
            let q = least_input(pool, leg, u128::from(l).checked_mul(x)?, cash)?;
            let proceeds = value.checked_mul(u.quote_atoms_per_quote)?;
            Some((signed(proceeds)? - signed(q)?, q))
        };
        let lots = nudge(take, cap, |l| profit(l).map(|p| p.0));
        let (gain, pool_in) = profit(lots).ok_or(ArbSkip::Unprofitable)?;
        let (value, limit) = book_fill(bids, lots).ok_or(ArbSkip::Unprofitable)?;
        self.finish(ArbPlan {
            direction: ArbDirection::BuyPoolSellBook,
            lots: Lots(lots),
            book_limit: limit,
            book_value: Quote(to_u64(value)),
            pool_leg: leg,
            pool_in,
            pool_out: out(pool, leg, pool_in),
            expected_profit: gain,
        })
    }

    /// Buys base from the asks and sells it into the pool.
    fn plan_buy_book(
        &self,
        asks: &[LevelView],
        pool: &Pool,
        wallet: Wallet,
    ) -> Result<ArbPlan, ArbSkip> {
        let u = self.params.units;
        let leg = u.sell_base();
        let x = u.base_atoms_per_lot;
        let sold = |l: u64| out(pool, leg, u128::from(l).saturating_mul(x));
        // The `l`-th lot sold into the pool pays at least `cost`.
        let worth = |l: u64, cost: u128| sold(l).saturating_sub(sold(l - 1)) >= cost;
        let first = asks.first().ok_or(ArbSkip::NoGap)?;
        let first_cost = u.lot_cost_atoms(first.price).ok_or(ArbSkip::NoGap)?;
        if !worth(1, first_cost) {
            return Err(ArbSkip::NoGap);
        }

        let (mut take, mut before, mut cap) = (0u64, 0u64, 0u64);
        let mut cash = wallet.cash.0;
        let mut base = wallet.base.0;
        for level in asks {
            let (Some(cost), Ok(price)) =
                (u.lot_cost_atoms(level.price), u64::try_from(level.price.0))
            else {
                break;
            };
            let n = level.qty.0.min(cash / price).min(base);
            if n == 0 || !worth(before + 1, cost) {
                break;
            }
            let last = last_true(u128::from(before + 1), u128::from(before + n), |l| {
                worth(to_u64(l), cost)
            });
            take = to_u64(last);
            cap = before + n;
            if take < cap || n < level.qty.0 {
                break;
            }
            before = cap;
            cash -= n * price;
            base -= n;
        }
        if take == 0 {
            return Err(ArbSkip::NoCapital);
        }

        let profit = |l: u64| -> Option<i128> {
            let (value, _) = book_fill(asks, l)?;
            let paid = value.checked_mul(u.quote_atoms_per_quote)?;
            Some(signed(sold(l))? - signed(paid)?)
        };
        let lots = nudge(take, cap, profit);
        let gain = profit(lots).ok_or(ArbSkip::Unprofitable)?;
        let (value, limit) = book_fill(asks, lots).ok_or(ArbSkip::Unprofitable)?;
        let pool_in = u128::from(lots) * x;
        self.finish(ArbPlan {
            direction: ArbDirection::BuyBookSellPool,
            lots: Lots(lots),
            book_limit: limit,
            book_value: Quote(to_u64(value)),
            pool_leg: leg,
            pool_in,
            pool_out: sold(lots),
            expected_profit: gain,
        })
    }

    /// Turns a plan's quote-token gain (in `expected_profit`) into quote atoms after gas and
    /// applies the minimum.
    fn finish(&self, mut plan: ArbPlan) -> Result<ArbPlan, ArbSkip> {
        let per = signed(self.params.units.quote_atoms_per_quote).ok_or(ArbSkip::Unprofitable)?;
        plan.expected_profit =
            plan.expected_profit.div_euclid(per) - i128::from(self.params.gas_cost.0);
        if plan.lots.is_zero()
            || plan.expected_profit <= 0
            || plan.expected_profit < i128::from(self.params.min_profit.0)
        {
            return Err(ArbSkip::Unprofitable);
        }
        Ok(plan)
    }

    /// Carries out `plan` for `owner` at `now`: an IOC order on `book` limited to the plan's
    /// worst level, for at most what the wallet can deliver or pay, then the pool leg for exactly
    /// what the book filled (the base bought, or the least quote that buys back the base sold;
    /// if the pool cannot deliver that within the arbitrageur's quote, there is no pool leg).
    ///
    /// Updates `wallet` and the residue for both legs; every book event goes to `sink` (the
    /// makers' side of the fills is the caller's to settle). Gas is not charged.
    #[allow(clippy::too_many_arguments)]
    pub fn execute(
        &mut self,
        now: SimTime,
        owner: AgentId,
        plan: &ArbPlan,
        book: &mut Book,
        pool: &mut Pool,
        wallet: &mut Wallet,
        sink: &mut impl BookSink,
    ) -> ArbExecution {
        let u = self.params.units;
        let side = plan.direction.book_side();
        let qty = match plan.direction {
            ArbDirection::BuyPoolSellBook => plan.lots.0.min(wallet.base.0),
            ArbDirection::BuyBookSellPool => match u64::try_from(plan.book_limit.0) {
                Ok(p) if p > 0 => plan.lots.0.min(wallet.cash.0 / p),
                _ => 0,
            },
        };
        let mut tally = Tally {
            inner: sink,
            lots: 0,
            value: 0,
        };
        if qty > 0 {
            book.submit(
                now,
                owner,
                side,
                Lots(qty),
                OrderType::Ioc(plan.book_limit),
                &mut tally,
            );
        }
        let (filled, value) = (Lots(tally.lots), Quote(tally.value));
        let mut done = ArbExecution {
            direction: plan.direction,
            lots: filled,
            book_value: value,
            pool: Fill::default(),
            quote_gain: 0,
            base_gain: 0,
        };
        if filled.is_zero() {
            return done;
        }
        let filled_atoms = u.base_atoms(filled).expect("lots overflow base atoms");
        let value_atoms = u.quote_atoms(value).expect("quote overflows atoms");
        let (mut base, mut quote) = (self.base_held(*wallet), self.quote_held(*wallet));
        match plan.direction {
            ArbDirection::BuyPoolSellBook => {
                base -= filled_atoms;
                quote += value_atoms;
                let leg = u.buy_base();
                if let Some(q) = least_input(pool, leg, filled_atoms, quote)
                    && let Ok(f) = pool.swap_exact_in(leg, q)
                {
                    done.pool = f;
                }
                quote -= done.pool.amount_in;
                base += done.pool.amount_out;
                done.quote_gain = delta(value_atoms, done.pool.amount_in);
                done.base_gain = delta(done.pool.amount_out, filled_atoms);
            }
            ArbDirection::BuyBookSellPool => {
                base += filled_atoms;
                quote -= value_atoms;
                if let Ok(f) = pool.swap_exact_in(u.sell_base(), filled_atoms) {
                    done.pool = f;
                }
                base -= done.pool.amount_in;
                quote += done.pool.amount_out;
                done.quote_gain = delta(done.pool.amount_out, value_atoms);
                done.base_gain = delta(filled_atoms, done.pool.amount_in);
            }
        }
        let (lots, base_rest) = split(base, u.base_atoms_per_lot);
        let (cash, quote_rest) = split(quote, u.quote_atoms_per_quote);
        *wallet = Wallet {
            cash: Quote(cash),
            base: Lots(lots),
        };
        self.residue = Residue {
            base_atoms: base_rest,
            quote_atoms: quote_rest,
        };
        done
    }
}

/// Moves `start` by single lots within `[1, cap]` while the exact profit improves (up first,
/// else down; ties go to the smaller size), at most [`MAX_NUDGES`] steps each way.
fn nudge(start: u64, cap: u64, profit: impl Fn(u64) -> Option<i128>) -> u64 {
    let mut at = start.clamp(1, cap.max(1));
    let mut best = profit(at);
    let mut moved = false;
    for _ in 0..MAX_NUDGES {
        if at >= cap {
            break;
        }
        match profit(at + 1) {
            Some(p) if best.is_none_or(|b| p > b) => {
                at += 1;
                best = Some(p);
                moved = true;
            }
            _ => break,
        }
    }
    if !moved {
        for _ in 0..MAX_NUDGES {
            if at <= 1 {
                break;
            }
            match profit(at - 1) {
                Some(p) if best.is_none_or(|b| p >= b) => {
                    at -= 1;
                    best = Some(p);
                }
                _ => break,
            }
        }
    }
    at
}

#[cfg(test)]
#[path = "arb_tests.rs"]
mod tests;
