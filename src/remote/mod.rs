//! A client for a running MLflow tracking server's REST API (`/api/2.0/mlflow/...`, the
//! artifact proxy `/api/2.0/mlflow-artifacts/...`). It owns request shapes, authentication,
//! retries of 429/5xx with backoff, and MLflow's error bodies. It must not read the
//! environment, print, or know about stores: callers pass plain values in and get plain values
//! (or [`RemoteError`]) out. HTTPS goes through rustls; no system OpenSSL is needed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

/// How to authenticate, whether to check TLS certificates and how often to retry (MLflow's
/// `MLFLOW_TRACKING_TOKEN`, `MLFLOW_TRACKING_USERNAME`/`PASSWORD`,
/// `MLFLOW_TRACKING_INSECURE_TLS`, `MLFLOW_HTTP_REQUEST_MAX_RETRIES`, read by the front-end).
#[derive(Debug, Clone, Default)]
pub struct Auth {
    pub token: Option<String>,
    pub basic: Option<(String, String)>,
    pub insecure_tls: bool,
    /// Retries after a failed attempt; `None`: [`ATTEMPTS`] attempts in all.
    pub max_retries: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("{url}: {message}")]
    Transport { url: String, message: String },
    /// MLflow's `{"error_code": …, "message": …}` with the HTTP status.
    #[error("{url}: HTTP {status} {code}: {message}")]
    Api {
        url: String,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{0}")]
    BadUrl(String),
}

impl RemoteError {
    /// The server has it already (a create that lost a race with another client).
    pub fn is_already_there(&self) -> bool {
        matches!(self, RemoteError::Api { code, .. } if code == "RESOURCE_ALREADY_EXISTS")
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, RemoteError::Api { status: 404, .. })
            || matches!(self, RemoteError::Api { code, .. } if code == "RESOURCE_DOES_NOT_EXIST")
    }
}

pub type Result<T, E = RemoteError> = std::result::Result<T, E>;

/// One metric point as log-batch takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub key: String,
    pub value: f64,
    pub timestamp: i64,
    pub step: i64,
    /// `(name, digest)` of the dataset the point was logged with (MLflow 3).
    pub dataset: Option<(String, String)>,
    /// The server's id of the MLflow 3 logged model the point is also a metric of.
    pub model_id: Option<String>,
}

/// An MLflow 3 logged model on the server, as far as sync needs it.
#[derive(Debug, Clone)]
pub struct RemoteModel {
    pub model_id: String,
    pub artifact_uri: String,
    pub tags: BTreeMap<String, String>,
    pub params: BTreeMap<String, String>,
}

/// A run on the server, as far as sync needs it.
#[derive(Debug, Clone)]
pub struct RemoteRun {
    pub run_id: String,
    pub artifact_uri: String,
    pub lifecycle_stage: String,
    pub tags: BTreeMap<String, String>,
}

/// MLflow's log-batch limits (`MAX_METRICS_PER_BATCH`, `MAX_PARAMS_TAGS_PER_BATCH`,
/// `MAX_ENTITIES_PER_BATCH`) and the request size the server accepts.
pub const BATCH_METRICS: usize = 1000;
pub const BATCH_PARAMS: usize = 100;
pub const BATCH_TAGS: usize = 100;
pub const BATCH_ENTITIES: usize = 1000;
pub const BATCH_BYTES: usize = 1_000_000;

const ATTEMPTS: u32 = 7;

pub struct Client {
    base: String,
    agent: ureq::Agent,
    authorization: Option<String>,
    attempts: u32,
    /// Requests sent (each retry counts), so a caller can show that a pass cost nothing.
    sent: std::sync::atomic::AtomicUsize,
}

