//! `mlrs plot` over the fixture stores: charts at a fixed size with and without colour,
//! scatter and parallel coordinates, the SVG file parsed, and the errors users meet.

use snapbox::file;

use crate::common::{fixture_store, mlrs, mlrs_notes, mlrs_stdout};

/// The experiment whose runs log `train/loss` and `rmse` histories.
const EXP: &str = "nyc-taxi-duration";

#[test]
fn lines_without_colour() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["plot", "train/loss", "rmse", "-e", EXP, "--top", "4"])
        .args(["--width", "100", "--height", "24"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/plot/lines.txt"]);
}

#[test]
fn lines_with_colour_smoothed_log_y() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args([
            "plot",
            "train/loss",
            "-e",
            EXP,
            "--smooth",
            "0.6",
            "--log-y",
        ])
        .args(["--width", "72", "--height", "18", "--color", "always"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/plot/lines-colour.txt"]);
}

#[test]
fn runs_by_id_relative_time_blocks_and_limits() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["plot", "rmse", "train/*", "1c29c808", "4d54d6f9"])
        .env("MLRS_SYMBOLS", "block")
        .args(["--x", "relative", "--ylim", "0:", "--xlim", ":8000"])
        .args(["--width", "60", "--height", "14"])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/plot/by-id.txt"]);
}

#[test]
fn sextant_and_octant_cells() {
    let store = fixture_store("3.17.2");
    for (symbols, snapshot) in [
        ("sextant", file!["snapshots/plot/sextant.txt"]),
        ("octant", file!["snapshots/plot/octant.txt"]),
    ] {
        mlrs(&store.root)
            .args([
                "plot",
                "train/loss",
                "-e",
                EXP,
                "--top",
                "3",
                "--symbols",
                symbols,
            ])
            .args(["--width", "60", "--height", "14"])
            .assert()
            .success()
            .stdout_eq(snapshot);
    }
}

#[test]
fn edge_cases_draw_gaps_and_negative_steps() {
    let store = fixture_store("3.17.2");
    let out = mlrs_stdout(
        &store.root,
        &[
            "plot",
            "negative_step",
            "nan_*",
            "formats",
            "f752d4ae",
            "--width",
            "90",
            "--height",
            "30",
        ],
    );
    assert!(
        out.contains("negative_step") && out.contains("formats"),
        "{out}"
    );
}

#[test]
fn scatter_and_parallel() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args([
            "plot",
            "-e",
            EXP,
            "--scatter",
            "params.max_depth",
            "metrics.rmse",
        ])
        .args([
            "--color-by",
            "params.model_type",
            "--width",
            "70",
            "--height",
            "18",
        ])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/plot/scatter.txt"]);
    mlrs(&store.root)
        .args([
            "plot",
            "-e",
            EXP,
            "--parallel",
            "params.max_depth",
            "params.learning_rate",
        ])
        .args([
            "params.model_type",
            "metrics.rmse",
            "--width",
            "80",
            "--height",
            "18",
        ])
        .assert()
        .success()
        .stdout_eq(file!["snapshots/plot/parallel.txt"]);
    // A glob's keys that hold one value tell nothing; axes that do not fit are left out, the
    // colouring metric kept, and both are said.
    let notes = mlrs_notes(
        &store.root,
        &[
            "plot",
            "--parallel",
            "params.*",
            "metrics.rmse",
            "--width",
            "40",
        ],
    );
    assert!(
        notes.contains("keys with a single value across these runs"),
        "{notes}"
    );
    assert!(
        notes.contains("axes do not fit 40 columns, left out: params."),
        "{notes}"
    );
}

#[test]
fn svg_has_axes_one_path_per_run_and_legend() {
    let store = fixture_store("3.17.2");
    let svg = store.dir.path().join("loss.svg");
    mlrs(&store.root)
        .args([
            "plot",
            "train/loss",
            "rmse",
            "-e",
            EXP,
            "--top",
            "5",
            "--smooth",
            "0.5",
        ])
        .arg("--output")
        .arg(&svg)
        .assert()
        .success();
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert!(
        !text.contains("http://")
            || !text
                .replace("http://www.w3.org/2000/svg", "")
                .contains("http")
    );
    let charts: Vec<_> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("chart"))
        .collect();
    assert_eq!(charts.len(), 2);
    for chart in &charts {
        let title = chart
            .descendants()
            .find(|n| n.attribute("class") == Some("title"))
            .and_then(|n| n.text())
            .unwrap();
        let axes = chart
            .descendants()
            .filter(|n| n.attribute("class") == Some("axis"))
            .count();
        assert_eq!(axes, 2, "{title}: x and y axis");
        let paths: Vec<_> = chart
            .descendants()
            .filter(|n| n.tag_name().name() == "path" && n.attribute("class") == Some("run"))
            .collect();
        let raw = chart
            .descendants()
            .filter(|n| n.attribute("class") == Some("raw"))
            .count();
        assert_eq!(
            paths.len(),
            raw,
            "{title}: a faint raw line behind each smoothed one"
        );
        let names: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.attribute("data-run"))
            .collect();
        if title == "train/loss" {
            // The five newest runs that logged either metric; restored-run has no train/loss.
            assert_eq!(
                names,
                ["hpo-trial-2", "hpo-trial-1", "hpo-trial-0", "rf-killed"]
            );
        } else {
            assert_eq!(
                names,
                ["hpo-trial-2", "hpo-trial-1", "hpo-trial-0", "restored-run"]
            );
        }
        for p in &paths {
            assert!(p.attribute("d").unwrap().starts_with('M'));
            assert!(p.attribute("data-run").is_some());
        }
        assert!(
            chart
                .descendants()
                .any(|n| n.attribute("class") == Some("tick"))
        );
    }
    let legend: Vec<&str> = root
        .descendants()
        .filter(|n| n.attribute("class") == Some("legend"))
        .filter_map(|n| n.text())
        .collect();
    assert!(legend.contains(&"hpo-trial-2"), "{legend:?}");
    assert!(legend.contains(&"restored-run"), "{legend:?}");
}

