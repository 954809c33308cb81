//! "Did you mean": the names closest to one the user typed, for keys that exist nowhere (a
//! typo in a filter, an order, a column or a metric name). Pure: the caller brings the names
//! that exist.

/// How many suggestions a message names at most.
const SHOWN: usize = 3;

/// The candidates closest to `wanted`, best first, at most three: a case difference, a swapped,
/// missing or extra letter (one edit per three letters typed). `text` is the part of a
/// candidate compared (the key without its `metrics.` prefix, say); among equally close
/// candidates the caller's order is kept, so it lists the likelier ones first.
pub fn closest<T>(
    wanted: &str,
    candidates: impl IntoIterator<Item = T>,
    text: impl Fn(&T) -> &str,
) -> Vec<T> {
    let wanted = wanted.to_lowercase();
    let allowed = (wanted.chars().count() / 3).max(1);
    let mut near: Vec<(usize, T)> = candidates
        .into_iter()
        .filter_map(|c| {
            let distance = strsim::osa_distance(&wanted, &text(&c).to_lowercase());
            (distance <= allowed).then_some((distance, c))
        })
        .collect();
    near.sort_by_key(|(distance, _)| *distance);
    near.into_iter().take(SHOWN).map(|(_, c)| c).collect()
}

/// `did you mean a, b or c?`, or nothing without suggestions.
pub fn did_you_mean(names: &[String]) -> Option<String> {
    let listed = match names {
        [] => return None,
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    Some(format!("did you mean {listed}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(wanted: &str, candidates: &[&'static str]) -> Vec<&'static str> {
        closest(wanted, candidates.iter().copied(), |c| c)
    }

    #[test]
    fn typos_find_their_key() {
        let keys = ["rmse", "mae", "r2", "training_loss", "val_rmse"];
        assert_eq!(names("rsme", &keys), ["rmse"]);
        assert_eq!(names("RMSE", &keys), ["rmse"]);
        assert_eq!(names("trainig_loss", &keys), ["training_loss"]);
        assert!(names("accuracy", &keys).is_empty());
        let three = ["a".into(), "b".into(), "c".into()];
        assert_eq!(did_you_mean(&three).unwrap(), "did you mean a, b or c?");
    }
}
