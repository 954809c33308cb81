//! Logging from shell scripts: `runs start/end`, `log`, `mlrs run -- CMD`. What mlrs logs,
//! real MLflow reads back with the same values, steps and timestamps; a Python script under
//! `mlrs run` logs into the same run; concurrent writers lose nothing; a killed writer leaves a
//! readable store; bad input writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::*;
use crate::write_interop::{assert_mlflow_agrees, assert_yaml_canonical};

/// Every file and folder under `root` with its content, to prove a command wrote nothing.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| {
            let content = if e.file_type().is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (e.path().to_path_buf(), content)
        })
        .collect()
}

fn start(root: &Path, args: &[&str]) -> String {
    let id = mlrs_stdout(root, &[&["runs", "start"], args].concat());
    let id = id.trim().to_owned();
    assert_eq!(id.len(), 32, "runs start prints only the id: {id:?}");
    id
}

/// Paths added, removed or changed between two trees.
fn changes(
    before: &BTreeMap<PathBuf, Vec<u8>>,
    after: &BTreeMap<PathBuf, Vec<u8>>,
) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = after
        .iter()
        .filter(|(p, c)| before.get(*p) != Some(*c))
        .map(|(p, _)| p.clone())
        .collect();
    changed.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
    changed
}

fn metric_lines(root: &Path, run: &str, key: &str) -> Vec<String> {
    let path = run_dir(root, run).join("metrics").join(key);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn logged_values_read_back_in_mlflow() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let root = &store.root;
        let parent = start(root, &["-e", "nyc-taxi-duration", "--name", "sweep"]);
        let run = start(
            root,
            &[
                "-e",
                "nyc-taxi-duration",
                "--name",
                "logged",
                "--parent",
                &parent[..8],
                "--description",
                "# Notes\nline two",
                "--param",
                "lr=0.1",
                "--param",
                "model=xgboost",
                "--tag",
                "team=forecasting",
                "--tag",
                "mlflow.user=carol",
            ],
        );
        let long = "x".repeat(6001);
        let log_everything = |first_param: &str| {
            mlrs(root)
                .args([
                    "log",
                    &run,
                    "--metric",
                    "rmse=5.5@1",
                    "--metric",
                    "rmse=4.25@2",
                    "--metric",
                    "tiny=1e-07@-5",
                ])
                .args([
                    "--metric",
                    "nan_metric=nan",
                    "--metric",
                    "inf_metric=-inf@1099511627776",
                ])
                .args([
                    "--timestamp",
                    "1795239971000",
                    "--param",
                    first_param,
                    "--param",
                ])
                .arg(format!("long_param={long}"))
                .args([
                    "--tag",
                    "note=line1\nline2",
                    "--tag",
                    "café=☕ – ñ",
                    "--tag",
                    "data/version=v2",
                ])
                .assert()
        };
        // One malformed flag (no `=`) and nothing at all is written.
        log_everything("long_param").failure();
        log_everything("seed=7")
            .success()
            .stderr_eq(snapbox::str![[r#"
mlrs: warning: param 'long_param' is longer than 6000 characters; stored truncated, as MLflow does

"#]]);
        let batch = "{\"metric\": \"rmse\", \"value\": 3.0, \"step\": 3, \"timestamp\": 1795239972000}\n\
                     {\"param\": \"depth\", \"value\": 6}\n\
                     {\"tag\": \"mlflow.runName\", \"value\": \"logged-renamed\"}\n\
                     {\"metrics\": [{\"key\": \"acc\", \"value\": \"-0.0\", \"timestamp\": 5, \"step\": 0}], \"params\": [{\"key\": \"lr\", \"value\": \"0.1\"}]}\n";
        mlrs(root)
            .args(["log", &run, "--batch", "-"])
            .stdin(batch)
            .assert()
            .success();
        mlrs(root)
            .args(["runs", "end", &run, "--status", "failed"])
            .assert()
            .success();
        mlrs(root)
            .env("MLFLOW_RUN_ID", &parent)
            .args(["runs", "end"])
            .assert()
            .success();

        let shown = mlrs_json(root, &["runs", "describe", &run]);
        assert_eq!(shown["info"]["run_name"], "logged-renamed");
        assert_eq!(shown["info"]["status"], "FAILED");
        assert_eq!(
            shown["info"]["user_id"], "carol",
            "user tags win over the context's"
        );
        assert_eq!(shown["data"]["tags"]["mlflow.parentRunId"], parent.as_str());
        assert_eq!(
            shown["data"]["tags"]["mlflow.note.content"],
            "# Notes\nline two"
        );
        assert_eq!(
            shown["data"]["params"]["long_param"]
                .as_str()
                .unwrap()
                .len(),
            6000
        );
        assert_eq!(shown["data"]["metrics"]["nan_metric"], "NaN");

        assert_mlflow_agrees(version, root);
        assert_yaml_canonical(version, root);
        let Some(record) = mlflow_record(version, root) else {
            return;
        };
        let history = &record["metric_history"][&run];
        assert_eq!(
            history["rmse"],
            json!([
                [1795239971000_i64, 5.5, 1],
                [1795239971000_i64, 4.25, 2],
                [1795239972000_i64, 3.0, 3]
            ])
        );
        assert_eq!(history["tiny"], json!([[1795239971000_i64, 1e-7, -5]]));
        assert_eq!(
            history["inf_metric"],
            json!([[1795239971000_i64, "-Infinity", 1099511627776_i64]])
        );
        assert_eq!(history["acc"], json!([[5, -0.0, 0]]));
        assert_eq!(metric_lines(root, &run, "tiny"), ["1795239971000 1e-07 -5"]);
    }
}

/// `mlrs log --delete-tag` removes tags as MLflow's `delete_tag` does: MLflow no longer sees
/// them, and when one of the keys is not a tag of the run nothing is deleted.
#[test]
fn delete_tag_removes_tags_as_mlflow_sees_it() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let run = start(root, &["-e", "Default", "--name", "tagged"]);
    mlrs(root)
        .args(["log", &run, "--tag", "a=1", "--tag", "b=2", "--tag", "c=3"])
        .assert()
        .success();
    let out = mlrs(root)
        .args(["log", &run, "--delete-tag", "a", "--delete-tag", "nope"])
        .assert()
        .code(3);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("has no tag 'nope'"), "{stderr}");
    assert!(
        run_dir(root, &run).join("tags/a").is_file(),
        "a was deleted"
    );
    mlrs(root)
        .args(["log", &run, "--delete-tag", "a", "--delete-tag", "b"])
        .assert()
        .success();
    let script = repo().join("tests/py/run_stage.py");
    for (tag, expected) in [("a", "<none>"), ("b", "<none>"), ("c", "3")] {
        if let Some(out) = run_python("3.17.2", &script, &[&run, tag], root) {
            assert_eq!(out.trim(), expected, "tag {tag}");
        }
    }
}

