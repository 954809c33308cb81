//! Creating runs and logging into them, with MLflow's validation and semantics. Everything is
//! checked before the first byte is written; then metric lines are single appends, params,
//! tags and meta.yaml atomic replacements, and a new run appears whole (built in a folder
//! neither reader looks at, then renamed into place).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError, Subject};
use super::experiment::Experiment;
use super::metric::MetricPoint;
use super::run::{RunInfo, RunStatus};
use super::validate::{self, KeyKind};
use super::{Lifecycle, Store, ViewType, fs, keyed, names};

pub const RUN_NAME_TAG: &str = "mlflow.runName";

pub struct NewRun<'a> {
    pub experiment: &'a Experiment,
    pub run_name: Option<&'a str>,
    pub user_id: &'a str,
    pub start_time: i64,
    pub tags: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricEntry {
    pub key: String,
    pub value: f64,
    pub timestamp: i64,
    pub step: i64,
}

/// What one `log` call writes. Params and tags keep their order; so do metric lines per key.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub metrics: Vec<MetricEntry>,
    pub params: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty() && self.params.is_empty() && self.tags.is_empty()
    }

    /// MLflow's checks that need no I/O: keys, timestamps, one value per param key.
    pub fn validate(&self) -> Result<()> {
        for m in &self.metrics {
            validate::key(KeyKind::Metric, &m.key)?;
            if m.timestamp < 0 {
                return Err(StoreError::bad_input(
                    Subject::key(KeyKind::Metric, &m.key),
                    format!(
                        "metric {}: timestamp {} is negative",
                        validate::quote(&m.key),
                        m.timestamp
                    ),
                ));
            }
        }
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (k, v) in &self.params {
            validate::key(KeyKind::Param, k)?;
            if let Some(old) = seen.insert(k, v)
                && old != v
            {
                return Err(StoreError::bad_input(
                    Subject::key(KeyKind::Param, k),
                    format!(
                        "param {} is given twice with different values ({} and {})",
                        validate::quote(k),
                        validate::quote(old),
                        validate::quote(v)
                    ),
                ));
            }
        }
        for (k, _) in &self.tags {
            validate::key(KeyKind::Tag, k)?;
        }
        Ok(())
    }
}

/// What a log call changed beyond the obvious, for the caller to tell the user.
#[derive(Debug, Default)]
pub struct LogReport {
    /// Params longer than MLflow's limit, stored truncated as MLflow stores them.
    pub truncated_params: Vec<String>,
}

fn check_active(run: &RunInfo) -> Result<()> {
    if run.is_active() {
        Ok(())
    } else {
        Err(StoreError::bad_input(
            Subject::run(&run.run_id),
            format!(
                "The run {} must be in the 'active' state. Current state is {}.",
                run.run_id,
                run.lifecycle_stage.as_str()
            ),
        ))
    }
}

/// MLflow truncates long param values (MLFLOW_TRUNCATE_LONG_VALUES defaults to true).
fn truncate_param(value: &str) -> (&str, bool) {
    match value.char_indices().nth(validate::MAX_PARAM_VALUE_LENGTH) {
        Some((cut, _)) => (&value[..cut], true),
        None => (value, false),
    }
}

/// MLflow's `append_to_uri_path(artifact_location, run_id, "artifacts")`.
fn run_artifact_uri(experiment_location: &str, run_id: &str) -> String {
    format!(
        "{}/{run_id}/artifacts",
        experiment_location.trim_end_matches('/')
    )
}

impl Store {
    /// Find an active experiment by name, or create it; under the store lock, so N processes
    /// racing to create one name end with exactly one experiment.
    pub fn get_or_create_experiment(&self, name: &str, cwd: &Path) -> Result<(Experiment, bool)> {
        let _lock = self.lock()?;
        let existing = self
            .experiments(ViewType::All)?
            .items
            .into_iter()
            .find(|e| e.name == name);
        match existing {
            Some(e) if e.is_active() => Ok((e, false)),
            Some(e) => Err(StoreError::bad_input(
                Subject::experiment(&e.id),
                format!("experiment '{name}' (id {}) is deleted", e.id),
            )
            .with_hint(format!(
                "restore it with `mlrs experiments restore {}`",
                e.id
            ))),
            None => {
                let new = super::ops::NewExperiment {
                    name,
                    artifact_location: None,
                    tags: &[],
                };
                self.create_experiment_locked(&new, cwd).map(|e| (e, true))
            }
        }
    }

