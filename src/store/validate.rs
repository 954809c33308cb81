//! MLflow's validation rules for keys and names (docs/format/metrics-params-tags.md), with MLflow's wording where
//! it explains the rule. Every name that becomes a file name passes through here first, which
//! is what keeps `../` and friends out of the store.

pub use super::error::quote;
use super::error::{Result, StoreError, Subject};

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
    let invalid = |why: &str| {
        StoreError::bad_input(
            Subject::key(kind, key),
            format!("invalid {} {}: {why}", kind.noun(), quote(key)),
        )
    };
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
    fits_file_names(kind.noun(), key)
}

/// The longest file name (one path component) Linux file systems accept, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// The longest path the kernel accepts, in bytes (`PATH_MAX`, its final NUL included).
pub const MAX_PATH_BYTES: usize = 4095;

/// A name that becomes file names (each `/`-separated part one of them) must fit the file
/// system: a key of 250 CJK characters is valid to MLflow but 750 bytes on disk, and would
/// fail only at its write, after the entries before it were written.
pub fn fits_file_names(what: &str, name: &str) -> Result<()> {
    match name.split('/').map(str::len).max() {
        Some(bytes) if bytes > MAX_NAME_BYTES => Err(StoreError::bad_input(
            Subject::Input {
                what: "name",
                text: name.to_owned(),
            },
            format!(
                "invalid {what} {}: a part of it is {bytes} bytes long in UTF-8, and file names may be at most {MAX_NAME_BYTES} bytes",
                quote(name)
            ),
        )),
        _ => Ok(()),
    }
}

/// A whole path about to be written must fit `PATH_MAX`.
pub fn fits_path(path: &std::path::Path) -> Result<()> {
    let bytes = path.as_os_str().len();
    if bytes > MAX_PATH_BYTES {
        return Err(StoreError::bad_input(
            Subject::Path(path.to_path_buf()),
            format!(
                "the path is {bytes} bytes long, more than the {MAX_PATH_BYTES} the system allows"
            ),
        )
        .with_hint("use shorter keys, or a store in a shorter folder"));
    }
    Ok(())
}

/// Run ids, experiment ids and the like, before they are used as a folder name.
pub fn id(what: &'static str, value: &str) -> Result<()> {
    // MLflow's `^[a-zA-Z0-9][\w\-]{0,255}$`.
    let mut chars = value.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && value.chars().count() <= 256
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(StoreError::bad_input(
            Subject::input(what, value),
            format!("invalid {what} {}: not an id", quote(value)),
        ))
    }
}

pub fn experiment_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(invalid_name(name, "Invalid experiment name: ''".into()));
    }
    if name.chars().count() > MAX_EXPERIMENT_NAME_LENGTH {
        return Err(invalid_name(
            name,
            format!(
                "experiment name exceeds the maximum length of {MAX_EXPERIMENT_NAME_LENGTH} characters"
            ),
        ));
    }
    // MLflow looks names up with the filter `name = '<name>'`, which cannot express a quote:
    // a name with `'` could be created here but never found by MLflow again.
    if name.contains('\'') {
        return Err(invalid_name(
            name,
            format!(
                "invalid experiment name {}: MLflow cannot look up names containing a single quote (')",
                quote(name)
            ),
        ));
    }
    Ok(())
}

fn invalid_name(name: &str, message: String) -> StoreError {
    StoreError::bad_input(Subject::input("experiment name", name), message)
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
        assert!(key(KeyKind::Param, &"鍵".repeat(85)).is_ok());
        let err = key(KeyKind::Param, &"鍵".repeat(86))
            .unwrap_err()
            .to_string();
        assert!(err.contains("258 bytes"), "{err}");
        assert!(
            key(
                KeyKind::Param,
                &format!("{}/{}", "鍵".repeat(85), "鍵".repeat(85))
            )
            .is_ok()
        );
    }
}
