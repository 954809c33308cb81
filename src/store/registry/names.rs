//! MLflow's rules for registered model names, aliases and registry tags (VAL, RFS `_validate_*`),
//! with MLflow's messages. A model name becomes a folder name under `models/`, so these checks
//! are what keeps a name from reaching outside it. mlrs applies the stricter 3.x rules to every
//! store: names that 2.22 accepts but cannot read back (`..`) are refused.

use std::sync::LazyLock;

use regex::Regex;

use super::super::error::{Result, StoreError, Subject};
use super::super::validate::{self, KeyKind};
use super::super::{Flavor, validate::path_not_unique};

pub const MAX_ALIAS_LENGTH: usize = 255;

static ALIAS_CHARS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w\-]*$").expect("static regex"));
static VERSION_ALIAS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[vV]\d+$").expect("static regex"));

/// A registered model name (3.x `_validate_model_name` plus the file store's own checks).
pub fn model_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(bad_model_name(
            name,
            "Missing value for required parameter 'name'.",
        ));
    }
    if name.contains('/') || name.contains(':') {
        return Err(bad_model_name(
            name,
            format!("Invalid model name '{name}'. Names cannot contain '/' or ':'."),
        ));
    }
    if path_not_unique(name) {
        return Err(bad_model_name(
            name,
            format!(
                "Invalid value {} for parameter 'name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '{}'",
                validate::quote(name),
                validate::normpath(name)
            ),
        ));
    }
    if name.contains('%') {
        return Err(bad_model_name(
            name,
            format!("Invalid name: '{name}'. Registered model name cannot contain '%' character"),
        ));
    }
    validate::fits_file_names("model name", name)?;
    // Such folders are mlrs's own half-done work, skipped by every listing.
    if name.starts_with(crate::store::keyed::TEMP_PREFIX) {
        return Err(bad_model_name(
            name,
            format!(
                "Invalid model name '{name}': names starting with {} are reserved by mlrs",
                crate::store::keyed::TEMP_PREFIX
            ),
        ));
    }
    Ok(())
}

/// An alias name, reserved names included (`latest`, `v<digits>`), as MLflow refuses them
/// when an alias is set.
pub fn alias(alias: &str) -> Result<()> {
    if alias.is_empty() {
        return Err(bad_alias(
            alias,
            "Registered model alias name cannot be empty.",
        ));
    }
    if !ALIAS_CHARS.is_match(alias) {
        return Err(bad_alias(
            alias,
            format!(
                "Invalid alias name: '{alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-)."
            ),
        ));
    }
    if alias.chars().count() > MAX_ALIAS_LENGTH {
        return Err(bad_alias(
            alias,
            format!(
                "'Registered model alias name' exceeds the maximum length of {MAX_ALIAS_LENGTH} characters"
            ),
        ));
    }
    validate::fits_file_names("alias", alias)
}

/// [`alias`] plus the reserved names, for aliases about to be set.
pub fn new_alias(name: &str) -> Result<()> {
    alias(name)?;
    if name.eq_ignore_ascii_case("latest") {
        return Err(bad_alias(
            name,
            "'latest' alias name (case insensitive) is reserved.",
        ));
    }
    if VERSION_ALIAS.is_match(name) {
        return Err(bad_alias(
            name,
            format!("Version alias name '{name}' is reserved."),
        ));
    }
    Ok(())
}

/// The longest registry tag value the MLflow generation that wrote the store accepts.
pub fn max_tag_value(flavor: Flavor) -> usize {
    match flavor {
        Flavor::V2 => 5_000,
        Flavor::V3 => 100_000,
    }
}

/// A registered model or model version tag.
pub fn tag(key: &str, value: &str, flavor: Flavor) -> Result<()> {
    validate::key(KeyKind::ModelTag, key)?;
    let limit = max_tag_value(flavor);
    if value.chars().count() > limit {
        return Err(StoreError::bad_input(
            Subject::key(KeyKind::ModelTag, key),
            format!(
                "invalid model tag {}: 'value' exceeds the maximum length of {limit} characters",
                validate::quote(key)
            ),
        ));
    }
    Ok(())
}

fn bad_model_name(name: &str, message: impl Into<String>) -> StoreError {
    StoreError::bad_input(Subject::input("model name", name), message)
}

fn bad_alias(alias: &str, message: impl Into<String>) -> StoreError {
    StoreError::bad_input(Subject::input("alias", alias), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_follow_mlflow_3() {
        for good in [
            "nyc-taxi",
            "Taxi Fare (experimental) v2",
            "a@b",
            ".hidden",
            "café",
        ] {
            assert!(model_name(good).is_ok(), "{good}");
        }
        for bad in ["", "  ", "a/b", "a:b", "50%", "..", "."] {
            assert!(model_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            model_name("a/b").unwrap_err().to_string(),
            "Invalid model name 'a/b'. Names cannot contain '/' or ':'."
        );
    }

    #[test]
    fn aliases_and_reserved_names() {
        for good in ["champion", "prod-2", "v1x", "é_1"] {
            assert!(new_alias(good).is_ok(), "{good}");
        }
        assert_eq!(
            new_alias("Latest").unwrap_err().to_string(),
            "'latest' alias name (case insensitive) is reserved."
        );
        assert_eq!(
            new_alias("V12").unwrap_err().to_string(),
            "Version alias name 'V12' is reserved."
        );
        for bad in ["", "a b", "a.b", "a/b"] {
            assert!(new_alias(bad).is_err(), "{bad}");
        }
        assert!(new_alias(&"a".repeat(256)).is_err());
    }
}
