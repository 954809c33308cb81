//! Which way is better for a metric, judged from its name alone: the one rule `compare`,
//! `plot` and `ui` use to mark a best value. Pure; knows nothing about runs.

/// Whether smaller or larger values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Lower,
    Higher,
}

/// Lower for losses and errors, higher for accuracies and scores, `None` when the name says
/// neither (a name saying both, such as `error_score`, counts as an error).
pub fn direction(metric: &str) -> Option<Direction> {
    const LOWER: [&str; 5] = ["loss", "error", "rmse", "mae", "mse"];
    const HIGHER: [&str; 7] = ["acc", "r2", "auc", "f1", "precision", "recall", "score"];
    let name = metric.to_ascii_lowercase();
    if LOWER.iter().any(|w| name.contains(w)) {
        Some(Direction::Lower)
    } else if HIGHER.iter().any(|w| name.contains(w)) {
        Some(Direction::Higher)
    } else {
        None
    }
}

impl Direction {
    /// Whether `a` is strictly better than `b`; NaN is never better.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Direction::Lower => a < b,
            Direction::Higher => a > b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(direction("val_loss"), Some(Direction::Lower));
        assert_eq!(direction("RMSE"), Some(Direction::Lower));
        assert_eq!(direction("train/accuracy"), Some(Direction::Higher));
        assert_eq!(direction("r2"), Some(Direction::Higher));
        assert_eq!(direction("epoch_time"), None);
        assert!(Direction::Lower.better(1.0, 2.0));
        assert!(!Direction::Higher.better(f64::NAN, 2.0));
    }
}
