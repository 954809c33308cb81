//! Artifacts as people and scripts see them: a tree of names with sizes (a folder's size is
//! the sum of its files), MLflow's `FileInfo` dictionaries (`path`, `is_dir`, `file_size`), and
//! what a copy created.

use serde_json::{Value, json};

use crate::ops::artifacts::{ArtifactList, Copied};
use crate::render::{Block, Cell, Style, Table, View};

impl ArtifactList {
    /// The entry's path below the folder listed.
    fn relative<'a>(&self, path: &'a str) -> &'a str {
        if self.path.is_empty() {
            return path;
        }
        path.strip_prefix(self.path.as_str())
            .map_or(path, |p| p.trim_start_matches('/'))
    }
}

impl View for ArtifactList {
    fn human(&self, _: &Style) -> Vec<Block> {
        if self.entries.is_empty() {
            return vec![Block::Note(format!(
                "run {} has no artifacts{}",
                self.run.run_id,
                if self.path.is_empty() {
                    String::new()
                } else {
                    format!(" below '{}'", self.path)
                }
            ))];
        }
        let mut t = Table::new(["Path", "Size"]);
        for e in &self.entries {
            let rel = self.relative(&e.path);
            let depth = rel.matches('/').count();
            let name = rel.rsplit('/').next().unwrap_or(rel);
            let size = if e.is_dir {
                let below = format!("{}/", e.path);
                self.entries
                    .iter()
                    .filter(|f| f.path.starts_with(&below))
                    .filter_map(|f| f.file_size)
                    .sum()
            } else {
                e.file_size.unwrap_or_default()
            };
            let slash = if e.is_dir { "/" } else { "" };
            t.push(vec![
                Cell::Text(format!("{}{name}{slash}", "  ".repeat(depth))),
                Cell::Bytes(size),
            ]);
        }
        vec![Block::Table(t)]
    }

    fn json(&self) -> Option<Value> {
        let entries = self.entries.iter().map(|e| {
            json!({
                "path": e.path,
                "is_dir": e.is_dir,
                "file_size": e.file_size,
            })
        });
        Some(Value::Array(entries.collect()))
    }

    fn records(&self) -> Option<Table> {
        let mut t = Table::new(["path", "is_dir", "file_size"]);
        for e in &self.entries {
            t.push(vec![
                Cell::text(&e.path),
                Cell::text(if e.is_dir { "True" } else { "False" }),
                e.file_size.map_or(Cell::Empty, Cell::Bytes),
            ]);
        }
        Some(t)
    }
}

impl View for Copied {
    fn human(&self, style: &Style) -> Vec<Block> {
        vec![
            Block::Note(format!(
                "copied {} file{} ({}) to {}",
                self.files.len(),
                if self.files.len() == 1 { "" } else { "s" },
                Cell::Bytes(self.bytes).human(style),
                self.dest.display()
            )),
            Block::Text(self.dest.display().to_string()),
        ]
    }

    fn json(&self) -> Option<Value> {
        Some(json!({
            "path": self.dest.display().to_string(),
            "files": self.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "bytes": self.bytes,
        }))
    }
}
