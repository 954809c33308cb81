//! Runs as people and scripts see them: the `runs list` table, one run's key/value view, the
//! `search` table (the keys a query mentions), MLflow's `Run.to_dictionary()`, `search_runs()`
//! records. Must not read the disk.

use std::collections::HashMap;

use serde_json::Value;

use super::{key_value_table, prefixed, run_info_json, run_info_records, run_json, run_records};
use crate::ops::runs::{Described, RunList};
use crate::ops::search::Searched;
use crate::ops::start::Started;
use crate::query::{Attr, Field};
use crate::render::{Block, Cell, Style, Table, View};
use crate::store::{Experiment, Run, RunInfo, RunStatus};

impl View for RunList {
    fn human(&self, _: &Style) -> Vec<Block> {
        vec![Block::Table(runs_table(
            &self.runs,
            &self.experiments,
            self.now_ms,
        ))]
    }

    fn json(&self) -> Option<Value> {
        let runs = self.runs.iter();
        Some(Value::Array(
            runs.map(|r| serde_json::json!({ "info": run_info_json(r) }))
                .collect(),
        ))
    }

    fn records(&self) -> Option<Table> {
        Some(run_info_records(&self.runs))
    }

    fn empty(&self) -> Option<&'static str> {
        self.runs.is_empty().then_some("no runs matched")
    }
}

impl View for Described {
    fn human(&self, _: &Style) -> Vec<Block> {
        let (run, experiment) = (&self.run, &self.experiment);
        let info = &run.info;
        let mut rows = vec![
            ("run_id".to_string(), Cell::text(&info.run_id)),
            ("run_name".into(), Cell::text(&info.run_name)),
            (
                "experiment".into(),
                Cell::Text(format!("{} ({})", experiment.name, experiment.id)),
            ),
            ("status".into(), Cell::Status(info.status.as_str().into())),
            (
                "lifecycle_stage".into(),
                Cell::text(info.lifecycle_stage.as_str()),
            ),
            ("user_id".into(), Cell::text(&info.user_id)),
            ("start_time".into(), Cell::opt_time(info.start_time)),
            ("end_time".into(), Cell::opt_time(info.end_time)),
            ("artifact_uri".into(), Cell::text(&info.artifact_uri)),
        ];
        if let Some(t) = info.deleted_time {
            rows.push(("deleted_time".into(), Cell::Time(t)));
        }
        rows.extend(prefixed("params", &run.data.params, |v| Cell::text(v)));
        rows.extend(prefixed("metrics", &run.data.metrics, |v| Cell::Float(*v)));
        rows.extend(prefixed("tags", &run.data.tags, |v| Cell::text(v)));
        for input in &run.data.dataset_inputs {
            let context = input
                .tags
                .get("mlflow.data.context")
                .map(String::as_str)
                .unwrap_or("-");
            rows.push((
                format!("datasets.{context}"),
                Cell::Text(format!("{} ({})", input.dataset.name, input.dataset.digest)),
            ));
        }
        vec![Block::Table(key_value_table(rows))]
    }

    fn json(&self) -> Option<Value> {
        Some(run_json(&self.run))
    }

    fn records(&self) -> Option<Table> {
        Some(run_records(std::slice::from_ref(&self.run)))
    }
}

/// The new run's id for scripts to capture; its info in JSON.
impl View for Started {
    fn human(&self, _: &Style) -> Vec<Block> {
        vec![Block::Text(self.run.run_id.clone())]
    }

    fn json(&self) -> Option<Value> {
        Some(serde_json::json!({ "info": run_info_json(&self.run) }))
    }
}

