//! Scenario parameters addressed by path, and value lists.
//!
//! A path walks the scenario as its fields are named in the RON file: `oracle.publication.Push.deviation`,
//! `makers[0].size_per_level`, `accounts.count`. Fields holding a distribution name the variant:
//! `accounts.health_factor.Uniform.lo`. The override is applied to the scenario's serde form
//! and the result is validated like a scenario file, so a swept value out of range is the same
//! clear error as in a file.

use cascade_scenario::Scenario;
use serde_json::Value;

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Field(String),
    Index(usize),
}

fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(format!("`{path}`: empty field name"));
        }
        steps.push(Step::Field(name.to_string()));
        while let Some(r) = rest.strip_prefix('[') {
            let close = r
                .find(']')
                .ok_or_else(|| format!("`{path}`: missing `]`"))?;
            let i = r[..close]
                .parse()
                .map_err(|_| format!("`{path}`: `{}` is not an index", &r[..close]))?;
            steps.push(Step::Index(i));
            rest = &r[close + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("`{path}`: unexpected `{rest}`"));
        }
    }
    Ok(steps)
}

fn set(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let steps = parse_path(path)?;
    let mut cur = root;
    let mut at = String::new();
    for step in &steps {
        cur = match step {
            Step::Field(f) => {
                let Value::Object(map) = cur else {
                    return Err(format!("`{path}`: `{at}` has no fields"));
                };
                let known: Vec<String> = map.keys().cloned().collect();
                match map.get_mut(f) {
                    Some(v) => v,
                    None => {
                        return Err(format!(
                            "`{path}`: no field `{f}`{}; fields there: {}",
                            if at.is_empty() {
                                String::new()
                            } else {
                                format!(" in `{at}`")
                            },
                            known.join(", ")
                        ));
                    }
                }
            }
            Step::Index(i) => {
                let Value::Array(items) = cur else {
                    return Err(format!("`{path}`: `{at}` is not a list"));
                };
                let n = items.len();
                items.get_mut(*i).ok_or_else(|| {
                    format!("`{path}`: index {i} out of range, `{at}` has {n} items")
                })?
            }
        };
        match step {
            Step::Field(f) if at.is_empty() => at = f.clone(),
            Step::Field(f) => at = format!("{at}.{f}"),
            Step::Index(i) => at = format!("{at}[{i}]"),
        }
    }
    if cur.is_object() || cur.is_array() {
        return Err(format!(
            "`{path}` is a group of fields, not a value; name one of its fields"
        ));
    }
    *cur = value;
    Ok(())
}

/// A value as written on the command line: integer, decimal, `true`/`false`, or text.
pub fn parse_value(raw: &str) -> Value {
    if let Ok(i) = raw.parse::<i64>() {
        return Value::from(i);
    }
    if let Some(f) = raw.parse::<f64>().ok().filter(|f| f.is_finite()) {
        return Value::from(f);
    }
    match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(raw.to_string()),
    }
}

/// The scenario with `overrides` (path, value) applied and validated; errors name the path.
pub fn apply(base: &Scenario, overrides: &[(String, String)]) -> Result<Scenario, String> {
    let mut v = serde_json::to_value(base).expect("a scenario always serialises");
    for (path, raw) in overrides {
        if path == "seed" {
            return Err("`seed` is set by --seeds, not --set".into());
        }
        set(&mut v, path, parse_value(raw))?;
    }
    let s: Scenario = serde_json::from_value(v).map_err(|e| {
        let paths: Vec<&str> = overrides.iter().map(|(p, _)| p.as_str()).collect();
        format!("{}: {e}", paths.join(", "))
    })?;
    s.validate()
        .map_err(|(field, msg)| format!("{field}: {msg}"))?;
    Ok(s)
}

/// Decimal places written in a number (`0.050` has 3).
fn decimals(s: &str) -> usize {
    s.split_once('.').map_or(0, |(_, f)| f.len())
}

