//! `compare`'s view: a column per run (named for people, by id in records), a row per key,
//! changed keys and best values highlighted; JSON lists the runs and the rows.

use serde_json::{Value, json};

use crate::ops::compare::{Compared, Entry, Row};
use crate::render::{Block, Cell, Style, Table, View, json_float, short_id};
use crate::store::RunInfo;

impl View for Compared {
    fn human(&self, _: &Style) -> Vec<Block> {
        let mut table = Table::new(
            std::iter::once("Key".to_string()).chain(run_labels(self.runs.iter().map(|r| &r.info))),
        );
        table.row_names = true;
        for (r, row) in self.rows.iter().enumerate() {
            table.push(row_cells(row));
            if row.changed {
                table.changed_rows.push(r);
            }
            table.highlight.extend(row.best.iter().map(|&i| (r, i + 1)));
        }
        for spark in &self.sparks {
            let cells = (0..self.runs.len()).map(|i| spark.cell(i));
            table.push(
                std::iter::once(Cell::Text(spark.label()))
                    .chain(cells)
                    .collect(),
            );
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        let runs = &self.runs;
        Some(json!({
            "runs": runs.iter().map(|r| json!({
                "run_id": r.info.run_id,
                "run_name": r.info.run_name,
                "experiment_id": r.info.experiment_id,
            })).collect::<Vec<_>>(),
            "rows": self.rows.iter().map(|row| json!({
                "key": row.key,
                "values": row.entries.iter().map(entry_json).collect::<Vec<_>>(),
                "changed": row.changed,
                "best": row.best.iter().map(|&i| runs[i].info.run_id.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }))
    }

    fn records(&self) -> Option<Table> {
        let mut records = Table::new(
            std::iter::once("key".to_string())
                .chain(self.runs.iter().map(|r| r.info.run_id.clone())),
        );
        for row in &self.rows {
            records.push(row_cells(row));
        }
        Some(records)
    }
}

/// Column headers and chart legends for people: run names, with a short id where a name is
/// empty or repeated.
pub fn run_labels<'a>(runs: impl Iterator<Item = &'a RunInfo> + Clone) -> Vec<String> {
    // Counted once: a chart of a whole filtered table labels thousands of runs.
    let mut names: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for r in runs.clone() {
        *names.entry(r.run_name.as_str()).or_default() += 1;
    }
    runs.map(|r| {
        let short = short_id(&r.run_id);
        let name = &r.run_name;
        let repeated = names[name.as_str()] > 1;
        match (name.is_empty(), repeated) {
            (true, _) => short,
            (false, true) => format!("{name} ({short})"),
            (false, false) => name.clone(),
        }
    })
    .collect()
}

/// The key, then each run's value. Run ids are whole when the table fits, else the prefix
/// every table shortens ids to.
fn row_cells(row: &Row) -> Vec<Cell> {
    std::iter::once(Cell::text(&row.key))
        .chain(row.entries.iter().map(entry_cell))
        .collect()
}

/// One run's value in a compare row, as a table cell (also the UI's compare view).
pub fn entry_cell(entry: &Entry) -> Cell {
    match entry {
        Entry::Missing => Cell::Empty,
        Entry::RunId(id) => Cell::Id(id.clone()),
        Entry::Text(s) => Cell::Text(s.clone()),
        Entry::Status(s) => Cell::Status(s.clone()),
        Entry::Time(t) => Cell::Time(*t),
        Entry::Number(f) => Cell::Float(*f),
    }
}

fn entry_json(value: &Entry) -> Value {
    match value {
        Entry::Missing => Value::Null,
        Entry::RunId(s) | Entry::Text(s) | Entry::Status(s) => Value::from(s.as_str()),
        Entry::Time(t) => Value::from(*t),
        Entry::Number(f) => json_float(*f),
    }
}
