//! Which value is "best" (one rule for `compare`, `search` and `plot`), and flags that mean one
//! thing everywhere: `--max`/`-n` limit rows, `--lower-is-better`/`--higher-is-better` set a
//! direction.

use crate::common::*;

const V3: &str = "3.17.2";

fn run(root: &std::path::Path, name: &str) -> String {
    run_id_named(root, name)
}

/// Two runs with r2 and rmse, plus a metric whose name says nothing about its direction.
fn two_runs(root: &std::path::Path) -> [String; 2] {
    let runs = [run(root, "xgb-lr0.05"), run(root, "lasso-a0.1")];
    for (id, v) in runs.iter().zip(["1", "2"]) {
        mlrs(root)
            .args(["log", id, "--metric", &format!("epoch_time={v}")])
            .assert()
            .success();
    }
    runs
}

#[test]
fn compare_marks_higher_r2_and_leaves_unknown_directions_unmarked() {
    let store = fixture_store(V3);
    let runs = two_runs(&store.root);
    let out = mlrs_stdout(
        &store.root,
        &[
            "compare",
            &runs[0],
            &runs[1],
            "-c",
            "metrics.r2",
            "-c",
            "metrics.rmse",
            "-c",
            "metrics.epoch_time",
            "-f",
            "table",
        ],
    );
    let line = |key: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("no {key} row in\n{out}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
    };
    assert_eq!(line("metrics.r2"), ["0.65★", "0.38"], "{out}");
    assert_eq!(line("metrics.rmse"), ["5.7★", "8.3"], "{out}");
    assert_eq!(line("metrics.epoch_time"), ["1", "2"], "{out}");
    let flagged = mlrs_stdout(
        &store.root,
        &[
            "compare",
            &runs[0],
            &runs[1],
            "-c",
            "metrics.epoch_time",
            "--higher-is-better",
            "epoch",
            "-f",
            "table",
        ],
    );
    assert!(flagged.contains(" 2★"), "{flagged}");
}

#[test]
fn search_marks_the_best_value_per_metric_column() {
    let store = fixture_store(V3);
    let runs = two_runs(&store.root);
    let filter = format!("run_id IN ('{}', '{}')", runs[0], runs[1]);
    let out = mlrs_stdout(
        &store.root,
        &[
            "search",
            &filter,
            "-c",
            "metrics.r2",
            "-c",
            "metrics.epoch_time",
            "-f",
            "table",
        ],
    );
    assert!(out.contains("0.65★"), "{out}");
    assert!(
        !out.contains("0.38★") && !out.contains("1★") && !out.contains("2★"),
        "{out}"
    );
    let out = mlrs_stdout(
        &store.root,
        &[
            "search",
            &filter,
            "-c",
            "metrics.r2",
            "--lower-is-better",
            "r2",
            "-f",
            "table",
        ],
    );
    assert!(out.contains("0.38★") && !out.contains("0.65★"), "{out}");
}

#[test]
fn max_and_n_limit_rows_everywhere() {
    let store = fixture_store(V3);
    for args in [&["compare", "--max", "2"][..], &["compare", "-n", "2"]] {
        let out = mlrs_json(&store.root, args);
        assert_eq!(out["runs"].as_array().unwrap().len(), 2, "{args:?}");
    }
    for args in [&["search", "--max", "2"][..], &["runs", "list", "-n", "2"]] {
        let out = mlrs_json(&store.root, args);
        assert_eq!(out.as_array().unwrap().len(), 2, "{args:?}");
    }
    // -n is never a dry run.
    mlrs(&store.root).args(["gc", "-n"]).assert().code(2);
    mlrs(&store.root)
        .args(["plot", "--max", "r2"])
        .assert()
        .code(2);
}
