//! Where the MLflow venvs live and how a test gets one: shared by the integration tests
//! (`tests/testsuite/common.rs`) and the library's own tests that need PyYAML, included in both
//! with `#[path]` so there is one copy.

use std::path::PathBuf;

/// The MLflow versions every interop test runs against (both ways).
pub const VERSIONS: [&str; 2] = ["2.22.5", "3.17.2"];

/// Where `scripts/test` keeps the venvs: `$MLRS_MLFLOW_VENVS`, else outside the clone
/// (`$XDG_CACHE_HOME` or `~/.cache`, then `mlrs/venvs`), shared by every clone.
pub fn venvs() -> PathBuf {
    std::env::var_os("MLRS_MLFLOW_VENVS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache")
                })
                .join("mlrs/venvs")
        })
}

/// The venv python with MLflow `version`. Tests that need MLflow never skip under CI; elsewhere
/// a missing venv fails too, unless MLRS_SKIP_MLFLOW=1 says the caller knows.
#[track_caller]
pub fn python(version: &str) -> Option<PathBuf> {
    let venvs = venvs();
    let py = venvs
        .join(format!("mlflow-{version}"))
        .join("bin")
        .join("python");
    if py.is_file() {
        return Some(py);
    }
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    if !in_ci && std::env::var("MLRS_SKIP_MLFLOW").is_ok_and(|v| v == "1") {
        eprintln!("MLRS_SKIP_MLFLOW=1: skipping a test that needs MLflow {version}");
        return None;
    }
    panic!(
        "MLflow {version} is needed at {} — run `scripts/test`, which creates the venvs (or set MLRS_SKIP_MLFLOW=1 outside CI)",
        py.display()
    );
}
