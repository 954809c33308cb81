//! `compare`'s use case: runs side by side — the runs named or found, loaded for the chosen
//! keys, one row per key with each run's value (a metric's latest, min or max), whether the
//! row changes between runs and which runs hold the best value. Must not build the view.

use super::UsageError;
use super::columns::{Columns, Kind};
use super::find::{FindRequest, find};
use super::history::{Spark, sparks};
use crate::query::{Directions, OrderBy, Target, best_all, sort_runs};
use crate::render::Cell;
use crate::store::{Problem, Run, RunInfo, Store};

/// Which runs to compare.
pub enum Runs {
    /// Ids or unique prefixes, in this order unless an order is given.
    Named {
        ids: Vec<String>,
        order_by: Vec<String>,
    },
    Found(FindRequest),
}

pub struct CompareRequest {
    pub runs: Runs,
    pub columns: Columns,
    pub agg: Agg,
    /// Metrics where lower, or higher, is better (globs; a `metrics.` prefix is allowed),
    /// before the names decide.
    pub lower_is_better: Vec<String>,
    pub higher_is_better: Vec<String>,
    /// Leave out rows whose value is the same in every run.
    pub only_changed: bool,
    /// Metrics whose whole history each run shows as a sparkline.
    pub spark: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
/// Which value of each metric's history a row shows: MLflow's latest, or the smallest or
/// largest logged (NaN ignored).
pub enum Agg {
    #[default]
    Last,
    Min,
    Max,
}

pub struct Compared {
    pub runs: Vec<Run>,
    pub rows: Vec<Row>,
    /// One per metric of [`CompareRequest::spark`].
    pub sparks: Vec<Spark>,
    /// A run the user named could not be read (it is missing from the rows).
    pub named_run_unreadable: bool,
    pub problems: Vec<Problem>,
}

outcome!(Compared);

/// One row: a key and its value in each run.
pub struct Row {
    pub key: String,
    pub cells: Vec<Cell>,
    /// Indexes of the runs holding the best value (metric rows only).
    pub best: Vec<usize>,
    pub changed: bool,
}

pub fn compare(store: &Store, req: &CompareRequest) -> anyhow::Result<Compared> {
    let directions =
        Directions::parse(&req.lower_is_better, &req.higher_is_better).map_err(UsageError)?;
    let (runs, mut problems, named) = select_runs(store, req)?;
    let rows = rows(&runs, &req.columns, req.agg, &directions)?
        .into_iter()
        .filter(|r| !req.only_changed || r.changed || r.key == "run_id")
        .collect();
    let named_run_unreadable = named && !problems.is_empty();
    let infos: Vec<RunInfo> = runs.iter().map(|r| r.info.clone()).collect();
    let sparks = sparks(&infos, &req.spark, &mut problems);
    Ok(Compared {
        runs,
        rows,
        sparks,
        named_run_unreadable,
        problems,
    })
}

/// The runs, what was skipped, and whether the user named them.
fn select_runs(
    store: &Store,
    req: &CompareRequest,
) -> anyhow::Result<(Vec<Run>, Vec<Problem>, bool)> {
    let select = req.columns.selection();
    let (ids, order_by) = match &req.runs {
        Runs::Found(find_req) => {
            let mut found = find(store, find_req)?;
            found.load(store, &select);
            return Ok((found.runs, found.problems, false));
        }
        Runs::Named { ids, order_by } => (ids, order_by),
    };
    let mut infos: Vec<RunInfo> = Vec::new();
    for id in ids {
        let info = store.find_run(id)?;
        if !infos.iter().any(|i| i.run_id == info.run_id) {
            infos.push(info);
        }
    }
    let order = OrderBy::parse_all(order_by, Target::Runs)?;
    let listing = store.load_runs(infos, &select.union(OrderBy::needs(&order).selection()));
    let mut runs = listing.items;
    if !order.is_empty() {
        sort_runs(&mut runs, &order);
    }
    Ok((runs, listing.problems, true))
}

/// Equal for the purpose of "did it change": NaN equals NaN, a missing key equals nothing.
fn same(a: &Cell, b: &Cell) -> bool {
    match (a, b) {
        (Cell::Float(x), Cell::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => a == b,
    }
}

fn rows(
    runs: &[Run],
    columns: &Columns,
    agg: Agg,
    directions: &Directions,
) -> crate::store::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let mut push = |key: String, cells: Vec<Cell>, best: Vec<usize>| {
        // Run ids always differ; marking them would say nothing.
        let changed = key != "run_id" && cells.iter().any(|c| !same(c, &cells[0]));
        rows.push(Row {
            key,
            cells,
            best,
            changed,
        });
    };
    push(
        "run_id".into(),
        runs.iter().map(|r| Cell::text(&r.info.run_id)).collect(),
        Vec::new(),
    );
    if runs
        .iter()
        .any(|r| r.info.experiment_id != runs[0].info.experiment_id)
    {
        push(
            "experiment_id".into(),
            runs.iter()
                .map(|r| Cell::text(&r.info.experiment_id))
                .collect(),
            Vec::new(),
        );
    }
    push(
        "status".into(),
        runs.iter()
            .map(|r| Cell::Status(r.info.status.as_str().into()))
            .collect(),
        Vec::new(),
    );
    push(
        "start_time".into(),
        runs.iter()
            .map(|r| Cell::opt_time(r.info.start_time))
            .collect(),
        Vec::new(),
    );
    // Params, then metrics, then tags.
    for kind in Kind::ALL {
        for key in columns.keys(kind, runs) {
            let field = kind.field(&key);
            if kind != Kind::Metric {
                let cells = runs.iter().map(|r| {
                    Cell::opt_text(match kind {
                        Kind::Param => r.data.params.get(&key),
                        _ => r.data.tags.get(&key),
                    })
                });
                push(field.label(), cells.collect(), Vec::new());
                continue;
            }
            let values = runs
                .iter()
                .map(|r| metric_value(r, &key, agg))
                .collect::<crate::store::Result<Vec<_>>>()?;
            let label = match agg {
                Agg::Last => field.label(),
                Agg::Min => format!("min({})", field.label()),
                Agg::Max => format!("max({})", field.label()),
            };
            let best = best_all(&values, directions.of(&key));
            push(
                label,
                values.into_iter().map(Cell::opt_float).collect(),
                best,
            );
        }
    }
    Ok(rows)
}

fn metric_value(run: &Run, key: &str, agg: Agg) -> crate::store::Result<Option<f64>> {
    if agg == Agg::Last {
        return Ok(run.data.metrics.get(key).copied());
    }
    let Some(points) = run.info.metric_history(key)? else {
        return Ok(None);
    };
    let values = points.iter().map(|p| p.value).filter(|v| !v.is_nan());
    let folded = match agg {
        Agg::Min => values.fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.min(v)))
        }),
        _ => values.fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        }),
    };
    Ok(Some(folded.unwrap_or(f64::NAN)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_treats_nan_as_equal_and_missing_as_different() {
        assert!(same(&Cell::Float(f64::NAN), &Cell::Float(f64::NAN)));
        assert!(!same(&Cell::Empty, &Cell::text("")));
    }
}
