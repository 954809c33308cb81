//! The command line: clap definitions, turning parsed arguments into the use cases' plain
//! requests (`ops`), dispatch, showing results (`Ctx::show`), and the mapping of errors to exit
//! codes. The only module that knows about clap; one file per subcommand, and no subcommand
//! module imports another (shared clap pieces live in `args`). Must not hold use-case logic or
//! pick an output form itself.

mod args;
mod artifacts;
mod compare;
mod complete;
mod completions;
mod ctx;
mod doctor;
mod exec;
mod experiments;
mod gc;
mod log;
mod merge;
mod models;
mod pager;
mod plot;
mod register;
mod report;
mod runs;
mod search;
mod sync;
mod transition;
mod ui;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

pub use ctx::{Ctx, Env, exit};

use crate::render::Format;
use crate::store::ViewType;

const ABOUT: &str = "A fast command-line tool for MLflow's file-based tracking store (mlruns/)";

const AFTER_HELP: &str = "\
The store is --store DIR, else $MLFLOW_TRACKING_URI (a path or file: URI), else ./mlruns.

Exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 not found,
            4 something was skipped (only with --strict).

Examples:
  mlrs runs list                          runs of every experiment, newest first
  mlrs -s fixtures/mlflow-3.17.2/mlruns experiments list
  mlrs runs describe 3df4 --format json   one run as MLflow's Run.to_dictionary()";

#[derive(Parser, Debug)]
#[command(name = "mlrs", version, about = ABOUT, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand takes, shown once under their own heading in each `--help`.
#[derive(clap::Args, Debug)]
#[command(next_help_heading = "Global options")]
struct GlobalArgs {
    /// The store folder or file: URI [default: $MLFLOW_TRACKING_URI, else ./mlruns]
    #[arg(short = 's', long, global = true, value_name = "DIR")]
    store: Option<String>,
    /// Output format [default: table on a terminal, tsv otherwise]
    #[arg(short = 'f', long, global = true, value_enum, ignore_case = true)]
    format: Option<FormatArg>,
    /// When to use colours (NO_COLOR is honoured)
    #[arg(long, global = true, value_enum, ignore_case = true, default_value_t = ColorArg::Auto, value_name = "WHEN")]
    color: ColorArg,
    /// Exit with code 4 when any run or experiment could not be read and was skipped
    #[arg(long, global = true)]
    strict: bool,
    /// Show times in UTC instead of local time
    #[arg(long, global = true)]
    utc: bool,
    /// Show every column of a table, however wide (tables fit the terminal otherwise)
    #[arg(long, global = true)]
    wide: bool,
    /// Print long tables straight to the terminal instead of through $PAGER (less -FRX)
    #[arg(long, global = true)]
    no_pager: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List, create, rename, delete and tag experiments
    #[command(alias = "exp")]
    Experiments(experiments::Args),
    /// Start, end, list, describe, delete and restore runs
    Runs(runs::Args),
    /// Log params, metrics, tags and artifacts into a run
    Log(log::Args),
    /// Run a command inside a new MLflow run (its Python `mlflow` calls log into it)
    #[command(alias = "exec")]
    Run(exec::Args),
    /// Find runs with MLflow's filter syntax (plus OR, NOT, parentheses), in MLflow's order
    Search(search::Args),
    /// Show runs side by side: params, metrics and tags as rows, differences highlighted
    Compare(compare::Args),
    /// Metric histories as charts in the terminal or SVG; params against metrics
    Plot(plot::Args),
    /// Write the runs as one self-contained HTML page: table, charts, details (no network)
    Report(report::Args),
    /// Register a run's model as a new version of a registered model
    Register(register::Args),
    /// Move a model version to a stage and/or point aliases at it
    Transition(transition::Args),
    /// The model registry: list, describe, versions, latest, get, alias, tag, delete, rename
    #[command(alias = "model")]
    Models(models::Args),
    /// List a run's artifact files, copy them out, print one
    #[command(alias = "artifact")]
    Artifacts(artifacts::Args),
    /// Browse the store in a full-screen terminal UI: runs, charts, registry, live
    Ui(ui::Args),
    /// Push the store into a running MLflow tracking server, incrementally
    Sync(sync::Args),
    /// Check the store and repair what a copy, a crash or MLflow left wrong (--fix)
    Doctor(doctor::Args),
    /// Remove deleted runs and experiments for good (plan first; --dry-run shows it)
    Gc(gc::Args),
    /// Fold another store into this one, keeping run ids; merging twice changes nothing
    Merge(merge::Args),
    /// Print the shell completion script for SHELL (bash, zsh, fish, powershell, elvish)
    Completions(completions::Args),
    /// Print the man page of mlrs or of a subcommand, or write them all to a folder
    Man(completions::ManArgs),
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    Table,
    Json,
    Csv,
    Tsv,
    #[value(alias = "md")]
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Csv => Format::Csv,
            FormatArg::Tsv => Format::Tsv,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// Which lifecycle stages to show.
#[derive(ValueEnum, Clone, Copy, Debug, Default)]
enum ViewArg {
    #[default]
    Active,
    Deleted,
    All,
}

impl From<ViewArg> for ViewType {
    fn from(v: ViewArg) -> ViewType {
        match v {
            ViewArg::Active => ViewType::ActiveOnly,
            ViewArg::Deleted => ViewType::DeletedOnly,
            ViewArg::All => ViewType::All,
        }
    }
}

/// `KEY=VALUE` (the value may contain `=`).
fn key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))
}

