//! The rows of each trace file. Each row type is declared once: its fields give the CSV
//! header and the column order, so the two cannot drift apart.

use super::{MemoryTrace, TraceFile};
use std::fmt::Write as _;

/// A value that can be a CSV field.
pub trait CsvField {
    /// Appends the field's text (no separator).
    fn put(&self, out: &mut String);
}

impl CsvField for u64 {
    fn put(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl CsvField for u32 {
    fn put(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl CsvField for f64 {
    fn put(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl CsvField for &'static str {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl CsvField for String {
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: CsvField> CsvField for Option<T> {
    fn put(&self, out: &mut String) {
        if let Some(v) = self {
            v.put(out);
        }
    }
}

/// A row of one trace file.
pub trait Row {
    /// The file it goes to.
    const FILE: TraceFile;
    /// The file's header line (without newline).
    const HEADER: &'static str;
    /// Appends the row's CSV line, with its newline.
    fn write_csv(&self, out: &mut String);
    /// Keeps a copy in an in-memory trace.
    fn keep(&self, mem: &mut MemoryTrace);
}

macro_rules! rows {
    ($(
        $(#[$meta:meta])*
        $name:ident => $file:ident, $mem:ident {
            $(#[$fmeta1:meta])* $field1:ident : $ty1:ty
            $(, $(#[$fmeta:meta])* $field:ident : $ty:ty)* $(,)?
        }
    )*) => {$(
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $(#[$fmeta1])* pub $field1: $ty1,
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl Row for $name {
            const FILE: TraceFile = TraceFile::$file;
            const HEADER: &'static str = concat!(stringify!($field1) $(, ",", stringify!($field))*);
            fn write_csv(&self, out: &mut String) {
                CsvField::put(&self.$field1, out);
                $( out.push(','); CsvField::put(&self.$field, out); )*
                out.push('\n');
            }
            fn keep(&self, mem: &mut MemoryTrace) {
                mem.$mem.push(self.clone());
            }
        }
    )*};
}

rows! {
    /// One trade in the book.
    TradeRow => Trades, trades {
        /// Simulated time, ns.
        time_ns: u64,
        /// Venue.
        venue: String,
        /// Price in quote currency.
        price: f64,
        /// Quantity in base units.
        qty: f64,
        /// `buy` if the taker bought, `sell` if it sold.
        taker_side: &'static str,
        /// The resting side's owner.
        maker: String,
        /// The incoming side's owner.
        taker: String,
        /// The liquidation whose sale this is, if any.
        liquidation: Option<u32>,
    }

    /// One oracle event.
    OracleRow => Oracle, oracle {
        /// Simulated time, ns.
        time_ns: u64,
        /// Which oracle.
        oracle: String,
        /// The price concerned.
        price: f64,
        /// The exogenous reference price when the source was observed.
        reference_price: f64,
        /// Time since the observation, ns.
        age_ns: u64,
        /// Number of sources behind the price.
        sources_used: u32,
        /// `publish`, `stale`, ...
        event: &'static str,
        /// Why the round started (`first`, `round`), empty if not a publication.
        reason: &'static str,
    }

    /// One liquidation call and the sale of its collateral.
    LiquidationRow => Liquidations, liquidations {
        /// Simulated time, ns.
        time_ns: u64,
        /// Liquidation id, from 0 in order.
        id: u32,
        /// Liquidated account.
        account: u32,
        /// Liquidator.
        liquidator: String,
        /// 0 if the exogenous move triggered it, parent's + 1 otherwise.
        generation: u32,
        /// The liquidation whose sale moved the triggering price.
        parent: Option<u32>,
        /// Health factor before.
        health_factor: f64,
        /// The oracle price the protocol used.
        oracle_price: f64,
        /// Debt repaid (cash paid by the liquidator to the protocol), quote currency.
        debt_repaid: f64,
        /// Collateral taken from the account, base units (liquidator's share plus fee).
        collateral_seized: f64,
        /// Collateral kept by the protocol, base units: Aave's fee; with Compound the absorbed
        /// collateral not bought, negative when the liquidator bought more than the account held.
        protocol_fee: f64,
        /// Debt written off, quote currency (Aave's deficit, Morpho's socialised bad debt).
        deficit: f64,
        /// Base sold into the book right after.
        sold: f64,
        /// Quote received for it.
        proceeds: f64,
        /// The price the oracle observes (the median of its venues' mids) just before the sale.
        price_before: Option<f64>,
        /// The same just after the sale (of its first slice, for sales spread over time).
        price_after: Option<f64>,
    }

    /// One step of a perp venue's liquidation machinery (see docs/trace-format.md).
    PerpRow => Perps, perps {
        /// Simulated time, ns.
        time_ns: u64,
        /// `order`, `partial`, `backstop`, `backstop_refused`, `adl`, `adl_unfilled`,
        /// `insurance_draw`, `insurance_deposit`, `bad_debt` or `vault_unwind`.
        event: &'static str,
        /// The liquidation (shared id space with `liquidations.csv`; `trades.csv` refers to it).
        liquidation: Option<u32>,
        /// The venue account concerned (0 is the backstop vault).
        account: u32,
        /// The account deleveraged against it (`adl` rows).
        counterparty: Option<u32>,
        /// 0 if the exogenous move triggered it, parent's + 1 otherwise.
        generation: Option<u32>,
        /// The liquidation whose sale moved the triggering price.
        parent: Option<u32>,
        /// `sell` closes a long, `buy` a short; empty for money flows.
        side: &'static str,
        /// Base units: order size, positions moved, ADL size, size left open.
        size: f64,
        /// Base units filled in the book (`order`, `partial`, `vault_unwind`).
        filled: Option<f64>,
        /// Average fill price, or the ADL price.
        price: Option<f64>,
        /// The mark the venue acted at.
        mark: f64,
        /// Equity of the account at the mark before the step, USD.
        equity: Option<f64>,
        /// Its maintenance requirement at the mark, USD.
        maintenance: Option<f64>,
        /// USD: realised PnL of the fills, collateral moved to the vault, or the money flow.
        amount: Option<f64>,
        /// Insurance fund balance after the step, USD.
        insurance_fund: f64,
        /// The backstop vault's account value at the mark after the step, USD.
        vault_value: f64,
    }

    /// The top of the book at a snapshot time.
    BookTopRow => BookTop, book_top {
        /// Simulated time, ns.
        time_ns: u64,
        /// Venue.
        venue: String,
        /// Best bid price.
        best_bid: Option<f64>,
        /// Size there, base units.
        bid_qty: f64,
        /// Best ask price.
        best_ask: Option<f64>,
        /// Size there, base units.
        ask_qty: f64,
        /// Mid price.
        mid: Option<f64>,
        /// Bid depth within 2% of the mid, base units.
        bid_depth_2pct: f64,
        /// The exogenous reference price.
        reference: f64,
        /// The published oracle price.
        oracle: Option<f64>,
    }

    /// One price level of the book at a snapshot time (the best levels of each side).
    DepthRow => Depth, depth {
        /// Simulated time, ns.
        time_ns: u64,
        /// Venue.
        venue: String,
        /// `bid` or `ask`.
        side: &'static str,
        /// Level from the best, 0 first.
        level: u32,
        /// Price.
        price: f64,
        /// Resting size, base units.
        qty: f64,
    }

    /// One step of a vault auction (see docs/trace-format.md, `auctions.csv`).
    AuctionRow => Auctions, auctions {
        /// Simulated time, ns.
        time_ns: u64,
        /// Auction id, from 1 in kick order.
        auction: u64,
        /// The liquidated vault.
        vault: u32,
        /// `kick`, `tend`, `dent`, `take`, `redo`, `tick`, `deal`, `end`.
        event: &'static str,
        /// The keeper who acted (the winner or last buyer on `end`).
        keeper: Option<String>,
        /// Collateral in the auction after the event (on `end`: collateral the keepers got).
        lot: f64,
        /// DAI the auction still seeks after the event.
        tab: f64,
        /// DAI moved: the bid, the payment, the keeper incentive, the total raised on `end`.
        amount: f64,
        /// DAI per unit of collateral: the auction price, or the bid over the lot.
        price: Option<f64>,
        /// DAI raised so far.
        raised: f64,
        /// Debt taken from the vault (on `kick` and `end`).
        debt: Option<f64>,
        /// Collateral returned to the vault owner by the event (on `end`: in all).
        returned: f64,
        /// On `end`: debt not covered, `max(0, debt - raised)`.
        deficit: Option<f64>,
        /// On `end`: whether it raised less than 1% of its tab.
        near_zero: Option<&'static str>,
        /// The market oracle's price when the auction started.
        oracle_price: f64,
    }

    /// One step of an oracle manipulation (see docs/trace-format.md, `attacks.csv`).
    AttackRow => Attacks, attacks {
        /// Simulated time, ns.
        time_ns: u64,
        /// The attacker (`atk<i>`).
        attacker: String,
        /// `push`, `repush`, `unwind` or `liquidation` (by a liquidator it controls).
        phase: &'static str,
        /// The book or pool traded on (empty for a liquidation).
        venue: String,
        /// `sell` or `buy` (a liquidation buys collateral with debt).
        side: &'static str,
        /// Base traded or received, base units.
        qty: f64,
        /// Quote received or paid (a liquidation: debt repaid).
        amount: f64,
        /// `amount / qty`.
        price: Option<f64>,
        /// The venue's price as an oracle source reads it, before (a liquidation: the market
        /// oracle's price).
        venue_price_before: Option<f64>,
        /// The same after.
        venue_price_after: Option<f64>,
        /// The exogenous reference price.
        reference: f64,
        /// The market oracle's latest readable price.
        oracle: Option<f64>,
        /// Value given less value received at the reference price, quote currency (negative:
        /// a gain at the reference).
        cost: f64,
        /// The liquidation id (`liquidation` rows).
        liquidation: Option<u32>,
    }

    /// One liquidation transaction at inclusion (see docs/trace-format.md, `txs.csv`).
    TxRow => Txs, txs {
        /// Simulated time of inclusion, ns.
        time_ns: u64,
        /// Transaction id, from 0 in the order they were sent.
        tx: u32,
        /// Sender (`liq<i>`).
        liquidator: String,
        /// Target account.
        account: u32,
        /// When the liquidator decided and sent it, ns.
        sent_ns: u64,
        /// When it reached the chain, ns.
        arrived_ns: u64,
        /// Its place in its block's order, from 0 (priority-fee auction only).
        block_position: Option<u32>,
        /// Priority fee paid, quote currency.
        priority_fee: f64,
        /// Gas paid, quote currency.
        gas: f64,
        /// Debt to cover as sent, quote currency.
        debt_to_cover: f64,
        /// Profit after gas (before the fee) the liquidator expected when it decided.
        expected_profit: f64,
        /// `executed` or `reverted`.
        outcome: &'static str,
        /// Why it reverted (`not_liquidatable`, `unprofitable`, `no_capital`,
        /// `oracle_blocked`); empty if it executed.
        reason: &'static str,
        /// The liquidation it executed, if it did.
        liquidation: Option<u32>,
    }

    /// One sale of a borrower's deleverage bot (see docs/trace-format.md, `deleverage.csv`).
    DeleverageRow => Deleverage, deleverage {
        /// Simulated time, ns.
        time_ns: u64,
        /// The account deleveraged.
        account: u32,
        /// Collateral sold, base units.
        collateral_sold: f64,
        /// Collateral offered that the book could not absorb (it stays in the account), base
        /// units.
        unsold: f64,
        /// What the sale fetched, quote currency.
        proceeds: f64,
        /// Debt repaid with it, quote currency.
        debt_repaid: f64,
        /// Gas paid from the proceeds, quote currency.
        gas: f64,
        /// The borrower's cost: the collateral sold at the watched price, less the proceeds,
        /// plus gas, quote currency.
        cost: f64,
        /// Health factor at the watched price before (empty without debt).
        hf_before: Option<f64>,
        /// The same after (empty once the debt is repaid).
        hf_after: Option<f64>,
        /// The price the bot watched.
        watched_price: f64,
        /// The market oracle's price the protocol checked the repayment at.
        oracle_price: f64,
    }

    /// One agent's holdings at a snapshot time.
    AgentRow => Agents, agents {
        /// Simulated time, ns.
        time_ns: u64,
        /// Agent label (`mm0`, `liq2`, ...).
        agent: String,
        /// `maker` or `liquidator`.
        kind: &'static str,
        /// Quote held.
        cash: f64,
        /// Base held, base units.
        base: f64,
        /// Cash plus base at the book mid (or the oracle price if the book has no mid).
        value: f64,
        /// Levels per side a market maker is quoting (fewer under stress); empty for others.
        levels: Option<u32>,
    }
}
