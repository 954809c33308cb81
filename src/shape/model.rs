//! The registry in the shapes scripts know: `dict(RegisteredModel)` and `dict(ModelVersion)` as
//! the MLflow generation that wrote the store returns them (3.x adds `workspace`, `model_id`,
//! `metrics`, `params`, `deployment_job_*`), and the tables and records people and
//! spreadsheets read.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{key_value_table, prefixed};
use crate::ops::models::{
    Extras, LoggedData, ModelDescribed, ModelList, SourceRun, VersionList, VersionShown,
};
use crate::render::{Block, Cell, Style, Table, View, json_float, short_id};
use crate::store::Flavor;
use crate::store::registry::{ModelVersion, RegisteredModel};

/// Metric columns `models describe` shows in its table (JSON has them all).
const DESCRIBE_METRICS: usize = 8;

/// `dict(ModelVersion)`; 3.x adds the LoggedModel's metrics and params (null when it is
/// deleted, missing or was not loaded).
pub fn version_json(v: &ModelVersion, extras: &Extras) -> Value {
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
    if extras.flavor == Flavor::V3 {
        let logged = v.model_id.as_ref().and_then(|id| extras.logged.get(id));
        let (metrics, params) = match (logged, &v.model_id) {
            (Some(data), Some(id)) => (logged_metrics_json(id, data), json!(data.params)),
            _ => (Value::Null, Value::Null),
        };
        let obj = out.as_object_mut().expect("object");
        obj.insert("deployment_job_state".into(), Value::Null);
        obj.insert("metrics".into(), metrics);
        obj.insert("model_id".into(), json!(v.model_id));
        obj.insert("params".into(), params);
        obj.insert("workspace".into(), json!(workspace(&v.workspace)));
    }
    out
}

fn logged_metrics_json(id: &str, data: &LoggedData) -> Value {
    let metrics = data.metrics.iter().map(|m| {
        let (name, digest) = m.dataset.clone().unzip();
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
    });
    Value::Array(metrics.collect())
}

/// `dict(RegisteredModel)` with its `latest_versions` (one per stage, MLflow's stage order).
pub fn model_json(m: &RegisteredModel, extras: &Extras) -> Value {
    let latest: Vec<Value> = m
        .latest_versions(&[])
        .into_iter()
        .map(|v| version_json(v, extras))
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
    if extras.flavor == Flavor::V3 {
        let obj = out.as_object_mut().expect("object");
        obj.insert("deployment_job_id".into(), Value::Null);
        obj.insert("deployment_job_state".into(), Value::Null);
        obj.insert("workspace".into(), json!(workspace(&m.workspace)));
    }
    out
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

/// `models list`: a table for people, records (tags as `tags.<k>` columns) for CSV/TSV.
impl View for ModelList {
    fn human(&self, _: &Style) -> Vec<Block> {
        let mut table = Table::new(["Name", "Versions", "Latest per stage", "Aliases", "Updated"]);
        for m in &self.models {
            table.push(vec![
                Cell::text(&m.name),
                Cell::Int(m.live_versions().count() as i64),
                Cell::Text(stages_text(m)),
                Cell::Text(aliases_text(&m.aliases)),
                Cell::opt_time(m.last_updated_timestamp),
            ]);
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        let models = self.models.iter().map(|m| model_json(m, &self.extras));
        Some(Value::Array(models.collect()))
    }

    fn records(&self) -> Option<Table> {
        let tag_keys: BTreeSet<String> = self
            .models
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
        for m in &self.models {
            let tags = m.visible_tags();
            let mut row = vec![
                Cell::text(&m.name),
                Cell::opt_text(m.description.as_ref()),
                Cell::opt_time(m.creation_timestamp),
                Cell::opt_time(m.last_updated_timestamp),
                Cell::Int(m.live_versions().count() as i64),
                Cell::Text(aliases_text(&m.aliases)),
            ];
            row.extend(tag_keys.iter().map(|k| Cell::opt_text(tags.get(k))));
            records.push(row);
        }
        Some(records)
    }

    fn empty(&self) -> Option<&'static str> {
        self.models.is_empty().then_some("no registered models")
    }
}

/// Versions for people (a table) and for scripts (records with every field, version tags as
/// `tags.<k>` columns).
impl View for VersionList {
    fn human(&self, _: &Style) -> Vec<Block> {
        let mut table = Table::new([
            "Version",
            "Stage",
            "Aliases",
            "Run ID",
            "Created",
            "Description",
            "Tags",
        ]);
        let mut versions: Vec<&ModelVersion> = self.versions.iter().collect();
        if self.by_number {
            versions.sort_by(|a, b| (&a.name, a.version).cmp(&(&b.name, b.version)));
        }
        for v in versions {
            let tags = v.tags.iter().map(|(k, val)| format!("{k}={val}"));
            table.push(vec![
                Cell::Int(v.version as i64),
                Cell::Status(v.current_stage.as_str().into()),
                Cell::Text(v.aliases.join(", ")),
                v.run_id.clone().map_or(Cell::Empty, Cell::Id),
                Cell::opt_time(v.creation_timestamp),
                Cell::opt_text(v.description.as_ref()),
                Cell::Text(tags.collect::<Vec<_>>().join(", ")),
            ]);
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        let versions = self.versions.iter().map(|v| version_json(v, &self.extras));
        Some(Value::Array(versions.collect()))
    }

    fn records(&self) -> Option<Table> {
        Some(version_records(&self.versions))
    }

    fn empty(&self) -> Option<&'static str> {
        self.versions.is_empty().then_some("no model versions")
    }
}

fn version_records<'a>(versions: impl IntoIterator<Item = &'a ModelVersion>) -> Table {
    let versions: Vec<&ModelVersion> = versions.into_iter().collect();
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
    records
}

