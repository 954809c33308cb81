//! The model registry's use cases, as MLflow's `MlflowClient` registry calls see them: search
//! models and versions (filter, order, stages), latest per stage, resolve a `models:/`
//! reference, describe (with each version's source run and its latest metrics), register,
//! transition, aliases, tags, delete, rename. A 3.x version's LoggedModel metrics and params
//! are loaded here, before any view, when the detail asks for them. Must not build views.

use std::collections::{BTreeMap, BTreeSet};

use super::{Detail, UsageError};
use crate::query::{self, Filter, OrderBy, Target};
use crate::store::registry::{
    ModelMetric, ModelVersion, NewVersion, RegisteredModel, Stage, Transitioned, VersionRef,
    check_new_alias, parse_model_ref, parse_version,
};
use crate::store::{DataSelection, Flavor, Keys, Problem, RunInfo, Store, StoreError};

/// A 3.x version's LoggedModel: what `dict(ModelVersion)` shows under `metrics` and `params`.
pub struct LoggedData {
    pub metrics: Vec<ModelMetric>,
    pub params: BTreeMap<String, String>,
}

/// What a version's dictionary needs beyond the version: the store's generation and the
/// LoggedModels of the versions shown (by model id; absent when deleted, missing or not loaded).
pub struct Extras {
    pub flavor: Flavor,
    pub logged: BTreeMap<String, LoggedData>,
}

impl Extras {
    /// Read the LoggedModels of `versions` (3.x, [`Detail::Everything`] only); a LoggedModel that
    /// cannot be read is a problem of its version.
    fn load<'a>(
        store: &Store,
        versions: impl IntoIterator<Item = &'a ModelVersion>,
        detail: Detail,
        problems: &mut Vec<Problem>,
    ) -> Extras {
        let mut extras = Extras {
            flavor: store.flavor(),
            logged: BTreeMap::new(),
        };
        if extras.flavor != Flavor::V3 || detail != Detail::Everything {
            return extras;
        }
        for v in versions {
            let Some(id) = &v.model_id else { continue };
            if extras.logged.contains_key(id) {
                continue;
            }
            let read = || -> crate::store::Result<Option<LoggedData>> {
                let Some(model) = store.logged_model(id)?.filter(|m| !m.deleted) else {
                    return Ok(None);
                };
                Ok(Some(LoggedData {
                    metrics: model.metrics()?,
                    params: model.params()?,
                }))
            };
            match read() {
                Ok(Some(data)) => {
                    extras.logged.insert(id.clone(), data);
                }
                Ok(None) => {}
                Err(err) => problems.push(Problem::from_error(&v.dir, &err)),
            }
        }
        extras
    }
}

/// A registered model; its unreadable versions become problems.
fn load(
    store: &Store,
    name: &str,
    problems: &mut Vec<Problem>,
) -> crate::store::Result<RegisteredModel> {
    let mut m = store.registered_model(name)?;
    problems.append(&mut m.problems);
    Ok(m)
}

fn parse_stages(texts: &[String]) -> crate::store::Result<Vec<Stage>> {
    texts.iter().map(|s| Stage::parse(s)).collect()
}

pub struct ModelList {
    pub models: Vec<RegisteredModel>,
    pub extras: Extras,
    pub problems: Vec<Problem>,
}

/// MLflow's `search_registered_models`: filter, then its order.
pub fn list(
    store: &Store,
    filter: &str,
    order_by: &[String],
    detail: Detail,
) -> anyhow::Result<ModelList> {
    let filter = Filter::parse(filter, Target::Models, store.now_ms())?;
    let order = OrderBy::parse_all(order_by, Target::Models)?;
    let listing = store.registered_models()?;
    let mut problems = listing.problems;
    let mut models: Vec<RegisteredModel> = listing
        .items
        .into_iter()
        .filter(|m| filter.matches(m))
        .collect();
    query::sort_models(&mut models, &order);
    let shown = models.iter().flat_map(|m| m.latest_versions(&[]));
    let extras = Extras::load(store, shown, detail, &mut problems);
    Ok(ModelList {
        models,
        extras,
        problems,
    })
}

