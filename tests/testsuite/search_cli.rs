//! What `search`, `compare`, `runs history` and `experiments list --filter` print, on the
//! reference store MLflow 3.17.2 wrote; and that a search opens only the files it needs.

use std::path::{Path, PathBuf};

use serde_json::Value;
use snapbox::str;

use crate::common::*;

const V3: &str = "3.17.2";

fn run_id(name: &str) -> String {
    expected(V3)["runs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["info"]["run_name"] == name)
        .map(|(id, _)| id.clone())
        .unwrap_or_else(|| panic!("no run {name}"))
}

fn run_dir(root: &Path, name: &str) -> PathBuf {
    let id = run_id(name);
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == id)
        .unwrap()
        .into_path()
}

#[test]
fn search_table_shows_the_keys_the_query_mentions() {
    let store = fixture_store(V3);
    mlrs(&store.root)
        .env("COLUMNS", "120")
        .args([
            "search",
            "metrics.rmse < 6 and params.model_type = 'xgboost' and start_time > now-4d",
            "-e",
            "nyc-taxi-duration",
            "--order-by",
            "metrics.rmse",
            "--max",
            "3",
            "--format",
            "table",
        ])
        .assert()
        .success()
        .stdout_eq(str![[r#"
 Run ID                             Name          Status     Start                 metrics.rmse   params.model_type
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────
 579cf5528cec4c0d85217fd57aa3bf2b   hpo-trial-2   FINISHED   2026-11-21 06:02:41           5.3★   xgboost
 1c29c80833f14f0f8716787820676b35   xgb-long      FINISHED   2026-11-21 05:56:11           5.4    xgboost
 77d929eeb4e042b59426bb0e1aba87f8   hpo-trial-1   FINISHED   2026-11-21 06:02:31           5.5    xgboost

"#]]);
}

#[test]
fn search_columns_and_formats() {
    let store = fixture_store(V3);
    let args = [
        "search",
        "params.model_type IN ('lasso', 'linreg')",
        "-e",
        "nyc*",
        "--columns",
        "metrics.r*",
        "--columns",
        "tags.model.family",
    ];
    let csv = mlrs_stdout(&store.root, &[&args[..], &["--format", "csv"]].concat());
    assert_eq!(
        csv.lines().next().unwrap(),
        "run_id,experiment_id,status,artifact_uri,start_time,end_time,run_name,user_id,lifecycle_stage,metrics.r2,metrics.rmse,params.model_type,tags.model.family"
    );
    assert_eq!(csv.lines().count(), 6, "{csv}");
    assert!(csv.contains(",linreg,linear\n"), "{csv}");
    let md = mlrs_stdout(
        &store.root,
        &[&args[..], &["--format", "markdown"]].concat(),
    );
    assert!(
        md.starts_with("| Run ID | Name | Experiment | Status | Start | params.model_type | metrics.r2 | metrics.rmse | tags.model.family |\n| --- |"),
        "{md}"
    );
    assert!(
        md.contains("| baseline-linreg | nyc-taxi-duration | FINISHED |"),
        "{md}"
    );
}

#[test]
fn search_json_is_mlflow_run_dictionaries() {
    let store = fixture_store(V3);
    let want = expected(V3);
    let got = mlrs_json(
        &store.root,
        &[
            "search",
            "datasets.context = 'validation' OR status = 'KILLED'",
        ],
    );
    assert_eq!(ids(&got).len(), 10);
    for run in got.as_array().unwrap() {
        let id = run["info"]["run_id"].as_str().unwrap();
        assert_eq!(
            normalize_run(run.clone()),
            normalize_run(want["runs"][id].clone()),
            "run {id}"
        );
    }
}

#[test]
fn search_opens_only_the_files_it_needs() {
    // Unreadable params, metrics and tags that the query does not name must not be opened by
    // a table: the search still answers, without warnings. Formats that show everything (JSON,
    // and CSV/TSV with every `search_runs()` column) report them.
    let store = fixture_store(V3);
    let dir = run_dir(&store.root, "xgb-lr0.1");
    std::fs::write(dir.join("metrics").join("r2"), "1 2 3 4\n").unwrap();
    std::fs::write(dir.join("params").join("max_depth"), b"\xff\xfe").unwrap();
    std::fs::write(dir.join("tags").join("mlflow.user"), b"\xff").unwrap();
    let filter =
        "metrics.rmse < 6 and params.model_type = 'xgboost' and tags.`model.family` = 'boosting'";
    mlrs(&store.root)
        .args([
            "search",
            filter,
            "--order-by",
            "metrics.val_rmse DESC",
            "-f",
            "markdown",
        ])
        .assert()
        .success()
        .stderr_eq("");
    let listed = mlrs_stdout(&store.root, &["search", filter, "-f", "markdown"]);
    assert!(listed.contains(&run_id("xgb-lr0.1")));
    mlrs(&store.root)
        .args(["search", filter, "-f", "json"])
        .assert()
        .success()
        .stderr_eq(str![[r#"
mlrs: warning: skipped [..]/[..]: [..]

"#]]);
}

#[test]
fn filter_errors_exit_2_and_point_at_the_column() {
    let store = fixture_store(V3);
    mlrs(&store.root)
        .args(["search", "metrics.rmse < 6 and params.max_depth = 6"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: invalid filter at column 41: expected a quoted string for params.max_depth, found the number 6
    metrics.rmse < 6 and params.max_depth = 6
                                            ^

"#]]);
    mlrs(&store.root)
        .args(["search", "--order-by", "metrics.rmse UP"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: invalid order-by at column 14: 'UP' is not a direction; use ASC or DESC
    metrics.rmse UP
                 ^

"#]]);
    mlrs(&store.root)
        .args(["search", "-e", "zzz*"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: no experiment name matches the pattern 'zzz*'

"#]]);
}

#[test]
fn compare_marks_differences_and_best_values() {
    let store = fixture_store(V3);
    let runs = ["xgb-lr0.05", "xgb-lr0.1", "lasso-a0.1"].map(run_id);
    let out = mlrs(&store.root)
        .arg("compare")
        .args(&runs)
        .args([
            "--columns",
            "params.model_type",
            "--columns",
            "params.max_depth",
        ])
        .args([
            "--columns",
            "metrics.r*",
            "--columns",
            "tags.model.family",
            "-f",
            "table",
        ])
        .assert()
        .success();
    out.stdout_eq(str![[r#"
 Key                  xgb-lr0.05            xgb-lr0.1             lasso-a0.1
─────────────────────────────────────────────────────────────────────────────────────
 run_id               4d54d6f987df          1c75bd88eeea          8ca5e65d6b51
 status               FINISHED              FINISHED              FINISHED
 start_time*          2026-11-21 05:55:11   2026-11-21 05:54:11   2026-11-21 05:47:11
 params.model_type*   xgboost               xgboost               lasso
 params.max_depth*    6                     6                     -
 metrics.r2*          0.65★                 0.65★                 0.38
 metrics.rmse*        5.7                   5.6★                  8.3
 tags.model.family*   boosting              boosting              linear

"#]]);
    let md = mlrs_stdout(
        &store.root,
        &[
            &["compare"][..],
            &runs.each_ref().map(String::as_str),
            &[
                "--only-changed",
                "--agg",
                "max",
                "--columns",
                "metrics.*",
                "-f",
                "markdown",
            ],
        ]
        .concat(),
    );
    assert!(
        md.contains("| max(metrics.rmse) \\* | 6.7 | **6.6** | 8.3 |"),
        "{md}"
    );
    assert!(
        !md.contains("status"),
        "--only-changed hides equal rows: {md}"
    );
}

#[test]
fn compare_json_and_filter_mode() {
    let store = fixture_store(V3);
    let got = mlrs_json(
        &store.root,
        &[
            "compare",
            "--filter",
            "params.model_type = 'xgboost'",
            "--order-by",
            "metrics.rmse",
            "--top",
            "2",
            "--columns",
            "metrics.rmse",
        ],
    );
    let runs: Vec<&str> = got["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run_name"].as_str().unwrap())
        .collect();
    assert_eq!(runs, ["hpo-trial-2", "xgb-long"]);
    let rmse = got["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "metrics.rmse")
        .unwrap();
    assert_eq!(
        rmse,
        &serde_json::json!({
            "key": "metrics.rmse",
            "values": [5.3, 5.4],
            "changed": true,
            "best": [run_id("hpo-trial-2")],
        })
    );
    mlrs(&store.root)
        .args(["compare", "abc", "--filter", "status = 'FAILED'"])
        .assert()
        .code(2);
}

#[test]
fn runs_history_is_the_whole_series() {
    let store = fixture_store(V3);
    let want = expected(V3);
    let id = run_id("xgb-long");
    let got = mlrs_json(
        &store.root,
        &["runs", "history", &id[..8], "rmse", "train/*"],
    );
    let mut want_points = Vec::new();
    for key in ["rmse", "train/loss"] {
        for p in want["metric_history"][&id][key].as_array().unwrap() {
            want_points.push(serde_json::json!({
                "key": key, "timestamp": p[0], "value": p[1], "step": p[2],
            }));
        }
    }
    assert_eq!(got, Value::Array(want_points));
    let csv = mlrs_stdout(&store.root, &["runs", "history", &id, "rmse", "-f", "csv"]);
    assert_eq!(csv.lines().count(), 11);
    assert!(csv.starts_with("key,step,timestamp,value,dataset_name,dataset_digest\nrmse,0,"));
    // 3.x lines logged with a dataset keep their step and name the dataset.
    let tip = run_id("tip-rf-d4");
    let got = mlrs_json(&store.root, &["runs", "history", &tip, "test_rmse"]);
    assert_eq!(got[0]["step"], 3);
    assert_eq!(got[0]["dataset_name"], "green-2021-01");
    mlrs(&store.root)
        .args(["runs", "history", &id, "nope"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: run [..] has no metric matching 'nope'; its metrics: r2, rmse, train/loss, val/rmse, val_rmse

"#]]);
}

#[test]
fn experiments_list_filters_and_orders() {
    let store = fixture_store(V3);
    let got = mlrs_json(
        &store.root,
        &[
            "experiments",
            "list",
            "--filter",
            "name LIKE 'nyc%' OR tags.project = 'nyc-taxi'",
            "--order-by",
            "name DESC",
        ],
    );
    let names: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["nyc-taxi-duration", "nyc taxi sandbox", "green-taxi-tips"]
    );
}
