//! `mlrs ui`: the arguments of the terminal UI, handed to `crate::ui` as plain options.

use anyhow::Result;

use super::args::SymbolsArgs;
use super::exit::UsageError;
use super::{Ctx, complete};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Keys: ? shows them all; q quits; / filters (the syntax of `mlrs search`); Enter opens a run;
space marks runs, v charts and C compares them, X and P plot them (scatter, parallel
coordinates); R opens the model registry.

Examples:
  mlrs ui
  mlrs ui -e 'nyc-*' --filter 'metrics.rmse < 6'
  mlrs ui --read-only")]
pub struct Args {
    /// Experiment id, name or name pattern such as 'nyc-*' (repeatable) [default: every active
    /// experiment]
    #[arg(short = 'e', long = "experiment", value_name = "EXP", add = complete::experiments())]
    experiments: Vec<String>,
    /// Start with this filter (the syntax of `mlrs search`)
    #[arg(long, value_name = "FILTER")]
    filter: Option<String>,
    /// Browse only: no delete, restore, tag, rename, transition or alias
    #[arg(long)]
    read_only: bool,
    /// Look for changes in the store by polling instead of file notifications (for network
    /// file systems, which do not send them)
    #[arg(long)]
    poll: bool,
    #[command(flatten)]
    symbols: SymbolsArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(UsageError("mlrs ui needs a terminal (stdin and stdout)".into()).into());
    }
    let store = ctx.store()?;
    if let Some(f) = &args.filter {
        // A bad filter is a usage error here, with the same caret message as `mlrs search`.
        crate::query::Filter::parse(f, crate::query::Target::Runs, store.now_ms())?;
    }
    crate::ui::run(
        store,
        &crate::ui::Options {
            experiments: args.experiments,
            filter: args.filter,
            read_only: args.read_only,
            color: ctx.style.color,
            utc: ctx.style.utc,
            poll: args.poll,
            symbols: args.symbols.symbols(),
        },
    )
}
