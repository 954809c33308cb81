//! `search`'s use case: the runs a filter finds, loaded for the view that shows them — the
//! keys the filter and order mention plus the requested columns, or everything for MLflow's
//! dictionaries. Must not build the view itself.

use crate::query::{Attr, Directions, Field, Needs, Value, best_all};
use crate::store::{DataSelection, Experiment, Problem, Run, RunInfo, Store};

use super::columns::{Columns, Kind};
use super::compare::{Entry, differs};
use super::distinct_keys;
use super::find::{FindRequest, find};
use super::history::{Spark, sparks};
use super::keys::UnknownKey;
use super::{Detail, UsageError};

pub struct SearchRequest {
    pub find: FindRequest,
    /// Keys to show beyond those the filter and order mention.
    pub columns: Columns,
    pub detail: Detail,
    /// Metrics where lower, or higher, is better (globs), before the names decide.
    pub lower_is_better: Vec<String>,
    pub higher_is_better: Vec<String>,
    /// Metrics whose whole history each run shows as a sparkline.
    pub spark: Vec<String>,
    /// Leave out the keys whose value is the same in every run found (as `compare` does).
    pub only_changed: bool,
}

pub struct Searched {
    /// Holding exactly the keys shown (every key with [`Detail::Everything`], and with
    /// [`Detail::Records`] when no columns were asked for).
    pub runs: Vec<Run>,
    /// The params, metrics, tags and attributes shown beyond id, name, status and start.
    pub fields: Vec<Field>,
    pub experiments: Vec<Experiment>,
    /// One per metric of [`SearchRequest::spark`].
    pub sparks: Vec<Spark>,
    /// Keys the filter, order or columns name that no run has.
    pub unknown: Vec<UnknownKey>,
    pub problems: Vec<Problem>,
    /// For each of `fields`, the indexes of the runs holding its best value (metrics with a
    /// direction only).
    pub best: Vec<Vec<usize>>,
}

outcome!(Searched; unknown);

pub fn search(store: &Store, req: &SearchRequest) -> anyhow::Result<Searched> {
    let directions =
        Directions::parse(&req.lower_is_better, &req.higher_is_better).map_err(UsageError)?;
    let mut found = find(store, &req.find)?;
    let mut fields: Vec<Field> = std::mem::take(&mut found.fields)
        .into_iter()
        .filter(|f| {
            !matches!(
                f,
                Field::Dataset(_)
                    | Field::Attr(Attr::RunId | Attr::RunName | Attr::Status | Attr::StartTime)
            )
        })
        .collect();
    let every_key = match req.detail {
        Detail::Everything => true,
        Detail::Records => req.columns.is_empty(),
        Detail::Shown => false,
    };
    if every_key {
        found.load(store, &DataSelection::everything());
    } else if !req.columns.is_empty() {
        let mut needs = Needs::default();
        fields.iter().for_each(|f| needs.add(f));
        found.load(store, &needs.selection().union(req.columns.selection()));
        for kind in Kind::ALL {
            for key in req.columns.keys(kind, &found.runs) {
                let field = kind.field(&key);
                if !fields.contains(&field) {
                    fields.push(field);
                }
            }
        }
    }
    found.unknown.extend(req.columns.unknown(&found.runs));
    // MLflow's dictionaries (JSON) stay whole; tables and records drop what never changes.
    let mut same: Vec<Field> = Vec::new();
    if req.only_changed && req.detail != Detail::Everything {
        let mut candidates = fields.clone();
        for kind in Kind::ALL {
            let keys = distinct_keys(found.runs.iter().flat_map(|r| kind.keys(r)));
            candidates.extend(keys.into_iter().map(|k| kind.field(k)));
        }
        same = candidates
            .into_iter()
            .filter(|f| !changed(&found.runs, f))
            .collect();
        fields.retain(|f| !same.contains(f));
    }
    if !every_key || !same.is_empty() {
        // Records list every key a run holds; hold only the keys shown.
        let shown = |field: Field| !same.contains(&field) && (every_key || fields.contains(&field));
        for run in &mut found.runs {
            run.data.metrics.retain(|k, _| shown(Kind::Metric.field(k)));
            run.data.params.retain(|k, _| shown(Kind::Param.field(k)));
            run.data.tags.retain(|k, _| shown(Kind::Tag.field(k)));
        }
    }
    let best = fields
        .iter()
        .map(|f| match f {
            Field::Metric(key) => {
                let values: Vec<Option<f64>> = found
                    .runs
                    .iter()
                    .map(|r| r.data.metrics.get(key).copied())
                    .collect();
                best_all(&values, directions.of(key))
            }
            _ => Vec::new(),
        })
        .collect();
    let infos: Vec<RunInfo> = found.runs.iter().map(|r| r.info.clone()).collect();
    let sparks = sparks(&infos, &req.spark, &mut found.problems, &mut found.unknown);
    Ok(Searched {
        best,
        runs: found.runs,
        fields,
        experiments: found.experiments,
        sparks,
        unknown: found.unknown,
        problems: found.problems,
    })
}

/// Whether `field` has more than one value across `runs` (`compare`'s rule).
fn changed(runs: &[Run], field: &Field) -> bool {
    let entries: Vec<Entry> = runs
        .iter()
        .map(|r| match field.value(r) {
            Value::Missing => Entry::Missing,
            Value::Float(f) => Entry::Number(f),
            Value::Int(ms) => Entry::Time(ms),
            Value::Text(t) => Entry::Text(t.to_owned()),
        })
        .collect();
    differs(&entries)
}
