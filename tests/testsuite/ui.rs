//! `mlrs ui` end to end: the real binary in a real terminal (tmux), driven with `send-keys` and
//! read with `capture-pane`, as a user would. tmux is installed by `scripts/test`; these
//! tests never skip under `CI=true`, and elsewhere only with `MLRS_SKIP_TMUX=1`.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::*;

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// A private tmux server (its own socket) running `mlrs ui` in a 100×30 window. Dropping it
/// kills the server and every process it started, even when the test failed: no `mlrs ui` is
/// ever left behind.
struct Screen {
    socket: String,
    socket_path: String,
    /// The pane's shell and everything under it (`timeout`, `mlrs`), found once it started.
    pids: Vec<u32>,
}

impl Screen {
    /// `None` only when tmux is missing and `MLRS_SKIP_TMUX=1` (outside CI) says to skip.
    #[track_caller]
    fn open(root: &Path, args: &[&str]) -> Option<Screen> {
        let present = Command::new("tmux").arg("-V").output().is_ok();
        required(present, "tmux".into(), "tmux", "MLRS_SKIP_TMUX")?;
        let socket = format!(
            "mlrs-ui-test-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let bin = snapbox::cmd::cargo_bin!("mlrs");
        // `timeout` is the last guard: should the test process itself be killed before its
        // Drop runs, mlrs still ends within minutes.
        let mut command = format!(
            "env -u MLRS_SYMBOLS TZ=UTC NO_COLOR=1 MLRS_NOW_MS={NOW_MS} timeout --foreground 300 {} --store {} ui",
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
        let mut screen = Screen {
            socket,
            socket_path: String::new(),
            pids: Vec::new(),
        };
        screen.socket_path = screen
            .tmux(&["display-message", "-p", "#{socket_path}"])
            .trim()
            .to_owned();
        let shell: Option<u32> = screen
            .tmux(&["list-panes", "-F", "#{pane_pid}"])
            .trim()
            .parse()
            .ok();
        screen.pids.extend(shell);
        // Let applications set tmux's paste buffer with OSC 52, as a terminal's clipboard.
        screen.tmux(&["set-option", "-g", "set-clipboard", "on"]);
        Some(screen)
    }

    /// The pid of `mlrs ui` under the pane's shell (it is recorded for the cleanup).
    #[track_caller]
    fn mlrs_pid(&mut self) -> u32 {
        let start = Instant::now();
        loop {
            let found = self.pids.first().and_then(|&shell| {
                descendants(shell)
                    .into_iter()
                    .find(|&p| comm(p).as_deref() == Some("mlrs"))
            });
            if let Some(pid) = found {
                self.pids.extend(descendants(self.pids[0]));
                return pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "mlrs ui never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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
        if let Some(&shell) = self.pids.first() {
            self.pids.extend(descendants(shell));
        }
        self.tmux(&["kill-server"]);
        // tmux leaves its socket file behind when its server is killed.
        let _ = std::fs::remove_file(&self.socket_path);
        // The server's hangup ends them; anything still there a second later is killed.
        let start = Instant::now();
        while self.pids.iter().any(|&p| alive(p)) && start.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(20));
        }
        for &pid in self.pids.iter().filter(|&&p| alive(p)) {
            // SAFETY: plain kill(2) of a process this test started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// Every process under `pid` (children, their children…).
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        let children =
            std::fs::read_to_string(format!("/proc/{p}/task/{p}/children")).unwrap_or_default();
        for c in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            out.push(c);
            todo.push(c);
        }
    }
    out
}

fn comm(pid: u32) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(text.trim().to_owned())
}

/// `/proc/PID/stat`'s fields after the command name (field 3, the state, is first).
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 2..];
    Some(after.split_whitespace().map(str::to_owned).collect())
}

/// Running, sleeping or stopped; not gone, and not a zombie nobody reaped yet.
fn alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|f| f[0] != "Z" && f[0] != "X")
}

/// CPU time used so far by `pid` (user + system), in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let f = stat_fields(pid).expect("the process is there");
    // utime and stime are fields 14 and 15 of the whole line.
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