#[test]
fn a_python_script_under_mlrs_run_logs_into_the_same_run() {
    for version in VERSIONS {
        let Some(py) = python(version) else { return };
        let store = fixture_store(version);
        let root = &store.root;
        let script = repo().join("tests/py/train.py");
        let ok = mlrs(root)
            .args([
                "run",
                "-e",
                "python-runs",
                "--create-experiment",
                "--name",
                "py-ok",
                "--tag",
                "kind=test",
                "--",
            ])
            .arg(&py)
            .arg(&script)
            .env_remove("MLFLOW_ALLOW_FILE_STORE")
            .assert()
            .success();
        let out = String::from_utf8_lossy(&ok.get_output().stdout).into_owned();
        let run_id = out
            .trim()
            .strip_prefix("trained ")
            .expect("the script's own output passes through")
            .to_owned();
        let run = mlrs_json(root, &["runs", "describe", &run_id]);
        assert_eq!(run["info"]["status"], "FINISHED");
        assert_eq!(run["info"]["run_name"], "py-ok");
        assert_eq!(run["data"]["params"]["py_param"], "from-python");
        assert_eq!(run["data"]["metrics"]["py_metric"], 1.5);
        assert_eq!(
            run["data"]["tags"]["mlflow.source.name"],
            script.to_str().unwrap()
        );
        assert_eq!(run["data"]["tags"]["kind"], "test");
        assert!(
            run["data"]["tags"]["mlrs.command"]
                .as_str()
                .unwrap()
                .ends_with("tests/py/train.py")
        );
        assert!(
            run["data"]["tags"]["mlflow.source.git.commit"].is_string(),
            "the checkout's commit is recorded"
        );

        // A failing command: the run is FAILED and mlrs exits with the command's code.
        mlrs(root)
            .args(["run", "-e", "python-runs", "--name", "py-fail", "-q", "--"])
            .arg(&py)
            .arg(&script)
            .arg("3")
            .assert()
            .code(3);
        let runs = mlrs_json(root, &["runs", "list", "-e", "python-runs"]);
        let failed = runs
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["info"]["run_name"] == "py-fail")
            .unwrap();
        assert_eq!(failed["info"]["status"], "FAILED");
        assert_mlflow_agrees(version, root);
    }
}

