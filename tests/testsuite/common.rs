//! Test support: fixture stores copied into temp folders (with the empty folders git drops put
//! back), the real `mlrs` binary under a fixed environment, and real MLflow from the venvs that
//! `scripts/test` creates.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use snapbox::cmd::Command as SnapCommand;

#[path = "../support/venvs.rs"]
mod venvs;
pub use venvs::{VERSIONS, in_ci, python, required, venvs};

/// The fixed clock every test run of mlrs sees (2026-11-23T15:20:00Z).
pub const NOW_MS: i64 = 1_795_500_000_000;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A store in a temp folder; removed when dropped.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
}

impl TestStore {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }
}

/// A copy of the reference store MLflow `version` wrote.
#[track_caller]
pub fn fixture_store(version: &str) -> TestStore {
    let src = repo().join("fixtures").join(format!("mlflow-{version}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("mlruns");
    copy_tree(&src.join("mlruns"), &root);
    let empty = std::fs::read_to_string(src.join("empty-dirs.txt")).expect("empty-dirs.txt");
    for rel in empty.lines().filter(|l| !l.is_empty()) {
        std::fs::create_dir_all(root.join(rel)).expect("recreate empty dir");
    }
    TestStore { dir, root }
}

/// A temp folder where no store exists yet (`<tmp>/mlruns` is not created).
pub fn no_store() -> TestStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("mlruns");
    TestStore { dir, root }
}

pub fn copy_tree(src: &Path, dst: &Path) {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk fixture");
        let target = dst.join(entry.path().strip_prefix(src).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else if entry.file_type().is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `mlrs --store <root>` with a fixed clock, width, time zone and no colour, and none of the
/// caller's MLflow variables.
pub fn mlrs(root: &Path) -> SnapCommand {
    mlrs_bare().arg("--store").arg(root)
}

/// `mlrs` without `--store`, same fixed environment.
pub fn mlrs_bare() -> SnapCommand {
    SnapCommand::new(snapbox::cmd::cargo_bin!("mlrs"))
        .env("TZ", "UTC")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .env("MLRS_NOW_MS", NOW_MS.to_string())
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_EXPERIMENT_NAME")
        .env_remove("MLFLOW_EXPERIMENT_ID")
        .env_remove("MLFLOW_RUN_ID")
        .env_remove("RUST_BACKTRACE")
        .env_remove("MLRS_SYMBOLS")
}

/// Run mlrs with `--format json`, expect success, parse stdout.
#[track_caller]
pub fn mlrs_json(root: &Path, args: &[&str]) -> Value {
    let out = mlrs(root)
        .args(args)
        .args(["--format", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "mlrs {args:?} printed invalid JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Run mlrs, expect success, return stdout.
#[track_caller]
pub fn mlrs_stdout(root: &Path, args: &[&str]) -> String {
    String::from_utf8(mlrs_success(root, args).stdout).expect("utf-8 stdout")
}

/// Run mlrs, expect success, return what it said on stderr (its notes).
#[track_caller]
pub fn mlrs_notes(root: &Path, args: &[&str]) -> String {
    String::from_utf8(mlrs_success(root, args).stderr).expect("utf-8 stderr")
}

#[track_caller]
fn mlrs_success(root: &Path, args: &[&str]) -> std::process::Output {
    mlrs(root)
        .args(args)
        .assert()
        .success()
        .get_output()
        .clone()
}

pub fn expected(version: &str) -> Value {
    let path = repo()
        .join("fixtures")
        .join(format!("mlflow-{version}"))
        .join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json"))
        .expect("valid JSON")
}

/// Run a Python script with MLflow `version` against a store; return stdout.
#[track_caller]
pub fn run_python(version: &str, script: &Path, args: &[&str], store: &Path) -> Option<String> {
    let py = python(version)?;
    let out = Command::new(py)
        .arg(script)
        .args(args)
        .env("MLFLOW_ALLOW_FILE_STORE", "true")
        .env("MLFLOW_TRACKING_URI", format!("file://{}", store.display()))
        .env("MLFLOW_REGISTRY_URI", format!("file://{}", store.display()))
        .env("MLFLOW_DISABLE_TELEMETRY", "true")
        .env("DO_NOT_TRACK", "true")
        .env("PYTHONHASHSEED", "0")
        .current_dir(store.parent().unwrap())
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "{} {args:?} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).expect("utf-8"))
}

/// What MLflow `version` answers about `store` (fixtures/record.py).
#[track_caller]
pub fn mlflow_record(version: &str, store: &Path) -> Option<Value> {
    let out_file = store
        .parent()
        .unwrap()
        .join(format!("record-{version}.json"));
    let script = repo().join("fixtures").join("record.py");
    run_python(
        version,
        &script,
        &[store.to_str().unwrap(), out_file.to_str().unwrap()],
        store,
    )?;
    let text = std::fs::read_to_string(&out_file).expect("record output");
    std::fs::remove_file(&out_file).ok();
    Some(serde_json::from_str(&text).expect("record JSON"))
}

/// Normalise a run dictionary for comparison across versions: `run_uuid` (2.x only) and the
/// 3.x model inputs/outputs are dropped, dataset inputs (directory order in MLflow) sorted.
pub fn normalize_run(mut run: Value) -> Value {
    if let Some(info) = run.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("run_uuid");
    }
    if let Some(obj) = run.as_object_mut() {
        obj.remove("outputs");
    }
    if let Some(inputs) = run.get_mut("inputs").and_then(Value::as_object_mut) {
        inputs.remove("model_inputs");
        if let Some(Value::Array(list)) = inputs.get_mut("dataset_inputs") {
            list.sort_by_key(|v| v.to_string());
        }
    }
    run
}

/// The ids of runs, experiments, registered models (their names) or model versions
/// (`<name>/<version>`) in a JSON list mlrs printed.
pub fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            let id = r.pointer("/info/run_id").or_else(|| r.get("experiment_id"));
            match (id, r.get("version")) {
                (Some(id), _) => id.as_str().expect("id").to_owned(),
                (None, Some(v)) => format!("{}/{v}", r["name"].as_str().expect("name")),
                (None, None) => r["name"].as_str().expect("id or name").to_owned(),
            }
        })
        .collect()
}

/// The id of the run named `name` in the store at `root` (any lifecycle stage).
#[track_caller]
pub fn run_id_named(root: &Path, name: &str) -> String {
    let runs = mlrs_json(root, &["runs", "list", "--view", "all"]);
    runs.as_array()
        .unwrap()
        .iter()
        .find(|r| r["info"]["run_name"] == name)
        .unwrap_or_else(|| panic!("no run {name:?}"))["info"]["run_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn experiment_id_named(root: &Path, name: &str) -> String {
    mlrs_json(root, &["experiments", "describe", name])["experiment_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The folder of a run in a store (not its artifact_uri: a copied store's runs name the
/// original folder there).
pub fn run_dir(root: &Path, run: &str) -> PathBuf {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_dir() && e.file_name().to_string_lossy() == run)
        .unwrap_or_else(|| panic!("no run folder {run}"))
        .into_path()
}
