//! `mlrs runs …`: start, end, list, describe, delete, restore.

use anyhow::Result;
use clap::Subcommand;
use serde_json::Value;

use super::exit::UsageError;
use super::run_context as context;
use super::shape::{self, key_value_table, run_info_json, run_json, run_records};
use super::{Ctx, ExperimentRef, ViewArg, complete, key_value};
use crate::render::{Cell, Format, Output, Table};
use crate::store::{Batch, NewRun};
use crate::store::{
    DataSelection, ErrorKind, Experiment, Run, RunInfo, RunStatus, Store, StoreError, Subject,
    ViewType, quote, sort_runs_default,
};

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
        /// Run id or unique prefix [default: $MLFLOW_RUN_ID]
        #[arg(add = complete::runs())]
        run: Option<String>,
        /// The final status
        #[arg(long, value_enum, ignore_case = true, default_value_t = EndStatus::Finished)]
        status: EndStatus,
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
        /// Run id or unique prefix [default: $MLFLOW_RUN_ID]
        #[arg(add = complete::runs())]
        run: Option<String>,
    },
    /// Print every logged value of metrics, in the order logged (nothing is sampled)
    #[command(
        after_help = "Examples:\n  mlrs runs history 3df405d6 rmse\n  mlrs runs history 3df405d6 'train/*' val_rmse --format csv > history.csv\n  mlrs runs history $MLFLOW_RUN_ID loss --format json | jq '[.[].value]'"
    )]
    History {
        /// Run id or unique prefix
        #[arg(add = complete::runs())]
        run: String,
        /// Metric keys or patterns such as 'train/*'
        #[arg(required = true, value_name = "METRIC", add = complete::metric_keys())]
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

/// How a new run is described; shared by `runs start` and `mlrs run`.
#[derive(clap::Args, Debug, Clone)]
pub struct StartArgs {
    /// Experiment id or name [default: $MLFLOW_EXPERIMENT_NAME, $MLFLOW_EXPERIMENT_ID, else Default]
    #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
    pub experiment: Option<String>,
    /// Create the experiment when it does not exist
    #[arg(long)]
    pub create_experiment: bool,
    /// Run name [default: a random name, as MLflow picks]
    #[arg(long)]
    pub name: Option<String>,
    /// A tag to set, KEY=VALUE (repeatable)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    pub tags: Vec<(String, String)>,
    /// A param to log, KEY=VALUE (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = key_value)]
    pub params: Vec<(String, String)>,
    /// Parent run (id or prefix): makes this a nested run
    #[arg(long, value_name = "RUN", add = complete::runs())]
    pub parent: Option<String>,
    /// Description (shown in MLflow's UI; markdown)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Source name to record [default: the script that called mlrs]
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
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
            let (_, info) = start_run(ctx, &start, &source, &ctx.cwd, Vec::new())?;
            if ctx.format == Format::Json {
                ctx.print(&Output::new(
                    Table::default(),
                    serde_json::json!({ "info": run_info_json(&info) }),
                ))
            } else {
                ctx.print_line(&info.run_id)
            }
        }
        Cmd::End { run, status } => {
            let store = ctx.store()?;
            let info = store.find_run(&ctx.run_or_env(run.as_deref())?)?;
            let ended = store.end_run(&info, status.into(), store.now_ms())?;
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
        } => list(ctx, &experiments, view.into(), limit),
        Cmd::Describe { run } => {
            let store = ctx.store()?;
            let info = store.find_run(&ctx.run_or_env(run.as_deref())?)?;
            let data = info.load_data(&DataSelection::everything())?;
            let experiment = store.experiment_of(&info)?;
            ctx.print(&describe(&Run { info, data }, &experiment))
        }
        Cmd::History { run, metrics } => super::history::history(ctx, &run, &metrics),
        Cmd::Delete { runs } => change_lifecycle(ctx, &runs, true),
        Cmd::Restore { runs } => change_lifecycle(ctx, &runs, false),
    }
}

