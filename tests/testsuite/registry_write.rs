//! MLflow reads what mlrs writes to the registry, and mlrs writes what MLflow writes: after
//! mlrs registers, transitions, aliases, tags, deletes and renames, MlflowClient's registry
//! calls (tests/py/registry.py) return exactly what mlrs shows; the same operations done by
//! MLflow and by mlrs leave the same bytes; concurrent registrations get distinct versions;
//! bad input changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::*;
use crate::registry_read::{
    normalize_list, normalize_model, normalize_version, run_named, sorted_by_version,
};
use crate::write_interop::{assert_no_leftovers, assert_yaml_canonical};

#[track_caller]
fn ok(root: &Path, args: &[&str]) {
    mlrs(root).args(args).assert().success();
}

/// What MLflow's registry API answers about the store (tests/py/registry.py record).
fn mlflow_registry(version: &str, root: &Path, filters: &[&str]) -> Option<Value> {
    let out = root.parent().unwrap().join("registry-record.json");
    let mut args = vec!["record", root.to_str().unwrap(), out.to_str().unwrap()];
    args.extend(filters);
    run_python(version, &repo().join("tests/py/registry.py"), &args, root)?;
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    Some(serde_json::from_str(&text).unwrap())
}

/// Apply registry operations (tests/py/registry.py apply) with MLflow `version`; `None` when
/// MLflow is not there (MLRS_SKIP_MLFLOW).
#[track_caller]
pub fn mlflow_apply(version: &str, root: &Path, ops: &Value) -> Option<()> {
    let ops_file = root.parent().unwrap().join("ops.json");
    std::fs::write(&ops_file, ops.to_string()).unwrap();
    let script = repo().join("tests/py/registry.py");
    let args = ["apply", root.to_str().unwrap(), ops_file.to_str().unwrap()];
    run_python(version, &script, &args, root)?;
    std::fs::remove_file(&ops_file).unwrap();
    Some(())
}

/// `dict(ModelVersion)` of `mlrs models get REF --format json` (which adds storage_location).
fn version_dict(root: &Path, reference: &str) -> Value {
    let mut v = mlrs_json(root, &["models", "get", reference]);
    v.as_object_mut().unwrap().remove("storage_location");
    v
}

