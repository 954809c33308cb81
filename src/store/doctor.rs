//! `doctor`: find what makes a store wrong for MLflow or mlrs, and repair exactly that. Owns
//! the checks and the repairs; every repair is one atomic step (a rename, or a meta.yaml
//! replaced whole) and nothing is deleted that held data: torn metric lines and empty metric
//! files go to `<root>/.mlrs-doctor.trash/` (a root folder MLflow skips). It never prints.
//!
//! The checks: absolute paths naming the folder a copied or moved store came from (run
//! `artifact_uri`, experiment `artifact_location`, model version `source`/`storage_location`),
//! metric files whose last line is torn or that are empty, runs whose meta.yaml cannot be read
//! (reported; a person must decide), leftovers of interrupted mlrs writes (staging folders and
//! temp files) and experiment deletes or restores cut short between their steps, and MLflow's
//! `aliases:` caches in registry meta.yaml files that disagree with the `aliases/` folder.

use std::path::{Path, PathBuf};

use super::error::{Result, StoreError, quote};
use super::keyed::{self, TEMP_PREFIX};
use super::location::{self, file_uri};
use super::metric::{self, FileHealth};
use super::yaml::{self, Yaml};
use super::{Experiment, RunInfo, Store, ViewType, fs};

/// The root folder repairs move things into.
pub const QUARANTINE: &str = ".mlrs-doctor.trash";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OldStorePath,
    TornMetricLine,
    EmptyMetricFile,
    BadMetricFile,
    UnreadableRun,
    InterruptedWrite,
    InterruptedMove,
    StaleAliasCache,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OldStorePath => "old store path",
            Kind::TornMetricLine => "torn metric line",
            Kind::EmptyMetricFile => "empty metric file",
            Kind::BadMetricFile => "malformed metric file",
            Kind::UnreadableRun => "unreadable run",
            Kind::InterruptedWrite => "interrupted write",
            Kind::InterruptedMove => "interrupted experiment move",
            Kind::StaleAliasCache => "stale alias cache",
        }
    }
}

/// One problem: where, what was found, and the repair `--fix` makes (`None`: none is safe).
#[derive(Debug, Clone)]
pub struct Finding {
    pub kind: Kind,
    pub path: PathBuf,
    pub found: String,
    pub repair: Option<Repair>,
}

#[derive(Debug, Clone)]
pub enum Repair {
    /// Replace `key` of the YAML file `path` with `value`.
    SetKey {
        key: String,
        value: Yaml,
        shown: String,
    },
    /// Keep the first `keep` bytes; the rest goes to the quarantine.
    Truncate { keep: u64 },
    /// Move the file or folder into the quarantine.
    Quarantine,
    /// Remove a leftover that never held committed data.
    Remove,
    /// Move a deleted experiment's folder into `.trash/`: the last step of a delete.
    FinishDelete,
    /// Mark the experiment and its runs active again: the steps of a restore after its move.
    FinishRestore,
}

impl Repair {
    pub fn describe(&self) -> String {
        match self {
            Repair::SetKey { key, shown, .. } => format!("set {key} to {shown}"),
            Repair::Truncate { keep } => {
                format!("keep the first {keep} bytes; move the torn line to {QUARANTINE}/")
            }
            Repair::Quarantine => format!("move it to {QUARANTINE}/"),
            Repair::Remove => "remove it".to_owned(),
            Repair::FinishDelete => "finish the delete: move the folder into .trash/".to_owned(),
            Repair::FinishRestore => {
                "finish the restore: mark the experiment and its deleted runs active".to_owned()
            }
        }
    }
}

