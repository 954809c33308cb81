//! Hostile and unlucky situations: leftovers of a crash, concurrent structure changes, symbolic
//! links, configured artifact roots, mistaken `--store` paths, escape sequences in names,
//! requests that must be refused before anything is written.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::*;
use crate::write_interop::{assert_mlflow_reads_the_same, assert_no_leftovers};

/// Every folder in an experiment that is not a complete run (no meta.yaml), anywhere.
fn half_runs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for exp in std::fs::read_dir(root)
        .unwrap()
        .chain(std::fs::read_dir(root.join(".trash")).unwrap())
    {
        let exp = exp.unwrap().path();
        if !exp.join("meta.yaml").is_file() {
            continue;
        }
        for run in std::fs::read_dir(&exp).unwrap().flatten() {
            let name = run.file_name().to_string_lossy().into_owned();
            let reserved = ["tags", "datasets", "traces", "models"].contains(&name.as_str());
            if run.path().is_dir() && !reserved && !run.path().join("meta.yaml").is_file() {
                out.push(run.path());
            }
        }
    }
    out
}

#[test]
fn leftovers_of_a_crash_are_invisible_to_mlflow_and_mlrs() {
    for version in VERSIONS {
        let store = fixture_store(version);
        // What a crash in the middle of creating a run, an experiment or a model, or of
        // removing a model, leaves behind.
        let leftover = store
            .root
            .join(".mlrs-tmp-0123456789abcdef0123456789abcdef.trash");
        std::fs::create_dir_all(leftover.join("params")).unwrap();
        std::fs::write(leftover.join("meta.yaml"), "run_id: x\n").unwrap();
        let out = mlrs(&store.root)
            .args(["experiments", "list", "--strict", "-f", "tsv"])
            .assert()
            .success();
        assert!(
            out.get_output().stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.get_output().stderr)
        );
        assert_mlflow_reads_the_same(version, &store.root);
    }
}

#[test]
fn logging_while_experiments_move_never_leaves_half_a_run() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let exp = mlrs_stdout(root, &["experiments", "create", "moving"])
        .trim()
        .to_owned();
    let run = mlrs_stdout(root, &["runs", "start", "-e", &exp])
        .trim()
        .to_owned();
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let logger = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "for i in $(seq 1 150); do '{}' --store '{}' log {run} --tag t$i=v --metric m=$i@$i 2>/dev/null; done",
            bin.display(),
            root.display()
        ))
        .spawn()
        .unwrap();
    let mover = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "for i in $(seq 1 40); do '{b}' --store '{r}' experiments delete {exp} 2>/dev/null; '{b}' --store '{r}' experiments restore {exp} 2>/dev/null; done",
            b = bin.display(),
            r = root.display()
        ))
        .spawn()
        .unwrap();
    for mut child in [logger, mover] {
        child.wait().unwrap();
    }
    assert_eq!(
        half_runs(root),
        Vec::<PathBuf>::new(),
        "a write recreated a run folder that had moved"
    );
    mlrs(root)
        .args(["runs", "list", "--view", "all", "--strict"])
        .assert()
        .success();
}