/// The share of one core `pid` used over `span`.
fn cpu_share(pid: u32, span: Duration) -> f64 {
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let before = cpu_ticks(pid);
    std::thread::sleep(span);
    (cpu_ticks(pid) - before) as f64 / hz / span.as_secs_f64()
}

/// A copy of the 3.x fixture store, the id of its run `xgb-lr0.1`, and the UI filtered to it.
#[track_caller]
fn one_run() -> Option<(TestStore, String, Screen)> {
    let store = fixture_store("3.17.2");
    let run = run_id_named(&store.root, "xgb-lr0.1");
    let s = Screen::open(
        &store.root,
        &["--filter", "attributes.run_name = 'xgb-lr0.1'"],
    )?;
    s.wait_for("Runs 1");
    Some((store, run, s))
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
    let Some((store, run, s)) = one_run() else {
        return;
    };
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
fn ui_live_a_running_chart_grows_within_a_second_at_low_cpu_and_new_runs_appear() {
    live_chart_grows(&[]);
}

/// Where file notifications do not come (network file systems), polling finds the same.
#[test]
fn ui_live_by_polling_a_running_chart_grows_and_new_runs_appear() {
    live_chart_grows(&["--poll"]);
}

/// A run logs while its chart is open; then another run starts. `args` are more of `mlrs ui`'s.
#[track_caller]
fn live_chart_grows(args: &[&str]) {
    let store = fixture_store("3.17.2");
    let start = mlrs_stdout(
        &store.root,
        &["runs", "start", "-e", "Default", "--name", "live-run"],
    );
    let run = start.trim().to_owned();
    mlrs(&store.root)
        .args(["log", &run, "--metric", "loss=1.0@0"])
        .assert()
        .success();
    let mut ui_args = vec!["--filter", "attributes.run_name LIKE 'live%'"];
    ui_args.extend(args);
    let Some(mut s) = Screen::open(&store.root, &ui_args) else {
        return;
    };
    s.wait_for("Runs 1");
    s.keys(&["v"]);
    s.wait_for("━ live-run");
    let pid = s.mlrs_pid();
    let idle = cpu_share(pid, Duration::from_secs(3));
    // A writer appends 100 points a second to the metric file, as MLflow's file store does
    // (one line per `log_metric`), for three seconds, while the chart is open.
    let file = run_dir(&store.root, &run).join("metrics/loss");
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap();
        let begin = Instant::now();
        for step in 1..=300u32 {
            let due = begin + Duration::from_millis(u64::from(step) * 10);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            let line = format!(
                "{} {} {step}\n",
                NOW_MS + i64::from(step),
                1.0 / f64::from(step)
            );
            out.write_all(line.as_bytes()).unwrap();
        }
        Instant::now()
    });
    let live = cpu_share(pid, Duration::from_secs(3));
    let last_write = writer.join().unwrap();
    // The x axis ends at the last step written.
    s.wait_until("an x axis up to step 300", |text| {
        text.lines().any(|l| l.trim_end().ends_with(" 300"))
    });
    let shown_after = last_write.elapsed();
    eprintln!(
        "mlrs ui {args:?}: idle {:.1}% of a core, {:.1}% while a run logs 100 points/s; last point on \
         screen {} ms after it was written",
        idle * 100.0,
        live * 100.0,
        shown_after.as_millis()
    );
    assert!(idle < 0.05, "idle CPU {:.1}%", idle * 100.0);
    assert!(live < 0.05, "CPU while logging {:.1}%", live * 100.0);
    assert!(shown_after < Duration::from_millis(1500), "{shown_after:?}");
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
fn ui_exits_when_its_terminal_goes_away() {
    let store = fixture_store("3.17.2");
    let Some(mut s) = Screen::open(&store.root, &[]) else {
        return;
    };
    s.wait_for("Runs 34");
    let pid = s.mlrs_pid();
    s.tmux(&["kill-server"]);
    let start = Instant::now();
    while alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "mlrs ui still runs after its terminal closed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ui_deletes_a_tag() {
    let Some((store, run, s)) = one_run() else {
        return;
    };
    mlrs(&store.root)
        .args(["log", &run, "--tag", "note=drop me"])
        .assert()
        .success();
    s.keys(&["T"]);
    s.type_text("note");
    s.keys(&["Enter"]);
    s.wait_for(&format!("Delete tag note of run {}?", &run[..8]));
    s.keys(&["y"]);
    s.wait_for(&format!("deleted tag note of run {run}"));
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
    let script = repo().join("tests/py/run_stage.py");
    if let Some(out) = run_python("3.17.2", &script, &[&run, "note"], &store.root) {
        assert_eq!(out.trim(), "<none>");
    }
    let v = mlrs_json(&store.root, &["runs", "describe", &run]);
    assert!(v["data"]["tags"].get("note").is_none(), "{v}");
}

