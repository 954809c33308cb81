//! Issue 16, a newcomer's rough edges: run names wherever a run is expected, empty results
//! said on stderr, fuller listings, CSV with every column, store errors that say what is
//! wrong, copied stores whose recorded absolute paths point elsewhere.

use crate::common::*;

#[track_caller]
fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stderr of a command expected to exit with `code`.
#[track_caller]
fn stderr_with_code(root: &std::path::Path, args: &[&str], code: i32) -> String {
    let out = mlrs(root)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .clone();
    stderr_of(&out)
}

#[test]
fn a_run_name_works_wherever_a_run_is_expected() {
    let store = fixture_store("3.17.2");
    let id = run_id_named(&store.root, "rf-d10-n50");
    let described = mlrs_json(&store.root, &["runs", "describe", "rf-d10-n50"]);
    assert_eq!(described["info"]["run_id"], id.as_str());
    let by_id = mlrs_stdout(&store.root, &["runs", "history", &id]);
    let by_name = mlrs_stdout(&store.root, &["runs", "history", "rf-d10-n50"]);
    assert_eq!(by_id, by_name);
    mlrs(&store.root)
        .args(["compare", "rf-d10-n50", "rf-d5-n50"])
        .assert()
        .success();
    mlrs(&store.root)
        .args(["log", "rf-d10-n50", "--param", "extra=1"])
        .assert()
        .success();
    let described = mlrs_json(&store.root, &["runs", "describe", &id]);
    assert_eq!(described["data"]["params"]["extra"], "1");
}

