//! Permanent deletion (`gc`). [`Store::gc_plan`] computes the whole plan — what goes, with
//! sizes, and what stays and why — and checks all of it before anything is touched;
//! [`Store::gc_execute`] carries it out so that an interruption at any moment leaves a store
//! MLflow and mlrs read normally, and a rerun finishes the job.
//!
//! Eligibility is `mlflow gc`'s (docs/format/gc.md): deleted runs, experiments in `.trash/`,
//! and 3.x LoggedModels marked deleted, with `--older-than` measured from `deleted_time`,
//! `last_update_time` and `last_updated_timestamp`. Unlike MLflow, the scope is exactly what was
//! asked, artifacts are removed only where they lie inside the store root, links are removed as
//! links, and what registered model versions still use stays unless forced. Never prints.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use rayon::prelude::*;
use regex::Regex;

use super::error::{IoContext, Problem, Result, StoreError, Subject};
use super::registry::{LoggedModel, logged_models_in};
use super::{Experiment, MODELS, RunInfo, Store, TRASH, ViewType, fs, keyed, location, validate};

/// Where things go on their way out: one rename takes an item out of the store whole, then it
/// is removed at leisure. MLflow skips folders under the root whose name ends with `.trash`
/// (mlrs too), while every folder inside `.trash/` would be a deleted experiment to it.
pub const SCRATCH: &str = ".mlrs-gc.trash";

/// What to collect. No ids means everything eligible.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Run ids or unique prefixes.
    pub run_ids: Vec<String>,
    /// Experiment ids or exact names.
    pub experiment_ids: Vec<String>,
    pub older_than: Option<Age>,
    /// Also remove what registered model versions still use.
    pub force: bool,
}

impl Request {
    fn names_nothing(&self) -> bool {
        self.run_ids.is_empty() && self.experiment_ids.is_empty()
    }
}

/// `--older-than`, in MLflow's `#d#h#m#s` syntax (floats allowed).
#[derive(Debug, Clone, PartialEq)]
pub struct Age {
    pub text: String,
    pub ms: i64,
}

static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:([.\d]+?)d)?(?:([.\d]+?)h)?(?:([.\d]+?)m)?(?:([.\d]+?)s)?$")
        .expect("static regex")
});

impl Age {
    /// MLflow's regex and arithmetic (`timedelta(...).total_seconds() * 1000`, truncated).
    pub fn parse(text: &str) -> Result<Age> {
        let bad = || {
            StoreError::bad_input(
                Subject::input("age", text),
                format!("cannot read the age {}", validate::quote(text)),
            )
            .with_hint("use #d#h#m#s, e.g. 30d, 12h, 1.5d, 2d8h5m20s")
        };
        let caps = AGE.captures(text).ok_or_else(bad)?;
        let mut micros = 0.0;
        let mut any = false;
        for (i, unit_micros) in [86_400e6, 3_600e6, 60e6, 1e6].into_iter().enumerate() {
            if let Some(m) = caps.get(i + 1) {
                let n: f64 = m.as_str().parse().map_err(|_| bad())?;
                micros += n * unit_micros;
                any = true;
            }
        }
        if !any || !micros.is_finite() {
            return Err(bad());
        }
        Ok(Age {
            text: text.to_owned(),
            ms: (micros.round() / 1000.0) as i64,
        })
    }
}

/// What a plan entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Something an interrupted mlrs command (gc, or one creating a run) left behind.
    Leftover,
    Experiment,
    Run,
    LoggedModel,
    /// An artifact folder of a run or LoggedModel (only ever kept: removed ones are part of
    /// their owner's [`Removal`]).
    Artifacts,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Leftover => "leftover",
            Kind::Experiment => "experiment",
            Kind::Run => "run",
            Kind::LoggedModel => "logged_model",
            Kind::Artifacts => "artifacts",
        }
    }
}

/// One thing the plan removes: its folder, plus artifact folders elsewhere inside the store.
#[derive(Debug, Clone)]
pub struct Removal {
    pub kind: Kind,
    pub id: String,
    pub name: String,
    /// Empty for leftovers.
    pub experiment_id: String,
    pub dir: PathBuf,
    /// Disk space, artifacts included.
    pub bytes: u64,
    /// Artifact folders inside the store root but outside `dir`, removed first.
    pub artifacts: Vec<PathBuf>,
    /// Run folders inside (experiments only).
    pub runs: usize,
}

