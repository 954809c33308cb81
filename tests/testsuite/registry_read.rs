//! mlrs reads the registries MLflow wrote (fixtures/*/expected.json, `registry.*`): models
//! with stages, aliases from `aliases/` files (not the stale `aliases:` caches), soft-deleted
//! versions, the half-finished rename, 3.x versions registered from a LoggedModel.

use serde_json::Value;

use crate::common::*;

/// The id of the fixture run named `name`.
pub fn run_named(version: &str, name: &str) -> String {
    expected(version)["runs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["info"]["run_name"] == name)
        .unwrap_or_else(|| panic!("no run {name:?}"))
        .0
        .clone()
}

/// MLflow's `latest_versions` order depends on Python's hash seed; compare them as sets.
pub fn normalize_model(mut m: Value) -> Value {
    if let Some(Value::Array(list)) = m.get_mut("latest_versions") {
        list.sort_by_key(|v| v["version"].as_i64());
        for v in list.iter_mut() {
            *v = normalize_version(v.take());
        }
    }
    m
}

/// Version aliases come in directory order in MLflow; mlrs sorts them.
pub fn normalize_version(mut v: Value) -> Value {
    if let Some(Value::Array(aliases)) = v.get_mut("aliases") {
        aliases.sort_by_key(|a| a.as_str().unwrap_or_default().to_owned());
    }
    v
}

pub fn normalize_list(list: &Value, f: fn(Value) -> Value) -> Value {
    Value::Array(
        list.as_array()
            .expect("array")
            .iter()
            .cloned()
            .map(f)
            .collect(),
    )
}

/// A version list in version order, for lists whose order MLflow leaves undefined.
pub fn sorted_by_version(list: &Value) -> Value {
    let mut items = normalize_list(list, normalize_version)
        .as_array()
        .unwrap()
        .clone();
    items.sort_by_key(|v| v["version"].as_i64());
    Value::Array(items)
}

#[test]
fn registered_models_match_search_registered_models() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = &expected(version)["registry"];
        let got = mlrs_json(&store.root, &["models", "list"]);
        assert_eq!(
            normalize_list(&got, normalize_model),
            normalize_list(&want["registered_models"], normalize_model),
            "MLflow {version}"
        );
        // The stale caches MLflow leaves are there, and are not what mlrs shows.
        let stale = std::fs::read_to_string(store.path("models/duration-model/meta.yaml")).unwrap();
        assert!(stale.contains("prod: '1'"), "{stale}");
        let duration = got
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "duration-model");
        assert_eq!(duration.unwrap()["aliases"], serde_json::json!({}));
    }
}

#[test]
fn versions_match_search_model_versions_and_get_latest_versions() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = &expected(version)["registry"];
        assert_eq!(
            normalize_list(
                &mlrs_json(&store.root, &["models", "versions"]),
                normalize_version
            ),
            normalize_list(&want["model_versions"], normalize_version),
            "MLflow {version}, search_model_versions()"
        );
        for model in want["registered_models"].as_array().unwrap() {
            let name = model["name"].as_str().unwrap();
            let want_versions: Vec<Value> = want["model_versions"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|v| v["name"] == name)
                .cloned()
                .collect();
            let got = mlrs_json(&store.root, &["models", "versions", name]);
            assert_eq!(
                normalize_list(&got, normalize_version),
                normalize_list(&Value::Array(want_versions), normalize_version),
                "MLflow {version}, versions of {name}"
            );
            let latest = mlrs_json(&store.root, &["models", "latest", name]);
            assert_eq!(
                sorted_by_version(&latest),
                sorted_by_version(&want["latest_versions"][name]),
                "MLflow {version}, latest versions of {name}"
            );
            for (alias, number) in want["by_alias"][name].as_object().unwrap() {
                let reference = format!("{name}@{alias}");
                let got = mlrs_json(&store.root, &["models", "get", &reference]);
                assert_eq!(&got["version"], number, "MLflow {version}, {reference}");
            }
        }
    }
}

