//! Changes to the registry with MLflow's semantics and MLflow's bytes (RFS 2.22/3.x): the same
//! meta.yaml keys for the generation that wrote the store, the same timestamps bumped, the
//! same soft delete. Unlike MLflow, every change runs under the store lock (so concurrent
//! registrations get distinct consecutive versions), is validated completely before the first
//! write, replaces files atomically, and a rename keeps the model's tags and aliases.

use std::collections::BTreeMap;

use super::super::error::{Result, StoreError, Subject, quote};
use super::super::run::RunInfo;
use super::super::validate::{self, KeyKind};
use super::super::yaml::{self, Yaml};
use super::super::{Flavor, Store, fs, location, ops};
use super::{LoggedModel, ModelVersion, RegisteredModel, Stage, names};

/// What `mlrs register` asks for: a new version of `name` from `<run artifacts>/<artifact_path>`.
pub struct NewVersion<'a> {
    pub name: &'a str,
    pub run: &'a RunInfo,
    pub artifact_path: &'a str,
    /// Register even when the artifacts cannot be found (they may live elsewhere).
    pub allow_missing: bool,
    pub description: Option<&'a str>,
    pub tags: &'a [(String, String)],
    pub aliases: &'a [String],
}

pub struct Registered {
    /// The registered model did not exist before.
    pub created_model: bool,
    pub version: ModelVersion,
}

/// Where a new version's files are, as MLflow's `register_model("runs:/…")` records it.
struct Source {
    source: String,
    storage_location: String,
    logged_model: Option<LoggedModel>,
}

pub struct Transitioned {
    /// Versions moved to Archived by `archive_existing`.
    pub archived: Vec<u64>,
}

impl Store {
    /// MLflow's `mlflow.register_model("runs:/<run>/<path>", name)`: the registered model is
    /// created when missing; the new version is `max(existing, deleted included) + 1`.
    pub fn register(&self, new: &NewVersion) -> Result<Registered> {
        let flavor = self.flavor();
        let dir = self.model_dir(new.name)?;
        for (k, v) in new.tags {
            names::tag(k, v, flavor)?;
        }
        for alias in new.aliases {
            names::new_alias(alias)?;
        }
        let source = self.resolve_source(new.run, new.artifact_path, new.allow_missing)?;

        let _lock = self.lock()?;
        let now = self.now_ms();
        let created_model = !dir.exists();
        if created_model {
            let model = RegisteredModel {
                name: new.name.to_owned(),
                creation_timestamp: Some(now),
                last_updated_timestamp: Some(now),
                description: None,
                tags: BTreeMap::new(),
                aliases: BTreeMap::new(),
                workspace: None,
                versions: Vec::new(),
                problems: Vec::new(),
                dir: dir.clone(),
            };
            // Built out of sight and renamed into place: MLflow cannot read a model folder
            // without its meta.yaml, so it must never see one.
            fs::place_new_folder(self.root(), &dir, |staging| {
                fs::write_staged(
                    &staging.join("meta.yaml"),
                    model_meta(&model, None, flavor).as_bytes(),
                )
            })?;
        }
        let mut model = RegisteredModel::load(&dir)?;
        let number = model.next_version()?;
        let mut version = ModelVersion {
            name: new.name.to_owned(),
            version: number,
            creation_timestamp: Some(now),
            last_updated_timestamp: Some(now),
            description: new.description.map(str::to_owned),
            user_id: None,
            current_stage: Stage::None,
            source: Some(source.source),
            run_id: Some(new.run.run_id.clone()),
            run_link: None,
            status: "READY".into(),
            status_message: None,
            storage_location: Some(source.storage_location),
            model_id: source.logged_model.as_ref().map(|m| m.model_id.clone()),
            workspace: None,
            tags: new.tags.iter().cloned().collect(),
            aliases: Vec::new(),
            dir: dir.join(format!("{}{number}", super::VERSION_PREFIX)),
        };
        fs::place_new_folder(self.root(), &version.dir, |staging| {
            fs::write_staged(
                &staging.join("meta.yaml"),
                version_meta(&version, None, flavor).as_bytes(),
            )?;
            for (k, v) in new.tags {
                fs::write_staged(&fs::key_path(&staging.join("tags"), k), v.as_bytes())?;
            }
            Ok(())
        })?;
        for alias in new.aliases {
            self.write_alias(&mut model, alias, number)?;
        }
        version.aliases = new.aliases.to_vec();
        version.aliases.sort();
        version.aliases.dedup();
        model.last_updated_timestamp = Some(now);
        self.save_model(&model)?;
        if let Some(logged) = &source.logged_model {
            self.record_model_version(logged, new.name, number)?;
        }
        Ok(Registered {
            created_model,
            version,
        })
    }