/// One thing the plan leaves in place, and why.
#[derive(Debug, Clone)]
pub struct Kept {
    pub kind: Kind,
    /// The run, experiment or LoggedModel (for artifacts: their owner).
    pub id: String,
    pub name: String,
    /// The folder, or for artifacts the URI as recorded.
    pub location: String,
    pub reason: KeepReason,
}

impl Kept {
    fn folder(kind: Kind, id: &str, name: &str, dir: &Path, reason: KeepReason) -> Kept {
        Kept {
            kind,
            id: id.to_owned(),
            name: name.to_owned(),
            location: dir.display().to_string(),
            reason,
        }
    }
}

/// A registered model version, as `'name' vN`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct VersionRef {
    pub model: String,
    pub version: u64,
    /// Soft-deleted (`Deleted_Internal`): its folder and source still name the run.
    pub deleted: bool,
}

impl fmt::Display for VersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' v{}", self.model, self.version)?;
        if self.deleted {
            f.write_str(" (deleted)")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    /// Registered model versions use it.
    Registered(Vec<VersionRef>),
    /// An experiment holding runs or LoggedModels that registered model versions use.
    HoldsRegistered(Vec<String>),
    /// Artifacts whose local path lies outside the store root (a moved or copied store,
    /// another disk).
    OutsideRoot,
    /// Artifacts that are not a local path (`s3://`, `mlflow-artifacts:`...).
    NotLocal,
    /// A local path inside the store that is not the owner's own `<id>/artifacts` folder.
    NotItsFolder,
    /// The folder is reached through a symbolic link that leads outside the store root.
    LinkLeadsOutside,
    /// The folder is on another filesystem than the store root (a mount inside the store).
    OtherFilesystem,
    /// Deleted less than `--older-than` (the text given) ago.
    TooRecent(String),
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::Registered(versions) => {
                let list: Vec<String> = versions.iter().map(ToString::to_string).collect();
                write!(f, "used by registered model version {}", list.join(", "))
            }
            KeepReason::HoldsRegistered(ids) => write!(
                f,
                "holds {} that registered model versions use",
                ids.join(", ")
            ),
            KeepReason::OutsideRoot => f.write_str("outside the store root, never touched"),
            KeepReason::NotLocal => f.write_str("not a local path, never touched"),
            KeepReason::NotItsFolder => {
                f.write_str("inside the store but not its own <id>/artifacts folder")
            }
            KeepReason::LinkLeadsOutside => {
                f.write_str("reached through a symbolic link that leads outside the store root")
            }
            KeepReason::OtherFilesystem => f.write_str("on another filesystem than the store root"),
            KeepReason::TooRecent(age) => write!(f, "deleted less than {age} ago"),
        }
    }
}

#[derive(Debug)]
pub struct Plan {
    pub remove: Vec<Removal>,
    pub keep: Vec<Kept>,
    /// Folders that could not be read while planning (reported, never removed on their own).
    pub problems: Vec<Problem>,
}

impl Plan {
    pub fn bytes(&self) -> u64 {
        self.remove.iter().map(|r| r.bytes).sum()
    }
}

/// What happened to one [`Removal`].
#[derive(Debug)]
pub enum Done {
    Removed,
    /// Changed since the plan (restored, already gone): left alone.
    Skipped(String),
    Failed(StoreError),
}

/// Registered model versions by what they point at.
#[derive(Debug, Default)]
struct References {
    runs: HashMap<String, Vec<VersionRef>>,
    logged_models: HashMap<String, Vec<VersionRef>>,
}

/// The store root as it lies on disk, to tell what is inside it.
struct Places {
    /// Canonical.
    root: PathBuf,
    /// As the user named it.
    given: PathBuf,
    #[cfg(unix)]
    device: u64,
}

/// What was picked, before the registry and the places are checked.
#[derive(Default)]
struct Selection {
    experiments: Vec<Experiment>,
    runs: Vec<RunInfo>,
    models: Vec<LoggedModel>,
    /// Deleted, but not long enough ago.
    young: Vec<Candidate>,
    /// Folders that could not be read while selecting.
    problems: Vec<Problem>,
}

/// What protection leaves: candidates to assess, and what stays for the registry's or the
/// clock's sake.
struct Protected {
    candidates: Vec<Candidate>,
    keep: Vec<Kept>,
    problems: Vec<Problem>,
}

