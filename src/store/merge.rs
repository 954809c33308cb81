//! Folding another store into this one, keeping run ids: experiments matched by name, runs
//! copied whole (meta.yaml rewritten to the new place), registry versions added with fresh
//! numbers where both stores have them. Owns the rules of the merge; must not print.
//!
//! Idempotent by construction: a run whose id the target already has only gets what the
//! source has more of (metric lines appended after the copy the target holds, key files and
//! artifact files it lacks, the end of a run it still has running); a value that differs is a
//! conflict, reported and left as the target has it. A version whose run and source the target
//! already has is skipped. So a second merge writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError, Subject};
use super::registry::{ModelVersion, RegisteredModel, version_meta};
use super::yaml::{self, Yaml};
use super::{Experiment, MODELS, Problem, RunInfo, Store, ViewType, experiment, fs, keyed, metric};

/// What the merge did (or, on a dry run, would do) with one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Copied in under the same id (or name).
    Added,
    /// Copied in under another id or number, the target's being taken.
    Renumbered(String),
    /// Already there: matched, nothing written.
    Present,
    /// Already there; what the source has more of was added (said in the text).
    Updated(String),
    /// Already there under another id or number (a renumbered copy from an earlier merge).
    PresentAs(String),
    /// Both stores differ here; the target is left as it is.
    Conflict(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Experiment,
    Run,
    Model,
    Version,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Experiment => "experiment",
            Kind::Run => "run",
            Kind::Model => "model",
            Kind::Version => "version",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub kind: Kind,
    /// The id (experiments, runs), the name (models) or `name/version` in the source.
    pub id: String,
    pub name: String,
    pub action: Action,
}

#[derive(Debug, Default)]
pub struct Merged {
    pub steps: Vec<Step>,
    pub problems: Vec<Problem>,
}

impl Store {
    /// Merge `source` into this store; `dry_run` decides and writes nothing.
    pub fn merge_from(&self, source: &Store, dry_run: bool) -> Result<Merged> {
        if same_folder(source.root(), self.root()) {
            return Err(StoreError::bad_input(
                Subject::Path(source.root().to_path_buf()),
                "is the store being merged into (a store cannot be merged into itself)",
            ));
        }
        let _lock = self.lock()?;
        let mut out = Merged::default();
        let sources = source.experiments(ViewType::All)?;
        out.problems.extend(sources.problems);
        let mut targets = self.experiments(ViewType::All)?.items;
        // Recorded source artifact URI -> the one in this store, for model version sources.
        let mut uris: Vec<(String, String)> = Vec::new();
        for exp in &sources.items {
            let (target, action) = match targets.iter().find(|t| t.name == exp.name) {
                Some(t) => (t.clone(), self.merge_experiment_tags(exp, t, dry_run)?),
                None => {
                    let t = self.new_experiment_like(source, exp, dry_run)?;
                    let action = if t.id == exp.id {
                        Action::Added
                    } else {
                        Action::Renumbered(t.id.clone())
                    };
                    targets.push(t.clone());
                    (t, action)
                }
            };
            out.steps.push(Step {
                kind: Kind::Experiment,
                id: exp.id.clone(),
                name: exp.name.clone(),
                action,
            });
            for dir in source.run_dirs(exp)? {
                let run = match RunInfo::load(&dir) {
                    Ok(run) => run,
                    Err(e) => {
                        out.problems.push(Problem::from_error(&dir, &e));
                        continue;
                    }
                };
                let (action, new_uri) = self.merge_run(source, &run, &target, dry_run)?;
                uris.push((run.artifact_uri.clone(), new_uri));
                out.steps.push(Step {
                    kind: Kind::Run,
                    id: run.run_id.clone(),
                    name: run.run_name.clone(),
                    action,
                });
            }
        }
        self.merge_models(source, &uris, dry_run, &mut out)?;
        Ok(out)
    }