    /// `<run artifact_uri>/<path>`, checked to exist (at the recorded URI, or in the run's own
    /// `artifacts/` folder when the store was moved). On a 3.x store a path without an MLmodel
    /// file that names one of the run's LoggedModels registers that model (`models:/<id>`),
    /// as 3.x's `register_model` does.
    fn resolve_source(&self, run: &RunInfo, path: &str, allow_missing: bool) -> Result<Source> {
        let path = path.trim_matches('/');
        if !path.is_empty() && validate::path_not_unique(path) {
            return Err(StoreError::bad_input(
                Subject::input("artifact path", path),
                format!(
                    "invalid artifact path {}: it must be a relative path inside the run's artifacts, without '.' or '..' parts",
                    quote(path)
                ),
            ));
        }
        // The files are looked for where mlrs keeps this run's artifacts, and the source
        // recorded is that place: the run's artifact URI as MLflow records it, except in a
        // copied store, where that URI names the original store's folder.
        let artifacts_uri = match self.local_artifact_dir(run) {
            Some(dir)
                if !dir.starts_with(
                    location::uri_to_local_path(&run.artifact_uri).unwrap_or_default(),
                ) =>
            {
                location::file_uri(&dir)
            }
            _ => run.artifact_uri.clone(),
        };
        let uri = if path.is_empty() {
            artifacts_uri
        } else {
            format!("{}/{path}", artifacts_uri.trim_end_matches('/'))
        };
        let local = self
            .local_artifact_dir(run)
            .map(|dir| fs::key_path(&dir, path));
        let exists = local.as_ref().is_some_and(|p| p.exists());
        let has_mlmodel = local.as_ref().is_some_and(|p| p.join("MLmodel").is_file());
        if self.flavor() == Flavor::V3 && !has_mlmodel && !path.is_empty() {
            let mut models = self.logged_models_of_run(run, path)?;
            if models.len() > 1 {
                let ids: Vec<&str> = models.iter().map(|m| m.model_id.as_str()).collect();
                return Err(StoreError::ambiguous(
                    Subject::input("artifact path", path),
                    format!(
                        "run {} logged {} models named {}: {}",
                        run.run_id,
                        models.len(),
                        quote(path),
                        ids.join(", ")
                    ),
                ));
            }
            if let Some(model) = models.pop() {
                return Ok(Source {
                    source: format!("models:/{}", model.model_id),
                    storage_location: model.artifact_location.clone(),
                    logged_model: Some(model),
                });
            }
        }
        if !exists && !allow_missing {
            let err = match &local {
                Some(p) => StoreError::not_found(
                    Subject::Path(p.clone()),
                    format!("run {} has no artifact {} here", run.run_id, quote(path)),
                ),
                None => StoreError::bad_input(
                    Subject::run(&run.run_id),
                    format!(
                        "cannot check that run {} has the artifact {}: its artifacts are at {}",
                        run.run_id,
                        quote(path),
                        run.artifact_uri
                    ),
                ),
            };
            return Err(err.with_hint("pass --allow-missing to register it anyway"));
        }
        Ok(Source {
            source: uri.clone(),
            storage_location: uri,
            logged_model: None,
        })
    }

