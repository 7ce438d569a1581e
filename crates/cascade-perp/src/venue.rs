//! The venue: accounts, margin tables, the backstop vault, the insurance fund and the venue's
//! own books (liquidation fees kept, bad debt written off), kept consistent with each other.
//!
//! The venue holds no order book and draws no random numbers: the caller passes marks (one per
//! market, in ticks), ordinary fills, the fills of liquidation orders, and the simulated time.

use crate::account::{Account, MarginState, MarketId, Scope};
use crate::adl::{AdlPrice, AdlRanking};
use crate::error::PerpError;
use crate::insurance::InsuranceFund;
use crate::margin::{MarginTable, Ratio};
use cascade_types::{AccountId, Quote, SimDuration, Ticks};

/// Largest position size, in lots: `2^47`. With prices below [`MAX_TICKS`] every notional is
/// below `2^94` atoms and margin arithmetic cannot overflow.
pub const MAX_LOTS: u64 = 1 << 47;
/// Largest price, in ticks: `2^47`.
pub const MAX_TICKS: i64 = 1 << 47;

/// Hyperliquid's partial liquidation rule (announcement of partial liquidations, and the
/// "Liquidations" page): "for liquidatable positions larger than 100k USDC, only 20% of the
/// position will be sent as a market liquidation order to the book. After a block where any
/// position of a user is partially liquidated, there is a cooldown period of 30 seconds. During
/// this cooldown period, all market liquidation orders for that user will be for the entire
/// position."
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialRule {
    /// Positions with a notional at the mark strictly above this are liquidated partially.
    pub threshold: u128,
    /// Share of the position sent (1/5), rounded up to a whole lot.
    pub fraction: Ratio,
    /// After a partial liquidation, liquidation orders of the account are whole positions for
    /// this long (30 s). The cooldown starts when the partial order is sent (the block in
    /// which the position is partially liquidated).
    pub cooldown: SimDuration,
}

/// Where liquidation fees go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeeDestination {
    /// Into the insurance fund (Binance's liquidation clearance fee).
    InsuranceFund,
    /// To the venue itself (a taker fee, as Bybit charges to liquidation orders).
    Clearing,
}

/// The rules of one venue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VenueParams {
    /// Partial liquidation of large positions, if the venue does it.
    pub partial: Option<PartialRule>,
    /// Fee on the notional of each liquidation fill, capped at the scope's remaining collateral.
    pub liquidation_fee: Ratio,
    /// Where the fee goes.
    pub fee_to: FeeDestination,
    /// When a liquidation leaves the scope flat, its remaining collateral goes to the insurance
    /// fund (Bybit/Binance: the position is taken over at the bankruptcy price and the fund
    /// keeps what the close makes above it). Hyperliquid: "any remaining collateral remains with
    /// the trader" (`false`).
    pub surplus_to_insurance: bool,
    /// Backstop liquidation when the equity falls below this fraction of the maintenance
    /// requirement (Hyperliquid: 2/3); `None` for no backstop vault.
    pub backstop_below: Option<Ratio>,
    /// How auto-deleveraging ranks opposite positions.
    pub adl_ranking: AdlRanking,
    /// The price auto-deleveraging closes at.
    pub adl_price: AdlPrice,
}

impl VenueParams {
    /// Hyperliquid: partial liquidation above 100k USDC (20%, 30 s cooldown), no clearance fee,
    /// remaining collateral stays with the trader, backstop below 2/3 of the maintenance margin,
    /// ADL ranked by `(mark / entry) * (notional / account value)`. `usdc` is the number of
    /// quote atoms in one USDC.
    ///
    /// ADL closes at the bankruptcy price here; Hyperliquid's page says "at the previous mark
    /// price" (use [`AdlPrice::Mark`] for that reading, which leaves the bankrupt account's
    /// deficit to the insurance fund or bad debt).
    pub fn hyperliquid(usdc: Quote) -> VenueParams {
        VenueParams {
            partial: Some(PartialRule {
                threshold: 100_000 * u128::from(usdc.0),
                fraction: Ratio::new(1, 5),
                cooldown: SimDuration::from_secs(30),
            }),
            liquidation_fee: Ratio::ZERO,
            fee_to: FeeDestination::Clearing,
            surplus_to_insurance: false,
            backstop_below: Some(Ratio::new(2, 3)),
            adl_ranking: AdlRanking::Hyperliquid,
            adl_price: AdlPrice::Bankruptcy,
        }
    }

    /// Bybit: whole positions go to the liquidation engine, the liquidation order pays the taker
    /// fee (`taker_fee`, e.g. 0.055% = `Ratio::new(55, 100_000)`) to the venue, what the close
    /// makes above the bankruptcy price goes to the insurance fund, no backstop vault, ADL ranked
    /// by `PnL% * effective leverage` at the bankruptcy price.
    pub fn bybit(taker_fee: Ratio) -> VenueParams {
        VenueParams {
            partial: None,
            liquidation_fee: taker_fee,
            fee_to: FeeDestination::Clearing,
            surplus_to_insurance: true,
            backstop_below: None,
            adl_ranking: AdlRanking::Bybit,
            adl_price: AdlPrice::Bankruptcy,
        }
    }
}

