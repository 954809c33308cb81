//! The on-disk model of an MLflow file store (`mlruns/`): experiments, runs, their data, and
//! the model registry. This module is the only code that reads or writes store files. It never
//! prints: problems met while listing come back as [`Problem`]s for the caller to report.

mod artifacts;
pub use artifacts::{ArtifactEntry, ArtifactRoot};
mod doctor;
pub use doctor::{Finding, Kind as FindingKind, QUARANTINE, Repair};
mod error;
mod excerpt;
mod experiment;
mod folder;
mod fs;
pub mod gc;
mod keyed;
pub mod location;
mod logging;
mod merge;
pub use merge::{Action as MergeAction, Kind as MergeKind, Merged, Step as MergeStep};
mod metric;
pub use metric::{MetricPoint, latest};
mod names;
mod ops;
pub mod registry;
mod run;
pub(crate) mod stamp;
mod trace;
pub use trace::{Trace, traces_in};
mod validate;
mod yaml;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

pub use error::{ErrorKind, Problem, Result, StoreError, Subject, quote};
pub use experiment::Experiment;
pub use logging::{Batch, MetricEntry, NewRun, RUN_NAME_TAG};
pub use ops::NewExperiment;
pub use run::{
    DataSelection, DatasetInput, Keys, MetricFile, Run, RunData, RunInfo, RunStatus, default_order,
    key_names,
};

/// Which lifecycle stages a listing includes (MLflow's `ViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ViewType {
    #[default]
    ActiveOnly,
    DeletedOnly,
    All,
}

impl ViewType {
    pub fn includes(self, stage: Lifecycle) -> bool {
        match self {
            ViewType::ActiveOnly => stage == Lifecycle::Active,
            ViewType::DeletedOnly => stage == Lifecycle::Deleted,
            ViewType::All => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Active,
    Deleted,
}

impl Lifecycle {
    pub fn as_str(self) -> &'static str {
        match self {
            Lifecycle::Active => "active",
            Lifecycle::Deleted => "deleted",
        }
    }

    /// A missing stage means active, as in MLflow.
    fn parse(text: Option<&str>) -> Lifecycle {
        match text {
            Some("deleted") => Lifecycle::Deleted,
            _ => Lifecycle::Active,
        }
    }
}

/// Which MLflow generation wrote the store; new files follow its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// MLflow 2.x: runs carry `run_uuid`, experiments have no 3.x keys.
    V2,
    /// MLflow 3.x: experiments carry `workspace`, `trace_location`, ...
    V3,
}

/// Items read from many folders, with the folders that could not be read.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub problems: Vec<Problem>,
}

pub const TRASH: &str = ".trash";
pub const MODELS: &str = "models";

#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Fixed "now" in ms, for reproducible output and tests.
    now_override: Option<i64>,
    flavor: OnceLock<Flavor>,
}

impl Store {
    /// Open an existing store; a missing folder or one that is not a store is an error.
    pub fn open(root: &Path) -> Result<Store> {
        if root.exists() && !root.is_dir() {
            return Err(StoreError::bad_input(
                Subject::Path(root.to_path_buf()),
                "this is a file, not a store folder",
            )
            .with_hint("pass the mlruns folder itself (--store DIR)"));
        }
        if !root.is_dir() {
            return Err(StoreError::not_found(
                Subject::Path(root.to_path_buf()),
                "no MLflow store: the folder does not exist",
            )
            .with_hint("pass --store DIR, set MLFLOW_TRACKING_URI, or run where ./mlruns is"));
        }
        let store = Store::at(root);
        if !location::is_store_root(root) {
            return Err(Store::not_a_store(root));
        }
        Ok(store)
    }

    /// Why `root` is not a store, pointing at the store the user probably meant: a store in
    /// `root/mlruns`, or a store `root` lies inside (`mlruns/0` is an experiment folder).
    fn not_a_store(root: &Path) -> StoreError {
        let nested = root.join("mlruns");
        if nested.is_dir() && location::is_store_root(&nested) {
            return StoreError::bad_input(
                Subject::Path(root.to_path_buf()),
                "not an MLflow file store, but it holds one in mlruns/",
            )
            .with_hint(format!("use --store {}", nested.display()));
        }
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
        if let Some(outer) = absolute
            .ancestors()
            .skip(1)
            // Only the two marks that are cheap to test: every ancestor up to `/` is tried.
            .find(|dir| dir.join(TRASH).is_dir() || dir.join("0").join("meta.yaml").is_file())
        {
            return StoreError::bad_input(
                Subject::Path(root.to_path_buf()),
                format!(
                    "not a store: this folder is inside the store {}",
                    outer.display()
                ),
            )
            .with_hint(format!("use --store {}", outer.display()));
        }
        StoreError::Invalid {
                path: root.to_path_buf(),
                reason: "not an MLflow file store: no .trash folder and no experiment folder with a meta.yaml".into(),
        }
    }

