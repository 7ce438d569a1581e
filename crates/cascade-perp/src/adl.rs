//! Auto-deleveraging: closing a bankrupt position against ranked opposite positions.
//!
//! It runs only when a scope is bankrupt (equity below zero at the mark) and the insurance fund
//! cannot pay the deficit; a bankrupt scope is never taken by the backstop vault. Each of the
//! scope's positions is closed against opposite positions in the same market, in rank order,
//! each counterparty giving up at most its whole position, at one price for the bankrupt side
//! and its counterparties.
//!
//! Rankings (for an opposite position of signed size `s`, entry `e`, at mark `M`, with scope
//! equity `E`: the counterparty's account value for a cross position, isolated margin plus uPnL
//! for an isolated one):
//!
//! - [`AdlRanking::Hyperliquid`] (hyperliquid.gitbook.io, "Auto-deleveraging"): "the specific
//!   sorting index to determine the affected users in profit is `(mark_price / entry_price) *
//!   (notional_position / account_value)`". Read literally, `mark / entry` would put the least
//!   profitable shorts first; for shorts this module uses `entry / mark`, the same return
//!   multiple seen from the short side (an interpretation, not a documented rule). Positions in
//!   profit come first, then the rest, each group by index.
//! - [`AdlRanking::Bybit`] (Bybit help "Auto-Deleveraging (ADL)": ranked "in order of highest
//!   profit and effective leverage use"; the formula as the BitMEX-style venues publish it, e.g.
//!   Poloniex "Auto-Deleveraging System", and `reference/mechanisms.md` §4):
//!   `rank = PnL% * effLev` if `PnL% > 0`, `PnL% / effLev` otherwise, with
//!   `PnL% = (MV - AEV) / |AEV|`, `effLev = |MV| / (MV - BV)`, `MV`, `BV` and `AEV` the signed
//!   position values at the mark, at the bankruptcy price and at the average entry. The
//!   bankruptcy price of a position, the others held at the mark, is where its scope's equity
//!   is zero, so `MV - BV = E` and `effLev = |s| M / E`.
//! - [`AdlRanking::Binance`] (Binance FAQ "What Is Auto-Deleveraging"):
//!   `PnL% = max(0, uPnL) / max(1, wallet balance)`, `margin ratio = MM / (wallet + uPnL)`,
//!   `score = PnL% * margin ratio`.
//!
//! Positions whose scope equity is zero or negative cannot be scored and come last. Ties go to
//! the lower account id. Scores are fixed point with [`SCORE_ONE`] = 1.
//!
//! Price ([`AdlPrice`]): Bybit and Binance fill at the bankruptcy price of the bankrupt position
//! (the price at which its scope's equity is exactly zero), which leaves no deficit; Hyperliquid's
//! page says positions "are closed at the previous mark price", which leaves the bankrupt scope's
//! deficit to the insurance fund or to bad debt. The bankruptcy price is rounded to a whole tick
//! in the bankrupt side's favour (a few atoms of surplus rather than a deficit). For a cross
//! scope with several positions, they are closed one after another, each at the price that
//! zeroes the scope's equity with the remaining positions at the mark.

use crate::account::Scope;
use crate::event::Event;
use crate::venue::{MAX_TICKS, PerpVenue};
use crate::{MarketId, PerpError};
use cascade_types::{AccountId, Lots, Ticks, mul_div_floor};
use std::cmp::Reverse;

/// One in the fixed point of ADL scores.
pub const SCORE_ONE: i128 = 1_000_000_000;

/// How opposite positions are ranked for auto-deleveraging.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdlRanking {
    /// `(mark / entry) * (notional / account value)`, positions in profit first.
    Hyperliquid,
    /// `PnL% * effective leverage` (in profit) or `PnL% / effective leverage` (at a loss).
    Bybit,
    /// `max(0, uPnL) / max(1, wallet) * MM / (wallet + uPnL)`.
    Binance,
}