impl Store {
    /// Every problem doctor knows, in path order.
    pub fn examine(&self) -> Result<Vec<Finding>> {
        let mut out = Vec::new();
        self.examine_leftovers(&mut out)?;
        let experiments = self.experiments(ViewType::All)?;
        for exp in &experiments.items {
            let wanted = self.experiment_artifact_location(exp);
            if wanted != exp.artifact_location {
                out.push(old_path(
                    exp.meta_path(),
                    "artifact_location",
                    &exp.artifact_location,
                    wanted,
                ));
            }
        }
        let runs = self.run_infos(&experiments.items, ViewType::All)?;
        for exp in &experiments.items {
            leftovers(&exp.dir, TEMP_FILE, &mut out)?;
            if !exp.is_active() && !self.in_trash(exp) {
                out.push(self.half_moved(exp, &runs.items));
            }
        }
        for p in &runs.problems {
            out.push(Finding {
                kind: Kind::UnreadableRun,
                path: p.path.clone(),
                found: p.reason.clone(),
                repair: None,
            });
        }
        for run in &runs.items {
            if let Some(dir) = self.local_artifact_dir(run)
                && location::uri_to_local_path(&run.artifact_uri).as_deref() != Some(dir.as_path())
            {
                out.push(old_path(
                    run.meta_path(),
                    "artifact_uri",
                    &run.artifact_uri,
                    file_uri(&dir),
                ));
            }
            leftovers(&run.dir, TEMP_FILE, &mut out)?;
            examine_metrics(&run.dir.join("metrics"), &mut out)?;
        }
        self.examine_registry(&mut out)?;
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// A deleted experiment outside `.trash/`, told apart only from what is certain. A delete
    /// (MLflow's and mlrs's alike) marks each active run deleted with `deleted_time` = T, then
    /// meta.yaml (deleted, `last_update_time` = T), then moves the folder into `.trash/`; a
    /// restore moves it back, marks the deleted runs active, then meta.yaml. So:
    /// * some runs active again while others still carry the delete's T: a restore cut short
    ///   among its runs;
    /// * no run active, and nothing left `.trash/` since T (it is absent, or its time is older
    ///   than T): a delete cut short before its move;
    /// * anything else (no run active but `.trash/` changed since T is also what a restore cut
    ///   short right after its move leaves; every run active is also what an MLflow older than
    ///   2.x leaves from a cut-short delete): reported, not guessed.
    fn half_moved(&self, exp: &Experiment, runs: &[RunInfo]) -> Finding {
        let own: Vec<&RunInfo> = runs
            .iter()
            .filter(|r| r.dir.parent() == Some(exp.dir.as_path()))
            .collect();
        let t = exp.last_update_time;
        let active = own.iter().any(|r| r.is_active());
        let marked = own
            .iter()
            .any(|r| !r.is_active() && t.is_some() && r.deleted_time == t);
        let (found, repair) = if active && marked {
            (
                "a restore cut short (marked deleted, outside .trash/, some runs active again, \
                 others still deleted by the delete it undoes)"
                    .to_owned(),
                Some(Repair::FinishRestore),
            )
        } else if !active && t.is_some_and(|t| self.trash_untouched_since(t)) {
            if self.trash_dir().join(&exp.id).exists() {
                (
                    "a delete cut short, and .trash/ holds another experiment with this id"
                        .to_owned(),
                    None,
                )
            } else {
                (
                    "a delete cut short (marked deleted, outside .trash/, every run deleted, \
                     nothing moved out of .trash/ since)"
                        .to_owned(),
                    Some(Repair::FinishDelete),
                )
            }
        } else {
            (
                format!(
                    "marked deleted but outside .trash/: a delete cut short before its move or a \
                     restore cut short after it, and nothing on disk says which; finish the one \
                     that was running with `mlrs experiments delete {id}` or `mlrs experiments \
                     restore {id}`",
                    id = exp.id
                ),
                None,
            )
        };
        Finding {
            kind: Kind::InterruptedMove,
            path: exp.dir.clone(),
            found: format!("experiment {} ({}): {found}", exp.id, quote(&exp.name)),
            repair,
        }
    }

    /// Whether no folder can have left `.trash/` at or after `t` (ms): it does not exist, or it
    /// last changed more than a second before `t` (file times lag the clock by a few ms).
    fn trash_untouched_since(&self, t: i64) -> bool {
        match std::fs::metadata(self.trash_dir()).and_then(|m| m.modified()) {
            Ok(time) => time
                .duration_since(std::time::UNIX_EPOCH)
                .is_ok_and(|d| (d.as_millis() as i64) < t - 1000),
            Err(e) => e.kind() == std::io::ErrorKind::NotFound,
        }
    }

    fn examine_leftovers(&self, out: &mut Vec<Finding>) -> Result<()> {
        leftovers(
            self.root(),
            "staging folder of an mlrs write that did not finish",
            out,
        )
    }

    fn examine_registry(&self, out: &mut Vec<Finding>) -> Result<()> {
        let listing = self.registered_models()?;
        for model in &listing.items {
            leftovers(&model.dir, TEMP_FILE, out)?;
            for v in &model.versions {
                leftovers(&v.dir, TEMP_FILE, out)?;
            }
            let path = model.meta_path();
            let map = yaml::parse_map(&path, &fs::read_to_string(&path)?)?;
            if let Some(cached) = map.get("aliases") {
                let truth = Yaml::Map(
                    model
                        .aliases
                        .iter()
                        .map(|(a, v)| (a.clone(), Yaml::str(v)))
                        .collect(),
                );
                let shape_differs = matches!(cached, Yaml::Map(_)) && *cached != truth;
                if shape_differs {
                    out.push(Finding {
                        kind: Kind::StaleAliasCache,
                        path: path.clone(),
                        found: format!(
                            "aliases: {} (the aliases/ folder says otherwise)",
                            yaml_inline(cached)
                        ),
                        repair: Some(Repair::SetKey {
                            key: "aliases".into(),
                            shown: yaml_inline(&truth),
                            value: truth,
                        }),
                    });
                }
            }
            for v in &model.versions {
                let Some(run_id) = v.run_id.as_deref() else {
                    continue;
                };
                let Ok(run) = self.find_run(run_id) else {
                    continue;
                };
                let Some(dir) = self.local_artifact_dir(&run) else {
                    continue;
                };
                for (key, value) in [
                    ("source", &v.source),
                    ("storage_location", &v.storage_location),
                ] {
                    let Some(value) = value else { continue };
                    if let Some(fixed) = rerooted(value, run_id, &dir, self) {
                        out.push(old_path(v.meta_path(), key, value, fixed));
                    }
                }
            }
        }
        Ok(())
    }

    /// Make the repairs of `findings` (those that have one), each atomically. Returns what was
    /// done, one line per finding.
    pub fn repair(&self, findings: &[Finding]) -> Result<Vec<String>> {
        let _lock = self.lock()?;
        let quarantine = self.root().join(QUARANTINE);
        let mut done = Vec::new();
        // Experiment moves last: the other repairs name paths inside the folders they move.
        let moves =
            |f: &&Finding| matches!(f.repair, Some(Repair::FinishDelete | Repair::FinishRestore));
        let ordered = findings
            .iter()
            .filter(|f| !moves(f))
            .chain(findings.iter().filter(moves));
        for f in ordered {
            let Some(repair) = &f.repair else { continue };
            match repair {
                Repair::SetKey { key, value, .. } => {
                    let text = fs::read_to_string(&f.path)?;
                    let mut map = yaml::parse_map(&f.path, &text)?;
                    map.insert(key.clone(), value.clone());
                    fs::write_atomic(&f.path, yaml::to_string(&Yaml::Map(map)).as_bytes())?;
                }
                Repair::Truncate { keep } => {
                    // The torn tail is at most one line (doctor found every line before it
                    // whole): it is kept in the quarantine before the file is cut.
                    let tail = fs::read_tail(&f.path, *keep)?;
                    let kept = self.quarantine_path(&quarantine, &f.path)?;
                    fs::write_atomic(&kept, &tail)?;
                    fs::truncate(&f.path, *keep)?;
                }
                Repair::Quarantine => {
                    let to = self.quarantine_path(&quarantine, &f.path)?;
                    fs::rename(&f.path, &to)?;
                }
                Repair::FinishDelete => {
                    fs::create_dir_all(&self.trash_dir())?;
                    let id = f.path.file_name().unwrap_or_default();
                    fs::rename(&f.path, &self.trash_dir().join(id))?;
                }
                Repair::FinishRestore => {
                    self.finish_restore(&Experiment::load(&f.path)?)?;
                }
                Repair::Remove => {
                    if f.path.is_dir() {
                        fs::remove_all(&f.path)?;
                    } else {
                        fs::remove_file(&f.path)?;
                    }
                }
            }
            done.push(format!("{}: {}", f.path.display(), repair.describe()));
        }
        Ok(done)
    }

    /// Where `path` goes in the quarantine: the same path below it, relative to the root, with
    /// a numbered suffix when an earlier repair already put a file there.
    fn quarantine_path(&self, quarantine: &Path, path: &Path) -> Result<PathBuf> {
        let rel = path.strip_prefix(self.root()).unwrap_or(path);
        let mut target = quarantine.join(rel);
        let mut n = 1;
        while target.exists() {
            target = quarantine.join(format!("{}.{n}", rel.display()));
            n += 1;
        }
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(target)
    }
}

/// mlrs's temp files and staging folders directly in `dir` (a write killed before its rename
/// leaves one; the file it was replacing is intact).
fn leftovers(dir: &Path, what: &str, out: &mut Vec<Finding>) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            out.push(Finding {
                kind: Kind::InterruptedWrite,
                path: entry.path(),
                found: what.to_owned(),
                repair: Some(Repair::Remove),
            });
        }
    }
    Ok(())
}

