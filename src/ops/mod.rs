//! The use cases: what mlrs does, as plain functions over a [`Store`] — find runs, load what a
//! view shows, start and end runs as MLflow does, log, compare, read histories, the registry,
//! experiments, gc; and the keys a request names that no run has, with the keys meant (`keys`).
//! Plain request structs in, plain result structs out; every result carries the [`Problem`]s
//! met while loading (skipped entries), for the front-end to report once.
//! Shared by every front-end (`cli` today). Must not know about clap, print, read the terminal,
//! or decide output formats (presentation is `shape`'s).

/// `Outcome` for result structs that carry their `problems` (and, with `; unknown`, the
/// `unknown` keys the request named).
macro_rules! outcome {
    ($($t:ty),*) => {$(
        impl $crate::ops::Outcome for $t {
            fn problems(&self) -> &[$crate::store::Problem] {
                &self.problems
            }
        }
    )*};
    ($t:ty; unknown) => {
        impl $crate::ops::Outcome for $t {
            fn problems(&self) -> &[$crate::store::Problem] {
                &self.problems
            }
            fn unknown_keys(&self) -> &[$crate::ops::keys::UnknownKey] {
                &self.unknown
            }
        }
    };
}

pub mod artifacts;
pub mod columns;
pub mod compare;
pub mod context;
pub mod doctor;
pub mod experiments;
pub mod find;
pub mod gc;
pub mod history;
pub mod keys;
pub mod log;
pub mod merge;
pub mod models;
pub mod plot;
pub mod report;
pub mod runs;
pub mod search;
pub mod start;
pub mod sync;

use crate::store::{Experiment, Problem, Store, StoreError};

/// Every key that occurs, once each and sorted. Runs mostly share their keys, so each key is
/// hashed (10k runs × 20 params is 200k hashes) and only the few distinct ones are sorted.
pub(crate) fn distinct_keys<'a>(keys: impl Iterator<Item = &'a String>) -> Vec<&'a String> {
    let mut distinct: Vec<&String> = keys
        .collect::<std::collections::HashSet<&String>>()
        .into_iter()
        .collect();
    distinct.sort_unstable();
    distinct
}

/// A result that may have skipped unreadable entries while it was loaded.
pub trait Outcome {
    fn problems(&self) -> &[Problem] {
        &[]
    }
    /// Keys the request named that no selected run has (a typo, most often).
    fn unknown_keys(&self) -> &[keys::UnknownKey] {
        &[]
    }
}

/// A request the user got wrong (a bad pattern, conflicting choices): usage, not failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// An experiment as the user or the environment named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExperimentRef {
    /// From `-e`: an id, else an exact name.
    IdOrName(String),
    Name(String),
    Id(String),
}

impl ExperimentRef {
    pub fn find(&self, store: &Store) -> crate::store::Result<Experiment> {
        match self {
            ExperimentRef::IdOrName(text) => store.find_experiment(text),
            ExperimentRef::Name(name) => store.experiment_by_name(name),
            ExperimentRef::Id(id) => store.experiment_by_id(id)?.ok_or_else(|| {
                StoreError::not_found(
                    crate::store::Subject::experiment(id),
                    format!("no experiment with id {}", crate::store::quote(id)),
                )
            }),
        }
    }

    /// The name to create when the experiment is missing; an id is never taken for a name.
    pub fn creatable_name(&self) -> Option<&str> {
        match self {
            ExperimentRef::IdOrName(name) | ExperimentRef::Name(name) => Some(name),
            ExperimentRef::Id(_) => None,
        }
    }
}

/// How much of each entity a result loads: what its people's views show, or everything (the
/// MLflow dictionaries of `--format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Shown,
    /// `search_runs()` records (CSV/TSV): every key, as MLflow's data frame has, unless the
    /// request names the columns to show.
    Records,
    Everything,
}
