//! The deterministic discrete-event core.
//!
//! This crate owns the two sources of order in a run and nothing else:
//!
//! - [`EventQueue`]: a total order of pending events by `(time, class, seq)`, where `class` is an
//!   [`EventClass`] (documented order below) and `seq` a global insertion counter, so two events
//!   never compare equal and heap order never leaks into results;
//! - [`RngStreams`]: one `ChaCha8Rng` per named stream, derived from `(master seed, stream name,
//!   agent id)`, so adding an agent or a consumer never shifts anyone else's draws;
//! - [`dist`]: the few distributions the models draw from, implemented with IEEE basic
//!   operations and the pure-Rust `libm`, so draws are identical on every platform.

pub mod dist;
mod queue;
mod streams;

pub use queue::{EventClass, EventQueue, Scheduled};
pub use streams::{RngStreams, StreamRng};
