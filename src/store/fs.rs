//! File primitives every store write goes through: atomic replace, single-`write` append,
//! streamed files, folder locks, staging folders, whole-folder removal. Nothing else in the crate opens a
//! store file for writing.
//!
//! Two rules hold for every write here: a file appears whole (temp file, fsync, rename), and
//! a write never recreates the folder of an entity that was moved or removed meanwhile (it
//! fails instead), because a half-recreated run folder is a corrupt store for MLflow.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::error::{IoContext, Result, StoreError, Subject};
use super::keyed::TEMP_PREFIX;

/// Replace `path` with `bytes` atomically, the temp file beside it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    persist(path, bytes, parent(path)?)
}

/// Replace `path` (a file at or below the entity folder `entity`) with `bytes` atomically. The
/// temp file lives in `entity`, where a leftover after a crash is harmless to readers (a
/// `params/` or `tags/` folder would make it a key); folders between `entity` and `path` are
/// created, `entity` itself never is.
pub fn write_atomic_via(path: &Path, bytes: &[u8], entity: &Path) -> Result<()> {
    persist(path, bytes, entity)
}

fn persist(path: &Path, bytes: &[u8], entity: &Path) -> Result<()> {
    let mut tmp = temp_file_in(entity)?;
    create_below(entity, parent(path)?)?;
    tmp.write_all(bytes).at(tmp.path())?;
    apply_new_file_mode(tmp.as_file(), path).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    tmp.persist(path)
        .map_err(|e| StoreError::io(path, e.error))?;
    sync_dir(parent(path)?);
    Ok(())
}

/// A temp file in `dir`; `dir` must exist (an entity that moved away fails here, early).
fn temp_file_in(dir: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| gone_or_io(dir, e))
}

fn gone_or_io(dir: &Path, e: std::io::Error) -> StoreError {
    if e.kind() == std::io::ErrorKind::NotFound {
        StoreError::conflict(
            Subject::Path(dir.to_path_buf()),
            "no longer exists (moved or deleted meanwhile?)",
        )
    } else {
        StoreError::io(dir, e)
    }
}

/// Create `dir` and the folders above it, but only below `base`, which must exist.
fn create_below(base: &Path, dir: &Path) -> Result<()> {
    if !base.is_dir() {
        return Err(gone_or_io(base, std::io::ErrorKind::NotFound.into()));
    }
    if dir.starts_with(base) && dir != base {
        fs::create_dir_all(dir).at(dir)?;
    }
    Ok(())
}

/// Create the folder `target` (a run, an experiment, a model, a version) whole: `build` fills
/// a [`staging_dir`] with [`write_staged`], which is then renamed to `target`. Readers see the
/// folder complete or not at all; a failed build leaves nothing behind.
pub fn place_new_folder(
    root: &Path,
    target: &Path,
    build: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let staging = staging_dir(root);
    let placed = build(&staging).and_then(|()| {
        fs::create_dir_all(parent(target)?).at(target)?;
        rename(&staging, target)
    });
    if placed.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    placed
}

/// Write a file into a folder nobody reads yet (a staged run), fsynced, so the folder can
/// be renamed into place whole.
pub fn write_staged(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = parent(path)?;
    fs::create_dir_all(dir).at(dir)?;
    let mut file = File::create(path).at(path)?;
    file.write_all(bytes).at(path)?;
    apply_new_file_mode(&file, path).at(path)?;
    file.sync_all().at(path)
}

/// Copy `src` to `dst` (below the folder `entity`) so that `dst` appears whole.
pub fn copy_file(src: &Path, dst: &Path, entity: &Path) -> Result<PathBuf> {
    let tmp = temp_file_in(entity)?;
    create_below(entity, parent(dst)?)?;
    fs::copy(src, tmp.path()).at(src)?;
    tmp.as_file().sync_all().at(tmp.path())?;
    tmp.persist(dst).map_err(|e| StoreError::io(dst, e.error))?;
    Ok(dst.to_path_buf())
}

/// Create (or truncate) `path` below the folder `entity` for output that arrives as a stream
/// and so cannot be written whole; like every write here it never recreates a vanished
/// `entity`.
pub fn create_streamed(path: &Path, entity: &Path) -> Result<File> {
    create_below(entity, parent(path)?)?;
    File::create(path).at(path)
}

/// Create an empty folder below `entity` (copied artifact folders keep their empty ones).
pub fn create_dir_below(entity: &Path, dir: &Path) -> Result<()> {
    create_below(entity, dir)
}

/// Append lines to `path` (below the folder `entity`), each with its own single `write(2)` on
/// an `O_APPEND` descriptor, so concurrent appenders (mlrs or MLflow) interleave whole lines.
/// A short write (a full disk) leaves a partial line that makes the file unreadable to both
/// tools; the error says so, naming the file to repair.
pub fn append_lines<'a>(
    path: &Path,
    lines: impl IntoIterator<Item = &'a str>,
    entity: &Path,
) -> Result<()> {
    create_below(entity, parent(path)?)?;
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .at(path)?;
    for line in lines {
        debug_assert!(line.ends_with('\n'));
        let written = file.write(line.as_bytes()).at(path)?;
        if written != line.len() {
            return Err(StoreError::invalid(
                path,
                format!(
                    "short append ({written} of {} bytes): the last line is torn; remove it by hand",
                    line.len()
                ),
            ));
        }
    }
    Ok(())
}

