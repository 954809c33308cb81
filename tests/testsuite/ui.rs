//! `mlrs ui` end to end: the real binary in a real terminal (tmux), driven with `send-keys` and
//! read with `capture-pane`, as a user would. tmux is installed by `scripts/test`; under
//! `CI=true` these tests never skip.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// A private tmux server running `mlrs ui` in a 100×30 window.
struct Screen {
    socket: String,
}

impl Screen {
    /// `None` when tmux is missing outside CI.
    #[track_caller]
    fn open(root: &Path, args: &[&str]) -> Option<Screen> {
        if Command::new("tmux").arg("-V").output().is_err() {
            let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(
                !in_ci,
                "tmux is needed for the ui tests (scripts/test installs it)"
            );
            eprintln!("tmux is missing: skipping a ui test");
            return None;
        }
        let socket = format!(
            "mlrs-ui-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let bin = snapbox::cmd::cargo_bin!("mlrs");
        let mut command = format!(
            "env TZ=UTC NO_COLOR=1 MLRS_NOW_MS={NOW_MS} {} --store {} ui",
            bin.display(),
            root.display()
        );
        for a in args {
            command.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
        }
        // The shell stays after mlrs exits so the test can read what it left on screen.
        command.push_str("; echo EXIT=$?; sleep 60");
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "100", "-y", "30", &command])
            .status()
            .expect("start tmux");
        assert!(status.success());
        let screen = Screen { socket };
        // Let applications set tmux's paste buffer with OSC 52, as a terminal's clipboard.
        screen.tmux(&["set-option", "-g", "set-clipboard", "on"]);
        Some(screen)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Keys by tmux name (`Enter`, `Escape`, `C-u`, `Space`).
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
        }
    }

    /// Literal text.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    fn text(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// Wait until the screen shows `what`; the screen is in the panic message otherwise.
    #[track_caller]
    fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |text| text.contains(what))
    }

    #[track_caller]
    fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if ok(&text) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the screen never showed {what}; it shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.tmux(&["kill-server"]);
    }
}

#[test]
fn ui_filter_typo_sort_open_a_run_and_quit_restoring_the_terminal() {
    let store = fixture_store("3.17.2");
    let Some(s) = Screen::open(&store.root, &[]) else {
        return;
    };
    s.wait_for("Runs 34");
    s.keys(&["/"]);
    s.type_text("metrics.rmse << 6");
    s.keys(&["Enter"]);
    let screen = s.wait_for("'<<' is not an operator");
    // The caret of `mlrs search`, under the second `<`.
    assert!(screen.contains("│    metrics.rmse << 6"), "{screen}");
    assert!(screen.contains("│                 ^"), "{screen}");
    // Still alive: fix it.
    s.keys(&["C-u"]);
    s.type_text("metrics.rmse < 6");
    s.keys(&["Enter"]);
    s.wait_for("Runs 8 · metrics.rmse < 6");
    // Show only rmse, choose it (after name, status, start), sort by it, then reverse.
    s.keys(&["c", "C-u"]);
    s.type_text("metrics.rmse");
    s.keys(&["Enter"]);
    s.type_text("lll");
    s.keys(&["s"]);
    s.wait_for("sorted by metrics.rmse DESC");
    s.keys(&["s"]);
    let screen = s.wait_for("sorted by metrics.rmse ASC");
    let first = screen
        .lines()
        .find(|l| l.contains("FINISHED"))
        .expect("a run row");
    assert!(
        first.contains("tip-rf-d4") && first.contains("1.3*"),
        "{screen}"
    );
    s.keys(&["Enter"]);
    s.wait_for("Run tip-rf-d4");
    s.wait_for("Metrics (latest, history)");
    s.keys(&["Escape", "?"]);
    s.wait_for("Keys (any key closes)");
    s.keys(&["Escape", "q"]);
    let screen = s.wait_for("EXIT=0");
    // The alternate screen is gone: the shell's screen is back, without the UI on it.
    assert!(!screen.contains("Runs 8"), "{screen}");
}

#[test]
fn ui_mark_runs_and_chart_them() {
    let store = fixture_store("3.17.2");
    let Some(s) = Screen::open(
        &store.root,
        &["--filter", "tags.mlflow.runName LIKE 'xgb-lr%'"],
    ) else {
        return;
    };
    s.wait_for("Runs 3");
    s.keys(&["Space", "Space"]);
    s.wait_for("2 marked");
    s.keys(&["v"]);
    let screen = s.wait_for("━ xgb-lr0.05  ━ xgb-lr0.1");
    assert!(screen.contains("rmse"), "{screen}");
    assert!(
        screen.chars().any(|c| ('⠁'..='⣿').contains(&c)),
        "no lines drawn:\n{screen}"
    );
    s.keys(&["l"]);
    s.wait_for("x:step log-y");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
}