#[test]
fn symbolic_links_are_followed_as_mlflow_follows_them() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    // An experiment folder that is a link (a store assembled from several disks).
    let green = experiment_id_named(root, "green-taxi-tips");
    let elsewhere = store.dir.path().join("elsewhere");
    std::fs::rename(root.join(&green), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, root.join(&green)).unwrap();
    let names: Vec<Value> = mlrs_json(root, &["experiments", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].clone())
        .collect();
    assert!(names.contains(&Value::from("green-taxi-tips")), "{names:?}");
    assert_eq!(
        mlrs_json(root, &["runs", "list", "-e", "green-taxi-tips"])
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Artifacts: linked files and folders are copied (their targets), empty folders kept.
    let src = store.dir.path().join("model");
    std::fs::create_dir_all(src.join("empty")).unwrap();
    std::fs::write(store.dir.path().join("weights.bin"), "w").unwrap();
    std::os::unix::fs::symlink(
        store.dir.path().join("weights.bin"),
        src.join("weights.bin"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&elsewhere, src.join("linked-dir")).unwrap();
    let run = mlrs_stdout(root, &["runs", "start", "-e", "0"])
        .trim()
        .to_owned();
    mlrs(root)
        .args(["log", &run, "--artifact"])
        .arg(format!("{}=model", src.display()))
        .assert()
        .success();
    let artifacts = run_dir(root, &run).join("artifacts").join("model");
    assert_eq!(
        std::fs::read_to_string(artifacts.join("weights.bin")).unwrap(),
        "w"
    );
    assert!(!artifacts.join("weights.bin").is_symlink());
    assert!(artifacts.join("empty").is_dir());
    assert!(artifacts.join("linked-dir").join("meta.yaml").is_file());
}

#[test]
fn a_configured_artifact_root_is_kept() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let id = mlrs_stdout(root, &["experiments", "create", "with-root"])
        .trim()
        .to_owned();
    // As `mlflow server --default-artifact-root /data/artifacts` records it: `<root>/<id>`.
    let artroot = store.dir.path().join("artroot");
    std::fs::create_dir_all(&artroot).unwrap();
    let meta = root.join(&id).join("meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap();
    let text = text.replace(
        &format!("file://{}/{id}", root.display()),
        &format!("file://{}/{id}", artroot.display()),
    );
    std::fs::write(&meta, text).unwrap();
    let run = mlrs_stdout(root, &["runs", "start", "-e", &id])
        .trim()
        .to_owned();
    let info = mlrs_json(root, &["runs", "describe", &run]);
    assert_eq!(
        info["info"]["artifact_uri"],
        format!("file://{}/{id}/{run}/artifacts", artroot.display())
    );
    let file = store.dir.path().join("f.txt");
    std::fs::write(&file, "x").unwrap();
    mlrs(root)
        .args(["log", &run, "--artifact", file.to_str().unwrap()])
        .assert()
        .success();
    assert!(
        artroot
            .join(&id)
            .join(&run)
            .join("artifacts")
            .join("f.txt")
            .is_file()
    );
}

#[test]
fn store_paths_inside_a_store_are_refused() {
    let store = fixture_store("3.17.2");
    let exp = store.path("0");
    for inner in [exp.clone(), store.path(".trash"), store.path("models")] {
        // A path the user got wrong, with a hint naming the store around it.
        mlrs(&inner)
            .args(["experiments", "create", "nested"])
            .assert()
            .code(2);
        mlrs(&inner).args(["runs", "list"]).assert().code(2);
    }
    assert!(
        !exp.join(".trash").exists(),
        "nothing was created inside the experiment"
    );
}

#[test]
fn runs_start_checks_everything_before_writing() {
    let store = fixture_store("2.22.5");
    let root = &store.root;
    let before = mlrs_json(root, &["experiments", "list", "--view", "all"]);
    mlrs(root)
        .args([
            "runs",
            "start",
            "-e",
            "new-one",
            "--create-experiment",
            "--tag",
            "bad$=1",
        ])
        .assert()
        .code(2);
    mlrs(root)
        .args([
            "runs",
            "start",
            "-e",
            "new-one",
            "--create-experiment",
            "--parent",
            "ffffffffff",
        ])
        .assert()
        .code(3);
    mlrs(root)
        .args(["runs", "start", "-e", "new-one"])
        .assert()
        .code(3);
    assert_eq!(
        mlrs_json(root, &["experiments", "list", "--view", "all"]),
        before
    );
    // No store is created for a run that cannot start.
    let fresh = no_store();
    mlrs(&fresh.root)
        .args(["runs", "start", "-e", "typo"])
        .assert()
        .code(3);
    assert!(!fresh.root.exists());
    // An empty folder becomes a store with its Default experiment.
    std::fs::create_dir(&fresh.root).unwrap();
    mlrs(&fresh.root).args(["runs", "start"]).assert().success();
    assert!(fresh.root.join("0").join("meta.yaml").is_file());
}

#[test]
fn the_environment_names_experiments_as_mlflow_reads_it() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let green = experiment_id_named(root, "green-taxi-tips");
    // MLFLOW_EXPERIMENT_NAME wins over MLFLOW_EXPERIMENT_ID, for writing and for listing alike.
    let run = mlrs(root)
        .env("MLFLOW_EXPERIMENT_NAME", "nyc-taxi-duration")
        .env("MLFLOW_EXPERIMENT_ID", &green)
        .args(["runs", "start", "--name", "from-env"])
        .assert()
        .success();
    let run = String::from_utf8_lossy(&run.get_output().stdout)
        .trim()
        .to_owned();
    let listed = mlrs(root)
        .env("MLFLOW_EXPERIMENT_NAME", "nyc-taxi-duration")
        .env("MLFLOW_EXPERIMENT_ID", &green)
        .args(["runs", "list", "-f", "tsv"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains(&run));
    // A name is looked up as a name, even when it looks like another experiment's id.
    mlrs(root)
        .env("MLFLOW_EXPERIMENT_NAME", &green)
        .args(["runs", "start"])
        .assert()
        .code(3);
}

#[test]
fn mlrs_run_always_ends_its_run() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    // --capture where artifacts are not local: refused, and the run it started is FAILED.
    mlrs(root)
        .args([
            "run",
            "--capture",
            "-q",
            "-e",
            "s3-artifacts",
            "--name",
            "s3",
            "--",
            "true",
        ])
        .assert()
        .code(2);
    // A command that does not exist: the shell's 127, and a FAILED run.
    mlrs(root)
        .args([
            "run",
            "-q",
            "-e",
            "0",
            "--name",
            "missing",
            "--",
            "no-such-command-xyz",
        ])
        .assert()
        .code(127);
    let runs = mlrs_json(root, &["runs", "list", "--view", "all"]);
    for name in ["s3", "missing"] {
        let run = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["info"]["run_name"] == name)
            .unwrap();
        assert_eq!(run["info"]["status"], "FAILED", "{name}");
    }
}

