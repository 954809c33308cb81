//! `mlrs log`: params, metrics, tags and artifacts into a run, from flags or a batch file.
//! Every entry is parsed and validated before anything is written.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use serde_json::Value;

use super::exit::UsageError;
use super::{Ctx, complete, key_value};
use crate::ops::log::{LogRequest, log};
use crate::pyfloat;
use crate::store::{Batch, MetricEntry};

const AFTER_HELP: &str = "\
Metrics are KEY=VALUE, optionally with their own step: --metric loss=0.31@12.
VALUE is any number Python's float() accepts (nan and inf included); steps are integers.

A batch (--batch FILE, or - for stdin) holds JSON lines, one entry each:
  {\"metric\": \"loss\", \"value\": 0.31, \"step\": 12, \"timestamp\": 1795239971000}
  {\"param\": \"lr\", \"value\": \"0.01\"}
  {\"tag\": \"stage\", \"value\": \"tuning\"}
or MLflow's log_batch document: {\"metrics\": [{\"key\", \"value\", \"timestamp\", \"step\"}],
\"params\": [{\"key\", \"value\"}], \"tags\": [{\"key\", \"value\"}]}. Nothing is written
unless every entry is valid.

Examples:
  mlrs log $RUN --param lr=0.01 --metric rmse=4.2 --tag stage=tuning
  mlrs log --metric loss=0.31@12 --metric acc=0.9@12     # the run in $MLFLOW_RUN_ID
  python train.py | mlrs log $RUN --batch -
  mlrs log $RUN --artifact model.pkl --artifact plots/=figures
  mlrs log $RUN --delete-tag stage";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Run id, unique prefix or name [default: $MLFLOW_RUN_ID]
    #[arg(add = complete::runs())]
    run: Option<String>,
    /// KEY=VALUE (repeatable)
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = key_value)]
    params: Vec<(String, String)>,
    /// KEY=VALUE or KEY=VALUE@STEP (repeatable)
    #[arg(long = "metric", value_name = "KEY=VALUE[@STEP]", add = complete::metric_assignments())]
    metrics: Vec<String>,
    /// Step of metrics given without one
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    step: i64,
    /// Timestamp of the metrics, ms since the epoch [default: now]
    #[arg(long, value_name = "MS")]
    timestamp: Option<i64>,
    /// KEY=VALUE (repeatable)
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    tags: Vec<(String, String)>,
    /// Delete the run's tag KEY, as MLflow's delete_tag does (repeatable; alone, not with
    /// other entries)
    #[arg(long = "delete-tag", value_name = "KEY",
          conflicts_with_all = ["params", "metrics", "tags", "artifacts", "batch"])]
    delete_tags: Vec<String>,
    /// A file or folder to copy into the run's artifacts, optionally under DEST (repeatable)
    #[arg(long = "artifact", value_name = "PATH[=DEST]")]
    artifacts: Vec<String>,
    /// Read entries from FILE (JSON lines or a log_batch document); `-` is stdin
    #[arg(long, value_name = "FILE")]
    batch: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let store = ctx.store()?;
    let run = store.find_run(&ctx.run_or_env(args.run.as_deref())?)?;
    if !args.delete_tags.is_empty() {
        return crate::ops::runs::delete_tags(&store, &run, &args.delete_tags);
    }
    let now = args.timestamp.unwrap_or_else(|| store.now_ms());
    let mut batch = Batch {
        params: args.params,
        tags: args.tags,
        ..Batch::default()
    };
    for spec in &args.metrics {
        batch.metrics.push(parse_metric_flag(spec, args.step, now)?);
    }
    if let Some(source) = &args.batch {
        parse_batch(&read_batch(source)?, source, now, &mut batch)?;
    }
    let artifacts = args
        .artifacts
        .iter()
        .map(|a| parse_artifact(a))
        .collect::<Result<Vec<_>>>()?;
    if batch.is_empty() && artifacts.is_empty() {
        return Err(UsageError(
            "nothing to log: give --param, --metric, --tag, --artifact, --batch or --delete-tag"
                .into(),
        )
        .into());
    }
    let logged = log(
        &store,
        &LogRequest {
            run,
            batch,
            artifacts,
        },
    )?;
    for key in logged.truncated_params {
        ctx.note(&format!("warning: param '{key}' is longer than 6000 characters; stored truncated, as MLflow does"));
    }
    Ok(())
}

