//! `mlrs doctor [--fix]`: list what is wrong with the store and the repair for each; with
//! `--fix`, make exactly those repairs. The use case is `ops::doctor`.

use anyhow::Result;

use super::Ctx;
use crate::ops::doctor;
use crate::shape::sync::DoctorReport;

const EXAMPLES: &str = "\
Checks: paths naming the folder a copied or moved store came from (artifact locations, model
version sources), torn last metric lines and empty metric files, runs whose meta.yaml cannot
be read, leftovers of interrupted mlrs writes, experiment deletes and restores cut short, and
stale alias caches of the model registry. --fix repairs only what it lists, each change atomic,
then checks again; data it takes out of a file (a torn line, an empty file) is moved to
<store>/.mlrs-doctor.trash/, never deleted.

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
    let checkup = doctor::doctor(&store, args.fix)?;
    ctx.show(&DoctorReport {
        root: store.root(),
        findings: &checkup.findings,
    })?;
    for line in &checkup.repaired {
        ctx.note(&format!("repaired {line}"));
    }
    if checkup.remaining.is_empty() {
        return Ok(());
    }
    if args.fix {
        ctx.note(&format!(
            "{} problem(s) need a person: doctor has no safe repair",
            checkup.remaining.len()
        ));
    } else {
        ctx.note(&format!(
            "{} problem(s); `mlrs doctor --fix` makes the repairs listed",
            checkup.remaining.len()
        ));
    }
    ctx.set_exit_code(super::exit::ERROR);
    Ok(())
}
