//! gc's plan and result as people and scripts see them: a table of what goes and what stays
//! (and why), records with full paths, JSON with the result of carrying it out.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::ops::gc::Planned;
use crate::render::{Block, Cell, Style, Table, View};
use crate::store::gc::{Done, Kind, Plan, Removal};

/// When the plan is shown.
pub enum Moment<'a> {
    /// A dry run, or nothing to remove: the plan is the whole answer.
    Only,
    /// Before asking and removing: the plan for people and records; JSON waits for the result.
    Before,
    /// After removing: the plan with its result, in JSON only (people saw the plan before).
    After(&'a [Done]),
}

pub struct GcReport<'a> {
    pub planned: &'a Planned,
    pub moment: Moment<'a>,
    /// Whether anything was to be carried out (not a dry run).
    pub dry_run: bool,
}

/// Problems were reported with the plan (`Planned`), once.
impl crate::ops::Outcome for GcReport<'_> {}

impl GcReport<'_> {
    fn shows_plan(&self) -> bool {
        !matches!(self.moment, Moment::After(_))
    }

    fn tables(&self) -> (Table, Table) {
        let (root, plan) = (&self.planned.root, &self.planned.plan);
        let mut table = Table::new(["Action", "Kind", "ID", "Name", "Size", "Where / why"]);
        let mut records = Table::new([
            "action",
            "kind",
            "id",
            "name",
            "experiment_id",
            "bytes",
            "path",
            "reason",
        ]);
        for r in &plan.remove {
            table.push(vec![
                Cell::text("remove"),
                Cell::text(r.kind.as_str()),
                id_cell(r.kind, &r.id),
                Cell::text(&r.name),
                Cell::Bytes(r.bytes),
                Cell::Text(removal_detail(root, r)),
            ]);
            records.push(vec![
                Cell::text("remove"),
                Cell::text(r.kind.as_str()),
                Cell::text(&r.id),
                Cell::text(&r.name),
                Cell::text(&r.experiment_id),
                Cell::Bytes(r.bytes),
                Cell::Text(r.dir.display().to_string()),
                Cell::Empty,
            ]);
        }
        for k in &plan.keep {
            let detail = match k.kind {
                Kind::Artifacts => format!("{}: {}", k.location, k.reason),
                _ => k.reason.to_string(),
            };
            table.push(vec![
                Cell::text("keep"),
                Cell::text(k.kind.as_str()),
                id_cell(k.kind, &k.id),
                Cell::text(&k.name),
                Cell::Empty,
                Cell::Text(detail),
            ]);
            records.push(vec![
                Cell::text("keep"),
                Cell::text(k.kind.as_str()),
                Cell::text(&k.id),
                Cell::text(&k.name),
                Cell::Empty,
                Cell::Empty,
                Cell::text(&k.location),
                Cell::Text(k.reason.to_string()),
            ]);
        }
        (table, records)
    }
}

impl View for GcReport<'_> {
    fn human(&self, _: &Style) -> Vec<Block> {
        if !self.shows_plan() {
            return Vec::new();
        }
        vec![Block::Table(self.tables().0)]
    }

    fn json(&self) -> Option<Value> {
        let done = match self.moment {
            Moment::Before => return None,
            Moment::Only if self.dry_run => None,
            Moment::Only => Some(&[][..]),
            Moment::After(done) => Some(done),
        };
        Some(plan_json(&self.planned.root, &self.planned.plan, done))
    }

    fn records(&self) -> Option<Table> {
        // After removing there is nothing new for records either: the human blocks are empty.
        self.shows_plan().then(|| self.tables().1)
    }
}

pub fn noun(kind: Kind, n: usize) -> String {
    let word = match kind {
        Kind::Leftover => "leftover of an interrupted command",
        Kind::Experiment => "experiment",
        Kind::Run => "run",
        Kind::LoggedModel => "logged model",
        Kind::Artifacts => "artifact folder",
    };
    match (n, kind) {
        (1, _) => format!("1 {word}"),
        (_, Kind::Leftover) => format!("{n} leftovers of an interrupted command"),
        _ => format!("{n} {word}s"),
    }
}

/// Run and LoggedModel ids (32 hex digits) may be cut to a prefix in narrow tables; the short
/// experiment ids and leftover names stay whole.
fn id_cell(kind: Kind, id: &str) -> Cell {
    match kind {
        Kind::Run | Kind::LoggedModel | Kind::Artifacts => Cell::Id(id.to_owned()),
        Kind::Experiment | Kind::Leftover => Cell::text(id),
    }
}

/// A path for tables: relative to the store root when inside it.
fn short_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// What the table says about a removal beyond id, name and size (paths are in JSON/CSV).
fn removal_detail(root: &Path, r: &Removal) -> String {
    let mut parts = vec![match r.kind {
        Kind::Experiment => noun(Kind::Run, r.runs),
        Kind::Leftover => "left by an interrupted command".to_owned(),
        _ => format!("in experiment {}", r.experiment_id),
    }];
    for a in &r.artifacts {
        parts.push(format!("artifacts at {}", short_path(root, a)));
    }
    parts.join("; ")
}

fn plan_json(root: &Path, plan: &Plan, done: Option<&[Done]>) -> Value {
    let remove: Vec<Value> = plan
        .remove
        .iter()
        .map(|r| {
            let mut v = json!({
                "kind": r.kind.as_str(),
                "id": r.id,
                "name": r.name,
                "experiment_id": r.experiment_id,
                "path": r.dir,
                "bytes": r.bytes,
                "artifacts": r.artifacts,
            });
            if r.kind == Kind::Experiment {
                v["runs"] = json!(r.runs);
            }
            v
        })
        .collect();
    let keep: Vec<Value> = plan
        .keep
        .iter()
        .map(|k| {
            json!({
                "kind": k.kind.as_str(),
                "id": k.id,
                "name": k.name,
                "location": k.location,
                "reason": k.reason.to_string(),
            })
        })
        .collect();
    let result = done.map(|done| {
        let mut removed = BTreeMap::new();
        let mut bytes = 0;
        let mut skipped = Vec::new();
        let mut failed = Vec::new();
        for kind in [
            Kind::Run,
            Kind::Experiment,
            Kind::LoggedModel,
            Kind::Leftover,
        ] {
            removed.insert(kind.as_str(), 0);
        }
        for (r, d) in plan.remove.iter().zip(done) {
            match d {
                Done::Removed => {
                    *removed.entry(r.kind.as_str()).or_insert(0) += 1;
                    bytes += r.bytes;
                }
                Done::Skipped(why) => {
                    skipped.push(json!({"kind": r.kind.as_str(), "id": r.id, "reason": why}));
                }
                Done::Failed(e) => failed.push(json!({
                    "kind": r.kind.as_str(),
                    "id": r.id,
                    "path": r.dir,
                    "error": e.to_string(),
                })),
            }
        }
        json!({"removed": removed, "bytes_freed": bytes, "skipped": skipped, "failed": failed})
    });
    json!({
        "store": root,
        "dry_run": done.is_none(),
        "bytes": plan.bytes(),
        "remove": remove,
        "keep": keep,
        "result": result,
    })
}
