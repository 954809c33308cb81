//! Experiments' use cases: search (MLflow's `search_experiments`: filter, then its order),
//! describe, create, rename, delete and restore (every experiment resolved and checked before
//! anything changes), tag. Must not build views.

use std::path::Path;

use super::Outcome;
use crate::query::{self, Filter, OrderBy, Target};
use crate::store::NewExperiment;
use crate::store::{Experiment, Problem, Store, ViewType};

pub struct ExperimentList {
    pub experiments: Vec<Experiment>,
    /// Per experiment id: (active runs, deleted runs).
    pub run_counts: std::collections::HashMap<String, (usize, usize)>,
    /// The view asked for: listings beyond active experiments show each one's stage.
    pub view: ViewType,
    pub problems: Vec<Problem>,
}

outcome!(ExperimentList);

pub fn list(
    store: &Store,
    view: ViewType,
    filter: &str,
    order_by: &[String],
    limit: Option<usize>,
) -> anyhow::Result<ExperimentList> {
    let filter = Filter::parse(filter, Target::Experiments, store.now_ms())?;
    let order = OrderBy::parse_all(order_by, Target::Experiments)?;
    let listing = store.experiments(view)?;
    let mut experiments: Vec<Experiment> = listing
        .items
        .into_iter()
        .filter(|e| filter.matches(e))
        .collect();
    query::sort_experiments(&mut experiments, &order);
    if let Some(n) = limit {
        experiments.truncate(n);
    }
    let mut problems = listing.problems;
    // Counting reads each run's meta.yaml (its lifecycle stage), nothing else.
    let runs = store.run_infos(&experiments, ViewType::All)?;
    problems.extend(runs.problems);
    let mut run_counts = std::collections::HashMap::new();
    for run in runs.items {
        let counts: &mut (usize, usize) = run_counts.entry(run.experiment_id).or_default();
        if run.lifecycle_stage == crate::store::Lifecycle::Active {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    Ok(ExperimentList {
        experiments,
        run_counts,
        view,
        problems,
    })
}

/// One experiment, by id or exact name.
pub struct ExperimentShown(pub Experiment);

impl Outcome for ExperimentShown {}

/// A new experiment, as named; scripts capture its id.
pub struct Created(pub Experiment);

impl Outcome for Created {}

pub fn create(
    store: &Store,
    name: &str,
    artifact_location: Option<&str>,
    tags: &[(String, String)],
    cwd: &Path,
) -> anyhow::Result<Created> {
    let new = NewExperiment {
        name,
        artifact_location,
        tags,
    };
    Ok(Created(store.create_experiment(&new, cwd)?))
}

/// Delete (`delete = true`) or restore experiments: all are found and checked first, so a
/// typo changes nothing. The experiments as they are afterwards.
pub fn set_deleted(
    store: &Store,
    names: &[String],
    delete: bool,
) -> anyhow::Result<Vec<Experiment>> {
    let exps = names
        .iter()
        .map(|n| store.find_experiment(n))
        .collect::<Result<Vec<_>, _>>()?;
    for exp in &exps {
        if delete {
            store.check_deletable(exp)?;
        } else {
            store.check_restorable(exp)?;
        }
    }
    let mut out = Vec::new();
    for exp in &exps {
        out.push(if delete {
            store.delete_experiment(exp)?
        } else {
            store.restore_experiment(exp)?
        });
    }
    Ok(out)
}

pub fn describe(store: &Store, id_or_name: &str) -> anyhow::Result<ExperimentShown> {
    Ok(ExperimentShown(store.find_experiment(id_or_name)?))
}

/// Rename an experiment: the experiment before and after.
pub fn rename(
    store: &Store,
    id_or_name: &str,
    new_name: &str,
) -> anyhow::Result<(Experiment, Experiment)> {
    let exp = store.find_experiment(id_or_name)?;
    let renamed = store.rename_experiment(&exp, new_name)?;
    Ok((exp, renamed))
}

/// Set `tags` and remove the `delete` keys of an experiment.
pub fn tag(
    store: &Store,
    id_or_name: &str,
    tags: &[(String, String)],
    delete: &[String],
) -> anyhow::Result<()> {
    let exp = store.find_experiment(id_or_name)?;
    Ok(store.set_experiment_tags(&exp, tags, delete)?)
}
