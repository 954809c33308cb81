//! Stores that are damaged, odd or hostile: special files where data should be, symbolic
//! links planted to carry writes out of the store, names too long for the file system, one
//! bad file among healthy ones, and writes cut short by a kill.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::*;

/// A store written by mlrs: experiment `e` with run `r` (one metric, one param, one tag).
fn small_store() -> (TestStore, String) {
    let store = no_store();
    let run = mlrs_stdout(
        &store.root,
        &[
            "runs",
            "start",
            "-e",
            "e",
            "--create-experiment",
            "--name",
            "r",
            "--param",
            "p=1",
        ],
    )
    .trim()
    .to_owned();
    mlrs_stdout(
        &store.root,
        &["log", &run, "--metric", "m=1@1", "--tag", "t=1"],
    );
    (store, run)
}

#[track_caller]
fn failing(root: &Path, args: &[&str], code: i32) -> String {
    let out = mlrs(root)
        .args(args)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(code)
        .get_output()
        .clone();
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn a_new_metric_file_appears_with_its_first_line_or_not_at_all() {
    let (store, run) = small_store();
    let status = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "inject=write:signal=KILL:when=1",
        ])
        .arg(snapbox::cmd::cargo_bin!("mlrs"))
        .arg("--store")
        .arg(&store.root)
        .args(["log", &run, "--metric", "loss=0.5@1"])
        .status()
        .expect("strace (scripts/test installs it)");
    assert!(!status.success(), "the kill happened");
    let file = run_dir(&store.root, &run).join("metrics").join("loss");
    if let Ok(text) = std::fs::read_to_string(&file) {
        assert!(text.ends_with(" 0.5 1\n"), "{text:?}");
    }
    mlrs_stdout(&store.root, &["--strict", "runs", "describe", &run]);
}

#[test]
fn a_half_done_experiment_delete_or_restore_finishes_when_rerun() {
    let (store, run) = small_store();
    let root = &store.root;
    let id = experiment_id_named(root, "e");
    // Killed between restore's move and its rewrites: back in the root, still deleted.
    mlrs_stdout(root, &["experiments", "delete", "e"]);
    std::fs::rename(root.join(".trash").join(&id), root.join(&id)).unwrap();
    mlrs_stdout(root, &["gc", "--dry-run"]);
    mlrs_stdout(root, &["experiments", "restore", "e"]);
    let exp = mlrs_json(root, &["experiments", "describe", "e"]);
    assert_eq!(exp["lifecycle_stage"], "active");
    assert_eq!(
        mlrs_json(root, &["runs", "describe", &run])["info"]["lifecycle_stage"],
        "active"
    );
    // Killed before delete's final move: marked deleted, still in the root.
    let meta = root.join(&id).join("meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace("lifecycle_stage: active", "lifecycle_stage: deleted"),
    )
    .unwrap();
    mlrs_stdout(root, &["experiments", "delete", "e"]);
    assert!(root.join(".trash").join(&id).join("meta.yaml").is_file());
    assert_eq!(
        mlrs_json(root, &["runs", "describe", &run])["info"]["lifecycle_stage"],
        "deleted"
    );
}

#[test]
fn keys_too_long_for_a_file_name_are_refused_before_anything_is_written() {
    let (store, run) = small_store();
    let long = "鍵".repeat(250);
    let err = failing(
        &store.root,
        &[
            "log",
            &run,
            "--param",
            "q=1",
            "--tag",
            "a=1",
            "--param",
            &format!("{long}=1"),
        ],
        2,
    );
    assert!(err.contains("750 bytes"), "{err}");
    let dir = run_dir(&store.root, &run);
    assert!(!dir.join("params").join("q").exists());
    assert!(!dir.join("tags").join("a").exists());
}

