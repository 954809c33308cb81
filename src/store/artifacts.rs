//! Reading a run's (or a model's) artifact files and copying them out: the tree below a
//! folder with sizes, one file opened for reading, a file or folder copied to a destination.
//! Everything stays inside the folder it was asked about: `..` and absolute paths are refused,
//! and a symbolic link whose target lies outside is skipped (reported as a problem), never
//! followed. Must not print.

use std::path::{Path, PathBuf};

use super::error::{Result, StoreError, Subject, quote};
use super::{Listing, Problem, RunInfo, Store, fs, location, validate};

/// One entry of an artifact tree, as MLflow's `FileInfo`: the path relative to the artifact
/// root (`/`-separated), and the size of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactEntry {
    pub path: String,
    pub is_dir: bool,
    pub file_size: Option<u64>,
}

/// A folder of artifacts: a run's `artifacts/`, or a model version's files.
#[derive(Debug, Clone)]
pub struct ArtifactRoot {
    pub dir: PathBuf,
    /// `dir` with its symbolic links resolved: what every entry must stay inside.
    real: PathBuf,
}

impl ArtifactRoot {
    pub fn new(dir: PathBuf) -> Result<ArtifactRoot> {
        let real = std::fs::canonicalize(&dir).map_err(|e| StoreError::io(&dir, e))?;
        Ok(ArtifactRoot { dir, real })
    }

    /// The file or folder `path` names (`""` is the root), checked to be a plain relative path
    /// that exists and stays inside the root.
    pub fn resolve(&self, path: &str) -> Result<PathBuf> {
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            return Ok(self.dir.clone());
        }
        if validate::path_not_unique(path) {
            return Err(StoreError::bad_input(
                Subject::input("artifact path", path),
                format!(
                    "artifact path {} must be a relative path inside the artifacts, without '.' or '..' parts",
                    quote(path)
                ),
            ));
        }
        let full = fs::key_path(&self.dir, path);
        match std::fs::canonicalize(&full) {
            Ok(real) if real.starts_with(&self.real) => Ok(full),
            Ok(_) => Err(StoreError::bad_input(
                Subject::Path(full),
                format!(
                    "artifact {} is a symbolic link that leads out of the artifact folder; mlrs does not follow it",
                    quote(path)
                ),
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::not_found(
                Subject::Path(full),
                format!("no artifact {}", quote(path)),
            )
            .with_hint("`mlrs artifacts list RUN` shows what there is")),
            Err(e) => Err(StoreError::io(&full, e)),
        }
    }

    /// Every entry below `path` (the root when empty), folders before their contents, names
    /// sorted. Links that leave the root, and loops, are skipped as problems.
    pub fn tree(&self, path: &str) -> Result<Listing<ArtifactEntry>> {
        let start = self.resolve(path)?;
        let mut listing = Listing {
            items: Vec::new(),
            problems: Vec::new(),
        };
        for (full, meta) in self.walk(&start, &mut listing.problems)? {
            let rel = full.strip_prefix(&self.dir).unwrap_or(&full);
            listing.items.push(ArtifactEntry {
                path: rel.to_string_lossy().into_owned(),
                is_dir: meta.is_dir(),
                file_size: meta.is_file().then_some(meta.len()),
            });
        }
        Ok(listing)
    }

