//! `mlrs models …`: list, describe, versions, latest, get, alias, tag, delete, rename — the
//! file model registry (`<store>/models/`) as MLflow's `MlflowClient` registry calls see it.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use clap::Subcommand;
use serde_json::Value;

use super::model_shape::{self, Shapes, aliases_text, describe_json, versions_json};
use super::shape::{key_value_table, prefixed};
use super::{Ctx, complete, key_value};
use crate::query::{self, Filter, OrderBy, Target};
use crate::render::{Cell, Format, Output, Table};
use crate::store::registry::{
    ModelVersion, RegisteredModel, Stage, VersionRef, parse_model_ref, parse_version,
};
use crate::store::{DataSelection, Keys, Store};

/// Metric columns `models describe` shows in its table (JSON has them all).
const DESCRIBE_METRICS: usize = 8;

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs models list
  mlrs models versions nyc-taxi-regressor --stage Production")]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List registered models by name (MLflow's search_registered_models)
    #[command(
        alias = "ls",
        after_help = "Filter syntax: MLflow's search_registered_models (name and tags.<key> with =, !=,\nLIKE, ILIKE; name IN (...)), plus OR, NOT, parentheses, IN and IS [NOT] NULL on tags.\nPrompts (tagged mlflow.prompt.is_prompt = 'true') are hidden unless the filter names that tag.\n\nExamples:\n  mlrs models list\n  mlrs models list --filter \"name LIKE 'nyc-%' OR tags.team = 'tips'\"\n  mlrs models list --filter \"tags.task = 'regression' AND name ILIKE '%taxi%'\" --format json\n  mlrs models list --order-by 'last_updated_timestamp DESC'"
    )]
    List {
        /// Only models matching this search_registered_models filter
        #[arg(long, value_name = "EXPR")]
        filter: Option<String>,
        /// Sort by name, creation_timestamp or last_updated_timestamp, ASC or DESC
        /// (repeatable) [default: name]
        #[arg(short = 'o', long = "order-by", value_name = "ORDER")]
        order_by: Vec<String>,
    },
    /// Show a registered model: its versions, stages, aliases, tags, and each version's source
    /// run with its metrics
    #[command(
        after_help = "Examples:\n  mlrs models describe nyc-taxi-regressor\n  mlrs models describe nyc-taxi-regressor --format json | jq '.versions[].run.metrics.rmse'"
    )]
    Describe {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
    },
    /// List the versions of a model (or of every model), most recently updated first, as
    /// MLflow's search_model_versions; deleted versions are hidden, as in MLflow
    #[command(
        after_help = "Filter syntax: MLflow's search_model_versions (name, run_id, source_path and tags.<key>\nwith =, !=, LIKE, ILIKE; name and run_id IN (...); version_number with = != < <= > >=),\nplus OR, NOT, parentheses, IN and IS [NOT] NULL on tags. Prompt versions are hidden unless\nthe filter names mlflow.prompt.is_prompt.\n\nExamples:\n  mlrs models versions nyc-taxi-regressor\n  mlrs models versions nyc-taxi-regressor --stage production\n  mlrs models versions --filter \"tags.validation_status = 'approved' OR version_number > 3\"\n  mlrs models versions --order-by 'creation_timestamp DESC' --format csv > all-versions.csv"
    )]
    Versions {
        /// Registered model name [default: every model]
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: Option<String>,
        /// Only versions in this stage (repeatable)
        #[arg(long = "stage", value_name = "STAGE", add = complete::stages())]
        stages: Vec<String>,
        /// Only versions matching this search_model_versions filter
        #[arg(long, value_name = "EXPR")]
        filter: Option<String>,
        /// Sort by name, version_number, creation_timestamp or last_updated_timestamp, ASC or
        /// DESC (repeatable) [default: last_updated_timestamp DESC, name, version_number DESC]
        #[arg(short = 'o', long = "order-by", value_name = "ORDER")]
        order_by: Vec<String>,
    },
    /// The latest version in each stage (MLflow's get_latest_versions)
    #[command(
        after_help = "Examples:\n  mlrs models latest nyc-taxi-regressor\n  mlrs models latest nyc-taxi-regressor --stage Production --format json"
    )]
    Latest {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        /// Only these stages (repeatable) [default: all four]
        #[arg(long = "stage", value_name = "STAGE", add = complete::stages())]
        stages: Vec<String>,
    },
    /// Print where a version's files are (its storage_location), for load_model-style scripts
    #[command(
        after_help = "MODEL@ALIAS, MODEL/VERSION, MODEL/STAGE or MODEL/latest, as in models:/ URIs.\n\nExamples:\n  mlrs models get nyc-taxi-regressor@champion\n  mlrs models get nyc-taxi-regressor/Production\n  python -c \"import mlflow.pyfunc, sys; mlflow.pyfunc.load_model(sys.argv[1])\" \"$(mlrs models get nyc-taxi-regressor/3)\""
    )]
    Get {
        #[arg(value_name = "REF", allow_hyphen_values = true, add = complete::model_refs())]
        reference: String,
    },
    /// Set or delete an alias (aliases are how MLflow >= 2.9 marks versions)
    #[command(
        after_help = "Examples:\n  mlrs models alias set nyc-taxi-regressor champion 3\n  mlrs models alias delete nyc-taxi-regressor challenger"
    )]
    Alias {
        #[command(subcommand)]
        command: AliasCmd,
    },
    /// Set (or with --delete, remove) tags of a model or, with --version, of one version
    #[command(
        after_help = "Examples:\n  mlrs models tag nyc-taxi-regressor owner=alice task=regression\n  mlrs models tag nyc-taxi-regressor --version 3 validation_status=approved\n  mlrs models tag nyc-taxi-regressor --delete owner"
    )]
    Tag {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        /// KEY=VALUE pairs to set
        #[arg(value_name = "KEY=VALUE", value_parser = key_value, required_unless_present = "delete")]
        tags: Vec<(String, String)>,
        /// Tag a version instead of the model
        #[arg(long, value_name = "VERSION", add = complete::versions())]
        version: Option<String>,
        /// A tag key to remove (repeatable)
        #[arg(long, value_name = "KEY")]
        delete: Vec<String>,
    },
    /// Delete versions (MLflow's soft delete: the number is never reused), or with --yes and
    /// no version, the whole model for good
    #[command(
        after_help = "Examples:\n  mlrs models delete nyc-taxi-regressor 5\n  mlrs models delete scratch-model --yes"
    )]
    Delete {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        /// Version numbers to delete
        #[arg(add = complete::versions())]
        versions: Vec<String>,
        /// Delete the whole registered model, all versions included (cannot be undone)
        #[arg(long, conflicts_with = "versions")]
        yes: bool,
    },
    /// Rename a registered model; unlike MLflow's rename, its tags and aliases come along
    #[command(
        after_help = "Examples:\n  mlrs models rename nyc-taxi-regressor trip-duration\n  mlrs models rename 'Taxi Fare (experimental) v2' taxi-fare"
    )]
    Rename {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        /// The new name
        #[arg(allow_hyphen_values = true)]
        new_name: String,
    },
}