/// What becomes of a selected experiment once the registry is consulted.
enum ExperimentFate {
    Goes(Candidate),
    /// Registered model versions use what it holds. When it was named, its deleted runs go
    /// one by one instead.
    Stays {
        kept: Kept,
        deleted_runs: Vec<RunInfo>,
    },
}

/// What the plan looks at, before sizes and places are checked.
enum Candidate {
    Leftover(PathBuf),
    Experiment {
        experiment: Experiment,
        /// Its readable runs, whose artifact locations are checked.
        runs: Vec<RunInfo>,
        /// Its run folders, readable or not.
        run_folders: usize,
    },
    Run(RunInfo),
    LoggedModel(LoggedModel),
}

impl Candidate {
    fn dir(&self) -> &Path {
        match self {
            Candidate::Leftover(dir) => dir,
            Candidate::Experiment { experiment, .. } => &experiment.dir,
            Candidate::Run(r) => &r.dir,
            Candidate::LoggedModel(m) => &m.dir,
        }
    }

    fn experiment_id(&self) -> &str {
        match self {
            Candidate::Leftover(_) => "",
            Candidate::Experiment { experiment, .. } => &experiment.id,
            Candidate::Run(r) => &r.experiment_id,
            Candidate::LoggedModel(m) => &m.experiment_id,
        }
    }

    /// This candidate, staying for `reason`.
    fn kept(&self, reason: KeepReason) -> Kept {
        match self {
            Candidate::Run(r) => Kept::folder(Kind::Run, &r.run_id, &r.run_name, &r.dir, reason),
            Candidate::LoggedModel(m) => {
                Kept::folder(Kind::LoggedModel, &m.model_id, &m.name, &m.dir, reason)
            }
            Candidate::Experiment { experiment: e, .. } => {
                Kept::folder(Kind::Experiment, &e.id, &e.name, &e.dir, reason)
            }
            Candidate::Leftover(dir) => {
                let id = dir.file_name().unwrap_or_default().to_string_lossy();
                Kept::folder(Kind::Leftover, &id, "", dir, reason)
            }
        }
    }
}

/// What becomes of an artifact location that is not inside its owner's folder.
enum ArtifactFate {
    /// Inside the owner's folder, or nothing there: nothing to do on its own.
    Nothing,
    Remove(PathBuf, u64),
    Keep(KeepReason),
}

impl Store {
    fn scratch_dir(&self) -> PathBuf {
        self.root.join(SCRATCH)
    }

    /// The whole plan for `req`, checked: naming an active run or experiment, or one deleted
    /// too recently for `--older-than`, is an error here, before anything is removed. Planning
    /// takes no lock, so another gc may remove things meanwhile: what vanished is left out.
    pub fn gc_plan(&self, req: &Request) -> Result<Plan> {
        let selection = self.select(req)?;
        let refs = if req.force {
            References::default()
        } else {
            self.references()?
        };
        let Protected {
            candidates,
            mut keep,
            mut problems,
        } = self.protect(selection, &refs, req)?;
        let mut all: Vec<Candidate> = self
            .leftovers()?
            .into_iter()
            .map(Candidate::Leftover)
            .collect();
        all.extend(candidates);
        let (mut remove, kept) = self.assess(all)?;
        keep.extend(kept);
        remove.sort_by(|a, b| {
            (a.kind, &a.experiment_id, &a.id).cmp(&(b.kind, &b.experiment_id, &b.id))
        });
        keep.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        problems.retain(|p| exists(&p.path));
        Ok(Plan {
            remove,
            keep,
            problems,
        })
    }

    /// Step 1: what the request picks, each item deleted; the too recent ones apart.
    fn select(&self, req: &Request) -> Result<Selection> {
        let now = self.now_ms();
        if req.names_nothing() {
            self.everything_eligible(req.older_than.as_ref(), now)
        } else {
            self.named(req, now)
        }
    }