    /// A new experiment for `exp` (its id when free here), its meta.yaml, tags and other
    /// folders (datasets, traces) copied; runs come one by one afterwards.
    fn new_experiment_like(
        &self,
        source: &Store,
        exp: &Experiment,
        dry_run: bool,
    ) -> Result<Experiment> {
        let taken = |id: &str| self.root.join(id).exists() || self.trash_dir().join(id).exists();
        let id = if taken(&exp.id) {
            loop {
                let id = experiment::generate_id();
                if !taken(&id) {
                    break id;
                }
            }
        } else {
            exp.id.clone()
        };
        let default_location = format!("{}/{}", source.root_uri(), exp.id);
        let artifact_location = if source.experiment_artifact_location(exp) == default_location {
            format!("{}/{id}", self.root_uri())
        } else {
            exp.artifact_location.clone()
        };
        let dir = if exp.is_active() {
            self.root.join(&id)
        } else {
            self.trash_dir().join(&id)
        };
        let new = Experiment {
            id: id.clone(),
            artifact_location: artifact_location.clone(),
            dir: dir.clone(),
            ..exp.clone()
        };
        if dry_run {
            return Ok(new);
        }
        let (meta_path, text) = fs::read_meta(&exp.dir, "experiment")?;
        let mut meta = yaml::parse_map(&meta_path, &text)?;
        // Typed fields again from the model: a name like `0o17` must stay a string.
        meta.insert("name".into(), Yaml::str(&exp.name));
        meta.insert("experiment_id".into(), Yaml::str(&id));
        meta.insert("artifact_location".into(), Yaml::str(&artifact_location));
        let runs = source.run_dirs(exp)?;
        fs::place_new_folder(&self.root, &dir, |staging| {
            for entry in std::fs::read_dir(&exp.dir).map_err(|e| StoreError::io(&exp.dir, e))? {
                let entry = entry.map_err(|e| StoreError::io(&exp.dir, e))?;
                let path = entry.path();
                if runs.contains(&path) || entry.file_name() == "meta.yaml" {
                    continue;
                }
                fs::copy_tree(&path, &staging.join(entry.file_name()))?;
            }
            fs::write_staged(
                &staging.join("meta.yaml"),
                yaml::to_string(&Yaml::Map(meta)).as_bytes(),
            )
        })?;
        Ok(new)
    }

    /// Copy one run into `target` unless its id is here already; the artifact URI it has
    /// (or would have) here comes back with the action.
    fn merge_run(
        &self,
        source: &Store,
        run: &RunInfo,
        target: &Experiment,
        dry_run: bool,
    ) -> Result<(Action, String)> {
        if let Some(dir) = self
            .run_dirs_with_prefix(&run.run_id)?
            .into_iter()
            .find(|d| d.file_name().is_some_and(|n| n == run.run_id.as_str()))
        {
            let here = RunInfo::load(&dir)?;
            let action = self.update_run(source, run, &here, dry_run)?;
            return Ok((action, here.artifact_uri));
        }
        let local = source.local_artifact_dir(run);
        // Artifacts move with the run only when they lie inside the source store; a
        // configured artifact root elsewhere (or s3://…) stays where it is, URI unchanged.
        let inside = local.as_ref().filter(|p| p.starts_with(source.root()));
        let new_uri = match inside {
            Some(_) => format!(
                "{}/{}/artifacts",
                self.experiment_artifact_location(target),
                run.run_id
            ),
            None => run.artifact_uri.clone(),
        };
        // The run keeps its id; its experiment's new id, if any, shows on the experiment's row.
        let action = Action::Added;
        if dry_run {
            return Ok((action, new_uri));
        }
        let moved = RunInfo {
            experiment_id: target.id.clone(),
            artifact_uri: new_uri.clone(),
            ..run.clone()
        };
        let meta = moved.meta_document(Some(run.read_meta_map()?), self.flavor());
        let artifacts_elsewhere = inside.filter(|p| !p.starts_with(&run.dir) && p.is_dir());
        fs::place_new_folder(&self.root, &target.dir.join(&run.run_id), |staging| {
            fs::copy_tree(&run.dir, staging)?;
            if let Some(artifacts) = artifacts_elsewhere {
                fs::copy_tree(artifacts, &staging.join("artifacts"))?;
            }
            fs::write_staged(&staging.join("meta.yaml"), meta.as_bytes())
        })?;
        Ok((action, new_uri))
    }

    /// Tags of `exp` that the same-named experiment `target` lacks are added; a tag both have
    /// with different values is a conflict, and the target's value is kept.
    fn merge_experiment_tags(
        &self,
        exp: &Experiment,
        target: &Experiment,
        dry_run: bool,
    ) -> Result<Action> {
        let mut added = Vec::new();
        let mut differ = Vec::new();
        for (key, value) in &exp.tags {
            match target.tags.get(key) {
                Some(v) if v == value => {}
                Some(_) => differ.push(format!("tags.{key}")),
                None => {
                    if !dry_run {
                        let path = fs::key_path(&target.tags_dir(), key);
                        fs::write_atomic_via(&path, value.as_bytes(), &target.dir)?;
                    }
                    added.push(key.as_str());
                }
            }
        }
        let differ: Vec<&str> = differ.iter().map(String::as_str).collect();
        Ok(changes(&[("tags added", added)], &differ))
    }

