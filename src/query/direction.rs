//! Which way is better for a metric: the one rule `compare`, `search`, `plot`, `report` and
//! `ui` use to mark the best run. Explicit globs win; otherwise the name decides (loss, error
//! and the usual error measures are minimised; accuracy, r2, AUC, F1, precision, recall and
//! scores maximised); any other name has no direction and nothing is marked.

use globset::{GlobBuilder, GlobMatcher};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Lower is better.
    Minimize,
    /// Higher is better.
    Maximize,
}

const LOWER: [&str; 5] = ["loss", "error", "rmse", "mae", "mse"];
const HIGHER: [&str; 7] = ["acc", "r2", "auc", "f1", "precision", "recall", "score"];

/// The direction of metric `key` (without the `metrics.` prefix): `min_globs`, then
/// `max_globs`, then the name's words.
pub fn direction(
    key: &str,
    min_globs: &[GlobMatcher],
    max_globs: &[GlobMatcher],
) -> Option<Direction> {
    if min_globs.iter().any(|g| g.is_match(key)) {
        return Some(Direction::Minimize);
    }
    if max_globs.iter().any(|g| g.is_match(key)) {
        return Some(Direction::Maximize);
    }
    let name = key.to_lowercase();
    if LOWER.iter().any(|w| name.contains(w)) {
        Some(Direction::Minimize)
    } else if HIGHER.iter().any(|w| name.contains(w)) {
        Some(Direction::Maximize)
    } else {
        None
    }
}

/// Metric globs as users write them (`r2`, `'*accuracy*'`, `metrics.f1`); `*` crosses `/`.
pub fn metric_globs(patterns: &[String]) -> Result<Vec<GlobMatcher>, String> {
    patterns
        .iter()
        .map(|p| {
            GlobBuilder::new(p.strip_prefix("metrics.").unwrap_or(p))
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("bad metric pattern {p:?}: {e}"))
        })
        .collect()
}

impl Direction {
    /// Whether `a` is better than `b` (finite values; NaN is never better).
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }
}

/// The index of the best finite value, when there is one; the first wins ties.
pub fn best(values: impl IntoIterator<Item = Option<f64>>, dir: Direction) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.into_iter().enumerate() {
        if let Some(v) = v.filter(|v| v.is_finite())
            && best.is_none_or(|(_, b)| dir.better(v, b))
        {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_unless_globs_say() {
        use Direction::*;
        assert_eq!(direction("validation-rmse", &[], &[]), Some(Minimize));
        assert_eq!(direction("train/loss", &[], &[]), Some(Minimize));
        assert_eq!(direction("val_accuracy", &[], &[]), Some(Maximize));
        assert_eq!(direction("R2", &[], &[]), Some(Maximize));
        assert_eq!(direction("f1_score", &[], &[]), Some(Maximize));
        assert_eq!(direction("epoch_time", &[], &[]), None);
        let max = metric_globs(&["metrics.epoch_*".into()]).unwrap();
        assert_eq!(direction("epoch_time", &[], &max), Some(Maximize));
        let min = metric_globs(&["*acc*".into()]).unwrap();
        assert_eq!(direction("acc", &min, &max), Some(Minimize));
        assert!(metric_globs(&["[".into()]).is_err());
    }

    #[test]
    fn best_skips_non_finite() {
        let v = [
            Some(f64::NAN),
            None,
            Some(3.0),
            Some(f64::NEG_INFINITY),
            Some(2.0),
            Some(2.0),
        ];
        assert_eq!(best(v, Direction::Minimize), Some(4));
        assert_eq!(best(v, Direction::Maximize), Some(2));
        assert_eq!(best([None], Direction::Maximize), None);
    }
}