/// Every answer MLflow gives about the registry equals what mlrs shows.
fn assert_mlflow_registry_agrees(version: &str, root: &Path, filters: &[&str]) {
    let Some(rec) = mlflow_registry(version, root, filters) else {
        return;
    };
    let ctx = |what: &str| format!("MLflow {version}: {what}");
    assert_eq!(
        normalize_list(&mlrs_json(root, &["models", "list"]), normalize_model),
        normalize_list(&rec["search_registered_models"], normalize_model),
        "{}",
        ctx("search_registered_models")
    );
    assert_eq!(
        normalize_list(&mlrs_json(root, &["models", "versions"]), normalize_version),
        normalize_list(&rec["search_model_versions"], normalize_version),
        "{}",
        ctx("search_model_versions()")
    );
    for filter in filters {
        let got: Vec<Value> = mlrs_json(root, &["models", "list", "--filter", filter])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].clone())
            .collect();
        assert_eq!(
            Value::Array(got),
            rec["filters"][filter]["ok"],
            "{}",
            ctx(filter)
        );
    }
    for (name, m) in rec["models"].as_object().unwrap() {
        let mut described = mlrs_json(root, &["models", "describe", name]);
        described.as_object_mut().unwrap().remove("versions");
        assert_eq!(
            normalize_model(described),
            normalize_model(m["get"]["ok"].clone()),
            "{}",
            ctx(&format!("get_registered_model({name})"))
        );
        assert_eq!(
            sorted_by_version(&mlrs_json(root, &["models", "latest", name])),
            sorted_by_version(&m["latest"]["ok"]),
            "{}",
            ctx(&format!("get_latest_versions({name})"))
        );
        for (stage, want) in m["latest_by_stage"].as_object().unwrap() {
            assert_eq!(
                sorted_by_version(&mlrs_json(
                    root,
                    &["models", "latest", name, "--stage", stage]
                )),
                sorted_by_version(&want["ok"]),
                "{}",
                ctx(&format!("get_latest_versions({name}, [{stage}])"))
            );
        }
        assert_eq!(
            normalize_list(
                &mlrs_json(root, &["models", "versions", name]),
                normalize_version
            ),
            normalize_list(&m["search_versions"]["ok"], normalize_version),
            "{}",
            ctx(&format!("search_model_versions(name='{name}')"))
        );
        for (n, v) in m["versions"].as_object().unwrap() {
            let reference = format!("{name}/{n}");
            match v["get"].get("ok") {
                Some(want) => {
                    assert_eq!(
                        normalize_version(version_dict(root, &reference)),
                        normalize_version(want.clone()),
                        "{}",
                        ctx(&format!("get_model_version({reference})"))
                    );
                    let uri = mlrs_stdout(root, &["models", "get", &reference, "-f", "tsv"]);
                    assert_eq!(
                        uri.trim_end(),
                        v["download_uri"]["ok"].as_str().unwrap(),
                        "{}",
                        ctx(&format!("get_model_version_download_uri({reference})"))
                    );
                }
                None => {
                    assert!(v["get"]["error"].as_str().unwrap().contains("not found"));
                    mlrs(root)
                        .args(["models", "get", &reference])
                        .assert()
                        .code(3);
                }
            }
        }
        for (alias, v) in m["by_alias"].as_object().unwrap() {
            let reference = format!("{name}@{alias}");
            assert_eq!(
                normalize_version(version_dict(root, &reference)),
                normalize_version(v["ok"].clone()),
                "{}",
                ctx(&format!("get_model_version_by_alias({reference})"))
            );
        }
    }
}