#[test]
fn mlrs_run_records_a_termination_as_killed_and_passes_the_signal_on() {
    let store = fixture_store("3.17.2");
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let mut child = Command::new(bin)
        .args([
            "--store",
            store.root.to_str().unwrap(),
            "run",
            "-e",
            "0",
            "--name",
            "sleeper",
            "--",
            "sleep",
            "30",
        ])
        .env("MLRS_NOW_MS", NOW_MS.to_string())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run exists, then terminate mlrs (not the child) as a scheduler would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !mlrs_stdout(&store.root, &["runs", "list", "-e", "0", "-f", "tsv"]).contains("sleeper") {
        assert!(std::time::Instant::now() < deadline, "run never started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    unsafe { libc_kill(child.id() as i32, 15) };
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(143),
        "exit code of a child ended by SIGTERM"
    );
    let runs = mlrs_json(&store.root, &["runs", "list", "-e", "0"]);
    let sleeper = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["info"]["run_name"] == "sleeper")
        .unwrap();
    assert_eq!(sleeper["info"]["status"], "KILLED");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn capture_keeps_output_as_artifacts_and_on_the_terminal() {
    let store = fixture_store("3.17.2");
    let out = mlrs(&store.root)
        .args([
            "run",
            "--capture",
            "-q",
            "-e",
            "0",
            "--name",
            "captured",
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; exit 2",
        ])
        .assert()
        .code(2);
    assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), "out\n");
    assert_eq!(String::from_utf8_lossy(&out.get_output().stderr), "err\n");
    let runs = mlrs_json(&store.root, &["runs", "list", "-e", "0"]);
    let run = runs
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["info"]["run_name"] == "captured")
        .unwrap();
    // The fixture's experiment 0 names the original fixture folder as its artifact location;
    // the new run keeps its artifacts inside the copied store all the same.
    let run_id = run["info"]["run_id"].as_str().unwrap();
    let artifacts = run_dir(&store.root, run_id).join("artifacts");
    assert_eq!(
        run["info"]["artifact_uri"],
        format!("file://{}", artifacts.display())
    );
    assert_eq!(
        std::fs::read_to_string(artifacts.join("stdout.txt")).unwrap(),
        "out\n"
    );
    assert_eq!(
        std::fs::read_to_string(artifacts.join("stderr.txt")).unwrap(),
        "err\n"
    );
    assert_eq!(run["info"]["status"], "FAILED");
}

/// The bash training script the README shows, run as written (with a stand-in trainer), so the
/// README cannot drift from what mlrs accepts.
#[test]
fn the_readme_training_script_runs_as_written() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("#!/usr/bin/env bash\n")
        .expect("README shows a bash training script");
    let script = &readme[start..start + readme[start..].find("```").unwrap()];
    let work = no_store();
    let dir = work.dir.path();
    std::fs::write(dir.join("train.sh"), script).unwrap();
    std::fs::write(dir.join("train-epoch"), "#!/bin/sh\necho 0.$((9 - $4))\n").unwrap();
    std::fs::set_permissions(
        dir.join("train-epoch"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    std::fs::write(dir.join("model.pkl"), "model").unwrap();
    let bin_dir = Path::new(snapbox::cmd::cargo_bin!("mlrs"))
        .parent()
        .unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("train.sh")
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_RUN_ID")
        .env_remove("MLFLOW_EXPERIMENT_NAME")
        .env_remove("MLFLOW_EXPERIMENT_ID")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the README's script failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let run_id = run_id_named(&work.root, "bash-loop");
    let run = mlrs_json(&work.root, &["runs", "describe", &run_id]);
    assert_eq!(run["info"]["status"], "FINISHED");
    assert_eq!(run["data"]["params"]["lr"], "0.1");
    let history = mlrs_json(&work.root, &["runs", "history", &run_id, "loss"]);
    let steps: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["step"].clone(), m["value"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!(1), json!(0.8)),
            (json!(2), json!(0.7)),
            (json!(3), json!(0.6))
        ]
    );
    assert!(
        run_dir(&work.root, &run_id)
            .join("artifacts/model.pkl")
            .is_file()
    );
}

