//! cascade's integration tests, in one binary.

mod bad_inputs;
mod cli;
mod determinism;
mod flow;
mod klines;
mod lobster;
mod oracles;
mod routes;
mod scenarios;
mod support;
mod sweep;
mod vaults;
