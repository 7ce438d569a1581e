//! Trace rows and where they go.
//!
//! The world emits one row per trade, oracle event, liquidation, liquidation transaction (with
//! an ordering), deleverage bot sale, and per snapshot the top of
//! the book, its best levels and every agent's holdings, to a [`TraceSink`]. [`CsvTrace`] streams them into CSV files with headers (one file per row kind,
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

mod rows;

pub use rows::{
    AgentRow, AttackRow, AuctionRow, BookTopRow, CsvField, DeleverageRow, DepthRow, LiquidationRow,
    OracleRow, PerpRow, Row, TradeRow, TxRow,
};

/// The trace files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceFile {
    /// `agents.csv`.
    Agents,
    /// `attacks.csv`.
    Attacks,
    /// `auctions.csv`.
    Auctions,
    /// `book_top.csv`.
    BookTop,
    /// `deleverage.csv`.
    Deleverage,
    /// `depth.csv`.
    Depth,
    /// `liquidations.csv`.
    Liquidations,
    /// `oracle.csv`.
    Oracle,
    /// `perps.csv`.
    Perps,
    /// `trades.csv`.
    Trades,
    /// `txs.csv`.
    Txs,
}

/// Every trace file, in the order their hashes enter the trace hash.
pub const ALL_FILES: [TraceFile; 11] = [
    TraceFile::Agents,
    TraceFile::Attacks,
    TraceFile::Auctions,
    TraceFile::BookTop,
    TraceFile::Deleverage,
    TraceFile::Depth,
    TraceFile::Liquidations,
    TraceFile::Oracle,
    TraceFile::Perps,
    TraceFile::Trades,
    TraceFile::Txs,
];

/// The trace files' names, in [`ALL_FILES`] order.
pub const TRACE_FILES: [&str; 11] = [
    "agents.csv",
    "attacks.csv",
    "auctions.csv",
    "book_top.csv",
    "deleverage.csv",
    "depth.csv",
    "liquidations.csv",
    "oracle.csv",
    "perps.csv",
    "trades.csv",
    "txs.csv",
];

impl TraceFile {
    /// The file name.
    pub const fn name(self) -> &'static str {
        TRACE_FILES[self as usize]
    }

    /// The header line.
    pub const fn header(self) -> &'static str {
        match self {
            TraceFile::Agents => AgentRow::HEADER,
            TraceFile::Attacks => AttackRow::HEADER,
            TraceFile::Auctions => AuctionRow::HEADER,
            TraceFile::BookTop => BookTopRow::HEADER,
            TraceFile::Deleverage => DeleverageRow::HEADER,
            TraceFile::Depth => DepthRow::HEADER,
            TraceFile::Liquidations => LiquidationRow::HEADER,
            TraceFile::Oracle => OracleRow::HEADER,
            TraceFile::Perps => PerpRow::HEADER,
            TraceFile::Trades => TradeRow::HEADER,
            TraceFile::Txs => TxRow::HEADER,
        }
    }
}

/// Where trace rows go.
pub trait TraceSink {
    /// One row.
    fn row<R: Row>(&mut self, row: &R);
}

/// How much of the trace a run writes to disk. The trace hash always covers the full trace,
/// whatever is written, so runs at different levels can be checked against each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum TraceLevel {
    /// No trace files: `summary.json` only.
    Summary,
    /// `liquidations.csv`, `oracle.csv`, `perps.csv`, `auctions.csv`, `attacks.csv`,
    /// `deleverage.csv` and `txs.csv`: the events, not the market's every tick.
    Liquidations,
    /// Every file, including `trades.csv`, `book_top.csv`, `depth.csv` and `agents.csv`.
    #[default]
    Full,
}