#[test]
fn an_ambiguous_run_name_lists_the_matching_ids() {
    let store = fixture_store("3.17.2");
    let first = run_id_named(&store.root, "rf-d10-n50");
    let second = run_id_named(&store.root, "rf-d5-n50");
    let meta = run_dir(&store.root, &second).join("meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap();
    std::fs::write(
        &meta,
        text.replace("run_name: rf-d5-n50", "run_name: rf-d10-n50"),
    )
    .unwrap();
    let out = mlrs(&store.root)
        .args(["runs", "describe", "rf-d10-n50"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("run name 'rf-d10-n50' is ambiguous"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&first) && stderr.contains(&second),
        "{stderr}"
    );
    mlrs(&store.root)
        .args(["runs", "describe", "no-such-run"])
        .assert()
        .code(3);
}

#[test]
fn empty_results_say_so_on_stderr() {
    let store = fixture_store("3.17.2");
    for args in [
        &["search", "metrics.rmse < -1"][..],
        &["runs", "list", "-e", "Default", "--view", "deleted"],
    ] {
        let out = mlrs(&store.root)
            .args(args)
            .assert()
            .success()
            .get_output()
            .clone();
        assert_eq!(stderr_of(&out), "mlrs: no runs matched\n", "{args:?}");
    }
    let empty = no_store();
    std::fs::create_dir_all(empty.root.join(".trash")).unwrap();
    let out = mlrs(&empty.root)
        .args(["experiments", "list"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(stderr_of(&out), "mlrs: no experiments\n");
}

#[test]
fn runs_history_without_a_metric_shows_every_metric() {
    let store = fixture_store("3.17.2");
    let id = run_id_named(&store.root, "rf-d10-n50");
    let all = mlrs_stdout(&store.root, &["runs", "history", &id]);
    let star = mlrs_stdout(&store.root, &["runs", "history", &id, "*"]);
    assert_eq!(all, star);
    assert!(all.lines().count() > 2, "{all}");
}

#[test]
fn experiments_list_shows_run_counts_and_description_and_takes_a_limit() {
    let store = fixture_store("3.17.2");
    let table = mlrs_stdout(
        &store.root,
        &[
            "experiments",
            "list",
            "-f",
            "markdown",
            "--filter",
            "name = 'nyc-taxi-duration'",
        ],
    );
    assert!(
        table.contains("Runs") && table.contains("Deleted runs"),
        "{table}"
    );
    assert!(
        table.contains("Predict trip duration (minutes) of NYC yellow taxis. Data: TLC 2021-01."),
        "{table}"
    );
    assert!(!table.contains("mlflow.note.content"), "{table}");
    let limited = mlrs_json(&store.root, &["experiments", "list", "-n", "2"]);
    assert_eq!(limited.as_array().unwrap().len(), 2);
}

#[test]
fn models_versions_table_is_in_version_order_with_tags() {
    let store = fixture_store("3.17.2");
    let table = mlrs_stdout(
        &store.root,
        &["models", "versions", "nyc-taxi-regressor", "-f", "markdown"],
    );
    let numbers: Vec<&str> = table
        .lines()
        .skip(2)
        .filter_map(|l| l.trim_start_matches('|').split('|').next())
        .map(str::trim)
        .collect();
    assert_eq!(numbers, ["1", "2", "3", "4", "6"], "{table}");
    assert!(table.contains("validation_status=approved"), "{table}");
}

#[test]
fn search_csv_has_every_column_unless_columns_are_named() {
    let store = fixture_store("3.17.2");
    let id = run_id_named(&store.root, "rf-d10-n50");
    let filter = format!("attributes.run_id = '{id}'");
    let run = mlrs_json(&store.root, &["runs", "describe", &id]);
    let csv = mlrs_stdout(&store.root, &["search", &filter, "-f", "csv"]);
    let header = csv.lines().next().unwrap();
    for kind in ["metrics", "params", "tags"] {
        let keys = run["data"][kind].as_object().unwrap();
        assert!(!keys.is_empty(), "{kind}");
        for key in keys.keys() {
            assert!(
                header.contains(&format!("{kind}.{key}")),
                "{kind}.{key}: {header}"
            );
        }
    }
    let narrowed = mlrs_stdout(
        &store.root,
        &["search", &filter, "-f", "tsv", "-c", "params.*"],
    );
    let header = narrowed.lines().next().unwrap();
    assert!(
        header.contains("params.") && !header.contains("metrics."),
        "{header}"
    );
}

#[test]
fn store_errors_say_what_is_wrong() {
    let store = fixture_store("3.17.2");
    let file = store.dir.path().join("afile");
    std::fs::write(&file, "x").unwrap();
    let runs_list = ["runs", "list"];
    let stderr = stderr_with_code(&file, &runs_list, 2);
    assert!(stderr.contains("is a file"), "{stderr}");

    let stderr = stderr_with_code(store.dir.path(), &runs_list, 2);
    assert!(
        stderr.contains(&format!("hint: use --store {}", store.root.display())),
        "{stderr}"
    );

    let stderr = stderr_with_code(&store.root.join("0"), &runs_list, 2);
    assert!(
        stderr.contains(&format!("inside the store {}", store.root.display())),
        "{stderr}"
    );

    let fresh = no_store();
    let stderr = stderr_with_code(&fresh.root, &["experiments", "create", "first"], 0);
    assert!(
        stderr.contains(&format!("created one at {}", fresh.root.display())),
        "{stderr}"
    );
}

#[test]
fn models_get_on_a_copied_store_names_the_model_inside_it() {
    let store = fixture_store("2.22.5");
    let meta = store.path("models/nyc-taxi-regressor/version-1/meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap();
    let moved = text.replace(
        "file:///work/main/fixtures/mlflow-2.22.5/mlruns/",
        "file:///nonexistent/zoomcamp/mlruns/",
    );
    assert_ne!(text, moved);
    std::fs::write(&meta, moved).unwrap();
    let out = mlrs(&store.root)
        .args(["models", "get", "nyc-taxi-regressor/1", "-f", "table"])
        .assert()
        .success()
        .get_output()
        .clone();
    let inside = store
        .root
        .join("119042592776404530/a2748fa6d9654139be72748a607f5854/artifacts/model");
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(stdout.trim(), format!("file://{}", inside.display()));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("file:///nonexistent/zoomcamp/mlruns/")
            && stderr.contains("inside this store"),
        "{stderr}"
    );
}

#[test]
fn typos_in_keys_name_the_keys_meant() {
    let store = fixture_store("3.17.2");
    let meant = "no selected run has the key metrics.rsme; did you mean metrics.rmse?";
    for args in [
        &["search", "-o", "metrics.rsme"][..],
        &["search", "metrics.rsme < 6"],
        &["compare", "-c", "metrics.rsme"],
        &[
            "compare",
            "-e",
            "nyc-taxi-duration",
            "-c",
            "metrics.rmse",
            "-o",
            "metrics.rsme",
        ],
        &[
            "search",
            "-e",
            "nyc-taxi-duration",
            "-c",
            "metrics.rsme",
            "-f",
            "csv",
        ],
    ] {
        let stderr = stderr_with_code(&store.root, args, 0);
        assert!(stderr.contains(meant), "{args:?}: {stderr}");
    }
    // A key that some run in scope has is no typo, even when no run matches.
    let stderr = stderr_with_code(&store.root, &["search", "metrics.rmse < -1"], 0);
    assert_eq!(stderr, "mlrs: no runs matched\n");
    // A pattern that matches nothing says so too.
    let stderr = stderr_with_code(&store.root, &["compare", "-c", "params.lr*"], 0);
    assert!(
        stderr.contains("no key of the selected runs matches params.lr*"),
        "{stderr}"
    );
    // Without a prefix the key is no attribute: a usage error, with the key meant.
    for args in [&["search", "-o", "rmse"][..], &["search", "rmse < 6"]] {
        let stderr = stderr_with_code(&store.root, args, 2);
        assert!(
            stderr.contains("hint: did you mean metrics.rmse?"),
            "{args:?}: {stderr}"
        );
    }
    let stderr = stderr_with_code(&store.root, &["search", "-c", "rmse"], 2);
    assert!(
        stderr.contains("metrics.rmse, params.rmse or tags.rmse"),
        "{stderr}"
    );
    let id = run_id_named(&store.root, "rf-d10-n50");
    let stderr = stderr_with_code(&store.root, &["runs", "history", &id, "rsme"], 3);
    assert!(stderr.contains("hint: did you mean rmse?"), "{stderr}");
}

#[test]
fn search_only_changed_hides_columns_that_never_change() {
    let store = fixture_store("3.17.2");
    let args = [
        "search",
        "-e",
        "nyc-taxi-duration",
        "params.model_type = 'xgboost'",
        "-c",
        "params.*",
        "-f",
        "csv",
    ];
    let header = |extra: &[&str]| {
        let all: Vec<&str> = args.iter().chain(extra).copied().collect();
        let csv = mlrs_stdout(&store.root, &all);
        csv.lines().next().unwrap_or_default().to_owned()
    };
    let every = header(&[]);
    assert!(every.contains("params.model_type"), "{every}");
    assert!(every.contains("params.learning_rate"), "{every}");
    let changed = header(&["--only-changed"]);
    assert!(!changed.contains("params.model_type"), "{changed}");
    assert!(changed.contains("params.learning_rate"), "{changed}");
    assert!(changed.starts_with("run_id,"), "{changed}");
}

#[test]
fn runs_history_times_show_where_points_differ() {
    let store = fixture_store("3.17.2");
    let id = run_id_named(&store.root, "xgb-long");
    let time_column = |args: &[&str]| {
        let table = mlrs_stdout(&store.root, args);
        // The table comes after the sparkline of each metric.
        let mut lines = table.lines().skip_while(|l| !l.starts_with('|'));
        let header = lines.next().unwrap_or_default().to_owned();
        let first = lines.nth(1).unwrap_or_default();
        let time = first
            .split('|')
            .nth(3)
            .unwrap_or_default()
            .trim()
            .to_owned();
        (header, time)
    };
    // The fixture logged on whole seconds, on one day: the day once, then the clock.
    let history = ["runs", "history", &id, "rmse", "-f", "markdown"];
    let (header, time) = time_column(&history);
    assert!(header.contains("| Time (2026-11-21) |"), "{header}");
    assert_eq!(time, "05:56:12");
    // Points logged within one second differ in their milliseconds.
    for (value, ms) in [("1", "1795239971001"), ("2", "1795239971250")] {
        mlrs(&store.root)
            .args(["log", &id, "--metric", &format!("fast={value}")])
            .args(["--timestamp", ms])
            .assert()
            .success();
    }
    let (header, time) = time_column(&["runs", "history", &id, "fast", "-f", "markdown"]);
    assert!(header.contains("| Time (2026-11-21) |"), "{header}");
    assert_eq!(time, "05:46:11.001");
}

#[test]
fn a_column_cut_for_room_gets_it_back_when_columns_are_dropped() {
    let store = fixture_store("3.17.2");
    let out = mlrs(&store.root)
        .args(["compare", "-e", "nyc-taxi-duration", "-n", "4"])
        .args(["-c", "metrics.rmse", "-f", "table"])
        .assert()
        .success()
        .get_output()
        .clone();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), stderr_of(&out));
    assert!(stderr.contains("1 of 5 columns did not fit"), "{stderr}");
    // compare's columns are runs: `-c` picks its rows.
    assert!(stderr.contains("or compare fewer runs"), "{stderr}");
    assert!(stdout.contains(" metrics.rmse*"), "{stdout}");
}

#[test]
fn ids_in_tables_are_cut_to_one_prefix_length() {
    let store = fixture_store("3.17.2");
    let table = mlrs_stdout(
        &store.root,
        &["models", "versions", "nyc-taxi-regressor", "-f", "table"],
    );
    let first = table.lines().nth(2).unwrap_or_default();
    assert!(first.contains(" 3f8fe176cf63 "), "{table}");
    assert!(!first.contains('…'), "{table}");
    let described = mlrs_stdout(
        &store.root,
        &[
            "models",
            "describe",
            "nyc-taxi-regressor",
            "-f",
            "table",
            "--wide",
        ],
    );
    assert!(described.contains("xgb-long (1c29c80833f1)"), "{described}");
}

#[test]
fn compare_tables_fit_and_cut_keys_keep_their_marks() {
    let store = fixture_store("3.17.2");
    for width in ["60", "100", "200"] {
        let out = mlrs(&store.root)
            .env("COLUMNS", width)
            .args(["compare", "-e", "nyc-taxi-duration", "-f", "table"])
            .assert()
            .success()
            .get_output()
            .clone();
        let table = String::from_utf8_lossy(&out.stdout);
        let limit: usize = width.parse().unwrap();
        for line in table.lines() {
            assert!(
                line.chars().count() <= limit,
                "{width}: {line:?} is too wide\n{table}"
            );
        }
        // Values cut in a run's column, ids and times whole.
        assert!(table.contains(" 2026-11-21 06:02:41 "), "{width}:\n{table}");
        if limit == 60 {
            assert!(table.contains("…*"), "a cut key keeps its mark:\n{table}");
        }
    }
}
