//! Runs: `<experiment dir>/<run_id>/` with `meta.yaml`, `params/`, `metrics/`, `tags/`,
//! `artifacts/` and `inputs/`. Reading is split so callers open only what they need:
//! [`RunInfo::load`] reads meta.yaml alone; [`RunInfo::load_data`] reads the selected keys.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{Problem, Result, StoreError};
use super::excerpt::excerpt;
use super::folder::Folder;
use super::metric::{self, MetricPoint};
use super::yaml::{self, Yaml};
use super::{Flavor, Lifecycle, fs, keyed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RunStatus {
    Running,
    Scheduled,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    /// FINISHED, FAILED or KILLED: the run has ended.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Finished | RunStatus::Failed | RunStatus::Killed
        )
    }

    pub const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Scheduled,
        RunStatus::Finished,
        RunStatus::Failed,
        RunStatus::Killed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Scheduled => "SCHEDULED",
            RunStatus::Finished => "FINISHED",
            RunStatus::Failed => "FAILED",
            RunStatus::Killed => "KILLED",
        }
    }

    /// The integer MLflow stores in meta.yaml.
    pub fn code(self) -> i64 {
        self as i64 + 1
    }

    fn from_code(code: i64) -> Option<RunStatus> {
        RunStatus::ALL.get(usize::try_from(code - 1).ok()?).copied()
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        RunStatus::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// The folder names inside an experiment that are never runs.
pub const RESERVED_FOLDERS: [&str; 4] = ["tags", "datasets", "traces", "models"];

#[derive(Debug, Clone)]
pub struct RunInfo {
    pub run_id: String,
    pub experiment_id: String,
    pub run_name: String,
    pub user_id: String,
    pub status: RunStatus,
    pub start_time: Option<i64>,
    pub end_time: Option<i64>,
    pub lifecycle_stage: Lifecycle,
    pub artifact_uri: String,
    pub deleted_time: Option<i64>,
    pub dir: PathBuf,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(untagged)]
enum StatusField {
    Code(i64),
    Name(String),
}

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(default)]
struct MetaFile {
    run_id: Option<String>,
    run_uuid: Option<String>,
    experiment_id: Option<String>,
    run_name: Option<String>,
    user_id: Option<String>,
    status: Option<StatusField>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    lifecycle_stage: Option<String>,
    artifact_uri: Option<String>,
    deleted_time: Option<i64>,
}

impl MetaFile {
    /// Read meta.yaml, through the flat-document fast path when the text allows it.
    fn parse(path: &Path, text: &str) -> Result<MetaFile> {
        match yaml::flat::parse(text).and_then(|fields| MetaFile::from_flat(&fields)) {
            Some(meta) => Ok(meta),
            None => yaml::parse(path, text),
        }
    }

