//! `sync`: push a store into a running MLflow tracking server through its REST API,
//! incrementally. Owns the plan (what is new since the last sync), the mapping of local ids to
//! the server's, and the sync state file. It must not print or know about clap: progress goes
//! through [`Progress`], the outcome comes back as a [`Summary`].
//!
//! Why a rerun never duplicates anything, even after a kill at any moment:
//! * every run is created with the tag [`SOURCE_RUN_TAG`] (the local run id, a uuid), so a run
//!   created but not yet recorded in the state is found again by one search per experiment;
//! * params, tags, dataset inputs and artifact uploads are idempotent on the server, and a SQL
//!   backend drops metric points it already has (same key, timestamp, step and value), so
//!   sending data again after a crash adds nothing; the state only saves the resending;
//! * model versions carry [`SOURCE_VERSION_TAG`] and are looked up by it before creating.
//!
//! The state (`<root>/.mlrs-sync.trash/<server>.json`, a root folder MLflow skips) records per
//! run a fingerprint of its files, so a rerun with nothing new reads file sizes and times only
//! and makes no request per run.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::query::Filter;
use crate::remote::{self, Client, Metric, RemoteError};
use crate::store::registry::{LoggedModel, ModelVersion, RegisteredModel, Stage, logged_models_in};
use crate::store::stamp;
use crate::store::{
    DataSelection, Experiment, Lifecycle, MetricPoint, Problem, RunInfo, Store, StoreError, Trace,
    ViewType, traces_in,
};

/// The tag naming the local run a server run was made from.
pub const SOURCE_RUN_TAG: &str = "mlrs.sync.source_run";
/// The tag naming the store (its sync id) a server run was made from.
pub const SOURCE_STORE_TAG: &str = "mlrs.sync.source_store";
/// The tag naming the local model version a server version was made from.
pub const SOURCE_VERSION_TAG: &str = "mlrs.sync.source_version";
/// The tag naming the local MLflow 3 logged model a server logged model was made from.
pub const SOURCE_MODEL_TAG: &str = "mlrs.sync.source_model";

