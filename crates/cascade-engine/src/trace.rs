//! Trace rows and where they go.
//!
//! The world emits one row per trade, oracle event, liquidation and book snapshot to a
//! [`TraceSink`]. [`CsvTrace`] streams them into CSV files with headers (one file per row kind,
//! written as they come, so memory does not grow with the run) and hashes every byte written;
//! [`MemoryTrace`] keeps them for tests and in-process analysis.
//!
//! Numbers are written with Rust's shortest round-trip float formatting, which is the same on
//! every platform, so identical runs give identical bytes.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// One trade in the book.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeRow {
    /// Simulated time, ns.
    pub time_ns: u64,
    /// Price in quote currency.
    pub price: f64,
    /// Quantity in base units.
    pub qty: f64,
    /// `buy` if the taker bought, `sell` if it sold.
    pub taker_side: &'static str,
    /// The resting side's owner.
    pub maker: String,
    /// The incoming side's owner.
    pub taker: String,
    /// The liquidation whose sale this is, if any.
    pub liquidation: Option<u32>,
}

/// One oracle event.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleRow {
    /// Simulated time, ns.
    pub time_ns: u64,
    /// Which oracle.
    pub oracle: String,
    /// The price concerned.
    pub price: f64,
    /// The exogenous reference price when the source was observed.
    pub reference_price: f64,
    /// Time since the observation, ns.
    pub age_ns: u64,
    /// Number of sources behind the price.
    pub sources_used: u32,
    /// `publish`, `stale`, ...
    pub event: &'static str,
    /// Why the round started (`first`, `deviation`, `heartbeat`), empty if not a publication.
    pub reason: &'static str,
}

/// One liquidation call and the sale of its collateral.
#[derive(Clone, Debug, PartialEq)]
pub struct LiquidationRow {
    /// Simulated time, ns.
    pub time_ns: u64,
    /// Liquidation id, from 0 in order.
    pub id: u32,
    /// Liquidated account.
    pub account: u32,
    /// Liquidator.
    pub liquidator: String,
    /// 0 if the exogenous move triggered it, parent's + 1 otherwise.
    pub generation: u32,
    /// The liquidation whose sale moved the triggering price.
    pub parent: Option<u32>,
    /// Health factor before.
    pub health_factor: f64,
    /// The oracle price the protocol used.
    pub oracle_price: f64,
    /// Debt repaid, quote currency.
    pub debt_repaid: f64,
    /// Collateral taken from the account, base units (liquidator's share plus fee).
    pub collateral_seized: f64,
    /// Collateral kept by the protocol, base units.
    pub protocol_fee: f64,
    /// Debt written off, quote currency.
    pub deficit: f64,
    /// Base sold into the book right after.
    pub sold: f64,
    /// Quote received for it.
    pub proceeds: f64,
    /// Book mid before the sale.
    pub price_before: Option<f64>,
    /// Book mid after the sale.
    pub price_after: Option<f64>,
}

/// The top of the book at a snapshot time.
#[derive(Clone, Debug, PartialEq)]
pub struct BookTopRow {
    /// Simulated time, ns.
    pub time_ns: u64,
    /// Best bid price.
    pub best_bid: Option<f64>,
    /// Size there, base units.
    pub bid_qty: f64,
    /// Best ask price.
    pub best_ask: Option<f64>,
    /// Size there, base units.
    pub ask_qty: f64,
    /// Mid price.
    pub mid: Option<f64>,
    /// Bid depth within 2% of the mid, base units.
    pub bid_depth_2pct: f64,
    /// The exogenous reference price.
    pub reference: f64,
    /// The published oracle price.
    pub oracle: Option<f64>,
}

/// Where trace rows go.
pub trait TraceSink {
    /// A trade.
    fn trade(&mut self, row: &TradeRow);
    /// An oracle event.
    fn oracle(&mut self, row: &OracleRow);
    /// A liquidation.
    fn liquidation(&mut self, row: &LiquidationRow);
    /// A book snapshot.
    fn book_top(&mut self, row: &BookTopRow);
}

/// Column headers, one line per file, in the order of the row fields.
pub const TRADES_HEADER: &str = "time_ns,price,qty,taker_side,maker,taker,liquidation";
/// See [`TRADES_HEADER`].
pub const ORACLE_HEADER: &str =
    "time_ns,oracle,price,reference_price,age_ns,sources_used,event,reason";
