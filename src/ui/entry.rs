//! The runs as the table keeps them: one compact `Entry` per run, so 100k runs fit in well
//! under a hundred megabytes. The set of keys a run has (its `Layout`) is shared by every run
//! with the same keys, so a run holds only its values: its text (id, name, artifact URI,
//! params' and tags' values) end to end in one string, and its latest metrics in one slice.
//! Also the table's order, computed from a sort key taken once per run rather than looked up at
//! every comparison. Filters read entries through `query::Record`, as they read the store's
//! runs. Must not read the disk or draw.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::query::{Attr, Field, OrderBy, Record, Value};
use crate::store::{Lifecycle, Run, RunData, RunInfo, RunStatus};

const PARENT_TAG: &str = "mlflow.parentRunId";

/// One copy of each key name, experiment id, user, experiment folder and `Layout`, shared by
/// every run that has it: a store's runs mostly log the same keys.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    names: HashSet<Arc<str>>,
    folders: HashSet<Arc<Path>>,
    layouts: HashSet<Arc<Layout>>,
}

fn intern<T: ?Sized + Eq + std::hash::Hash>(set: &mut HashSet<Arc<T>>, value: &T) -> Arc<T>
where
    Arc<T>: for<'a> From<&'a T>,
{
    if let Some(known) = set.get(value) {
        return known.clone();
    }
    let new: Arc<T> = Arc::from(value);
    set.insert(new.clone());
    new
}

impl Interner {
    pub fn get(&mut self, text: &str) -> Arc<str> {
        intern(&mut self.names, text)
    }

    fn names<V>(&mut self, map: &BTreeMap<String, V>) -> Box<[Arc<str>]> {
        map.keys().map(|k| self.get(k)).collect()
    }

    fn layout(&mut self, data: &RunData) -> Arc<Layout> {
        let layout = Layout {
            metrics: self.names(&data.metrics),
            params: self.names(&data.params),
            tags: self.names(&data.tags),
        };
        if let Some(known) = self.layouts.get(&layout) {
            return known.clone();
        }
        let new = Arc::new(layout);
        self.layouts.insert(new.clone());
        new
    }
}

/// The names of a run's metrics, params and tags, each sorted (a BTreeMap's order).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Layout {
    pub metrics: Box<[Arc<str>]>,
    pub params: Box<[Arc<str>]>,
    pub tags: Box<[Arc<str>]>,
}

/// A folder as the folder it is in and its name.
pub(crate) fn place(dir: &Path) -> (&Path, &OsStr) {
    (
        dir.parent().unwrap_or(Path::new("")),
        dir.file_name().unwrap_or_default(),
    )
}

/// The pieces of `Entry::text` before the params' values.
const RUN_ID: usize = 0;
const RUN_NAME: usize = 1;
const ARTIFACT_URI: usize = 2;
const VALUES: usize = 3;

/// A run's table data.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The run id, run name, artifact URI, then the values of the params and of the tags in
    /// `layout`'s order, end to end: one allocation, where a string each cost its pointer
    /// (16 bytes) and the allocator's smallest block (32) for values mostly a few bytes long.
    text: Box<str>,
    /// Where each piece of `text` ends.
    ends: Box<[u32]>,
    layout: Arc<Layout>,
    /// The latest value of each metric of `layout`.
    metrics: Box<[f64]>,
    pub experiment_id: Arc<str>,
    pub user_id: Arc<str>,
    /// The experiment folder the run's folder (named by the run id) is in; the run's folder
    /// itself when its name is not the run id (a name that is not UTF-8).
    folder: Arc<Path>,
    own_folder: bool,
    pub status: RunStatus,
    pub active: bool,
    /// Its params, metrics or tags could not be read: shown, marked `!`, with no data.
    pub broken: bool,
    /// It has a parent run (noted once: the table nests runs at every refresh).
    pub child: bool,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
}

