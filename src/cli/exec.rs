//! `mlrs run -- CMD`: run a command inside a new MLflow run. The child gets MLFLOW_RUN_ID,
//! MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID, so its own `mlflow` calls log into the same run;
//! the run ends FINISHED, FAILED or KILLED with the child, and mlrs exits with the child's code.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context as _, Result};

use super::Ctx;
use super::args::{StartArgs, started_note};
use crate::ops::context;
use crate::ops::runs::end;
use crate::ops::start::{Started, start};
use crate::render::human_duration;
use crate::store::location::file_uri;
use crate::store::{RunInfo, RunStatus, Store};

const AFTER_HELP: &str = "\
The command runs with MLFLOW_RUN_ID, MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_ID (and
MLFLOW_ALLOW_FILE_STORE=true, which MLflow >= 3.13 needs for a file store) set, so
`mlflow.start_run()` in a Python script continues this run. The run ends FINISHED when the
command exits 0, FAILED otherwise, KILLED when mlrs is interrupted or terminated (the signal is
passed on to the command). mlrs exits with the command's exit code (128+N after signal N).

Examples:
  mlrs run -e taxi --name xgb-baseline -- python train.py --lr 0.1
  mlrs run --capture -e nightly -- ./pipeline.sh        # stdout.txt and stderr.txt as artifacts
  mlrs run -e sweep --param lr=0.3 --tag trial=7 -- make train";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    #[command(flatten)]
    start: StartArgs,
    /// Also save the command's stdout and stderr as artifacts (stdout.txt, stderr.txt)
    #[arg(long)]
    capture: bool,
    /// Do not print the start and end lines on stderr
    #[arg(short, long)]
    quiet: bool,
    /// A command given without `--`: refused with the line that works, since mlrs cannot tell
    /// the command's options from its own.
    #[arg(hide = true, value_name = "CMD", allow_hyphen_values = true)]
    stray: Vec<String>,
    /// The command and its arguments
    #[arg(last = true, required_unless_present = "stray", value_name = "CMD")]
    command: Vec<String>,
}

/// The child's pid for the signal handler, and the last termination signal mlrs received.
static CHILD: AtomicI32 = AtomicI32::new(0);
static RECEIVED: AtomicI32 = AtomicI32::new(0);

const FORWARDED: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    if !args.stray.is_empty() {
        let words = args.stray.join(" ");
        let mut message = format!(
            "put -- before the command, so its options stay its own: mlrs run [OPTIONS] -- {words}"
        );
        // `mlrs run list` is far more often `runs list` mistyped than a program named `list`.
        let runs_command = <super::Cli as clap::CommandFactory>::command()
            .find_subcommand("runs")
            .is_some_and(|runs| runs.find_subcommand(&args.stray[0]).is_some());
        if runs_command {
            message.push_str(&format!("; or did you mean 'mlrs runs {words}'?"));
        }
        return Err(super::exit::UsageError(message).into());
    }
    let source = context::script_of(&args.command).unwrap_or_else(|| args.command[0].clone());
    let source_dir = Path::new(&source)
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && p.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| ctx.cwd.clone());
    let command_line = shell_join(&args.command);
    let extra_tags = vec![(context::COMMAND.to_owned(), command_line)];
    let started = start(&args.start.request(ctx, source, source_dir, extra_tags))?;
    started_note(ctx, &started);
    let Started { store, run, .. } = started;
    if !args.quiet {
        ctx.note(&format!(
            "started run {} ({}) in experiment {}",
            run.run_id, run.run_name, run.experiment_id
        ));
    }
    // From here on the run exists: whatever happens, it is ended (FAILED when mlrs fails).
    let outcome = supervise(ctx, &store, &run, &args);
    let (status, code) = match &outcome {
        Ok(done) => *done,
        Err(_) => (RunStatus::Failed, 1),
    };
    // The child may have renamed or tagged the run; end the current state of it.
    let ended = end(&store, &run.run_id, status, true)?;
    if !args.quiet {
        let took = ended
            .end_time
            .zip(ended.start_time)
            .map(|(e, s)| human_duration(e - s))
            .unwrap_or_default();
        ctx.note(&format!(
            "run {} {} in {took} (exit code {code})",
            ended.run_id,
            ended.status.as_str()
        ));
    }
    outcome?;
    ctx.set_exit_code(code);
    Ok(())
}

