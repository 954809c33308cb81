//! `mlrs compare`: runs side by side, one column per run and one row per param, metric and
//! chosen tag; rows that differ and the best value of each metric are highlighted.

use anyhow::Result;
use clap::ValueEnum;
use globset::GlobMatcher;
use serde_json::{Value, json};

use super::exit::{self, UsageError};
use super::search::{ScopeArgs, field_cell, find_runs, reload};
use super::{Ctx, complete};
use crate::query::{Columns, Direction, Kind, OrderBy, Target, direction, metric_globs, sort_runs};
use crate::render::{Cell, Output, Table, json_float};
use crate::store::{Run, RunInfo, Store};

const EXAMPLES: &str = "\
With neither RUN nor --filter, mlrs compares the 10 newest runs (--top N; --order-by changes
which come first) of the -e experiments, else of $MLFLOW_EXPERIMENT_NAME or
$MLFLOW_EXPERIMENT_ID, else of every active experiment.

Rows that differ between runs have their key highlighted, and the best value of each metric
is highlighted (bold green, or a trailing * without colour; **bold** in markdown): lowest for
names with loss, error, rmse, mae or mse, highest for acc, r2, auc, f1, precision, recall or
score, none for other names unless --min or --max names them.

Examples:
  mlrs compare 3df405d6 8ca5e65d 72b5887f
  mlrs compare -e nyc-taxi-duration --top 3 --only-changed     # its 3 newest runs
  mlrs compare --filter \"params.model_type = 'xgboost'\" -o metrics.rmse --top 5 --only-changed
  mlrs compare a1b2 c3d4 --max r2 --agg min -c 'metrics.*' -c 'tags.model.*' -f markdown";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Runs to compare: ids or unique prefixes [default: the newest runs, see below]
    #[arg(value_name = "RUN", add = complete::runs())]
    runs: Vec<String>,
    /// Compare the runs this filter finds instead (the syntax of `mlrs search`)
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// How many runs to compare with --filter or without RUN [default: 10]
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// With --filter: where to search and which runs come first; with RUN…: the column order
    #[command(flatten)]
    scope: ScopeArgs,
    /// Hide rows whose value is the same in every run
    #[arg(long)]
    only_changed: bool,
    /// Metrics where lower is better, e.g. 'val_*' (repeatable) [default: names with loss,
    /// error, rmse, mae or mse]
    #[arg(long = "min", value_name = "GLOB", add = complete::metric_keys())]
    lower_is_better: Vec<String>,
    /// Metrics where higher is better, e.g. '*accuracy*' (repeatable) [default: names with acc,
    /// r2, auc, f1, precision, recall or score; other names have no best]
    #[arg(long = "max", value_name = "GLOB", add = complete::metric_keys())]
    higher_is_better: Vec<String>,
    /// Which value of each metric's history to show
    #[arg(long, value_enum, ignore_case = true, default_value_t)]
    agg: Agg,
    /// Add a row with each run's history of METRIC as a sparkline (repeatable)
    #[arg(long, value_name = "METRIC", add = complete::metric_keys())]
    spark: Vec<String>,
    /// Rows to show, e.g. 'metrics.*', 'params.lr*', 'tags.model.family' (repeatable)
    /// [default: 'params.*' and 'metrics.*']
    #[arg(short = 'c', long = "columns", value_name = "GLOB", add = complete::entity_keys())]
    columns: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Agg {
    /// MLflow's latest value (highest step, then newest)
    #[default]
    Last,
    /// The smallest value logged (NaN ignored)
    Min,
    /// The largest value logged (NaN ignored)
    Max,
}

/// One row: a key and its value in each run.
struct Row {
    key: String,
    cells: Vec<Cell>,
    /// Indexes of the runs holding the best value (metric rows only).
    best: Vec<usize>,
    changed: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let columns = if args.columns.is_empty() {
        Columns::parse(&["params.*".into(), "metrics.*".into()]).map_err(UsageError)?
    } else {
        Columns::parse(&args.columns).map_err(UsageError)?
    };
    let lower = metric_globs(&args.lower_is_better).map_err(UsageError)?;
    let higher = metric_globs(&args.higher_is_better).map_err(UsageError)?;
    let runs = select_runs(ctx, &store, &args, &columns)?;
    if runs.is_empty() {
        ctx.note("no runs match the filter");
        return Ok(());
    }
    let mut rows = rows(&runs, &columns, args.agg, (&lower, &higher))?
        .into_iter()
        .filter(|r| !args.only_changed || r.changed || r.key == "run_id")
        .collect::<Vec<_>>();
    let infos: Vec<RunInfo> = runs.iter().map(|r| r.info.clone()).collect();
    for key in &args.spark {
        rows.push(Row {
            key: format!("spark({key})"),
            cells: super::plot::spark_cells(&infos, key)?,
            best: Vec::new(),
            changed: false,
        });
    }
    ctx.print(&output(&runs, &rows))
}

