//! Folding one store into another (`mlrs merge`): a thin layer over the store's merge, which
//! owns the rules. Must not print or pick an output form.

use std::path::{Path, PathBuf};

use super::Outcome;
use crate::store::Merged;
use crate::store::{Problem, Store};

pub struct Request<'a> {
    pub source: &'a Path,
    pub dry_run: bool,
}

pub struct MergeResult {
    pub source: PathBuf,
    pub target: PathBuf,
    pub dry_run: bool,
    pub merged: Merged,
}

impl Outcome for MergeResult {
    fn problems(&self) -> &[Problem] {
        &self.merged.problems
    }
}

pub fn merge(target: &Store, req: &Request) -> anyhow::Result<MergeResult> {
    let source = Store::open(req.source)?;
    Ok(MergeResult {
        source: source.root().to_path_buf(),
        target: target.root().to_path_buf(),
        dry_run: req.dry_run,
        merged: target.merge_from(&source, req.dry_run)?,
    })
}
