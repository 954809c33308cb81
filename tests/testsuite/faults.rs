//! Fault injection: each write command is killed (SIGKILL, through `strace -e inject`) at one
//! of its file-changing system calls after another. After every kill the store must still be
//! readable with `--strict`, and rerunning the same command must finish the change, leaving
//! the store as one uninterrupted command leaves it. Real MLflow then reads every resulting
//! store (one Python process per version for all of them).
//!
//! By default a few kill points per command are tried (spread over its steps); with
//! `MLRS_FAULTS=all` (scripts/faults.sh) every step of every command is, and the table of
//! trials per area is printed either way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::*;

/// The system calls that change files: a kill just before any of them is a possible crash
/// point of a write command.
const STEPS: &str = "write,pwrite64,rename,renameat,renameat2,link,linkat,mkdir,mkdirat,unlink,unlinkat,rmdir,fsync,fdatasync";

/// Kill points tried per command unless `MLRS_FAULTS=all`.
const SAMPLE: usize = 3;

struct Scenario {
    area: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    /// Whether a second run leaves the same store as one (a new run or version does not).
    idempotent: bool,
}

const BATCH: &str = "{\"metric\": \"b1\", \"value\": 0.5, \"step\": 1}\n{\"metric\": \"b2\", \"value\": 1.5, \"step\": 1}\n{\"param\": \"bp\", \"value\": \"x\"}\n{\"tag\": \"bt\", \"value\": \"y\"}\n";