fn select_runs(ctx: &Ctx, store: &Store, args: &Args, columns: &Columns) -> Result<Vec<Run>> {
    let select = columns.selection();
    if args.runs.is_empty() {
        let found = find_runs(
            ctx,
            store,
            &args
                .scope
                .query(args.filter.as_deref(), Some(args.top.unwrap_or(10))),
        )?;
        return Ok(reload(ctx, store, found.runs, &select));
    }
    if args.filter.is_some() || args.top.is_some() || !args.scope.experiments.is_empty() {
        return Err(
            UsageError("give RUN ids, or --filter/--top/-e to find runs, not both".into()).into(),
        );
    }
    let mut infos = Vec::new();
    for id in &args.runs {
        let info = store.find_run(id)?;
        if !infos.iter().any(|i: &RunInfo| i.run_id == info.run_id) {
            infos.push(info);
        }
    }
    let order = OrderBy::parse_all(&args.scope.order_by, Target::Runs)?;
    let listing = store.load_runs(infos, &select.union(OrderBy::needs(&order).selection()));
    ctx.report(&listing.problems);
    if !listing.problems.is_empty() {
        // The healthy runs are still compared, but a run the user named is missing from the
        // table: a script must not take that for success.
        ctx.set_exit_code(exit::ERROR);
    }
    let mut runs = listing.items;
    if !order.is_empty() {
        sort_runs(&mut runs, &order);
    }
    Ok(runs)
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
    (lower, higher): (&[GlobMatcher], &[GlobMatcher]),
) -> Result<Vec<Row>> {
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
                let cells = runs.iter().map(|r| field_cell(r, &field)).collect();
                push(field.label(), cells, Vec::new());
                continue;
            }
            let values = runs
                .iter()
                .map(|r| metric_value(r, &key, agg))
                .collect::<Result<Vec<_>>>()?;
            let label = match agg {
                Agg::Last => field.label(),
                Agg::Min => format!("min({})", field.label()),
                Agg::Max => format!("max({})", field.label()),
            };
            let best = match direction(&key, lower, higher) {
                Some(d) => best_of(&values, d == Direction::Maximize),
                None => Vec::new(),
            };
            push(
                label,
                values.into_iter().map(Cell::opt_float).collect(),
                best,
            );
        }
    }
    Ok(rows)
}

fn metric_value(run: &Run, key: &str, agg: Agg) -> Result<Option<f64>> {
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

/// The runs holding the best finite value, when the finite values are not all the same.
fn best_of(values: &[Option<f64>], maximize: bool) -> Vec<usize> {
    let finite: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let Some(&first) = finite.first() else {
        return Vec::new();
    };
    if finite.iter().all(|&v| v == first) {
        return Vec::new();
    }
    let best = finite
        .iter()
        .copied()
        .fold(first, |a, v| if maximize { a.max(v) } else { a.min(v) });
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v == Some(best))
        .map(|(i, _)| i)
        .collect()
}

/// Column headers and legends for people: run names, with a short id where a name is empty or
/// repeated.
pub fn run_labels(runs: &[RunInfo]) -> Vec<String> {
    runs.iter()
        .map(|r| {
            let short = &r.run_id[..r.run_id.len().min(8)];
            let name = &r.run_name;
            let repeated = runs.iter().filter(|o| &o.run_name == name).count() > 1;
            match (name.is_empty(), repeated) {
                (true, _) => short.to_owned(),
                (false, true) => format!("{name} ({short})"),
                (false, false) => name.clone(),
            }
        })
        .collect()
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Empty => Value::Null,
        Cell::Text(s) | Cell::Status(s) | Cell::Id(s) => Value::from(s.as_str()),
        Cell::Int(i) | Cell::Time(i) | Cell::Duration(i) => Value::from(*i),
        Cell::Bytes(n) => Value::from(*n),
        Cell::Float(f) => json_float(*f),
    }
}

fn output(runs: &[Run], rows: &[Row]) -> Output {
    let infos: Vec<RunInfo> = runs.iter().map(|r| r.info.clone()).collect();
    let mut table = Table::new(std::iter::once("Key".to_string()).chain(run_labels(&infos)));
    let mut records = Table::new(
        std::iter::once("key".to_string()).chain(runs.iter().map(|r| r.info.run_id.clone())),
    );
    for (r, row) in rows.iter().enumerate() {
        let mut cells = row.cells.clone();
        records.push(
            std::iter::once(Cell::text(&row.key))
                .chain(cells.iter().cloned())
                .collect(),
        );
        if row.key == "run_id" {
            // Full ids are in CSV and JSON; eight characters tell runs apart on screen.
            for c in &mut cells {
                if let Cell::Text(id) = c {
                    id.truncate(8);
                }
            }
        }
        table.push(std::iter::once(Cell::text(&row.key)).chain(cells).collect());
        if row.changed {
            table.highlight.push((r, 0));
        }
        table.highlight.extend(row.best.iter().map(|&i| (r, i + 1)));
    }
    let json = json!({
        "runs": runs.iter().map(|r| json!({
            "run_id": r.info.run_id,
            "run_name": r.info.run_name,
            "experiment_id": r.info.experiment_id,
        })).collect::<Vec<_>>(),
        "rows": rows.iter().map(|row| json!({
            "key": row.key,
            "values": row.cells.iter().map(cell_json).collect::<Vec<_>>(),
            "changed": row.changed,
            "best": row.best.iter().map(|&i| runs[i].info.run_id.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    Output {
        table,
        json,
        records: Some(records),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_needs_a_difference() {
        assert_eq!(best_of(&[Some(2.0), Some(1.0), Some(1.0)], false), [1, 2]);
        assert_eq!(best_of(&[Some(2.0), None, Some(1.0)], true), [0]);
        assert!(best_of(&[Some(2.0), Some(2.0), None], true).is_empty());
        assert_eq!(
            best_of(
                &[
                    Some(f64::NAN),
                    Some(f64::NEG_INFINITY),
                    Some(3.0),
                    Some(4.0)
                ],
                false
            ),
            [2]
        );
    }

    #[test]
    fn change_treats_nan_as_equal_and_missing_as_different() {
        assert!(same(&Cell::Float(f64::NAN), &Cell::Float(f64::NAN)));
        assert!(!same(&Cell::Empty, &Cell::text("")));
    }
}