#[test]
fn ui_delete_and_restore_a_run_as_mlflow_sees_it() {
    let store = fixture_store("3.17.2");
    let run = run_id_named(&store.root, "xgb-lr0.1");
    let Some(s) = Screen::open(
        &store.root,
        &["--filter", "attributes.run_name = 'xgb-lr0.1'"],
    ) else {
        return;
    };
    s.wait_for("Runs 1");
    s.keys(&["x"]);
    s.wait_for(&format!("Delete run {}?", &run[..8]));
    s.keys(&["y"]);
    s.wait_for(&format!("deleted run {run}"));
    s.wait_for("Runs 0");
    let stage = |want: &str| {
        let script = repo().join("tests/py/run_stage.py");
        if let Some(out) = run_python("3.17.2", &script, &[&run], &store.root) {
            assert_eq!(out.trim(), want);
        }
    };
    stage("deleted");
    s.keys(&["D"]);
    s.wait_for("Runs 1 · attributes.run_name = 'xgb-lr0.1' · with deleted");
    s.keys(&["x"]);
    s.wait_for(&format!("Restore run {}?", &run[..8]));
    s.keys(&["y"]);
    s.wait_for(&format!("restored run {run}"));
    stage("active");
    s.keys(&["C-c"]);
    s.wait_for("EXIT=0");
}

#[test]
fn ui_read_only_refuses_to_delete() {
    let store = fixture_store("3.17.2");
    let Some(s) = Screen::open(&store.root, &["--read-only"]) else {
        return;
    };
    s.wait_for("read-only");
    s.keys(&["x"]);
    s.wait_for("read-only: changes are off");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
}

#[test]
fn ui_live_new_runs_appear_and_a_running_chart_grows() {
    let store = fixture_store("3.17.2");
    let start = mlrs_stdout(
        &store.root,
        &["runs", "start", "-e", "Default", "--name", "live-run"],
    );
    let run = start.trim().to_owned();
    mlrs(&store.root)
        .args([
            "log",
            &run,
            "--metric",
            "loss=1.0@0",
            "--metric",
            "loss=0.9@1",
        ])
        .assert()
        .success();
    let Some(s) = Screen::open(
        &store.root,
        &["--filter", "attributes.run_name LIKE 'live%'"],
    ) else {
        return;
    };
    s.wait_for("Runs 1");
    s.keys(&["v"]);
    s.wait_for("━ live-run");
    s.wait_for("loss");
    // A writer appends a point every 50 ms while the chart is open.
    let root = store.root.clone();
    let writer_run = run.clone();
    let writer = std::thread::spawn(move || {
        for step in 2..=40 {
            let value = 1.0 / f64::from(step);
            mlrs(&root)
                .args([
                    "log",
                    &writer_run,
                    "--metric",
                    &format!("loss={value}@{step}"),
                ])
                .assert()
                .success();
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    writer.join().unwrap();
    // The x axis ends at the last step written.
    s.wait_until("an x axis up to step 40", |text| {
        text.lines().any(|l| l.trim_end().ends_with(" 40"))
    });
    // A new run shows in the table without a reload.
    s.keys(&["Escape"]);
    mlrs_stdout(
        &store.root,
        &["runs", "start", "-e", "Default", "--name", "live-two"],
    );
    s.wait_for("Runs 2");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
}

#[test]
fn ui_copies_the_run_id_with_osc52() {
    let store = fixture_store("3.17.2");
    let run = run_id_named(&store.root, "xgb-lr0.1");
    let Some(s) = Screen::open(
        &store.root,
        &["--filter", "attributes.run_name = 'xgb-lr0.1'"],
    ) else {
        return;
    };
    s.wait_for("Runs 1");
    s.keys(&["y"]);
    s.wait_for(&format!("copied {run}"));
    // tmux takes OSC 52 into its paste buffer, as a terminal puts it on the clipboard.
    let start = Instant::now();
    while s.tmux(&["show-buffer"]) != run {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the buffer never got {run}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    s.keys(&["q"]);
}

#[test]
fn ui_moves_a_model_version_to_a_stage() {
    let store = fixture_store("3.17.2");
    let Some(s) = Screen::open(&store.root, &[]) else {
        return;
    };
    s.wait_for("Runs 34");
    s.keys(&["R"]);
    s.wait_for("nyc-taxi-regressor");
    // Down to nyc-taxi-regressor v4 (models sorted by name, versions newest first).
    let screen = s.text();
    let line = screen
        .lines()
        .position(|l| l.contains("v4 "))
        .expect("v4 on screen");
    let first = screen
        .lines()
        .position(|l| l.contains("Taxi Fare"))
        .expect("first model");
    for _ in first..line {
        s.keys(&["j"]);
    }
    s.keys(&["t"]);
    s.type_text("Staging");
    s.keys(&["Enter"]);
    s.wait_for("Move nyc-taxi-regressor version 4 to stage Staging?");
    s.keys(&["y"]);
    s.wait_for("nyc-taxi-regressor version 4 is now Staging");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
    let v = mlrs_json(&store.root, &["models", "get", "nyc-taxi-regressor/4"]);
    assert_eq!(v["current_stage"], "Staging", "{v}");
}
