//! Metric histories: every logged value of some metrics, in file order (MLflow's
//! `get_metric_history`; nothing is sampled) — of one run by key patterns (`runs history`), or
//! of many runs and keys at once (charts, reports). Must not build views.

use globset::GlobBuilder;
use rayon::prelude::*;

use super::UsageError;
use super::columns::Kind;
use super::keys::{UnknownKey, suggest};
use crate::query::{closest, did_you_mean};
use crate::store::MetricPoint;
use crate::store::{Problem, RunInfo, Store, StoreError, Subject, quote};

/// The points of one metric of one run.
pub struct Series {
    pub run_id: String,
    pub key: String,
    pub points: Vec<MetricPoint>,
}

pub struct Histories {
    /// Run by run, key by key, in the order asked; a run without the key has no series.
    pub series: Vec<Series>,
    pub problems: Vec<Problem>,
}

outcome!(Histories);

/// The histories of `keys` in `runs` (read in parallel, run by run); a run whose metric files
/// cannot be read is skipped.
pub fn histories(runs: &[RunInfo], keys: &[String]) -> Histories {
    let loaded: Vec<_> = runs.par_iter().map(|run| series_of(run, keys)).collect();
    let mut out = Histories {
        series: Vec::new(),
        problems: Vec::new(),
    };
    for (run, loaded) in runs.iter().zip(loaded) {
        match loaded {
            Ok(series) => out.series.extend(series),
            Err(err) => out.problems.push(Problem::from_error(&run.dir, &err)),
        }
    }
    out
}

/// A metric's history in each run, for a sparkline column: values in file order, `None` where
/// the run did not log it.
pub struct Spark {
    pub key: String,
    pub values: Vec<Option<Vec<f64>>>,
}

/// The [`Spark`]s of `keys` over `runs` (a `metrics.` prefix is allowed); unreadable metric
/// files become problems and empty cells, and a key no run logged (a typo) an [`UnknownKey`].
pub fn sparks(
    runs: &[RunInfo],
    keys: &[String],
    problems: &mut Vec<Problem>,
    unknown: &mut Vec<UnknownKey>,
) -> Vec<Spark> {
    let keys: Vec<String> = keys
        .iter()
        .map(|k| k.strip_prefix("metrics.").unwrap_or(k).to_owned())
        .collect();
    let loaded = histories(runs, &keys);
    problems.extend(loaded.problems);
    for key in &keys {
        if !loaded.series.iter().any(|s| &s.key == key) {
            unknown.push(UnknownKey {
                named: Kind::Metric.field(key).label(),
                suggestions: suggest(runs, Some(Kind::Metric), key),
            });
        }
    }
    keys.into_iter()
        .map(|key| Spark {
            values: runs
                .iter()
                .map(|run| {
                    loaded
                        .series
                        .iter()
                        .find(|s| s.run_id == run.run_id && s.key == key)
                        .map(|s| s.points.iter().map(|p| p.value).collect())
                })
                .collect(),
            key,
        })
        .collect()
}

fn series_of(run: &RunInfo, keys: &[String]) -> crate::store::Result<Vec<Series>> {
    let mut out = Vec::new();
    for key in keys {
        if let Some(points) = run.metric_history(key)? {
            out.push(Series {
                run_id: run.run_id.clone(),
                key: key.clone(),
                points,
            });
        }
    }
    Ok(out)
}

/// One run's histories of the metrics `patterns` name (exact keys or globs such as `train/*`);
/// a pattern matching nothing is an error naming the run's metrics. No patterns means every
/// metric.
pub fn history(store: &Store, run: &str, patterns: &[String]) -> anyhow::Result<Histories> {
    let info = store.find_run(run)?;
    let available = info.metric_keys()?;
    if patterns.is_empty() {
        return Ok(Histories {
            series: series_of(&info, &available)?,
            problems: Vec::new(),
        });
    }
    let mut keys: Vec<String> = Vec::new();
    for pattern in patterns {
        let matched: Vec<&String> = if available.contains(pattern) {
            vec![pattern]
        } else if pattern.contains(['*', '?', '[']) {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(false)
                .build()
                .map_err(|e| UsageError(format!("bad metric pattern {pattern:?}: {e}")))?
                .compile_matcher();
            available.iter().filter(|k| glob.is_match(k)).collect()
        } else {
            Vec::new()
        };
        if matched.is_empty() {
            let err = StoreError::not_found(
                Subject::input("metric pattern", pattern),
                format!(
                    "run {} has no metric matching {}; its metrics: {}",
                    info.run_id,
                    quote(pattern),
                    if available.is_empty() {
                        "none".to_owned()
                    } else {
                        available.join(", ")
                    }
                ),
            );
            let near = closest(pattern, available.iter().cloned(), String::as_str);
            return Err(match did_you_mean(&near) {
                Some(hint) => err.with_hint(hint),
                None => err,
            }
            .into());
        }
        for k in matched {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    // The run was named: an unreadable metric file is an error, not a skipped entry.
    Ok(Histories {
        series: series_of(&info, &keys)?,
        problems: Vec::new(),
    })
}
