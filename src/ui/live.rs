//! Live refresh, once per tick, reading only what changed: new run folders, the running runs
//! the user can see (rows on screen, marked, charted or open), and the open charts, grown by
//! the metric lines appended since the last read. What changed is told by file notifications
//! (`notify`: inotify, FSEvents, kqueue) on the experiment folders and on the watched runs'
//! folders, so an idle store costs nothing; where notifications cannot be had (or with
//! `--poll`, for network file systems that never send them) it is found by polling: one `stat`
//! per experiment folder and a few per watched running run, each tick.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::SystemTime;

use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::data;
use super::entry::{self, Entry};
use super::model::{Model, View};
use crate::store::{Experiment, RunStatus};

/// The sub-folders of a run whose changes the table or the charts show.
const RUN_PARTS: [&str; 3] = ["metrics", "params", "tags"];

pub(crate) struct Live {
    watch: Option<Watch>,
    /// Each experiment folder's modification time when last looked at (polling).
    seen: HashMap<PathBuf, SystemTime>,
    /// Each watched running run's fingerprint when last read (polling).
    stamps: HashMap<PathBuf, u64>,
    /// Experiments to look into again next tick, and how many times they were: a run folder
    /// there had no meta.yaml yet (MLflow writes it just after making the folder). A folder
    /// that never gets one is given up on after a few ticks.
    retry: HashMap<PathBuf, u8>,
    /// The watched runs named by id (marked, charted, open), as indices into `Model::runs`,
    /// and what they were found from.
    watched: Option<(Shape, Vec<usize>)>,
}

/// Ticks a new run folder without meta.yaml is looked at again.
const RETRIES: u8 = 8;

/// What the watched runs named by id depend on: the runs' version and the ids.
type Shape = (u64, Vec<String>);

struct Watch {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    /// Run folders watched now.
    runs: HashSet<PathBuf>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("notifications", &self.watch.is_some())
            .finish()
    }
}

impl Live {
    /// File notifications unless `poll` (or unless the system has none to give).
    pub fn new(poll: bool) -> Live {
        let watch = (!poll)
            .then(|| {
                let (tx, events) = channel();
                let watcher = notify::recommended_watcher(tx).ok()?;
                Some(Watch {
                    watcher,
                    events,
                    runs: HashSet::new(),
                })
            })
            .flatten();
        Live {
            watch,
            seen: HashMap::new(),
            stamps: HashMap::new(),
            retry: HashMap::new(),
            watched: None,
        }
    }

    /// Start looking at `experiments` for new run folders (before they are listed, so none
    /// made meanwhile is missed).
    pub fn note_experiments(&mut self, experiments: &[Experiment]) {
        for e in experiments {
            if let Some(w) = &mut self.watch {
                // An experiment that cannot be watched is polled.
                if w.watcher.watch(&e.dir, RecursiveMode::NonRecursive).is_ok() {
                    continue;
                }
            }
            if let Ok(mtime) = std::fs::metadata(&e.dir).and_then(|md| md.modified()) {
                self.seen.insert(e.dir.clone(), mtime);
            }
        }
    }

    /// The experiment folders and run folders that changed since the last tick; `None` for
    /// the runs when they are not known from notifications (each is then checked by its
    /// fingerprint).
    fn changes(&mut self, experiments: &[Experiment]) -> (Vec<PathBuf>, Option<HashSet<PathBuf>>) {
        let mut dirs: HashSet<PathBuf> = self.retry.keys().cloned().collect();
        for e in experiments {
            let Some(old) = self.seen.get(&e.dir) else {
                continue;
            };
            if let Ok(mtime) = std::fs::metadata(&e.dir).and_then(|md| md.modified())
                && mtime != *old
            {
                self.seen.insert(e.dir.clone(), mtime);
                dirs.insert(e.dir.clone());
            }
        }
        let Some(w) = &self.watch else {
            return (dirs.into_iter().collect(), None);
        };
        let mut runs = HashSet::new();
        while let Ok(event) = w.events.try_recv() {
            let Ok(event) = event else { continue };
            for path in event.paths {
                let Some(parent) = path.parent() else {
                    continue;
                };
                if experiments.iter().any(|e| e.dir == parent) {
                    dirs.insert(parent.to_path_buf());
                }
                // A change in a run folder, or in one of its parts.
                for dir in [parent, parent.parent().unwrap_or(parent)] {
                    if w.runs.contains(dir) {
                        runs.insert(dir.to_path_buf());
                    }
                }
            }
        }
        (dirs.into_iter().collect(), Some(runs))
    }

