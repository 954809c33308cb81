//! MLflow's validation rules for keys and names (spec §4.6, §11), with MLflow's wording where
//! it explains the rule. Every name that becomes a file name passes through here first, which
//! is what keeps `../` and friends out of the store.

use super::error::{Result, StoreError};

pub const MAX_KEY_LENGTH: usize = 250;
pub const MAX_PARAM_VALUE_LENGTH: usize = 6000;
pub const MAX_EXPERIMENT_NAME_LENGTH: usize = 500;

const BAD_CHARACTERS: &str = "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).";

/// What a key names, for messages ("metric key", "param key", ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Metric,
    Param,
    Tag,
    ExperimentTag,
    ModelTag,
}

impl KeyKind {
    pub fn noun(self) -> &'static str {
        match self {
            KeyKind::Metric => "metric key",
            KeyKind::Param => "param key",
            KeyKind::Tag => "tag key",
            KeyKind::ExperimentTag => "experiment tag key",
            KeyKind::ModelTag => "model tag key",
        }
    }
}

/// `posixpath.normpath`.
pub fn normpath(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let mut initial = usize::from(path.starts_with('/'));
    if path.starts_with("//") && !path.starts_with("///") {
        initial = 2;
    }
    let mut comps: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        if comp.is_empty() || comp == "." {
            continue;
        }
        if comp != ".." || (initial == 0 && comps.is_empty()) || comps.last() == Some(&"..") {
            comps.push(comp);
        } else if !comps.is_empty() {
            comps.pop();
        }
    }
    let joined = format!("{}{}", "/".repeat(initial), comps.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

/// MLflow's `path_not_unique`: the name would not map to exactly one file inside its folder.
pub fn path_not_unique(name: &str) -> bool {
    let norm = normpath(name);
    norm != name || norm == "." || norm.starts_with("..") || norm.starts_with('/')
}

fn bad_path_message(name: &str) -> String {
    format!(
        "Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{}'",
        normpath(name)
    )
}

/// Metric, param and tag keys (also experiment and model tags).
pub fn key(kind: KeyKind, key: &str) -> Result<()> {
    let invalid =
        |why: &str| StoreError::BadInput(format!("invalid {} {}: {why}", kind.noun(), quote(key)));
    if key.is_empty() {
        return Err(invalid("must not be empty"));
    }
    // MLflow's `^[/\w.\- :]*$` (Python's Unicode `\w`), without compiling a Unicode regex
    // in every short-lived process.
    if !key
        .chars()
        .all(|c| c.is_alphanumeric() || "_/.- :".contains(c))
    {
        return Err(invalid(BAD_CHARACTERS));
    }
    if path_not_unique(key) {
        return Err(invalid(&bad_path_message(key)));
    }
    // MLflow writes such keys, but no filter can name them (its lexer drops the spaces), and
    // `--metric 'loss = 3'` making the key "loss " is a typo, not a wish.
    if key.starts_with(' ') || key.ends_with(' ') {
        return Err(invalid("must not begin or end with a space"));
    }
    if key.chars().count() > MAX_KEY_LENGTH {
        return Err(invalid(&format!(
            "exceeds the maximum length of {MAX_KEY_LENGTH} characters"
        )));
    }
    Ok(())
}

/// Run ids, experiment ids and the like, before they are used as a folder name.
pub fn id(what: &str, value: &str) -> Result<()> {
    // MLflow's `^[a-zA-Z0-9][\w\-]{0,255}$`.
    let mut chars = value.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && value.chars().count() <= 256
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(StoreError::BadInput(format!(
            "invalid {what} {}: not an id",
            quote(value)
        )))
    }
}

pub fn experiment_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(StoreError::BadInput("Invalid experiment name: ''".into()));
    }
    if name.chars().count() > MAX_EXPERIMENT_NAME_LENGTH {
        return Err(StoreError::BadInput(format!(
            "experiment name exceeds the maximum length of {MAX_EXPERIMENT_NAME_LENGTH} characters"
        )));
    }
    // MLflow looks names up with the filter `name = '<name>'`, which cannot express a quote:
    // a name with `'` could be created here but never found by MLflow again.
    if name.contains('\'') {
        return Err(StoreError::BadInput(format!(
            "invalid experiment name {}: MLflow cannot look up names containing a single quote (')",
            quote(name)
        )));
    }
    Ok(())
}

/// A JSON-quoted rendering of user input for messages (shows spaces, control characters).
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normpath_like_python() {
        for (input, want) in [
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/", "a"),
            ("/abs", "/abs"),
            ("../x", "../x"),
            (".", "."),
            ("", "."),
            ("a/../b", "b"),
            ("//x", "//x"),
            ("///x", "/x"),
        ] {
            assert_eq!(normpath(input), want, "{input}");
        }
    }

    #[test]
    fn keys_follow_mlflow() {
        for good in [
            "rmse", "val/rmse", "x/..y", ".y", "café", "a b:c", "a-b.c_d",
        ] {
            assert!(key(KeyKind::Metric, good).is_ok(), "{good}");
        }
        for bad in [
            "a//b", "a/./b", "a/", "/abs", "../x", ".", "", "..y", "a$b", "a\nb", "loss ", " loss",
        ] {
            assert!(key(KeyKind::Metric, bad).is_err(), "{bad}");
        }
        assert!(key(KeyKind::Param, &"x".repeat(251)).is_err());
    }
}
