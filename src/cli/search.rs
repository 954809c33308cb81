//! `mlrs search`: runs matching a filter, in MLflow's order, as a table of the keys the query
//! mentions (or JSON `Run.to_dictionary()`s, or `search_runs()` CSV columns). Reads only the
//! files the filter and order need, then what the output needs for the runs it shows.

use anyhow::Result;

use super::args::{DirectionArgs, FILTER_HELP, ScopeArgs};
use super::{Ctx, complete};
use crate::ops::columns::Columns;
use crate::ops::search::{SearchRequest, search};

const SEARCH_EXAMPLES: &str = "\
The best value of each metric column ends with ★ (bold green in colour; **bold** in markdown): lower for names with loss, error, rmse, mae or mse, higher for acc, r2, auc, f1,
precision, recall or score, none for other metrics, names with words of both kinds or negated
errors (neg_…) unless --lower-is-better/--higher-is-better name them.

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
    /// Hide columns whose value is the same in every run shown (as `compare --only-changed`)
    #[arg(long)]
    only_changed: bool,
    #[command(flatten)]
    directions: DirectionArgs,
    /// Add a sparkline of each run's history of METRIC (tables for people; repeatable)
    #[arg(long, value_name = "METRIC", add = complete::metric_keys())]
    spark: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let searched = search(
        &store,
        &SearchRequest {
            find: args.scope.find(ctx, args.filter.as_deref(), args.max),
            columns: Columns::parse(&args.columns)?,
            detail: ctx.detail(),
            lower_is_better: args.directions.lower,
            higher_is_better: args.directions.higher,
            spark: args.spark,
            only_changed: args.only_changed,
        },
    )?;
    ctx.show(&searched)
}
