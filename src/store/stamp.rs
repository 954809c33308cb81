//! Change stamps: which paths of a run change with every write, and one number from their
//! sizes and modification times, so that a later look tells with `stat` calls alone whether
//! the run changed (what `sync` keeps between passes). Reads metadata only, never contents;
//! writes nothing.

use std::hash::Hasher;
use std::path::Path;

use super::folder::Folder;

/// FNV-1a, 64 bits. Stamps and value hashes are saved (in sync's state) and compared in a
/// later run, perhaps of a newer build: std's `DefaultHasher` may change between Rust
/// releases, this cannot.
pub struct StableHasher(u64);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for StableHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The paths whose sizes and times change with every write MLflow or mlrs makes to a run:
/// each folder (a new file, or a file replaced by rename, changes its folder's time), each
/// metric file (MLflow appends: the size changes), each tag file (MLflow overwrites a tag in
/// place: the folder's time does not change), meta.yaml, the inputs and the artifacts (kept
/// elsewhere when `artifacts` is outside the run). Param files are left out: a param is never
/// rewritten with another value, and a new one changes its folder. One a line, relative to
/// the run folder (absolute for artifacts kept elsewhere); listed once, when a run has
/// changed, so that a later look stats and never lists.
pub fn watch_list(run_dir: &Path, artifacts: Option<&Path>) -> String {
    let mut watch = String::new();
    let mut roots = vec![run_dir];
    if let Some(a) = artifacts
        && !a.starts_with(run_dir)
    {
        roots.push(a);
    }
    let params = run_dir.join("params");
    for root in roots {
        let walk = walkdir::WalkDir::new(root).sort_by_file_name().into_iter();
        for entry in walk.flatten() {
            let path = entry.path();
            if path.starts_with(&params) && !entry.file_type().is_dir() {
                continue;
            }
            let rel = path.strip_prefix(run_dir).unwrap_or(path);
            if rel.as_os_str().is_empty() {
                watch.push('.');
            } else {
                watch.push_str(&rel.to_string_lossy());
            }
            watch.push('\n');
        }
    }
    watch
}

/// The sizes and modification times of a run's `watch` paths, hashed: one `stat` each,
/// relative to the run folder (`fstatat`: a typical run has 26, and resolving each whole path
/// again costs a third more). A path that is gone counts too; a missing run folder is 0.
pub fn stamp(run_dir: &Path, watch: &str) -> u64 {
    let Ok(Some(dir)) = Folder::open(run_dir) else {
        return 0;
    };
    let mut h = StableHasher::default();
    for rel in watch.lines() {
        h.write(rel.as_bytes());
        h.write_u8(b'\n');
        match dir.stat_at(rel) {
            Ok(st) => {
                h.write_i64(st.st_size);
                h.write_i64(st.st_mtime);
                h.write_i64(st.st_mtime_nsec as i64);
            }
            Err(_) => h.write_u64(u64::MAX),
        }
    }
    h.finish()
}