#[test]
fn registry_changes_read_back_in_mlflow() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let root = &store.root;
        let baseline = run_named(version, "baseline-linreg");
        let long = run_named(version, "xgb-long");
        let rf = run_named(version, "rf-d10-n100");
        let churn = "churn model (v2)";
        let out = mlrs_stdout(
            root,
            &[
                "register",
                &baseline[..10],
                "--name",
                churn,
                "--tag",
                "algo=linreg",
                "--alias",
                "candidate",
                "--description",
                "yes",
            ],
        );
        assert_eq!(out, "1\n", "prints only the version");
        assert_eq!(
            mlrs_stdout(
                root,
                &["register", &long, "-n", churn, "--tag", "algo=xgboost"]
            ),
            "2\n"
        );
        assert_eq!(mlrs_stdout(root, &["register", &rf, "-n", churn]), "3\n");
        ok(root, &["transition", churn, "1", "Production"]);
        ok(
            root,
            &["transition", churn, "2", "production", "--archive-existing"],
        );
        ok(
            root,
            &["transition", churn, "3", "STAGING", "--alias", "challenger"],
        );
        ok(root, &["models", "alias", "set", churn, "champion", "2"]);
        ok(root, &["models", "alias", "set", churn, "candidate", "3"]);
        ok(
            root,
            &[
                "models",
                "tag",
                churn,
                "owner=alice",
                "team=ml",
                "data/source=tlc",
            ],
        );
        ok(root, &["models", "tag", churn, "--delete", "team"]);
        ok(
            root,
            &[
                "models",
                "tag",
                churn,
                "--version",
                "2",
                "validation_status=approved",
            ],
        );
        ok(
            root,
            &["models", "tag", churn, "--version", "1", "--delete", "algo"],
        );
        ok(root, &["models", "delete", churn, "3"]);
        assert_eq!(
            mlrs_stdout(root, &["register", &rf, "-n", churn]),
            "4\n",
            "3 is not reused"
        );
        // On a model MLflow wrote: a new version replaces the one in Production.
        assert_eq!(
            mlrs_stdout(root, &["register", &rf, "-n", "nyc-taxi-regressor"]),
            "7\n"
        );
        ok(
            root,
            &[
                "transition",
                "nyc-taxi-regressor",
                "7",
                "production",
                "--archive-existing",
            ],
        );
        ok(
            root,
            &[
                "models",
                "alias",
                "set",
                "nyc-taxi-regressor",
                "champion",
                "7",
            ],
        );
        ok(
            root,
            &[
                "models",
                "alias",
                "delete",
                "nyc-taxi-regressor",
                "challenger",
            ],
        );
        // MLflow's own rename of this model crashes (a version has tags); mlrs keeps everything.
        ok(
            root,
            &["models", "rename", "tagged-model", "tagged-model-v2"],
        );
        ok(root, &["models", "delete", "empty-model", "--yes"]);

        let churn_v = mlrs_json(root, &["models", "describe", churn]);
        assert_eq!(churn_v["aliases"], serde_json::json!({"champion": "2"}));
        assert_eq!(
            churn_v["tags"],
            serde_json::json!({"data/source": "tlc", "owner": "alice"})
        );
        let stages: Vec<(i64, String)> = churn_v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["version"].as_i64().unwrap(),
                    v["current_stage"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            stages,
            [
                (1, "Archived".into()),
                (2, "Production".into()),
                (4, "None".into())
            ]
        );
        let renamed = mlrs_json(root, &["models", "describe", "tagged-model-v2"]);
        assert_eq!(renamed["aliases"], serde_json::json!({"prod": "1"}));
        assert_eq!(renamed["tags"], serde_json::json!({"team": "tips"}));
        assert_eq!(
            renamed["versions"][0]["tags"],
            serde_json::json!({"algo": "rf"})
        );
        assert!(!root.join("models/tagged-model").exists());
        assert!(!root.join("models/empty-model").exists());

        assert_mlflow_registry_agrees(
            version,
            root,
            &[
                "name LIKE 'churn%'",
                "tags.owner = 'alice'",
                "name ILIKE '%MODEL%' AND tags.team != 'x'",
            ],
        );
        assert_yaml_canonical(version, root);
        assert_no_leftovers(root);
    }
}

/// Rewrite the absolute artifact locations the fixture recorded (`expected.json` `root`) to
/// point into this copy, so MLflow finds the copied artifacts in any checkout.
fn relocate(version: &str, root: &Path) {
    let recorded = format!("file://{}", expected(version)["root"].as_str().unwrap());
    let here = format!("file://{}", root.display());
    for entry in walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.file_name() != "meta.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        if text.contains(&recorded) {
            std::fs::write(entry.path(), text.replace(&recorded, &here)).unwrap();
        }
    }
}

/// Every file under `dir` with its content; timestamps (which differ between runs) and the
/// store's own path are masked.
fn masked_files(dir: &Path, root: &Path) -> BTreeMap<PathBuf, String> {
    let stamp = regex::Regex::new(r"(_timestamp: )\d+").unwrap();
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let text = stamp.replace_all(&text, "${1}<ms>");
            let text = text.replace(&root.display().to_string(), "<root>");
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), text)
        })
        .collect()
}

