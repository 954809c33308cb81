//! `mlrs gc`: permanent deletion. Shows the plan the store computed (what goes, with sizes;
//! what stays and why; `shape::gc`), asks on a terminal or requires `--yes` without one, carries it out with
//! progress on stderr, and closes with a summary. The plan and the result are data (stdout, any
//! `--format`); the question, the progress and the summary are talk (stderr).

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use super::exit::UsageError;
use super::{Ctx, complete};
use crate::ops::gc;
use crate::render::human_bytes;
use crate::shape::gc::{GcReport, Moment, noun};
use crate::store::gc::{Age, Done, KeepReason, Kept, Kind, Plan, Removal, Request};

const AFTER_HELP: &str = "\
Only deleted runs (`mlrs runs delete`), experiments in .trash (`mlrs experiments delete`) and, in
MLflow 3 stores, deleted LoggedModels can go. Without ids, everything eligible goes; with ids,
exactly those and nothing else. Artifacts are removed only where they lie inside the store (never
at a path outside it, as a copied store records); links are removed, never followed. Runs that
registered model versions use stay unless --force. An interrupted gc leaves a store MLflow and
mlrs read normally; run it again to finish.

Examples:
  mlrs gc --dry-run                          what would go, with sizes, and what stays and why
  mlrs gc --older-than 30d --yes             all deleted more than 30 days ago (for cron)
  mlrs gc --run-ids 62bddb66,1a0cd201        exactly these deleted runs; asks first
  mlrs gc --experiment-ids scratch --dry-run -f json | jq '.remove[].bytes'";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Only what was deleted at least this long ago: #d#h#m#s, floats allowed (30d, 1.5h, 2d12h)
    #[arg(long, value_name = "AGE")]
    older_than: Option<String>,
    /// Exactly these deleted runs (ids or unique prefixes)
    #[arg(long, value_name = "RUN,…", value_delimiter = ',', add = complete::runs())]
    run_ids: Vec<String>,
    /// Exactly these deleted experiments, with all their runs (ids or names)
    #[arg(long, value_name = "EXP,…", value_delimiter = ',', add = complete::experiments())]
    experiment_ids: Vec<String>,
    /// Show the plan and remove nothing
    #[arg(long)]
    dry_run: bool,
    /// Remove without asking (required without a terminal)
    #[arg(short = 'y', long)]
    yes: bool,
    /// Also remove runs and LoggedModels that registered model versions use
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let ids = |list: Vec<String>| -> Vec<String> {
        list.into_iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let request = Request {
        run_ids: ids(args.run_ids),
        experiment_ids: ids(args.experiment_ids),
        older_than: args.older_than.as_deref().map(Age::parse).transpose()?,
        force: args.force,
    };
    let planned = gc::plan(&store, &request)?;
    ctx.report(&planned);
    let plan = &planned.plan;
    let report = |moment| GcReport {
        planned: &planned,
        moment,
        dry_run: args.dry_run,
    };
    if args.dry_run || plan.remove.is_empty() {
        ctx.show(&report(Moment::Only))?;
        let what = if plan.remove.is_empty() {
            "nothing to remove".to_owned()
        } else {
            format!("dry run: would remove {}", going(plan))
        };
        ctx.note(&format!("{what}{}", kept_summary(&plan.keep)));
        return Ok(());
    }
    let can_ask = std::io::stdin().is_terminal();
    if !args.yes && !can_ask {
        return Err(UsageError(format!(
            "gc would remove {} for good; without a terminal to confirm on, pass --yes (or --dry-run to see the plan)",
            going(plan)
        ))
        .into());
    }
    ctx.show(&report(Moment::Before))?;
    if !args.yes && !confirm(&format!("remove {} for good?", going(plan)))? {
        ctx.note("nothing was removed");
        return Ok(());
    }
    let progress = Progress::new(plan.remove.len());
    let done = gc::execute(&store, &planned, &|items, bytes| {
        progress.show(items, bytes)
    })?;
    progress.finish();
    ctx.show(&report(Moment::After(&done)))?;
    ctx.note(&format!(
        "{}{}",
        removed_summary(plan, &done),
        kept_summary(&plan.keep)
    ));
    let failed: Vec<(&Removal, &crate::store::StoreError)> = plan
        .remove
        .iter()
        .zip(&done)
        .filter_map(|(item, d)| match d {
            Done::Failed(e) => Some((item, e)),
            _ => None,
        })
        .collect();
    for (item, e) in &failed {
        ctx.note(&format!(
            "warning: could not remove {} {}: {e}",
            item.kind.as_str(),
            item.id
        ));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(anyhow!(
            "{} of {} items could not be removed; the store is still readable. Fix the cause and run `mlrs gc` again to finish",
            failed.len(),
            plan.remove.len()
        ))
    }
}