#[test]
fn deleted_versions_are_hidden_but_keep_their_number() {
    for version in VERSIONS {
        let store = fixture_store(version);
        // v5 is Deleted_Internal; in 2.22 its meta.yaml still lists the alias it lost.
        let meta =
            std::fs::read_to_string(store.path("models/nyc-taxi-regressor/version-5/meta.yaml"))
                .unwrap();
        assert!(meta.contains("current_stage: Deleted_Internal"));
        mlrs(&store.root)
            .args(["models", "get", "nyc-taxi-regressor/5"])
            .assert()
            .code(3)
            .stderr_eq(snapbox::str![[r#"
mlrs: error: Model Version (name=nyc-taxi-regressor, version=5) not found

"#]]);
        let versions = mlrs_json(&store.root, &["models", "versions", "nyc-taxi-regressor"]);
        assert!(
            versions
                .as_array()
                .unwrap()
                .iter()
                .all(|v| v["version"] != 5)
        );
        let described = mlrs_json(&store.root, &["models", "describe", "nyc-taxi-regressor"]);
        let numbers: Vec<i64> = described["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [1, 2, 3, 4, 6]);
    }
}

#[test]
fn describe_shows_each_versions_source_run_and_metrics() {
    let store = fixture_store("2.22.5");
    let want = expected("2.22.5");
    let d = mlrs_json(&store.root, &["models", "describe", "nyc-taxi-regressor"]);
    let mut model = d.clone();
    model.as_object_mut().unwrap().remove("versions");
    let registered = want["registry"]["registered_models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "nyc-taxi-regressor")
        .unwrap();
    assert_eq!(normalize_model(model), normalize_model(registered.clone()));
    for v in d["versions"].as_array().unwrap() {
        let run_id = v["run_id"].as_str().unwrap();
        let run = &want["runs"][run_id];
        assert_eq!(v["run"]["run_name"], run["info"]["run_name"]);
        assert_eq!(
            v["run"]["metrics"], run["data"]["metrics"],
            "version {}",
            v["version"]
        );
    }
    let table = mlrs(&store.root)
        .args([
            "models",
            "describe",
            "nyc-taxi-regressor",
            "--format",
            "table",
            "--wide",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(table).unwrap();
    for needle in [
        "challenger=3, champion=2",
        "deleted_versions",
        "xgb-long",
        "val_rmse",
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }
}

#[test]
fn get_prints_the_storage_location_for_scripts() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = &expected(version)["registry"];
        let green = mlrs_stdout(
            &store.root,
            &["models", "get", "models:/green-taxi-tip-model@champion"],
        );
        let meta =
            std::fs::read_to_string(store.path("models/green-taxi-tip-model/version-1/meta.yaml"))
                .unwrap();
        let location = meta
            .lines()
            .find_map(|l| l.strip_prefix("storage_location: "))
            .unwrap();
        assert_eq!(green, format!("{location}\n"));
        // Stage and latest references resolve as MLflow's models:/ URIs do.
        let production = mlrs_stdout(
            &store.root,
            &["models", "get", "nyc-taxi-regressor/production"],
        );
        let v2 = want["model_versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "nyc-taxi-regressor" && v["version"] == 2)
            .unwrap();
        assert_eq!(production.trim_end(), v2["source"].as_str().unwrap());
        let latest = mlrs_json(&store.root, &["models", "get", "nyc-taxi-regressor/latest"]);
        assert_eq!(latest["version"], 6);
    }
}

#[test]
fn filters_follow_search_registered_models() {
    let store = fixture_store("3.17.2");
    let names = |filter: &str| -> Vec<String> {
        mlrs_json(&store.root, &["models", "list", "--filter", filter])
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names("name LIKE 'tagged%'"),
        ["tagged-model", "tagged-model-renamed"]
    );
    assert_eq!(names("tags.task = 'regression'"), ["nyc-taxi-regressor"]);
    assert_eq!(
        names("tags.`data/source` = 'tlc' AND name ILIKE '%TAXI%'"),
        ["nyc-taxi-regressor"]
    );
    assert_eq!(
        names("name = 'Taxi Fare (experimental) v2'"),
        ["Taxi Fare (experimental) v2"]
    );
    assert_eq!(
        names("name = 'empty-model' OR NOT name LIKE '%-model%'"),
        [
            "Taxi Fare (experimental) v2",
            "empty-model",
            "nyc-taxi-regressor"
        ]
    );
    mlrs(&store.root)
        .args(["models", "list", "--filter", "name = 'a' OR params.x = 'b'"])
        .assert()
        .code(2)
        .stderr_eq(snapbox::str![[r#"
mlrs: error: invalid filter at column 15: Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')
    name = 'a' OR params.x = 'b'
                  ^

"#]]);
}

#[test]
fn broken_registry_entries_are_reported_and_skipped() {
    let store = fixture_store("3.17.2");
    std::fs::write(
        store.path("models/nyc-taxi-regressor/version-4/meta.yaml"),
        "current_stage: [unclosed\n",
    )
    .unwrap();
    std::fs::create_dir(store.path("models/half-written")).unwrap();
    let out = mlrs(&store.root)
        .args(["models", "list", "-f", "json"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("version-4/meta.yaml: malformed YAML"),
        "{stderr}"
    );
    assert!(
        stderr.contains("half-written: not a registered model: it has no meta.yaml"),
        "{stderr}"
    );
    let listed: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 7);
    let versions = mlrs_json(&store.root, &["models", "versions", "nyc-taxi-regressor"]);
    assert_eq!(versions.as_array().unwrap().len(), 4);
    mlrs(&store.root)
        .args(["models", "versions", "nyc-taxi-regressor", "--strict"])
        .assert()
        .code(4);
    // The broken version's number is still taken.
    let run = run_named("3.17.2", "xgb-lr0.1");
    assert_eq!(
        mlrs_stdout(&store.root, &["register", &run, "-n", "nyc-taxi-regressor"]),
        "7\n"
    );
}

#[test]
fn registered_run_ids_name_every_run_a_version_uses() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let want = &expected(version)["registry"];
        let mut runs: std::collections::BTreeSet<String> = want["model_versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["run_id"].as_str().unwrap().to_owned())
            .collect();
        // The soft-deleted v5 still names its run (which v6 shares in these stores).
        let v5 =
            std::fs::read_to_string(store.path("models/nyc-taxi-regressor/version-5/meta.yaml"))
                .unwrap();
        runs.insert(
            v5.lines()
                .find_map(|l| l.strip_prefix("run_id: "))
                .unwrap()
                .to_owned(),
        );
        let got = mlrs::store::Store::open(&store.root)
            .unwrap()
            .registered_run_ids()
            .unwrap();
        assert!(got.problems.is_empty());
        assert_eq!(
            got.items,
            runs.into_iter().collect::<Vec<_>>(),
            "MLflow {version}"
        );
    }
}