#[test]
fn same_operations_leave_the_bytes_mlflow_leaves() {
    for version in VERSIONS {
        let by_mlflow = fixture_store(version);
        let by_mlrs = fixture_store(version);
        relocate(version, &by_mlflow.root);
        relocate(version, &by_mlrs.root);
        let a = run_named(version, "baseline-linreg");
        let b = run_named(version, "xgb-long");
        let v3 = version.starts_with('3');
        let tip = run_named(version, "tip-rf-d4");
        if v3 {
            // 3.x registers the run's LoggedModel when its artifacts hold no MLmodel.
            for store in [&by_mlflow, &by_mlrs] {
                let tip_dir = walkdir::WalkDir::new(&store.root)
                    .into_iter()
                    .filter_map(Result::ok)
                    .find(|e| e.file_name().to_string_lossy() == tip)
                    .unwrap()
                    .into_path();
                std::fs::remove_dir_all(tip_dir.join("artifacts/model")).unwrap();
            }
        }
        // A name PyYAML must quote.
        let name = &"on".to_string();
        let ops = serde_json::json!([
            {"op": "register", "run": a, "path": "model", "name": name, "tags": {"algo": "linreg"}},
            {"op": "register", "run": b, "path": "model", "name": name, "description": "1e3"},
            {"op": "transition", "name": name, "version": "1", "stage": "production"},
            {"op": "transition", "name": name, "version": "2", "stage": "Production", "archive": true},
            {"op": "set_alias", "name": name, "alias": "champion", "version": "2"},
            {"op": "set_alias", "name": name, "alias": "challenger", "version": "1"},
            {"op": "set_alias", "name": name, "alias": "old", "version": "1"},
            {"op": "model_tag", "name": name, "key": "owner", "value": "on"},
            {"op": "model_tag", "name": name, "key": "gone", "value": "x"},
            {"op": "delete_model_tag", "name": name, "key": "gone"},
            {"op": "version_tag", "name": name, "version": "2", "key": "note", "value": "a: b"},
            {"op": "transition", "name": name, "version": "1", "stage": "Staging"},
            {"op": "delete_alias", "name": name, "alias": "old"},
            {"op": "delete_version", "name": name, "version": "1"},
            {"op": "register", "run": a, "path": "model", "name": name},
        ]);
        let mut ops = ops.as_array().unwrap().clone();
        let mut models = vec![name.as_str()];
        if v3 {
            ops.push(serde_json::json!(
                {"op": "register", "run": tip, "path": "model", "name": "tip model"}
            ));
            models.push("tip model");
        }
        let Some(_) = mlflow_apply(version, &by_mlflow.root, &Value::Array(ops)) else {
            return;
        };
        let root = &by_mlrs.root;
        ok(root, &["register", &a, "-n", name, "--tag", "algo=linreg"]);
        ok(root, &["register", &b, "-n", name, "--description", "1e3"]);
        ok(root, &["transition", name, "1", "production"]);
        ok(
            root,
            &[
                "transition",
                name,
                "2",
                "Production",
                "--archive-existing",
                "--alias",
                "champion",
            ],
        );
        ok(root, &["models", "alias", "set", name, "challenger", "1"]);
        ok(root, &["models", "alias", "set", name, "old", "1"]);
        ok(root, &["models", "tag", name, "owner=on", "gone=x"]);
        ok(root, &["models", "tag", name, "--delete", "gone"]);
        ok(
            root,
            &["models", "tag", name, "--version", "2", "note=a: b"],
        );
        ok(root, &["transition", name, "1", "Staging"]);
        ok(root, &["models", "alias", "delete", name, "old"]);
        ok(root, &["models", "delete", name, "1"]);
        ok(root, &["register", &a, "-n", name]);
        if v3 {
            ok(root, &["register", &tip, "-n", "tip model"]);
        }

        for model in models {
            let rel = Path::new("models").join(model);
            let written = masked_files(&by_mlrs.root.join(&rel), &by_mlrs.root);
            assert!(
                written.contains_key(Path::new("version-1/meta.yaml")),
                "{written:?}"
            );
            assert_eq!(
                written,
                masked_files(&by_mlflow.root.join(&rel), &by_mlflow.root),
                "MLflow {version}: {model}"
            );
        }
        if v3 {
            let tip_model = mlrs_json(root, &["models", "get", "tip model/1"]);
            assert!(
                tip_model["source"]
                    .as_str()
                    .unwrap()
                    .starts_with("models:/m-")
            );
            let id = tip_model["model_id"].as_str().unwrap();
            let logged = |store: &TestStore| {
                walkdir::WalkDir::new(&store.root)
                    .into_iter()
                    .filter_map(Result::ok)
                    .find(|e| e.file_name().to_string_lossy() == id)
                    .map(|e| masked_files(&e.into_path().join("tags"), &store.root))
                    .unwrap()
            };
            assert_eq!(
                logged(&by_mlrs),
                logged(&by_mlflow),
                "mlflow.modelVersions tag"
            );
        }
    }
}