/// See [`TRADES_HEADER`].
pub const LIQUIDATIONS_HEADER: &str = "time_ns,id,account,liquidator,generation,parent,health_factor,oracle_price,debt_repaid,collateral_seized,protocol_fee,deficit,sold,proceeds,price_before,price_after";
/// See [`TRADES_HEADER`].
pub const BOOK_TOP_HEADER: &str =
    "time_ns,best_bid,bid_qty,best_ask,ask_qty,mid,bid_depth_2pct,reference,oracle";

/// The trace files, in the order their hashes enter the trace hash.
pub const TRACE_FILES: [&str; 4] = [
    "book_top.csv",
    "liquidations.csv",
    "oracle.csv",
    "trades.csv",
];

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or(String::new(), |v| v.to_string())
}

impl TradeRow {
    fn write_csv(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{}",
            self.time_ns,
            self.price,
            self.qty,
            self.taker_side,
            self.maker,
            self.taker,
            opt(self.liquidation)
        );
    }
}

impl OracleRow {
    fn write_csv(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            self.time_ns,
            self.oracle,
            self.price,
            self.reference_price,
            self.age_ns,
            self.sources_used,
            self.event,
            self.reason
        );
    }
}

impl LiquidationRow {
    fn write_csv(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.time_ns,
            self.id,
            self.account,
            self.liquidator,
            self.generation,
            opt(self.parent),
            self.health_factor,
            self.oracle_price,
            self.debt_repaid,
            self.collateral_seized,
            self.protocol_fee,
            self.deficit,
            self.sold,
            self.proceeds,
            opt(self.price_before),
            opt(self.price_after)
        );
    }
}

impl BookTopRow {
    fn write_csv(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{}",
            self.time_ns,
            opt(self.best_bid),
            self.bid_qty,
            opt(self.best_ask),
            self.ask_qty,
            opt(self.mid),
            self.bid_depth_2pct,
            self.reference,
            opt(self.oracle)
        );
    }
}

/// How much of the trace a run writes to disk. The trace hash always covers the full trace,
/// whatever is written, so runs at different levels can be checked against each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceLevel {
    /// No trace files: `summary.json` only.
    Summary,
    /// `liquidations.csv` and `oracle.csv`: the events, not the market's every tick.
    Liquidations,
    /// Every file, including `trades.csv` and `book_top.csv`.
    #[default]
    Full,
}

impl TraceLevel {
    /// The files written at this level.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            TraceLevel::Summary => &[],
            TraceLevel::Liquidations => &["liquidations.csv", "oracle.csv"],
            TraceLevel::Full => &TRACE_FILES,
        }
    }
}

impl std::str::FromStr for TraceLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "summary" => Ok(TraceLevel::Summary),
            "liquidations" => Ok(TraceLevel::Liquidations),
            "full" => Ok(TraceLevel::Full),
            other => Err(format!(
                "unknown trace level `{other}` (expected summary, liquidations or full)"
            )),
        }
    }
}

/// One CSV stream: always hashed, written to a file if the trace level asks for it.
struct HashedFile {
    out: Option<BufWriter<File>>,
    hash: Sha256,
    line: String,
}

impl HashedFile {
    fn create(dir: Option<&Path>, name: &str, header: &str) -> io::Result<Self> {
        let out = match dir {
            Some(d) => Some(BufWriter::with_capacity(
                1 << 16,
                File::create(d.join(name))?,
            )),
            None => None,
        };
        let mut f = HashedFile {
            out,
            hash: Sha256::new(),
            line: String::with_capacity(256),
        };
        f.line.push_str(header);
        f.line.push('\n');
        f.flush_line()?;
        Ok(f)
    }

    fn flush_line(&mut self) -> io::Result<()> {
        self.hash.update(self.line.as_bytes());
        let r = match &mut self.out {
            Some(out) => out.write_all(self.line.as_bytes()),
            None => Ok(()),
        };
        self.line.clear();
        r
    }
}

/// Streams the trace into CSV files in a directory (those the level asks for) and hashes all of
/// it; memory does not grow with the run.
///
/// Write errors are kept and returned by [`CsvTrace::finish`]; rows after the first error are
/// dropped.
pub struct CsvTrace {
    trades: HashedFile,
    oracle: HashedFile,
    liquidations: HashedFile,
    book_top: HashedFile,
    error: Option<io::Error>,
}

impl CsvTrace {
    /// Creates every trace file in `dir` (which must exist) and writes their headers.
    pub fn create(dir: &Path) -> io::Result<Self> {
        Self::with_level(dir, TraceLevel::Full)
    }

