//! `mlrs doctor [--fix]`: list what is wrong with the store and the repair for each; with
//! `--fix`, make exactly those repairs. The checks and repairs are in `store::doctor`.

use anyhow::Result;

use super::Ctx;
use crate::shape::sync::DoctorReport;

const EXAMPLES: &str = "\
Checks: paths naming the folder a copied or moved store came from (artifact locations, model
version sources), torn last metric lines and empty metric files, runs whose meta.yaml cannot
be read, leftovers of interrupted mlrs writes, and stale alias caches of the model registry.
--fix repairs only what it lists, each change atomic; data it takes out of a file (a torn
line, an empty file) is moved to <store>/.mlrs-doctor.trash/, never deleted.

Exit codes: 0 nothing wrong (or everything repaired), 1 problems remain.

Examples:
  mlrs doctor                     what is wrong, and what --fix would do
  mlrs doctor --fix               repair it
  mlrs doctor --format json";

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Make the repairs listed
    #[arg(long)]
    fix: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let findings = store.examine()?;
    ctx.show(&DoctorReport {
        root: store.root(),
        findings: &findings,
    })?;
    if findings.is_empty() {
        return Ok(());
    }
    if !args.fix {
        ctx.note(&format!(
            "{} problem(s); `mlrs doctor --fix` makes the repairs listed",
            findings.len()
        ));
        ctx.set_exit_code(super::exit::ERROR);
        return Ok(());
    }
    let done = store.repair(&findings)?;
    for line in &done {
        ctx.note(&format!("repaired {line}"));
    }
    let left = findings.len() - done.len();
    if left > 0 {
        ctx.note(&format!(
            "{left} problem(s) need a person: doctor has no safe repair"
        ));
        ctx.set_exit_code(super::exit::ERROR);
    }
    Ok(())
}
