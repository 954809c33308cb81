//! The registry in the shapes scripts know: `dict(RegisteredModel)` and `dict(ModelVersion)` as
//! the MLflow generation that wrote the store returns them (3.x adds `workspace`, `model_id`,
//! `metrics`, `params`, `deployment_job_*`), and the tables and records people and
//! spreadsheets read.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::render::{Cell, Table, json_float};
use crate::store::registry::{ModelVersion, RegisteredModel};
use crate::store::{Flavor, Problem, Store};

/// Builds JSON for one store; 3.x versions registered from a LoggedModel carry its metrics
/// and params, which are read on demand (problems are kept for the caller to report).
pub struct Shapes<'a> {
    store: &'a Store,
    flavor: Flavor,
    problems: RefCell<Vec<Problem>>,
}

impl<'a> Shapes<'a> {
    pub fn new(store: &'a Store) -> Shapes<'a> {
        Shapes {
            store,
            flavor: store.flavor(),
            problems: RefCell::new(Vec::new()),
        }
    }

    /// Problems met while reading LoggedModels, for `Ctx::report`.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems.into_inner()
    }

    /// `dict(ModelVersion)`.
    pub fn version(&self, v: &ModelVersion) -> Value {
        let mut out = json!({
            "aliases": v.aliases,
            "creation_timestamp": v.creation_timestamp,
            "current_stage": v.current_stage.as_str(),
            "description": v.description,
            "last_updated_timestamp": v.last_updated_timestamp,
            "name": v.name,
            "run_id": v.run_id,
            "run_link": v.run_link,
            "source": v.source,
            "status": v.status,
            "status_message": v.status_message,
            "tags": v.tags,
            "user_id": v.user_id,
            "version": v.version,
        });
        if self.flavor == Flavor::V3 {
            let (metrics, params) = self.logged_model_data(v);
            let obj = out.as_object_mut().expect("object");
            obj.insert("deployment_job_state".into(), Value::Null);
            obj.insert("metrics".into(), metrics);
            obj.insert("model_id".into(), json!(v.model_id));
            obj.insert("params".into(), params);
            obj.insert("workspace".into(), json!(workspace(&v.workspace)));
        }
        out
    }

    /// 3.x fills `metrics` and `params` from the version's LoggedModel (when it exists and is
    /// not deleted); otherwise both are null.
    fn logged_model_data(&self, v: &ModelVersion) -> (Value, Value) {
        let Some(id) = &v.model_id else {
            return (Value::Null, Value::Null);
        };
        let read = || -> crate::store::Result<Option<(Value, Value)>> {
            let Some(model) = self.store.logged_model(id)?.filter(|m| !m.deleted) else {
                return Ok(None);
            };
            let metrics: Vec<Value> = model
                .metrics()?
                .into_iter()
                .map(|m| {
                    let (name, digest) = m.dataset.unzip();
                    json!({
                        "dataset_digest": digest,
                        "dataset_name": name,
                        "key": m.key,
                        "model_id": id,
                        "run_id": m.run_id,
                        "step": m.step,
                        "timestamp": m.timestamp,
                        "value": json_float(m.value),
                    })
                })
                .collect();
            Ok(Some((Value::Array(metrics), json!(model.params()?))))
        };
        match read() {
            Ok(Some(data)) => data,
            Ok(None) => (Value::Null, Value::Null),
            Err(err) => {
                self.problems
                    .borrow_mut()
                    .push(Problem::from_error(&v.dir, &err));
                (Value::Null, Value::Null)
            }
        }
    }

    /// `dict(RegisteredModel)` with its `latest_versions` (one per stage, MLflow's stage order).
    pub fn model(&self, m: &RegisteredModel) -> Value {
        let latest: Vec<Value> = m
            .latest_versions(&[])
            .into_iter()
            .map(|v| self.version(v))
            .collect();
        let mut out = json!({
            "aliases": m.aliases,
            "creation_timestamp": m.creation_timestamp,
            "description": m.description,
            "last_updated_timestamp": m.last_updated_timestamp,
            "latest_versions": latest,
            "name": m.name,
            "tags": m.visible_tags(),
        });
        if self.flavor == Flavor::V3 {
            let obj = out.as_object_mut().expect("object");
            obj.insert("deployment_job_id".into(), Value::Null);
            obj.insert("deployment_job_state".into(), Value::Null);
            obj.insert("workspace".into(), json!(workspace(&m.workspace)));
        }
        out
    }
}

/// The workspace 3.x reports when a file has none.
fn workspace(w: &Option<String>) -> &str {
    w.as_deref().unwrap_or("default")
}

fn joined(items: impl IntoIterator<Item = String>, sep: &str) -> String {
    items.into_iter().collect::<Vec<_>>().join(sep)
}

/// `champion=2, challenger=3`.
pub fn aliases_text(aliases: &BTreeMap<String, String>) -> String {
    joined(aliases.iter().map(|(a, v)| format!("{a}={v}")), ", ")
}

