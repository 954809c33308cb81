//! Where the store is: `--store`, else `MLFLOW_TRACKING_URI` (a path or `file:` URI), else
//! `./mlruns`. Anything that is not a local file store is refused with a message saying what
//! mlrs supports. The caller passes the flag and environment values in; nothing here reads them.

use std::path::{Path, PathBuf};

use super::error::{Result, StoreError, Subject, quote};
use super::{Experiment, MODELS, RunInfo, TRASH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    TrackingUri,
    Default,
}

#[derive(Debug, Clone)]
pub struct Location {
    pub root: PathBuf,
}

pub fn resolve(flag: Option<&str>, tracking_uri: Option<&str>, cwd: &Path) -> Result<Location> {
    let (text, origin) = match (flag, tracking_uri.filter(|s| !s.trim().is_empty())) {
        (Some(f), _) => (f, Origin::Flag),
        (None, Some(uri)) => (uri, Origin::TrackingUri),
        (None, None) => ("mlruns", Origin::Default),
    };
    let path = local_path(text).map_err(|why| {
        let source = match origin {
            Origin::Flag => "--store",
            Origin::TrackingUri => "MLFLOW_TRACKING_URI",
            Origin::Default => "the default store",
        };
        StoreError::unsupported(
            Subject::input("store location", text),
            format!("{source} is {}: {why}", quote(text)),
        )
        .with_hint(
            "mlrs works on MLflow's file store only: a folder such as ./mlruns, or a file: URI (file:///abs/path/mlruns)",
        )
    })?;
    let root = if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    };
    Ok(Location {
        root: normalize(&root),
    })
}

/// Whether `root` is a file store: it has `.trash/`, or the Default experiment, or else some
/// experiment folder whose meta.yaml names it. What is in `root` itself does not count
/// against it (a stray `meta.yaml`, a store folder named `models` or `.trash`: MLflow reads
/// those stores), unless `root` is itself an experiment or a run, so `--store` pointed one
/// level too deep is refused before anything is written there.
pub fn is_store_root(root: &Path) -> bool {
    if root.join(TRASH).is_dir() || Experiment::load(&root.join("0")).is_ok() {
        return true;
    }
    let is_entity = Experiment::load(root).is_ok() || RunInfo::load(root).is_ok();
    // Without `.trash/` and `0/`, a folder named `.trash` holding experiments is the trash
    // of a store, not a store.
    if is_entity || root.file_name().is_some_and(|n| n == TRASH) {
        return false;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return false;
    };
    entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.ends_with(TRASH) && name != MODELS
        })
        .any(|e| Experiment::load(&e.path()).is_ok())
}

/// The local folder a store string names, or why it names none.
fn local_path(text: &str) -> std::result::Result<PathBuf, String> {
    let Some((scheme, rest)) = split_scheme(text) else {
        return Ok(PathBuf::from(text));
    };
    if !scheme.eq_ignore_ascii_case("file") {
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" | "postgresql" | "mysql" | "mssql" => "a database backend",
            "http" | "https" => "a tracking server",
            "databricks" | "databricks-uc" => "Databricks",
            _ => "not a local folder",
        };
        return Err(format!("that is {kind}"));
    }
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let (host, path) = after.split_at(after.find('/').unwrap_or(after.len()));
            if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
                return Err(format!("the file: URI names another host ({host})"));
            }
            path
        }
        None => rest,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() {
        return Err("the file: URI has no path".into());
    }
    Ok(PathBuf::from(percent_decode(path)))
}

/// `scheme:` prefix per RFC 3986; a one-letter scheme is a Windows drive, not a URI.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = text.split_once(':')?;
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some((scheme, rest))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `os.path.abspath`-style cleanup (no symlink resolution, like MLflow).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `file://` + absolute path, as MLflow's `path_to_local_file_uri` (`pathlib.Path.as_uri`)
/// writes it: everything but ASCII letters, digits, `_.-~` and `/` is percent-encoded.
pub fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// The local path of a `file:` URI or plain path, if it is one.
pub fn uri_to_local_path(uri: &str) -> Option<PathBuf> {
    local_path(uri).ok().filter(|p| p.is_absolute())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(flag: Option<&str>, env: Option<&str>) -> Result<PathBuf> {
        resolve(flag, env, Path::new("/work")).map(|l| l.root)
    }

    #[test]
    fn resolution_order() {
        assert_eq!(root(None, None).unwrap(), PathBuf::from("/work/mlruns"));
        assert_eq!(
            root(None, Some("file:///tmp/x%20y")).unwrap(),
            PathBuf::from("/tmp/x y")
        );
        assert_eq!(
            root(Some("../s"), Some("/tmp/x")).unwrap(),
            PathBuf::from("/s")
        );
        assert_eq!(
            root(None, Some("file:rel/m")).unwrap(),
            PathBuf::from("/work/rel/m")
        );
        assert_eq!(
            root(None, Some("file://localhost/a")).unwrap(),
            PathBuf::from("/a")
        );
        assert_eq!(root(None, Some("")).unwrap(), PathBuf::from("/work/mlruns"));
    }

    #[test]
    fn refuses_other_backends() {
        for uri in [
            "sqlite:///mlflow.db",
            "http://localhost:5000",
            "databricks://x",
            "file://otherhost/a",
        ] {
            let err = root(None, Some(uri)).unwrap_err();
            assert!(
                err.to_string().contains("MLFLOW_TRACKING_URI")
                    && err.hint().is_some_and(|h| h.contains("file store")),
                "{err}"
            );
        }
    }

    #[test]
    fn file_uris_round_trip() {
        let p = Path::new("/tmp/a b/ü");
        assert_eq!(file_uri(p), "file:///tmp/a%20b/%C3%BC");
        assert_eq!(uri_to_local_path(&file_uri(p)).unwrap(), p);
    }
}