    /// MLflow's `transition_model_version_stage`: with `archive_existing` (Staging and
    /// Production only), every other version in the target stage becomes Archived.
    pub fn transition(
        &self,
        name: &str,
        version: u64,
        stage: Stage,
        archive_existing: bool,
    ) -> Result<Transitioned> {
        if archive_existing && !stage.is_active() {
            return Err(StoreError::bad_input(
                Subject::input("stage", stage.as_str()),
                format!(
                    "Model version transition cannot archive existing model versions because '{}' is not an Active stage. Valid stages are ['Staging', 'Production']",
                    stage.as_str()
                ),
            ));
        }
        let (_lock, mut model) = self.locked_model(name, |m| m.version(version).map(|_| ()))?;
        let mut target = model.version(version)?.clone();
        let now = self.now_ms();
        let mut archived = Vec::new();
        if archive_existing {
            for other in &model.versions {
                if other.version != version && other.current_stage == stage {
                    let mut moved = other.clone();
                    moved.current_stage = Stage::Archived;
                    moved.last_updated_timestamp = Some(now);
                    self.save_version(&moved)?;
                    archived.push(moved.version);
                }
            }
        }
        target.current_stage = stage;
        target.last_updated_timestamp = Some(now);
        self.save_version(&target)?;
        model.last_updated_timestamp = Some(now);
        self.save_model(&model)?;
        Ok(Transitioned { archived })
    }

    /// Point `alias` at `version` (moving it when it pointed elsewhere); returns the version it
    /// pointed at before.
    pub fn set_alias(&self, name: &str, alias: &str, version: u64) -> Result<Option<String>> {
        names::new_alias(alias)?;
        let (_lock, mut model) = self.locked_model(name, |m| m.version(version).map(|_| ()))?;
        let previous = model.aliases.get(alias).cloned();
        self.write_alias(&mut model, alias, version)?;
        model.last_updated_timestamp = Some(self.now_ms());
        self.save_model(&model)?;
        Ok(previous)
    }

    pub fn delete_alias(&self, name: &str, alias: &str) -> Result<()> {
        names::alias(alias)?;
        let (_lock, mut model) = self.locked_model(name, |m| {
            if m.aliases.contains_key(alias) {
                Ok(())
            } else {
                Err(super::alias_not_found(alias))
            }
        })?;
        model.aliases.remove(alias);
        fs::remove_file(&fs::key_path(&model.aliases_dir(), alias))?;
        model.last_updated_timestamp = Some(self.now_ms());
        self.save_model(&model)
    }

    /// Set and delete tags of a registered model, or of one of its versions. Every key is
    /// checked (and every deleted key must exist) before anything is written.
    pub fn set_model_tags(
        &self,
        name: &str,
        version: Option<u64>,
        set: &[(String, String)],
        delete: &[String],
    ) -> Result<()> {
        let flavor = self.flavor();
        for (k, v) in set {
            names::tag(k, v, flavor)?;
        }
        for k in delete {
            validate::key(KeyKind::ModelTag, k)?;
        }
        let (_lock, mut model) = self.locked_model(name, |m| {
            let (owner, tags) = match version {
                Some(v) => (
                    format!("version {v} of model '{name}'"),
                    &m.version(v)?.tags,
                ),
                None => (format!("model '{name}'"), &m.tags),
            };
            match delete.iter().find(|k| !tags.contains_key(*k)) {
                Some(missing) => Err(StoreError::not_found(
                    Subject::key(KeyKind::ModelTag, missing),
                    format!("{owner} has no tag {}", quote(missing)),
                )),
                None => Ok(()),
            }
        })?;
        let (entity_dir, tags_dir) = match version {
            Some(v) => {
                let mv = model.version(v)?;
                (mv.dir.clone(), mv.tags_dir())
            }
            None => (model.dir.clone(), model.tags_dir()),
        };
        for (k, v) in set {
            ops::write_value(&entity_dir, &tags_dir, k, v)?;
        }
        for k in delete {
            fs::remove_file(&fs::key_path(&tags_dir, k))?;
        }
        model.last_updated_timestamp = Some(self.now_ms());
        self.save_model(&model)
    }

