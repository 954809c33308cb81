//! MLflow reads what mlrs wrote: after mlrs creates, renames, tags, deletes and restores
//! experiments and runs, MLflow's `search_experiments`, `search_runs` and `get_run` (via
//! fixtures/record.py) agree exactly with what mlrs shows, and every YAML file in the store has
//! the bytes PyYAML would write for its values.

use std::path::Path;

use serde_json::Value;

use crate::common::*;

pub const AWKWARD_NAMES: [&str; 10] = [
    "on",
    "0",
    "a: b",
    " leading space",
    "tab\there",
    "café ☕ – ñ 2",
    "#hash",
    "- dash",
    "2022-02-02",
    "a long experiment name with spaces that goes well past the eighty column folding limit of PyYAML",
];

fn find_id(root: &Path, name: &str) -> String {
    let all = mlrs_json(root, &["experiments", "list", "--view", "all"]);
    all.as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no experiment {name:?}"))["experiment_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every `*.yaml` under the store re-dumped by PyYAML gives the same bytes.
pub fn assert_yaml_canonical(version: &str, root: &Path) {
    let files: Vec<String> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".yaml"))
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    let mut args: Vec<&str> = vec![];
    args.extend(files.iter().map(String::as_str));
    let Some(out) = run_python(
        version,
        &repo().join("tests/py/yaml_redump.py"),
        &args,
        root,
    ) else {
        return;
    };
    let diffs: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        diffs,
        Value::Array(vec![]),
        "YAML that PyYAML would write differently"
    );
}

/// mlrs and MLflow see the same experiments, run lists and runs, and mlrs left no temp files.
pub fn assert_mlflow_agrees(version: &str, root: &Path) {
    assert_mlflow_reads_the_same(version, root);
    assert_no_leftovers(root);
}

/// mlrs and MLflow see the same experiments, run lists and runs.
pub fn assert_mlflow_reads_the_same(version: &str, root: &Path) {
    let Some(record) = mlflow_record(version, root) else {
        return;
    };
    assert_eq!(
        record["run_errors"],
        Value::Object(Default::default()),
        "MLflow {version} failed to read runs"
    );
    for (view, arg) in [
        ("ACTIVE_ONLY", "active"),
        ("DELETED_ONLY", "deleted"),
        ("ALL", "all"),
    ] {
        let got = mlrs_json(root, &["experiments", "list", "--view", arg]);
        assert_eq!(
            got, record["experiments"][view],
            "MLflow {version}, experiments view {view}"
        );
    }
    for (exp_id, views) in record["search_runs"].as_object().unwrap() {
        for (view, arg) in [
            ("ACTIVE_ONLY", "active"),
            ("DELETED_ONLY", "deleted"),
            ("ALL", "all"),
        ] {
            let got = mlrs_json(root, &["runs", "list", "-e", exp_id, "--view", arg]);
            let want: Vec<String> = serde_json::from_value(views[view].clone()).unwrap();
            assert_eq!(
                ids(&got),
                want,
                "MLflow {version}, runs of {exp_id}, view {view}"
            );
        }
    }
    for (run_id, want) in record["runs"].as_object().unwrap() {
        let got = normalize_run(mlrs_json(root, &["runs", "describe", run_id]));
        let mut want = normalize_run(want.clone());
        let mut got = got;
        // 5-field metric lines: see read_fixtures::every_run_matches_get_run.
        if let Some(keys) = record
            .get("metric_history_datasets")
            .and_then(|d| d.get(run_id))
            .and_then(Value::as_object)
        {
            for k in keys.keys() {
                got["data"]["metrics"].as_object_mut().unwrap().remove(k);
                want["data"]["metrics"].as_object_mut().unwrap().remove(k);
            }
        }
        assert_eq!(got, want, "MLflow {version}, run {run_id}");
    }
}

/// No temp files; the only lock file is the store's own.
pub fn assert_no_leftovers(root: &Path) {
    for entry in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        let name = entry.file_name().to_string_lossy();
        assert!(
            !name.starts_with(".mlrs-tmp-"),
            "leftover temp file {}",
            entry.path().display()
        );
    }
}