/// Subcommands by task, for `mlrs --help`.
const TASKS: [(&str, &[&str]); 5] = [
    ("Track runs", &["runs", "log", "run", "artifacts"]),
    (
        "Find and compare",
        &["search", "compare", "plot", "report", "ui"],
    ),
    ("Organize", &["experiments"]),
    ("Model registry", &["register", "transition", "models"]),
    (
        "Maintain",
        &["sync", "merge", "doctor", "gc", "completions", "man"],
    ),
];

/// The command line definition, with `mlrs --help` listing the subcommands by task.
pub fn command() -> clap::Command {
    let cmd = Cli::command();
    let mut commands = String::new();
    for (task, names) in TASKS {
        let subs: Vec<&clap::Command> = names
            .iter()
            .filter_map(|n| cmd.find_subcommand(n))
            .collect();
        if subs.is_empty() {
            continue;
        }
        commands.push_str(&format!("\n{task}:\n"));
        for sub in subs {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            commands.push_str(&format!("  {:<13}{about}\n", sub.get_name()));
        }
    }
    let template = format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n{commands}\nOptions:\n{{options}}{{after-help}}"
    );
    cmd.help_template(template)
}

/// Parse the command line, run it, and turn the outcome into an exit code.
pub fn main() -> ExitCode {
    complete::handle_request();
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(mut e) => {
            plot::colour_tip(&mut e);
            let code = e.exit_code();
            // Help and version go to stdout; a closed pipe there is not an error.
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let env = Env::from_process();
    let ctx = match Ctx::new(&cli.global, env) {
        Ok(ctx) => ctx,
        Err(e) => return exit::report(&e),
    };
    let result = match cli.command {
        Command::Experiments(args) => experiments::run(&ctx, args),
        Command::Runs(args) => runs::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::Run(args) => exec::run(&ctx, args),
        Command::Search(args) => search::run(&ctx, args),
        Command::Compare(args) => compare::run(&ctx, args),
        Command::Plot(args) => plot::run(&ctx, args),
        Command::Report(args) => report::run(&ctx, args),
        Command::Register(args) => register::run(&ctx, args),
        Command::Transition(args) => transition::run(&ctx, args),
        Command::Models(args) => models::run(&ctx, args),
        Command::Artifacts(args) => artifacts::run(&ctx, args),
        Command::Ui(args) => ui::run(&ctx, args),
        Command::Gc(args) => gc::run(&ctx, args),
        Command::Sync(args) => sync::run(&ctx, args),
        Command::Doctor(args) => doctor::run(&ctx, args),
        Command::Merge(args) => merge::run(&ctx, args),
        Command::Completions(args) => completions::run(&ctx, args),
        Command::Man(args) => completions::man(&ctx, args),
    };
    match result {
        Ok(()) => ctx.finish(),
        Err(e) => exit::report(&e),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        super::command().debug_assert();
    }

    #[test]
    fn help_groups_every_command_by_task() {
        let grouped: Vec<&str> = super::TASKS
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        for sub in super::Cli::command().get_subcommands() {
            assert!(
                grouped.contains(&sub.get_name()),
                "`{}` is missing from the task groups",
                sub.get_name()
            );
        }
    }
}
