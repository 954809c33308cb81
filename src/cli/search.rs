//! `mlrs search`: runs matching a filter, in MLflow's order, as a table of the keys the query
//! mentions (or JSON `Run.to_dictionary()`s, or `search_runs()` CSV columns). Reads only the
//! files the filter and order need, then what the output needs for the runs it shows.

use std::collections::HashMap;

use anyhow::Result;
use serde_json::Value;

use super::exit::UsageError;
use super::shape::{run_json, run_records};
use super::{Ctx, ViewArg, complete, runs};
use crate::query::{Attr, Columns, Field, Filter, Kind, OrderBy, Target, sort_runs};
use crate::render::{Cell, Format, Output, Table};
use crate::store::{DataSelection, Experiment, Run, Store, ViewType};

pub const FILTER_HELP: &str = "\
Filter syntax: MLflow's search_runs, plus the extensions marked *
  metrics.rmse < 6                 numbers: = != < <= > >= (NaN only matches !=)
  params.model = 'xgboost'         strings, quoted: = != LIKE ILIKE, IS [NOT] NULL,
                                   IN ('a', 'b') (* on any key), NOT LIKE*, NOT IN
  tags.`model.family` = 'tree'     backticks or double quotes around keys with / - or spaces
  status = 'FAILED'                attributes: run_id run_name status user_id artifact_uri
  start_time > now-2d              start_time end_time (ms); now±2d, 12h, 30m, 1h30m*
  datasets.context = 'training'    datasets.name, .digest, .context
  a AND b   a OR b*   NOT a*   (a OR b) AND c*
A run without the key never matches a comparison (use IS NULL, or NOT*).";

const SEARCH_EXAMPLES: &str = "\
Examples:
  mlrs search 'metrics.rmse < 6 and params.model_type = \"xgboost\"' --order-by 'metrics.rmse'
  mlrs search \"tags.model.family IN ('tree', 'boosting') OR metrics.r2 > 0.9\" -c 'params.*'
  mlrs search \"params.lr = '0.1'\" -e 'nyc-*' --order-by 'metrics.r2 DESC' --max 5 -f markdown
  mlrs search \"status = 'FAILED' and start_time > now-7d\" --format json | jq -r '.[].info.run_id'";

#[derive(clap::Args, Debug)]
#[command(after_help = format!("{FILTER_HELP}\n\n{SEARCH_EXAMPLES}"))]
pub struct Args {
    /// The filter (see below) [default: every run]
    #[arg(value_name = "FILTER")]
    filter: Option<String>,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Show at most N runs
    #[arg(short = 'n', long = "max", visible_alias = "limit", value_name = "N")]
    max: Option<usize>,
    /// Also show these keys, e.g. 'metrics.*', 'params.lr*', 'tags.mlflow.user' (repeatable)
    #[arg(short = 'c', long = "columns", value_name = "GLOB", add = complete::entity_keys())]
    columns: Vec<String>,
    /// Add a column with each run's history of METRIC as a sparkline (repeatable)
    #[arg(long, value_name = "METRIC", add = complete::metric_keys())]
    spark: Vec<String>,
}

/// Where to search and in which order; shared with `compare`.
#[derive(clap::Args, Debug)]
pub struct ScopeArgs {
    /// Experiment id, name or name pattern such as 'nyc-*' (repeatable) [default:
    /// $MLFLOW_EXPERIMENT_ID or $MLFLOW_EXPERIMENT_NAME, else every active experiment]
    #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
    pub experiments: Vec<String>,
    /// Sort by a key, ASC (default) or DESC, e.g. 'metrics.rmse DESC' (repeatable; the first
    /// one counts most) [default: start_time DESC, run_id]
    #[arg(short = 'o', long = "order-by", value_name = "ORDER", add = complete::entity_keys())]
    pub order_by: Vec<String>,
    /// Which runs to search
    #[arg(long, value_enum, ignore_case = true, default_value_t)]
    pub view: ViewArg,
}

impl ScopeArgs {
    /// The query for `filter` in this scope, cut to `limit` runs.
    pub fn query<'a>(&'a self, filter: Option<&'a str>, limit: Option<usize>) -> Query<'a> {
        Query {
            filter: filter.unwrap_or(""),
            order_by: &self.order_by,
            experiments: &self.experiments,
            view: self.view.into(),
            limit,
        }
    }
}

/// What to look for; shared with `compare --filter`.
pub struct Query<'a> {
    pub filter: &'a str,
    pub order_by: &'a [String],
    pub experiments: &'a [String],
    pub view: ViewType,
    pub limit: Option<usize>,
}

pub struct Found {
    /// In MLflow's order, with the data the filter and order read.
    pub runs: Vec<Run>,
    /// The keys the order and the filter mention, in that order, once each.
    pub fields: Vec<Field>,
    pub experiments: Vec<Experiment>,
}

