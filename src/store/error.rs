//! Typed errors of the store layer. Every error says what it is about (a [`Subject`]: a path,
//! an entity, a key, or a value the user gave), what is wrong, and separately what to do about
//! it (a hint), so front-ends print one message with full context, decide the exit code from
//! the [`ErrorKind`] alone, and never parse a message back.

use std::fmt;
use std::path::{Path, PathBuf};

use super::validate::KeyKind;

/// What an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A file or folder; the message then leaves the path out (it is printed first).
    Path(PathBuf),
    /// A thing in the store by kind ("run", "experiment", "registered model", ...) and id or
    /// name.
    Entity { kind: &'static str, id: String },
    /// A key of a run, experiment or model.
    Key { kind: KeyKind, key: String },
    /// A value the user gave, by what it is ("age", "model reference", "store location", ...).
    Input { what: &'static str, text: String },
}

impl Subject {
    pub fn run(id: &str) -> Subject {
        Subject::entity("run", id)
    }

    pub fn experiment(id: &str) -> Subject {
        Subject::entity("experiment", id)
    }

    pub fn model(name: &str) -> Subject {
        Subject::entity("registered model", name)
    }

    pub fn entity(kind: &'static str, id: &str) -> Subject {
        Subject::Entity {
            kind,
            id: id.to_owned(),
        }
    }

    pub fn key(kind: KeyKind, key: &str) -> Subject {
        Subject::Key {
            kind,
            key: key.to_owned(),
        }
    }

    pub fn input(what: &'static str, text: &str) -> Subject {
        Subject::Input {
            what,
            text: text.to_owned(),
        }
    }

    /// What a message starts with: the path for a path, else nothing (the message names it).
    fn lead(&self) -> String {
        match self {
            Subject::Path(path) => format!("{}: ", path.display()),
            _ => String::new(),
        }
    }
}

/// What kind of failure an error is, which is all a front-end needs to pick an exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The store could not be read or written (I/O, malformed files).
    Broken,
    NotFound,
    /// A name or prefix matches more than one thing.
    Ambiguous,
    /// The request itself is wrong (bad key, bad value, wrong lifecycle state).
    BadInput,
    /// The store changed or holds something in the way.
    Conflict,
    /// Something mlrs does not do (a remote store, a remote artifact location).
    Unsupported,
}

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
    #[error("{path}:{line}: malformed metric line {}: {reason}", quote(.text))]
    MetricLine {
        path: PathBuf,
        line: usize,
        text: String,
        reason: String,
    },
    #[error("{}{message}", .subject.lead())]
    Refused {
        kind: ErrorKind,
        subject: Subject,
        /// What is wrong, naming the subject unless it is a path.
        message: String,
        /// What to do about it, printed on its own line.
        hint: Option<String>,
    },
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

    fn refused(kind: ErrorKind, subject: Subject, message: impl Into<String>) -> Self {
        StoreError::Refused {
            kind,
            subject,
            message: message.into(),
            hint: None,
        }
    }

    pub fn not_found(subject: Subject, message: impl Into<String>) -> Self {
        StoreError::refused(ErrorKind::NotFound, subject, message)
    }

    pub fn ambiguous(subject: Subject, message: impl Into<String>) -> Self {
        StoreError::refused(ErrorKind::Ambiguous, subject, message)
    }

    pub fn bad_input(subject: Subject, message: impl Into<String>) -> Self {
        StoreError::refused(ErrorKind::BadInput, subject, message)
    }

    pub fn conflict(subject: Subject, message: impl Into<String>) -> Self {
        StoreError::refused(ErrorKind::Conflict, subject, message)
    }

    pub fn unsupported(subject: Subject, message: impl Into<String>) -> Self {
        StoreError::refused(ErrorKind::Unsupported, subject, message)
    }

    /// This error with what to do about it (replacing any hint it had).
    pub fn with_hint(self, text: impl Into<String>) -> Self {
        match self {
            StoreError::Refused {
                kind,
                subject,
                message,
                ..
            } => StoreError::Refused {
                kind,
                subject,
                message,
                hint: Some(text.into()),
            },
            other => other,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Refused { kind, .. } => *kind,
            StoreError::Io { .. }
            | StoreError::Yaml { .. }
            | StoreError::Invalid { .. }
            | StoreError::MetricLine { .. } => ErrorKind::Broken,
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            StoreError::Refused { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }

    /// The file or folder the error is about, when it is about one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            StoreError::Io { path, .. }
            | StoreError::Yaml { path, .. }
            | StoreError::Invalid { path, .. }
            | StoreError::MetricLine { path, .. }
            | StoreError::Refused {
                subject: Subject::Path(path),
                ..
            } => Some(path),
            StoreError::Refused { .. } => None,
        }
    }

    /// What is wrong, without the path and line that [`StoreError::path`] gives.
    fn reason(&self) -> String {
        match self {
            StoreError::Io { error, .. } => error.to_string(),
            StoreError::Yaml { reason, .. } => format!("malformed YAML: {reason}"),
            StoreError::Invalid { reason, .. } => reason.clone(),
            StoreError::MetricLine { text, reason, .. } => {
                format!("malformed metric line {}: {reason}", quote(text))
            }
            StoreError::Refused { message, .. } => message.clone(),
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

/// User input, names and keys as messages show them: in single quotes, with control
/// characters, quotes and backslashes escaped. Paths are shown as they are.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.escape_debug())
}

/// A problem met while reading many entries: reported and skipped, never fatal to a listing.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The most precise file or folder known: the error's own, else the entry being read.
    pub path: PathBuf,
    /// The line of a metric file.
    pub line: Option<usize>,
    pub reason: String,
}

impl Problem {
    /// The problem `err` is, met while reading the entry at `entry`.
    pub fn from_error(entry: &Path, err: &StoreError) -> Self {
        Problem {
            path: err.path().unwrap_or(entry).to_path_buf(),
            line: match err {
                StoreError::MetricLine { line, .. } => Some(*line),
                _ => None,
            },
            reason: err.reason(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": {}", self.reason)
    }
}
