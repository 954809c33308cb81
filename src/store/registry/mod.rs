//! The file model registry under `<root>/models/` (docs/format/registry.md): registered models with their
//! tags and aliases, model versions with their stages and tags, and the questions MLflow's
//! registry answers about them (latest versions per stage, versions by alias, `models:/` URIs).
//! Aliases come from the `aliases/` files; the `aliases:` keys in meta.yaml are stale caches
//! MLflow writes but never reads, so they are ignored here too. Writes live in [`write`].

mod logged_model;
mod names;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{Problem, Result, StoreError, Subject, quote};
use super::excerpt::excerpt;
use super::{Listing, MODELS, Store, fs, keyed, yaml};
pub use logged_model::{LoggedModel, ModelMetric, logged_models_in};
pub use names::new_alias as check_new_alias;
/// For `merge`, which writes versions copied from another store.
pub(in crate::store) use write::version_meta;
pub use write::{NewVersion, Transitioned};

/// The tag that marks a registered model (or version) as a prompt. MLflow leaves prompts out
/// of registry searches unless the filter names this tag (`query::Filter` does the same), and
/// hides it from a model's `tags`.
pub const PROMPT_TAG: &str = "mlflow.prompt.is_prompt";

const VERSION_PREFIX: &str = "version-";

/// A model version's stage. `DeletedInternal` is MLflow's soft delete: the folder stays, but
/// the version is invisible to every read except the next-version count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    None,
    Staging,
    Production,
    Archived,
    DeletedInternal,
}

impl Stage {
    /// The stages users can ask for, in MLflow's `ALL_STAGES` order.
    pub const PUBLIC: [Stage; 4] = [
        Stage::None,
        Stage::Staging,
        Stage::Production,
        Stage::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::None => "None",
            Stage::Staging => "Staging",
            Stage::Production => "Production",
            Stage::Archived => "Archived",
            Stage::DeletedInternal => "Deleted_Internal",
        }
    }

    /// A stage as a user types it (any case), with MLflow's message for anything else.
    pub fn parse(text: &str) -> Result<Stage> {
        Stage::PUBLIC
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                StoreError::bad_input(
                    Subject::input("stage", text),
                    format!(
                        "Invalid Model Version stage: {text}. Value must be one of None, Staging, Production, Archived."
                    ),
                )
            })
    }

    /// A stage as MLflow wrote it in meta.yaml (exact spelling).
    fn from_file(text: &str) -> Option<Stage> {
        Stage::PUBLIC
            .into_iter()
            .chain([Stage::DeletedInternal])
            .find(|s| s.as_str() == text)
    }

    /// The stages `archive_existing_versions` may be used with.
    pub fn is_active(self) -> bool {
        matches!(self, Stage::Staging | Stage::Production)
    }
}

#[derive(Debug, Clone)]
pub struct ModelVersion {
    pub name: String,
    pub version: u64,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    pub description: Option<String>,
    pub user_id: Option<String>,
    pub current_stage: Stage,
    pub source: Option<String>,
    pub run_id: Option<String>,
    pub run_link: Option<String>,
    pub status: String,
    pub status_message: Option<String>,
    /// Where the model files are (`get_model_version_download_uri` is this, else `source`).
    pub storage_location: Option<String>,
    /// 3.x: the LoggedModel the version was registered from.
    pub model_id: Option<String>,
    /// 3.x `workspace` key, when the file has one.
    pub workspace: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// From the model's `aliases/` files, sorted.
    pub aliases: Vec<String>,
    pub dir: PathBuf,
}

impl ModelVersion {
    pub fn is_deleted(&self) -> bool {
        self.current_stage == Stage::DeletedInternal
    }

    pub fn meta_path(&self) -> PathBuf {
        self.dir.join("meta.yaml")
    }

    pub fn tags_dir(&self) -> PathBuf {
        self.dir.join("tags")
    }