const TEMP_FILE: &str =
    "temp file of an mlrs write that did not finish (the file it replaced is intact)";

fn old_path(meta: PathBuf, key: &str, recorded: &str, wanted: String) -> Finding {
    Finding {
        kind: Kind::OldStorePath,
        path: meta,
        found: format!("{key} {recorded} names the folder this store was copied or moved from"),
        repair: Some(Repair::SetKey {
            key: key.to_owned(),
            shown: wanted.clone(),
            value: Yaml::str(wanted),
        }),
    }
}

/// `value` (a `file:` URI or path into a run's artifacts at the store's old place) pointed at
/// the run's current artifact folder `dir`; `None` when it needs no change.
fn rerooted(value: &str, run_id: &str, dir: &Path, store: &Store) -> Option<String> {
    let path = location::uri_to_local_path(value)?;
    if path.starts_with(store.root()) {
        return None;
    }
    let marker = Path::new(run_id).join("artifacts");
    let artifacts = path.ancestors().find(|a| a.ends_with(&marker))?;
    if !store.is_former_root(artifacts.ancestors().nth(3)) {
        return None;
    }
    let rest = path.strip_prefix(artifacts).ok()?;
    let new = if rest.as_os_str().is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rest)
    };
    Some(if value.starts_with("file:") {
        file_uri(&new)
    } else {
        new.display().to_string()
    })
}

fn examine_metrics(dir: &Path, out: &mut Vec<Finding>) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for (_, path) in keyed::list(dir)? {
        let (kind, found, repair) = match metric::check_file(&path)? {
            FileHealth::Sound => continue,
            FileHealth::Empty => (
                Kind::EmptyMetricFile,
                "no values (MLflow cannot read the run)".to_owned(),
                Some(Repair::Quarantine),
            ),
            FileHealth::TornLast { keep, line } => (
                Kind::TornMetricLine,
                format!("last line {line:?} is incomplete"),
                Some(Repair::Truncate { keep }),
            ),
            FileHealth::Broken(e) => (Kind::BadMetricFile, e.to_string(), None),
        };
        out.push(Finding {
            kind,
            path,
            found,
            repair,
        });
    }
    Ok(())
}

/// A short one-line form of a YAML value for messages.
fn yaml_inline(value: &Yaml) -> String {
    match value {
        Yaml::Map(m) if m.is_empty() => "{}".into(),
        Yaml::Map(m) => {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}: {}", yaml_inline(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Yaml::Str(s) => s.clone(),
        Yaml::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}
