//! YAML as MLflow writes and reads it. Reading goes through yaml_serde into typed structs
//! (string fields keep the raw text of plain scalars such as `1e3`, as YAML 1.1 readers do);
//! writing goes through [`emit`], a port of the libyaml emitter behind PyYAML's `CSafeDumper`,
//! because no crate reproduces its quoting and folding byte for byte.

mod depth;
mod emit;
pub(super) mod flat;
#[cfg(test)]
mod pyyaml_tests;
mod resolve;

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;

use super::error::{Result, StoreError};
use super::excerpt::excerpt;

pub use emit::to_string;

/// A YAML node as PyYAML's `SafeRepresenter` produces it from Python values.
#[derive(Debug, Clone, PartialEq)]
pub enum Yaml {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Yaml>),
    /// Keys are sorted by code point, as `yaml.dump(sort_keys=True)` does.
    Map(BTreeMap<String, Yaml>),
}

impl Yaml {
    pub fn str(s: impl Into<String>) -> Yaml {
        Yaml::Str(s.into())
    }

    pub fn opt_int(v: Option<i64>) -> Yaml {
        v.map_or(Yaml::Null, Yaml::Int)
    }

    pub fn opt_str(v: Option<&str>) -> Yaml {
        v.map_or(Yaml::Null, Yaml::str)
    }

    fn from_value(value: yaml_serde::Value) -> Yaml {
        use yaml_serde::Value;
        match value {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Bool(b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Int(i),
                None => Yaml::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Yaml::Str(s),
            Value::Sequence(items) => Yaml::Seq(items.into_iter().map(Yaml::from_value).collect()),
            Value::Mapping(map) => Yaml::Map(
                map.into_iter()
                    .map(|(k, v)| (scalar_key(k), Yaml::from_value(v)))
                    .collect(),
            ),
            Value::Tagged(tagged) => Yaml::from_value(tagged.value),
        }
    }
}

fn scalar_key(key: yaml_serde::Value) -> String {
    match key {
        yaml_serde::Value::String(s) => s,
        other => yaml_serde::to_string(&other)
            .map(|s| s.trim_end().to_owned())
            .unwrap_or_default(),
    }
}

/// MLflow's files nest two or three levels; yaml_serde refuses values nested deeper than 128.
const MAX_FLOW_DEPTH: usize = 128;

/// Parse a YAML document into `T`. An empty document is an error naming the file: MLflow reads
/// it as `None` (a concurrent in-place rewrite), which is never a valid meta.yaml.
pub fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    if text.trim().is_empty() {
        return Err(StoreError::Yaml {
            path: path.to_path_buf(),
            reason: "the file is empty".into(),
        });
    }
    if let Some(at) = depth::too_deep(text, MAX_FLOW_DEPTH) {
        return Err(StoreError::Yaml {
            path: path.to_path_buf(),
            reason: format!(
                "brackets nest more than {MAX_FLOW_DEPTH} deep (at byte {at}); MLflow never writes that"
            ),
        });
    }
    yaml_serde::from_str(text).map_err(|e| StoreError::Yaml {
        path: path.to_path_buf(),
        reason: excerpt(&e.to_string()),
    })
}

/// Parse a YAML document as a map of top-level keys, keeping every key (known or not) so a
/// rewrite can carry over keys this version of mlrs does not model.
pub fn parse_map(path: &Path, text: &str) -> Result<BTreeMap<String, Yaml>> {
    let value: yaml_serde::Value = parse(path, text)?;
    match Yaml::from_value(value) {
        Yaml::Map(map) => Ok(map),
        _ => Err(StoreError::Yaml {
            path: path.to_path_buf(),
            reason: "expected a mapping at the top level".into(),
        }),
    }
}

#[cfg(test)]
mod fuzz {
    //! The YAML readers on random and hostile text: a value or an error, never a panic.

    use proptest::prelude::*;

    use super::*;

    /// Text made of YAML's syntax, so most cases get past the first character.
    fn soup() -> impl Strategy<Value = String> {
        let pieces = vec![
            "a",
            "key",
            ": ",
            "- ",
            "\n",
            "  ",
            "'",
            "''",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ", ",
            "&x ",
            "*x",
            "!!str ",
            "!!binary ",
            "? ",
            "|",
            ">-",
            "#",
            "\t",
            "null",
            "~",
            "1e3",
            "0x1F",
            "\u{2028}",
            "\u{feff}",
            "...",
            "---",
            "%YAML 1.1\n",
            "<<: ",
            "\r",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..80).prop_map(|v| v.concat())
    }

    fn read_all(text: &str) {
        let path = Path::new("meta.yaml");
        let _ = parse::<BTreeMap<String, String>>(path, text);
        let _ = parse::<yaml_serde::Value>(path, text);
        let _ = parse_map(path, text);
        let _ = flat::parse(text);
    }

    proptest! {
        #[test]
        fn on_random_text(text in "\\PC{0,120}") {
            read_all(&text);
        }

        #[test]
        fn on_yaml_soup(text in soup()) {
            read_all(&text);
        }
    }
}