#[derive(Subcommand, Debug)]
enum AliasCmd {
    /// Point ALIAS at VERSION (moving it if it pointed elsewhere)
    #[command(
        after_help = "Examples:\n  mlrs models alias set nyc-taxi-regressor champion 3\n  mlrs models alias set nyc-taxi-regressor challenger 4"
    )]
    Set {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        /// Letters, digits, `_` and `-`; `latest` and `v<digits>` are reserved
        #[arg(add = complete::aliases())]
        alias: String,
        /// Version number
        #[arg(add = complete::versions())]
        version: String,
    },
    /// Remove an alias
    #[command(
        after_help = "Examples:\n  mlrs models alias delete nyc-taxi-regressor challenger\n  mlrs models alias delete green-taxi-tip-model champion"
    )]
    Delete {
        /// Registered model name
        #[arg(allow_hyphen_values = true, add = complete::models())]
        model: String,
        #[arg(add = complete::aliases())]
        alias: String,
    },
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    match args.command {
        Cmd::List { filter, order_by } => list(ctx, filter.as_deref().unwrap_or(""), &order_by),
        Cmd::Describe { model } => describe(ctx, &model),
        Cmd::Versions {
            model,
            stages,
            filter,
            order_by,
        } => versions(
            ctx,
            model.as_deref(),
            &stages,
            filter.as_deref().unwrap_or(""),
            &order_by,
        ),
        Cmd::Latest { model, stages } => {
            let stages = parse_stages(&stages)?;
            let store = ctx.store()?;
            let m = load(ctx, &store, &model)?;
            print_versions(ctx, &store, &m.latest_versions(&stages))
        }
        Cmd::Get { reference } => get(ctx, &reference),
        Cmd::Alias { command } => alias(ctx, command),
        Cmd::Tag {
            model,
            tags,
            version,
            delete,
        } => {
            let version = version.as_deref().map(parse_version).transpose()?;
            let store = ctx.store()?;
            store.set_model_tags(&model, version, &tags, &delete)?;
            Ok(())
        }
        Cmd::Delete {
            model,
            versions,
            yes,
        } => delete(ctx, &model, &versions, yes),
        Cmd::Rename { model, new_name } => {
            let store = ctx.store()?;
            let renamed = store.rename_registered_model(&model, &new_name)?;
            ctx.note(&format!(
                "renamed model '{model}' to '{}' ({} versions, {} tags, {} aliases kept)",
                renamed.name,
                renamed.versions.len(),
                renamed.tags.len(),
                renamed.aliases.len()
            ));
            Ok(())
        }
    }
}