/// `loss=0.3` or `loss=0.3@12`.
fn parse_metric_flag(spec: &str, default_step: i64, timestamp: i64) -> Result<MetricEntry> {
    let (key, rest) = spec.split_once('=').ok_or_else(|| {
        UsageError(format!(
            "--metric {}: expected KEY=VALUE or KEY=VALUE@STEP",
            crate::store::quote(spec)
        ))
    })?;
    let (value, step) = match rest.rsplit_once('@') {
        Some((v, s)) => (
            v,
            parse_step(s)
                .map_err(|e| UsageError(format!("--metric {}: {e}", crate::store::quote(spec))))?,
        ),
        None => (rest, default_step),
    };
    Ok(MetricEntry {
        key: key.to_owned(),
        value: parse_value(value)
            .map_err(|e| UsageError(format!("--metric {}: {e}", crate::store::quote(spec))))?,
        timestamp,
        step,
    })
}

fn parse_value(text: &str) -> Result<f64, String> {
    pyfloat::parse(text).ok_or_else(|| {
        format!(
            "{} is not a number. Please specify value as a valid double",
            crate::store::quote(text)
        )
    })
}

fn parse_step(text: &str) -> Result<i64, String> {
    pyfloat::parse_int(text).ok_or_else(|| {
        format!("step {} is not an integer (MLflow can no longer read a run once a non-integer step is logged)", crate::store::quote(text))
    })
}

fn read_batch(source: &str) -> Result<String> {
    let mut bytes = Vec::new();
    let name = if source == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read the batch from stdin")?;
        "stdin"
    } else {
        bytes =
            std::fs::read(source).with_context(|| format!("cannot read batch file {source}"))?;
        source
    };
    // Bad input, not a failure to read it: exit 2 like any other malformed batch.
    String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "the batch from {name} is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        ))
        .into()
    })
}

/// Either one log_batch document, or JSON lines (each an entry or a log_batch document).
fn parse_batch(text: &str, source: &str, now: i64, batch: &mut Batch) -> Result<()> {
    let name = if source == "-" { "stdin" } else { source };
    if let Ok(Value::Object(doc)) = serde_json::from_str::<Value>(text)
        && ["metrics", "params", "tags"]
            .iter()
            .any(|k| doc.contains_key(*k))
    {
        return add_log_batch(&doc, now, batch)
            .map_err(|e| UsageError(format!("{name}: {e}")).into());
    }
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| UsageError(format!("{name}:{}: {e}", i + 1));
        let value: Value = serde_json::from_str(line).map_err(|e| at(format!("not JSON: {e}")))?;
        let Value::Object(obj) = value else {
            return Err(at("expected a JSON object".into()).into());
        };
        if ["metrics", "params", "tags"]
            .iter()
            .any(|k| obj.contains_key(*k))
        {
            add_log_batch(&obj, now, batch).map_err(at)?;
        } else {
            add_entry(&obj, now, batch).map_err(at)?;
        }
    }
    Ok(())
}

type Object = serde_json::Map<String, Value>;

