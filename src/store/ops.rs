//! Changes to experiments and runs, with MLflow's semantics (docs/format/layout.md) and safe
//! writes: every meta.yaml is replaced atomically, every check happens before the first write.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{Result, StoreError, Subject};
use super::experiment::{self, Experiment};
use super::run::RunInfo;
use super::validate::{self, KeyKind};
use super::{Lifecycle, Store, ViewType, fs, location};

pub struct NewExperiment<'a> {
    pub name: &'a str,
    pub artifact_location: Option<&'a str>,
    pub tags: &'a [(String, String)],
}

impl Store {
    pub(super) fn create_default_experiment(&self) -> Result<()> {
        let now = self.now_ms();
        let exp = Experiment {
            id: "0".into(),
            name: "Default".into(),
            artifact_location: format!("{}/0", self.root_uri()),
            lifecycle_stage: Lifecycle::Active,
            creation_time: Some(now),
            last_update_time: Some(now),
            tags: BTreeMap::new(),
            dir: self.root.join("0"),
            problems: Vec::new(),
        };
        self.place_new_experiment(&exp, &[])
    }

    /// Build a new experiment folder (meta.yaml and tags) out of sight, then rename it into
    /// place: an experiment folder without its meta.yaml is a "malformed experiment" to MLflow.
    fn place_new_experiment(&self, exp: &Experiment, tags: &[(String, String)]) -> Result<()> {
        fs::place_new_folder(self.root(), &exp.dir, |staging| {
            fs::write_staged(
                &staging.join("meta.yaml"),
                exp.new_meta(self.flavor()).as_bytes(),
            )?;
            for (k, v) in tags {
                fs::write_staged(&fs::key_path(&staging.join("tags"), k), v.as_bytes())?;
            }
            Ok(())
        })
    }

    /// Create an experiment; names are unique across active and deleted experiments, which is
    /// checked and claimed under the store lock so concurrent creators cannot duplicate a name.
    pub fn create_experiment(&self, new: &NewExperiment, cwd: &Path) -> Result<Experiment> {
        let _lock = self.lock()?;
        self.create_experiment_locked(new, cwd)
    }

    /// [`Store::create_experiment`] for a caller that already holds the store lock.
    pub(super) fn create_experiment_locked(
        &self,
        new: &NewExperiment,
        cwd: &Path,
    ) -> Result<Experiment> {
        validate::experiment_name(new.name)?;
        for (k, _) in new.tags {
            validate::key(KeyKind::ExperimentTag, k)?;
        }
        self.check_name_free(new.name)?;
        let id = loop {
            let id = experiment::generate_id();
            if !self.root.join(&id).exists() && !self.trash_dir().join(&id).exists() {
                break id;
            }
        };
        let artifact_location = match new.artifact_location {
            Some(loc) => resolve_artifact_location(loc, cwd),
            None => format!("{}/{id}", self.root_uri()),
        };
        let now = self.now_ms();
        let exp = Experiment {
            id: id.clone(),
            name: new.name.to_owned(),
            artifact_location,
            lifecycle_stage: Lifecycle::Active,
            creation_time: Some(now),
            last_update_time: Some(now),
            tags: new.tags.iter().cloned().collect(),
            dir: self.root.join(&id),
            problems: Vec::new(),
        };
        self.place_new_experiment(&exp, new.tags)?;
        Ok(exp)
    }

    fn check_name_free(&self, name: &str) -> Result<()> {
        let all = self.experiments(ViewType::All)?;
        if let Some(e) = all.items.iter().find(|e| e.name == name) {
            let subject = Subject::input("experiment name", name);
            return Err(if e.is_active() {
                StoreError::conflict(
                    subject,
                    format!("Experiment '{name}' already exists (id {}).", e.id),
                )
            } else {
                StoreError::conflict(
                    subject,
                    format!(
                        "Experiment '{name}' already exists in deleted state (id {}).",
                        e.id
                    ),
                )
                .with_hint(format!(
                    "restore it (`mlrs experiments restore {}`), or remove it for good with `mlrs gc`",
                    e.id
                ))
            });
        }
        Ok(())
    }