#[test]
fn experiment_changes_read_back_in_mlflow() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let root = &store.root;
        for name in AWKWARD_NAMES {
            let out = mlrs_stdout(
                root,
                &[
                    "experiments",
                    "create",
                    name,
                    "--tag",
                    "team=forecasting",
                    "--tag",
                    "dataset/color=yes",
                    "--tag",
                    "note=line1\nline2",
                ],
            );
            let id = out.trim();
            assert_eq!(id.len(), 18, "prints only the new id: {out:?}");
            assert!(id.chars().all(|c| c.is_ascii_digit()));
        }
        mlrs(root)
            .args([
                "experiments",
                "create",
                "with-s3",
                "--artifact-location",
                "s3://bucket/with-s3",
            ])
            .assert()
            .success();
        mlrs(root)
            .args([
                "experiments",
                "create",
                "with-relative",
                "--artifact-location",
                "rel/artifacts",
            ])
            .current_dir(store.dir.path())
            .assert()
            .success();
        let rel = mlrs_json(root, &["experiments", "describe", "with-relative"]);
        assert_eq!(
            rel["artifact_location"],
            format!("{}/rel/artifacts", store.dir.path().display())
        );

        mlrs(root)
            .args(["experiments", "rename", "on", "on-renamed"])
            .assert()
            .success();
        mlrs(root)
            .args(["experiments", "tag", "0", "owner=alice", "a/b/c=nested"])
            .assert()
            .success();
        mlrs(root)
            .args(["experiments", "tag", "a: b", "--delete", "team"])
            .assert()
            .success();
        mlrs(root)
            .args(["experiments", "delete", "green-taxi-tips", "#hash"])
            .assert()
            .success();
        mlrs(root)
            .args(["experiments", "restore", "scratch-deleted"])
            .assert()
            .success();

        // Deleted experiments keep their runs, now deleted too; restore brings them back.
        let green = find_id(root, "green-taxi-tips");
        let deleted_runs = mlrs_json(root, &["runs", "list", "-e", &green, "--view", "deleted"]);
        assert_eq!(deleted_runs.as_array().unwrap().len(), 3);
        assert!(root.join(".trash").join(&green).is_dir());

        let lasso = run_id_named(root, "lasso-a0.1");
        let gone = run_id_named(root, "to-be-deleted");
        mlrs(root)
            .args(["runs", "delete", &lasso])
            .assert()
            .success();
        mlrs(root)
            .args(["runs", "restore", &gone[..10]])
            .assert()
            .success();

        assert_mlflow_agrees(version, root);
        assert_yaml_canonical(version, root);
    }
}

#[test]
fn experiment_rules_follow_mlflow() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    mlrs(root)
        .args(["experiments", "delete", "0"])
        .assert()
        .code(2)
        .stderr_eq(snapbox::str![[r#"
mlrs: error: Cannot delete the default experiment '0'. This is an internally reserved experiment.

"#]]);
    mlrs(root)
        .args(["experiments", "create", "nyc-taxi-duration"])
        .assert()
        .code(1)
        .stderr_eq(snapbox::str![[r#"
mlrs: error: Experiment 'nyc-taxi-duration' already exists (id [..]).

"#]]);
    mlrs(root)
        .args(["experiments", "create", "scratch-deleted"])
        .assert()
        .code(1)
        .stderr_eq(snapbox::str![[r#"
mlrs: error: Experiment 'scratch-deleted' already exists in deleted state (id [..]).
hint: restore it (`mlrs experiments restore [..]`), or remove it for good with `mlrs gc`

"#]]);
    mlrs(root)
        .args(["experiments", "rename", "yes", "null"])
        .assert()
        .code(1);
    mlrs(root)
        .args(["experiments", "rename", "scratch-deleted", "x"])
        .assert()
        .code(2);
    mlrs(root)
        .args(["experiments", "create", "it's"])
        .assert()
        .code(2);
    mlrs(root)
        .args(["experiments", "tag", "yes", "../x=1"])
        .assert()
        .code(2);
    mlrs(root)
        .args(["experiments", "describe", "no such experiment"])
        .assert()
        .code(3);
    // A bad name among several changes nothing.
    mlrs(root)
        .args(["experiments", "delete", "yes", "no such experiment"])
        .assert()
        .code(3);
    assert!(!mlrs_json(root, &["experiments", "describe", "yes"])["lifecycle_stage"].eq("deleted"));
}

#[test]
fn create_in_a_new_folder_makes_a_store_mlflow_reads() {
    for version in VERSIONS {
        let store = no_store();
        let id = mlrs_stdout(&store.root, &["experiments", "create", "first"]);
        assert!(store.root.join(".trash").is_dir());
        assert!(store.root.join("0/meta.yaml").is_file());
        assert_eq!(
            mlrs_json(&store.root, &["experiments", "describe", id.trim()])["name"],
            "first"
        );
        assert_mlflow_agrees(version, &store.root);
        assert_yaml_canonical(version, &store.root);
    }
}
