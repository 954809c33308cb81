//! Logging into a run: params, metrics and tags in one batch, then artifacts; everything is
//! validated before the first write. Must not parse command lines or batch files (front-ends
//! turn those into a [`Batch`]).

use std::path::PathBuf;

use crate::store::logging::Batch;
use crate::store::{RunInfo, Store};

pub struct LogRequest {
    /// Found first: a run that does not exist is the first thing to tell.
    pub run: RunInfo,
    pub batch: Batch,
    /// Files or folders to copy into the run's artifacts, each optionally under a destination.
    pub artifacts: Vec<(PathBuf, Option<String>)>,
}

pub struct Logged {
    /// Params longer than MLflow's limit, stored truncated as MLflow does.
    pub truncated_params: Vec<String>,
}

pub fn log(store: &Store, req: &LogRequest) -> anyhow::Result<Logged> {
    let run = &req.run;
    req.batch.validate()?;
    if !req.artifacts.is_empty() {
        store.artifact_dir(run)?;
    }
    let report = store.log_batch(run, &req.batch)?;
    for (path, dest) in &req.artifacts {
        store.log_artifact(run, path, dest.as_deref())?;
    }
    Ok(Logged {
        truncated_params: report.truncated_params,
    })
}
