//! Shell completion: the committed scripts and man pages equal freshly generated ones; the binary
//! in completion mode offers candidates from the store on the command line (bash and zsh); a
//! real bash completes a run id through the committed script; a broken store offers nothing;
//! every command's --help ends with examples.

use std::collections::BTreeSet;
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
    if overwriting() {
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
fn committed_scripts_are_current() {
    for (shell, rel) in SHELL_FILES {
        let out = mlrs_bare().args(["completions", shell]).assert().success();
        assert_generated(rel, &out.get_output().stdout);
    }
}

fn overwriting() -> bool {
    std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite")
}

/// The `*.1` files in a folder.
fn pages_in(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".1"))
                .collect()
        })
        .unwrap_or_default()
}

/// `man/` holds exactly the pages `mlrs man --dir` writes, byte for byte.
#[test]
fn committed_man_pages_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    mlrs_bare()
        .args(["man", "--dir"])
        .arg(tmp.path())
        .assert()
        .success();
    let fresh = pages_in(tmp.path());
    assert!(fresh.contains("mlrs.1") && fresh.contains("mlrs-models-alias-set.1"));
    for name in &fresh {
        let bytes = std::fs::read(tmp.path().join(name)).unwrap();
        assert_generated(&format!("man/{name}"), &bytes);
    }
    let man = repo().join("man");
    let stale: Vec<String> = pages_in(&man).difference(&fresh).cloned().collect();
    if overwriting() {
        for name in &stale {
            std::fs::remove_file(man.join(name)).unwrap();
        }
    } else {
        assert!(
            stale.is_empty(),
            "man/ has pages mlrs no longer makes: {stale:?}; `SNAPSHOTS=overwrite cargo test completion` removes them"
        );
    }
}

/// What a page's SUBCOMMANDS section refers to (`mlrs-runs-list(1)`) is a page of its own.
#[test]
fn man_pages_refer_to_pages_that_exist() {
    let man = repo().join("man");
    let pages = pages_in(&man);
    let mut dangling = Vec::new();
    let mut references = 0;
    for page in &pages {
        let text = std::fs::read_to_string(man.join(page)).unwrap();
        for line in text.lines() {
            // roff escapes the dashes: `mlrs\-runs\-list(1)`.
            let line = line.replace("\\-", "-");
            if let Some(name) = line.strip_suffix("(1)").filter(|n| n.starts_with("mlrs")) {
                references += 1;
                if !pages.contains(&format!("{name}.1")) {
                    dangling.push(format!("{page} → {name}(1)"));
                }
            }
        }
    }
    // Every page but mlrs.1 is some group's child.
    assert_eq!(
        references,
        pages.len() - 1,
        "the references were not all found"
    );
    assert!(dangling.is_empty(), "{dangling:?}");
}

#[test]
fn man_prints_the_page_of_a_subcommand() {
    let man = repo().join("man");
    for (args, page) in [
        (&[][..], "mlrs.1"),
        (&["runs", "list"][..], "mlrs-runs-list.1"),
        (&["exp", "ls"][..], "mlrs-experiments-list.1"),
        (&["models", "alias"][..], "mlrs-models-alias.1"),
    ] {
        let out = mlrs_bare().arg("man").args(args).assert().success();
        let committed = std::fs::read(man.join(page)).unwrap();
        assert!(out.get_output().stdout == committed, "mlrs man {args:?}");
    }
    mlrs_bare()
        .args(["man", "runs", "nope"])
        .assert()
        .code(2)
        .stderr_eq(
            "mlrs: error: no man page for `mlrs runs nope`: `mlrs runs` has the subcommands start, end, list, describe, history, delete, restore\n",
        );
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
        for words in [
            &["models", "alias", "delete", "nyc-taxi-regressor", "ch"][..],
            &["transition", "nyc-taxi-regressor", "4", "--alias", "ch"][..],
        ] {
            let aliases = candidates(shell, root, words);
            assert_eq!(
                aliases.len(),
                2,
                "{shell} {words:?}: champion and challenger: {aliases:?}"
            );
        }
        let refs = candidates(shell, root, &["models", "get", "nyc-taxi-regressor@"]);
        assert!(
            refs.iter()
                .any(|c| c.starts_with("nyc-taxi-regressor@champion")),
            "{shell}: {refs:?}"
        );
    }
}

/// The candidates that are values: on an empty word clap offers the flags as well.
fn values(shell: &str, root: &Path, words: &[&str]) -> Vec<String> {
    let mut out = candidates(shell, root, words);
    out.retain(|c| !c.starts_with('-'));
    out
}

#[test]
fn stages_complete_where_a_stage_is_asked_for() {
    let store = fixture_store("3.17.2");
    let root = &store.root;
    for shell in ["bash", "zsh"] {
        // With a model on the line, each stage says which of its live versions are in it.
        let stages = values(shell, root, &["transition", "nyc-taxi-regressor", "4", ""]);
        let want = if shell == "zsh" {
            vec![
                "None:version 4",
                "Staging:version 3",
                "Production:version 2",
                "Archived:versions 1, 6",
            ]
        } else {
            vec!["None", "Staging", "Production", "Archived"]
        };
        assert_eq!(stages, want, "{shell}");

        // Any case matches, as `transition` takes any case; the canonical spelling is offered.
        let prod = values(
            shell,
            root,
            &["transition", "nyc-taxi-regressor", "4", "prod"],
        );
        assert_eq!(prod.len(), 1, "{shell}: {prod:?}");
        assert!(prod[0].starts_with("Production"), "{shell}: {prod:?}");

        // Without a model (every model's versions), the bare stages.
        let any = values(shell, root, &["models", "versions", "--stage", ""]);
        assert_eq!(
            any,
            ["None", "Staging", "Production", "Archived"],
            "{shell}"
        );
        let latest = values(
            shell,
            root,
            &["models", "latest", "nyc-taxi-regressor", "--stage", "a"],
        );
        let want = if shell == "zsh" {
            "Archived:versions 1, 6"
        } else {
            "Archived"
        };
        assert_eq!(latest, [want], "{shell}");

        // The versions `transition` offers come from the model on the line too (deleted v5 is
        // not offered).
        let versions = values(shell, root, &["transition", "nyc-taxi-regressor", ""]);
        let numbers: Vec<&str> = versions.iter().map(|c| &c[..1]).collect();
        assert_eq!(numbers, ["1", "2", "3", "4", "6"], "{shell}: {versions:?}");
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

/// The examples in a help text: the indented lines that call mlrs after its `Examples` heading.
fn example_lines(after_help: &str) -> usize {
    after_help
        .lines()
        .skip_while(|l| !l.starts_with("Examples"))
        .filter(|l| l.starts_with("  ") && l.contains("mlrs "))
        .count()
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    let mut missing = Vec::new();
    let mut stack = vec![("mlrs".to_owned(), mlrs::cli::command())];
    while let Some((path, cmd)) = stack.pop() {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        // A command's own work wants two or three; a group's help only points the way.
        let wanted = if subs.is_empty() { 2 } else { 1 };
        let help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let found = example_lines(&help);
        if found < wanted {
            missing.push(format!("{path}: {found} of {wanted}"));
        }
        stack.extend(
            subs.into_iter()
                .map(|c| (format!("{path} {}", c.get_name()), c.clone())),
        );
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "commands with too few examples in --help: {missing:?}"
    );
}
