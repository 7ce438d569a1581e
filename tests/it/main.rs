//! cascade's integration tests, in one binary.

mod adaptive;
mod amm;
mod bad_inputs;
mod bridge;
mod cli;
mod competition;
mod crises;
mod deleverage;
mod determinism;
mod figures;
mod flow;
mod klines;
mod llamma;
mod lobster;
mod manipulation;
mod mechanisms;
mod oracles;
mod perps;
mod routes;
mod sandwich;
mod scenarios;
mod support;
mod sweep;
mod vaults;
