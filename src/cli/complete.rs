//! Shell completion: registration scripts (`mlrs completions SHELL`), the man page (`mlrs man`),
//! and dynamic candidates read from the store the command line points at (experiments, run ids
//! with their names, metric/param/tag keys, models, versions, aliases). A completer never fails:
//! on a missing or broken store it offers nothing, and it opens as few files as it can.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use crate::store::location;
use crate::store::registry::RegisteredModel;
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
    let completer = shells
        .completer(shell)
        .ok_or_else(|| super::exit::UsageError(format!("unknown shell {shell:?}")))?;
    completer.write_registration(VAR, "mlrs", "mlrs", "mlrs", out)?;
    Ok(())
}

pub fn write_man_page(out: &mut dyn Write) -> anyhow::Result<()> {
    clap_mangen::Man::new(super::command()).render(out)?;
    Ok(())
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
            refs.extend(
                ["Staging", "Production", "Archived", "None"]
                    .iter()
                    .map(|s| format!("{name}/{s}")),
            );
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

/// Candidates from the first word on the line that names a registered model; none without one.
fn for_model_on_line(
    candidates: impl Fn(&RegisteredModel) -> Vec<CompletionCandidate>,
) -> Vec<CompletionCandidate> {
    let models = model_names();
    let named = line()
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .find(|w| models.contains(w));
    let model = named.and_then(|name| store()?.registered_model(&name).ok());
    model.map(|m| candidates(&m)).unwrap_or_default()
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
            if let Ok(list) = crate::store::keyed::list(&dir.join(*sub)) {
                keys.extend(list.into_iter().map(|(k, _)| k));
            }
        }
    }
    found
        .into_iter()
        .map(|(p, k)| (p, k.into_iter().collect()))
        .collect()
}