const PARENT_TAG: &str = "mlflow.parentRunId";
/// The longest tag value MLflow's SQL store keeps (`MAX_TAG_VAL_LENGTH`).
const TAG_LIMIT: usize = 8000;
const SAVE_EVERY: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error("cannot start the worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}

impl SyncError {
    /// As an `anyhow` error whose chain holds the typed error itself, so a front-end finds a
    /// store error's kind and hint (`#[error(transparent)]` would hide them).
    pub fn into_anyhow(self) -> anyhow::Error {
        match self {
            SyncError::Store(e) => e.into(),
            SyncError::Remote(e) => e.into(),
            e @ SyncError::Threads(_) => e.into(),
        }
    }
}

/// The sync state at `path` cannot be read or written as JSON.
fn state_error(path: &Path, reason: impl std::fmt::Display) -> SyncError {
    StoreError::conflict(
        crate::store::Subject::Path(path.to_path_buf()),
        format!("unreadable sync state ({reason})"),
    )
    .with_hint("delete it: the next sync finds its runs again from the server's tags")
    .into()
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;

/// What to sync. The front-end resolves the experiments (active ones, and deleted ones when
/// `include_deleted`).
pub struct Request<'a> {
    pub store: &'a Store,
    pub experiments: Vec<Experiment>,
    pub filter: Option<&'a Filter>,
    pub include_deleted: bool,
    pub dry_run: bool,
    pub jobs: usize,
    /// Also sync the model registry (versions of runs outside the selection are skipped).
    pub registry: bool,
}

/// Progress of long phases, for a front-end's progress bar.
pub trait Progress: Sync {
    fn phase(&self, what: &str, total: u64);
    fn advance(&self, n: u64);
    fn done(&self);
}

/// What a sync did (or, with `dry_run`, would do).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Summary {
    pub server: String,
    pub dry_run: bool,
    pub experiments_created: usize,
    pub runs_created: usize,
    pub runs_updated: usize,
    pub runs_unchanged: usize,
    pub runs_skipped_deleted: usize,
    pub metric_points: usize,
    pub params: usize,
    pub tags: usize,
    pub dataset_inputs: usize,
    pub artifact_files: usize,
    pub artifact_bytes: u64,
    pub models_created: usize,
    /// MLflow 3 logged models (`<experiment>/models/m-…`) created on the server.
    pub logged_models_created: usize,
    /// MLflow 3 traces (`<experiment>/traces/tr-…`) sent.
    pub traces: usize,
    pub versions_created: usize,
    /// Requests sent to the server in this pass (a rerun with nothing new sends none per run).
    pub requests: usize,
    /// One line per run or version that could not be sent (the rest was sent).
    pub failures: Vec<String>,
    /// Things sync left out on purpose, said once each.
    pub notes: Vec<String>,
    /// With `dry_run`: each run that has something to send.
    pub planned: Vec<PlannedRun>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedRun {
    pub run_id: String,
    pub run_name: String,
    pub experiment_id: String,
    /// `create` or `update`.
    pub action: &'static str,
    pub params: usize,
    pub tags: usize,
    pub metric_points: usize,
    pub dataset_inputs: usize,
    pub artifact_files: usize,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    server: String,
    #[serde(default)]
    experiments: BTreeMap<String, ExperimentState>,
    #[serde(default)]
    runs: BTreeMap<String, RunState>,
    #[serde(default)]
    models: BTreeMap<String, ModelState>,
    /// MLflow 3 logged models by local model id.
    #[serde(default)]
    logged: BTreeMap<String, LoggedState>,
    /// MLflow 3 traces whose info and spans the server has.
    #[serde(default)]
    traces: std::collections::BTreeSet<String>,
    /// Deleted runs left out (without `include_deleted`): run id → [`meta_stamp`], so that a
    /// rerun knows they are still deleted without reading them.
    #[serde(default)]
    skipped: HashMap<String, u64>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct ExperimentState {
    remote: String,
    #[serde(default)]
    tags: BTreeMap<String, u64>,
    #[serde(default)]
    deleted: bool,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct RunState {
    remote: String,
    artifact_uri: String,
    /// [`Fingerprint::stamp`] of the run's files when everything in them had been sent.
    #[serde(default)]
    fingerprint: u64,
    /// [`Fingerprint::watch`]: what the fingerprint covers (empty: check by reading).
    #[serde(default)]
    watch: String,
    #[serde(default)]
    meta: u64,
    #[serde(default)]
    params: BTreeMap<String, u64>,
    #[serde(default)]
    tags: BTreeMap<String, u64>,
    /// Bytes of each metric file already sent.
    #[serde(default)]
    metrics: BTreeMap<String, u64>,
    #[serde(default)]
    inputs: usize,
    /// `(size, mtime ns)` of each artifact file sent.
    #[serde(default)]
    artifacts: BTreeMap<String, (u64, i64)>,
    #[serde(default)]
    deleted: bool,
    /// Created in this pass (counted as created, not as updated); never saved.
    #[serde(skip)]
    created_now: bool,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct LoggedState {
    remote: String,
    artifact_uri: String,
    #[serde(default)]
    params: BTreeMap<String, u64>,
    #[serde(default)]
    tags: BTreeMap<String, u64>,
    /// Metric lines already sent (all files, in file order).
    #[serde(default)]
    metric_lines: usize,
    #[serde(default)]
    artifacts: BTreeMap<String, (u64, i64)>,
    #[serde(default)]
    status: Option<i64>,
    #[serde(default)]
    deleted: bool,
    /// The source run's output link to the model was sent.
    #[serde(default)]
    output: bool,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct ModelState {
    #[serde(default)]
    tags: BTreeMap<String, u64>,
    #[serde(default)]
    description: u64,
    /// Local version number → the server's.
    #[serde(default)]
    versions: BTreeMap<u64, VersionState>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct VersionState {
    remote: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    tags: BTreeMap<String, u64>,
}

/// Where the sync state of `store` for `server` lives.
pub fn state_path(store: &Store, server: &str) -> PathBuf {
    let key: String = server
        .trim_end_matches('/')
        .split("://")
        .last()
        .unwrap_or(server)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    store.private_dir("sync").join(format!("{key}.json"))
}

fn load_state(path: &Path, server: &str) -> Result<State> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| state_error(path, e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
            server: server.to_owned(),
            ..State::default()
        }),
        Err(e) => Err(StoreError::io(path, e).into()),
    }
}

fn save_state(store: &Store, path: &Path, state: &State) -> Result<()> {
    let bytes = serde_json::to_vec(state).map_err(|e| state_error(path, e))?;
    store.write_private(path, &bytes)?;
    Ok(())
}

/// The id of this store for [`SOURCE_STORE_TAG`], made once and kept beside the sync state.
fn store_id(store: &Store) -> Result<String> {
    let path = store.private_dir("sync").join("store-id");
    if let Ok(id) = std::fs::read_to_string(&path)
        && !id.trim().is_empty()
    {
        return Ok(id.trim().to_owned());
    }
    let id = uuid::Uuid::new_v4().simple().to_string();
    store.write_private(&path, id.as_bytes())?;
    Ok(id)
}

/// Kept in the sync state, so the same in every build (see [`stamp::StableHasher`]).
fn hash_of(value: &impl Hash) -> u64 {
    let mut h = stamp::StableHasher::default();
    value.hash(&mut h);
    h.finish()
}

/// What tells, with `stat` calls alone, whether a run changed since it was sent
/// (see [`stamp::watch_list`]).
fn fingerprint(run_dir: &Path, artifacts: Option<&Path>) -> Fingerprint {
    let watch = stamp::watch_list(run_dir, artifacts);
    let stamp = stamp::stamp(run_dir, &watch);
    Fingerprint { watch, stamp }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i64)
}

#[derive(Debug, Clone, Default)]
struct Fingerprint {
    /// Paths relative to the run folder (absolute for artifacts kept elsewhere), one a line.
    watch: String,
    /// Of the sizes and times of the `watch` paths, taken before the run's files were read.
    stamp: u64,
}

/// The size and time of a run's meta.yaml: enough to know that a deleted run left out of the
/// last sync is still deleted.
fn meta_stamp(run_dir: &Path) -> u64 {
    stamp::stamp(run_dir, "meta.yaml")
}

/// What one run has that the server lacks.
struct RunPlan {
    create: bool,
    fingerprint: Fingerprint,
    meta: u64,
    params: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    metrics: Vec<(String, Vec<MetricPoint>, u64)>,
    inputs: Vec<(Value, Vec<(String, String)>)>,
    input_count: usize,
    artifacts: Vec<ArtifactFile>,
    artifact_dir: Option<PathBuf>,
}

impl RunPlan {
    fn metric_points(&self) -> usize {
        self.metrics.iter().map(|(_, p, _)| p.len()).sum()
    }
}

fn meta_hash(info: &RunInfo) -> u64 {
    hash_of(&(
        &info.run_name,
        info.status.as_str(),
        info.end_time,
        info.lifecycle_stage.as_str(),
    ))
}

/// Compare a run's files with what was sent.
fn plan_run(
    info: &RunInfo,
    prior: Option<&RunState>,
    fingerprint: Fingerprint,
    store: &Store,
) -> Result<RunPlan> {
    let empty = RunState::default();
    let sent = prior.unwrap_or(&empty);
    let data = info.load_data(&DataSelection {
        params: crate::store::Keys::All,
        tags: crate::store::Keys::All,
        inputs: true,
        ..DataSelection::default()
    })?;
    let changed =
        |map: &BTreeMap<String, u64>, k: &String, v: &String| map.get(k) != Some(&hash_of(v));
    let params = data
        .params
        .into_iter()
        .filter(|(k, v)| changed(&sent.params, k, v))
        .collect();
    let tags = data
        .tags
        .into_iter()
        .filter(|(k, v)| changed(&sent.tags, k, v))
        .collect();
    let mut metrics = Vec::new();
    for key in info.metric_keys()? {
        let offset = sent.metrics.get(&key).copied().unwrap_or(0);
        let (points, end) = info.metric_points_since(&key, offset)?;
        if end != offset {
            metrics.push((key, points, end));
        }
    }
    let input_count = data.dataset_inputs.len();
    let inputs = data
        .dataset_inputs
        .into_iter()
        .skip(sent.inputs.min(input_count))
        .map(|input| {
            let d = input.dataset;
            let mut dataset = json!({ "name": d.name, "digest": d.digest,
                "source_type": d.source_type, "source": d.source });
            if let Some(s) = d.schema {
                dataset["schema"] = json!(s);
            }
            if let Some(p) = d.profile {
                dataset["profile"] = json!(p);
            }
            (dataset, input.tags.into_iter().collect())
        })
        .collect();
    let artifact_dir = store.local_artifact_dir(info).filter(|d| d.is_dir());
    let artifacts = match &artifact_dir {
        Some(dir) => artifact_files(dir, &sent.artifacts)?,
        None => Vec::new(),
    };
    Ok(RunPlan {
        create: prior.is_none(),
        fingerprint,
        meta: meta_hash(info),
        params,
        tags,
        metrics,
        inputs,
        input_count,
        artifacts,
        artifact_dir,
    })
}

/// An artifact to send: its path relative to the artifact folder (with `/`), the file, and its
/// `(size, mtime ns)`.
type ArtifactFile = (String, PathBuf, (u64, i64));

/// The files below `dir` whose `(size, mtime ns)` differ from what `sent` records: the path
/// relative to `dir` (with `/`), the file, and its stamp.
fn artifact_files(dir: &Path, sent: &BTreeMap<String, (u64, i64)>) -> Result<Vec<ArtifactFile>> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| StoreError::walk(dir, e))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry.metadata().map_err(|e| StoreError::walk(dir, e))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        let stamp = (meta.len(), mtime_ns(&meta));
        if sent.get(&rel) != Some(&stamp) {
            out.push((rel, entry.path().to_path_buf(), stamp));
        }
    }
    Ok(out)
}

