//! The report use case: everything `mlrs report` shows about a set of runs, read from the
//! store — each metric's history (downsampled to a point budget, keeping every column's
//! extremes), each run's artifact files, the registered model versions made from the runs, and
//! the direction that makes a metric's value "best". Plain request in, plain data out: no clap,
//! no terminal, no HTML.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::UsageError;
use super::distinct_keys;
use super::find::{FindRequest, find};
use super::keys::UnknownKey;
use crate::query::{Direction, Directions};
use crate::store::{DataSelection, Keys, MetricFile, Problem, Run, Store};
use crate::store::{MetricPoint, latest};

/// What to report on.
pub struct Request {
    /// Which runs, in which order (no limit: the page shows every run found).
    pub find: FindRequest,
    /// Most history points the page holds over all runs and metrics. While every history
    /// fits, all are kept whole. Beyond it, charts draw at first from thinned series (short
    /// series stay whole and the longest share what is left, never more than [`DRAW_POINTS`]
    /// each), and the whole histories of a metric's thinned series come too if they fit
    /// what is left of the budget.
    pub max_points: usize,
    /// Most artifact files listed per run.
    pub artifacts_per_run: usize,
    /// Metrics where lower, or higher, is better (globs; a `metrics.` prefix is allowed),
    /// before the names decide.
    pub lower_is_better: Vec<String>,
    pub higher_is_better: Vec<String>,
}

pub struct Report {
    pub runs: Vec<Run>,
    /// Experiment id → name, for the experiments the runs belong to.
    pub experiment_names: BTreeMap<String, String>,
    /// Every param and tag key of the runs, sorted.
    pub param_keys: Vec<String>,
    pub tag_keys: Vec<String>,
    /// Every metric key of the runs, sorted, with its direction.
    pub metrics: Vec<(String, Option<Direction>)>,
    /// Metric key → one entry per run (`None` when the run did not log it): what charts draw
    /// at first.
    pub histories: BTreeMap<String, Vec<Option<Series>>>,
    /// Metric key → the whole history of each run whose series in `histories` was thinned
    /// (`None` for the others), for the metrics where these fit the budget.
    pub full: BTreeMap<String, Vec<Option<Series>>>,
    /// The budget the histories were held to ([`Request::max_points`]).
    pub max_points: usize,
    /// Per run: its artifact files (relative path, bytes) and how many it has in all.
    pub artifacts: Vec<Artifacts>,
    pub models: Vec<ModelVersionRef>,
    /// Runs whose histories or artifacts could not be read (their other data is kept).
    pub problems: Vec<Problem>,
    /// Keys the filter or order named that no run in scope has (a typo, most often).
    pub unknown: Vec<UnknownKey>,
}

/// A metric history sorted by step then time; a downsampled one keeps the smallest and the
/// largest value of each step column (and the first NaN or ±inf, which draw as gaps).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub steps: Vec<i64>,
    pub times: Vec<i64>,
    pub values: Vec<f64>,
    /// How many points the run logged.
    pub logged: usize,
}

/// A registered model version made from one of the runs.
pub struct ModelVersionRef {
    pub name: String,
    pub version: u64,
    pub stage: String,
    pub aliases: Vec<String>,
    pub status: String,
    pub creation_timestamp: Option<i64>,
    /// Index into [`Report::runs`].
    pub run: usize,
}

/// The most points a series is drawn from at first: two per step column for 2,000 columns,
/// more than a chart has pixels across, so thinning shows only when zooming in.
pub const DRAW_POINTS: usize = 4_000;

/// One run's histories (by metric index, with the run's value of the metric), artifact files,
/// and what could not be read.
type RunExtras = (
    Vec<(usize, f64, Series)>,
    Result<Artifacts, Problem>,
    Vec<Problem>,
);
/// Artifact files (relative path, bytes) and how many there are in all.
pub type Artifacts = (Vec<(String, u64)>, usize);

outcome!(Report; unknown);

