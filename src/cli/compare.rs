//! `mlrs compare`: runs side by side, one column per run and one row per param, metric and
//! chosen tag; rows that differ and the best value of each metric are highlighted.

use anyhow::Result;
use clap::ValueEnum;

use super::args::{DirectionArgs, ScopeArgs};
use super::exit::{self, UsageError};
use super::{Ctx, complete};
use crate::ops::columns::Columns;
use crate::ops::compare::{Agg, CompareRequest, Runs, compare};

const EXAMPLES: &str = "\
With neither RUN nor --filter, mlrs compares the 10 newest runs (--top N; --order-by changes
which come first) of the -e experiments, else of $MLFLOW_EXPERIMENT_NAME or
$MLFLOW_EXPERIMENT_ID, else of every active experiment.

Rows that differ between runs end their key with * (yellow in colour), and the best value of
each metric ends with ★ (bold green in colour; **bold** in markdown). Lower is better for names
with loss, error, rmse, mae or mse, higher for acc, r2, auc, f1, precision, recall or score;
other metrics, names with words of both kinds and negated errors (neg_…) get no mark unless
--lower-is-better/--higher-is-better name them.

Examples:
  mlrs compare 3df405d6 8ca5e65d 72b5887f
  mlrs compare -e nyc-taxi-duration -n 3 --only-changed       # its 3 newest runs
  mlrs compare --filter \"params.model_type = 'xgboost'\" -o metrics.rmse --top 5 --only-changed
  mlrs compare a1b2 c3d4 --higher-is-better epoch --agg min -c 'metrics.*' -f markdown";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Runs to compare: ids, unique prefixes or names [default: the newest runs, see below]
    #[arg(value_name = "RUN", add = complete::runs())]
    runs: Vec<String>,
    /// Compare the runs this filter finds instead (the syntax of `mlrs search`)
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// How many runs to compare with --filter or without RUN [default: 10]
    #[arg(short = 'n', long, visible_alias = "max", value_name = "N")]
    top: Option<usize>,
    /// With --filter: where to search and which runs come first; with RUN…: the column order
    #[command(flatten)]
    scope: ScopeArgs,
    /// Hide rows whose value is the same in every run
    #[arg(long)]
    only_changed: bool,
    #[command(flatten)]
    directions: DirectionArgs,
    /// Which value of each metric's history to show
    #[arg(long, value_enum, ignore_case = true, default_value_t)]
    agg: AggArg,
    /// Rows to show, e.g. 'metrics.*', 'params.lr*', 'tags.model.family' (repeatable)
    /// [default: 'params.*' and 'metrics.*']
    #[arg(short = 'c', long = "columns", value_name = "GLOB", add = complete::entity_keys())]
    columns: Vec<String>,
    /// Add a row with a sparkline of each run's history of METRIC (tables for people; repeatable)
    #[arg(long, value_name = "METRIC", add = complete::metric_keys())]
    spark: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
enum AggArg {
    /// MLflow's latest value (highest step, then newest)
    #[default]
    Last,
    /// The smallest value logged (NaN ignored)
    Min,
    /// The largest value logged (NaN ignored)
    Max,
}

impl From<AggArg> for Agg {
    fn from(a: AggArg) -> Agg {
        match a {
            AggArg::Last => Agg::Last,
            AggArg::Min => Agg::Min,
            AggArg::Max => Agg::Max,
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let columns = Columns::parse(&args.columns)?;
    let runs = if args.runs.is_empty() {
        let limit = Some(args.top.unwrap_or(10));
        Runs::Found(args.scope.find(ctx, args.filter.as_deref(), limit))
    } else if args.filter.is_some() || args.top.is_some() || !args.scope.experiments.is_empty() {
        return Err(
            UsageError("give RUN ids, or --filter/--top/-e to find runs, not both".into()).into(),
        );
    } else {
        Runs::Named {
            ids: args.runs,
            order_by: args.scope.order_by,
        }
    };
    let compared = compare(
        &store,
        &CompareRequest {
            runs,
            columns,
            agg: args.agg.into(),
            lower_is_better: args.directions.lower,
            higher_is_better: args.directions.higher,
            only_changed: args.only_changed,
            spark: args.spark,
        },
    )?;
    if compared.named_run_unreadable {
        // The healthy runs are still compared, but a run the user named is missing from the
        // table: a script must not take that for success.
        ctx.set_exit_code(exit::ERROR);
    }
    if compared.runs.is_empty() {
        ctx.report(&compared);
        ctx.note("no runs match the filter");
        return Ok(());
    }
    ctx.show(&compared)
}
