//! `mlrs runs history RUN METRIC…`: every logged value of some metrics, in file order
//! (MLflow's `get_metric_history`; nothing is sampled).

use anyhow::Result;
use globset::GlobBuilder;
use serde_json::{Value, json};

use super::Ctx;
use super::exit::UsageError;
use crate::render::{Cell, Output, Table, json_float};
use crate::store::{StoreError, Subject, quote};

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
                .map_err(|e| UsageError(format!("bad metric pattern {}: {e}", quote(pattern))))?
                .compile_matcher();
            available.iter().filter(|k| glob.is_match(k)).collect()
        } else {
            Vec::new()
        };
        if matched.is_empty() {
            return Err(StoreError::not_found(
                Subject::input("metric pattern", pattern),
                format!(
                    "run {} has no metric matching {}; its metrics: {}",
                    info.run_id,
                    quote(pattern),
                    if available.is_empty() {
                        "none".to_owned()
                    } else {
                        available.join(", ")
                    }
                ),
            )
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
    for key in keys {
        for p in info.metric_history(key)?.unwrap_or_default() {
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
    ctx.print(&Output {
        table,
        json: Value::Array(json),
        records: Some(records),
    })
}