#[test]
fn ui_copies_the_run_id_with_osc52() {
    let Some((_store, run, s)) = one_run() else {
        return;
    };
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
    // Then point an alias at it.
    s.keys(&["a"]);
    s.type_text("champion");
    s.keys(&["Enter"]);
    s.wait_for("Point alias @champion of nyc-taxi-regressor at version 4?");
    s.keys(&["y"]);
    s.wait_for("@champion of nyc-taxi-regressor points at version 4");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
    let v = mlrs_json(&store.root, &["models", "get", "nyc-taxi-regressor/4"]);
    assert_eq!(v["current_stage"], "Staging", "{v}");
    let v = mlrs_json(
        &store.root,
        &["models", "get", "nyc-taxi-regressor@champion"],
    );
    assert_eq!(v["version"], 4, "{v}");
}

#[test]
fn ui_sets_a_tag_and_renames_a_run() {
    let Some((store, run, s)) = one_run() else {
        return;
    };
    s.keys(&["t"]);
    s.type_text("stage=tuned");
    s.keys(&["Enter"]);
    s.wait_for(&format!("Set tag stage=tuned on run {}?", &run[..8]));
    s.keys(&["y"]);
    s.wait_for(&format!("set tag stage on run {run}"));
    // The name is there to edit.
    s.keys(&["n"]);
    s.wait_for("new name: xgb-lr0.1");
    s.keys(&["C-u"]);
    s.type_text("xgb-best");
    s.keys(&["Enter", "y"]);
    s.wait_for(&format!("renamed run {run} to xgb-best"));
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
    let v = mlrs_json(&store.root, &["runs", "describe", &run]);
    assert_eq!(v["data"]["tags"]["stage"], "tuned", "{v}");
    assert_eq!(v["info"]["run_name"], "xgb-best", "{v}");
}

#[test]
fn ui_a_broken_run_shows_as_broken_and_the_ui_goes_on() {
    let store = fixture_store("3.17.2");
    let run = run_id_named(&store.root, "xgb-lr0.1");
    std::fs::write(
        run_dir(&store.root, &run).join("metrics/rmse"),
        "not a metric line\n",
    )
    .unwrap();
    let Some(s) = Screen::open(
        &store.root,
        &["--filter", "attributes.run_name LIKE 'xgb-lr%'"],
    ) else {
        return;
    };
    let screen = s.wait_for("1 broken entry skipped");
    let row = screen
        .lines()
        .find(|l| l.contains(&run[..8]))
        .unwrap_or_else(|| panic!("the broken run is listed:\n{screen}"));
    assert!(row.contains("! "), "{screen}");
    // Opening it says why it cannot be read; the UI goes on.
    s.keys(&["j", "Enter"]);
    s.wait_for("mlrs: error:");
    s.keys(&["j", "Enter"]);
    s.wait_for("Run xgb-lr0.3");
    s.keys(&["q"]);
    s.wait_for("EXIT=0");
}

#[test]
fn ui_sigterm_gives_the_terminal_back() {
    let store = fixture_store("3.17.2");
    let Some(mut s) = Screen::open(&store.root, &[]) else {
        return;
    };
    s.wait_for("Runs 34");
    let pid = s.mlrs_pid();
    // SAFETY: plain kill(2) of the process this test started.
    unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
    let screen = s.wait_for("EXIT=");
    assert!(!screen.contains("Runs 34"), "{screen}");
}
