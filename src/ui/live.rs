//! Live refresh, once per tick, reading only what changed: new run folders (noticed by their
//! experiment folder's modification time: one `stat` per experiment), the running runs on
//! screen, marked or open (read again only when their fingerprint, a few `stat`s, changed),
//! and the open charts, grown by the metric lines appended since the last read. An idle store
//! costs a few dozen `stat`s a tick and no reads.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::data;
use super::model::{Model, View};
use crate::store::{Run, RunInfo, RunStatus};

#[derive(Debug, Default)]
pub(crate) struct Live {
    /// Each experiment folder's modification time when last looked at.
    seen: HashMap<PathBuf, SystemTime>,
    /// Each watched running run's fingerprint when last read.
    stamps: HashMap<PathBuf, u64>,
}

/// Answers whether anything on screen changed.
pub(crate) fn tick(m: &mut Model) -> bool {
    if m.loading {
        return false;
    }
    let mut changed = new_runs(m) | running_runs(m);
    if changed {
        m.refresh();
    }
    if m.view == View::Charts {
        changed |= m.charts.grow();
    }
    changed
}

fn new_runs(m: &mut Model) -> bool {
    let mut changed_experiments = Vec::new();
    for e in &m.experiments {
        let Ok(mtime) = std::fs::metadata(&e.dir).and_then(|md| md.modified()) else {
            continue;
        };
        let first = m.live.seen.insert(e.dir.clone(), mtime);
        if first.is_some_and(|old| old != mtime) {
            changed_experiments.push(e);
        }
    }
    if changed_experiments.is_empty() {
        return false;
    }
    let known: HashSet<&Path> = m.runs.iter().map(|r| r.info.dir.as_path()).collect();
    let mut fresh = Vec::new();
    let mut retry = Vec::new();
    for e in changed_experiments {
        // Only the folders not seen before are read: a sweep adding runs to a big experiment
        // costs one directory listing per tick, not a re-read of every run.
        let Ok(dirs) = m.store.run_dirs(e) else {
            continue;
        };
        for dir in dirs.into_iter().filter(|d| !known.contains(d.as_path())) {
            match RunInfo::load(&dir) {
                Ok(info) => fresh.push(Run {
                    info,
                    data: Default::default(),
                }),
                // MLflow made the folder and has not written meta.yaml yet; writing it does
                // not touch the experiment folder's time, so look again next tick.
                Err(_) => retry.push(e.dir.clone()),
            }
        }
    }
    for dir in retry {
        m.live.seen.remove(&dir);
    }
    if fresh.is_empty() {
        return false;
    }
    let loaded = data::load_data(&m.store, fresh);
    m.message = Some(format!("{} new run(s)", loaded.runs.len()));
    m.broken.extend(loaded.broken);
    m.runs.extend(loaded.runs);
    m.counts = data::count(&m.experiments, &m.runs);
    true
}

/// The running runs the user can see: rows on screen, marked runs, the charted runs and the
/// open run.
fn watched(m: &Model) -> Vec<usize> {
    let mut ids: HashSet<&str> = m.marked.iter().map(String::as_str).collect();
    ids.extend(m.charts.runs.iter().map(|r| r.run_id.as_str()));
    if let Some(d) = &m.detail {
        ids.insert(d.run.info.run_id.as_str());
    }
    let on_screen = m.rows.iter().skip(m.offset).take(m.page()).map(|r| r.run);
    // Looking the others up costs a pass over every run: only when there are any.
    let all = if ids.is_empty() { 0 } else { m.runs.len() };
    let mut out: Vec<usize> = on_screen
        .chain((0..all).filter(|&i| ids.contains(m.runs[i].info.run_id.as_str())))
        .filter(|&i| m.runs[i].info.status == RunStatus::Running)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn running_runs(m: &mut Model) -> bool {
    let mut changed = false;
    for i in watched(m) {
        let dir = m.runs[i].info.dir.clone();
        let stamp = m.runs[i].info.change_stamp();
        if m.live.stamps.insert(dir, stamp) == Some(stamp) {
            continue;
        }
        let Ok(info) = RunInfo::load(&m.runs[i].info.dir) else {
            continue;
        };
        if let Ok(data) = info.load_data(&data::table_selection()) {
            m.runs[i] = Run { info, data };
            changed = true;
        }
    }
    changed
}
