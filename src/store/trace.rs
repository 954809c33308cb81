//! The little of MLflow 3 traces (`<experiment>/traces/<trace id>/`) that `sync` sends: the
//! fields of `trace_info.yaml`, the `request_metadata/` and `tags/` key files, and where the
//! spans are (`artifacts/traces.json`). Reads only; never prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{Problem, Result};
use super::{fs, keyed, yaml};

#[derive(Debug, Clone)]
pub struct Trace {
    pub trace_id: String,
    /// RFC 3339, as MLflow writes it.
    pub request_time: Option<String>,
    pub execution_duration_ms: Option<i64>,
    pub state: Option<String>,
    pub request_preview: Option<String>,
    pub response_preview: Option<String>,
    pub client_request_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub dir: PathBuf,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InfoFile {
    trace_id: Option<String>,
    request_time: Option<String>,
    execution_duration_ms: Option<i64>,
    state: Option<String>,
    request_preview: Option<String>,
    response_preview: Option<String>,
    client_request_id: Option<String>,
}

impl Trace {
    pub fn load(dir: &Path) -> Result<Trace> {
        let path = dir.join("trace_info.yaml");
        let info: InfoFile = yaml::parse(&path, &fs::read_to_string(&path)?)?;
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        Ok(Trace {
            trace_id: info.trace_id.unwrap_or_else(|| name.into_owned()),
            request_time: info.request_time,
            execution_duration_ms: info.execution_duration_ms,
            state: info.state,
            request_preview: info.request_preview,
            response_preview: info.response_preview,
            client_request_id: info.client_request_id,
            metadata: keyed::read_all(&dir.join("request_metadata"))?,
            tags: keyed::read_all(&dir.join("tags"))?,
            dir: dir.to_path_buf(),
        })
    }

    /// The spans, as MLflow's file store keeps them.
    pub fn spans_file(&self) -> PathBuf {
        self.dir.join("artifacts").join("traces.json")
    }
}

/// The traces of an experiment folder, by id; unreadable ones go to `problems`.
pub fn traces_in(exp_dir: &Path, problems: &mut Vec<Problem>) -> Result<Vec<Trace>> {
    let mut out = super::load_folders(&exp_dir.join("traces"), Trace::load, problems)?;
    out.sort_by(|a, b| a.trace_id.cmp(&b.trace_id));
    Ok(out)
}
