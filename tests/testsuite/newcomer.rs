//! What a new user meets first: tables that fit the terminal, a pager for long ones, marks that
//! say one thing each, numbers that are not rounded into wrong digits.

use unicode_width::UnicodeWidthStr;

use crate::common::*;

const V3: &str = "3.17.2";

/// The widest table of the fixture store: every param and metric of one experiment.
fn wide_search(root: &std::path::Path, columns: &str) -> (String, String) {
    let out = mlrs(root)
        .env("COLUMNS", columns)
        .args([
            "search",
            "-e",
            "nyc-taxi-duration",
            "-c",
            "params.*",
            "-c",
            "metrics.*",
            "-f",
            "table",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn tables_fit_the_terminal_and_say_what_they_left_out() {
    let store = fixture_store(V3);
    for width in [60, 100, 200] {
        let (table, note) = wide_search(&store.root, &width.to_string());
        for line in table.lines() {
            assert!(
                line.width() <= width,
                "{width}: {line:?} is too wide\n{table}"
            );
        }
        // Ids are never split: a 12-character prefix that every command accepts.
        assert!(table.contains(" 579cf5528cec "), "{width}:\n{table}");
        assert!(
            note.contains("columns did not fit the terminal") && note.contains("--wide"),
            "{width}: {note}"
        );
    }
    let head = |width: &str| {
        let (table, _) = wide_search(&store.root, width);
        table.lines().take(4).collect::<Vec<_>>().join("\n")
    };
    snapbox::assert_data_eq!(
        head("60"),
        snapbox::str![[r#"
                                  params ───────────────────
 Run ID         Name              .dotted          a:b
────────────────────────────────────────────────────────────
 579cf5528cec   hpo-trial-2       -                -
"#]]
    );
    snapbox::assert_data_eq!(
        head("200"),
        snapbox::str![[r#"
                                 params ────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
 Run ID         Name             .dotted        a:b         alpha   café          data/version   date_param   empty_param   fit_intercept   float_param   key with spaces   learning_rate   long_param
────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
 579cf5528cec   hpo-trial-2      -              -           -       -             -              -            -             -               -             -                 0.05            -
"#]]
    );
    snapbox::assert_data_eq!(
        head("100"),
        snapbox::str![[r#"
                                  params ─────────────────────────────────────────────────────────
 Run ID         Name              .dotted           a:b         alpha   café          data/version
──────────────────────────────────────────────────────────────────────────────────────────────────
 579cf5528cec   hpo-trial-2       -                 -           -       -             -
"#]]
    );
    let wide = mlrs(&store.root)
        .env("COLUMNS", "100")
        .args(["search", "-e", "nyc-taxi-duration", "-c", "params.*"])
        .args(["-c", "metrics.*", "-f", "table", "--wide"])
        .assert()
        .success()
        .get_output()
        .clone();
    let wide_text = String::from_utf8(wide.stdout).unwrap();
    assert!(wide_text.contains("579cf5528cec4c0d85217fd57aa3bf2b"));
    assert!(wide_text.contains("zero_timestamp"));
    assert!(
        wide.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&wide.stderr)
    );
}

#[test]
fn numbers_show_no_wrong_digit_and_missing_values_a_dash() {
    let store = fixture_store(V3);
    let out = mlrs_stdout(
        &store.root,
        &[
            "search",
            "-e",
            "nyc-taxi-duration",
            "-c",
            "metrics.huge",
            "-c",
            "metrics.exact_binary",
            "--wide",
            "-f",
            "table",
        ],
    );
    assert!(out.contains("1e20"), "{out}");
    assert!(!out.contains("1.0000e20"), "{out}");
    assert!(out.contains("123456789.1"), "{out}");
    let blank_cell = out.lines().skip(3).any(|l| l.contains("      \n"));
    assert!(!blank_cell, "{out}");
}

#[test]
fn compare_marks_differences_and_best_values_differently() {
    let store = fixture_store(V3);
    let out = mlrs_stdout(
        &store.root,
        &[
            "compare",
            "4d54d6f9",
            "8ca5e65d",
            "-c",
            "metrics.rmse",
            "-f",
            "table",
        ],
    );
    let rmse = out
        .lines()
        .find(|l| l.trim_start().starts_with("metrics.rmse"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(rmse.contains("metrics.rmse*"), "a differing row: {rmse}");
    assert!(rmse.contains('★'), "the best value: {rmse}");
    assert_eq!(rmse.matches('★').count(), 1, "{rmse}");
}

#[test]
fn long_tables_on_a_terminal_go_through_the_pager() {
    let store = fixture_store(V3);
    let bin = snapbox::cmd::cargo_bin!("mlrs");
    let run = |extra: &str| {
        let command = format!(
            "stty rows 5 cols 120; '{}' --store '{}' runs list {extra}",
            bin.display(),
            store.root.display()
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("NO_COLOR", "1")
            .env("PAGER", "sed 's/^/paged: /'")
            .env("MLRS_NOW_MS", NOW_MS.to_string())
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux) runs mlrs on a terminal");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let paged = run("");
    assert!(paged.contains("paged:  Run ID"), "{paged}");
    let direct = run("--no-pager");
    assert!(
        !direct.contains("paged:") && direct.contains("Run ID"),
        "{direct}"
    );
}

#[test]
fn run_without_dashes_and_ending_twice_say_what_to_do() {
    let store = no_store();
    let out = mlrs(&store.root)
        .args(["run", "echo", "hi"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mlrs run [OPTIONS] -- echo hi"), "{err}");
    assert!(!store.root.exists(), "nothing was created");

    let run = mlrs_stdout(
        &store.root,
        &["runs", "start", "-e", "e", "--create-experiment"],
    );
    let run = run.trim();
    mlrs(&store.root)
        .args(["runs", "end", run])
        .assert()
        .success();
    let meta = || std::fs::read_to_string(find_meta(&store.root, run)).unwrap();
    let before = meta();
    let out = mlrs(&store.root)
        .env("MLRS_NOW_MS", (NOW_MS + 60_000).to_string())
        .args(["runs", "end", run, "--status", "FAILED"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("run {run} already ended")) && err.contains("--force"),
        "{err}"
    );
    assert_eq!(meta(), before, "the end time is kept");
    mlrs(&store.root)
        .env("MLRS_NOW_MS", (NOW_MS + 60_000).to_string())
        .args(["runs", "end", run, "--status", "FAILED", "--force"])
        .assert()
        .success();
    assert!(meta().contains("status: 4"), "{}", meta());
}

fn find_meta(root: &std::path::Path, run: &str) -> std::path::PathBuf {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == run)
        .map(|e| e.path().join("meta.yaml"))
        .expect("run folder")
}

#[test]
fn run_without_dashes_says_where_they_go_and_spots_a_runs_command() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["run", "list"])
        .assert()
        .code(2)
        .stderr_eq(
            "mlrs: error: put -- before the command, so its options stay its own: \
             mlrs run [OPTIONS] -- list; or did you mean 'mlrs runs list'?\n",
        );
    mlrs(&store.root)
        .args(["run", "echo", "hi"])
        .assert()
        .code(2)
        .stderr_eq(
            "mlrs: error: put -- before the command, so its options stay its own: \
             mlrs run [OPTIONS] -- echo hi\n",
        );
}

#[test]
fn a_part_of_an_experiment_name_is_pointed_at_the_whole() {
    let store = fixture_store("3.17.2");
    mlrs(&store.root)
        .args(["runs", "list", "-e", "nyc-taxi"])
        .assert()
        .code(3)
        .stderr_eq(
            "mlrs: error: no experiment with id or name 'nyc-taxi'\n\
             hint: did you mean 'nyc-taxi-duration'?\n",
        );
}
