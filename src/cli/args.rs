//! Clap pieces more than one command uses: where to look for runs (`-e`, `--order-by`,
//! `--view`), how a new run is described (`runs start`, `mlrs run`) and how chart lines are
//! drawn (`plot`, `ui`), each turned into the use case's plain request. Must not run a use case
//! or print.

use std::path::PathBuf;

use super::{Ctx, ViewArg, complete, key_value};
use crate::ops::ExperimentRef;
use crate::ops::find::FindRequest;
use crate::ops::start::{StartRequest, Started};
use crate::render::chart::Symbols;

/// Where to search and in which order (`search`, `compare`).
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
    /// A find request for `filter` over this scope, with MLflow's environment as the default.
    pub fn find(&self, ctx: &Ctx, filter: Option<&str>, limit: Option<usize>) -> FindRequest {
        FindRequest {
            filter: filter.unwrap_or_default().to_owned(),
            order_by: self.order_by.clone(),
            scope: ctx.scope(&self.experiments, self.view.into()),
            limit,
        }
    }
}

/// Which way is better for a metric (`compare`, `search`, `plot`); names decide otherwise.
#[derive(clap::Args, Debug)]
pub struct DirectionArgs {
    /// Metrics matching GLOB anywhere in the key are better lower (repeatable) [default: names
    /// with loss, error, rmse, mae, mse]
    #[arg(long = "lower-is-better", value_name = "GLOB", add = complete::metric_keys())]
    pub lower: Vec<String>,
    /// Metrics matching GLOB anywhere in the key are better higher (repeatable) [default:
    /// names with acc, r2, auc, f1, precision, recall, score]
    #[arg(long = "higher-is-better", value_name = "GLOB", add = complete::metric_keys())]
    pub higher: Vec<String>,
}

/// How chart lines are drawn (`plot`, `ui`); set once in the environment for a font that lacks
/// braille.
#[derive(clap::Args, Debug)]
pub struct SymbolsArgs {
    /// How lines are drawn: braille dots (2×4 a cell), sextant blocks (2×3, Unicode 13),
    /// octant blocks (2×4, Unicode 16: few fonts have them yet) or quadrant blocks (2×2, any
    /// font)
    #[arg(
        long,
        env = "MLRS_SYMBOLS",
        value_enum,
        ignore_case = true,
        default_value_t
    )]
    symbols: SymbolsArg,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default)]
enum SymbolsArg {
    #[default]
    Braille,
    Sextant,
    Octant,
    Block,
}

impl SymbolsArgs {
    pub fn symbols(&self) -> Symbols {
        match self.symbols {
            SymbolsArg::Braille => Symbols::Braille,
            SymbolsArg::Sextant => Symbols::Sextant,
            SymbolsArg::Octant => Symbols::Octant,
            SymbolsArg::Block => Symbols::Block,
        }
    }
}

/// How a new run is described (`runs start`, `mlrs run`).
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
    /// Parent run (id, prefix or name): makes this a nested run
    #[arg(long, value_name = "RUN", add = complete::runs())]
    pub parent: Option<String>,
    /// Description (shown in MLflow's UI; markdown)
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Source name to record [default: the script that called mlrs]
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
}

impl StartArgs {
    /// The start request: `-e`, else MLflow's environment; `source` found in `source_dir`.
    pub fn request(
        &self,
        ctx: &Ctx,
        source: String,
        source_dir: PathBuf,
        extra_tags: Vec<(String, String)>,
    ) -> StartRequest {
        StartRequest {
            root: ctx.store_root().to_path_buf(),
            now_ms: ctx.env.now_ms,
            experiment: match &self.experiment {
                Some(e) => Some(ExperimentRef::IdOrName(e.clone())),
                None => ctx.env_experiment(),
            },
            create_experiment: self.create_experiment,
            name: self.name.clone(),
            tags: self.tags.clone(),
            params: self.params.clone(),
            parent: self.parent.clone(),
            description: self.description.clone(),
            source,
            source_dir,
            extra_tags,
            cwd: ctx.cwd.clone(),
        }
    }
}

/// Tell the person when starting a run created its experiment.
pub fn started_note(ctx: &Ctx, started: &Started) {
    if let Some(e) = &started.created_experiment {
        ctx.note(&format!("created experiment '{}' (id {})", e.name, e.id));
    }
}

/// The filter language, in the help of every command that takes a filter.
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
