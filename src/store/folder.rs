//! A store folder opened once and read by name relative to it (`openat`, `fstatat`): a run's
//! params, tags and metrics are hundreds of small files, and looking each one up from the
//! root, plus an `fstat` to learn what it is, costs more system time than reading it. The
//! listing already says which entries are plain files; anything else (a link, a FIFO, a
//! device) is read the careful way, through [`fs::read_to_string`]. Reads only: every write
//! goes through `fs`, which checks it stays beneath the store.

use std::ffi::{CStr, OsStr};
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};

use super::error::{Result, StoreError};
use super::fs;

pub struct Folder {
    fd: OwnedFd,
    path: PathBuf,
}

/// One name in a folder, with its type as the listing gave it.
pub struct Entry {
    name: Box<CStr>,
    kind: FileType,
}

impl Entry {
    /// The name as a key: store names are UTF-8; anything else is shown, not guessed at.
    pub fn key(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.name.to_bytes())
    }

    pub fn is_dir(&self) -> bool {
        self.kind == FileType::Directory
    }

    fn os_name(&self) -> &OsStr {
        OsStr::from_bytes(self.name.to_bytes())
    }
}

const FOLDER: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

/// A missing folder, or a file where one was expected: there is nothing in it to read.
fn absent(e: rustix::io::Errno) -> bool {
    e == rustix::io::Errno::NOENT || e == rustix::io::Errno::NOTDIR
}

impl Folder {
    /// `None` when there is no folder at `path`.
    pub fn open(path: &Path) -> Result<Option<Folder>> {
        match rustix::fs::open(path, FOLDER, Mode::empty()) {
            Ok(fd) => Ok(Some(Folder {
                fd,
                path: path.to_path_buf(),
            })),
            Err(e) if absent(e) => Ok(None),
            Err(e) => Err(StoreError::io(path, e.into())),
        }
    }

    /// The folder `entry` names, `None` when it has gone.
    pub fn sub(&self, entry: &Entry) -> Result<Option<Folder>> {
        let path = self.path.join(entry.os_name());
        match rustix::fs::openat(&self.fd, &*entry.name, FOLDER, Mode::empty()) {
            Ok(fd) => Ok(Some(Folder { fd, path })),
            Err(e) if absent(e) => Ok(None),
            Err(e) => Err(StoreError::io(&path, e.into())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Open the file at `rel` (a name, or `a/b` for a nested key) as [`Folder::open_regular`]
    /// does.
    pub fn open_regular_at(&self, rel: &str) -> Result<std::fs::File> {
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        rustix::fs::openat(&self.fd, rel, flags, Mode::empty())
            .map(std::fs::File::from)
            .map_err(|e| StoreError::io(&self.path.join(rel), e.into()))
    }

    pub fn path_of(&self, entry: &Entry) -> PathBuf {
        self.path.join(entry.os_name())
    }

    /// Every entry but `.` and `..`, sorted by name.
    pub fn entries(&self) -> Result<Vec<Entry>> {
        let mut buf = [MaybeUninit::<u8>::uninit(); 8 << 10];
        let mut dir = RawDir::new(&self.fd, &mut buf);
        let mut out = Vec::new();
        while let Some(entry) = dir.next() {
            let entry = entry.map_err(|e| StoreError::io(&self.path, e.into()))?;
            let name = entry.file_name();
            if matches!(name.to_bytes(), b"." | b"..") {
                continue;
            }
            // Some file systems do not say in the listing; then ask (links not followed).
            let kind = match entry.file_type() {
                FileType::Unknown => rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
                    .map_or(FileType::Unknown, |s| FileType::from_raw_mode(s.st_mode)),
                known => known,
            };
            out.push(Entry {
                name: name.into(),
                kind,
            });
        }
        out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// What `stat` says of the path `rel` beneath the folder (links followed).
    pub fn stat_at(&self, rel: &str) -> std::io::Result<rustix::fs::Stat> {
        Ok(rustix::fs::statat(&self.fd, rel, AtFlags::empty())?)
    }

    /// The size of the file `entry` names (links followed), `None` when it is not a regular
    /// file or cannot be looked at: for budgets, before reading.
    pub fn file_size(&self, entry: &Entry) -> Option<u64> {
        let stat = rustix::fs::statat(&self.fd, &*entry.name, AtFlags::empty()).ok()?;
        (FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
            .then(|| u64::try_from(stat.st_size).unwrap_or(0))
    }

    /// The text of the file `entry` names, which must be a regular file of at most
    /// [`fs::MAX_FILE_BYTES`] in valid UTF-8.
    pub fn read_text(&self, entry: &Entry) -> Result<String> {
        if entry.kind != FileType::RegularFile {
            return fs::read_to_string(&self.path_of(entry));
        }
        let bytes = self
            .read_regular(entry)
            .map_err(|e| StoreError::io(&self.path_of(entry), e))?;
        fs::text_of(bytes).map_err(|reason| StoreError::invalid(&self.path_of(entry), reason))
    }

    /// Open an entry listed as a regular file. `O_NONBLOCK` because it may have been swapped
    /// for a FIFO since: opening one then never waits, and reading it ends at once.
    fn openat_regular(&self, entry: &Entry) -> std::io::Result<std::fs::File> {
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(&self.fd, &*entry.name, flags, Mode::empty())?;
        Ok(std::fs::File::from(fd))
    }

    /// A regular file's bytes with no `fstat`: on a regular file a read that fills less than
    /// it was given stopped at the end, so a small file takes one `read(2)`. Bounded, so a
    /// file swapped for a device since the listing cannot run on forever.
    fn read_regular(&self, entry: &Entry) -> std::io::Result<Vec<u8>> {
        use std::io::Read;
        let mut file = self.openat_regular(entry)?;
        let mut first = [0u8; 4096];
        let n = loop {
            match file.read(&mut first) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        let mut bytes = first[..n].to_vec();
        if n == first.len() {
            file.take(fs::MAX_FILE_BYTES + 1 - n as u64)
                .read_to_end(&mut bytes)?;
        }
        Ok(bytes)
    }
}
