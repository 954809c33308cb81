//! `mlrs experiments …`: list, create, describe, rename, delete, restore, tag.

use anyhow::Result;
use clap::Subcommand;

use super::{Ctx, ViewArg, complete, key_value};
use crate::ops::experiments;

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
        /// Show at most N experiments
        #[arg(short = 'n', long, visible_alias = "max", value_name = "N")]
        limit: Option<usize>,
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
            limit,
        } => {
            let store = ctx.store()?;
            let filter = filter.unwrap_or_default();
            ctx.show(&experiments::list(
                &store,
                view.into(),
                &filter,
                &order_by,
                limit,
            )?)
        }
        Cmd::Create {
            name,
            artifact_location,
            tags,
        } => {
            let store = ctx.store_for_write()?;
            let location = artifact_location.as_deref();
            ctx.show(&experiments::create(
                &store, &name, location, &tags, &ctx.cwd,
            )?)
        }
        Cmd::Describe { experiment } => {
            let store = ctx.store()?;
            ctx.show(&experiments::describe(&store, &experiment)?)
        }
        Cmd::Rename {
            experiment,
            new_name,
        } => {
            let store = ctx.store()?;
            let (exp, renamed) = experiments::rename(&store, &experiment, &new_name)?;
            ctx.note(&format!(
                "renamed experiment {} from '{}' to '{}'",
                renamed.id, exp.name, renamed.name
            ));
            Ok(())
        }
        Cmd::Delete { experiments } => set_deleted(ctx, &experiments, true),
        Cmd::Restore { experiments } => set_deleted(ctx, &experiments, false),
        Cmd::Tag {
            experiment,
            tags,
            delete,
        } => {
            let store = ctx.store()?;
            experiments::tag(&store, &experiment, &tags, &delete)
        }
    }
}

fn set_deleted(ctx: &Ctx, names: &[String], delete: bool) -> Result<()> {
    let store = ctx.store()?;
    let verb = if delete { "deleted" } else { "restored" };
    for exp in experiments::set_deleted(&store, names, delete)? {
        ctx.note(&format!("{verb} experiment {} ({})", exp.id, exp.name));
    }
    Ok(())
}