    /// What `mlflow.pyfunc.load_model("models:/…")` downloads.
    pub fn download_uri(&self) -> Option<&str> {
        self.storage_location
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.source.as_deref())
    }

    /// The runs this version points at: its `run_id`, and the run inside a `runs:/<id>/…`
    /// source.
    pub fn run_ids(&self) -> Vec<&str> {
        let from_source = self
            .source
            .as_deref()
            .and_then(|s| s.strip_prefix("runs:/"))
            .and_then(|rest| rest.split('/').next());
        let mut ids: Vec<&str> = self
            .run_id
            .as_deref()
            .into_iter()
            .chain(from_source)
            .collect();
        ids.retain(|id| !id.is_empty());
        ids.dedup();
        ids
    }
}

#[derive(Debug)]
pub struct RegisteredModel {
    pub name: String,
    pub creation_timestamp: Option<i64>,
    pub last_updated_timestamp: Option<i64>,
    pub description: Option<String>,
    /// Every tag, the prompt marker included (filters see it; displays hide it).
    pub tags: BTreeMap<String, String>,
    /// Alias → the version text in its file.
    pub aliases: BTreeMap<String, String>,
    /// 3.x `workspace` key, when the file has one.
    pub workspace: Option<String>,
    /// Every readable version, deleted ones included, by version number.
    pub versions: Vec<ModelVersion>,
    /// Version folders, tag and alias files that could not be read (reported, never fatal).
    pub problems: Vec<Problem>,
    pub dir: PathBuf,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ModelFile {
    name: Option<String>,
    creation_timestamp: Option<i64>,
    last_updated_timestamp: Option<i64>,
    description: Option<String>,
    workspace: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionFile {
    name: Option<String>,
    version: Option<u64>,
    creation_timestamp: Option<i64>,
    last_updated_timestamp: Option<i64>,
    description: Option<String>,
    user_id: Option<String>,
    current_stage: Option<String>,
    source: Option<String>,
    run_id: Option<String>,
    run_link: Option<String>,
    status: Option<String>,
    status_message: Option<String>,
    storage_location: Option<String>,
    model_id: Option<String>,
    workspace: Option<String>,
}

impl RegisteredModel {
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join("meta.yaml")
    }

    pub fn tags_dir(&self) -> PathBuf {
        self.dir.join("tags")
    }

    pub fn aliases_dir(&self) -> PathBuf {
        self.dir.join("aliases")
    }

    /// Tags as MLflow's `RegisteredModel.tags` shows them: without the prompt marker.
    pub fn visible_tags(&self) -> BTreeMap<String, String> {
        let mut tags = self.tags.clone();
        tags.remove(PROMPT_TAG);
        tags
    }

    /// Read `models/<name>/`: meta.yaml, tags, aliases and every version folder.
    pub fn load(dir: &Path) -> Result<RegisteredModel> {
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (path, text) = fs::read_meta(dir, "a registered model")?;
        let meta: ModelFile = yaml::parse(&path, &text)?;
        // A bad tag or alias file is reported against itself; the model and its versions
        // are still shown.
        let mut problems = Vec::new();
        let aliases = keyed::read_readable(&dir.join("aliases"), &mut problems)?;
        let tags = keyed::read_readable(&dir.join("tags"), &mut problems)?;
        let mut model = RegisteredModel {
            name: meta.name.unwrap_or(folder),
            creation_timestamp: meta.creation_timestamp,
            last_updated_timestamp: meta.last_updated_timestamp,
            description: meta.description,
            tags,
            aliases,
            workspace: meta.workspace,
            versions: Vec::new(),
            problems,
            dir: dir.to_path_buf(),
        };
        for version_dir in version_dirs(dir)? {
            match model.load_version(&version_dir) {
                Ok(v) => model.versions.push(v),
                Err(err) => model.problems.push(Problem::from_error(&version_dir, &err)),
            }
        }
        model.versions.sort_by_key(|v| v.version);
        Ok(model)
    }

    fn load_version(&self, dir: &Path) -> Result<ModelVersion> {
        let (path, text) = fs::read_meta(dir, "a model version")?;
        let meta: VersionFile = yaml::parse(&path, &text)?;
        let suffix = folder_version(dir);
        let version = meta
            .version
            .or_else(|| suffix.and_then(|s| s.parse().ok()))
            .ok_or_else(|| StoreError::invalid(&path, "missing key 'version'"))?;
        let stage_text = meta.current_stage.unwrap_or_else(|| "None".into());
        let current_stage = Stage::from_file(&stage_text).ok_or_else(|| {
            StoreError::invalid(
                &path,
                format!("unknown current_stage {}", quote(&excerpt(&stage_text))),
            )
        })?;
        // MLflow matches alias files against the folder's suffix, as text.
        let aliases = self
            .aliases
            .iter()
            .filter(|(_, v)| Some(v.as_str()) == suffix)
            .map(|(a, _)| a.clone())
            .collect();
        Ok(ModelVersion {
            name: meta.name.unwrap_or_else(|| self.name.clone()),
            version,
            creation_timestamp: meta.creation_timestamp,
            last_updated_timestamp: meta.last_updated_timestamp,
            description: meta.description,
            user_id: meta.user_id,
            current_stage,
            source: meta.source,
            run_id: meta.run_id,
            run_link: meta.run_link,
            status: meta.status.unwrap_or_else(|| "READY".into()),
            status_message: meta.status_message,
            storage_location: meta.storage_location,
            model_id: meta.model_id,
            workspace: meta.workspace,
            tags: keyed::read_all(&dir.join("tags"))?,
            aliases,
            dir: dir.to_path_buf(),
        })
    }

    /// The versions MLflow shows: every version except soft-deleted ones.
    pub fn live_versions(&self) -> impl Iterator<Item = &ModelVersion> {
        self.versions.iter().filter(|v| !v.is_deleted())
    }

    /// A version that exists and is not deleted, with MLflow's message otherwise.
    /// The version a delete acts on: a live one, or one whose delete was cut short (marked
    /// deleted while an alias still points at it), so that running the delete again finishes it.
    pub fn deletable_version(&self, version: u64) -> Result<&ModelVersion> {
        self.version(version).or_else(|e| {
            let pointed = self.aliases.values().any(|v| *v == version.to_string());
            self.versions
                .iter()
                .find(|v| {
                    pointed && v.version == version && v.current_stage == Stage::DeletedInternal
                })
                .ok_or(e)
        })
    }

    pub fn version(&self, version: u64) -> Result<&ModelVersion> {
        self.live_versions()
            .find(|v| v.version == version)
            .ok_or_else(|| {
                StoreError::not_found(
                    Subject::entity("model version", &format!("{}/{version}", self.name)),
                    format!(
                        "Model Version (name={}, version={version}) not found",
                        self.name
                    ),
                )
            })
    }

    /// MLflow's `get_latest_versions`: for each stage asked for (all four when none), the
    /// highest version in that stage, in the order the stages are given.
    pub fn latest_versions(&self, stages: &[Stage]) -> Vec<&ModelVersion> {
        let wanted: &[Stage] = if stages.is_empty() {
            &Stage::PUBLIC
        } else {
            stages
        };
        let mut seen = BTreeSet::new();
        wanted
            .iter()
            .filter(|s| seen.insert(**s))
            .filter_map(|stage| {
                self.versions
                    .iter()
                    .filter(|v| v.current_stage == *stage)
                    .max_by_key(|v| v.version)
            })
            .collect()
    }

    /// The version an alias points at (`models:/name@alias`). `latest` is the highest live
    /// version, as in MLflow 3.x (2.22 refuses it).
    pub fn version_by_alias(&self, alias: &str) -> Result<&ModelVersion> {
        if alias.eq_ignore_ascii_case("latest") {
            return self.newest();
        }
        names::alias(alias)?;
        let text = self
            .aliases
            .get(alias)
            .ok_or_else(|| alias_not_found(alias))?;
        let version = text.trim().parse::<u64>().map_err(|_| {
            StoreError::invalid(
                &fs::key_path(&self.aliases_dir(), alias),
                format!(
                    "alias file holds {}, not a version number",
                    quote(&excerpt(text))
                ),
            )
        })?;
        self.version(version)
    }

    /// The highest version that is not deleted (`models:/name/latest`).
    pub fn newest(&self) -> Result<&ModelVersion> {
        self.live_versions()
            .max_by_key(|v| v.version)
            .ok_or_else(|| {
                StoreError::not_found(
                    Subject::model(&self.name),
                    format!("No versions of model with name '{}' found", self.name),
                )
            })
    }

    /// The number a new version gets: one more than every version folder there is, deleted
    /// (and unreadable) ones included, so a number is never reused.
    pub fn next_version(&self) -> Result<u64> {
        let highest_folder = version_dirs(&self.dir)?
            .iter()
            .filter_map(|d| folder_version(d)?.parse::<u64>().ok())
            .max();
        let highest_meta = self.versions.iter().map(|v| v.version).max();
        Ok(highest_folder.max(highest_meta).unwrap_or(0) + 1)
    }
}

/// MLflow's message for an alias that is not set.
fn alias_not_found(alias: &str) -> StoreError {
    StoreError::not_found(
        Subject::entity("alias", alias),
        format!("Registered model alias {alias} not found."),
    )
}

/// Which version a `models:/`-style reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionRef {
    Number(u64),
    Stage(Stage),
    Alias(String),
    Latest,
}

