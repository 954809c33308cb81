//! `mlrs gc` against real `mlflow gc`, and against the hazards of MLflow's: where their scopes
//! agree the stores end up identical, byte for byte; where MLflow's scope leaks, mlrs removes
//! only what was asked. Safety: a copied store never touches the original, links are not
//! followed, naming an active run removes nothing, registered runs stay, and SIGKILL at any
//! moment leaves a store that MLflow and mlrs read and a rerun finishes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use snapbox::str;

use crate::common::*;

/// The folder mlrs moves things into on their way out (MLflow skips it).
const SCRATCH: &str = ".mlrs-gc.trash";

/// A fixture copy whose recorded absolute paths point at the copy itself, as in a store MLflow
/// wrote where it lies: MLflow's gc then deletes artifacts inside the copy, never in fixtures/.
#[track_caller]
fn own_store(version: &str) -> TestStore {
    let store = fixture_store(version);
    let recorded = expected(version)["root"].as_str().unwrap().to_owned();
    rewrite_paths(&store.root, &recorded, store.root.to_str().unwrap());
    store
}

/// A run's id in a fixture store, by name (from MLflow's recorded answers).
fn run_id(version: &str, name: &str) -> String {
    let want = expected(version);
    let (id, _) = want["runs"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["info"]["run_name"] == name)
        .unwrap_or_else(|| panic!("no run {name:?} in the {version} fixture"));
    id.clone()
}

/// An experiment's id in a fixture store, by name.
fn experiment_id(version: &str, name: &str) -> String {
    expected(version)["experiments"]["ALL"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("no experiment {name:?} in the {version} fixture"))["experiment_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn rewrite_paths(root: &Path, from: &str, to: &str) {
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(entry.path())
            && text.contains(from)
        {
            std::fs::write(entry.path(), text.replace(from, to)).unwrap();
        }
    }
}

/// Every folder and file under `root` by relative path, files with their content (the root's
/// own path written as <ROOT>, so two copies compare), links with their target.
fn tree(root: &Path) -> BTreeMap<String, String> {
    let own = root.to_str().unwrap();
    walkdir::WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .map(|e| {
            let rel = e.path().strip_prefix(root).unwrap().display().to_string();
            let what = if e.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(e.path()).unwrap().display())
            } else if e.file_type().is_dir() {
                "<dir>".to_owned()
            } else {
                String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).replace(own, "<ROOT>")
            };
            (rel, what)
        })
        .collect()
}

/// `tree` without the entries under any of `prefixes`.
fn without(mut tree: BTreeMap<String, String>, prefixes: &[String]) -> BTreeMap<String, String> {
    tree.retain(|k, _| {
        !prefixes
            .iter()
            .any(|p| k == p || k.starts_with(&format!("{p}/")))
    });
    tree
}

