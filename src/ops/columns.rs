//! Column patterns (`metrics.*`, `params.lr*`, `tags.mlflow.user`): which params, metrics and
//! tags a view shows, and what must be read from disk for them. Must not read the disk itself.

use globset::{GlobBuilder, GlobMatcher};

use super::UsageError;
use super::keys::{UnknownKey, suggest};
use crate::query::Field;
use crate::store::{DataSelection, Keys, Run, RunInfo};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Metric,
    Param,
    Tag,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Param, Kind::Metric, Kind::Tag];

    pub fn field(self, key: &str) -> Field {
        match self {
            Kind::Metric => Field::Metric(key.to_owned()),
            Kind::Param => Field::Param(key.to_owned()),
            Kind::Tag => Field::Tag(key.to_owned()),
        }
    }

    /// The kind and key of a param, metric or tag field.
    pub fn of(field: &Field) -> Option<(Kind, &str)> {
        match field {
            Field::Metric(k) => Some((Kind::Metric, k)),
            Field::Param(k) => Some((Kind::Param, k)),
            Field::Tag(k) => Some((Kind::Tag, k)),
            Field::Attr(_) | Field::Dataset(_) => None,
        }
    }

    /// The keys of this kind a run has on disk (names only).
    pub fn names(self, run: &RunInfo) -> crate::store::Result<Vec<String>> {
        match self {
            Kind::Metric => run.metric_keys(),
            Kind::Param => run.param_keys(),
            Kind::Tag => run.tag_keys(),
        }
    }

    /// The keys of this kind a loaded run holds.
    pub fn keys(self, run: &Run) -> Vec<&String> {
        match self {
            Kind::Metric => run.data.metrics.keys().collect(),
            Kind::Param => run.data.params.keys().collect(),
            Kind::Tag => run.data.tags.keys().collect(),
        }
    }
}

#[derive(Debug)]
enum Pattern {
    Exact(String),
    Glob(GlobMatcher),
}

impl Pattern {
    fn is_match(&self, key: &str) -> bool {
        match self {
            Pattern::Exact(e) => e == key,
            Pattern::Glob(g) => g.is_match(key),
        }
    }
}

#[derive(Debug, Default)]
pub struct Columns {
    specs: Vec<(Kind, Pattern)>,
}

impl Columns {
    /// Parse `kind.pattern` values; `*` and `?` match any character, `/` and `.` included.
    pub fn parse(values: &[String]) -> Result<Columns, UsageError> {
        let mut specs = Vec::new();
        for value in values {
            let bad = || {
                UsageError(format!(
                    "bad --columns {}: expected metrics.GLOB, params.GLOB or tags.GLOB (e.g. 'metrics.*', 'params.lr*')",
                    crate::store::quote(value)
                ))
            };
            let Some((kind, key)) = value.split_once('.') else {
                // A bare key (`rmse`): name the three columns it may have meant.
                return Err(UsageError(format!(
                    "bad --columns {}: keys are named with their kind: metrics.{value}, params.{value} or tags.{value}",
                    crate::store::quote(value)
                )));
            };
            let kind = match kind {
                "metric" | "metrics" => Kind::Metric,
                "param" | "params" | "parameter" | "parameters" => Kind::Param,
                "tag" | "tags" => Kind::Tag,
                _ => return Err(bad()),
            };
            let pattern = if key.contains(['*', '?', '[']) {
                let glob = GlobBuilder::new(key)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| {
                        UsageError(format!("bad --columns {}: {e}", crate::store::quote(value)))
                    })?;
                Pattern::Glob(glob.compile_matcher())
            } else {
                Pattern::Exact(key.to_owned())
            };
            specs.push((kind, pattern));
        }
        Ok(Columns { specs })
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The files to read: whole folders for globs, single keys otherwise.
    pub fn selection(&self) -> DataSelection {
        let keys = |kind: Kind| {
            self.specs
                .iter()
                .filter(|(k, _)| *k == kind)
                .fold(Keys::None, |acc, (_, p)| {
                    acc.union(match p {
                        Pattern::Exact(key) => Keys::Some(vec![key.clone()]),
                        Pattern::Glob(_) => Keys::All,
                    })
                })
        };
        DataSelection {
            params: keys(Kind::Param),
            metrics: keys(Kind::Metric),
            tags: keys(Kind::Tag),
            inputs: false,
        }
    }

    /// The keys to show for `kind`: exact keys in the order given, then the keys of `runs`
    /// that a pattern matches, sorted.
    pub fn keys<R: std::borrow::Borrow<Run>>(&self, kind: Kind, runs: &[R]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (k, p) in &self.specs {
            if let (true, Pattern::Exact(key)) = (*k == kind, p)
                && !out.contains(key)
            {
                out.push(key.clone());
            }
        }
        let mut matched: Vec<&String> = runs
            .iter()
            .flat_map(|r| kind.keys(r.borrow()))
            .filter(|key| self.matches(kind, key) && !out.contains(key))
            .collect();
        matched.sort();
        matched.dedup();
        out.extend(matched.into_iter().cloned());
        out
    }

    /// The columns asked for that no run of `runs` (loaded with [`Columns::selection`]) has:
    /// an exact key with the keys closest to it, a pattern that matches nothing.
    pub fn unknown(&self, runs: &[Run]) -> Vec<UnknownKey> {
        let mut out = Vec::new();
        for (kind, pattern) in &self.specs {
            if runs
                .iter()
                .any(|r| kind.keys(r).iter().any(|key| pattern.is_match(key)))
            {
                continue;
            }
            out.push(match pattern {
                Pattern::Exact(key) => {
                    let infos: Vec<RunInfo> = runs.iter().map(|r| r.info.clone()).collect();
                    UnknownKey {
                        named: kind.field(key).label(),
                        suggestions: suggest(&infos, Some(*kind), key),
                    }
                }
                Pattern::Glob(g) => UnknownKey {
                    named: kind.field(g.glob().glob()).label(),
                    suggestions: Vec::new(),
                },
            });
        }
        out
    }

    pub fn matches(&self, kind: Kind, key: &str) -> bool {
        self.specs
            .iter()
            .any(|(k, p)| *k == kind && p.is_match(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let c = Columns::parse(&["metrics.*".into(), "params.lr".into()]).unwrap();
        assert!(c.matches(Kind::Metric, "train/loss"));
        assert!(c.matches(Kind::Param, "lr"));
        assert!(!c.matches(Kind::Param, "lr2"));
        assert!(matches!(c.selection().metrics, Keys::All));
        assert!(matches!(c.selection().tags, Keys::None));
        assert!(Columns::parse(&["rmse".into()]).is_err());
        assert!(Columns::parse(&["foo.x".into()]).is_err());
    }
}