fn parse_stages(texts: &[String]) -> Result<Vec<Stage>> {
    Ok(texts
        .iter()
        .map(|s| Stage::parse(s))
        .collect::<Result<Vec<_>, _>>()?)
}

/// A registered model; unreadable versions are reported and left out.
fn load(ctx: &Ctx, store: &Store, name: &str) -> Result<RegisteredModel> {
    let mut m = store.registered_model(name)?;
    ctx.report(&std::mem::take(&mut m.problems));
    Ok(m)
}

/// MLflow's `search_registered_models`: filter, then its order.
fn list(ctx: &Ctx, filter: &str, order_by: &[String]) -> Result<()> {
    let store = ctx.store()?;
    let filter = Filter::parse(filter, Target::Models, store.now_ms())?;
    let order = OrderBy::parse_all(order_by, Target::Models)?;
    let listing = store.registered_models()?;
    ctx.report(&listing.problems);
    let mut models: Vec<RegisteredModel> = listing
        .items
        .into_iter()
        .filter(|m| filter.matches(m))
        .collect();
    query::sort_models(&mut models, &order);
    let shapes = Shapes::new(&store);
    let json = Value::Array(models.iter().map(|m| shapes.model(m)).collect());
    ctx.report(&shapes.into_problems());
    let (table, records) = model_shape::models_tables(&models);
    ctx.print(&Output {
        table,
        json,
        records: Some(records),
    })
}

/// MLflow's `search_model_versions` (of one model: with `name = '<model>'`, which must exist):
/// live versions that match, in its order; `--stage` narrows further.
fn versions(
    ctx: &Ctx,
    model: Option<&str>,
    stages: &[String],
    filter: &str,
    order_by: &[String],
) -> Result<()> {
    let stages = parse_stages(stages)?;
    let store = ctx.store()?;
    let filter = Filter::parse(filter, Target::ModelVersions, store.now_ms())?;
    let order = OrderBy::parse_all(order_by, Target::ModelVersions)?;
    let models = match model {
        Some(name) => vec![load(ctx, &store, name)?],
        None => {
            let listing = store.registered_models()?;
            ctx.report(&listing.problems);
            listing.items
        }
    };
    let mut versions: Vec<&ModelVersion> = models
        .iter()
        .flat_map(|m| m.live_versions())
        .filter(|v| filter.matches(v))
        .filter(|v| stages.is_empty() || stages.contains(&v.current_stage))
        .collect();
    query::sort_model_versions(&mut versions, &order);
    print_versions(ctx, &store, &versions)
}

