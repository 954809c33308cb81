//! The UI's door to the store: its loads and every change it makes go through here, as plain
//! values in and out, over the use cases (`ops`: scope, describe, histories, artifacts,
//! compare, delete/restore, log, delete a tag, transition) and the store's public listing of
//! runs. Only the live refresh (`live`, `charts`) reads `RunInfo` itself: fingerprints and
//! appended metric lines, the store's public API. Must not draw or call the command line.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::entry::{Entry, Interner};

use crate::ops;
use crate::store::registry::RegisteredModel;
use crate::store::{
    Batch, DataSelection, Experiment, Keys, Listing, MetricPoint, Problem, RUN_NAME_TAG, Run,
    RunData, RunInfo, Store, ViewType,
};

/// An experiment with its run counts.
#[derive(Debug, Clone)]
pub(crate) struct ExperimentRow {
    pub experiment: Experiment,
    pub active: usize,
    pub deleted: usize,
}

/// The active experiments named by `wanted` (ids, names or name globs), or all of them.
pub(crate) fn experiments(store: &Store, wanted: &[String]) -> anyhow::Result<Vec<Experiment>> {
    let scope = ops::find::Scope {
        experiments: wanted.to_vec(),
        env: None,
        view: ViewType::ActiveOnly,
    };
    Ok(ops::find::scope(store, &scope)?.items)
}

/// The run folders of `experiments` (deleted runs too), newest experiment first, so the
/// first part loaded is the one most likely looked at; only folder names are read.
pub(crate) fn run_dirs(store: &Store, experiments: &[Experiment]) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut newest: Vec<&Experiment> = experiments.iter().collect();
    newest.sort_by_key(|e| std::cmp::Reverse(e.creation_time));
    let mut dirs = Vec::new();
    let mut problems = Vec::new();
    for e in newest {
        match store.run_dirs(e) {
            Ok(found) => dirs.extend(found),
            Err(err) => problems.push(Problem::from_error(&e.dir, &err)),
        }
    }
    (dirs, problems)
}

/// What the table can show: params, latest metrics and tags (dataset inputs wait for detail).
pub(crate) fn table_selection() -> DataSelection {
    DataSelection {
        params: Keys::All,
        metrics: Keys::All,
        tags: Keys::All,
        inputs: false,
    }
}

/// Runs with the table's data and what was skipped reading them.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
    /// The run folders this covers.
    pub dirs: usize,
}

/// The first part is small, so the first runs are on screen at once; the rest come in parts
/// big enough that the table is re-sorted only a few dozen times.
const FIRST_PART: usize = 200;
const PART: usize = 5000;

/// Read the runs in `dirs` on a thread of their own, sending each part as it is read.
pub(crate) fn spawn_load(dirs: Vec<PathBuf>, keys: Arc<Mutex<Interner>>) -> Receiver<Loaded> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut rest = dirs.as_slice();
        let mut size = FIRST_PART;
        while !rest.is_empty() {
            let (part, after) = rest.split_at(size.min(rest.len()));
            rest = after;
            size = PART;
            // The UI quit: stop reading.
            if tx.send(load(part, &keys)).is_err() {
                return;
            }
        }
    });
    rx
}

/// Every part read and not yet taken, as one; `None` when there is none.
pub(crate) fn take_parts(rx: &Receiver<Loaded>) -> Option<Loaded> {
    let mut out: Option<Loaded> = None;
    while let Ok(part) = rx.try_recv() {
        match &mut out {
            None => out = Some(part),
            Some(all) => {
                all.entries.extend(part.entries);
                all.problems.extend(part.problems);
                all.dirs += part.dirs;
            }
        }
    }
    out
}

/// Read the runs in `dirs` (meta.yaml and the table's data) in parallel. A run whose data
/// cannot be read stays, with no data, marked broken (the table shows it rather than losing
/// it); a folder without a readable meta.yaml is not a run and is only reported. Each run is
/// made an `Entry` as soon as it is read, so the full runs of a part are never all held.
pub(crate) fn load(dirs: &[PathBuf], keys: &Mutex<Interner>) -> Loaded {
    let select = table_selection();
    let entry = |run: Run, broken: bool| {
        let mut keys = keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Entry::new(run, broken, &mut keys)
    };
    // Each folder gives an entry, a problem, or both.
    type Read = (Option<Entry>, Option<Problem>);
    let read: Vec<Read> = dirs
        .par_iter()
        .map(|dir| match RunInfo::load(dir) {
            Err(err) => (None, Some(Problem::from_error(dir, &err))),
            Ok(info) => match info.load_data(&select) {
                Ok(data) => (Some(entry(Run { info, data }, false)), None),
                Err(err) => {
                    let problem = Problem::from_error(&info.dir, &err);
                    let run = Run {
                        info,
                        data: RunData::default(),
                    };
                    (Some(entry(run, true)), Some(problem))
                }
            },
        })
        .collect();
    let mut out = Loaded {
        dirs: dirs.len(),
        ..Loaded::default()
    };
    for (entry, problem) in read {
        out.entries.extend(entry);
        out.problems.extend(problem);
    }
    out
}

