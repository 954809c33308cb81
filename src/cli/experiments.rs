//! `mlrs experiments …`: list, create, describe, rename, delete, restore, tag.

use anyhow::Result;
use clap::Subcommand;
use serde_json::Value;

use super::shape::{self, experiment_json, key_value_table};
use super::{Ctx, ViewArg, complete, key_value};
use crate::query::{self, Target};
use crate::render::{Cell, Output, Table};
use crate::store::{Experiment, Store, ViewType};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Examples:
  mlrs experiments list
  mlrs exp describe nyc-taxi-duration --format json")]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// List experiments, newest first
    #[command(
        alias = "ls",
        after_help = "Filter syntax: MLflow's search_experiments (name, experiment_id, creation_time,\nlast_update_time, tags.<key>; = != < > LIKE ILIKE IN, IS [NOT] NULL on tags),\nplus OR, NOT, parentheses, IN on any string key and now-2d for times.\n\nExamples:\n  mlrs experiments list\n  mlrs experiments list --view all --format json\n  mlrs experiments list --filter \"name LIKE 'nyc%' OR tags.team = 'forecasting'\" --order-by name\n  mlrs experiments list --filter 'creation_time > now-30d' --order-by 'last_update_time DESC'"
    )]
    List {
        /// Which experiments to show
        #[arg(long, value_enum, ignore_case = true, default_value_t)]
        view: ViewArg,
        /// Only experiments matching this filter
        #[arg(long, value_name = "EXPR")]
        filter: Option<String>,
        /// Sort by name, experiment_id, creation_time or last_update_time, ASC or DESC
        /// (repeatable) [default: creation_time DESC, experiment_id]
        #[arg(short = 'o', long = "order-by", value_name = "ORDER")]
        order_by: Vec<String>,
    },
    /// Create an experiment and print its id
    #[command(
        after_help = "Examples:\n  mlrs experiments create nyc-taxi --tag team=forecasting\n  EXP=$(mlrs experiments create sweep-42 --artifact-location s3://bucket/sweep-42)"
    )]
    Create {
        #[arg(allow_hyphen_values = true)]
        name: String,
        /// Where the runs' artifacts go [default: <store>/<id>]
        #[arg(long, value_name = "URI")]
        artifact_location: Option<String>,
        /// A tag to set, KEY=VALUE (repeatable)
        #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
        tags: Vec<(String, String)>,
    },
    /// Show one experiment (by id or exact name)
    #[command(
        after_help = "Examples:\n  mlrs experiments describe nyc-taxi\n  mlrs experiments describe 0 --format json"
    )]
    Describe {
        #[arg(allow_hyphen_values = true, add = complete::experiments())]
        experiment: String,
    },
    /// Rename an experiment
    #[command(
        after_help = "Examples:\n  mlrs experiments rename nyc-taxi-duration nyc-taxi-duration-2021\n  mlrs experiments rename 139239888266706631 'nyc taxi playground'    # by id"
    )]
    Rename {
        #[arg(allow_hyphen_values = true, add = complete::experiments())]
        experiment: String,
        #[arg(allow_hyphen_values = true)]
        new_name: String,
    },
    /// Delete experiments (moved to .trash with their runs; `restore` undoes it)
    #[command(
        after_help = "Examples:\n  mlrs experiments delete 'nyc taxi sandbox' empty-experiment\n  mlrs experiments delete 246123257067496561    # by id\n  mlrs experiments restore 'nyc taxi sandbox'"
    )]
    Delete {
        #[arg(required = true, allow_hyphen_values = true, add = complete::experiments())]
        experiments: Vec<String>,
    },
    /// Restore deleted experiments and their runs
    #[command(
        after_help = "Examples:\n  mlrs experiments list --view deleted\n  mlrs experiments restore scratch"
    )]
    Restore {
        #[arg(required = true, allow_hyphen_values = true, add = complete::experiments())]
        experiments: Vec<String>,
    },
    /// Set (or with --delete, remove) experiment tags
    #[command(
        after_help = "Examples:\n  mlrs experiments tag nyc-taxi owner=alice dataset/color=yellow\n  mlrs experiments tag nyc-taxi --delete owner"
    )]
    Tag {
        #[arg(allow_hyphen_values = true, add = complete::experiments())]
        experiment: String,
        /// KEY=VALUE pairs to set
        #[arg(value_name = "KEY=VALUE", value_parser = key_value, required_unless_present = "delete")]
        tags: Vec<(String, String)>,
        /// A tag key to remove (repeatable)
        #[arg(long, value_name = "KEY")]
        delete: Vec<String>,
    },
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    match args.command {
        Cmd::List {
            view,
            filter,
            order_by,
        } => list(ctx, view.into(), filter.as_deref().unwrap_or(""), &order_by),
        Cmd::Create {
            name,
            artifact_location,
            tags,
        } => {
            let store = ctx.store_for_write()?;
            let new = crate::store::NewExperiment {
                name: &name,
                artifact_location: artifact_location.as_deref(),
                tags: &tags,
            };
            let exp = store.create_experiment(&new, &ctx.cwd)?;
            print_id(ctx, &exp)
        }
        Cmd::Describe { experiment } => {
            let store = ctx.store()?;
            let exp = store.find_experiment(&experiment)?;
            ctx.print(&describe(&exp))
        }
        Cmd::Rename {
            experiment,
            new_name,
        } => {
            let store = ctx.store()?;
            let exp = store.find_experiment(&experiment)?;
            let renamed = store.rename_experiment(&exp, &new_name)?;
            ctx.note(&format!(
                "renamed experiment {} from '{}' to '{}'",
                renamed.id, exp.name, renamed.name
            ));
            Ok(())
        }
        Cmd::Delete { experiments } => {
            for_each(ctx, &experiments, Store::check_deletable, |store, exp| {
                let deleted = store.delete_experiment(exp)?;
                Ok(format!(
                    "deleted experiment {} ({})",
                    deleted.id, deleted.name
                ))
            })
        }
        Cmd::Restore { experiments } => {
            for_each(ctx, &experiments, Store::check_restorable, |store, exp| {
                let restored = store.restore_experiment(exp)?;
                Ok(format!(
                    "restored experiment {} ({})",
                    restored.id, restored.name
                ))
            })
        }
        Cmd::Tag {
            experiment,
            tags,
            delete,
        } => {
            let store = ctx.store()?;
            let exp = store.find_experiment(&experiment)?;
            store.set_experiment_tags(&exp, &tags, &delete)?;
            Ok(())
        }
    }
}

