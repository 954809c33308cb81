//! `compare`'s use case: runs side by side — the runs named or found, loaded for the chosen
//! keys, one row per key with each run's value (a metric's latest, min or max), whether the
//! row changes between runs and which runs hold the best value. Must not build the view.

use super::UsageError;
use super::columns::{Columns, Kind};
use super::find::{FindRequest, find, named_runs};
use super::history::{Spark, sparks};
use super::keys::{self, UnknownKey};
use crate::query::{Directions, OrderBy, Target, best_all, sort_runs};
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
    /// Rows beyond id, status and start; none means every param and metric.
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
    /// Keys the columns, filter or order name that no compared run has.
    pub unknown: Vec<UnknownKey>,
    pub problems: Vec<Problem>,
}

outcome!(Compared; unknown);

/// One row: a key and its value in each run.
pub struct Row {
    pub key: String,
    pub entries: Vec<Entry>,
    /// Indexes of the runs holding the best value (metric rows only).
    pub best: Vec<usize>,
    pub changed: bool,
}

/// One run's value in a row.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Missing,
    RunId(String),
    Text(String),
    Status(String),
    /// Milliseconds since the epoch.
    Time(i64),
    Number(f64),
}

impl Entry {
    fn text(s: Option<&String>) -> Entry {
        s.map_or(Entry::Missing, |s| Entry::Text(s.clone()))
    }
}

pub fn compare(store: &Store, req: &CompareRequest) -> anyhow::Result<Compared> {
    let directions =
        Directions::parse(&req.lower_is_better, &req.higher_is_better).map_err(UsageError)?;
    let default_columns;
    let columns = if req.columns.is_empty() {
        default_columns = Columns::parse(&["params.*".into(), "metrics.*".into()])?;
        &default_columns
    } else {
        &req.columns
    };
    let mut selected = select_runs(store, req, columns)?;
    selected.unknown.extend(req.columns.unknown(&selected.runs));
    let rows = rows(&selected.runs, columns, req.agg, &directions)?
        .into_iter()
        .filter(|r| !req.only_changed || r.changed || r.key == "run_id")
        .collect();
    let named_run_unreadable = selected.named && !selected.problems.is_empty();
    let infos: Vec<RunInfo> = selected.runs.iter().map(|r| r.info.clone()).collect();
    let sparks = sparks(
        &infos,
        &req.spark,
        &mut selected.problems,
        &mut selected.unknown,
    );
    Ok(Compared {
        named_run_unreadable,
        runs: selected.runs,
        rows,
        sparks,
        unknown: selected.unknown,
        problems: selected.problems,
    })
}

struct Selected {
    runs: Vec<Run>,
    problems: Vec<Problem>,
    /// Keys the filter or order names that no run has.
    unknown: Vec<UnknownKey>,
    /// The user named the runs.
    named: bool,
}

fn select_runs(store: &Store, req: &CompareRequest, columns: &Columns) -> anyhow::Result<Selected> {
    let select = columns.selection();
    let (ids, order_by) = match &req.runs {
        Runs::Found(find_req) => {
            let mut found = find(store, find_req)?;
            found.load(store, &select);
            return Ok(Selected {
                runs: found.runs,
                problems: found.problems,
                unknown: found.unknown,
                named: false,
            });
        }
        Runs::Named { ids, order_by } => (ids, order_by),
    };
    let infos = named_runs(store, ids)?;
    let order = OrderBy::parse_all(order_by, Target::Runs)
        .map_err(|e| keys::hint_bare_key(e, || infos.clone()))?;
    let unknown = keys::unknown(order.iter().map(|o| &o.field), &infos);
    let listing = store.load_runs(infos, &select.union(OrderBy::needs(&order).selection()));
    let mut runs = listing.items;
    if !order.is_empty() {
        sort_runs(&mut runs, &order);
    }
    Ok(Selected {
        runs,
        problems: listing.problems,
        unknown,
        named: true,
    })
}

/// Whether a row changes from run to run, the rule of `--only-changed` (`compare`'s rows,
/// `search`'s columns).
pub fn differs(entries: &[Entry]) -> bool {
    entries.iter().any(|e| !same(e, &entries[0]))
}

/// Equal for the purpose of "did it change": NaN equals NaN, a missing key equals nothing.
fn same(a: &Entry, b: &Entry) -> bool {
    match (a, b) {
        (Entry::Number(x), Entry::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
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
    let mut push = |key: String, entries: Vec<Entry>, best: Vec<usize>| {
        // Run ids always differ; marking them would say nothing.
        let changed = key != "run_id" && differs(&entries);
        rows.push(Row {
            key,
            entries,
            best,
            changed,
        });
    };
    push(
        "run_id".into(),
        runs.iter()
            .map(|r| Entry::RunId(r.info.run_id.clone()))
            .collect(),
        Vec::new(),
    );
    if runs
        .iter()
        .any(|r| r.info.experiment_id != runs[0].info.experiment_id)
    {
        push(
            "experiment_id".into(),
            runs.iter()
                .map(|r| Entry::Text(r.info.experiment_id.clone()))
                .collect(),
            Vec::new(),
        );
    }
    push(
        "status".into(),
        runs.iter()
            .map(|r| Entry::Status(r.info.status.as_str().into()))
            .collect(),
        Vec::new(),
    );
    push(
        "start_time".into(),
        runs.iter()
            .map(|r| r.info.start_time.map_or(Entry::Missing, Entry::Time))
            .collect(),
        Vec::new(),
    );
    // Params, then metrics, then tags.
    for kind in Kind::ALL {
        for key in columns.keys(kind, runs) {
            let field = kind.field(&key);
            if kind != Kind::Metric {
                let cells = runs.iter().map(|r| {
                    Entry::text(match kind {
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
                values
                    .into_iter()
                    .map(|v| v.map_or(Entry::Missing, Entry::Number))
                    .collect(),
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
        assert!(same(&Entry::Number(f64::NAN), &Entry::Number(f64::NAN)));
        assert!(!same(&Entry::Missing, &Entry::Text(String::new())));
    }
}
