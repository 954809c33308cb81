//! Shell completion: registration scripts (`mlrs completions SHELL`), the man pages (`mlrs man`),
//! and dynamic candidates read from the store the command line points at (experiments, run ids
//! with their names, metric/param/tag keys, models, versions, aliases, stages). A completer never
//! fails: on a missing or broken store it offers nothing, and it opens as few files as it can.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use crate::store::location;
use crate::store::registry::{RegisteredModel, Stage};
use crate::store::{RunInfo, Store, ViewType};

/// The variable that switches the binary into completion mode (`_MLRS_COMPLETE=bash mlrs`).
/// Not clap's default `COMPLETE`: a `COMPLETE=1` left in a CI or Make environment would turn
/// every mlrs call into a failed completion request.
const VAR: &str = "_MLRS_COMPLETE";
/// Runs whose names are shown beside their ids; beyond this, ids alone keep completion fast.
const NAMED_CANDIDATES: usize = 40;
/// Runs sampled for metric, param and tag keys.
const KEY_SAMPLE: usize = 100;

/// Answer a completion request and exit, when the shell asked for one.
pub fn handle_request() {
    CompleteEnv::with_factory(super::command)
        .var(VAR)
        .bin("mlrs")
        .completer("mlrs")
        .complete();
}

/// The script that registers mlrs's completion with `shell`.
pub fn write_registration(shell: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let shells = Shells::builtins();
    let completer = shells.completer(shell).ok_or_else(|| {
        super::exit::UsageError(format!("unknown shell {}", crate::store::quote(shell)))
    })?;
    completer.write_registration(VAR, "mlrs", "mlrs", "mlrs", out)?;
    Ok(())
}

/// The command line as the man pages show it: without the `help` subcommands, which have no
/// pages of their own (`--help` is on every page), and built, so that each subcommand knows its
/// full name (`mlrs-runs-list`).
fn man_command() -> clap::Command {
    let mut cmd = super::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The page of one command. Named by clap's display name, `mlrs-runs-list`, as cargo and git
/// name theirs: the SUBCOMMANDS section of each page refers to its children by those names.
fn man_page(cmd: clap::Command) -> clap_mangen::Man {
    // The default source is the subcommand's own name and version ("list "), which is no
    // program's.
    clap_mangen::Man::new(cmd).source(format!("mlrs {}", env!("CARGO_PKG_VERSION")))
}

/// A page as clap_mangen writes it, except the text after the options: clap_mangen reflows it
/// as prose, which breaks the filter table and the examples. Here it is kept line for line
/// (`.nf`), the examples under EXAMPLES (`.EX`), the rest under NOTES.
fn render_man_page(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let mut sections = Vec::new();
    render_sections(cmd, &mut sections)?;
    // Each section clap_mangen renders on its own repeats the page's string definitions.
    let text = String::from_utf8_lossy(&sections);
    let (head, rest) = text.split_at(text.find(".TH").unwrap_or(0));
    out.write_all(head.as_bytes())?;
    out.write_all(rest.replace(head, "").as_bytes())
}

fn render_sections(cmd: &clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let page = man_page(cmd.clone());
    page.render_title(out)?;
    page.render_name_section(out)?;
    page.render_synopsis_section(out)?;
    page.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        page.render_options_section(out)?;
    }
    if cmd.get_subcommands().next().is_some() {
        page.render_subcommands_section(out)?;
    }
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        let text = after.to_string();
        let (notes, examples) = match text.find("Examples") {
            Some(at) => (&text[..at], Some(&text[at..])),
            None => (text.as_str(), None),
        };
        if !notes.trim().is_empty() {
            writeln!(out, ".SH NOTES\n.nf\n{}\n.fi", roff_lines(notes.trim_end()))?;
        }
        if let Some(examples) = examples {
            let body = examples.split_once('\n').map_or("", |(_, rest)| rest);
            writeln!(
                out,
                ".SH EXAMPLES\n.EX\n{}\n.EE",
                roff_lines(body.trim_end())
            )?;
        }
    }
    if cmd.get_version().is_some() {
        page.render_version_section(out)?;
    }
    Ok(())
}