    /// Create a RUNNING run as MLflow's `create_run` does: meta.yaml, `metrics/`, `params/`,
    /// `artifacts/`, the `mlflow.runName` tag (random name when none is given), and the given
    /// tags and params.
    pub fn create_run(&self, new: NewRun) -> Result<RunInfo> {
        let exp = new.experiment;
        if !exp.is_active() {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                format!(
                    "Could not create run under non-active experiment with ID {}.",
                    exp.id
                ),
            ));
        }
        let tag_name = new
            .tags
            .iter()
            .find(|(k, _)| k == RUN_NAME_TAG)
            .map(|(_, v)| v.as_str());
        if let (Some(name), Some(tag)) = (new.run_name, tag_name)
            && name != tag
        {
            return Err(StoreError::bad_input(
                Subject::input("run name", name),
                format!(
                    "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{name}', mlflow.runName='{tag}')."
                ),
            ));
        }
        let run_name = new
            .run_name
            .or(tag_name)
            .map(str::to_owned)
            .unwrap_or_else(names::random_run_name);
        let mut tags = new.tags.clone();
        if tag_name.is_none() {
            tags.push((RUN_NAME_TAG.to_owned(), run_name.clone()));
        }
        let batch = Batch {
            metrics: Vec::new(),
            params: new.params.clone(),
            tags,
        };
        batch.validate()?;

        let run_id = uuid::Uuid::new_v4().simple().to_string();
        // Built out of sight of both readers, then renamed into place whole.
        let final_dir = exp.dir.join(&run_id);
        let info = RunInfo {
            run_id: run_id.clone(),
            experiment_id: exp.id.clone(),
            run_name,
            user_id: new.user_id.to_owned(),
            status: RunStatus::Running,
            start_time: Some(new.start_time),
            end_time: None,
            lifecycle_stage: Lifecycle::Active,
            artifact_uri: run_artifact_uri(&self.experiment_artifact_location(exp), &run_id),
            deleted_time: None,
            dir: final_dir.clone(),
        };
        // Under the shared structure lock, so the experiment cannot be moved away meanwhile.
        let _structure = self.structure_lock_shared()?;
        if !exp.dir.join("meta.yaml").is_file() {
            return Err(StoreError::conflict(
                Subject::experiment(&exp.id),
                format!(
                    "experiment {} was moved or deleted meanwhile; the run was not created",
                    exp.id
                ),
            ));
        }
        fs::place_new_folder(self.root(), &final_dir, |staging| {
            for sub in ["metrics", "params", "artifacts", "tags"] {
                fs::create_dir_all(&staging.join(sub))?;
            }
            for (k, v) in &batch.params {
                fs::write_staged(
                    &fs::key_path(&staging.join("params"), k),
                    truncate_param(v).0.as_bytes(),
                )?;
            }
            for (k, v) in &batch.tags {
                fs::write_staged(&fs::key_path(&staging.join("tags"), k), v.as_bytes())?;
            }
            fs::write_staged(
                &staging.join("meta.yaml"),
                info.meta_document(None, self.flavor()).as_bytes(),
            )
        })?;
        RunInfo::load(&final_dir)
    }

    /// Log params, tags and metrics into an active run. All entries are validated (including
    /// param immutability against what the run already has) before anything is written.
    pub fn log_batch(&self, run: &RunInfo, batch: &Batch) -> Result<LogReport> {
        check_active(run)?;
        batch.validate()?;
        let mut report = LogReport::default();
        // Param immutability is a read-then-write: hold the run's lock across it.
        let _lock = self.lock_run(run)?;
        let existing = keyed::read_some(
            &run.dir.join("params"),
            batch.params.iter().map(|(k, _)| k.as_str()),
        )?;
        let mut params_to_write = Vec::new();
        for (k, v) in &batch.params {
            let (value, truncated) = truncate_param(v);
            if truncated && !report.truncated_params.contains(k) {
                report.truncated_params.push(k.clone());
            }
            match existing.get(k) {
                Some(old) if old == value => {}
                Some(old) => {
                    return Err(StoreError::bad_input(
                        Subject::key(KeyKind::Param, k),
                        format!(
                            "Changing param values is not allowed. Param with key='{k}' was already logged with value='{old}' for run ID='{}'. Attempted logging new value '{value}'.",
                            run.run_id
                        ),
                    ));
                }
                None if params_to_write
                    .iter()
                    .any(|(pk, _): &(&String, &str)| *pk == k) => {}
                None => params_to_write.push((k, value)),
            }
        }
        let mut lines: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
        for m in &batch.metrics {
            let point = MetricPoint {
                timestamp: m.timestamp,
                value: m.value,
                step: m.step,
                dataset: None,
            };
            let path = fs::key_path(&run.dir.join("metrics"), &m.key);
            lines.entry(path).or_default().push(point.to_line());
        }
        let key_files = params_to_write
            .iter()
            .map(|(k, _)| fs::key_path(&run.dir.join("params"), k))
            .chain(
                batch
                    .tags
                    .iter()
                    .map(|(k, _)| fs::key_path(&run.dir.join("tags"), k)),
            );
        for path in key_files.chain(lines.keys().cloned()) {
            validate::fits_path(&path)?;
        }
        for path in lines.keys() {
            fs::check_appendable(path)?;
        }
        for (k, v) in params_to_write {
            fs::write_atomic_via(
                &fs::key_path(&run.dir.join("params"), k),
                v.as_bytes(),
                &run.dir,
            )?;
        }
        for (k, v) in &batch.tags {
            fs::write_atomic_via(
                &fs::key_path(&run.dir.join("tags"), k),
                v.as_bytes(),
                &run.dir,
            )?;
        }
        for (path, key_lines) in &lines {
            fs::append_lines(path, key_lines.iter().map(String::as_str), &run.dir)?;
        }
        // Setting mlflow.runName renames the run, as in MLflow.
        if let Some((_, name)) = batch.tags.iter().rev().find(|(k, _)| k == RUN_NAME_TAG) {
            self.rewrite_run_meta_locked(run, |r| r.run_name = name.clone())?;
        }
        Ok(report)
    }

    /// Delete a tag of an active run, as MLflow's `delete_tag` does: its file goes, and a tag
    /// the run does not have is an error (the run's name in meta.yaml stays, as in MLflow).
    pub fn delete_run_tag(&self, run: &RunInfo, key: &str) -> Result<()> {
        check_active(run)?;
        validate::key(KeyKind::Tag, key)?;
        let _lock = self.lock_run(run)?;
        let path = fs::key_path(&run.dir.join("tags"), key);
        if !path.is_file() {
            return Err(StoreError::not_found(
                Subject::key(KeyKind::Tag, key),
                format!("run {} has no tag {}", run.run_id, validate::quote(key)),
            ));
        }
        fs::remove_file(&path)
    }

    /// Set a run's terminal status and end time.
    pub fn end_run(&self, run: &RunInfo, status: RunStatus, end_time: i64) -> Result<RunInfo> {
        check_active(run)?;
        self.update_run_meta(run, |r| {
            r.status = status;
            r.end_time = Some(end_time);
        })
    }

    /// The local folder of a run's artifacts, or why there is none.
    pub fn artifact_dir(&self, run: &RunInfo) -> Result<PathBuf> {
        self.local_artifact_dir(run).ok_or_else(|| {
            StoreError::unsupported(Subject::run(&run.run_id), format!(
                "run {} stores its artifacts at {}, which is not a local folder; mlrs copies artifacts only to local artifact locations",
                run.run_id, run.artifact_uri
            ))
        })
    }

    /// Where a run's artifact files may be created, and the folder that must already exist for
    /// that (the run's own folder when the artifacts live inside the store, which is never
    /// recreated once gone; an outside artifact location is created as MLflow creates it).
    fn artifact_target(&self, run: &RunInfo) -> Result<(PathBuf, PathBuf)> {
        let dir = self.artifact_dir(run)?;
        if dir.starts_with(&run.dir) {
            return Ok((dir, run.dir.clone()));
        }
        fs::create_dir_all(&dir)?;
        Ok((dir.clone(), dir))
    }

    /// Create (or truncate) one artifact file of the run, for output that arrives as a stream
    /// (`mlrs run --capture`).
    pub fn create_artifact_file(&self, run: &RunInfo, name: &str) -> Result<std::fs::File> {
        let (dir, entity) = self.artifact_target(run)?;
        fs::create_file(&dir.join(name), &entity)
    }

    /// Copy a file (or a folder's contents) into the run's artifacts under `dest`, as MLflow's
    /// `log_artifact` / `log_artifacts` do: symbolic links are followed (their targets are
    /// copied) and empty folders kept. Each file lands whole (temp file, then rename).
    pub fn log_artifact(
        &self,
        run: &RunInfo,
        src: &Path,
        dest: Option<&str>,
    ) -> Result<Vec<PathBuf>> {
        check_active(run)?;
        let _structure = self.structure_lock_shared()?;
        let (mut target, entity) = self.artifact_target(run)?;
        if let Some(dest) = dest.map(|d| d.trim_matches('/')).filter(|d| !d.is_empty()) {
            if validate::path_not_unique(dest) {
                return Err(StoreError::bad_input(
                    Subject::input("artifact path", dest),
                    format!(
                        "artifact path {} must be a relative path inside the run's artifacts",
                        validate::quote(dest)
                    ),
                ));
            }
            target = fs::key_path(&target, dest);
        }
        let meta = std::fs::metadata(src).map_err(|e| StoreError::io(src, e))?;
        let mut copied = Vec::new();
        if meta.is_dir() {
            fs::create_dir_below(&entity, &target)?;
            for entry in walkdir::WalkDir::new(src).min_depth(1).follow_links(true) {
                let entry = entry.map_err(|e| StoreError::walk(src, e))?;
                let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
                if entry.file_type().is_dir() {
                    fs::create_dir_below(&entity, &target.join(rel))?;
                } else {
                    copied.push(fs::copy_file(entry.path(), &target.join(rel), &entity)?);
                }
            }
        } else {
            let name = src
                .file_name()
                .ok_or_else(|| StoreError::invalid(src, "has no file name"))?;
            copied.push(fs::copy_file(src, &target.join(name), &entity)?);
        }
        Ok(copied)
    }
}