fn check_keys(obj: &Object, allowed: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "unknown key {} (expected {})",
            crate::store::quote(k),
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

/// `{"metric": k, "value": v, "step": n, "timestamp": ms}`, `{"param": k, "value": v}`,
/// `{"tag": k, "value": v}`.
fn add_entry(obj: &Object, now: i64, batch: &mut Batch) -> Result<(), String> {
    let kinds: Vec<&str> = ["metric", "param", "tag"]
        .into_iter()
        .filter(|k| obj.contains_key(*k))
        .collect();
    let [kind] = kinds.as_slice() else {
        return Err("expected exactly one of \"metric\", \"param\", \"tag\"".into());
    };
    let key = obj[*kind]
        .as_str()
        .ok_or(format!("\"{kind}\" must be a string"))?
        .to_owned();
    let value = obj.get("value").ok_or(format!(
        "{kind} {} has no \"value\"",
        crate::store::quote(&key)
    ))?;
    match *kind {
        "metric" => {
            check_keys(obj, &["metric", "value", "step", "timestamp"])?;
            batch.metrics.push(metric(
                key,
                value,
                obj.get("step"),
                obj.get("timestamp"),
                now,
            )?);
        }
        "param" => {
            check_keys(obj, &["param", "value"])?;
            batch.params.push((key, python_str(value)?));
        }
        _ => {
            check_keys(obj, &["tag", "value"])?;
            batch.tags.push((key, python_str(value)?));
        }
    }
    Ok(())
}

/// MLflow's REST `log_batch` body (`run_id` is accepted and ignored: the run is the argument).
fn add_log_batch(doc: &Object, now: i64, batch: &mut Batch) -> Result<(), String> {
    check_keys(doc, &["run_id", "metrics", "params", "tags"])?;
    let list = |k: &str| -> Result<Vec<Object>, String> {
        match doc.get(k) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_object()
                        .cloned()
                        .ok_or(format!("\"{k}\" items must be objects"))
                })
                .collect(),
            Some(_) => Err(format!("\"{k}\" must be a list")),
        }
    };
    let key_of = |o: &Object| {
        o.get("key")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or("an item has no string \"key\"".to_string())
    };
    for m in list("metrics")? {
        check_keys(&m, &["key", "value", "timestamp", "step"])?;
        let value = m.get("value").ok_or("a metric has no \"value\"")?;
        batch.metrics.push(metric(
            key_of(&m)?,
            value,
            m.get("step"),
            m.get("timestamp"),
            now,
        )?);
    }
    for (kind, target) in [("params", &mut batch.params), ("tags", &mut batch.tags)] {
        for p in list(kind)? {
            check_keys(&p, &["key", "value"])?;
            target.push((
                key_of(&p)?,
                python_str(p.get("value").ok_or("an item has no \"value\"")?)?,
            ));
        }
    }
    Ok(())
}

fn metric(
    key: String,
    value: &Value,
    step: Option<&Value>,
    timestamp: Option<&Value>,
    now: i64,
) -> Result<MetricEntry, String> {
    let value = match value {
        Value::Number(n) => n.as_f64().ok_or("value out of range")?,
        Value::String(s) => parse_value(s)?,
        other => {
            return Err(format!(
                "metric {}: value {other} is not a number. Please specify value as a valid double",
                crate::store::quote(&key)
            ));
        }
    };
    let int = |v: Option<&Value>, what: &str, default: i64| -> Result<i64, String> {
        match v {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9e15)
                        .map(|f| f as i64)
                })
                .ok_or_else(|| match what {
                    "step" => parse_step(&n.to_string()).unwrap_err(),
                    _ => format!("{what} {n} is not an integer"),
                }),
            Some(other) => Err(format!("{what} {other} is not an integer")),
        }
    };
    Ok(MetricEntry {
        step: int(step, "step", 0)?,
        timestamp: int(timestamp, "timestamp", now)?,
        key,
        value,
    })
}

/// Python's `str(value)` for a JSON scalar, as MLflow's client stores non-string values.
fn python_str(v: &Value) -> Result<String, String> {
    Ok(match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        // A JSON float is a Python float to MLflow's client: `str(1e-07)`, not `1e-7`.
        Value::Number(n) if n.is_f64() => n
            .as_f64()
            .map(pyfloat::repr)
            .unwrap_or_else(|| n.to_string()),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("value {other} must be a string or a number")),
    })
}