/// Shared by the worker threads: the state, the counts, and when the state was last saved.
struct Shared<'a> {
    state: Mutex<State>,
    summary: Mutex<Summary>,
    saved_at: Mutex<Instant>,
    path: &'a Path,
    store: &'a Store,
}

impl Shared<'_> {
    fn maybe_save(&self) -> Result<()> {
        let mut at = self.saved_at.lock().unwrap_or_else(|e| e.into_inner());
        if at.elapsed() < SAVE_EVERY {
            return Ok(());
        }
        *at = Instant::now();
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        save_state(self.store, self.path, &state)
    }

    fn fail(&self, what: String) {
        self.summary
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .failures
            .push(what);
    }

    fn note(&self, text: &str) {
        note(
            &mut self.summary.lock().unwrap_or_else(|e| e.into_inner()),
            text,
        );
    }
}

/// Say something once.
fn note(summary: &mut Summary, text: &str) {
    if !summary.notes.iter().any(|n| n == text) {
        summary.notes.push(text.to_owned());
    }
}

/// Push `req`'s runs (and registry) to the server behind `client`.
pub fn sync(client: &Client, req: &Request, progress: &dyn Progress) -> Result<Summary> {
    let store = req.store;
    let requests_before = client.requests();
    let path = state_path(store, client.base());
    let mut state = load_state(&path, client.base())?;
    let mut summary = Summary {
        server: client.base().to_owned(),
        dry_run: req.dry_run,
        ..Summary::default()
    };
    let source_store = if req.dry_run {
        String::new()
    } else {
        store_id(store)?
    };

    let view = if req.include_deleted {
        ViewType::All
    } else {
        ViewType::ActiveOnly
    };
    let experiments: Vec<&Experiment> = req
        .experiments
        .iter()
        .filter(|e| req.include_deleted || e.is_active())
        .collect();
    if !req.dry_run {
        check_server(client, &mut state, &experiments, &mut summary)?;
        for exp in &experiments {
            sync_experiment(client, &mut state, exp, &mut summary)?;
        }
    }

    // Which runs changed since the last sync, with one `stat` per path each run's fingerprint
    // covers: runs that did not are neither read nor sent.
    let mut dirs = Vec::new();
    for exp in &req.experiments {
        match store.run_dirs(exp) {
            Ok(found) => dirs.extend(found),
            Err(e) => summary.failures.push(format!("{}: {e}", exp.dir.display())),
        }
    }
    let seen: Vec<Seen> = dirs
        .into_par_iter()
        .map(|dir| look_at(&state, &dir, req.include_deleted))
        .collect();
    let mut infos = Vec::new();
    for s in seen {
        match s {
            Seen::Unchanged => summary.runs_unchanged += 1,
            Seen::Skipped => summary.runs_skipped_deleted += 1,
            Seen::Unreadable(dir, e) => summary
                .failures
                .push(Problem::from_error(&dir, &e).to_string()),
            Seen::Changed(info, meta) => {
                let exp_deleted = req
                    .experiments
                    .iter()
                    .any(|e| !e.is_active() && info.dir.starts_with(&e.dir));
                if !view.includes(info.lifecycle_stage) || (exp_deleted && !req.include_deleted) {
                    summary.runs_skipped_deleted += 1;
                    state.skipped.insert(info.run_id.clone(), meta);
                } else {
                    infos.push(info);
                }
            }
        }
    }
    if let Some(filter) = req.filter {
        let loaded =
            store.load_runs_where(infos, &filter.needs().selection(), |r| filter.matches(r));
        summary
            .failures
            .extend(loaded.problems.iter().map(ToString::to_string));
        infos = loaded.items.into_iter().map(|r| r.info).collect();
    }
    // Parents before children, so a child's parent tag can always be mapped.
    infos.sort_by(|a, b| {
        a.start_time
            .cmp(&b.start_time)
            .then(a.run_id.cmp(&b.run_id))
    });
    let stale: Vec<(RunInfo, Fingerprint)> = infos
        .into_par_iter()
        .map(|info| {
            let fp = fingerprint(&info.dir, store.local_artifact_dir(&info).as_deref());
            (info, fp)
        })
        .collect();
    for (info, _) in &stale {
        state.skipped.remove(&info.run_id);
    }

    if !req.dry_run {
        rediscover(client, &mut state, &stale)?;
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(req.jobs.max(1))
        .build()?;
    let shared = Shared {
        state: Mutex::new(state),
        summary: Mutex::new(summary),
        saved_at: Mutex::new(Instant::now()),
        path: &path,
        store,
    };

    // Create the missing runs first, so every parent link can be mapped.
    let missing: Vec<&RunInfo> = {
        let st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        stale
            .iter()
            .map(|(i, _)| i)
            .filter(|i| !st.runs.contains_key(&i.run_id))
            .collect()
    };
    if !req.dry_run && !missing.is_empty() {
        progress.phase("creating runs", missing.len() as u64);
        pool.install(|| {
            missing.par_iter().for_each(|info| {
                if let Err(e) = create_run(client, &shared, info, &source_store) {
                    shared.fail(format!("run {}: {e}", info.run_id));
                }
                progress.advance(1);
                let _ = shared.maybe_save();
            })
        });
        progress.done();
    }

    progress.phase("sending runs", stale.len() as u64);
    pool.install(|| {
        stale.par_iter().for_each(|(info, fp)| {
            let outcome = send_run(client, &shared, store, info, fp, req.dry_run);
            if let Err(e) = outcome {
                shared.fail(format!("run {}: {e}", info.run_id));
            }
            progress.advance(1);
            if !req.dry_run {
                let _ = shared.maybe_save();
            }
        })
    });
    progress.done();

    let mut state = shared.state.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut summary = shared
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    if !req.dry_run {
        for exp in experiments.iter().filter(|e| !e.is_active()) {
            if let Some(s) = state.experiments.get_mut(&exp.id)
                && !s.deleted
            {
                client.set_experiment_deleted(&s.remote, true)?;
                s.deleted = true;
            }
        }
        for exp in &experiments {
            if let Err(e) = sync_traces(client, &mut state, exp, &mut summary) {
                summary
                    .failures
                    .push(format!("traces of experiment {}: {e}", exp.id));
            }
            if let Err(e) =
                sync_logged_models(client, &mut state, exp, req, &source_store, &mut summary)
            {
                summary
                    .failures
                    .push(format!("logged models of experiment {}: {e}", exp.id));
            }
        }
        if req.registry {
            sync_registry(client, store, &mut state, &source_store, &mut summary)?;
        }
        // The state changes only with a request or a run whose files changed; a pass with
        // neither skips rewriting it (megabytes for 10k runs).
        if !stale.is_empty() || client.requests() > requests_before {
            save_state(store, &path, &state)?;
        }
    }
    summary.requests = client.requests() - requests_before;
    Ok(summary)
}

/// What the change check found for one run folder.
enum Seen {
    /// Sent, and nothing written since.
    Unchanged,
    /// Deleted and left out (no `include_deleted`), as at the last sync.
    Skipped,
    /// New or changed: read, with the [`meta_stamp`] taken before reading it.
    Changed(RunInfo, u64),
    Unreadable(PathBuf, StoreError),
}

/// Whether the run in `dir` changed since the last sync: `stat`s only, unless it did.
fn look_at(state: &State, dir: &Path, include_deleted: bool) -> Seen {
    let id = dir.file_name().unwrap_or_default().to_string_lossy();
    if let Some(s) = state.runs.get(id.as_ref())
        && !s.watch.is_empty()
        && stamp::stamp(dir, &s.watch) == s.fingerprint
    {
        return if s.deleted && !include_deleted {
            Seen::Skipped
        } else {
            Seen::Unchanged
        };
    }
    let meta = meta_stamp(dir);
    if !include_deleted && state.skipped.get(id.as_ref()) == Some(&meta) {
        return Seen::Skipped;
    }
    match RunInfo::load(dir) {
        Ok(info) => Seen::Changed(info, meta),
        Err(e) => Seen::Unreadable(dir.to_path_buf(), e),
    }
}

/// Ask the server for each experiment the state maps to (one request each): a rerun with
/// nothing new makes no other request, so a server that is down would go unnoticed, and one
/// that was wiped or replaced would be taken to hold what it no longer has. When an
/// experiment is gone, the state is dropped: each run is then looked for on the server by
/// its source tags, as after a lost state, and whatever is missing is sent again.
fn check_server(
    client: &Client,
    state: &mut State,
    experiments: &[&Experiment],
    summary: &mut Summary,
) -> Result<()> {
    let known: Vec<(&Experiment, &str)> = experiments
        .iter()
        .filter_map(|exp| Some((*exp, state.experiments.get(&exp.id)?.remote.as_str())))
        .collect();
    // Asked all at once: a Python server takes tens of milliseconds a request.
    let stages: Vec<Option<String>> = known
        .par_iter()
        .map(|(_, remote)| client.experiment_stage(remote))
        .collect::<Result<_, _>>()?;
    let lost = known.iter().zip(&stages).find(|(_, stage)| stage.is_none());
    if let Some(((exp, remote), _)) = lost {
        summary.notes.push(format!(
            "the server no longer has experiment {} (its id {remote} there): everything synced \
             before is looked for again and sent where missing",
            exp.name
        ));
        *state = State {
            server: state.server.clone(),
            ..State::default()
        };
        return Ok(());
    }
    let deleted: Vec<String> = known
        .iter()
        .zip(&stages)
        .filter(|(_, stage)| stage.as_deref() == Some(Lifecycle::Deleted.as_str()))
        .map(|((exp, _), _)| exp.id.clone())
        .collect();
    // Deleted on the server since: restored before runs are sent into it.
    for id in deleted {
        if let Some(s) = state.experiments.get_mut(&id) {
            s.deleted = true;
        }
    }
    Ok(())
}

/// Find or create the experiment by name, then send tags that changed.
fn sync_experiment(
    client: &Client,
    state: &mut State,
    exp: &Experiment,
    summary: &mut Summary,
) -> Result<()> {
    if !state.experiments.contains_key(&exp.id) {
        let remote = match client.experiment_by_name(&exp.name)? {
            Some((id, stage)) => {
                if stage == Lifecycle::Deleted.as_str() {
                    client.set_experiment_deleted(&id, false)?;
                }
                id
            }
            None => match client.create_experiment(&exp.name) {
                Ok(id) => {
                    summary.experiments_created += 1;
                    id
                }
                // Another sync (another store) created it meanwhile.
                Err(e) if e.is_already_there() => match client.experiment_by_name(&exp.name)? {
                    Some((id, _)) => id,
                    None => return Err(e.into()),
                },
                Err(e) => return Err(e.into()),
            },
        };
        state.experiments.insert(
            exp.id.clone(),
            ExperimentState {
                remote,
                ..ExperimentState::default()
            },
        );
    }
    let s = state.experiments.get_mut(&exp.id).expect("inserted above");
    if s.deleted {
        // New runs may arrive in a deleted experiment; the server takes them only while active.
        client.set_experiment_deleted(&s.remote, false)?;
        s.deleted = false;
    }
    for (key, value) in &exp.tags {
        let h = hash_of(value);
        if s.tags.get(key) != Some(&h) {
            client.set_experiment_tag(&s.remote, key, value)?;
            s.tags.insert(key.clone(), h);
        }
    }
    Ok(())
}

/// Map runs missing from the state to server runs made from them earlier (a sync killed
/// before it saved, or a deleted state file): one paged search per experiment, only when some
/// run of it is missing.
fn rediscover(client: &Client, state: &mut State, stale: &[(RunInfo, Fingerprint)]) -> Result<()> {
    let mut wanted: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (info, _) in stale {
        if !state.runs.contains_key(&info.run_id)
            && let Some(exp) = state.experiments.get(&info.experiment_id)
        {
            wanted
                .entry(exp.remote.clone())
                .or_default()
                .push(&info.run_id);
        }
    }
    for (remote_exp, ids) in wanted {
        let filter = format!("tags.`{SOURCE_RUN_TAG}` LIKE '%'");
        let found = client.search_runs(&[remote_exp], &filter)?;
        let by_source: HashMap<&str, &remote::RemoteRun> = found
            .iter()
            .filter_map(|r| r.tags.get(SOURCE_RUN_TAG).map(|s| (s.as_str(), r)))
            .collect();
        for id in ids {
            if let Some(r) = by_source.get(id) {
                state.runs.insert(
                    id.to_owned(),
                    RunState {
                        remote: r.run_id.clone(),
                        artifact_uri: r.artifact_uri.clone(),
                        deleted: r.lifecycle_stage == Lifecycle::Deleted.as_str(),
                        ..RunState::default()
                    },
                );
            }
        }
    }
    Ok(())
}

fn create_run(client: &Client, shared: &Shared, info: &RunInfo, source_store: &str) -> Result<()> {
    let remote_exp = {
        let st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        match st.experiments.get(&info.experiment_id) {
            Some(e) => e.remote.clone(),
            None => return Ok(()),
        }
    };
    let run = client.create_run(
        &remote_exp,
        &info.run_name,
        &info.user_id,
        info.start_time,
        &[
            (SOURCE_RUN_TAG, &info.run_id),
            (SOURCE_STORE_TAG, source_store),
        ],
    )?;
    shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .runs
        .insert(
            info.run_id.clone(),
            RunState {
                remote: run.run_id,
                artifact_uri: run.artifact_uri,
                created_now: true,
                ..RunState::default()
            },
        );
    shared
        .summary
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .runs_created += 1;
    Ok(())
}

/// Plan one run and send what it lacks, recording each part in the state once the server
/// has it.
fn send_run(
    client: &Client,
    shared: &Shared,
    store: &Store,
    info: &RunInfo,
    fp: &Fingerprint,
    dry_run: bool,
) -> Result<()> {
    let prior = {
        let st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.runs.get(&info.run_id).cloned()
    };
    if !dry_run && prior.is_none() {
        return Ok(()); // its creation failed and was reported
    }
    let plan = plan_run(info, prior.as_ref(), fp.clone(), store)?;
    let served = prior
        .as_ref()
        .is_some_and(|p| p.artifact_uri.starts_with("mlflow-artifacts:"));
    let send_artifacts = dry_run || served;
    {
        let mut s = shared.summary.lock().unwrap_or_else(|e| e.into_inner());
        let created_now = prior.as_ref().is_some_and(|p| p.created_now);
        if dry_run && plan.create {
            s.runs_created += 1;
        } else if !plan.create && !created_now {
            s.runs_updated += 1;
        }
        s.params += plan.params.len();
        s.tags += plan.tags.len();
        s.metric_points += plan.metric_points();
        s.dataset_inputs += plan.inputs.len();
        if send_artifacts {
            s.artifact_files += plan.artifacts.len();
            s.artifact_bytes += plan.artifacts.iter().map(|a| a.2.0).sum::<u64>();
        }
        if dry_run {
            s.planned.push(PlannedRun {
                run_id: info.run_id.clone(),
                run_name: info.run_name.clone(),
                experiment_id: info.experiment_id.clone(),
                action: if plan.create { "create" } else { "update" },
                params: plan.params.len(),
                tags: plan.tags.len(),
                metric_points: plan.metric_points(),
                dataset_inputs: plan.inputs.len(),
                artifact_files: plan.artifacts.len(),
            });
        }
    }
    if dry_run {
        return Ok(());
    }
    let mut sent = prior.expect("checked above");
    let remote = sent.remote.clone();

    let parent_map = |k: &str, v: &str| -> String {
        if k != PARENT_TAG {
            return v.to_owned();
        }
        let st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.runs
            .get(v)
            .map_or_else(|| v.to_owned(), |r| r.remote.clone())
    };
    if let Some((k, _)) = plan
        .tags
        .iter()
        .find(|(_, v)| v.chars().count() > TAG_LIMIT)
    {
        shared.note(&format!(
            "run {} tag {k} is longer than {TAG_LIMIT} characters; the server keeps the first {TAG_LIMIT}",
            info.run_id
        ));
    }
    let tags: Vec<(String, String, String)> = plan
        .tags
        .iter()
        .map(|(k, v)| (k.clone(), parent_map(k, v), v.clone()))
        .collect();
    let points: Vec<(usize, Metric)> = plan
        .metrics
        .iter()
        .enumerate()
        .flat_map(|(i, (key, pts, _))| {
            dedup(pts).into_iter().map(move |p| {
                (
                    i,
                    Metric {
                        key: key.clone(),
                        value: p.value,
                        timestamp: p.timestamp,
                        step: p.step,
                        dataset: p.dataset.clone(),
                        model_id: None,
                    },
                )
            })
        })
        .collect();
    send_batches(client, &remote, &plan.params, &tags, &points)?;
    for (k, v) in &plan.params {
        sent.params.insert(k.clone(), hash_of(v));
    }
    for (k, _, v) in &tags {
        sent.tags.insert(k.clone(), hash_of(v));
    }
    for (key, _, end) in &plan.metrics {
        sent.metrics.insert(key.clone(), *end);
    }
    if !plan.inputs.is_empty() {
        let inputs: Vec<(Value, Vec<(&str, &str)>)> = plan
            .inputs
            .iter()
            .map(|(d, t)| {
                (
                    d.clone(),
                    t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect(),
                )
            })
            .collect();
        log_inputs(client, &remote, &inputs)?;
    }
    sent.inputs = plan.input_count;
    if served {
        let base = sent
            .artifact_uri
            .trim_start_matches("mlflow-artifacts:")
            .trim_start_matches('/')
            .to_owned();
        for (rel, path, stamp) in &plan.artifacts {
            client.upload_artifact(&format!("{base}/{rel}"), path)?;
            sent.artifacts.insert(rel.clone(), *stamp);
        }
    } else if !plan.artifacts.is_empty() && plan.artifact_dir.is_some() {
        shared.note(&format!(
            "artifacts were not sent: the server gives runs the artifact location {} (not \
             mlflow-artifacts:/); start it with --serve-artifacts to sync artifacts",
            sent.artifact_uri
        ));
    }
    if sent.meta != plan.meta {
        client.update_run(&remote, info.status.as_str(), info.end_time, &info.run_name)?;
        let deleted = !info.is_active();
        if deleted != sent.deleted {
            client.set_run_deleted(&remote, deleted)?;
            sent.deleted = deleted;
        }
        sent.meta = plan.meta;
    }
    sent.fingerprint = plan.fingerprint.stamp;
    sent.watch = plan.fingerprint.watch;
    shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .runs
        .insert(info.run_id.clone(), sent);
    Ok(())
}

/// Two runs logging the same new dataset at once race on the server (both insert it; one
/// gets a unique-constraint error, and the dataset exists afterwards), so such an error is
/// retried.
fn log_inputs(client: &Client, run_id: &str, inputs: &[(Value, Vec<(&str, &str)>)]) -> Result<()> {
    let mut attempt = 0;
    loop {
        match client.log_inputs(run_id, inputs) {
            Err(RemoteError::Api { message, .. })
                if attempt < 5
                    && (message.contains("IntegrityError") || message.contains("UNIQUE")) =>
            {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(100 * attempt));
            }
            other => return Ok(other?),
        }
    }
}

