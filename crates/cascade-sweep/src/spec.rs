//! The grid of a sweep and its partition into shards.

use crate::params;
use cascade_scenario::Scenario;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One swept parameter: a scenario path and its values (as written, expanded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweptParam {
    /// Path into the scenario, e.g. `makers[0].size_per_level`.
    pub path: String,
    /// Values in sweep order.
    pub values: Vec<String>,
}

/// What a sweep is: the base scenario, the swept parameters and the seeds.
///
/// Cells are the cartesian product of the swept values, the first parameter varying slowest;
/// pairs are (cell, seed) with the seed varying fastest. Pair `i` is cell `i / seeds` and seed
/// `seeds[i % seeds]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSpec {
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the base scenario's canonical form, so parts from another scenario are refused.
    pub scenario_sha256: String,
    /// Swept parameters.
    pub params: Vec<SweptParam>,
    /// Seeds.
    pub seeds: Vec<u64>,
}

/// `--shard I/N`: this machine runs the pairs whose index is `I` modulo `N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}`: expected I/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: `{i}` is not a shard number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("`{s}`: `{n}` is not a shard count"))?;
        if count == 0 || index >= count {
            return Err(format!("`{s}`: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }
}

impl SweepSpec {
    /// A sweep of `base` over `sets` (`path=values` strings) and `seeds` (a value list or range
    /// of integers, ends included).
    pub fn new(base: &Scenario, sets: &[String], seeds: &str) -> Result<Self, String> {
        let mut params_out = Vec::new();
        for s in sets {
            let (path, values) = s.split_once('=').ok_or_else(|| {
                format!("--set `{s}`: expected path=values, e.g. oracle.publication.Push.deviation=0.005,0.01")
            })?;
            let path = path.trim().to_string();
            if params_out.iter().any(|p: &SweptParam| p.path == path) {
                return Err(format!("--set `{path}` appears twice"));
            }
            params_out.push(SweptParam {
                values: params::expand(values).map_err(|e| format!("--set {path}: {e}"))?,
                path,
            });
        }
        let seeds: Vec<u64> = params::expand(seeds)
            .map_err(|e| format!("--seeds: {e}"))?
            .iter()
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| format!("--seeds: `{v}` is not a seed"))
            })
            .collect::<Result<_, _>>()?;
        if seeds.is_empty() {
            return Err("--seeds: no seeds".into());
        }
        let canonical = serde_json::to_string(base).expect("a scenario always serialises");
        let spec = SweepSpec {
            scenario: base.name.clone(),
            scenario_sha256: cascade_engine::trace::hex(&Sha256::digest(canonical.as_bytes())),
            params: params_out,
            seeds,
        };
        // Every cell must make a valid scenario before anything runs.
        for cell in 0..spec.cells() {
            params::apply(base, &spec.overrides(cell)).map_err(|e| format!("cell {cell}: {e}"))?;
        }
        Ok(spec)
    }

    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product()
    }

    /// Number of (cell, seed) pairs.
    pub fn pairs(&self) -> usize {
        self.cells() * self.seeds.len()
    }

    /// The (path, value) overrides of a cell.
    pub fn overrides(&self, cell: usize) -> Vec<(String, String)> {
        let mut rest = cell;
        let mut out = vec![(String::new(), String::new()); self.params.len()];
        for (k, p) in self.params.iter().enumerate().rev() {
            let n = p.values.len();
            out[k] = (p.path.clone(), p.values[rest % n].clone());
            rest /= n;
        }
        out
    }

    /// The (cell, seed) of pair `i`.
    pub fn pair(&self, i: usize) -> (usize, u64) {
        (i / self.seeds.len(), self.seeds[i % self.seeds.len()])
    }

    /// Pair indices belonging to `shard` (all if `None`).
    pub fn shard_pairs(&self, shard: Option<Shard>) -> Vec<usize> {
        (0..self.pairs())
            .filter(|i| shard.is_none_or(|s| i % s.count == s.index))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Scenario {
        let text = include_str!("../../../scenarios/flash_crash.ron");
        Scenario::parse(text, "flash_crash.ron").unwrap()
    }

    #[test]
    fn cells_are_a_cartesian_product_first_parameter_slowest() {
        let sets = [
            "oracle.publication.Push.deviation=0.005,0.01".to_string(),
            "accounts.count=10..12".to_string(),
        ];
        let s = SweepSpec::new(&base(), &sets, "1..2").unwrap();
        assert_eq!((s.cells(), s.pairs()), (6, 12));
        let cell = |c| {
            s.overrides(c)
                .into_iter()
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        };
        assert_eq!(cell(0), ["0.005", "10"]);
        assert_eq!(cell(2), ["0.005", "12"]);
        assert_eq!(cell(3), ["0.01", "10"]);
        assert_eq!(s.pair(5), (2, 2));
        let shards: Vec<Vec<usize>> = (0..3)
            .map(|i| s.shard_pairs(Some(Shard { index: i, count: 3 })))
            .collect();
        let mut all: Vec<usize> = shards.concat();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..12).collect::<Vec<_>>(),
            "shards partition the pairs"
        );
        assert_eq!(shards[1], [1, 4, 7, 10]);
    }

    #[test]
    fn bad_sweeps_are_refused_before_running() {
        let b = base();
        assert!(
            SweepSpec::new(&b, &["oracle.publication.Push.deviation=2.0".into()], "1")
                .unwrap_err()
                .contains("oracle.publication.deviation: must be in [0, 1), got 2")
        );
        assert!(
            SweepSpec::new(&b, &["oracle.nope=1".into()], "1")
                .unwrap_err()
                .contains("no field `nope`")
        );
        assert!(
            SweepSpec::new(&b, &["seed=1".into()], "1")
                .unwrap_err()
                .contains("--seeds")
        );
        assert!(SweepSpec::new(&b, &[], "x").is_err());
        assert!("3/3".parse::<Shard>().is_err());
        assert_eq!(
            "1/3".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 3 }
        );
    }
}
