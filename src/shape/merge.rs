//! `mlrs merge`'s result as people and scripts see it: one row per experiment, run, model and
//! version with what happened to it, and a count per kind and action.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::ops::merge::MergeResult;
use crate::render::{Block, Cell, Style, Table, View};
use crate::store::{MergeAction as Action, MergeStep as Step};

fn action(step: &Step) -> (&'static str, String) {
    match &step.action {
        Action::Added => ("added", String::new()),
        Action::Renumbered(to) => ("renumbered", format!("as {to}")),
        Action::Present => ("present", String::new()),
        Action::PresentAs(id) => ("present", format!("as {id}")),
        Action::Updated(what) => ("updated", what.clone()),
        Action::Conflict(why) => ("conflict", why.clone()),
    }
}

impl MergeResult {
    /// `added 3 runs, 1 model; present 2 experiments; conflict 1 model`, for stderr.
    pub fn summary(&self) -> String {
        let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for step in &self.merged.steps {
            *counts
                .entry((action(step).0, step.kind.as_str()))
                .or_insert(0) += 1;
        }
        if counts.is_empty() {
            return "nothing to merge".into();
        }
        let mut parts: Vec<String> = Vec::new();
        let mut last = "";
        for ((act, kind), n) in counts {
            let item = format!("{n} {kind}{}", if n == 1 { "" } else { "s" });
            if let Some(p) = parts.last_mut().filter(|_| act == last) {
                p.push_str(&format!(", {item}"));
            } else {
                parts.push(format!("{act} {item}"));
                last = act;
            }
        }
        let verb = if self.dry_run {
            "dry run: would be "
        } else {
            ""
        };
        format!("{verb}{}", parts.join("; "))
    }
}

impl View for MergeResult {
    fn human(&self, _: &Style) -> Vec<Block> {
        let mut table = Table::new(["Kind", "ID", "Name", "Action", "Detail"]);
        for step in &self.merged.steps {
            let (act, detail) = action(step);
            table.push(vec![
                Cell::text(step.kind.as_str()),
                Cell::text(&step.id),
                Cell::text(&step.name),
                Cell::text(act),
                Cell::Text(detail),
            ]);
        }
        vec![Block::Table(table)]
    }

    fn json(&self) -> Option<Value> {
        let steps: Vec<Value> = self
            .merged
            .steps
            .iter()
            .map(|s| {
                let (act, detail) = action(s);
                json!({"kind": s.kind.as_str(), "id": s.id, "name": s.name,
                       "action": act, "detail": detail})
            })
            .collect();
        Some(json!({
            "source": self.source.display().to_string(),
            "target": self.target.display().to_string(),
            "dry_run": self.dry_run,
            "steps": steps,
        }))
    }
}