/// A SQL-backed server keeps one row per (key, timestamp, step, value) and rejects a batch
/// repeating one, so identical lines of one file are sent once.
fn dedup(points: &[MetricPoint]) -> Vec<&MetricPoint> {
    let mut seen = std::collections::HashSet::new();
    points
        .iter()
        .filter(|p| seen.insert((p.timestamp, p.step, p.value.to_bits())))
        .collect()
}

/// Send params, tags and metric points in as few log-batch calls as MLflow's limits allow.
fn send_batches(
    client: &Client,
    run_id: &str,
    params: &[(String, String)],
    tags: &[(String, String, String)],
    metrics: &[(usize, Metric)],
) -> Result<()> {
    let mut params = params.iter().peekable();
    let mut tags = tags.iter().peekable();
    let mut metrics = metrics.iter().peekable();
    while params.peek().is_some() || tags.peek().is_some() || metrics.peek().is_some() {
        let mut bytes = 0;
        let mut batch_params = Vec::new();
        let mut batch_tags = Vec::new();
        let mut batch_metrics = Vec::new();
        while batch_params.len() < remote::BATCH_PARAMS
            && let Some((k, v)) = params.peek()
        {
            let size = k.len() + v.len() + 32;
            if bytes + size > remote::BATCH_BYTES && !batch_params.is_empty() {
                break;
            }
            bytes += size;
            batch_params.push((k.as_str(), v.as_str()));
            params.next();
        }
        while batch_tags.len() < remote::BATCH_TAGS
            && let Some((k, v, _)) = tags.peek()
        {
            let size = k.len() + v.len() + 32;
            if bytes + size > remote::BATCH_BYTES && bytes > 0 {
                break;
            }
            bytes += size;
            batch_tags.push((k.as_str(), v.as_str()));
            tags.next();
        }
        let room = remote::BATCH_ENTITIES - batch_params.len() - batch_tags.len();
        while batch_metrics.len() < remote::BATCH_METRICS.min(room)
            && let Some((_, m)) = metrics.peek()
        {
            let size = remote::metric_size(m);
            if bytes + size > remote::BATCH_BYTES && bytes > 0 {
                break;
            }
            bytes += size;
            batch_metrics.push(m.clone());
            metrics.next();
        }
        client.log_batch(run_id, &batch_metrics, &batch_params, &batch_tags)?;
    }
    Ok(())
}