/// Appending after a last line that has no newline would glue the new line onto it and turn a
/// torn line into a wrong one that parses. A missing or empty file is fine.
pub fn check_appendable(path: &Path) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    };
    let len = file.metadata().at(path)?.len();
    let mut last = [0u8];
    if len > 0 && file.read_exact_at(&mut last, len - 1).is_ok() && last[0] != b'\n' {
        return Err(StoreError::invalid(
            path,
            "the last line is torn (no newline at its end); complete or remove it before logging more",
        ));
    }
    Ok(())
}

/// An advisory lock on a folder (`flock` on its descriptor), held until dropped. Locking the
/// folder itself leaves no lock file behind for MLflow, git or `gc` to meet.
pub struct Lock {
    _dir: File,
}

impl Lock {
    /// Exclusive: nobody else holds the folder's lock, shared or exclusive.
    pub fn acquire(dir: &Path) -> Result<Lock> {
        let handle = File::open(dir).map_err(|e| gone_or_io(dir, e))?;
        handle.lock().at(dir)?;
        Ok(Lock { _dir: handle })
    }

    /// Shared: many holders at once, but no exclusive one.
    pub fn shared(dir: &Path) -> Result<Lock> {
        let handle = File::open(dir).map_err(|e| gone_or_io(dir, e))?;
        handle.lock_shared().at(dir)?;
        Ok(Lock { _dir: handle })
    }
}

/// The text of `<dir>/meta.yaml`; a missing file means the folder is not a `what` at all. An
/// empty file is read again after 0.1 s and 0.2 s, as MLflow's readers do: MLflow rewrites
/// meta.yaml in place (truncate, then write), so an empty read is usually a write underway.
pub fn read_meta(dir: &Path, what: &str) -> Result<(PathBuf, String)> {
    let path = dir.join("meta.yaml");
    for wait_ms in [100, 200, 0] {
        let text = match read_to_string(&path) {
            Err(StoreError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::invalid(
                    dir,
                    format!("not {what}: it has no meta.yaml"),
                ));
            }
            other => other?,
        };
        if !text.is_empty() || wait_ms == 0 {
            return Ok((path, text));
        }
        std::thread::sleep(std::time::Duration::from_millis(wait_ms));
    }
    unreachable!("the last attempt returns")
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

/// A fresh folder path directly under the store root for building or removing things out of
/// sight: its name ends with `.trash`, which MLflow skips when it lists experiments, and starts
/// with `.`, which mlrs skips. (Any other folder there is an "experiment" to MLflow, and a
/// malformed one makes its `search_experiments` fail.)
pub fn staging_dir(root: &Path) -> PathBuf {
    root.join(format!(
        "{TEMP_PREFIX}{}{}",
        uuid::Uuid::new_v4().simple(),
        super::TRASH
    ))
}

/// Copy a small folder tree (a registered model: meta.yaml files, tags, aliases) to `dst`,
/// which must not exist. Symbolic links are copied as links.
pub fn copy_tree(src: &Path, dst: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.map_err(|e| StoreError::walk(src, e))?;
        let target = dst.join(entry.path().strip_prefix(src).unwrap_or(entry.path()));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).at(&target)?;
        } else if entry.file_type().is_symlink() {
            let link = fs::read_link(entry.path()).at(entry.path())?;
            std::os::unix::fs::symlink(link, &target).at(&target)?;
        } else {
            fs::copy(entry.path(), &target).at(entry.path())?;
            File::open(&target).and_then(|f| f.sync_all()).at(&target)?;
        }
    }
    Ok(())
}

/// Remove a folder so that readers see it whole or gone: renamed out of sight first (see
/// [`staging_dir`]), then deleted. Symbolic links inside are removed, never followed.
pub fn remove_tree(dir: &Path, root: &Path) -> Result<()> {
    let doomed = staging_dir(root);
    rename(dir, &doomed)?;
    remove_all(&doomed)
}

fn parent(path: &Path) -> Result<&Path> {
    path.parent()
        .ok_or_else(|| StoreError::invalid(path, "has no parent folder"))
}

/// Give a file written at `target` the replaced file's mode, else what the process's umask
/// allows (0666 & !umask), as MLflow's `open(path, "w")` would; never tempfile's 0600.
#[cfg(unix)]
fn apply_new_file_mode(file: &File, target: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(target)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o666 & !umask());
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn apply_new_file_mode(_file: &File, _target: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The process umask, read once (Linux reports it without changing it).
#[cfg(unix)]
fn umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        let from_proc = fs::read_to_string("/proc/self/status").ok().and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        });
        from_proc.unwrap_or_else(|| {
            // SAFETY: umask(2) cannot fail; it is set back at once, before any file is created.
            unsafe {
                let old = libc::umask(0o022);
                libc::umask(old);
                old as u32
            }
        })
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_never_recreate_a_vanished_entity() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("exp").join("run");
        let err = write_atomic_via(&run.join("tags").join("a"), b"x", &run).unwrap_err();
        assert!(err.to_string().contains("no longer exists"), "{err}");
        assert!(!tmp.path().join("exp").exists());
        let err = append_lines(&run.join("metrics").join("m"), ["1 2 3\n"], &run).unwrap_err();
        assert!(err.to_string().contains("no longer exists"), "{err}");
        assert!(!tmp.path().join("exp").exists());
    }

    #[test]
    fn new_files_follow_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("k").join("v");
        write_atomic_via(&path, b"x", tmp.path()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !umask());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic_via(&path, b"y", tmp.path()).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640,
            "a rewrite keeps the mode"
        );
    }
}
