//! `mlrs artifacts list|get|cat` and `models get --download` over copies of the reference
//! stores (whose runs record the original store's absolute folder, so every test here reads a
//! copied store), including one whose recorded folder does not exist at all, and artifact
//! folders with symbolic links that lead out of them.

use snapbox::str;

use crate::common::*;

const RUN: &str = "cf54f4c719b7487280f41f6e46af6645";
const EXP: &str = "340141918635062838";

fn artifacts(store: &TestStore) -> std::path::PathBuf {
    store.path(&format!("{EXP}/{RUN}/artifacts"))
}

#[test]
fn list_shows_the_tree_with_sizes_and_mlflow_file_infos() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["artifacts", "list", RUN, "-f", "table"])
        .assert()
        .success()
        .stdout_eq(str![[r#"
 Path              Size
────────────────────────
 model/            171 B
   MLmodel         144 B
   README.txt      27 B
 plots/            25 B
   residuals.csv   25 B

"#]]);
    let json = mlrs_json(&store.root, &["artifacts", "list", &RUN[..8], "model"]);
    assert_eq!(
        json,
        serde_json::json!([
            {"path": "model/MLmodel", "is_dir": false, "file_size": 144},
            {"path": "model/README.txt", "is_dir": false, "file_size": 27},
        ])
    );
    let all = mlrs_json(&store.root, &["artifacts", "list", RUN]);
    assert_eq!(
        all[0],
        serde_json::json!({"path": "model", "is_dir": true, "file_size": null})
    );
}

#[test]
fn a_run_with_no_artifact_folder_lists_as_empty_as_in_mlflow() {
    // Git drops empty folders, so a fresh clone's fixture runs that logged no artifact have none.
    let store = fixture_store("3.17.2");
    std::fs::remove_dir_all(artifacts(&store)).unwrap();
    assert_eq!(
        mlrs_json(&store.root, &["artifacts", "list", RUN]),
        serde_json::json!([])
    );
    mlrs(&store.root)
        .args(["artifacts", "list", RUN, "-f", "table"])
        .assert()
        .success()
        .stdout_eq("")
        .stderr_eq(format!("mlrs: run {RUN} has no artifacts\n"));
    // Below a path there is nothing to find.
    mlrs(&store.root)
        .args(["artifacts", "list", RUN, "model"])
        .assert()
        .code(3);
}

#[test]
fn cat_prints_the_bytes_and_refuses_folders() {
    let store = fixture_store("3.17.2");
    let expected = std::fs::read(artifacts(&store).join("plots/residuals.csv")).unwrap();
    let out = mlrs(&store.root)
        .args(["artifacts", "cat", RUN, "plots/residuals.csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out, expected);
    mlrs(&store.root)
        .args(["artifacts", "cat", RUN, "plots"])
        .assert()
        .code(2)
        .stderr_eq(str![[r#"
mlrs: error: [..]/artifacts/plots: artifact 'plots' is a folder
hint: `mlrs artifacts list RUN PATH` shows its files

"#]]);
}

#[test]
fn paths_out_of_the_artifacts_are_refused_and_missing_ones_not_found() {
    let store = fixture_store("3.17.2");
    for path in [
        "../meta.yaml",
        "model/../../meta.yaml",
        "/etc/passwd",
        "./model",
    ] {
        mlrs(&store.root)
            .args(["artifacts", "cat", RUN, path])
            .assert()
            .code(2);
        mlrs(&store.root)
            .args(["artifacts", "get", RUN, path, "-o"])
            .arg(store.dir.path().join("out"))
            .assert()
            .code(2);
    }
    mlrs(&store.root)
        .args(["artifacts", "list", RUN, "nope"])
        .assert()
        .code(3)
        .stderr_eq(str![[r#"
mlrs: error: [..]/artifacts/nope: no artifact 'nope'
hint: `mlrs artifacts list RUN` shows what there is

"#]]);
    assert!(!store.dir.path().join("out").exists());
}

#[test]
fn get_copies_a_folder_under_its_name_or_a_file_to_a_new_name() {
    let store = fixture_store("3.17.2");
    let dest = store.dir.path().join("dest");
    std::fs::create_dir(&dest).unwrap();
    mlrs(&store.root)
        .args(["artifacts", "get", RUN, "model/", "-o"])
        .arg(&dest)
        .assert()
        .success()
        .stdout_eq(format!("{}\n", dest.join("model").display()))
        .stderr_eq(str![[r#"
mlrs: copied 2 files (171 B) to [..]/dest/model

"#]]);
    for name in ["MLmodel", "README.txt"] {
        assert_eq!(
            std::fs::read(dest.join("model").join(name)).unwrap(),
            std::fs::read(artifacts(&store).join("model").join(name)).unwrap()
        );
    }
    let file = store.dir.path().join("new/residuals-copy.csv");
    mlrs(&store.root)
        .args(["artifacts", "get", RUN, "plots/residuals.csv", "-o"])
        .arg(&file)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(artifacts(&store).join("plots/residuals.csv")).unwrap()
    );
    // Without -o the copy lands in the current folder, under the artifact's name.
    mlrs(&store.root)
        .current_dir(&dest)
        .args(["artifacts", "get", RUN, "plots"])
        .assert()
        .success();
    assert!(dest.join("plots/residuals.csv").is_file());
}

#[test]
fn symbolic_links_out_of_the_artifact_folder_are_never_followed() {
    let store = fixture_store("3.17.2");
    let secret = store.dir.path().join("secret.txt");
    std::fs::write(&secret, "do not copy").unwrap();
    let outside_dir = store.dir.path().join("outside");
    std::fs::create_dir(&outside_dir).unwrap();
    std::fs::write(outside_dir.join("x"), "x").unwrap();
    let arts = artifacts(&store);
    std::os::unix::fs::symlink(&secret, arts.join("model/leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside_dir, arts.join("leakdir")).unwrap();
    std::os::unix::fs::symlink("README.txt", arts.join("model/inside.txt")).unwrap();
    let out = mlrs(&store.root)
        .args(["artifacts", "list", RUN, "-f", "tsv"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stdout.contains("model/inside.txt\tFalse\t27"), "{stdout}");
    assert!(!stdout.contains("leak"), "{stdout}");
    assert_eq!(
        stderr.matches("leads out of the artifact folder").count(),
        2,
        "{stderr}"
    );
    mlrs(&store.root)
        .args(["artifacts", "cat", RUN, "model/leak.txt"])
        .assert()
        .code(2);
    mlrs(&store.root)
        .args(["artifacts", "list", RUN, "leakdir"])
        .assert()
        .code(2);
    let dest = store.dir.path().join("copy");
    mlrs(&store.root)
        .args(["artifacts", "get", RUN, "", "-o"])
        .arg(&dest)
        .assert()
        .success();
    assert!(dest.join("model/inside.txt").is_file());
    assert!(!dest.join("model/leak.txt").exists());
    assert!(!dest.join("leakdir").exists());
}

/// A store copied from a machine where it lived at /data/zoomcamp/mlruns: the recorded
/// folders do not exist here, the same ones inside this store do.
#[test]
fn a_copied_store_whose_recorded_folder_is_gone_reads_its_own_artifacts() {
    let store = fixture_store("3.17.2");
    let gone = "file:///data/zoomcamp/mlruns";
    for entry in walkdir::WalkDir::new(&store.root) {
        let entry = entry.unwrap();
        if entry.file_name() != "meta.yaml" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let old = format!(
            "file://{}",
            repo().join("fixtures/mlflow-3.17.2/mlruns").display()
        );
        let recorded = "file:///work/main/fixtures/mlflow-3.17.2/mlruns";
        let text = text.replace(&old, gone).replace(recorded, gone);
        std::fs::write(entry.path(), text).unwrap();
    }
    let meta = std::fs::read_to_string(store.path(&format!("{EXP}/{RUN}/meta.yaml"))).unwrap();
    assert!(meta.contains(gone), "{meta}");
    let out = mlrs_stdout(&store.root, &["artifacts", "cat", RUN, "model/README.txt"]);
    assert_eq!(out, "linear regression baseline\n");
    let dest = store.dir.path().join("v1");
    mlrs(&store.root)
        .args(["models", "get", "nyc-taxi-regressor/1", "--download"])
        .arg(&dest)
        .assert()
        .success();
    assert!(dest.join("MLmodel").is_file());
    let dest = store.dir.path().join("champion");
    mlrs(&store.root)
        .args([
            "models",
            "get",
            "green-taxi-tip-model@champion",
            "--download",
        ])
        .arg(&dest)
        .assert()
        .success();
    assert!(dest.join("MLmodel").is_file());
}

#[test]
fn models_get_download_copies_the_version_files_from_every_kind_of_source() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let versions = mlrs_json(&store.root, &["models", "versions"]);
        let mut downloaded = 0;
        for v in versions.as_array().unwrap() {
            let reference = format!("{}/{}", v["name"].as_str().unwrap(), v["version"]);
            let dest = store.dir.path().join(format!("dl-{downloaded}"));
            let out = mlrs(&store.root)
                .args(["models", "get", &reference, "--download"])
                .arg(&dest)
                .output()
                .unwrap();
            if out.status.success() {
                assert!(dest.join("MLmodel").is_file(), "{version} {reference}");
                downloaded += 1;
            } else {
                // Versions registered with --allow-missing from runs without these artifacts.
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert!(
                    stderr.contains("has no artifacts") || stderr.contains("no artifact 'model'"),
                    "{version} {reference}: {stderr}"
                );
                assert_eq!(out.status.code(), Some(3));
            }
        }
        assert!(downloaded >= 4, "{version}: {downloaded}");
    }
}
