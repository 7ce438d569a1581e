//! LOBSTER files: the message file and the orderbook file of one sample.
//!
//! Format (lobsterdata.com, and `../shared/data/README.md`): message rows are `time` (seconds
//! after midnight), `type` (1-7), `order id`, `size`, `price` (USD x 10000), `direction` (1 buy,
//! -1 sell); orderbook row `k` is the book after message `k`, four columns per level (`ask price,
//! ask size, bid price, bid size`), empty levels written as price +-9999999999 and size 0.
//! Either file may start with a header row. Prices are converted to ticks of the sample's own
//! tick size: the greatest common divisor of every price in both files.

use crate::DataError;
use cascade_book::replay::{DepthRow, Message, MessageKind};
use cascade_types::Side;
use std::path::Path;

/// Price LOBSTER writes for an empty level (negated on the bid side).
const EMPTY_LEVEL: i64 = 9_999_999_999;

/// A loaded sample, prices in ticks.
#[derive(Clone, Debug)]
pub struct LobsterSample {
    /// Messages in file order.
    pub messages: Vec<Message>,
    /// The 1-based line of each message in its file.
    pub message_lines: Vec<usize>,
    /// Snapshot after each message.
    pub rows: Vec<DepthRow>,
    /// Levels per side in the orderbook file.
    pub depth: usize,
    /// The tick size in LOBSTER price units (USD x 10000).
    pub tick: i64,
}

struct RawMessage {
    time: f64,
    kind: MessageKind,
    order_id: u64,
    size: u64,
    price: i64,
    side: Side,
}

fn read(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|io| DataError::Read {
        path: path.to_path_buf(),
        io,
        hint: "LOBSTER samples come from https://lobsterdata.com/info/DataSamples.php".into(),
    })
}

/// Data lines with their 1-based numbers, without a header row and blank lines.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .peekable();
    if let Some((_, first)) = lines.peek() {
        let head = first.split(',').next().unwrap_or("").trim();
        if !head.is_empty() && head.parse::<f64>().is_err() {
            lines.next();
        }
    }
    lines.filter(|(_, l)| !l.trim().is_empty())
}

fn field<T: std::str::FromStr>(
    path: &Path,
    line: usize,
    fields: &[&str],
    i: usize,
    name: &str,
) -> Result<T, DataError> {
    let raw = fields[i].trim();
    raw.parse().map_err(|_| DataError::Line {
        path: path.to_path_buf(),
        line,
        message: format!(
            "column {} ({name}): `{raw}` is not a valid {}",
            i + 1,
            std::any::type_name::<T>()
        ),
    })
}

fn parse_messages(path: &Path, text: &str) -> Result<(Vec<RawMessage>, Vec<usize>), DataError> {
    let mut out = Vec::new();
    let mut lines = Vec::new();
    for (line, l) in data_lines(text) {
        let f: Vec<&str> = l.split(',').collect();
        if f.len() != 6 {
            return Err(DataError::line(
                path,
                line,
                format!(
                    "expected 6 columns (time,type,order_id,size,price,direction), found {}",
                    f.len()
                ),
            ));
        }
        let time: f64 = field(path, line, &f, 0, "time")?;
        let code: u8 = field(path, line, &f, 1, "type")?;
        let kind = MessageKind::from_code(code).ok_or_else(|| {
            DataError::line(
                path,
                line,
                format!("column 2 (type): {code} is not an event type 1-7"),
            )
        })?;
        let order_id: u64 = field(path, line, &f, 2, "order_id")?;
        let size: u64 = field(path, line, &f, 3, "size")?;
        let price: i64 = field(path, line, &f, 4, "price")?;
        let direction: i8 = field(path, line, &f, 5, "direction")?;
        let side = match direction {
            1 => Side::Bid,
            -1 => Side::Ask,
            d => {
                return Err(DataError::line(
                    path,
                    line,
                    format!("column 6 (direction): {d} is neither 1 nor -1"),
                ));
            }
        };
        if kind != MessageKind::Halt && price <= 0 {
            return Err(DataError::line(
                path,
                line,
                format!("column 5 (price): {price} is not a positive price"),
            ));
        }
        if !time.is_finite() || time < 0.0 {
            return Err(DataError::line(
                path,
                line,
                format!("column 1 (time): {time} is not a time of day in seconds"),
            ));
        }
        out.push(RawMessage {
            time,
            kind,
            order_id,
            size,
            price,
            side,
        });
        lines.push(line);
    }
    Ok((out, lines))
}

