//! `mlrs register RUN --name MODEL`: a new model version from a run's artifacts, as
//! `mlflow.register_model("runs:/<run>/<path>", name)` records it; prints the version number.

use anyhow::Result;

use super::{Ctx, complete, key_value};
use crate::ops::models::{RegisterRequest, register};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs register 3df405d6 --name nyc-taxi-regressor
  mlrs register 3df405d6 --path model -n nyc-taxi-regressor --alias challenger --tag algo=xgb
  VERSION=$(mlrs register \"$MLFLOW_RUN_ID\" -n nyc-taxi-regressor --description 'weekly retrain')")]
pub struct Args {
    /// Run id, unique prefix or name [default: $MLFLOW_RUN_ID]
    #[arg(add = complete::runs())]
    run: Option<String>,
    /// Registered model name (created when missing)
    #[arg(short = 'n', long, value_name = "MODEL", allow_hyphen_values = true, add = complete::models())]
    name: String,
    /// The model's folder inside the run's artifacts
    #[arg(long, value_name = "ARTIFACT_PATH", default_value = "model")]
    path: String,
    /// Description of the new version
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,
    /// A tag on the new version, KEY=VALUE (repeatable)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    tags: Vec<(String, String)>,
    /// Point this alias at the new version (repeatable)
    #[arg(long = "alias", value_name = "ALIAS", add = complete::aliases())]
    aliases: Vec<String>,
    /// Register even when the artifact path is not found (artifacts stored elsewhere)
    #[arg(long)]
    allow_missing: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let run = ctx.run_or_env(args.run.as_deref())?;
    let store = ctx.store()?;
    let done = register(
        &store,
        &RegisterRequest {
            run,
            name: args.name,
            artifact_path: args.path,
            allow_missing: args.allow_missing,
            description: args.description,
            tags: args.tags,
            aliases: args.aliases,
            detail: ctx.detail(),
        },
    )?;
    let v = &done.shown.version;
    if done.created_model {
        ctx.note(&format!("registered model '{}'", v.name));
    }
    ctx.note(&format!(
        "created version {} of model '{}' from run {} ({})",
        v.version,
        v.name,
        done.run.run_id,
        v.download_uri().unwrap_or_default()
    ));
    ctx.show(&done.shown)
}
