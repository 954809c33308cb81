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

/// The venv python with MLflow `version` (see [`required`]).
#[track_caller]
pub fn python(version: &str) -> Option<PathBuf> {
    let py = venvs()
        .join(format!("mlflow-{version}"))
        .join("bin")
        .join("python");
    required(
        py.is_file(),
        py,
        &format!("MLflow {version}"),
        "MLRS_SKIP_MLFLOW",
    )
}

/// Under CI (`CI` set, not `false`), what a test needs must be there: it never skips.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}

/// `path` when `present`. Otherwise a test never skips under CI, and elsewhere fails too unless
/// `skip_var=1` says the caller knows: a test that can skip silently cannot fail.
#[track_caller]
pub fn required(present: bool, path: PathBuf, what: &str, skip_var: &str) -> Option<PathBuf> {
    if present {
        return Some(path);
    }
    if !in_ci() && std::env::var(skip_var).is_ok_and(|v| v == "1") {
        eprintln!("{skip_var}=1: skipping a test that needs {what}");
        return None;
    }
    panic!(
        "{what} is needed ({}) — run `scripts/test`, which installs it (or set {skip_var}=1 outside CI)",
        path.display()
    );
}