/// The price auto-deleveraging fills at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdlPrice {
    /// The bankrupt position's bankruptcy price (Bybit, Binance).
    Bankruptcy,
    /// The mark (Hyperliquid's documented "previous mark price").
    Mark,
}

/// An opposite position that may be deleveraged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdlCandidate {
    /// Its account.
    pub account: AccountId,
    /// Signed size in lots.
    pub size: i64,
    /// Average entry.
    pub entry: Ticks,
    /// Equity of the position's scope at the mark.
    pub equity: i128,
    /// Collateral of the position's scope (Binance's wallet balance).
    pub wallet: i128,
    /// Maintenance requirement of the position at the mark.
    pub maintenance: u128,
}

/// A candidate's place in the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranked {
    /// Its account.
    pub account: AccountId,
    /// Its score, `None` if its scope equity is zero or negative.
    pub score: Option<i128>,
    /// Unrealised PnL above zero at the mark.
    pub profitable: bool,
}

fn md(a: u128, b: u128, d: u128) -> i128 {
    mul_div_floor(a, b, d).map_or(i128::MAX, |v| i128::try_from(v).unwrap_or(i128::MAX))
}

/// The score of one candidate at `mark` under `ranking`.
pub fn score(ranking: AdlRanking, c: &AdlCandidate, mark: Ticks) -> Option<i128> {
    if c.equity <= 0 || c.size == 0 || mark.0 <= 0 || c.entry.0 <= 0 {
        return None;
    }
    let abs = u128::from(c.size.unsigned_abs());
    let m = u128::from(mark.0.unsigned_abs());
    let e = u128::from(c.entry.0.unsigned_abs());
    let notional = abs * m;
    let entry_value = abs * e;
    let equity = c.equity as u128;
    let upnl = i128::from(c.size) * (i128::from(mark.0) - i128::from(c.entry.0));
    let one = SCORE_ONE as u128;
    Some(match ranking {
        AdlRanking::Hyperliquid => {
            let ratio = if c.size > 0 {
                md(m, one, e)
            } else {
                md(e, one, m)
            };
            md(ratio as u128, notional, equity)
        }
        AdlRanking::Bybit => {
            let pnl_pct = md(upnl.unsigned_abs(), one, entry_value) as u128;
            if upnl >= 0 {
                md(pnl_pct, notional, equity)
            } else {
                -md(pnl_pct, equity, notional)
            }
        }
        AdlRanking::Binance => {
            let pnl_pct = md(upnl.max(0) as u128, one, c.wallet.max(1) as u128);
            md(pnl_pct as u128, c.maintenance, equity)
        }
    })
}

/// Candidates in the order they are deleveraged.
pub fn rank(ranking: AdlRanking, candidates: &[AdlCandidate], mark: Ticks) -> Vec<Ranked> {
    let mut out: Vec<Ranked> = candidates
        .iter()
        .map(|c| Ranked {
            account: c.account,
            score: score(ranking, c, mark),
            profitable: i128::from(c.size) * (i128::from(mark.0) - i128::from(c.entry.0)) > 0,
        })
        .collect();
    let grouped = ranking == AdlRanking::Hyperliquid;
    out.sort_by_key(|r| {
        (
            r.score.is_none(),
            grouped && !r.profitable,
            Reverse(r.score),
            r.account,
        )
    });
    out
}

/// The bankruptcy price of a position of `size` lots in a scope of equity `equity` at `mark`:
/// the price at which closing it (the scope's other positions held at their marks) leaves the
/// scope's equity at exactly zero, `mark - equity / size`. Rounded to a whole tick in the
/// closing side's favour (the scope keeps a few atoms rather than a deficit) and kept within
/// `1..=MAX_TICKS`; the mark for a zero size.
pub fn bankruptcy_price(size: i64, equity: i128, mark: Ticks) -> Ticks {
    if size == 0 {
        return mark;
    }
    // Long: P >= M - E / s, so P = M - floor(E / s). Short: P <= M + E / |s|, so
    // P = M + floor(E / |s|). Floors toward minus infinity.
    let step = equity.div_euclid(i128::from(size.unsigned_abs()));
    let p = if size > 0 {
        i128::from(mark.0) - step
    } else {
        i128::from(mark.0) + step
    };
    Ticks(p.clamp(1, i128::from(MAX_TICKS)) as i64)
}

