//! File primitives every store write goes through: atomic replace, single-`write` append,
//! advisory locks. Nothing else in the crate opens a file for writing.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::error::{IoContext, Result, StoreError};

/// Replace `path` with `bytes` atomically: a temp file in the same folder, fsync, rename, fsync
/// of the folder. Readers see the old file or the new one, never a mix. Mode is 0644 (or the
/// old file's mode), not tempfile's 0600, so MLflow under another user can still read it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    persist(path, bytes, parent(path)?, true)
}

/// [`write_atomic`] with the temp file in `scratch`, a folder on the same filesystem where a
/// leftover temp file (after a crash) is harmless to readers.
pub fn write_atomic_via(path: &Path, bytes: &[u8], scratch: &Path) -> Result<()> {
    persist(path, bytes, scratch, true)
}

/// Create `path` with `bytes`, failing when it already exists (for files that are written once).
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    persist(path, bytes, parent(path)?, false)
}

fn persist(path: &Path, bytes: &[u8], scratch: &Path, overwrite: bool) -> Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir).at(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".mlrs-tmp-")
        .tempfile_in(scratch)
        .at(scratch)?;
    tmp.write_all(bytes).at(tmp.path())?;
    set_mode_like(tmp.as_file(), path).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    let persisted = if overwrite {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map_err(|e| StoreError::io(path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Write a file inside a folder nobody reads yet (a run being built): no temp file needed.
pub fn write_plain(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir).at(dir)?;
    fs::write(path, bytes).at(path)
}

/// Copy `src` to `dst` so that `dst` appears whole (temp file beside it, then rename).
pub fn copy_file(src: &Path, dst: &Path) -> Result<PathBuf> {
    let dir = parent(dst)?;
    fs::create_dir_all(dir).at(dir)?;
    let tmp = tempfile::Builder::new()
        .prefix(".mlrs-tmp-")
        .tempfile_in(dir)
        .at(dir)?;
    fs::copy(src, tmp.path()).at(src)?;
    tmp.persist(dst).map_err(|e| StoreError::io(dst, e.error))?;
    Ok(dst.to_path_buf())
}

/// Append one complete line with a single `write(2)` on an `O_APPEND` descriptor, so concurrent
/// appenders (mlrs or MLflow) interleave whole lines and never tear one.
pub fn append_line(path: &Path, line: &str) -> Result<()> {
    debug_assert!(line.ends_with('\n'));
    append_lines(path, [line])
}

/// Append many lines, each with its own single `write(2)` on one `O_APPEND` descriptor.
pub fn append_lines<'a>(path: &Path, lines: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir).at(dir)?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .at(path)?;
    for line in lines {
        let written = file.write(line.as_bytes()).at(path)?;
        if written != line.len() {
            return Err(StoreError::invalid(
                path,
                "short append; the last line may be torn",
            ));
        }
    }
    Ok(())
}

/// An exclusive advisory lock on a folder (`flock` on its descriptor), held until dropped.
/// Locking the folder itself leaves no lock file behind for MLflow, git or `gc` to meet.
pub struct Lock {
    _dir: File,
}

impl Lock {
    pub fn acquire(dir: &Path) -> Result<Lock> {
        let handle = File::open(dir).at(dir)?;
        handle.lock().at(dir)?;
        Ok(Lock { _dir: handle })
    }
}

/// The text of `<dir>/meta.yaml`; a missing file means the folder is not a `what` at all.
pub fn read_meta(dir: &Path, what: &str) -> Result<(PathBuf, String)> {
    let path = dir.join("meta.yaml");
    match read_to_string(&path) {
        Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Err(
            StoreError::invalid(dir, format!("not {what}: it has no meta.yaml")),
        ),
        other => other.map(|text| (path, text)),
    }
}

pub fn read_to_string(path: &Path) -> Result<String> {
    let bytes = fs::read(path).at(path)?;
    String::from_utf8(bytes).map_err(|_| StoreError::invalid(path, "not valid UTF-8"))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    fs::create_dir_all(path).at(path)
}

pub fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| move_error(from, to, e))?;
    if let Some(dir) = to.parent() {
        sync_dir(dir);
    }
    Ok(())
}

pub fn remove_file(path: &Path) -> Result<()> {
    fs::remove_file(path).at(path)
}

/// Remove a folder and everything in it so that readers see it whole or gone: it is first
/// renamed into `scratch` (same filesystem) under a temp name, then deleted there. A crash
/// in between leaves only a `.mlrs-tmp-*` folder, which no reader takes for data.
pub fn remove_tree(dir: &Path, scratch: &Path) -> Result<()> {
    let doomed = scratch.join(format!(
        "{}{}",
        super::keyed::TEMP_PREFIX,
        uuid::Uuid::new_v4().simple()
    ));
    rename(dir, &doomed)?;
    fs::remove_dir_all(&doomed).at(&doomed)
}

fn parent(path: &Path) -> Result<&Path> {
    path.parent()
        .ok_or_else(|| StoreError::invalid(path, "has no parent folder"))
}

#[cfg(unix)]
fn set_mode_like(file: &File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(target)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o644);
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode_like(_file: &File, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Best effort: persisting the rename itself. Some filesystems refuse fsync on a folder.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A path joined from a validated relative key (which may contain `/`).
pub fn key_path(dir: &Path, key: &str) -> PathBuf {
    key.split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
}

/// A new, uniquely named folder inside `scratch` (which must exist).
pub fn scratch_entry(scratch: &Path, prefix: &str) -> Result<PathBuf> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(scratch)
        .at(scratch)?;
    Ok(dir.keep())
}

/// Move `from` (a file, folder or link) to `to` on the same filesystem; a missing `from` is
/// fine. No fsync: a rename lost to a power cut leaves the thing where it was, for the next
/// run to take, and syncing once per item would dominate a large removal.
pub fn move_out(from: &Path, to: &Path) -> Result<()> {
    match fs::rename(from, to) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other.map_err(|e| move_error(from, to, e)),
    }
}

fn move_error(from: &Path, to: &Path, e: std::io::Error) -> StoreError {
    StoreError::io(
        from,
        std::io::Error::new(e.kind(), format!("cannot move to {}: {e}", to.display())),
    )
}

/// Remove a file, a link (never what it points to) or a folder tree (links inside are
/// removed as links too); a missing path is fine.
pub fn remove_all(path: &Path) -> Result<()> {
    let removed = match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    };
    removed.at(path)
}
