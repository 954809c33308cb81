//! `mlrs artifacts …`: list, get, cat — a run's artifact files, read where the run's
//! artifact_uri says (inside this store when the store was moved or copied).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;

use super::{Ctx, complete};
use crate::ops::artifacts::{self, GetRequest};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs artifacts list 8ca5e65d
  mlrs artifacts get 8ca5e65d preprocessor
  mlrs artifacts cat 8ca5e65d model/MLmodel")]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Show a run's artifacts as a tree with sizes (MLflow's list_artifacts, every level)
    #[command(
        alias = "ls",
        after_help = "Examples:\n  mlrs artifacts list 8ca5e65d\n  mlrs artifacts list 8ca5e65d model\n  mlrs artifacts list 8ca5e65d --format json | jq -r '.[] | select(.is_dir | not) | .path'"
    )]
    List {
        /// Run id, unique prefix or name
        #[arg(add = complete::runs())]
        run: String,
        /// A folder inside the run's artifacts [default: all of them]
        #[arg(default_value = "")]
        path: String,
    },
    /// Copy an artifact file or folder out of the store (symbolic links that lead out of the
    /// artifact folder are skipped)
    #[command(
        after_help = "DEST: an existing folder receives the artifact under its own name, as with cp;\nany other path becomes the copy. Existing files are replaced.\n\nExamples:\n  mlrs artifacts get 8ca5e65d preprocessor                # ./preprocessor/\n  mlrs artifacts get 8ca5e65d model/MLmodel -o /tmp/MLmodel\n  mlrs artifacts get 8ca5e65d '' -o backup/               # every artifact"
    )]
    Get {
        /// Run id, unique prefix or name
        #[arg(add = complete::runs())]
        run: String,
        /// File or folder inside the run's artifacts
        path: String,
        /// Where to copy it [default: the current folder]
        #[arg(short = 'o', long = "output", value_name = "DEST")]
        dest: Option<PathBuf>,
    },
    /// Write one artifact file's bytes to stdout
    #[command(
        after_help = "Examples:\n  mlrs artifacts cat 8ca5e65d model/MLmodel\n  mlrs artifacts cat 8ca5e65d plots/residuals.csv | head"
    )]
    Cat {
        /// Run id, unique prefix or name
        #[arg(add = complete::runs())]
        run: String,
        /// A file inside the run's artifacts
        path: String,
    },
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    match args.command {
        Cmd::List { run, path } => ctx.show(&artifacts::list(&store, &run, &path)?),
        Cmd::Get { run, path, dest } => {
            let request = GetRequest {
                run,
                path,
                dest: ctx.cwd.join(dest.unwrap_or_default()),
            };
            ctx.show(&artifacts::get(&store, &request)?)
        }
        Cmd::Cat { run, path } => {
            let mut file = artifacts::open(&store, &run, &path)?;
            let mut out = std::io::stdout().lock();
            std::io::copy(&mut file, &mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}
