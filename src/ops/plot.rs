//! Looking at runs: metric histories as x/y lines (by step, clock time or time since the
//! metric's first value), and the values of chosen keys per run for scatter plots and parallel
//! coordinates. Runs arrive already selected; drawing is `render::chart`'s.

use globset::GlobBuilder;
use rayon::prelude::*;

use super::find::{FindRequest, find};
use super::keys::UnknownKey;
use crate::query::Field;
use crate::store::{Problem, Run, RunInfo, Store, StoreError, Subject};

/// What x is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XAxis {
    #[default]
    Step,
    /// The metric's timestamps (ms since the epoch).
    Time,
    /// Milliseconds since the metric's first timestamp in that run.
    Relative,
}

/// One run's line of one metric: `(x, y)` sorted by x (file order among equal x).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Position of the run in the runs given.
    pub run: usize,
    pub points: Vec<(f64, f64)>,
}

/// A metric and the lines of the runs that logged it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricLines {
    pub key: String,
    pub lines: Vec<Line>,
}

/// Exact names, or globs (`train/*`, `*loss*`; `*` crosses `/`) over `available`.
pub struct KeyPatterns(Vec<(String, Option<globset::GlobMatcher>)>);

/// Whether one pattern (its text, and its matcher when a glob) takes `key`.
fn takes(pattern: &str, glob: &Option<globset::GlobMatcher>, key: &str) -> bool {
    glob.as_ref().map_or(pattern == key, |g| g.is_match(key))
}

impl KeyPatterns {
    pub fn parse(patterns: &[String]) -> Result<KeyPatterns, StoreError> {
        patterns
            .iter()
            .map(|p| {
                let p = p.strip_prefix("metrics.").unwrap_or(p).to_owned();
                if !p.contains(['*', '?', '[']) {
                    return Ok((p, None));
                }
                let glob = GlobBuilder::new(&p)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| {
                        StoreError::bad_input(
                            Subject::Input {
                                what: "metric pattern",
                                text: p.to_string(),
                            },
                            format!("bad metric pattern: {e}"),
                        )
                    })?;
                Ok((p, Some(glob.compile_matcher())))
            })
            .collect::<Result<_, _>>()
            .map(KeyPatterns)
    }

    pub fn matches(&self, key: &str) -> bool {
        self.0.iter().any(|(p, g)| takes(p, g, key))
    }

    /// What to say of each pattern that matches none of `available` (with the names close to
    /// it): a typo among several metrics must not vanish from the chart silently.
    pub fn unmatched(&self, available: &[String]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(p, g)| !available.iter().any(|k| takes(p, g, k)))
            .map(|(p, _)| {
                let near = crate::query::closest(p, available.iter().cloned(), String::as_str);
                let said = format!("no selected run logged a metric matching '{p}'");
                match crate::query::did_you_mean(&near) {
                    Some(hint) => format!("{said}; {hint}"),
                    None => said,
                }
            })
            .collect()
    }

    /// The keys of `available` the patterns match: pattern by pattern, names sorted, each once.
    pub fn select(&self, available: &[String]) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for (p, g) in &self.0 {
            let mut found: Vec<&String> = available.iter().filter(|k| takes(p, g, k)).collect();
            found.sort();
            for k in found {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
        keys
    }
}

/// The histories of `keys` in `runs`, one [`MetricLines`] per key in order; a run without the
/// key has no line in it. Files are read in parallel.
pub fn histories(
    runs: &[RunInfo],
    keys: &[String],
    x: XAxis,
) -> Result<Vec<MetricLines>, StoreError> {
    let jobs: Vec<(usize, usize)> = (0..keys.len())
        .flat_map(|k| (0..runs.len()).map(move |r| (k, r)))
        .collect();
    let loaded: Vec<Option<Line>> = jobs
        .par_iter()
        .map(|&(k, r)| {
            // Straight into (x, y): a long history is never held as whole metric points.
            let (mut points, mut first) = (Vec::new(), i64::MAX);
            let logged = runs[r].for_each_metric_point(&keys[k], |p| {
                first = first.min(p.timestamp);
                let x = match x {
                    XAxis::Step => p.step,
                    XAxis::Time | XAxis::Relative => p.timestamp,
                };
                points.push((x as f64, p.value));
            })?;
            if !logged {
                return Ok(None);
            }
            if x == XAxis::Relative {
                for p in &mut points {
                    p.0 -= first as f64;
                }
            }
            // Stable: points logged at the same step keep their file order.
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            Ok(Some(Line { run: r, points }))
        })
        .collect::<Result<_, StoreError>>()?;
    let mut out: Vec<MetricLines> = keys
        .iter()
        .map(|k| MetricLines {
            key: k.clone(),
            lines: Vec::new(),
        })
        .collect();
    for ((k, _), line) in jobs.into_iter().zip(loaded) {
        out[k].lines.extend(line);
    }
    Ok(out)
}

