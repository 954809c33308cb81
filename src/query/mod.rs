//! Run, experiment and registry filters and ordering in MLflow's search syntax: lexer, parser,
//! evaluator. Pure: no I/O, no clap. The store layer's data types are read, never loaded here.
//!
//! Semantics are MLflow 3.x's `search_runs` / `search_experiments` / `search_registered_models`
//! / `search_model_versions` over a file store (docs/format/search.md), plus extensions MLflow
//! does not have: `OR`, `NOT`, parentheses, `IN`/`NOT IN` lists and `NOT LIKE`/`NOT ILIKE` on
//! every string key, and relative times (`now`, `now-2d`) on time attributes. A parsed filter or order tells the caller which data keys it reads
//! ([`Needs`]), so only those files are opened.

mod direction;
mod field;
mod filter;
mod lexer;
mod like;
mod order;
mod suggest;

use std::collections::BTreeSet;
use std::fmt;

pub use direction::{Direction, Directions, best, best_all};
pub use field::{Attr, Field, Record, Target, Value};
pub use filter::Filter;
pub use order::{OrderBy, sort_experiments, sort_model_versions, sort_models, sort_runs};
pub use suggest::{closest, did_you_mean};

use crate::store::{DataSelection, Keys};

/// How many characters of a filter an error message shows around the offending column.
const SHOWN: usize = 100;

/// A filter or order-by that cannot be parsed: what is wrong and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct QueryError {
    /// "filter" or "order-by".
    pub what: &'static str,
    pub source_text: String,
    /// Byte offset of the offending token in `source_text`.
    pub offset: usize,
    pub message: String,
    /// A run key written without `metrics.`, `params.` or `tags.` (`rmse < 6`), which the
    /// caller, knowing the store's keys, can turn into a hint.
    pub bare_key: Option<String>,
    /// Printed after the error on a `hint:` line.
    pub hint: Option<String>,
}

impl QueryError {
    pub fn new(what: &'static str, source: &str, offset: usize, message: String) -> QueryError {
        QueryError {
            what,
            source_text: source.to_owned(),
            offset: offset.min(source.len()),
            message,
            bare_key: None,
            hint: None,
        }
    }

    /// 1-based column (in characters) of the offending token.
    pub fn column(&self) -> usize {
        self.source_text
            .get(..self.offset)
            .map_or(0, |s| s.chars().count())
            + 1
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let col = self.column();
        write!(f, "invalid {} at column {col}: {}", self.what, self.message)?;
        if !self.source_text.contains('\n') {
            // A long filter is shown as a window around the offending column.
            let chars: Vec<char> = self.source_text.chars().collect();
            let start = (col - 1).saturating_sub(SHOWN / 2);
            let end = (start + SHOWN).min(chars.len());
            let before = if start > 0 { "…" } else { "" };
            let after = if end < chars.len() { "…" } else { "" };
            let shown: String = chars[start..end].iter().collect();
            let pad = " ".repeat(col - 1 - start + before.chars().count());
            write!(f, "\n    {before}{shown}{after}\n    {pad}^")?;
        }
        Ok(())
    }
}

/// The data keys a filter or order reads; everything else stays on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub metrics: BTreeSet<String>,
    pub params: BTreeSet<String>,
    pub tags: BTreeSet<String>,
    /// Dataset inputs (`datasets.*` keys).
    pub inputs: bool,
}

impl Needs {
    pub fn add(&mut self, field: &Field) {
        match field {
            Field::Metric(k) => self.metrics.insert(k.clone()),
            Field::Param(k) => self.params.insert(k.clone()),
            Field::Tag(k) => self.tags.insert(k.clone()),
            Field::Dataset(_) => {
                self.inputs = true;
                false
            }
            Field::Attr(_) => false,
        };
    }

    pub fn merge(&mut self, other: &Needs) {
        self.metrics.extend(other.metrics.iter().cloned());
        self.params.extend(other.params.iter().cloned());
        self.tags.extend(other.tags.iter().cloned());
        self.inputs |= other.inputs;
    }