    /// Open a store for writing, creating it as MLflow does when the folder does not exist
    /// (the folder, `.trash/`, and the Default experiment `0`).
    pub fn open_or_create(root: &Path, now_override: Option<i64>) -> Result<Store> {
        let empty = root.is_dir()
            && std::fs::read_dir(root)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
        if root.exists() && !empty {
            let store = Store::open(root)?.with_now(now_override);
            fs::create_dir_all(&root.join(TRASH))?;
            return Ok(store);
        }
        // MLflow creates the Default experiment only for a folder that does not exist; an
        // empty one gets it too, or every `runs start` there would fail.
        let store = Store::at(root).with_now(now_override);
        fs::create_dir_all(&root.join(TRASH))?;
        store.create_default_experiment()?;
        Ok(store)
    }

    fn at(root: &Path) -> Store {
        fs::confine_writes_to(root);
        Store {
            root: root.to_path_buf(),
            now_override: None,
            flavor: OnceLock::new(),
        }
    }

    pub fn with_now(mut self, now_ms: Option<i64>) -> Store {
        self.now_override = now_ms;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `file://<abs root>`, the artifact root MLflow derives for a local store.
    pub fn root_uri(&self) -> String {
        location::file_uri(&self.root)
    }

    pub fn now_ms(&self) -> i64 {
        self.now_override
            .unwrap_or_else(|| chrono::Utc::now().timestamp_millis())
    }

    pub fn trash_dir(&self) -> PathBuf {
        self.root.join(TRASH)
    }

    /// The folder of mlrs's own bookkeeping about this store (such as `sync` state):
    /// `<root>/.mlrs-<what>.trash`, a root folder MLflow skips (it ends with `.trash`) and mlrs
    /// hides (it starts with `.`), never inside an experiment folder.
    pub fn private_dir(&self, what: &str) -> PathBuf {
        self.root.join(format!(".mlrs-{what}.trash"))
    }

    /// Replace a bookkeeping file under [`Store::private_dir`] atomically, making its folder.
    pub fn write_private(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write_atomic(path, bytes)
    }

    /// The store-wide exclusive lock (a `flock` on the root folder) for changes to the store's
    /// structure that must be one step: unique experiment names, moving experiments in and
    /// out of `.trash`, model version numbers, `gc`. Never taken while holding another lock.
    pub fn lock(&self) -> Result<fs::Lock> {
        fs::Lock::acquire(&self.root)
    }

    /// The shared side of [`Store::lock`], held by writes into runs so that no experiment is
    /// moved away under them (which would make the write recreate half a run folder).
    pub fn structure_lock_shared(&self) -> Result<fs::Lock> {
        fs::Lock::shared(&self.root)
    }

    /// Everything a write into one run holds: the shared structure lock, then the run's own
    /// lock (for read-then-write steps such as param immutability or a meta.yaml update). The
    /// run must still exist once they are held.
    pub fn lock_run(&self, run: &RunInfo) -> Result<(fs::Lock, fs::Lock)> {
        let structure = self.structure_lock_shared()?;
        let own = fs::Lock::acquire(&run.dir)?;
        if !run.meta_path().is_file() {
            return Err(StoreError::conflict(
                Subject::run(&run.run_id),
                format!("run {} was moved or deleted meanwhile", run.run_id),
            ));
        }
        Ok((structure, own))
    }

    /// Where new runs of `exp` keep their artifacts. A store that was moved or copied still
    /// names its old folder in `artifact_location` (MLflow never rewrites it); writing there
    /// would put artifacts into another store, so such a default location is re-rooted here.
    pub fn experiment_artifact_location(&self, exp: &Experiment) -> String {
        match location::uri_to_local_path(&exp.artifact_location) {
            Some(path)
                if path.file_name().is_some_and(|n| n == exp.id.as_str())
                    && self.is_former_root(path.parent()) =>
            {
                format!("{}/{}", self.root_uri(), exp.id)
            }
            _ => exp.artifact_location.clone(),
        }
    }

    /// Whether `folder` is where this store used to be: not its root now, and either gone or
    /// itself an mlruns store (the original of a copy). A configured artifact root (say
    /// `/data/artifacts/<exp id>`) is neither, and stays where MLflow writes.
    fn is_former_root(&self, folder: Option<&Path>) -> bool {
        let Some(folder) = folder else { return false };
        folder != self.root
            && (!folder.exists()
                || folder.join(TRASH).is_dir()
                || folder.join("0").join("meta.yaml").is_file())
    }

    /// The local folder of a run's artifacts, inside this store when the run's recorded
    /// `artifact_uri` is the default one of a moved or copied store (see
    /// [`Store::experiment_artifact_location`]); `None` for non-local locations (`s3://`, …).
    pub fn local_artifact_dir(&self, run: &RunInfo) -> Option<PathBuf> {
        let tail = Path::new(&run.experiment_id)
            .join(&run.run_id)
            .join("artifacts");
        self.own_artifacts(&run.artifact_uri, &tail, &run.dir)
    }

    /// The local folder a recorded artifact location names; when it is the default one (`tail`
    /// below the store root) of a moved or copied store, the owner's own folder here
    /// (`dir/artifacts`). `None` for non-local locations.
    pub(crate) fn own_artifacts(&self, recorded: &str, tail: &Path, dir: &Path) -> Option<PathBuf> {
        let path = location::uri_to_local_path(recorded)?;
        let recorded_root = path.ancestors().nth(tail.components().count());
        if path.ends_with(tail)
            && !path.starts_with(&self.root)
            && self.is_former_root(recorded_root)
        {
            return Some(dir.join("artifacts"));
        }
        Some(path)
    }

    /// The files under a run's local artifact folder (paths relative to it, `/`-separated,
    /// sorted, with sizes), at most `limit` of them, and how many there are in all. A run
    /// without a local artifact folder has none; links are not followed (an artifact tree may
    /// point anywhere).
    pub fn artifact_files(
        &self,
        run: &RunInfo,
        limit: usize,
    ) -> Result<(Vec<(String, u64)>, usize)> {
        let Some(dir) = self.local_artifact_dir(run).filter(|d| d.is_dir()) else {
            return Ok((Vec::new(), 0));
        };
        let mut files = Vec::new();
        let mut total = 0;
        for entry in walkdir::WalkDir::new(&dir).min_depth(1).sort_by_file_name() {
            let entry = entry.map_err(|e| StoreError::walk(&dir, e))?;
            if entry.file_type().is_dir() {
                continue;
            }
            total += 1;
            if files.len() < limit {
                let rel = entry.path().strip_prefix(&dir).unwrap_or(entry.path());
                let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                files.push((rel.to_string_lossy().into_owned(), size));
            }
        }
        Ok((files, total))
    }

    /// The generation of MLflow that wrote this store, from the Default experiment (or any
    /// experiment) meta.yaml; a store with none is written as the newest MLflow would.
    pub fn flavor(&self) -> Flavor {
        *self.flavor.get_or_init(|| {
            let mut candidates = vec![self.root.join("0")];
            candidates.extend(self.experiment_dirs(false).unwrap_or_default());
            for dir in candidates {
                if let Ok(text) = fs::read_to_string(&dir.join("meta.yaml")) {
                    return if text.lines().any(|l| l.starts_with("workspace:")) {
                        Flavor::V3
                    } else {
                        Flavor::V2
                    };
                }
            }
            Flavor::V3
        })
    }

    /// Folders directly under the root (or `.trash/`) that MLflow treats as experiments.
    fn experiment_dirs(&self, deleted: bool) -> Result<Vec<PathBuf>> {
        let base = if deleted {
            self.trash_dir()
        } else {
            self.root.clone()
        };
        if deleted && !base.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&base).map_err(|e| StoreError::io(&base, e))? {
            let entry = entry.map_err(|e| StoreError::io(&base, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !is_dir_entry(&entry) {
                continue;
            }
            if !deleted && (name.ends_with(TRASH) || name == MODELS) {
                continue;
            }
            out.push(entry.path());
        }
        out.sort();
        Ok(out)
    }

    /// Experiments in `view`, in MLflow's default order (newest first, then id).
    pub fn experiments(&self, view: ViewType) -> Result<Listing<Experiment>> {
        let mut dirs = Vec::new();
        if view != ViewType::DeletedOnly {
            dirs.extend(self.experiment_dirs(false)?);
        }
        if view != ViewType::ActiveOnly {
            dirs.extend(self.experiment_dirs(true)?);
        }
        let mut listing = Listing {
            items: Vec::new(),
            problems: Vec::new(),
        };
        for result in dirs
            .par_iter()
            .map(|d| (d, Experiment::load(d)))
            .collect::<Vec<_>>()
        {
            match result {
                (_, Ok(e)) => {
                    // Kept on the experiment too, for callers that pick one out by name.
                    listing.problems.extend(e.problems.iter().cloned());
                    listing.items.push(e);
                }
                (dir, Err(err)) => {
                    // Hidden folders such as .git or .ipynb_checkpoints are not experiments.
                    if !dir
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                    {
                        listing.problems.push(Problem::from_error(dir, &err));
                    }
                }
            }
        }
        listing.items.sort_by(|a, b| {
            b.creation_time
                .unwrap_or(i64::MIN)
                .cmp(&a.creation_time.unwrap_or(i64::MIN))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(listing)
    }

    /// An experiment by id (active, then deleted).
    pub fn experiment_by_id(&self, id: &str) -> Result<Option<Experiment>> {
        if validate::id("experiment id", id).is_err() {
            return Ok(None);
        }
        for dir in [self.root.join(id), self.trash_dir().join(id)] {
            if has_meta(&dir) {
                return Experiment::load(&dir).map(Some);
            }
        }
        Ok(None)
    }

    /// An experiment by id or exact name. Ids win, as in MLflow's CLI.
    pub fn find_experiment(&self, id_or_name: &str) -> Result<Experiment> {
        match self.experiment_by_id(id_or_name)? {
            Some(e) => Ok(e),
            None => self.experiment_by_name(id_or_name),
        }
    }

    /// An experiment by exact name only (active or deleted), as `MLFLOW_EXPERIMENT_NAME` means.
    pub fn experiment_by_name(&self, name: &str) -> Result<Experiment> {
        let all = self.experiments(ViewType::All)?.items;
        let mut matches: Vec<&Experiment> = all.iter().filter(|e| e.name == name).collect();
        match matches.len() {
            0 => {
                let missing = StoreError::not_found(
                    Subject::input("experiment", name),
                    format!("no experiment with id or name {}", validate::quote(name)),
                );
                Err(match names_holding(&all, name).as_slice() {
                    [] => missing,
                    near => missing.with_hint(format!("did you mean {}?", near.join(" or "))),
                })
            }
            1 => Ok(matches[0].clone()),
            _ => {
                matches.sort_by(|a, b| a.id.cmp(&b.id));
                let ids: Vec<&str> = matches.iter().map(|e| e.id.as_str()).collect();
                Err(StoreError::ambiguous(
                    Subject::input("experiment", name),
                    format!(
                        "{} experiments are named {} (ids {})",
                        matches.len(),
                        validate::quote(name),
                        ids.join(", ")
                    ),
                )
                .with_hint("use an id"))
            }
        }
    }

    /// The run folders of one experiment, in name order.
    pub fn run_dirs(&self, experiment: &Experiment) -> Result<Vec<PathBuf>> {
        let dir = &experiment.dir;
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
            let entry = entry.map_err(|e| StoreError::io(dir, e))?;
            if !is_dir_entry(&entry) {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            if run::RESERVED_FOLDERS.contains(&name.as_str()) || name.starts_with('.') {
                continue;
            }
            out.push(entry.path());
        }
        out.sort();
        Ok(out)
    }

    /// The runs of `experiments` in `view`, reading each meta.yaml and nothing else, across all
    /// cores. Unordered; see [`sort_runs_default`].
    pub fn run_infos(
        &self,
        experiments: &[Experiment],
        view: ViewType,
    ) -> Result<Listing<RunInfo>> {
        let mut dirs = Vec::new();
        let mut unlistable = Vec::new();
        for e in experiments {
            match self.run_dirs(e) {
                Ok(found) => dirs.extend(found),
                Err(err) => unlistable.push(Problem::from_error(&e.dir, &err)),
            }
        }
        let results: Vec<(PathBuf, Result<RunInfo>)> = dirs
            .into_par_iter()
            .map(|d| {
                let r = RunInfo::load(&d);
                (d, r)
            })
            .collect();
        let mut listing = Listing {
            items: Vec::with_capacity(results.len()),
            problems: unlistable,
        };
        for (dir, result) in results {
            match result {
                Ok(info) if view.includes(info.lifecycle_stage) => listing.items.push(info),
                Ok(_) => {}
                Err(err) => listing.problems.push(Problem::from_error(&dir, &err)),
            }
        }
        Ok(listing)
    }

    /// Load runs with the selected data, in parallel; runs whose data cannot be read are
    /// reported and left out.
    pub fn load_runs(&self, infos: Vec<RunInfo>, select: &DataSelection) -> Listing<Run> {
        self.load_runs_where(infos, select, |_| true)
    }

    /// [`Store::load_runs`], keeping only the runs `keep` accepts; each run is tested on the
    /// thread that loaded it, so rejected runs never pile up in memory.
    pub fn load_runs_where(
        &self,
        infos: Vec<RunInfo>,
        select: &DataSelection,
        keep: impl Fn(&Run) -> bool + Sync,
    ) -> Listing<Run> {
        // Each run comes back kept or not, with the problems met reading it.
        let results: Vec<(Option<Run>, Vec<Problem>)> = infos
            .into_par_iter()
            .map(|info| match info.load_data(select) {
                Ok(mut data) => {
                    let problems = std::mem::take(&mut data.problems);
                    let run = Run { info, data };
                    (keep(&run).then_some(run), problems)
                }
                Err(err) => (None, vec![Problem::from_error(&info.dir, &err)]),
            })
            .collect();
        let mut listing = Listing {
            items: Vec::with_capacity(results.len()),
            problems: Vec::new(),
        };
        for (run, mut problems) in results {
            listing.items.extend(run);
            listing.problems.append(&mut problems);
        }
        // A broken file shared by many runs (a dataset) is told once.
        let mut seen = std::collections::HashSet::new();
        listing
            .problems
            .retain(|p| seen.insert((p.path.clone(), p.reason.clone())));
        listing
    }

    /// Run folders in any experiment (active or deleted) whose name starts with `prefix`,
    /// sorted; only folder names are read.
    pub fn run_dirs_with_prefix(&self, prefix: &str) -> Result<Vec<PathBuf>> {
        let mut exp_dirs = self.experiment_dirs(false)?;
        exp_dirs.extend(self.experiment_dirs(true)?);
        let mut out = Vec::new();
        for exp_dir in &exp_dirs {
            let Ok(entries) = std::fs::read_dir(exp_dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_run_name =
                    !name.starts_with('.') && !run::RESERVED_FOLDERS.contains(&name.as_str());
                if is_run_name && name.starts_with(prefix) && is_dir_entry(&entry) {
                    out.push(entry.path());
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// A run by full id, else by unique id prefix (in any experiment, active or deleted), else
    /// by its exact name among active runs — the one lookup every command that takes a run
    /// uses, so names work wherever ids do (`compare` shows names as headers).
    pub fn find_run(&self, wanted: &str) -> Result<RunInfo> {
        let wanted = wanted.trim();
        if wanted.is_empty() {
            return Err(StoreError::bad_input(
                Subject::input("run", wanted),
                "a run id, prefix or name is needed",
            ));
        }
        let mut by_prefix = Vec::new();
        if validate::id("run id", wanted).is_ok() {
            for exp_dir in self
                .experiment_dirs(false)?
                .into_iter()
                .chain(self.experiment_dirs(true)?)
            {
                let exact = exp_dir.join(wanted);
                if has_meta(&exact) {
                    return RunInfo::load(&exact);
                }
            }
            by_prefix = self
                .run_dirs_with_prefix(wanted)?
                .into_iter()
                .filter(|d| has_meta(d))
                .collect();
            if by_prefix.len() == 1 {
                return RunInfo::load(&by_prefix[0]);
            }
        }
        let mut by_name = self.active_runs_named(wanted)?;
        match (by_name.len(), by_prefix.len()) {
            (1, _) => Ok(by_name.remove(0)),
            (0, 0) => Err(StoreError::not_found(
                Subject::input("run", wanted),
                format!(
                    "no run with id, id prefix or name {}",
                    validate::quote(wanted)
                ),
            )),
            (0, n) => {
                let runs: Vec<RunInfo> = by_prefix
                    .iter()
                    .take(AMBIGUITY_SHOWN)
                    .filter_map(|d| RunInfo::load(d).ok())
                    .collect();
                Err(ambiguous_run(wanted, "run prefix", n, &runs))
            }
            (n, _) => {
                sort_runs_default(&mut by_name);
                Err(ambiguous_run(wanted, "run name", n, &by_name))
            }
        }
    }

    /// Active runs of active experiments whose name is exactly `name`.
    fn active_runs_named(&self, name: &str) -> Result<Vec<RunInfo>> {
        let experiments = self.experiments(ViewType::ActiveOnly)?.items;
        let mut runs = self.run_infos(&experiments, ViewType::ActiveOnly)?.items;
        runs.retain(|r| r.run_name == name);
        Ok(runs)
    }

    /// The experiment a run belongs to.
    pub fn experiment_of(&self, run: &RunInfo) -> Result<Experiment> {
        Experiment::load(run.experiment_dir())
    }
}

/// How many of the runs an ambiguous id prefix or name matches are listed.
const AMBIGUITY_SHOWN: usize = 20;

/// `wanted` (a `what`) matches `n` runs; `runs` lists the first ones with their ids.
fn ambiguous_run(wanted: &str, what: &str, n: usize, runs: &[RunInfo]) -> StoreError {
    let mut msg = format!(
        "{what} {} is ambiguous: it matches {n} runs:",
        validate::quote(wanted)
    );
    for run in runs.iter().take(AMBIGUITY_SHOWN) {
        msg.push_str(&format!(
            "\n  {}  {}  (experiment {})",
            run.run_id, run.run_name, run.experiment_id
        ));
    }
    if n > AMBIGUITY_SHOWN {
        msg.push_str(&format!("\n  … and {} more", n - AMBIGUITY_SHOWN));
    }
    StoreError::ambiguous(Subject::input("run", wanted), msg)
        .with_hint("give the run id (or a longer prefix of it)")
}

/// Whether `dir` has a meta.yaml entry of any kind: one that is a folder, a link loop or
/// unreadable still makes `dir` the run or experiment it names, whose error is then told.
fn has_meta(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("meta.yaml")).is_ok()
}

/// A folder, or a link to one (followed, as MLflow's `os.path.isdir` follows it). Only links
/// cost a `stat`; a listing of 100k runs would otherwise make 100k of them.
/// Each subfolder of `dir` loaded with `load` (a missing `dir` has none); those that cannot
/// be loaded go to `problems`.
fn load_folders<T>(
    dir: &Path,
    load: impl Fn(&Path) -> Result<T>,
    problems: &mut Vec<Problem>,
) -> Result<Vec<T>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in error::IoContext::at(std::fs::read_dir(dir), dir)? {
        let path = error::IoContext::at(entry, dir)?.path();
        if !path.is_dir() {
            continue;
        }
        match load(&path) {
            Ok(item) => out.push(item),
            Err(e) => problems.push(Problem::from_error(&path, &e)),
        }
    }
    Ok(out)
}

fn is_dir_entry(entry: &std::fs::DirEntry) -> bool {
    match entry.file_type() {
        Ok(t) if t.is_symlink() => entry.path().is_dir(),
        Ok(t) => t.is_dir(),
        Err(_) => false,
    }
}

/// MLflow's default run order: `start_time` DESC, then `run_id` ASC.
pub fn sort_runs_default(runs: &mut [RunInfo]) {
    runs.sort_by(run::default_order);
}

/// Replace a file the person named (a report, an SVG, man pages) whole, the way the store's own
/// files are replaced: a page that reloads itself (`report --refresh`) or a viewer watching the
/// file never reads half of it, and a killed command leaves the old file.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    let path = std::path::absolute(path).map_err(|e| StoreError::io(path, e))?;
    match path.parent() {
        Some(dir) if dir.is_dir() => fs::write_atomic(&path, bytes),
        Some(dir) => Err(StoreError::invalid(dir, "is not a folder; create it first")),
        None => Err(StoreError::invalid(&path, "is not a file")),
    }
}

/// Up to three experiment names holding `typed` (`nyc-taxi` for `nyc-taxi-duration`), quoted,
/// for a hint when no name is exactly it.
fn names_holding(experiments: &[Experiment], typed: &str) -> Vec<String> {
    let typed = typed.to_lowercase();
    let mut near: Vec<String> = experiments
        .iter()
        .filter(|e| !typed.is_empty() && e.name.to_lowercase().contains(&typed))
        .map(|e| validate::quote(&e.name))
        .collect();
    near.sort();
    near.dedup();
    near.truncate(3);
    near
}