/// Start a run as MLflow's fluent `start_run` does: the experiment from `-e` or the
/// environment (created on request), the system tags of the context, then `extra_tags`.
pub fn start_run(
    ctx: &Ctx,
    args: &StartArgs,
    source: &str,
    source_dir: &std::path::Path,
    extra_tags: Vec<(String, String)>,
) -> Result<(Store, RunInfo)> {
    let wanted = match &args.experiment {
        Some(e) => ExperimentRef::IdOrName(e.clone()),
        None => ctx
            .env_experiment()
            .unwrap_or_else(|| ExperimentRef::Id("0".into())),
    };
    let user = context::user();
    let mut tags = vec![
        (context::USER.to_owned(), user.clone()),
        (context::SOURCE_NAME.to_owned(), source.to_owned()),
        (context::SOURCE_TYPE.to_owned(), "LOCAL".to_owned()),
    ];
    tags.extend(context::git_tags(source_dir));
    if let Some(text) = &args.description {
        tags.push((context::NOTE.to_owned(), text.clone()));
    }
    tags.extend(extra_tags);
    // User tags last: they win over the context's, as in MLflow.
    for (k, v) in &args.tags {
        tags.retain(|(old, _)| old != k);
        tags.push((k.clone(), v.clone()));
    }
    // Everything that can be wrong is checked before the first write (the store, the
    // experiment or the run).
    Batch {
        params: args.params.clone(),
        tags: tags.clone(),
        ..Batch::default()
    }
    .validate()?;
    let create_store =
        ctx.store_is_fresh() && (args.create_experiment || wanted == ExperimentRef::Id("0".into()));
    let store = if create_store {
        ctx.store_for_write()?
    } else if let (true, Some(name)) = (ctx.store_is_fresh(), wanted.creatable_name()) {
        // The missing store is not the problem the user has to solve: the experiment is.
        return Err(StoreError::not_found(
            Subject::input("experiment", name),
            format!(
                "experiment '{name}' does not exist: there is no store at {} yet",
                ctx.store_root().display()
            ),
        )
        .with_hint("add --create-experiment to create both")
        .into());
    } else {
        ctx.store()?
    };
    if let Some(parent) = &args.parent {
        tags.push((
            context::PARENT_RUN.to_owned(),
            store.find_run(parent)?.run_id,
        ));
    }
    let experiment = match (wanted.find(&store), wanted.creatable_name()) {
        (Ok(e), _) => e,
        (Err(e), Some(name)) if e.kind() == ErrorKind::NotFound && args.create_experiment => {
            let (e, created) = store.get_or_create_experiment(name, &ctx.cwd)?;
            if created {
                ctx.note(&format!("created experiment '{}' (id {})", e.name, e.id));
            }
            e
        }
        (Err(e), Some(_)) if e.kind() == ErrorKind::NotFound => {
            return Err(e.with_hint("add --create-experiment to create it").into());
        }
        (Err(e), _) => return Err(e.into()),
    };
    // MLflow's user_id is the `mlflow.user` tag the run is created with.
    let user_id = tags
        .iter()
        .rev()
        .find(|(k, _)| k == context::USER)
        .map_or(user, |(_, v)| v.clone());
    let info = store.create_run(NewRun {
        experiment: &experiment,
        // An empty name gets a random one, as in MLflow.
        run_name: args.name.as_deref().filter(|n| !n.is_empty()),
        user_id: &user_id,
        start_time: store.now_ms(),
        tags,
        params: args.params.clone(),
    })?;
    Ok((store, info))
}

/// The experiments a run command looks at: `-e` values, else MLflow's environment variables,
/// else every experiment in `view`.
pub fn scope(
    ctx: &Ctx,
    store: &Store,
    names: &[String],
    view: ViewType,
) -> Result<Vec<Experiment>> {
    if names.is_empty()
        && let Some(from_env) = ctx.env_experiment()
    {
        return Ok(vec![from_env.find(store)?]);
    }
    let wanted = names;
    // Runs of deleted experiments are deleted runs, so they belong to non-active views.
    let exp_view = if view == ViewType::ActiveOnly {
        ViewType::ActiveOnly
    } else {
        ViewType::All
    };
    if wanted.is_empty() {
        let listing = store.experiments(exp_view)?;
        ctx.report(&listing.problems);
        return Ok(listing.items);
    }
    let mut all: Option<Vec<Experiment>> = None;
    let mut out: Vec<Experiment> = Vec::new();
    for name in wanted {
        let found = match store.find_experiment(name) {
            Err(e) if e.kind() == ErrorKind::NotFound && name.contains(['*', '?', '[']) => {
                let glob = globset::Glob::new(name)
                    .map_err(|e| {
                        UsageError(format!("bad experiment pattern {}: {e}", quote(name)))
                    })?
                    .compile_matcher();
                let all = match &mut all {
                    Some(all) => all,
                    None => all.insert(store.experiments(exp_view)?.items),
                };
                let matched: Vec<Experiment> = all
                    .iter()
                    .filter(|e| glob.is_match(&e.name))
                    .cloned()
                    .collect();
                if matched.is_empty() {
                    return Err(StoreError::not_found(
                        Subject::input("experiment pattern", name),
                        format!("no experiment name matches the pattern {}", quote(name)),
                    )
                    .into());
                }
                matched
            }
            found => vec![found?],
        };
        for e in found {
            if !out.iter().any(|o| o.id == e.id) {
                out.push(e);
            }
        }
    }
    Ok(out)
}

