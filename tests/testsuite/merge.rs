//! `mlrs merge`: both reference stores folded into a fresh one, which MLflow 3.x then reads
//! (every run of both, same params and metrics, artifact URIs inside the merged store, model
//! versions pointing at the merged runs); merging again changes no byte.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// Every file below `root` with its bytes, for comparing trees.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|e| e.expect("walk"))
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let bytes = if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (rel, bytes)
        })
        .collect()
}

#[track_caller]
fn merge(source: &Path, into: &Path) -> Value {
    mlrs_json(
        source.parent().unwrap(),
        &[
            "merge",
            source.to_str().unwrap(),
            "--into",
            into.to_str().unwrap(),
        ],
    )
}

#[test]
fn merged_store_answers_for_both_sources_and_merging_again_is_a_no_op() {
    let sources: Vec<TestStore> = VERSIONS.iter().map(|v| fixture_store(v)).collect();
    let target = no_store();
    for s in &sources {
        let report = merge(&s.root, &target.root);
        assert_eq!(report["dry_run"], false);
    }
    let before = tree(&target.root);
    assert!(
        !before.keys().any(|k| k.contains(".mlrs-tmp")),
        "no staging folder left behind"
    );

    // Merging again writes nothing: everything is present (or a reported conflict).
    for s in &sources {
        let report = merge(&s.root, &target.root);
        for step in report["steps"].as_array().unwrap() {
            assert!(
                step["action"] == "present" || step["action"] == "conflict",
                "{step}"
            );
        }
    }
    assert!(
        before == tree(&target.root),
        "a second merge changed the store"
    );

    let Some(seen) = mlflow_record("3.17.2", &target.root) else {
        return;
    };
    let root_uri = format!("file://{}", target.root.display());
    for version in VERSIONS {
        let want = expected(version);
        for (id, run) in want["runs"].as_object().unwrap() {
            let got = &seen["runs"][id];
            assert!(got.is_object(), "run {id} of {version} missing after merge");
            for part in ["params", "metrics"] {
                assert_eq!(
                    got["data"][part], run["data"][part],
                    "{part} of run {id} ({version})"
                );
            }
            let uri = got["info"]["artifact_uri"].as_str().unwrap();
            let was = run["info"]["artifact_uri"].as_str().unwrap();
            if was.starts_with("file://") && was.contains("/mlruns/") {
                assert!(uri.starts_with(&root_uri), "{id}: {uri}");
            }
        }
    }
    // Every model version of both sources, by model name and run.
    let versions = |record: &Value| -> Vec<(String, String)> {
        record["registry"]["model_versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["name"].to_string(), v["run_id"].to_string()))
            .collect()
    };
    let merged = versions(&seen);
    for version in VERSIONS {
        for pair in versions(&expected(version)) {
            assert!(
                merged.contains(&pair),
                "version {pair:?} of {version} missing"
            );
        }
    }
}

#[test]
fn dry_run_writes_nothing_and_merging_a_store_into_itself_is_refused() {
    let source = fixture_store("3.17.2");
    let target = no_store();
    let out = mlrs_json(
        source.dir.path(),
        &[
            "merge",
            source.root.to_str().unwrap(),
            "--into",
            target.root.to_str().unwrap(),
            "-n",
        ],
    );
    assert_eq!(out["dry_run"], true);
    let steps = out["steps"].as_array().unwrap();
    assert!(steps.iter().any(|s| s["action"] == "added"));
    // A new model's versions come with it, and are listed as such.
    assert!(
        steps
            .iter()
            .any(|s| s["kind"] == "version" && s["action"] == "added"),
        "{out}"
    );
    let metas = walkdir::WalkDir::new(&target.root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_name() == "meta.yaml")
        .count();
    assert!(metas <= 1, "only the Default experiment a fresh store has");
    mlrs(&source.root)
        .args(["merge", source.root.to_str().unwrap()])
        .assert()
        .code(2);
}

/// The HPC case run twice: a job keeps logging after its store was merged, then is merged
/// again. What it logged since arrives (lines appended to metric files the target holds a copy
/// of, a new param, the run's end, a new experiment tag); a tag both stores changed
/// differently is a reported conflict with the target's value kept; MLflow of the store's own
/// version reads the run as the source has it; a third merge changes nothing.
#[test]
fn merging_again_brings_in_what_the_source_logged_since() {
    for version in VERSIONS {
        let source = fixture_store(version);
        let target = no_store();
        merge(&source.root, &target.root);

        let run = run_id_named(&source.root, "xgb-running");
        let metrics = run_dir(&source.root, &run).join("metrics");
        let key = walkdir::WalkDir::new(&metrics)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .find(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(&metrics).unwrap();
                rel.to_str().unwrap().to_owned()
            })
            .expect("a metric");
        mlrs(&source.root)
            .args(["log", &run, "--metric", &format!("{key}=0.25@900")])
            .args([
                "--metric",
                &format!("{key}=0.125@901"),
                "--param",
                "late=yes",
            ])
            .assert()
            .success();
        mlrs(&source.root)
            .args(["runs", "end", &run])
            .assert()
            .success();
        let exp = "nyc-taxi-duration";
        mlrs(&source.root)
            .args(["experiments", "tag", exp, "owner=ana", "team=source-team"])
            .assert()
            .success();
        mlrs(&target.root)
            .args(["experiments", "tag", exp, "team=target-team"])
            .assert()
            .success();

        let report = merge(&source.root, &target.root);
        let step = |id: &str| -> Value {
            report["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .unwrap_or_else(|| panic!("no step for {id}: {report:#}"))
                .clone()
        };
        let ran = step(&run);
        assert_eq!(ran["action"], "updated", "{ran}");
        let detail = ran["detail"].as_str().unwrap();
        for part in [
            format!("lines appended to metrics.{key}"),
            "params.late".into(),
            "ended as FINISHED".into(),
        ] {
            assert!(detail.contains(&part), "{part} not in {detail}");
        }
        let exp_id = experiment_id_named(&source.root, exp);
        let tagged = step(&exp_id);
        assert_eq!(tagged["action"], "conflict", "{tagged}");
        let detail = tagged["detail"].as_str().unwrap();
        assert!(
            detail.contains("tags.team") && detail.contains("tags added owner"),
            "{detail}"
        );
        let merged_metric = run_dir(&target.root, &run).join("metrics").join(&key);
        assert_eq!(
            std::fs::read(&merged_metric).unwrap(),
            std::fs::read(metrics.join(&key)).unwrap(),
            "the target's copy has the lines logged since"
        );
        let described = mlrs_json(&target.root, &["experiments", "describe", exp]);
        assert_eq!(described["tags"]["team"], "target-team");
        assert_eq!(described["tags"]["owner"], "ana");

        let before = tree(&target.root);
        let third = merge(&source.root, &target.root);
        for s in third["steps"].as_array().unwrap() {
            assert!(s["action"] == "present" || s["action"] == "conflict", "{s}");
        }
        assert!(
            before == tree(&target.root),
            "a third merge changed the store"
        );

        let (Some(theirs), Some(ours)) = (
            mlflow_record(version, &source.root),
            mlflow_record(version, &target.root),
        ) else {
            return;
        };
        assert_eq!(
            ours["metric_history"][&run], theirs["metric_history"][&run],
            "MLflow {version}"
        );
        for part in ["params", "metrics"] {
            assert_eq!(
                ours["runs"][&run]["data"][part], theirs["runs"][&run]["data"][part],
                "{part}, MLflow {version}"
            );
        }
        assert_eq!(ours["runs"][&run]["info"]["status"], "FINISHED");
    }
}