    /// A run the target has already (same id): add what the source has more of. Metric files
    /// whose target copy is a byte prefix of the source's get the lines after it (the job kept
    /// logging after an earlier merge); key and artifact files the target lacks are copied; a
    /// run still running here but ended in the source gets its status and end time. Anything
    /// else that differs is a conflict: reported, the target kept.
    fn update_run(
        &self,
        source: &Store,
        run: &RunInfo,
        here: &RunInfo,
        dry_run: bool,
    ) -> Result<Action> {
        let mut added = Vec::new();
        let mut extended = Vec::new();
        let mut differ = Vec::new();
        for part in ["params", "tags", "metrics"] {
            for (key, from) in keyed::list(&run.dir.join(part))? {
                let to = fs::key_path(&here.dir.join(part), &key);
                let label = format!("{part}.{key}");
                if !to.exists() {
                    if !dry_run {
                        fs::copy_file(&from, &to, &here.dir)?;
                    }
                    added.push(label);
                    continue;
                }
                let metrics = part == "metrics";
                match (fs::is_prefix(&to, &from)?, fs::is_prefix(&from, &to)?) {
                    (true, true) => {}
                    (true, false) if metrics => {
                        // Whole lines only: a torn last line in the source waits for its end.
                        let offset = std::fs::metadata(&to).map_or(0, |m| m.len());
                        let lines = metric::lines_since(&from, offset)?;
                        if lines.is_empty() {
                            continue;
                        }
                        if !dry_run {
                            fs::append_lines(&to, lines.iter().map(String::as_str), &here.dir)?;
                        }
                        extended.push(label);
                    }
                    // The target has more lines: it is ahead, not in conflict.
                    (false, true) if metrics => {}
                    _ => differ.push(label),
                }
            }
        }
        // Only artifacts kept inside both stores; a configured artifact root elsewhere is shared.
        if let (Some(from), Some(to)) = (
            source.local_artifact_dir(run),
            self.local_artifact_dir(here),
        ) && from.is_dir()
            && from.starts_with(source.root())
            && to.starts_with(&here.dir)
        {
            for entry in walkdir::WalkDir::new(&from).sort_by_file_name() {
                let entry = entry.map_err(|e| StoreError::walk(&from, e))?;
                let rel = entry.path().strip_prefix(&from).unwrap_or(entry.path());
                let dst = to.join(rel);
                if entry.file_type().is_file() && !dst.exists() {
                    if !dry_run {
                        fs::copy_file(entry.path(), &dst, &here.dir)?;
                    }
                    added.push(format!("artifacts/{}", rel.display()));
                }
            }
        }
        let mut ended = Vec::new();
        if !here.status.is_terminal() && run.status.is_terminal() {
            if !dry_run {
                self.write_run_meta(&RunInfo {
                    status: run.status,
                    end_time: run.end_time,
                    ..here.clone()
                })?;
            }
            ended.push(run.status.as_str().to_owned());
        }
        let added: Vec<&str> = added.iter().map(String::as_str).collect();
        let extended: Vec<&str> = extended.iter().map(String::as_str).collect();
        let ended: Vec<&str> = ended.iter().map(String::as_str).collect();
        let differ: Vec<&str> = differ.iter().map(String::as_str).collect();
        Ok(changes(
            &[
                ("added", added),
                ("lines appended to", extended),
                ("ended as", ended),
            ],
            &differ,
        ))
    }

