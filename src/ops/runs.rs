//! Runs one at a time or listed: list (meta.yaml only, newest first), describe (everything of
//! one run), end, delete and restore, delete a tag. Must not print or know about clap.

use super::Outcome;
use super::find::{Scope, scope};
use crate::store::{
    DataSelection, Experiment, Problem, Run, RunInfo, RunStatus, Store, StoreError, Subject,
    sort_runs_default,
};

pub struct ListRequest {
    pub scope: Scope,
    pub limit: Option<usize>,
}

pub struct RunList {
    /// Newest first.
    pub runs: Vec<RunInfo>,
    pub experiments: Vec<Experiment>,
    /// The store's clock, for the duration of running runs.
    pub now_ms: i64,
    pub problems: Vec<Problem>,
}

outcome!(RunList);

pub fn list(store: &Store, req: &ListRequest) -> anyhow::Result<RunList> {
    let scoped = scope(store, &req.scope)?;
    let listing = store.run_infos(&scoped.items, req.scope.view)?;
    let mut problems = scoped.problems;
    problems.extend(listing.problems);
    let mut runs = listing.items;
    sort_runs_default(&mut runs);
    if let Some(n) = req.limit {
        runs.truncate(n);
    }
    Ok(RunList {
        runs,
        experiments: scoped.items,
        now_ms: store.now_ms(),
        problems,
    })
}

pub struct Described {
    pub run: Run,
    pub experiment: Experiment,
}

impl Outcome for Described {}

/// One run, all of it.
pub fn describe(store: &Store, run: &str) -> anyhow::Result<Described> {
    let info = store.find_run(run)?;
    let data = info.load_data(&DataSelection::everything())?;
    let experiment = store.experiment_of(&info)?;
    Ok(Described {
        run: Run { info, data },
        experiment,
    })
}

/// End a run: its status and end time (now).
/// End a run. A run that already ended keeps its end time unless `force`: a second `runs end`
/// is almost always a script's mistake, and rewriting the time would hide when it really ended.
pub fn end(store: &Store, run: &str, status: RunStatus, force: bool) -> anyhow::Result<RunInfo> {
    let info = store.find_run(run)?;
    if info.status.is_terminal() && info.end_time.is_some() && !force {
        return Err(StoreError::bad_input(
            Subject::run(&info.run_id),
            format!(
                "run {} already ended ({})",
                info.run_id,
                info.status.as_str()
            ),
        )
        .with_hint("pass --force to end it again with a new status and end time")
        .into());
    }
    Ok(store.end_run(&info, status, store.now_ms())?)
}

/// A run a delete or restore looked at.
pub struct Changed {
    pub run: RunInfo,
    /// False: it already was in the wanted state.
    pub changed: bool,
}

/// Delete or restore runs: every id is resolved and checked before anything changes.
pub fn set_deleted(store: &Store, ids: &[String], delete: bool) -> anyhow::Result<Vec<Changed>> {
    let runs = ids
        .iter()
        .map(|id| store.find_run(id))
        .collect::<Result<Vec<_>, _>>()?;
    for run in runs.iter().filter(|r| !delete && !r.is_active()) {
        store.check_run_restorable(run)?;
    }
    let mut out = Vec::new();
    for run in runs {
        out.push(if run.is_active() != delete {
            Changed {
                run,
                changed: false,
            }
        } else if delete {
            Changed {
                run: store.delete_run(&run)?,
                changed: true,
            }
        } else {
            Changed {
                run: store.restore_run(&run)?,
                changed: true,
            }
        });
    }
    Ok(out)
}

/// Delete tags `keys` of a run, as MLflow's `delete_tag` does (each tag's file goes). Every
/// key must name a tag the run has, checked before the first is deleted.
pub fn delete_tags(store: &Store, run: &RunInfo, keys: &[String]) -> anyhow::Result<()> {
    let have = run.tag_keys()?;
    if let Some(missing) = keys.iter().find(|k| !have.contains(k)) {
        // The store's own refusal, with its message and exit code.
        store.delete_run_tag(run, missing)?;
    }
    for key in keys {
        store.delete_run_tag(run, key)?;
    }
    Ok(())
}