#[track_caller]
fn assert_same_tree(got: &BTreeMap<String, String>, want: &BTreeMap<String, String>, what: &str) {
    let only_got: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let only_want: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let changed: Vec<&String> = got
        .iter()
        .filter(|(k, v)| want.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        only_got.is_empty() && only_want.is_empty() && changed.is_empty(),
        "{what}: only in mlrs's store {only_got:?}; only in MLflow's {only_want:?}; different {changed:?}"
    );
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Set `key: <value>` in a meta.yaml (the key is already there).
fn set_meta_int(meta: &Path, key: &str, value: i64) {
    let text = std::fs::read_to_string(meta).unwrap();
    let prefix = format!("{key}: ");
    assert!(
        text.lines().any(|l| l.starts_with(&prefix)),
        "{key} in {meta:?}"
    );
    let out: String = text
        .lines()
        .map(|l| {
            if l.starts_with(&prefix) {
                format!("{prefix}{value}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(meta, out).unwrap();
}

/// The folder of a run, found by id anywhere in the store.
fn run_dir(root: &Path, run_id: &str) -> PathBuf {
    walkdir::WalkDir::new(root)
        .max_depth(3)
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.file_name() == run_id && e.file_type().is_dir())
        .unwrap_or_else(|| panic!("no run folder {run_id}"))
        .into_path()
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap().display().to_string()
}

/// The deleted 3.x LoggedModel of the fixture (`draft-model`), if the store has one.
fn deleted_logged_model(root: &Path) -> Option<PathBuf> {
    walkdir::WalkDir::new(root)
        .min_depth(3)
        .max_depth(3)
        .into_iter()
        .map(Result::unwrap)
        .find(|e| {
            e.file_name().to_string_lossy().starts_with("m-")
                && std::fs::read_to_string(e.path().join("meta.yaml"))
                    .is_ok_and(|t| t.contains("lifecycle_stage: deleted"))
        })
        .map(|e| e.into_path())
}

/// Run real `mlflow gc` once per case (one MLflow process for all of them).
#[track_caller]
fn mlflow_gc(version: &str, cases: &[(&Path, Vec<String>)]) -> Option<Vec<Value>> {
    let mut args: Vec<String> = Vec::new();
    for (i, (root, case)) in cases.iter().enumerate() {
        if i > 0 {
            args.push("---".into());
        }
        args.push(root.display().to_string());
        args.extend(case.iter().cloned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let script = repo().join("tests/py/mlflow_gc.py");
    let out = run_python(version, &script, &args, cases[0].0)?;
    let results: Vec<Value> = serde_json::from_str(&out).unwrap();
    for (r, (root, case)) in results.iter().zip(cases) {
        assert_eq!(
            r["ok"], true,
            "mlflow {version} gc {case:?} on {root:?}: {}",
            r["output"]
        );
    }
    Some(results)
}

/// What MLflow `version` sees in the store, with every warning it logged while reading it.
#[track_caller]
fn mlflow_sees(version: &str, root: &Path) -> Option<Value> {
    let script = repo().join("tests/py/mlflow_sees.py");
    let out = run_python(version, &script, &[root.to_str().unwrap()], root)?;
    Some(serde_json::from_str(&out).unwrap())
}

/// MLflow reads the store without a warning or an error and sees the runs mlrs lists.
#[track_caller]
fn assert_mlflow_reads_it(version: &str, root: &Path) {
    let Some(seen) = mlflow_sees(version, root) else {
        return;
    };
    assert_eq!(
        seen["warnings"],
        Value::Array(vec![]),
        "MLflow {version} warned"
    );
    assert_eq!(
        seen["errors"],
        Value::Array(vec![]),
        "MLflow {version} failed"
    );
    let mut mlflow_runs: Vec<String> = seen["experiments"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|ids| ids.as_array().unwrap().iter())
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    mlflow_runs.sort();
    let mut ours = ids(&mlrs_json(root, &["runs", "list", "--view", "all"]));
    ours.sort();
    assert_eq!(
        mlflow_runs, ours,
        "MLflow {version} and mlrs see different runs"
    );
}

#[track_caller]
fn mlrs_gc(root: &Path, now: i64, args: &[&str]) {
    mlrs(root)
        .env("MLRS_NOW_MS", now.to_string())
        .args(["gc", "--yes"])
        .args(args)
        .assert()
        .success();
}

/// The four scopes, each on two copies (one for MLflow, one for mlrs), compared afterwards.
fn differential(version: &str) {
    let now = now_ms();
    let day = 86_400_000;
    let to_be_deleted = run_id(version, "to-be-deleted");
    let scratch_a = run_id(version, "scratch-a");
    let scratch_b = run_id(version, "scratch-b");
    let trashed = experiment_id(version, "scratch-deleted");
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("everything", vec![]),
        ("older-than", vec!["--older-than".into(), "5d".into()]),
        ("run-ids", vec!["--run-ids".into(), to_be_deleted.clone()]),
        (
            "experiment-ids",
            vec!["--experiment-ids".into(), trashed.clone()],
        ),
    ];
    let pairs: Vec<(TestStore, TestStore)> = cases
        .iter()
        .map(|(name, _)| {
            let pair = (own_store(version), own_store(version));
            if *name == "older-than" {
                // Old: to-be-deleted, and scratch-b on its own inside a young trashed experiment.
                for s in [&pair.0, &pair.1] {
                    let meta = |id: &str| run_dir(&s.root, id).join("meta.yaml");
                    set_meta_int(&meta(&to_be_deleted), "deleted_time", now - 10 * day);
                    set_meta_int(&meta(&scratch_b), "deleted_time", now - 10 * day);
                    set_meta_int(&meta(&scratch_a), "deleted_time", now - day / 24);
                    let exp_meta = s.root.join(".trash").join(&trashed).join("meta.yaml");
                    set_meta_int(&exp_meta, "last_update_time", now - day / 24);
                    if let Some(m) = deleted_logged_model(&s.root) {
                        set_meta_int(
                            &m.join("meta.yaml"),
                            "last_updated_timestamp",
                            now - day / 24,
                        );
                    }
                }
            }
            pair
        })
        .collect();
    let mlflow_cases: Vec<(&Path, Vec<String>)> = pairs
        .iter()
        .zip(&cases)
        .map(|((m, _), (_, args))| (m.root.as_path(), args.clone()))
        .collect();
    if mlflow_gc(version, &mlflow_cases).is_none() {
        return;
    }
    for ((m, r), (name, args)) in pairs.iter().zip(&cases) {
        let model = deleted_logged_model(&r.root).map(|p| rel(&r.root, &p));
        let run_folder = rel(&r.root, &run_dir(&r.root, &to_be_deleted));
        let exp_folder = format!(".trash/{trashed}");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mlrs_gc(&r.root, now, &args);
        let ours = tree(&r.root);
        let theirs = tree(&m.root);
        let what = format!("MLflow {version}, gc {name}");
        // What MLflow removes beyond what was asked (its scope leaks, docs/format/gc.md).
        let leaked: Vec<String> = match *name {
            "run-ids" => [Some(exp_folder.clone()), model.clone()]
                .into_iter()
                .flatten()
                .collect(),
            "experiment-ids" => [Some(run_folder.clone()), model.clone()]
                .into_iter()
                .flatten()
                .collect(),
            _ => vec![],
        };
        for path in &leaked {
            assert!(
                ours.contains_key(path),
                "{what}: mlrs removed {path}, which was not asked for"
            );
            assert!(!theirs.contains_key(path), "{what}: MLflow kept {path}");
        }
        assert_same_tree(&without(ours.clone(), &leaked), &theirs, &what);
        assert!(
            !ours.keys().any(|k| k.starts_with(SCRATCH)),
            "{what}: scratch left"
        );
        if *name == "older-than" {
            let b_folder = format!("{exp_folder}/{scratch_b}");
            assert!(
                !ours.contains_key(&run_folder) && !ours.contains_key(&b_folder),
                "{what}"
            );
            assert!(
                ours.contains_key(&exp_folder),
                "{what}: the young experiment stays"
            );
        }
    }
}

#[test]
fn matches_mlflow_gc_2_22_where_scopes_agree_and_stays_in_scope_where_it_leaks() {
    differential("2.22.5");
}

#[test]
fn matches_mlflow_gc_3_17_where_scopes_agree_and_stays_in_scope_where_it_leaks() {
    differential("3.17.2");
}

#[test]
fn dry_run_prints_the_plan_and_removes_nothing() {
    // The unmodified fixture copy records paths in /work/main/fixtures: outside this store.
    // Sizes are disk blocks, which depend on the filesystem.
    let store = fixture_store("3.17.2");
    let before = tree(&store.root);
    mlrs(&store.root)
        .args(["gc", "--dry-run", "--format", "tsv"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
action	kind	id	name	experiment_id	bytes	path	reason
remove	experiment	645177437005078286	scratch-deleted	645177437005078286	[..]	[..]/mlruns/.trash/645177437005078286	
remove	run	62bddb662fdc411ba74e9378b80ee890	to-be-deleted	340141918635062838	[..]	[..]/mlruns/340141918635062838/62bddb662fdc411ba74e9378b80ee890	
remove	logged_model	m-dc4b4106219245d4ac16090d34482380	draft-model	252327053252883710	[..]	[..]/mlruns/252327053252883710/models/m-dc4b4106219245d4ac16090d34482380	
keep	artifacts	62bddb662fdc411ba74e9378b80ee890	to-be-deleted			file:///work/main/fixtures/mlflow-3.17.2/mlruns/340141918635062838/62bddb662fdc411ba74e9378b80ee890/artifacts	outside the store root, never touched

"#]])
        .stderr_eq(str![[r#"
mlrs: dry run: would remove 1 experiment with 2 runs, 1 run and 1 logged model ([..]); left in place: 1 artifact folder outside the store root

"#]]);
    assert_eq!(tree(&store.root), before);
}

#[test]
fn what_is_too_recent_for_older_than_stays_and_the_plan_says_so() {
    // At the test clock, everything deleted in the fixture was deleted less than a day ago.
    let store = fixture_store("3.17.2");
    let plan = mlrs_json(&store.root, &["gc", "--dry-run", "--older-than", "1d"]);
    assert_eq!(plan["remove"], Value::Array(vec![]));
    let kept: Vec<(&str, &str)> = plan["keep"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kind"].as_str().unwrap(), k["reason"].as_str().unwrap()))
        .collect();
    // The trashed experiment stands for its two runs.
    assert_eq!(
        kept,
        [
            ("experiment", "deleted less than 1d ago"),
            ("run", "deleted less than 1d ago"),
            ("logged_model", "deleted less than 1d ago"),
        ]
    );
}

#[test]
fn a_copied_store_never_touches_the_original() {
    // The copy records the original's absolute paths (docs/format/layout.md); MLflow's gc would delete the
    // original's artifacts there (docs/format/gc.md).
    let original = own_store("3.17.2");
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("mlruns");
    copy_tree(&original.root, &copy);
    let before = tree(&original.root);
    let to_be_deleted = run_id("3.17.2", "to-be-deleted");
    let original_artifacts = run_dir(&original.root, &to_be_deleted).join("artifacts");
    assert!(original_artifacts.join("notes/tmp.txt").is_file());

    let plan = mlrs_json(&copy, &["gc", "--dry-run"]);
    let kept = plan["keep"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "artifacts" && k["id"] == to_be_deleted.as_str())
        .expect("the original's artifact folder is listed as left in place");
    assert_eq!(
        kept["location"],
        format!("file://{}", original_artifacts.display())
    );
    assert_eq!(kept["reason"], "outside the store root, never touched");

    mlrs_gc(&copy, NOW_MS, &[]);
    assert_eq!(tree(&original.root), before, "the original changed");
    assert!(!run_dir(&original.root, &to_be_deleted).starts_with(&copy));
    assert!(
        !copy
            .join(rel(
                &original.root,
                &run_dir(&original.root, &to_be_deleted)
            ))
            .exists()
    );
}

#[test]
fn a_store_copied_from_a_machine_gone_has_nothing_outside_it() {
    // Recorded paths name a root that does not exist here: the artifacts are the ones inside
    // this store, removed with their run, and nothing is "left in place outside".
    let store = fixture_store("3.17.2");
    let recorded = expected("3.17.2")["root"].as_str().unwrap().to_owned();
    rewrite_paths(&store.root, &recorded, "/nonexistent/zoomcamp/mlruns");
    let out = mlrs(&store.root)
        .args(["gc", "--dry-run"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("outside the store root"), "{stderr}");
    let plan = mlrs_json(&store.root, &["gc", "--dry-run"]);
    assert_eq!(plan["keep"], Value::Array(vec![]), "{plan}");
}

#[test]
fn links_are_removed_never_followed() {
    let store = own_store("2.22.5");
    let outside = tempfile::tempdir().unwrap();
    let (dir, file, whole) = (
        outside.path().join("dir"),
        outside.path().join("file.txt"),
        outside.path().join("whole"),
    );
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(&whole).unwrap();
    std::fs::write(dir.join("keep.txt"), "precious").unwrap();
    std::fs::write(&file, "precious too").unwrap();
    std::fs::write(whole.join("model.bin"), "a model").unwrap();
    // Links inside a run's artifacts, and a run whose whole artifacts folder is a link.
    let run = run_dir(&store.root, &run_id("2.22.5", "to-be-deleted"));
    std::os::unix::fs::symlink(&dir, run.join("artifacts/linked-dir")).unwrap();
    std::os::unix::fs::symlink(&file, run.join("artifacts/linked-file")).unwrap();
    let trashed_run = run_dir(&store.root, &run_id("2.22.5", "scratch-a"));
    std::fs::remove_dir(trashed_run.join("artifacts")).unwrap();
    std::os::unix::fs::symlink(&whole, trashed_run.join("artifacts")).unwrap();

    mlrs_gc(&store.root, NOW_MS, &[]);
    assert!(!run.exists() && !trashed_run.exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("keep.txt")).unwrap(),
        "precious"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious too");
    assert_eq!(
        std::fs::read_to_string(whole.join("model.bin")).unwrap(),
        "a model"
    );
}

#[test]
fn naming_what_is_not_deleted_removes_nothing() {
    let store = own_store("3.17.2");
    let root = &store.root;
    let before = tree(root);
    let deleted = run_id("3.17.2", "to-be-deleted");
    let active = run_id("3.17.2", "baseline-linreg");
    mlrs(root)
        .args(["gc", "--yes", "--run-ids", &format!("{deleted},{active}")])
        .args(["--experiment-ids", "nyc-taxi-duration,scratch-deleted"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: nothing was removed: only deleted runs and experiments can be removed for good
  run cf54f4c719b7487280f41f6e46af6645 (baseline-linreg) is not deleted; delete it first (`mlrs runs delete`)
  experiment 340141918635062838 (nyc-taxi-duration) is not deleted; delete it first (`mlrs experiments delete`)

"#]]);
    mlrs(root)
        .args(["gc", "--yes", "--run-ids", &deleted, "--older-than", "1.5d"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: nothing was removed: only deleted runs and experiments can be removed for good
  run 62bddb662fdc411ba74e9378b80ee890 (to-be-deleted) was deleted less than 1.5d ago

"#]]);
    mlrs(root)
        .args(["gc", "--yes", "--run-ids", "0123456789abcdef"])
        .assert()
        .code(3);
    mlrs(root)
        .args(["gc", "--yes", "--older-than", "30 days"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: cannot read the age '30 days'
hint: use #d#h#m#s, e.g. 30d, 12h, 1.5d, 2d8h5m20s

"#]]);
    // Without a terminal to ask on, gc wants --yes.
    mlrs(root)
        .args(["gc"])
        .stdin("")
        .assert()
        .code(2)
        .stdout_eq(str![])
        .stderr_eq(str![[r#"
mlrs: error: gc would remove 1 experiment with 2 runs, 1 run and 1 logged model ([..]) for good; without a terminal to confirm on, pass --yes (or --dry-run to see the plan)

"#]]);
    assert_eq!(tree(root), before);
}

#[test]
fn what_registered_models_use_stays_unless_forced() {
    let store = own_store("3.17.2");
    let root = &store.root;
    // xgb-long is version 3 of nyc-taxi-regressor; its experiment holds versions 1-6.
    let xgb_long = run_id("3.17.2", "xgb-long");
    let lasso = run_id("3.17.2", "lasso-a0.1");
    mlrs(root)
        .args(["experiments", "delete", "nyc-taxi-duration"])
        .assert()
        .success();
    let exp = experiment_id("3.17.2", "nyc-taxi-duration");

    let plan = mlrs_json(root, &["gc", "--dry-run", "--experiment-ids", &exp]);
    let reason_of = |kind: &str, id: &str| -> String {
        plan["keep"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == kind && k["id"] == id)
            .unwrap_or_else(|| panic!("{kind} {id} is not kept: {plan:#}"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        reason_of("run", &xgb_long),
        "used by registered model version 'nyc-taxi-regressor' v3"
    );
    assert!(reason_of("experiment", &exp).starts_with("holds run "));
    // The rest of the experiment goes run by run.
    mlrs_gc(root, NOW_MS, &["--experiment-ids", &exp]);
    assert!(run_dir(root, &xgb_long).is_dir());
    assert!(root.join(".trash").join(&exp).join("meta.yaml").is_file());
    assert!(!root.join(".trash").join(&exp).join(&lasso).exists());

    mlrs_gc(root, NOW_MS, &["--run-ids", &xgb_long, "--force"]);
    assert!(!root.join(".trash").join(&exp).join(&xgb_long).exists());
}

/// A copy of a run folder under a new id, in the same experiment.
fn clone_run(src: &Path) {
    let old = src.file_name().unwrap().to_str().unwrap();
    let new = uuid::Uuid::new_v4().simple().to_string();
    let dst = src.parent().unwrap().join(&new);
    copy_tree(src, &dst);
    let meta = dst.join("meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap().replace(old, &new);
    std::fs::write(meta, text).unwrap();
}

#[test]
fn what_interrupted_commands_leave_is_invisible_to_mlflow_and_gc_removes_it() {
    // The state right after gc moved a run and a whole experiment out, before removing them.
    let store = own_store("2.22.5");
    let root = &store.root;
    let run = run_dir(root, &run_id("2.22.5", "to-be-deleted"));
    let exp = root
        .join(".trash")
        .join(experiment_id("2.22.5", "scratch-deleted"));
    for (what, dir) in [("run", &run), ("experiment", &exp)] {
        let entry = root.join(SCRATCH).join(format!("{what}-x"));
        std::fs::create_dir_all(&entry).unwrap();
        std::fs::rename(dir, entry.join(what)).unwrap();
    }
    // And a run half built by a crashed `mlrs runs start` (staged at the root).
    let staged = root.join(".mlrs-tmp-0123456789abcdef.trash");
    std::fs::create_dir_all(staged.join("params")).unwrap();
    std::fs::write(staged.join("meta.yaml"), "run_id: x\n").unwrap();
    mlrs(root)
        .args(["runs", "list", "--view", "all", "--strict"])
        .assert()
        .success()
        .stderr_eq("");
    for version in VERSIONS {
        assert_mlflow_reads_it(version, root);
    }
    let plan = mlrs_json(root, &["gc", "--dry-run"]);
    let leftovers: Vec<&Value> = plan["remove"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "leftover")
        .collect();
    assert_eq!(leftovers.len(), 3, "{plan:#}");
    mlrs_gc(root, NOW_MS, &[]);
    assert!(!root.join(SCRATCH).exists() && !staged.exists());
}

/// The deleted runs mlrs lists, checking that every run reads and nothing is reported broken.
#[track_caller]
fn deleted_runs_reading_all(root: &Path) -> usize {
    let out = mlrs(root)
        .args([
            "runs", "list", "--view", "all", "--strict", "--format", "json",
        ])
        .assert()
        .success()
        .stderr_eq("")
        .get_output()
        .stdout
        .clone();
    let runs: Value = serde_json::from_slice(&out).unwrap();
    runs.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["info"]["lifecycle_stage"] == "deleted")
        .count()
}

/// `mlrs gc --yes` on `root`, running in the background.
fn spawn_gc(root: &Path, stderr: std::process::Stdio) -> std::process::Child {
    std::process::Command::new(snapbox::cmd::cargo_bin!("mlrs"))
        .args(["--store", root.to_str().unwrap(), "gc", "--yes"])
        .env("MLRS_NOW_MS", NOW_MS.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .unwrap()
}

#[test]
fn sigkill_at_any_moment_leaves_a_readable_store_and_a_rerun_finishes() {
    let store = own_store("2.22.5");
    let root = &store.root;
    let sources = [
        run_dir(root, &run_id("2.22.5", "to-be-deleted")),
        run_dir(root, &run_id("2.22.5", "scratch-b")),
    ];
    for i in 0..400 {
        clone_run(&sources[i % 2]);
    }
    let total = deleted_runs_reading_all(root);
    let (mut interrupted, mut mlflow_checked) = (0, false);
    let mut seed = now_ms() as u64;
    for _ in 0..30 {
        let mut gc = spawn_gc(root, std::process::Stdio::null());
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(1 + (seed >> 33) % 50));
        let running = gc.try_wait().unwrap().is_none();
        gc.kill().unwrap();
        gc.wait().unwrap();
        let left = deleted_runs_reading_all(root);
        if running {
            interrupted += 1;
            if !mlflow_checked && left > 0 && left < total {
                assert_mlflow_reads_it("2.22.5", root);
                mlflow_checked = true;
            }
        }
        if left == 0 || (interrupted >= 6 && mlflow_checked) {
            break;
        }
    }
    assert!(interrupted > 0, "no kill landed while gc was running");
    if !mlflow_checked {
        assert_mlflow_reads_it("2.22.5", root);
    }
    mlrs_gc(root, NOW_MS, &[]);
    assert_eq!(deleted_runs_reading_all(root), 0);
    assert!(!root.join(SCRATCH).exists());
}

#[test]
fn on_a_terminal_it_shows_the_plan_and_asks() {
    // `script` (util-linux) gives mlrs a terminal; the answer comes through it.
    let store = own_store("2.22.5");
    let run = run_dir(&store.root, &run_id("2.22.5", "to-be-deleted"));
    let command = format!(
        "'{}' --store '{}' gc",
        snapbox::cmd::cargo_bin!("mlrs").display(),
        store.root.display()
    );
    for (answer, removed) in [("n", false), ("y", true)] {
        let mut script = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("COLUMNS", "200")
            .env("NO_COLOR", "1")
            .env("MLRS_NOW_MS", NOW_MS.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script (util-linux) runs mlrs on a terminal");
        use std::io::Write as _;
        writeln!(script.stdin.take().unwrap(), "{answer}").unwrap();
        let out = script.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains(" remove   run "), "the plan is shown: {text}");
        assert!(
            text.contains("mlrs: remove 1 experiment with 2 runs and 1 run (")
                && text.contains(") for good? [y/N]"),
            "{text}"
        );
        assert_eq!(!run.exists(), removed, "answer {answer}: {text}");
    }
}

/// A copy of the deleted experiment `src` in `.trash/` of `root`, under a new id and name.
fn clone_trashed_experiment(src: &Path, root: &Path, n: usize) {
    let old = src.file_name().unwrap().to_str().unwrap();
    let new = format!("{old}{n}");
    let dst = root.join(".trash").join(&new);
    copy_tree(src, &dst);
    let meta = dst.join("meta.yaml");
    let text = std::fs::read_to_string(&meta)
        .unwrap()
        .replace(old, &new)
        .replace(
            "name: scratch-deleted",
            &format!("name: scratch-deleted-{n}"),
        );
    std::fs::write(meta, text).unwrap();
}

#[test]
fn parallel_gc_on_one_store_all_succeed() {
    // Each gc plans without the lock, some while another removes: what vanished is skipped.
    let store = own_store("2.22.5");
    let root = &store.root;
    let id = experiment_id("2.22.5", "scratch-deleted");
    let template = store.dir.path().join(&id);
    copy_tree(&root.join(".trash").join(&id), &template);
    let mut failed = Vec::new();
    for round in 0..4 {
        for i in 0..40 {
            clone_trashed_experiment(&template, root, round * 100 + i);
        }
        let gcs: Vec<_> = (0..6)
            .map(|i| {
                std::thread::sleep(Duration::from_millis(15 * i));
                spawn_gc(root, std::process::Stdio::piped())
            })
            .collect();
        failed.extend(
            gcs.into_iter()
                .map(|gc| gc.wait_with_output().unwrap())
                .filter(|out| !out.status.success())
                .map(|out| String::from_utf8_lossy(&out.stderr).into_owned()),
        );
    }
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(deleted_runs_reading_all(root), 0);
    assert!(
        std::fs::read_dir(root.join(".trash"))
            .unwrap()
            .next()
            .is_none()
    );
}
