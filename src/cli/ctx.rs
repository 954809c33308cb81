//! What every command gets: the resolved store location, output format and style, the
//! environment MLflow defines, and the two channels — data to stdout (`show`, a result in the
//! chosen form), talk to stderr (`note`, `report`).

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::ops::find::Scope;
use crate::ops::{Detail, ExperimentRef, Outcome};
use crate::render::{self, Format, Style, View};
use crate::store::Store;
use crate::store::location::{self, Location};

/// MLflow's environment variables (and mlrs's test clock), read once at start-up.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub tracking_uri: Option<String>,
    pub experiment_name: Option<String>,
    pub experiment_id: Option<String>,
    pub run_id: Option<String>,
    pub no_color: bool,
    pub columns: Option<u16>,
    /// `MLRS_NOW_MS`: a fixed clock, for reproducible output.
    pub now_ms: Option<i64>,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Env {
            tracking_uri: var("MLFLOW_TRACKING_URI"),
            experiment_name: var("MLFLOW_EXPERIMENT_NAME"),
            experiment_id: var("MLFLOW_EXPERIMENT_ID"),
            run_id: var("MLFLOW_RUN_ID"),
            no_color: var("NO_COLOR").is_some(),
            columns: var("COLUMNS").and_then(|c| c.parse().ok()),
            now_ms: var("MLRS_NOW_MS").and_then(|c| c.parse().ok()),
        }
    }
}

pub struct Ctx {
    location: Location,
    format: Format,
    pub style: Style,
    pub strict: bool,
    /// Whether long tables on a terminal go through `$PAGER` (`--no-pager` says no).
    pager: bool,
    pub env: Env,
    pub cwd: PathBuf,
    skipped: Cell<usize>,
    exit_code: Cell<Option<u8>>,
}

impl Ctx {
    pub(super) fn new(global: &super::GlobalArgs, env: Env) -> Result<Ctx> {
        let store_flag = global.store.as_deref();
        let format = global.format.map(Format::from);
        let force_color = global.color == super::ColorArg::Always;
        let no_color = global.color == super::ColorArg::Never;
        let (strict, utc, wide, pager) = (global.strict, global.utc, global.wide, !global.no_pager);
        let cwd = std::env::current_dir().context("cannot read the current folder")?;
        let location = location::resolve(store_flag, env.tracking_uri.as_deref(), &cwd)?;
        let stdout_tty = std::io::stdout().is_terminal();
        let color = force_color
            || (!no_color
                && !env.no_color
                && stdout_tty
                && std::env::var("TERM").map_or(true, |t| t != "dumb"));
        let width = env.columns.filter(|_| !wide).or_else(|| {
            if stdout_tty && !wide {
                comfy_table::Table::new().width()
            } else {
                None
            }
        });
        Ok(Ctx {
            location,
            format: format.unwrap_or(if stdout_tty {
                Format::Table
            } else {
                Format::Tsv
            }),
            style: Style { color, width, utc },
            strict,
            pager,
            env,
            cwd,
            skipped: Cell::new(0),
            exit_code: Cell::new(None),
        })
    }

    pub fn store_root(&self) -> &std::path::Path {
        &self.location.root
    }

    /// The store, which must exist.
    pub fn store(&self) -> Result<Store> {
        Ok(Store::open(&self.location.root)?.with_now(self.env.now_ms))
    }

    /// The store for a command that writes; created (as MLflow would) when the folder is missing.
    pub fn store_for_write(&self) -> Result<Store> {
        let root = &self.location.root;
        let new = std::fs::read_dir(root).map_or(!root.exists(), |mut d| d.next().is_none());
        let store = Store::open_or_create(root, self.env.now_ms)?;
        if new {
            self.note(&format!(
                "no store here yet: created one at {}",
                root.display()
            ));
        }
        Ok(store)
    }

    /// Report what was skipped while `result` was loaded, then print it in the chosen format:
    /// a table on a terminal through the pager when it is long.
    pub fn show<T: View + Outcome>(&self, result: &T) -> Result<()> {
        self.report(result);
        let notes = if self.format == Format::Table {
            let mut text = Vec::new();
            let notes = render::write(&mut text, result, self.format, &self.style)?;
            super::pager::show(&text, self.pager)?;
            notes
        } else {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let notes = render::write(&mut out, result, self.format, &self.style)?;
            out.flush()?;
            notes
        };
        if let Some(message) = result.empty() {
            self.note(message);
        }
        for note in notes {
            self.note(&note);
        }
        Ok(())
    }