/// `PATH` or `PATH=DEST`; a path that exists as given wins over splitting at `=`.
fn parse_artifact(spec: &str) -> Result<(PathBuf, Option<String>)> {
    let whole = PathBuf::from(spec);
    if whole.exists() {
        return Ok((whole, None));
    }
    let (path, dest) = match spec.rsplit_once('=') {
        Some((p, d)) => (PathBuf::from(p), Some(d.to_owned())),
        None => (whole, None),
    };
    if !path.exists() {
        return Err(UsageError(format!(
            "--artifact {}: {} does not exist",
            crate::store::quote(spec),
            path.display()
        ))
        .into());
    }
    Ok((path, dest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_flags() {
        let m = parse_metric_flag("loss=0.31@12", 0, 5).unwrap();
        assert_eq!(
            (m.key.as_str(), m.value, m.step, m.timestamp),
            ("loss", 0.31, 12, 5)
        );
        assert!(parse_metric_flag("acc=nan", 3, 5).unwrap().value.is_nan());
        assert_eq!(parse_metric_flag("x=1e3@-1", 0, 5).unwrap().step, -1);
        assert!(parse_metric_flag("loss=0.3@1.5", 0, 5).is_err());
        assert!(parse_metric_flag("loss=abc", 0, 5).is_err());
        assert!(parse_metric_flag("loss", 0, 5).is_err());
    }

    #[test]
    fn batch_lines_and_log_batch_documents() {
        let mut b = Batch::default();
        let text = "{\"metric\": \"loss\", \"value\": \"NaN\", \"step\": 2}\n\n{\"param\": \"lr\", \"value\": 0.1}\n{\"tag\": \"ok\", \"value\": true}\n{\"metrics\": [{\"key\": \"m\", \"value\": 1, \"timestamp\": 7, \"step\": 3}]}\n";
        parse_batch(text, "f", 100, &mut b).unwrap();
        assert_eq!(b.metrics.len(), 2);
        assert!(b.metrics[0].value.is_nan());
        assert_eq!((b.metrics[1].timestamp, b.metrics[1].step), (7, 3));
        assert_eq!(b.params, vec![("lr".into(), "0.1".into())]);
        let mut floats = Batch::default();
        let text = "{\"param\": \"tiny\", \"value\": 1e-7}\n{\"param\": \"big\", \"value\": 12345678901234567890}\n{\"metric\": \"m\", \"value\": 0.00036188638196123067}\n";
        parse_batch(text, "f", 0, &mut floats).unwrap();
        assert_eq!(
            floats.params[0].1, "1e-07",
            "as Python's str() of the float"
        );
        assert_eq!(
            floats.params[1].1, "12345678901234567890",
            "an integer stays one"
        );
        assert_eq!(
            floats.metrics[0].value, 0.00036188638196123067_f64,
            "parsed exactly (float_roundtrip)"
        );
        assert_eq!(b.tags, vec![("ok".into(), "True".into())]);
        let doc = "{\"run_id\": \"x\",\n \"params\": [{\"key\": \"a\", \"value\": \"1\"}]}";
        let mut b = Batch::default();
        parse_batch(doc, "f", 0, &mut b).unwrap();
        assert_eq!(b.params.len(), 1);
    }

    #[test]
    fn bad_batch_lines_name_the_line() {
        for (text, want) in [
            (
                "{\"metric\": \"a\", \"value\": 1}\n{\"metric\": \"b\", \"value\": 1, \"step\": 1.5}",
                "f:2: step '1.5' is not an integer",
            ),
            (
                "{\"metric\": \"a\", \"value\": 1, \"stpe\": 1}",
                "f:1: unknown key 'stpe'",
            ),
            (
                "{\"metric\": \"a\", \"value\": \"high\"}",
                "f:1: 'high' is not a number",
            ),
            ("not json", "f:1: not JSON"),
            (
                "{\"param\": \"a\", \"tag\": \"b\", \"value\": 1}",
                "f:1: expected exactly one of",
            ),
        ] {
            let err = parse_batch(text, "f", 0, &mut Batch::default())
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }
}
