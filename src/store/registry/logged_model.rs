//! The little of MLflow 3.x LoggedModels (`<experiment>/models/<m-id>/`, docs/format/registry.md) the registry
//! needs: finding one by id (a version registered from it shows its metrics and params), finding
//! a run's model by name (3.x `register_model("runs:/<run>/<name>")` registers the LoggedModel
//! when the run's artifacts hold no MLmodel), and recording a new version in its
//! `mlflow.modelVersions` tag, as the fluent `register_model` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::super::error::{Problem, Result, StoreError};
use super::super::metric::{self, MetricPoint};
use super::super::run::RunInfo;
use super::super::{MODELS, Store, fs, keyed, load_folders, ops, validate, yaml};
use crate::pyfloat;

pub const MODEL_VERSIONS_TAG: &str = "mlflow.modelVersions";

#[derive(Debug, Clone)]
pub struct LoggedModel {
    pub model_id: String,
    pub name: String,
    pub experiment_id: String,
    pub source_run_id: Option<String>,
    pub artifact_location: String,
    pub deleted: bool,
    pub last_updated_timestamp: Option<i64>,
    pub model_type: Option<String>,
    /// MLflow's `LoggedModelStatus` number (1 pending, 2 ready, 3 upload failed).
    pub status: Option<i64>,
    pub dir: PathBuf,
}

/// One entry of a LoggedModel's `metrics` (MLflow's `Metric.to_dictionary()` fields).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetric {
    pub key: String,
    pub value: f64,
    pub timestamp: i64,
    pub step: i64,
    pub run_id: String,
    pub dataset: Option<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetaFile {
    model_id: Option<String>,
    name: Option<String>,
    experiment_id: Option<String>,
    source_run_id: Option<String>,
    artifact_location: Option<String>,
    lifecycle_stage: Option<String>,
    last_updated_timestamp: Option<i64>,
    model_type: Option<String>,
    status: Option<i64>,
}

impl LoggedModel {
    pub fn load(dir: &Path) -> Result<LoggedModel> {
        let (path, text) = fs::read_meta(dir, "a logged model")?;
        let meta: MetaFile = yaml::parse(&path, &text)?;
        Ok(LoggedModel {
            model_id: meta
                .model_id
                .ok_or_else(|| StoreError::invalid(&path, "missing key 'model_id'"))?,
            name: meta.name.unwrap_or_default(),
            experiment_id: meta.experiment_id.unwrap_or_default(),
            source_run_id: meta.source_run_id,
            artifact_location: meta.artifact_location.unwrap_or_default(),
            deleted: meta.lifecycle_stage.as_deref() == Some("deleted"),
            last_updated_timestamp: meta.last_updated_timestamp,
            model_type: meta.model_type,
            status: meta.status,
            dir: dir.to_path_buf(),
        })
    }

    pub fn params(&self) -> Result<BTreeMap<String, String>> {
        keyed::read_all(&self.dir.join("params"))
    }

    pub fn tags(&self) -> Result<BTreeMap<String, String>> {
        keyed::read_all(&self.dir.join("tags"))
    }

    /// The step at which the run in `run_dir` recorded this model as its output (MLflow 3's
    /// `<run>/outputs/<model id>/meta.yaml`), if it did.
    pub fn output_step(&self, run_dir: &Path) -> Option<i64> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Output {
            step: Option<i64>,
        }
        let dir = run_dir.join("outputs").join(&self.model_id);
        let (path, text) = fs::read_meta(&dir, "a run output").ok()?;
        let output: Output = yaml::parse(&path, &text).ok()?;
        Some(output.step.unwrap_or(0))
    }

    /// Every line of every metric file, in file order: the key, the point and the run that
    /// logged it.
    pub fn metric_lines(&self) -> Result<Vec<(String, MetricPoint, String)>> {
        let mut out = Vec::new();
        for (key, path) in keyed::list(&self.dir.join("metrics"))? {
            for (point, run) in read_lines(&path)? {
                out.push((key.clone(), point, run));
            }
        }
        Ok(out)
    }

    /// The model's metrics as MLflow 3.x reports them: per key and per dataset, the latest
    /// line (MLflow's step, timestamp, value rule). Lines are `ts value step run_id
    /// [dataset_name dataset_digest]`.
    pub fn metrics(&self) -> Result<Vec<ModelMetric>> {
        let mut out = Vec::new();
        for (key, path) in keyed::list(&self.dir.join("metrics"))? {
            let lines = read_lines(&path)?;
            // One latest value per dataset, in order of first appearance.
            let mut datasets = Vec::new();
            for (point, _) in &lines {
                if !datasets.contains(&&point.dataset) {
                    datasets.push(&point.dataset);
                }
            }
            for dataset in datasets {
                let group: Vec<&(MetricPoint, String)> = lines
                    .iter()
                    .filter(|(p, _)| &p.dataset == dataset)
                    .collect();
                let points: Vec<MetricPoint> = group.iter().map(|(p, _)| p.clone()).collect();
                let Some(best) = metric::latest(&points) else {
                    continue;
                };
                let index = points
                    .iter()
                    .position(|p| std::ptr::eq(p, best))
                    .unwrap_or(0);
                out.push(ModelMetric {
                    key: key.clone(),
                    value: best.value,
                    timestamp: best.timestamp,
                    step: best.step,
                    run_id: group[index].1.clone(),
                    dataset: best.dataset.clone(),
                });
            }
        }
        Ok(out)
    }
}

