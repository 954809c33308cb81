//! Folders of one-file-per-key values (params, tags, experiment and model tags, aliases).
//! A key with `/` is a nested file; the key is the path relative to the folder.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{Problem, Result};
use super::folder::{Entry, Folder};
use super::fs;

/// Names of mlrs's own temporary files, which a crash can leave behind; never keys.
pub const TEMP_PREFIX: &str = ".mlrs-tmp-";

/// Every key file under `dir` (recursively) with its exact content. A missing folder is empty.
pub fn read_all(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    each_key(dir, &mut |folder, entry, key| {
        out.insert(key, folder.read_text(entry)?);
        Ok(())
    })?;
    Ok(out)
}

/// [`read_all`], where a key file that cannot be read is a problem about that key alone:
/// the other keys, and the experiment or model they belong to, are still read.
pub fn read_readable(dir: &Path, problems: &mut Vec<Problem>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    each_key(dir, &mut |folder, entry, key| {
        match folder.read_text(entry) {
            Ok(value) => {
                out.insert(key, value);
            }
            Err(err) => problems.push(Problem::from_error(&folder.path_of(entry), &err)),
        }
        Ok(())
    })?;
    Ok(out)
}

/// Every key under `dir`, sorted; no file is opened.
pub fn names(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    each_key(dir, &mut |_, _, key| {
        out.push(key);
        Ok(())
    })?;
    out.sort_unstable();
    Ok(out)
}

/// Every key file under `dir` handed to `each` with its folder (opened once, its files read
/// relative to it) and its key; nested keys (`a/b`) come from subfolders.
pub fn each_key(
    dir: &Path,
    each: &mut dyn FnMut(&Folder, &Entry, String) -> Result<()>,
) -> Result<()> {
    fn walk(
        folder: &Folder,
        prefix: &str,
        each: &mut dyn FnMut(&Folder, &Entry, String) -> Result<()>,
    ) -> Result<()> {
        for entry in folder.entries()? {
            let name = entry.key();
            if name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let key = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            if entry.is_dir() {
                if let Some(sub) = folder.sub(&entry)? {
                    walk(&sub, &key, each)?;
                }
            } else {
                each(folder, &entry, key)?;
            }
        }
        Ok(())
    }
    match Folder::open(dir)? {
        Some(folder) => walk(&folder, "", each),
        None => Ok(()),
    }
}

/// The named keys only; missing ones are left out. Opens one file per key and nothing else.
pub fn read_some<'a>(
    dir: &Path,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for key in keys {
        if super::validate::path_not_unique(key) {
            continue;
        }
        let path = fs::key_path(dir, key);
        // A missing key, a folder of nested keys (`a` when `a/b` exists), or a key whose
        // prefix is a file (`a` when asking for `a/b`): not there.
        match std::fs::metadata(&path) {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Ok(meta) if meta.is_dir() => {}
            _ => {
                out.insert(key.to_owned(), fs::read_to_string(&path)?);
            }
        }
    }
    Ok(out)
}

/// `(key, path)` of every key file under `dir`, in name order folder by folder.
pub fn list(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut out = Vec::new();
    each_key(dir, &mut |folder, entry, key| {
        out.push((key, folder.path_of(entry)));
        Ok(())
    })?;
    Ok(out)
}