/// Parse `MODEL@ALIAS`, `MODEL/STAGE`, `MODEL/VERSION` or `MODEL/latest` (with or without a
/// `models:/` prefix) the way MLflow parses `models:/` URIs.
pub fn parse_model_ref(text: &str) -> Result<(String, VersionRef)> {
    let bad = || {
        StoreError::bad_input(
            Subject::input("model reference", text),
            format!("not a model reference: {}", quote(text)),
        )
        .with_hint(
            "use MODEL/VERSION, MODEL/STAGE, MODEL/latest or MODEL@ALIAS (a models:/ prefix is allowed)",
        )
    };
    let path = text
        .strip_prefix("models:/")
        .or_else(|| text.strip_prefix("models:"))
        .unwrap_or(text)
        .trim_start_matches('/');
    if let Some((name, suffix)) = path.split_once('/') {
        if name.trim().is_empty() || suffix.trim().is_empty() || suffix.contains('/') {
            return Err(bad());
        }
        let reference = if suffix.bytes().all(|b| b.is_ascii_digit()) {
            VersionRef::Number(suffix.parse().map_err(|_| bad())?)
        } else if suffix.eq_ignore_ascii_case("latest") {
            VersionRef::Latest
        } else {
            VersionRef::Stage(Stage::parse(suffix)?)
        };
        return Ok((name.to_owned(), reference));
    }
    match path.rsplit_once('@') {
        Some((name, alias)) if !name.trim().is_empty() && !alias.trim().is_empty() => {
            Ok((name.to_owned(), VersionRef::Alias(alias.to_owned())))
        }
        _ => Err(bad()),
    }
}