fn find(keys: &[Arc<str>], key: &str) -> Option<usize> {
    keys.binary_search_by(|k| (**k).cmp(key)).ok()
}

impl Entry {
    pub fn new(run: Run, broken: bool, keys: &mut Interner) -> Entry {
        let Run { info, mut data } = run;
        let fixed = [&info.run_id, &info.run_name, &info.artifact_uri];
        let length = |data: &RunData| {
            fixed.iter().map(|t| t.len()).sum::<usize>()
                + data
                    .params
                    .values()
                    .chain(data.tags.values())
                    .map(String::len)
                    .sum::<usize>()
        };
        // Offsets are u32: a run whose params and tags hold more than 4 GiB of text (no real
        // one does) keeps its values out, marked broken, rather than panicking.
        let too_long = u32::try_from(length(&data)).is_err();
        if too_long {
            data = RunData::default();
        }
        let broken = broken || too_long;
        let layout = keys.layout(&data);
        let mut text = String::with_capacity(length(&data));
        let mut ends = Vec::with_capacity(VALUES + layout.params.len() + layout.tags.len());
        let pieces = fixed
            .into_iter()
            .chain(data.params.values())
            .chain(data.tags.values());
        for piece in pieces {
            text.push_str(piece);
            ends.push(text.len() as u32);
        }
        let (folder, own_folder) = match info.dir.parent() {
            Some(parent) if parent.join(&info.run_id) == info.dir => (parent, false),
            _ => (info.dir.as_path(), true),
        };
        Entry {
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
            metrics: data.metrics.values().copied().collect(),
            layout,
            experiment_id: keys.get(&info.experiment_id),
            user_id: keys.get(&info.user_id),
            folder: intern(&mut keys.folders, folder),
            own_folder,
            active: info.is_active(),
            status: info.status,
            start_time: info.start_time,
            end_time: info.end_time,
            broken,
            child: data.tags.contains_key(PARENT_TAG),
        }
    }

