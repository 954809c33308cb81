//! Property tests of `mlrs search` against MLflow 3.x on a generated store full of ties, NaN,
//! ±inf, missing keys, multi-line values and LIKE metacharacters:
//! * random filters and orders from MLflow's grammar give MLflow's ids in MLflow's order;
//! * random OR / NOT / parenthesised filters give the union / complement / intersection of
//!   MLflow's answers to their AND-only pieces, in MLflow's order.
//!
//! Cases come from proptest strategies with a fixed seed (MLflow answers them all in one
//! Python process, so there is no shrinking: a failure prints the filter).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::search_mlflow::{mlflow_answers, mlrs_answer};
use mlrs::pyfloat;

const BASE: i64 = 1_700_000_000_000;
const RUNS: usize = 48;
const FILTER_CASES: usize = 300;
const BOOLEAN_CASES: usize = 100;

const PARAM_KEYS: [&str; 4] = ["p1", "p2", "a/b", "sp ace"];
const TAG_KEYS: [&str; 3] = ["t1", "model.family", "t/x"];
const METRIC_KEYS: [&str; 3] = ["m1", "m2", "val/loss"];
const TEXTS: [&str; 13] = [
    "1",
    "10",
    "2",
    "abc",
    "ABC",
    "Abc",
    "ab",
    "a_c",
    "a%c",
    "",
    "x.y",
    "line\nbreak",
    "café",
];
const NUMBERS: [f64; 11] = [
    0.0,
    -1.0,
    1.5,
    2.0,
    10.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    -0.0,
    1e-7,
    2.5,
];
const RUN_NAMES: [&str; 7] = ["a", "b", "ab", "A", "x_y", "run 1", "b%"];
const USERS: [&str; 3] = ["alice", "bob", "Bob"];
const DATASETS: [(&str, &str, &str); 3] = [
    ("ds1", "d1", "aaaa1111"),
    ("ds2", "d2", "bbbb2222"),
    ("ds3", "d1", "cccc3333"),
];