impl PerpVenue {
    /// Opposite positions to a position of sign `bankrupt_size` in `market`, every account but
    /// `exclude`, with their scope figures at `marks`.
    fn adl_candidates(
        &self,
        market: MarketId,
        bankrupt_size: i64,
        exclude: AccountId,
        marks: &[Ticks],
    ) -> Vec<AdlCandidate> {
        let mark = marks[market.index()];
        let mut out = Vec::new();
        for (i, acc) in self.accounts.iter().enumerate() {
            let id = AccountId(i as u32);
            if id == exclude {
                continue;
            }
            let Some(p) = acc.position(market) else {
                continue;
            };
            if p.size == 0 || (p.size > 0) == (bankrupt_size > 0) {
                continue;
            }
            let scope = p.scope();
            out.push(AdlCandidate {
                account: id,
                size: p.size,
                entry: p.entry,
                equity: self.state_of(acc, scope, marks).equity,
                wallet: acc.scope_collateral(scope).unwrap_or(0),
                maintenance: self.tables[market.index()].maintenance_margin(p.notional_at(mark)),
            });
        }
        out
    }

    /// The ADL queue that would deleverage a bankrupt long (`bankrupt_long`) or short in
    /// `market` now: the opposite positions of every account, in order.
    pub fn adl_queue(
        &self,
        market: MarketId,
        bankrupt_long: bool,
        marks: &[Ticks],
    ) -> Result<Vec<Ranked>, PerpError> {
        self.table(market)?;
        self.check_marks(marks)?;
        let sign = if bankrupt_long { 1 } else { -1 };
        let c = self.adl_candidates(market, sign, AccountId(u32::MAX), marks);
        Ok(rank(self.params.adl_ranking, &c, marks[market.index()]))
    }

    /// The bankruptcy price of the position of account `id` in `market` at `marks` (see
    /// [`bankruptcy_price`]): an engine may use it as the limit of a liquidation order so that
    /// fills never leave a deficit.
    pub fn bankruptcy_price(
        &self,
        id: AccountId,
        market: MarketId,
        marks: &[Ticks],
    ) -> Result<Ticks, PerpError> {
        self.table(market)?;
        self.check_marks(marks)?;
        let acc = self.account(id)?;
        let p = acc
            .position(market)
            .filter(|p| p.size != 0)
            .ok_or(PerpError::NoPosition {
                account: id,
                market,
            })?;
        let equity = self.state_of(acc, p.scope(), marks).equity;
        Ok(bankruptcy_price(p.size, equity, marks[market.index()]))
    }

