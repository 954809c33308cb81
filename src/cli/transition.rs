//! `mlrs transition MODEL VERSION [STAGE] [--alias A]…`: move a version to a stage (MLflow's
//! `transition_model_version_stage`) and/or point aliases at it — both ways MLflow marks the
//! version to serve.

use anyhow::Result;

use super::{Ctx, complete};
use crate::ops::models::{TransitionRequest, transition};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs transition nyc-taxi-regressor 3 production --archive-existing
  mlrs transition nyc-taxi-regressor 4 --alias champion
  mlrs transition nyc-taxi-regressor 2 archived")]
pub struct Args {
    /// Registered model name
    #[arg(allow_hyphen_values = true, add = complete::models())]
    model: String,
    /// Version number
    #[arg(add = complete::versions())]
    version: String,
    /// None, Staging, Production or Archived (any case)
    #[arg(required_unless_present = "aliases", add = complete::stages())]
    stage: Option<String>,
    /// Move every other version in the target stage to Archived (Staging and Production only)
    #[arg(long, requires = "stage")]
    archive_existing: bool,
    /// Point this alias at the version (repeatable)
    #[arg(long = "alias", value_name = "ALIAS", add = complete::aliases())]
    aliases: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let done = transition(
        &store,
        &TransitionRequest {
            model: args.model.clone(),
            version: args.version,
            stage: args.stage,
            archive_existing: args.archive_existing,
            aliases: args.aliases.clone(),
            detail: ctx.detail(),
        },
    )?;
    let (model, version) = (&args.model, done.version);
    if let Some((stage, archived)) = &done.stage {
        let mut msg = format!(
            "model '{model}' version {version} is now in stage {}",
            stage.as_str()
        );
        if !archived.is_empty() {
            let list: Vec<String> = archived.iter().map(u64::to_string).collect();
            msg.push_str(&format!("; archived version {}", list.join(", ")));
        }
        ctx.note(&msg);
    }
    for alias in &args.aliases {
        ctx.note(&format!(
            "alias '{alias}' of model '{model}' → version {version}"
        ));
    }
    ctx.show(&done.shown)
}