/// SplitMix64: a small deterministic generator for the store's contents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn yaml_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Two experiments of runs with random params, metrics (with histories), tags, datasets,
/// statuses, start times with ties, some runs deleted. Returns the root and the run ids.
fn generated_store(dir: &Path) -> (PathBuf, Vec<String>) {
    let root = dir.join("mlruns");
    std::fs::create_dir_all(root.join(".trash")).unwrap();
    let mut rng = Rng(4);
    let mut run_ids = Vec::new();
    for exp in ["1", "2"] {
        let exp_dir = root.join(exp);
        write(
            &exp_dir.join("meta.yaml"),
            &format!(
                "artifact_location: file://{}\ncreation_time: {BASE}\neffective_trace_archival_retention: null\nexperiment_id: '{exp}'\nlast_update_time: {BASE}\nlifecycle_stage: active\nname: gen-{exp}\ntrace_location: null\nworkspace: default\n",
                exp_dir.display()
            ),
        );
        for (id, name, digest) in DATASETS {
            write(
                &exp_dir.join("datasets").join(id).join("meta.yaml"),
                &format!(
                    "digest: {digest}\nname: {name}\nprofile: null\nschema: null\nsource: '{{}}'\nsource_type: local\n"
                ),
            );
        }
    }
    for n in 0..RUNS {
        let exp = if n % 3 == 0 { "2" } else { "1" };
        let run_id = format!("{:016x}{:016x}", rng.next(), rng.next());
        let dir = root.join(exp).join(&run_id);
        for sub in ["metrics", "params", "tags", "artifacts"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let start = BASE + rng.below(8) as i64 * 1000;
        let end = if rng.chance(80) {
            format!("{}", start + rng.below(5) as i64 * 500)
        } else {
            "null".into()
        };
        let deleted = rng.chance(15);
        let name = rng.pick(&RUN_NAMES);
        let meta = format!(
            "artifact_uri: file://{}/artifacts\n{}end_time: {end}\nentry_point_name: ''\nexperiment_id: '{exp}'\nlifecycle_stage: {}\nrun_id: {run_id}\nrun_name: {}\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: {start}\nstatus: {}\ntags: []\nuser_id: {}\n",
            dir.display(),
            if deleted { "deleted_time: 1\n" } else { "" },
            if deleted { "deleted" } else { "active" },
            yaml_string(name),
            1 + rng.below(5),
            rng.pick(&USERS),
        );
        write(&dir.join("meta.yaml"), &meta);
        write(&dir.join("tags").join("mlflow.runName"), name);
        for key in PARAM_KEYS {
            if rng.chance(75) {
                write(&dir.join("params").join(key), rng.pick(&TEXTS));
            }
        }
        for key in TAG_KEYS {
            if rng.chance(70) {
                write(&dir.join("tags").join(key), rng.pick(&TEXTS));
            }
        }
        for key in METRIC_KEYS {
            if rng.chance(25) {
                continue;
            }
            let lines: String = (0..1 + rng.below(3))
                .map(|_| {
                    format!(
                        "{} {} {}\n",
                        BASE + rng.below(3) as i64,
                        pyfloat::repr(rng.pick(&NUMBERS)),
                        rng.below(2)
                    )
                })
                .collect();
            write(&dir.join("metrics").join(key), &lines);
        }
        for (i, (dataset, _, _)) in DATASETS.iter().enumerate() {
            if rng.chance(30) {
                let context = if rng.chance(50) {
                    "tags:\n  mlflow.data.context: training\n"
                } else if rng.chance(50) {
                    "tags:\n  mlflow.data.context: eval\n"
                } else {
                    "tags: {}\n"
                };
                write(
                    &dir.join("inputs").join(format!("in{i}")).join("meta.yaml"),
                    &format!(
                        "destination_id: {dataset}\ndestination_type: RUN\nsource_id: {dataset}\nsource_type: DATASET\n{context}"
                    ),
                );
            }
        }
        run_ids.push(run_id);
    }
    (root, run_ids)
}

fn quoted(s: &str) -> String {
    format!("'{s}'")
}

/// One comparison MLflow 3.x accepts.
fn comparison(run_ids: Vec<String>) -> BoxedStrategy<String> {
    let num_ops = ["=", "!=", "<", "<=", ">", ">="];
    let metric = (
        select(vec![
            "metrics.m1",
            "metric.m2",
            "metrics.`val/loss`",
            "metrics.\"val/loss\"",
            "metrics.nope",
        ]),
        select(num_ops.to_vec()),
        select(vec![
            "0", "-1", "1.5", "2", "10", "1e-7", "2.5", "-0.0", ".5", "2.", "1e400", "-1e400",
            "15e-1",
        ]),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let text_values: Vec<String> = TEXTS
        .iter()
        .map(|t| quoted(t))
        .chain(
            [
                "'a%'", "'%c'", "'A%'", "'%.%'", "'_'", "'%'", "'a\\_c'", "'%b%'", "\"abc\"",
                "'line%'",
            ]
            .map(String::from),
        )
        .collect();
    let text = (
        select(vec![
            "params.p1",
            "param.p2",
            "params.`a/b`",
            "params.`sp ace`",
            "tags.t1",
            "tags.model.family",
            "tags.`t/x`",
            "params.nope",
        ]),
        select(vec!["=", "!=", "LIKE", "ILIKE", "like"]),
        select(text_values),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let null = (
        select(vec!["params.p1", "params.`a/b`", "tags.t1", "tags.nope"]),
        select(vec!["IS NULL", "IS NOT NULL", "is null"]),
    )
        .prop_map(|(k, o)| format!("{k} {o}"));
    let attr = (
        select(vec![
            "status",
            "attributes.status",
            "run_name",
            "attr.run_name",
            "`Run Name`",
            "user_id",
        ]),
        select(vec!["=", "!=", "LIKE", "ILIKE"]),
        select(vec![
            "'FINISHED'",
            "'RUNNING'",
            "'finished'",
            "'%ED'",
            "'a'",
            "'ab'",
            "'A%'",
            "'b\\%'",
            "'b%'",
            "'run 1'",
            "'bob'",
            "'%o%'",
            "'x_y'",
        ]),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let times: Vec<String> = (-1..10)
        .map(|k| (BASE + k * 1000).to_string())
        .chain([format!("{}.5", BASE + 500)])
        .collect();
    let time = (
        select(vec![
            "start_time",
            "end_time",
            "created",
            "attributes.start_time",
        ]),
        select(num_ops.to_vec()),
        select(times),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let dataset = (
        select(vec!["datasets.name", "dataset.digest", "datasets.context"]),
        select(vec!["=", "!=", "LIKE", "ILIKE"]),
        select(vec![
            "'d1'",
            "'d2'",
            "'aaaa1111'",
            "'training'",
            "'eval'",
            "'d%'",
            "'%a%'",
        ]),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let dataset_list = (
        select(vec!["datasets.name", "datasets.context"]),
        select(vec!["IN", "NOT IN", "in"]),
        select(vec!["('d1')", "('d2', 'training')", "('eval', 'd1',)"]),
    )
        .prop_map(|(k, o, v)| format!("{k} {o} {v}"));
    let ids = run_ids;
    let run_in = (
        select(vec!["IN", "NOT IN"]),
        prop::sample::subsequence(ids, 1..4),
    )
        .prop_map(|(op, ids)| {
            let list: Vec<String> = ids.iter().map(|i| quoted(i)).collect();
            format!("run_id {op} ({})", list.join(", "))
        });
    prop_oneof![
        3 => metric,
        3 => text,
        1 => null,
        2 => attr,
        2 => time,
        1 => dataset,
        1 => dataset_list,
        1 => run_in,
    ]
    .boxed()
}

fn order_clause() -> impl Strategy<Value = String> {
    (
        select(vec![
            "metrics.m1",
            "metrics.`val/loss`",
            "params.p1",
            "params.`sp ace`",
            "tags.t1",
            "start_time",
            "end_time",
            "status",
            "run_name",
            "user_id",
            "created",
            "metrics.nope",
        ]),
        select(vec!["", " ASC", " DESC", " desc"]),
    )
        .prop_map(|(k, d)| format!("{k}{d}"))
}

/// A filter with AND only, as MLflow writes them.
fn conjunction(ids: Vec<String>, max: usize) -> impl Strategy<Value = String> {
    (
        prop::collection::vec(comparison(ids), 1..=max),
        select(vec![" and ", " AND ", " And "]),
    )
        .prop_map(|(parts, and)| parts.join(and))
}

#[derive(Clone, Debug)]
enum Bool {
    Leaf(String),
    Or(Box<Bool>, Box<Bool>),
    And(Box<Bool>, Box<Bool>),
    Not(Box<Bool>),
}

impl Bool {
    /// mlrs syntax with as few parentheses as precedence allows (NOT > AND > OR).
    fn render(&self) -> String {
        match self {
            Bool::Leaf(f) => f.clone(),
            Bool::Or(a, b) => format!("{} OR {}", a.render(), b.render()),
            Bool::And(a, b) => format!("{} AND {}", a.render_in_and(), b.render_in_and()),
            Bool::Not(a) => match &**a {
                Bool::Leaf(f) if !f.to_lowercase().contains(" and ") => format!("NOT {f}"),
                Bool::Not(_) => format!("NOT {}", a.render()),
                other => format!("NOT ({})", other.render()),
            },
        }
    }

    fn render_in_and(&self) -> String {
        match self {
            Bool::Or(..) => format!("({})", self.render()),
            _ => self.render(),
        }
    }

    fn leaves<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Bool::Leaf(f) => out.push(f),
            Bool::Or(a, b) | Bool::And(a, b) => {
                a.leaves(out);
                b.leaves(out);
            }
            Bool::Not(a) => a.leaves(out),
        }
    }

    fn contains(&self, id: &str, sets: &HashMap<&str, HashSet<String>>) -> bool {
        match self {
            Bool::Leaf(f) => sets[f.as_str()].contains(id),
            Bool::Or(a, b) => a.contains(id, sets) || b.contains(id, sets),
            Bool::And(a, b) => a.contains(id, sets) && b.contains(id, sets),
            Bool::Not(a) => !a.contains(id, sets),
        }
    }
}

fn boolean(ids: Vec<String>) -> impl Strategy<Value = Bool> {
    conjunction(ids, 2)
        .prop_map(Bool::Leaf)
        .prop_recursive(3, 8, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Bool::Or(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| Bool::And(Box::new(a), Box::new(b))),
                inner.prop_map(|a| Bool::Not(Box::new(a))),
            ]
        })
}

#[derive(Debug)]
struct Case {
    filter: String,
    order: Vec<String>,
    view: &'static str,
    /// Boolean cases: the expression whose pieces MLflow answers.
    expr: Option<Bool>,
}

fn sample<S: Strategy>(runner: &mut TestRunner, strategy: &S) -> S::Value {
    strategy.new_tree(runner).expect("value").current()
}

fn views() -> impl Strategy<Value = &'static str> {
    select(vec!["ACTIVE_ONLY", "ACTIVE_ONLY", "ALL", "DELETED_ONLY"])
}

fn generate_cases(ids: &[String]) -> Vec<Case> {
    let mut runner = TestRunner::deterministic();
    let plain = (
        conjunction(ids.to_vec(), 3),
        prop::collection::vec(order_clause(), 0..=2),
        views(),
    );
    let booleans = (
        boolean(ids.to_vec()),
        prop::collection::vec(order_clause(), 0..=1),
        views(),
    );
    let mut cases: Vec<Case> = (0..FILTER_CASES)
        .map(|_| {
            let (filter, order, view) = sample(&mut runner, &plain);
            Case {
                filter,
                order,
                view,
                expr: None,
            }
        })
        .collect();
    cases.extend((0..BOOLEAN_CASES).map(|_| {
        let (expr, order, view) = sample(&mut runner, &booleans);
        Case {
            filter: expr.render(),
            order,
            view,
            expr: Some(expr),
        }
    }));
    cases
}

fn request(filter: &str, order: &[String], view: &str) -> Value {
    json!({
        "kind": "runs",
        "experiment_ids": ["1", "2"],
        "filter": filter,
        "order_by": order,
        "view": view,
    })
}

#[test]
fn random_filters_agree_with_mlflow() {
    let dir = tempfile::tempdir().unwrap();
    let (root, ids) = generated_store(dir.path());
    let cases = generate_cases(&ids);
    // One request per plain case; for boolean cases the full ordered list and each piece.
    let mut requests = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut ask = |filter: &str, order: &[String], view: &str| -> usize {
        let key = format!("{filter}\u{0}{order:?}\u{0}{view}");
        *index.entry(key).or_insert_with(|| {
            requests.push(request(filter, order, view));
            requests.len() - 1
        })
    };
    let mut plan = Vec::new();
    for case in &cases {
        let main = match &case.expr {
            None => ask(&case.filter, &case.order, case.view),
            Some(_) => ask("", &case.order, case.view),
        };
        let mut pieces = Vec::new();
        if let Some(expr) = &case.expr {
            let mut leaves = Vec::new();
            expr.leaves(&mut leaves);
            for leaf in leaves {
                pieces.push((leaf.to_owned(), ask(leaf, &[], case.view)));
            }
        }
        plan.push((main, pieces));
    }
    let (answers, got) = std::thread::scope(|s| {
        let python = s.spawn(|| mlflow_answers("3.17.2", &root, &requests));
        let got: Vec<_> = cases
            .par_iter()
            .map(|case| {
                let mut args = vec!["search".to_string(), case.filter.clone()];
                for e in ["1", "2"] {
                    args.extend(["-e".to_string(), e.to_string()]);
                }
                for o in &case.order {
                    args.extend(["--order-by".to_string(), o.clone()]);
                }
                let view = match case.view {
                    "ACTIVE_ONLY" => "active",
                    "DELETED_ONLY" => "deleted",
                    _ => "all",
                };
                args.extend(["--view".to_string(), view.to_string()]);
                mlrs_answer(&root, &args)
            })
            .collect();
        (
            python
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            got,
        )
    });
    let Some(answers) = answers else {
        return;
    };
    let ids_of = |i: usize| -> Vec<String> {
        match answers[i].get("ids") {
            Some(v) => serde_json::from_value(v.clone()).unwrap(),
            None => panic!("MLflow refused {}: {}", requests[i], answers[i]["error"]),
        }
    };
    let mut failures = Vec::new();
    let mut nonempty = 0;
    for ((case, (main, pieces)), got) in cases.iter().zip(&plan).zip(got) {
        let want = match &case.expr {
            None => ids_of(*main),
            Some(expr) => {
                let sets: HashMap<&str, HashSet<String>> = pieces
                    .iter()
                    .map(|(leaf, i)| (leaf.as_str(), ids_of(*i).into_iter().collect()))
                    .collect();
                ids_of(*main)
                    .into_iter()
                    .filter(|id| expr.contains(id, &sets))
                    .collect()
            }
        };
        nonempty += usize::from(!want.is_empty());
        if got.as_ref() != Ok(&want) {
            failures.push(format!(
                "filter {:?} order {:?} view {}:\n  MLflow {want:?}\n  mlrs   {got:?}",
                case.filter, case.order, case.view
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // The generator must keep producing filters that select something.
    assert!(
        nonempty > cases.len() / 4,
        "only {nonempty} cases matched any run"
    );
}