/// `processes` shell loops, each calling `mlrs log` `calls` times; `target(p)` picks the run.
fn hammer(root: &Path, processes: usize, calls: usize, target: impl Fn(usize) -> String) {
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let children: Vec<_> = (0..processes)
        .map(|p| {
            let script = format!(
                "for i in $(seq 1 {calls}); do '{}' --store '{}' log {} --metric 'hammer={p}@'$i --timestamp $i || exit 1; done",
                bin.display(),
                root.display(),
                target(p)
            );
            Command::new("bash").arg("-c").arg(script).spawn().unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
}

#[test]
fn concurrent_writers_lose_nothing() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let shared = start(root, &["-e", "0", "--name", "shared"]);
    let own: Vec<String> = (0..8)
        .map(|p| start(root, &["-e", "0", "--name", &format!("own-{p}")]))
        .collect();
    std::thread::scope(|s| {
        s.spawn(|| hammer(root, 8, 500, |_| shared.clone()));
        s.spawn(|| hammer(root, 8, 500, |p| own[p].clone()));
    });
    let lines: std::collections::HashSet<String> =
        metric_lines(root, &shared, "hammer").into_iter().collect();
    assert_eq!(lines.len(), 4000, "4000 distinct, whole lines");
    for (p, own_run) in own.iter().enumerate() {
        for i in 1..=500 {
            assert!(
                lines.contains(&format!("{i} {p}.0 {i}")),
                "line {i} of writer {p} is missing or torn"
            );
        }
        assert_eq!(metric_lines(root, own_run, "hammer").len(), 500);
    }
}

#[test]
fn concurrent_create_experiment_makes_one_experiment() {
    let store = fixture_store("2.22.5");
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(bin)
                .args([
                    "--store",
                    store.root.to_str().unwrap(),
                    "runs",
                    "start",
                    "-e",
                    "raced",
                    "--create-experiment",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        assert!(c.wait_with_output().unwrap().status.success());
    }
    let all = mlrs_json(&store.root, &["experiments", "list", "--view", "all"]);
    let raced: Vec<&Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "raced")
        .collect();
    assert_eq!(raced.len(), 1);
    let runs = mlrs_json(&store.root, &["runs", "list", "-e", "raced"]);
    assert_eq!(runs.as_array().unwrap().len(), 8);
}

#[test]
fn mlrs_and_mlflow_logging_into_one_run_lose_nothing() {
    let version = "3.17.2";
    let Some(py) = python(version) else { return };
    let store = fixture_store(version);
    let root = &store.root;
    let run = start(root, &["-e", "0", "--name", "mixed"]);
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let mut children = Vec::new();
    for w in 0..3 {
        children.push(
            Command::new(&py)
                .arg(repo().join("tests/py/log_concurrently.py"))
                .args([&run, "mixed", "200", &w.to_string()])
                .env("MLFLOW_ALLOW_FILE_STORE", "true")
                .env("MLFLOW_TRACKING_URI", format!("file://{}", root.display()))
                .spawn()
                .unwrap(),
        );
        let script = format!(
            "for i in $(seq 1 200); do '{}' --store '{}' log {run} --metric mixed=$(( {} + i ))@$i || exit 1; done",
            bin.display(),
            root.display(),
            (w + 10) * 100000
        );
        children.push(Command::new("bash").arg("-c").arg(script).spawn().unwrap());
    }
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert_eq!(metric_lines(root, &run, "mixed").len(), 1200);
    let Some(record) = mlflow_record(version, root) else {
        return;
    };
    assert_eq!(
        record["metric_history"][&run]["mixed"]
            .as_array()
            .unwrap()
            .len(),
        1200
    );
}

#[test]
fn a_writer_killed_mid_batch_leaves_a_readable_store() {
    let version = "3.17.2";
    let store = fixture_store(version);
    let root = &store.root;
    let batch: String = (0..200_000)
        .map(|i| {
            format!(
                "{{\"metric\": \"k{}\", \"value\": {i}.5, \"step\": {i}}}\n",
                i % 50
            )
        })
        .collect();
    let file = store.dir.path().join("batch.jsonl");
    std::fs::write(&file, batch).unwrap();
    // SIGKILL as soon as metric lines appear. On a loaded machine the writes may all be done
    // before the kill lands; try again until one kill interrupts a batch.
    let mut interrupted = false;
    for _attempt in 0..6 {
        let run = start(root, &["-e", "0", "--name", "killed-writer"]);
        let mut child = Command::new(snapbox::cmd::cargo_bin!("mlrs"))
            .args([
                "--store",
                root.to_str().unwrap(),
                "log",
                &run,
                "--batch",
                file.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        let metrics = run_dir(root, &run).join("metrics");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while std::fs::read_dir(&metrics).unwrap().next().is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "the batch never started writing"
            );
            std::hint::spin_loop();
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let written: usize = (0..50)
            .map(|k| {
                std::fs::read_to_string(metrics.join(format!("k{k}")))
                    .map_or(0, |t| t.lines().count())
            })
            .sum();
        // Whatever was written is whole lines; mlrs reads the run.
        assert_eq!(
            mlrs_json(root, &["runs", "describe", &run])["info"]["status"],
            "RUNNING"
        );
        if written < 200_000 {
            interrupted = true;
            break;
        }
    }
    assert!(interrupted, "no kill landed in the middle of a batch");
    assert_mlflow_agrees(version, root);
}

#[test]
fn bad_input_writes_nothing() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let run = start(root, &["-e", "0", "--name", "strict", "--param", "lr=0.1"]);
    let deleted = start(root, &["-e", "0", "--name", "deleted"]);
    mlrs(root)
        .args(["runs", "delete", &deleted])
        .assert()
        .success();
    let before = tree(root);
    let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
        (
            vec!["--metric", "ok=1", "--metric", "a//b=1"],
            None,
            2,
            "invalid metric key 'a//b'",
        ),
        (
            vec!["--metric", "ok=1", "--metric", "loss=1@1.5"],
            None,
            2,
            "is not an integer",
        ),
        (vec!["--metric", "loss=high"], None, 2, "is not a number"),
        (
            vec!["--metric", "loss = 3"],
            None,
            2,
            "must not begin or end with a space",
        ),
        (
            vec!["--param", "lr=0.2", "--metric", "ok=1"],
            None,
            2,
            "Changing param values is not allowed",
        ),
        (
            vec!["--param", "x=1", "--param", "x=2"],
            None,
            2,
            "is given twice with different values",
        ),
        (
            vec!["--tag", "../escape=1"],
            None,
            2,
            "Names may be treated as files",
        ),
        (
            vec!["--batch", "-"],
            Some(
                "{\"metric\": \"a\", \"value\": 1}\n{\"metric\": \"b\", \"value\": 1, \"sstep\": 2}\n",
            ),
            2,
            "stdin:2: unknown key 'sstep'",
        ),
        (
            vec!["--artifact", "/no/such/file"],
            None,
            2,
            "does not exist",
        ),
        (vec![], None, 2, "nothing to log"),
        (
            vec!["--delete-tag", "no-such-tag"],
            None,
            3,
            "has no tag 'no-such-tag'",
        ),
        (
            vec!["--delete-tag", "mlflow.user", "--tag", "a=1"],
            None,
            2,
            "cannot be used with",
        ),
    ];
    for (args, stdin, code, message) in cases {
        let mut cmd = mlrs(root).arg("log").arg(&run).args(&args);
        if let Some(input) = stdin {
            cmd = cmd.stdin(input);
        }
        let out = cmd.assert().code(code);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(
            changes(&before, &tree(root)),
            Vec::<PathBuf>::new(),
            "{args:?} changed the store"
        );
    }
    let out = mlrs(root)
        .args(["log", &deleted, "--metric", "x=1"])
        .assert()
        .code(2);
    assert!(
        String::from_utf8_lossy(&out.get_output().stderr).contains("must be in the 'active' state")
    );
    mlrs(root)
        .args(["runs", "start", "-e", "no-such-experiment"])
        .assert()
        .code(3);
    mlrs(root).args(["log", "--metric", "x=1"]).assert().code(2);
    assert_eq!(changes(&before, &tree(root)), Vec::<PathBuf>::new());
}