/// MLflow 3 traces of `exp` (`<experiment>/traces/tr-…`). Trace ids can be chosen
/// (StartTraceV3 keeps the one given; they are random), so no mapping is needed: the info goes
/// first, then the spans file through the artifact proxy to the location the server names; a
/// trace the server has already (a sync killed between the two) is looked up, not started again.
fn sync_traces(
    client: &Client,
    state: &mut State,
    exp: &Experiment,
    summary: &mut Summary,
) -> Result<()> {
    let mut problems = Vec::new();
    let traces = traces_in(&exp.dir, &mut problems)?;
    summary
        .failures
        .extend(problems.iter().map(ToString::to_string));
    let Some(remote_exp) = state.experiments.get(&exp.id).map(|e| e.remote.clone()) else {
        return Ok(());
    };
    for trace in &traces {
        if state.traces.contains(&trace.trace_id) {
            continue;
        }
        let tags = match client.trace_tags(&trace.trace_id)? {
            Some(tags) => tags,
            None => client.start_trace(&trace_info(trace, &remote_exp, &state.runs))?,
        };
        let spans = trace.spans_file();
        if spans.is_file() {
            match tags.get(ARTIFACT_LOCATION_TAG) {
                Some(at) if at.starts_with("mlflow-artifacts:") => {
                    let base = at
                        .trim_start_matches("mlflow-artifacts:")
                        .trim_start_matches('/');
                    client.upload_artifact(&format!("{base}/traces.json"), &spans)?;
                }
                other => {
                    note(
                        summary,
                        &format!(
                            "trace spans were not sent: the server keeps them at {} (not \
                             mlflow-artifacts:/)",
                            other.map_or("(no location)", String::as_str)
                        ),
                    );
                    continue;
                }
            }
        }
        summary.traces += 1;
        state.traces.insert(trace.trace_id.clone());
    }
    Ok(())
}

