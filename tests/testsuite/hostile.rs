//! Hostile input: filters and stores made to break mlrs. Nothing may panic (exit 101), hang, or
//! print a megabyte of bad content back; errors name the file.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::write_interop::assert_mlflow_reads_the_same;

/// Every command that takes a filter, with `{}` where the filter goes.
const FILTER_COMMANDS: &[&[&str]] = &[
    &["search", "{}"],
    &["compare", "--filter", "{}"],
    &["experiments", "list", "--filter", "{}"],
    &["models", "list", "--filter", "{}"],
    &["models", "versions", "--filter", "{}"],
];

#[track_caller]
fn assert_no_panic(root: &Path, args: &[&str]) -> std::process::Output {
    let out = mlrs(root).args(args).output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(101),
        "mlrs {args:?} panicked:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A LIKE of ten thousand `_` built a regex too big for the regex crate, which panicked.
#[test]
fn long_like_patterns_work_in_every_filter() {
    let store = fixture_store("3.17.2");
    let long = "_".repeat(10_486);
    for like in [
        format!("tags.t LIKE '{long}'"),
        format!("tags.t ILIKE '%{long}%'"),
        format!("tags.t NOT LIKE '{}'", "%_".repeat(20_000)),
    ] {
        for command in FILTER_COMMANDS {
            let args: Vec<&str> = command
                .iter()
                .map(|a| if *a == "{}" { like.as_str() } else { a })
                .collect();
            let out = assert_no_panic(&store.root, &args);
            assert!(
                out.status.success(),
                "mlrs {:?}: {}",
                &args[..args.len() - 1],
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Filters nested too deep are a usage error (exit 2) in every command, never a crash.
#[test]
fn deep_filters_are_usage_errors_everywhere() {
    let store = fixture_store("3.17.2");
    let deep = format!("{}name = 'x'{}", "(".repeat(20_000), ")".repeat(20_000));
    for command in FILTER_COMMANDS {
        let args: Vec<&str> = command
            .iter()
            .map(|a| if *a == "{}" { deep.as_str() } else { a })
            .collect();
        let out = assert_no_panic(&store.root, &args);
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("nest more than"), "{stderr}");
    }
}

/// 30,000 nested brackets took libyaml's scanner most of a minute; now refused at once,
/// naming the file, and the rest of the store is listed.
#[test]
fn deeply_nested_yaml_is_refused_quickly_naming_the_file() {
    let store = fixture_store("3.17.2");
    let id = experiment_id_named(&store.root, "nyc-taxi-duration");
    let meta = store.root.join(&id).join("meta.yaml");
    let mut text = std::fs::read_to_string(&meta).unwrap();
    text.push_str(&format!(
        "x: {}{}\n",
        "[".repeat(30_000),
        "]".repeat(30_000)
    ));
    std::fs::write(&meta, text).unwrap();
    let started = Instant::now();
    let out = assert_no_panic(&store.root, &["experiments", "list"]);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}", meta.display())) && stderr.contains("nest more than 128"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Default"));
}

/// A megabyte of bad content is quoted as a short excerpt, in metric lines and in YAML.
#[test]
fn messages_quote_a_short_excerpt_of_bad_content() {
    let store = fixture_store("3.17.2");
    let run = run_id_named(&store.root, "quickstart");
    let dir = run_dir(&store.root, &run);
    std::fs::write(dir.join("metrics/huge"), "x".repeat(1_000_000)).unwrap();
    let out = assert_no_panic(&store.root, &["runs", "describe", &run]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("metrics/huge:1: malformed metric line") && stderr.len() < 600,
        "{stderr}"
    );

    let meta = dir.join("meta.yaml");
    let text = std::fs::read_to_string(&meta).unwrap();
    let bad = format!("user_id: [{}\n", "y".repeat(1_000_000));
    std::fs::write(&meta, text.replace("user_id:", "old_user_id:") + &bad).unwrap();
    let out = assert_no_panic(&store.root, &["runs", "describe", &run]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("meta.yaml") && stderr.len() < 600,
        "{stderr}"
    );
}

/// YAML's other line breaks: PyYAML writes `a\u2028b` as `'a\u2028  b'` and reads the
/// indentation away; mlrs's fast reader took the line as it stood and read two spaces more,
/// and the next rewrite of the run made MLflow read them too.
#[test]
fn line_separators_in_names_round_trip_through_mlflow() {
    for version in VERSIONS {
        let store = fixture_store(version);
        let names = ["a\u{2028}b", "p\u{2029}\u{2029}q", "n\u{85}el", "e\u{2028}"];
        for name in names {
            let exp = mlrs_stdout(&store.root, &["experiments", "create", name]);
            let run = mlrs_stdout(
                &store.root,
                &["runs", "start", "-e", exp.trim(), "--name", name],
            );
            // `end` reads the run's meta.yaml and writes it back.
            mlrs(&store.root)
                .args(["runs", "end", run.trim()])
                .assert()
                .success();
            let described = mlrs_json(&store.root, &["runs", "describe", run.trim()]);
            assert_eq!(described["info"]["run_name"], name, "{name:?}");
            let exps = mlrs_json(&store.root, &["experiments", "list"]);
            assert!(exps.as_array().unwrap().iter().any(|e| e["name"] == name));
        }
        assert_mlflow_reads_the_same(version, &store.root);
    }
}

/// Every store `scripts/hostile-stores.py` builds, under every reading command: no panic, no
/// hang (a minute, on a loaded machine, for what takes well under a second), no message longer
/// than a screen.
#[test]
fn hostile_stores_never_panic_or_hang() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .arg(repo().join("scripts/hostile-stores.py"))
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases = String::from_utf8(out.stdout).unwrap();
    assert!(cases.lines().count() > 30);
    let run = "a".repeat(32);
    let commands: &[&[&str]] = &[
        &["experiments", "list"],
        &["runs", "list"],
        &["search", "--format", "json"],
        &["search", "params.p LIKE '%v%' OR metrics.m > 0"],
        &["compare", "--filter", ""],
        &["runs", "describe", &run],
        &["runs", "history", &run, "m"],
        &["models", "list"],
        &["models", "versions", "model"],
        &["gc", "--dry-run"],
    ];
    let mut failures = Vec::new();
    for case in cases.lines() {
        let root = dir.path().join(case);
        for args in commands {
            let started = Instant::now();
            let out = mlrs(&root)
                .args(*args)
                .timeout(Duration::from_secs(60))
                .output()
                .unwrap();
            let took = started.elapsed();
            let code = out.status.code();
            if code.is_none_or(|c| c > 4)
                || took > Duration::from_secs(30)
                || out.stderr.len() > 4000
            {
                failures.push(format!(
                    "{case}: mlrs {args:?}: exit {code:?} after {took:?}, {} bytes on stderr: {}",
                    out.stderr.len(),
                    String::from_utf8_lossy(&out.stderr[..out.stderr.len().min(300)])
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