/// `Production v2, Staging v3, …` for the latest version in each stage.
fn stages_text(m: &RegisteredModel) -> String {
    joined(
        m.latest_versions(&[])
            .into_iter()
            .map(|v| format!("{} v{}", v.current_stage.as_str(), v.version)),
        ", ",
    )
}

/// A records table: the fixed columns, then one `tags.<key>` column per tag key.
fn records_table<K: std::fmt::Display>(fixed: &[&str], tag_keys: &BTreeSet<K>) -> Table {
    let mut headers: Vec<String> = fixed.iter().map(|s| s.to_string()).collect();
    headers.extend(tag_keys.iter().map(|k| format!("tags.{k}")));
    Table::new(headers)
}

/// The `models list` views: a table for people, records (tags as `tags.<k>` columns) for
/// CSV/TSV.
pub fn models_tables(models: &[RegisteredModel]) -> (Table, Table) {
    let mut table = Table::new(["Name", "Versions", "Latest per stage", "Aliases", "Updated"]);
    let tag_keys: BTreeSet<String> = models
        .iter()
        .flat_map(|m| m.visible_tags().into_keys())
        .collect();
    let mut records = records_table(
        &[
            "name",
            "description",
            "creation_timestamp",
            "last_updated_timestamp",
            "versions",
            "aliases",
        ],
        &tag_keys,
    );
    for m in models {
        let count = m.live_versions().count() as i64;
        table.push(vec![
            Cell::text(&m.name),
            Cell::Int(count),
            Cell::Text(stages_text(m)),
            Cell::Text(aliases_text(&m.aliases)),
            Cell::opt_time(m.last_updated_timestamp),
        ]);
        let tags = m.visible_tags();
        let mut row = vec![
            Cell::text(&m.name),
            Cell::opt_text(m.description.as_ref()),
            Cell::opt_time(m.creation_timestamp),
            Cell::opt_time(m.last_updated_timestamp),
            Cell::Int(count),
            Cell::Text(aliases_text(&m.aliases)),
        ];
        row.extend(tag_keys.iter().map(|k| Cell::opt_text(tags.get(k))));
        records.push(row);
    }
    (table, records)
}

/// Versions for people (a table) and for scripts (records with every field, version tags as
/// `tags.<k>` columns).
pub fn versions_tables(versions: &[&ModelVersion]) -> (Table, Table) {
    let mut table = Table::new([
        "Version",
        "Stage",
        "Aliases",
        "Run ID",
        "Created",
        "Description",
    ]);
    let tag_keys: BTreeSet<&String> = versions.iter().flat_map(|v| v.tags.keys()).collect();
    let mut records = records_table(
        &[
            "name",
            "version",
            "current_stage",
            "aliases",
            "run_id",
            "source",
            "storage_location",
            "status",
            "creation_timestamp",
            "last_updated_timestamp",
            "description",
        ],
        &tag_keys,
    );
    for v in versions {
        table.push(vec![
            Cell::Int(v.version as i64),
            Cell::Status(v.current_stage.as_str().into()),
            Cell::Text(v.aliases.join(", ")),
            Cell::opt_text(v.run_id.as_ref()),
            Cell::opt_time(v.creation_timestamp),
            Cell::opt_text(v.description.as_ref()),
        ]);
        let mut row = vec![
            Cell::text(&v.name),
            Cell::Int(v.version as i64),
            Cell::text(v.current_stage.as_str()),
            Cell::Text(v.aliases.join(",")),
            Cell::opt_text(v.run_id.as_ref()),
            Cell::opt_text(v.source.as_ref()),
            Cell::opt_text(v.storage_location.as_ref()),
            Cell::text(&v.status),
            Cell::opt_time(v.creation_timestamp),
            Cell::opt_time(v.last_updated_timestamp),
            Cell::opt_text(v.description.as_ref()),
        ];
        row.extend(tag_keys.iter().map(|k| Cell::opt_text(v.tags.get(*k))));
        records.push(row);
    }
    (table, records)
}

/// JSON for a list of versions.
pub fn versions_json(shapes: &Shapes, versions: &[&ModelVersion]) -> Value {
    Value::Array(versions.iter().map(|v| shapes.version(v)).collect())
}

/// `dict(RegisteredModel)` plus, under `versions`, every live version with its source run's
/// name and latest metrics (what `models describe` adds for people comparing versions).
pub fn describe_json(
    shapes: &Shapes,
    m: &RegisteredModel,
    runs: &BTreeMap<String, (String, BTreeMap<String, f64>)>,
) -> Value {
    let mut out = shapes.model(m);
    let versions: Vec<Value> = m
        .live_versions()
        .map(|v| {
            let mut j = shapes.version(v);
            if let Some((name, metrics)) = v.run_id.as_ref().and_then(|id| runs.get(id)) {
                let metrics: Map<String, Value> = metrics
                    .iter()
                    .map(|(k, x)| (k.clone(), json_float(*x)))
                    .collect();
                j["run"] = json!({"run_id": v.run_id, "run_name": name, "metrics": metrics});
            }
            j
        })
        .collect();
    out["versions"] = Value::Array(versions);
    out
}