    /// The fields of a flat document, typed as yaml_serde types them; `None` for any value
    /// whose typing is not obvious here (the full parser then decides).
    fn from_flat(fields: &[(&str, yaml::flat::Flat<'_>)]) -> Option<MetaFile> {
        use yaml::flat::Flat;
        let text = |v: &Flat| match v {
            Flat::Plain(s) => Some(Some((*s).to_owned())),
            Flat::Quoted(s) => Some(Some(s.clone())),
            Flat::Null => Some(None),
            Flat::Empty => None,
        };
        let int = |v: &Flat| match v {
            Flat::Plain(s) if s.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                s.parse().ok().map(Some)
            }
            Flat::Null => Some(None),
            _ => None,
        };
        let mut meta = MetaFile::default();
        for (key, value) in fields {
            match *key {
                "run_id" => meta.run_id = text(value)?,
                "run_uuid" => meta.run_uuid = text(value)?,
                "experiment_id" => meta.experiment_id = text(value)?,
                "run_name" => meta.run_name = text(value)?,
                "user_id" => meta.user_id = text(value)?,
                "lifecycle_stage" => meta.lifecycle_stage = text(value)?,
                "artifact_uri" => meta.artifact_uri = text(value)?,
                "start_time" => meta.start_time = int(value)?,
                "end_time" => meta.end_time = int(value)?,
                "deleted_time" => meta.deleted_time = int(value)?,
                "status" => meta.status = int(value)?.map(StatusField::Code),
                _ => {}
            }
        }
        Some(meta)
    }
}

/// Which keys of a run's data to read. `None` reads nothing, `All` the whole folder.
#[derive(Debug, Clone, Default)]
pub enum Keys {
    #[default]
    None,
    All,
    Some(Vec<String>),
}

impl Keys {
    /// Widen to cover `other` too.
    pub fn union(self, other: Keys) -> Keys {
        match (self, other) {
            (Keys::All, _) | (_, Keys::All) => Keys::All,
            (Keys::None, k) | (k, Keys::None) => k,
            (Keys::Some(mut a), Keys::Some(b)) => {
                for k in b {
                    if !a.contains(&k) {
                        a.push(k);
                    }
                }
                Keys::Some(a)
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct DataSelection {
    pub params: Keys,
    pub metrics: Keys,
    pub tags: Keys,
    pub inputs: bool,
}

impl DataSelection {
    pub fn everything() -> DataSelection {
        DataSelection {
            params: Keys::All,
            metrics: Keys::All,
            tags: Keys::All,
            inputs: true,
        }
    }

    /// Widen to cover `other` too.
    pub fn union(self, other: DataSelection) -> DataSelection {
        DataSelection {
            params: self.params.union(other.params),
            metrics: self.metrics.union(other.metrics),
            tags: self.tags.union(other.tags),
            inputs: self.inputs || other.inputs,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct RunData {
    /// The latest value of each metric (MLflow's rule).
    pub metrics: BTreeMap<String, f64>,
    pub params: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub dataset_inputs: Vec<DatasetInput>,
    /// Inputs whose files could not be read (left out of `dataset_inputs`, reported).
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub info: RunInfo,
    pub data: RunData,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Dataset {
    pub name: String,
    pub digest: String,
    pub source_type: String,
    pub source: String,
    pub schema: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetInput {
    pub dataset: Dataset,
    pub tags: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InputFile {
    source_type: Option<String>,
    source_id: Option<String>,
    tags: Option<BTreeMap<String, String>>,
}

/// MLflow's default run order, `start_time` DESC then `run_id` ASC (a run without a start
/// time, which MLflow cannot sort at all, goes last).
pub fn default_order(a: &RunInfo, b: &RunInfo) -> std::cmp::Ordering {
    b.start_time
        .unwrap_or(i64::MIN)
        .cmp(&a.start_time.unwrap_or(i64::MIN))
        .then_with(|| a.run_id.cmp(&b.run_id))
}

impl RunInfo {
    pub fn meta_path(&self) -> PathBuf {
        self.dir.join("meta.yaml")
    }

    pub fn experiment_dir(&self) -> &Path {
        self.dir.parent().unwrap_or(&self.dir)
    }

    pub fn is_active(&self) -> bool {
        self.lifecycle_stage == Lifecycle::Active
    }

    /// Read a run's meta.yaml (and, only when `run_name` is empty, its `mlflow.runName` tag,
    /// which MLflow falls back to). Checks that ids agree with the folders holding them.
    pub fn load(dir: &Path) -> Result<RunInfo> {
        let folder_id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let experiment_folder = dir
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (path, text) = fs::read_meta(dir, "a run")?;
        let meta = MetaFile::parse(&path, &text)?;
        let run_id = meta
            .run_id
            .or(meta.run_uuid)
            .ok_or_else(|| StoreError::invalid(&path, "missing key 'run_id'"))?;
        if run_id != folder_id {
            return Err(StoreError::invalid(
                &path,
                format!("run_id '{run_id}' does not match its folder name '{folder_id}'"),
            ));
        }
        let experiment_id = meta
            .experiment_id
            .ok_or_else(|| StoreError::invalid(&path, "missing key 'experiment_id'"))?;
        if experiment_id != experiment_folder {
            return Err(StoreError::invalid(
                &path,
                format!(
                    "experiment_id '{experiment_id}' does not match the experiment folder '{experiment_folder}'"
                ),
            ));
        }
        let status = match meta.status {
            None => RunStatus::Running,
            Some(StatusField::Code(c)) => RunStatus::from_code(c)
                .ok_or_else(|| StoreError::invalid(&path, format!("unknown status code {c}")))?,
            Some(StatusField::Name(n)) => RunStatus::parse(&n).ok_or_else(|| {
                StoreError::invalid(
                    &path,
                    format!("unknown status {}", super::quote(&excerpt(&n))),
                )
            })?,
        };
        let mut run_name = meta.run_name.unwrap_or_default();
        if run_name.is_empty() {
            run_name = keyed::read_some(&dir.join("tags"), ["mlflow.runName"])?
                .remove("mlflow.runName")
                .unwrap_or_default();
        }
        Ok(RunInfo {
            run_id,
            experiment_id,
            run_name,
            user_id: meta.user_id.unwrap_or_default(),
            status,
            start_time: meta.start_time,
            end_time: meta.end_time,
            lifecycle_stage: Lifecycle::parse(meta.lifecycle_stage.as_deref()),
            artifact_uri: meta.artifact_uri.unwrap_or_default(),
            deleted_time: meta.deleted_time,
            dir: dir.to_path_buf(),
        })
    }

    /// Read the selected parts of the run's data.
    pub fn load_data(&self, select: &DataSelection) -> Result<RunData> {
        let read = |sub: &str, keys: &Keys| -> Result<BTreeMap<String, String>> {
            let dir = self.dir.join(sub);
            match keys {
                Keys::None => Ok(BTreeMap::new()),
                Keys::All => keyed::read_all(&dir),
                Keys::Some(list) => keyed::read_some(&dir, list.iter().map(String::as_str)),
            }
        };
        let mut data = RunData {
            params: read("params", &select.params)?,
            tags: read("tags", &select.tags)?,
            ..RunData::default()
        };
        let metric_files = match &select.metrics {
            Keys::None => Vec::new(),
            Keys::All => keyed::list(&self.dir.join("metrics"))?,
            Keys::Some(list) => list
                .iter()
                .filter(|k| !super::validate::path_not_unique(k))
                .map(|k| (k.clone(), fs::key_path(&self.dir.join("metrics"), k)))
                .filter(|(_, p)| p.is_file())
                .collect(),
        };
        for (key, path) in metric_files {
            data.metrics.insert(key, metric::read_latest(&path)?.value);
        }
        if select.inputs {
            data.dataset_inputs = self.load_dataset_inputs(&mut data.problems)?;
        }
        Ok(data)
    }

    /// The full history of one metric, in file order (duplicates kept, as MLflow returns them).
    pub fn metric_history(&self, key: &str) -> Result<Option<Vec<MetricPoint>>> {
        self.metric_file(key)
            .map(|p| metric::read_points(&p))
            .transpose()
    }

    /// Every point of metric `key` handed to `each` in file order, memory bounded by a chunk
    /// of the file (see [`metric::for_each_point`]); `false` when the run has no such metric.
    /// Opens the file without looking first: reading many runs, one system call fewer each.
    pub fn for_each_metric_point(&self, key: &str, each: impl FnMut(MetricPoint)) -> Result<bool> {
        if super::validate::path_not_unique(key) {
            return Ok(false);
        }
        let path = fs::key_path(&self.dir.join("metrics"), key);
        match metric::for_each_point(&path, each) {
            Err(StoreError::Io { error, .. })
                if error.kind() == std::io::ErrorKind::NotFound
                    && self.metric_file(key).is_none() =>
            {
                Ok(false)
            }
            other => other.map(|()| true),
        }
    }

    /// The file of metric `key`, `None` when the run has no such metric. Only a missing file
    /// means that; one that is there but cannot be read is an error when it is read.
    fn metric_file(&self, key: &str) -> Option<PathBuf> {
        if super::validate::path_not_unique(key) {
            return None;
        }
        let path = fs::key_path(&self.dir.join("metrics"), key);
        match std::fs::symlink_metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            _ => Some(path),
        }
    }

    /// The points of metric `key` appended after byte `offset` of its file, and the offset to
    /// read from next (see [`metric::read_points_since`]); a metric not logged yet has none.
    pub fn metric_points_since(&self, key: &str, offset: u64) -> Result<(Vec<MetricPoint>, u64)> {
        match self.metric_file(key) {
            Some(path) => metric::read_points_since(&path, offset),
            None => Ok((Vec::new(), offset)),
        }
    }

    /// A fingerprint of what a run has written: the size and modification time of meta.yaml,
    /// of the params, metrics and tags folders, and of every metric file (appends change no
    /// folder). Equal fingerprints mean nothing to read again, which lets a live view watch a
    /// running run with a few `stat`s instead of reading it.
    pub fn change_stamp(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hash = std::collections::hash_map::DefaultHasher::new();
        let mut stat = |path: &Path| {
            if let Ok(md) = std::fs::symlink_metadata(path) {
                (md.len(), md.modified().ok()).hash(&mut hash);
            }
        };
        stat(&self.meta_path());
        for sub in ["params", "metrics", "tags"] {
            stat(&self.dir.join(sub));
        }
        for key in self.metric_keys().unwrap_or_default() {
            stat(&fs::key_path(&self.dir.join("metrics"), &key));
        }
        hash.finish()
    }

    /// The run's metric files with their sizes: one listing, and one `fstatat` a file relative
    /// to the folder. For budgets before reading, then [`RunInfo::metric_reader`].
    pub fn metric_files(&self) -> Result<Vec<MetricFile>> {
        let mut out = Vec::new();
        keyed::each_key(&self.dir.join("metrics"), &mut |folder, entry, key| {
            let size = folder.file_size(entry);
            out.push(MetricFile { key, size });
            Ok(())
        })?;
        out.sort_unstable_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Reads [`RunInfo::metric_files`] with the metrics folder opened once.
    pub fn metric_reader(&self) -> Result<MetricReader> {
        let dir = self.dir.join("metrics");
        Ok(MetricReader {
            folder: Folder::open(&dir)?,
            dir,
            chunk: Vec::new(),
        })
    }

    /// Every metric key the run has.
    pub fn metric_keys(&self) -> Result<Vec<String>> {
        key_names(&self.dir.join("metrics"))
    }

    /// Every param key the run has (names only; no file is opened).
    pub fn param_keys(&self) -> Result<Vec<String>> {
        key_names(&self.dir.join("params"))
    }

    /// Every tag key the run has (names only; no file is opened).
    pub fn tag_keys(&self) -> Result<Vec<String>> {
        key_names(&self.dir.join("tags"))
    }

    /// The run's dataset inputs; one whose input or dataset file is broken is a problem about
    /// that file, and the run is still read.
    fn load_dataset_inputs(&self, problems: &mut Vec<Problem>) -> Result<Vec<DatasetInput>> {
        let inputs_dir = self.dir.join("inputs");
        if !inputs_dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&inputs_dir)
            .map_err(|e| StoreError::io(&inputs_dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        entries.sort();
        let mut out = Vec::new();
        for dir in entries {
            let path = dir.join("meta.yaml");
            let Some(input) = read_yaml::<InputFile>(&path, problems) else {
                continue;
            };
            if input.source_type.as_deref() != Some("DATASET") {
                continue; // 3.x model inputs are not modelled
            }
            let Some(dataset_id) = input.source_id else {
                continue;
            };
            let dataset_path = self
                .experiment_dir()
                .join("datasets")
                .join(&dataset_id)
                .join("meta.yaml");
            if !dataset_path.is_file() {
                // MLflow warns and skips an input whose dataset is missing; so does mlrs.
                continue;
            }
            let Some(dataset) = read_yaml::<Dataset>(&dataset_path, problems) else {
                continue;
            };
            out.push(DatasetInput {
                dataset,
                tags: input.tags.unwrap_or_default(),
            });
        }
        Ok(out)
    }

    /// meta.yaml for this run: keys already in the file are kept (so `run_uuid`, 3.x keys and
    /// keys unknown to mlrs survive a rewrite), MLflow's keys are set from `self`, and
    /// `deleted_time` is present only on deleted runs, as MLflow writes it.
    pub fn meta_document(
        &self,
        existing: Option<BTreeMap<String, Yaml>>,
        flavor: Flavor,
    ) -> String {
        let mut map = existing.unwrap_or_else(|| {
            let mut fresh = BTreeMap::new();
            if flavor == Flavor::V2 {
                fresh.insert("run_uuid".to_string(), Yaml::Null);
            }
            fresh
        });
        if map.contains_key("run_uuid") {
            map.insert("run_uuid".into(), Yaml::str(&self.run_id));
        }
        for (key, value) in [
            ("artifact_uri", Yaml::str(&self.artifact_uri)),
            ("end_time", Yaml::opt_int(self.end_time)),
            ("entry_point_name", Yaml::str("")),
            ("experiment_id", Yaml::str(&self.experiment_id)),
            ("lifecycle_stage", Yaml::str(self.lifecycle_stage.as_str())),
            ("run_id", Yaml::str(&self.run_id)),
            ("run_name", Yaml::str(&self.run_name)),
            ("source_name", Yaml::str("")),
            ("source_type", Yaml::Int(4)),
            ("source_version", Yaml::str("")),
            ("start_time", Yaml::opt_int(self.start_time)),
            ("status", Yaml::Int(self.status.code())),
            ("user_id", Yaml::str(&self.user_id)),
        ] {
            map.insert(key.into(), value);
        }
        map.entry("tags".into())
            .or_insert_with(|| Yaml::Seq(Vec::new()));
        match self.deleted_time.filter(|_| !self.is_active()) {
            Some(t) => map.insert("deleted_time".into(), Yaml::Int(t)),
            None => map.remove("deleted_time"),
        };
        yaml::to_string(&Yaml::Map(map))
    }

    /// The current meta.yaml as a map, for [`RunInfo::meta_document`].
    pub fn read_meta_map(&self) -> Result<BTreeMap<String, Yaml>> {
        let path = self.meta_path();
        yaml::parse_map(&path, &fs::read_to_string(&path)?)
    }
}

/// One metric file of a run, and its size when listed (`None`: not a regular file).
pub struct MetricFile {
    pub key: String,
    pub size: Option<u64>,
}

impl MetricFile {
    /// How many lines the file holds at most, judged from its size (a line MLflow writes, with
    /// its 13-digit timestamp, takes at least 20 bytes).
    pub fn lines_at_most(&self) -> usize {
        self.size.map_or(0, |n| (n / 20) as usize + 1)
    }
}

/// A run's metrics folder, open: its files are read relative to it.
pub struct MetricReader {
    folder: Option<Folder>,
    dir: PathBuf,
    chunk: Vec<u8>,
}

impl MetricReader {
    /// Every point of `file` handed to `each` in file order (see [`metric::for_each_point`]);
    /// one that was not a regular file when listed is opened the careful way, by path.
    pub fn for_each_point(
        &mut self,
        file: &MetricFile,
        each: impl FnMut(MetricPoint),
    ) -> Result<()> {
        match (&self.folder, file.size) {
            (Some(folder), Some(size)) => {
                metric::for_each_point_in(folder, &file.key, size, &mut self.chunk, each)
            }
            _ => metric::for_each_point(&fs::key_path(&self.dir, &file.key), each),
        }
    }
}

/// The keys in a run's `params/`, `metrics/` or `tags/` folder `dir`, sorted (none when it is
/// missing).
pub fn key_names(dir: &Path) -> Result<Vec<String>> {
    keyed::names(dir)
}

/// A YAML file, or `None` with the reason added to `problems`.
fn read_yaml<T: serde::de::DeserializeOwned>(
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    match fs::read_to_string(path).and_then(|text| yaml::parse(path, &text)) {
        Ok(value) => Some(value),
        Err(err) => {
            problems.push(Problem::from_error(path, &err));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        assert_eq!(RunStatus::Finished.code(), 3);
        assert_eq!(RunStatus::from_code(5), Some(RunStatus::Killed));
        assert_eq!(RunStatus::from_code(0), None);
        assert_eq!(RunStatus::parse("failed"), Some(RunStatus::Failed));
    }

    /// The fast path reads every run meta.yaml of both reference stores, and awkward variants,
    /// exactly as the full YAML parser does (or declines).
    #[test]
    fn flat_fast_path_agrees_with_the_yaml_parser() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut texts: Vec<String> = walkdir::WalkDir::new(&fixtures)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() == "meta.yaml")
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter(|t| t.contains("run_id:"))
            .collect();
        assert!(texts.len() > 50, "the fixture runs are there");
        for variant in [
            "run_name: yes\nstatus: 3\n",
            "run_name: '007'\nstart_time: 12\n",
            "run_name: 1e3\nend_time: null\n",
            "run_name: ~\n",
            "status: '3'\n",
            "status: RUNNING\n",
            "start_time: -5\n",
            "start_time: 0x10\n",
            "start_time: 1.5\n",
            "run_name: a 'b' c\n",
            "run_name: 'it''s'\n",
            "user_id: Null\n",
            "tags: []\nx: {}\n",
            "run_name: 'a\u{2028}  b'\n",
            "run_name: 'a\u{2029}\u{2029}  b'\n",
            "run_name: 'a\u{85}  b'\n",
        ] {
            texts.push(variant.to_owned());
        }
        for text in &texts {
            let Some(fast) = yaml::flat::parse(text).and_then(|f| MetaFile::from_flat(&f)) else {
                continue;
            };
            let full: Result<MetaFile> = yaml::parse(Path::new("meta.yaml"), text);
            assert_eq!(Some(fast), full.ok(), "{text}");
        }
    }
}