/// Parse, select, load only what the query reads (in parallel, testing each run as it is
/// loaded), sort, cut.
pub fn find_runs(ctx: &Ctx, store: &Store, q: &Query) -> Result<Found> {
    let filter = Filter::parse(q.filter, Target::Runs, store.now_ms())?;
    let order = OrderBy::parse_all(q.order_by, Target::Runs)?;
    let experiments = runs::scope(ctx, store, q.experiments, q.view)?;
    let listing = store.run_infos(&experiments, q.view)?;
    ctx.report(&listing.problems);
    let mut needs = filter.needs().clone();
    needs.merge(&OrderBy::needs(&order));
    let loaded =
        store.load_runs_where(listing.items, &needs.selection(), |run| filter.matches(run));
    ctx.report(&loaded.problems);
    let mut runs = loaded.items;
    sort_runs(&mut runs, &order);
    if let Some(n) = q.limit {
        runs.truncate(n);
    }
    let mut fields: Vec<Field> = order.into_iter().map(|o| o.field).collect();
    for f in filter.fields() {
        if !fields.contains(f) {
            fields.push(f.clone());
        }
    }
    Ok(Found {
        runs,
        fields,
        experiments,
    })
}

/// Load `select` again for runs already found (their order is kept).
pub fn reload(ctx: &Ctx, store: &Store, runs: Vec<Run>, select: &DataSelection) -> Vec<Run> {
    let listing = store.load_runs(runs.into_iter().map(|r| r.info).collect(), select);
    ctx.report(&listing.problems);
    listing.items
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let columns = Columns::parse(&args.columns).map_err(UsageError)?;
    let found = find_runs(
        ctx,
        &store,
        &args.scope.query(args.filter.as_deref(), args.max),
    )?;
    let mut runs = found.runs;
    if ctx.format == Format::Json {
        let runs = reload(ctx, &store, runs, &DataSelection::everything());
        return ctx.print(&Output::new(
            Table::default(),
            Value::Array(runs.iter().map(run_json).collect()),
        ));
    }
    let mut fields: Vec<Field> = found
        .fields
        .into_iter()
        .filter(|f| {
            !matches!(
                f,
                Field::Dataset(_)
                    | Field::Attr(Attr::RunId | Attr::RunName | Attr::Status | Attr::StartTime)
            )
        })
        .collect();
    if !columns.is_empty() {
        let mut needs = crate::query::Needs::default();
        fields.iter().for_each(|f| needs.add(f));
        runs = reload(
            ctx,
            &store,
            runs,
            &needs.selection().union(columns.selection()),
        );
        for kind in Kind::ALL {
            for key in columns.keys(kind, &runs) {
                let field = kind.field(&key);
                if !fields.contains(&field) {
                    fields.push(field);
                }
            }
        }
    }
    let names: HashMap<&str, &str> = found
        .experiments
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let mut table = search_table(
        &runs,
        &fields,
        (found.experiments.len() > 1).then_some(&names),
    );
    let infos: Vec<_> = runs.iter().map(|r| r.info.clone()).collect();
    for key in &args.spark {
        table.headers.push(format!("spark({key})"));
        for (row, cell) in table
            .rows
            .iter_mut()
            .zip(super::plot::spark_cells(&infos, key)?)
        {
            row.push(cell);
        }
    }
    // CSV/TSV: `search_runs()` columns for the keys shown.
    for run in &mut runs {
        let shown = |kind: Kind, key: &String| fields.contains(&kind.field(key));
        run.data.metrics.retain(|k, _| shown(Kind::Metric, k));
        run.data.params.retain(|k, _| shown(Kind::Param, k));
        run.data.tags.retain(|k, _| shown(Kind::Tag, k));
    }
    ctx.print(&Output {
        table,
        json: Value::Null,
        records: Some(run_records(&runs)),
    })
}

fn search_table(
    runs: &[Run],
    fields: &[Field],
    experiment_names: Option<&HashMap<&str, &str>>,
) -> Table {
    let mut headers = vec!["Run ID".to_string(), "Name".into()];
    if experiment_names.is_some() {
        headers.push("Experiment".into());
    }
    headers.extend(["Status".into(), "Start".into()]);
    headers.extend(fields.iter().map(Field::label));
    let mut table = Table::new(headers);
    for run in runs {
        let i = &run.info;
        let mut row = vec![Cell::Id(i.run_id.clone()), Cell::text(&i.run_name)];
        if let Some(names) = experiment_names {
            row.push(Cell::text(
                names.get(i.experiment_id.as_str()).copied().unwrap_or(""),
            ));
        }
        row.push(Cell::Status(i.status.as_str().into()));
        row.push(Cell::opt_time(i.start_time));
        row.extend(fields.iter().map(|f| field_cell(run, f)));
        table.push(row);
    }
    table
}

/// One value of a run, as a table cell.
pub fn field_cell(run: &Run, field: &Field) -> Cell {
    match field {
        Field::Metric(k) => Cell::opt_float(run.data.metrics.get(k).copied()),
        Field::Param(k) => Cell::opt_text(run.data.params.get(k)),
        Field::Tag(k) => Cell::opt_text(run.data.tags.get(k)),
        Field::Attr(Attr::EndTime) => Cell::opt_time(run.info.end_time),
        Field::Attr(Attr::UserId) => Cell::text(&run.info.user_id),
        Field::Attr(Attr::ArtifactUri) => Cell::text(&run.info.artifact_uri),
        // The other run attributes have their own columns.
        Field::Attr(_) | Field::Dataset(_) => Cell::Empty,
    }
}
