//! The runs as the table keeps them: one compact `Entry` per run (keys interned, values in
//! boxed strings, params, metrics and tags in sorted slices, not maps), so 100k runs fit in a
//! few dozen megabytes; and the table's order, computed from a sort key taken once per run
//! rather than looked up at every comparison. Filters read entries through `query::Record`,
//! as they read the store's runs. Must not read the disk or draw.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::query::{Attr, Field, OrderBy, Record, Value};
use crate::store::{Lifecycle, Run, RunData, RunInfo, RunStatus};

const PARENT_TAG: &str = "mlflow.parentRunId";

/// One copy of each key name (and of each experiment id and user), shared by every run that
/// has it: a store's runs mostly log the same keys.
#[derive(Debug, Default)]
pub(crate) struct Interner(HashSet<Arc<str>>);

impl Interner {
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(known) = self.0.get(text) {
            return known.clone();
        }
        let new: Arc<str> = Arc::from(text);
        self.0.insert(new.clone());
        new
    }
}

/// A run's table data.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub run_id: Box<str>,
    pub run_name: Box<str>,
    pub experiment_id: Arc<str>,
    pub user_id: Arc<str>,
    pub status: RunStatus,
    pub active: bool,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub artifact_uri: Box<str>,
    pub dir: Box<Path>,
    /// Its params, metrics or tags could not be read: shown, marked `!`, with no data.
    pub broken: bool,
    /// It has a parent run (noted once: the table nests runs at every refresh).
    pub child: bool,
    /// Sorted by key, as are `params` and `tags`.
    pub metrics: Box<[(Arc<str>, f64)]>,
    pub params: Box<[(Arc<str>, Box<str>)]>,
    pub tags: Box<[(Arc<str>, Box<str>)]>,
}

fn find<'a, V>(pairs: &'a [(Arc<str>, V)], key: &str) -> Option<&'a V> {
    pairs
        .binary_search_by(|(k, _)| (**k).cmp(key))
        .ok()
        .map(|i| &pairs[i].1)
}

fn pack<V, W>(
    map: BTreeMap<String, V>,
    keys: &mut Interner,
    value: impl Fn(V) -> W,
) -> Box<[(Arc<str>, W)]> {
    // A BTreeMap iterates in key order: the slice comes out sorted.
    map.into_iter()
        .map(|(k, v)| (keys.get(&k), value(v)))
        .collect()
}

impl Entry {
    pub fn new(run: Run, broken: bool, keys: &mut Interner) -> Entry {
        let Run { info, data } = run;
        Entry {
            experiment_id: keys.get(&info.experiment_id),
            user_id: keys.get(&info.user_id),
            active: info.is_active(),
            run_id: info.run_id.into(),
            run_name: info.run_name.into(),
            status: info.status,
            start_time: info.start_time,
            end_time: info.end_time,
            artifact_uri: info.artifact_uri.into(),
            dir: info.dir.into(),
            broken,
            child: data.tags.contains_key(PARENT_TAG),
            metrics: pack(data.metrics, keys, |v| v),
            params: pack(data.params, keys, String::into_boxed_str),
            tags: pack(data.tags, keys, String::into_boxed_str),
        }
    }

    pub fn metric(&self, key: &str) -> Option<f64> {
        find(&self.metrics, key).copied()
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        find(&self.tags, key).map(|v| &**v)
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
            run_id: self.run_id.to_string(),
            experiment_id: self.experiment_id.to_string(),
            run_name: self.run_name.to_string(),
            user_id: self.user_id.to_string(),
            status: self.status,
            start_time: self.start_time,
            end_time: self.end_time,
            lifecycle_stage: if self.active {
                Lifecycle::Active
            } else {
                Lifecycle::Deleted
            },
            artifact_uri: self.artifact_uri.to_string(),
            deleted_time: None,
            dir: self.dir.to_path_buf(),
        }
    }

    pub fn to_run(&self) -> Run {
        let map = |pairs: &[(Arc<str>, Box<str>)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Run {
            info: self.info(),
            data: RunData {
                metrics: self
                    .metrics
                    .iter()
                    .map(|(k, v)| (k.to_string(), *v))
                    .collect(),
                params: map(&self.params),
                tags: map(&self.tags),
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
        find(&self.params, key).map(|v| &**v)
    }
    fn tag(&self, key: &str) -> Option<&str> {
        Entry::tag(self, key)
    }
    fn text(&self, attr: Attr) -> Option<&str> {
        Some(match attr {
            Attr::RunId => &self.run_id,
            Attr::RunName => &self.run_name,
            Attr::Status => self.status.as_str(),
            Attr::UserId => &self.user_id,
            Attr::ArtifactUri => &self.artifact_uri,
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
        .then_with(|| a.run_id.cmp(&b.run_id))
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
        shown.iter().map(|&i| &*entries[i].run_id).collect()
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
        // Keys are shared, not copied.
        assert!(Arc::ptr_eq(
            &entries[0].params[0].0,
            &entries[1].params[0].0
        ));
    }
}
