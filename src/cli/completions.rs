//! `mlrs completions SHELL` and `mlrs man`: the completion scripts and the man page, generated
//! from the clap definition (the files in `completions/` and `man/` are their committed output).

use anyhow::Result;
use clap::ValueEnum;

use super::{Ctx, complete};

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "\
The script asks mlrs itself for candidates, so experiments, run ids (with their names), metric,
param and tag keys, models, versions and aliases complete from the store on the command line.

Install (one line per shell):
  bash:        echo 'source <(mlrs completions bash)' >> ~/.bashrc
  zsh:         echo 'source <(mlrs completions zsh)' >> ~/.zshrc
  fish:        mlrs completions fish > ~/.config/fish/completions/mlrs.fish
  PowerShell:  mlrs completions powershell >> $PROFILE
  elvish:      echo 'eval (mlrs completions elvish | slurp)' >> ~/.config/elvish/rc.elv")]
pub struct Args {
    #[arg(value_enum, ignore_case = true)]
    shell: Shell,
}

pub fn run(_ctx: &Ctx, args: Args) -> Result<()> {
    let name = args
        .shell
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    let mut out = std::io::stdout().lock();
    complete::write_registration(&name, &mut out)
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Example:\n  mlrs man > ~/.local/share/man/man1/mlrs.1 && man mlrs")]
pub struct ManArgs {}

pub fn man(_ctx: &Ctx, _args: ManArgs) -> Result<()> {
    complete::write_man_page(&mut std::io::stdout().lock())
}
