//! Experiments as people and scripts see them: a list table (with the stage when deleted ones
//! may show), one experiment's key/value view, `dict(Experiment)`, records.

use serde_json::Value;

use super::{experiment_json, key_value_table, prefixed};
use crate::ops::experiments::{Created, ExperimentList, ExperimentShown};
use crate::render::{Block, Cell, Style, Table, View};
use crate::store::{Experiment, ViewType};

/// The tag MLflow's UI keeps an experiment's description in.
const DESCRIPTION_TAG: &str = "mlflow.note.content";

impl View for ExperimentList {
    fn human(&self, _: &Style) -> Vec<Block> {
        let show_stage = self.view != ViewType::ActiveOnly;
        let mut headers = vec![
            "ID",
            "Name",
            "Runs",
            "Deleted runs",
            "Created",
            "Description",
            "Tags",
        ];
        if show_stage {
            headers.insert(2, "Stage");
        }
        let mut table = Table::new(headers);
        for e in &self.experiments {
            // The description is MLflow UI's note tag; it has its own column.
            let tags = e
                .tags
                .iter()
                .filter(|(k, _)| k.as_str() != DESCRIPTION_TAG)
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            let description = e.tags.get(DESCRIPTION_TAG).map_or(Cell::Empty, |d| {
                Cell::Text(d.split_whitespace().collect::<Vec<_>>().join(" "))
            });
            let (active, deleted) = self.run_counts.get(&e.id).copied().unwrap_or_default();
            let mut row = vec![
                Cell::text(&e.id),
                Cell::text(&e.name),
                Cell::Int(active as i64),
                Cell::Int(deleted as i64),
                Cell::opt_time(e.creation_time),
                description,
                Cell::Text(tags),
            ];
            if show_stage {
                row.insert(2, Cell::text(e.lifecycle_stage.as_str()));
            }
            table.push(row);
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        Some(Value::Array(
            self.experiments.iter().map(experiment_json).collect(),
        ))
    }

    fn records(&self) -> Option<Table> {
        Some(records(&self.experiments))
    }

    fn empty(&self) -> Option<&'static str> {
        self.experiments.is_empty().then_some("no experiments")
    }
}

fn records(exps: &[Experiment]) -> Table {
    let mut records = Table::new([
        "experiment_id",
        "name",
        "artifact_location",
        "lifecycle_stage",
        "creation_time",
        "last_update_time",
    ]);
    for e in exps {
        records.push(vec![
            Cell::text(&e.id),
            Cell::text(&e.name),
            Cell::text(&e.artifact_location),
            Cell::text(e.lifecycle_stage.as_str()),
            Cell::opt_time(e.creation_time),
            Cell::opt_time(e.last_update_time),
        ]);
    }
    records
}

impl View for ExperimentShown {
    fn human(&self, _: &Style) -> Vec<Block> {
        let exp = &self.0;
        let mut rows = vec![
            ("experiment_id".to_string(), Cell::text(&exp.id)),
            ("name".into(), Cell::text(&exp.name)),
            (
                "lifecycle_stage".into(),
                Cell::text(exp.lifecycle_stage.as_str()),
            ),
            (
                "artifact_location".into(),
                Cell::text(&exp.artifact_location),
            ),
            ("creation_time".into(), Cell::opt_time(exp.creation_time)),
            (
                "last_update_time".into(),
                Cell::opt_time(exp.last_update_time),
            ),
        ];
        rows.extend(prefixed("tags", &exp.tags, |v| Cell::text(v)));
        vec![Block::Table(key_value_table(rows))]
    }

    fn json(&self) -> Option<Value> {
        Some(experiment_json(&self.0))
    }

    fn records(&self) -> Option<Table> {
        Some(records(std::slice::from_ref(&self.0)))
    }
}

/// The new experiment's id for scripts to capture; `dict(Experiment)` in JSON.
impl View for Created {
    fn human(&self, _: &Style) -> Vec<Block> {
        vec![Block::Text(self.0.id.clone())]
    }

    fn json(&self) -> Option<Value> {
        Some(experiment_json(&self.0))
    }
}
