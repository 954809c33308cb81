//! `mlrs transition MODEL VERSION [STAGE] [--alias A]…`: move a version to a stage (MLflow's
//! `transition_model_version_stage`) and/or point aliases at it — both ways MLflow marks the
//! version to serve.

use anyhow::Result;

use super::model_shape::Shapes;
use super::{Ctx, complete};
use crate::render::{Format, Output, Table};
use crate::store::registry::{Stage, names, parse_version};

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
    // Everything is checked before the first change.
    let version = parse_version(&args.version)?;
    let stage = args.stage.as_deref().map(Stage::parse).transpose()?;
    for alias in &args.aliases {
        names::new_alias(alias)?;
    }
    let store = ctx.store()?;
    store.registered_model(&args.model)?.version(version)?;
    if let Some(stage) = stage {
        let done = store.transition(&args.model, version, stage, args.archive_existing)?;
        let mut msg = format!(
            "model '{}' version {version} is now in stage {}",
            args.model,
            stage.as_str()
        );
        if !done.archived.is_empty() {
            let list: Vec<String> = done.archived.iter().map(u64::to_string).collect();
            msg.push_str(&format!("; archived version {}", list.join(", ")));
        }
        ctx.note(&msg);
    }
    for alias in &args.aliases {
        store.set_alias(&args.model, alias, version)?;
        ctx.note(&format!(
            "alias '{alias}' of model '{}' → version {version}",
            args.model
        ));
    }
    if ctx.format == Format::Json {
        let model = store.registered_model(&args.model)?;
        let shapes = Shapes::new(&store);
        let json = shapes.version(model.version(version)?);
        ctx.report(&shapes.into_problems());
        ctx.print(&Output::new(Table::default(), json))?;
    }
    Ok(())
}
