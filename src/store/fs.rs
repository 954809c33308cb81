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
use std::sync::{Mutex, OnceLock};

use super::error::{IoContext, Result, StoreError, Subject};
use super::keyed::TEMP_PREFIX;

/// The roots of the stores this process opened. Writes below one never pass through a
/// symbolic link inside it: a link planted as `metrics/`, `tags/`, `.trash` or `models/<m>`
/// would otherwise carry a write (or a move) out of the store. Reads may follow links.
static ROOTS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Confine every later write below `root` to the store itself (see [`ROOTS`]).
pub fn confine_writes_to(root: &Path) {
    let mut roots = ROOTS.lock().unwrap_or_else(|e| e.into_inner());
    if !roots.iter().any(|r| r == root) {
        roots.push(root.to_path_buf());
    }
}

/// Refuse `dir` (and so anything written into it) when it, or a folder between the store root
/// and it, is a symbolic link. A folder that does not exist yet ends the walk: what mlrs
/// creates there is a real folder. The check is made right before each step, so a link
/// planted in the store beforehand is met; one swapped in during the step is not.
fn check_dir_beneath(dir: &Path) -> Result<()> {
    let root = {
        let roots = ROOTS.lock().unwrap_or_else(|e| e.into_inner());
        match roots
            .iter()
            .filter(|r| dir.starts_with(r))
            .max_by_key(|r| r.as_os_str().len())
        {
            Some(root) => root.clone(),
            None => return Ok(()),
        }
    };
    let mut walked = root.clone();
    for part in dir
        .strip_prefix(&root)
        .unwrap_or(Path::new(""))
        .components()
    {
        walked.push(part);
        match fs::symlink_metadata(&walked) {
            Ok(meta) if meta.file_type().is_symlink() => return Err(refused_link(&walked)),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// [`check_dir_beneath`] for the folder holding `path` (`path` itself is replaced, removed
/// or opened without following, never followed).
fn check_beneath(path: &Path) -> Result<()> {
    check_dir_beneath(parent(path)?)
}

fn refused_link(path: &Path) -> StoreError {
    StoreError::invalid(
        path,
        "is a symbolic link; mlrs does not write through links inside the store (a write could land outside it). Replace the link with a real folder or file to write here",
    )
}

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
    check_beneath(path)?;
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
    check_dir_beneath(dir)?;
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
        check_dir_beneath(dir)?;
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
    check_beneath(target)?;
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
    check_beneath(dst)?;
    let tmp = temp_file_in(entity)?;
    create_below(entity, parent(dst)?)?;
    fs::copy(src, tmp.path()).at(src)?;
    tmp.as_file().sync_all().at(tmp.path())?;
    tmp.persist(dst).map_err(|e| StoreError::io(dst, e.error))?;
    Ok(dst.to_path_buf())
}

/// Create (or truncate) the file `path` below the folder `entity` for streamed output; a link
/// there is refused, not followed.
pub fn create_file(path: &Path, entity: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    check_beneath(path)?;
    create_below(entity, parent(path)?)?;
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| write_error(path, e))
}

/// Create an empty folder below `entity` (copied artifact folders keep their empty ones).
pub fn create_dir_below(entity: &Path, dir: &Path) -> Result<()> {
    create_below(entity, dir)
}

/// Append lines to `path` (below the folder `entity`), each with its own single `write(2)` on
/// an `O_APPEND` descriptor, so concurrent appenders (mlrs or MLflow) interleave whole lines.
/// A file that does not exist yet is built whole in a temp file and linked into place
/// (`link(2)` never replaces), because an empty metric file, left by a kill between creating
/// and writing it, makes MLflow's `search_runs` fail for the whole experiment; when another
/// writer created it meanwhile, the lines are appended after its. A short write (a full disk)
/// leaves a partial line that makes the file unreadable to both tools; the error says so,
/// naming the file to repair.
pub fn append_lines<'a>(
    path: &Path,
    lines: impl IntoIterator<Item = &'a str>,
    entity: &Path,
) -> Result<()> {
    check_beneath(path)?;
    create_below(entity, parent(path)?)?;
    let lines: Vec<&str> = lines.into_iter().collect();
    let mut file = match open_append(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if link_new_file(path, &lines.concat(), entity)? {
                return Ok(());
            }
            open_append(path).map_err(|e| write_error(path, e))?
        }
        Err(e) => return Err(write_error(path, e)),
    };
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

/// An existing file opened for appending; a symbolic link is refused, never followed.
fn open_append(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
}

/// Put a new file with `text` at `path` whole, or report `false` when `path` exists already.
/// The file is built unnamed (`O_TMPFILE`) and given its name by `linkat`, so a kill at any
/// moment leaves either nothing or the whole file; where the file system has no `O_TMPFILE`,
/// a named temp file in the entity's folder stands in.
fn link_new_file(path: &Path, text: &str, entity: &Path) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let unnamed = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .open(parent(path)?);
    let Ok(mut file) = unnamed else {
        return link_named_temp(path, text, entity);
    };
    file.write_all(text.as_bytes()).at(path)?;
    apply_new_file_mode(&file, path).at(path)?;
    file.sync_all().at(path)?;
    let from = std::ffi::CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .expect("no NUL in a number");
    let to = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| StoreError::invalid(path, "a path with a NUL byte"))?;
    // SAFETY: both are valid NUL-terminated paths; linkat touches nothing else.
    let linked = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if linked == 0 {
        sync_dir(parent(path)?);
        return Ok(true);
    }
    match std::io::Error::last_os_error() {
        e if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        e => Err(StoreError::io(path, e)),
    }
}

