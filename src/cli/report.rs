//! `mlrs report`: the runs a filter finds, written as one self-contained HTML page (table,
//! charts, details, models) that opens from disk with no network. Turns arguments into an
//! `ops::report` request and hands the result to `render::report`.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use super::args::DirectionArgs;
use super::args::FILTER_HELP;
use super::{Ctx, ViewArg, complete};
use crate::ops::find::FindRequest;
use crate::ops::report::{Request, load};
use crate::render::report::{Page, html};

const EXAMPLES: &str = "\
The page holds the runs table (sort by any column, filter in the language of `mlrs search` or
by text, choose columns, only changed columns, the best value of each metric marked: lower is
better for names with loss, error, rmse, mae or mse, higher for acc, r2, auc, f1, precision,
recall or score, unless --lower-is-better or --higher-is-better say otherwise), line charts of
the selected runs' metric histories (zoom, log y, smoothing, x by step or time), a scatter of a
param against a metric, parallel coordinates, each run's params, tags and artifacts, and the
registered model versions made from the runs. It needs no network: open it from disk.

Metric histories: the page holds every point while all of them fit in --max-points and no
series is longer than 4000 points. Otherwise each chart first draws thinned series (per step
column the lowest and the highest value, so no spike is lost) and says so. If the whole
histories of a metric's thinned series fit in what the budget leaves, they are in the page
too, and a button under the chart draws them; if not, the chart says how many points were
logged and how to see them: a larger --max-points (about 9 bytes a point), or `mlrs runs
history RUN KEY`.

Examples:
  mlrs report -e nyc-taxi-duration -o report.html
  mlrs report --filter \"params.model_type = 'xgboost'\" -o xgb.html --title 'XGBoost sweep'
  mlrs report -e sweep --refresh 30 -o live.html      # reloads itself while the sweep runs
  mlrs report -e sweep --max-points 10000000 -o all.html   # every point of long histories
  mlrs report -o - | gzip > report.html.gz";

#[derive(clap::Args, Debug)]
#[command(after_help = format!("{EXAMPLES}\n\n{FILTER_HELP}"))]
pub struct Args {
    /// Where to write the page ('-' for stdout)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Only the runs this filter finds (the syntax of `mlrs search`) [default: every run]
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
    /// Experiment id, name or name pattern such as 'nyc-*' (repeatable) [default:
    /// $MLFLOW_EXPERIMENT_ID or $MLFLOW_EXPERIMENT_NAME, else every active experiment]
    #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
    experiments: Vec<String>,
    /// The table's first order, e.g. 'metrics.rmse' (repeatable; as in `mlrs search`, whose
    /// -o this command uses for --output) [default: start_time DESC, run_id]
    #[arg(long = "order-by", value_name = "ORDER", add = complete::entity_keys())]
    order_by: Vec<String>,
    /// Which runs to include
    #[arg(long, value_enum, ignore_case = true, default_value_t)]
    view: ViewArg,
    /// The page's title [default: the experiments' names]
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Make the page reload itself every SECONDS (while a sweep is still running)
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..))]
    refresh: Option<u32>,
    /// The most metric history points the page holds (see below); the default keeps the page
    /// under about 15 MB (noisy values pack to about 9 bytes a point)
    #[arg(long, value_name = "N", default_value_t = 1_500_000)]
    max_points: usize,
    #[command(flatten)]
    directions: DirectionArgs,
}

const ARTIFACTS_PER_RUN: usize = 200;

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let report = load(
        &store,
        Request {
            find: FindRequest {
                filter: args.filter.clone().unwrap_or_default(),
                order_by: args.order_by.clone(),
                scope: ctx.scope(&args.experiments, args.view.into()),
                limit: None,
            },
            max_points: args.max_points,
            artifacts_per_run: ARTIFACTS_PER_RUN,
            lower_is_better: args.directions.lower,
            higher_is_better: args.directions.higher,
        },
    )?;
    ctx.report(&report);
    let title = args.title.unwrap_or_else(|| {
        let names: Vec<&String> = report.experiment_names.values().collect();
        match names.len() {
            0 => "mlrs report".to_owned(),
            1..=3 => format!(
                "mlrs report: {}",
                names
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            n => format!("mlrs report: {n} experiments"),
        }
    });
    let page = html(
        &report,
        &Page {
            title: &title,
            refresh: args.refresh,
            generated_ms: store.now_ms(),
        },
    );
    if args.output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        return match out.write_all(page.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("writing the report to stdout"),
        };
    }
    crate::store::write_output(&args.output, page.as_bytes())
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    ctx.note(&format!(
        "wrote {} ({} runs, {:.1} MB)",
        args.output.display(),
        report.runs.len(),
        page.len() as f64 / 1e6
    ));
    // The process ends next: freeing every run's maps one by one would only make it later.
    std::mem::forget(report);
    Ok(())
}
