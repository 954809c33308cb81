//! `mlrs sync` into a real `mlflow server` (SQLite backend, `--serve-artifacts`) that the tests
//! start on 127.0.0.1, checked through MLflow's own client (`tests/py/sync_compare.py`): the
//! server answers as the file store does; reruns, a lost state file, kills at random moments
//! and a second store add nothing twice; a rerun with nothing new sends no request per run;
//! `--follow` sends lines as they are logged.
//!
//! Starting the server takes minutes on a busy machine, so one server serves every test of the
//! run (each test syncs stores of its own; runs are told apart by their source tags), and a
//! watchdog stops it when the test binary exits.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{self, TestStore, fixture_store, mlrs, no_store, python};

/// The venv `scripts/test` makes with the full `mlflow` package (the server needs it).
const SERVER_VENV: &str = "server-3.17.2";

struct Server {
    url: String,
    /// The watchdog shell (it outlives the tests only by a second).
    _watchdog: std::process::Child,
    /// Holds the database and the artifacts; never dropped (the server lives in a static).
    dir: tempfile::TempDir,
}

/// The one server of this test run, started by the first test that asks, with a guard that
/// makes the tests take turns (parallel syncs exhaust a loaded SQLite server's connection
/// pool); `None` when MLflow tests are skipped (never under CI).
fn server() -> Option<(MutexGuard<'static, ()>, &'static Server)> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    static TURN: Mutex<()> = Mutex::new(());
    let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    Some((turn, SERVER.get_or_init(Server::start).as_ref()?))
}