fn link_named_temp(path: &Path, text: &str, entity: &Path) -> Result<bool> {
    let mut tmp = temp_file_in(entity)?;
    tmp.write_all(text.as_bytes()).at(tmp.path())?;
    apply_new_file_mode(tmp.as_file(), path).at(tmp.path())?;
    tmp.as_file().sync_all().at(tmp.path())?;
    match fs::hard_link(tmp.path(), path) {
        Ok(()) => {
            sync_dir(parent(path)?);
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// An error opening a file for writing, saying plainly when it was a link mlrs refused.
fn write_error(path: &Path, e: std::io::Error) -> StoreError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        refused_link(path)
    } else {
        StoreError::io(path, e)
    }
}

/// Appending after a last line that has no newline would glue the new line onto it and turn a
/// torn line into a wrong one that parses. A missing or empty file is fine.
pub fn check_appendable(path: &Path) -> Result<()> {
    use std::os::unix::fs::FileExt;
    let file = match open_regular(path) {
        Ok(file) => file,
        Err(StoreError::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(());
        }
        Err(e) => return Err(e),
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

/// The largest meta.yaml or key file read whole; MLflow's own limits are far below it (a
/// param value is at most 6,000 characters), so a bigger one is damage, not data.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// The text of a store file, which must be a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_to_string(path: &Path) -> Result<String> {
    use std::io::Read;
    let (mut file, size) = open_regular_sized(path)?;
    // Reading many small files (params, tags), one read(2) each: a read that stops at the size
    // the file had when opened is at its end; one that does not (it grew, or shrank) reads on.
    let mut bytes = vec![0; usize::try_from(size.min(MAX_FILE_BYTES)).unwrap_or(0) + 1];
    let first = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => break other.at(path)?,
        }
    };
    bytes.truncate(first);
    if first as u64 != size {
        file.take(MAX_FILE_BYTES + 1 - first as u64)
            .read_to_end(&mut bytes)
            .at(path)?;
    }
    text_of(bytes).map_err(|reason| StoreError::invalid(path, reason))
}

/// The bytes read from a store file as its text: at most [`MAX_FILE_BYTES`], valid UTF-8;
/// otherwise why not (the caller names the file, building its path only then).
pub fn text_of(bytes: Vec<u8>) -> std::result::Result<String, String> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB; no file MLflow writes there is that big",
            MAX_FILE_BYTES >> 20
        ));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_owned())
}

/// Open a store file for reading, refusing anything but a regular file (links are followed)
/// before a read could block or never end: a FIFO is opened without waiting for a writer
/// (`O_NONBLOCK`), and its type checked on the open descriptor.
pub fn open_regular(path: &Path) -> Result<File> {
    open_regular_sized(path).map(|(file, _)| file)
}

/// [`open_regular`], and the file's size then (from the same `fstat`).
pub fn open_regular_sized(path: &Path) -> Result<(File, u64)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .at(path)?;
    let size = check_regular(&file, path)?;
    Ok((file, size))
}

/// The size of `file` (opened from `path`), or why mlrs will not read it.
pub fn check_regular(file: &File, path: &Path) -> Result<u64> {
    use std::os::unix::fs::FileTypeExt;
    let meta = file.metadata().at(path)?;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return Ok(meta.len());
    } else if kind.is_dir() {
        "a folder"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else {
        "a socket"
    };
    Err(StoreError::invalid(
        path,
        format!("is {what}, not a regular file; mlrs reads only regular files in a store"),
    ))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    check_dir_beneath(path)?;
    fs::create_dir_all(path).at(path)
}

pub fn rename(from: &Path, to: &Path) -> Result<()> {
    check_beneath(from)?;
    check_beneath(to)?;
    fs::rename(from, to).map_err(|e| move_error(from, to, e))?;
    if let Some(dir) = to.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Whether the bytes of `short` are the first bytes of `long` (equal files count), compared
/// a block at a time.
pub fn is_prefix(short: &Path, long: &Path) -> Result<bool> {
    let mut a = open_regular(short)?;
    let mut b = open_regular(long)?;
    if a.metadata().at(short)?.len() > b.metadata().at(long)?.len() {
        return Ok(false);
    }
    let (mut x, mut y) = (vec![0u8; 64 << 10], vec![0u8; 64 << 10]);
    loop {
        let n = read_full(&mut a, &mut x).at(short)?;
        if n == 0 {
            return Ok(true);
        }
        if read_full(&mut b, &mut y[..n]).at(long)? != n || x[..n] != y[..n] {
            return Ok(false);
        }
    }
}

/// Read until `buf` is full or the file ends; the count read.
fn read_full(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// The bytes of `path` after `offset`, for a tail known to be short (a torn metric line).
pub fn read_tail(path: &Path, offset: u64) -> Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = open_regular(path)?;
    file.seek(SeekFrom::Start(offset)).at(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES).read_to_end(&mut bytes).at(path)?;
    Ok(bytes)
}

/// Cut `path` to its first `len` bytes in one system call (what came before stays as it was),
/// then make that durable.
pub fn truncate(path: &Path, len: u64) -> Result<()> {
    check_beneath(path)?;
    let file = OpenOptions::new().write(true).open(path).at(path)?;
    file.set_len(len).at(path)?;
    file.sync_all().at(path)
}

pub fn remove_file(path: &Path) -> Result<()> {
    check_beneath(path)?;
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
    check_beneath(dst)?;
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
    check_dir_beneath(scratch)?;
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
    check_beneath(from)?;
    check_beneath(to)?;
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
    check_beneath(path)?;
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
