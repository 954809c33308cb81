//! `mlrs doctor [--fix]` on a store copied away from where MLflow wrote it, with a torn metric
//! line, an empty metric file and a leftover staging folder: every problem is listed, `--fix`
//! repairs exactly those (quarantining data, never dropping it), a second doctor finds
//! nothing, and MLflow reads the repaired store with paths inside it.

use crate::common::{fixture_store, mlrs, mlrs_json, mlrs_stdout, repo, run_dir, run_python};

/// What `mlrs doctor --format json` lists; it exits 1 when it finds anything.
#[track_caller]
fn findings(root: &std::path::Path) -> serde_json::Value {
    let out = mlrs(root)
        .args(["doctor", "--format", "json"])
        .assert()
        .code(1);
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

#[test]
fn doctor_repairs_a_copied_and_damaged_store() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let before = mlrs_stdout(root, &["models", "get", "nyc-taxi-regressor/1"]);
    assert!(!before.contains(root.to_str().unwrap()), "{before}");

    let run = crate::common::run_id_named(root, "edge-cases");
    let dir = run_dir(root, &run);
    let metric = dir.join("metrics").join("formats");
    let whole = std::fs::read_to_string(&metric).unwrap();
    std::fs::write(&metric, format!("{whole}1795239999000 0.")).unwrap();
    std::fs::write(dir.join("metrics").join("empty"), "").unwrap();
    std::fs::create_dir(root.join(".mlrs-tmp-0123.trash")).unwrap();

    let found = findings(root);
    let kinds: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["problem"].as_str().unwrap())
        .collect();
    for kind in [
        "old_store_path",
        "torn_metric_line",
        "empty_metric_file",
        "interrupted_write",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {found:#}");
    }

    mlrs(root).args(["doctor", "--fix"]).assert().success();
    mlrs(root).args(["doctor"]).assert().success();
    assert_eq!(std::fs::read_to_string(&metric).unwrap(), whole);
    let quarantine = root.join(".mlrs-doctor.trash");
    let rel = metric.strip_prefix(root).unwrap();
    assert_eq!(
        std::fs::read_to_string(quarantine.join(rel)).unwrap(),
        "1795239999000 0."
    );
    assert!(quarantine.join(rel.with_file_name("empty")).is_file());

    let after = mlrs_stdout(root, &["models", "get", "nyc-taxi-regressor/1"]);
    let path = after.trim().trim_start_matches("file://");
    assert!(path.starts_with(root.to_str().unwrap()), "{after}");
    assert!(
        std::path::Path::new(path).join("MLmodel").is_file(),
        "{after}"
    );
    let runs = mlrs_json(root, &["runs", "list", "--view", "all"]);
    for r in runs.as_array().unwrap() {
        let uri = r["info"]["artifact_uri"].as_str().unwrap();
        assert!(
            !uri.starts_with("file:") || uri.contains(root.to_str().unwrap()),
            "{uri}"
        );
    }

    // MLflow agrees: it reads every run, and the version's files are inside this store.
    let script = repo().join("tests").join("py").join("mlflow_sees.py");
    let Some(seen) = run_python("3.17.2", &script, &[root.to_str().unwrap()], root) else {
        return;
    };
    let seen: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen:#}");
    let check = store.dir.path().join("check.py");
    std::fs::write(
        &check,
        "import sys\nfrom mlflow import MlflowClient\n\
         c = MlflowClient('file://' + sys.argv[1], registry_uri='file://' + sys.argv[1])\n\
         print(c.get_model_version_download_uri('nyc-taxi-regressor', '1'))\n",
    )
    .unwrap();
    let uri = run_python("3.17.2", &check, &[root.to_str().unwrap()], root).unwrap();
    assert!(uri.trim().contains(root.to_str().unwrap()), "{uri}");
}

/// Interrupted mlrs operations: an experiment delete cut short before its move into `.trash/`,
/// a restore cut short after its move back (one run active again, the rest still deleted), and
/// a temp file a killed write left in a run folder. `--fix` finishes each the way the command
/// would have, a second doctor finds nothing, and MLflow of the store's version agrees.
#[test]
fn doctor_finishes_experiment_moves_cut_short() {
    for version in crate::common::VERSIONS {
        let store = fixture_store(version);
        let root = &store.root;
        let deleting = crate::common::experiment_id_named(root, "green-taxi-tips");
        mlrs(root)
            .args(["experiments", "delete", &deleting])
            .assert()
            .success();
        std::fs::rename(root.join(".trash").join(&deleting), root.join(&deleting)).unwrap();
        let restoring = "scratch-deleted";
        let listed = mlrs_json(root, &["experiments", "list", "--view", "all"]);
        let restoring_id = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == restoring)
            .expect("the fixture's deleted experiment")["experiment_id"]
            .as_str()
            .unwrap()
            .to_owned();
        std::fs::rename(
            root.join(".trash").join(&restoring_id),
            root.join(&restoring_id),
        )
        .unwrap();
        let run_meta = walkdir::WalkDir::new(root.join(&restoring_id))
            .min_depth(2)
            .max_depth(2)
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .find(|p| p.ends_with("meta.yaml"))
            .expect("a run in the deleted experiment");
        let text = std::fs::read_to_string(&run_meta).unwrap();
        std::fs::write(
            &run_meta,
            text.replace("lifecycle_stage: deleted", "lifecycle_stage: active"),
        )
        .unwrap();
        let some_run = run_dir(root, &crate::common::run_id_named(root, "quickstart"));
        std::fs::write(some_run.join(".mlrs-tmp-killed"), "half").unwrap();

        let found = findings(root);
        let of = |kind: &str| -> Vec<String> {
            found
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["problem"] == kind)
                .map(|f| format!("{} {}", f["path"], f["repair"]))
                .collect()
        };
        let moves = of("interrupted_move");
        assert_eq!(moves.len(), 2, "{found:#}");
        assert!(
            moves.iter().any(|m| m.contains("finish the delete")),
            "{moves:?}"
        );
        assert!(
            moves.iter().any(|m| m.contains("finish the restore")),
            "{moves:?}"
        );
        assert!(
            of("interrupted_write")
                .iter()
                .any(|w| w.contains(".mlrs-tmp-killed")),
            "{found:#}"
        );

        mlrs(root).args(["doctor", "--fix"]).assert().success();
        assert!(root.join(".trash").join(&deleting).is_dir());
        assert!(!some_run.join(".mlrs-tmp-killed").exists());
        let Some(seen) = crate::common::mlflow_record(version, root) else {
            return;
        };
        let stage = |id: &str| {
            seen["experiments"]["ALL"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["experiment_id"] == id)
                .map(|e| e["lifecycle_stage"].clone())
        };
        assert_eq!(stage(&deleting), Some("deleted".into()), "MLflow {version}");
        assert_eq!(
            stage(&restoring_id),
            Some("active".into()),
            "MLflow {version}"
        );
        let active = &seen["search_runs"][&restoring_id]["ACTIVE_ONLY"];
        assert!(
            active.as_array().is_some_and(|a| !a.is_empty()),
            "MLflow {version} sees the restored runs: {active}"
        );
    }
}