    /// Watch exactly the folders of `runs` (and their parts).
    fn watch_runs(&mut self, runs: &HashSet<PathBuf>) {
        let Some(w) = &mut self.watch else { return };
        for gone in w.runs.difference(runs) {
            let _ = w.watcher.unwatch(gone);
            for part in RUN_PARTS {
                let _ = w.watcher.unwatch(&gone.join(part));
            }
        }
        for new in runs.difference(&w.runs) {
            let _ = w.watcher.watch(new, RecursiveMode::NonRecursive);
            for part in RUN_PARTS {
                let _ = w
                    .watcher
                    .watch(&new.join(part), RecursiveMode::NonRecursive);
            }
        }
        w.runs = runs.clone();
    }
}

/// Answers whether anything on screen changed.
pub(crate) fn tick(m: &mut Model) -> bool {
    if m.loading() {
        return false;
    }
    let (experiments, touched) = m.live.changes(&m.experiments);
    let mut changed = new_runs(m, &experiments);
    let watched = watched(m);
    let dirs: HashSet<PathBuf> = watched
        .iter()
        .map(|&i| &m.runs[i])
        .filter(|r| r.status == RunStatus::Running)
        .map(|r| r.dir())
        .collect();
    m.live.watch_runs(&dirs);
    changed |= running_runs(m, &watched, touched.as_ref());
    if changed {
        m.refresh();
    }
    let charted = || {
        touched
            .as_ref()
            .is_none_or(|t| m.charts.runs.iter().any(|r| t.contains(r.dir.as_path())))
    };
    if m.view == View::Charts && charted() {
        changed |= m.charts.grow();
    }
    changed
}

fn new_runs(m: &mut Model, experiments: &[PathBuf]) -> bool {
    if experiments.is_empty() {
        return false;
    }
    let known: HashSet<(&Path, &OsStr)> = m.runs.iter().map(Entry::place).collect();
    let mut fresh = Vec::new();
    for dir in experiments {
        let Some(e) = m.experiments.iter().find(|e| e.dir == *dir) else {
            continue;
        };
        // Only the folders not seen before are read: a sweep adding runs to a big experiment
        // costs one directory listing per tick, not a re-read of every run.
        let Ok(dirs) = m.store.run_dirs(e) else {
            continue;
        };
        fresh.extend(
            dirs.into_iter()
                .filter(|d| !known.contains(&entry::place(d))),
        );
    }
    let loaded = data::load(&fresh, &m.keys);
    // MLflow made the folder and has not written meta.yaml yet; writing it does not touch
    // the experiment folder, so look again next tick.
    for dir in experiments {
        if loaded.entries.len() < fresh.len() {
            let tries = m.live.retry.entry(dir.clone()).or_default();
            *tries += 1;
            if *tries <= RETRIES {
                continue;
            }
        }
        m.live.retry.remove(dir);
    }
    if loaded.entries.is_empty() {
        return false;
    }
    m.message = Some(format!("{} new run(s)", loaded.entries.len()));
    m.runs.extend(loaded.entries);
    m.runs_version += 1;
    m.counts = data::count(&m.experiments, &m.runs);
    true
}

/// The runs the user can see: rows on screen, marked runs, the charted runs and the open
/// run. Looking up the marked, charted and open ones costs a pass over every run, so that
/// part is kept until the runs or the ids change.
fn watched(m: &mut Model) -> Vec<usize> {
    let mut ids: Vec<String> = m.marked.clone();
    ids.extend(m.charts.runs.iter().map(|r| r.run_id.clone()));
    ids.extend(m.detail.as_ref().map(|d| d.run.info.run_id.clone()));
    let shape: Shape = (m.runs_version, ids);
    let named = match &m.live.watched {
        Some((old, named)) if *old == shape => named.clone(),
        _ => {
            let wanted: HashSet<&str> = shape.1.iter().map(String::as_str).collect();
            let all = if wanted.is_empty() { 0 } else { m.runs.len() };
            let named: Vec<usize> = (0..all)
                .filter(|&i| wanted.contains(m.runs[i].run_id()))
                .collect();
            m.live.watched = Some((shape, named.clone()));
            named
        }
    };
    let on_screen = m.rows.iter().skip(m.offset).take(m.page()).map(|r| r.run);
    let mut out: Vec<usize> = on_screen.chain(named).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Read again the watched running runs that changed: those `touched` names, or (polling)
/// those whose fingerprint changed.
fn running_runs(m: &mut Model, watched: &[usize], touched: Option<&HashSet<PathBuf>>) -> bool {
    let mut changed = false;
    for &i in watched {
        let entry = &m.runs[i];
        if entry.status != RunStatus::Running {
            continue;
        }
        let dir = entry.dir();
        match touched {
            Some(touched) if !touched.contains(&dir) => continue,
            Some(_) => {}
            None => {
                let stamp = entry.info().change_stamp();
                if m.live.stamps.insert(dir.clone(), stamp) == Some(stamp) {
                    continue;
                }
            }
        }
        if let Some(entry) = data::load(&[dir], &m.keys).entries.pop() {
            m.runs[i] = entry;
            m.runs_version += 1;
            changed = true;
        }
    }
    changed
}