fn print_versions(ctx: &Ctx, store: &Store, versions: &[&ModelVersion]) -> Result<()> {
    let shapes = Shapes::new(store);
    let json = versions_json(&shapes, versions);
    ctx.report(&shapes.into_problems());
    let (table, records) = model_shape::versions_tables(versions);
    ctx.print(&Output {
        table,
        json,
        records: Some(records),
    })
}

/// The source run of each live version: its name and latest metrics (read from its metric
/// files only). Versions whose run is not in this store are left out.
fn source_runs(
    ctx: &Ctx,
    store: &Store,
    m: &RegisteredModel,
) -> BTreeMap<String, (String, BTreeMap<String, f64>)> {
    let select = DataSelection {
        metrics: Keys::All,
        ..DataSelection::default()
    };
    let mut runs = BTreeMap::new();
    let ids: BTreeSet<&String> = m
        .live_versions()
        .filter_map(|v| v.run_id.as_ref())
        .collect();
    for id in ids {
        let Ok(info) = store.find_run(id) else {
            continue;
        };
        match info.load_data(&select) {
            Ok(data) => {
                runs.insert(id.clone(), (info.run_name.clone(), data.metrics));
            }
            Err(err) => ctx.report(&[crate::store::Problem::from_error(&info.dir, &err)]),
        }
    }
    runs
}

fn describe(ctx: &Ctx, name: &str) -> Result<()> {
    let store = ctx.store()?;
    let m = load(ctx, &store, name)?;
    let runs = source_runs(ctx, &store, &m);
    let shapes = Shapes::new(&store);
    let json = describe_json(&shapes, &m, &runs);
    ctx.report(&shapes.into_problems());

    let mut rows = vec![
        ("name".to_string(), Cell::text(&m.name)),
        ("description".into(), Cell::opt_text(m.description.as_ref())),
        (
            "creation_timestamp".into(),
            Cell::opt_time(m.creation_timestamp),
        ),
        (
            "last_updated_timestamp".into(),
            Cell::opt_time(m.last_updated_timestamp),
        ),
        ("aliases".into(), Cell::Text(aliases_text(&m.aliases))),
    ];
    rows.extend(prefixed("tags", &m.visible_tags(), |v| Cell::text(v)));
    let deleted: Vec<String> = m
        .versions
        .iter()
        .filter(|v| v.is_deleted())
        .map(|v| v.version.to_string())
        .collect();
    if !deleted.is_empty() {
        rows.push(("deleted_versions".into(), Cell::Text(deleted.join(", "))));
    }

    let live: Vec<&ModelVersion> = m.live_versions().collect();
    let metric_keys: Vec<String> = live
        .iter()
        .filter_map(|v| runs.get(v.run_id.as_ref()?))
        .flat_map(|(_, metrics)| metrics.keys().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let shown = &metric_keys[..metric_keys.len().min(DESCRIBE_METRICS)];
    let mut headers: Vec<String> = ["Version", "Stage", "Aliases", "Run", "Created"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    headers.extend(shown.iter().cloned());
    let mut versions = Table::new(headers);
    for v in live.iter().rev() {
        let run = v.run_id.as_ref().and_then(|id| runs.get(id));
        let run_cell = match (run, &v.run_id) {
            (Some((name, _)), Some(id)) => {
                Cell::Text(format!("{name} ({})", &id[..id.len().min(8)]))
            }
            (None, Some(id)) => Cell::text(id),
            _ => Cell::Empty,
        };
        let mut row = vec![
            Cell::Int(v.version as i64),
            Cell::Status(v.current_stage.as_str().into()),
            Cell::Text(v.aliases.join(", ")),
            run_cell,
            Cell::opt_time(v.creation_timestamp),
        ];
        row.extend(
            shown
                .iter()
                .map(|k| Cell::opt_float(run.and_then(|(_, ms)| ms.get(k).copied()))),
        );
        versions.push(row);
    }

    match ctx.format {
        Format::Table | Format::Markdown => {
            ctx.print(&Output::new(key_value_table(rows), Value::Null))?;
            ctx.print_line("")?;
            ctx.print(&Output::new(versions, Value::Null))?;
            if metric_keys.len() > shown.len() {
                ctx.note(&format!(
                    "{} more metrics are not shown; --format json has them all",
                    metric_keys.len() - shown.len()
                ));
            }
            Ok(())
        }
        _ => {
            let (_, records) = model_shape::versions_tables(&live);
            ctx.print(&Output {
                table: versions,
                json,
                records: Some(records),
            })
        }
    }
}

/// Resolve a `models:/`-style reference to one version.
fn resolve<'m>(m: &'m RegisteredModel, reference: &VersionRef) -> Result<&'m ModelVersion> {
    Ok(match reference {
        VersionRef::Number(n) => m.version(*n)?,
        VersionRef::Alias(a) => m.version_by_alias(a)?,
        VersionRef::Latest => m.newest()?,
        VersionRef::Stage(s) => m.latest_versions(&[*s]).into_iter().next().ok_or_else(|| {
            crate::store::StoreError::not_found(
                crate::store::Subject::model(&m.name),
                format!(
                    "No versions of model with name '{}' and stage '{}' found",
                    m.name,
                    s.as_str()
                ),
            )
        })?,
    })
}