#[test]
fn concurrent_registrations_get_distinct_consecutive_versions() {
    let store = fixture_store("3.17.2");
    let run = run_named("3.17.2", "xgb-lr0.1");
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(bin)
                .args([
                    "--store",
                    store.root.to_str().unwrap(),
                    "register",
                    &run,
                    "-n",
                    "raced",
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut versions: Vec<u64> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    versions.sort();
    assert_eq!(versions, (1..=8).collect::<Vec<_>>());
    let listed = mlrs_json(&store.root, &["models", "versions", "raced"]);
    assert_eq!(listed.as_array().unwrap().len(), 8);
    assert_mlflow_registry_agrees("3.17.2", &store.root, &[]);
}

/// Every file and folder under the store with its bytes.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let content = e
                .file_type()
                .is_file()
                .then(|| std::fs::read(e.path()).unwrap());
            (e.path().to_path_buf(), content)
        })
        .collect()
}

#[test]
fn bad_input_is_refused_and_changes_nothing() {
    let store = fixture_store("2.22.5");
    let root = &store.root;
    let run = run_named("2.22.5", "xgb-lr0.1");
    let s3_run = run_named("2.22.5", "s3-run");
    let m = "nyc-taxi-regressor";
    let before = snapshot(root);
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["transition", "no-such-model", "1", "Production"],
            3,
            "Registered Model with name=no-such-model not found",
        ),
        (
            vec!["transition", m, "42", "Production"],
            3,
            "Model Version (name=nyc-taxi-regressor, version=42) not found",
        ),
        (
            vec!["transition", m, "5", "Staging"],
            3,
            "version=5) not found",
        ),
        (
            vec!["transition", m, "3", "prod"],
            2,
            "Invalid Model Version stage: prod. Value must be one of None, Staging, Production, Archived.",
        ),
        (
            vec!["transition", m, "3", "none", "--archive-existing"],
            2,
            "because 'None' is not an Active stage. Valid stages are ['Staging', 'Production']",
        ),
        (
            vec!["transition", m, "x", "Staging"],
            2,
            "Parameter 'version' must be an integer, got 'x'.",
        ),
        (
            vec!["transition", m, "3", "Staging", "--alias", "latest"],
            2,
            "'latest' alias name (case insensitive) is reserved.",
        ),
        (
            vec!["models", "alias", "set", m, "v3", "3"],
            2,
            "Version alias name 'v3' is reserved.",
        ),
        (
            vec!["models", "alias", "set", m, "a b", "3"],
            2,
            "Invalid alias name: 'a b'.",
        ),
        (
            vec!["models", "alias", "set", m, "champion", "5"],
            3,
            "not found",
        ),
        (
            vec!["models", "alias", "delete", m, "nope"],
            3,
            "Registered model alias nope not found.",
        ),
        (
            vec!["register", &run, "-n", "team/model"],
            2,
            "Invalid model name 'team/model'. Names cannot contain '/' or ':'.",
        ),
        (
            vec!["register", &run, "-n", ".."],
            2,
            "This name would resolve to '..'",
        ),
        (
            vec!["register", &run, "-n", "50%"],
            2,
            "cannot contain '%' character",
        ),
        (
            vec!["register", &run, "-n", "x", "--alias", "V1"],
            2,
            "Version alias name 'V1' is reserved.",
        ),
        (
            vec!["register", &run, "-n", "x", "--tag", "../t=1"],
            2,
            "invalid model tag key",
        ),
        (
            vec!["register", "ffffffffffff", "-n", "x"],
            3,
            "no run with id, id prefix or name",
        ),
        (
            vec!["register", &run, "-n", "x", "--path", "no/such/dir"],
            3,
            "has no artifact 'no/such/dir'",
        ),
        (
            vec!["register", &run, "-n", "x", "--path", "../../etc"],
            2,
            "invalid artifact path",
        ),
        (
            vec!["register", &s3_run, "-n", "x"],
            2,
            "cannot check that run",
        ),
        (
            vec!["models", "tag", m, "--delete", "nope"],
            3,
            "model 'nyc-taxi-regressor' has no tag 'nope'",
        ),
        (
            vec!["models", "tag", m, "--version", "5", "a=b"],
            3,
            "not found",
        ),
        (vec!["models", "delete", m], 2, "pass --yes"),
        (
            vec!["models", "delete", m, "4", "42"],
            3,
            "version=42) not found",
        ),
        (
            vec!["models", "delete", "no-such-model", "--yes"],
            3,
            "not found",
        ),
        (
            vec!["models", "rename", m, "tagged-model"],
            1,
            "Registered Model (name=tagged-model) already exists.",
        ),
        (
            vec!["models", "rename", m, "a:b"],
            2,
            "Names cannot contain '/' or ':'",
        ),
        (vec!["models", "describe", "no-such-model"], 3, "not found"),
        (
            vec!["models", "get", "nyc-taxi-regressor@v1"],
            3,
            "Registered model alias v1 not found.",
        ),
        (
            vec!["models", "get", "nyc-taxi-regressor"],
            2,
            "not a model reference",
        ),
    ];
    for (args, code, message) in cases {
        let out = mlrs(root).args(&args).assert().code(code);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with("mlrs: error: ") && stderr.contains(message),
            "{args:?}: {stderr}"
        );
        assert!(snapshot(root) == before, "{args:?} changed the store");
    }
}

