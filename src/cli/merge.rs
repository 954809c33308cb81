//! `mlrs merge`: fold another store into this one (or the one `--into` names). Parses, calls
//! the use case, shows one row per entity and a summary on stderr.

use std::path::PathBuf;

use anyhow::Result;

use super::Ctx;
use crate::ops::merge::{self, Request};
use crate::store::Store;

const AFTER_HELP: &str = "\
Run ids (uuids) are kept. Experiments are matched by name; a new one keeps its id when it is
free here, else gets a new one. Runs are copied whole (params, metrics, tags, inputs,
artifacts), their artifact URI rewritten to this store. A run whose id is already here gets
only what the source has more of: metric lines appended after this store's copy, params, tags
and artifact files it lacks, its end when it is still running here; values that differ are
reported as conflicts and this store's are kept. Experiment tags are merged the same way.
Registered models are merged: versions both stores have numbers for are added after this
store's highest, sources pointing at the merged runs; differing descriptions, tags and aliases
are reported as conflicts and this store's are kept. Merging an unchanged store twice changes
nothing.

Examples:
  mlrs merge job-17/mlruns                       into the current store (MLFLOW_TRACKING_URI or ./mlruns)
  mlrs merge job-17/mlruns --into all/mlruns     into another store, created if missing
  mlrs merge job-17/mlruns -n                    what would be copied, updated, renumbered or skipped
  for s in job-*/mlruns; do mlrs merge $s --into all/mlruns; done";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// The store to copy from (an mlruns folder); it is only read
    #[arg(value_name = "SOURCE_STORE")]
    source: PathBuf,
    /// The store to merge into (default: the current store)
    #[arg(long, value_name = "STORE")]
    into: Option<PathBuf>,
    /// Show what would happen and write nothing
    #[arg(short = 'n', long)]
    dry_run: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let target = match &args.into {
        Some(root) => Store::open_or_create(root, None)?,
        None => ctx.store_for_write()?,
    };
    let result = merge::merge(
        &target,
        &Request {
            source: &args.source,
            dry_run: args.dry_run,
        },
    )?;
    ctx.show(&result)?;
    ctx.note(&result.summary());
    Ok(())
}
