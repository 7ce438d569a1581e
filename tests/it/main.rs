//! cascade's integration tests, in one binary.

mod cli;
mod determinism;
mod scenarios;
mod support;
