//! What a filter or order-by names: `metrics.rmse`, `params.lr`, `tags.x`, an attribute such
//! as `start_time`, or a dataset key; resolved from the written identifier with MLflow's rules
//! (split at the first `.`, entity aliases, quotes and backticks stripped), and read from runs,
//! experiments, registered models and model versions.

use super::QueryError;
use super::lexer::Path;
use crate::store::DatasetInput;
use crate::store::registry::{ModelVersion, RegisteredModel};
use crate::store::{Experiment, Run};

/// What is searched: the grammar differs (docs/format/search.md: runs, experiments and the
/// registry each have their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Runs,
    Experiments,
    /// `search_registered_models`.
    Models,
    /// `search_model_versions`.
    ModelVersions,
}

impl Target {
    /// The registry hides prompts from searches that do not name the prompt marker.
    pub fn is_registry(self) -> bool {
        matches!(self, Target::Models | Target::ModelVersions)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Attr {
    RunId,
    RunName,
    Status,
    UserId,
    ArtifactUri,
    StartTime,
    EndTime,
    Name,
    ExperimentId,
    CreationTime,
    LastUpdateTime,
    CreationTimestamp,
    LastUpdatedTimestamp,
    SourcePath,
    VersionNumber,
}

impl Attr {
    pub fn is_numeric(self) -> bool {
        self.is_time() || self == Attr::VersionNumber
    }

    /// Times in ms since the epoch, which `now-2d` can be compared with.
    pub fn is_time(self) -> bool {
        matches!(
            self,
            Attr::StartTime
                | Attr::EndTime
                | Attr::CreationTime
                | Attr::LastUpdateTime
                | Attr::CreationTimestamp
                | Attr::LastUpdatedTimestamp
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Attr::RunId => "run_id",
            Attr::RunName => "run_name",
            Attr::Status => "status",
            Attr::UserId => "user_id",
            Attr::ArtifactUri => "artifact_uri",
            Attr::StartTime => "start_time",
            Attr::EndTime => "end_time",
            Attr::Name => "name",
            Attr::ExperimentId => "experiment_id",
            Attr::CreationTime => "creation_time",
            Attr::LastUpdateTime => "last_update_time",
            Attr::CreationTimestamp => "creation_timestamp",
            Attr::LastUpdatedTimestamp => "last_updated_timestamp",
            Attr::SourcePath => "source_path",
            Attr::VersionNumber => "version_number",
        }
    }

    /// MLflow's searchable keys and aliases; `run name` aliases are not orderable there, and
    /// the registry orders by times it cannot filter on.
    fn parse(target: Target, key: &str, ordering: bool) -> Option<Attr> {
        use Target::{ModelVersions, Models};
        Some(match (target, key) {
            (Target::Runs, "run_id") => Attr::RunId,
            (Target::Runs, "run_name") => Attr::RunName,
            (Target::Runs, "run name" | "Run name" | "Run Name") if !ordering => Attr::RunName,
            (Target::Runs, "status") => Attr::Status,
            (Target::Runs, "user_id") => Attr::UserId,
            (Target::Runs, "artifact_uri") => Attr::ArtifactUri,
            (Target::Runs, "start_time" | "created" | "Created") => Attr::StartTime,
            (Target::Runs, "end_time") => Attr::EndTime,
            (Target::Experiments, "name") => Attr::Name,
            (Target::Experiments, "experiment_id") => Attr::ExperimentId,
            (Target::Experiments, "creation_time") => Attr::CreationTime,
            (Target::Experiments, "last_update_time") => Attr::LastUpdateTime,
            (Models | ModelVersions, "name") => Attr::Name,
            (Models | ModelVersions, "creation_timestamp") if ordering => Attr::CreationTimestamp,
            (Models | ModelVersions, "last_updated_timestamp") if ordering => {
                Attr::LastUpdatedTimestamp
            }
            (ModelVersions, "version_number") => Attr::VersionNumber,
            (ModelVersions, "run_id") if !ordering => Attr::RunId,
            (ModelVersions, "source_path") if !ordering => Attr::SourcePath,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DatasetKey {
    Name,
    Digest,
    Context,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Metric(String),
    Param(String),
    Tag(String),
    Attr(Attr),
    Dataset(DatasetKey),
}

impl Field {
    /// The column name `mlflow.search_runs()` gives it (`metrics.rmse`, `start_time`).
    pub fn label(&self) -> String {
        match self {
            Field::Metric(k) => format!("metrics.{k}"),
            Field::Param(k) => format!("params.{k}"),
            Field::Tag(k) => format!("tags.{k}"),
            Field::Attr(a) => a.name().to_owned(),
            Field::Dataset(DatasetKey::Name) => "datasets.name".into(),
            Field::Dataset(DatasetKey::Digest) => "datasets.digest".into(),
            Field::Dataset(DatasetKey::Context) => "datasets.context".into(),
        }
    }

    pub fn is_numeric(&self) -> bool {
        match self {
            Field::Metric(_) => true,
            Field::Attr(a) => a.is_numeric(),
            _ => false,
        }
    }
}

fn is_quoted(text: &str, quote: char) -> bool {
    text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote)
}

/// MLflow's `_strip_quotes` then `_trim_backticks` on a key.
fn unquote_key(key: &str) -> &str {
    let key = if is_quoted(key, '\'') || is_quoted(key, '"') {
        &key[1..key.len() - 1]
    } else {
        key
    };
    if is_quoted(key, '`') {
        &key[1..key.len() - 1]
    } else {
        key
    }
}

const RUN_ATTRS: &str = "run_id, run_name, status, user_id, artifact_uri, start_time, end_time (aliases: created, `Run Name`)";
const EXPERIMENT_ATTRS: &str = "name, experiment_id, creation_time, last_update_time";
const REGISTRY_ENTITIES: &str = "('attribute', 'tag', 'tags')";

/// What is wrong with an attribute key, in mlrs's words for runs and experiments and in
/// MLflow's for the registry (whose keys are few).
fn attr_error(target: Target, key: &str, ordering: bool) -> String {
    let registry =
        |valid: &str| format!("Invalid attribute key '{key}' specified. Valid keys are: {valid}");
    match (target, ordering) {
        (Target::Runs, _) => {
            format!("'{key}' is not a run attribute; valid attributes: {RUN_ATTRS}")
        }
        (Target::Experiments, _) => {
            format!("'{key}' is not an experiment attribute; valid attributes: {EXPERIMENT_ATTRS}")
        }
        (Target::Models, false) => registry("name (and tags.<key>)"),
        (Target::Models, true) => registry("name, creation_timestamp, last_updated_timestamp"),
        (Target::ModelVersions, false) => {
            registry("name, run_id, source_path, version_number (and tags.<key>)")
        }
        (Target::ModelVersions, true) => {
            registry("name, version_number, creation_timestamp, last_updated_timestamp")
        }
    }
}

/// Resolve an identifier written at byte `offset` of `source`.
pub fn resolve(
    path: &Path,
    target: Target,
    ordering: bool,
    what: &'static str,
    source: &str,
    offset: usize,
) -> Result<Field, QueryError> {
    let err = |at: usize, message: String| QueryError::new(what, source, at, message);
    let (entity, written_key, key_offset) = match path.raw.split_once('.') {
        None => (None, path.raw.as_str(), offset),
        Some((e, k)) => (Some(e), k, offset + e.len() + 1),
    };
    let key = unquote_key(written_key);
    let attr = |entity_offset: usize| {
        // MLflow's registry checks a filter's attribute key before it unquotes it, so there
        // `name` in backticks or quotes is no key.
        let key = if target.is_registry() && !ordering {
            written_key
        } else {
            key
        };
        Attr::parse(target, key, ordering)
            .map(Field::Attr)
            .ok_or_else(|| {
                let mut e = err(entity_offset, attr_error(target, key, ordering));
                e.bare_key = (target == Target::Runs).then(|| key.to_owned());
                e
            })
    };
    let Some(entity) = entity else {
        return attr(key_offset);
    };
    match target {
        Target::Runs => {
            let trimmed = if is_quoted(entity, '`') {
                &entity[1..entity.len() - 1]
            } else {
                entity
            };
            match trimmed {
                "metric" | "metrics" => Ok(Field::Metric(key.to_owned())),
                "parameter" | "parameters" | "param" | "params" => Ok(Field::Param(key.to_owned())),
                "tag" | "tags" => Ok(Field::Tag(key.to_owned())),
                "attribute" | "attributes" | "attr" | "run" => attr(key_offset),
                "dataset" | "datasets" => match key {
                    "name" => Ok(Field::Dataset(DatasetKey::Name)),
                    "digest" => Ok(Field::Dataset(DatasetKey::Digest)),
                    "context" => Ok(Field::Dataset(DatasetKey::Context)),
                    _ => Err(err(
                        key_offset,
                        format!(
                            "'{key}' is not a dataset key; use datasets.name, datasets.digest or datasets.context"
                        ),
                    )),
                },
                _ => Err(err(
                    offset,
                    format!(
                        "'{trimmed}' is not an entity; use metrics., params., tags., attributes. or datasets. (a key with dots or other characters goes in backticks: params.`a-b`)"
                    ),
                )),
            }
        }
        Target::Experiments | Target::Models | Target::ModelVersions => match entity {
            "attribute" => attr(key_offset),
            "tag" | "tags" => Ok(Field::Tag(key.to_owned())),
            _ if target == Target::Experiments => Err(err(
                offset,
                format!(
                    "'{entity}' is not an experiment entity; use tags.<key>, or an attribute ({EXPERIMENT_ATTRS})"
                ),
            )),
            _ => Err(err(
                offset,
                format!(
                    "Invalid entity type '{entity}'. Valid entity types are {REGISTRY_ENTITIES}"
                ),
            )),
        },
    }
}

/// A field's value in one run or experiment.
pub enum Value<'a> {
    Missing,
    Float(f64),
    Int(i64),
    Text(&'a str),
}

impl Field {
    pub fn value<'a, R: Record>(&self, rec: &'a R) -> Value<'a> {
        let value = match self {
            Field::Metric(k) => rec.metric(k).map(Value::Float),
            Field::Param(k) => rec.param(k).map(Value::Text),
            Field::Tag(k) => rec.tag(k).map(Value::Text),
            Field::Attr(a) if a.is_numeric() => rec.number(*a).map(Value::Int),
            Field::Attr(a) => rec.text(*a).map(Value::Text),
            // Runs have several dataset inputs; filters look at each.
            Field::Dataset(_) => None,
        };
        value.unwrap_or(Value::Missing)
    }
}

/// What filters and orders read from a run or an experiment.
pub trait Record {
    fn metric(&self, _key: &str) -> Option<f64> {
        None
    }
    fn param(&self, _key: &str) -> Option<&str> {
        None
    }
    fn tag(&self, key: &str) -> Option<&str>;
    fn text(&self, attr: Attr) -> Option<&str>;
    fn number(&self, attr: Attr) -> Option<i64>;
    fn datasets(&self) -> &[DatasetInput] {
        &[]
    }
}

impl Record for Run {
    fn metric(&self, key: &str) -> Option<f64> {
        self.data.metrics.get(key).copied()
    }
    fn param(&self, key: &str) -> Option<&str> {
        self.data.params.get(key).map(String::as_str)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.data.tags.get(key).map(String::as_str)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        let i = &self.info;
        Some(match attr {
            Attr::RunId => &i.run_id,
            Attr::RunName => &i.run_name,
            Attr::Status => i.status.as_str(),
            Attr::UserId => &i.user_id,
            Attr::ArtifactUri => &i.artifact_uri,
            _ => return None,
        })
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        match attr {
            Attr::StartTime => self.info.start_time,
            Attr::EndTime => self.info.end_time,
            _ => None,
        }
    }
    fn datasets(&self) -> &[DatasetInput] {
        &self.data.dataset_inputs
    }
}

/// Filters take references as they take values (`models versions` sorts borrowed versions).
impl<R: Record> Record for &R {
    fn metric(&self, key: &str) -> Option<f64> {
        (*self).metric(key)
    }
    fn param(&self, key: &str) -> Option<&str> {
        (*self).param(key)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        (*self).tag(key)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        (*self).text(attr)
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        (*self).number(attr)
    }
    fn datasets(&self) -> &[DatasetInput] {
        (*self).datasets()
    }
}

impl Record for Experiment {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        match attr {
            Attr::Name => Some(&self.name),
            Attr::ExperimentId => Some(&self.id),
            _ => None,
        }
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        match attr {
            Attr::CreationTime => self.creation_time,
            Attr::LastUpdateTime => self.last_update_time,
            _ => None,
        }
    }
}

/// Every tag, the prompt marker included: MLflow filters on `_tags`, not on the `tags` it shows.
impl Record for RegisteredModel {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        (attr == Attr::Name).then_some(self.name.as_str())
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        match attr {
            Attr::CreationTimestamp => self.creation_timestamp,
            Attr::LastUpdatedTimestamp => self.last_updated_timestamp,
            _ => None,
        }
    }
}

impl Record for ModelVersion {
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        match attr {
            Attr::Name => Some(&self.name),
            Attr::RunId => self.run_id.as_deref(),
            // MLflow's `source_path` key compares the version's `source`.
            Attr::SourcePath => self.source.as_deref(),
            _ => None,
        }
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        match attr {
            Attr::VersionNumber => i64::try_from(self.version).ok(),
            Attr::CreationTimestamp => self.creation_timestamp,
            Attr::LastUpdatedTimestamp => self.last_updated_timestamp,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(raw: &str, target: Target) -> Result<Field, QueryError> {
        let path = Path {
            raw: raw.into(),
            bare_word: false,
        };
        resolve(&path, target, false, "filter", raw, 0)
    }

    #[test]
    fn entities_aliases_and_quoting() {
        use Target::*;
        assert_eq!(field("metric.a", Runs), Ok(Field::Metric("a".into())));
        assert_eq!(field("`params`.a", Runs), Ok(Field::Param("a".into())));
        assert_eq!(
            field("tags.mlflow.source.git.commit", Runs),
            Ok(Field::Tag("mlflow.source.git.commit".into()))
        );
        assert_eq!(
            field("metrics.`val/rmse`", Runs),
            Ok(Field::Metric("val/rmse".into()))
        );
        assert_eq!(field("tags.'a b'", Runs), Ok(Field::Tag("a b".into())));
        assert_eq!(field("created", Runs), Ok(Field::Attr(Attr::StartTime)));
        assert_eq!(
            field("attributes.`Run Name`", Runs),
            Ok(Field::Attr(Attr::RunName))
        );
        assert_eq!(field("\"run_name\"", Runs), Ok(Field::Attr(Attr::RunName)));
        assert!(field("\"metrics\".a", Runs).is_err());
        assert!(field("lifecycle_stage", Runs).is_err());
        assert!(field("experiment_id", Runs).is_err());
        assert_eq!(
            field("experiment_id", Experiments),
            Ok(Field::Attr(Attr::ExperimentId))
        );
        assert!(field("attributes.name", Experiments).is_err());
        assert!(field("params.x", Experiments).is_err());
        let e = field("datasets.foo", Runs).unwrap_err();
        assert_eq!(e.column(), 10);
    }

    #[test]
    fn registry_keys_follow_mlflow() {
        use Target::*;
        assert_eq!(field("name", Models), Ok(Field::Attr(Attr::Name)));
        assert_eq!(field("attribute.name", Models), Ok(Field::Attr(Attr::Name)));
        assert_eq!(field("tag.team", Models), Ok(Field::Tag("team".into())));
        assert_eq!(
            field("tags.`data/source`", Models),
            Ok(Field::Tag("data/source".into()))
        );
        assert_eq!(
            field("tags.mlflow.prompt.is_prompt", Models),
            Ok(Field::Tag("mlflow.prompt.is_prompt".into()))
        );
        assert_eq!(
            field("version_number", ModelVersions),
            Ok(Field::Attr(Attr::VersionNumber))
        );
        assert_eq!(
            field("source_path", ModelVersions),
            Ok(Field::Attr(Attr::SourcePath))
        );
        assert_eq!(field("run_id", ModelVersions), Ok(Field::Attr(Attr::RunId)));
        let message = |raw: &str, target| field(raw, target).unwrap_err().message;
        // MLflow checks the key before it strips quotes, and knows no entity aliases.
        assert!(message("`name`", Models).contains("Invalid attribute key '`name`'"));
        assert!(message("attributes.name", Models).contains("Invalid entity type 'attributes'"));
        assert!(message("`tags`.x", Models).contains("Invalid entity type '`tags`'"));
        assert!(message("params.x", ModelVersions).contains("Invalid entity type 'params'"));
        assert!(message("version", Models).contains("Invalid attribute key 'version'"));
        // Times order the registry but do not filter it.
        assert!(message("creation_timestamp", Models).contains("Invalid attribute key"));
        assert!(message("version_number", Models).contains("Invalid attribute key"));
        let path = Path {
            raw: "`last_updated_timestamp`".into(),
            bare_word: false,
        };
        assert_eq!(
            resolve(&path, Models, true, "order-by", &path.raw, 0),
            Ok(Field::Attr(Attr::LastUpdatedTimestamp))
        );
    }
}