    /// Step 2: what registered model versions use stays (unless `--force` emptied `refs`), and
    /// so does what is too recent; the rest become candidates.
    fn protect(&self, selection: Selection, refs: &References, req: &Request) -> Result<Protected> {
        let Selection {
            experiments,
            mut runs,
            models,
            young,
            problems,
        } = selection;
        let mut out = Protected {
            candidates: Vec::new(),
            keep: Vec::new(),
            problems,
        };
        let mut going = BTreeSet::new();
        for exp in experiments {
            let dir = exp.dir.clone();
            let fate = self.experiment_fate(exp, refs, !req.names_nothing(), &mut out.problems);
            match unless_vanished(&dir, fate)? {
                None => {}
                Some(ExperimentFate::Goes(candidate)) => {
                    going.insert(candidate.experiment_id().to_owned());
                    out.candidates.push(candidate);
                }
                Some(ExperimentFate::Stays { kept, deleted_runs }) => {
                    out.keep.push(kept);
                    runs.extend(deleted_runs);
                }
            }
        }
        if let Some(age) = &req.older_than {
            // A young experiment stands for what is inside it; what goes with an old one goes.
            let young_experiments: BTreeSet<&str> = young
                .iter()
                .filter(|c| matches!(c, Candidate::Experiment { .. }))
                .map(Candidate::experiment_id)
                .collect();
            out.keep.extend(
                young
                    .iter()
                    .filter(|c| {
                        matches!(c, Candidate::Experiment { .. })
                            || !(going.contains(c.experiment_id())
                                || young_experiments.contains(c.experiment_id()))
                    })
                    .map(|c| c.kept(KeepReason::TooRecent(age.text.clone()))),
            );
        }
        let mut seen = BTreeSet::new();
        let runs = runs
            .into_iter()
            .filter(|r| !going.contains(&r.experiment_id) && seen.insert(r.run_id.clone()))
            .map(|r| (refs.runs.get(&r.run_id), Candidate::Run(r)));
        let models = models
            .into_iter()
            .filter(|m| !going.contains(&m.experiment_id))
            .map(|m| {
                (
                    refs.logged_models.get(&m.model_id),
                    Candidate::LoggedModel(m),
                )
            });
        for (used, candidate) in runs.chain(models) {
            match used {
                Some(versions) => out
                    .keep
                    .push(candidate.kept(KeepReason::Registered(versions.clone()))),
                None => out.candidates.push(candidate),
            }
        }
        Ok(out)
    }

    /// An experiment goes whole unless registered model versions use something inside it.
    /// `one_by_one`: when it stays, its deleted runs are still wanted.
    fn experiment_fate(
        &self,
        exp: Experiment,
        refs: &References,
        one_by_one: bool,
        problems: &mut Vec<Problem>,
    ) -> Result<ExperimentFate> {
        let dirs = self.run_dirs(&exp)?;
        let used = self.used_inside(&exp, &dirs, refs)?;
        if !used.is_empty() {
            let deleted_runs = if one_by_one {
                let listing = self.run_infos(std::slice::from_ref(&exp), ViewType::DeletedOnly)?;
                problems.extend(listing.problems);
                listing.items
            } else {
                Vec::new()
            };
            let kept = Kept::folder(
                Kind::Experiment,
                &exp.id,
                &exp.name,
                &exp.dir,
                KeepReason::HoldsRegistered(used),
            );
            return Ok(ExperimentFate::Stays { kept, deleted_runs });
        }
        let listing = self.run_infos(std::slice::from_ref(&exp), ViewType::All)?;
        problems.extend(listing.problems);
        Ok(ExperimentFate::Goes(Candidate::Experiment {
            experiment: exp,
            runs: listing.items,
            run_folders: dirs.len(),
        }))
    }

    /// Step 3: sizes and places, in parallel: what goes, and what stays because of where it is.
    fn assess(&self, candidates: Vec<Candidate>) -> Result<(Vec<Removal>, Vec<Kept>)> {
        let places = Places::of(&self.root)?;
        let assessed = candidates
            .into_par_iter()
            .map(|c| {
                let dir = c.dir().to_path_buf();
                unless_vanished(&dir, places.assess(self, c))
            })
            .collect::<Result<Vec<_>>>()?;
        let (mut remove, mut keep) = (Vec::new(), Vec::new());
        for (removal, kept) in assessed.into_iter().flatten() {
            remove.extend(removal);
            keep.extend(kept);
        }
        Ok((remove, keep))
    }
    /// No ids given: every deleted run and LoggedModel, and every experiment in `.trash/`, old
    /// enough (MLflow's `_get_deleted_runs`, `search_experiments(DELETED_ONLY)` and
    /// `_get_deleted_logged_models`).
    fn everything_eligible(&self, age: Option<&Age>, now: i64) -> Result<Selection> {
        let mut picked = Selection::default();
        let all = self.experiments(ViewType::All)?;
        picked.problems.extend(all.problems);
        let runs = self.run_infos(&all.items, ViewType::DeletedOnly)?;
        picked.problems.extend(runs.problems);
        for run in runs.items {
            if run_old_enough(&run, age, now) {
                picked.runs.push(run);
            } else {
                picked.young.push(Candidate::Run(run));
            }
        }
        let cutoff = now - age.map_or(0, |a| a.ms);
        for exp in &all.items {
            for model in logged_models_in(&exp.dir, &mut picked.problems)?
                .into_iter()
                .filter(|m| m.deleted)
            {
                if model.last_updated_timestamp.unwrap_or(0) <= cutoff {
                    picked.models.push(model);
                } else {
                    picked.young.push(Candidate::LoggedModel(model));
                }
            }
        }
        for exp in all.items.into_iter().filter(|e| self.in_trash(e)) {
            if experiment_old_enough(&exp, age, now) {
                picked.experiments.push(exp);
            } else {
                picked.young.push(Candidate::Experiment {
                    experiment: exp,
                    runs: Vec::new(),
                    run_folders: 0,
                });
            }
        }
        Ok(picked)
    }