fn parse_orderbook(path: &Path, text: &str) -> Result<(Vec<DepthRow>, usize), DataError> {
    let mut rows = Vec::new();
    let mut depth = None;
    for (line, l) in data_lines(text) {
        let f: Vec<&str> = l.split(',').collect();
        if !f.len().is_multiple_of(4) || f.is_empty() {
            return Err(DataError::line(
                path,
                line,
                format!("expected 4 columns per level, found {}", f.len()),
            ));
        }
        let levels = f.len() / 4;
        match depth {
            None => depth = Some(levels),
            Some(d) if d != levels => {
                return Err(DataError::line(
                    path,
                    line,
                    format!("{levels} levels, but earlier rows have {d}"),
                ));
            }
            _ => {}
        }
        let mut row = DepthRow::default();
        for k in 0..levels {
            let ask: i64 = field(path, line, &f, 4 * k, "ask price")?;
            let ask_size: u64 = field(path, line, &f, 4 * k + 1, "ask size")?;
            let bid: i64 = field(path, line, &f, 4 * k + 2, "bid price")?;
            let bid_size: u64 = field(path, line, &f, 4 * k + 3, "bid size")?;
            if ask != EMPTY_LEVEL && ask_size > 0 {
                if ask <= 0 {
                    return Err(DataError::line(
                        path,
                        line,
                        format!(
                            "column {} (ask price): {ask} is not a positive price",
                            4 * k + 1
                        ),
                    ));
                }
                row.asks.push((ask, ask_size));
            }
            if bid != -EMPTY_LEVEL && bid_size > 0 {
                if bid <= 0 {
                    return Err(DataError::line(
                        path,
                        line,
                        format!(
                            "column {} (bid price): {bid} is not a positive price",
                            4 * k + 3
                        ),
                    ));
                }
                row.bids.push((bid, bid_size));
            }
        }
        rows.push(row);
    }
    Ok((rows, depth.unwrap_or(0)))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

/// Loads a message file and its orderbook file.
pub fn load(message_path: &Path, orderbook_path: &Path) -> Result<LobsterSample, DataError> {
    let messages = read(message_path)?;
    let orderbook = read(orderbook_path)?;
    parse(message_path, &messages, orderbook_path, &orderbook)
}

/// Parses a message file's and an orderbook file's text; the paths only name them in errors.
pub fn parse(
    message_path: &Path,
    messages: &str,
    orderbook_path: &Path,
    orderbook: &str,
) -> Result<LobsterSample, DataError> {
    let (raw, message_lines) = parse_messages(message_path, messages)?;
    let (mut rows, depth) = parse_orderbook(orderbook_path, orderbook)?;
    if rows.len() != raw.len() {
        return Err(DataError::Mismatch(format!(
            "{} has {} messages but {} has {} rows; they must pair up one to one",
            message_path.display(),
            raw.len(),
            orderbook_path.display(),
            rows.len()
        )));
    }
    let mut tick = 0u64;
    for m in raw.iter().filter(|m| m.kind != MessageKind::Halt) {
        tick = gcd(tick, m.price.unsigned_abs());
    }
    for r in &rows {
        for &(p, _) in r.bids.iter().chain(&r.asks) {
            tick = gcd(tick, p.unsigned_abs());
        }
    }
    // Prices are positive (checked line by line), so the divisor fits an i64.
    let tick = i64::try_from(tick.max(1)).expect("a gcd of positive i64 prices");
    let messages = raw
        .iter()
        .map(|m| Message {
            time: m.time,
            kind: m.kind,
            order_id: m.order_id,
            size: m.size,
            price: m.price / tick,
            side: m.side,
        })
        .collect();
    for r in &mut rows {
        for l in r.bids.iter_mut().chain(r.asks.iter_mut()) {
            l.0 /= tick;
        }
    }
    Ok(LobsterSample {
        messages,
        message_lines,
        rows,
        depth,
        tick,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cascade-lobster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn parses_with_or_without_header_and_scales_to_ticks() {
        let m = temp(
            "m.csv",
            "Time,Type,OrderID,Size,Price,Direction\n34200.1,1,7,18,5853300,1\n34200.2,7,0,0,-1,-1\r\n",
        );
        let b = temp(
            "b.csv",
            "5859400,200,5853300,18,9999999999,0,-9999999999,0\n5859400,200,5853300,18,9999999999,0,-9999999999,0\n",
        );
        let s = load(&m, &b).unwrap();
        assert_eq!(s.tick, 100);
        assert_eq!(s.depth, 2);
        assert_eq!(s.messages[0].price, 58_533);
        assert_eq!(s.messages[0].side, Side::Bid);
        assert_eq!(s.messages[1].kind, MessageKind::Halt);
        assert_eq!(s.message_lines, [2, 3]);
        assert_eq!(
            s.rows[0],
            DepthRow {
                bids: vec![(58_533, 18)],
                asks: vec![(58_594, 200)]
            }
        );
    }

    #[test]
    fn a_malformed_line_names_its_number() {
        let b = temp("b1.csv", "5859400,200,5853300,18\n");
        let cases = [
            (
                "m1.csv",
                "34200.1,1,7,18,5853300,1\n34200.2,1,8,x,5853300,1\n",
                "m1.csv:2: column 4 (size)",
            ),
            (
                "m2.csv",
                "34200.1,9,7,18,5853300,1\n",
                "m2.csv:1: column 2 (type): 9",
            ),
            (
                "m3.csv",
                "34200.1,1,7,18,5853300\n",
                "m3.csv:1: expected 6 columns",
            ),
            (
                "m4.csv",
                "34200.1,1,7,18,5853300,0\n",
                "m4.csv:1: column 6 (direction)",
            ),
        ];
        for (name, text, want) in cases {
            let err = load(&temp(name, text), &b).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
        let m = temp("m5.csv", "34200.1,1,7,18,5853300,1\n");
        let err = load(&m, &temp("b2.csv", "5859400,200,5853300\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("b2.csv:1: expected 4 columns per level"),
            "{err}"
        );
        let err = load(&m, &temp("b3.csv", "")).unwrap_err().to_string();
        assert!(err.contains("must pair up"), "{err}");
        let err = load(&m, Path::new("/nonexistent/ob.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/nonexistent/ob.csv") && err.contains("lobsterdata.com"),
            "{err}"
        );
    }
}
