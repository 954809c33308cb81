//! `mlrs sync` into a real `mlflow server` (SQLite backend, `--serve-artifacts`) that the test
//! starts on 127.0.0.1, checked through MLflow's own client (`tests/py/sync_compare.py`): the
//! server answers as the file store does; reruns, a lost state file, kills at random moments
//! and a second store add nothing twice; `--follow` sends lines as they are logged.
//!
//! Starting the server takes long on a busy machine, so one test walks through every case.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{self, TestStore, fixture_store, mlrs, no_store, python};

/// The venv `scripts/test` makes with the full `mlflow` package (the server needs it).
const SERVER_VENV: &str = "server-3.17.2";

struct Server {
    child: Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Server {
    #[track_caller]
    fn start() -> Option<Server> {
        let python = python(SERVER_VENV)?;
        let mlflow = python.with_file_name("mlflow");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        let mut cmd = Command::new(mlflow);
        cmd.args(["server", "--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--workers", "1", "--serve-artifacts"])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}/mlflow.db", dir.path().display()))
            .arg("--artifacts-destination")
            .arg(dir.path().join("artifacts"))
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .env("MLFLOW_DISABLE_TELEMETRY", "true")
            .env("DO_NOT_TRACK", "true")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log);
        // Its own process group, so that its workers go with it.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("start mlflow server");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(600) {
            if ureq::get(&format!("{}/health", server.url)).call().is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "mlflow server did not answer within 600 s:\n{}",
            std::fs::read_to_string(server.dir.path().join("server.log")).unwrap_or_default()
        );
    }

    fn get(&self, path: &str) -> Value {
        ureq::get(&format!("{}/api/2.0/mlflow/{path}", self.url))
            .call()
            .expect("GET")
            .body_mut()
            .read_json()
            .expect("JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        unsafe { libc::kill(group, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

#[track_caller]
fn sync(root: &Path, server: &Server, extra: &[&str]) -> Value {
    let out = mlrs(root)
        .args(["sync", "--to", &server.url, "--format", "json"])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("sync prints JSON")
}

/// What MLflow's client finds on the server that differs from the store.
#[track_caller]
fn compare(root: &Path, server: &Server) -> Value {
    let script = common::repo()
        .join("tests")
        .join("py")
        .join("sync_compare.py");
    let out = common::run_python(
        SERVER_VENV,
        &script,
        &[root.to_str().unwrap(), &server.url],
        root,
    )
    .expect("venv present");
    let report: Value = serde_json::from_str(out.lines().last().unwrap_or("")).expect("JSON");
    assert_eq!(report["mismatches"], serde_json::json!([]), "{report:#}");
    report
}

fn state_file(root: &Path) -> PathBuf {
    let dir = root.join(".mlrs-sync.trash");
    std::fs::read_dir(&dir)
        .expect("state folder")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a state file")
}

#[track_caller]
fn assert_nothing_sent(summary: &Value) {
    for key in [
        "experiments_created",
        "runs_created",
        "runs_updated",
        "metric_points",
        "params",
        "tags",
        "artifact_files",
        "models_created",
        "versions_created",
    ] {
        assert_eq!(summary[key], 0, "{key} in {summary:#}");
    }
}

/// A store of `runs` runs with `points` metric lines each, written by mlrs.
fn generated_store(runs: usize, points: usize) -> TestStore {
    let store = no_store();
    for i in 0..runs {
        let out = mlrs(&store.root)
            .args(["runs", "start", "-e", "killed", "--create-experiment"])
            .args(["--name", &format!("r{i}"), "--param", &format!("i={i}")])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let id = String::from_utf8(out).unwrap().trim().to_owned();
        let dir = common::run_dir(&store.root, &id);
        let lines: String = (0..points)
            .map(|s| {
                format!(
                    "{} {} {s}\n",
                    1_795_500_000_000i64 + s as i64,
                    1.0 / (s + 1) as f64
                )
            })
            .collect();
        std::fs::write(dir.join("metrics").join("loss"), lines).unwrap();
        std::fs::write(dir.join("artifacts").join("out.txt"), format!("run {i}")).unwrap();
    }
    store
}

#[test]
fn sync_into_a_real_server() {
    let Some(server) = Server::start() else {
        return;
    };

    // Everything of a store MLflow wrote arrives, and MLflow's client agrees.
    let a = fixture_store("3.17.2");
    mlrs(&a.root)
        .args(["sync", "--to", &server.url, "--dry-run", "--format", "json"])
        .assert()
        .success();
    assert!(
        !a.root.join(".mlrs-sync.trash").exists(),
        "a dry run writes nothing"
    );
    let first = sync(&a.root, &server, &[]);
    assert_eq!(first["runs_created"], 34, "{first:#}");
    assert_eq!(first["failures"], serde_json::json!([]));
    let report = compare(&a.root, &server);
    let runs_on_server = report["server_runs"].clone();

    // A rerun sends nothing; so does one without the state file (found from server tags).
    assert_nothing_sent(&sync(&a.root, &server, &[]));
    std::fs::remove_file(state_file(&a.root)).unwrap();
    let rediscovered = sync(&a.root, &server, &[]);
    assert_eq!(rediscovered["runs_created"], 0, "{rediscovered:#}");
    assert_eq!(rediscovered["versions_created"], 0, "{rediscovered:#}");
    assert_eq!(compare(&a.root, &server)["server_runs"], runs_on_server);

    // A second store (same experiment and model names) into the same server.
    let b = fixture_store("2.22.5");
    let second = sync(&b.root, &server, &[]);
    assert!(second["runs_created"].as_u64().unwrap() > 0, "{second:#}");
    let both = compare(&b.root, &server)["server_runs"].as_u64().unwrap();
    assert_eq!(
        both,
        runs_on_server.as_u64().unwrap() + second["runs_created"].as_u64().unwrap()
    );

    // Killed at arbitrary moments, then finished: nothing twice, nothing missing.
    let c = generated_store(24, 3000);
    for delay_ms in [150, 700, 1300, 2600] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mlrs"))
            .args(["-s", c.root.to_str().unwrap(), "sync", "--to", &server.url])
            .args(["-j", "3"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sync");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    sync(&c.root, &server, &[]);
    compare(&c.root, &server);
    assert_nothing_sent(&sync(&c.root, &server, &[]));

    // --follow sends metric lines as they are logged.
    let run = common::run_id_named(&c.root, "r0");
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(state_file(&c.root)).unwrap()).unwrap();
    let remote = state["runs"][&run]["remote"].as_str().unwrap().to_owned();
    let mut follow = Command::new(env!("CARGO_BIN_EXE_mlrs"))
        .args(["-s", c.root.to_str().unwrap(), "sync", "--to", &server.url])
        .args(["--follow", "--interval", "0.5"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sync --follow");
    mlrs(&c.root)
        .args(["log", &run, "--metric", "live=1", "--step", "7"])
        .assert()
        .success();
    let started = Instant::now();
    let arrived = loop {
        let history = server.get(&format!(
            "metrics/get-history?run_id={remote}&metric_key=live"
        ));
        if history["metrics"].as_array().is_some_and(|m| m.len() == 1) {
            break true;
        }
        if started.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(300));
    };
    let _ = follow.kill();
    let _ = follow.wait();
    assert!(arrived, "--follow did not send the new metric line");
}
