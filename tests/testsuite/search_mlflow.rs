//! `mlrs search`, `mlrs experiments list --filter` and `mlrs models list|versions --filter`
//! against real MLflow 2.22 and 3.x on the reference stores: for every case the ids of runs,
//! experiments, registered models or model versions and their order equal MLflow's, or both
//! refuse the filter. mlrs follows 3.x where the versions differ, and each
//! such case checks that 2.22 still differs (so the documentation stays true). mlrs
//! extensions are checked against set algebra over MLflow's answers to AND-only pieces.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::common::*;
use crate::registry_write::mlflow_apply;

/// Ask MLflow `version` about `store`: one Python process for every case.
#[track_caller]
pub fn mlflow_answers(version: &str, store: &Path, requests: &[Value]) -> Option<Vec<Value>> {
    let cases = store.parent().unwrap().join("search-cases.json");
    std::fs::write(&cases, serde_json::to_vec(requests).unwrap()).unwrap();
    let script = repo().join("tests/py/search_cases.py");
    let out = run_python(
        version,
        &script,
        &[store.to_str().unwrap(), cases.to_str().unwrap()],
        store,
    )?;
    let answers: Vec<Value> = serde_json::from_str(&out).expect("answers JSON");
    assert_eq!(answers.len(), requests.len());
    Some(answers)
}

/// mlrs's answer: the ids it prints, or its error message (exit code 2 is required).
#[track_caller]
pub fn mlrs_answer(store: &Path, args: &[String]) -> Result<Vec<String>, String> {
    let out = mlrs(store)
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run mlrs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => {
            let v: Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("mlrs {args:?}: bad JSON ({e}); stderr: {stderr}"));
            Ok(ids(&v))
        }
        Some(2) => Err(stderr),
        code => panic!("mlrs {args:?} exited with {code:?}: {stderr}"),
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Runs,
    Experiments,
    /// search_registered_models
    Models,
    /// search_model_versions
    Versions,
}

/// The clause MLflow adds to a registry filter that does not mention the prompt marker.
const NOT_A_PROMPT: &str = "tags.`mlflow.prompt.is_prompt` != 'true'";

impl Kind {
    fn is_registry(&self) -> bool {
        matches!(self, Kind::Models | Kind::Versions)
    }

    /// A filter every item in scope passes: prompts included for the registry, where any
    /// mention of the marker lifts MLflow's prompt clause.
    fn everything(&self) -> &'static str {
        if self.is_registry() {
            "name != 'mlflow.prompt.is_prompt'"
        } else {
            ""
        }
    }

    /// An AND-only piece of an extension as MLflow is asked it: for the registry, without the
    /// prompt clause MLflow would add to it alone.
    fn piece(&self, piece: &str) -> String {
        if self.is_registry() {
            format!("{piece} AND {}", self.everything())
        } else {
            piece.to_owned()
        }
    }
}

