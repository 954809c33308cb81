//! The system tags MLflow's fluent `start_run` records, found the way MLflow finds them:
//! `mlflow.user` (getpass), `mlflow.source.name`/`type`, and the git commit, branch and repo
//! URL of the checkout the source lives in.

use std::path::Path;
use std::process::Command;

pub const USER: &str = "mlflow.user";
pub const SOURCE_NAME: &str = "mlflow.source.name";
pub const SOURCE_TYPE: &str = "mlflow.source.type";
pub const GIT_COMMIT: &str = "mlflow.source.git.commit";
pub const GIT_BRANCH: &str = "mlflow.source.git.branch";
pub const GIT_REPO_URL: &str = "mlflow.source.git.repoURL";
pub const PARENT_RUN: &str = "mlflow.parentRunId";
pub const NOTE: &str = "mlflow.note.content";
/// The command line `mlrs run` ran (mlrs's own tag).
pub const COMMAND: &str = "mlrs.command";

/// Python's `getpass.getuser()`: LOGNAME, USER, LNAME, USERNAME, then the password database.
pub fn user() -> String {
    for var in ["LOGNAME", "USER", "LNAME", "USERNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    passwd_name().unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn passwd_name() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.len() > 2 && fields[2].parse() == Ok(uid)).then(|| fields[0].to_owned())
    })
}

#[cfg(not(unix))]
fn passwd_name() -> Option<String> {
    None
}

/// What `sys.argv[0]` is for a run started by a shell script: the script that called mlrs
/// (`bash train.sh` → `train.sh`), found from the parent process; else `mlrs`.
pub fn calling_script() -> String {
    parent_command_line()
        .and_then(|argv| script_of(&argv))
        .unwrap_or_else(|| "mlrs".into())
}

#[cfg(target_os = "linux")]
fn parent_command_line() -> Option<Vec<String>> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let ppid = status
        .lines()
        .find_map(|l| l.strip_prefix("PPid:"))?
        .trim()
        .to_owned();
    let raw = std::fs::read(format!("/proc/{ppid}/cmdline")).ok()?;
    let argv: Vec<String> = raw
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    (!argv.is_empty()).then_some(argv)
}

#[cfg(not(target_os = "linux"))]
fn parent_command_line() -> Option<Vec<String>> {
    None
}

/// The script an interpreter command runs (`python train.py` → `train.py`), else the program.
/// A shell with no script (an interactive or login shell) has none: `None`.
pub fn script_of(argv: &[String]) -> Option<String> {
    const SHELLS: [&str; 6] = ["bash", "sh", "zsh", "dash", "ksh", "fish"];
    const INTERPRETERS: [&str; 8] = [
        "python", "pypy", "Rscript", "julia", "node", "perl", "ruby", "uv",
    ];
    let program = Path::new(argv.first()?)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    // `-bash` (login shell), `python3.11` → `bash`, `python`.
    let base = program
        .trim_start_matches('-')
        .trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let shell = SHELLS.contains(&base);
    if !shell && !INTERPRETERS.contains(&base) {
        return Some(argv[0].clone());
    }
    // The first argument that is not an option is the script (`python -u train.py`); an
    // inline program (`bash -c …`, `python -c …`) or a pipe (`/dev/fd/3`) is no script.
    let first = argv[1..]
        .iter()
        .position(|a| !a.starts_with('-'))
        .map(|i| i + 1);
    let inline = argv[1..first.unwrap_or(argv.len())]
        .iter()
        .any(|a| a == "-c");
    match first.map(|i| &argv[i]) {
        Some(script)
            if !inline && !script.starts_with("/dev/fd/") && !script.starts_with("/proc/") =>
        {
            Some(script.clone())
        }
        _ if shell => None,
        _ => Some(argv[0].clone()),
    }
}

/// Git commit, branch and first remote's URL (credentials stripped) of the checkout holding
/// `dir`, as MLflow records them; nothing outside a checkout or without git.
pub fn git_tags(dir: &Path) -> Vec<(String, String)> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let Some(heads) = git(&["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"]) else {
        return Vec::new();
    };
    let mut lines = heads.lines();
    let mut tags = Vec::new();
    if let Some(commit) = lines.next() {
        tags.push((GIT_COMMIT.to_owned(), commit.to_owned()));
    }
    if let Some(branch) = lines.next().and_then(|r| r.strip_prefix("refs/heads/")) {
        tags.push((GIT_BRANCH.to_owned(), branch.to_owned()));
    }
    let first_url = git(&["config", "--get-regexp", r"^remote\..*\.url$"]).and_then(|out| {
        out.lines()
            .next()
            .and_then(|l| l.split_once(' '))
            .map(|(_, url)| url.to_owned())
    });
    if let Some(url) = first_url {
        tags.push((GIT_REPO_URL.to_owned(), strip_credentials(&url)));
    }
    tags
}

/// `https://user:token@host/x` → `https://host/x`; scp-style remotes are kept.
fn strip_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{path}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn source_of_a_command() {
        assert_eq!(
            script_of(&argv("python -u train.py --lr 1")).as_deref(),
            Some("train.py")
        );
        assert_eq!(
            script_of(&argv("/usr/bin/python3.11 train.py")).as_deref(),
            Some("train.py")
        );
        assert_eq!(
            script_of(&argv("bash pipeline.sh")).as_deref(),
            Some("pipeline.sh")
        );
        assert_eq!(script_of(&argv("-bash")), None);
        assert_eq!(script_of(&argv("bash")), None);
        assert_eq!(script_of(&argv("bash -c mlrs")), None);
        assert_eq!(script_of(&argv("bash /dev/fd/3")), None);
        assert_eq!(
            script_of(&argv("./train --epochs 3")).as_deref(),
            Some("./train")
        );
    }

    #[test]
    fn credentials_are_stripped() {
        assert_eq!(
            strip_credentials("https://u:tok@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            strip_credentials("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }
}
