//! `mlrs completions SHELL` and `mlrs man`: the completion scripts and the man pages, generated
//! from the clap definition (the files in `completions/` and `man/` are their committed output).

use std::io::{IsTerminal, Write};

use anyhow::{Context as _, Result};
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
param and tag keys, models, versions, aliases and stages complete from the store on the command
line.

Examples, installing it (one line per shell):
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
#[command(after_help = "\
Pages are named as cargo's and git's are: mlrs(1), mlrs-runs(1), mlrs-runs-list(1), ...

On a terminal the page is shown through `man -l -`; piped, its roff is printed.

Examples:
  mlrs man runs list
  mlrs man models alias set > mlrs-models-alias-set.1
  mlrs man --dir ~/.local/share/man/man1 && man mlrs-runs-list")]
pub struct ManArgs {
    /// The subcommand whose page to print, e.g. `runs list` [default: mlrs's own page]
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "dir")]
    path: Vec<String>,
    /// Write every page (mlrs.1 and one per subcommand) into DIR instead, creating it if needed
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    dir: Option<std::path::PathBuf>,
}

pub fn man(ctx: &Ctx, args: ManArgs) -> Result<()> {
    let Some(dir) = args.dir else {
        let mut page = Vec::new();
        complete::write_man_page(&args.path, &mut page)?;
        if std::io::stdout().is_terminal() && show_in_man(&page) {
            return Ok(());
        }
        return Ok(std::io::stdout().lock().write_all(&page)?);
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pages = complete::man_pages()?;
    for (name, bytes) in &pages {
        let path = dir.join(name);
        crate::store::write_output(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    ctx.note(&format!(
        "wrote {} man pages to {}",
        pages.len(),
        dir.display()
    ));
    Ok(())
}

/// On a terminal a person wants to read the page, not its roff: `man -l -` renders it (and
/// pages it). False when `man` cannot be run, so the roff is printed instead.
fn show_in_man(page: &[u8]) -> bool {
    let Ok(mut child) = std::process::Command::new("man")
        .args(["-l", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(page);
    }
    child.wait().is_ok_and(|status| status.success())
}