#[derive(Clone, Debug)]
enum Expect {
    /// Ids and order equal MLflow's, both versions.
    Same,
    /// Equal to 3.x's; 2.22 answers otherwise (a documented 2.22/3.x difference).
    V3,
    /// Both versions refuse it; mlrs exits 2 with this text in its message.
    Error(&'static str),
    /// An mlrs extension MLflow refuses. The answer is MLflow's list of every run in scope
    /// (same order) cut to the runs in this set, built from MLflow's answers to AND-only
    /// pieces.
    Ext(Set),
    /// MLflow accepts it but reads something else than what was meant; mlrs refuses it with
    /// this text (documented in README).
    Stricter(&'static str),
    /// An order-by MLflow refuses (comma-separated keys) with MLflow's answer to this list.
    OrderAs(Vec<&'static str>),
}

/// Set algebra over MLflow's answers to AND-only filters.
#[derive(Clone, Debug)]
pub enum Set {
    Piece(String),
    Or(Vec<Set>),
    And(Vec<Set>),
    Not(Box<Set>),
}

pub fn p(filter: &str) -> Set {
    Set::Piece(filter.into())
}

pub fn or(sets: Vec<Set>) -> Set {
    Set::Or(sets)
}

pub fn and(sets: Vec<Set>) -> Set {
    Set::And(sets)
}

pub fn not(set: Set) -> Set {
    Set::Not(Box::new(set))
}

impl Set {
    fn pieces<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Set::Piece(f) => out.push(f),
            Set::Or(v) | Set::And(v) => v.iter().for_each(|s| s.pieces(out)),
            Set::Not(s) => s.pieces(out),
        }
    }

    fn contains(&self, id: &str, answers: &HashMap<&str, HashSet<String>>) -> bool {
        match self {
            Set::Piece(f) => answers[f.as_str()].contains(id),
            Set::Or(v) => v.iter().any(|s| s.contains(id, answers)),
            Set::And(v) => v.iter().all(|s| s.contains(id, answers)),
            Set::Not(s) => !s.contains(id, answers),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case {
    kind: Kind,
    filter: String,
    order: Vec<&'static str>,
    /// Experiment names; empty means every active experiment.
    scope: Vec<&'static str>,
    view: &'static str,
    max: Option<usize>,
    expect: Expect,
}

const NYC: &str = "nyc-taxi-duration";

fn runs(filter: &str) -> Case {
    Case {
        kind: Kind::Runs,
        filter: filter.into(),
        order: Vec::new(),
        scope: vec![NYC],
        view: "ACTIVE_ONLY",
        max: None,
        expect: Expect::Same,
    }
}

fn experiments(filter: &str) -> Case {
    Case {
        kind: Kind::Experiments,
        view: "ALL",
        scope: Vec::new(),
        ..runs(filter)
    }
}

fn order(clauses: &[&'static str]) -> Case {
    runs("").ordered(clauses)
}

pub fn models(filter: &str) -> Case {
    Case {
        kind: Kind::Models,
        ..runs(filter)
    }
}

pub fn versions(filter: &str) -> Case {
    Case {
        kind: Kind::Versions,
        ..runs(filter)
    }
}

impl Case {
    pub fn ordered(mut self, clauses: &[&'static str]) -> Case {
        self.order = clauses.to_vec();
        self
    }
    fn view(mut self, view: &'static str) -> Case {
        self.view = view;
        self
    }
    fn scope(mut self, names: &[&'static str]) -> Case {
        self.scope = names.to_vec();
        self
    }
    fn max(mut self, n: usize) -> Case {
        self.max = Some(n);
        self
    }
    fn v3(mut self) -> Case {
        self.expect = Expect::V3;
        self
    }
    fn error(mut self, text: &'static str) -> Case {
        self.expect = Expect::Error(text);
        self
    }
    fn stricter(mut self, text: &'static str) -> Case {
        self.expect = Expect::Stricter(text);
        self
    }
    pub fn ext(mut self, set: Set) -> Case {
        self.expect = Expect::Ext(set);
        self
    }
    fn order_as(mut self, clauses: &[&'static str]) -> Case {
        self.expect = Expect::OrderAs(clauses.to_vec());
        self
    }

    /// An extension's answer as a set over MLflow's answers. For the registry, mlrs applies
    /// MLflow's prompt rule to the whole filter: the pieces are answered without it (see
    /// `Kind::piece`), and it is AND-ed unless the filter mentions the marker.
    fn ext_set(&self) -> Option<Set> {
        let Expect::Ext(set) = &self.expect else {
            return None;
        };
        Some(
            if self.kind.is_registry() && !self.filter.contains("mlflow.prompt.is_prompt") {
                and(vec![p(NOT_A_PROMPT), set.clone()])
            } else {
                set.clone()
            },
        )
    }
}

/// Start of the reference runs (fixtures/generate.py).
const BASE: i64 = 1_795_239_971_000;

fn cases() -> Vec<Case> {
    let base5 = (BASE + 300_000).to_string();
    let two_days_ago = (NOW_MS - 2 * 86_400_000).to_string();
    let ms90 = (NOW_MS - 90_000).to_string();
    let mut c = vec![
        // Default order, views, paging.
        runs(""),
        runs("").view("DELETED_ONLY"),
        runs("").view("ALL"),
        runs("").max(5),
        runs("").scope(&[]),
        runs("").scope(&["scratch-deleted"]).view("ALL"),
        runs("").scope(&["scratch-deleted"]).view("DELETED_ONLY"),
        runs("").scope(&["scratch-deleted"]),
        runs("metrics.rmse < 6").scope(&[NYC, "green-taxi-tips"]),
        // Metrics: numbers, NaN, ±inf, missing keys, quoted keys, literal shapes.
        runs("metrics.rmse < 6"),
        runs("metrics.rmse<6"),
        runs("metric.rmse < 6"),
        runs("metrics.rmse < 6 and params.model_type = 'xgboost'"),
        runs("metrics.rmse >= 5.2 and metrics.rmse <= 6"),
        runs("metrics.rmse > 6 and metrics.rmse < 5"),
        runs("metrics.val_rmse != 5.9"),
        runs("metrics.val_rmse > 0"),
        runs("metrics.r2 < 0"),
        runs("metrics.`train/loss` < -1000"),
        runs("metrics.`val/rmse` < 6"),
        runs("metrics.\"val/rmse\" < 6"),
        runs("metrics.'val/rmse' < 6"),
        runs("metrics.rmse = 5e0"),
        runs("metrics.rmse < 1e400"),
        runs("metrics.rmse < -.5"),
        runs("metrics.rmse < 1."),
        runs("metrics.rmse\t<\t6\tand\tmetrics.r2 > 0.5"),
        runs("metrics.nan != 0"),
        runs("metrics.nan = 0"),
        runs("metrics.nan_tie != 7"),
        runs("metrics.pos_inf > 1e308"),
        runs("metrics.neg_inf < 0"),
        runs("metrics.neg_zero = 0"),
        runs("metrics.neg_zero < 0"),
        runs(
            "metrics.latest_rule = 3 and metrics.negative_step = 1.5 and metrics.same_step_newer = 8",
        ),
        runs("metrics.`a/b/c` = 2 and metrics.`key with spaces` = 1"),
        runs("metrics.order < 6 and metrics.1abc < 6"),
        // Params and tags: quoting, LIKE, ILIKE, multi-line values, odd keys.
        runs("params.model_type = \"lasso\""),
        runs("param.model_type = 'lasso'"),
        runs("parameters.model_type = 'lasso'"),
        runs("params.model_type != 'lasso'"),
        runs("params.model_type like 'las%'"),
        runs("params.model_type LIKE 'xgboos_'"),
        runs("params.model_type ILIKE '%FOREST%'"),
        runs("params.model_type LIKE 'LASSO'"),
        runs("params.model_type LIKE '%'"),
        runs("params.model_type LIKE ''"),
        runs("params.model_type LIKE 'lasso\\'"),
        runs("params.train_path LIKE '%2021.01%'").v3(),
        runs("params.train_path LIKE 's3://nyc-tlc/trip data/%.parquet'"),
        runs("params.learning_rate IS NULL").v3(),
        runs("params.learning_rate is not null").v3(),
        runs("params.empty_param IS NULL").v3(),
        runs("params.model_type = 'it''s'"),
        runs("params.quote_param = \"it's a \\\"quote\\\"\""),
        runs("params.quote_param LIKE '%\"quote\"'"),
        runs("params.multiline_param = 'line1\nline2\n'"),
        runs("params.multiline_param LIKE 'line1%'"),
        runs("params.multiline_param LIKE '%line2%'"),
        runs("params.multiline_param LIKE 'line1_line2_'"),
        runs("params.`.dotted` = 'leading dot key' and params.café = 'unicode key'"),
        runs("params.`a:b` = 'colon key' and params.`nested/deep/param` = 'deep'"),
        runs("params.`key with spaces` = 'v' and params.empty_param = ''"),
        runs("params.none_param = 'None' and params.zero_param = '0'"),
        runs("params.model_type = 'xgboost' and params.model_type = 'lasso'"),
        runs("tags.model.family = 'tree'"),
        runs("tag.model.family = 'tree'"),
        runs("tags.`model.family` = 'tree'"),
        runs("tags.\"model.family\" = 'tree'"),
        runs("tags.mlflow.parentRunId = '{id:hpo-parent}'"),
        runs("tags.unicode = 'café ☕ – ñ'"),
        runs("tags.empty = ''"),
        runs("tags.`yaml-ish` = 'null'"),
        runs("tags.multiline LIKE 'first line%'"),
        runs("tags.mlflow.note.content LIKE '%markdown%'"),
        runs("tags.mlflow.note.content ILIKE '# EDGE%'"),
        runs("tags.`mlflow.runName` LIKE 'xgb%'"),
        // Attributes.
        runs("status = 'RUNNING'"),
        runs("attributes.status = 'FAILED'"),
        runs("attr.status = 'FAILED'"),
        runs("`attributes`.status != 'FINISHED'"),
        runs("status = 'finished'"),
        runs("status ILIKE 'finished'"),
        runs("attributes.`Run Name` = 'xgb-long'"),
        runs("\"run_name\" = 'xgb-long'"),
        runs("run_name LIKE 'rf-%'"),
        runs("attributes.user_id = 'bob'"),
        runs("user_id LIKE 'b%'"),
        runs("artifact_uri LIKE 'file://%'"),
        runs(&format!("attributes.end_time <= {base5}")),
        runs("end_time != 0"),
        runs("created > 0"),
        runs(&format!("start_time = {BASE}")),
        runs("start_time > 1795239971000.5").v3(),
        runs("run_id IN ('{ID:xgb-long}', '{id:xgb-lr0.1}')"),
        runs("run_id NOT IN ('{id:xgb-lr0.1}')"),
        runs("run_id IN ('{id:xgb-long}',)").v3(),
        runs("run_id IN (\"{id:xgb-long}\")").v3(),
        runs("run_id IN ('{id:xgb-long}' '')").v3(),
        runs("attributes.run_id = '{id:edge-cases}'"),
        // Datasets.
        runs("datasets.context = 'validation'"),
        runs("datasets.context != 'validation'"),
        runs("dataset.name LIKE 'yellow%'"),
        runs("dataset.digest = '11f6f2d2'"),
        runs("datasets.digest IN ('11f6f2d2')"),
        runs("datasets.name NOT IN ('yellow-2021-01')"),
        runs("datasets.context IN ('validation', 'training')"),
        // MLflow's loose AND: mlrs refuses it (a typo there silently changes the answer).
        runs("and").stricter("expected a condition"),
        runs("AND AND").stricter("expected a condition"),
        runs("metrics.rmse < 6 and").stricter("expected a condition"),
        runs("and metrics.rmse < 6").stricter("expected a condition"),
        runs("metrics.rmse < 6 AND AND metrics.rmse > 1").stricter("expected a condition"),
        runs("metrics.rmse < 6 metrics.r2 > 0").stricter("expected AND or OR"),
        // Other experiments.
        runs("metrics.größe > 0").scope(&["Taxi-Prognose ☕ café – ñ"]),
        runs("params.1e3 = '1e3'")
            .scope(&["1e3"])
            .ext(p("params.`1e3` = '1e3'")),
        runs("tags.`mlflow.user` = 'alice'").scope(&[]),
        runs("metrics.rmse < 6 and tags.`model.family` != 'x'").scope(&[]),
        // Order.
        order(&["metrics.rmse ASC"]),
        order(&["metrics.rmse"]),
        order(&["metrics.rmse asc"]),
        order(&["metrics.val_rmse DESC"]),
        order(&["metrics.nan"]),
        order(&["metrics.`val/rmse` DESC"]),
        order(&["metrics.\"val/rmse\" DESC"]),
        order(&["params.max_depth DESC"]),
        order(&["params.max_depth"]),
        order(&["attributes.end_time DESC"]),
        order(&["end_time"]),
        order(&["status"]),
        order(&["run_name desc"]),
        order(&["created"]),
        order(&["user_id DESC"]),
        order(&["tags.`model.family`"]),
        order(&["tags.model.family", "metrics.rmse DESC"]),
        order(&["params.model_type DESC", "start_time ASC"]),
        order(&["params.model_type", "params.max_depth DESC", "metrics.r2"]),
        order(&["metrics.rmse"]).max(5),
        order(&["metrics.rmse DESC"]).scope(&[]).view("ALL"),
        runs("metrics.rmse < 10").ordered(&["params.max_depth", "metrics.rmse DESC"]),
        // Filters MLflow refuses; mlrs refuses them too, saying what is wrong and where.
        runs("metrics.rmse < 6;").error("';' is not allowed"),
        runs("metrics.rmse < 6 -- comment").error("comments"),
        runs("metrics.rmse < 6 /* c */").error("comments"),
        runs(" ").error("blank"),
        runs("foo.rmse < 6").error("'foo' is not an entity"),
        runs("\"metrics\".rmse < 6").error("is not an entity"),
        runs("metrics.val/rmse < 6").error("unexpected '/'"),
        runs("params.learning-rate = '0.1'").error("unexpected '-'"),
        // MLflow checks comparators and order-by entities only against a run; mlrs checks the
        // whole query first. Value types MLflow checks while parsing.
        runs("params.p > 'x'")
            .scope(&["empty-experiment"])
            .stricter("compares numbers"),
        order(&["datasets.name"])
            .scope(&["empty-experiment"])
            .stricter("cannot be ordered by datasets"),
        runs("metrics.rmse = '5'")
            .scope(&["empty-experiment"])
            .error("expected a number"),
        // MLflow reads the key " rmse" here (and finds nothing); mlrs says what is wrong.
        runs("metrics. rmse < 6").stricter("expected a key after '.'"),
        runs("'run_name' = 'xgb-long'").error("expected a key"),
        runs("run name = 'xgb-long'").error("'run' is not a run attribute"),
        runs("metrics.rmse = '5'").error("expected a number for metrics.rmse"),
        runs("metrics.rmse = \"5\"").error("expected a number"),
        runs("metrics.rmse < .5e1").error("unexpected '.'"),
        runs("metrics.rmse < - 5").error("unexpected '-'"),
        runs("metrics.rmse < 0x10").error("expected a number"),
        runs("metrics.rmse < 1E+5").error("unexpected '+'"),
        runs("metrics.rmse < metrics.r2").error("expected a number"),
        runs("metrics.rmse < NULL").error("expected a number"),
        runs("metrics.rmse LIKE 5").error("is a number"),
        runs("metrics.rmse IS NULL").error("params and tags only"),
        runs("status IS NULL").error("params and tags only"),
        runs("end_time IS NOT NULL").error("params and tags only"),
        runs("params.max_depth = 6").error("expected a quoted string"),
        runs("params.x = NULL").error("expected a quoted string"),
        runs("params.model_type = lasso").error("must be quoted"),
        runs("params.model_type = `lasso`").error("must be quoted"),
        runs("params.model_type == 'lasso'").error("'==' is not an operator"),
        runs("params.model_type <> 'lasso'").error("'<>' is not an operator"),
        runs("params.model_type > 'lasso'").error("compares numbers"),
        runs("params.model_type RLIKE 'las'").error("expected an operator"),
        runs("params.model_type = 'unterminated").error("no closing quote"),
        runs("attributes.lifecycle_stage = 'active'").error("not a run attribute"),
        runs("attributes.experiment_id = '1'").error("not a run attribute"),
        runs("datasets.foo = 'x'").error("not a dataset key"),
        runs("start_time > '1795239971000'").error("expected a number for start_time"),
        runs("run_id IN ()").error("the list is empty"),
        runs("run_id IN (1, 2)").error("quoted strings"),
        runs("run_id IN ('a', 1)").error("quoted strings"),
        runs("run_id IN 'abc'").error("list in parentheses"),
        runs("metrics.rmse 6").error("expected an operator"),
        runs("metrics.rmse <").error("expected a number"),
        runs("< 6").error("expected a key"),
        runs("metrics.rmse < 6 , params.x = 'y'").error("expected AND or OR before ','"),
        runs("metrics.rmse < 6 AND (").error("expected a condition"),
        runs("status = 'RUNNING' AND NOT").error("expected a condition"),
        runs("metrics.rmse < 6 AND OR").error("expected a condition"),
        order(&["metrics.rmse UP"]).error("'UP' is not a direction"),
        order(&["metrics.rmse ASC DESC"]).error("unexpected 'DESC'"),
        order(&["metrics.val/rmse"]).error("unexpected '/'"),
        order(&["attributes.lifecycle_stage"]).error("not a run attribute"),
        order(&["`Run Name`"]).error("not a run attribute"),
        order(&["datasets.name"]).error("cannot be ordered by datasets"),
        order(&["foo.x"]).error("'foo' is not an entity"),
        order(&[""]).error("expected a key"),
        // mlrs extensions: OR, NOT, parentheses, IN on any string key, NOT LIKE, relative
        // times, several keys in one --order-by.
        runs("metrics.rmse < 6 OR metrics.rmse > 10")
            .ext(or(vec![p("metrics.rmse < 6"), p("metrics.rmse > 10")])),
        runs("(metrics.rmse < 6)").ext(p("metrics.rmse < 6")),
        runs("NOT metrics.rmse < 6").ext(not(p("metrics.rmse < 6"))),
        runs("NOT (status = 'FINISHED')").ext(not(p("status = 'FINISHED'"))),
        runs("params.model_type IN ('lasso', 'linreg')").ext(or(vec![
            p("params.model_type = 'lasso'"),
            p("params.model_type = 'linreg'"),
        ])),
        runs("attributes.status IN ('KILLED', 'FAILED')")
            .ext(or(vec![p("status = 'KILLED'"), p("status = 'FAILED'")])),
        runs("tags.model.family NOT IN ('tree')").ext(and(vec![
            p("tags.model.family LIKE '%'"),
            not(p("tags.model.family = 'tree'")),
        ])),
        runs("params.model_type NOT LIKE 'las%'").ext(and(vec![
            p("params.model_type LIKE '%'"),
            not(p("params.model_type LIKE 'las%'")),
        ])),
        runs("(params.model_type = 'xgboost' OR params.model_type = 'lasso') AND metrics.rmse < 8")
            .ext(and(vec![
                or(vec![
                    p("params.model_type = 'xgboost'"),
                    p("params.model_type = 'lasso'"),
                ]),
                p("metrics.rmse < 8"),
            ])),
        runs("metrics.rmse < 6 OR NOT (tags.model.family = 'boosting' OR status != 'FINISHED')")
            .ext(or(vec![
                p("metrics.rmse < 6"),
                not(or(vec![
                    p("tags.model.family = 'boosting'"),
                    p("status != 'FINISHED'"),
                ])),
            ])),
        runs("start_time > now-2d")
            .scope(&[])
            .ext(p(&format!("start_time > {two_days_ago}"))),
        runs("end_time < now - 90s")
            .scope(&[])
            .ext(p(&format!("end_time < {ms90}"))),
        runs("metrics.rmse < 6 OR metrics.rmse > 10")
            .ordered(&["metrics.rmse DESC"])
            .max(3)
            .ext(or(vec![p("metrics.rmse < 6"), p("metrics.rmse > 10")])),
        order(&["metrics.rmse, params.max_depth DESC"])
            .order_as(&["metrics.rmse", "params.max_depth DESC"]),
    ];
    c.extend(experiment_cases());
    c
}

fn experiment_cases() -> Vec<Case> {
    let ordered = |clauses: &[&'static str]| experiments("").ordered(clauses);
    vec![
        experiments(""),
        experiments("").view("ACTIVE_ONLY"),
        experiments("").view("DELETED_ONLY"),
        experiments("name = 'Default'"),
        experiments("name LIKE 'nyc%'"),
        experiments("name ILIKE '%TAXI%'"),
        experiments("name != 'Default'").view("ACTIVE_ONLY"),
        experiments("attribute.name = 'Default'"),
        experiments("name = 'yes' and tags.project IS NULL").v3(),
        experiments("name = 'Taxi-Prognose ☕ café – ñ'"),
        experiments("tags.project = 'nyc-taxi'"),
        experiments("tag.project != 'nyc-taxi'"),
        experiments("tags.`dataset/color` = 'green'"),
        experiments("tags.project IS NULL").v3(),
        experiments("tags.project IS NOT NULL").v3(),
        experiments("experiment_id IN ('0')").v3(),
        experiments("experiment_id = '0'").v3(),
        experiments("creation_time > 0"),
        experiments("creation_time > 1.5"),
        experiments("last_update_time >= 0").view("DELETED_ONLY"),
        experiments("tags.project = 'nyc-taxi' and name LIKE '%green%'"),
        ordered(&["name"]),
        ordered(&["name DESC"]),
        ordered(&["experiment_id"]),
        ordered(&["creation_time ASC"]),
        ordered(&["last_update_time DESC"]),
        ordered(&["name"]).view("ACTIVE_ONLY"),
        experiments("attributes.name = 'Default'").error("not an experiment entity"),
        experiments("params.x = 'y'").error("'params' is not an experiment entity"),
        experiments("lifecycle_stage = 'active'").error("not an experiment attribute"),
        experiments("creation_time > '0'").error("expected a number for creation_time"),
        experiments("name = 'Default' OR").error("expected a condition"),
        ordered(&["tags.project"]).error("ordered by name, experiment_id"),
        ordered(&["lifecycle_stage"]).error("not an experiment attribute"),
        experiments("name = 'Default' OR name = 'yes'")
            .ext(or(vec![p("name = 'Default'"), p("name = 'yes'")])),
        experiments("name IN ('Default', 'yes')")
            .ext(or(vec![p("name = 'Default'"), p("name = 'yes'")])),
        experiments("NOT name LIKE 'nyc%'").ext(not(p("name LIKE 'nyc%'"))),
        experiments("creation_time > now-30d OR tags.team IS NOT NULL")
            .ordered(&["name"])
            .ext(or(vec![
                p(&format!("creation_time > {}", NOW_MS - 30 * 86_400_000)),
                p("tags.team LIKE '%'"),
            ])),
    ]
}

/// `models list` and `models versions` against search_registered_models and
/// search_model_versions (docs/format/search.md). The store gets prompts first (see `with_prompts`).
fn registry_cases() -> Vec<Case> {
    let prompt = "tags.`mlflow.prompt.is_prompt`";
    let marked = |rest: &str| format!("{prompt} {rest}");
    let ordered = |clauses: &[&'static str]| models("").ordered(clauses);
    vec![
        models(""),
        // MLflow appends its prompt clause to the text, so a blank filter is valid here.
        models(" "),
        models("and").stricter("expected a condition"),
        models("name = 'nyc-taxi-regressor'"),
        models("attribute.name = 'tagged-model'"),
        models("name = \"Taxi Fare (experimental) v2\""),
        models("name != 'nyc-taxi-regressor'"),
        models("name LIKE 'tagged%'"),
        models("name like '%model'"),
        models("name ILIKE '%TAXI%'"),
        models("name LIKE 'duration%'"),
        models("name LIKE '%-model%' AND name != 'tagged-model'"),
        // 2.22 hands the pattern to a regex: '(' is an error there, '.' any character.
        models("name LIKE 'Taxi Fare (%'").v3(),
        models("name LIKE 'Taxi.Fare%'").v3(),
        models("name LIKE 'Taxi Fare (experimental) v_'").v3(),
        // 2.22 takes lists for run_id only.
        models("name IN ('empty-model', 'tagged-model', 'nope')").v3(),
        models("name NOT IN ('empty-model')").v3(),
        models("name in ('empty-model',)").v3(),
        models("tags.team = 'tips'"),
        models("tag.team = 'tips'"),
        models("tags.`data/source` = 'tlc'"),
        models("tags.'data/source' = 'tlc'"),
        models("tags.\"data/source\" = 'tlc'"),
        models("tags.owner != 'bob'"),
        models("tags.task LIKE 'reg%' AND name ILIKE '%TAXI%'"),
        models("tags.owner = 'alice' and tags.task = 'regression' and")
            .stricter("expected a condition"),
        // The prompt rule: exact 'true' hides a model; unmarked models count as 'false'.
        models(&marked("= 'true'")),
        models(&marked("= 'false'")),
        models(&marked("!= 'true'")),
        models(&marked("= 'True'")),
        models(&marked("LIKE '%'")),
        models("tags.mlflow.prompt.is_prompt ILIKE 'TRUE'"),
        models("name != 'mlflow.prompt.is_prompt'"),
        ordered(&["name DESC"]),
        ordered(&["creation_timestamp"]),
        ordered(&["creation_timestamp DESC"]),
        ordered(&["attribute.last_updated_timestamp DESC"]),
        ordered(&["last_updated_timestamp", "name DESC"]),
        ordered(&["`name` DESC"]),
        models("name LIKE '%model%'").ordered(&["creation_timestamp DESC"]),
        models("params.x = 'a'").error("Invalid entity type 'params'"),
        models("attributes.name = 'a'").error("Invalid entity type 'attributes'"),
        models("`tags`.team = 'tips'").error("Invalid entity type '`tags`'"),
        models("`name` = 'empty-model'").error("Invalid attribute key '`name`'"),
        models("creation_timestamp > 0").error("Invalid attribute key 'creation_timestamp'"),
        models("name = empty").error("must be quoted"),
        models("name = 5").error("expected a quoted string"),
        models("tags.team = 5").error("expected a quoted string"),
        models("name > 'a'").error("compares numbers"),
        models("name == 'a'").error("'==' is not an operator"),
        models("name <> 'a'").error("'<>' is not an operator"),
        models("name = 'a';").error("';' is not allowed"),
        models("name IN ()").error("the list is empty"),
        models("name = 'a' OR").error("expected a condition"),
        ordered(&["tags.team"]).error("Invalid order_by entity: tag"),
        ordered(&["version_number"]).error("Invalid attribute key 'version_number'"),
        ordered(&["name UP"]).error("'UP' is not a direction"),
        // mlrs extensions: OR, NOT, parentheses, IN / NOT LIKE / IS NULL on tags.
        models("name = 'empty-model' OR tags.team = 'tips'")
            .ext(or(vec![p("name = 'empty-model'"), p("tags.team = 'tips'")])),
        models("NOT name LIKE '%taxi%'").ext(not(p("name LIKE '%taxi%'"))),
        models("(name LIKE 'tagged%')").ext(p("name LIKE 'tagged%'")),
        models("name NOT LIKE 'tagged%'").ext(not(p("name LIKE 'tagged%'"))),
        models("tags.team IN ('tips', 'x')")
            .ext(or(vec![p("tags.team = 'tips'"), p("tags.team = 'x'")])),
        models("tags.team IS NULL").ext(not(p("tags.team LIKE '%'"))),
        models("(name = 'duration-model' OR name = 'empty-model') AND NOT tags.owner = 'x'").ext(
            and(vec![
                or(vec![
                    p("name = 'duration-model'"),
                    p("name = 'empty-model'"),
                ]),
                not(p("tags.owner = 'x'")),
            ]),
        ),
        models("NOT tags.`mlflow.prompt.is_prompt` = 'true'")
            .ext(not(p("tags.`mlflow.prompt.is_prompt` = 'true'"))),
        models("tags.`mlflow.prompt.is_prompt` = 'true' OR name = 'empty-model'").ext(or(vec![
            p("tags.`mlflow.prompt.is_prompt` = 'true'"),
            p("name = 'empty-model'"),
        ])),
        models("name LIKE 't%' OR name LIKE 'e%'")
            .ordered(&["last_updated_timestamp DESC"])
            .ext(or(vec![p("name LIKE 't%'"), p("name LIKE 'e%'")])),
        // Versions.
        versions(""),
        versions("name = 'nyc-taxi-regressor'"),
        versions("name = 'duration-model'"),
        versions("version_number = 3"),
        versions("version_number > 1"),
        versions("version_number <= 2 and name = 'tagged-model'"),
        versions("run_id = '{id:rf-d10-n100}'"),
        versions("run_id IN ('{id:rf-d10-n100}', '{id:xgb-long}')"),
        versions("name IN ('tagged-model')").v3(),
        versions("source_path = 'runs:/{id:xgb-long}/model'"),
        versions("source_path LIKE '%/model'"),
        versions("tags.algo = 'rf'"),
        versions("tags.validation_status != 'approved'"),
        versions("tags.algo ILIKE 'XG%'"),
        versions(&marked("= 'true'")),
        versions(&marked("= 'false'")),
        versions("").ordered(&["version_number"]),
        versions("").ordered(&["name DESC"]),
        versions("").ordered(&["creation_timestamp DESC"]),
        versions("").ordered(&["last_updated_timestamp", "version_number DESC"]),
        versions("params.x = 'a'").error("Invalid entity type 'params'"),
        versions("current_stage = 'None'").error("Invalid attribute key 'current_stage'"),
        versions("creation_timestamp > 0").error("Invalid attribute key"),
        versions("name = 5").error("expected a quoted string"),
        versions("version_number IN ('1')").error("is a number"),
        versions("version_number > now").error("not a time"),
        versions("version_number = 'x'").error("expected a number"),
        ordered(&["run_id"]).error("Invalid attribute key 'run_id'"),
        // MLflow reads '3' as 3 and truncates 2.5 to 2; mlrs asks for a whole number.
        versions("version_number = '3'").stricter("expected a number"),
        versions("version_number < 2.5").stricter("needs a whole number"),
        versions("version_number = 1 OR tags.algo = 'xgboost'").ext(or(vec![
            p("version_number = 1"),
            p("tags.algo = 'xgboost'"),
        ])),
        versions("NOT name = 'nyc-taxi-regressor'").ext(not(p("name = 'nyc-taxi-regressor'"))),
        versions("tags.algo IS NOT NULL").ext(p("tags.algo LIKE '%'")),
    ]
}

/// Models and versions marked as prompts the way MLflow marks them: `duration-model` (and its
/// version 1) is a prompt; `empty-model` has the marker as 'True', `tagged-model-renamed` (and
/// its version 2) as 'false', which hide nothing.
#[track_caller]
pub fn with_prompts(version: &str) -> Option<TestStore> {
    let store = fixture_store(version);
    let key = "mlflow.prompt.is_prompt";
    // MLflow's client refuses to tag the versions of a model that has the marker (any value).
    let ops = json!([
        {"op": "version_tag", "name": "duration-model", "version": "1", "key": key, "value": "true"},
        {"op": "version_tag", "name": "tagged-model-renamed", "version": "2", "key": key, "value": "false"},
        {"op": "model_tag", "name": "duration-model", "key": key, "value": "true"},
        {"op": "model_tag", "name": "empty-model", "key": key, "value": "True"},
        {"op": "model_tag", "name": "tagged-model-renamed", "key": key, "value": "false"},
    ]);
    mlflow_apply(version, &store.root, &ops)?;
    Some(store)
}

#[test]
fn registry_search_matches_mlflow() {
    assert_matches_mlflow(&registry_cases(), with_prompts);
}

/// What the fixture store's ids are called, per version.
struct Names {
    experiments: HashMap<String, String>,
    active: Vec<String>,
    all: Vec<String>,
    runs: HashMap<String, String>,
}

impl Names {
    fn of(version: &str) -> Names {
        let want = expected(version);
        let list = |view: &str| -> Vec<(String, String)> {
            want["experiments"][view]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_owned(),
                        e["experiment_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        Names {
            experiments: list("ALL").into_iter().collect(),
            active: list("ACTIVE_ONLY").into_iter().map(|(_, id)| id).collect(),
            all: list("ALL").into_iter().map(|(_, id)| id).collect(),
            runs: want["runs"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(id, r)| {
                    (
                        r["info"]["run_name"].as_str().unwrap().to_owned(),
                        id.clone(),
                    )
                })
                .collect(),
        }
    }

    /// `{id:NAME}` and `{ID:NAME}` become the (upper-cased) id of the run called NAME.
    fn substitute(&self, text: &str) -> String {
        let mut out = text.to_owned();
        while let Some(start) = out.find("{id:").or_else(|| out.find("{ID:")) {
            let end = start + out[start..].find('}').unwrap();
            let id = &self.runs[&out[start + 4..end]];
            let id = if &out[start + 1..start + 3] == "ID" {
                id.to_uppercase()
            } else {
                id.clone()
            };
            out.replace_range(start..=end, &id);
        }
        out
    }

    fn experiment_ids(&self, case: &Case) -> Vec<String> {
        match (case.scope.is_empty(), case.view) {
            (false, _) => case
                .scope
                .iter()
                .map(|n| self.experiments[*n].clone())
                .collect(),
            (true, "ACTIVE_ONLY") => self.active.clone(),
            (true, _) => self.all.clone(),
        }
    }
}

fn request(names: &Names, case: &Case, filter: &str, order: &[&str], max: Option<usize>) -> Value {
    let mut r = json!({
        "kind": match case.kind {
            Kind::Runs => "runs",
            Kind::Experiments => "experiments",
            Kind::Models => "models",
            Kind::Versions => "versions",
        },
        "filter": filter,
        "order_by": order,
        "view": case.view,
    });
    if let Kind::Runs = case.kind {
        r["experiment_ids"] = json!(names.experiment_ids(case));
    }
    if let Some(n) = max {
        r["max_results"] = json!(n);
    }
    r
}

fn mlrs_args(case: &Case, filter: &str) -> Vec<String> {
    let view = match case.view {
        "ACTIVE_ONLY" => "active",
        "DELETED_ONLY" => "deleted",
        _ => "all",
    };
    let mut args: Vec<String> = match case.kind {
        Kind::Runs => {
            let mut a = vec!["search".to_string(), filter.to_owned()];
            for name in &case.scope {
                a.extend(["-e".to_string(), name.to_string()]);
            }
            if let Some(n) = case.max {
                a.extend(["--max".to_string(), n.to_string()]);
            }
            a
        }
        Kind::Experiments => vec![
            "experiments".into(),
            "list".into(),
            "--filter".into(),
            filter.to_owned(),
        ],
        Kind::Models | Kind::Versions => vec![
            "models".into(),
            if let Kind::Models = case.kind {
                "list".into()
            } else {
                "versions".into()
            },
            "--filter".into(),
            filter.to_owned(),
        ],
    };
    for o in &case.order {
        args.extend(["--order-by".to_string(), o.to_string()]);
    }
    if !case.kind.is_registry() {
        args.extend(["--view".to_string(), view.to_string()]);
    }
    args
}

fn answer_ids(answer: &Value) -> Result<Vec<String>, String> {
    match answer.get("ids") {
        Some(ids) => Ok(serde_json::from_value(ids.clone()).unwrap()),
        None => Err(answer["error"].as_str().unwrap_or("?").to_owned()),
    }
}

#[test]
fn search_matches_mlflow() {
    let cases = cases();
    assert!(cases.len() >= 60, "at least 60 cases");
    assert_matches_mlflow(&cases, |version| Some(fixture_store(version)));
}

/// Every case agrees with both MLflow versions (checked at the same time), each on the store
/// `store` makes for it (`None`: MLflow is not there).
#[track_caller]
fn assert_matches_mlflow(cases: &[Case], store: fn(&str) -> Option<TestStore>) {
    let failures: Vec<String> = std::thread::scope(|s| {
        let checks: Vec<_> = VERSIONS
            .iter()
            .map(|v| {
                s.spawn(move || match store(v) {
                    Some(store) => check_cases(v, &store.root, cases),
                    None => Vec::new(),
                })
            })
            .collect();
        checks
            .into_iter()
            .flat_map(|c| c.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The failures of one MLflow version on a copy of its reference store at `root`. MLflow and
/// mlrs run at the same time.
pub fn check_cases(version: &str, root: &Path, cases: &[Case]) -> Vec<String> {
    let names = Names::of(version);
    // Every request for MLflow first, so one Python process answers them all.
    let mut requests = Vec::new();
    let mut extra: Vec<HashMap<String, usize>> = Vec::new();
    for case in cases {
        let filter = names.substitute(&case.filter);
        let mut more = HashMap::new();
        more.insert(String::new(), requests.len());
        requests.push(request(&names, case, &filter, &case.order, case.max));
        match case.ext_set() {
            Some(set) => {
                more.insert("*".into(), requests.len());
                let everything = case.kind.everything();
                requests.push(request(&names, case, everything, &case.order, None));
                let mut pieces = Vec::new();
                set.pieces(&mut pieces);
                for piece in pieces {
                    more.insert(piece.to_owned(), requests.len());
                    let asked = case.kind.piece(piece);
                    requests.push(request(&names, case, &asked, &[], None));
                }
            }
            None => {
                if let Expect::OrderAs(order) = &case.expect {
                    more.insert("*".into(), requests.len());
                    requests.push(request(&names, case, &filter, order, case.max));
                }
            }
        }
        extra.push(more);
    }
    let (answers, got) = std::thread::scope(|s| {
        let python = s.spawn(|| mlflow_answers(version, root, &requests));
        let got: Vec<_> = cases
            .par_iter()
            .map(|case| {
                let filter = names.substitute(&case.filter);
                mlrs_answer(root, &mlrs_args(case, &filter))
            })
            .collect();
        let answers = python
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (answers, got)
    });
    let Some(answers) = answers else {
        return Vec::new();
    };
    let mut failures = Vec::new();
    for ((case, more), got) in cases.iter().zip(&extra).zip(got) {
        let mlflow = answer_ids(&answers[more[""]]);
        let want: Result<Vec<String>, String> = match &case.expect {
            Expect::Same => mlflow.clone(),
            Expect::V3 if version == "3.17.2" => mlflow.clone(),
            Expect::V3 => {
                if got == mlflow {
                    failures.push(format!("{case:?}: 2.22 no longer differs ({mlflow:?})"));
                }
                continue;
            }
            Expect::Error(text) | Expect::Stricter(text) => {
                let mlflow_accepts = matches!(case.expect, Expect::Stricter(_));
                match (&mlflow, &got) {
                    (m, Err(msg)) if m.is_ok() == mlflow_accepts && msg.contains(text) => {}
                    _ => failures.push(format!(
                        "{case:?}: MLflow {mlflow:?}, mlrs {got:?} (want mlrs to refuse it with {text:?})"
                    )),
                }
                continue;
            }
            Expect::Ext(_) => {
                let set = case.ext_set().unwrap();
                let sets: HashMap<&str, HashSet<String>> = more
                    .iter()
                    .filter(|(k, _)| !k.is_empty() && *k != "*")
                    .map(|(k, &i)| {
                        (
                            k.as_str(),
                            answer_ids(&answers[i])
                                .expect("MLflow answers every piece")
                                .into_iter()
                                .collect(),
                        )
                    })
                    .collect();
                let all = answer_ids(&answers[more["*"]]).unwrap();
                let mut kept: Vec<String> = all
                    .into_iter()
                    .filter(|id| set.contains(id, &sets))
                    .collect();
                kept.truncate(case.max.unwrap_or(usize::MAX));
                if mlflow.is_ok() {
                    failures.push(format!("{case:?}: MLflow accepts this extension"));
                }
                Ok(kept)
            }
            Expect::OrderAs(_) => {
                if mlflow.is_ok() {
                    failures.push(format!("{case:?}: MLflow accepts this extension"));
                }
                answer_ids(&answers[more["*"]])
            }
        };
        match (&want, &got) {
            (Ok(w), Ok(g)) if w == g => {}
            _ => failures.push(format!(
                "MLflow {version}, {case:?}:\n  want {want:?}\n  got  {got:?}"
            )),
        }
    }
    failures
}
