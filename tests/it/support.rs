//! Helpers shared by the integration tests.

use cascade::Scenario;
use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scenario from `scenarios/`.
pub fn scenario(name: &str) -> Scenario {
    Scenario::load(&root().join("scenarios").join(name)).expect("scenario loads")
}

/// The market-data directory the tests use: `$CASCADE_DATA_DIR`, else `../shared/data`
/// beside the repository.
pub fn data_dir() -> PathBuf {
    std::env::var_os("CASCADE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"))
}

/// A fresh empty temporary folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cascade-it-{tag}-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The bytes of a file.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
