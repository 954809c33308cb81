//! `mlrs report`: the page is self-contained, carries the data it should, and works in a real
//! headless Chromium with the network cut off (driven by `tests/py/report_browser.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{fixture_store, mlrs, no_store, repo};

#[track_caller]
fn write_report(root: &Path, args: &[&str]) -> String {
    let out = root.parent().unwrap().join("report.html");
    mlrs(root)
        .arg("report")
        .args(args)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    std::fs::read_to_string(&out).expect("report written")
}

/// Where the text of `<script id="ID" type="application/json">` is.
#[track_caller]
fn data_range(html: &str, id: &str) -> std::ops::Range<usize> {
    let open = format!("<script id=\"{id}\" type=\"application/json\">");
    let start = html.find(&open).expect("data element") + open.len();
    start..start + html[start..].find("</script>").expect("end of data")
}

/// The JSON inside `<script id="ID" type="application/json">`.
#[track_caller]
fn embedded(html: &str, id: &str) -> Value {
    serde_json::from_str(&html[data_range(html, id)]).expect("valid JSON")
}

#[test]
fn report_references_nothing_outside_itself() {
    let store = fixture_store("3.17.2");
    let html = write_report(
        &store.root,
        &["--title", "<b>Taxi</b> & co", "--refresh", "30"],
    );
    // The store's own text (a tag holding a URL) is data the page shows, never fetches: judge
    // the page without its two JSON elements.
    let mut html = html;
    for id in ["mlrs-data", "mlrs-histories", "mlrs-full"] {
        let range = data_range(&html, id);
        html.replace_range(range, "");
    }
    // The one address left is the credit in uPlot's licence banner, inside a comment.
    let banner = "https://github.com/leeoniya/uPlot";
    assert_eq!(html.matches(banner).count(), 1);
    let html = html.replace(banner, "");
    let lower = html.to_lowercase();
    for needle in [
        "http:",
        "https:",
        "//cdn",
        "src=",
        "@import",
        "url(",
        "fetch(",
        "xmlhttprequest",
        "<iframe",
        "<link rel=\"stylesheet",
    ] {
        assert!(!lower.contains(needle), "the report contains {needle:?}");
    }
    let hrefs: Vec<&str> = html
        .match_indices("href=")
        .map(|(i, _)| &html[i..i + 12])
        .collect();
    assert_eq!(hrefs, ["href=\"data:,"], "only the empty data: icon");
    assert!(html.contains("<title>&lt;b&gt;Taxi&lt;/b&gt; &amp; co</title>"));
    assert!(html.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
    // Every `<script>` element is closed by its own end tag: no data can end one early.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("</script>").count()
    );
}

