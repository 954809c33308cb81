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
    for e in &m.experiments {
        let Ok(mtime) = std::fs::metadata(&e.dir).and_then(|md| md.modified()) else {
            continue;
        };
        let first = m.live.seen.insert(e.dir.clone(), mtime);
        if first.is_none_or(|old| old == mtime) {
            continue;
        }
        if let Ok(listing) = data::run_infos(&m.store, std::slice::from_ref(e)) {
            // A run folder MLflow has made but not yet written meta.yaml into: look again next
            // tick (its meta.yaml does not touch the experiment folder's time).
            if !listing.problems.is_empty() {
                m.live.seen.remove(&e.dir);
            }
            fresh.extend(
                listing
                    .items
                    .into_iter()
                    .filter(|r| !m.runs.iter().any(|o| o.info.run_id == r.info.run_id)),
            );
        }
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