impl Server {
    fn start() -> Option<Server> {
        let python = python(SERVER_VENV)?;
        let mlflow = python.with_file_name("mlflow");
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.path().join("server.log")).expect("log file");
        // A shell in its own process group runs the server and watches this test process:
        // when the tests end (or die), it stops the whole group, server workers included.
        let watchdog = format!(
            "\"$@\" & server=$!; \
             while kill -0 {} 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 1; done; \
             kill -TERM 0",
            std::process::id()
        );
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &watchdog, "sh"])
            .arg(mlflow)
            .args(["server", "--host", "127.0.0.1", "--port", &port.to_string()])
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
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let server = Server {
            _watchdog: cmd.spawn().expect("start mlflow server"),
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        // 80 to 420 s were seen on a loaded machine; CI gets more room before failing.
        let limit = if common::in_ci() { 1200 } else { 900 };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(limit) {
            if ureq::get(&format!("{}/health", server.url)).call().is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "mlflow server did not answer within {limit} s:\n{}",
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

/// `mlrs sync` in the background, for killing it.
fn spawn_sync(root: &Path, server: &Server, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_mlrs"))
        .arg("-s")
        .arg(root)
        .args(["sync", "--to", &server.url])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mlrs sync")
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

/// A store of `runs` runs with `points` metric lines and one artifact each, in an experiment
/// named `experiment` (unique per test: tests share the server). One run is made by mlrs, the
/// others are copies of it under new ids (fast for many runs).
fn generated_store(experiment: &str, runs: usize, points: usize) -> TestStore {
    let store = no_store();
    let out = mlrs(&store.root)
        .args(["runs", "start", "-e", experiment, "--create-experiment"])
        .args(["--name", "r0", "--param", "i=0"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let first = String::from_utf8(out).unwrap().trim().to_owned();
    let template = common::run_dir(&store.root, &first);
    let lines: String = (0..points)
        .map(|s| {
            format!(
                "{} {} {s}\n",
                1_795_500_000_000i64 + s as i64,
                1.0 / (s + 1) as f64
            )
        })
        .collect();
    std::fs::write(template.join("metrics").join("loss"), lines).unwrap();
    std::fs::write(template.join("artifacts").join("out.txt"), "run 0").unwrap();
    let meta = std::fs::read_to_string(template.join("meta.yaml")).unwrap();
    for i in 1..runs {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = template.with_file_name(&id);
        common::copy_tree(&template, &dir);
        let meta = meta
            .replace(&first, &id)
            .replace("run_name: r0", &format!("run_name: r{i}"));
        std::fs::write(dir.join("meta.yaml"), meta).unwrap();
        std::fs::write(dir.join("tags").join("mlflow.runName"), format!("r{i}")).unwrap();
        std::fs::write(dir.join("params").join("i"), i.to_string()).unwrap();
        std::fs::write(dir.join("artifacts").join("out.txt"), format!("run {i}")).unwrap();
    }
    store
}

/// The id a test's experiment and store names end with, so tests sharing a server never meet.
fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// How many experiments the sync state maps: a rerun asks the server about each, once.
fn experiments_synced(root: &Path) -> usize {
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(state_file(root)).unwrap()).unwrap();
    state["experiments"].as_object().map_or(0, |e| e.len())
}

/// The server's id of local run `run`, from the sync state.
fn remote_id(root: &Path, run: &str) -> String {
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(state_file(root)).unwrap()).unwrap();
    state["runs"][run]["remote"]
        .as_str()
        .expect("run in the sync state")
        .to_owned()
}

#[test]
fn sync_sends_a_store_that_mlflow_reads_back_the_same_and_reruns_send_nothing() {
    let Some((_turn, server)) = server() else {
        return;
    };

    // Everything of a store MLflow wrote arrives, and MLflow's client agrees.
    let a = fixture_store("3.17.2");
    let plan = sync(&a.root, server, &["--dry-run"]);
    assert_eq!(plan["runs_created"], 34, "{plan:#}");
    assert!(
        !a.root.join(".mlrs-sync.trash").exists(),
        "a dry run writes nothing"
    );
    let first = sync(&a.root, server, &[]);
    assert_eq!(first["runs_created"], 34, "{first:#}");
    assert_eq!(first["failures"], serde_json::json!([]));
    let report = compare(&a.root, server);
    assert_eq!(report["server_runs"], 34, "{report:#}");
    assert_eq!(first["traces"], 1, "{first:#}");
    assert_eq!(report["traces"], 1, "{report:#}");

    // A rerun sends nothing and asks nothing; nor does one without the state file, which finds
    // its runs again from the server's tags.
    let again = sync(&a.root, server, &[]);
    assert_nothing_sent(&again);
    assert_eq!(again["requests"], experiments_synced(&a.root), "{again:#}");
    std::fs::remove_file(state_file(&a.root)).unwrap();
    let rediscovered = sync(&a.root, server, &[]);
    assert_eq!(rediscovered["runs_created"], 0, "{rediscovered:#}");
    assert_eq!(rediscovered["versions_created"], 0, "{rediscovered:#}");
    assert_eq!(compare(&a.root, server)["server_runs"], 34);

    // A second store from another machine, with the same experiment and model names, into the
    // same server: its runs arrive beside the first store's, neither store's runs change.
    let b = fixture_store("2.22.5");
    let second = sync(&b.root, server, &[]);
    assert_eq!(second["failures"], serde_json::json!([]), "{second:#}");
    let created = second["runs_created"].as_u64().unwrap();
    assert!(created > 0, "{second:#}");
    assert_eq!(compare(&b.root, server)["server_runs"], created);
    assert_eq!(compare(&a.root, server)["server_runs"], 34);

    // Deleted runs (and runs of deleted experiments) are left out unless asked for; then they
    // arrive, deleted.
    assert!(
        first["runs_skipped_deleted"].as_u64() > Some(0),
        "{first:#}"
    );
    let deleted = sync(&a.root, server, &["--include-deleted"]);
    let skipped = deleted["runs_created"].as_u64().unwrap();
    assert!(
        skipped > first["runs_skipped_deleted"].as_u64().unwrap(),
        "{deleted:#}"
    );
    assert_eq!(deleted["runs_updated"], 0, "{deleted:#}");
    let gone = common::run_id_named(&a.root, "to-be-deleted");
    let run = server.get(&format!("runs/get?run_id={}", remote_id(&a.root, &gone)));
    assert_eq!(run["run"]["info"]["lifecycle_stage"], "deleted", "{run:#}");
    assert_eq!(compare(&a.root, server)["server_runs"], 34 + skipped);
}

#[test]
fn a_rerun_sends_only_what_was_appended_and_no_request_per_run() {
    let Some((_turn, server)) = server() else {
        return;
    };
    let runs = 200;
    let store = generated_store(&unique("incremental"), runs, 50);
    let first = sync(&store.root, server, &["-j", "4"]);
    assert_eq!(first["runs_created"], runs, "{first:#}");
    assert_eq!(first["runs_updated"], 0, "{first:#}");
    assert_eq!(first["metric_points"], runs * 50);

    let again = sync(&store.root, server, &[]);
    assert_nothing_sent(&again);
    assert_eq!(again["runs_unchanged"], runs, "{again:#}");
    let experiments = experiments_synced(&store.root);
    assert_eq!(
        again["requests"], experiments,
        "one an experiment, none a run: {again:#}"
    );

    // Lines appended to one run, a tag set on another: only those are sent.
    let r1 = common::run_id_named(&store.root, "r1");
    let r2 = common::run_id_named(&store.root, "r2");
    mlrs(&store.root)
        .args(["log", &r1, "--metric", "loss=0.01", "--step", "50"])
        .assert()
        .success();
    mlrs(&store.root)
        .args(["log", &r1, "--metric", "loss=0.005", "--step", "51"])
        .assert()
        .success();
    mlrs(&store.root)
        .args(["log", &r2, "--tag", "stage=tuned"])
        .assert()
        .success();
    let update = sync(&store.root, server, &[]);
    assert_eq!(update["runs_updated"], 2, "{update:#}");
    assert_eq!(update["metric_points"], 2, "{update:#}");
    assert_eq!(update["tags"], 1, "{update:#}");
    assert_eq!(update["runs_created"], 0);
    let history = server.get(&format!(
        "metrics/get-history?run_id={}&metric_key=loss",
        remote_id(&store.root, &r1)
    ));
    assert_eq!(history["metrics"].as_array().map(Vec::len), Some(52));

    // MLflow overwrites a tag file in place (its folder's time stays): the rerun sees it.
    let tag = common::run_dir(&store.root, &r2).join("tags").join("stage");
    std::fs::write(&tag, "released").unwrap();
    let overwritten = sync(&store.root, server, &[]);
    assert_eq!(overwritten["runs_updated"], 1, "{overwritten:#}");
    assert_eq!(overwritten["tags"], 1, "{overwritten:#}");
    let run = server.get(&format!("runs/get?run_id={}", remote_id(&store.root, &r2)));
    let tags = run["run"]["data"]["tags"].as_array().unwrap();
    assert!(
        tags.iter()
            .any(|t| t["key"] == "stage" && t["value"] == "released"),
        "{run:#}"
    );
    compare(&store.root, server);
}

/// A rerun with nothing new still asks the server for its experiments: one the server lost
/// (wiped, or replaced by a fresh one at the same address) makes it look for every run again
/// and send what is missing, and a server that is down is an error, never "all unchanged".
#[test]
fn a_rerun_notices_a_server_that_lost_its_experiment_or_is_down() {
    let Some((_turn, server)) = server() else {
        return;
    };
    let store = generated_store(&unique("lost"), 3, 5);
    let first = sync(&store.root, server, &[]);
    assert_eq!(first["runs_created"], 3, "{first:#}");

    // As if the server had lost the experiment: the state names one it does not have.
    let path = state_file(&store.root);
    let mut state: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for exp in state["experiments"].as_object_mut().unwrap().values_mut() {
        exp["remote"] = Value::from("987654321");
    }
    std::fs::write(&path, state.to_string()).unwrap();
    let again = sync(&store.root, server, &[]);
    let notes = again["notes"].to_string();
    assert!(notes.contains("no longer has experiment"), "{again:#}");
    // Found again by their source tags in the experiment of that name: nothing doubled.
    assert_eq!(again["runs_created"], 0, "{again:#}");
    assert_eq!(compare(&store.root, server)["server_runs"], 3);

    // The same state for an address where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let down = format!("http://127.0.0.1:{port}");
    std::fs::copy(&path, path.with_file_name(format!("127_0_0_1_{port}.json"))).unwrap();
    let out = mlrs(&store.root)
        .args(["sync", "--to", &down])
        .env("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&down), "{stderr}");
}

#[test]
fn sync_killed_at_random_moments_then_rerun_leaves_no_duplicates_and_nothing_missing() {
    let Some((_turn, server)) = server() else {
        return;
    };
    let store = generated_store(&unique("killed"), 24, 3000);
    // Random moments, printed so that a failure can be replayed.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    eprintln!("kill delays seed {seed}");
    let mut x = seed | 1;
    for _ in 0..5 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = 100 + x % 2500;
        let mut child = spawn_sync(&store.root, server, &["-j", "3"]);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
    }
    sync(&store.root, server, &[]);
    // compare fails on a run with two copies and on a point the server holds twice.
    assert_eq!(compare(&store.root, server)["server_runs"], 24);
    assert_nothing_sent(&sync(&store.root, server, &[]));
}

#[test]
fn follow_sends_metric_lines_as_they_are_logged() {
    let Some((_turn, server)) = server() else {
        return;
    };
    let store = generated_store(&unique("follow"), 2, 10);
    sync(&store.root, server, &[]);
    let run = common::run_id_named(&store.root, "r0");
    let remote = remote_id(&store.root, &run);
    let mut follow = spawn_sync(&store.root, server, &["--follow", "--interval", "0.5"]);
    let arrived = |n: usize| {
        let started = Instant::now();
        loop {
            let history = server.get(&format!(
                "metrics/get-history?run_id={remote}&metric_key=live"
            ));
            if history["metrics"].as_array().is_some_and(|m| m.len() == n) {
                return true;
            }
            if started.elapsed() > Duration::from_secs(120) {
                return false;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    };
    let mut got = Vec::new();
    for step in 1..=3 {
        mlrs(&store.root)
            .args(["log", &run, "--metric", &format!("live={step}")])
            .args(["--step", &step.to_string()])
            .assert()
            .success();
        got.push(arrived(step));
    }
    let _ = follow.kill();
    let _ = follow.wait();
    assert_eq!(
        got,
        [true, true, true],
        "--follow did not send each new line"
    );
}

/// A stand-in server on 127.0.0.1 that answers 429 (Retry-After: 0), then 503, then what
/// MLflow answers to `experiments/get-by-name`, and records each request's line and
/// `Authorization` header.
/// Each request's line and `Authorization` header, as the stand-in server saw them.
type Requests = std::sync::Arc<Mutex<Vec<(String, String)>>>;

fn flaky_server() -> (String, Requests) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Requests::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let (mut auth, mut length) = (String::new(), 0);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap_or(("", ""));
                match name.to_ascii_lowercase().as_str() {
                    "authorization" => auth = value.trim().to_owned(),
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
            let _ = reader.by_ref().take(length).read_to_end(&mut Vec::new());
            let n = {
                let mut log = log.lock().unwrap();
                log.push((line.trim().to_owned(), auth));
                log.len()
            };
            let (status, body) = match n % 3 {
                1 => ("429 Too Many Requests", "{}".to_owned()),
                2 => ("503 Service Unavailable", "{}".to_owned()),
                _ => (
                    "200 OK",
                    r#"{"experiment": {"experiment_id": "7", "lifecycle_stage": "active"}}"#
                        .to_owned(),
                ),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nRetry-After: 0\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}

/// MLflow's client variables reach the server (a token as Bearer, a user and password as
/// Basic), and answers 429 and 5xx are retried until the server answers.
#[test]
fn sync_sends_mlflow_credentials_and_retries_busy_answers() {
    let store = no_store();
    mlrs(&store.root)
        .args(["experiments", "create", "only"])
        .assert()
        .success();
    for (vars, want) in [
        (vec![("MLFLOW_TRACKING_TOKEN", "tok")], "Bearer tok"),
        (
            vec![
                ("MLFLOW_TRACKING_USERNAME", "user"),
                ("MLFLOW_TRACKING_PASSWORD", "pass"),
            ],
            "Basic dXNlcjpwYXNz",
        ),
    ] {
        let (url, seen) = flaky_server();
        let mut cmd =
            mlrs(&store.root).args(["sync", "--to", &url, "--format", "json", "-e", "only"]);
        for (k, v) in vars {
            cmd = cmd.env(k, v);
        }
        let out = cmd.assert().success().get_output().stdout.clone();
        let summary: Value = serde_json::from_slice(&out).expect("JSON");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert_eq!(summary["requests"], 3, "{summary:#}");
        for (line, auth) in &seen {
            assert!(line.contains("experiments/get-by-name"), "{line}");
            assert_eq!(auth, want);
        }
    }
}

/// A model logged the way MLflow 3's users log one (`mlflow.pyfunc.log_model`, registered by
/// name, a metric logged against it): the logged model arrives with its params, tags, metrics,
/// artifacts and the run's output link, the version's source names the server's copy, and a
/// rerun asks nothing.
#[test]
fn sync_sends_a_model_logged_with_mlflow_pyfunc() {
    let Some((_turn, server)) = server() else {
        return;
    };
    let store = no_store();
    let name = unique("pyfunc");
    let script = common::repo()
        .join("tests")
        .join("py")
        .join("log_pyfunc.py");
    common::run_python(SERVER_VENV, &script, &[&name], &store.root).expect("venv present");
    let first = sync(&store.root, server, &[]);
    assert_eq!(first["failures"], serde_json::json!([]), "{first:#}");
    assert_eq!(first["logged_models_created"], 1, "{first:#}");
    assert_eq!(first["versions_created"], 1, "{first:#}");
    let report = compare(&store.root, server);
    assert_eq!(report["server_runs"], 1, "{report:#}");
    let again = sync(&store.root, server, &[]);
    assert_nothing_sent(&again);
    assert_eq!(again["logged_models_created"], 0, "{again:#}");
    assert_eq!(
        again["requests"],
        experiments_synced(&store.root),
        "{again:#}"
    );
}