    /// Ids given: exactly those runs and experiments, each of which must be deleted (and old
    /// enough). Every offender is named in one error.
    fn named(&self, req: &Request, now: i64) -> Result<Selection> {
        let age = req.older_than.as_ref();
        let why_not = |noun: &str, id: &str, name: &str, deleted: bool, old: bool, since: &str| {
            if !deleted {
                Some(format!(
                    "{noun} {id} ({name}) is not deleted; delete it first (`mlrs {noun}s delete`)"
                ))
            } else if !old {
                let age = age.map_or("", |a| &a.text);
                Some(format!(
                    "{noun} {id} ({name}) was {since} less than {age} ago"
                ))
            } else {
                None
            }
        };
        let mut wrong = Vec::new();
        let mut runs = Vec::new();
        for id in &req.run_ids {
            let run = self.find_run(id)?;
            let old = run_old_enough(&run, age, now);
            wrong.extend(why_not(
                "run",
                &run.run_id,
                &run.run_name,
                !run.is_active(),
                old,
                "deleted",
            ));
            runs.push(run);
        }
        let mut experiments: Vec<Experiment> = Vec::new();
        for id in &req.experiment_ids {
            let exp = self.find_experiment(id)?;
            let (deleted, old) = (self.in_trash(&exp), experiment_old_enough(&exp, age, now));
            wrong.extend(why_not(
                "experiment",
                &exp.id,
                &exp.name,
                deleted,
                old,
                "last updated",
            ));
            if !experiments.iter().any(|e| e.id == exp.id) {
                experiments.push(exp);
            }
        }
        if !wrong.is_empty() {
            return Err(StoreError::bad_input(
                Subject::input("gc request", ""),
                format!(
                    "nothing was removed: only deleted runs and experiments can be removed for good\n  {}",
                    wrong.join("\n  ")
                ),
            ));
        }
        Ok(Selection {
            experiments,
            runs,
            ..Selection::default()
        })
    }

    /// What registered model versions use inside a deleted experiment (by folder name, so an
    /// unreadable run still counts).
    fn used_inside(
        &self,
        exp: &Experiment,
        run_dirs: &[PathBuf],
        refs: &References,
    ) -> Result<Vec<String>> {
        let mut used: Vec<String> = run_dirs
            .iter()
            .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .filter(|id| refs.runs.contains_key(id))
            .map(|id| format!("run {id}"))
            .collect();
        let models = exp.dir.join(MODELS);
        if models.is_dir() {
            for entry in std::fs::read_dir(&models).at(&models)? {
                let id = entry
                    .at(&models)?
                    .file_name()
                    .to_string_lossy()
                    .into_owned();
                if refs.logged_models.contains_key(&id) {
                    used.push(format!("LoggedModel {id}"));
                }
            }
        }
        Ok(used)
    }