#[test]
fn report_carries_runs_directions_histories_and_models() {
    let store = fixture_store("3.17.2");
    let html = write_report(&store.root, &["-e", "nyc-taxi-duration"]);
    let data = embedded(&html, "mlrs-data");
    let names: Vec<&str> = data["runs"]["name"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(names.contains(&"xgb-long") && names.contains(&"hpo-trial-0"));
    assert_eq!(data["metrics"]["rmse"]["dir"], "min");
    assert_eq!(data["metrics"]["r2"]["dir"], "max");
    assert_eq!(data["metrics"]["tiny"]["dir"], Value::Null);
    // Non-finite latest values keep the project's JSON spelling.
    let nan = &data["metrics"]["nan"]["last"];
    assert!(nan.as_array().unwrap().iter().any(|v| v == "NaN"));
    let models = data["models"].as_array().unwrap();
    assert!(
        !models.is_empty(),
        "the fixture registers models from these runs"
    );
    for m in models {
        let run = m["run"].as_u64().unwrap() as usize;
        assert!(run < names.len());
        assert!(m["stage"].is_string() && m["aliases"].is_array());
    }
    let histories = embedded(&html, "mlrs-histories");
    assert!(histories["rmse"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn report_directions_follow_the_flags_compare_takes() {
    let store = fixture_store("3.17.2");
    let html = write_report(
        &store.root,
        &[
            "-e",
            "nyc-taxi-duration",
            "--higher-is-better",
            "tiny",
            "--lower-is-better",
            "metrics.r2",
        ],
    );
    let data = embedded(&html, "mlrs-data");
    assert_eq!(data["metrics"]["tiny"]["dir"], "max");
    assert_eq!(data["metrics"]["r2"]["dir"], "min");
    assert_eq!(data["metrics"]["rmse"]["dir"], "min");
}

#[test]
fn report_of_no_runs_is_still_a_page() {
    let store = fixture_store("3.17.2");
    let html = write_report(&store.root, &["--filter", "metrics.rmse < -100"]);
    let data = embedded(&html, "mlrs-data");
    assert_eq!(data["runs"]["id"], serde_json::json!([]));
    // A filter whose key no run has says so, as search does.
    let out = store.root.parent().unwrap().join("typo.html");
    let said = mlrs(&store.root)
        .args(["report", "--filter", "params.model_typ = 'xgboost'", "-o"])
        .arg(&out)
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let said = String::from_utf8_lossy(&said);
    assert!(
        said.contains(
            "no selected run has the key params.model_typ; did you mean params.model_type?"
        ),
        "{said}"
    );
}

#[test]
fn report_replaces_its_file_whole_and_names_a_missing_folder() {
    use std::os::unix::fs::PermissionsExt;
    let store = fixture_store("3.17.2");
    let out = store.root.parent().unwrap().join("report.html");
    std::fs::write(&out, "old page").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    let html = write_report(&store.root, &[]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..40]);
    // Replaced by a rename, as a page reloading itself needs, keeping the file's mode.
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".mlrs"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let missing = out.parent().unwrap().join("no-such-folder");
    let failed = mlrs(&store.root)
        .args(["report", "-o"])
        .arg(missing.join("r.html"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let said = String::from_utf8_lossy(&failed.stderr);
    let want = format!("{}: is not a folder; create it first", missing.display());
    assert!(said.contains(&want), "{said}");
}

/// The venv with Selenium that `scripts/test` creates next to the MLflow ones, and Chromium.
/// Like the MLflow tests, this never skips under CI; elsewhere MLRS_SKIP_BROWSER=1 skips it.
#[track_caller]
fn browser_python() -> Option<PathBuf> {
    let py = crate::common::venvs()
        .join("selenium-4.27.1")
        .join("bin")
        .join("python");
    let present = py.is_file() && Path::new("/usr/bin/chromium").is_file();
    crate::common::required(present, py, "Chromium and Selenium", "MLRS_SKIP_BROWSER")
}

#[test]
fn report_works_in_headless_chromium() {
    let Some(py) = browser_python() else { return };
    let store = no_store();
    let demo = Command::new("python3")
        .arg(repo().join("scripts/demo_sweep.py"))
        .arg(snapbox::cmd::cargo_bin!("mlrs"))
        .arg(&store.root)
        .output()
        .expect("python3");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    write_report(&store.root, &[]);
    let page = store.dir.path().join("report.html");
    let shot = store.dir.path().join("shot.png");
    let out = Command::new(py)
        .arg(repo().join("tests/py/report_browser.py"))
        .arg(&page)
        .arg(&shot)
        .arg("metrics.validation-rmse")
        .arg("xgboost-0")
        // The language of `mlrs search`: OR, NOT, parentheses, IN, quoted keys.
        .arg("(metrics.`validation-rmse` < 5.5 or params.model IN ('none')) and not params.model != 'xgboost'")
        .arg("metrics.validation-rmse < 'x'")
        .output()
        .expect("browser driver");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).expect("JSON from the driver");
    assert_eq!(seen["ready"], true, "{seen}");
    assert_eq!(seen["resources"], serde_json::json!([]), "nothing loaded");
    assert_eq!(seen["console"], serde_json::json!([]), "no console errors");
    assert_eq!(seen["rows"], 12);

    let numbers = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().parse().unwrap())
            .collect()
    };
    let asc = numbers(&seen["sorted_asc"]);
    assert!(asc.is_sorted() && asc.len() == 12, "{asc:?}");
    let mut desc = numbers(&seen["sorted_desc"]);
    desc.reverse();
    assert_eq!(desc, asc);
    assert!(
        seen["best_cells"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_str() == Some(&format!("{}", asc[0]))),
        "the lowest validation-rmse is marked best: {seen}"
    );

    let names = seen["text_filtered_names"].as_array().unwrap();
    assert!(!names.is_empty() && names.len() < 12);
    assert!(
        names
            .iter()
            .all(|n| n.as_str().unwrap().starts_with("xgboost-0"))
    );
    let filtered = numbers(&seen["mlflow_filtered"]);
    assert!(
        !filtered.is_empty() && filtered.iter().all(|v| *v < 5.5),
        "{seen}"
    );
    assert_eq!(seen["filter_error"], "");
    assert!(
        seen["bad_filter_error"]
            .as_str()
            .unwrap()
            .contains("expected a number"),
        "{seen}"
    );

    assert_eq!(seen["pixels_none_selected"], serde_json::json!([]));
    let painted = seen["pixels_two_selected"].as_array().unwrap();
    assert_eq!(painted.len(), 1, "one chart: {seen}");
    assert!(painted[0].as_u64().unwrap() > 500, "lines drawn: {seen}");
    assert_eq!(
        seen["legend"].as_array().unwrap().len(),
        3,
        "x and two runs"
    );
    let smoothed = seen["legend_smoothed"].as_array().unwrap();
    assert_eq!(
        smoothed.len(),
        5,
        "x, then a raw and a smoothed line per run: {seen}"
    );
    assert_eq!(seen["log_y_redraws"], true, "{seen}");
    // By time the two runs, logged ten minutes apart, are short stretches.
    assert!(seen["pixels_by_time"][0].as_u64().unwrap() > 100, "{seen}");
    assert_eq!(seen["zoom_redraws"], true, "{seen}");
    assert_eq!(seen["unzoom_redraws"], true, "{seen}");
    assert!(seen["scatter_ink"].as_u64().unwrap() > 500, "{seen}");
    assert!(seen["parallel_ink"].as_u64().unwrap() > 500, "{seen}");
    let keys = |k: &str| -> Vec<String> {
        seen[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let (shown, more) = (keys("columns"), keys("columns_with_run_id"));
    assert!(!shown.contains(&"run_id".into()) && more.contains(&"run_id".into()));
    let changed = keys("columns_only_changed");
    assert!(more.contains(&"status".into()) && !changed.contains(&"status".into()));
    assert!(
        changed.contains(&"metrics.validation-rmse".into()),
        "{seen}"
    );
    let details = seen["details"].as_str().unwrap();
    for part in [
        "Params",
        "max_depth",
        "Tags",
        "course",
        "Artifacts",
        "model/MLmodel",
    ] {
        assert!(details.contains(part), "{part} in {details}");
    }
    let models = seen["models"].as_str().unwrap();
    for part in ["nyc-taxi-regressor", "Staging", "@champion"] {
        assert!(models.contains(part), "{part} in {models}");
    }
    assert_eq!(seen["title"], "mlrs report: nyc-taxi-duration");
    assert!(
        seen["screenshot_colours"].as_u64().unwrap() > 20,
        "not blank"
    );
    assert!(shot.is_file());
}

/// A store of two runs, `a` and `b`, each logging `steps` points of `loss`.
fn long_store(steps: u64) -> crate::common::TestStore {
    let store = no_store();
    mlrs(&store.root)
        .args(["experiments", "create", "long"])
        .assert()
        .success();
    for name in ["a", "b"] {
        let started = mlrs(&store.root)
            .args(["runs", "start", "-e", "long", "--name", name])
            .assert()
            .success();
        let id = String::from_utf8_lossy(&started.get_output().stdout)
            .trim()
            .to_owned();
        let lines: String = (0..steps)
            .map(|s| {
                let value = (s * 7919 % 1000) as f64 / 1000.0;
                let t = 1_790_000_000_000 + s;
                format!(
                    "{{\"metric\":\"loss\",\"value\":{value},\"step\":{s},\"timestamp\":{t}}}\n"
                )
            })
            .collect();
        mlrs(&store.root)
            .args(["log", &id, "--batch", "-"])
            .stdin(lines)
            .assert()
            .success();
    }
    store
}

#[test]
fn report_holds_whole_histories_only_when_they_fit() {
    let store = long_store(6000);
    // Drawn at first from at most 4000 points a series; the whole 12,000 fit the default
    // budget, so they come too.
    let html = write_report(&store.root, &[]);
    let data = embedded(&html, "mlrs-data");
    let loss = &data["metrics"]["loss"];
    assert_eq!(loss["logged"], 12000);
    assert!(loss["held"].as_u64().unwrap() <= 8000, "{loss}");
    assert_eq!(loss["full"], true);
    assert_eq!(data["max_points"], 1_500_000);
    assert!(embedded(&html, "mlrs-full")["loss"].is_string());
    // Exactly the budget for the thinned series and their whole histories.
    let held = loss["held"].as_u64().unwrap();
    let fits = (12000 + held).to_string();
    let html = write_report(&store.root, &["--max-points", &fits]);
    assert_eq!(
        embedded(&html, "mlrs-data")["metrics"]["loss"]["full"],
        true
    );
    // A budget the whole histories do not fit: only the thinned series, within it.
    let html = write_report(&store.root, &["--max-points", "5000"]);
    let data = embedded(&html, "mlrs-data");
    assert_eq!(data["metrics"]["loss"]["full"], false);
    assert!(data["metrics"]["loss"]["held"].as_u64().unwrap() <= 5000);
    assert_eq!(embedded(&html, "mlrs-full"), serde_json::json!({}));
    // The budget the page suggests for every point is enough.
    let all = data["max_points_for_all"].as_u64().unwrap().to_string();
    let html = write_report(&store.root, &["--max-points", &all]);
    assert_eq!(
        embedded(&html, "mlrs-data")["metrics"]["loss"]["full"],
        true
    );
}

#[test]
fn report_draws_every_point_only_when_it_fits() {
    let Some(py) = browser_python() else { return };
    let store = long_store(6000);
    let see = |args: &[&str]| -> Value {
        write_report(&store.root, args);
        let out = Command::new(&py)
            .arg(repo().join("tests/py/report_full.py"))
            .arg(store.dir.path().join("report.html"))
            .output()
            .expect("browser driver");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON from the driver")
    };
    let seen = see(&[]);
    assert_eq!(seen["ready"], true, "{seen}");
    assert_eq!(seen["console"], serde_json::json!([]), "{seen}");
    let before = seen["points_before"].as_u64().unwrap();
    assert!(before > 1000 && before <= 8000, "{seen}");
    assert!(seen["note_before"].as_str().unwrap().contains("Thinned"));
    assert_eq!(seen["button"], 1, "{seen}");
    assert_eq!(seen["points_after"], 12000, "{seen}");
    assert_eq!(seen["note_after"], "Every logged point drawn.");

    let seen = see(&["--max-points", "5000"]);
    assert_eq!(seen["console"], serde_json::json!([]), "{seen}");
    assert_eq!(seen["button"], 0, "{seen}");
    let note = seen["note_before"].as_str().unwrap();
    for part in [
        "12,000 points of loss",
        "at most 5,000 points",
        // Each series whole, and thinned too (at most 3 points in each of 2000 columns).
        "mlrs report --max-points 24000",
        "mlrs runs history RUN loss",
    ] {
        assert!(note.contains(part), "{part:?} in {note}");
    }
}