    /// MLflow's soft delete: the version becomes `Deleted_Internal` (its folder and number
    /// stay), and the aliases that pointed at it are removed.
    pub fn delete_model_version(&self, name: &str, version: u64) -> Result<ModelVersion> {
        let (_lock, mut model) =
            self.locked_model(name, |m| m.deletable_version(version).map(|_| ()))?;
        let mut deleted = model.deletable_version(version)?.clone();
        let now = self.now_ms();
        deleted.current_stage = Stage::DeletedInternal;
        deleted.last_updated_timestamp = Some(now);
        // Saved before its aliases go, so 2.x's stale `aliases:` cache is what MLflow leaves.
        self.save_version(&deleted)?;
        let pointing: Vec<String> = model
            .aliases
            .iter()
            .filter(|(_, v)| **v == version.to_string())
            .map(|(a, _)| a.clone())
            .collect();
        for alias in &pointing {
            fs::remove_file(&fs::key_path(&model.aliases_dir(), alias))?;
            model.aliases.remove(alias);
        }
        model.last_updated_timestamp = Some(now);
        self.save_model(&model)?;
        Ok(deleted)
    }

    /// Remove a registered model with all its versions, for good (MLflow's
    /// `delete_registered_model`). The folder is moved out of `models/` first, so readers see
    /// the whole model or none of it.
    pub fn delete_registered_model(&self, name: &str) -> Result<RegisteredModel> {
        let (_lock, model) = self.locked_model(name, |_| Ok(()))?;
        fs::remove_tree(&model.dir, self.root())?;
        Ok(model)
    }

    /// Rename a registered model. The folder moves as a whole, so its tags, aliases and
    /// version tags come along (MLflow's rename loses tags and aliases, and crashes when a
    /// version has tags); meta.yaml files get the new name and timestamp as MLflow writes them.
    pub fn rename_registered_model(&self, name: &str, new_name: &str) -> Result<RegisteredModel> {
        names::model_name(new_name)?;
        let new_dir = self.model_dir(new_name)?;
        let (_lock, mut model) = self.locked_model(name, |m| {
            if new_dir.exists() {
                return Err(StoreError::conflict(
                    Subject::model(new_name),
                    format!("Registered Model (name={new_name}) already exists."),
                ));
            }
            match m.problems.first() {
                Some(p) => Err(StoreError::invalid(
                    &p.path,
                    format!(
                        "cannot rename '{name}': a version cannot be read ({})",
                        p.reason
                    ),
                )),
                None => Ok(()),
            }
        })?;
        // The renamed model is built as a copy out of sight, then renamed into place, then the
        // old folder removed: a crash leaves the old model whole, or both (as MLflow's own
        // rename can), never a mix of names.
        let old_dir = model.dir.clone();
        let staging = fs::staging_dir(self.root());
        fs::copy_tree(&old_dir, &staging)?;
        let now = self.now_ms();
        model.name = new_name.to_owned();
        model.dir = staging.clone();
        model.last_updated_timestamp = Some(now);
        self.save_model(&model)?;
        for version in &mut model.versions {
            if let Some(folder) = version.dir.file_name() {
                version.dir = staging.join(folder);
            }
            version.name = new_name.to_owned();
            version.last_updated_timestamp = Some(now);
            self.save_version(version)?;
        }
        fs::rename(&staging, &new_dir)?;
        fs::remove_tree(&old_dir, self.root())?;
        model.dir = new_dir;
        for version in &mut model.versions {
            if let Some(folder) = version.dir.file_name() {
                version.dir = model.dir.join(folder);
            }
        }
        Ok(model)
    }

    /// The model `name` under the store lock, after `check` passed both before the lock is
    /// taken (so a request that cannot succeed neither waits for the lock nor touches the
    /// store) and after (the model may have changed while waiting for it).
    fn locked_model(
        &self,
        name: &str,
        check: impl Fn(&RegisteredModel) -> Result<()>,
    ) -> Result<(fs::Lock, RegisteredModel)> {
        check(&self.registered_model(name)?)?;
        let lock = self.lock()?;
        let model = self.registered_model(name)?;
        check(&model)?;
        Ok((lock, model))
    }

    fn write_alias(&self, model: &mut RegisteredModel, alias: &str, version: u64) -> Result<()> {
        ops::write_value(
            &model.dir,
            &model.aliases_dir(),
            alias,
            &version.to_string(),
        )?;
        model.aliases.insert(alias.to_owned(), version.to_string());
        Ok(())
    }

    /// Rewrite a registered model's meta.yaml, keeping keys mlrs does not model.
    fn save_model(&self, model: &RegisteredModel) -> Result<()> {
        let path = model.meta_path();
        let existing = yaml::parse_map(&path, &fs::read_to_string(&path)?)?;
        let text = model_meta(model, Some(existing), self.flavor());
        fs::write_atomic(&path, text.as_bytes())
    }

