//! Which way is better for a metric, judged from its name alone. Pure; one rule for every view
//! that marks a best value, so a table and a chart never disagree about what "best" means.

/// Whether smaller or larger values of a metric are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Lower,
    Higher,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Lower => "min",
            Direction::Higher => "max",
        }
    }
}

/// Lower is better for losses and errors (`loss`, `error`, `rmse`, `mae`, `mse`), higher for
/// scores (`acc`, `r2`, `auc`, `f1`, `precision`, `recall`, `score`); `None` for any other
/// name, where marking a "best" value would be a guess. Case-insensitive substrings, so
/// `val_loss`, `validation-rmse` and `train/accuracy` are judged too; the error words win
/// (`error_rate_score` is still an error).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_the_direction() {
        for name in [
            "loss",
            "val_loss",
            "validation-rmse",
            "MAE",
            "mse",
            "error_rate",
        ] {
            assert_eq!(direction(name), Some(Direction::Lower), "{name}");
        }
        for name in [
            "accuracy",
            "train/acc",
            "r2",
            "AUC",
            "f1",
            "precision",
            "recall",
            "score",
        ] {
            assert_eq!(direction(name), Some(Direction::Higher), "{name}");
        }
        for name in ["epoch", "lr", "duration", "m1"] {
            assert_eq!(direction(name), None, "{name}");
        }
    }
}
