//! `mlrs models …`: list, describe, versions, latest, get, alias, tag, delete, rename — the
//! file model registry (`<store>/models/`) as MLflow's `MlflowClient` registry calls see it.

use anyhow::Result;
use clap::Subcommand;

use super::{Ctx, complete, key_value};
use crate::ops::artifacts;
use crate::ops::models::{self, VersionsRequest};
use crate::store::Store;

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
        after_help = "MODEL@ALIAS, MODEL/VERSION, MODEL/STAGE or MODEL/latest, as in models:/ URIs.\n\nExamples:\n  mlrs models get nyc-taxi-regressor@champion\n  mlrs models get nyc-taxi-regressor/Production\n  MODEL=$(mlrs models get nyc-taxi-regressor/3)      # its URI, for mlflow.pyfunc.load_model\n  mlrs models get nyc-taxi-regressor@champion --download ./model"
    )]
    Get {
        #[arg(value_name = "REF", allow_hyphen_values = true, add = complete::model_refs())]
        reference: String,
        /// Copy the version's files into DEST (created if missing) instead
        #[arg(long, value_name = "DEST")]
        download: Option<std::path::PathBuf>,
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
    let store = ctx.store()?;
    match args.command {
        Cmd::List { filter, order_by } => {
            let filter = filter.unwrap_or_default();
            ctx.show(&models::list(&store, &filter, &order_by, ctx.detail())?)
        }
        Cmd::Describe { model } => ctx.show(&models::describe(&store, &model, ctx.detail())?),
        Cmd::Versions {
            model,
            stages,
            filter,
            order_by,
        } => {
            let request = VersionsRequest {
                model,
                stages,
                filter: filter.unwrap_or_default(),
                order_by,
                detail: ctx.detail(),
            };
            ctx.show(&models::versions(&store, &request)?)
        }
        Cmd::Latest { model, stages } => {
            ctx.show(&models::latest(&store, &model, &stages, ctx.detail())?)
        }
        Cmd::Get {
            reference,
            download: Some(dest),
        } => ctx.show(&artifacts::download_model(
            &store,
            &reference,
            &ctx.cwd.join(dest),
        )?),
        Cmd::Get {
            reference,
            download: None,
        } => {
            let got = models::get(&store, &reference, ctx.detail())?;
            if let Some(recorded) = &got.moved_from {
                ctx.note(&format!(
                    "{recorded} does not exist; showing the same path inside this store"
                ));
            }
            ctx.show(&got)
        }
        Cmd::Alias { command } => alias(ctx, &store, command),
        Cmd::Tag {
            model,
            tags,
            version,
            delete,
        } => models::tag(&store, &model, version.as_deref(), &tags, &delete),
        Cmd::Delete {
            model,
            versions,
            yes,
        } => delete(ctx, &store, &model, &versions, yes),
        Cmd::Rename { model, new_name } => {
            let renamed = models::rename(&store, &model, &new_name)?;
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

fn alias(ctx: &Ctx, store: &Store, command: AliasCmd) -> Result<()> {
    match command {
        AliasCmd::Set {
            model,
            alias,
            version,
        } => {
            let (version, previous) = models::set_alias(store, &model, &alias, &version)?;
            let moved = previous
                .map(|p| format!(" (moved from version {p})"))
                .unwrap_or_default();
            ctx.note(&format!(
                "alias '{alias}' of model '{model}' → version {version}{moved}"
            ));
        }
        AliasCmd::Delete { model, alias } => {
            models::delete_alias(store, &model, &alias)?;
            ctx.note(&format!("deleted alias '{alias}' of model '{model}'"));
        }
    }
    Ok(())
}

fn delete(ctx: &Ctx, store: &Store, model: &str, versions: &[String], yes: bool) -> Result<()> {
    if versions.is_empty() {
        let gone = models::delete_model(store, model, yes)?;
        ctx.note(&format!(
            "deleted model '{}' and its {} versions",
            gone.name,
            gone.versions.len()
        ));
        return Ok(());
    }
    for deleted in models::delete_versions(store, model, versions)? {
        let aliases = if deleted.aliases.is_empty() {
            String::new()
        } else {
            format!(" and its aliases {}", deleted.aliases.join(", "))
        };
        ctx.note(&format!(
            "deleted version {} of model '{model}'{aliases}",
            deleted.version
        ));
    }
    Ok(())
}
