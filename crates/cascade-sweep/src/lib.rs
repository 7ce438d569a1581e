//! Sweeps: a grid of scenario parameters times seeds, run in parallel, resumable and shardable.
//!
//! This crate owns the sweep workflow and nothing about the simulation itself:
//!
//! - [`params`]: addressing any scenario parameter by its path (`makers[0].size_per_level`) and
//!   expanding value lists and ranges;
//! - [`SweepSpec`]: the grid (cells x seeds) with a stable order, and `--shard I/N` partitions;
//! - [`run`]: runs the pending (cell, seed) pairs on a rayon pool of `jobs` threads; each run
//!   keeps no trace (only its hash) and writes its summary to `parts/` atomically as soon as it
//!   finishes, so an interrupted sweep resumes where it stopped;
//! - [`assemble`]: turns a complete set of parts into `runs.csv`, `cells.csv` and a heatmap,
//!   sorted by (cell, seed), so the files are byte-identical whatever the thread count, the
//!   sharding or the interruptions.

pub mod compare;
pub mod params;
mod spec;
mod store;

pub use spec::{Shard, SweepSpec};
pub use store::{RunOptions, SweepError, SweepOutcome, assemble, merge, run};