/// Each experiment's active and deleted runs.
pub(crate) fn count(experiments: &[Experiment], entries: &[Entry]) -> Vec<ExperimentRow> {
    let place: HashMap<&str, usize> = experiments
        .iter()
        .enumerate()
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let mut counts = vec![(0, 0); experiments.len()];
    for e in entries {
        if let Some(&i) = place.get(&*e.experiment_id) {
            if e.active {
                counts[i].0 += 1;
            } else {
                counts[i].1 += 1;
            }
        }
    }
    experiments
        .iter()
        .zip(counts)
        .map(|(e, (active, deleted))| ExperimentRow {
            experiment: e.clone(),
            active,
            deleted,
        })
        .collect()
}

/// A file or folder under a run's artifact root.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Artifact {
    /// Relative to the artifact root, `/`-separated.
    pub path: String,
    pub depth: usize,
    /// `None` for folders.
    pub size: Option<u64>,
}

/// A registered version made from a run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MadeVersion {
    pub model: String,
    pub version: u64,
    pub stage: String,
}

/// Everything the run detail shows.
#[derive(Debug, Clone)]
pub(crate) struct RunDetail {
    pub run: Run,
    pub experiment: String,
    /// Each metric's values in logged order.
    pub histories: BTreeMap<String, Vec<f64>>,
    pub artifacts: Vec<Artifact>,
    pub versions: Vec<MadeVersion>,
}

pub(crate) fn run_detail(store: &Store, run_id: &str) -> anyhow::Result<RunDetail> {
    let ops::runs::Described { run, experiment } = ops::runs::describe(store, run_id)?;
    let keys: Vec<String> = run.data.metrics.keys().cloned().collect();
    let loaded = ops::history::histories(std::slice::from_ref(&run.info), &keys);
    if let Some(problem) = loaded.problems.first() {
        anyhow::bail!("{problem}");
    }
    let histories = loaded
        .series
        .into_iter()
        .map(|s| (s.key, s.points.iter().map(|p| p.value).collect()))
        .collect();
    // A run without an artifact folder simply has none to show.
    let artifacts = ops::artifacts::list(store, &run.info.run_id, "")
        .map(|list| {
            list.entries
                .into_iter()
                .map(|e| Artifact {
                    depth: e.path.matches('/').count(),
                    size: if e.is_dir { None } else { e.file_size },
                    path: e.path,
                })
                .collect()
        })
        .unwrap_or_default();
    let models = store.registered_models()?.items;
    let versions = made_from(&models, &run.info.run_id);
    Ok(RunDetail {
        run,
        experiment: experiment.name,
        histories,
        artifacts,
        versions,
    })
}

fn made_from(models: &[RegisteredModel], run_id: &str) -> Vec<MadeVersion> {
    let mut out = Vec::new();
    for m in models {
        for v in m.live_versions() {
            if v.run_ids().contains(&run_id) {
                out.push(MadeVersion {
                    model: m.name.clone(),
                    version: v.version,
                    stage: v.current_stage.as_str().to_owned(),
                });
            }
        }
    }
    out
}