    pub fn rename_experiment(&self, exp: &Experiment, new_name: &str) -> Result<Experiment> {
        validate::experiment_name(new_name)?;
        if !exp.is_active() {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                format!(
                    "cannot rename experiment {} ({}): it is deleted",
                    exp.id, exp.name
                ),
            )
            .with_hint("restore it first"));
        }
        let _lock = self.lock()?;
        if new_name != exp.name {
            self.check_name_free(new_name)?;
        }
        let mut renamed = exp.clone();
        renamed.name = new_name.to_owned();
        renamed.last_update_time = Some(self.now_ms());
        fs::write_atomic(&renamed.meta_path(), renamed.rewritten_meta()?.as_bytes())?;
        Ok(renamed)
    }

    /// Why `exp` cannot be deleted, if it cannot. Callers acting on several experiments check
    /// them all first, so one bad name changes nothing.
    pub fn check_deletable(&self, exp: &Experiment) -> Result<()> {
        if exp.id == "0" {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                "Cannot delete the default experiment '0'. This is an internally reserved experiment.",
            ));
        }
        // Deleted but still in the root is a delete (or a restore) cut short: finish the delete.
        if !exp.is_active() && self.in_trash(exp) {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                format!("experiment {} ({}) is already deleted", exp.id, exp.name),
            ));
        }
        let target = self.trash_dir().join(&exp.id);
        if target.exists() {
            return Err(StoreError::conflict(
                Subject::experiment(&exp.id),
                format!(
                    "cannot delete experiment {}: {} already exists",
                    exp.id,
                    target.display()
                ),
            ));
        }
        Ok(())
    }

    /// Whether `exp` sits in `.trash/` (its move is the last step of a delete, the first of a
    /// restore; a deleted experiment outside it is a delete or restore cut short).
    pub fn in_trash(&self, exp: &Experiment) -> bool {
        exp.dir.parent() == Some(self.trash_dir().as_path())
    }

    /// Soft-delete: active runs become deleted, then meta.yaml, then the folder moves into
    /// `.trash/`. Each step is one atomic write or rename, and a rerun after any of them
    /// finishes the rest.
    pub fn delete_experiment(&self, exp: &Experiment) -> Result<Experiment> {
        let _lock = self.lock()?;
        self.check_deletable(exp)?;
        let now = self.now_ms();
        let runs = self.run_infos(std::slice::from_ref(exp), ViewType::ActiveOnly)?;
        for run in &runs.items {
            let mut deleted = run.clone();
            deleted.lifecycle_stage = Lifecycle::Deleted;
            deleted.deleted_time = Some(now);
            self.write_run_meta(&deleted)?;
        }
        let mut updated = exp.clone();
        updated.lifecycle_stage = Lifecycle::Deleted;
        updated.last_update_time = Some(now);
        fs::write_atomic(&updated.meta_path(), updated.rewritten_meta()?.as_bytes())?;
        let target = self.trash_dir().join(&exp.id);
        fs::create_dir_all(&self.trash_dir())?;
        fs::rename(&exp.dir, &target)?;
        updated.dir = target;
        Ok(updated)
    }

    /// Why `exp` cannot be restored, if it cannot.
    pub fn check_restorable(&self, exp: &Experiment) -> Result<()> {
        let in_trash = self.in_trash(exp);
        if exp.is_active() && !in_trash {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                format!("experiment {} ({}) is not deleted", exp.id, exp.name),
            ));
        }
        if in_trash && self.root.join(&exp.id).exists() {
            return Err(StoreError::conflict(
                Subject::experiment(&exp.id),
                format!(
                    "Cannot restore experiment with ID {}. An experiment with same ID already exists.",
                    exp.id
                ),
            ));
        }
        let active = self.experiments(ViewType::ActiveOnly)?.items;
        if let Some(other) = active
            .into_iter()
            .find(|e| e.name == exp.name && e.id != exp.id)
        {
            return Err(StoreError::conflict(
                Subject::experiment(&exp.id),
                format!(
                    "cannot restore experiment {}: the name '{}' is now used by experiment {}",
                    exp.id, exp.name, other.id
                ),
            ));
        }
        Ok(())
    }

    /// Undo a delete: the folder moves back, every deleted run becomes active again, then
    /// meta.yaml says active. A rerun after any step finishes the rest (the folder is then
    /// already back, still marked deleted).
    pub fn restore_experiment(&self, exp: &Experiment) -> Result<Experiment> {
        let _lock = self.lock()?;
        self.check_restorable(exp)?;
        self.finish_restore(exp)
    }

    /// The steps of [`Store::restore_experiment`] after its checks, for a caller holding the
    /// store lock (`doctor` finishing a restore that was cut short).
    pub(super) fn finish_restore(&self, exp: &Experiment) -> Result<Experiment> {
        let target = self.root.join(&exp.id);
        if self.in_trash(exp) {
            fs::rename(&exp.dir, &target)?;
        }
        let mut restored = exp.clone();
        restored.dir = target;
        let runs = self.run_infos(std::slice::from_ref(&restored), ViewType::DeletedOnly)?;
        for run in &runs.items {
            let mut active = run.clone();
            active.lifecycle_stage = Lifecycle::Active;
            active.deleted_time = None;
            self.write_run_meta(&active)?;
        }
        restored.lifecycle_stage = Lifecycle::Active;
        restored.last_update_time = Some(self.now_ms());
        fs::write_atomic(&restored.meta_path(), restored.rewritten_meta()?.as_bytes())?;
        Ok(restored)
    }

    /// Set experiment tags (all validated before the first is written). Setting tags does not
    /// bump `last_update_time`, as in MLflow.
    pub fn set_experiment_tags(
        &self,
        exp: &Experiment,
        tags: &[(String, String)],
        delete: &[String],
    ) -> Result<()> {
        if !exp.is_active() {
            return Err(StoreError::bad_input(
                Subject::experiment(&exp.id),
                format!(
                    "cannot tag experiment {} ({}): it is deleted",
                    exp.id, exp.name
                ),
            ));
        }
        for k in tags.iter().map(|(k, _)| k).chain(delete) {
            validate::key(KeyKind::ExperimentTag, k)?;
        }
        for k in delete {
            if !exp.tags.contains_key(k) {
                return Err(StoreError::not_found(
                    Subject::key(KeyKind::ExperimentTag, k),
                    format!("experiment {} has no tag {}", exp.id, validate::quote(k)),
                ));
            }
        }
        let _structure = self.structure_lock_shared()?;
        for (k, v) in tags {
            write_value(&exp.dir, &exp.tags_dir(), k, v)?;
        }
        for k in delete {
            fs::remove_file(&fs::key_path(&exp.tags_dir(), k))?;
        }
        Ok(())
    }

    pub fn delete_run(&self, run: &RunInfo) -> Result<RunInfo> {
        let now = self.now_ms();
        self.update_run_meta(run, |r| {
            r.lifecycle_stage = Lifecycle::Deleted;
            r.deleted_time = Some(now);
        })
    }

    /// Why `run` cannot be restored, if it cannot.
    pub fn check_run_restorable(&self, run: &RunInfo) -> Result<()> {
        let exp = self.experiment_of(run)?;
        if run.dir.starts_with(self.trash_dir()) || !exp.is_active() {
            return Err(StoreError::bad_input(
                Subject::run(&run.run_id),
                format!(
                    "cannot restore run {}: its experiment {} ({}) is deleted",
                    run.run_id, exp.id, exp.name
                ),
            )
            .with_hint("restore the experiment instead"));
        }
        Ok(())
    }

    pub fn restore_run(&self, run: &RunInfo) -> Result<RunInfo> {
        self.check_run_restorable(run)?;
        self.update_run_meta(run, |r| {
            r.lifecycle_stage = Lifecycle::Active;
            r.deleted_time = None;
        })
    }

    /// Change a run's meta.yaml as one step against other writers: under the run's lock, the
    /// current file is read, `change` applied, and the result written back.
    pub fn update_run_meta(
        &self,
        run: &RunInfo,
        change: impl FnOnce(&mut RunInfo),
    ) -> Result<RunInfo> {
        let _locks = self.lock_run(run)?;
        self.rewrite_run_meta_locked(run, change)
    }

    /// [`Store::update_run_meta`] for a caller that already holds the run's lock.
    pub(super) fn rewrite_run_meta_locked(
        &self,
        run: &RunInfo,
        change: impl FnOnce(&mut RunInfo),
    ) -> Result<RunInfo> {
        let mut current = RunInfo::load(&run.dir)?;
        change(&mut current);
        self.write_run_meta(&current)?;
        Ok(current)
    }

    /// Rewrite a run's meta.yaml atomically from `info`, keeping keys mlrs does not model.
    /// The caller holds the run's lock or the store's exclusive lock.
    pub fn write_run_meta(&self, info: &RunInfo) -> Result<()> {
        let existing = info.read_meta_map()?;
        let text = info.meta_document(Some(existing), self.flavor());
        fs::write_atomic(&info.meta_path(), text.as_bytes())
    }
}

/// Write one key file (`tags/<key>`, `params/<key>`) atomically. The temp file lives in the
/// entity's own folder, where MLflow never looks for keys, so a crash cannot leave a stray key.
pub(super) fn write_value(
    entity_dir: &Path,
    values_dir: &Path,
    key: &str,
    value: &str,
) -> Result<()> {
    let target = fs::key_path(values_dir, key);
    fs::write_atomic_via(&target, value.as_bytes(), entity_dir)
}

/// MLflow's `resolve_uri_if_local`: local paths become absolute; other URIs stay as given.
fn resolve_artifact_location(loc: &str, cwd: &Path) -> String {
    if let Some(rest) = loc.strip_prefix("file:")
        && !rest.starts_with('/')
    {
        return location::file_uri(&cwd.join(rest));
    }
    let has_scheme = loc.split_once(':').is_some_and(|(s, _)| {
        s.len() > 1
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if has_scheme {
        return loc.to_owned();
    }
    let path = Path::new(loc);
    if path.is_absolute() {
        loc.to_owned()
    } else {
        cwd.join(path).to_string_lossy().into_owned()
    }
}
