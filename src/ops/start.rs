//! Starting a run as MLflow's fluent `start_run` does: the experiment named or from the
//! environment (created on request, the store with it when the folder is fresh), the system
//! tags of the context (user, source, git), a parent, a note, then the user's tags, which win.
//! Everything is checked before the first write. Must not print or know about clap.

use std::path::{Path, PathBuf};

use super::context;
use super::{ExperimentRef, Outcome};
use crate::store::logging::{Batch, NewRun};
use crate::store::{Experiment, RunInfo, Store, StoreError};

pub struct StartRequest {
    /// The store folder (created when missing or empty and the experiment may be created).
    pub root: PathBuf,
    /// A fixed clock (`MLRS_NOW_MS`).
    pub now_ms: Option<i64>,
    /// `None`: the Default experiment (id 0).
    pub experiment: Option<ExperimentRef>,
    pub create_experiment: bool,
    /// Empty or `None`: a random name, as MLflow picks.
    pub name: Option<String>,
    pub tags: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    /// Id or unique prefix of the parent run.
    pub parent: Option<String>,
    pub description: Option<String>,
    /// `mlflow.source.name`.
    pub source: String,
    /// Where to look for the git checkout the source lives in.
    pub source_dir: PathBuf,
    /// Tags of the front-end (e.g. the command `mlrs run` ran), before the user's.
    pub extra_tags: Vec<(String, String)>,
    /// Relative artifact locations of a created experiment are resolved against this folder.
    pub cwd: PathBuf,
}

pub struct Started {
    pub store: Store,
    pub run: RunInfo,
    /// The experiment, when this start created it.
    pub created_experiment: Option<Experiment>,
}

impl Outcome for Started {}

pub fn start(req: &StartRequest) -> anyhow::Result<Started> {
    let wanted = req
        .experiment
        .clone()
        .unwrap_or_else(|| ExperimentRef::Id("0".into()));
    let user = context::user();
    let mut tags = vec![
        (context::USER.to_owned(), user.clone()),
        (context::SOURCE_NAME.to_owned(), req.source.clone()),
        (context::SOURCE_TYPE.to_owned(), "LOCAL".to_owned()),
    ];
    tags.extend(context::git_tags(&req.source_dir));
    if let Some(text) = &req.description {
        tags.push((context::NOTE.to_owned(), text.clone()));
    }
    tags.extend(req.extra_tags.iter().cloned());
    // User tags last: they win over the context's, as in MLflow.
    for (k, v) in &req.tags {
        tags.retain(|(old, _)| old != k);
        tags.push((k.clone(), v.clone()));
    }
    // Everything that can be wrong is checked before the first write (the store, the
    // experiment or the run).
    Batch {
        params: req.params.clone(),
        tags: tags.clone(),
        ..Batch::default()
    }
    .validate()?;
    let fresh = is_fresh(&req.root);
    let store = if fresh && (req.create_experiment || wanted == ExperimentRef::Id("0".into())) {
        Store::open_or_create(&req.root, req.now_ms)?
    } else if let (true, Some(name)) = (fresh, wanted.creatable_name()) {
        // The missing store is not the problem the user has to solve: the experiment is.
        return Err(StoreError::NotFound(format!(
            "experiment '{name}' does not exist: there is no store at {} yet (add --create-experiment to create both)",
            req.root.display()
        ))
        .into());
    } else {
        Store::open(&req.root)?.with_now(req.now_ms)
    };
    if let Some(parent) = &req.parent {
        tags.push((
            context::PARENT_RUN.to_owned(),
            store.find_run(parent)?.run_id,
        ));
    }
    let mut created_experiment = None;
    let experiment = match (wanted.find(&store), wanted.creatable_name()) {
        (Ok(e), _) => e,
        (Err(StoreError::NotFound(_)), Some(name)) if req.create_experiment => {
            let (e, created) = store.get_or_create_experiment(name, &req.cwd)?;
            if created {
                created_experiment = Some(e.clone());
            }
            e
        }
        (Err(StoreError::NotFound(m)), Some(_)) => {
            return Err(StoreError::NotFound(format!(
                "{m} (add --create-experiment to create it)"
            ))
            .into());
        }
        (Err(e), _) => return Err(e.into()),
    };
    // MLflow's user_id is the `mlflow.user` tag the run is created with.
    let user_id = tags
        .iter()
        .rev()
        .find(|(k, _)| k == context::USER)
        .map_or(user, |(_, v)| v.clone());
    let run = store.create_run(NewRun {
        experiment: &experiment,
        run_name: req.name.as_deref().filter(|n| !n.is_empty()),
        user_id: &user_id,
        start_time: store.now_ms(),
        tags,
        params: req.params.clone(),
    })?;
    Ok(Started {
        store,
        run,
        created_experiment,
    })
}

/// Whether the store folder is missing or empty (a start may create the store there).
fn is_fresh(root: &Path) -> bool {
    !root.exists()
        || std::fs::read_dir(root)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false)
}