fn list(ctx: &Ctx, names: &[String], view: ViewType, limit: Option<usize>) -> Result<()> {
    let store = ctx.store()?;
    let experiments = scope(ctx, &store, names, view)?;
    let listing = store.run_infos(&experiments, view)?;
    ctx.report(&listing.problems);
    let mut runs = listing.items;
    sort_runs_default(&mut runs);
    if let Some(n) = limit {
        runs.truncate(n);
    }
    // Build only what the format prints: on 100k runs the other shapes cost as much as reading.
    let output = match ctx.format {
        Format::Json => Output::new(
            Table::default(),
            Value::Array(
                runs.iter()
                    .map(|r| serde_json::json!({ "info": run_info_json(r) }))
                    .collect(),
            ),
        ),
        Format::Csv | Format::Tsv => Output::new(shape::run_info_records(&runs), Value::Null),
        Format::Table | Format::Markdown => {
            Output::new(runs_table(&runs, &experiments, store.now_ms()), Value::Null)
        }
    };
    ctx.print(&output)
}

/// Id, name, (experiment,) status, start, duration, user.
fn runs_table(runs: &[RunInfo], experiments: &[Experiment], now: i64) -> Table {
    let multi = experiments.len() > 1;
    let names: std::collections::HashMap<&str, &str> = experiments
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let mut headers = vec!["Run ID", "Name", "Status", "Start", "Duration", "User"];
    if multi {
        headers.insert(2, "Experiment");
    }
    let mut table = Table::new(headers);
    for r in runs {
        let mut row = vec![
            Cell::Id(r.run_id.clone()),
            Cell::text(&r.run_name),
            Cell::Status(r.status.as_str().into()),
            Cell::opt_time(r.start_time),
            duration(r, now),
            Cell::text(&r.user_id),
        ];
        if multi {
            row.insert(
                2,
                Cell::text(names.get(r.experiment_id.as_str()).copied().unwrap_or("")),
            );
        }
        table.push(row);
    }
    table
}

/// Wall time of a run; a running run counts up to now.
fn duration(r: &RunInfo, now: i64) -> Cell {
    match (r.start_time, r.end_time) {
        (Some(s), Some(e)) => Cell::Duration(e - s),
        (Some(s), None) if r.status == RunStatus::Running => Cell::Duration(now - s),
        _ => Cell::Empty,
    }
}

fn describe(run: &Run, experiment: &Experiment) -> Output {
    let info = &run.info;
    let mut rows = vec![
        ("run_id".to_string(), Cell::text(&info.run_id)),
        ("run_name".into(), Cell::text(&info.run_name)),
        (
            "experiment".into(),
            Cell::Text(format!("{} ({})", experiment.name, experiment.id)),
        ),
        ("status".into(), Cell::Status(info.status.as_str().into())),
        (
            "lifecycle_stage".into(),
            Cell::text(info.lifecycle_stage.as_str()),
        ),
        ("user_id".into(), Cell::text(&info.user_id)),
        ("start_time".into(), Cell::opt_time(info.start_time)),
        ("end_time".into(), Cell::opt_time(info.end_time)),
        ("artifact_uri".into(), Cell::text(&info.artifact_uri)),
    ];
    if let Some(t) = info.deleted_time {
        rows.push(("deleted_time".into(), Cell::Time(t)));
    }
    rows.extend(shape::prefixed("params", &run.data.params, |v| {
        Cell::text(v)
    }));
    rows.extend(shape::prefixed("metrics", &run.data.metrics, |v| {
        Cell::Float(*v)
    }));
    rows.extend(shape::prefixed("tags", &run.data.tags, |v| Cell::text(v)));
    for input in &run.data.dataset_inputs {
        let context = input
            .tags
            .get("mlflow.data.context")
            .map(String::as_str)
            .unwrap_or("-");
        rows.push((
            format!("datasets.{context}"),
            Cell::Text(format!("{} ({})", input.dataset.name, input.dataset.digest)),
        ));
    }
    Output {
        table: key_value_table(rows),
        json: run_json(run),
        records: Some(run_records(std::slice::from_ref(run))),
    }
}

/// Delete or restore runs: every id is resolved and checked before anything changes.
fn change_lifecycle(ctx: &Ctx, ids: &[String], delete: bool) -> Result<()> {
    let store = ctx.store()?;
    let runs = ids
        .iter()
        .map(|id| store.find_run(id))
        .collect::<Result<Vec<_>, _>>()?;
    for run in runs.iter().filter(|r| !delete && !r.is_active()) {
        store.check_run_restorable(run)?;
    }
    for run in &runs {
        let verb = if delete { "deleted" } else { "restored" };
        if run.is_active() == delete {
            let changed = if delete {
                store.delete_run(run)?
            } else {
                store.restore_run(run)?
            };
            ctx.note(&format!(
                "{verb} run {} ({})",
                changed.run_id, changed.run_name
            ));
        } else {
            ctx.note(&format!(
                "run {} ({}) is already {verb}",
                run.run_id, run.run_name
            ));
        }
    }
    Ok(())
}