/// The tag where a server keeps a trace's spans (it sets it; the file store's names a local
/// folder).
const ARTIFACT_LOCATION_TAG: &str = "mlflow.artifactLocation";

/// `trace_info.yaml` and the key files as MLflow's `TraceInfoV3` message in JSON, located in the
/// server's experiment; a source run named in the metadata is the server's run.
fn trace_info(trace: &Trace, remote_exp: &str, runs: &BTreeMap<String, RunState>) -> Value {
    let mut metadata = trace.metadata.clone();
    if let Some(run) = metadata.get_mut("mlflow.sourceRun")
        && let Some(remote) = runs.get(run.as_str())
    {
        *run = remote.remote.clone();
    }
    let mut tags = trace.tags.clone();
    tags.remove(ARTIFACT_LOCATION_TAG);
    let mut info = json!({
        "trace_id": trace.trace_id,
        "trace_location": {
            "type": "MLFLOW_EXPERIMENT",
            "mlflow_experiment": { "experiment_id": remote_exp },
        },
        "trace_metadata": metadata,
        "tags": tags,
    });
    let fields = [
        ("request_time", &trace.request_time),
        ("state", &trace.state),
        ("request_preview", &trace.request_preview),
        ("response_preview", &trace.response_preview),
        ("client_request_id", &trace.client_request_id),
    ];
    for (key, value) in fields {
        if let Some(v) = value {
            info[key] = json!(v);
        }
    }
    if let Some(ms) = trace.execution_duration_ms {
        info["execution_duration"] = json!(format!("{}.{:03}s", ms / 1000, ms % 1000));
    }
    info
}

