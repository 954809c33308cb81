//! Shell completion: the committed scripts and man page equal freshly generated ones; the binary
//! in completion mode offers candidates from the store on the command line (bash and zsh); a
//! real bash completes a run id through the committed script; a broken store offers nothing.

use std::path::Path;
use std::process::Command;

use crate::common::*;

const SHELL_FILES: [(&str, &str); 5] = [
    ("bash", "completions/mlrs.bash"),
    ("zsh", "completions/_mlrs"),
    ("fish", "completions/mlrs.fish"),
    ("powershell", "completions/_mlrs.ps1"),
    ("elvish", "completions/mlrs.elv"),
];

/// Compare a committed generated file with fresh output; `SNAPSHOTS=overwrite` rewrites it.
#[track_caller]
fn assert_generated(rel: &str, fresh: &[u8]) {
    let path = repo().join(rel);
    if std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, fresh).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{rel} is out of date: regenerate with `SNAPSHOTS=overwrite cargo test completion`"
    );
}

#[test]
fn committed_scripts_and_man_page_are_current() {
    for (shell, rel) in SHELL_FILES {
        let out = mlrs_bare().args(["completions", shell]).assert().success();
        assert_generated(rel, &out.get_output().stdout);
    }
    let man = mlrs_bare().arg("man").assert().success();
    assert!(String::from_utf8_lossy(&man.get_output().stdout).contains(".TH mlrs"));
    assert_generated("man/mlrs.1", &man.get_output().stdout);
}

/// The candidates mlrs offers for the last word of `words` (bash: values; zsh: `value:help`).
fn candidates(shell: &str, root: &Path, words: &[&str]) -> Vec<String> {
    let mut line = vec!["mlrs", "--store", root.to_str().unwrap()];
    line.extend_from_slice(words);
    let out = mlrs_bare()
        .env("_MLRS_COMPLETE", shell)
        .env("_CLAP_COMPLETE_INDEX", (line.len() - 1).to_string())
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .env("_CLAP_COMPLETE_SPACE", "true")
        .env("_CLAP_IFS", "\n")
        .arg("--")
        .args(&line)
        .assert()
        .success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn candidates_come_from_the_store() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    let lasso = run_id_named(root, "lasso-a0.1");
    for shell in ["bash", "zsh"] {
        let runs = candidates(shell, root, &["runs", "describe", &lasso[..3]]);
        let want = if shell == "zsh" {
            format!("{lasso}:lasso-a0.1 (FINISHED)")
        } else {
            lasso.clone()
        };
        assert!(runs.contains(&want), "{shell}: {runs:?}");
        assert!(
            runs.iter().all(|c| c.starts_with(&lasso[..3])),
            "{shell}: {runs:?}"
        );

        let exps = candidates(shell, root, &["runs", "list", "-e", "nyc"]);
        assert!(
            exps.iter().any(|c| c.starts_with("nyc-taxi-duration")),
            "{shell}: {exps:?}"
        );
        assert!(
            exps.iter().any(|c| c.starts_with("nyc taxi sandbox")),
            "{shell}: {exps:?}"
        );

        let metrics = candidates(shell, root, &["log", &lasso, "--metric", "val_"]);
        assert!(
            metrics.iter().any(|c| c.starts_with("val_rmse=")),
            "{shell}: {metrics:?}"
        );

        let keys = candidates(shell, root, &["search", "--order-by", "metrics.val"]);
        assert_eq!(keys, ["metrics.val/rmse", "metrics.val_rmse"], "{shell}");
        let params = candidates(shell, root, &["compare", "--columns", "params.max_"]);
        assert_eq!(params, ["params.max_depth"], "{shell}");

        let models = candidates(shell, root, &["models", "describe", "nyc"]);
        assert_eq!(models, ["nyc-taxi-regressor"], "{shell}");
        let versions = candidates(shell, root, &["transition", "nyc-taxi-regressor", ""]);
        assert!(
            versions.iter().any(|c| c.starts_with('2'))
                && !versions.iter().any(|c| c.starts_with('5')),
            "{shell}: deleted v5 is not offered: {versions:?}"
        );
        let aliases = candidates(
            shell,
            root,
            &["models", "alias", "delete", "nyc-taxi-regressor", "ch"],
        );
        assert_eq!(
            aliases.len(),
            2,
            "{shell}: champion and challenger: {aliases:?}"
        );
        let refs = candidates(shell, root, &["models", "get", "nyc-taxi-regressor@"]);
        assert!(
            refs.iter()
                .any(|c| c.starts_with("nyc-taxi-regressor@champion")),
            "{shell}: {refs:?}"
        );
    }
}

#[test]
fn a_broken_or_missing_store_offers_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(
        candidates(
            "bash",
            &tmp.path().join("missing"),
            &["runs", "describe", "a"]
        )
        .is_empty()
    );
    let store = fixture_store("2.22.5");
    std::fs::write(store.path("0/meta.yaml"), "{{{ not yaml").unwrap();
    assert!(candidates("bash", &store.root, &["runs", "list", "-e", "De"]).is_empty());
}

#[test]
fn real_bash_completes_a_run_id_with_the_committed_script() {
    let store = fixture_store("3.17.2");
    let lasso = run_id_named(&store.root, "lasso-a0.1");
    let bin_dir = snapbox::cmd::cargo_bin!("mlrs")
        .parent()
        .unwrap()
        .to_path_buf();
    let script = format!(
        r#"
source '{script}'
complete -p mlrs
COMP_WORDS=(mlrs --store '{store}' runs describe {prefix})
COMP_CWORD=5
COMP_LINE="${{COMP_WORDS[*]}}"
COMP_POINT=${{#COMP_LINE}}
_clap_complete_mlrs mlrs {prefix} describe
printf 'reply:%s\n' "${{COMPREPLY[@]}}"
"#,
        script = repo().join("completions/mlrs.bash").display(),
        store = store.root.display(),
        prefix = &lasso[..6],
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("-F _clap_complete_mlrs mlrs"),
        "`complete -p mlrs` shows the function: {stdout}"
    );
    assert!(
        stdout.lines().any(|l| l == format!("reply:{lasso}")),
        "{stdout}"
    );
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    let mut missing = Vec::new();
    let cmd = mlrs::cli::command();
    let mut stack: Vec<(String, &clap::Command)> = cmd
        .get_subcommands()
        .map(|c| (c.get_name().to_owned(), c))
        .collect();
    while let Some((path, sub)) = stack.pop() {
        let leaf = sub.get_subcommands().next().is_none();
        if leaf && sub.get_name() != "help" {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            if !help.contains("mlrs ") {
                missing.push(path.clone());
            }
        }
        stack.extend(
            sub.get_subcommands()
                .map(|c| (format!("{path} {}", c.get_name()), c)),
        );
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "subcommands without examples in --help: {missing:?}"
    );
}
