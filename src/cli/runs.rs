//! `mlrs runs …`: start, end, list, describe, delete, restore.

use anyhow::Result;
use clap::Subcommand;

use super::args::{StartArgs, started_note};
use super::{Ctx, ViewArg, complete};
use crate::ops;
use crate::ops::context;
use crate::ops::runs::{Changed, ListRequest};
use crate::store::RunStatus;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs runs list -e nyc-taxi-duration --limit 5
  mlrs runs describe 8ca5e65d")]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Start a RUNNING run, as MLflow's `start_run` would, and print its id
    #[command(
        after_help = "Examples:\n  RUN=$(mlrs runs start -e taxi --name baseline --param lr=0.1)\n  mlrs log $RUN --metric rmse=4.2\n  mlrs runs end $RUN\n  mlrs runs start -e sweep --create-experiment --parent $PARENT --tag trial=3"
    )]
    Start(StartArgs),
    /// End a run: set its status and end time
    #[command(
        after_help = "Examples:\n  mlrs runs end $RUN\n  mlrs runs end --status FAILED        # the run in $MLFLOW_RUN_ID"
    )]
    End {
        /// Run id, unique prefix or name [default: $MLFLOW_RUN_ID]
        #[arg(add = complete::runs())]
        run: Option<String>,
        /// The final status
        #[arg(long, value_enum, ignore_case = true, default_value_t = EndStatus::Finished)]
        status: EndStatus,
        /// End it even if it already ended (a new status and end time)
        #[arg(long)]
        force: bool,
    },
    /// List runs, newest first (reads only each run's meta.yaml)
    #[command(
        alias = "ls",
        after_help = "Examples:\n  mlrs runs list\n  mlrs runs list -e nyc-taxi --limit 10\n  mlrs runs list --view deleted --format csv > deleted.csv"
    )]
    List {
        /// Experiment id, name or name pattern such as 'nyc-*' (repeatable) [default:
        /// $MLFLOW_EXPERIMENT_ID or $MLFLOW_EXPERIMENT_NAME, else every active experiment]
        #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
        experiments: Vec<String>,
        /// Which runs to show
        #[arg(long, value_enum, ignore_case = true, default_value_t)]
        view: ViewArg,
        /// Show at most N runs
        #[arg(short = 'n', long, visible_alias = "max", value_name = "N")]
        limit: Option<usize>,
    },
    /// Show one run: info, params, metrics (latest values), tags, dataset inputs
    #[command(
        after_help = "Examples:\n  mlrs runs describe 3df405d6\n  mlrs runs describe $MLFLOW_RUN_ID --format json | jq .data.metrics"
    )]
    Describe {
        /// Run id, unique prefix or name [default: $MLFLOW_RUN_ID]
        #[arg(add = complete::runs())]
        run: Option<String>,
    },
    /// Print every logged value of metrics, in the order logged (nothing is sampled)
    #[command(
        after_help = "Examples:\n  mlrs runs history 3df405d6 rmse\n  mlrs runs history 3df405d6 'train/*' val_rmse --format csv > history.csv\n  mlrs runs history $MLFLOW_RUN_ID loss --format json | jq '[.[].value]'"
    )]
    History {
        /// Run id, unique prefix or name
        #[arg(add = complete::runs())]
        run: String,
        /// Metric keys or patterns such as 'train/*' [default: every metric]
        #[arg(value_name = "METRIC", add = complete::metric_keys())]
        metrics: Vec<String>,
    },
    /// Delete runs (soft delete, as MLflow; `restore` undoes it, `gc` makes it permanent)
    #[command(
        after_help = "Examples:\n  mlrs runs delete 8ca5e65d 72b5887f\n  mlrs search \"status = 'FAILED'\" -f json | jq -r '.[].info.run_id' | xargs -r mlrs runs delete"
    )]
    Delete {
        #[arg(required = true, value_name = "RUN", add = complete::runs())]
        runs: Vec<String>,
    },
    /// Restore deleted runs
    #[command(
        after_help = "Examples:\n  mlrs runs list --view deleted\n  mlrs runs restore 3df405d6"
    )]
    Restore {
        #[arg(required = true, value_name = "RUN", add = complete::runs())]
        runs: Vec<String>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum EndStatus {
    Finished,
    Failed,
    Killed,
}

impl From<EndStatus> for RunStatus {
    fn from(s: EndStatus) -> RunStatus {
        match s {
            EndStatus::Finished => RunStatus::Finished,
            EndStatus::Failed => RunStatus::Failed,
            EndStatus::Killed => RunStatus::Killed,
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    match args.command {
        Cmd::Start(start) => {
            let source = start.source.clone().unwrap_or_else(context::calling_script);
            let started =
                ops::start::start(&start.request(ctx, source, ctx.cwd.clone(), Vec::new()))?;
            started_note(ctx, &started);
            ctx.show(&started)
        }
        Cmd::End { run, status, force } => {
            let store = ctx.store()?;
            let run = ctx.run_or_env(run.as_deref())?;
            let ended = ops::runs::end(&store, &run, status.into(), force)?;
            ctx.note(&format!(
                "run {} ({}) is {}",
                ended.run_id,
                ended.run_name,
                ended.status.as_str()
            ));
            Ok(())
        }
        Cmd::List {
            experiments,
            view,
            limit,
        } => {
            let store = ctx.store()?;
            let request = ListRequest {
                scope: ctx.scope(&experiments, view.into()),
                limit,
            };
            ctx.show(&ops::runs::list(&store, &request)?)
        }
        Cmd::Describe { run } => {
            let store = ctx.store()?;
            ctx.show(&ops::runs::describe(
                &store,
                &ctx.run_or_env(run.as_deref())?,
            )?)
        }
        Cmd::History { run, metrics } => {
            let store = ctx.store()?;
            ctx.show(&ops::history::history(&store, &run, &metrics)?)
        }
        Cmd::Delete { runs } => set_deleted(ctx, &runs, true),
        Cmd::Restore { runs } => set_deleted(ctx, &runs, false),
    }
}

fn set_deleted(ctx: &Ctx, ids: &[String], delete: bool) -> Result<()> {
    let store = ctx.store()?;
    let verb = if delete { "deleted" } else { "restored" };
    for Changed { run, changed } in ops::runs::set_deleted(&store, ids, delete)? {
        if changed {
            ctx.note(&format!("{verb} run {} ({})", run.run_id, run.run_name));
        } else {
            ctx.note(&format!(
                "run {} ({}) is already {verb}",
                run.run_id, run.run_name
            ));
        }
    }
    Ok(())
}