impl View for Searched {
    fn human(&self, _: &Style) -> Vec<Block> {
        let names: HashMap<&str, &str> = self
            .experiments
            .iter()
            .map(|e| (e.id.as_str(), e.name.as_str()))
            .collect();
        let names = (self.experiments.len() > 1).then_some(&names);
        let mut table = search_table(&self.runs, &self.fields, names);
        // The sparklines, asked for by name, come before the key columns (a narrow terminal
        // drops columns from the right), which come after id, name, (experiment,) status and
        // start.
        let first = table.headers.len() - self.fields.len();
        for (s, spark) in self.sparks.iter().enumerate() {
            table.headers.insert(first + s, spark.label());
            for (i, row) in table.rows.iter_mut().enumerate() {
                row.insert(first + s, spark.cell(i));
            }
        }
        let first = first + self.sparks.len();
        for (c, rows) in self.best.iter().enumerate() {
            table.highlight.extend(rows.iter().map(|&r| (r, first + c)));
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        Some(Value::Array(self.runs.iter().map(run_json).collect()))
    }

    fn records(&self) -> Option<Table> {
        Some(run_records(&self.runs))
    }

    fn empty(&self) -> Option<&'static str> {
        self.runs.is_empty().then_some("no runs matched")
    }
}

fn search_table(
    runs: &[Run],
    fields: &[Field],
    experiment_names: Option<&HashMap<&str, &str>>,
) -> Table {
    let mut headers = vec!["Run ID".to_string(), "Name".into()];
    if experiment_names.is_some() {
        headers.push("Experiment".into());
    }
    headers.extend(["Status".into(), "Start".into()]);
    // The columns asked for (or named by the filter and order) matter more than these.
    let spare = (2..headers.len()).collect();
    headers.extend(fields.iter().map(Field::label));
    let mut table = Table::new(headers);
    table.spare = spare;
    for run in runs {
        let i = &run.info;
        let mut row = vec![Cell::Id(i.run_id.clone()), Cell::text(&i.run_name)];
        if let Some(names) = experiment_names {
            row.push(Cell::text(
                names.get(i.experiment_id.as_str()).copied().unwrap_or(""),
            ));
        }
        row.push(Cell::Status(i.status.as_str().into()));
        row.push(Cell::opt_time(i.start_time));
        row.extend(fields.iter().map(|f| field_cell(run, f)));
        table.push(row);
    }
    table
}

/// One value of a run, as a table cell.
fn field_cell(run: &Run, field: &Field) -> Cell {
    match field {
        Field::Metric(k) => Cell::opt_float(run.data.metrics.get(k).copied()),
        Field::Param(k) => Cell::opt_text(run.data.params.get(k)),
        Field::Tag(k) => Cell::opt_text(run.data.tags.get(k)),
        Field::Attr(Attr::EndTime) => Cell::opt_time(run.info.end_time),
        Field::Attr(Attr::UserId) => Cell::text(&run.info.user_id),
        Field::Attr(Attr::ArtifactUri) => Cell::text(&run.info.artifact_uri),
        // The other run attributes have their own columns.
        Field::Attr(_) | Field::Dataset(_) => Cell::Empty,
    }
}

/// Id, name, (experiment,) status, start, duration, user.
fn runs_table(runs: &[RunInfo], experiments: &[Experiment], now: i64) -> Table {
    let multi = experiments.len() > 1;
    let names: std::collections::HashMap<&str, &str> = experiments
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let mut headers = vec!["Run ID", "Name", "Status", "Start", "Duration", "User"];
    if multi {
        headers.insert(2, "Experiment");
    }
    let mut table = Table::new(headers);
    for r in runs {
        let mut row = vec![
            Cell::Id(r.run_id.clone()),
            Cell::text(&r.run_name),
            Cell::Status(r.status.as_str().into()),
            Cell::opt_time(r.start_time),
            duration(r, now),
            Cell::text(&r.user_id),
        ];
        if multi {
            row.insert(
                2,
                Cell::text(names.get(r.experiment_id.as_str()).copied().unwrap_or("")),
            );
        }
        table.push(row);
    }
    table
}

/// Wall time of a run; a running run counts up to now.
fn duration(r: &RunInfo, now: i64) -> Cell {
    match (r.start_time, r.end_time) {
        (Some(s), Some(e)) => Cell::Duration(e - s),
        (Some(s), None) if r.status == RunStatus::Running => Cell::Duration(now - s),
        _ => Cell::Empty,
    }
}