/// Find the runs, then read everything the page shows about them.
pub fn load(store: &Store, req: Request) -> anyhow::Result<Report> {
    let Request {
        find: find_request,
        max_points,
        artifacts_per_run,
        lower_is_better,
        higher_is_better,
    } = req;
    let directions = Directions::parse(&lower_is_better, &higher_is_better).map_err(UsageError)?;
    let mut found = find(store, &find_request)?;
    // Metric files are read once, for their histories; each run's value comes from them.
    found.load(
        store,
        &DataSelection {
            params: Keys::All,
            metrics: Keys::None,
            tags: Keys::All,
            inputs: false,
        },
    );
    let mut runs = std::mem::take(&mut found.runs);
    let experiments = std::mem::take(&mut found.experiments);
    let unknown = std::mem::take(&mut found.unknown);
    let mut problems = std::mem::take(&mut found.problems);
    // Each run's metric keys, with the most lines each file can hold (from its size).
    let run_keys: Vec<Vec<MetricFile>> = runs
        .par_iter()
        .map(|r| r.info.metric_files())
        .collect::<Vec<_>>()
        .into_iter()
        .zip(&runs)
        .map(|(keys, run)| {
            keys.unwrap_or_else(|e| {
                problems.push(Problem::from_error(&run.info.dir, &e));
                Vec::new()
            })
        })
        .collect();
    let lengths: Vec<usize> = run_keys
        .iter()
        .flatten()
        .map(MetricFile::lines_at_most)
        .collect();
    let per_series = share(&lengths, max_points).min(DRAW_POINTS);
    let keys = distinct_keys(run_keys.iter().flatten().map(|f| &f.key));
    let metrics: Vec<(String, Option<Direction>)> = keys
        .iter()
        .map(|k| ((*k).clone(), directions.of(k)))
        .collect();
    let metric_index: HashMap<&str, usize> = metrics
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();

    let loaded: Vec<RunExtras> = runs
        .par_iter()
        .zip(&run_keys)
        .map(|(run, keys)| {
            let mut problems = Vec::new();
            let mut series = Vec::new();
            let mut points = Vec::new();
            match run.info.metric_reader() {
                Ok(mut reader) => {
                    for file in keys {
                        points.clear();
                        match reader.for_each_point(file, |p| points.push(p)) {
                            Ok(()) => {
                                let Some(value) = latest(&points).map(|p| p.value) else {
                                    continue;
                                };
                                series.push((
                                    metric_index[file.key.as_str()],
                                    value,
                                    downsample(&mut points, per_series),
                                ));
                            }
                            Err(e) => problems.push(Problem::from_error(&run.info.dir, &e)),
                        }
                    }
                }
                Err(e) => problems.push(Problem::from_error(&run.info.dir, &e)),
            }
            let artifacts = store
                .artifact_files(&run.info, artifacts_per_run)
                .map_err(|e| Problem::from_error(&run.info.dir, &e));
            (series, artifacts, problems)
        })
        .collect();

    let mut histories: BTreeMap<String, Vec<Option<Series>>> = metrics
        .iter()
        .map(|(k, _)| (k.clone(), vec![None; runs.len()]))
        .collect();
    let mut artifacts = Vec::with_capacity(runs.len());
    for (run_index, (series, files, mut run_problems)) in loaded.into_iter().enumerate() {
        for (metric, value, s) in series {
            let key = &metrics[metric].0;
            runs[run_index].data.metrics.insert(key.clone(), value);
            if let Some(slot) = histories.get_mut(key) {
                slot[run_index] = Some(s);
            }
        }
        artifacts.push(files.unwrap_or_else(|p| {
            run_problems.push(p);
            (Vec::new(), 0)
        }));
        problems.append(&mut run_problems);
    }
    let full = whole_histories(&runs, &histories, max_points, &mut problems);
    let (models, model_problems) = model_versions(store, &runs);
    problems.extend(model_problems);
    Ok(Report {
        experiment_names: experiments
            .into_iter()
            .filter(|e| runs.iter().any(|r| r.info.experiment_id == e.id))
            .map(|e| (e.id, e.name))
            .collect(),
        param_keys: distinct_keys(runs.iter().flat_map(|r| r.data.params.keys()))
            .into_iter()
            .cloned()
            .collect(),
        tag_keys: distinct_keys(runs.iter().flat_map(|r| r.data.tags.keys()))
            .into_iter()
            .cloned()
            .collect(),
        metrics,
        histories,
        full,
        max_points,
        artifacts,
        models,
        problems,
        unknown,
        runs,
    })
}