pub struct VersionList {
    /// In MLflow's order (what `search_model_versions` answers, for scripts).
    pub versions: Vec<ModelVersion>,
    /// No order was asked for: tables for people list versions by model, then number.
    pub by_number: bool,
    pub extras: Extras,
    pub problems: Vec<Problem>,
}

pub struct VersionsRequest {
    /// `None`: every model.
    pub model: Option<String>,
    /// Only versions in these stages (any case); empty: all.
    pub stages: Vec<String>,
    pub filter: String,
    pub order_by: Vec<String>,
    pub detail: Detail,
}

/// MLflow's `search_model_versions` (of one model: with `name = '<model>'`, which must exist):
/// live versions that match, in its order; stages narrow further.
pub fn versions(store: &Store, req: &VersionsRequest) -> anyhow::Result<VersionList> {
    let stages = parse_stages(&req.stages)?;
    let filter = Filter::parse(&req.filter, Target::ModelVersions, store.now_ms())?;
    let order = OrderBy::parse_all(&req.order_by, Target::ModelVersions)?;
    let mut problems = Vec::new();
    let models = match &req.model {
        Some(name) => vec![load(store, name, &mut problems)?],
        None => {
            let listing = store.registered_models()?;
            problems.extend(listing.problems);
            listing.items
        }
    };
    let mut versions: Vec<&ModelVersion> = models
        .iter()
        .flat_map(|m| m.live_versions())
        .filter(|v| filter.matches(v))
        .filter(|v| stages.is_empty() || stages.contains(&v.current_stage))
        .collect();
    query::sort_model_versions(&mut versions, &order);
    let mut list = version_list(store, versions, req.detail, problems);
    list.by_number = req.order_by.is_empty();
    Ok(list)
}

fn version_list(
    store: &Store,
    versions: Vec<&ModelVersion>,
    detail: Detail,
    mut problems: Vec<Problem>,
) -> VersionList {
    let extras = Extras::load(store, versions.iter().copied(), detail, &mut problems);
    VersionList {
        versions: versions.into_iter().cloned().collect(),
        by_number: false,
        extras,
        problems,
    }
}

/// MLflow's `get_latest_versions`: the latest version in each of `stages` (all when empty).
pub fn latest(
    store: &Store,
    model: &str,
    stages: &[String],
    detail: Detail,
) -> anyhow::Result<VersionList> {
    let stages = parse_stages(stages)?;
    let mut problems = Vec::new();
    let m = load(store, model, &mut problems)?;
    Ok(version_list(
        store,
        m.latest_versions(&stages),
        detail,
        problems,
    ))
}

/// The source run of a version: its name and latest metrics.
pub struct SourceRun {
    pub name: String,
    pub metrics: BTreeMap<String, f64>,
}

pub struct ModelDescribed {
    pub model: RegisteredModel,
    /// By run id; versions whose run is not in this store have none.
    pub runs: BTreeMap<String, SourceRun>,
    pub extras: Extras,
    pub problems: Vec<Problem>,
}

/// A registered model with each live version's source run (name and latest metrics, read
/// from its metric files only).
pub fn describe(store: &Store, name: &str, detail: Detail) -> anyhow::Result<ModelDescribed> {
    let mut problems = Vec::new();
    let model = load(store, name, &mut problems)?;
    let select = DataSelection {
        metrics: Keys::All,
        ..DataSelection::default()
    };
    let mut runs = BTreeMap::new();
    let ids: BTreeSet<&String> = model
        .live_versions()
        .filter_map(|v| v.run_id.as_ref())
        .collect();
    for id in ids {
        let Ok(info) = store.find_run(id) else {
            continue;
        };
        match info.load_data(&select) {
            Ok(data) => {
                let name = info.run_name.clone();
                runs.insert(
                    id.clone(),
                    SourceRun {
                        name,
                        metrics: data.metrics,
                    },
                );
            }
            Err(err) => problems.push(Problem::from_error(&info.dir, &err)),
        }
    }
    let extras = Extras::load(store, model.live_versions(), detail, &mut problems);
    Ok(ModelDescribed {
        model,
        runs,
        extras,
        problems,
    })
}

