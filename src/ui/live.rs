//! Live refresh, once per tick: new run folders (noticed by their experiment folder's
//! modification time, so an idle store costs one `stat` per experiment), running runs read
//! again (their meta.yaml and latest metrics), and the open charts grown by the metric lines
//! appended since the last read.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::SystemTime;

use super::data;
use super::model::{Model, View};
use crate::store::RunStatus;

#[derive(Debug, Default)]
pub(crate) struct Live {
    seen: HashMap<PathBuf, SystemTime>,
}

pub(crate) fn tick(m: &mut Model) {
    if m.loading {
        return;
    }
    let mut changed = false;
    let mut fresh = Vec::new();
    let known: std::collections::HashSet<&std::path::Path> =
        m.runs.iter().map(|r| r.info.dir.as_path()).collect();
    let mut retry = Vec::new();
    for e in &m.experiments {
        let Ok(mtime) = std::fs::metadata(&e.dir).and_then(|md| md.modified()) else {
            continue;
        };
        let first = m.live.seen.insert(e.dir.clone(), mtime);
        if first.is_none_or(|old| old == mtime) {
            continue;
        }
        // Only the folders not seen before are read: a sweep adding runs to a big experiment
        // costs one directory listing per tick, not a re-read of every run.
        let Ok(dirs) = m.store.run_dirs(e) else {
            continue;
        };
        for dir in dirs.into_iter().filter(|d| !known.contains(d.as_path())) {
            match crate::store::RunInfo::load(&dir) {
                Ok(info) => fresh.push(crate::store::Run {
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
    let running: Vec<usize> = (0..m.runs.len())
        .filter(|&i| m.runs[i].info.status == RunStatus::Running)
        .collect();
    for i in running {
        let Ok(info) = crate::store::RunInfo::load(&m.runs[i].info.dir) else {
            continue;
        };
        if let Ok(data) = info.load_data(&data::table_selection()) {
            m.runs[i] = crate::store::Run { info, data };
            changed = true;
        }
    }
    if !fresh.is_empty() {
        let loaded = data::load_data(&m.store, fresh);
        m.message = Some(format!("{} new run(s)", loaded.items.len()));
        m.runs.extend(loaded.items);
        m.counts = data::count(&m.experiments, &m.runs);
        changed = true;
    }
    if changed {
        m.refresh();
    }
    if m.view == View::Charts {
        m.charts.grow();
    }
}