/// Expands a value list: `a,b,c`, or ranges `start..end` (integers, step 1) and
/// `start..end:step`, both ends included. Decimal ranges are computed as `start + k * step` and
/// written with as many decimals as the widest of start, end and step, so `0.1..0.3:0.1` gives
/// exactly `0.1, 0.2, 0.3`.
pub fn expand(spec: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for item in spec.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(format!("`{spec}`: empty value"));
        }
        let Some((start, rest)) = item.split_once("..") else {
            out.push(item.to_string());
            continue;
        };
        let (end, step) = match rest.split_once(':') {
            Some((e, s)) => (e, Some(s)),
            None => (rest, None),
        };
        let all_int = [Some(start), Some(end), step]
            .into_iter()
            .flatten()
            .all(|x| x.parse::<i64>().is_ok());
        if all_int {
            let (a, b) = (
                start.parse::<i64>().unwrap_or(0),
                end.parse::<i64>().unwrap_or(0),
            );
            let st = step.map_or(Ok(1), str::parse::<i64>).unwrap_or(0);
            if st <= 0 || b < a {
                return Err(format!("`{item}`: need start <= end and a positive step"));
            }
            let mut x = a;
            while x <= b {
                out.push(x.to_string());
                x += st;
            }
            continue;
        }
        let num = |s: &str| {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("`{item}`: `{s}` is not a number"))
        };
        let (a, b) = (num(start)?, num(end)?);
        let Some(st) = step else {
            return Err(format!(
                "`{item}`: a decimal range needs a step, e.g. {start}..{end}:0.1"
            ));
        };
        let s = num(st)?;
        if s <= 0.0 || b < a {
            return Err(format!("`{item}`: need start <= end and a positive step"));
        }
        let places = decimals(start).max(decimals(end)).max(decimals(st));
        let n = ((b - a) / s + 1e-9).floor() as u64;
        if n > 100_000 {
            return Err(format!("`{item}`: {} values is too many", n + 1));
        }
        for k in 0..=n {
            out.push(format!("{:.*}", places, a + k as f64 * s));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_lists_expand_exactly() {
        assert_eq!(expand("1,2,5").unwrap(), ["1", "2", "5"]);
        assert_eq!(expand("3..6").unwrap(), ["3", "4", "5", "6"]);
        assert_eq!(expand("0..10:5").unwrap(), ["0", "5", "10"]);
        assert_eq!(expand("0.1..0.3:0.1").unwrap(), ["0.1", "0.2", "0.3"]);
        assert_eq!(
            expand("0.005..0.02:0.005").unwrap(),
            ["0.005", "0.010", "0.015", "0.020"]
        );
        assert_eq!(expand("1.5,2..3").unwrap(), ["1.5", "2", "3"]);
        assert!(expand("3..1").is_err());
        assert!(expand("0.1..0.3").unwrap_err().contains("needs a step"));
        assert!(expand("1,,2").is_err());
    }

    #[test]
    fn paths_walk_fields_and_indices() {
        let mut v =
            serde_json::json!({"a": {"b": [ {"c": 1}, {"c": 2} ]}, "d": {"Uniform": {"lo": 1.0}}});
        set(&mut v, "a.b[1].c", Value::from(7)).unwrap();
        set(&mut v, "d.Uniform.lo", Value::from(1.5)).unwrap();
        assert_eq!(v["a"]["b"][1]["c"], 7);
        assert_eq!(v["d"]["Uniform"]["lo"], 1.5);
        assert!(
            set(&mut v, "a.x", Value::from(1))
                .unwrap_err()
                .contains("fields there: b")
        );
        assert!(
            set(&mut v, "a.b[5].c", Value::from(1))
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            set(&mut v, "a", Value::from(1))
                .unwrap_err()
                .contains("group of fields")
        );
        assert!(parse_path("a[x]").is_err());
        assert_eq!(parse_value("10"), Value::from(10));
        assert_eq!(parse_value("0.5"), Value::from(0.5));
        assert_eq!(parse_value("abc"), Value::from("abc"));
    }
}