#[test]
fn artifacts_elsewhere_need_allow_missing() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let s3_run = run_named("3.17.2", "s3-run");
    let out = mlrs_json(
        root,
        &["register", &s3_run, "-n", "s3 model", "--allow-missing"],
    );
    let want = format!("s3://nyc-taxi-mlflow/experiments/s3-artifacts/{s3_run}/artifacts/model");
    assert_eq!(out["source"], want.as_str());
    assert_eq!(
        mlrs_stdout(root, &["models", "get", "s3 model/1"]),
        format!("{want}\n")
    );
    assert_mlflow_registry_agrees("3.17.2", root, &[]);
}

#[test]
fn rewrites_keep_unknown_keys_and_refresh_caches() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let meta = store.path("models/nyc-taxi-regressor/version-3/meta.yaml");
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(&meta, format!("{text}zz_custom: keep me\n")).unwrap();
        ok(
            &store.root,
            &["transition", "nyc-taxi-regressor", "3", "archived"],
        );
        let text = std::fs::read_to_string(&meta).unwrap();
        assert!(text.ends_with("zz_custom: keep me\n"), "{text}");
        assert!(text.contains("current_stage: Archived\n"), "{text}");
        // 2.x rewrites the version's alias cache from aliases/; 3.x leaves the key out.
        assert_eq!(
            text.contains("aliases:\n- challenger\n"),
            version.starts_with('2'),
            "{text}"
        );
        assert_eq!(
            text.contains("workspace: default\n"),
            version.starts_with('3')
        );
        let model =
            std::fs::read_to_string(store.path("models/nyc-taxi-regressor/meta.yaml")).unwrap();
        assert!(
            model.contains("last_updated_timestamp: 1795500000000\n"),
            "{model}"
        );
        assert_yaml_canonical(version, &store.root);
    }
}