fn read_lines(path: &Path) -> Result<Vec<(MetricPoint, String)>> {
    let text = fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            parse_line(line).ok_or_else(|| StoreError::MetricLine {
                path: path.to_path_buf(),
                line: index + 1,
                text: line.to_owned(),
                reason: "expected `timestamp value step run_id [dataset digest]`".into(),
            })
        })
        .collect()
}

/// The LoggedModels in an experiment folder (live and deleted); unreadable ones go to
/// `problems`.
pub fn logged_models_in(exp_dir: &Path, problems: &mut Vec<Problem>) -> Result<Vec<LoggedModel>> {
    let mut out = load_folders(&exp_dir.join(MODELS), LoggedModel::load, problems)?;
    out.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    Ok(out)
}

fn parse_line(line: &str) -> Option<(MetricPoint, String)> {
    let parts: Vec<&str> = line.trim().split(' ').collect();
    let dataset = match parts.len() {
        4 => None,
        6 => Some((parts[4].to_owned(), parts[5].to_owned())),
        _ => return None,
    };
    let point = MetricPoint {
        timestamp: pyfloat::parse_int(parts[0])?,
        value: pyfloat::parse(parts[1])?,
        step: pyfloat::parse_int(parts[2])?,
        dataset,
    };
    Some((point, parts[3].to_owned()))
}

impl Store {
    /// A LoggedModel by id in any experiment (active, then deleted), as MLflow finds it.
    pub fn logged_model(&self, model_id: &str) -> Result<Option<LoggedModel>> {
        if validate::id("model id", model_id).is_err() {
            return Ok(None);
        }
        let mut experiments = self.experiment_dirs(false)?;
        experiments.extend(self.experiment_dirs(true)?);
        for exp in experiments {
            let dir = exp.join("models").join(model_id);
            if dir.join("meta.yaml").is_file() {
                return LoggedModel::load(&dir).map(Some);
            }
        }
        Ok(None)
    }

    /// The live LoggedModels named `name` that `run` produced (3.x `_get_logged_models_from_run`).
    pub fn logged_models_of_run(&self, run: &RunInfo, name: &str) -> Result<Vec<LoggedModel>> {
        let dir = run.experiment_dir().join("models");
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))? {
            let path = entry.map_err(|e| StoreError::io(&dir, e))?.path();
            if !path.join("meta.yaml").is_file() {
                continue;
            }
            let model = LoggedModel::load(&path)?;
            if !model.deleted
                && model.name == name
                && model.source_run_id.as_deref() == Some(run.run_id.as_str())
            {
                found.push(model);
            }
        }
        found.sort_by(|a, b| a.model_id.cmp(&b.model_id));
        Ok(found)
    }

    /// Append `{"name": …, "version": …}` to the model's `mlflow.modelVersions` tag, in the
    /// bytes Python's `json.dumps` gives, as 3.x's fluent `register_model` does.
    pub fn record_model_version(
        &self,
        model: &LoggedModel,
        name: &str,
        version: u64,
    ) -> Result<()> {
        let tags_dir = model.dir.join("tags");
        let existing = keyed::read_some(&tags_dir, [MODEL_VERSIONS_TAG])?;
        let mut list: Vec<Value> = match existing.get(MODEL_VERSIONS_TAG) {
            Some(text) => serde_json::from_str(text).map_err(|e| {
                StoreError::invalid(
                    &fs::key_path(&tags_dir, MODEL_VERSIONS_TAG),
                    format!("not a JSON list: {e}"),
                )
            })?,
            None => Vec::new(),
        };
        list.push(serde_json::json!({"name": name, "version": version}));
        let text = python_json(&Value::Array(list));
        ops::write_value(&model.dir, &tags_dir, MODEL_VERSIONS_TAG, &text)
    }
}

/// `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, non-ASCII as
/// `\uXXXX` escapes.
fn python_json(value: &Value) -> String {
    match value {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(python_json).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_str(k), python_json(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => python_str(s),
        other => other.to_string(),
    }
}

fn python_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_like_python() {
        let v = serde_json::json!([{"name": "café ☕ \"x\"", "version": 1}]);
        assert_eq!(
            python_json(&v),
            r#"[{"name": "caf\u00e9 \u2615 \"x\"", "version": 1}]"#
        );
    }

    #[test]
    fn model_metric_lines() {
        let (p, run) = parse_line("1795247261000 1.2 3 72b5 green-2021-01 2703253d").unwrap();
        assert_eq!(
            (p.timestamp, p.value, p.step, run.as_str()),
            (1795247261000, 1.2, 3, "72b5")
        );
        assert_eq!(p.dataset, Some(("green-2021-01".into(), "2703253d".into())));
        assert!(parse_line("1 2 3").is_none());
    }
}