#[test]
fn several_targets_are_all_checked_before_any_changes() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    mlrs(root)
        .args(["experiments", "create", "doomed"])
        .assert()
        .success();
    mlrs(root)
        .args(["experiments", "delete", "doomed", "0"])
        .assert()
        .code(2);
    assert_eq!(
        mlrs_json(root, &["experiments", "describe", "doomed"])["lifecycle_stage"],
        "active"
    );
}

#[test]
fn names_cannot_drive_the_terminal() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    mlrs(root)
        .args([
            "runs",
            "start",
            "-e",
            "0",
            "--name",
            "evil\u{1b}]0;pwned\u{7}\u{1b}[31mRED",
        ])
        .assert()
        .success();
    let out = mlrs(root)
        .args(["runs", "list", "-e", "0", "-f", "table"])
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("evil\\u{1b}]0;pwned"), "{table}");
    // Data formats keep the name exactly.
    let json = mlrs_json(root, &["runs", "list", "-e", "0"]);
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|r| r["info"]["run_name"] == "evil\u{1b}]0;pwned\u{7}\u{1b}[31mRED")
    );
}

#[test]
fn small_things_scripts_rely_on() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    // Values are case-insensitive, as the help's examples write them.
    let run = mlrs_stdout(root, &["runs", "start", "-e", "0"])
        .trim()
        .to_owned();
    mlrs(root)
        .args(["runs", "end", &run, "--status", "FAILED"])
        .assert()
        .success();
    mlrs(root)
        .args(["runs", "list", "--view", "ALL", "-f", "TSV"])
        .assert()
        .success();
    // A stray COMPLETE=1 (CI, Make) does not turn mlrs into a completion engine.
    mlrs(root)
        .env("COMPLETE", "1")
        .args(["runs", "list", "-f", "tsv"])
        .assert()
        .success();
    // `runs describe` defaults to $MLFLOW_RUN_ID, as `log` and `runs end` do.
    let shown = mlrs(root)
        .env("MLFLOW_RUN_ID", &run)
        .args(["runs", "describe", "-f", "json"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&shown.get_output().stdout).contains(&run));
    // An empty name gets a random one, as in MLflow.
    let unnamed = mlrs_stdout(root, &["runs", "start", "-e", "0", "--name", ""])
        .trim()
        .to_owned();
    assert!(
        !mlrs_json(root, &["runs", "describe", &unnamed])["info"]["run_name"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // An I/O error is printed once (a file where the store folder would go).
    let blocker = store.dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let out = mlrs(&blocker.join("mlruns"))
        .args(["experiments", "create", "x"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(stderr.matches("os error").count(), 1, "{stderr}");
    assert_no_leftovers(root);
}
