//! How each use case's result presents itself ([`crate::render::View`]): tables for people,
//! the shapes scripts already know — MLflow's `Run.to_dictionary()`, `dict(Experiment)`, the
//! registry's dictionaries for JSON, `mlflow.search_runs()` column names for CSV/TSV. Results
//! arrive fully loaded: nothing here reads the disk, prints or knows about clap.

mod artifacts;
pub mod compare;
mod experiments;
pub mod gc;
mod history;
pub mod merge;
pub mod model;
pub mod plot;
mod runs;
pub mod sync;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::render::{Cell, Table, json_float};
use crate::store::{Experiment, Run, RunInfo};

pub fn experiment_json(e: &Experiment) -> Value {
    json!({
        "artifact_location": e.artifact_location,
        "creation_time": e.creation_time,
        "experiment_id": e.id,
        "last_update_time": e.last_update_time,
        "lifecycle_stage": e.lifecycle_stage.as_str(),
        "name": e.name,
        "tags": e.tags,
    })
}

/// `dict(RunInfo)` with status as its name. `run_uuid` (MLflow 2.x) is kept for old scripts.
pub fn run_info_json(r: &RunInfo) -> Value {
    json!({
        "artifact_uri": r.artifact_uri,
        "end_time": r.end_time,
        "experiment_id": r.experiment_id,
        "lifecycle_stage": r.lifecycle_stage.as_str(),
        "run_id": r.run_id,
        "run_name": r.run_name,
        "run_uuid": r.run_id,
        "start_time": r.start_time,
        "status": r.status.as_str(),
        "user_id": r.user_id,
    })
}

/// `Run.to_dictionary()`.
pub fn run_json(run: &Run) -> Value {
    let metrics: Map<String, Value> = run
        .data
        .metrics
        .iter()
        .map(|(k, v)| (k.clone(), json_float(*v)))
        .collect();
    let inputs: Vec<Value> = run
        .data
        .dataset_inputs
        .iter()
        .map(|i| {
            json!({
                "dataset": {
                    "digest": i.dataset.digest,
                    "name": i.dataset.name,
                    "profile": i.dataset.profile,
                    "schema": i.dataset.schema,
                    "source": i.dataset.source,
                    "source_type": i.dataset.source_type,
                },
                "tags": i.tags,
            })
        })
        .collect();
    json!({
        "info": run_info_json(&run.info),
        "data": {"metrics": metrics, "params": run.data.params, "tags": run.data.tags},
        "inputs": {"dataset_inputs": inputs},
    })
}

/// The info columns of `mlflow.search_runs()`, then mlrs's extras.
const INFO_COLUMNS: [&str; 9] = [
    "run_id",
    "experiment_id",
    "status",
    "artifact_uri",
    "start_time",
    "end_time",
    "run_name",
    "user_id",
    "lifecycle_stage",
];

fn info_cells(r: &RunInfo) -> Vec<Cell> {
    vec![
        Cell::text(&r.run_id),
        Cell::text(&r.experiment_id),
        Cell::Status(r.status.as_str().into()),
        Cell::text(&r.artifact_uri),
        Cell::opt_time(r.start_time),
        Cell::opt_time(r.end_time),
        Cell::text(&r.run_name),
        Cell::text(&r.user_id),
        Cell::text(r.lifecycle_stage.as_str()),
    ]
}

/// Run info only, one record per run (what `runs list` reads).
pub fn run_info_records(runs: &[RunInfo]) -> Table {
    let mut t = Table::new(INFO_COLUMNS);
    for r in runs {
        t.push(info_cells(r));
    }
    t
}

/// Runs as `search_runs()` records: info columns, then `metrics.*`, `params.*`, `tags.*`
/// (each sorted by key) over the union of keys present in `runs`.
pub fn run_records(runs: &[Run]) -> Table {
    let keys = |f: &dyn Fn(&Run) -> Vec<String>| -> Vec<String> {
        runs.iter()
            .flat_map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let metric_keys = keys(&|r| r.data.metrics.keys().cloned().collect());
    let param_keys = keys(&|r| r.data.params.keys().cloned().collect());
    let tag_keys = keys(&|r| r.data.tags.keys().cloned().collect());
    let mut headers: Vec<String> = INFO_COLUMNS.iter().map(|s| s.to_string()).collect();
    headers.extend(metric_keys.iter().map(|k| format!("metrics.{k}")));
    headers.extend(param_keys.iter().map(|k| format!("params.{k}")));
    headers.extend(tag_keys.iter().map(|k| format!("tags.{k}")));
    let mut t = Table::new(headers);
    for run in runs {
        let mut row = info_cells(&run.info);
        row.extend(
            metric_keys
                .iter()
                .map(|k| Cell::opt_float(run.data.metrics.get(k).copied())),
        );
        row.extend(
            param_keys
                .iter()
                .map(|k| Cell::opt_text(run.data.params.get(k))),
        );
        row.extend(
            tag_keys
                .iter()
                .map(|k| Cell::opt_text(run.data.tags.get(k))),
        );
        t.push(row);
    }
    t
}

/// A two-column key/value view.
pub fn key_value_table(rows: Vec<(String, Cell)>) -> Table {
    let mut t = Table::new(["Key", "Value"]);
    for (k, v) in rows {
        t.push(vec![Cell::Text(k), v]);
    }
    t
}

/// `prefix.key` rows of a map.
pub fn prefixed<V>(
    prefix: &str,
    map: &BTreeMap<String, V>,
    cell: impl Fn(&V) -> Cell,
) -> Vec<(String, Cell)> {
    map.iter()
        .map(|(k, v)| (format!("{prefix}.{k}"), cell(v)))
        .collect()
}
