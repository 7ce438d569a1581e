//! Scenario files: the RON schema, its validation, and building a world from it.
//!
//! This crate owns everything between a user's `.ron` file and a [`WorldConfig`]: parsing with
//! unknown fields refused, range checks whose messages name the file and the field path,
//! conversion from human units (USD, ETH, seconds, fractions) to the simulator's integer units,
//! and the seeded population generators.
//!
//! Each account draws its collateral and health factor from its own random stream
//! `("account", i)`, and each vault its collateral and collateral ratio from `("vault", i)`, so
//! changing the number of accounts or vaults never changes the ones that stay.

pub mod attack_spec;
mod build;
pub mod klines;
pub mod lending_spec;
pub mod lobster;
pub mod oracle_spec;
pub mod perps_spec;
pub mod pools_spec;
pub mod positions;
mod schema;
pub mod soft_spec;
pub mod tx_spec;
pub mod vaults_spec;

pub use attack_spec::{AttackerSpec, PushSpec, SandwicherSpec, UnwindSpec};
pub use build::build;
pub use lending_spec::{DeleverageSpec, WatchSpec};
pub use schema::{
    AccountsSpec, DiffusionSpec, KlineSpec, LendingSpec, LiquidationCapSpec, LiquidatorGroup,
    MakerGroup, MarketUnits, MechanismSpec, OracleSpec, PublishedSpec, ReferenceSpec, RegimeSpec,
    RouteSpec, Scenario, StressSpec, TraderGroup, VenueSpec, parse_utc_ms,
};
pub use soft_spec::{SoftKeeperSpec, SoftLiquidationSpec, SoftPathSpec};
pub use tx_spec::{OrderingSpec, PriorityFeeSpec};
pub use vaults_spec::{AbacusSpec, AuctionSpec, IlkSpec, KeeperGroup, VaultPopulation, VaultsSpec};

use std::path::{Path, PathBuf};

/// A scenario that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{path}: cannot read the scenario: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid RON for the schema (syntax, unknown or missing field, wrong type).
    #[error("{origin}:{line}:{col}: {message}")]
    Parse {
        /// The file (or `<built-in>`).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the parser expected.
        message: String,
    },
    /// A market-data file the scenario reads is missing or malformed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A value is out of its allowed range.
    #[error("{origin}: {field}: {message}")]
    Invalid {
        /// The file (or `<built-in>`).
        origin: String,
        /// The field path, e.g. `makers[0].size_per_level`.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl DataError {
    /// A line of `path` that cannot be used, and why.
    pub(crate) fn line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        DataError::Line {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

impl ScenarioError {
    /// The same error naming `file` where it named the scenario by its `name` (errors found
    /// while building a parsed scenario know only its name).
    pub fn in_file(self, name: &str, file: &str) -> Self {
        match self {
            ScenarioError::Invalid {
                origin,
                field,
                message,
            } if origin == name => ScenarioError::Invalid {
                origin: file.to_string(),
                field,
                message,
            },
            other => other,
        }
    }
}

/// A market-data file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be read.
    #[error("{path}: cannot read: {io} ({hint})")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error (in the message, so not repeated as a source).
        io: std::io::Error,
        /// Where such files come from.
        hint: String,
    },
    /// A line does not parse.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Files that belong together do not agree.
    #[error("{0}")]
    Mismatch(String),
}

impl Scenario {
    /// Parses and validates a scenario from text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let scenario: Scenario = options.from_str(text).map_err(|e| ScenarioError::Parse {
            origin: origin.to_string(),
            line: e.span.start.line,
            col: e.span.start.col,
            message: e.code.to_string(),
        })?;
        scenario
            .validate()
            .map_err(|(field, message)| ScenarioError::Invalid {
                origin: origin.to_string(),
                field,
                message,
            })?;
        Ok(scenario)
    }

    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod roundtrip_tests;