    /// What interrupted mlrs commands left: entries of the scratch folder, and staging folders
    /// at the root ([`fs::staging_dir`]). Every command that stages holds the store lock, at
    /// least shared, until its folder is renamed away; gc removes them holding it exclusively,
    /// so what it removes then belongs to no running command.
    fn leftovers(&self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.root).at(&self.root)? {
            let entry = entry.at(&self.root)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(keyed::TEMP_PREFIX) && name.ends_with(TRASH) {
                out.push(entry.path());
            }
        }
        // Another gc may remove the scratch folder while this one reads it.
        let scratch = self.scratch_dir();
        let entries = std::fs::read_dir(&scratch)
            .and_then(|d| {
                d.map(|e| e.map(|e| e.path()))
                    .collect::<std::io::Result<Vec<_>>>()
            })
            .at(&scratch);
        out.extend(unless_vanished(&scratch, entries)?.unwrap_or_default());
        out.sort();
        Ok(out)
    }

    /// Carry out `plan`, in parallel. Each item leaves the store in one rename into the scratch
    /// folder (its outside-the-folder artifacts first), so readers see it whole or not at all;
    /// then it is removed. Each item is checked again just before it goes, and one failure does
    /// not stop the others. `progress` gets the items and bytes done so far.
    pub fn gc_execute(
        &self,
        plan: &Plan,
        progress: &(dyn Fn(usize, u64) + Sync),
    ) -> Result<Vec<Done>> {
        let _lock = self.lock()?;
        let scratch = self.scratch_dir();
        fs::create_dir_all(&scratch)?;
        let items = AtomicUsize::new(0);
        let bytes = AtomicU64::new(0);
        let done = plan
            .remove
            .par_iter()
            .map(|item| {
                let outcome = match self.remove_one(item, &scratch) {
                    Ok(None) => Done::Removed,
                    Ok(Some(why)) => Done::Skipped(why),
                    Err(e) => Done::Failed(e),
                };
                let b = bytes.fetch_add(item.bytes, Ordering::Relaxed) + item.bytes;
                progress(items.fetch_add(1, Ordering::Relaxed) + 1, b);
                outcome
            })
            .collect();
        // Only succeeds when empty: what a failure left stays for the next run.
        let _ = std::fs::remove_dir(&scratch);
        Ok(done)
    }

    /// Remove one item; `Some(reason)` when it changed since the plan and was left alone.
    fn remove_one(&self, item: &Removal, scratch: &Path) -> Result<Option<String>> {
        if item.kind == Kind::Leftover {
            fs::remove_all(&item.dir)?;
            return Ok(None);
        }
        if let Some(why) = self.changed_since_plan(item)? {
            return Ok(Some(why));
        }
        let entry = fs::scratch_entry(scratch, &format!("{}-{}-", item.kind.as_str(), item.id))?;
        for (i, artifacts) in item.artifacts.iter().enumerate() {
            fs::move_out(artifacts, &entry.join(format!("artifacts-{i}")))?;
        }
        fs::move_out(&item.dir, &entry.join(item.kind.as_str()))?;
        fs::remove_all(&entry)?;
        Ok(None)
    }

    /// Why an item must not go after all: gone already, or restored since the plan.
    fn changed_since_plan(&self, item: &Removal) -> Result<Option<String>> {
        if !exists(&item.dir) {
            return Ok(Some(format!(
                "no longer at {} (restored or removed since the plan)",
                item.dir.display()
            )));
        }
        let restored = match item.kind {
            Kind::Run => RunInfo::load(&item.dir)?.is_active(),
            Kind::LoggedModel => !LoggedModel::load(&item.dir)?.deleted,
            Kind::Experiment | Kind::Leftover | Kind::Artifacts => false,
        };
        Ok(restored.then(|| "restored since the plan was made".into()))
    }
}