/// Text as roff that prints it as written: backslashes escaped, and lines that would start a
/// request (`.` or `'`) guarded.
fn roff_lines(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e").replace('-', "\\-");
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The man page of `mlrs SUBCOMMAND…` (aliases allowed), of mlrs itself for an empty path.
pub fn write_man_page(path: &[String], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut cmd = man_command();
    for (depth, name) in path.iter().enumerate() {
        let Some(sub) = cmd.find_subcommand(name) else {
            let parent: Vec<&str> = std::iter::once("mlrs")
                .chain(path[..depth].iter().map(String::as_str))
                .collect();
            let known: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
            let has = if known.is_empty() {
                "no subcommands".to_owned()
            } else {
                format!("the subcommands {}", known.join(", "))
            };
            return Err(super::exit::UsageError(format!(
                "no man page for `mlrs {}`: `{}` has {has}",
                path[..=depth].join(" "),
                parent.join(" ")
            ))
            .into());
        };
        cmd = sub.clone();
    }
    render_man_page(&cmd, out)?;
    Ok(())
}

/// Every man page, mlrs's and each subcommand's, as file name and contents.
pub fn man_pages() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    fn add(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
        let mut bytes = Vec::new();
        render_man_page(cmd, &mut bytes)?;
        out.push((man_page(cmd.clone()).get_filename(), bytes));
        for sub in cmd.get_subcommands() {
            add(sub, out)?;
        }
        Ok(())
    }
    let mut pages = Vec::new();
    add(&man_command(), &mut pages)?;
    Ok(pages)
}

pub fn experiments() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(store) = store() else {
            return Vec::new();
        };
        let Ok(listing) = store.experiments(ViewType::All) else {
            return Vec::new();
        };
        let current = current.to_string_lossy();
        let mut out = Vec::new();
        for e in listing.items {
            if e.name.starts_with(current.as_ref()) {
                out.push(
                    CompletionCandidate::new(&e.name)
                        .help(Some(format!("experiment {}", e.id).into())),
                );
            } else if e.id.starts_with(current.as_ref()) && !current.is_empty() {
                out.push(CompletionCandidate::new(&e.id).help(Some(e.name.clone().into())));
            }
        }
        out
    })
}

pub fn runs() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(store) = store() else {
            return Vec::new();
        };
        let prefix = current.to_string_lossy();
        let Ok(dirs) = store.run_dirs_with_prefix(&prefix) else {
            return Vec::new();
        };
        let named = dirs.len() <= NAMED_CANDIDATES;
        dirs.iter()
            .filter_map(|dir| {
                let id = dir.file_name()?.to_string_lossy().into_owned();
                let candidate = CompletionCandidate::new(&id);
                Some(match named.then(|| RunInfo::load(dir).ok()).flatten() {
                    Some(info) => candidate.help(Some(
                        format!("{} ({})", info.run_name, info.status.as_str()).into(),
                    )),
                    None => candidate,
                })
            })
            .collect()
    })
}

/// `metrics.<k>`, `params.<k>`, `tags.<k>` and the run attributes, for filters, orders, columns.
pub fn entity_keys() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(store) = store() else {
            return Vec::new();
        };
        let current = current.to_string_lossy();
        let mut names: Vec<String> = [
            "run_id",
            "run_name",
            "status",
            "start_time",
            "end_time",
            "user_id",
            "artifact_uri",
        ]
        .iter()
        .map(|a| format!("attributes.{a}"))
        .collect();
        for (prefix, keys) in sampled_keys(&store) {
            names.extend(keys.into_iter().map(|k| format!("{prefix}.{k}")));
        }
        names
            .into_iter()
            .filter(|n| n.starts_with(current.as_ref()))
            .map(CompletionCandidate::new)
            .collect()
    })
}

/// Metric keys as `KEY=` for `--metric KEY=VALUE`.
pub fn metric_assignments() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| metric_keys_with(current, "="))
}

/// Metric keys (`runs history`, `compare --max`).
pub fn metric_keys() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| metric_keys_with(current, ""))
}

fn metric_keys_with(current: &OsStr, suffix: &str) -> Vec<CompletionCandidate> {
    let Some(store) = store() else {
        return Vec::new();
    };
    let current = current.to_string_lossy();
    sampled_keys(&store)
        .into_iter()
        .filter(|(prefix, _)| *prefix == "metrics")
        .flat_map(|(_, keys)| keys)
        .map(|k| format!("{k}{suffix}"))
        .filter(|k| k.starts_with(current.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

pub fn models() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let current = current.to_string_lossy();
        model_names()
            .into_iter()
            .filter(|m| m.starts_with(current.as_ref()))
            .map(CompletionCandidate::new)
            .collect()
    })
}

/// Versions of the model named earlier on the command line.
pub fn versions() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        for_model_on_line(|model| {
            model
                .live_versions()
                .filter(|v| {
                    v.version
                        .to_string()
                        .starts_with(current.to_string_lossy().as_ref())
                })
                .map(|v| {
                    CompletionCandidate::new(v.version.to_string())
                        .help(Some(v.current_stage.as_str().into()))
                })
                .collect()
        })
    })
}

/// Aliases of the model named earlier on the command line.
pub fn aliases() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        for_model_on_line(|model| {
            model
                .aliases
                .iter()
                .filter(|(a, _)| a.starts_with(current.to_string_lossy().as_ref()))
                .map(|(a, v)| CompletionCandidate::new(a).help(Some(format!("version {v}").into())))
                .collect()
        })
    })
}