/// Totals of the venue's own books.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VenueTotals {
    /// Liquidation fees kept by the venue ([`FeeDestination::Clearing`]).
    pub clearing_fees: u128,
    /// Deficits written off after the insurance fund ran dry.
    pub bad_debt: u128,
    /// Liquidation orders sent (whole and partial).
    pub liquidation_orders: u64,
    /// Backstop transfers.
    pub backstop_transfers: u64,
    /// ADL fills.
    pub adl_fills: u64,
}

/// A perpetual-futures venue's risk engine.
#[derive(Clone, Debug)]
pub struct PerpVenue {
    pub(crate) params: VenueParams,
    pub(crate) tables: Vec<MarginTable>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) insurance: InsuranceFund,
    pub(crate) totals: VenueTotals,
}

impl PerpVenue {
    /// The backstop (liquidator) vault: always account 0, opened by [`PerpVenue::new`].
    pub const VAULT: AccountId = AccountId(0);

    /// A venue with one margin table per market (market `i` uses `tables[i]`), an insurance
    /// fund seeded with `insurance`, and the backstop vault holding `vault_capital`.
    pub fn new(
        params: VenueParams,
        tables: Vec<MarginTable>,
        insurance: Quote,
        vault_capital: Quote,
    ) -> PerpVenue {
        PerpVenue {
            params,
            tables,
            accounts: vec![Account::new(i128::from(vault_capital.0))],
            insurance: InsuranceFund::new(insurance),
            totals: VenueTotals::default(),
        }
    }

    /// The venue's rules.
    pub fn params(&self) -> &VenueParams {
        &self.params
    }

    /// Number of markets.
    pub fn markets(&self) -> usize {
        self.tables.len()
    }

    /// The margin table of a market.
    pub fn table(&self, market: MarketId) -> Result<&MarginTable, PerpError> {
        self.tables
            .get(market.index())
            .ok_or(PerpError::UnknownMarket(market))
    }

    /// Opens an account with `collateral` of cross collateral.
    pub fn open_account(&mut self, collateral: Quote) -> AccountId {
        let id = AccountId(u32::try_from(self.accounts.len()).unwrap_or(u32::MAX));
        self.accounts.push(Account::new(i128::from(collateral.0)));
        id
    }

    /// All accounts by id, the vault first.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// One account.
    pub fn account(&self, id: AccountId) -> Result<&Account, PerpError> {
        self.accounts
            .get(id.index())
            .ok_or(PerpError::UnknownAccount(id))
    }

    pub(crate) fn account_mut(&mut self, id: AccountId) -> Result<&mut Account, PerpError> {
        self.accounts
            .get_mut(id.index())
            .ok_or(PerpError::UnknownAccount(id))
    }

    /// The insurance fund.
    pub fn insurance(&self) -> &InsuranceFund {
        &self.insurance
    }

    /// The venue's own books.
    pub fn totals(&self) -> VenueTotals {
        self.totals
    }

    /// Adds cross collateral.
    pub fn deposit(&mut self, id: AccountId, amount: Quote) -> Result<(), PerpError> {
        self.account_mut(id)?.collateral += i128::from(amount.0);
        Ok(())
    }

    /// Records an ordinary fill of `qty` signed lots (positive buys) at `price` for one side of
    /// a trade; the caller records the other side too. Returns the cash settled to the
    /// position's collateral (realised PnL and entry remainder). A new position is cross; a
    /// closed isolated position returns its margin to the cross collateral.
    pub fn apply_fill(
        &mut self,
        id: AccountId,
        market: MarketId,
        qty: i64,
        price: Ticks,
    ) -> Result<i128, PerpError> {
        self.table(market)?;
        check_price(price)?;
        check_qty(qty)?;
        let acc = self.account(id)?;
        let old = acc.position(market).map_or(0, |p| p.size);
        check_qty_or_zero(i128::from(old) + i128::from(qty))?;
        let acc = self.account_mut(id)?;
        let cash = acc.fill(market, qty, price);
        acc.remove_flat();
        Ok(cash)
    }

    /// Makes the position in `market` isolated, moving `margin` from the cross collateral into
    /// it.
    pub fn isolate(
        &mut self,
        id: AccountId,
        market: MarketId,
        margin: Quote,
    ) -> Result<(), PerpError> {
        let acc = self.account(id)?;
        let p = acc.position(market).ok_or(PerpError::NoPosition {
            account: id,
            market,
        })?;
        if p.isolated_margin.is_some() {
            return Err(PerpError::AlreadyIsolated(market));
        }
        let m = i128::from(margin.0);
        if acc.collateral < m {
            return Err(PerpError::InsufficientCollateral {
                available: acc.collateral,
                wanted: u128::from(margin.0),
            });
        }
        let acc = self.account_mut(id)?;
        acc.collateral -= m;
        if let Some(p) = acc.position_mut(market) {
            p.isolated_margin = Some(m);
        }
        Ok(())
    }