    /// Report entries that could not be read (they were skipped, the rest is shown), and keys
    /// asked for that no run has.
    pub fn report(&self, result: &dyn Outcome) {
        let problems = result.problems();
        let mut err = std::io::stderr().lock();
        for p in problems {
            let _ = writeln!(
                err,
                "mlrs: warning: skipped {}",
                render::printable(&p.to_string())
            );
        }
        self.skipped.set(self.skipped.get() + problems.len());
        for unknown in result.unknown_keys() {
            self.note(&unknown.to_string());
        }
    }

    /// A message for the person at the terminal (never data).
    pub fn note(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "mlrs: {}",
            render::printable(message)
        );
    }

    /// The experiment MLflow's environment names, as its fluent API reads it:
    /// `MLFLOW_EXPERIMENT_NAME` (a name) before `MLFLOW_EXPERIMENT_ID` (an id).
    pub fn env_experiment(&self) -> Option<ExperimentRef> {
        self.env
            .experiment_name
            .clone()
            .map(ExperimentRef::Name)
            .or_else(|| self.env.experiment_id.clone().map(ExperimentRef::Id))
    }

    /// The experiments a run command looks at: `names`, else MLflow's environment, else all.
    pub fn scope(&self, names: &[String], view: crate::store::ViewType) -> Scope {
        Scope {
            experiments: names.to_vec(),
            env: self.env_experiment(),
            view,
        }
    }

    /// How much a result loads: `--format json` shows every field of MLflow's dictionaries.
    pub fn detail(&self) -> Detail {
        match self.format {
            Format::Json => Detail::Everything,
            Format::Csv | Format::Tsv => Detail::Records,
            Format::Table | Format::Markdown => Detail::Shown,
        }
    }

    /// The run a command acts on: the argument, else `$MLFLOW_RUN_ID`.
    pub fn run_or_env(&self, run: Option<&str>) -> Result<String> {
        run.map(str::to_owned)
            .or_else(|| self.env.run_id.clone())
            .ok_or_else(|| {
                exit::UsageError("no run given: pass RUN or set MLFLOW_RUN_ID".into()).into()
            })
    }

    /// Exit with `code` once the command returns (`mlrs run` passes on its child's code).
    pub fn set_exit_code(&self, code: u8) {
        self.exit_code.set(Some(code));
    }

    pub fn finish(&self) -> ExitCode {
        if let Some(code) = self.exit_code.get() {
            return ExitCode::from(code);
        }
        if self.strict && self.skipped.get() > 0 {
            self.note(&format!(
                "{} entries were skipped (--strict)",
                self.skipped.get()
            ));
            return ExitCode::from(exit::SKIPPED);
        }
        ExitCode::SUCCESS
    }
}

/// Exit codes scripts can rely on, and error printing.
pub mod exit {
    use std::process::ExitCode;

    use crate::store::{ErrorKind, StoreError};

    pub const ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const SKIPPED: u8 = 4;

    pub use crate::ops::UsageError;

    pub fn report(err: &anyhow::Error) -> ExitCode {
        if is_broken_pipe(err) {
            return ExitCode::SUCCESS;
        }
        eprintln!(
            "mlrs: error: {}",
            crate::render::printable(&format!("{err:#}"))
        );
        let store_error = err.chain().find_map(|c| c.downcast_ref::<StoreError>());
        let query_hint = || {
            err.chain()
                .find_map(|c| c.downcast_ref::<crate::query::QueryError>())
                .and_then(|q| q.hint.as_deref())
        };
        if let Some(hint) = store_error.and_then(StoreError::hint).or_else(query_hint) {
            eprintln!("hint: {}", crate::render::printable(hint));
        }
        ExitCode::from(code_for(err, store_error))
    }

    fn code_for(err: &anyhow::Error, store_error: Option<&StoreError>) -> u8 {
        let usage = err.chain().any(|c| {
            c.downcast_ref::<UsageError>().is_some()
                || c.downcast_ref::<crate::query::QueryError>().is_some()
        });
        match store_error.map(StoreError::kind) {
            _ if usage => USAGE,
            Some(ErrorKind::NotFound) => NOT_FOUND,
            Some(ErrorKind::BadInput | ErrorKind::Ambiguous | ErrorKind::Unsupported) => USAGE,
            Some(ErrorKind::Broken | ErrorKind::Conflict) | None => ERROR,
        }
    }

    fn is_broken_pipe(err: &anyhow::Error) -> bool {
        err.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }
}