/// The whole histories of the thinned series, metric by metric (the one needing fewest points
/// first), for as many metrics as fit in what `budget` leaves after the thinned series.
fn whole_histories(
    runs: &[Run],
    histories: &BTreeMap<String, Vec<Option<Series>>>,
    budget: usize,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Vec<Option<Series>>> {
    let thinned = |s: &Series| s.logged > s.values.len();
    let held: usize = histories
        .values()
        .flatten()
        .flatten()
        .map(|s| s.values.len())
        .sum();
    let mut needs: Vec<(usize, &String)> = histories
        .iter()
        .map(|(k, runs)| {
            let logged = runs
                .iter()
                .flatten()
                .filter(|s| thinned(s))
                .map(|s| s.logged);
            (logged.sum(), k)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    needs.sort();
    let mut left = budget.saturating_sub(held);
    let mut jobs = Vec::new();
    for (need, key) in needs {
        if need > left {
            break;
        }
        left -= need;
        let series = &histories[key];
        jobs.extend(
            (0..runs.len())
                .filter(|&r| series[r].as_ref().is_some_and(thinned))
                .map(|r| (key, r)),
        );
    }
    let read: Vec<(&String, usize, Result<Series, Problem>)> = jobs
        .into_par_iter()
        .map(|(key, r)| {
            let info = &runs[r].info;
            let mut points = Vec::new();
            let whole = info
                .for_each_metric_point(key, |p| points.push(p))
                .map(|_| downsample(&mut points, usize::MAX))
                .map_err(|e| Problem::from_error(&info.dir, &e));
            (key, r, whole)
        })
        .collect();
    let mut full: BTreeMap<String, Vec<Option<Series>>> = BTreeMap::new();
    for (key, r, whole) in read {
        match whole {
            Ok(s) => {
                full.entry(key.clone())
                    .or_insert_with(|| vec![None; runs.len()])[r] = Some(s);
            }
            Err(p) => problems.push(p),
        }
    }
    full
}

fn model_versions(store: &Store, runs: &[Run]) -> (Vec<ModelVersionRef>, Vec<Problem>) {
    let index: HashMap<&str, usize> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.info.run_id.as_str(), i))
        .collect();
    let listing = match store.registered_models() {
        Ok(listing) => listing,
        Err(e) => return (Vec::new(), vec![Problem::from_error(store.root(), &e)]),
    };
    let mut problems = listing.problems;
    let mut out = Vec::new();
    for mut model in listing.items {
        problems.append(&mut model.problems);
        for version in model.live_versions() {
            let Some(&run) = version.run_ids().iter().find_map(|id| index.get(id)) else {
                continue;
            };
            out.push(ModelVersionRef {
                name: version.name.clone(),
                version: version.version,
                stage: version.current_stage.as_str().to_owned(),
                aliases: version.aliases.clone(),
                status: version.status.clone(),
                creation_timestamp: version.creation_timestamp,
                run,
            });
        }
    }
    (out, problems)
}

/// The most points each series may keep so that all of them, `lengths` long (or shorter), keep
/// at most `budget` together: no limit when they fit, else the level that lets the shorter ones
/// stay whole and cuts only the longest (never below 8 points).
fn share(lengths: &[usize], budget: usize) -> usize {
    let mut sorted = lengths.to_vec();
    sorted.sort_unstable();
    let mut left = budget;
    for (i, &len) in sorted.iter().enumerate() {
        let level = left / (sorted.len() - i);
        if len > level {
            return level.max(8);
        }
        left -= len;
    }
    usize::MAX
}

/// Sort by step (then time) and, when longer than `max_points`, keep per step column (of
/// `max_points / 2` equal step ranges) the smallest and the largest value and the first
/// non-finite one, in step order: no spike and no gap disappears.
pub(crate) fn downsample(points: &mut [MetricPoint], max_points: usize) -> Series {
    // Files are almost always in order already; the check spares the sort's scratch buffer.
    if !points.is_sorted_by_key(|p| (p.step, p.timestamp)) {
        points.sort_by_key(|p| (p.step, p.timestamp));
    }
    let logged = points.len();
    if logged <= max_points {
        return Series {
            steps: points.iter().map(|p| p.step).collect(),
            times: points.iter().map(|p| p.timestamp).collect(),
            values: points.iter().map(|p| p.value).collect(),
            logged,
        };
    }
    let columns = (max_points / 2).max(1);
    let lo = points[0].step;
    let span = (points[points.len() - 1].step - lo) as f64;
    let column = |i: usize| -> usize {
        if span > 0.0 {
            (((points[i].step - lo) as f64 / span) * columns as f64) as usize
        } else {
            i * columns / points.len()
        }
        .min(columns - 1)
    };
    let mut series = Series {
        logged,
        ..Series::default()
    };
    let mut i = 0;
    while i < points.len() {
        let col = column(i);
        let (mut min, mut max, mut odd) = (None::<usize>, None::<usize>, None::<usize>);
        while i < points.len() && column(i) == col {
            let v = points[i].value;
            if !v.is_finite() {
                odd.get_or_insert(i);
            } else {
                if min.is_none_or(|m| v < points[m].value) {
                    min = Some(i);
                }
                if max.is_none_or(|m| v > points[m].value) {
                    max = Some(i);
                }
            }
            i += 1;
        }
        let mut chosen = [min, max, odd];
        chosen.sort_unstable();
        let mut last = None;
        for k in chosen.into_iter().flatten() {
            if last.replace(k) == Some(k) {
                continue;
            }
            series.steps.push(points[k].step);
            series.times.push(points[k].timestamp);
            series.values.push(points[k].value);
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn point(step: i64, value: f64) -> MetricPoint {
        MetricPoint {
            timestamp: 1000 + step,
            value,
            step,
            dataset: None,
        }
    }

    #[test]
    fn the_budget_keeps_short_series_whole_and_cuts_the_longest() {
        assert_eq!(share(&[100, 200, 300], 600), usize::MAX);
        assert_eq!(share(&[100, 1000, 1000], 600), 250);
        assert_eq!(share(&[5; 10], 20), 8);
        assert_eq!(share(&[], 10), usize::MAX);
    }

    #[test]
    fn short_histories_are_kept_whole_and_sorted() {
        let s = downsample(&mut [point(2, 3.0), point(0, 1.0), point(1, f64::NAN)], 10);
        assert_eq!(s.steps, [0, 1, 2]);
        assert_eq!(s.logged, 3);
        assert!(s.values[1].is_nan());
    }

    proptest! {
        #[test]
        fn every_column_keeps_its_extremes_and_gaps(
            values in prop::collection::vec(prop_oneof![
                9 => -1e6f64..1e6,
                1 => Just(f64::NAN),
                1 => Just(f64::INFINITY),
            ], 1..600),
            max_points in 2usize..100,
        ) {
            let mut points: Vec<MetricPoint> =
                values.iter().enumerate().map(|(i, v)| point(i as i64, *v)).collect();
            let s = downsample(&mut points, max_points);
            let columns = (max_points / 2).max(1);
            prop_assert!(values.len() <= max_points || s.values.len() <= 3 * columns);
            let span = (values.len() - 1) as f64;
            let column = |step: usize| if span > 0.0 {
                ((step as f64 / span * columns as f64) as usize).min(columns - 1)
            } else { 0 };
            for col in 0..columns {
                let in_col: Vec<usize> = (0..values.len()).filter(|&i| column(i) == col).collect();
                if in_col.is_empty() || values.len() <= max_points { continue; }
                let finite: Vec<f64> = in_col.iter().map(|&i| values[i]).filter(|v| v.is_finite()).collect();
                let kept: Vec<f64> = s.steps.iter().zip(&s.values)
                    .filter(|(st, _)| column(**st as usize) == col).map(|(_, v)| *v).collect();
                if let Some(min) = finite.iter().copied().reduce(f64::min) {
                    prop_assert!(kept.contains(&min));
                }
                if let Some(max) = finite.iter().copied().reduce(f64::max) {
                    prop_assert!(kept.contains(&max));
                }
                if finite.len() < in_col.len() {
                    prop_assert!(kept.iter().any(|v| !v.is_finite()));
                }
            }
        }
    }
}
