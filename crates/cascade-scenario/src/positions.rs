//! Borrower positions read from a CSV file: one position per line, `collateral,debt` in base
//! units and quote currency (a header line naming the two columns, in any order, is required;
//! other columns are ignored). Such files come from a protocol's own data (a subgraph or an
//! indexer export of the positions of one collateral/debt pair at a block).

use crate::DataError;
use std::path::Path;

/// One position: collateral in base units and debt in quote currency, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Position {
    /// Collateral, base units.
    pub collateral: f64,
    /// Debt, quote currency.
    pub debt: f64,
    /// 1-based line in the file, for errors found later (an unhealthy start).
    pub line: usize,
}

/// Reads a position file.
pub fn load(path: &Path) -> Result<Vec<Position>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|io| DataError::Read {
        path: path.to_path_buf(),
        io,
        hint: "a CSV with a header `collateral,debt` and one position per line, \
               in the data directory"
            .into(),
    })?;
    parse(path, &text)
}

/// Parses position text; `path` names it in errors.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Position>, DataError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let Some((hl, header)) = lines.next() else {
        return Err(DataError::line(
            path,
            1,
            "empty file: expected a header `collateral,debt`",
        ));
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    let find = |name: &str| {
        cols.iter()
            .position(|c| c.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                DataError::line(
                    path,
                    hl,
                    format!(
                        "the header has no `{name}` column (columns: {})",
                        cols.join(", ")
                    ),
                )
            })
    };
    let (ci, di) = (find("collateral")?, find("debt")?);
    let mut out = Vec::new();
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != cols.len() {
            return Err(DataError::line(
                path,
                n,
                format!("{} fields, the header has {}", fields.len(), cols.len()),
            ));
        }
        let num = |i: usize, name: &str| -> Result<f64, DataError> {
            let v: f64 = fields[i].parse().map_err(|_| {
                DataError::line(path, n, format!("{name}: `{}` is not a number", fields[i]))
            })?;
            if !v.is_finite() || v < 0.0 {
                return Err(DataError::line(
                    path,
                    n,
                    format!("{name}: {v} must be finite and >= 0"),
                ));
            }
            Ok(v)
        };
        let (collateral, debt) = (num(ci, "collateral")?, num(di, "debt")?);
        if collateral <= 0.0 {
            return Err(DataError::line(path, n, "collateral: must be > 0"));
        }
        out.push(Position {
            collateral,
            debt,
            line: n,
        });
    }
    if out.is_empty() {
        return Err(DataError::line(path, hl, "no positions after the header"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Position>, DataError> {
        parse(Path::new("pos.csv"), text)
    }

    #[test]
    fn columns_in_any_order_and_extra_columns() {
        let v = p("owner,debt,collateral\n0xa,15000,10\n\n0xb,0,2.5\n").unwrap();
        assert_eq!(
            v,
            vec![
                Position {
                    collateral: 10.0,
                    debt: 15000.0,
                    line: 2
                },
                Position {
                    collateral: 2.5,
                    debt: 0.0,
                    line: 4
                }
            ]
        );
    }

    #[test]
    fn each_bad_line_is_named() {
        let msg = |t: &str| p(t).unwrap_err().to_string();
        assert_eq!(
            msg(""),
            "pos.csv:1: empty file: expected a header `collateral,debt`"
        );
        assert_eq!(
            msg("collateral,borrow\n1,2\n"),
            "pos.csv:1: the header has no `debt` column (columns: collateral, borrow)"
        );
        assert_eq!(
            msg("collateral,debt\n1,2\n1,x\n"),
            "pos.csv:3: debt: `x` is not a number"
        );
        assert_eq!(
            msg("collateral,debt\n1\n"),
            "pos.csv:2: 1 fields, the header has 2"
        );
        assert_eq!(
            msg("collateral,debt\n-1,2\n"),
            "pos.csv:2: collateral: -1 must be finite and >= 0"
        );
        assert_eq!(
            msg("collateral,debt\n0,2\n"),
            "pos.csv:2: collateral: must be > 0"
        );
        assert_eq!(
            msg("collateral,debt\n"),
            "pos.csv:1: no positions after the header"
        );
    }
}