/// A version number as given on the command line (`3`, or `03` as MLflow 3.x accepts it).
pub fn parse_version(text: &str) -> Result<u64> {
    text.trim().parse::<u64>().map_err(|_| {
        StoreError::bad_input(
            Subject::input("version", text),
            format!("Parameter 'version' must be an integer, got '{text}'."),
        )
    })
}

/// The `N` of a `version-N` folder, as text.
fn folder_version(dir: &Path) -> Option<&str> {
    dir.file_name()?.to_str()?.strip_prefix(VERSION_PREFIX)
}

/// The `version-*` folders of a registered model (what MLflow lists as its versions).
fn version_dirs(model_dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(model_dir).map_err(|e| StoreError::io(model_dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(model_dir, e))?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir
            && entry
                .file_name()
                .to_string_lossy()
                .starts_with(VERSION_PREFIX)
        {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

impl Store {
    /// `<root>/models`, the registry MLflow's file registry uses by default.
    pub fn models_dir(&self) -> PathBuf {
        self.root().join(MODELS)
    }

    /// The folder a registered model lives in; the name is validated first, so it can never
    /// point outside `models/`.
    pub fn model_dir(&self, name: &str) -> Result<PathBuf> {
        names::model_name(name)?;
        Ok(self.models_dir().join(name))
    }

    /// Every registered model, by name (MLflow's default order). Models and versions that
    /// cannot be read are reported in `problems` and left out.
    pub fn registered_models(&self) -> Result<Listing<RegisteredModel>> {
        let base = self.models_dir();
        let mut listing = Listing {
            items: Vec::new(),
            problems: Vec::new(),
        };
        if !base.is_dir() {
            return Ok(listing);
        }
        let mut dirs = Vec::new();
        for entry in std::fs::read_dir(&base).map_err(|e| StoreError::io(&base, e))? {
            let entry = entry.map_err(|e| StoreError::io(&base, e))?;
            let hidden = entry
                .file_name()
                .to_string_lossy()
                .starts_with(keyed::TEMP_PREFIX);
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) && !hidden {
                dirs.push(entry.path());
            }
        }
        for dir in dirs {
            match RegisteredModel::load(&dir) {
                Ok(mut model) => {
                    listing.problems.append(&mut model.problems);
                    listing.items.push(model);
                }
                Err(err) => listing.problems.push(Problem::from_error(&dir, &err)),
            }
        }
        listing.items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(listing)
    }

    /// The names of the registered models, sorted, reading folder names only (for completion).
    pub fn registered_model_names(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.models_dir()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter(|e| e.path().join("meta.yaml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with(keyed::TEMP_PREFIX))
            .collect();
        names.sort();
        names
    }

    /// One registered model by exact name, with MLflow's message when there is none.
    pub fn registered_model(&self, name: &str) -> Result<RegisteredModel> {
        let dir = self.model_dir(name)?;
        if !dir.join("meta.yaml").is_file() {
            return Err(StoreError::not_found(
                Subject::model(name),
                format!("Registered Model with name={name} not found"),
            ));
        }
        RegisteredModel::load(&dir)
    }

    /// The run ids that model versions refer to, for `gc`: a run named here must not be
    /// purged, because a registered model (or a `runs:/` source) still points at its
    /// artifacts. Soft-deleted versions count too: their folders and sources still exist.
    /// Both the `run_id` key and the run id inside a `runs:/<id>/…` source are collected.
    /// Versions that cannot be read come back as `problems`; a careful caller refuses to purge
    /// anything when there are some, since their run ids are unknown.
    pub fn registered_run_ids(&self) -> Result<Listing<String>> {
        let models = self.registered_models()?;
        let mut ids = BTreeSet::new();
        for version in models.items.iter().flat_map(|m| &m.versions) {
            ids.extend(version.run_ids().into_iter().map(str::to_owned));
        }
        Ok(Listing {
            items: ids.into_iter().collect(),
            problems: models.problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_parse_any_case_and_refuse_others() {
        assert_eq!(Stage::parse("production").unwrap(), Stage::Production);
        assert_eq!(Stage::parse("NONE").unwrap(), Stage::None);
        let err = Stage::parse("prod").unwrap_err().to_string();
        assert_eq!(
            err,
            "Invalid Model Version stage: prod. Value must be one of None, Staging, Production, Archived."
        );
        assert!(Stage::parse("Deleted_Internal").is_err());
    }

    #[test]
    fn model_refs_follow_models_uris() {
        let p = |s: &str| parse_model_ref(s).unwrap();
        assert_eq!(p("m/3"), ("m".into(), VersionRef::Number(3)));
        assert_eq!(
            p("models:/m/Production"),
            ("m".into(), VersionRef::Stage(Stage::Production))
        );
        assert_eq!(p("m/LATEST"), ("m".into(), VersionRef::Latest));
        assert_eq!(
            p("a@b@champ"),
            ("a@b".into(), VersionRef::Alias("champ".into()))
        );
        assert_eq!(
            p("Taxi Fare (x) v2/1"),
            ("Taxi Fare (x) v2".into(), VersionRef::Number(1))
        );
        for bad in ["m", "m/", "/3", "m@", "m/1/2", "m/prod"] {
            assert!(parse_model_ref(bad).is_err(), "{bad}");
        }
    }
}
