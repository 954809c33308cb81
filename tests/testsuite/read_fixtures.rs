//! mlrs reads what MLflow wrote: every listing and every run of both reference stores equals
//! what MLflow itself answered about them (fixtures/*/expected.json, recorded by record.py).

use serde_json::Value;

use crate::common::*;

#[test]
fn experiments_match_mlflow_in_every_view() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = expected(version);
        for (view, arg) in [
            ("ACTIVE_ONLY", "active"),
            ("DELETED_ONLY", "deleted"),
            ("ALL", "all"),
        ] {
            let got = mlrs_json(&store.root, &["experiments", "list", "--view", arg]);
            assert_eq!(
                got, want["experiments"][view],
                "MLflow {version}, view {view}"
            );
        }
    }
}

#[test]
fn run_lists_match_search_runs_order() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = expected(version);
        for (exp_id, views) in want["search_runs"].as_object().unwrap() {
            for (view, arg) in [
                ("ACTIVE_ONLY", "active"),
                ("DELETED_ONLY", "deleted"),
                ("ALL", "all"),
            ] {
                let got = mlrs_json(&store.root, &["runs", "list", "-e", exp_id, "--view", arg]);
                let want_ids: Vec<String> = serde_json::from_value(views[view].clone()).unwrap();
                assert_eq!(
                    ids(&got),
                    want_ids,
                    "MLflow {version}, experiment {exp_id}, view {view}"
                );
            }
        }
    }
}

/// 3.x reads 5-field metric lines (logged with a dataset) with step 0 — a bug in its reader.
/// mlrs keeps the step that was written, so the latest value can differ for those metrics.
fn five_field_metrics(version: &str, run_id: &str) -> Vec<String> {
    let want = expected(version);
    want.get("metric_history_datasets")
        .and_then(|d| d.get(run_id))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn every_run_matches_get_run() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = expected(version);
        let runs = want["runs"].as_object().unwrap();
        assert!(runs.len() > 30, "the fixture has its runs");
        for (run_id, want_run) in runs {
            let mut got = normalize_run(mlrs_json(&store.root, &["runs", "describe", run_id]));
            let mut want_run = normalize_run(want_run.clone());
            for key in five_field_metrics(version, run_id) {
                got["data"]["metrics"].as_object_mut().unwrap().remove(&key);
                want_run["data"]["metrics"]
                    .as_object_mut()
                    .unwrap()
                    .remove(&key);
            }
            assert_eq!(got, want_run, "MLflow {version}, run {run_id}");
        }
    }
}

#[test]
fn listing_reads_only_meta_yaml() {
    // A run whose params, metrics and tags are unreadable still lists: `runs list` must not
    // open them (the speed promise), while `runs describe` reports the broken file.
    let store = fixture_store("3.17.2");
    let want = expected("3.17.2");
    let run_id = want["runs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["info"]["run_name"] == "xgb-lr0.1")
        .map(|(id, _)| id.clone())
        .unwrap();
    let run_dir = walkdir::WalkDir::new(&store.root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy() == run_id)
        .unwrap()
        .into_path();
    std::fs::write(run_dir.join("metrics").join("rmse"), "1 2 3 4\n").unwrap();
    let listed = mlrs_json(&store.root, &["runs", "list"]);
    assert!(ids(&listed).contains(&run_id));
    mlrs(&store.root)
        .args(["runs", "describe", &run_id])
        .assert()
        .failure()
        .stderr_eq(snapbox::str![[r#"
mlrs: error: [..]/metrics/rmse:1: malformed metric line '1 2 3 4': expected 2, 3 or 5 space-separated fields, found 4

"#]]);
}