fn get(ctx: &Ctx, reference: &str) -> Result<()> {
    let (name, version_ref) = parse_model_ref(reference)?;
    let store = ctx.store()?;
    let m = load(ctx, &store, &name)?;
    let v = resolve(&m, &version_ref)?;
    if ctx.format == Format::Json {
        let shapes = Shapes::new(&store);
        let mut json = shapes.version(v);
        json["storage_location"] = serde_json::json!(v.storage_location);
        ctx.report(&shapes.into_problems());
        return ctx.print(&Output::new(Table::default(), json));
    }
    let location = v.download_uri().ok_or_else(|| {
        crate::store::StoreError::invalid(
            &v.meta_path(),
            "the version has neither storage_location nor source",
        )
    })?;
    ctx.print_line(location)
}

fn alias(ctx: &Ctx, command: AliasCmd) -> Result<()> {
    let store = ctx.store()?;
    match command {
        AliasCmd::Set {
            model,
            alias,
            version,
        } => {
            let version = parse_version(&version)?;
            let previous = store.set_alias(&model, &alias, version)?;
            let moved = match previous {
                Some(p) if p != version.to_string() => format!(" (moved from version {p})"),
                _ => String::new(),
            };
            ctx.note(&format!(
                "alias '{alias}' of model '{model}' → version {version}{moved}"
            ));
        }
        AliasCmd::Delete { model, alias } => {
            store.delete_alias(&model, &alias)?;
            ctx.note(&format!("deleted alias '{alias}' of model '{model}'"));
        }
    }
    Ok(())
}

fn delete(ctx: &Ctx, model: &str, versions: &[String], yes: bool) -> Result<()> {
    let store = ctx.store()?;
    if versions.is_empty() {
        if !yes {
            return Err(super::exit::UsageError(format!(
                "deleting model '{model}' removes it and all its versions for good; pass --yes to do it, or name the versions to delete"
            ))
            .into());
        }
        let gone = store.delete_registered_model(model)?;
        ctx.note(&format!(
            "deleted model '{}' and its {} versions",
            gone.name,
            gone.versions.len()
        ));
        return Ok(());
    }
    let numbers = versions
        .iter()
        .map(|v| parse_version(v))
        .collect::<Result<Vec<_>, _>>()?;
    // Every version must exist before any is deleted.
    let m = store.registered_model(model)?;
    for n in &numbers {
        m.version(*n)?;
    }
    for n in numbers {
        let deleted = store.delete_model_version(model, n)?;
        let aliases = if deleted.aliases.is_empty() {
            String::new()
        } else {
            format!(" and its aliases {}", deleted.aliases.join(", "))
        };
        ctx.note(&format!("deleted version {n} of model '{model}'{aliases}"));
    }
    Ok(())
}
