//! `mlrs runs history RUN METRIC…`: every logged value of some metrics, in file order
//! (MLflow's `get_metric_history`; nothing is sampled).

use anyhow::Result;
use globset::GlobBuilder;
use serde_json::{Value, json};

use super::Ctx;
use super::exit::UsageError;
use crate::render::chart::{self, SPARK_WIDTH};
use crate::render::{self, Cell, Format, Output, Table, json_float};
use crate::store::StoreError;

pub fn history(ctx: &Ctx, run: &str, patterns: &[String]) -> Result<()> {
    let store = ctx.store()?;
    let info = store.find_run(run)?;
    let available = info.metric_keys()?;
    let mut keys: Vec<&String> = Vec::new();
    for pattern in patterns {
        let matched: Vec<&String> = if available.contains(pattern) {
            vec![pattern]
        } else if pattern.contains(['*', '?', '[']) {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(false)
                .build()
                .map_err(|e| UsageError(format!("bad metric pattern {pattern:?}: {e}")))?
                .compile_matcher();
            available.iter().filter(|k| glob.is_match(k)).collect()
        } else {
            Vec::new()
        };
        if matched.is_empty() {
            return Err(StoreError::NotFound(format!(
                "run {} has no metric matching {pattern:?}; its metrics: {}",
                info.run_id,
                if available.is_empty() {
                    "none".to_owned()
                } else {
                    available.join(", ")
                }
            ))
            .into());
        }
        for k in matched {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let mut table = Table::new(["Key", "Step", "Time", "Value", "Dataset"]);
    let mut records = Table::new([
        "key",
        "step",
        "timestamp",
        "value",
        "dataset_name",
        "dataset_digest",
    ]);
    let mut json = Vec::new();
    let mut sparks = String::new();
    let key_w = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    for key in keys {
        let history = info.metric_history(key)?.unwrap_or_default();
        let values: Vec<f64> = history.iter().map(|p| p.value).collect();
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        sparks.push_str(&format!(
            "{:<key_w$}  {}  {} value{}, {} … {}\n",
            render::printable(key),
            chart::sparkline(&values, SPARK_WIDTH),
            values.len(),
            if values.len() == 1 { "" } else { "s" },
            render::human_float(lo),
            render::human_float(hi),
        ));
        for p in history {
            let (name, digest) = p.dataset.clone().unwrap_or_default();
            table.push(vec![
                Cell::text(key),
                Cell::Int(p.step),
                Cell::Time(p.timestamp),
                Cell::Float(p.value),
                Cell::text(&name),
            ]);
            records.push(vec![
                Cell::text(key),
                Cell::Int(p.step),
                Cell::Int(p.timestamp),
                Cell::Float(p.value),
                Cell::text(&name),
                Cell::text(&digest),
            ]);
            let mut point = json!({
                "key": key,
                "value": json_float(p.value),
                "timestamp": p.timestamp,
                "step": p.step,
            });
            if p.dataset.is_some() {
                point["dataset_name"] = Value::from(name);
                point["dataset_digest"] = Value::from(digest);
            }
            json.push(point);
        }
    }
    // The dataset column only when some line was logged with a dataset (3.x).
    if table.rows.iter().all(|r| r[4] == Cell::text("")) {
        table.headers.pop();
        table.rows.iter_mut().for_each(|r| {
            r.pop();
        });
    }
    // A curve per metric above the table, for people; scripts get the rows only.
    if ctx.format == Format::Table {
        ctx.print_line(&sparks)?;
    }
    ctx.print(&Output {
        table,
        json: Value::Array(json),
        records: Some(records),
    })
}
