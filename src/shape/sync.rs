//! How `sync` and `doctor` results present themselves: a summary (or, for a dry run, the runs
//! that would be sent) for people and CSV, the whole result as JSON.

use std::path::Path;

use serde_json::{Value, json};

use crate::ops::Outcome;
use crate::ops::sync::Summary;
use crate::render::{Block, Cell, Style, Table, View};
use crate::store::Finding;

/// What one sync pass did, and how long it took.
pub struct SyncReport<'a> {
    pub summary: &'a Summary,
    pub seconds: f64,
}

/// Failures are part of the summary, not skipped entries.
impl Outcome for SyncReport<'_> {}

impl SyncReport<'_> {
    fn table(&self) -> Table {
        let s = self.summary;
        if s.dry_run {
            let mut table = Table::new([
                "Action", "Run", "Name", "Exp", "Params", "Tags", "Points", "Inputs", "Files",
            ]);
            for p in &s.planned {
                table.push(vec![
                    Cell::text(p.action),
                    Cell::Id(p.run_id.clone()),
                    Cell::text(&p.run_name),
                    Cell::text(&p.experiment_id),
                    Cell::Int(p.params as i64),
                    Cell::Int(p.tags as i64),
                    Cell::Int(p.metric_points as i64),
                    Cell::Int(p.dataset_inputs as i64),
                    Cell::Int(p.artifact_files as i64),
                ]);
            }
            return table;
        }
        let mut table = Table::new(["What", "Count"]);
        let rows = [
            ("experiments created", s.experiments_created),
            ("runs created", s.runs_created),
            ("runs updated", s.runs_updated),
            ("runs unchanged", s.runs_unchanged),
            ("deleted runs skipped", s.runs_skipped_deleted),
            ("params", s.params),
            ("tags", s.tags),
            ("metric points", s.metric_points),
            ("dataset inputs", s.dataset_inputs),
            ("artifact files", s.artifact_files),
            ("models created", s.models_created),
            ("logged models created", s.logged_models_created),
            ("traces", s.traces),
            ("model versions created", s.versions_created),
            ("requests to the server", s.requests),
        ];
        for (what, n) in rows {
            table.push(vec![Cell::text(what), Cell::Int(n as i64)]);
        }
        table.push(vec![
            Cell::text("artifact bytes"),
            Cell::Bytes(s.artifact_bytes),
        ]);
        table
    }
}

impl View for SyncReport<'_> {
    fn human(&self, _: &Style) -> Vec<Block> {
        let s = self.summary;
        let mut blocks = vec![Block::Table(self.table())];
        if s.dry_run {
            blocks.push(Block::Note(format!(
                "dry run: {} run(s) to create, {} to update, {} unchanged; nothing was sent",
                s.runs_created, s.runs_updated, s.runs_unchanged
            )));
        }
        blocks
    }

    fn json(&self) -> Option<Value> {
        let mut value = serde_json::to_value(self.summary).unwrap_or(Value::Null);
        value["seconds"] = json!(self.seconds);
        if !self.summary.dry_run
            && let Some(o) = value.as_object_mut()
        {
            o.remove("planned");
        }
        Some(value)
    }

    fn records(&self) -> Option<Table> {
        Some(self.table())
    }
}

/// doctor's findings, paths relative to the store root.
pub struct DoctorReport<'a> {
    pub root: &'a Path,
    pub findings: &'a [Finding],
}

impl Outcome for DoctorReport<'_> {}

impl DoctorReport<'_> {
    fn rows(&self) -> impl Iterator<Item = (&Finding, String, Option<String>)> {
        self.findings.iter().map(|f| {
            let path = f.path.strip_prefix(self.root).unwrap_or(&f.path);
            (
                f,
                path.display().to_string(),
                f.repair.as_ref().map(|r| r.describe()),
            )
        })
    }

    fn table(&self) -> Table {
        let mut table = Table::new(["Problem", "Path", "Found", "Repair"]);
        for (f, path, repair) in self.rows() {
            table.push(vec![
                Cell::text(f.kind.as_str()),
                Cell::Text(path),
                Cell::text(&f.found),
                Cell::Text(repair.unwrap_or_else(|| "none (needs a person)".into())),
            ]);
        }
        table
    }
}

impl View for DoctorReport<'_> {
    fn human(&self, _: &Style) -> Vec<Block> {
        if self.findings.is_empty() {
            return vec![Block::Note("no problems found".into())];
        }
        vec![Block::Table(self.table())]
    }

    fn json(&self) -> Option<Value> {
        Some(Value::Array(
            self.rows()
                .map(|(f, path, repair)| {
                    json!({ "problem": f.kind, "path": path, "found": f.found, "repair": repair })
                })
                .collect(),
        ))
    }

    fn records(&self) -> Option<Table> {
        Some(self.table())
    }
}