/// Ask on stderr, read the answer from the terminal.
fn confirm(question: &str) -> Result<bool> {
    let mut err = std::io::stderr().lock();
    write!(err, "mlrs: {question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// A status line on stderr while items go, only on a terminal, at most ten times a second.
struct Progress {
    total: usize,
    shown: Option<Mutex<Instant>>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let on_terminal = std::io::stderr().is_terminal();
        Progress {
            total,
            shown: on_terminal.then(|| Mutex::new(Instant::now())),
        }
    }

    fn show(&self, items: usize, bytes: u64) {
        let Some(last) = &self.shown else {
            return;
        };
        let Ok(mut last) = last.lock() else {
            return;
        };
        if last.elapsed() < Duration::from_millis(100) && items < self.total {
            return;
        }
        *last = Instant::now();
        let _ = write!(
            std::io::stderr().lock(),
            "\r\x1b[2Kmlrs: removed {items}/{} ({})",
            self.total,
            human_bytes(bytes)
        );
    }

    fn finish(&self) {
        if self.shown.is_some() {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// `1 experiment with 2 runs, 1 run and 1 logged model (2.2 KiB)`.
fn listing<'a>(items: impl Iterator<Item = &'a Removal>) -> String {
    let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
    let (mut inner_runs, mut bytes) = (0, 0);
    for item in items {
        *counts.entry(item.kind).or_insert(0) += 1;
        inner_runs += item.runs;
        bytes += item.bytes;
    }
    let parts: Vec<String> = counts
        .iter()
        .map(|(&kind, &n)| match kind {
            Kind::Experiment if inner_runs > 0 => {
                format!("{} with {}", noun(kind, n), noun(Kind::Run, inner_runs))
            }
            _ => noun(kind, n),
        })
        .collect();
    format!("{} ({})", and_list(parts), human_bytes(bytes))
}

/// `a, b and c`.
fn and_list(parts: Vec<String>) -> String {
    match parts.split_last() {
        None => "nothing".into(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn going(plan: &Plan) -> String {
    listing(plan.remove.iter())
}

fn removed_summary(plan: &Plan, done: &[Done]) -> String {
    let removed = plan
        .remove
        .iter()
        .zip(done)
        .filter(|(_, d)| matches!(d, Done::Removed))
        .map(|(r, _)| r);
    let mut text = format!("removed {}", listing(removed));
    let skipped = done
        .iter()
        .filter(|d| matches!(d, Done::Skipped(_)))
        .count();
    if skipped > 0 {
        text.push_str(&format!(
            "; {skipped} changed since the plan and were left alone"
        ));
    }
    text
}

/// Why each group of kept items stays, in a few words.
fn why_short(reason: &KeepReason, n: usize) -> &'static str {
    match (reason, n) {
        (KeepReason::Registered(_), 1) => "used by a registered model (--force removes it)",
        (KeepReason::Registered(_), _) => "used by registered models (--force removes them)",
        (KeepReason::HoldsRegistered(_), _) => "holding what registered models use",
        (KeepReason::OutsideRoot, _) => "outside the store root",
        (KeepReason::NotLocal, _) => "not on a local disk",
        (KeepReason::NotItsFolder, _) => "not the owner's own artifact folder",
        (KeepReason::LinkLeadsOutside, _) => "behind a link leading outside the store",
        (KeepReason::OtherFilesystem, _) => "on another filesystem",
        (KeepReason::TooRecent(_), _) => "deleted too recently for --older-than",
    }
}

/// `; left in place: 1 run used by a registered model (--force removes it), 2 artifact
/// folders outside the store root`.
fn kept_summary(keep: &[Kept]) -> String {
    if keep.is_empty() {
        return String::new();
    }
    type Group<'a> = (
        std::mem::Discriminant<KeepReason>,
        &'a KeepReason,
        BTreeMap<Kind, usize>,
    );
    let mut groups: Vec<Group> = Vec::new();
    for k in keep {
        let d = std::mem::discriminant(&k.reason);
        let at = match groups.iter().position(|g| g.0 == d) {
            Some(at) => at,
            None => {
                groups.push((d, &k.reason, BTreeMap::new()));
                groups.len() - 1
            }
        };
        *groups[at].2.entry(k.kind).or_insert(0) += 1;
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(_, reason, kinds)| {
            let total = kinds.values().sum();
            let what = kinds.iter().map(|(&k, &n)| noun(k, n)).collect();
            format!("{} {}", and_list(what), why_short(reason, total))
        })
        .collect();
    format!("; left in place: {}", parts.join(", "))
}