#[test]
fn special_and_huge_files_are_refused_quickly_with_a_short_message() {
    let (store, run) = small_store();
    let metrics = run_dir(&store.root, &run).join("metrics");
    let fifo = metrics.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let err = failing(&store.root, &["runs", "describe", &run], 1);
    assert!(err.contains("FIFO") && err.contains("fifo"), "{err}");
    std::fs::remove_file(&fifo).unwrap();

    std::os::unix::fs::symlink("/dev/zero", metrics.join("zero")).unwrap();
    let err = failing(&store.root, &["runs", "history", &run, "zero"], 1);
    assert!(err.contains("device"), "{err}");
    std::fs::remove_file(metrics.join("zero")).unwrap();

    let sparse = std::fs::File::create(metrics.join("huge")).unwrap();
    sparse.set_len(1 << 30).unwrap();
    let err = failing(&store.root, &["runs", "describe", &run], 1);
    assert!(err.contains("huge") && err.len() < 400, "{err}");
    std::fs::remove_file(metrics.join("huge")).unwrap();

    let meta = run_dir(&store.root, &run).join("meta.yaml");
    std::fs::remove_file(&meta).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(&meta)
            .status()
            .unwrap()
            .success()
    );
    let err = failing(&store.root, &["--strict", "runs", "list"], 4);
    assert!(err.contains("FIFO"), "{err}");
}

#[test]
fn odd_store_roots_are_still_stores() {
    let (store, _) = small_store();
    std::fs::write(store.root.join("meta.yaml"), "stray: 1\n").unwrap();
    mlrs_stdout(&store.root, &["--strict", "experiments", "list"]);
    for name in ["models", ".trash"] {
        let dir = store.dir.path().join(name);
        copy_tree(&store.root, &dir);
        let runs = mlrs_json(&dir, &["--strict", "runs", "list"]);
        assert_eq!(runs.as_array().unwrap().len(), 1, "{name}");
    }
}

#[test]
fn one_bad_file_is_reported_alone_and_the_rest_is_shown() {
    let (store, run) = small_store();
    let root = &store.root;
    let id = experiment_id_named(root, "e");
    std::fs::create_dir_all(root.join(&id).join("tags")).unwrap();
    std::fs::write(root.join(&id).join("tags").join("bad"), b"\xff\xfe").unwrap();
    // Named by name or by id, the experiment's runs are listed and the bad file named.
    for named in ["e", id.as_str()] {
        let out = mlrs(root)
            .args(["runs", "list", "-e", named, "--format", "json"])
            .assert()
            .success()
            .get_output()
            .clone();
        assert!(String::from_utf8_lossy(&out.stdout).contains(&run));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("tags/bad"),
            "-e {named}"
        );
    }
    let out = mlrs(root)
        .args(["experiments", "list", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"e\""));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tags/bad"));

    let store = fixture_store("3.17.2");
    let root = &store.root;
    let dataset = root
        .join("252327053252883710")
        .join("datasets")
        .join("a724d27ecffac5f569fcd62782255397")
        .join("meta.yaml");
    let before = mlrs_json(root, &["search", "-e", "252327053252883710"]);
    std::fs::write(&dataset, "name: [unclosed\n").unwrap();
    let out = mlrs(root)
        .args(["search", "-e", "252327053252883710", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .clone();
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&after), ids(&before));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a724d27ecffac5f569fcd62782255397"));

    let model = root.join("models").join("nyc-taxi-regressor");
    let versions = mlrs_json(root, &["models", "versions", "nyc-taxi-regressor"]);
    std::fs::create_dir_all(model.join("tags")).unwrap();
    std::fs::write(model.join("tags").join("bad"), b"\xff").unwrap();
    std::fs::create_dir_all(model.join("aliases")).unwrap();
    std::fs::write(model.join("aliases").join("worse"), b"\xff").unwrap();
    let out = mlrs(root)
        .args([
            "models",
            "versions",
            "nyc-taxi-regressor",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let after: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        after.as_array().unwrap().len(),
        versions.as_array().unwrap().len()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tags/bad") && err.contains("aliases/worse"),
        "{err}"
    );
}

