//! Which way is better for a metric: the one rule `compare`, `search`, `plot`, `report` and
//! `ui` use to mark the best run. Explicit globs win; otherwise the name decides (loss, error
//! and the usual error measures are minimised; accuracy, r2, AUC, F1, precision, recall and
//! scores maximised); any other name, one with words of both kinds, or a negated error
//! (`neg_…`) has no direction and nothing is marked.

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
/// Prefixes that turn an error into a score.
const NEGATED: [&str; 2] = ["neg_", "negative_"];

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
    let lower = LOWER.iter().any(|w| name.contains(w));
    let higher = HIGHER.iter().any(|w| name.contains(w));
    // Words of both kinds (`loss_score`), or a negated error as scikit-learn logs them
    // (`neg_mean_squared_error`, better higher): the name does not say, so nothing is marked.
    let negated = NEGATED.iter().any(|w| name.contains(w));
    match (lower, higher) {
        _ if negated => None,
        (true, false) => Some(Direction::Minimize),
        (false, true) => Some(Direction::Maximize),
        _ => None,
    }
}

/// Metric globs as users write them (`r2`, `'*accuracy*'`, `metrics.f1`), matching anywhere
/// in the key (`r2` matches `training_r2_score`, as the name rule does); `*` crosses `/`.
pub fn metric_globs(patterns: &[String]) -> Result<Vec<GlobMatcher>, String> {
    patterns
        .iter()
        .map(|p| {
            let core = p.strip_prefix("metrics.").unwrap_or(p).trim_matches('*');
            GlobBuilder::new(&format!("*{core}*"))
                .literal_separator(false)
                .build()
                .map(|g| g.compile_matcher())
                .map_err(|e| format!("bad metric pattern {p:?}: {e}"))
        })
        .collect()
}

/// The user's direction globs (`--lower-is-better`, `--higher-is-better`), checked before names.
#[derive(Debug, Default)]
pub struct Directions {
    lower: Vec<GlobMatcher>,
    higher: Vec<GlobMatcher>,
}

impl Directions {
    pub fn parse(lower: &[String], higher: &[String]) -> Result<Directions, String> {
        Ok(Directions {
            lower: metric_globs(lower)?,
            higher: metric_globs(higher)?,
        })
    }

    /// The direction of metric `key` (without the `metrics.` prefix).
    pub fn of(&self, key: &str) -> Option<Direction> {
        direction(key, &self.lower, &self.higher)
    }
}

/// Every run holding the best finite value, none when there is no direction or when the
/// finite values are all the same (nothing stands out).
pub fn best_all(values: &[Option<f64>], dir: Option<Direction>) -> Vec<usize> {
    let Some(dir) = dir else {
        return Vec::new();
    };
    let finite = || values.iter().flatten().filter(|v| v.is_finite());
    let Some(first) = finite().next() else {
        return Vec::new();
    };
    if finite().all(|v| v == first) {
        return Vec::new();
    }
    let best = best(values.iter().copied(), dir).and_then(|i| values[i]);
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v == best)
        .map(|(i, _)| i)
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
        assert_eq!(direction("loss_score", &[], &[]), None);
        assert_eq!(direction("test_neg_mean_squared_error", &[], &[]), None);
        let max = metric_globs(&["metrics.epoch_*".into()]).unwrap();
        assert_eq!(direction("epoch_time", &[], &max), Some(Maximize));
        let min = metric_globs(&["*acc*".into()]).unwrap();
        assert_eq!(direction("acc", &min, &max), Some(Minimize));
        assert!(metric_globs(&["[".into()]).is_err());
        let r2 = metric_globs(&["r2".into()]).unwrap();
        assert_eq!(direction("training_r2_score", &r2, &[]), Some(Minimize));
    }

    #[test]
    fn best_all_needs_a_direction_and_a_difference() {
        use Direction::*;
        let v = [Some(2.0), Some(1.0), Some(1.0)];
        assert_eq!(best_all(&v, Some(Minimize)), [1, 2]);
        assert_eq!(best_all(&[Some(2.0), None, Some(1.0)], Some(Maximize)), [0]);
        assert!(best_all(&v, None).is_empty());
        assert!(best_all(&[Some(2.0), Some(2.0), None], Some(Maximize)).is_empty());
        let odd = [
            Some(f64::NAN),
            Some(f64::NEG_INFINITY),
            Some(3.0),
            Some(4.0),
        ];
        assert_eq!(best_all(&odd, Some(Minimize)), [2]);
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
