//! `mlrs merge`: both reference stores folded into a fresh one, which MLflow 3.x then reads
//! (every run of both, same params and metrics, artifact URIs inside the merged store, model
//! versions pointing at the merged runs); merging again changes no byte.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

const VERSIONS: [&str; 2] = ["2.22.5", "3.17.2"];

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
    assert!(
        out["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["action"] == "added")
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