/// A folder outside the store that planted links point at; it must stay untouched.
fn outside(store: &TestStore) -> PathBuf {
    let dir = store.dir.path().join("outside");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[track_caller]
fn refused(root: &Path, args: &[&str], outside: &Path) {
    let err = failing(root, args, 1);
    assert!(err.contains("symbolic link"), "{args:?}: {err}");
    assert_eq!(
        std::fs::read_dir(outside).unwrap().count(),
        0,
        "{args:?} wrote outside"
    );
}

#[test]
fn writes_never_pass_through_links_planted_in_the_store() {
    let (store, run) = small_store();
    let root = &store.root;
    let out = outside(&store);
    let dir = run_dir(root, &run);
    let plant = |path: &Path| {
        let moved = path.with_extension("real");
        std::fs::rename(path, &moved).unwrap();
        std::os::unix::fs::symlink(&out, path).unwrap();
        moved
    };
    for (sub, args) in [
        ("metrics", vec!["log", &run, "--metric", "x=1"]),
        ("params", vec!["log", &run, "--param", "x=1"]),
        ("tags", vec!["log", &run, "--tag", "x=1"]),
        ("artifacts", vec!["log", &run, "--artifact", "Cargo.toml"]),
    ] {
        let moved = plant(&dir.join(sub));
        let args: Vec<&str> = args
            .iter()
            .map(|a| {
                if *a == "Cargo.toml" {
                    env!("CARGO_MANIFEST_PATH")
                } else {
                    a
                }
            })
            .collect();
        refused(root, &args, &out);
        std::fs::remove_file(dir.join(sub)).unwrap();
        std::fs::rename(moved, dir.join(sub)).unwrap();
    }
    let target = out.join("victim");
    std::os::unix::fs::symlink(&target, dir.join("metrics").join("one")).unwrap();
    let err = failing(root, &["log", &run, "--metric", "one=1"], 1);
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!target.exists());
    std::fs::remove_file(dir.join("metrics").join("one")).unwrap();

    let id = experiment_id_named(root, "e");
    std::fs::create_dir_all(root.join(&id).join("tags")).unwrap();
    let moved = plant(&root.join(&id).join("tags"));
    refused(root, &["experiments", "tag", "e", "x=1"], &out);
    std::fs::remove_file(root.join(&id).join("tags")).unwrap();
    std::fs::rename(moved, root.join(&id).join("tags")).unwrap();

    std::fs::remove_dir(root.join(".trash")).unwrap();
    std::os::unix::fs::symlink(&out, root.join(".trash")).unwrap();
    refused(root, &["experiments", "delete", "e"], &out);
    assert!(root.join(&id).join("meta.yaml").is_file());
}

#[test]
fn messages_and_exit_codes_name_what_is_wrong() {
    let (store, run) = small_store();
    let root = &store.root;
    let dir = run_dir(root, &run);
    std::os::unix::fs::symlink("loop", dir.join("metrics").join("loop")).unwrap();
    let err = failing(root, &["runs", "history", &run, "loop"], 1);
    assert!(err.contains("metrics/loop"), "{err}");

    let out = mlrs(root)
        .args(["log", &run, "--batch", "-"])
        .stdin(b"{\"param\": \"a\", \"value\": \"\xff\"}\n".to_vec())
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));

    let meta = dir.join("meta.yaml");
    std::fs::remove_file(&meta).unwrap();
    std::fs::create_dir(&meta).unwrap();
    let err = failing(root, &["runs", "describe", &run], 1);
    assert!(err.contains("meta.yaml"), "{err}");
    std::fs::remove_dir(&meta).unwrap();
    std::os::unix::fs::symlink("meta.yaml", &meta).unwrap();
    let err = failing(root, &["runs", "describe", &run[..8]], 1);
    assert!(err.contains("meta.yaml"), "{err}");
}
