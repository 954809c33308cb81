//! Finding the store, and what happens with broken data: clear errors naming the file, broken
//! entries reported and skipped, healthy ones still shown, exit codes scripts can trust.

use snapbox::str;

use crate::common::*;

#[test]
fn store_comes_from_flag_then_tracking_uri_then_cwd() {
    let store = fixture_store("2.22.5");
    let uri = format!("file://{}", store.root.display());
    let by_env = mlrs_bare()
        .env("MLFLOW_TRACKING_URI", &uri)
        .args(["experiments", "list", "-f", "tsv"])
        .assert()
        .success();
    let by_cwd = mlrs_bare()
        .current_dir(store.dir.path())
        .args(["experiments", "list", "-f", "tsv"])
        .assert()
        .success();
    assert_eq!(by_env.get_output().stdout, by_cwd.get_output().stdout);
    // --store wins over the environment.
    mlrs(&store.root)
        .env("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
        .args(["experiments", "list"])
        .assert()
        .success();
}

#[test]
fn other_backends_are_refused_with_what_is_supported() {
    mlrs_bare()
        .env("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")
        .args(["runs", "list"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: MLFLOW_TRACKING_URI is 'sqlite:///mlflow.db': that is a database backend
hint: mlrs works on MLflow's file store only: a folder such as ./mlruns, or a file: URI (file:///abs/path/mlruns)

"#]]);
    mlrs_bare()
        .args(["--store", "http://localhost:5000", "runs", "list"])
        .assert()
        .code(2);
}

#[test]
fn a_folder_that_is_not_a_store_is_an_error_not_an_empty_table() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("src")).unwrap();
    mlrs(tmp.path())
        .args(["runs", "list"])
        .assert()
        .code(1)
        .stderr_eq(str![[r#"
mlrs: error: [..]: not an MLflow file store: no .trash folder and no experiment folder with a meta.yaml

"#]]);
    mlrs(&tmp.path().join("missing"))
        .args(["experiments", "list"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: [..]/missing: no MLflow store: the folder does not exist
hint: pass --store DIR, set MLFLOW_TRACKING_URI, or run where ./mlruns is

"#]]);
}

#[test]
fn broken_runs_are_reported_and_skipped_healthy_ones_listed() {
    let store = fixture_store("3.17.2");
    let exp_dir = store.path("0");
    let runs: Vec<_> = std::fs::read_dir(&exp_dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("meta.yaml").is_file())
        .map(|e| e.path())
        .collect();
    assert!(runs.len() >= 2);
    std::fs::write(runs[0].join("meta.yaml"), "run_id: [unclosed\n").unwrap();
    std::fs::write(runs[1].join("meta.yaml"), "").unwrap();
    let out = mlrs(&store.root)
        .args(["runs", "list", "-e", "0"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("mlrs: warning: skipped ") && stderr.contains("malformed YAML"),
        "{stderr}"
    );
    assert!(
        stderr.contains("meta.yaml: malformed YAML: the file is empty"),
        "{stderr}"
    );
    // --strict turns "something was skipped" into exit code 4; the listing is still printed.
    let strict = mlrs(&store.root)
        .args(["runs", "list", "-e", "0", "--strict", "-f", "tsv"])
        .assert()
        .code(4);
    assert!(!strict.get_output().stdout.is_empty());
}

#[test]
fn broken_experiment_is_reported_and_skipped() {
    let store = fixture_store("2.22.5");
    std::fs::create_dir(store.path("123")).unwrap();
    std::fs::write(
        store.path("123/meta.yaml"),
        "experiment_id: '999'\nname: x\n",
    )
    .unwrap();
    let out = mlrs(&store.root)
        .args(["experiments", "list", "-f", "tsv"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("experiment_id '999' does not match its folder name '123'"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("nyc-taxi-duration"));
}

#[test]
fn unknown_run_and_ambiguous_prefix() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["runs", "describe", "ffffffffffff"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: no run with id, id prefix or name 'ffffffffffff'

"#]]);
    // Not an id, so possibly a name (names may hold `/`): not found.
    mlrs(&store.root)
        .args(["runs", "describe", "../x"])
        .assert()
        .code(3);
    // With 37 runs, some one-character prefix matches several.
    let ids = ids(&mlrs_json(&store.root, &["runs", "list", "--view", "all"]));
    let prefix = (0..16)
        .map(|d| format!("{d:x}"))
        .find(|p| ids.iter().filter(|id| id.starts_with(p.as_str())).count() > 1)
        .unwrap();
    let out = mlrs(&store.root)
        .args(["runs", "describe", &prefix])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("is ambiguous: it matches"), "{stderr}");
}

#[test]
fn output_survives_a_closed_pipe() {
    let store = fixture_store("3.17.2");
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    // `true` exits at once, so mlrs writes into a closed pipe: a quiet exit 0, not an error.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' --store '{}' runs list --view all | true",
            bin.display(),
            store.root.display()
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A metric file whose last line was cut off (a crash, a copy taken mid-write): the run is
/// broken wherever that file is read, healthy runs stay listed, and nothing is ever appended
/// onto the torn line (that would turn it into a wrong value that parses).
#[test]
fn a_torn_metric_line_is_reported_and_never_appended_to() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let runs = ids(&mlrs_json(
        root,
        &["search", "metrics.rmse > 0", "--order-by", "metrics.rmse"],
    ));
    let (torn, healthy) = (&runs[0], &runs[1]);
    let rmse = run_dir(root, torn).join("metrics/rmse");
    let mut content = std::fs::read(&rmse).unwrap();
    content.extend_from_slice(b"17954360");
    std::fs::write(&rmse, &content).unwrap();

    let out = mlrs(root)
        .args(["log", torn, "--param", "new=1", "--metric", "rmse=1.5"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("metrics/rmse: the last line is torn"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&rmse).unwrap(), content, "nothing appended");
    assert!(
        !run_dir(root, torn).join("params/new").exists(),
        "nothing written"
    );

    mlrs(root)
        .args(["runs", "describe", torn])
        .assert()
        .code(1)
        .stderr_eq(str![[r#"
mlrs: error: [..]/metrics/rmse:[..]: malformed metric line '17954360': [..]

"#]]);
    // Named in a comparison: the healthy run is still shown, the exit code says one is missing.
    let out = mlrs(root)
        .args(["compare", torn, healthy, "-f", "json"])
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("mlrs: warning: skipped "), "{stderr}");
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains(healthy.as_str()));
    // Found by a search whose JSON includes every metric: reported and left out.
    let out = mlrs(root)
        .args(["search", "metrics.rmse > 0", "-f", "json"])
        .assert()
        .success();
    let found: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(!ids(&found).contains(torn) && ids(&found).contains(healthy));
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("metrics/rmse"));
}

#[test]
fn runs_start_without_a_store_names_the_missing_experiment() {
    let empty = no_store();
    mlrs(&empty.root)
        .args(["runs", "start", "-e", "taxi"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: experiment 'taxi' does not exist: there is no store at [..]/mlruns yet
hint: add --create-experiment to create both

"#]]);
    assert!(!empty.root.exists());
}