    pub(crate) fn check_marks(&self, marks: &[Ticks]) -> Result<(), PerpError> {
        if marks.len() != self.tables.len() {
            return Err(PerpError::MarksLength {
                expected: self.tables.len(),
                got: marks.len(),
            });
        }
        marks.iter().try_for_each(|&m| check_price(m))
    }

    /// Equity, maintenance requirement and notional of one scope at `marks`.
    pub fn margin_state(
        &self,
        id: AccountId,
        scope: Scope,
        marks: &[Ticks],
    ) -> Result<MarginState, PerpError> {
        self.check_marks(marks)?;
        let acc = self.account(id)?;
        if let Scope::Isolated(m) = scope {
            self.table(m)?;
            if acc.scope_positions(scope).next().is_none() {
                return Err(PerpError::NoPosition {
                    account: id,
                    market: m,
                });
            }
        }
        Ok(self.state_of(acc, scope, marks))
    }

    /// [`PerpVenue::margin_state`] without checks (marks and scope already validated).
    pub(crate) fn state_of(&self, acc: &Account, scope: Scope, marks: &[Ticks]) -> MarginState {
        let mut st = MarginState {
            equity: acc.scope_collateral(scope).unwrap_or(0),
            maintenance: 0,
            notional: 0,
            positions: 0,
        };
        for p in acc.scope_positions(scope).filter(|p| p.size != 0) {
            let mark = marks[p.market.index()];
            let notional = p.notional_at(mark);
            st.equity += p.unrealised_pnl(mark);
            st.maintenance += self.tables[p.market.index()].maintenance_margin(notional);
            st.notional += notional;
            st.positions += 1;
        }
        st
    }

    /// Account value at `marks`: cross collateral, isolated margins and every position's uPnL.
    pub fn account_value(&self, id: AccountId, marks: &[Ticks]) -> Result<i128, PerpError> {
        self.check_marks(marks)?;
        let acc = self.account(id)?;
        Ok(account_value_of(acc, marks))
    }

    /// Every scope whose equity is below its maintenance requirement at `marks`, by account
    /// then scope (cross first). The vault is never listed.
    pub fn liquidatable(&self, marks: &[Ticks]) -> Result<Vec<(AccountId, Scope)>, PerpError> {
        self.check_marks(marks)?;
        let mut out = Vec::new();
        for (i, acc) in self.accounts.iter().enumerate().skip(1) {
            let id = AccountId(i as u32);
            let mut scopes: Vec<Scope> = acc.positions.iter().map(|p| p.scope()).collect();
            scopes.sort();
            scopes.dedup();
            for scope in scopes {
                if self.state_of(acc, scope, marks).is_liquidatable() {
                    out.push((id, scope));
                }
            }
        }
        Ok(out)
    }

    /// Net open size of a market over all accounts (zero when every fill had both sides
    /// recorded here).
    pub fn net_size(&self, market: MarketId) -> i128 {
        self.accounts
            .iter()
            .filter_map(|a| a.position(market))
            .map(|p| i128::from(p.size))
            .sum()
    }

    /// Everything the venue's participants and funds are worth at `marks`: every account's value
    /// (the vault's included), the insurance fund and the venue's fees, minus the bad debt
    /// written off. Only deposits change it when every fill is recorded on both sides; with a
    /// zero net size it does not depend on the marks (PnL is zero-sum between longs and shorts).
    pub fn total_value(&self, marks: &[Ticks]) -> Result<i128, PerpError> {
        self.check_marks(marks)?;
        let accounts: i128 = self
            .accounts
            .iter()
            .map(|a| account_value_of(a, marks))
            .sum();
        Ok(
            accounts + self.insurance.balance() as i128 + self.totals.clearing_fees as i128
                - self.totals.bad_debt as i128,
        )
    }
}

fn account_value_of(acc: &Account, marks: &[Ticks]) -> i128 {
    acc.total_collateral()
        + acc
            .positions
            .iter()
            .map(|p| p.unrealised_pnl(marks[p.market.index()]))
            .sum::<i128>()
}

pub(crate) fn check_price(p: Ticks) -> Result<(), PerpError> {
    if p.0 <= 0 || p.0 > MAX_TICKS {
        return Err(PerpError::InvalidPrice(p));
    }
    Ok(())
}

fn check_qty(q: i64) -> Result<(), PerpError> {
    if q == 0 || q.unsigned_abs() > MAX_LOTS {
        return Err(PerpError::InvalidSize(i128::from(q)));
    }
    Ok(())
}

fn check_qty_or_zero(q: i128) -> Result<(), PerpError> {
    if q.unsigned_abs() > u128::from(MAX_LOTS) {
        return Err(PerpError::InvalidSize(q));
    }
    Ok(())
}
