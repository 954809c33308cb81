//! `ORDER BY` for runs, experiments and the registry with MLflow's exact order: stable, clauses
//! applied from last to first (equivalently, compared first to last), real values first in the
//! requested direction, then NaN, then missing values, whatever the direction. Experiments: None
//! last, ties broken by `experiment_id`. Registered models and versions: ties broken by name (and
//! version). The rules and their sources: docs/format/search.md.

use std::cmp::Ordering;

use super::field::{self, Attr, Field, Record, Target, Value};
use super::lexer::{Tok, lex};
use super::{Needs, QueryError};
use crate::store::registry::{ModelVersion, RegisteredModel};
use crate::store::{Experiment, Run, default_order};

const WHAT: &str = "order-by";

#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    pub field: Field,
    pub ascending: bool,
}

impl OrderBy {
    /// One `ORDER BY` clause, `key [ASC|DESC]`; mlrs also takes several separated by commas.
    pub fn parse(source: &str, target: Target) -> Result<Vec<OrderBy>, QueryError> {
        let err = |offset: usize, message: String| QueryError::new(WHAT, source, offset, message);
        let tokens = lex(source, WHAT)?;
        let mut out = Vec::new();
        let mut iter = tokens.iter().peekable();
        loop {
            let Some(key) = iter.next() else {
                return Err(err(
                    source.len(),
                    "expected a key such as metrics.rmse or start_time DESC".into(),
                ));
            };
            let Tok::Path(path) = &key.tok else {
                return Err(err(
                    key.start,
                    format!(
                        "expected a key such as metrics.rmse, found {}",
                        key.describe(source)
                    ),
                ));
            };
            let field = field::resolve(path, target, true, WHAT, source, key.start)?;
            match (&field, target) {
                (Field::Dataset(_), _) => {
                    return Err(err(key.start, "runs cannot be ordered by datasets".into()));
                }
                (Field::Tag(_), Target::Experiments) => {
                    return Err(err(
                        key.start,
                        "experiments can be ordered by name, experiment_id, creation_time and last_update_time only"
                            .into(),
                    ));
                }
                (Field::Tag(_), Target::Models | Target::ModelVersions) => {
                    return Err(err(
                        key.start,
                        "Invalid order_by entity: tag (the registry is ordered by attributes only)"
                            .into(),
                    ));
                }
                _ => {}
            }
            let mut ascending = true;
            if let Some(t) = iter.next_if(|t| matches!(&t.tok, Tok::Path(p) if p.bare_word)) {
                let word = &source[t.start..t.end];
                ascending = match word.to_ascii_lowercase().as_str() {
                    "asc" => true,
                    "desc" => false,
                    _ => {
                        return Err(err(
                            t.start,
                            format!("'{word}' is not a direction; use ASC or DESC"),
                        ));
                    }
                };
            }
            out.push(OrderBy { field, ascending });
            match iter.next() {
                None => return Ok(out),
                Some(t) if t.tok == Tok::Comma => {}
                Some(t) => {
                    return Err(err(
                        t.start,
                        format!(
                            "unexpected {}; write one key and ASC or DESC (separate several keys with commas)",
                            t.describe(source)
                        ),
                    ));
                }
            }
        }
    }

    /// Every `--order-by` given, in order (each may hold several clauses).
    pub fn parse_all(texts: &[String], target: Target) -> Result<Vec<OrderBy>, QueryError> {
        let mut order = Vec::new();
        for text in texts {
            order.extend(OrderBy::parse(text, target)?);
        }
        Ok(order)
    }

    /// The data keys these clauses read.
    pub fn needs(order: &[OrderBy]) -> Needs {
        let mut needs = Needs::default();
        for o in order {
            needs.add(&o.field);
        }
        needs
    }