/// `result` for the folder `dir`, or `None` when it failed because `dir` vanished meanwhile
/// (another gc removed it): a plan leaves out what is gone.
fn unless_vanished<T>(dir: &Path, result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(_) if !exists(dir) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether anything is at `path` (a link counts, followed or not).
fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn run_old_enough(run: &RunInfo, age: Option<&Age>, now: i64) -> bool {
    match (age, run.deleted_time) {
        (Some(age), Some(t)) => now - t >= age.ms,
        _ => true,
    }
}

/// MLflow filters `last_update_time < now - age`, which an experiment without one never passes.
fn experiment_old_enough(exp: &Experiment, age: Option<&Age>, now: i64) -> bool {
    match age {
        Some(age) => exp.last_update_time.is_some_and(|t| t < now - age.ms),
        None => true,
    }
}

/// The LoggedModels of an experiment (3.x); unreadable ones are reported.
impl Store {
    /// What registered model versions point at: runs (their `run_id` and the run of a `runs:/`
    /// source, deleted versions included) and 3.x LoggedModels. A version that cannot be read is an error: gc cannot know what it protects.
    fn references(&self) -> Result<References> {
        let models = self.registered_models()?;
        if let Some(p) = models.problems.first() {
            return Err(StoreError::invalid(
                &p.path,
                format!(
                    "{}; gc cannot tell which runs registered models use (fix it, or pass --force)",
                    p.reason
                ),
            ));
        }
        let mut refs = References::default();
        for model in &models.items {
            for v in &model.versions {
                let vref = VersionRef {
                    model: model.name.clone(),
                    version: v.version,
                    deleted: v.is_deleted(),
                };
                for id in v.run_ids() {
                    refs.runs
                        .entry(id.to_owned())
                        .or_default()
                        .push(vref.clone());
                }
                if let Some(id) = v.model_id.as_deref().filter(|id| !id.is_empty()) {
                    refs.logged_models
                        .entry(id.to_owned())
                        .or_default()
                        .push(vref.clone());
                }
            }
        }
        Ok(refs)
    }
}

impl Places {
    fn of(root: &Path) -> Result<Places> {
        Ok(Places {
            root: std::fs::canonicalize(root).at(root)?,
            given: root.to_path_buf(),
            #[cfg(unix)]
            device: device(root)?,
        })
    }

    /// Where `path` really is: its folder with links resolved, and its own name (a link
    /// itself is not followed). `None` when the folder does not exist.
    fn physical(path: &Path) -> Option<PathBuf> {
        let parent = std::fs::canonicalize(path.parent()?).ok()?;
        Some(parent.join(path.file_name()?))
    }

    /// Why a folder must not be moved out of the store, if it must not.
    fn misplaced(&self, dir: &Path) -> Result<Option<KeepReason>> {
        let Some(real) = Places::physical(dir) else {
            return Ok(None);
        };
        if !real.starts_with(&self.root) {
            return Ok(Some(KeepReason::LinkLeadsOutside));
        }
        #[cfg(unix)]
        if device(dir.parent().unwrap_or(dir))? != self.device {
            return Ok(Some(KeepReason::OtherFilesystem));
        }
        Ok(None)
    }

    /// Size and place checks for one candidate: what goes, and what stays with its reason.
    fn assess(&self, store: &Store, candidate: Candidate) -> Result<(Option<Removal>, Vec<Kept>)> {
        if let Some(reason) = self.misplaced(candidate.dir())? {
            return Ok((None, vec![candidate.kept(reason)]));
        }
        let (mut removal, owners) = match candidate {
            Candidate::Leftover(dir) => {
                let id = dir.file_name().unwrap_or_default().to_string_lossy().into();
                (
                    Removal::new(Kind::Leftover, id, String::new(), "", dir),
                    vec![],
                )
            }
            Candidate::Experiment {
                experiment: exp,
                runs,
                run_folders,
            } => {
                let mut r =
                    Removal::new(Kind::Experiment, exp.id.clone(), exp.name, &exp.id, exp.dir);
                r.runs = run_folders;
                let owners = runs.into_iter().map(|r| Owner::run(store, r)).collect();
                (r, owners)
            }
            Candidate::Run(run) => {
                let r = Removal::new(
                    Kind::Run,
                    run.run_id.clone(),
                    run.run_name.clone(),
                    &run.experiment_id,
                    run.dir.clone(),
                );
                (r, vec![Owner::run(store, run)])
            }
            Candidate::LoggedModel(m) => {
                let tail = Path::new(&m.experiment_id)
                    .join(MODELS)
                    .join(&m.model_id)
                    .join("artifacts");
                let here = store.own_artifacts(&m.artifact_location, &tail, &m.dir);
                let owner = Owner::new(
                    m.model_id.clone(),
                    m.name.clone(),
                    m.artifact_location,
                    here,
                );
                let r = Removal::new(
                    Kind::LoggedModel,
                    m.model_id,
                    m.name,
                    &m.experiment_id,
                    m.dir,
                );
                (r, vec![owner])
            }
        };
        removal.bytes = tree_bytes(&removal.dir);
        let within = Places::physical(&removal.dir).unwrap_or_else(|| removal.dir.clone());
        let mut kept = Vec::new();
        for owner in owners {
            match self.artifact_fate(&owner, &within)? {
                ArtifactFate::Nothing => {}
                ArtifactFate::Remove(path, bytes) => {
                    removal.bytes += bytes;
                    removal.artifacts.push(path);
                }
                ArtifactFate::Keep(reason) => kept.push(Kept {
                    kind: Kind::Artifacts,
                    id: owner.id,
                    name: owner.name,
                    location: owner.artifact_uri,
                    reason,
                }),
            }
        }
        Ok((Some(removal), kept))
    }

    /// Artifacts go only when they are the owner's own `<id>/artifacts` folder, inside the
    /// store root, on its filesystem. `within` is the real folder being removed anyway.
    fn artifact_fate(&self, owner: &Owner, within: &Path) -> Result<ArtifactFate> {
        if owner.artifact_uri.is_empty() {
            return Ok(ArtifactFate::Nothing);
        }
        let Some(path) = location::uri_to_local_path(&owner.artifact_uri) else {
            return Ok(ArtifactFate::Keep(KeepReason::NotLocal));
        };
        let Some(real) = Places::physical(&path).filter(|_| path.symlink_metadata().is_ok()) else {
            // Nothing there: worth a line in the plan only when it lies outside the store
            // (inside, it is a stale path such as a trashed experiment's old run folder).
            let inside = path.starts_with(&self.root) || path.starts_with(&self.given);
            return Ok(if inside {
                ArtifactFate::Nothing
            } else {
                ArtifactFate::Keep(KeepReason::OutsideRoot)
            });
        };
        if real.starts_with(within) {
            return Ok(ArtifactFate::Nothing);
        }
        if !real.starts_with(&self.root) {
            return Ok(ArtifactFate::Keep(KeepReason::OutsideRoot));
        }
        if !path.ends_with(Path::new(&owner.id).join("artifacts")) {
            return Ok(ArtifactFate::Keep(KeepReason::NotItsFolder));
        }
        if let Some(reason) = self.misplaced(&path)? {
            return Ok(ArtifactFate::Keep(reason));
        }
        let bytes = tree_bytes(&path);
        Ok(ArtifactFate::Remove(path, bytes))
    }
}

/// A run or LoggedModel with its artifact location.
struct Owner {
    id: String,
    name: String,
    artifact_uri: String,
}

impl Owner {
    /// `recorded` is where the owner's artifacts were written; `here`, where this store would
    /// find them. A recorded folder that is gone (a moved or copied store) is judged by the
    /// one here; an original that still exists is judged, and kept, as it is.
    fn new(id: String, name: String, recorded: String, here: Option<PathBuf>) -> Owner {
        let gone = location::uri_to_local_path(&recorded)
            .is_some_and(|path| path.symlink_metadata().is_err());
        let artifact_uri = match here {
            Some(here) if gone => here.to_string_lossy().into_owned(),
            _ => recorded,
        };
        Owner {
            id,
            name,
            artifact_uri,
        }
    }

    fn run(store: &Store, run: RunInfo) -> Owner {
        let here = store.local_artifact_dir(&run);
        Owner::new(run.run_id, run.run_name, run.artifact_uri, here)
    }
}

impl Removal {
    fn new(kind: Kind, id: String, name: String, experiment_id: &str, dir: PathBuf) -> Removal {
        Removal {
            kind,
            id,
            name,
            experiment_id: experiment_id.to_owned(),
            dir,
            bytes: 0,
            artifacts: Vec::new(),
            runs: 0,
        }
    }
}

#[cfg(unix)]
fn device(path: &Path) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(path).at(path)?.dev())
}

/// Disk space taken by `path` and everything under it, links not followed, as `du` counts it:
/// a store is mostly tiny files, whose blocks are what removing them gives back. An estimate
/// for the plan: what cannot be read here is reported when its removal fails.
fn tree_bytes(path: &Path) -> u64 {
    walkdir::WalkDir::new(path)
        .into_iter()
        .filter_map(std::result::Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| disk_bytes(&m))
        .sum()
}

#[cfg(unix)]
fn disk_bytes(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.blocks() * 512
}

#[cfg(not(unix))]
fn disk_bytes(meta: &std::fs::Metadata) -> u64 {
    meta.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_follow_mlflow() {
        let ms = |t: &str| Age::parse(t).unwrap().ms;
        assert_eq!(ms("30d"), 30 * 86_400_000);
        assert_eq!(ms("1.5h"), 5_400_000);
        assert_eq!(ms("1d2h3m4s"), 93_784_000);
        assert_eq!(ms("1.2d3h4m5s"), 114_725_000);
        assert_eq!(ms("0.0005s"), 0);
        for bad in ["", "5", "1x", "d", "1.2.3d", "h1", "1s2m", "-1d"] {
            assert!(Age::parse(bad).is_err(), "{bad:?}");
        }
    }
}