    /// Registered models: new ones copied whole, versions of shared ones added after the
    /// target's highest number; model-level differences (description, tags, aliases) are
    /// reported, never resolved.
    fn merge_models(
        &self,
        source: &Store,
        uris: &[(String, String)],
        dry_run: bool,
        out: &mut Merged,
    ) -> Result<()> {
        let models = source.registered_models()?;
        out.problems.extend(models.problems);
        let remap = |s: &Option<String>| -> Option<String> {
            let s = s.as_deref()?;
            Some(
                uris.iter()
                    .filter(|(old, _)| !old.is_empty())
                    .find_map(|(old, new)| {
                        s.strip_prefix(old.as_str())
                            .map(|rest| format!("{new}{rest}"))
                    })
                    .unwrap_or_else(|| s.to_owned()),
            )
        };
        let moved = |v: &ModelVersion, number: u64| ModelVersion {
            version: number,
            source: remap(&v.source),
            storage_location: remap(&v.storage_location),
            ..v.clone()
        };
        let flavor = self.flavor();
        for model in &models.items {
            let to = self
                .root
                .join(MODELS)
                .join(model.dir.file_name().unwrap_or_default());
            if !to.exists() {
                if !dry_run {
                    fs::place_new_folder(&self.root, &to, |staging| {
                        fs::copy_tree(&model.dir, staging)?;
                        for v in &model.versions {
                            let existing = read_map(&v.meta_path())?;
                            let text = version_meta(&moved(v, v.version), Some(existing), flavor);
                            let dir = staging.join(v.dir.file_name().unwrap_or_default());
                            fs::write_staged(&dir.join("meta.yaml"), text.as_bytes())?;
                        }
                        Ok(())
                    })?;
                }
                out.steps.push(model_step(&model.name, Action::Added));
                // Its versions came with it: each is listed, as a later merge lists them present.
                for v in &model.versions {
                    let id = format!("{}/{}", model.name, v.version);
                    out.steps.push(version_step(id, &model.name, Action::Added));
                }
                continue;
            }
            let here = RegisteredModel::load(&to)?;
            let mut differs = Vec::new();
            if here.description != model.description {
                differs.push("description");
            }
            if here.visible_tags() != model.visible_tags() {
                differs.push("tags");
            }
            if here.aliases != model.aliases {
                differs.push("aliases");
            }
            out.steps.push(model_step(
                &model.name,
                if differs.is_empty() {
                    Action::Present
                } else {
                    Action::Conflict(format!("{} differ; this store's kept", differs.join(", ")))
                },
            ));
            // A version is the same one when run, source and creation time agree: two versions
            // a source registered from one run stay two.
            let key = |v: &ModelVersion, source: Option<String>| {
                (v.run_id.clone(), source, v.creation_timestamp)
            };
            let mut have: Vec<(u64, Key)> = here
                .versions
                .iter()
                .map(|v| (v.version, key(v, v.source.clone())))
                .collect();
            for v in &model.versions {
                let id = format!("{}/{}", model.name, v.version);
                let wanted = key(v, remap(&v.source));
                if let Some((n, _)) = have.iter().find(|(_, k)| *k == wanted) {
                    let action = if *n == v.version {
                        Action::Present
                    } else {
                        Action::PresentAs(format!("version {n}"))
                    };
                    out.steps.push(version_step(id, &model.name, action));
                    continue;
                }
                let next = have.iter().map(|(n, _)| *n).max().unwrap_or(0) + 1;
                if !dry_run {
                    // Aliases name the source's numbers, so a version added here has none.
                    let version = ModelVersion {
                        aliases: Vec::new(),
                        ..moved(v, next)
                    };
                    let text = version_meta(&version, Some(read_map(&v.meta_path())?), flavor);
                    fs::place_new_folder(
                        &self.root,
                        &to.join(format!("version-{next}")),
                        |staging| {
                            fs::copy_tree(&v.dir, staging)?;
                            fs::write_staged(&staging.join("meta.yaml"), text.as_bytes())
                        },
                    )?;
                }
                have.push((next, wanted));
                let action = if next == v.version {
                    Action::Added
                } else {
                    Action::Renumbered(format!("version {next}"))
                };
                out.steps.push(version_step(id, &model.name, action));
            }
        }
        Ok(())
    }
}

/// The action for an entity both stores have: `Present` when nothing changed, `Updated` with
/// what was added, `Conflict` (naming what differs, and what was added) when values differ.
fn changes(done: &[(&str, Vec<&str>)], differ: &[&str]) -> Action {
    let mut parts: Vec<String> = done
        .iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(what, items)| format!("{what} {}", items.join(", ")))
        .collect();
    if differ.is_empty() {
        return if parts.is_empty() {
            Action::Present
        } else {
            Action::Updated(parts.join("; "))
        };
    }
    parts.insert(
        0,
        format!("{} differ; this store's kept", differ.join(", ")),
    );
    Action::Conflict(parts.join("; "))
}

/// What makes two model versions the same: run, source, creation time.
type Key = (Option<String>, Option<String>, Option<i64>);

fn model_step(name: &str, action: Action) -> Step {
    Step {
        kind: Kind::Model,
        id: name.to_owned(),
        name: name.to_owned(),
        action,
    }
}

fn version_step(id: String, name: &str, action: Action) -> Step {
    Step {
        kind: Kind::Version,
        id,
        name: name.to_owned(),
        action,
    }
}

fn read_map(path: &Path) -> Result<BTreeMap<String, Yaml>> {
    yaml::parse_map(path, &fs::read_to_string(path)?)
}

fn same_folder(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| PathBuf::from(p));
    canon(a) == canon(b)
}