/// One run's value of a key, for an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
}

/// A run's value of `field`: metrics are numbers; params, tags and attributes are numbers when
/// they read as one (params are strings in the store: `max_depth` is `"6"`), text otherwise.
pub fn value(run: &Run, field: &Field) -> Option<Value> {
    use crate::query::Attr;
    let text = match field {
        Field::Metric(k) => return run.data.metrics.get(k).map(|v| Value::Number(*v)),
        Field::Param(k) => run.data.params.get(k)?.clone(),
        Field::Tag(k) => run.data.tags.get(k)?.clone(),
        Field::Attr(Attr::StartTime) => {
            return run.info.start_time.map(|t| Value::Number(t as f64));
        }
        Field::Attr(Attr::EndTime) => return run.info.end_time.map(|t| Value::Number(t as f64)),
        Field::Attr(Attr::RunName) => run.info.run_name.clone(),
        Field::Attr(Attr::Status) => run.info.status.as_str().to_owned(),
        Field::Attr(Attr::UserId) => run.info.user_id.clone(),
        Field::Attr(Attr::RunId) => run.info.run_id.clone(),
        _ => return None,
    };
    Some(match text.trim().parse::<f64>() {
        Ok(v) => Value::Number(v),
        Err(_) => Value::Text(text),
    })
}

/// An axis over some runs' values: numeric when every value present is a number, else the
/// categories in sorted order (numbers among them as text).
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Numeric(Vec<Option<f64>>),
    Categories {
        names: Vec<String>,
        /// Each run's index into `names`.
        of_run: Vec<Option<usize>>,
    },
}

pub fn axis(values: &[Option<Value>]) -> Axis {
    if values
        .iter()
        .flatten()
        .all(|v| matches!(v, Value::Number(_)))
    {
        return Axis::Numeric(
            values
                .iter()
                .map(|v| match v {
                    Some(Value::Number(n)) => Some(*n),
                    _ => None,
                })
                .collect(),
        );
    }
    let text = |v: &Value| match v {
        Value::Number(n) => crate::pyfloat::repr(*n),
        Value::Text(t) => t.clone(),
    };
    let mut names: Vec<String> = values.iter().flatten().map(text).collect();
    names.sort();
    names.dedup();
    let of_run = values
        .iter()
        .map(|v| v.as_ref().and_then(|v| names.binary_search(&text(v)).ok()))
        .collect();
    Axis::Categories { names, of_run }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_select_in_order() {
        let available: Vec<String> = ["train/loss", "train/acc", "rmse", "val/loss"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let p =
            KeyPatterns::parse(&["metrics.rmse".into(), "*loss".into(), "train/*".into()]).unwrap();
        assert_eq!(
            p.select(&available),
            ["rmse", "train/loss", "val/loss", "train/acc"]
        );
        assert!(p.matches("x/loss") && !p.matches("x"));
        assert!(KeyPatterns::parse(&["[".into()]).is_err());
    }

    #[test]
    fn axes_are_numeric_or_categories() {
        let n = |v: f64| Some(Value::Number(v));
        let t = |s: &str| Some(Value::Text(s.into()));
        assert_eq!(axis(&[n(1.0), None]), Axis::Numeric(vec![Some(1.0), None]));
        assert_eq!(
            axis(&[t("b"), n(3.0), t("a"), None]),
            Axis::Categories {
                names: vec!["3.0".into(), "a".into(), "b".into()],
                of_run: vec![Some(2), Some(0), Some(1), None],
            }
        );
    }
}

/// Runs picked to plot, and the problems met finding them.
pub struct Picked {
    pub runs: Vec<RunInfo>,
    /// Whether the filter left any run in scope (before the metric and `--top` cuts).
    pub matched_any: bool,
    pub problems: Vec<Problem>,
    pub unknown: Vec<UnknownKey>,
}

outcome!(Picked; unknown);

/// The newest `top` runs `req` finds that logged a metric `patterns` match.
pub fn runs_with_metrics(
    store: &Store,
    req: &FindRequest,
    patterns: &KeyPatterns,
    top: usize,
) -> anyhow::Result<Picked> {
    let found = find(store, req)?;
    let logged = |run: &Run| {
        run.info
            .metric_keys()
            .unwrap_or_default()
            .iter()
            .any(|k| patterns.matches(k))
    };
    let matched_any = !found.runs.is_empty();
    let runs = found
        .runs
        .into_iter()
        .filter(|r| logged(r))
        .take(top)
        .map(|r| r.info)
        .collect();
    Ok(Picked {
        runs,
        matched_any,
        problems: found.problems,
        unknown: found.unknown,
    })
}