const SCENARIOS: &[Scenario] = &[
    Scenario {
        area: "log",
        args: &[
            "log",
            "{r1}",
            "--metric",
            "fresh=0.5@1",
            "--param",
            "q=2",
            "--tag",
            "u=3",
        ],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "log --batch",
        args: &["log", "{r1}", "--batch", "-"],
        stdin: Some(BATCH),
        idempotent: true,
    },
    Scenario {
        area: "runs start",
        args: &[
            "runs", "start", "-e", "e", "--name", "x", "--param", "a=1", "--tag", "b=2",
        ],
        stdin: None,
        idempotent: false,
    },
    Scenario {
        area: "runs end",
        args: &["runs", "end", "{r2}", "--status", "FAILED"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "runs delete",
        args: &["runs", "delete", "{r2}"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "runs restore",
        args: &["runs", "restore", "{dead}"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "experiments create",
        args: &["experiments", "create", "fresh", "--tag", "k=v"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "experiments delete",
        args: &["experiments", "delete", "doomed"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "experiments restore",
        args: &["experiments", "restore", "gone"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "experiments rename",
        args: &["experiments", "rename", "e", "e2"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "register",
        args: &[
            "register", "{r1}", "--name", "mod", "--alias", "champ", "--tag", "t=1",
        ],
        stdin: None,
        idempotent: false,
    },
    Scenario {
        area: "transition",
        args: &["transition", "mod", "2", "Production", "--archive-existing"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "models delete",
        args: &["models", "delete", "mod", "1"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "models delete",
        args: &["models", "delete", "mod", "--yes"],
        stdin: None,
        idempotent: true,
    },
    Scenario {
        area: "gc",
        args: &["gc", "--yes"],
        stdin: None,
        idempotent: true,
    },
];

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mlrs"))
}

fn command(root: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.arg("--store")
        .arg(root)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env("MLRS_NOW_MS", NOW_MS.to_string())
        .env_remove("MLFLOW_TRACKING_URI")
        .env_remove("MLFLOW_EXPERIMENT_NAME")
        .env_remove("MLFLOW_EXPERIMENT_ID")
        .env_remove("MLFLOW_RUN_ID");
    cmd
}

fn run(mut cmd: Command, stdin: Option<&str>) -> Output {
    use std::io::Write;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start");
    let mut pipe = child.stdin.take().unwrap();
    // A killed command may never read its input.
    let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    drop(pipe);
    child.wait_with_output().expect("wait")
}

#[track_caller]
fn ok(root: &Path, args: &[&str]) -> String {
    let out = run(
        {
            let mut c = command(root);
            c.args(args);
            c
        },
        None,
    );
    assert!(
        out.status.success(),
        "mlrs {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A copy of the store every scenario starts from.
fn copy_of(base: &TestStore) -> TestStore {
    let copy = no_store();
    copy_tree(&base.root, &copy.root);
    copy
}

/// The store every scenario starts from, and the ids its commands name.
fn base_store() -> (TestStore, BTreeMap<&'static str, String>) {
    let store = no_store();
    let root = &store.root;
    let r1 = ok(
        root,
        &[
            "runs",
            "start",
            "-e",
            "e",
            "--create-experiment",
            "--name",
            "r1",
            "--param",
            "p=1",
            "--tag",
            "t=1",
        ],
    );
    ok(
        root,
        &["log", &r1, "--metric", "m=1@1", "--metric", "m=2@2"],
    );
    std::fs::write(
        run_dir(root, &r1).join("artifacts").join("model"),
        "weights",
    )
    .unwrap();
    let r2 = ok(root, &["runs", "start", "-e", "e", "--name", "r2"]);
    let dead = ok(root, &["runs", "start", "-e", "e", "--name", "dead"]);
    ok(root, &["runs", "delete", &dead]);
    ok(root, &["experiments", "create", "gone", "--tag", "g=1"]);
    let g1 = ok(root, &["runs", "start", "-e", "gone", "--name", "g1"]);
    ok(root, &["log", &g1, "--metric", "gm=1"]);
    ok(root, &["runs", "start", "-e", "gone", "--name", "g2"]);
    ok(root, &["experiments", "delete", "gone"]);
    ok(root, &["experiments", "create", "doomed"]);
    for name in ["d1", "d2", "d3"] {
        ok(root, &["runs", "start", "-e", "doomed", "--name", name]);
    }
    for _ in 0..3 {
        ok(root, &["register", &r1, "--name", "mod", "--path", "model"]);
    }
    ok(
        root,
        &["transition", "mod", "1", "Production", "--alias", "best"],
    );
    let ids = BTreeMap::from([("{r1}", r1), ("{r2}", r2), ("{dead}", dead)]);
    (store, ids)
}

fn args_of(s: &Scenario, ids: &BTreeMap<&str, String>) -> Vec<String> {
    s.args
        .iter()
        .map(|a| ids.get(a).cloned().unwrap_or_else(|| a.to_string()))
        .collect()
}

/// What the store holds, without what differs between two equal stores (new ids, the
/// order of listings): experiments by name, runs by experiment and name, model versions.
fn digest(root: &Path) -> Result<String, String> {
    let read = |args: &[&str]| -> Result<Value, String> {
        let out = run(
            {
                let mut c = command(root);
                c.arg("--strict").args(args).args(["--format", "json"]);
                c
            },
            None,
        );
        if !out.status.success() {
            return Err(format!(
                "mlrs --strict {args:?} exited {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{args:?}: {e}"))
    };
    let mut lines = Vec::new();
    let exps = read(&["experiments", "list", "--view", "all"])?;
    let mut names = BTreeMap::new();
    for e in exps.as_array().unwrap() {
        names.insert(
            e["experiment_id"].as_str().unwrap().to_owned(),
            e["name"].clone(),
        );
        lines.push(format!(
            "experiment {} {} {}",
            e["name"], e["lifecycle_stage"], e["tags"]
        ));
    }
    let runs = read(&["search", "--view", "all"])?;
    for r in runs.as_array().unwrap() {
        let info = &r["info"];
        let exp = &names[info["experiment_id"].as_str().unwrap()];
        let mut data = r["data"].clone();
        if let Some(tags) = data["tags"].as_object_mut() {
            tags.retain(|k, _| !k.starts_with("mlflow."));
        }
        lines.push(format!(
            "run {exp}/{} {} {} {}",
            info["run_name"], info["status"], info["lifecycle_stage"], data
        ));
    }
    for m in read(&["models", "list"])?.as_array().unwrap() {
        lines.push(format!(
            "model {} {} {}",
            m["name"], m["tags"], m["aliases"]
        ));
        let name = m["name"].as_str().unwrap();
        for v in read(&["models", "versions", name])?.as_array().unwrap() {
            lines.push(format!(
                "version {name}/{} {} {}",
                v["version"], v["current_stage"], v["aliases"]
            ));
        }
    }
    lines.sort();
    Ok(lines.join("\n"))
}

/// The ordered file-changing system calls of one command: `(name, occurrence of that name)`,
/// the pair strace's `inject=NAME:when=N` aims at; writes to stdout and stderr are left out as
/// kill points (they change no file) but still counted.
fn steps(root: &Path, s: &Scenario, ids: &BTreeMap<&str, String>) -> Vec<(String, usize)> {
    let trace = root.parent().unwrap().join("trace.txt");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-e", &format!("trace={STEPS}"), "-o"])
        .arg(&trace)
        .arg(bin())
        .args(command(root).get_args())
        .args(args_of(s, ids));
    for (k, v) in command(root).get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = run(cmd, s.stdin);
    assert!(
        out.status.success(),
        "{:?}: {}",
        s.args,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut points = Vec::new();
    for line in text.lines() {
        let call = line
            .split_once(' ')
            .map_or(line, |(_, rest)| rest)
            .trim_start();
        let Some((name, rest)) = call.split_once('(') else {
            continue;
        };
        if name.starts_with('<') || name.contains(' ') {
            continue; // "<... resumed>" halves
        }
        let n = seen.entry(name.to_owned()).or_default();
        *n += 1;
        let console = name == "write" && (rest.starts_with("1,") || rest.starts_with("2,"));
        if !console {
            points.push((name.to_owned(), *n));
        }
    }
    points
}

fn pick(points: Vec<(String, usize)>) -> Vec<(String, usize)> {
    if std::env::var("MLRS_FAULTS").is_ok_and(|v| v == "all") || points.len() <= SAMPLE {
        return points;
    }
    (0..SAMPLE)
        .map(|i| points[i * (points.len() - 1) / (SAMPLE - 1)].clone())
        .collect()
}

struct Trial {
    area: &'static str,
    point: String,
    store: TestStore,
    failure: Option<String>,
}

fn trial(
    s: &'static Scenario,
    base: &TestStore,
    ids: &BTreeMap<&str, String>,
    point: &(String, usize),
    reference: &str,
) -> Trial {
    let store = copy_of(base);
    let root = store.root.clone();
    let args = args_of(s, ids);
    let mut killed = Command::new("strace");
    killed
        .args(["-f", "-qq", "-o", "/dev/null", "-e"])
        .arg(format!("inject={}:signal=KILL:when={}", point.0, point.1))
        .arg(bin())
        .args(command(&root).get_args())
        .args(&args);
    for (k, v) in command(&root).get_envs() {
        match v {
            Some(v) => killed.env(k, v),
            None => killed.env_remove(k),
        };
    }
    run(killed, s.stdin);
    let failure = (|| -> Result<(), String> {
        digest(&root).map_err(|e| format!("after the kill: {e}"))?;
        let again = run(
            {
                let mut c = command(&root);
                c.args(&args);
                c
            },
            s.stdin,
        );
        let err = String::from_utf8_lossy(&again.stderr).trim().to_owned();
        let state = digest(&root).map_err(|e| format!("after the rerun: {e}"))?;
        let finished = state == reference;
        // A kill after the last change leaves nothing to do: the rerun may say so and fail.
        if !again.status.success() && !finished {
            return Err(format!("the rerun failed ({}): {err}", again.status));
        }
        if s.idempotent && !finished {
            return Err(format!(
                "the rerun left another store than one uninterrupted command:\n{}",
                diff(reference, &state)
            ));
        }
        Ok(())
    })()
    .err();
    Trial {
        area: s.area,
        point: format!("{}#{}", point.0, point.1),
        store,
        failure,
    }
}

fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    for l in &w {
        if !g.contains(l) {
            out.push_str(&format!("  - {l}\n"));
        }
    }
    for l in &g {
        if !w.contains(l) {
            out.push_str(&format!("  + {l}\n"));
        }
    }
    out
}

/// MLflow `version` reads every store: experiments, runs of each, models, versions. Returns
/// `(store, error)` for each store it failed on.
fn mlflow_failures(version: &str, stores: &[&Path]) -> Option<Vec<(String, String)>> {
    let py = python(version)?;
    let script = repo().join("tests").join("py").join("read_stores.py");
    let out = Command::new(py)
        .arg(script)
        .args(stores)
        .env("MLFLOW_ALLOW_FILE_STORE", "true")
        .env("MLFLOW_DISABLE_TELEMETRY", "true")
        .env("DO_NOT_TRACK", "true")
        .output()
        .expect("start python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let errors: BTreeMap<String, String> = serde_json::from_slice(&out.stdout).expect("JSON");
    Some(errors.into_iter().collect())
}

#[test]
fn interrupted_writes_leave_a_readable_store_that_a_rerun_finishes() {
    let mut trials = Vec::new();
    let (base, ids) = base_store();
    for s in SCENARIOS {
        let traced = copy_of(&base);
        let points = pick(steps(&traced.root, s, &ids));
        let clean = copy_of(&base);
        let out = run(
            {
                let mut c = command(&clean.root);
                c.args(args_of(s, &ids));
                c
            },
            s.stdin,
        );
        assert!(
            out.status.success(),
            "{:?}",
            String::from_utf8_lossy(&out.stderr)
        );
        let reference = digest(&clean.root).unwrap();
        for point in &points {
            trials.push(trial(s, &base, &ids, point, &reference));
        }
    }
    let roots: Vec<&Path> = trials.iter().map(|t| t.store.root.as_path()).collect();
    let mut mlflow: BTreeMap<PathBuf, String> = BTreeMap::new();
    for version in VERSIONS {
        for (store, err) in mlflow_failures(version, &roots).unwrap_or_default() {
            mlflow.insert(PathBuf::from(store), format!("MLflow {version}: {err}"));
        }
    }
    let mut table: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for t in &trials {
        let failure = t
            .failure
            .clone()
            .or_else(|| mlflow.get(&t.store.root).cloned());
        let row = table.entry(t.area).or_default();
        row.0 += 1;
        if let Some(f) = failure {
            row.1 += 1;
            failures.push(format!("{} killed at {}: {f}", t.area, t.point));
        }
    }
    eprintln!(
        "{:<22} {:>6} {:>8} {:>6}",
        "area", "trials", "survived", "failed"
    );
    for (area, (n, failed)) in &table {
        eprintln!("{area:<22} {n:>6} {:>8} {failed:>6}", n - failed);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
