//! Typed errors of the store layer. Every variant names the file or key it is about, so the CLI
//! can print one message with full context and never has to guess where a problem came from.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The OS error is part of the message, not a chained source, so it is printed once.
    #[error("{path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{path}: malformed YAML: {reason}")]
    Yaml { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}:{line}: malformed metric line {text:?}: {reason}")]
    MetricLine {
        path: PathBuf,
        line: usize,
        text: String,
        reason: String,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Ambiguous(String),
    /// The request itself is wrong (bad key, bad value, wrong lifecycle state): exit code 2.
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

impl StoreError {
    pub fn io(path: &Path, error: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    /// A failed step of a folder walk under `root`, named by the entry it failed on.
    pub fn walk(root: &Path, error: walkdir::Error) -> Self {
        let path = error.path().unwrap_or(root).to_path_buf();
        let error = error
            .into_io_error()
            .unwrap_or_else(|| std::io::Error::other("walk failed (a symbolic link loop)"));
        StoreError::Io { path, error }
    }

    pub fn invalid(path: &Path, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Attach a path to an `io::Result`.
pub trait IoContext<T> {
    fn at(self, path: &Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &Path) -> Result<T> {
        self.map_err(|e| StoreError::io(path, e))
    }
}

/// A problem met while reading many entries: reported and skipped, never fatal to a listing.
#[derive(Debug, Clone)]
pub struct Problem {
    pub path: PathBuf,
    pub reason: String,
}

impl Problem {
    pub fn from_error(path: &Path, err: &StoreError) -> Self {
        // The error text usually starts with the path already; avoid printing it twice.
        let text = err.to_string();
        let prefix = format!("{}: ", path.display());
        let reason = text
            .strip_prefix(&prefix)
            .map(str::to_owned)
            .unwrap_or(text);
        Problem {
            path: path.to_path_buf(),
            reason,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A reason that names a file inside `path` already says where.
        let path = self.path.display().to_string();
        if self.reason.starts_with(&path) {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{path}: {}", self.reason)
        }
    }
}