    /// What the store must read for these keys.
    pub fn selection(&self) -> DataSelection {
        let keys = |set: &BTreeSet<String>| {
            if set.is_empty() {
                Keys::None
            } else {
                Keys::Some(set.iter().cloned().collect())
            }
        };
        DataSelection {
            params: keys(&self.params),
            metrics: keys(&self.metrics),
            tags: keys(&self.tags),
            inputs: self.inputs,
        }
    }
}

/// Runs, models and versions for unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use crate::store::registry::{ModelVersion, RegisteredModel, Stage};
    use crate::store::{Lifecycle, Run, RunData, RunInfo, RunStatus};

    fn tag_map(tags: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        tags.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A registered model with these tags, created and updated at `time`.
    pub fn model(name: &str, time: i64, tags: &[(&str, &str)]) -> RegisteredModel {
        RegisteredModel {
            name: name.into(),
            creation_timestamp: Some(time),
            last_updated_timestamp: Some(time),
            description: None,
            tags: tag_map(tags),
            aliases: Default::default(),
            workspace: None,
            versions: Vec::new(),
            problems: Vec::new(),
            dir: Default::default(),
        }
    }

    /// Version `version` of model `name`, updated at `time`, from `runs:/<run>/model`.
    pub fn version(
        name: &str,
        version: u64,
        time: i64,
        run: &str,
        tags: &[(&str, &str)],
    ) -> ModelVersion {
        ModelVersion {
            name: name.into(),
            version,
            creation_timestamp: Some(time),
            last_updated_timestamp: Some(time),
            description: None,
            user_id: None,
            current_stage: Stage::None,
            source: Some(format!("runs:/{run}/model")),
            run_id: Some(run.into()),
            run_link: None,
            status: "READY".into(),
            status_message: None,
            storage_location: None,
            model_id: None,
            workspace: None,
            tags: tag_map(tags),
            aliases: Vec::new(),
            dir: Default::default(),
        }
    }

    /// A finished run with no data.
    pub fn run(id: &str, start: i64) -> Run {
        Run {
            info: RunInfo {
                run_id: id.into(),
                experiment_id: "1".into(),
                run_name: id.into(),
                user_id: "bob".into(),
                status: RunStatus::Finished,
                start_time: Some(start),
                end_time: None,
                lifecycle_stage: Lifecycle::Active,
                artifact_uri: String::new(),
                deleted_time: None,
                dir: Default::default(),
            },
            data: RunData::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shows_the_column() {
        let e = QueryError::new(
            "filter",
            "metrics.rmse = 'é5'",
            15,
            "expected a number".into(),
        );
        assert_eq!(e.column(), 16);
        assert_eq!(
            e.to_string(),
            "invalid filter at column 16: expected a number\n    metrics.rmse = 'é5'\n                   ^"
        );
    }

    #[test]
    fn long_filters_show_a_window() {
        let source = format!("{}metrics.x ? 1{}", "(".repeat(500), ")".repeat(500));
        let e = QueryError::new("filter", &source, 510, "bad".into());
        let shown = e.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(
            lines[1],
            format!("    …{}metrics.x ? 1{}…", "(".repeat(40), ")".repeat(47))
        );
        assert_eq!(
            lines[2].find('^'),
            lines[1].find('?').map(|b| lines[1][..b].chars().count())
        );
    }
}

#[cfg(test)]
mod never_panics {
    use proptest::prelude::*;

    use super::*;

    /// Pieces of the grammar and of what people mistype, to reach deep into the parser.
    const PIECES: &[&str] = &[
        "metrics.rmse",
        "params.`a/b`",
        "tags.\"x.y\"",
        "attributes.status",
        "datasets.name",
        "start_time",
        "`Run Name`",
        "name",
        "version_number",
        "source_path",
        "tags.`mlflow.prompt.is_prompt`",
        "'true'",
        "tags.",
        "metrics..x",
        "(",
        ")",
        ",",
        "AND",
        "and",
        "OR",
        "NOT",
        "IN",
        "IS",
        "NULL",
        "LIKE",
        "ILIKE",
        "=",
        "!=",
        "<",
        "<=",
        ">=",
        "==",
        "<>",
        "'a'",
        "'it''s'",
        "'\\'",
        "\"q\"",
        "`b`",
        "'",
        "\"",
        "`",
        "1",
        "-1.5e3",
        ".5",
        "1.",
        "0x1",
        "now",
        "now-2d",
        "now -",
        "now-1h30m",
        "ASC",
        "DESC",
        ";",
        "--",
        "/*",
        "é",
        "☕",
        "\n",
        "\t",
        " ",
        "-",
        "+",
        "%",
        "_",
        "\\",
    ];

    fn soup() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..14).prop_flat_map(|parts| {
            prop::collection::vec(prop::bool::ANY, parts.len()).prop_map(move |spaces| {
                parts
                    .iter()
                    .zip(spaces)
                    .map(|(p, s)| if s { format!("{p} ") } else { p.to_string() })
                    .collect()
            })
        })
    }

    /// What a hostile user types: LIKE patterns of thousands of wildcards, parentheses nested
    /// thousands deep, numbers beyond every float.
    fn hostile() -> impl Strategy<Value = String> {
        let wild = prop::sample::select(&["_", "%", "a", "é", "\\n", "''"][..]);
        let pattern = (prop::collection::vec(wild, 1..8), 1usize..3_000)
            .prop_map(|(unit, n)| unit.concat().repeat(n));
        let like = (
            prop::sample::select(&["name", "params.p", "tags.t"][..]),
            pattern,
        )
            .prop_flat_map(|(key, p)| {
                prop::sample::select(&["LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"][..])
                    .prop_map(move |op| format!("{key} {op} '{p}'"))
            });
        let deep = (
            1usize..5_000,
            prop::sample::select(&["(", "NOT ", "( NOT "][..]),
        )
            .prop_map(|(n, open)| format!("{}metrics.m > 1{}", open.repeat(n), ")".repeat(n)));
        let number = ("-?[0-9]{1,400}(\\.[0-9]{0,400})?([eE]-?[0-9]{1,6})?")
            .prop_map(|n| format!("metrics.m > {n} AND start_time < {n} AND version_number = {n}"));
        prop_oneof![like, deep, number]
    }

    /// Parse `text` for every target, and evaluate what parses on records with long values.
    fn parse_everything(text: &str) {
        let value = "a_%é\n".repeat(500);
        let mut run = testing::run("r", 1);
        run.data.params.insert("p".into(), value.clone());
        run.data.tags.insert("t".into(), value.clone());
        run.data.metrics.insert("m".into(), f64::NAN);
        let model = testing::model(&value, 1, &[("t", &value)]);
        for target in [
            Target::Runs,
            Target::Experiments,
            Target::Models,
            Target::ModelVersions,
        ] {
            match Filter::parse(text, target, 0) {
                Ok(f) if target == Target::Runs => _ = f.matches(&run),
                Ok(f) if target == Target::Models => _ = f.matches(&model),
                Ok(_) => {}
                Err(e) => check_error(text, &e),
            }
            if let Err(e) = OrderBy::parse(text, target) {
                check_error(text, &e);
            }
        }
    }

    fn check_error(text: &str, e: &QueryError) {
        assert!(e.offset <= text.len() && text.is_char_boundary(e.offset));
        let _ = e.to_string();
    }

    proptest! {
        #[test]
        fn on_random_text(text in "\\PC{0,40}") {
            parse_everything(&text);
        }

        #[test]
        fn on_token_soup(text in soup()) {
            parse_everything(&text);
        }
    }

    proptest! {
        // Each case is large; a few dozen cover the shapes and keep `cargo test` quick.
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn on_hostile_input(text in hostile()) {
            parse_everything(&text);
        }
    }
}