    fn compare<R: Record>(&self, a: &R, b: &R) -> Ordering {
        let (x, y) = (self.field.value(a), self.field.value(b));
        rank(&x).cmp(&rank(&y)).then_with(|| {
            let o = match (x, y) {
                (Value::Float(a), Value::Float(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
                (Value::Int(a), Value::Int(b)) => a.cmp(&b),
                (Value::Text(a), Value::Text(b)) => a.cmp(b),
                _ => Ordering::Equal,
            };
            if self.ascending { o } else { o.reverse() }
        })
    }
}

/// Python sorts MLflow's keys so that real values come first (in the requested direction),
/// then NaN, then missing values, in both directions.
fn rank(value: &Value) -> u8 {
    match value {
        Value::Float(f) if f.is_nan() => 1,
        Value::Missing => 2,
        _ => 0,
    }
}

fn chain<R: Record>(order: &[OrderBy], a: &R, b: &R) -> Ordering {
    order
        .iter()
        .map(|o| o.compare(a, b))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// MLflow's `SearchUtils.sort`: the default order (start_time DESC, run_id), then each clause.
/// One stable sort comparing clauses first to last gives the same order as MLflow's stable
/// passes from last to first.
pub fn sort_runs(runs: &mut [Run], order: &[OrderBy]) {
    runs.sort_by(|a, b| chain(order, a, b).then_with(|| default_order(&a.info, &b.info)));
}

fn by(attr: Attr, ascending: bool) -> OrderBy {
    OrderBy {
        field: Field::Attr(attr),
        ascending,
    }
}

/// MLflow's sorts other than runs': `default` when no order is given, else the given clauses
/// followed by each tie-breaker whose key they do not name.
fn sort_by_clauses<R: Record>(
    items: &mut [R],
    order: &[OrderBy],
    default: &[OrderBy],
    ties: &[OrderBy],
) {
    let mut order = order.to_vec();
    if order.is_empty() {
        order = default.to_vec();
    } else {
        let unnamed: Vec<OrderBy> = ties
            .iter()
            .filter(|t| !order.iter().any(|o| o.field == t.field))
            .cloned()
            .collect();
        order.extend(unnamed);
    }
    items.sort_by(|a, b| chain(&order, a, b));
}

/// MLflow's `SearchExperimentsUtils.sort`: default `creation_time DESC, experiment_id ASC`;
/// a given order gets `experiment_id DESC` as tie-breaker unless it names `experiment_id`.
pub fn sort_experiments(experiments: &mut [Experiment], order: &[OrderBy]) {
    sort_by_clauses(
        experiments,
        order,
        &[by(Attr::CreationTime, false), by(Attr::ExperimentId, true)],
        &[by(Attr::ExperimentId, false)],
    );
}

/// MLflow's `SearchModelUtils.sort`: by name, or the given order with `name ASC` as
/// tie-breaker unless it names `name`.
pub fn sort_models(models: &mut [RegisteredModel], order: &[OrderBy]) {
    let name = [by(Attr::Name, true)];
    sort_by_clauses(models, order, &name, &name);
}

/// MLflow's `search_model_versions` order: default `last_updated_timestamp DESC, name ASC,
/// version_number DESC`; a given order gets `name ASC` and `version_number DESC` as
/// tie-breakers (name and number identify a version, so MLflow's habit of adding the number
/// even when the order names it changes nothing).
pub fn sort_model_versions(versions: &mut [&ModelVersion], order: &[OrderBy]) {
    let ties = [by(Attr::Name, true), by(Attr::VersionNumber, false)];
    let default = [
        by(Attr::LastUpdatedTimestamp, false),
        ties[0].clone(),
        ties[1].clone(),
    ];
    sort_by_clauses(versions, order, &default, &ties);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::testing;

    fn run(id: &str, start: i64, rmse: Option<f64>) -> Run {
        let mut r = testing::run(id, start);
        r.data.metrics = rmse.map(|v| ("rmse".to_string(), v)).into_iter().collect();
        r
    }

    fn order(runs: &[Run], clauses: &[&str]) -> Vec<String> {
        let mut runs = runs.to_vec();
        let order: Vec<OrderBy> = clauses
            .iter()
            .flat_map(|c| OrderBy::parse(c, Target::Runs).unwrap())
            .collect();
        sort_runs(&mut runs, &order);
        runs.into_iter().map(|r| r.info.run_id).collect()
    }

    #[test]
    fn nan_then_missing_in_both_directions() {
        let runs = [
            run("a", 1, None),
            run("b", 2, Some(f64::NAN)),
            run("c", 3, Some(2.0)),
            run("d", 4, Some(1.0)),
            run("e", 4, Some(2.0)),
            run("f", 5, Some(f64::NEG_INFINITY)),
        ];
        assert_eq!(order(&runs, &[]), ["f", "d", "e", "c", "b", "a"]);
        assert_eq!(
            order(&runs, &["metrics.rmse"]),
            ["f", "d", "e", "c", "b", "a"]
        );
        assert_eq!(
            order(&runs, &["metrics.rmse DESC"]),
            ["e", "c", "d", "f", "b", "a"]
        );
        assert_eq!(
            order(&runs, &["metrics.rmse desc, start_time ASC"]),
            ["c", "e", "d", "f", "b", "a"]
        );
    }

    #[test]
    fn parse_errors() {
        let e = |s: &str| OrderBy::parse(s, Target::Runs).unwrap_err();
        assert!(e("metrics.rmse UP").message.contains("not a direction"));
        assert_eq!(e("metrics.rmse ASC DESC").column(), 18);
        assert_eq!(e("").column(), 1);
        assert!(e("datasets.name").message.contains("datasets"));
        assert!(e("`Run Name`").message.contains("not a run attribute"));
        let x = |s: &str| OrderBy::parse(s, Target::Experiments).unwrap_err();
        assert!(x("tags.project").message.contains("ordered by name"));
        assert_eq!(
            OrderBy::parse("metrics.`val/rmse` DESC", Target::Runs).unwrap(),
            vec![OrderBy {
                field: Field::Metric("val/rmse".into()),
                ascending: false
            }]
        );
    }

    #[test]
    fn registry_orders_break_ties_by_name_and_version() {
        // (name, created, updated)
        let models = || {
            [("a", 3, 1), ("b", 1, 2), ("c", 2, 1)].map(|(name, created, updated)| {
                let mut m = testing::model(name, created, &[]);
                m.last_updated_timestamp = Some(updated);
                m
            })
        };
        let sorted = |clauses: &[&str]| {
            let order: Vec<OrderBy> = clauses
                .iter()
                .flat_map(|c| OrderBy::parse(c, Target::Models).unwrap())
                .collect();
            let mut ms = models();
            sort_models(&mut ms, &order);
            ms.map(|m| m.name)
        };
        assert_eq!(sorted(&[]), ["a", "b", "c"]);
        assert_eq!(sorted(&["name DESC"]), ["c", "b", "a"]);
        assert_eq!(sorted(&["last_updated_timestamp DESC"]), ["b", "a", "c"]);
        assert_eq!(sorted(&["last_updated_timestamp"]), ["a", "c", "b"]);
        assert_eq!(sorted(&["creation_timestamp DESC"]), ["a", "c", "b"]);

        let vs = [
            testing::version("m", 1, 10, "r", &[]),
            testing::version("m", 2, 20, "r", &[]),
            testing::version("m", 10, 20, "r", &[]),
            testing::version("l", 1, 20, "r", &[]),
        ];
        let versions = |clauses: &[&str]| {
            let order: Vec<OrderBy> = clauses
                .iter()
                .flat_map(|c| OrderBy::parse(c, Target::ModelVersions).unwrap())
                .collect();
            let mut refs: Vec<&ModelVersion> = vs.iter().collect();
            sort_model_versions(&mut refs, &order);
            refs.iter()
                .map(|v| format!("{}/{}", v.name, v.version))
                .collect::<Vec<_>>()
        };
        assert_eq!(versions(&[]), ["l/1", "m/10", "m/2", "m/1"]);
        assert_eq!(versions(&["version_number"]), ["l/1", "m/1", "m/2", "m/10"]);
        assert_eq!(versions(&["name DESC"]), ["m/10", "m/2", "m/1", "l/1"]);

        let e = |s: &str, t| OrderBy::parse(s, t).unwrap_err().message;
        assert!(e("tags.team", Target::Models).contains("Invalid order_by entity: tag"));
        assert!(e("version_number", Target::Models).contains("Invalid attribute key"));
        assert!(e("run_id", Target::ModelVersions).contains("Invalid attribute key"));
    }
}