    /// Creates the files `level` asks for in `dir`; the others are only hashed.
    pub fn with_level(dir: &Path, level: TraceLevel) -> io::Result<Self> {
        let files = level.files();
        let at = |name: &str| files.contains(&name).then_some(dir);
        Ok(CsvTrace {
            trades: HashedFile::create(at("trades.csv"), "trades.csv", TRADES_HEADER)?,
            oracle: HashedFile::create(at("oracle.csv"), "oracle.csv", ORACLE_HEADER)?,
            liquidations: HashedFile::create(
                at("liquidations.csv"),
                "liquidations.csv",
                LIQUIDATIONS_HEADER,
            )?,
            book_top: HashedFile::create(at("book_top.csv"), "book_top.csv", BOOK_TOP_HEADER)?,
            error: None,
        })
    }

    /// Hashes the trace without writing anything (sweeps).
    pub fn hash_only() -> Self {
        let make = |name: &str, header: &str| {
            HashedFile::create(None, name, header).expect("no I/O without a file")
        };
        CsvTrace {
            trades: make("trades.csv", TRADES_HEADER),
            oracle: make("oracle.csv", ORACLE_HEADER),
            liquidations: make("liquidations.csv", LIQUIDATIONS_HEADER),
            book_top: make("book_top.csv", BOOK_TOP_HEADER),
            error: None,
        }
    }

    fn emit(
        &mut self,
        pick: impl FnOnce(&mut Self) -> &mut HashedFile,
        fill: impl FnOnce(&mut String),
    ) {
        if self.error.is_some() {
            return;
        }
        let f = pick(self);
        fill(&mut f.line);
        if let Err(e) = f.flush_line() {
            self.error = Some(e);
        }
    }

    /// Flushes every file and returns the trace hash: SHA-256 over the lines
    /// `"<file name>:<hex SHA-256 of the file>\n"` for the files in [`TRACE_FILES`] order.
    pub fn finish(self) -> io::Result<String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut files = [
            ("book_top.csv", self.book_top),
            ("liquidations.csv", self.liquidations),
            ("oracle.csv", self.oracle),
            ("trades.csv", self.trades),
        ];
        let mut combined = Sha256::new();
        for (name, f) in files.iter_mut() {
            if let Some(out) = &mut f.out {
                out.flush()?;
            }
            let digest = std::mem::take(&mut f.hash).finalize();
            combined.update(format!("{name}:{}\n", hex(&digest)).as_bytes());
        }
        Ok(hex(&combined.finalize()))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl TraceSink for CsvTrace {
    fn trade(&mut self, row: &TradeRow) {
        self.emit(|t| &mut t.trades, |s| row.write_csv(s));
    }
    fn oracle(&mut self, row: &OracleRow) {
        self.emit(|t| &mut t.oracle, |s| row.write_csv(s));
    }
    fn liquidation(&mut self, row: &LiquidationRow) {
        self.emit(|t| &mut t.liquidations, |s| row.write_csv(s));
    }
    fn book_top(&mut self, row: &BookTopRow) {
        self.emit(|t| &mut t.book_top, |s| row.write_csv(s));
    }
}

/// Keeps every row in memory.
#[derive(Clone, Debug, Default)]
pub struct MemoryTrace {
    /// Trades.
    pub trades: Vec<TradeRow>,
    /// Oracle events.
    pub oracle: Vec<OracleRow>,
    /// Liquidations.
    pub liquidations: Vec<LiquidationRow>,
    /// Book snapshots.
    pub book_top: Vec<BookTopRow>,
}

impl TraceSink for MemoryTrace {
    fn trade(&mut self, row: &TradeRow) {
        self.trades.push(row.clone());
    }
    fn oracle(&mut self, row: &OracleRow) {
        self.oracle.push(row.clone());
    }
    fn liquidation(&mut self, row: &LiquidationRow) {
        self.liquidations.push(row.clone());
    }
    fn book_top(&mut self, row: &BookTopRow) {
        self.book_top.push(row.clone());
    }
}

/// Drops every row (for sweeps that need only the summary).
impl TraceSink for () {
    fn trade(&mut self, _: &TradeRow) {}
    fn oracle(&mut self, _: &OracleRow) {}
    fn liquidation(&mut self, _: &LiquidationRow) {}
    fn book_top(&mut self, _: &BookTopRow) {}
}