    /// Closes every position of a bankrupt scope by ADL (checks done by the caller).
    pub(crate) fn auto_deleverage(
        &mut self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
    ) -> Vec<Event> {
        let positions: Vec<(MarketId, i64)> = self.accounts[id.index()]
            .scope_positions(scope)
            .filter(|p| p.size != 0)
            .map(|p| (p.market, p.size))
            .collect();
        let mut events = Vec::new();
        for (market, size) in positions {
            let mark = marks[market.index()];
            let price = match self.params.adl_price {
                AdlPrice::Mark => mark,
                AdlPrice::Bankruptcy => {
                    let equity = self
                        .state_of(&self.accounts[id.index()], scope, marks)
                        .equity;
                    // An earlier position of the scope may already have absorbed the deficit.
                    if equity < 0 {
                        bankruptcy_price(size, equity, mark)
                    } else {
                        mark
                    }
                }
            };
            let candidates = self.adl_candidates(market, size, id, marks);
            let queue = rank(self.params.adl_ranking, &candidates, mark);
            let mut remaining = size.unsigned_abs();
            let sign = size.signum();
            for r in queue {
                if remaining == 0 {
                    break;
                }
                let c = &mut self.accounts[r.account.index()];
                let Some(cp) = c.position(market) else {
                    continue;
                };
                let x = remaining.min(cp.size.unsigned_abs());
                // Both sides reduce: the bankrupt side by -sign * x, the counterparty by +sign * x.
                c.fill(market, sign * x as i64, price);
                c.remove_flat();
                self.accounts[id.index()].fill(market, -sign * x as i64, price);
                remaining -= x;
                self.totals.adl_fills += 1;
                events.push(Event::Adl {
                    account: id,
                    counterparty: r.account,
                    market,
                    size: Lots(x),
                    price,
                });
            }
            if remaining > 0 {
                events.push(Event::AdlUnfilled {
                    account: id,
                    market,
                    size: Lots(remaining),
                });
            }
        }
        self.close_out(id, scope, &mut events);
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 USD = 100 ticks = 100,000 atoms; 1 unit = 1,000 lots.
    const USD: i128 = 100_000;

    fn short(account: u32, units: i64, entry_usd: i64, equity_usd: i128) -> AdlCandidate {
        AdlCandidate {
            account: AccountId(account),
            size: -units * 1_000,
            entry: Ticks(entry_usd * 100),
            equity: equity_usd * USD,
            wallet: 0,
            maintenance: 0,
        }
    }

    /// Five shorts facing a bankrupt long, mark 1,800 USD:
    ///
    /// | id | size | entry | equity | uPnL   | notional | PnL%          | effLev | Bybit     | HL index          |
    /// |----|------|-------|--------|--------|----------|---------------|--------|-----------|-------------------|
    /// | A  | 10   | 2,000 | 4,000  | 2,000  | 18,000   | 2,000/20,000  | 4.5    | 0.45      | 2000/1800*4.5 = 5 |
    /// | B  | 5    | 2,200 | 9,000  | 2,000  | 9,000    | 2,000/11,000  | 1      | 0.1818... | 2200/1800 = 1.222 |
    /// | C  | 20   | 1,900 | 3,600  | 2,000  | 36,000   | 2,000/38,000  | 10     | 0.5263... | 1900/1800*10 = 10.556 |
    /// | D  | 2    | 3,000 | 1,800  | 2,400  | 3,600    | 2,400/6,000   | 2      | 0.8       | 3000/1800*2 = 3.333 |
    /// | E  | 4    | 1,700 | 1,200  | -400   | 7,200    | -400/6,800    | 6      | -0.0588/6 = -0.0098 | 1700/1800*6 = 5.667 |
    ///
    /// Bybit: D, C, A, B, E. Hyperliquid: the profitable C, A, D, B by index, then E (whose
    /// index is higher than A's but which is at a loss). Fixed-point scores (1e9 = 1) are the
    /// exact values truncated at each of the two steps, e.g. HL A = floor(floor(1e9 * 2000 /
    /// 1800) * 4.5) = floor(1,111,111,111 * 4.5) = 4,999,999,999.
    #[test]
    fn rankings_of_five_hand_made_positions() {
        let c = [
            short(1, 10, 2_000, 4_000),
            short(2, 5, 2_200, 9_000),
            short(3, 20, 1_900, 3_600),
            short(4, 2, 3_000, 1_800),
            short(5, 4, 1_700, 1_200),
        ];
        let mark = Ticks(180_000);
        let ids = |r: &[Ranked]| r.iter().map(|x| x.account.0).collect::<Vec<_>>();
        let scores = |r: &[Ranked]| r.iter().map(|x| x.score.unwrap()).collect::<Vec<_>>();

        let bybit = rank(AdlRanking::Bybit, &c, mark);
        assert_eq!(ids(&bybit), [4, 3, 1, 2, 5]);
        // D 0.4 * 2; C floor(1e9 / 19) * 10; A 0.1 * 4.5; B floor(1e9 * 2 / 11);
        // E -floor(floor(1e9 / 17) * 1,200 / 7,200) = -floor(58,823,529 / 6).
        assert_eq!(
            scores(&bybit),
            [
                800_000_000,
                526_315_780,
                450_000_000,
                181_818_181,
                -9_803_921
            ]
        );

        let hl = rank(AdlRanking::Hyperliquid, &c, mark);
        assert_eq!(ids(&hl), [3, 1, 4, 2, 5]);
        // C 1,055,555,555 * 10; A 1,111,111,111 * 4.5; D 1,666,666,666 * 2; B 1,222,222,222;
        // E 944,444,444 * 6.
        assert_eq!(
            scores(&hl),
            [
                10_555_555_550,
                4_999_999_999,
                3_333_333_332,
                1_222_222_222,
                5_666_666_664
            ]
        );
        assert!(hl[..4].iter().all(|r| r.profitable) && !hl[4].profitable);
    }

    /// A position whose scope equity is not positive cannot be scored and goes last; ties go to
    /// the lower id.
    #[test]
    fn unscorable_last_and_ties_by_id() {
        let c = [
            short(7, 1, 2_000, 0),
            short(3, 10, 2_000, 4_000),
            short(2, 10, 2_000, 4_000),
        ];
        let r = rank(AdlRanking::Bybit, &c, Ticks(180_000));
        let ids: Vec<u32> = r.iter().map(|x| x.account.0).collect();
        assert_eq!(ids, [2, 3, 7]);
        assert_eq!(r[2].score, None);
    }

    /// Binance: PnL% = max(0, uPnL) / max(1, wallet), times MM / (wallet + uPnL). A short 10 at
    /// 2,000, mark 1,800, wallet 2,000, uPnL 2,000, MM 90 (0.5% of 18,000): 1.0 * 90 / 4,000 =
    /// 0.0225. A losing position scores 0.
    #[test]
    fn binance_score_by_hand() {
        let mut a = short(1, 10, 2_000, 4_000);
        a.wallet = 2_000 * USD;
        a.maintenance = 90 * USD as u128;
        assert_eq!(
            score(AdlRanking::Binance, &a, Ticks(180_000)),
            Some(22_500_000)
        );
        assert_eq!(score(AdlRanking::Binance, &a, Ticks(210_000)), Some(0));
    }

    /// Long 10 at mark 1,880 with equity -200 USD: 1,880 + 200 / 10 = 1,900. Short 3 with
    /// equity -100 USD at mark 1,000: 1,000 - 100 / 3 = 966.6666..., taken down to the tick
    /// below, 966.66 (buying back a little cheaper leaves the bankrupt side a few atoms rather
    /// than a deficit).
    #[test]
    fn bankruptcy_prices() {
        assert_eq!(
            bankruptcy_price(10_000, -200 * USD, Ticks(188_000)),
            Ticks(190_000)
        );
        // -100 USD = -10,000,000 atoms over 3,000 lots = 3,333.33 ticks, rounded up to 3,334.
        assert_eq!(
            bankruptcy_price(-3_000, -100 * USD, Ticks(100_000)),
            Ticks(96_666)
        );
        // Solvent scopes: 1,000 USD backing 10 long at mark 2,000 goes bankrupt at 1,900; the
        // same backing a 10 short at 2,000, at 2,100.
        assert_eq!(
            bankruptcy_price(10_000, 1_000 * USD, Ticks(200_000)),
            Ticks(190_000)
        );
        assert_eq!(
            bankruptcy_price(-10_000, 1_000 * USD, Ticks(200_000)),
            Ticks(210_000)
        );
        // 5 atoms of equity on a 3,000-lot short are less than a tick: the mark itself.
        assert_eq!(bankruptcy_price(-3_000, 5, Ticks(100_000)), Ticks(100_000));
        assert_eq!(bankruptcy_price(-1, -i128::MAX, Ticks(100)), Ticks(1));
        assert_eq!(bankruptcy_price(0, -5, Ticks(100)), Ticks(100));
    }
}
