//! cascade's integration tests, in one binary.

mod amm;
mod bad_inputs;
mod bridge;
mod cli;
mod competition;
mod crises;
mod determinism;
mod flow;
mod klines;
mod lobster;
mod oracles;
mod perps;
mod routes;
mod scenarios;
mod support;
mod sweep;
mod vaults;