/// MLflow 3 logged models of `exp` (`<experiment>/models/m-…`). The server chooses their ids,
/// so each is created with [`SOURCE_MODEL_TAG`] (and found again by it when the state is lost),
/// then gets what it lacks: params, tags, metric lines (sent as MLflow's client sends them:
/// log-batch points of the run that logged them, carrying the model's id), artifacts through
/// the proxy, its status, its deletion, and its source run's output link.
fn sync_logged_models(
    client: &Client,
    state: &mut State,
    exp: &Experiment,
    req: &Request,
    source_store: &str,
    summary: &mut Summary,
) -> Result<()> {
    let mut problems = Vec::new();
    let models = logged_models_in(&exp.dir, &mut problems)?;
    summary
        .failures
        .extend(problems.iter().map(ToString::to_string));
    let Some(remote_exp) = state.experiments.get(&exp.id).map(|e| e.remote.clone()) else {
        return Ok(());
    };
    let mut found: Option<HashMap<String, remote::RemoteModel>> = None;
    for model in &models {
        if model.deleted && !req.include_deleted && !state.logged.contains_key(&model.model_id) {
            continue;
        }
        let outcome = sync_logged_model(
            client,
            state,
            model,
            exp,
            &remote_exp,
            source_store,
            &mut found,
            summary,
        );
        if let Err(e) = outcome {
            summary
                .failures
                .push(format!("logged model {}: {e}", model.model_id));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn sync_logged_model(
    client: &Client,
    state: &mut State,
    model: &LoggedModel,
    exp: &Experiment,
    remote_exp: &str,
    source_store: &str,
    found: &mut Option<HashMap<String, remote::RemoteModel>>,
    summary: &mut Summary,
) -> Result<()> {
    let source_run = model
        .source_run_id
        .as_deref()
        .and_then(|r| state.runs.get(r))
        .map(|r| r.remote.clone());
    let mut ls = match state.logged.get(&model.model_id) {
        Some(ls) => ls.clone(),
        None => {
            let found = match found {
                Some(found) => found,
                None => found.insert(
                    client
                        .logged_models(remote_exp)?
                        .into_iter()
                        .filter_map(|m| m.tags.get(SOURCE_MODEL_TAG).cloned().map(|t| (t, m)))
                        .collect(),
                ),
            };
            // Found again (the state was lost): what the server has is not sent again (it
            // refuses a param twice).
            let mut known = LoggedState::default();
            let remote = match found.get(&model.model_id) {
                Some(m) => {
                    known.params = m
                        .params
                        .iter()
                        .map(|(k, v)| (k.clone(), hash_of(v)))
                        .collect();
                    known.tags = m
                        .tags
                        .iter()
                        .map(|(k, v)| (k.clone(), hash_of(v)))
                        .collect();
                    if let Some(run) = &source_run {
                        known.output = client.run_outputs(run)?.contains(&m.model_id);
                    }
                    m.clone()
                }
                None => {
                    let m = client.create_logged_model(
                        remote_exp,
                        &model.name,
                        model.model_type.as_deref(),
                        source_run.as_deref(),
                        &[
                            (SOURCE_MODEL_TAG, &model.model_id),
                            (SOURCE_STORE_TAG, source_store),
                        ],
                    )?;
                    summary.logged_models_created += 1;
                    m
                }
            };
            let ls = LoggedState {
                remote: remote.model_id,
                artifact_uri: remote.artifact_uri,
                ..known
            };
            state.logged.insert(model.model_id.clone(), ls.clone());
            ls
        }
    };
    let changed =
        |map: &BTreeMap<String, u64>, (k, v): &(String, String)| map.get(k) != Some(&hash_of(v));
    let params: Vec<(String, String)> = model
        .params()?
        .into_iter()
        .filter(|p| changed(&ls.params, p))
        .collect();
    for chunk in params.chunks(remote::BATCH_PARAMS) {
        let pairs: Vec<(&str, &str)> = chunk
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        client.log_logged_model_params(&ls.remote, &pairs)?;
        ls.params
            .extend(chunk.iter().map(|(k, v)| (k.clone(), hash_of(v))));
    }
    // The server keeps `mlflow.modelVersions` itself, with its own version numbers, as it
    // creates versions from the model.
    let tags: Vec<(String, String)> = model
        .tags()?
        .into_iter()
        .filter(|t| t.0 != MODEL_VERSIONS_TAG && changed(&ls.tags, t))
        .collect();
    for chunk in tags.chunks(remote::BATCH_TAGS) {
        let pairs: Vec<(&str, &str)> = chunk
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        client.set_logged_model_tags(&ls.remote, &pairs)?;
        ls.tags
            .extend(chunk.iter().map(|(k, v)| (k.clone(), hash_of(v))));
    }
    let lines = model.metric_lines()?;
    for (key, point, run) in lines.iter().skip(ls.metric_lines) {
        let Some(remote_run) = state.runs.get(run) else {
            summary.failures.push(format!(
                "logged model {}: metric {key} was logged by run {run}, which is not synced; \
                 its lines wait",
                model.model_id
            ));
            break;
        };
        let metric = Metric {
            key: key.clone(),
            value: point.value,
            timestamp: point.timestamp,
            step: point.step,
            dataset: point.dataset.clone(),
            model_id: Some(ls.remote.clone()),
        };
        client.log_batch(&remote_run.remote, &[metric], &[], &[])?;
        ls.metric_lines += 1;
    }
    let artifacts = model.dir.join("artifacts");
    if ls.artifact_uri.starts_with("mlflow-artifacts:") {
        let base = ls
            .artifact_uri
            .trim_start_matches("mlflow-artifacts:")
            .trim_start_matches('/')
            .to_owned();
        for (rel, path, stamp) in artifact_files(&artifacts, &ls.artifacts)? {
            client.upload_artifact(&format!("{base}/{rel}"), &path)?;
            ls.artifacts.insert(rel, stamp);
        }
    } else if artifacts.is_dir() {
        note(
            summary,
            &format!(
                "logged model artifacts were not sent: the server gives logged models the \
                 location {} (not mlflow-artifacts:/)",
                ls.artifact_uri
            ),
        );
    }
    if let Some(status) = model.status
        && ls.status != model.status
    {
        if status != PENDING {
            client.finalize_logged_model(&ls.remote, status)?;
        }
        ls.status = model.status;
    }
    if !ls.output
        && let Some(run) = &source_run
        && let Some(step) = model
            .source_run_id
            .as_deref()
            .and_then(|r| model.output_step(&exp.dir.join(r)))
    {
        client.log_outputs(run, &ls.remote, step)?;
        ls.output = true;
    }
    if model.deleted && !ls.deleted {
        client.delete_logged_model(&ls.remote)?;
        ls.deleted = true;
    }
    state.logged.insert(model.model_id.clone(), ls);
    Ok(())
}

/// The logged-model tag listing the registry versions made from it (`[{"name", "version"}]`).
const MODEL_VERSIONS_TAG: &str = "mlflow.modelVersions";
/// MLflow's `LoggedModelStatus.PENDING`: the status a model is created with.
const PENDING: i64 = 1;

/// The registry: models by name, versions in local order with sources pointing at the
/// server's runs, then stages, aliases, tags and descriptions that changed.
fn sync_registry(
    client: &Client,
    store: &Store,
    state: &mut State,
    source_store: &str,
    summary: &mut Summary,
) -> Result<()> {
    let listing = store.registered_models()?;
    summary
        .failures
        .extend(listing.problems.iter().map(ToString::to_string));
    for model in &listing.items {
        if let Err(e) = sync_model(client, state, model, source_store, summary) {
            summary.failures.push(format!("model {}: {e}", model.name));
        }
    }
    Ok(())
}

fn sync_model(
    client: &Client,
    state: &mut State,
    model: &RegisteredModel,
    source_store: &str,
    summary: &mut Summary,
) -> Result<()> {
    let (runs, logged) = (&state.runs, &state.logged);
    let mut ms = state.models.get(&model.name).cloned().unwrap_or_default();
    let known = state.models.contains_key(&model.name);
    if !known && client.registered_model(&model.name)?.is_none() {
        match client.create_registered_model(&model.name) {
            Ok(()) => summary.models_created += 1,
            Err(e) if e.is_already_there() => {}
            Err(e) => return Err(e.into()),
        }
    }
    for (k, v) in model.visible_tags() {
        let h = hash_of(&v);
        if ms.tags.get(&k) != Some(&h) {
            client.set_registered_model_tag(&model.name, &k, &v)?;
            ms.tags.insert(k, h);
        }
    }
    let description = model.description.clone().unwrap_or_default();
    if hash_of(&description) != ms.description {
        if !description.is_empty() || known {
            client.update_registered_model(&model.name, &description)?;
        }
        ms.description = hash_of(&description);
    }
    let mut remote_versions: Option<HashMap<String, String>> = None;
    let mut versions: Vec<&ModelVersion> =
        model.versions.iter().filter(|v| !v.is_deleted()).collect();
    versions.sort_by_key(|v| v.version);
    for v in versions {
        let vs = match ms.versions.entry(v.version) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(slot) => {
                let Some(remote) = remote_version(
                    client,
                    model,
                    v,
                    (runs, logged),
                    source_store,
                    &mut remote_versions,
                    summary,
                )?
                else {
                    continue;
                };
                slot.insert(VersionState {
                    remote,
                    stage: Stage::None.as_str().to_owned(),
                    ..VersionState::default()
                })
            }
        };
        for (k, value) in &v.tags {
            let h = hash_of(value);
            if vs.tags.get(k) != Some(&h) {
                client.set_model_version_tag(&model.name, &vs.remote, k, value)?;
                vs.tags.insert(k.clone(), h);
            }
        }
        if vs.stage != v.current_stage.as_str() {
            client.transition_stage(&model.name, &vs.remote, v.current_stage.as_str())?;
            vs.stage = v.current_stage.as_str().to_owned();
        }
    }
    for (alias, version) in &model.aliases {
        let target = version
            .parse::<u64>()
            .ok()
            .and_then(|n| ms.versions.get(&n))
            .map(|v| v.remote.clone());
        if let Some(target) = target
            && ms.aliases.get(alias) != Some(&target)
        {
            client.set_alias(&model.name, alias, &target)?;
            ms.aliases.insert(alias.clone(), target);
        }
    }
    state.models.insert(model.name.clone(), ms);
    Ok(())
}

/// The server's number for local version `v`: the one made from it earlier (found by its
/// [`SOURCE_VERSION_TAG`] among the model's versions, fetched once into `found`), else a new
/// one; `None` when it cannot be sent (said in `summary`, without asking the server, so that a
/// rerun asks nothing about versions it cannot send).
fn remote_version(
    client: &Client,
    model: &RegisteredModel,
    v: &ModelVersion,
    (runs, logged): (&BTreeMap<String, RunState>, &BTreeMap<String, LoggedState>),
    source_store: &str,
    found: &mut Option<HashMap<String, String>>,
    summary: &mut Summary,
) -> Result<Option<String>> {
    let identity = format!(
        "{}/{}/{}",
        v.run_id.as_deref().unwrap_or(source_store),
        model.name,
        v.version
    );
    let source = v.source.as_deref().unwrap_or("(none)");
    let Some((source, run_id, model_id)) = version_source(v, runs, logged) else {
        summary.failures.push(format!(
            "model {} version {}: its source {source} is not a run synced to the server; skipped",
            model.name, v.version
        ));
        return Ok(None);
    };
    let found = match found {
        Some(found) => found,
        None => found.insert(
            client
                .model_versions(&model.name)?
                .into_iter()
                .filter_map(|(n, tags)| tags.get(SOURCE_VERSION_TAG).map(|t| (t.clone(), n)))
                .collect(),
        ),
    };
    if let Some(n) = found.get(&identity) {
        return Ok(Some(n.clone()));
    }
    let n = client.create_model_version(
        &model.name,
        &source,
        run_id.as_deref(),
        v.description.as_deref(),
        &[(SOURCE_VERSION_TAG, &identity)],
        model_id.as_deref(),
    )?;
    summary.versions_created += 1;
    Ok(Some(n))
}

/// The source a version gets on the server, its run there, and its logged model there: a
/// `models:/<id>` source (MLflow 3) names the server's copy of the logged model; otherwise the
/// run's artifact location there, plus the path inside the run's artifacts (from
/// `runs:/<id>/<path>` or a local artifact path).
fn version_source(
    v: &ModelVersion,
    runs: &BTreeMap<String, RunState>,
    logged: &BTreeMap<String, LoggedState>,
) -> Option<(String, Option<String>, Option<String>)> {
    let source = v.source.as_deref()?;
    if let Some(local) = source.strip_prefix("models:/") {
        let model = logged.get(local.trim_end_matches('/'))?;
        let run = v.run_id.as_deref().and_then(|r| runs.get(r));
        return Some((
            format!("models:/{}", model.remote),
            run.map(|r| r.remote.clone()),
            Some(model.remote.clone()),
        ));
    }
    let Some(run_id) = v.run_id.as_deref() else {
        let local = source.starts_with("file:") || source.starts_with('/');
        return (!local).then(|| (source.to_owned(), None, None));
    };
    let remote = runs.get(run_id)?;
    let inner = if let Some(rest) = source.strip_prefix(&format!("runs:/{run_id}")) {
        rest.trim_start_matches('/').to_owned()
    } else {
        let marker = format!("/{run_id}/artifacts");
        let at = source.find(&marker)?;
        source[at + marker.len()..]
            .trim_start_matches('/')
            .to_owned()
    };
    let base = remote.artifact_uri.trim_end_matches('/');
    let source = if inner.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{inner}")
    };
    Some((source, Some(remote.remote.clone()), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_files_are_named_after_the_server() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".trash")).unwrap();
        let store = Store::open(dir.path()).unwrap();
        let path = state_path(&store, "https://mlflow.example.org:8443/");
        assert!(path.ends_with(".mlrs-sync.trash/mlflow_example_org_8443.json"));
    }

    #[test]
    fn identical_points_are_sent_once() {
        let p = |ts, v| MetricPoint {
            timestamp: ts,
            value: v,
            step: 0,
            dataset: None,
        };
        let pts = [
            p(1, 0.5),
            p(1, 0.5),
            p(2, 0.5),
            p(1, f64::NAN),
            p(1, f64::NAN),
        ];
        assert_eq!(dedup(&pts).len(), 3);
    }
}