    fn piece(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn run_id(&self) -> &str {
        self.piece(RUN_ID)
    }

    pub fn run_name(&self) -> &str {
        self.piece(RUN_NAME)
    }

    /// The run's folder.
    pub fn dir(&self) -> PathBuf {
        if self.own_folder {
            self.folder.to_path_buf()
        } else {
            self.folder.join(self.run_id())
        }
    }

    /// The run's folder as the folder it is in and its name (`place`), without building
    /// its path.
    pub fn place(&self) -> (&Path, &OsStr) {
        if self.own_folder {
            place(&self.folder)
        } else {
            (&self.folder, OsStr::new(self.run_id()))
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn metric(&self, key: &str) -> Option<f64> {
        find(&self.layout.metrics, key).map(|i| self.metrics[i])
    }

    pub fn param(&self, key: &str) -> Option<&str> {
        find(&self.layout.params, key).map(|i| self.piece(VALUES + i))
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        find(&self.layout.tags, key).map(|i| self.piece(VALUES + self.layout.params.len() + i))
    }

    /// The id of its parent run.
    pub fn parent(&self) -> Option<&str> {
        if self.child {
            self.tag(PARENT_TAG)
        } else {
            None
        }
    }

    /// The store's form of the run, for the few places that take one (charts, plots).
    pub fn info(&self) -> RunInfo {
        RunInfo {
            run_id: self.run_id().to_owned(),
            experiment_id: self.experiment_id.to_string(),
            run_name: self.run_name().to_owned(),
            user_id: self.user_id.to_string(),
            status: self.status,
            start_time: self.start_time,
            end_time: self.end_time,
            lifecycle_stage: if self.active {
                Lifecycle::Active
            } else {
                Lifecycle::Deleted
            },
            artifact_uri: self.piece(ARTIFACT_URI).to_owned(),
            deleted_time: None,
            dir: self.dir(),
        }
    }

    pub fn to_run(&self) -> Run {
        let params = self.layout.params.len();
        let pairs = |names: &[Arc<str>], first: usize| {
            names
                .iter()
                .enumerate()
                .map(|(i, k)| (k.to_string(), self.piece(first + i).to_owned()))
                .collect()
        };
        Run {
            info: self.info(),
            data: RunData {
                metrics: self
                    .layout
                    .metrics
                    .iter()
                    .zip(&self.metrics)
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                params: pairs(&self.layout.params, VALUES),
                tags: pairs(&self.layout.tags, VALUES + params),
                ..RunData::default()
            },
        }
    }
}

impl Record for Entry {
    fn metric(&self, key: &str) -> Option<f64> {
        Entry::metric(self, key)
    }
    fn param(&self, key: &str) -> Option<&str> {
        Entry::param(self, key)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        Entry::tag(self, key)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        Some(match attr {
            Attr::RunId => self.run_id(),
            Attr::RunName => self.run_name(),
            Attr::Status => self.status.as_str(),
            Attr::UserId => &self.user_id,
            Attr::ArtifactUri => self.piece(ARTIFACT_URI),
            _ => return None,
        })
    }
    fn number(&self, attr: Attr) -> Option<i64> {
        match attr {
            Attr::StartTime => self.start_time,
            Attr::EndTime => self.end_time,
            _ => None,
        }
    }
}

/// A run's value of the sorted column, taken once per sort. Numbers (params too, when they
/// read as numbers: `lr` 0.001 < 0.01 < 0.1) come before text.
#[derive(PartialEq, PartialOrd)]
enum Key<'a> {
    Number(f64),
    Text(&'a str),
}

/// Python sorts MLflow's keys so that real values come first (in the requested direction),
/// then NaN, then missing values, in both directions: `rank` is that, `Key` the value.
fn sort_key<'a>(entry: &'a Entry, field: &Field) -> (u8, Key<'a>) {
    match field.value(entry) {
        Value::Missing => (2, Key::Number(0.0)),
        Value::Float(f) if f.is_nan() => (1, Key::Number(0.0)),
        Value::Float(f) => (0, Key::Number(f)),
        Value::Int(i) => (0, Key::Number(i as f64)),
        Value::Text(t) if matches!(field, Field::Param(_)) => match t.trim().parse::<f64>() {
            Ok(f) if !f.is_nan() => (0, Key::Number(f)),
            _ => (0, Key::Text(t)),
        },
        Value::Text(t) => (0, Key::Text(t)),
    }
}

/// MLflow's default order: `start_time` DESC (none last), then `run_id`.
fn default_order(a: &Entry, b: &Entry) -> Ordering {
    b.start_time
        .unwrap_or(i64::MIN)
        .cmp(&a.start_time.unwrap_or(i64::MIN))
        .then_with(|| a.run_id().cmp(b.run_id()))
}

/// Order `shown` (indices into `entries`) by `order`, then MLflow's default order.
pub(crate) fn sort(entries: &[Entry], shown: &mut [usize], order: Option<&OrderBy>) {
    let Some(order) = order else {
        shown.sort_unstable_by(|&a, &b| default_order(&entries[a], &entries[b]));
        return;
    };
    let mut keyed: Vec<((u8, Key), usize)> = shown
        .iter()
        .map(|&i| (sort_key(&entries[i], &order.field), i))
        .collect();
    keyed.sort_unstable_by(|(ka, a), (kb, b)| {
        ka.0.cmp(&kb.0)
            .then_with(|| {
                let o = ka.1.partial_cmp(&kb.1).unwrap_or(Ordering::Equal);
                if order.ascending { o } else { o.reverse() }
            })
            .then_with(|| default_order(&entries[*a], &entries[*b]))
    });
    for (slot, (_, i)) in shown.iter_mut().zip(keyed) {
        *slot = i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Field;

    fn entry(
        id: &str,
        start: i64,
        metric: Option<f64>,
        param: Option<&str>,
        keys: &mut Interner,
    ) -> Entry {
        let mut run = crate::query::testing::run(id, start);
        if let Some(v) = metric {
            run.data.metrics.insert("rmse".into(), v);
        }
        if let Some(p) = param {
            run.data.params.insert("lr".into(), p.into());
        }
        Entry::new(run, false, keys)
    }

    fn order(entries: &[Entry], field: Option<Field>, ascending: bool) -> Vec<&str> {
        let mut shown: Vec<usize> = (0..entries.len()).collect();
        let order = field.map(|field| OrderBy { field, ascending });
        sort(entries, &mut shown, order.as_ref());
        shown.iter().map(|&i| entries[i].run_id()).collect()
    }

    #[test]
    fn sorts_as_mlflow_with_numeric_params_and_missing_values_last() {
        let mut keys = Interner::default();
        let entries = vec![
            entry("a", 1, Some(2.0), Some("0.1"), &mut keys),
            entry("b", 3, None, Some("0.01"), &mut keys),
            entry("c", 2, Some(f64::NAN), Some("big"), &mut keys),
            entry("d", 2, Some(1.0), None, &mut keys),
        ];
        // The default: newest first, then by id.
        assert_eq!(order(&entries, None, true), ["b", "c", "d", "a"]);
        let rmse = Field::Metric("rmse".into());
        // Values in the asked direction, then NaN, then missing, either way.
        assert_eq!(
            order(&entries, Some(rmse.clone()), true),
            ["d", "a", "c", "b"]
        );
        assert_eq!(order(&entries, Some(rmse), false), ["a", "d", "c", "b"]);
        // Params that read as numbers sort as numbers, before the others.
        let lr = Field::Param("lr".into());
        assert_eq!(order(&entries, Some(lr), true), ["b", "a", "c", "d"]);
        // Key names are shared, not copied; so are the sets of keys.
        assert!(Arc::ptr_eq(
            &entries[0].layout.params[0],
            &entries[1].layout.params[0]
        ));
        let again = entry("e", 4, Some(3.0), Some("0.2"), &mut keys);
        assert!(Arc::ptr_eq(&entries[0].layout, &again.layout));
    }

    #[test]
    fn an_entry_gives_back_its_run() {
        let mut keys = Interner::default();
        let mut run = crate::query::testing::run("abc", 7);
        run.info.dir = PathBuf::from("/store/0/abc");
        run.info.artifact_uri = "file:///store/0/abc/artifacts".into();
        run.data.metrics = [("a".into(), 1.5), ("b".into(), -2.0)].into();
        run.data.params = [("lr".into(), "0.1".into()), ("model".into(), "".into())].into();
        run.data.tags = [
            ("mlflow.parentRunId".into(), "p".into()),
            ("t".into(), "ü".into()),
        ]
        .into();
        let entry = Entry::new(run.clone(), false, &mut keys);
        let back = entry.to_run();
        assert_eq!(format!("{:?}", back.info), format!("{:?}", run.info));
        assert_eq!(back.data.metrics, run.data.metrics);
        assert_eq!(back.data.params, run.data.params);
        assert_eq!(back.data.tags, run.data.tags);
        assert_eq!(entry.parent(), Some("p"));
        assert_eq!(Record::param(&entry, "model"), Some(""));
        assert_eq!(Record::param(&entry, "other"), None);
        assert_eq!(entry.place(), place(Path::new("/store/0/abc")));
        assert_ne!(entry.place(), place(Path::new("/store/1/abc")));
        // A folder not named by the run id is kept whole.
        let mut odd = crate::query::testing::run("abc", 7);
        odd.info.dir = PathBuf::from("/store/0/other");
        let odd = Entry::new(odd, false, &mut keys);
        assert_eq!(odd.dir(), Path::new("/store/0/other"));
        assert_eq!(odd.place(), place(Path::new("/store/0/other")));
    }
}