/// Elements of the SVG whose class list has `class`.
fn with_class<'a>(node: roxmltree::Node<'a, 'a>, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    node.descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split(' ').any(|c| c == class))
        })
        .collect()
}

/// Write `plot … --output FILE.svg` and return the file's text.
#[track_caller]
fn plot_svg(store: &crate::common::TestStore, args: &[&str]) -> String {
    let svg = store.dir.path().join("chart.svg");
    mlrs(&store.root)
        .arg("plot")
        .args(args)
        .arg("--output")
        .arg(&svg)
        .assert()
        .success();
    std::fs::read_to_string(&svg).unwrap()
}

/// The names of the runs of `EXP` that have every one of `params` and a finite `rmse`.
fn runs_with(store: &crate::common::TestStore, params: &[&str]) -> Vec<String> {
    let runs: serde_json::Value = serde_json::from_str(&mlrs_stdout(
        &store.root,
        &["search", "-e", EXP, "-f", "json"],
    ))
    .unwrap();
    let has = |run: &serde_json::Value, kind: &str, key: &str| {
        run["data"][kind]
            .get(key)
            .is_some_and(|v| kind != "metrics" || v.is_f64())
    };
    let mut names: Vec<String> = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| params.iter().all(|p| has(r, "params", p)) && has(r, "metrics", "rmse"))
        .map(|r| r["info"]["run_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn scatter_and_parallel_svg_have_axes_one_mark_per_run_and_legend() {
    let store = fixture_store("3.17.2");
    let text = plot_svg(
        &store,
        &[
            "-e",
            EXP,
            "--scatter",
            "params.max_depth",
            "metrics.rmse",
            "--color-by",
            "params.model_type",
        ],
    );
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let root = doc.root_element();
    assert_eq!(with_class(root, "chart").len(), 1);
    assert_eq!(with_class(root, "axis").len(), 2, "x and y axis");
    assert!(with_class(root, "tick").len() >= 4);
    let points = with_class(root, "point");
    let mut names: Vec<String> = points
        .iter()
        .map(|p| p.attribute("data-run").unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        runs_with(&store, &["max_depth"]),
        "one point per run"
    );
    assert_eq!(with_class(root, "best").len(), 1, "one best run");
    let legend: Vec<&str> = with_class(root, "legend")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert!(legend.contains(&"params.model_type=xgboost"), "{legend:?}");
    assert!(
        legend.iter().any(|l| l.contains("best metrics.rmse")),
        "{legend:?}"
    );

    let keys = [
        "params.max_depth",
        "params.learning_rate",
        "params.model_type",
        "metrics.rmse",
    ];
    let text = plot_svg(
        &store,
        &["-e", EXP, "--parallel", keys[0], keys[1], keys[2], keys[3]],
    );
    let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
    let root = doc.root_element();
    let axes: Vec<&str> = with_class(root, "axis-name")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(axes, keys);
    assert_eq!(with_class(root, "axis").len(), keys.len());
    let runs = with_class(root, "run");
    // 21 runs found; edge-cases has none of the keys.
    let names: Vec<&str> = runs
        .iter()
        .filter_map(|p| p.attribute("data-run"))
        .collect();
    assert_eq!(names.len(), 20, "one line per run with a value: {names:?}");
    assert!(!names.contains(&"edge-cases"));
    assert!(
        runs.iter()
            .all(|p| p.attribute("d").unwrap().starts_with('M'))
    );
    let legend: Vec<&str> = with_class(root, "legend")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(legend[0], "metrics.rmse:", "coloured by the last axis");
}

#[test]
fn mistakes_are_usage_or_not_found() {
    let store = fixture_store("3.17.2");
    let code = |args: &[&str]| {
        mlrs(&store.root)
            .args(args)
            .assert()
            .get_output()
            .status
            .code()
    };
    assert_eq!(code(&["plot", "no_such_metric"]), Some(3));
    mlrs(&store.root)
        .args(["plot", "rmse", "--filter", "params.model_type = 'nope'"])
        .assert()
        .code(3)
        .stderr_eq("mlrs: error: no run in scope matches the filter\n");
    // A typo beside a metric that exists is drawn without, and said.
    let notes = mlrs_notes(
        &store.root,
        &[
            "plot",
            "rmse",
            "rsme",
            "val_loss",
            "-e",
            "nyc-taxi-duration",
        ],
    );
    assert!(
        notes.contains("no selected run logged a metric matching 'rsme'; did you mean rmse?"),
        "{notes}"
    );
    assert!(
        notes.contains("no selected run logged a metric matching 'val_loss'\n"),
        "{notes}"
    );
    // A log axis cannot show r2 = -3.2; the run stays in the legend and the note says why.
    let notes = mlrs_notes(
        &store.root,
        &["plot", "r2", "-e", "nyc-taxi-duration", "--log-y"],
    );
    assert_eq!(
        notes,
        "mlrs: --log-y leaves out values of r2 at or below 0 (runs: xgb-diverged)\n"
    );
    assert_eq!(code(&["plot"]), Some(2));
    assert_eq!(code(&["plot", "rmse", "--ylim", "5:1"]), Some(2));
    assert_eq!(code(&["plot", "rmse", "--smooth", "1.5"]), Some(2));
    assert_eq!(code(&["plot", "rmse", "--output", "x.png"]), Some(2));
    assert_eq!(
        code(&["plot", "--parallel", "metrics.rmse", "--output", "x.png"]),
        Some(2)
    );
    assert_eq!(code(&["plot", "rmse", "1c29c808", "--top", "3"]), Some(2));
    assert_eq!(
        code(&["plot", "--scatter", "params.nope", "metrics.rmse"]),
        Some(3)
    );
    assert_eq!(
        code(&["plot", "--scatter", "rmse", "metrics.rmse"]),
        Some(2)
    );
    // `--color` is the colour switch; the scatter's colour key has its own option.
    mlrs(&store.root)
        .args(["plot", "--scatter", "params.max_depth", "metrics.rmse"])
        .args(["--color", "params.learning_rate"])
        .assert()
        .code(2)
        .stderr_eq(snapbox::str![[r#"
...
  tip: to colour the scatter's points by a key, use '--color-by KEY'
...
"#]]);
}

#[test]
fn help_has_examples() {
    let out = mlrs_stdout(std::path::Path::new("."), &["plot", "--help"]);
    assert!(
        out.contains("Examples:\n  mlrs plot validation-rmse"),
        "{out}"
    );
    assert!(
        out.contains("--scatter params.max_depth metrics.rmse"),
        "{out}"
    );
}

/// Block characters a sparkline is drawn with.
fn has_sparkline(text: &str) -> bool {
    text.chars().any(|c| ('▁'..='█').contains(&c))
}

#[test]
fn history_shows_a_sparkline_per_metric_for_people_only() {
    let store = fixture_store("3.17.2");
    let human = mlrs_stdout(
        &store.root,
        &[
            "runs", "history", "1c29c808", "rmse", "train/*", "-f", "table",
        ],
    );
    let lines: Vec<&str> = human.lines().collect();
    assert!(
        lines[0].starts_with("rmse ") && has_sparkline(lines[0]),
        "{human}"
    );
    assert!(lines[0].contains(" values, "), "{human}");
    assert!(
        lines[1].starts_with("train/") && has_sparkline(lines[1]),
        "{human}"
    );
    for format in ["csv", "tsv", "json"] {
        let out = mlrs_stdout(
            &store.root,
            &["runs", "history", "1c29c808", "rmse", "--format", format],
        );
        assert!(!has_sparkline(&out), "{format}: {out}");
    }
}

#[test]
fn compare_and_search_take_spark_columns() {
    let store = fixture_store("3.17.2");
    let compared = mlrs_stdout(
        &store.root,
        &[
            "compare", "-e", EXP, "--top", "3", "--spark", "rmse", "-f", "table",
        ],
    );
    let row = compared
        .lines()
        .find(|l| l.trim_start().starts_with("spark(rmse)"))
        .unwrap_or_else(|| panic!("no spark row:\n{compared}"));
    assert!(has_sparkline(row), "{compared}");
    let searched = mlrs_stdout(
        &store.root,
        &[
            "search",
            "-e",
            EXP,
            "--spark",
            "metrics.rmse",
            "--spark",
            "train/loss",
            "-f",
            "table",
        ],
    );
    let header = searched.lines().next().unwrap();
    assert!(
        header.contains("spark(rmse)") && header.contains("spark(train/loss)"),
        "{searched}"
    );
    assert!(searched.lines().skip(1).any(has_sparkline), "{searched}");
    let csv = mlrs_stdout(
        &store.root,
        &["search", "-e", EXP, "--spark", "rmse", "-f", "csv"],
    );
    assert!(!has_sparkline(&csv), "{csv}");
    // A typo'd metric gets an empty column and a note naming the likely key.
    for command in ["search", "compare"] {
        let notes = mlrs_notes(
            &store.root,
            &[command, "-e", EXP, "--spark", "rsme", "-f", "table"],
        );
        assert!(
            notes.contains("no selected run has the key metrics.rsme; did you mean metrics.rmse?"),
            "{command}: {notes}"
        );
    }
}
