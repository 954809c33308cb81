//! `search`'s use case: the runs a filter finds, loaded for the view that shows them — the
//! keys the filter and order mention plus the requested columns, or everything for MLflow's
//! dictionaries. Must not build the view itself.

use crate::query::{Attr, Directions, Field, Needs, best_all};
use crate::store::{DataSelection, Experiment, Problem, Run, RunInfo, Store};

use super::columns::{Columns, Kind};
use super::find::{FindRequest, find};
use super::history::{Spark, sparks};
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
}

pub struct Searched {
    /// Holding exactly the keys shown (every key with [`Detail::Everything`]).
    pub runs: Vec<Run>,
    /// The params, metrics, tags and attributes shown beyond id, name, status and start.
    pub fields: Vec<Field>,
    pub experiments: Vec<Experiment>,
    /// One per metric of [`SearchRequest::spark`].
    pub sparks: Vec<Spark>,
    pub problems: Vec<Problem>,
    /// For each of `fields`, the indexes of the runs holding its best value (metrics with a
    /// direction only).
    pub best: Vec<Vec<usize>>,
}

outcome!(Searched);

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
    if req.detail == Detail::Everything {
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
    if req.detail == Detail::Shown {
        // Records list every key a run holds; hold only the keys shown.
        for run in &mut found.runs {
            let shown = |kind: Kind, key: &String| fields.contains(&kind.field(key));
            run.data.metrics.retain(|k, _| shown(Kind::Metric, k));
            run.data.params.retain(|k, _| shown(Kind::Param, k));
            run.data.tags.retain(|k, _| shown(Kind::Tag, k));
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
    let sparks = sparks(&infos, &req.spark, &mut found.problems);
    Ok(Searched {
        best,
        runs: found.runs,
        fields,
        experiments: found.experiments,
        sparks,
        problems: found.problems,
    })
}