/// None, Staging, Production, Archived; with a model on the line, each says which of its
/// versions are in it now. Any case matches, as `Stage::parse` takes any case, and the canonical
/// spelling is offered (bash puts it in place; zsh does when its matcher ignores case).
pub fn stages() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let current = current.to_string_lossy().to_lowercase();
        let model = model_on_line();
        Stage::PUBLIC
            .into_iter()
            .filter(|s| s.as_str().to_lowercase().starts_with(&current))
            .map(|stage| {
                let now: Vec<String> = model
                    .iter()
                    .flat_map(|m| m.live_versions())
                    .filter(|v| v.current_stage == stage)
                    .map(|v| v.version.to_string())
                    .collect();
                let candidate = CompletionCandidate::new(stage.as_str());
                match now.len() {
                    0 => candidate,
                    1 => candidate.help(Some(format!("version {}", now[0]).into())),
                    _ => candidate.help(Some(format!("versions {}", now.join(", ")).into())),
                }
            })
            .collect()
    })
}

/// `MODEL`, then `MODEL@ALIAS`, `MODEL/STAGE`, `MODEL/VERSION`.
pub fn model_refs() -> ArgValueCompleter {
    ArgValueCompleter::new(|current: &OsStr| {
        let Some(store) = store() else {
            return Vec::new();
        };
        let current = current.to_string_lossy();
        let mut out = Vec::new();
        for name in model_names() {
            if !name.starts_with(current.as_ref()) && !current.starts_with(&name) {
                continue;
            }
            let Ok(m) = store.registered_model(&name) else {
                continue;
            };
            let mut refs: Vec<String> = m.aliases.keys().map(|a| format!("{name}@{a}")).collect();
            refs.extend(Stage::PUBLIC.map(|s| format!("{name}/{}", s.as_str())));
            refs.extend(m.live_versions().map(|v| format!("{name}/{}", v.version)));
            out.extend(
                refs.into_iter()
                    .filter(|r| r.starts_with(current.as_ref()))
                    .map(CompletionCandidate::new),
            );
        }
        out
    })
}

/// The words the shell passed in completion mode (after `--`), without the program name.
fn line() -> Vec<OsString> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let start = args.iter().position(|a| a == "--").map_or(1, |i| i + 2);
    args.into_iter().skip(start).collect()
}

/// The store the command line points at (`--store`, `-s`, else the environment, else ./mlruns).
fn store() -> Option<Store> {
    let words = line();
    let mut flag = None;
    for (i, w) in words.iter().enumerate() {
        let w = w.to_string_lossy();
        if let Some(v) = w.strip_prefix("--store=") {
            flag = Some(v.to_owned());
        } else if w == "--store" || w == "-s" {
            flag = words.get(i + 1).map(|v| v.to_string_lossy().into_owned());
        }
    }
    let cwd = std::env::current_dir().ok()?;
    let uri = super::Env::from_process().tracking_uri;
    let loc = location::resolve(flag.as_deref(), uri.as_deref(), &cwd).ok()?;
    Store::open(&loc.root).ok()
}

fn model_names() -> Vec<String> {
    store()
        .map(|s| s.registered_model_names())
        .unwrap_or_default()
}

/// The model named by the first word on the line that names a registered model.
fn model_on_line() -> Option<RegisteredModel> {
    let models = model_names();
    let named = line()
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .find(|w| models.contains(w))?;
    store()?.registered_model(&named).ok()
}

/// Candidates from the model on the line; none without one.
fn for_model_on_line(
    candidates: impl Fn(&RegisteredModel) -> Vec<CompletionCandidate>,
) -> Vec<CompletionCandidate> {
    model_on_line().map(|m| candidates(&m)).unwrap_or_default()
}

/// Metric, param and tag keys of a sample of runs: keys are usually shared across runs, and
/// reading every run of a large store would make completion slow.
fn sampled_keys(store: &Store) -> Vec<(&'static str, Vec<String>)> {
    let Ok(dirs) = store.run_dirs_with_prefix("") else {
        return Vec::new();
    };
    let mut found: [(&str, std::collections::BTreeSet<String>); 3] = [
        ("metrics", Default::default()),
        ("params", Default::default()),
        ("tags", Default::default()),
    ];
    for dir in dirs.iter().take(KEY_SAMPLE) {
        for (sub, keys) in found.iter_mut() {
            if let Ok(list) = crate::store::key_names(&dir.join(*sub)) {
                keys.extend(list);
            }
        }
    }
    found
        .into_iter()
        .map(|(p, k)| (p, k.into_iter().collect()))
        .collect()
}
