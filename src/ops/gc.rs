//! Permanent removal: the plan (what goes, with sizes; what stays and why) and carrying it out.
//! A thin layer over the store's gc, which owns the rules. Must not ask, print or show progress
//! itself (the front-end passes a progress callback).

use std::path::PathBuf;

use super::Outcome;
use crate::store::gc::{Done, Plan, Request};
use crate::store::{Problem, Store};

pub struct Planned {
    /// The store root, for paths relative to it.
    pub root: PathBuf,
    pub plan: Plan,
}

impl Outcome for Planned {
    fn problems(&self) -> &[Problem] {
        &self.plan.problems
    }
}

pub fn plan(store: &Store, req: &Request) -> anyhow::Result<Planned> {
    Ok(Planned {
        root: store.root().to_path_buf(),
        plan: store.gc_plan(req)?,
    })
}

/// Remove what the plan says, item by item; `progress` hears (items done, bytes freed).
pub fn execute(
    store: &Store,
    planned: &Planned,
    progress: &(dyn Fn(usize, u64) + Sync),
) -> anyhow::Result<Vec<Done>> {
    Ok(store.gc_execute(&planned.plan, progress)?)
}
