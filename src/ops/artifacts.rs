//! Artifacts of runs and registered model versions: list a run's tree with sizes, copy a file
//! or folder out, open one file for reading, download a model version's files. Artifacts are
//! found from the run's `artifact_uri` (inside this store when the store was moved or copied).
//! Must not print or know about clap.

use std::path::{Path, PathBuf};

use crate::store::{
    ArtifactEntry, ArtifactRoot, ErrorKind, Problem, RunInfo, Store, StoreError, Subject,
};

pub struct ArtifactList {
    pub run: RunInfo,
    /// The folder listed below (`""`: the run's whole artifact folder).
    pub path: String,
    /// Folders before their contents, names sorted.
    pub entries: Vec<ArtifactEntry>,
    pub problems: Vec<Problem>,
}

outcome!(ArtifactList);

/// Every artifact of `run` below `path`.
pub fn list(store: &Store, run: &str, path: &str) -> anyhow::Result<ArtifactList> {
    let run = store.find_run(run)?;
    let path = path.trim_end_matches('/').to_owned();
    let root = match store.run_artifacts(&run) {
        // A run with no artifact folder (one that never logged any; git drops empty folders
        // too) lists as empty, as in MLflow. Below a path there is nothing to find.
        Err(e) if path.is_empty() && e.kind() == ErrorKind::NotFound => {
            return Ok(ArtifactList {
                run,
                path,
                entries: Vec::new(),
                problems: Vec::new(),
            });
        }
        root => root?,
    };
    let tree = root.tree(&path)?;
    let entries = tree.items.into_iter().filter(|e| e.path != path).collect();
    Ok(ArtifactList {
        run,
        path,
        entries,
        problems: tree.problems,
    })
}

pub struct Copied {
    /// The file or folder created.
    pub dest: PathBuf,
    pub files: Vec<PathBuf>,
    pub bytes: u64,
    pub problems: Vec<Problem>,
}

outcome!(Copied);

pub struct GetRequest {
    pub run: String,
    pub path: String,
    /// An existing folder receives the artifact under its own name (as `cp` does); any other
    /// path becomes the copy.
    pub dest: PathBuf,
}

/// Copy one artifact file or folder of a run out of the store.
pub fn get(store: &Store, req: &GetRequest) -> anyhow::Result<Copied> {
    let run = store.find_run(&req.run)?;
    let root = store.run_artifacts(&run)?;
    let path = req.path.trim_end_matches('/');
    let dest = if req.dest.is_dir() {
        let name = path.rsplit('/').next().filter(|n| !n.is_empty());
        req.dest.join(name.unwrap_or("artifacts"))
    } else {
        req.dest.clone()
    };
    copy(&root, path, dest)
}

/// One artifact file of a run, open for reading.
pub fn open(store: &Store, run: &str, path: &str) -> anyhow::Result<std::fs::File> {
    let run = store.find_run(run)?;
    Ok(store.run_artifacts(&run)?.open(path)?)
}

/// Copy the files of a model version (`NAME/VERSION`, `NAME@ALIAS`, …) into `dest`, which
/// becomes the model's folder, as MLflow's `download_artifacts("models:/…", dst_path)` does.
pub fn download_model(store: &Store, reference: &str, dest: &Path) -> anyhow::Result<Copied> {
    let mut problems = Vec::new();
    let version = super::models::find_version(store, reference, &mut problems)?;
    let uri = version.download_uri().unwrap_or_default().to_owned();
    let not_local = || {
        StoreError::unsupported(
            Subject::model(&version.name),
            format!(
                "version {} of model '{}' is at {uri}, which is not a local folder of this store",
                version.version, version.name
            ),
        )
    };
    let (root, path) = if let Some(rest) = uri.strip_prefix("runs:/") {
        let (run, path) = rest.split_once('/').unwrap_or((rest, ""));
        let run = store.find_run(run)?;
        (store.run_artifacts(&run)?, path.to_owned())
    } else if let Some(id) = uri.strip_prefix("models:/") {
        let model = store.logged_model(id)?.ok_or_else(not_local)?;
        let dir = store
            .relocated(&model.artifact_location)
            .ok_or_else(not_local)?;
        (ArtifactRoot::new(dir)?, String::new())
    } else {
        let dir = store.relocated(&uri).ok_or_else(not_local)?;
        (ArtifactRoot::new(dir)?, String::new())
    };
    let mut copied = copy(&root, &path, dest.to_path_buf())?;
    problems.append(&mut copied.problems);
    copied.problems = problems;
    Ok(copied)
}

fn copy(root: &ArtifactRoot, path: &str, dest: PathBuf) -> anyhow::Result<Copied> {
    let mut problems = Vec::new();
    let files = root.copy_out(path, &dest, &mut problems)?;
    let bytes = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    Ok(Copied {
        dest,
        files,
        bytes,
        problems,
    })
}
