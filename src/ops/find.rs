//! Finding runs: the experiments in scope, MLflow's filter and order, a limit — reading only
//! the files the filter and order need (in parallel, testing each run as it is loaded). Also
//! loading more of runs already found. Must not decide what a view shows.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::query::{Field, Filter, OrderBy, Target, Value, sort_runs};
use crate::store::{
    DataSelection, ErrorKind, Experiment, Listing, Problem, Run, RunInfo, Store, StoreError,
    Subject, ViewType, quote,
};

use super::columns::Kind;
use super::keys::{self, UnknownKey, hint_bare_key};
use super::{ExperimentRef, UsageError};

/// The experiments a run command looks at.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Ids, names or name patterns (`nyc-*`); empty means `env`, else every experiment.
    pub experiments: Vec<String>,
    /// The experiment MLflow's environment names, used when `experiments` is empty.
    pub env: Option<ExperimentRef>,
    pub view: ViewType,
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct FindRequest {
    /// MLflow's filter syntax; empty matches every run.
    pub filter: String,
    pub order_by: Vec<String>,
    pub scope: Scope,
    pub limit: Option<usize>,
}

#[derive(Debug)]
pub struct Found {
    /// In MLflow's order, with the data the filter and order read.
    pub runs: Vec<Run>,
    /// The keys the order and the filter mention, in that order, once each.
    pub fields: Vec<Field>,
    pub experiments: Vec<Experiment>,
    /// Keys the filter or order names that no run in scope has.
    pub unknown: Vec<UnknownKey>,
    pub problems: Vec<Problem>,
}

outcome!(Found; unknown);

impl Found {
    /// Load `select` again for the runs found (their order is kept).
    pub fn load(&mut self, store: &Store, select: &DataSelection) {
        let runs = std::mem::take(&mut self.runs);
        let listing = store.load_runs(runs.into_iter().map(|r| r.info).collect(), select);
        self.problems.extend(listing.problems);
        self.runs = listing.items;
    }
}

/// Parse, select, load only what the query reads, sort, cut.
pub fn find(store: &Store, req: &FindRequest) -> anyhow::Result<Found> {
    let in_scope = || {
        scope(store, &req.scope)
            .ok()
            .and_then(|s| store.run_infos(&s.items, req.scope.view).ok())
            .map(|l| l.items)
            .unwrap_or_default()
    };
    let filter = Filter::parse(&req.filter, Target::Runs, store.now_ms())
        .map_err(|e| hint_bare_key(e, in_scope))?;
    let order =
        OrderBy::parse_all(&req.order_by, Target::Runs).map_err(|e| hint_bare_key(e, in_scope))?;
    let scoped = scope(store, &req.scope)?;
    let mut problems = scoped.problems;
    let listing = store.run_infos(&scoped.items, req.scope.view)?;
    problems.extend(listing.problems);
    let mut fields: Vec<Field> = order.iter().map(|o| o.field.clone()).collect();
    for f in filter.fields() {
        if !fields.contains(f) {
            fields.push(f.clone());
        }
    }
    let mut needs = filter.needs().clone();
    needs.merge(&OrderBy::needs(&order));
    // Whether some run in scope, matching or not, has each key: loading them told already.
    let seen: Vec<AtomicBool> = fields.iter().map(|_| AtomicBool::new(false)).collect();
    let loaded = store.load_runs_where(listing.items, &needs.selection(), |run| {
        for (field, seen) in fields.iter().zip(&seen) {
            if !matches!(field.value(run), Value::Missing) {
                seen.store(true, Ordering::Relaxed);
            }
        }
        filter.matches(run)
    });
    problems.extend(loaded.problems);
    let mut runs = loaded.items;
    sort_runs(&mut runs, &order);
    if let Some(n) = req.limit {
        runs.truncate(n);
    }
    let unseen = fields
        .iter()
        .zip(&seen)
        .filter(|(_, seen)| !seen.load(Ordering::Relaxed))
        .map(|(field, _)| field);
    let unseen: Vec<&Field> = unseen.filter(|f| Kind::of(f).is_some()).collect();
    let unknown = if unseen.is_empty() {
        Vec::new()
    } else {
        keys::unknown(unseen, &in_scope())
    };
    Ok(Found {
        runs,
        fields,
        experiments: scoped.items,
        unknown,
        problems,
    })
}

/// The experiments in scope: the named ones (patterns expanded), else the environment's, else
/// every experiment the view can hold runs of.
pub fn scope(store: &Store, scope: &Scope) -> anyhow::Result<Listing<Experiment>> {
    // A named experiment's unreadable tag files are reported like a listed one's.
    let found = |mut items: Vec<Experiment>| Listing {
        problems: items
            .iter_mut()
            .flat_map(|e| std::mem::take(&mut e.problems))
            .collect(),
        items,
    };
    if scope.experiments.is_empty()
        && let Some(from_env) = &scope.env
    {
        return Ok(found(vec![from_env.find(store)?]));
    }
    // Runs of deleted experiments are deleted runs, so they belong to non-active views.
    let exp_view = if scope.view == ViewType::ActiveOnly {
        ViewType::ActiveOnly
    } else {
        ViewType::All
    };
    if scope.experiments.is_empty() {
        return Ok(store.experiments(exp_view)?);
    }
    let mut all: Option<Vec<Experiment>> = None;
    let mut out: Vec<Experiment> = Vec::new();
    for name in &scope.experiments {
        let matched = match store.find_experiment(name) {
            Err(e) if e.kind() == ErrorKind::NotFound && name.contains(['*', '?', '[']) => {
                let glob = globset::Glob::new(name)
                    .map_err(|e| {
                        UsageError(format!("bad experiment pattern {}: {e}", quote(name)))
                    })?
                    .compile_matcher();
                let all = match &mut all {
                    Some(all) => all,
                    None => all.insert(store.experiments(exp_view)?.items),
                };
                let matched: Vec<Experiment> = all
                    .iter()
                    .filter(|e| glob.is_match(&e.name))
                    .cloned()
                    .collect();
                if matched.is_empty() {
                    return Err(StoreError::not_found(
                        Subject::input("experiment pattern", name),
                        format!("no experiment name matches the pattern {}", quote(name)),
                    )
                    .into());
                }
                matched
            }
            found => vec![found?],
        };
        for e in matched {
            if !out.iter().any(|o| o.id == e.id) {
                out.push(e);
            }
        }
    }
    Ok(found(out))
}

/// Runs named by id, unique prefix or name, in the order given, each once.
pub fn named_runs(store: &Store, names: &[String]) -> crate::store::Result<Vec<RunInfo>> {
    let mut infos: Vec<RunInfo> = Vec::new();
    for name in names {
        let info = store.find_run(name)?;
        if !infos.iter().any(|i| i.run_id == info.run_id) {
            infos.push(info);
        }
    }
    Ok(infos)
}