/// One version after a command: what people see of it, and its dictionary.
pub struct VersionShown {
    pub version: ModelVersion,
    pub extras: Extras,
    /// The line people (and scripts capturing it) get: a version number, a location.
    pub line: Option<String>,
    /// Add `storage_location` to the dictionary (`models get`).
    pub storage_location: bool,
    /// The recorded location, when it is not where the files are now (a copied store) and
    /// `line` names the copy inside this store instead.
    pub moved_from: Option<String>,
    pub problems: Vec<Problem>,
}

fn shown(
    store: &Store,
    version: ModelVersion,
    detail: Detail,
    line: Option<String>,
) -> VersionShown {
    let mut problems = Vec::new();
    let extras = Extras::load(store, [&version], detail, &mut problems);
    VersionShown {
        version,
        extras,
        line,
        storage_location: false,
        moved_from: None,
        problems,
    }
}

/// Resolve a `models:/`-style reference (`MODEL/3`, `MODEL@alias`, `MODEL/Production`,
/// `MODEL/latest`); people get where its files are.
pub fn get(store: &Store, reference: &str, detail: Detail) -> anyhow::Result<VersionShown> {
    let mut problems = Vec::new();
    let v = find_version(store, reference, &mut problems)?;
    let recorded = v.download_uri().map(str::to_owned);
    let inside = recorded.as_deref().and_then(|uri| store.relocated_uri(uri));
    let moved_from = inside.is_some().then(|| recorded.clone()).flatten();
    let location = inside.or(recorded);
    if location.is_none() && detail == Detail::Shown {
        return Err(StoreError::invalid(
            &v.meta_path(),
            "the version has neither storage_location nor source",
        )
        .into());
    }
    let mut out = shown(store, v, detail, location);
    out.storage_location = true;
    out.moved_from = moved_from;
    problems.append(&mut out.problems);
    out.problems = problems;
    Ok(out)
}

/// The version a `models:/`-style reference names.
pub(crate) fn find_version(
    store: &Store,
    reference: &str,
    problems: &mut Vec<Problem>,
) -> anyhow::Result<ModelVersion> {
    let (name, version_ref) = parse_model_ref(reference)?;
    let m = load(store, &name, problems)?;
    let v = match &version_ref {
        VersionRef::Number(n) => m.version(*n)?,
        VersionRef::Alias(a) => m.version_by_alias(a)?,
        VersionRef::Latest => m.newest()?,
        VersionRef::Stage(s) => m.latest_versions(&[*s]).into_iter().next().ok_or_else(|| {
            StoreError::not_found(
                crate::store::Subject::model(&m.name),
                format!(
                    "No versions of model with name '{}' and stage '{}' found",
                    m.name,
                    s.as_str()
                ),
            )
        })?,
    };
    Ok(v.clone())
}

pub struct RegisterRequest {
    pub run: String,
    pub name: String,
    pub artifact_path: String,
    pub allow_missing: bool,
    pub description: Option<String>,
    pub tags: Vec<(String, String)>,
    pub aliases: Vec<String>,
    pub detail: Detail,
}

pub struct RegisteredVersion {
    pub run: RunInfo,
    pub created_model: bool,
    /// People get the version number.
    pub shown: VersionShown,
}

/// `mlflow.register_model("runs:/<run>/<path>", name)`: a new version (and the model when
/// missing) from a run's artifacts.
pub fn register(store: &Store, req: &RegisterRequest) -> anyhow::Result<RegisteredVersion> {
    let run = store.find_run(&req.run)?;
    let registered = store.register(&NewVersion {
        name: &req.name,
        run: &run,
        artifact_path: &req.artifact_path,
        allow_missing: req.allow_missing,
        description: req.description.as_deref(),
        tags: &req.tags,
        aliases: &req.aliases,
    })?;
    let line = Some(registered.version.version.to_string());
    Ok(RegisteredVersion {
        run,
        created_model: registered.created_model,
        shown: shown(store, registered.version, req.detail, line),
    })
}