    /// `start` and everything below it, with each entry's metadata (links followed when they
    /// stay inside the root).
    fn walk(
        &self,
        start: &Path,
        problems: &mut Vec<Problem>,
    ) -> Result<Vec<(PathBuf, std::fs::Metadata)>> {
        let mut out = Vec::new();
        let mut walker = walkdir::WalkDir::new(start)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        while let Some(entry) = walker.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) if e.depth() > 0 => {
                    problems.push(Problem::from_error(start, &StoreError::walk(start, e)));
                    continue;
                }
                Err(e) => return Err(StoreError::walk(start, e)),
            };
            if entry.path_is_symlink() {
                let inside = std::fs::canonicalize(entry.path())
                    .is_ok_and(|real| real.starts_with(&self.real));
                if !inside {
                    problems.push(Problem {
                        path: entry.path().to_path_buf(),
                        line: None,
                        reason:
                            "a symbolic link that leads out of the artifact folder (not followed)"
                                .into(),
                    });
                    if entry.file_type().is_dir() {
                        walker.skip_current_dir();
                    }
                    continue;
                }
            }
            let meta = entry.metadata().map_err(|e| StoreError::walk(start, e))?;
            out.push((entry.path().to_path_buf(), meta));
        }
        Ok(out)
    }

    /// Copy the file or folder `path` to `dest` (which becomes that file or folder; missing
    /// parent folders are created). Each file lands whole (temp file, then rename); existing
    /// files are replaced, as `cp` and MLflow's downloads do. Returns the files copied.
    pub fn copy_out(
        &self,
        path: &str,
        dest: &Path,
        problems: &mut Vec<Problem>,
    ) -> Result<Vec<PathBuf>> {
        let start = self.resolve(path)?;
        let mut copied = Vec::new();
        if !start.is_dir() {
            let folder = dest.parent().filter(|p| !p.as_os_str().is_empty());
            let folder = folder.unwrap_or(Path::new("."));
            std::fs::create_dir_all(folder).map_err(|e| StoreError::io(folder, e))?;
            copied.push(fs::copy_file(&start, dest, folder)?);
            return Ok(copied);
        }
        std::fs::create_dir_all(dest).map_err(|e| StoreError::io(dest, e))?;
        for (full, meta) in self.walk(&start, problems)? {
            let rel = full.strip_prefix(&start).unwrap_or(&full);
            let target = dest.join(rel);
            if meta.is_dir() {
                fs::create_dir_below(dest, &target)?;
            } else if meta.is_file() {
                copied.push(fs::copy_file(&full, &target, dest)?);
            }
        }
        Ok(copied)
    }

    /// Open one file for reading.
    pub fn open(&self, path: &str) -> Result<std::fs::File> {
        let full = self.resolve(path)?;
        if full.is_dir() {
            return Err(StoreError::bad_input(
                Subject::Path(full),
                format!("artifact {} is a folder", quote(path.trim_end_matches('/'))),
            )
            .with_hint("`mlrs artifacts list RUN PATH` shows its files"));
        }
        std::fs::File::open(&full).map_err(|e| StoreError::io(&full, e))
    }
}

impl Store {
    /// A run's artifact folder (inside this store when the store was moved or copied).
    pub fn run_artifacts(&self, run: &RunInfo) -> Result<ArtifactRoot> {
        let dir = self.artifact_dir(run)?;
        if !dir.exists() {
            return Err(StoreError::not_found(
                Subject::Path(dir),
                format!("run {} has no artifacts", run.run_id),
            ));
        }
        ArtifactRoot::new(dir)
    }

    /// The local file or folder a recorded `file:` URI (or path) names; when it names a place
    /// in this store's former root (a moved or copied store, as [`Store::local_artifact_dir`]
    /// decides) and the same place exists here, the one here. `None` when it is not local.
    pub fn relocated(&self, uri: &str) -> Option<PathBuf> {
        let path = location::uri_to_local_path(uri)?;
        if path.starts_with(&self.root) {
            return Some(path);
        }
        for former in path.ancestors().skip(1) {
            if !self.is_former_root(Some(former)) {
                continue;
            }
            let Ok(rel) = path.strip_prefix(former) else {
                continue;
            };
            let experiment = rel.components().next().map(|c| self.root.join(c));
            let inside = self.root.join(rel);
            if experiment.is_some_and(|e| e.join("meta.yaml").is_file()) && inside.exists() {
                return Some(inside);
            }
        }
        Some(path)
    }

    /// Where a recorded `file:` URI (or path) of a moved or copied store is now, as a `file:`
    /// URI: `Some` only when the recorded place does not exist and [`Store::relocated`] finds
    /// it in this store (a recorded place that exists is MLflow's answer, and stays).
    pub fn relocated_uri(&self, uri: &str) -> Option<String> {
        let recorded = location::uri_to_local_path(uri)?;
        if recorded.symlink_metadata().is_ok() {
            return None;
        }
        let here = self.relocated(uri).filter(|here| *here != recorded)?;
        Some(location::file_uri(&here))
    }
}