impl Client {
    /// A client for `url` (`http://host:port` or `https://…`, optionally with a path prefix).
    pub fn new(url: &str, auth: &Auth) -> Result<Client> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(RemoteError::BadUrl(format!(
                "{url:?} is not an http:// or https:// URL of an MLflow tracking server"
            )));
        }
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(auth.insecure_tls)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .tls_config(tls)
            .build()
            .into();
        let authorization = match (&auth.token, &auth.basic) {
            (Some(token), _) => Some(format!("Bearer {token}")),
            (None, Some((user, password))) => Some(format!(
                "Basic {}",
                base64(format!("{user}:{password}").as_bytes())
            )),
            (None, None) => None,
        };
        Ok(Client {
            base,
            agent,
            authorization,
            attempts: auth.max_retries.map_or(ATTEMPTS, |n| n.saturating_add(1)),
            sent: Default::default(),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// How many requests this client has sent so far.
    pub fn requests(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Send one request, retrying transport errors, 429 and 5xx with exponential backoff
    /// (honouring `Retry-After`). MLflow's own client retries the same codes.
    fn request(&self, method: &str, path: &str, body: Body<'_>) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut delay = Duration::from_millis(250);
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(method, &url, &body);
            let retry_after = match &outcome {
                Ok((status, _, _)) if *status == 429 || *status >= 500 => true,
                Ok((400, _, text)) => busy_database(text),
                Err(_) => true,
                Ok(_) => false,
            };
            if !retry_after || attempt >= self.attempts {
                return match outcome {
                    Ok((status, _, text)) => parse_reply(&url, status, &text),
                    Err(message) => Err(RemoteError::Transport { url, message }),
                };
            }
            let wait = match &outcome {
                Ok((_, Some(seconds), _)) => Duration::from_secs(*seconds).min(delay * 4),
                _ => delay,
            };
            std::thread::sleep(wait);
            delay = (delay * 2).min(Duration::from_secs(8));
            attempt += 1;
        }
    }

    /// One attempt: the status, `Retry-After` in seconds, and the body text.
    fn send_once(
        &self,
        method: &str,
        url: &str,
        body: &Body<'_>,
    ) -> std::result::Result<(u16, Option<u64>, String), String> {
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let auth = self.authorization.as_deref();
        let with_auth = |mut builder: ureq::RequestBuilder<ureq::typestate::WithBody>| {
            if let Some(a) = auth {
                builder = builder.header("Authorization", a);
            }
            builder
        };
        let response = match (method, body) {
            ("DELETE", Body::Query(_)) => {
                let mut builder = self.agent.delete(url);
                if let Some(a) = auth {
                    builder = builder.header("Authorization", a);
                }
                builder.call()
            }
            ("GET", Body::Query(params)) => {
                let mut builder = self.agent.get(url);
                if let Some(a) = auth {
                    builder = builder.header("Authorization", a);
                }
                for (k, v) in params.iter() {
                    builder = builder.query(k, v);
                }
                builder.call()
            }
            (_, Body::Json(value)) => {
                let builder = match method {
                    "PATCH" => self.agent.patch(url),
                    _ => self.agent.post(url),
                };
                with_auth(builder).send_json(value)
            }
            (_, Body::File(path)) => {
                let file = std::fs::File::open(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                with_auth(self.agent.put(url))
                    .header("Content-Type", "application/octet-stream")
                    .send(file)
            }
            (_, Body::Query(_)) => return Err(format!("cannot send {method} with a query")),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let text = response
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| e.to_string())?;
        Ok((status, retry_after, text))
    }

    fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.request("POST", &format!("/api/2.0/mlflow/{path}"), Body::Json(body))
    }

    fn patch(&self, path: &str, body: &Value) -> Result<Value> {
        self.request(
            "PATCH",
            &format!("/api/2.0/mlflow/{path}"),
            Body::Json(body),
        )
    }

    fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        self.request(
            "GET",
            &format!("/api/2.0/mlflow/{path}"),
            Body::Query(query),
        )
    }

    /// The id of the experiment named `name` and its lifecycle stage.
    pub fn experiment_by_name(&self, name: &str) -> Result<Option<(String, String)>> {
        match self.get("experiments/get-by-name", &[("experiment_name", name)]) {
            Ok(reply) => {
                let exp = &reply["experiment"];
                Ok(Some((
                    text(&exp["experiment_id"]),
                    text(&exp["lifecycle_stage"]),
                )))
            }
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The lifecycle stage of experiment `id`, `None` when the server has no such experiment.
    pub fn experiment_stage(&self, id: &str) -> Result<Option<String>> {
        match self.get("experiments/get", &[("experiment_id", id)]) {
            Ok(reply) => Ok(Some(text(&reply["experiment"]["lifecycle_stage"]))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn create_experiment(&self, name: &str) -> Result<String> {
        let reply = self.post("experiments/create", &json!({ "name": name }))?;
        Ok(text(&reply["experiment_id"]))
    }

    pub fn set_experiment_tag(&self, experiment_id: &str, key: &str, value: &str) -> Result<()> {
        self.post(
            "experiments/set-experiment-tag",
            &json!({ "experiment_id": experiment_id, "key": key, "value": value }),
        )
        .map(drop)
    }

    /// Move an experiment to or from the server's trash.
    pub fn set_experiment_deleted(&self, experiment_id: &str, deleted: bool) -> Result<()> {
        let path = if deleted {
            "experiments/delete"
        } else {
            "experiments/restore"
        };
        self.post(path, &json!({ "experiment_id": experiment_id }))
            .map(drop)
    }

    /// Create a run; the server chooses its id.
    pub fn create_run(
        &self,
        experiment_id: &str,
        run_name: &str,
        user_id: &str,
        start_time: Option<i64>,
        tags: &[(&str, &str)],
    ) -> Result<RemoteRun> {
        let mut body = json!({
            "experiment_id": experiment_id,
            "run_name": run_name,
            "user_id": user_id,
            "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))),
        });
        if let Some(t) = start_time {
            body["start_time"] = json!(t);
        }
        let reply = self.post("runs/create", &body)?;
        Ok(remote_run(&reply["run"]))
    }

    pub fn update_run(
        &self,
        run_id: &str,
        status: &str,
        end_time: Option<i64>,
        run_name: &str,
    ) -> Result<()> {
        let mut body = json!({ "run_id": run_id, "status": status, "run_name": run_name });
        if let Some(t) = end_time {
            body["end_time"] = json!(t);
        }
        self.post("runs/update", &body).map(drop)
    }

    pub fn set_run_deleted(&self, run_id: &str, deleted: bool) -> Result<()> {
        let path = if deleted {
            "runs/delete"
        } else {
            "runs/restore"
        };
        self.post(path, &json!({ "run_id": run_id })).map(drop)
    }

    /// One log-batch call; the caller keeps within the `BATCH_*` limits.
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[Metric],
        params: &[(&str, &str)],
        tags: &[(&str, &str)],
    ) -> Result<()> {
        let metrics: Vec<Value> = metrics.iter().map(metric_json).collect();
        let params: Vec<Value> = params
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect();
        self.post(
            "runs/log-batch",
            &json!({
                "run_id": run_id,
                "metrics": metrics,
                "params": params,
                "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))),
            }),
        )
        .map(drop)
    }

    /// `datasets`: `(dataset fields, input tags)` per input.
    pub fn log_inputs(&self, run_id: &str, datasets: &[(Value, Vec<(&str, &str)>)]) -> Result<()> {
        let datasets: Vec<Value> = datasets
            .iter()
            .map(|(dataset, tags)| {
                json!({ "dataset": dataset, "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))) })
            })
            .collect();
        self.post(
            "runs/log-inputs",
            &json!({ "run_id": run_id, "datasets": datasets }),
        )
        .map(drop)
    }

    /// Every run (active and deleted) of `experiment_ids` matching `filter`, page by page.
    pub fn search_runs(&self, experiment_ids: &[String], filter: &str) -> Result<Vec<RemoteRun>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({
                "experiment_ids": experiment_ids,
                "filter": filter,
                "run_view_type": "ALL",
                "max_results": 1000,
            });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let reply = self.post("runs/search", &body)?;
            if let Some(runs) = reply["runs"].as_array() {
                out.extend(runs.iter().map(remote_run));
            }
            match reply["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// Upload one file through the server's artifact proxy; `path` is relative to the proxy
    /// root (an `mlflow-artifacts:/` URI without its scheme).
    pub fn upload_artifact(&self, path: &str, file: &Path) -> Result<()> {
        let encoded: Vec<String> = path
            .split('/')
            .filter(|p| !p.is_empty())
            .map(percent_encode)
            .collect();
        self.request(
            "PUT",
            &format!("/api/2.0/mlflow-artifacts/artifacts/{}", encoded.join("/")),
            Body::File(file),
        )
        .map(drop)
    }

    /// The registered model's tags and description, `None` when it does not exist.
    pub fn registered_model(&self, name: &str) -> Result<Option<Value>> {
        match self.get("registered-models/get", &[("name", name)]) {
            Ok(reply) => Ok(Some(reply["registered_model"].clone())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn create_registered_model(&self, name: &str) -> Result<()> {
        self.post("registered-models/create", &json!({ "name": name }))
            .map(drop)
    }

    pub fn set_registered_model_tag(&self, name: &str, key: &str, value: &str) -> Result<()> {
        self.post(
            "registered-models/set-tag",
            &json!({ "name": name, "key": key, "value": value }),
        )
        .map(drop)
    }

    pub fn update_registered_model(&self, name: &str, description: &str) -> Result<()> {
        self.patch(
            "registered-models/update",
            &json!({ "name": name, "description": description }),
        )
        .map(drop)
    }

    /// Every version of `name`: `(version, tags)`.
    pub fn model_versions(&self, name: &str) -> Result<Vec<(String, BTreeMap<String, String>)>> {
        let filter = format!("name = '{}'", name.replace('\'', "\\'"));
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut query = vec![("filter", filter.as_str()), ("max_results", "10000")];
            if let Some(t) = &token {
                query.push(("page_token", t.as_str()));
            }
            let reply = self.get("model-versions/search", &query)?;
            for v in reply["model_versions"].as_array().into_iter().flatten() {
                out.push((text(&v["version"]), tag_map(&v["tags"])));
            }
            match reply["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// Create a version; the server numbers it.
    pub fn create_model_version(
        &self,
        name: &str,
        source: &str,
        run_id: Option<&str>,
        description: Option<&str>,
        tags: &[(&str, &str)],
        model_id: Option<&str>,
    ) -> Result<String> {
        let mut body = json!({
            "name": name,
            "source": source,
            "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))),
        });
        if let Some(r) = run_id {
            body["run_id"] = json!(r);
        }
        if let Some(m) = model_id {
            body["model_id"] = json!(m);
        }
        if let Some(d) = description {
            body["description"] = json!(d);
        }
        let reply = self.post("model-versions/create", &body)?;
        Ok(text(&reply["model_version"]["version"]))
    }

    pub fn set_model_version_tag(
        &self,
        name: &str,
        version: &str,
        key: &str,
        value: &str,
    ) -> Result<()> {
        self.post(
            "model-versions/set-tag",
            &json!({ "name": name, "version": version, "key": key, "value": value }),
        )
        .map(drop)
    }

    pub fn transition_stage(&self, name: &str, version: &str, stage: &str) -> Result<()> {
        self.post(
            "model-versions/transition-stage",
            &json!({ "name": name, "version": version, "stage": stage,
                     "archive_existing_versions": false }),
        )
        .map(drop)
    }

    /// Create an MLflow 3 logged model; the server chooses its id and artifact location.
    pub fn create_logged_model(
        &self,
        experiment_id: &str,
        name: &str,
        model_type: Option<&str>,
        source_run_id: Option<&str>,
        tags: &[(&str, &str)],
    ) -> Result<RemoteModel> {
        let mut body = json!({
            "experiment_id": experiment_id,
            "name": name,
            "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))),
        });
        if let Some(t) = model_type {
            body["model_type"] = json!(t);
        }
        if let Some(r) = source_run_id {
            body["source_run_id"] = json!(r);
        }
        let reply = self.post("logged-models", &body)?;
        Ok(remote_model(&reply["model"]))
    }

    /// Every logged model of `experiment_id` (the server's search returns live ones only).
    pub fn logged_models(&self, experiment_id: &str) -> Result<Vec<RemoteModel>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body = json!({ "experiment_ids": [experiment_id], "max_results": 100 });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let reply = self.post("logged-models/search", &body)?;
            out.extend(
                reply["models"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(remote_model),
            );
            match reply["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    /// At most [`BATCH_PARAMS`] params a call.
    pub fn log_logged_model_params(&self, model_id: &str, params: &[(&str, &str)]) -> Result<()> {
        let params: Vec<Value> = params
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect();
        self.post(
            &format!("logged-models/{}/params", percent_encode(model_id)),
            &json!({ "model_id": model_id, "params": params }),
        )
        .map(drop)
    }

    pub fn set_logged_model_tags(&self, model_id: &str, tags: &[(&str, &str)]) -> Result<()> {
        self.patch(
            &format!("logged-models/{}/tags", percent_encode(model_id)),
            &json!({ "model_id": model_id, "tags": tags_json(tags.iter().map(|(k, v)| (*k, *v))) }),
        )
        .map(drop)
    }

    /// Set the model's status (MLflow's `LoggedModelStatus` number).
    pub fn finalize_logged_model(&self, model_id: &str, status: i64) -> Result<()> {
        self.patch(
            &format!("logged-models/{}", percent_encode(model_id)),
            &json!({ "model_id": model_id, "status": status }),
        )
        .map(drop)
    }

    pub fn delete_logged_model(&self, model_id: &str) -> Result<()> {
        self.request(
            "DELETE",
            &format!("/api/2.0/mlflow/logged-models/{}", percent_encode(model_id)),
            Body::Query(&[]),
        )
        .map(drop)
    }

    /// The ids of the logged models run `run_id` records as its outputs.
    pub fn run_outputs(&self, run_id: &str) -> Result<Vec<String>> {
        let reply = self.get("runs/get", &[("run_id", run_id)])?;
        let outputs = &reply["run"]["outputs"]["model_outputs"];
        Ok(outputs
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| text(&o["model_id"]))
            .collect())
    }

    /// Record that run `run_id` produced logged model `model_id` at `step`.
    pub fn log_outputs(&self, run_id: &str, model_id: &str, step: i64) -> Result<()> {
        self.post(
            "runs/outputs",
            &json!({ "run_id": run_id, "models": [{ "model_id": model_id, "step": step }] }),
        )
        .map(drop)
    }

    /// StartTraceV3: record a trace's info under the id it has (`trace_info` is MLflow's
    /// `TraceInfoV3` as JSON); returns the tags the server answers with (its
    /// `mlflow.artifactLocation` says where the spans go).
    pub fn start_trace(&self, trace_info: &Value) -> Result<BTreeMap<String, String>> {
        let reply = self.request(
            "POST",
            "/api/3.0/mlflow/traces",
            Body::Json(&json!({ "trace": { "trace_info": trace_info } })),
        )?;
        Ok(string_map(&reply["trace"]["trace_info"]["tags"]))
    }

    /// The tags of a trace the server has (`None` when it has none by that id).
    pub fn trace_tags(&self, trace_id: &str) -> Result<Option<BTreeMap<String, String>>> {
        let path = format!("/api/3.0/mlflow/traces/{}", percent_encode(trace_id));
        match self.request("GET", &path, Body::Query(&[])) {
            Ok(reply) => Ok(Some(string_map(&reply["trace"]["trace_info"]["tags"]))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn set_alias(&self, name: &str, alias: &str, version: &str) -> Result<()> {
        self.post(
            "registered-models/alias",
            &json!({ "name": name, "alias": alias, "version": version }),
        )
        .map(drop)
    }
}

enum Body<'a> {
    Json(&'a Value),
    Query(&'a [(&'a str, &'a str)]),
    File(&'a Path),
}

fn parse_reply(url: &str, status: u16, body: &str) -> Result<Value> {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(if value.is_null() { json!({}) } else { value });
    }
    let message = value["message"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| body.chars().take(300).collect());
    Err(RemoteError::Api {
        url: url.to_owned(),
        status,
        code: value["error_code"].as_str().unwrap_or("").to_owned(),
        message,
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn tag_map(v: &Value) -> BTreeMap<String, String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|t| (text(&t["key"]), text(&t["value"])))
        .collect()
}

/// A protobuf map field as JSON (`{"key": "value", …}`).
fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect()
}

fn tags_json<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<Value> {
    tags.map(|(k, v)| json!({ "key": k, "value": v })).collect()
}

fn remote_model(model: &Value) -> RemoteModel {
    RemoteModel {
        model_id: text(&model["info"]["model_id"]),
        artifact_uri: text(&model["info"]["artifact_uri"]),
        tags: tag_map(&model["info"]["tags"]),
        params: tag_map(&model["data"]["params"]),
    }
}

fn remote_run(run: &Value) -> RemoteRun {
    RemoteRun {
        run_id: text(&run["info"]["run_id"]),
        artifact_uri: text(&run["info"]["artifact_uri"]),
        lifecycle_stage: text(&run["info"]["lifecycle_stage"]),
        tags: tag_map(&run["data"]["tags"]),
    }
}

/// Protobuf's JSON mapping spells non-finite doubles as strings.
fn metric_json(m: &Metric) -> Value {
    let value = if m.value.is_nan() {
        json!("NaN")
    } else if m.value.is_infinite() {
        json!(if m.value > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        })
    } else {
        json!(m.value)
    };
    let mut out = json!({ "key": m.key, "value": value, "timestamp": m.timestamp, "step": m.step });
    if let Some((name, digest)) = &m.dataset {
        out["dataset_name"] = json!(name);
        out["dataset_digest"] = json!(digest);
    }
    if let Some(id) = &m.model_id {
        out["model_id"] = json!(id);
    }
    out
}

/// The size log-batch's JSON gives a metric, for keeping a batch under [`BATCH_BYTES`].
/// A busy SQL backend (its connection pool exhausted, SQLite locked) is transient, but the
/// MLflow server answers it with HTTP 400 like a bad request; such answers are retried.
fn busy_database(body: &str) -> bool {
    ["QueuePool limit", "database is locked"]
        .iter()
        .any(|m| body.contains(m))
}

pub fn metric_size(m: &Metric) -> usize {
    m.key.len()
        + m.model_id.as_ref().map_or(0, |id| id.len() + 16)
        + m.dataset
            .as_ref()
            .map_or(0, |(n, d)| n.len() + d.len() + 40)
        + 80
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"user:pass"), "dXNlcjpwYXNz");
    }

    #[test]
    fn non_finite_metrics_are_protobuf_strings() {
        let m = |value| super::Metric {
            key: "k".into(),
            value,
            timestamp: 1,
            step: 2,
            dataset: None,
            model_id: None,
        };
        assert_eq!(super::metric_json(&m(f64::NAN))["value"], "NaN");
        assert_eq!(
            super::metric_json(&m(f64::NEG_INFINITY))["value"],
            "-Infinity"
        );
        assert_eq!(super::metric_json(&m(0.5))["value"], 0.5);
    }

    #[test]
    fn urls_must_be_http() {
        assert!(super::Client::new("file:///x", &super::Auth::default()).is_err());
        assert!(super::Client::new("http://127.0.0.1:5000/", &super::Auth::default()).is_ok());
    }
}