/// One version after a command: a line for people and scripts capturing it, its dictionary in
/// JSON.
impl View for VersionShown {
    fn human(&self, _: &Style) -> Vec<Block> {
        self.line.iter().cloned().map(Block::Text).collect()
    }

    fn json(&self) -> Option<Value> {
        let mut json = version_json(&self.version, &self.extras);
        if self.storage_location {
            json["storage_location"] = json!(self.version.storage_location);
        }
        Some(json)
    }
}

/// `models describe`: the model as key/value rows, then its live versions newest first with
/// their source runs' first metrics; JSON is `dict(RegisteredModel)` plus, under `versions`,
/// every live version with its source run's name and latest metrics.
impl View for ModelDescribed {
    fn human(&self, _: &Style) -> Vec<Block> {
        let m = &self.model;
        let mut rows = vec![
            ("name".to_string(), Cell::text(&m.name)),
            ("description".into(), Cell::opt_text(m.description.as_ref())),
            (
                "creation_timestamp".into(),
                Cell::opt_time(m.creation_timestamp),
            ),
            (
                "last_updated_timestamp".into(),
                Cell::opt_time(m.last_updated_timestamp),
            ),
            ("aliases".into(), Cell::Text(aliases_text(&m.aliases))),
        ];
        rows.extend(prefixed("tags", &m.visible_tags(), |v| Cell::text(v)));
        let deleted: Vec<String> = m
            .versions
            .iter()
            .filter(|v| v.is_deleted())
            .map(|v| v.version.to_string())
            .collect();
        if !deleted.is_empty() {
            rows.push(("deleted_versions".into(), Cell::Text(deleted.join(", "))));
        }

        let live: Vec<&ModelVersion> = m.live_versions().collect();
        let metric_keys: Vec<String> = live
            .iter()
            .filter_map(|v| self.runs.get(v.run_id.as_ref()?))
            .flat_map(|r| r.metrics.keys().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let shown = &metric_keys[..metric_keys.len().min(DESCRIBE_METRICS)];
        let mut headers: Vec<String> = ["Version", "Stage", "Aliases", "Run", "Created"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        headers.extend(shown.iter().cloned());
        let mut versions = Table::new(headers);
        for v in live.iter().rev() {
            let run = v.run_id.as_ref().and_then(|id| self.runs.get(id));
            let run_cell = match (run, &v.run_id) {
                (Some(SourceRun { name, .. }), Some(id)) => {
                    Cell::Text(format!("{name} ({})", short_id(id)))
                }
                (None, Some(id)) => Cell::Id(id.clone()),
                _ => Cell::Empty,
            };
            let mut row = vec![
                Cell::Int(v.version as i64),
                Cell::Status(v.current_stage.as_str().into()),
                Cell::Text(v.aliases.join(", ")),
                run_cell,
                Cell::opt_time(v.creation_timestamp),
            ];
            row.extend(
                shown
                    .iter()
                    .map(|k| Cell::opt_float(run.and_then(|r| r.metrics.get(k).copied()))),
            );
            versions.push(row);
        }

        let mut blocks = vec![Block::Table(key_value_table(rows)), Block::Table(versions)];
        if metric_keys.len() > shown.len() {
            blocks.push(Block::Note(format!(
                "{} more metrics are not shown; --format json has them all",
                metric_keys.len() - shown.len()
            )));
        }
        blocks
    }

    fn json(&self) -> Option<Value> {
        let mut out = model_json(&self.model, &self.extras);
        let versions: Vec<Value> = self
            .model
            .live_versions()
            .map(|v| {
                let mut j = version_json(v, &self.extras);
                if let Some(run) = v.run_id.as_ref().and_then(|id| self.runs.get(id)) {
                    let metrics: Map<String, Value> = run
                        .metrics
                        .iter()
                        .map(|(k, x)| (k.clone(), json_float(*x)))
                        .collect();
                    j["run"] =
                        json!({"run_id": v.run_id, "run_name": run.name, "metrics": metrics});
                }
                j
            })
            .collect();
        out["versions"] = Value::Array(versions);
        Some(out)
    }

    fn records(&self) -> Option<Table> {
        Some(version_records(self.model.live_versions()))
    }
}