impl TraceLevel {
    /// `true` if a run at this level writes `file` to disk.
    pub fn writes(self, file: TraceFile) -> bool {
        match self {
            TraceLevel::Summary => false,
            TraceLevel::Liquidations => matches!(
                file,
                TraceFile::Liquidations
                    | TraceFile::Attacks
                    | TraceFile::Deleverage
                    | TraceFile::Oracle
                    | TraceFile::Perps
                    | TraceFile::Auctions
                    | TraceFile::Txs
            ),
            TraceLevel::Full => true,
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
    /// Rows written after the header.
    rows: u64,
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
            rows: 0,
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
    files: Vec<HashedFile>,
    error: Option<io::Error>,
}

impl CsvTrace {
    /// Creates every trace file in `dir` (which must exist) and writes their headers.
    pub fn create(dir: &Path) -> io::Result<Self> {
        Self::with_level(dir, TraceLevel::Full)
    }

    /// Creates the files `level` asks for in `dir`; the others are only hashed.
    pub fn with_level(dir: &Path, level: TraceLevel) -> io::Result<Self> {
        let files = ALL_FILES
            .iter()
            .map(|&f| HashedFile::create(level.writes(f).then_some(dir), f.name(), f.header()))
            .collect::<io::Result<_>>()?;
        Ok(CsvTrace { files, error: None })
    }

    /// Hashes the trace without writing anything (sweeps).
    pub fn hash_only() -> Self {
        let files = ALL_FILES
            .iter()
            .map(|&f| {
                HashedFile::create(None, f.name(), f.header()).expect("no I/O without a file")
            })
            .collect();
        CsvTrace { files, error: None }
    }

    /// Flushes every file and returns the trace hash: SHA-256 over the lines
    /// `"<file name>:<hex SHA-256 of the file>\n"` for the files in [`TRACE_FILES`] order.
    /// `attacks.csv`, `deleverage.csv` and `txs.csv` enter only when they have rows (runs
    /// without attackers or deleverage bots, or whose liquidation calls are immediate, keep the
    /// hash they had before the files existed).
    pub fn finish(self) -> io::Result<String> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut combined = Sha256::new();
        for ((name, file), mut f) in TRACE_FILES.iter().zip(ALL_FILES).zip(self.files) {
            if let Some(out) = &mut f.out {
                out.flush()?;
            }
            let optional = matches!(
                file,
                TraceFile::Txs | TraceFile::Attacks | TraceFile::Deleverage
            );
            if optional && f.rows == 0 {
                continue;
            }
            combined.update(format!("{name}:{}\n", hex(&f.hash.finalize())).as_bytes());
        }
        Ok(hex(&combined.finalize()))
    }
}

impl TraceSink for CsvTrace {
    fn row<R: Row>(&mut self, row: &R) {
        if self.error.is_some() {
            return;
        }
        let f = &mut self.files[R::FILE as usize];
        f.rows += 1;
        row.write_csv(&mut f.line);
        if let Err(e) = f.flush_line() {
            self.error = Some(e);
        }
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

/// Keeps every row in memory.
#[derive(Clone, Debug, Default)]
pub struct MemoryTrace {
    /// Trades.
    pub trades: Vec<TradeRow>,
    /// Oracle events.
    pub oracle: Vec<OracleRow>,
    /// Liquidations.
    pub liquidations: Vec<LiquidationRow>,
    /// Perp venue steps.
    pub perps: Vec<PerpRow>,
    /// Vault auction steps.
    pub auctions: Vec<AuctionRow>,
    /// Book snapshots.
    pub book_top: Vec<BookTopRow>,
    /// Depth snapshots.
    pub depth: Vec<DepthRow>,
    /// Agent snapshots.
    pub agents: Vec<AgentRow>,
    /// Oracle manipulation steps.
    pub attacks: Vec<AttackRow>,
    /// Liquidation transactions.
    pub txs: Vec<TxRow>,
    /// Deleverage bot sales.
    pub deleverage: Vec<DeleverageRow>,
}

impl TraceSink for MemoryTrace {
    fn row<R: Row>(&mut self, row: &R) {
        row.keep(self);
    }
}

/// Drops every row (for runs that need only the summary).
impl TraceSink for () {
    fn row<R: Row>(&mut self, _: &R) {}
}