/// The first `limit` bytes of a run's artifact as text; `None` when it is not text.
pub(crate) fn read_text(
    store: &Store,
    run_id: &str,
    path: &str,
    limit: u64,
) -> anyhow::Result<Option<String>> {
    let mut bytes = Vec::new();
    ops::artifacts::open(store, run_id, path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    if bytes.contains(&0) {
        return Ok(None);
    }
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The points of metric `key` appended since `offset` (0 the first time), and the new offset:
/// a running run's chart grows by what was appended, nothing else is read again.
pub(crate) fn metric_points_since(
    info: &RunInfo,
    key: &str,
    offset: u64,
) -> anyhow::Result<(Vec<MetricPoint>, u64)> {
    Ok(info.metric_points_since(key, offset)?)
}

pub(crate) fn models(store: &Store) -> anyhow::Result<Listing<RegisteredModel>> {
    Ok(store.registered_models()?)
}

/// A change the UI can make, each through the store code the CLI uses.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    DeleteRun(String),
    RestoreRun(String),
    SetTag {
        run: String,
        key: String,
        value: String,
    },
    DeleteTag {
        run: String,
        key: String,
    },
    RenameRun {
        run: String,
        name: String,
    },
    Transition {
        model: String,
        version: u64,
        stage: String,
    },
    SetAlias {
        model: String,
        alias: String,
        version: u64,
    },
}

impl Action {
    /// The run it changes, if it changes one.
    pub fn run(&self) -> Option<&str> {
        match self {
            Action::DeleteRun(run) | Action::RestoreRun(run) => Some(run),
            Action::SetTag { run, .. }
            | Action::DeleteTag { run, .. }
            | Action::RenameRun { run, .. } => Some(run),
            Action::Transition { .. } | Action::SetAlias { .. } => None,
        }
    }

    /// The question the confirmation asks.
    pub fn describe(&self) -> String {
        let short = |id: &str| id.chars().take(8).collect::<String>();
        match self {
            Action::DeleteRun(r) => format!("Delete run {}?", short(r)),
            Action::RestoreRun(r) => format!("Restore run {}?", short(r)),
            Action::SetTag { run, key, value } => {
                format!("Set tag {key}={value} on run {}?", short(run))
            }
            Action::DeleteTag { run, key } => format!("Delete tag {key} of run {}?", short(run)),
            Action::RenameRun { run, name } => format!("Rename run {} to {name:?}?", short(run)),
            Action::Transition {
                model,
                version,
                stage,
            } => format!("Move {model} version {version} to stage {stage}?"),
            Action::SetAlias {
                model,
                alias,
                version,
            } => format!("Point alias @{alias} of {model} at version {version}?"),
        }
    }
}

/// Carry out `action`; the answer is a line for the status bar.
pub(crate) fn apply(store: &Store, action: &Action) -> anyhow::Result<String> {
    match action {
        Action::DeleteRun(id) | Action::RestoreRun(id) => {
            let delete = matches!(action, Action::DeleteRun(_));
            let changed = ops::runs::set_deleted(store, std::slice::from_ref(id), delete)?;
            let verb = if delete { "deleted" } else { "restored" };
            Ok(changed
                .iter()
                .map(|c| format!("{verb} run {} ({})", c.run.run_id, c.run.run_name))
                .collect::<Vec<_>>()
                .join("; "))
        }
        Action::SetTag { run, key, value } => {
            log_tags(store, run, vec![(key.clone(), value.clone())])?;
            Ok(format!("set tag {key} on run {run}"))
        }
        Action::DeleteTag { run, key } => {
            ops::runs::delete_tags(store, &store.find_run(run)?, std::slice::from_ref(key))?;
            Ok(format!("deleted tag {key} of run {run}"))
        }
        Action::RenameRun { run, name } => {
            log_tags(store, run, vec![(RUN_NAME_TAG.into(), name.clone())])?;
            Ok(format!("renamed run {run} to {name}"))
        }
        Action::Transition {
            model,
            version,
            stage,
        } => {
            let done = transition(store, model, *version, Some(stage.clone()), Vec::new())?;
            let stage = done.stage.map_or("", |(s, _)| s.as_str());
            Ok(format!("{model} version {version} is now {stage}"))
        }
        Action::SetAlias {
            model,
            alias,
            version,
        } => {
            transition(store, model, *version, None, vec![alias.clone()])?;
            Ok(format!("@{alias} of {model} points at version {version}"))
        }
    }
}

fn transition(
    store: &Store,
    model: &str,
    version: u64,
    stage: Option<String>,
    aliases: Vec<String>,
) -> anyhow::Result<ops::models::TransitionDone> {
    ops::models::transition(
        store,
        &ops::models::TransitionRequest {
            model: model.to_owned(),
            version: version.to_string(),
            stage,
            archive_existing: false,
            aliases,
            detail: ops::Detail::Shown,
        },
    )
}

fn log_tags(store: &Store, run: &str, tags: Vec<(String, String)>) -> anyhow::Result<()> {
    let request = ops::log::LogRequest {
        run: store.find_run(run)?,
        batch: Batch {
            tags,
            ..Batch::default()
        },
        artifacts: Vec::new(),
    };
    ops::log::log(store, &request)?;
    Ok(())
}

/// One line per problem, for the status bar.
pub(crate) fn problem_line(problems: &[Problem]) -> Option<String> {
    let first = problems.first()?;
    Some(format!(
        "{} broken entr{} skipped, e.g. {}",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        first
    ))
}

/// `mlrs compare`'s rows for runs `ids`, over the keys the column patterns name.
pub(crate) fn compare(
    store: &Store,
    ids: Vec<String>,
    column_spec: &str,
    only_changed: bool,
) -> anyhow::Result<ops::compare::Compared> {
    let values: Vec<String> = column_spec.split_whitespace().map(str::to_owned).collect();
    ops::compare::compare(
        store,
        &ops::compare::CompareRequest {
            runs: ops::compare::Runs::Named {
                ids,
                order_by: Vec::new(),
            },
            columns: ops::columns::Columns::parse(&values)?,
            agg: ops::compare::Agg::Last,
            lower_is_better: Vec::new(),
            higher_is_better: Vec::new(),
            only_changed,
            spark: Vec::new(),
        },
    )
}
