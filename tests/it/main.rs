//! cascade's integration tests, in one binary.

mod amm;
mod bad_inputs;
mod cli;
mod crises;
mod determinism;
mod flow;
mod klines;
mod lobster;
mod mechanisms;
mod oracles;
mod perps;
mod routes;
mod scenarios;
mod support;
mod sweep;
mod vaults;
