//! `mlrs sync`: push the store into a running MLflow tracking server. Turns arguments and
//! MLflow's environment variables into a sync request, drives the progress bar on stderr, and
//! prints the summary; the work is in `ops::sync`.

use std::time::{Duration, Instant};

use anyhow::Result;

use super::{Ctx, ViewArg, complete, exit::UsageError};
use crate::ops::find;
use crate::ops::sync::{self, Progress, Request, Summary, SyncError};
use crate::query::{Filter, Target};
use crate::remote::{Auth, Client};
use crate::shape::sync::SyncReport;

const EXAMPLES: &str = "\
Each run is created once on the server (tagged mlrs.sync.source_run = its local id); a rerun
sends only what is new: appended metric lines, new or changed params and tags, new runs,
artifacts and model versions. The state is kept in <store>/.mlrs-sync.trash/ (MLflow ignores
it); without it the mapping is found again from the server's tags. Artifacts are sent through
the server's artifact proxy (mlflow server --serve-artifacts).

Environment: MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD,
MLFLOW_TRACKING_INSECURE_TLS=true, MLFLOW_HTTP_REQUEST_MAX_RETRIES (default 6).

A rerun asks the server for each experiment it synced before (one request each), so a server
that is down is an error and one that lost an experiment gets everything sent again.

Examples:
  mlrs sync --to http://127.0.0.1:5000
  mlrs sync --to https://mlflow.example.org -e 'nyc-*' --filter \"metrics.rmse < 6\" -j 8
  mlrs sync --to http://127.0.0.1:5000 --dry-run
  mlrs sync --to http://127.0.0.1:5000 --follow        keep syncing while runs log";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The tracking server, http(s)://HOST[:PORT]
    #[arg(long, value_name = "URL")]
    to: String,
    /// Experiment id, name or name pattern (repeatable) [default: every experiment]
    #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
    experiments: Vec<String>,
    /// Only runs matching this filter (the syntax of `mlrs search`)
    #[arg(long, value_name = "FILTER")]
    filter: Option<String>,
    /// Show what would be sent, send nothing
    #[arg(long)]
    dry_run: bool,
    /// Keep syncing every few seconds until interrupted
    #[arg(long)]
    follow: bool,
    /// Seconds between passes with --follow
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "follow"
    )]
    interval: f64,
    /// Parallel requests
    #[arg(short = 'j', long, value_name = "N", default_value_t = 4)]
    jobs: usize,
    /// Also send deleted runs and experiments (as deleted)
    #[arg(long)]
    include_deleted: bool,
    /// Leave the model registry out
    #[arg(long)]
    no_registry: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let client = Client::new(&args.to, &auth_from_env()).map_err(|e| UsageError(e.to_string()))?;
    let filter = args
        .filter
        .as_deref()
        .map(|f| Filter::parse(f, Target::Runs, store.now_ms()))
        .transpose()?;
    let view = if args.include_deleted {
        ViewArg::All
    } else {
        ViewArg::Active
    };
    let registry = !args.no_registry && args.filter.is_none() && args.experiments.is_empty();
    if !args.no_registry && !registry {
        ctx.note("the model registry is synced only with the whole store (no -e, no --filter)");
    }
    let bar = Bar::default();
    loop {
        let scoped = find::scope(&store, &ctx.scope(&args.experiments, view.into()))?;
        for p in &scoped.problems {
            ctx.note(&format!("warning: skipped {p}"));
        }
        let experiments = scoped.items;
        let started = Instant::now();
        let request = Request {
            store: &store,
            experiments,
            filter: filter.as_ref(),
            include_deleted: args.include_deleted,
            dry_run: args.dry_run,
            jobs: args.jobs,
            registry,
        };
        let summary = sync::sync(&client, &request, &bar).map_err(SyncError::into_anyhow)?;
        // With --follow, passes that found nothing new print nothing.
        if !args.follow || !summary_is_quiet(&summary) {
            report(ctx, &summary, started.elapsed())?;
        }
        if !args.follow {
            if !summary.failures.is_empty() {
                anyhow::bail!(
                    "{} item(s) could not be sent; a rerun retries them",
                    summary.failures.len()
                );
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs_f64(args.interval.max(0.1)));
    }
}

fn summary_is_quiet(s: &Summary) -> bool {
    s.runs_created == 0
        && s.runs_updated == 0
        && s.failures.is_empty()
        && s.versions_created == 0
        && s.logged_models_created == 0
        && s.traces == 0
}

/// MLflow's client variables for talking to a server.
fn auth_from_env() -> Auth {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Auth {
        token: var("MLFLOW_TRACKING_TOKEN"),
        basic: var("MLFLOW_TRACKING_USERNAME")
            .map(|u| (u, var("MLFLOW_TRACKING_PASSWORD").unwrap_or_default())),
        insecure_tls: var("MLFLOW_TRACKING_INSECURE_TLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1"),
        max_retries: var("MLFLOW_HTTP_REQUEST_MAX_RETRIES").and_then(|v| v.trim().parse().ok()),
    }
}

fn report(ctx: &Ctx, summary: &Summary, took: Duration) -> Result<()> {
    for note in &summary.notes {
        ctx.note(note);
    }
    for failure in &summary.failures {
        ctx.note(&format!("warning: {failure}"));
    }
    ctx.show(&SyncReport {
        summary,
        seconds: took.as_secs_f64(),
    })
}

/// A progress bar on stderr for long phases (hidden when stderr is not a terminal).
#[derive(Default)]
struct Bar {
    bar: std::sync::Mutex<Option<indicatif::ProgressBar>>,
}

impl Progress for Bar {
    fn phase(&self, what: &str, total: u64) {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{msg} {bar:30} {pos}/{len} ({per_sec}, eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar.set_message(what.to_owned());
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.inc(n);
        }
    }

    fn done(&self) {
        if let Some(bar) = self.bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
            bar.finish_and_clear();
        }
    }
}