/// Run the command and wait for it: the run's status and mlrs's exit code. A command that
/// cannot be started is FAILED with the shell's code for that, 127.
fn supervise(ctx: &Ctx, store: &Store, run: &RunInfo, args: &Args) -> Result<(RunStatus, u8)> {
    let captured = if args.capture {
        Some((
            store.create_artifact_file(run, "stdout.txt")?,
            store.create_artifact_file(run, "stderr.txt")?,
        ))
    } else {
        None
    };
    let mut cmd = Command::new(&args.command[0]);
    cmd.args(&args.command[1..])
        .env("MLFLOW_RUN_ID", &run.run_id)
        .env("MLFLOW_TRACKING_URI", file_uri(store.root()))
        .env("MLFLOW_EXPERIMENT_ID", &run.experiment_id)
        .env_remove("MLFLOW_EXPERIMENT_NAME");
    if std::env::var_os("MLFLOW_ALLOW_FILE_STORE").is_none() {
        cmd.env("MLFLOW_ALLOW_FILE_STORE", "true");
    }
    if captured.is_some() {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if std::env::var_os("PYTHONUNBUFFERED").is_none() {
            cmd.env("PYTHONUNBUFFERED", "1");
        }
    }
    install_signal_forwarding();
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            ctx.note(&format!("error: cannot start {:?}: {e}", args.command[0]));
            return Ok((RunStatus::Failed, 127));
        }
    };
    CHILD.store(child.id() as i32, Ordering::SeqCst);
    let tees = match captured {
        Some((out, err)) => vec![
            tee(child.stdout.take(), out, std::io::stdout()),
            tee(child.stderr.take(), err, std::io::stderr()),
        ],
        None => Vec::new(),
    };
    let status = child.wait();
    CHILD.store(0, Ordering::SeqCst);
    for t in tees {
        let _ = t.join();
    }
    Ok(outcome_of(
        status.context("waiting for the command failed")?,
        RECEIVED.load(Ordering::SeqCst),
    ))
}

/// The run's status and mlrs's exit code for how the child ended.
fn outcome_of(exit: ExitStatus, received_signal: i32) -> (RunStatus, u8) {
    use std::os::unix::process::ExitStatusExt;
    let by_signal = exit.signal();
    let code = match (exit.code(), by_signal) {
        (Some(c), _) => c.clamp(0, 255) as u8,
        (None, Some(s)) => (128 + s).clamp(0, 255) as u8,
        _ => 1,
    };
    let interrupted = received_signal != 0 || by_signal.is_some_and(|s| FORWARDED.contains(&s));
    let status = if interrupted {
        RunStatus::Killed
    } else if code == 0 {
        RunStatus::Finished
    } else {
        RunStatus::Failed
    };
    (status, code)
}

/// mlrs must outlive an interrupt to record it, and pass termination signals on to the child.
/// A Ctrl-C typed at the terminal already reaches the whole process group (the child too), so
/// only signals sent to mlrs alone (`kill`, `timeout`, a batch scheduler) are forwarded.
fn install_signal_forwarding() {
    extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        RECEIVED.store(sig, Ordering::SeqCst);
        // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
        let from_terminal = unsafe { (*info).si_code } == libc::SI_KERNEL;
        let child = CHILD.load(Ordering::SeqCst);
        if child > 0 && !from_terminal {
            // SAFETY: kill(2) is async-signal-safe.
            unsafe { libc::kill(child, sig) };
        }
    }
    for sig in FORWARDED {
        // SAFETY: a zeroed sigaction with a valid handler and SA_SIGINFO is a correct argument.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// Copy a child's stream to our own and to a file, as it comes.
fn tee(
    source: Option<impl Read + Send + 'static>,
    mut file: std::fs::File,
    mut terminal: impl Write + Send + 'static,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let Some(mut source) = source else { return };
        let mut buf = [0u8; 8192];
        while let Ok(n) = source.read(&mut buf) {
            if n == 0 {
                break;
            }
            let _ = terminal.write_all(&buf[..n]);
            let _ = terminal.flush();
            let _ = file.write_all(&buf[..n]);
        }
    })
}

/// The command line as a POSIX shell would need it typed.
fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let safe = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if safe {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_quoted_for_a_shell() {
        let argv: Vec<String> = ["python", "train.py", "--name", "my run", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_join(&argv),
            "python train.py --name 'my run' 'it'\\''s'"
        );
    }

    #[test]
    fn exit_codes_map_to_statuses() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            outcome_of(ExitStatus::from_raw(0), 0),
            (RunStatus::Finished, 0)
        );
        assert_eq!(
            outcome_of(ExitStatus::from_raw(3 << 8), 0),
            (RunStatus::Failed, 3)
        );
        assert_eq!(
            outcome_of(ExitStatus::from_raw(libc::SIGTERM), 0),
            (RunStatus::Killed, 143)
        );
        assert_eq!(
            outcome_of(ExitStatus::from_raw(1 << 8), libc::SIGINT),
            (RunStatus::Killed, 1)
        );
        assert_eq!(
            outcome_of(ExitStatus::from_raw(libc::SIGSEGV), 0),
            (RunStatus::Failed, 139)
        );
    }
}