    /// Rewrite a model version's meta.yaml, keeping keys mlrs does not model.
    fn save_version(&self, version: &ModelVersion) -> Result<()> {
        let path = version.meta_path();
        let existing = yaml::parse_map(&path, &fs::read_to_string(&path)?)?;
        let text = version_meta(version, Some(existing), self.flavor());
        fs::write_atomic(&path, text.as_bytes())
    }
}

/// `dict(RegisteredModel)` without `tags` and `latest_versions`, as MLflow saves it; `aliases`
/// is the cache of the current aliases MLflow writes (and never reads).
fn model_meta(
    model: &RegisteredModel,
    existing: Option<BTreeMap<String, Yaml>>,
    flavor: Flavor,
) -> String {
    let mut map = existing.unwrap_or_default();
    let aliases = model
        .aliases
        .iter()
        .map(|(k, v)| (k.clone(), Yaml::str(v)))
        .collect();
    for (key, value) in [
        ("aliases", Yaml::Map(aliases)),
        (
            "creation_timestamp",
            Yaml::opt_int(model.creation_timestamp),
        ),
        ("description", Yaml::opt_str(model.description.as_deref())),
        (
            "last_updated_timestamp",
            Yaml::opt_int(model.last_updated_timestamp),
        ),
        ("name", Yaml::str(&model.name)),
    ] {
        map.insert(key.into(), value);
    }
    if flavor == Flavor::V3 {
        v3_defaults(
            &mut map,
            &["deployment_job_id", "deployment_job_state", "workspace"],
        );
    }
    yaml::to_string(&Yaml::Map(map))
}

/// Keys 3.x writes that a file store never changes: kept when the file has them, else the
/// values 3.x writes (`null`, workspace `default`).
fn v3_defaults(map: &mut BTreeMap<String, Yaml>, keys: &[&str]) {
    for key in keys {
        let default = if *key == "workspace" {
            Yaml::str("default")
        } else {
            Yaml::Null
        };
        map.entry((*key).into()).or_insert(default);
    }
}

/// `dict(FileModelVersion)` without `tags` as MLflow saves it: 2.x also writes the current
/// aliases (a cache it never reads); 3.x leaves `aliases` out and adds its own keys.
pub(in crate::store) fn version_meta(
    version: &ModelVersion,
    existing: Option<BTreeMap<String, Yaml>>,
    flavor: Flavor,
) -> String {
    let mut map = existing.unwrap_or_default();
    for (key, value) in [
        (
            "creation_timestamp",
            Yaml::opt_int(version.creation_timestamp),
        ),
        ("current_stage", Yaml::str(version.current_stage.as_str())),
        ("description", Yaml::opt_str(version.description.as_deref())),
        (
            "last_updated_timestamp",
            Yaml::opt_int(version.last_updated_timestamp),
        ),
        ("name", Yaml::str(&version.name)),
        ("run_id", Yaml::opt_str(version.run_id.as_deref())),
        ("run_link", Yaml::opt_str(version.run_link.as_deref())),
        ("source", Yaml::opt_str(version.source.as_deref())),
        ("status", Yaml::str(&version.status)),
        (
            "status_message",
            Yaml::opt_str(version.status_message.as_deref()),
        ),
        (
            "storage_location",
            Yaml::opt_str(version.storage_location.as_deref()),
        ),
        ("user_id", Yaml::opt_str(version.user_id.as_deref())),
        ("version", Yaml::Int(version.version as i64)),
    ] {
        map.insert(key.into(), value);
    }
    match flavor {
        Flavor::V2 => {
            let aliases = version.aliases.iter().map(Yaml::str).collect();
            map.insert("aliases".into(), Yaml::Seq(aliases));
        }
        Flavor::V3 => {
            map.remove("aliases");
            map.insert(
                "model_id".into(),
                Yaml::opt_str(version.model_id.as_deref()),
            );
            v3_defaults(&mut map, &["deployment_job_state", "workspace"]);
        }
    }
    yaml::to_string(&Yaml::Map(map))
}