pub struct TransitionRequest {
    pub model: String,
    pub version: String,
    pub stage: Option<String>,
    pub archive_existing: bool,
    pub aliases: Vec<String>,
    pub detail: Detail,
}

pub struct TransitionDone {
    pub version: u64,
    /// The stage moved to, and the versions archived on the way.
    pub stage: Option<(Stage, Vec<u64>)>,
    /// Nothing for people; the version's dictionary for scripts.
    pub shown: VersionShown,
}

/// MLflow's `transition_model_version_stage` and/or `set_registered_model_alias`; everything is
/// checked before the first change.
pub fn transition(store: &Store, req: &TransitionRequest) -> anyhow::Result<TransitionDone> {
    let version = parse_version(&req.version)?;
    let stage = req.stage.as_deref().map(Stage::parse).transpose()?;
    for alias in &req.aliases {
        check_new_alias(alias)?;
    }
    store.registered_model(&req.model)?.version(version)?;
    let moved = match stage {
        Some(stage) => {
            let Transitioned { archived, .. } =
                store.transition(&req.model, version, stage, req.archive_existing)?;
            Some((stage, archived))
        }
        None => None,
    };
    for alias in &req.aliases {
        store.set_alias(&req.model, alias, version)?;
    }
    let now = store
        .registered_model(&req.model)?
        .version(version)?
        .clone();
    Ok(TransitionDone {
        version,
        stage: moved,
        shown: shown(store, now, req.detail, None),
    })
}

/// Delete versions (soft, as MLflow: numbers are never reused); every version must exist
/// before any is deleted. The deleted versions, in order.
pub fn delete_versions(
    store: &Store,
    model: &str,
    versions: &[String],
) -> anyhow::Result<Vec<ModelVersion>> {
    let numbers = versions
        .iter()
        .map(|v| parse_version(v))
        .collect::<Result<Vec<_>, _>>()?;
    let m = store.registered_model(model)?;
    for n in &numbers {
        m.deletable_version(*n)?;
    }
    let mut out = Vec::new();
    for n in numbers {
        out.push(store.delete_model_version(model, n)?);
    }
    Ok(out)
}

/// Delete a whole registered model for good; `confirmed` is the user's explicit yes.
pub fn delete_model(
    store: &Store,
    model: &str,
    confirmed: bool,
) -> anyhow::Result<RegisteredModel> {
    if !confirmed {
        return Err(UsageError(format!(
            "deleting model '{model}' removes it and all its versions for good; pass --yes to do it, or name the versions to delete"
        ))
        .into());
    }
    Ok(store.delete_registered_model(model)?)
}

/// Set and delete tags of a model, or of one of its versions (`version` as the user wrote it).
pub fn tag(
    store: &Store,
    model: &str,
    version: Option<&str>,
    set: &[(String, String)],
    delete: &[String],
) -> anyhow::Result<()> {
    let version = version.map(parse_version).transpose()?;
    Ok(store.set_model_tags(model, version, set, delete)?)
}

/// MLflow's `rename_registered_model`: versions, tags and aliases move with the model.
pub fn rename(store: &Store, model: &str, new_name: &str) -> anyhow::Result<RegisteredModel> {
    Ok(store.rename_registered_model(model, new_name)?)
}

/// Point `alias` at a version. The version, and the one the alias pointed at before, if other.
pub fn set_alias(
    store: &Store,
    model: &str,
    alias: &str,
    version: &str,
) -> anyhow::Result<(u64, Option<String>)> {
    let version = parse_version(version)?;
    let previous = store.set_alias(model, alias, version)?;
    Ok((version, previous.filter(|p| *p != version.to_string())))
}

pub fn delete_alias(store: &Store, model: &str, alias: &str) -> anyhow::Result<()> {
    Ok(store.delete_alias(model, alias)?)
}

outcome!(ModelList, VersionList, ModelDescribed, VersionShown);
