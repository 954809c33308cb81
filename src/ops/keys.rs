//! Keys the user named that no selected run has — most often a typo (`metrics.rsme`, or `rmse`
//! without its prefix) — and the existing keys closest to them, so that `search`, `compare` and
//! `runs history` say so instead of answering with empty columns. Reads key names only (folder
//! listings), and only once a key is known to be missing. Must not print.

use std::fmt;

use rayon::prelude::*;

use super::columns::Kind;
use crate::query::{Field, QueryError, closest, did_you_mean};
use crate::store::RunInfo;

/// A key (or `-c` pattern) that no selected run has, with the keys the user probably meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// As `search_runs()` names it: `metrics.rsme`, or the pattern `metrics.rsme*`.
    pub named: String,
    pub suggestions: Vec<String>,
}

impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.named.contains(['*', '?', '[']) {
            write!(f, "no key of the selected runs matches {}", self.named)?;
        } else {
            write!(f, "no selected run has the key {}", self.named)?;
        }
        match did_you_mean(&self.suggestions) {
            Some(hint) => write!(f, "; {hint}"),
            None => Ok(()),
        }
    }
}

/// Every key of `kind` that `runs` have, each once, sorted (a run whose folder cannot be
/// listed is left out here; loading it reports it).
pub fn present(runs: &[RunInfo], kind: Kind) -> Vec<String> {
    let lists: Vec<Vec<String>> = runs
        .par_iter()
        .map(|r| kind.names(r).unwrap_or_default())
        .collect();
    let mut keys: Vec<String> = lists.into_iter().flatten().collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The keys of `runs` closest to `key`, as `metrics.rmse`: keys of `kind` first when the user
/// named one (`metrics.max_depth` may mean `params.max_depth` too), any kind for a bare key.
pub fn suggest(runs: &[RunInfo], kind: Option<Kind>, key: &str) -> Vec<String> {
    let mut kinds = Kind::ALL.to_vec();
    if let Some(first) = kind {
        kinds.retain(|k| *k != first);
        kinds.insert(0, first);
    }
    let candidates = kinds
        .into_iter()
        .flat_map(|k| present(runs, k).into_iter().map(move |key| (k, key)));
    closest(key, candidates, |(_, key)| key.as_str())
        .into_iter()
        .map(|(k, key)| k.field(&key).label())
        .collect()
}

/// The keys among `fields` that none of `runs` has.
pub fn unknown<'a>(
    fields: impl IntoIterator<Item = &'a Field>,
    runs: &[RunInfo],
) -> Vec<UnknownKey> {
    let wanted: Vec<(Kind, &str, &Field)> = fields
        .into_iter()
        .filter_map(|f| Kind::of(f).map(|(kind, key)| (kind, key, f)))
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let present: Vec<Vec<String>> = Kind::ALL.iter().map(|&k| present(runs, k)).collect();
    let has = |kind: Kind, key: &str| {
        let i = Kind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or_default();
        present[i].binary_search_by(|k| k.as_str().cmp(key)).is_ok()
    };
    wanted
        .into_iter()
        .filter(|(kind, key, _)| !has(*kind, key))
        .map(|(kind, key, field)| UnknownKey {
            named: field.label(),
            suggestions: suggest(runs, Some(kind), key),
        })
        .collect()
}

/// A filter or order naming a run key without its prefix (`rmse < 6`) gets a hint: the keys
/// of `runs` it is closest to, else how keys are written.
pub fn hint_bare_key(mut err: QueryError, runs: impl FnOnce() -> Vec<RunInfo>) -> QueryError {
    let Some(key) = err.bare_key.take() else {
        return err;
    };
    err.hint = did_you_mean(&suggest(&runs(), None, &key)).or_else(|| {
        Some(
            "metrics, params and tags are named with their prefix: metrics.KEY, params.KEY, tags.KEY"
                .to_owned(),
        )
    });
    err
}