/// Resolve every experiment first (so a typo changes nothing), then act on each.
fn for_each(
    ctx: &Ctx,
    names: &[String],
    check: impl Fn(&Store, &Experiment) -> crate::store::Result<()>,
    action: impl Fn(&Store, &Experiment) -> crate::store::Result<String>,
) -> Result<()> {
    let store = ctx.store()?;
    let exps = names
        .iter()
        .map(|n| store.find_experiment(n))
        .collect::<Result<Vec<_>, _>>()?;
    for exp in &exps {
        check(&store, exp)?;
    }
    for exp in &exps {
        ctx.note(&action(&store, exp)?);
    }
    Ok(())
}

fn print_id(ctx: &Ctx, exp: &Experiment) -> Result<()> {
    if ctx.format == crate::render::Format::Json {
        ctx.print(&crate::render::Output::new(
            Table::default(),
            experiment_json(exp),
        ))
    } else {
        ctx.print_line(&exp.id)
    }
}

/// MLflow's `search_experiments`: filter, then its order (the store lists in the default one).
fn list(ctx: &Ctx, view: ViewType, filter: &str, order_by: &[String]) -> Result<()> {
    let store = ctx.store()?;
    let filter = query::Filter::parse(filter, Target::Experiments, store.now_ms())?;
    let order = query::OrderBy::parse_all(order_by, Target::Experiments)?;
    let listing = store.experiments(view)?;
    ctx.report(&listing.problems);
    let mut experiments: Vec<Experiment> = listing
        .items
        .into_iter()
        .filter(|e| filter.matches(e))
        .collect();
    query::sort_experiments(&mut experiments, &order);
    ctx.print(&experiments_output(&experiments, view))
}

pub fn experiments_output(exps: &[Experiment], view: ViewType) -> Output {
    let show_stage = view != ViewType::ActiveOnly;
    let mut headers = vec!["ID", "Name", "Created", "Tags"];
    if show_stage {
        headers.insert(2, "Stage");
    }
    let mut table = Table::new(headers);
    let mut records = Table::new([
        "experiment_id",
        "name",
        "artifact_location",
        "lifecycle_stage",
        "creation_time",
        "last_update_time",
    ]);
    for e in exps {
        let tags = e
            .tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut row = vec![
            Cell::text(&e.id),
            Cell::text(&e.name),
            Cell::opt_time(e.creation_time),
            Cell::Text(tags),
        ];
        if show_stage {
            row.insert(2, Cell::text(e.lifecycle_stage.as_str()));
        }
        table.push(row);
        records.push(vec![
            Cell::text(&e.id),
            Cell::text(&e.name),
            Cell::text(&e.artifact_location),
            Cell::text(e.lifecycle_stage.as_str()),
            Cell::opt_time(e.creation_time),
            Cell::opt_time(e.last_update_time),
        ]);
    }
    Output {
        table,
        json: Value::Array(exps.iter().map(experiment_json).collect()),
        records: Some(records),
    }
}

fn describe(exp: &Experiment) -> Output {
    let mut rows = vec![
        ("experiment_id".to_string(), Cell::text(&exp.id)),
        ("name".into(), Cell::text(&exp.name)),
        (
            "lifecycle_stage".into(),
            Cell::text(exp.lifecycle_stage.as_str()),
        ),
        (
            "artifact_location".into(),
            Cell::text(&exp.artifact_location),
        ),
        ("creation_time".into(), Cell::opt_time(exp.creation_time)),
        (
            "last_update_time".into(),
            Cell::opt_time(exp.last_update_time),
        ),
    ];
    rows.extend(shape::prefixed("tags", &exp.tags, |v| Cell::text(v)));
    let mut out = experiments_output(std::slice::from_ref(exp), ViewType::All);
    out.table = key_value_table(rows);
    out.json = experiment_json(exp);
    out
}
